/*
 * data.c - data sets of image patches for training: the only part of the
 * engine that opens image files (the lab's; the inference engine in
 * libmedcrypt never does).
 *
 * A data set is every slice of every image found in the given files and
 * directories (any format medcrypt reads), scaled by its sample range
 * (bits_stored and signedness) to [-1, 1] or [0, 1].  Batches are random crops
 * with optional flips, drawn from a generator whose state is the model's
 * (resumable).
 */
#define _DEFAULT_SOURCE 1
#include "nn/nn.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int mc_nn_image_to_float(const mc_image *img, uint32_t z, mc_nn_scale sc, float *out, mc_err *err) {
    if (z >= img->depth) return mc_err_set(err, MC_ERR_ARG, "slice %u out of range", z);
    const unsigned bs = img->bits_stored && img->bits_stored <= img->bits ? img->bits_stored : img->bits;
    double lo, hi;
    if (img->is_signed) {
        lo = -(double)(1u << (bs - 1));
        hi = (double)(1u << (bs - 1)) - 1;
    } else {
        lo = 0;
        hi = (double)((1u << bs) - 1);
    }
    const double a = sc == MC_NN_SCALE_01 ? 1.0 / (hi - lo) : 2.0 / (hi - lo), b = sc == MC_NN_SCALE_01 ? 0.0 : -1.0;
    const size_t plane = (size_t)img->width * img->height, C = img->channels;
    const size_t base = (size_t)z * plane * C;
    for (size_t i = 0; i < plane; i++)
        for (size_t c = 0; c < C; c++) {
            double v;
            size_t k = base + i * C + c;
            if (img->bits == 8) v = ((const uint8_t *)img->pixels)[k];
            else if (img->is_signed) v = (int16_t)((const uint16_t *)img->pixels)[k];
            else v = ((const uint16_t *)img->pixels)[k];
            if (v < lo) v = lo;
            if (v > hi) v = hi;
            out[c * plane + i] = (float)((v - lo) * a + b);
        }
    return MC_OK;
}

void mc_nn_data_free(mc_nn_data *d) {
    for (size_t i = 0; i < d->n; i++) free(d->px[i]);
    free(d->px);
    free(d->h);
    free(d->w);
    memset(d, 0, sizeof *d);
}

static int data_push(mc_nn_data *d, float *px, uint32_t h, uint32_t w) {
    if ((d->n & (d->n - 1)) == 0) { /* grow at powers of two */
        size_t cap = d->n ? 2 * d->n : 1;
        float **p = realloc(d->px, cap * sizeof *p);
        if (!p) return MC_ERR_NOMEM;
        d->px = p;
        uint32_t *hh = realloc(d->h, cap * sizeof *hh);
        if (!hh) return MC_ERR_NOMEM;
        d->h = hh;
        uint32_t *ww = realloc(d->w, cap * sizeof *ww);
        if (!ww) return MC_ERR_NOMEM;
        d->w = ww;
    }
    d->px[d->n] = px;
    d->h[d->n] = h;
    d->w[d->n] = w;
    d->n++;
    return MC_OK;
}

static int load_file(mc_nn_data *d, const char *path, mc_nn_scale sc, uint32_t min_size, mc_err *err) {
    mc_image *img = NULL;
    mc_err e2 = {0};
    if (mc_image_read(path, NULL, &img, &e2)) {
        d->skipped++;
        return MC_OK;
    }
    int rc = MC_OK;
    if (img->width < min_size || img->height < min_size) {
        d->skipped++;
        goto out;
    }
    const size_t plane = (size_t)img->width * img->height;
    float *tmp = malloc(plane * img->channels * sizeof(float));
    if (!tmp) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (uint32_t z = 0; z < img->depth && !rc; z++) {
        rc = mc_nn_image_to_float(img, z, sc, tmp, err);
        if (rc) break;
        float *px = malloc(plane * d->c * sizeof(float));
        if (!px) {
            rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
            break;
        }
        if (d->c == img->channels) {
            memcpy(px, tmp, plane * d->c * sizeof(float));
        } else if (d->c == 1) { /* RGB -> gray: mean */
            for (size_t i = 0; i < plane; i++) px[i] = (tmp[i] + tmp[plane + i] + tmp[2 * plane + i]) / 3.0f;
        } else { /* gray -> RGB */
            for (size_t c = 0; c < d->c; c++) memcpy(px + c * plane, tmp, plane * sizeof(float));
        }
        if (data_push(d, px, img->height, img->width)) {
            free(px);
            rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        }
    }
    free(tmp);
out:
    mc_image_free(img);
    return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int load_path(mc_nn_data *d, const char *path, mc_nn_scale sc, uint32_t min_size, int depth, mc_err *err) {
    struct stat st;
    if (stat(path, &st)) return mc_err_set(err, MC_ERR_IO, "%s: cannot read", path);
    if (!S_ISDIR(st.st_mode)) return load_file(d, path, sc, min_size, err);
    if (depth > 1) return MC_OK;
    DIR *dir = opendir(path);
    if (!dir) return mc_err_set(err, MC_ERR_IO, "%s: cannot open directory", path);
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = MC_OK;
    struct dirent *de;
    while ((de = readdir(dir)) && !rc) {
        if (de->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                rc = MC_ERR_NOMEM;
                break;
            }
            names = nn;
        }
        size_t len = strlen(path) + strlen(de->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n]) {
            rc = MC_ERR_NOMEM;
            break;
        }
        snprintf(names[n], len, "%s/%s", path, de->d_name);
        n++;
    }
    closedir(dir);
    if (rc) rc = mc_err_set(err, rc, "out of memory");
    if (!rc) qsort(names, n, sizeof *names, cmp_str); /* same order on every file system */
    for (size_t i = 0; i < n && !rc; i++) rc = load_path(d, names[i], sc, min_size, depth + 1, err);
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

int mc_nn_data_load(mc_nn_data *d, const char *const *paths, size_t npaths, mc_nn_scale sc, uint32_t min_size,
                    uint32_t channels, mc_err *err) {
    memset(d, 0, sizeof *d);
    if (channels != 1 && channels != 3) return mc_err_set(err, MC_ERR_ARG, "data: channels must be 1 or 3");
    d->c = channels;
    for (size_t i = 0; i < npaths; i++) {
        int rc = load_path(d, paths[i], sc, min_size, 0, err);
        if (rc) {
            mc_nn_data_free(d);
            return rc;
        }
    }
    if (d->n == 0) {
        size_t sk = d->skipped;
        mc_nn_data_free(d);
        return mc_err_set(err, MC_ERR_ARG, "data: no usable image (at least %ux%u) found (%zu files skipped)", min_size,
                          min_size, sk);
    }
    return MC_OK;
}

void mc_nn_batch_free(mc_nn_batch *b) {
    free(b->x);
    memset(b, 0, sizeof *b);
}

int mc_nn_data_batch(const mc_nn_data *d, mc_nn_batch *b, uint32_t n, uint32_t p, int flip, uint64_t *rng,
                     mc_err *err) {
    if (n < 1 || p < 1 || n > 65535 || p > 65535) return mc_err_set(err, MC_ERR_ARG, "batch: bad size");
    const size_t per = (size_t)d->c * p * p, tot = per * n;
    if (b->n != n || b->h != p || b->c != d->c) {
        mc_nn_batch_free(b);
        b->x = malloc(tot * sizeof(float));
        if (!b->x) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        b->n = n;
        b->c = d->c;
        b->h = b->w = p;
    }
    for (uint32_t k = 0; k < n; k++) {
        size_t i = (size_t)(mc_nn_rand(rng) % d->n);
        if (d->h[i] < p || d->w[i] < p) return mc_err_set(err, MC_ERR_ARG, "batch: image smaller than the patch");
        uint32_t y0 = (uint32_t)(mc_nn_rand(rng) % (d->h[i] - p + 1));
        uint32_t x0 = (uint32_t)(mc_nn_rand(rng) % (d->w[i] - p + 1));
        uint64_t r = mc_nn_rand(rng);
        int fx = flip && (r & 1), fy = flip && (r & 2);
        for (uint32_t c = 0; c < d->c; c++)
            for (uint32_t y = 0; y < p; y++) {
                const float *src = d->px[i] + ((size_t)c * d->h[i] + y0 + (fy ? p - 1 - y : y)) * d->w[i] + x0;
                float *dst = b->x + k * per + ((size_t)c * p + y) * p;
                for (uint32_t x = 0; x < p; x++) dst[x] = src[fx ? p - 1 - x : x];
            }
    }
    return MC_OK;
}

