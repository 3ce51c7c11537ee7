/* image.c - the image model: checked sizes, allocation, limits. */
#include "core/internal.h"

#include <stdlib.h>

void mc_limits_default(mc_limits *l) {
    l->max_width = 65535;
    l->max_height = 65535;
    l->max_depth = 65535;
    l->max_bytes = 4ULL << 30;
}

int mc_image_size(uint32_t w, uint32_t h, uint32_t d, unsigned channels, unsigned bits,
                  const mc_limits *lim, size_t *out) {
    mc_limits def;
    if (!lim) {
        mc_limits_default(&def);
        lim = &def;
    }
    if (w == 0 || h == 0 || d == 0) return MC_ERR_FORMAT;
    if (channels != 1 && channels != 3) return MC_ERR_UNSUPPORTED;
    if (bits != 8 && bits != 16) return MC_ERR_UNSUPPORTED;
    if (w > lim->max_width || h > lim->max_height || d > lim->max_depth) return MC_ERR_LIMITS;
    uint64_t n = (uint64_t)w * h; /* < 2^64 since both < 2^32 */
    uint64_t bps = (uint64_t)channels * (bits / 8);
    if (n > UINT64_MAX / d) return MC_ERR_LIMITS;
    n *= d;
    if (n > UINT64_MAX / bps) return MC_ERR_LIMITS;
    n *= bps;
    if (n > lim->max_bytes || n > (uint64_t)SIZE_MAX) return MC_ERR_LIMITS;
    *out = (size_t)n;
    return MC_OK;
}

int mc_check_geometry(uint32_t w, uint32_t h, uint32_t d, unsigned channels, unsigned bits,
                      const mc_limits *lim, size_t *nbytes, mc_err *err) {
    size_t n = 0;
    int rc = mc_image_size(w, h, d, channels, bits, lim, &n);
    switch (rc) {
    case MC_OK: break;
    case MC_ERR_FORMAT:
        return mc_err_set(err, rc, "image has a zero dimension (%ux%ux%u)", w, h, d);
    case MC_ERR_UNSUPPORTED:
        return mc_err_set(err, rc, "unsupported sample layout: %u channels, %u bits (need 1 or 3 channels, 8 or 16 bits)",
                          channels, bits);
    default:
        return mc_err_set(err, rc, "image %ux%ux%u, %u channels, %u bits exceeds limits", w, h, d,
                          channels, bits);
    }
    if (nbytes) *nbytes = n;
    return MC_OK;
}

int mc_image_new(mc_image **out, uint32_t w, uint32_t h, uint32_t d, unsigned channels,
                 unsigned bits, int is_signed, const mc_limits *lim, mc_err *err) {
    size_t n;
    *out = NULL;
    int rc = mc_check_geometry(w, h, d, channels, bits, lim, &n, err);
    if (rc) return rc;
    mc_image *img = calloc(1, sizeof *img);
    if (!img) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    img->pixels = calloc(1, n);
    if (!img->pixels) {
        free(img);
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory allocating %zu bytes of pixels", n);
    }
    img->width = w;
    img->height = h;
    img->depth = d;
    img->channels = (uint8_t)channels;
    img->bits = (uint8_t)bits;
    img->bits_stored = (uint8_t)bits;
    img->is_signed = is_signed ? 1 : 0;
    img->nbytes = n;
    *out = img;
    return MC_OK;
}

void mc_image_free(mc_image *img) {
    if (!img) return;
    if (img->src && img->src_free) img->src_free(img->src);
    free(img->pixels);
    free(img->aux);
    mc_image_drop_restore(img);
    free(img);
}

size_t mc_image_samples(const mc_image *img) {
    return (size_t)img->width * img->height * img->depth * img->channels;
}

void mc_pixels_swap_le(mc_image *img) {
    if (img->bits != 16 || mc_host_le()) return;
    uint16_t *p = img->pixels;
    size_t n = img->nbytes / 2;
    for (size_t i = 0; i < n; i++) p[i] = (uint16_t)(p[i] << 8 | p[i] >> 8);
}
