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
 * Key image: `--param key-image=FILE` (same width and height, same bits; one
 * slice or as many as the image; one channel or as many), read at encrypt and
 * decrypt time from the path stored in the metadata; or `derived` (default):
 * drawn from the sub-key's keyed stream.
 * paper:    K = the key image (file or derived from the key alone): every image
 *           under one key gets the same key image, as in the paper.
 * hardened: K = key image XOR a stream keyed by sub-key and nonce (derived:
 *           the key image itself is drawn with the nonce), plus the MAC; with
 *           a file, a keyed BLAKE2b check value of it (`keyimg`) so a wrong
 *           key image is reported instead of producing noise. */
#include "core/internal.h"
#include "schemes/classical.h"
#include "schemes/schemes.h"

#include <sodium.h>
#include <stdlib.h>

#define KEYIMG_META "keyimg"

static const mc_param_def k_params[] = {
    {"pattern", "d", "zigzag order: v (vertical), h (horizontal) or d (diagonal)"},
    {"key-image", "derived",
     "key image file (same width/height/bits; read again at decrypt time), or 'derived' from the key"},
};

/* The key image for this image as samples of img's layout (nbytes), or an
 * error.  kid: the keyed check value of a file key image (hardened). */
static int build_key(const mc_scheme_ctx *ctx, const mc_image *img, const char *path, uint8_t *key,
                     uint8_t kid[16], int *have_kid, mc_err *err) {
    *have_kid = 0;
    if (!*path || !strcmp(path, "-"))
        return mc_err_set(err, MC_ERR_FORMAT, "zigzag: key-image must be a file name or 'derived'");
    mc_image *ki = NULL;
    mc_err e2 = {0};
    int rc = mc_image_read(path, NULL, &ki, &e2);
    if (rc) return mc_err_set(err, rc, "zigzag: key image %s", e2.msg);
    if (ki->width != img->width || ki->height != img->height)
        rc = mc_err_set(err, MC_ERR_FORMAT, "zigzag: key image %s is %ux%u, the image is %ux%u", mc_basename(path),
                        ki->width, ki->height, img->width, img->height);
    else if (ki->bits != img->bits)
        rc = mc_err_set(err, MC_ERR_FORMAT, "zigzag: key image %s is %u-bit, the image is %u-bit", mc_basename(path),
                        ki->bits, img->bits);
    else if (ki->depth != 1 && ki->depth != img->depth)
        rc = mc_err_set(err, MC_ERR_FORMAT, "zigzag: key image %s has %u slices, the image %u (use 1 or the same)",
                        mc_basename(path), ki->depth, img->depth);
    else if (ki->channels != 1 && ki->channels != img->channels)
        rc = mc_err_set(err, MC_ERR_FORMAT, "zigzag: key image %s has %u channels, the image %u (use 1 or the same)",
                        mc_basename(path), ki->channels, img->channels);
    if (rc) {
        mc_image_free(ki);
        return rc;
    }
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
    if (ctx->nonce) {
        /* keyed check value over the key image's geometry and samples (LE) */
        uint8_t ck[32];
        crypto_generichash_state hs;
        mc_stream st;
        mc_stream_init(&st, ctx->key, NULL, "zigzag/key-image-check", 0, 0);
        mc_stream_bytes(&st, ck, sizeof ck);
        mc_stream_wipe(&st);
        uint8_t hdr[16];
        uint32_t f[4] = {ki->width, ki->height, ki->depth, ki->channels};
        for (int i = 0; i < 4; i++)
            for (int b = 0; b < 4; b++) hdr[4 * i + b] = (uint8_t)(f[i] >> (8 * b));
        crypto_generichash_init(&hs, ck, sizeof ck, 16);
        crypto_generichash_update(&hs, hdr, sizeof hdr);
        mc_pixels_swap_le(ki);
        crypto_generichash_update(&hs, ki->pixels, ki->nbytes);
        crypto_generichash_final(&hs, kid, 16);
        sodium_memzero(ck, sizeof ck);
        sodium_memzero(&hs, sizeof hs);
        *have_kid = 1;
        /* combine with the nonce-keyed stream */
        mc_stream_init(&st, ctx->key, ctx->nonce, "zigzag/mask", 0, 0);
        if (img->bits == 16) mc_swap16_le(key, img->nbytes);
        mc_stream_xor(&st, key, img->nbytes);
        if (img->bits == 16) mc_swap16_le(key, img->nbytes);
        mc_stream_wipe(&st);
    }
    sodium_memzero(ki->pixels, ki->nbytes);
    mc_image_free(ki);
    return MC_OK;
}

static int zigzag_run(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err, int enc) {
    const char *pat = mc_scheme_param(ctx, &mc_scheme_zigzag, "pattern");
    const char *path = mc_scheme_param(ctx, &mc_scheme_zigzag, "key-image");
    if (strcmp(pat, "v") && strcmp(pat, "h") && strcmp(pat, "d"))
        return mc_err_set(err, MC_ERR_FORMAT, "zigzag: unknown pattern '%s' (v, h or d)", pat);
    if (img->channels != 1 && img->channels != 3)
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "zigzag: %u channels (1 or 3)", img->channels);
    int derived = !strcmp(path, "derived");
    size_t npx = (size_t)img->width * img->height, slice = npx * img->channels * (img->bits / 8);
    uint8_t *key = derived ? NULL : malloc(img->nbytes);
    uint8_t *tmp = malloc(slice);
    uint8_t kid[16], want[16];
    int have_kid = 0, rc = MC_OK;
    mc_stream st;
    if ((!derived && !key) || !tmp) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "zigzag: out of memory");
        goto out;
    }
    if (derived) mc_stream_init(&st, ctx->key, ctx->nonce, "zigzag/key-image", 0, 0);
    else rc = build_key(ctx, img, path, key, kid, &have_kid, err);
    if (rc) goto out;
    if (have_kid) {
        if (enc) {
            if (mc_meta_set_hex(ctx->meta, KEYIMG_META, kid, sizeof kid)) {
                rc = mc_err_set(err, MC_ERR_INTERNAL, "metadata full");
                goto out;
            }
        } else if (mc_meta_get_hex(ctx->meta, KEYIMG_META, want, sizeof want) || sodium_memcmp(want, kid, 16)) {
            rc = mc_err_set(err, MC_ERR_AUTH, "zigzag: key image %s is not the one this file was encrypted with",
                            mc_basename(path));
            goto out;
        }
    }
    /* Per slice: C[k] = P[z(k)] ^ K[k].  enc: gather P into tmp, then XOR the
     * key into the image (derived: the stream straight from XChaCha20, bytes
     * = LE samples); dec: XOR out of the image into tmp, then scatter. */
    for (uint32_t z = 0; z < img->depth; z++) {
        uint8_t *p = (uint8_t *)img->pixels + z * slice;
        if (enc) {
            mc_zigzag_permute(p, tmp, pat[0], img->width, img->height, img->channels, img->bits, 1);
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
            mc_zigzag_permute(p, tmp, pat[0], img->width, img->height, img->channels, img->bits, 0);
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
