/* residual.c - the encrypted residual of the lossy neural schemes
 * (residual.h has the format). */
#include "schemes/residual.h"

#include "core/internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <zlib.h>

#define HDR 16u
static const uint8_t magic[4] = {'M', 'C', 'R', '1'};

static unsigned planes_of(const mc_image *img) { return img->bits == 8 ? 2u : 3u; }

int mc_residual_store(const mc_scheme_ctx *ctx, const char *label, mc_image *img, const uint32_t *z, size_t n,
                      mc_err *err) {
    const unsigned np = planes_of(img);
    if (n > SIZE_MAX / 4 || (uint64_t)n * np > (uint64_t)ULONG_MAX / 2)
        return mc_err_set(err, MC_ERR_LIMITS, "residual too large");
    const size_t raw = n * np;
    const uLong cap = compressBound((uLong)raw);
    uint8_t *pl = malloc(raw ? raw : 1), *blob = malloc(HDR + cap);
    int rc = MC_OK;
    if (!pl || !blob) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        for (unsigned p = 0; p < np; p++) pl[p * n + i] = (uint8_t)(z[i] >> (8 * p));
    uLongf clen = cap;
    if (compress2(blob + HDR, &clen, pl, (uLong)raw, 6) != Z_OK) {
        rc = mc_err_set(err, MC_ERR_INTERNAL, "cannot compress the residual");
        goto out;
    }
    memcpy(blob, magic, 4);
    blob[4] = (uint8_t)np;
    blob[5] = blob[6] = blob[7] = 0;
    mc_put_le64(blob + 8, (uint64_t)n);
    mc_stream st;
    mc_stream_init(&st, ctx->key, ctx->nonce, label, 0, 0);
    mc_stream_xor(&st, blob, HDR + clen);
    mc_stream_wipe(&st);
    rc = mc_image_set_aux(img, blob, HDR + clen, err);
out:
    if (pl) sodium_memzero(pl, raw);
    free(pl);
    free(blob);
    return rc;
}

int mc_residual_load(const mc_scheme_ctx *ctx, const char *label, const mc_image *img, uint32_t *z, size_t n,
                     mc_err *err) {
    const unsigned np = planes_of(img);
    if (!img->aux || img->aux_len < HDR)
        return mc_err_set(err, MC_ERR_AUTH, "hardened file without its residual (tampered)");
    const size_t raw = n * np;
    uint8_t *blob = malloc(img->aux_len), *pl = malloc(raw ? raw : 1);
    int rc = MC_OK;
    if (!blob || !pl) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    mc_stream st;
    mc_stream_init(&st, ctx->key, ctx->nonce, label, 0, 0);
    mc_stream_xor_to(&st, blob, img->aux, img->aux_len);
    mc_stream_wipe(&st);
    uLongf dlen = (uLongf)raw;
    if (memcmp(blob, magic, 4) || blob[4] != np || blob[5] || blob[6] || blob[7] || mc_get_le64(blob + 8) != n ||
        uncompress(pl, &dlen, blob + HDR, (uLong)(img->aux_len - HDR)) != Z_OK || dlen != raw) {
        rc = mc_err_set(err, MC_ERR_AUTH, "the residual does not decode (wrong key or damaged file)");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t v = 0;
        for (unsigned p = 0; p < np; p++) v |= (uint32_t)pl[p * n + i] << (8 * p);
        z[i] = v;
    }
out:
    if (blob) sodium_memzero(blob, img->aux_len);
    if (pl) sodium_memzero(pl, raw);
    free(blob);
    free(pl);
    return rc;
}
