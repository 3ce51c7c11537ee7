/* residual.c - the encrypted exact-reconstruction residual in the aux blob
 * (residual.h). */
#include "schemes/residual.h"
#include "core/internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <zlib.h>

#define HDR 16u

static void crypt_blob(const uint8_t *key, const uint8_t *nonce, const char *label, uint8_t *buf, size_t len) {
    mc_stream st;
    mc_stream_init(&st, key, nonce, label, 0, 0);
    mc_stream_xor(&st, buf, len);
    mc_stream_wipe(&st);
}

int mc_residual_store(const uint8_t key[MC_KEY_BYTES], const uint8_t nonce[MC_NONCE_BYTES], const char *label,
                      const uint32_t *z, size_t n, unsigned planes, mc_image *img, mc_err *err) {
    if (planes < 1 || planes > 4 || n > SIZE_MAX / planes) return mc_err_set(err, MC_ERR_INTERNAL, "residual: bad size");
    const size_t raw = planes * n;
    const uLong bound = compressBound((uLong)raw);
    uint8_t *pl = malloc(raw ? raw : 1), *blob = malloc(HDR + bound);
    int rc = MC_OK;
    if (!pl || !blob || (size_t)bound < raw) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (unsigned p = 0; p < planes; p++) {
        uint8_t *dst = pl + p * n;
        for (size_t i = 0; i < n; i++) dst[i] = (uint8_t)(z[i] >> (8 * p));
    }
    uLongf clen = bound;
    if (compress2(blob + HDR, &clen, pl, (uLong)raw, 6) != Z_OK) {
        rc = mc_err_set(err, MC_ERR_INTERNAL, "residual: deflate failed");
        goto out;
    }
    memcpy(blob, "MCRS", 4);
    blob[4] = 1, blob[5] = (uint8_t)planes, blob[6] = blob[7] = 0;
    mc_put_le64(blob + 8, (uint64_t)n);
    crypt_blob(key, nonce, label, blob, HDR + clen);
    rc = mc_image_set_aux(img, blob, HDR + clen, err);
out:
    if (pl) sodium_memzero(pl, raw);
    free(pl);
    free(blob);
    return rc;
}

int mc_residual_load(const uint8_t key[MC_KEY_BYTES], const uint8_t nonce[MC_NONCE_BYTES], const char *label,
                     const mc_image *img, uint32_t *z, size_t n, unsigned planes, mc_err *err) {
    if (!img->aux || img->aux_len < HDR) return mc_err_set(err, MC_ERR_AUTH, "the residual is missing (tampered)");
    const size_t raw = planes * n;
    uint8_t *blob = malloc(img->aux_len), *pl = malloc(raw ? raw : 1);
    int rc = MC_OK;
    if (!blob || !pl) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    memcpy(blob, img->aux, img->aux_len);
    crypt_blob(key, nonce, label, blob, img->aux_len);
    uLongf dlen = (uLongf)raw;
    if (memcmp(blob, "MCRS", 4) || blob[4] != 1 || blob[5] != planes || blob[6] || blob[7] ||
        mc_get_le64(blob + 8) != (uint64_t)n ||
        uncompress(pl, &dlen, blob + HDR, (uLong)(img->aux_len - HDR)) != Z_OK || dlen != raw) {
        rc = mc_err_set(err, MC_ERR_AUTH, "the residual does not decode (wrong key or damaged file)");
        goto out;
    }
    for (size_t i = 0; i < n; i++) z[i] = 0;
    for (unsigned p = 0; p < planes; p++) {
        const uint8_t *src = pl + p * n;
        for (size_t i = 0; i < n; i++) z[i] |= (uint32_t)src[i] << (8 * p);
    }
out:
    if (blob) sodium_memzero(blob, img->aux_len);
    if (pl) sodium_memzero(pl, raw);
    free(blob);
    free(pl);
    return rc;
}
