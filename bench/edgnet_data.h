/* edgnet_data.h - the image sets of EDG-Net's reproduction and surrogate
 * tables (bench_edgnet.c): 64x64 8-bit gray crops with content.
 *
 *   training pool (what the built-in model and an attacker's known pairs
 *   come from): the axial slices 40..139 of MNI ch2 (10 crops each) and
 *   ITK's BrainProtonDensitySlice and BrainMidSagittalSlice (the data of
 *   `make train-models`);
 *   held-out set (never seen in training): the 3D Shepp-Logan phantom
 *   (256x256x16, 8-bit, 4 crops per slice), pydicom's CT_small (8 crops),
 *   ITK's BrainT1Slice (channels averaged, 8 crops).
 * Every plane is stretched to 0..255 (min-max) first; a crop is kept when
 * its standard deviation is at least 8 levels (not background).  Positions
 * come from a fixed splitmix64 stream, so the sets are the same everywhere. */
#ifndef MC_BENCH_EDGNET_DATA_H
#define MC_BENCH_EDGNET_DATA_H
#include "medcrypt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EDG_CROP 64u

typedef struct edg_pool {
    mc_image **img;
    size_t n, cap;
} edg_pool;

static inline uint64_t edg_rand(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline void edg_pool_add(edg_pool *p, mc_image *img) {
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 64;
        mc_image **q = realloc(p->img, p->cap * sizeof *q);
        if (!q) exit(4);
        p->img = q;
    }
    p->img[p->n++] = img;
}

static inline void edg_pool_free(edg_pool *p) {
    for (size_t i = 0; i < p->n; i++) mc_image_free(p->img[i]);
    free(p->img);
    memset(p, 0, sizeof *p);
}

static inline double edg_sample(const mc_image *img, size_t i) {
    if (img->bits == 8) return ((const uint8_t *)img->pixels)[i];
    const uint16_t v = ((const uint16_t *)img->pixels)[i];
    return img->is_signed ? (double)(int16_t)v : (double)v;
}

/* Up to k crops with content of plane z of img (channels averaged,
 * stretched to 0..255); tries at most 20 k positions. */
static inline void edg_crops(edg_pool *p, const mc_image *img, uint32_t z, size_t k, uint64_t *rng) {
    const uint32_t W = img->width, H = img->height, C = img->channels, S = EDG_CROP;
    if (W < S || H < S) return;
    const size_t plane = (size_t)W * H;
    double *g = malloc(plane * sizeof *g), lo = INFINITY, hi = -INFINITY;
    if (!g) exit(4);
    for (size_t i = 0; i < plane; i++) {
        double s = 0;
        for (uint32_t c = 0; c < C; c++) s += edg_sample(img, ((size_t)z * plane + i) * C + c);
        g[i] = s / C;
        lo = g[i] < lo ? g[i] : lo;
        hi = g[i] > hi ? g[i] : hi;
    }
    for (size_t tries = 0, got = 0; got < k && tries < 20 * k; tries++) {
        const uint32_t y0 = (uint32_t)(edg_rand(rng) % (H - S + 1)), x0 = (uint32_t)(edg_rand(rng) % (W - S + 1));
        mc_image *c = NULL;
        if (mc_image_new(&c, S, S, 1, 1, 8, 0, NULL, NULL)) exit(4);
        double m = 0, m2 = 0;
        for (uint32_t y = 0; y < S; y++)
            for (uint32_t x = 0; x < S; x++) {
                const double v = hi > lo ? (g[(size_t)(y0 + y) * W + x0 + x] - lo) * 255.0 / (hi - lo) : 0;
                const uint8_t u = (uint8_t)(v + 0.5);
                ((uint8_t *)c->pixels)[(size_t)y * S + x] = u;
                m += u, m2 += (double)u * u;
            }
        m /= S * S;
        if (m2 / (S * S) - m * m < 64.0) {
            mc_image_free(c);
            continue;
        }
        edg_pool_add(p, c);
        got++;
    }
    free(g);
}

static inline mc_image *edg_read(const char *dir, const char *rel) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    mc_image *img = NULL;
    mc_err err = {0};
    if (mc_image_read(path, NULL, &img, &err)) {
        fprintf(stderr, "edgnet data: %s: %s\n", path, err.msg);
        exit(2);
    }
    return img;
}

/* The training pool (1000+ crops) and the held-out set (96 crops at most). */
static inline void edg_pools(const char *samples, edg_pool *train, edg_pool *test) {
    uint64_t rng = 0x65646720646174ull; /* "edg dat" */
    mc_image *img = edg_read(samples, "nifti/ch2.nii.gz");
    for (uint32_t z = 40; z < 140 && z < img->depth; z++) edg_crops(train, img, z, 10, &rng);
    mc_image_free(img);
    static const char *const more[] = {"itk/BrainProtonDensitySlice.png", "itk/BrainMidSagittalSlice.png"};
    for (int i = 0; i < 2; i++) {
        img = edg_read(samples, more[i]);
        edg_crops(train, img, 0, 10, &rng);
        mc_image_free(img);
    }
    mc_err err = {0};
    if (mc_phantom(&img, 256, 16, 8, &err)) exit(4);
    for (uint32_t z = 0; z < img->depth; z++) edg_crops(test, img, z, 5, &rng);
    mc_image_free(img);
    static const char *const held[] = {"dicom/CT_small.dcm", "itk/BrainT1Slice.png"};
    for (int i = 0; i < 2; i++) {
        img = edg_read(samples, held[i]);
        edg_crops(test, img, 0, 8, &rng);
        mc_image_free(img);
    }
}

static inline mc_image *edg_clone(const mc_image *p) {
    mc_image *c = NULL;
    if (mc_image_new(&c, p->width, p->height, p->depth, p->channels, p->bits, p->is_signed, NULL, NULL)) exit(4);
    memcpy(c->pixels, p->pixels, p->nbytes);
    return c;
}

#endif
