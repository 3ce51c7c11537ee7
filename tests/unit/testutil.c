/* testutil.c - helpers for the cmocka unit tests. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_tmp[4096];

const char *mc_test_sample(const char *rel) {
    static char buf[8][4096];
    static int slot;
    const char *dir = getenv("MEDCRYPT_SAMPLES");
    if (!dir) dir = ".cache/samples";
    char *p = buf[slot++ & 7];
    snprintf(p, 4096, "%s/%s", dir, rel);
    return access(p, R_OK) == 0 ? p : NULL;
}

const char *mc_test_tmpdir(void) {
    if (!g_tmp[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(g_tmp, sizeof g_tmp, "%s/mctest.XXXXXX", base ? base : "/tmp");
        if (!mkdtemp(g_tmp)) {
            perror("mkdtemp");
            abort();
        }
    }
    return g_tmp;
}

void mc_test_tmpdir_cleanup(void) {
    if (!g_tmp[0]) return;
    DIR *d = opendir(g_tmp);
    if (d) {
        struct dirent *e;
        char p[8192];
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            snprintf(p, sizeof p, "%s/%s", g_tmp, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(g_tmp);
    g_tmp[0] = 0;
}

const char *mc_test_path(const char *name) {
    static char buf[8][8192];
    static int slot;
    char *p = buf[slot++ & 7];
    snprintf(p, 8192, "%s/%s", mc_test_tmpdir(), name);
    return p;
}

uint8_t *mc_test_slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) *len = (size_t)n;
    return b;
}

int mc_test_spit(const char *path, const void *buf, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(buf, 1, len, f);
    return fclose(f) == 0 && w == len ? 0 : -1;
}

static uint64_t g_rng = 0x9e3779b97f4a7c15ULL;

uint32_t mc_test_rand(void) {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (uint32_t)(g_rng >> 16);
}

mc_image *mc_test_random_image(uint32_t w, uint32_t h, unsigned channels, unsigned bits, int is_signed) {
    mc_image *img = NULL;
    assert_int_equal(mc_image_new(&img, w, h, 1, channels, bits, is_signed, NULL, NULL), MC_OK);
    uint8_t *p = img->pixels;
    for (size_t i = 0; i < img->nbytes; i++) p[i] = (uint8_t)mc_test_rand();
    return img;
}

mc_image *mc_test_clone(const mc_image *img) {
    mc_image *c = NULL;
    assert_int_equal(mc_image_new(&c, img->width, img->height, img->depth, img->channels, img->bits, img->is_signed,
                                  NULL, NULL),
                     MC_OK);
    memcpy(c->pixels, img->pixels, img->nbytes);
    c->bits_stored = img->bits_stored;
    return c;
}

int mc_test_pass_cb(void *ud, char *buf, size_t cap) {
    const char *p = ud;
    size_t n = strlen(p);
    if (n >= cap) return MC_ERR_ARG;
    memcpy(buf, p, n);
    return (int)n;
}

int mc_test_same_pixels(const mc_image *a, const mc_image *b) {
    return a->nbytes == b->nbytes && !memcmp(a->pixels, b->pixels, a->nbytes);
}

double mc_test_psnr(const mc_image *a, const mc_image *b) {
    const size_t n = mc_image_samples(a);
    const double maxv = a->bits == 8 ? 255.0 : 65535.0;
    double se = 0;
    for (size_t i = 0; i < n; i++) { /* values, not bit patterns: signed CT near 0 */
        double d = a->bits == 8 ? (double)((uint8_t *)a->pixels)[i] - ((uint8_t *)b->pixels)[i]
                   : a->is_signed ? (double)(int16_t)((uint16_t *)a->pixels)[i] - (int16_t)((uint16_t *)b->pixels)[i]
                                  : (double)((uint16_t *)a->pixels)[i] - ((uint16_t *)b->pixels)[i];
        se += d * d;
    }
    return se == 0 ? INFINITY : 10 * log10(maxv * maxv / (se / (double)n));
}
