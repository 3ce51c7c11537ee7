/* mx.h - helpers shared by the files of src/metrics (not installed). */
#ifndef MC_MX_H
#define MC_MX_H
#include "core/internal.h"
#include "medcrypt_lab.h"

#include <math.h>
#include <stdlib.h>

/* A selection resolved to ranges: channels [c0, c1), slices [z0, z1). */
typedef struct mx_sel {
    unsigned c0, c1;
    uint32_t z0, z1;
} mx_sel;

static inline int mx_select(const mc_image *img, int channel, int slice, mx_sel *s) {
    if (!img || !img->pixels || (img->bits != 8 && img->bits != 16) || img->channels < 1 || img->width < 1 ||
        img->height < 1 || img->depth < 1)
        return MC_ERR_ARG;
    if (channel == MC_ALL) {
        s->c0 = 0;
        s->c1 = img->channels;
    } else if (channel >= 0 && (unsigned)channel < img->channels) {
        s->c0 = (unsigned)channel;
        s->c1 = (unsigned)channel + 1;
    } else
        return MC_ERR_ARG;
    if (slice == MC_ALL) {
        s->z0 = 0;
        s->z1 = img->depth;
    } else if (slice >= 0 && (uint32_t)slice < img->depth) {
        s->z0 = (uint32_t)slice;
        s->z1 = (uint32_t)slice + 1;
    } else
        return MC_ERR_ARG;
    return MC_OK;
}

static inline size_t mx_plane_px(const mc_image *img) { return (size_t)img->width * img->height; }

/* Copy the levels of plane (c, z) into out (width*height uint16). */
static inline void mx_plane_levels(const mc_image *img, unsigned c, uint32_t z, uint16_t *out) {
    size_t np = mx_plane_px(img), C = img->channels, base = (size_t)z * np * C + c;
    if (img->bits == 8) {
        const uint8_t *p = (const uint8_t *)img->pixels + base;
        uint8_t flip = img->is_signed ? 0x80 : 0;
        for (size_t i = 0; i < np; i++) out[i] = (uint16_t)(p[i * C] ^ flip);
    } else {
        const uint16_t *p = (const uint16_t *)img->pixels + base;
        uint16_t flip = img->is_signed ? 0x8000 : 0;
        for (size_t i = 0; i < np; i++) out[i] = (uint16_t)(p[i * C] ^ flip);
    }
}

/* Same geometry? */
static inline int mx_same_geometry(const mc_image *a, const mc_image *b, mc_err *err) {
    if (!a || !b || !a->pixels || !b->pixels) return mc_err_set(err, MC_ERR_ARG, "no image");
    if (a->width != b->width || a->height != b->height || a->depth != b->depth || a->channels != b->channels ||
        a->bits != b->bits)
        return mc_err_set(err, MC_ERR_FORMAT,
                          "images differ in geometry (%ux%ux%u, %u channel(s), %u-bit vs %ux%ux%u, %u channel(s), "
                          "%u-bit)",
                          a->width, a->height, a->depth, a->channels, a->bits, b->width, b->height, b->depth,
                          b->channels, b->bits);
    return MC_OK;
}

/* Public, seeded randomness for sampling: an mc_stream under the all-zero key. */
static inline void mx_rng_init(mc_stream *s, const char *label, uint64_t seed, uint64_t sub) {
    static const uint8_t zero[MC_KEY_BYTES] = {0};
    mc_stream_init(s, zero, NULL, label, seed, sub);
}
/* Uniform in [0, n), n >= 1, unbiased. */
static inline uint64_t mx_rng_below(mc_stream *s, uint64_t n) {
    if (n <= UINT32_MAX) return mc_stream_uniform(s, (uint32_t)n);
    uint64_t lim = UINT64_MAX - UINT64_MAX % n, v;
    do v = mc_stream_u64(s);
    while (v >= lim);
    return v % n;
}

#endif
