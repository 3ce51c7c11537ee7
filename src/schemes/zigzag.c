/* zigzag.c - Deep-KEDI's zigzag cipher (Hossain et al. 2024, ZZ-GAN): each
 * slice is read in a zigzag order and the sequence is XORed with a key image
 * (docs/schemes/zigzag.md).
 *
 * Orders over the W x H pixels of a slice (a pixel keeps its channels):
 *   h  rows, boustrophedon: row 0 left to right, row 1 right to left, ...
 *   v  columns, boustrophedon: column 0 top to bottom, column 1 bottom to top, ...
 *   d  anti-diagonals s = row + col, alternating (JPEG's zigzag): (0,0) (0,1)
 *      (1,0) (2,0) (1,1) (0,2) ...
 * The k-th pixel of the order is written at raster position k and XORed with
 * the key image's sample there: C[k] = P[z(k)] ^ K[k].
 *
 * Key image: the caller's (`--key-image FILE`, mc_opts.key_image: same width
 * and height, same bits; one slice or as many as the image; one channel or as
 * many), or `derived` (default): drawn from the sub-key's keyed stream.  No
 * file named by an input file is ever opened: with a caller's key image the
 * parameter records only its identifier, `p.key-image=keyed-blake2b:<32 hex>`,
 * a BLAKE2b-128 of the key image keyed by the sub-key (a check value, never
 * the key image), compared at decryption (MC_ERR_AUTH on a mismatch; a file
 * that needs a key image decrypted without one: MC_ERR_FORMAT naming
 * --key-image).  Files of earlier builds carry the key image's path instead;
 * they decrypt when the caller gives the key image, checked against their
 * `keyimg` entry when they have one (hardened), unchecked otherwise (paper).
 * paper:    K = the key image (caller's or derived from the key alone): every
 *           image under one key gets the same key image, as in the paper.
 * hardened: K = key image XOR a stream keyed by sub-key and nonce (derived:
 *           the key image itself is drawn with the nonce), plus the MAC. */
#include "core/internal.h"
#include "schemes/classical.h"
#include "schemes/schemes.h"

#include <sodium.h>
#include <stdlib.h>

#define KEYIMG_META "keyimg"          /* files of earlier builds (hardened, with a key-image path) */
#define KEYIMG_ID "keyed-blake2b:"     /* p.key-image of a caller's key image */
#define KEYIMG_ID_LEN (sizeof KEYIMG_ID - 1)

static const mc_param_def k_params[] = {
    {"pattern", "d", "zigzag order: v (vertical), h (horizontal) or d (diagonal)"},
    {"key-image", "derived",
     "'derived' from the key; with --key-image FILE (same width/height/bits, needed again to decrypt) "
     "medcrypt records its keyed BLAKE2b id here"},
};

/* Walk the order of a w x h slice: BODY runs with k (position in the order,
 * = raster index of the output) and pos (raster index of the pixel read). */
#define ZZ_WALK(pattern, w, h, BODY)                                                 \
    do {                                                                             \
        size_t k = 0, pos;                                                           \
        if ((pattern) == 'h') {                                                      \
            for (uint32_t r_ = 0; r_ < (h); r_++)                                    \
                for (uint32_t t_ = 0; t_ < (w); t_++, k++) {                         \
                    pos = (size_t)r_ * (w) + (r_ & 1 ? (w) - 1 - t_ : t_);           \
                    BODY;                                                            \
                }                                                                    \
        } else if ((pattern) == 'v') {                                               \
            for (uint32_t c_ = 0; c_ < (w); c_++)                                    \
                for (uint32_t t_ = 0; t_ < (h); t_++, k++) {                         \
                    pos = (size_t)(c_ & 1 ? (h) - 1 - t_ : t_) * (w) + c_;           \
                    BODY;                                                            \
                }                                                                    \
        } else {                                                                     \
            for (uint32_t s_ = 0; s_ + 1 < (w) + (h); s_++) {                        \
                uint32_t lo_ = s_ >= (w) ? s_ - (w) + 1 : 0, hi_ = s_ < (h) ? s_ : (h) - 1; \
                if (s_ & 1)                                                          \
                    for (uint32_t r_ = lo_; r_ <= hi_; r_++, k++) {                  \
                        pos = (size_t)r_ * (w) + (s_ - r_);                          \
                        BODY;                                                        \
                    }                                                                \
                else                                                                 \
                    for (uint32_t r_ = hi_ + 1; r_-- > lo_; k++) {                   \
                        pos = (size_t)r_ * (w) + (s_ - r_);                          \
                        BODY;                                                        \
                    }                                                                \
            }                                                                        \
        }                                                                            \
        (void)k;                                                                     \
    } while (0)

void mc_zigzag_order(char pattern, uint32_t w, uint32_t h, uint32_t *idx) {
    ZZ_WALK(pattern, w, h, idx[k] = (uint32_t)pos);
}

/* The keyed check value of a key image: BLAKE2b-128 keyed by the sub-key's
 * stream "zigzag/key-image-check" (no nonce) over its geometry and samples
 * (LE); the identifier recorded in the file, so it never reveals the key
 * image.  The same value as `keyimg` of earlier builds. */
static void key_image_id(const mc_scheme_ctx *ctx, const mc_image *ki, uint8_t kid[16]) {
    uint8_t ck[32], hdr[16], tmp[4096];
    crypto_generichash_state hs;
    mc_stream st;
    mc_stream_init(&st, ctx->key, NULL, "zigzag/key-image-check", 0, 0);
    mc_stream_bytes(&st, ck, sizeof ck);
    mc_stream_wipe(&st);
    uint32_t f[4] = {ki->width, ki->height, ki->depth, ki->channels};
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 4; b++) hdr[4 * i + b] = (uint8_t)(f[i] >> (8 * b));
    crypto_generichash_init(&hs, ck, sizeof ck, 16);
    crypto_generichash_update(&hs, hdr, sizeof hdr);
    if (ki->bits == 8 || mc_host_le()) {
        crypto_generichash_update(&hs, ki->pixels, ki->nbytes);
    } else {
        const uint16_t *p = ki->pixels;
        for (size_t i = 0, n = ki->nbytes / 2; i < n;) {
            size_t c = 0;
            for (; c < sizeof tmp / 2 && i < n; c++, i++) {
                tmp[2 * c] = (uint8_t)p[i];
                tmp[2 * c + 1] = (uint8_t)(p[i] >> 8);
            }
            crypto_generichash_update(&hs, tmp, 2 * c);
        }
        sodium_memzero(tmp, sizeof tmp);
    }
    crypto_generichash_final(&hs, kid, 16);
    sodium_memzero(ck, sizeof ck);
    sodium_memzero(&hs, sizeof hs);
}

/* The caller's key image ki as samples of img's layout (nbytes) in key,
 * combined with the nonce-keyed stream in the hardened profile. */
static int build_key(const mc_scheme_ctx *ctx, const mc_image *img, const mc_image *ki, uint8_t *key, mc_err *err) {
    if (ki->width != img->width || ki->height != img->height)
        return mc_err_set(err, MC_ERR_FORMAT, "zigzag: the key image is %ux%u, the image is %ux%u", ki->width,
                          ki->height, img->width, img->height);
    if (ki->bits != img->bits)
        return mc_err_set(err, MC_ERR_FORMAT, "zigzag: the key image is %u-bit, the image is %u-bit", ki->bits,
                          img->bits);
    if (ki->depth != 1 && ki->depth != img->depth)
        return mc_err_set(err, MC_ERR_FORMAT, "zigzag: the key image has %u slices, the image %u (use 1 or the same)",
                          ki->depth, img->depth);
    if (ki->channels != 1 && ki->channels != img->channels)
        return mc_err_set(err, MC_ERR_FORMAT,
                          "zigzag: the key image has %u channels, the image %u (use 1 or the same)", ki->channels,
                          img->channels);
    /* expand to img's layout: slices and channels broadcast */
    size_t bps = img->bits / 8, px = (size_t)img->width * img->height, ch = img->channels;
    size_t slice = px * ch * bps;
    for (uint32_t z = 0; z < img->depth; z++) {
        const uint8_t *src = (const uint8_t *)ki->pixels + (ki->depth == 1 ? 0 : z) * px * ki->channels * bps;
        uint8_t *dst = key + z * slice;
        if (ki->channels == ch) memcpy(dst, src, slice);
        else
            for (size_t p = 0; p < px; p++)
                for (size_t c = 0; c < ch; c++) memcpy(dst + (p * ch + c) * bps, src + p * bps, bps);
    }
    if (ctx->nonce) { /* combine with the nonce-keyed stream */
        mc_stream st;
        mc_stream_init(&st, ctx->key, ctx->nonce, "zigzag/mask", 0, 0);
        if (img->bits == 16) mc_swap16_le(key, img->nbytes);
        mc_stream_xor(&st, key, img->nbytes);
        if (img->bits == 16) mc_swap16_le(key, img->nbytes);
        mc_stream_wipe(&st);
    }
    return MC_OK;
}

/* Which key image: NULL (derived) or the caller's, checked against what the
 * file records (decrypt) or recorded into p.key-image (encrypt). */
static int select_key_image(const mc_scheme_ctx *ctx, int enc, const mc_image **out, mc_err *err) {
    const char *v = mc_scheme_param(ctx, &mc_scheme_zigzag, "key-image");
    const mc_image *ki = ctx->opts ? ctx->opts->key_image : NULL;
    uint8_t kid[16], want[16];
    *out = NULL;
    if (enc) {
        if (strcmp(v, "derived"))
            return mc_err_set(err, MC_ERR_ARG,
                              "zigzag: key-image takes only 'derived'; give a key image with --key-image FILE "
                              "(mc_opts.key_image)");
        if (!ki) return MC_OK;
        char id[KEYIMG_ID_LEN + 33];
        key_image_id(ctx, ki, kid);
        memcpy(id, KEYIMG_ID, KEYIMG_ID_LEN);
        mc_hex_encode(id + KEYIMG_ID_LEN, kid, sizeof kid);
        if (mc_meta_set(ctx->meta, MC_MK_PARAM_PREFIX "key-image", id))
            return mc_err_set(err, MC_ERR_INTERNAL, "metadata full");
        *out = ki;
        return MC_OK;
    }
    if (!strcmp(v, "derived")) return MC_OK; /* a caller's key image is not needed: ignored */
    if (!ki)
        return mc_err_set(err, MC_ERR_FORMAT,
                          "zigzag: this file was encrypted with a key image: give it with --key-image FILE "
                          "(mc_opts.key_image)");
    int have_want = 1;
    if (!strncmp(v, KEYIMG_ID, KEYIMG_ID_LEN)) {
        if (mc_hex_decode(want, sizeof want, v + KEYIMG_ID_LEN, strlen(v + KEYIMG_ID_LEN)))
            return mc_err_set(err, MC_ERR_FORMAT, "zigzag: malformed key-image identifier in the metadata");
    } else if (mc_meta_get(ctx->meta, KEYIMG_META)) { /* a file of an earlier build: a path, and its check value */
        if (mc_meta_get_hex(ctx->meta, KEYIMG_META, want, sizeof want))
            return mc_err_set(err, MC_ERR_FORMAT, "zigzag: malformed keyimg in the metadata");
    } else {
        have_want = 0; /* an earlier paper file: nothing recorded to check */
    }
    if (have_want) {
        key_image_id(ctx, ki, kid);
        if (sodium_memcmp(want, kid, sizeof kid))
            return mc_err_set(err, MC_ERR_AUTH,
                              "zigzag: the key image (or the key) is not the one this file was encrypted with");
    }
    *out = ki;
    return MC_OK;
}

/* Pixel types: a pixel keeps its channels (1 or 3 samples). */
typedef struct px3_8 {
    uint8_t v[3];
} px3_8;
typedef struct px3_16 {
    uint16_t v[3];
} px3_16;
_Static_assert(sizeof(px3_8) == 3 && sizeof(px3_16) == 6, "packed pixel structs");

#define ZZ_T uint8_t
#define ZZ_SUF g8
#define ZZ_GATHER 1
#include "schemes/zigzag_perm.h"
#undef ZZ_GATHER
#define ZZ_GATHER 0
#include "schemes/zigzag_perm.h"
#undef ZZ_GATHER
#undef ZZ_SUF
#undef ZZ_T
#define ZZ_T uint16_t
#define ZZ_SUF g16
#define ZZ_GATHER 1
#include "schemes/zigzag_perm.h"
#undef ZZ_GATHER
#define ZZ_GATHER 0
#include "schemes/zigzag_perm.h"
#undef ZZ_GATHER
#undef ZZ_SUF
#undef ZZ_T
#define ZZ_T px3_8
#define ZZ_SUF c8
#define ZZ_GATHER 1
#include "schemes/zigzag_perm.h"
#undef ZZ_GATHER
#define ZZ_GATHER 0
#include "schemes/zigzag_perm.h"
#undef ZZ_GATHER
#undef ZZ_SUF
#undef ZZ_T
#define ZZ_T px3_16
#define ZZ_SUF c16
#define ZZ_GATHER 1
#include "schemes/zigzag_perm.h"
#undef ZZ_GATHER
#define ZZ_GATHER 0
#include "schemes/zigzag_perm.h"
#undef ZZ_GATHER
#undef ZZ_SUF
#undef ZZ_T

/* ras (the slice, raster order) <-> ord (zigzag order); enc: gather
 * ord[k] = ras[z(k)], dec: scatter ras[z(k)] = ord[k]. */
static void zz_perm(void *ras, void *ord, char pat, uint32_t w, uint32_t h, unsigned ch, unsigned bits, int enc) {
    if (ch == 1 && bits == 8) (enc ? zz_perm_g8_1 : zz_perm_g8_0)(ras, ord, pat, w, h);
    else if (ch == 1) (enc ? zz_perm_g16_1 : zz_perm_g16_0)(ras, ord, pat, w, h);
    else if (bits == 8) (enc ? zz_perm_c8_1 : zz_perm_c8_0)(ras, ord, pat, w, h);
    else (enc ? zz_perm_c16_1 : zz_perm_c16_0)(ras, ord, pat, w, h);
}

static int zigzag_run(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err, int enc) {
    const char *pat = mc_scheme_param(ctx, &mc_scheme_zigzag, "pattern");
    if (strcmp(pat, "v") && strcmp(pat, "h") && strcmp(pat, "d"))
        return mc_err_set(err, MC_ERR_FORMAT, "zigzag: unknown pattern '%s' (v, h or d)", pat);
    if (img->channels != 1 && img->channels != 3)
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "zigzag: %u channels (1 or 3)", img->channels);
    const mc_image *ki = NULL;
    int rc = select_key_image(ctx, enc, &ki, err);
    if (rc) return rc;
    int derived = ki == NULL;
    size_t npx = (size_t)img->width * img->height, slice = npx * img->channels * (img->bits / 8);
    uint8_t *key = derived ? NULL : malloc(img->nbytes);
    uint8_t *tmp = malloc(slice);
    mc_stream st;
    if ((!derived && !key) || !tmp) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "zigzag: out of memory");
        goto out;
    }
    if (derived) mc_stream_init(&st, ctx->key, ctx->nonce, "zigzag/key-image", 0, 0);
    else rc = build_key(ctx, img, ki, key, err);
    if (rc) goto out;
    /* Per slice: C[k] = P[z(k)] ^ K[k].  enc: gather P into tmp, then XOR the
     * key into the image (derived: the stream straight from XChaCha20, bytes
     * = LE samples); dec: XOR out of the image into tmp, then scatter. */
    for (uint32_t z = 0; z < img->depth; z++) {
        uint8_t *p = (uint8_t *)img->pixels + z * slice;
        if (enc) {
            zz_perm(p, tmp, pat[0], img->width, img->height, img->channels, img->bits, 1);
            if (derived) {
                if (img->bits == 16) mc_swap16_le(tmp, slice);
                mc_stream_xor_to(&st, p, tmp, slice);
                if (img->bits == 16) mc_swap16_le(p, slice);
            } else {
                const uint8_t *k = key + z * slice;
                for (size_t i = 0; i < slice; i++) p[i] = tmp[i] ^ k[i];
            }
        } else {
            if (derived) {
                if (img->bits == 16) mc_swap16_le(p, slice);
                mc_stream_xor_to(&st, tmp, p, slice);
                if (img->bits == 16) mc_swap16_le(tmp, slice);
            } else {
                const uint8_t *k = key + z * slice;
                for (size_t i = 0; i < slice; i++) tmp[i] = p[i] ^ k[i];
            }
            zz_perm(p, tmp, pat[0], img->width, img->height, img->channels, img->bits, 0);
        }
    }
out:
    if (derived) mc_stream_wipe(&st);
    if (tmp) sodium_memzero(tmp, slice);
    if (key) sodium_memzero(key, img->nbytes);
    free(tmp);
    free(key);
    return rc;
}

static int zigzag_encrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    return zigzag_run(ctx, img, err, 1);
}

static int zigzag_decrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    return zigzag_run(ctx, img, err, 0);
}

const mc_scheme mc_scheme_zigzag = {
    .name = "zigzag",
    .title = "zigzag scan XORed with a key image (Deep-KEDI's ZZ-GAN cipher)",
    .paper = "Deep-KEDI / ZZ-GAN 2024: vertical, horizontal, diagonal zigzag XOR with a key image",
    .bits = MC_BITS_8 | MC_BITS_16,
    .profiles = MC_PROFILES_PAPER | MC_PROFILES_HARDENED,
    .params = k_params,
    .nparams = sizeof k_params / sizeof k_params[0],
    .encrypt = zigzag_encrypt,
    .decrypt = zigzag_decrypt,
    .flags = 0,
};
