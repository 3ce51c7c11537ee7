/* at_resnet_cm.c - AT-ResNet-CM (Li, Peng et al. 2023): a trained encryption
 * network whose output is XORed with a logistic-map keystream, and a mirror
 * decryption network; plus the code it shares with its ablation resnet-cm
 * (resnet_cm.c).  docs/schemes/at-resnet-cm.md has the construction, the
 * paper's text and every guess.
 *
 * Per slice and channel the image is cut into tiles of `tile` x `tile`
 * samples (edge tiles smaller).  For each tile, with codes u in [0, 2^bits-1]
 * (signed samples offset by 2^(bits-1)) scaled to x = u / (2^bits - 1):
 *
 *   t  = target random image of the tile: keyed stream "atres/target"
 *        (key, nonce in hardened; slice*channels+channel, tile index),
 *        one byte (8-bit) or u16 (16-bit) per sample, / (2^bits - 1)
 *   e  = enc(x, t)                        (networks: src/nn/arch_atresnet.c)
 *   q  = Q(e)      Q(y) = floor(y (2^bits-1) + 1/2) clamped to the range
 *   cipher = q XOR logistic keystream (mu, x0 from the key, and the nonce in
 *            hardened; one iterate per sample in storage order, as the
 *            `logistic` scheme)
 *   decryption: q = cipher XOR keystream, x' = Q(dec(q / (2^bits-1), t))
 *
 * paper:    the decrypted image is x' (lossy, as the paper's network
 *           reconstruction); no nonce, no MAC.
 * hardened: a fresh nonce in t and (mu, x0), the framework's MAC, and the
 *           residual r = u - x' carried in the file's aux blob: zigzag-coded
 *           (2r or -2r-1), split into byte planes, deflated, then XORed with
 *           the keyed stream "atres/residual" (key, nonce).  Decryption adds
 *           it back: bit-exact.  Both networks run on the engine's reference
 *           kernels (bit-identical on every compiler and machine), so the x'
 *           computed at decryption is the one the residual was made for.
 */
#include "core/internal.h"
#include "nn/nn.h"
#include "schemes/at_resnet.h"
#include "schemes/classical.h"
#include "schemes/logistic_core.h"
#include "schemes/schemes.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <zlib.h>

#define TILE_MIN 16u
#define TILE_MAX 4096u
#define TRANSIENT 1000u
#define META_MODEL_ID "model_id"
#define AUX_MAGIC "MCR1"
#define AUX_HDR 16u

const mc_param_def mc_atres_params[MC_ATRES_NPARAMS] = {
    {"model", "builtin",
     "'builtin' (the model shipped with medcrypt); with --model FILE (made by `medcrypt train` for this "
     "scheme, needed again to decrypt) medcrypt records its BLAKE2b id here"},
    {"tile", "256", "the networks run on tiles of tile x tile samples, 16..4096 (256: the paper's image size)"},
};

/* ------------------------------------------------------------- the model */

/* An inference network of the pair: 2 input channels, 1 output channel. */
static int check_net(const mc_nn_net *net, const char *name, mc_err *err) {
    if (!net) return mc_err_set(err, MC_ERR_FORMAT, "model has no '%s' network", name);
    if (net->in_c != 2 || !net->nlayers || net->layers[net->nlayers - 1].c != 1)
        return mc_err_set(err, MC_ERR_FORMAT, "model network '%s' does not map 2 channels to 1", name);
    for (size_t i = 0; i < net->nlayers; i++)
        if (net->layers[i].s.type == MC_NN_LINEAR || net->layers[i].s.stride > 1)
            return mc_err_set(err, MC_ERR_FORMAT, "model network '%s' is not a stride-1 fully convolutional network",
                              name);
    return MC_OK;
}

/* The model's bytes: the built-in model, or the caller's (mc_opts.model,
 * `--model FILE`); never a file named by the input.  Encrypt records the
 * caller's model as p.model=blake2b:<id>; decrypt of a file whose p.model is
 * not `builtin` (an id, or a path in files of earlier builds) needs the
 * caller's model, checked against model_id (mc_atres_decrypt). */
static int select_model(const mc_scheme *s, const char *arch, size_t builtin_len, const mc_scheme_ctx *ctx, int enc,
                        int *caller, mc_err *err) {
    const char *which = mc_scheme_param(ctx, s, "model");
    int have = ctx->opts && ctx->opts->model;
    *caller = 0;
    if (enc && strcmp(which, "builtin"))
        return mc_err_set(err, MC_ERR_ARG,
                          "%s: model takes only 'builtin'; give a model file with --model FILE (mc_opts.model)",
                          s->name);
    if (enc ? have : strcmp(which, "builtin") != 0) {
        if (!have)
            return mc_err_set(err, MC_ERR_FORMAT,
                              "%s: this file was encrypted with a model that is not built in: give it with "
                              "--model FILE (mc_opts.model)",
                              s->name);
        *caller = 1;
        return MC_OK;
    }
    if (!builtin_len)
        return mc_err_set(err, MC_ERR_UNSUPPORTED,
                          "%s: this build has no built-in model (models/%s.mcnn was missing): run `make "
                          "train-models`, or give --model FILE",
                          s->name, arch);
    return MC_OK;
}

/* Load the model (select_model); id = BLAKE2b-128 of its bytes. */
static int load_model(const mc_scheme *s, const char *arch, const uint8_t *builtin, size_t builtin_len,
                      const mc_scheme_ctx *ctx, int encrypting, mc_nn_model *m, uint8_t id[16], mc_err *err) {
    const uint8_t *bytes = builtin;
    size_t len = builtin_len;
    int caller, rc;
    mc_nn_model_init(m);
    if ((rc = select_model(s, arch, builtin_len, ctx, encrypting, &caller, err))) return rc;
    if (caller) {
        bytes = ctx->opts->model;
        len = ctx->opts->model_len;
    }
    crypto_generichash(id, 16, bytes, len, NULL, 0);
    if (encrypting && caller) {
        char v[8 + 33] = "blake2b:";
        mc_hex_encode(v + 8, id, 16);
        if (mc_meta_set(ctx->meta, MC_MK_PARAM_PREFIX "model", v)) return mc_err_set(err, MC_ERR_INTERNAL, "metadata");
    }
    if (!encrypting) { /* the model the file was made with, before parsing this one */
        uint8_t want[16];
        if (mc_meta_get_hex(ctx->meta, META_MODEL_ID, want, sizeof want))
            return mc_err_set(err, MC_ERR_AUTH, "%s: missing or malformed model_id in metadata (tampered)", s->name);
        if (memcmp(want, id, sizeof want)) {
            char a[33], b[33];
            mc_hex_encode(a, want, 16);
            mc_hex_encode(b, id, 16);
            return mc_err_set(err, MC_ERR_AUTH, "%s: the file was encrypted with model %.12s..., this model is %.12s...",
                              s->name, a, b);
        }
    }
    rc = mc_nn_model_load_mem(m, bytes, len, NULL, err);
    if (rc == MC_ERR_ARG) rc = mc_err_set(err, MC_ERR_UNSUPPORTED, "%s: encrypted model files cannot be used by a scheme", s->name);
    if (rc) return rc;
    if (strcmp(m->arch, arch)) {
        mc_err_set(err, MC_ERR_UNSUPPORTED, "%s: the model is a '%s' model, not '%s'", s->name, m->arch, arch);
        mc_nn_model_free(m);
        return MC_ERR_UNSUPPORTED;
    }
    mc_nn_net *enc = mc_nn_model_net(m, "enc"), *dec = mc_nn_model_net(m, "dec");
    if ((rc = check_net(enc, "enc", err)) || (rc = check_net(dec, "dec", err))) {
        mc_nn_model_free(m);
        return rc == MC_ERR_FORMAT ? MC_ERR_UNSUPPORTED : rc;
    }
    enc->be = dec->be = &mc_nn_backend_ref; /* bit-identical everywhere */
    if ((rc = mc_nn_set_training(enc, 0, 0, err)) || (rc = mc_nn_set_training(dec, 0, 0, err))) mc_nn_model_free(m);
    return rc;
}

static int parse_tile(const mc_scheme *s, const mc_scheme_ctx *ctx, uint32_t *tile, mc_err *err) {
    const char *v = mc_scheme_param(ctx, s, "tile");
    char *end;
    errno = 0;
    unsigned long t = strtoul(v, &end, 10);
    if (!*v || *end || v[0] == '-' || errno || t < TILE_MIN || t > TILE_MAX)
        return mc_err_set(err, MC_ERR_ARG, "%s: tile '%s' must be an integer in [%u, %u]", s->name, v, TILE_MIN,
                          TILE_MAX);
    *tile = (uint32_t)t;
    return MC_OK;
}

/* --------------------------------------------------------- sample codes */

typedef struct geom {
    size_t w, h, d, ch, n; /* n = samples */
    uint32_t maxv, sign;   /* 2^bits - 1; code = pattern XOR sign */
    int bits;
} geom;

static geom geom_of(const mc_image *img) {
    geom g = {img->width, img->height, img->depth, img->channels, mc_image_samples(img), 0, 0, img->bits};
    g.maxv = img->bits == 8 ? 0xffu : 0xffffu;
    g.sign = img->is_signed ? (img->bits == 8 ? 0x80u : 0x8000u) : 0;
    return g;
}

static inline uint32_t code_at(const mc_image *img, const geom *g, size_t i) {
    uint32_t v = g->bits == 8 ? ((const uint8_t *)img->pixels)[i] : ((const uint16_t *)img->pixels)[i];
    return v ^ g->sign;
}

static inline void code_put(mc_image *img, const geom *g, size_t i, uint32_t c) {
    if (g->bits == 8) ((uint8_t *)img->pixels)[i] = (uint8_t)(c ^ g->sign);
    else ((uint16_t *)img->pixels)[i] = (uint16_t)(c ^ g->sign);
}

/* Q(y): floor(y * maxv + 1/2) clamped; float operations only, each
 * correctly rounded (no contraction: -ffp-contract=off). */
static inline uint32_t quantise(float y, uint32_t maxv) {
    float v = y * (float)maxv;
    v = v + 0.5f;
    if (!(v >= 0.0f)) return 0; /* also NaN */
    if (v >= (float)maxv) return maxv;
    return (uint32_t)v; /* truncation of a positive value = floor */
}

/* ------------------------------------------------------------- one tile */

typedef struct tile_job {
    mc_nn_net *enc, *dec;
    const geom *g;
    float *x;      /* 2 planes of th*tw: input of a network */
    uint32_t *u;   /* th*tw codes */
    uint32_t *q;   /* th*tw codes: the encryption network's, kept while dec runs */
    uint8_t *tb;   /* target bytes */
} tile_job;

/* Sample index of (z, c, y, x). */
static inline size_t sidx(const geom *g, size_t z, size_t c, size_t y, size_t x) {
    return ((z * g->h + y) * g->w + x) * g->ch + c;
}

/* The target of one tile into plane 1 of j->x. */
static void make_target(const mc_scheme_ctx *ctx, tile_job *j, uint64_t a, uint64_t b, size_t len) {
    mc_stream st;
    mc_stream_init(&st, ctx->key, ctx->nonce, "atres/target", a, b);
    const size_t per = j->g->bits == 8 ? 1 : 2;
    mc_stream_bytes(&st, j->tb, per * len);
    mc_stream_wipe(&st);
    float *t = j->x + len;
    const float maxv = (float)j->g->maxv;
    for (size_t i = 0; i < len; i++) {
        uint32_t v = per == 1 ? j->tb[i] : (uint32_t)j->tb[2 * i] | (uint32_t)j->tb[2 * i + 1] << 8;
        t[i] = (float)v / maxv;
    }
    sodium_memzero(j->tb, per * len);
}

/* Run net on j->x (2 planes of th x tw) and quantise its output into j->u. */
static int run_net(mc_nn_net *net, tile_job *j, uint32_t th, uint32_t tw, mc_err *err) {
    int rc = mc_nn_net_resize(net, 1, th, tw, err);
    if (!rc) rc = mc_nn_forward(net, j->x, err);
    if (rc) return rc;
    const float *y = mc_nn_output(net)->out;
    for (size_t i = 0; i < (size_t)th * tw; i++) j->u[i] = quantise(y[i], j->g->maxv);
    return MC_OK;
}

/* ---------------------------------------------------- the residual blob */

static inline uint32_t zz(int32_t r) { return r >= 0 ? (uint32_t)r << 1 : ((uint32_t)(-(r + 1)) << 1) | 1u; }
static inline int32_t unzz(uint32_t z) { return (z & 1) ? -(int32_t)(z >> 1) - 1 : (int32_t)(z >> 1); }

/* Planes of the zigzag-coded residual -> aux (header || deflate), encrypted. */
static int residual_pack(const mc_scheme_ctx *ctx, mc_image *img, const geom *g, const uint32_t *zres,
                         mc_err *err) {
    const unsigned planes = g->bits == 8 ? 2 : 3;
    const size_t raw = planes * g->n;
    uint8_t *pl = malloc(raw);
    uLong bound = compressBound((uLong)raw);
    uint8_t *aux = malloc(AUX_HDR + bound);
    int rc = MC_OK;
    if (!pl || !aux || (size_t)bound < raw) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (unsigned p = 0; p < planes; p++)
        for (size_t i = 0; i < g->n; i++) pl[p * g->n + i] = (uint8_t)(zres[i] >> (8 * p));
    uLongf clen = bound;
    if (compress2(aux + AUX_HDR, &clen, pl, (uLong)raw, 6) != Z_OK) {
        rc = mc_err_set(err, MC_ERR_INTERNAL, "cannot compress the residual");
        goto out;
    }
    memcpy(aux, AUX_MAGIC, 4);
    aux[4] = (uint8_t)planes;
    aux[5] = aux[6] = aux[7] = 0;
    for (int b = 0; b < 8; b++) aux[8 + b] = (uint8_t)((uint64_t)g->n >> (8 * b));
    mc_stream st;
    mc_stream_init(&st, ctx->key, ctx->nonce, "atres/residual", 0, 0);
    mc_stream_xor(&st, aux, AUX_HDR + clen);
    mc_stream_wipe(&st);
    rc = mc_image_set_aux(img, aux, AUX_HDR + clen, err);
out:
    if (pl) sodium_memzero(pl, raw);
    free(pl);
    free(aux);
    return rc;
}

/* aux -> zigzag residual per sample.  The MAC has already authenticated the
 * blob, so damage here means a bug or a broken key derivation: MC_ERR_AUTH
 * all the same, before any pixel changes. */
static int residual_unpack(const mc_scheme_ctx *ctx, const mc_image *img, const geom *g, uint32_t *zres,
                           mc_err *err) {
    const unsigned planes = g->bits == 8 ? 2 : 3;
    const size_t raw = planes * g->n;
    if (!img->aux || img->aux_len < AUX_HDR)
        return mc_err_set(err, MC_ERR_AUTH, "hardened at-resnet-cm file without its residual (tampered)");
    uint8_t *aux = malloc(img->aux_len), *pl = malloc(raw);
    int rc = MC_OK;
    if (!aux || !pl) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    memcpy(aux, img->aux, img->aux_len);
    mc_stream st;
    mc_stream_init(&st, ctx->key, ctx->nonce, "atres/residual", 0, 0);
    mc_stream_xor(&st, aux, img->aux_len);
    mc_stream_wipe(&st);
    uint64_t n = 0;
    for (int b = 0; b < 8; b++) n |= (uint64_t)aux[8 + b] << (8 * b);
    uLongf dlen = (uLongf)raw;
    if (memcmp(aux, AUX_MAGIC, 4) || aux[4] != planes || aux[5] || aux[6] || aux[7] || n != g->n ||
        uncompress(pl, &dlen, aux + AUX_HDR, (uLong)(img->aux_len - AUX_HDR)) != Z_OK || dlen != raw) {
        rc = mc_err_set(err, MC_ERR_AUTH, "the residual does not decode (wrong key or damaged file)");
        goto out;
    }
    for (size_t i = 0; i < g->n; i++) {
        uint32_t z = 0;
        for (unsigned p = 0; p < planes; p++) z |= (uint32_t)pl[p * g->n + i] << (8 * p);
        zres[i] = z;
    }
out:
    if (aux) sodium_memzero(aux, img->aux_len);
    if (pl) sodium_memzero(pl, raw);
    free(aux);
    free(pl);
    return rc;
}

/* ---------------------------------------------------------- the cipher */

static void logistic_stage(const mc_scheme_ctx *ctx, mc_image *img) {
    double mu, x;
    mc_logistic_key_params(ctx->key, ctx->nonce, "atres/logistic", &mu, &x, 0);
    x = mc_logistic_skip(mu, x, TRANSIENT);
    if (img->bits == 8) mc_logistic_xor8(mu, &x, img->pixels, mc_image_samples(img));
    else mc_logistic_xor16(mu, &x, img->pixels, mc_image_samples(img));
    volatile double *vx = &x, *vmu = &mu; /* key material */
    *vx = 0;
    *vmu = 0;
}

typedef struct atres_run {
    mc_nn_model model;
    uint8_t id[16];
    uint32_t tile;
    geom g;
    tile_job j;
    uint32_t *zres; /* hardened: zigzag residual per sample */
} atres_run;

static void run_free(atres_run *r) {
    mc_nn_model_free(&r->model);
    free(r->j.x);
    free(r->j.u);
    free(r->j.q);
    free(r->j.tb);
    if (r->zres) sodium_memzero(r->zres, r->g.n * sizeof *r->zres);
    free(r->zres);
}

static int run_init(const mc_scheme *s, const char *arch, const uint8_t *builtin, size_t builtin_len,
                    const mc_scheme_ctx *ctx, const mc_image *img, int enc, atres_run *r, mc_err *err) {
    memset(r, 0, sizeof *r);
    mc_nn_model_init(&r->model);
    int rc = parse_tile(s, ctx, &r->tile, err);
    if (rc) return rc;
    r->g = geom_of(img);
    const size_t tmax = (size_t)r->tile * r->tile;
    r->j.x = malloc(2 * tmax * sizeof *r->j.x);
    r->j.u = malloc(tmax * sizeof *r->j.u);
    r->j.q = malloc(tmax * sizeof *r->j.q);
    r->j.tb = malloc(2 * tmax);
    if (ctx->profile == MC_PROFILE_HARDENED) r->zres = calloc(r->g.n ? r->g.n : 1, sizeof *r->zres);
    if (!r->j.x || !r->j.u || !r->j.q || !r->j.tb || (ctx->profile == MC_PROFILE_HARDENED && !r->zres))
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    if ((rc = load_model(s, arch, builtin, builtin_len, ctx, enc, &r->model, r->id, err))) return rc;
    r->j.enc = mc_nn_model_net(&r->model, "enc");
    r->j.dec = mc_nn_model_net(&r->model, "dec");
    r->j.g = &r->g;
    return MC_OK;
}

/* Every tile of the image: enc (encrypt) or dec (decrypt) and, when
 * hardened, the residual. */
static int run_tiles(const mc_scheme_ctx *ctx, mc_image *img, atres_run *r, int enc, mc_err *err) {
    const geom *g = &r->g;
    tile_job *j = &r->j;
    const float maxv = (float)g->maxv;
    const size_t ntx = (g->w + r->tile - 1) / r->tile, nty = (g->h + r->tile - 1) / r->tile;
    for (size_t z = 0; z < g->d; z++)
        for (size_t c = 0; c < g->ch; c++)
            for (size_t ty = 0; ty < nty; ty++)
                for (size_t tx = 0; tx < ntx; tx++) {
                    const size_t y0 = ty * r->tile, x0 = tx * r->tile;
                    const uint32_t th = (uint32_t)(g->h - y0 < r->tile ? g->h - y0 : r->tile);
                    const uint32_t tw = (uint32_t)(g->w - x0 < r->tile ? g->w - x0 : r->tile);
                    const size_t len = (size_t)th * tw;
                    make_target(ctx, j, (uint64_t)(z * g->ch + c), (uint64_t)(ty * ntx + tx), len);
                    for (uint32_t y = 0; y < th; y++) /* plane 0: the image (enc) or q (dec) */
                        for (uint32_t x = 0; x < tw; x++)
                            j->x[(size_t)y * tw + x] = (float)code_at(img, g, sidx(g, z, c, y0 + y, x0 + x)) / maxv;
                    int rc;
                    if (enc) {
                        if ((rc = run_net(j->enc, j, th, tw, err))) return rc;
                        if (r->zres) { /* the reconstruction decryption will compute */
                            for (size_t i = 0; i < len; i++) j->x[i] = (float)j->u[i] / maxv;
                            memcpy(j->q, j->u, len * sizeof *j->q);
                            if ((rc = run_net(j->dec, j, th, tw, err))) return rc;
                            for (uint32_t y = 0; y < th; y++)
                                for (uint32_t x = 0; x < tw; x++) {
                                    const size_t k = sidx(g, z, c, y0 + y, x0 + x), i = (size_t)y * tw + x;
                                    r->zres[k] = zz((int32_t)code_at(img, g, k) - (int32_t)j->u[i]);
                                }
                            memcpy(j->u, j->q, len * sizeof *j->u);
                        }
                    } else if ((rc = run_net(j->dec, j, th, tw, err))) {
                        return rc;
                    }
                    for (uint32_t y = 0; y < th; y++)
                        for (uint32_t x = 0; x < tw; x++) {
                            const size_t k = sidx(g, z, c, y0 + y, x0 + x);
                            int64_t v = j->u[(size_t)y * tw + x];
                            if (!enc && r->zres) v += unzz(r->zres[k]);
                            if (v < 0 || v > (int64_t)g->maxv) /* the decryption network differs from the encryptor's */
                                return mc_err_set(err, MC_ERR_INTERNAL, "residual out of range: the network is not "
                                                                        "reproducible on this build (bug)");
                            code_put(img, g, k, (uint32_t)v);
                        }
                }
    return MC_OK;
}

int mc_atres_encrypt(const mc_scheme *s, const char *arch, const uint8_t *builtin, size_t builtin_len,
                     const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    atres_run r;
    int rc = run_init(s, arch, builtin, builtin_len, ctx, img, 1, &r, err);
    if (!rc && mc_meta_set_hex(ctx->meta, META_MODEL_ID, r.id, sizeof r.id))
        rc = mc_err_set(err, MC_ERR_INTERNAL, "metadata");
    if (!rc) rc = run_tiles(ctx, img, &r, 1, err);
    if (!rc) logistic_stage(ctx, img);
    if (!rc && r.zres) rc = residual_pack(ctx, img, &r.g, r.zres, err);
    run_free(&r);
    return rc;
}

int mc_atres_decrypt(const mc_scheme *s, const char *arch, const uint8_t *builtin, size_t builtin_len,
                     const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    atres_run r; /* run_init checks the model against model_id */
    int rc = run_init(s, arch, builtin, builtin_len, ctx, img, 0, &r, err);
    if (!rc && !r.zres && img->aux_len)
        rc = mc_err_set(err, MC_ERR_AUTH, "%s: a paper-profile file carries a residual (tampered)", s->name);
    if (!rc && r.zres) rc = residual_unpack(ctx, img, &r.g, r.zres, err);
    if (!rc) {
        logistic_stage(ctx, img);
        rc = run_tiles(ctx, img, &r, 0, err);
    }
    if (!rc) rc = mc_image_set_aux(img, NULL, 0, err);
    run_free(&r);
    return rc;
}

/* ---------------------------------------------------------- the scheme */

static int at_encrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    return mc_atres_encrypt(&mc_scheme_at_resnet_cm, "at-resnet-cm", mc_builtin_model_at_resnet_cm,
                            mc_builtin_model_at_resnet_cm_len, ctx, img, err);
}

static int at_decrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    return mc_atres_decrypt(&mc_scheme_at_resnet_cm, "at-resnet-cm", mc_builtin_model_at_resnet_cm,
                            mc_builtin_model_at_resnet_cm_len, ctx, img, err);
}

const mc_scheme mc_scheme_at_resnet_cm = {
    .name = "at-resnet-cm",
    .title = "ResNet + channel/spatial attention networks, logistic XOR (paper: lossy; hardened: exact residual)",
    .paper = "Li, Peng et al. 2023, AT-ResNet-CM (Front. Neurosci. 17:1226154)",
    .bits = MC_BITS_8 | MC_BITS_16,
    .profiles = MC_PROFILES_PAPER | MC_PROFILES_HARDENED,
    .params = mc_atres_params,
    .nparams = MC_ATRES_NPARAMS,
    .encrypt = at_encrypt,
    .decrypt = at_decrypt,
    .flags = MC_SCHEME_PAPER_LOSSY,
};
