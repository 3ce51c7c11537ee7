/* edg_net.c - EDG-Net (Chen et al. 2025): a U-GAT-IT generator translates
 * the plain image into a cipher domain and a second one translates it back;
 * the trained weights are the key (docs/schemes/edg-net.md).
 *
 * Per slice and channel the image is cut into tiles of `tile` x `tile`
 * samples; a tile at the right or bottom edge is filled up to the full size by
 * mirroring its own samples.  With codes u in [0, 2^bits - 1] (signed samples
 * offset by 2^(bits-1)) scaled to x = u / ((2^bits - 1) / 2) - 1:
 *
 *   q  = Q(g_pc(x))      Q(y) = floor((y + 1) (2^bits - 1) / 2 + 1/2), clamped
 *   x' = Q(g_cp(q scaled))      the decryption network's reconstruction
 *
 * paper:    the cipher is q, decryption returns x' (lossy, as published); no
 *           nonce, no MAC: the model is the whole key, the key file only opens
 *           an encrypted model file.  With the built-in (public) model this
 *           is no encryption at all.
 * hardened: the cipher is q XOR a keyed stream "edgnet/mask" (XChaCha20 under
 *           the scheme's sub-key and a fresh nonce), so its secrecy rests on
 *           the stream, never on the network; the residual u - x' travels
 *           encrypted in the aux blob (residual.h); the framework's MAC covers
 *           pixels, metadata and residual.  Bit-exact: both generators run on
 *           the engine's reference kernels, identical on every build.
 *
 * The model comes from the caller (mc_opts.model: a file made by `medcrypt
 * train edg-net`, usually encrypted under a key: mc_opts.model_key, by
 * default the call's key) or is the built-in public model.  The file records
 * only the model's identifier, BLAKE2b-128 of the model file's bytes
 * (model_id; and p.model=blake2b:<id> for a caller's model, as at-resnet-cm).
 */
#include "core/internal.h"
#include "nn/builtin_models.h"
#include "nn/edgnet.h"
#include "schemes/residual.h"
#include "schemes/schemes.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>

#define META_MODEL_ID "model_id"
#define LABEL_MASK "edgnet/mask"
#define LABEL_RESIDUAL "edgnet/residual"
#define TILE_MAX 1024u
#define BATCH_MAX 8u
#define BATCH_SAMPLES (1u << 18) /* tiles per forward pass: at most this many samples */

static const mc_param_def edg_params[] = {
    {"model", "builtin",
     "'builtin' (the PUBLIC model shipped with medcrypt); with --model FILE (a secret model from `medcrypt train "
     "edg-net`, the paper's key; needed again to decrypt) medcrypt records its BLAKE2b id here"},
    {"tile", "model",
     "the generators run on tiles of tile x tile samples: a multiple of 4 in 16..1024, or 'model' (the size the model "
     "was trained on)"},
};

typedef struct edg {
    mc_nn_model model;
    mc_nn_net *enc, *dec;
    uint8_t id[16];
    uint32_t tile, batch;
    size_t w, h, d, ch, n;
    uint32_t maxv, sign;
    float half; /* (2^bits - 1) / 2, exact */
    int bits;
    float *x;      /* batch x tile x tile network inputs */
    uint32_t *u;   /* batch x tile x tile codes */
    uint32_t *z;   /* hardened: zigzag residual per sample */
} edg;

/* ----------------------------------------------------------- the model */

/* The model's bytes: the built-in model, or the caller's (mc_opts.model,
 * `--model FILE`), never a file named by the input.  Encrypt records the
 * caller's model as p.model=blake2b:<id>; a file whose p.model is not
 * `builtin` needs the caller's model to decrypt (checked against model_id). */
static int model_bytes(const mc_scheme_ctx *ctx, int enc, const uint8_t **bytes, size_t *len, int *caller,
                       mc_err *err) {
    const char *which = mc_scheme_param(ctx, &mc_scheme_edg_net, "model");
    const int have = ctx->opts && ctx->opts->model;
    *caller = 0;
    if (enc && strcmp(which, "builtin"))
        return mc_err_set(err, MC_ERR_ARG, "edg-net: model takes only 'builtin'; give a model file with --model FILE");
    if (enc ? have : strcmp(which, "builtin") != 0) {
        if (!have)
            return mc_err_set(err, MC_ERR_FORMAT,
                              "edg-net: the file was encrypted with a model that is not the built-in one: give "
                              "that model (--model FILE)");
        *caller = 1;
        *bytes = ctx->opts->model;
        *len = ctx->opts->model_len;
        return MC_OK;
    }
    const mc_builtin_model *b = mc_builtin_model_find(MC_EDGNET_ARCH);
    if (!b)
        return mc_err_set(err, MC_ERR_UNSUPPORTED,
                          "edg-net: this build has no built-in model (models/edg-net.mcnn was missing): run `make "
                          "train-models`, or give a model (--model FILE)");
    *bytes = b->data;
    *len = b->len;
    return MC_OK;
}

static int check_generator(const mc_nn_net *g, const char *name, mc_err *err) {
    mc_edgnet_cam cam;
    if (!g) return mc_err_set(err, MC_ERR_FORMAT, "edg-net: the model has no '%s' network", name);
    if (g->in_c != 1 || mc_edgnet_cam_layers(g, &cam, NULL))
        return mc_err_set(err, MC_ERR_FORMAT, "edg-net: the model's '%s' is not an EDG-Net generator", name);
    return MC_OK;
}

static int load_model(const mc_scheme_ctx *ctx, const uint8_t *bytes, size_t len, edg *e, mc_err *err) {
    const int encrypted = mc_nn_model_is_encrypted(bytes, len);
    const mc_key *key = encrypted == 1 && ctx->opts ? ctx->opts->model_key : NULL;
    int rc = mc_nn_model_load_mem(&e->model, bytes, len, key, err);
    if (rc == MC_ERR_ARG)
        rc = mc_err_set(err, MC_ERR_ARG, "edg-net: the model file is encrypted and no key was given to open it");
    if (rc) return rc;
    if (strcmp(e->model.arch, MC_EDGNET_ARCH))
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "edg-net: the model is a '%s' model, not an edg-net one", e->model.arch);
    e->enc = mc_nn_model_net(&e->model, MC_EDGNET_ENC);
    e->dec = mc_nn_model_net(&e->model, MC_EDGNET_DEC);
    if ((rc = check_generator(e->enc, MC_EDGNET_ENC, err)) || (rc = check_generator(e->dec, MC_EDGNET_DEC, err)))
        return rc;
    e->enc->be = e->dec->be = &mc_nn_backend_ref; /* bit-identical everywhere */
    if ((rc = mc_nn_set_training(e->enc, 0, 0, err)) || (rc = mc_nn_set_training(e->dec, 0, 0, err))) return rc;
    return MC_OK;
}

/* `tile`: a number, or the model's training size.  A bad value is the
 * caller's mistake when encrypting, a damaged file's when decrypting. */
static int parse_tile(const mc_scheme_ctx *ctx, edg *e, int enc, mc_err *err) {
    const char *v = mc_scheme_param(ctx, &mc_scheme_edg_net, "tile");
    const int bad = enc ? MC_ERR_ARG : MC_ERR_FORMAT;
    double t = 0;
    if (!strcmp(v, "model")) {
        if (mc_nn_hp_double(&e->model, "tile", MC_EDGNET_TILE_MIN, TILE_MAX, &t, NULL))
            return mc_err_set(err, MC_ERR_UNSUPPORTED, "edg-net: the model names no usable tile size: give --param tile=N");
    } else {
        char *end;
        errno = 0;
        t = (double)strtoul(v, &end, 10);
        if (!*v || *end || v[0] == '-' || errno) t = 0;
    }
    if (t < MC_EDGNET_TILE_MIN || t > TILE_MAX || (uint32_t)t % MC_EDGNET_TILE_STEP)
        return mc_err_set(err, bad, "edg-net: tile '%s' must be a multiple of %u in [%u, %u]", v, MC_EDGNET_TILE_STEP,
                          MC_EDGNET_TILE_MIN, TILE_MAX);
    e->tile = (uint32_t)t;
    const size_t per = (size_t)e->tile * e->tile;
    e->batch = (uint32_t)(BATCH_SAMPLES / per);
    if (e->batch < 1) e->batch = 1;
    if (e->batch > BATCH_MAX) e->batch = BATCH_MAX;
    return MC_OK;
}

/* ------------------------------------------------------------ the tiles */

static inline size_t sidx(const edg *e, size_t z, size_t c, size_t y, size_t x) {
    return ((z * e->h + y) * e->w + x) * e->ch + c;
}

static inline uint32_t code_at(const mc_image *img, const edg *e, size_t i) {
    uint32_t v = e->bits == 8 ? ((const uint8_t *)img->pixels)[i] : ((const uint16_t *)img->pixels)[i];
    return v ^ e->sign;
}

static inline void code_put(mc_image *img, const edg *e, size_t i, uint32_t c) {
    if (e->bits == 8) ((uint8_t *)img->pixels)[i] = (uint8_t)(c ^ e->sign);
    else ((uint16_t *)img->pixels)[i] = (uint16_t)(c ^ e->sign);
}

/* Symmetric extension: index i of a signal of n samples mirrored (period 2n). */
static inline uint32_t mirror(uint32_t i, uint32_t n) {
    const uint32_t p = 2 * n;
    i %= p;
    return i < n ? i : p - 1 - i;
}

/* Q(y): float operations only, each correctly rounded (-ffp-contract=off). */
static inline uint32_t quantise(float y, float half, uint32_t maxv) {
    float v = y + 1.0f;
    v = v * half;
    v = v + 0.5f;
    if (!(v >= 0.0f)) return 0; /* also NaN */
    if (v >= (float)maxv) return maxv;
    return (uint32_t)v;
}

typedef struct tile_pos {
    size_t z, c, y0, x0;
    uint32_t th, tw;
} tile_pos;

/* Network input k of the batch from the tile's current codes (mirrored up to
 * the full tile); keep: the codes themselves into e->u. */
static void load_tile(const mc_image *img, edg *e, const tile_pos *t, uint32_t k) {
    const uint32_t T = e->tile;
    float *x = e->x + (size_t)k * T * T;
    uint32_t *u = e->u + (size_t)k * T * T;
    for (uint32_t y = 0; y < T; y++)
        for (uint32_t xx = 0; xx < T; xx++) {
            const uint32_t c = code_at(img, e, sidx(e, t->z, t->c, t->y0 + mirror(y, t->th), t->x0 + mirror(xx, t->tw)));
            u[(size_t)y * T + xx] = c;
            x[(size_t)y * T + xx] = (float)c / e->half - 1.0f;
        }
}

static int forward(mc_nn_net *net, edg *e, uint32_t nb, mc_err *err) {
    int rc = mc_nn_net_resize(net, nb, e->tile, e->tile, err);
    if (!rc) rc = mc_nn_forward(net, e->x, err);
    if (rc) return rc;
    const mc_nn_layer *o = mc_nn_output(net);
    if (o->c != 1 || o->h != e->tile || o->w != e->tile)
        return mc_err_set(err, MC_ERR_FORMAT, "edg-net: the model's %s does not map a tile to a tile", net->name);
    return MC_OK;
}

/* Output sample (y, x) of tile k of the last forward pass of net, quantised. */
static inline uint32_t out_code(const mc_nn_net *net, const edg *e, uint32_t k, uint32_t y, uint32_t x) {
    const float *o = mc_nn_output(net)->out + (size_t)k * e->tile * e->tile;
    return quantise(o[(size_t)y * e->tile + x], e->half, e->maxv);
}

/* One batch of tiles.  Encrypt: q = Q(g_pc(x)) into the image, and when
 * hardened the residual against Q(g_cp(q)).  Decrypt: Q(g_cp(q)) (+ the
 * residual when hardened) into the image. */
static int run_batch(mc_image *img, edg *e, const tile_pos *tp, uint32_t nb, int enc, mc_err *err) {
    int rc;
    for (uint32_t k = 0; k < nb; k++) load_tile(img, e, &tp[k], k);
    if (enc) {
        if ((rc = forward(e->enc, e, nb, err))) return rc;
        for (uint32_t k = 0; k < nb; k++)
            for (uint32_t y = 0; y < tp[k].th; y++)
                for (uint32_t x = 0; x < tp[k].tw; x++) {
                    const size_t i = sidx(e, tp[k].z, tp[k].c, tp[k].y0 + y, tp[k].x0 + x);
                    if (e->z) e->z[i] = e->u[((size_t)k * e->tile + y) * e->tile + x]; /* the plain code, for now */
                    code_put(img, e, i, out_code(e->enc, e, k, y, x));
                }
        if (!e->z) return MC_OK;
        for (uint32_t k = 0; k < nb; k++) load_tile(img, e, &tp[k], k); /* q, mirrored as decryption will see it */
    }
    if ((rc = forward(e->dec, e, nb, err))) return rc;
    for (uint32_t k = 0; k < nb; k++)
        for (uint32_t y = 0; y < tp[k].th; y++)
            for (uint32_t x = 0; x < tp[k].tw; x++) {
                const size_t i = sidx(e, tp[k].z, tp[k].c, tp[k].y0 + y, tp[k].x0 + x);
                const int64_t rec = out_code(e->dec, e, k, y, x);
                if (enc) { /* hardened: residual = plain - reconstruction */
                    e->z[i] = mc_residual_code((int32_t)((int64_t)e->z[i] - rec));
                    continue;
                }
                const int64_t v = e->z ? rec + mc_residual_value(e->z[i]) : rec;
                if (v < 0 || v > (int64_t)e->maxv) /* cannot happen unless the reference kernels differ */
                    return mc_err_set(err, MC_ERR_INTERNAL,
                                      "edg-net: residual out of range: the network is not reproducible on this build (bug)");
                code_put(img, e, i, (uint32_t)v);
            }
    return MC_OK;
}

static int run_tiles(mc_image *img, edg *e, int enc, mc_err *err) {
    tile_pos tp[BATCH_MAX];
    uint32_t nb = 0;
    const size_t T = e->tile;
    for (size_t z = 0; z < e->d; z++)
        for (size_t c = 0; c < e->ch; c++)
            for (size_t y0 = 0; y0 < e->h; y0 += T)
                for (size_t x0 = 0; x0 < e->w; x0 += T) {
                    tile_pos t = {z, c, y0, x0, (uint32_t)(e->h - y0 < T ? e->h - y0 : T),
                                  (uint32_t)(e->w - x0 < T ? e->w - x0 : T)};
                    tp[nb++] = t;
                    if (nb == e->batch) {
                        int rc = run_batch(img, e, tp, nb, enc, err);
                        if (rc) return rc;
                        nb = 0;
                    }
                }
    return nb ? run_batch(img, e, tp, nb, enc, err) : MC_OK;
}

/* hardened: the samples XOR the keyed stream (8-bit: a byte each, 16-bit:
 * two, little-endian). */
static void mask(const mc_scheme_ctx *ctx, mc_image *img) {
    mc_stream st;
    mc_stream_init(&st, ctx->key, ctx->nonce, LABEL_MASK, 0, 0);
    const size_t n = mc_image_samples(img);
    if (img->bits == 8) {
        mc_stream_xor(&st, img->pixels, n);
    } else {
        uint16_t *p = img->pixels;
        uint8_t buf[4096];
        for (size_t i = 0; i < n;) {
            const size_t m = n - i < sizeof buf / 2 ? n - i : sizeof buf / 2;
            mc_stream_bytes(&st, buf, 2 * m);
            for (size_t k = 0; k < m; k++, i++) p[i] ^= (uint16_t)(buf[2 * k] | buf[2 * k + 1] << 8);
        }
        sodium_memzero(buf, sizeof buf);
    }
    mc_stream_wipe(&st);
}

/* ----------------------------------------------------------- the scheme */

static void edg_free(edg *e) {
    mc_nn_model_free(&e->model);
    if (e->x) sodium_memzero(e->x, (size_t)e->batch * e->tile * e->tile * sizeof *e->x);
    if (e->u) sodium_memzero(e->u, (size_t)e->batch * e->tile * e->tile * sizeof *e->u);
    if (e->z) sodium_memzero(e->z, e->n * sizeof *e->z);
    free(e->x);
    free(e->u);
    free(e->z);
}

/* Model (checked against the file's identifier when decrypting), tile,
 * buffers. */
static int edg_init(const mc_scheme_ctx *ctx, const mc_image *img, edg *e, int enc, mc_err *err) {
    memset(e, 0, sizeof *e);
    mc_nn_model_init(&e->model);
    const uint8_t *bytes = NULL;
    size_t len = 0;
    int caller = 0, rc = model_bytes(ctx, enc, &bytes, &len, &caller, err);
    if (rc) return rc;
    crypto_generichash(e->id, sizeof e->id, bytes, len, NULL, 0);
    if (enc && caller) {
        char v[8 + 33] = "blake2b:";
        mc_hex_encode(v + 8, e->id, sizeof e->id);
        if (mc_meta_set(ctx->meta, MC_MK_PARAM_PREFIX "model", v)) return mc_err_set(err, MC_ERR_INTERNAL, "metadata");
    }
    if (!enc) { /* the model the file was made with, before parsing this one */
        uint8_t want[16];
        if (mc_meta_get_hex(ctx->meta, META_MODEL_ID, want, sizeof want))
            return mc_err_set(err, MC_ERR_AUTH, "edg-net: missing or malformed model_id in the metadata (tampered)");
        if (sodium_memcmp(want, e->id, sizeof want))
            return mc_err_set(err, MC_ERR_AUTH, "edg-net: this is not the model the file was encrypted with");
    }
    if ((rc = load_model(ctx, bytes, len, e, err)) || (rc = parse_tile(ctx, e, enc, err))) return rc;
    e->w = img->width, e->h = img->height, e->d = img->depth, e->ch = img->channels;
    e->n = mc_image_samples(img);
    e->bits = img->bits;
    e->maxv = img->bits == 8 ? 0xffu : 0xffffu;
    e->sign = img->is_signed ? (img->bits == 8 ? 0x80u : 0x8000u) : 0;
    e->half = (float)e->maxv * 0.5f;
    const size_t per = (size_t)e->batch * e->tile * e->tile;
    e->x = malloc(per * sizeof *e->x);
    e->u = malloc(per * sizeof *e->u);
    if (ctx->profile == MC_PROFILE_HARDENED) e->z = calloc(e->n ? e->n : 1, sizeof *e->z);
    if (!e->x || !e->u || (ctx->profile == MC_PROFILE_HARDENED && !e->z))
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    return MC_OK;
}

static int edg_encrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    edg e;
    int rc = edg_init(ctx, img, &e, 1, err);
    if (!rc && mc_meta_set_hex(ctx->meta, META_MODEL_ID, e.id, sizeof e.id))
        rc = mc_err_set(err, MC_ERR_INTERNAL, "metadata");
    if (!rc) rc = run_tiles(img, &e, 1, err);
    if (!rc && e.z) {
        mask(ctx, img);
        rc = mc_residual_store(ctx->key, ctx->nonce, LABEL_RESIDUAL, e.z, e.n, e.bits == 8 ? 2 : 3, img, err);
    }
    edg_free(&e);
    return rc;
}

static int edg_decrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    edg e;
    int rc = edg_init(ctx, img, &e, 0, err);
    if (!rc && !e.z && img->aux_len)
        rc = mc_err_set(err, MC_ERR_AUTH, "edg-net: a paper-profile file carries a residual (tampered)");
    if (!rc && e.z) {
        rc = mc_residual_load(ctx->key, ctx->nonce, LABEL_RESIDUAL, img, e.z, e.n, e.bits == 8 ? 2 : 3, err);
        if (!rc) mask(ctx, img);
    }
    if (!rc) rc = run_tiles(img, &e, 0, err);
    if (!rc) rc = mc_image_set_aux(img, NULL, 0, err);
    edg_free(&e);
    return rc;
}

const mc_scheme mc_scheme_edg_net = {
    .name = "edg-net",
    .title = "U-GAT-IT generators plain <-> cipher domain, the weights as key (--model; the built-in model is public); "
             "paper: lossy; hardened: keyed stream, exact residual",
    .paper = "Chen et al. 2025, EDG-Net (chinaXiv 202507.00005)",
    .bits = MC_BITS_8 | MC_BITS_16,
    .profiles = MC_PROFILES_PAPER | MC_PROFILES_HARDENED,
    .params = edg_params,
    .nparams = sizeof edg_params / sizeof edg_params[0],
    .encrypt = edg_encrypt,
    .decrypt = edg_decrypt,
    .flags = MC_SCHEME_PAPER_LOSSY,
};
