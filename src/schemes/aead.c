/* aead.c - the secure reference scheme: XChaCha20-Poly1305 (IETF, libsodium)
 * over the pixel bytes (16-bit samples little-endian), in place, detached tag.
 *
 * Associated data: "medcrypt-aead-v1", the geometry (w, h, d, channels, bits,
 * signed as LE u32) and the metadata serialisation without "tag" and "mac"
 * (scheme, profile, parameters, nonce, salt...), then, only when the image
 * carries an aux blob, LE u64 aux_len || aux: aead sets none, so one added to
 * an aead file fails authentication, and files without one keep the
 * associated data they always had.  The 16-byte Poly1305 tag is
 * stored as metadata "tag".  The nonce is the framework's fresh 192-bit nonce.
 * Output has the input's size and type: noise-like pixels.
 *
 * Profiles: hardened only (an AEAD without a nonce would be no reference).
 * The Poly1305 tag already authenticates geometry, metadata and pixels before
 * any pixel is decrypted (libsodium verifies first), so the scheme is marked
 * MC_SCHEME_SELF_AUTH and the framework adds no second MAC. */
#include "core/internal.h"
#include "schemes/schemes.h"

#include <sodium.h>
#include <stdlib.h>

#define AEAD_LABEL "medcrypt-aead-v1"
#define AEAD_TAG_KEY "tag"

/* Build the associated data; caller frees. */
static int build_ad(const mc_image *img, const mc_meta *meta, uint8_t **out, size_t *outlen) {
    mc_meta *tmp = malloc(sizeof *tmp);
    size_t auxpart = img->aux_len ? 8 + img->aux_len : 0;
    uint8_t *ad = malloc(sizeof AEAD_LABEL - 1 + 24 + MC_META_TEXT_MAX + auxpart);
    if (!tmp || !ad) {
        free(tmp);
        free(ad);
        return MC_ERR_NOMEM;
    }
    memcpy(tmp, meta, sizeof *tmp);
    mc_meta_remove(tmp, AEAD_TAG_KEY);
    mc_meta_remove(tmp, MC_MK_MAC);
    size_t o = sizeof AEAD_LABEL - 1;
    memcpy(ad, AEAD_LABEL, o);
    uint32_t f[6] = {img->width, img->height, img->depth, img->channels, img->bits, img->is_signed};
    for (int i = 0; i < 6; i++)
        for (int b = 0; b < 4; b++) ad[o++] = (uint8_t)(f[i] >> (8 * b));
    size_t tl;
    int rc = mc_meta_serialize(tmp, NULL, (char *)ad + o, MC_META_TEXT_MAX, &tl);
    free(tmp);
    if (rc) {
        free(ad);
        return rc;
    }
    o += tl;
    if (auxpart) {
        if (!img->aux) {
            free(ad);
            return MC_ERR_ARG;
        }
        mc_put_le64(ad + o, (uint64_t)img->aux_len);
        memcpy(ad + o + 8, img->aux, img->aux_len);
        o += auxpart;
    }
    *out = ad;
    *outlen = o;
    return MC_OK;
}

static int aead_encrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    uint8_t *ad;
    size_t adlen;
    uint8_t tag[crypto_aead_xchacha20poly1305_ietf_ABYTES];
    if (!ctx->nonce) return mc_err_set(err, MC_ERR_ARG, "aead needs a nonce (hardened profile)");
    if ((uint64_t)img->nbytes > (uint64_t)crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX)
        return mc_err_set(err, MC_ERR_LIMITS, "aead: image larger than XChaCha20-Poly1305 allows (256 GiB)");
    if (build_ad(img, ctx->meta, &ad, &adlen)) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    mc_pixels_swap_le(img);
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(img->pixels, tag, NULL, img->pixels, img->nbytes, ad,
                                                        adlen, NULL, ctx->nonce, ctx->key);
    mc_pixels_swap_le(img);
    free(ad);
    if (mc_meta_set_hex(ctx->meta, AEAD_TAG_KEY, tag, sizeof tag))
        return mc_err_set(err, MC_ERR_INTERNAL, "metadata full");
    return MC_OK;
}

static int aead_decrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    uint8_t *ad;
    size_t adlen;
    uint8_t tag[crypto_aead_xchacha20poly1305_ietf_ABYTES];
    if (!ctx->nonce) return mc_err_set(err, MC_ERR_FORMAT, "aead file without a nonce");
    if (mc_meta_get_hex(ctx->meta, AEAD_TAG_KEY, tag, sizeof tag))
        return mc_err_set(err, MC_ERR_AUTH, "aead tag missing or malformed (tampered)");
    if (build_ad(img, ctx->meta, &ad, &adlen)) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    mc_pixels_swap_le(img);
    /* Verify first without touching the pixels (libsodium's detached decrypt
     * with m == NULL only checks the tag; with m it would zero the buffer on
     * failure).  Then decrypt with the same keystream: the IETF construction
     * is HChaCha20 + ChaCha20-IETF with counter 1, which equals
     * crypto_stream_xchacha20_xor_ic(.., ic = 1, ..) while the block counter
     * stays below 2^32 (images < 256 GiB; limits cap them far lower). */
    int bad = crypto_aead_xchacha20poly1305_ietf_decrypt_detached(NULL, NULL, img->pixels, img->nbytes, tag, ad,
                                                                  adlen, ctx->nonce, ctx->key);
    if (!bad) crypto_stream_xchacha20_xor_ic(img->pixels, img->pixels, img->nbytes, ctx->nonce, 1, ctx->key);
    mc_pixels_swap_le(img);
    free(ad);
    if (bad) return mc_err_set(err, MC_ERR_AUTH, "authentication failed: wrong key, or the file was modified");
    return MC_OK;
}

const mc_scheme mc_scheme_aead = {
    .name = "aead",
    .title = "XChaCha20-Poly1305 over the pixels (secure reference)",
    .paper = "none: the reference every paper scheme is compared with (libsodium XChaCha20-Poly1305)",
    .bits = MC_BITS_8 | MC_BITS_16,
    .profiles = MC_PROFILES_HARDENED,
    .params = NULL,
    .nparams = 0,
    .encrypt = aead_encrypt,
    .decrypt = aead_decrypt,
    .flags = MC_SCHEME_SELF_AUTH,
};
