/* scheme.c - Deep-KEDI (the ZZ-GAN paper, 2024): speckle noise through
 * the ripplet transform before encryption, removed after decryption; a key
 * image made by a GAN (ZZ-GAN) from the key; the speckled image read in a
 * zigzag order (vertical, horizontal or diagonal) and XORed with the key
 * image.  docs/schemes/deep-kedi.md has the paper's text, every guess and the
 * reproduction.
 *
 * Per plane (slice z, channel c) of codes u (offset binary for signed
 * samples: u = value + 2^(bits-1)):
 *   J   = speckle(u) rounded to the nearest code, clamped (src/dsp/speckle.h;
 *         `speckle`: in the pixel domain or on the ripplet band-pass
 *         coefficients; `variance`; ripplet `support` c, `degree` d), noise
 *         from the keyed stream "deep-kedi/speckle" (sub-key; nonce in
 *         hardened; a = z, b = c).
 * Per slice: C[k] = J[z(k)] XOR K[k] (zigzag order z of `pattern`, shared
 *         with the zigzag scheme; K: keyimage.c, the same key image for every
 *         slice and channel in paper, whitened per slice in hardened).
 * Decryption: J = unzigzag(C XOR K), x' = despeckle(J) rounded, clamped to
 *         the plaintext's range (bits_stored).
 * paper:    the output is x' (lossy, as published), no nonce, no MAC.
 * hardened: nonce in the seed, the whitening and the speckle; r = u - x' in
 *         the aux blob (schemes/residual.h, stream "deep-kedi/residual"); the
 *         framework's MAC.  The despeckling is deterministic (speckle.h), so
 *         the x' computed at decryption is the one r was made for: exact.
 */
#include "core/internal.h"
#include "dsp/speckle.h"
#include "schemes/classical.h"
#include "schemes/deep_kedi/deep_kedi.h"
#include "schemes/residual.h"
#include "schemes/schemes.h"

#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>

static const mc_param_def k_params[] = {
    {"pattern", "d", "zigzag order: v (vertical), h (horizontal) or d (diagonal)"},
    {"speckle", "pixel", "where the multiplicative speckle goes: pixel (J = I + nI per sample) or ripplet "
                         "(on the ripplet band-pass coefficients)"},
    {"variance", "0.04", "variance of the uniform speckle noise n, 0..0.3"},
    {"support", "1", "ripplet support c, 1..16 (directions per scale: 2^floor(j (1 - 1/d - log2 c)))"},
    {"degree", "3", "ripplet degree d, 1..64 (2: the curvelet-like case)"},
};

typedef struct dk_params {
    char pattern;
    mc_speckle_domain domain;
    double var, c, d;
} dk_params;

static int num_param(const mc_scheme_ctx *ctx, const char *name, double lo, double hi, int enc, double *out,
                     mc_err *err) {
    const char *v = mc_scheme_param(ctx, &mc_scheme_deep_kedi, name);
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (!*v || *end || errno || !(x >= lo && x <= hi))
        return mc_err_set(err, enc ? MC_ERR_ARG : MC_ERR_FORMAT, "deep-kedi: %s '%s' must be a number in [%g, %g]",
                          name, v, lo, hi);
    *out = x;
    return MC_OK;
}

static int get_params(const mc_scheme_ctx *ctx, int enc, dk_params *p, mc_err *err) {
    const int bad = enc ? MC_ERR_ARG : MC_ERR_FORMAT;
    const char *pat = mc_scheme_param(ctx, &mc_scheme_deep_kedi, "pattern");
    const char *dom = mc_scheme_param(ctx, &mc_scheme_deep_kedi, "speckle");
    if (strcmp(pat, "v") && strcmp(pat, "h") && strcmp(pat, "d"))
        return mc_err_set(err, bad, "deep-kedi: unknown pattern '%s' (v, h or d)", pat);
    if (strcmp(dom, "pixel") && strcmp(dom, "ripplet"))
        return mc_err_set(err, bad, "deep-kedi: speckle '%s' must be pixel or ripplet", dom);
    p->pattern = pat[0];
    p->domain = dom[0] == 'p' ? MC_SPECKLE_PIXEL : MC_SPECKLE_RIPPLET;
    int rc;
    if ((rc = num_param(ctx, "variance", 0, 0.3, enc, &p->var, err)) ||
        (rc = num_param(ctx, "support", 1, 16, enc, &p->c, err)) ||
        (rc = num_param(ctx, "degree", 1, 64, enc, &p->d, err)))
        return rc;
    return MC_OK;
}

/* ------------------------------------------------------------- planes */

typedef struct dk_run {
    dk_params p;
    size_t w, h, d, ch, npx, n; /* n = samples */
    uint32_t maxv, sign;        /* code = stored pattern XOR sign */
    uint32_t lo, hi;            /* codes of the plaintext's range (bits_stored) */
    int bits;
    mc_speckle sp;
    double *plane, *aux;        /* w*h each */
    uint32_t *k;                /* key image (npx) */
    uint32_t *zres;             /* hardened: residual codes (n) */
    uint8_t *tmp, *key;         /* one slice of pixels each */
} dk_run;

static inline uint32_t code_at(const mc_image *img, const dk_run *r, size_t i) {
    uint32_t v = r->bits == 8 ? ((const uint8_t *)img->pixels)[i] : ((const uint16_t *)img->pixels)[i];
    return v ^ r->sign;
}

static inline void code_put(mc_image *img, const dk_run *r, size_t i, uint32_t c) {
    if (r->bits == 8) ((uint8_t *)img->pixels)[i] = (uint8_t)(c ^ r->sign);
    else ((uint16_t *)img->pixels)[i] = (uint16_t)(c ^ r->sign);
}

/* Nearest code in [lo, hi]. */
static inline uint32_t to_code(double v, uint32_t lo, uint32_t hi) {
    v = floor(v + 0.5);
    return !(v >= lo) ? lo : v >= hi ? hi : (uint32_t)v;
}

static void run_free(dk_run *r) {
    mc_speckle_free(&r->sp);
    const size_t slice = r->npx * r->ch * (size_t)(r->bits / 8);
    if (r->plane) sodium_memzero(r->plane, r->npx * sizeof *r->plane);
    if (r->aux) sodium_memzero(r->aux, r->npx * sizeof *r->aux);
    if (r->k) sodium_memzero(r->k, r->npx * sizeof *r->k);
    if (r->zres) sodium_memzero(r->zres, r->n * sizeof *r->zres);
    if (r->tmp) sodium_memzero(r->tmp, slice);
    if (r->key) sodium_memzero(r->key, slice);
    free(r->plane), free(r->aux), free(r->k), free(r->zres), free(r->tmp), free(r->key);
}

static int run_init(const mc_scheme_ctx *ctx, const mc_image *img, int enc, dk_run *r, mc_err *err) {
    memset(r, 0, sizeof *r);
    int rc = get_params(ctx, enc, &r->p, err);
    if (rc) return rc;
    if (img->channels != 1 && img->channels != 3)
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "deep-kedi: %u channels (1 or 3)", img->channels);
    r->w = img->width, r->h = img->height, r->d = img->depth, r->ch = img->channels;
    r->npx = r->w * r->h, r->n = mc_image_samples(img), r->bits = img->bits;
    r->maxv = img->bits == 8 ? 0xffu : 0xffffu;
    r->sign = img->is_signed ? (r->maxv >> 1) + 1 : 0;
    r->lo = 0, r->hi = r->maxv;
    uint64_t bs = img->bits;
    if (!enc && mc_meta_get(ctx->meta, MC_MK_BITS_STORED)) mc_meta_get_u64(ctx->meta, MC_MK_BITS_STORED, &bs);
    if (bs >= 1 && bs < (uint64_t)img->bits) { /* the plaintext used bs bits */
        const uint32_t span = (uint32_t)1 << bs;
        r->lo = img->is_signed ? r->sign - span / 2 : 0;
        r->hi = img->is_signed ? r->sign + span / 2 - 1 : span - 1;
    }
    const size_t slice = r->npx * r->ch * (size_t)(r->bits / 8);
    r->plane = malloc(r->npx * sizeof *r->plane);
    r->aux = malloc(r->npx * sizeof *r->aux);
    r->k = malloc(r->npx * sizeof *r->k);
    r->tmp = malloc(slice);
    r->key = malloc(slice);
    if (ctx->nonce) r->zres = malloc((r->n ? r->n : 1) * sizeof *r->zres);
    if (!r->plane || !r->aux || !r->k || !r->tmp || !r->key || (ctx->nonce && !r->zres))
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    return mc_speckle_init(&r->sp, img->width, img->height, r->p.c, r->p.d, err);
}

static void plane_get(const mc_image *img, const dk_run *r, size_t z, size_t c, double *out) {
    const size_t base = z * r->npx * r->ch + c;
    for (size_t i = 0; i < r->npx; i++) out[i] = (double)code_at(img, r, base + i * r->ch);
}

/* Speckle every plane in place; hardened: the residual against the
 * despeckled plane. */
static void speckle_all(const mc_scheme_ctx *ctx, mc_image *img, dk_run *r) {
    for (size_t z = 0; z < r->d; z++)
        for (size_t c = 0; c < r->ch; c++) {
            const size_t base = z * r->npx * r->ch + c;
            mc_stream st;
            plane_get(img, r, z, c, r->plane);
            mc_stream_init(&st, ctx->key, ctx->nonce, "deep-kedi/speckle", z, c);
            mc_speckle_add(&r->sp, r->p.domain, r->p.var, &st, r->plane, r->aux);
            mc_stream_wipe(&st);
            for (size_t i = 0; i < r->npx; i++) r->aux[i] = (double)to_code(r->aux[i], 0, r->maxv);
            if (r->zres) { /* what decryption will compute from J */
                for (size_t i = 0; i < r->npx; i++) code_put(img, r, base + i * r->ch, (uint32_t)r->aux[i]);
                mc_speckle_remove(&r->sp, r->aux, r->aux);
                for (size_t i = 0; i < r->npx; i++) {
                    const int64_t u = (int64_t)r->plane[i], x = to_code(r->aux[i], r->lo, r->hi);
                    r->zres[base + i * r->ch] = mc_residual_code((int32_t)(u - x));
                }
            } else {
                for (size_t i = 0; i < r->npx; i++) code_put(img, r, base + i * r->ch, (uint32_t)r->aux[i]);
            }
        }
}

/* Despeckle every plane in place (+ the residual in hardened). */
static int despeckle_all(mc_image *img, dk_run *r, mc_err *err) {
    for (size_t z = 0; z < r->d; z++)
        for (size_t c = 0; c < r->ch; c++) {
            const size_t base = z * r->npx * r->ch + c;
            plane_get(img, r, z, c, r->plane);
            mc_speckle_remove(&r->sp, r->plane, r->plane);
            for (size_t i = 0; i < r->npx; i++) {
                int64_t v = to_code(r->plane[i], r->lo, r->hi);
                if (r->zres) v += mc_residual_value(r->zres[base + i * r->ch]);
                if (v < 0 || v > (int64_t)r->maxv) /* the despeckling differs from the encryptor's */
                    return mc_err_set(err, MC_ERR_INTERNAL,
                                      "deep-kedi: residual out of range: despeckling not reproducible (bug)");
                code_put(img, r, base + i * r->ch, (uint32_t)v);
            }
        }
    return MC_OK;
}

/* C = zigzag(J) XOR K per slice (enc), or J = unzigzag(C XOR K). */
static void xor_all(const mc_scheme_ctx *ctx, mc_image *img, dk_run *r, int enc) {
    const size_t slice = r->npx * r->ch * (size_t)(r->bits / 8), ns = r->npx * r->ch;
    for (size_t z = 0; z < r->d; z++) {
        uint8_t *p = (uint8_t *)img->pixels + z * slice;
        if (z == 0 || ctx->nonce) mc_dk_slice_key(ctx->key, ctx->nonce, r->k, r->npx, (unsigned)r->ch, (unsigned)r->bits,
                                                  (uint32_t)z, r->key);
        if (enc) {
            mc_zigzag_permute(p, r->tmp, r->p.pattern, img->width, img->height, img->channels, img->bits, 1);
            if (r->bits == 8)
                for (size_t i = 0; i < ns; i++) p[i] = r->tmp[i] ^ r->key[i];
            else
                for (size_t i = 0; i < ns; i++)
                    ((uint16_t *)p)[i] = ((const uint16_t *)r->tmp)[i] ^ ((const uint16_t *)r->key)[i];
        } else {
            if (r->bits == 8)
                for (size_t i = 0; i < ns; i++) r->tmp[i] = p[i] ^ r->key[i];
            else
                for (size_t i = 0; i < ns; i++)
                    ((uint16_t *)r->tmp)[i] = ((const uint16_t *)p)[i] ^ ((const uint16_t *)r->key)[i];
            mc_zigzag_permute(p, r->tmp, r->p.pattern, img->width, img->height, img->channels, img->bits, 0);
        }
    }
}

static int dk_encrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    dk_run r;
    uint8_t id[16];
    int rc = run_init(ctx, img, 1, &r, err);
    if (!rc) rc = mc_dk_gan_key(ctx->key, ctx->nonce, img->width, img->height, img->bits, ctx->opts, r.k, id, err);
    if (!rc && mc_meta_set_hex(ctx->meta, MC_DK_META_MODEL, id, sizeof id))
        rc = mc_err_set(err, MC_ERR_INTERNAL, "metadata");
    if (!rc) {
        speckle_all(ctx, img, &r);
        xor_all(ctx, img, &r, 1);
        if (r.zres) rc = mc_residual_store(ctx->key, ctx->nonce, "deep-kedi/residual", r.zres, r.n, r.bits == 8 ? 2 : 3,
                                           img, err);
    }
    run_free(&r);
    return rc;
}

static int dk_decrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    dk_run r;
    uint8_t id[16], want[16];
    int rc = run_init(ctx, img, 0, &r, err);
    if (!rc && mc_meta_get_hex(ctx->meta, MC_DK_META_MODEL, want, sizeof want))
        rc = mc_err_set(err, MC_ERR_AUTH, "deep-kedi: missing or malformed model_id in metadata (tampered)");
    if (!rc) rc = mc_dk_gan_key(ctx->key, ctx->nonce, img->width, img->height, img->bits, ctx->opts, r.k, id, err);
    if (!rc && sodium_memcmp(want, id, sizeof id)) {
        char a[33];
        mc_hex_encode(a, want, sizeof want);
        rc = ctx->opts && ctx->opts->model
                 ? mc_err_set(err, MC_ERR_AUTH, "deep-kedi: the model given is not the one of this file (%.12s...)", a)
                 : mc_err_set(err, MC_ERR_FORMAT,
                              "deep-kedi: the file was made with ZZ-GAN model %.12s..., not the built-in one: give that "
                              "model (--model)", a);
    }
    if (!rc && !r.zres && img->aux_len)
        rc = mc_err_set(err, MC_ERR_AUTH, "deep-kedi: a paper-profile file carries a residual (tampered)");
    if (!rc && r.zres)
        rc = mc_residual_load(ctx->key, ctx->nonce, "deep-kedi/residual", img, r.zres, r.n, r.bits == 8 ? 2 : 3, err);
    if (!rc) {
        xor_all(ctx, img, &r, 0);
        rc = despeckle_all(img, &r, err);
    }
    if (!rc) rc = mc_image_set_aux(img, NULL, 0, err);
    run_free(&r);
    return rc;
}

int mc_dk_despeckle(mc_image *img, const mc_meta *meta, mc_err *err) {
    mc_meta *m = calloc(1, sizeof *m);
    if (!m) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    if (meta) memcpy(m, meta, sizeof *m);
    const mc_scheme_ctx ctx = {NULL, NULL, MC_PROFILE_PAPER, m, NULL};
    dk_run r;
    int rc = run_init(&ctx, img, 0, &r, err);
    if (!rc) rc = despeckle_all(img, &r, err);
    run_free(&r);
    free(m);
    return rc;
}

const mc_scheme mc_scheme_deep_kedi = {
    .name = "deep-kedi",
    .title = "speckle through the ripplet transform, ZZ-GAN key image, zigzag XOR (paper: lossy; hardened: exact)",
    .paper = "Deep-KEDI / ZZ-GAN 2024: speckle via discrete ripplet transform, GAN key image, zigzag XOR",
    .bits = MC_BITS_8 | MC_BITS_16,
    .profiles = MC_PROFILES_PAPER | MC_PROFILES_HARDENED,
    .params = k_params,
    .nparams = sizeof k_params / sizeof k_params[0],
    .encrypt = dk_encrypt,
    .decrypt = dk_decrypt,
    .flags = MC_SCHEME_PAPER_LOSSY,
};
