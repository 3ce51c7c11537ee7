/* pair.c - pairwise measurements: NPCR/UACI with the Wu-Noonan-Agaian
 * critical values, MSE/PSNR, SSIM, thumbnails, PNG size (docs/metrics.md). */
#include "metrics/mx.h"

#include <spng.h>

/* -------------------------------------------------------------- NPCR/UACI */

double mc_norm_isf(double p) {
    /* P(Z > z) = erfc(z / sqrt 2) / 2, decreasing in z: bisection */
    double lo = -40, hi = 40;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (0.5 * erfc(mid / sqrt(2.0)) > p) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

void mc_npcr_critical(double F, double N, double alpha, double *npcr_crit, double *uaci_lo, double *uaci_hi) {
    /* Wu, Noonan, Agaian 2011: NPCR* = (F - z_a sqrt(F / N)) / (F + 1);
     * UACI ~ N(mu, sigma^2), mu = (F + 2) / (3F + 3),
     * sigma^2 = (F + 2)(F^2 + 2F + 3) / (18 (F + 1)^2 N F), interval mu -/+ z_{a/2} sigma */
    double za = mc_norm_isf(alpha), za2 = mc_norm_isf(alpha / 2);
    if (npcr_crit) *npcr_crit = 100.0 * (F - za * sqrt(F / N)) / (F + 1);
    double mu = (F + 2) / (3 * F + 3), var = (F + 2) * (F * F + 2 * F + 3) / (18 * (F + 1) * (F + 1) * N * F);
    if (uaci_lo) *uaci_lo = 100.0 * (mu - za2 * sqrt(var));
    if (uaci_hi) *uaci_hi = 100.0 * (mu + za2 * sqrt(var));
}

int mc_npcr_uaci(const mc_image *a, const mc_image *b, int channel, int slice, mc_npcr *out, mc_err *err) {
    int rc = mx_same_geometry(a, b, err);
    if (rc) return rc;
    mx_sel s;
    if (mx_select(a, channel, slice, &s)) return mc_err_set(err, MC_ERR_ARG, "no such channel or slice");
    size_t C = a->channels, np = mx_plane_px(a);
    uint64_t diff = 0, sumabs = 0, n = 0;
    int all_c = s.c1 - s.c0 == C;
    for (uint32_t z = s.z0; z < s.z1; z++) {
        size_t base = (size_t)z * np * C;
        for (unsigned c = all_c ? 0 : s.c0; c < (all_c ? 1 : s.c1); c++) {
            size_t start = base + (all_c ? 0 : c), step = all_c ? 1 : C, len = all_c ? np * C : np;
            uint64_t d = 0, sa = 0;
            if (a->bits == 8) {
                /* signed images: the XOR with 0x80 cancels in a - b's sign
                 * only if applied to both; do it */
                uint8_t f = a->is_signed ? 0x80 : 0, g = b->is_signed ? 0x80 : 0;
                const uint8_t *p = (const uint8_t *)a->pixels + start, *q = (const uint8_t *)b->pixels + start;
                for (size_t i = 0; i < len; i++) {
                    int x = p[i * step] ^ f, y = q[i * step] ^ g;
                    d += x != y;
                    sa += (uint64_t)(x > y ? x - y : y - x);
                }
            } else {
                uint16_t f = a->is_signed ? 0x8000 : 0, g = b->is_signed ? 0x8000 : 0;
                const uint16_t *p = (const uint16_t *)a->pixels + start, *q = (const uint16_t *)b->pixels + start;
                for (size_t i = 0; i < len; i++) {
                    int32_t x = p[i * step] ^ f, y = q[i * step] ^ g;
                    d += x != y;
                    sa += (uint64_t)(x > y ? x - y : y - x);
                }
            }
            diff += d;
            sumabs += sa;
            n += len;
        }
    }
    double F = (double)((1u << a->bits) - 1);
    out->n = n;
    out->npcr = 100.0 * (double)diff / (double)n;
    out->uaci = 100.0 * (double)sumabs / ((double)n * F);
    for (int i = 0; i < MC_NALPHA; i++) {
        mc_npcr_critical(F, (double)n, mc_alphas[i], &out->npcr_crit[i], &out->uaci_lo[i], &out->uaci_hi[i]);
        out->npcr_pass[i] = out->npcr >= out->npcr_crit[i];
        out->uaci_pass[i] = out->uaci >= out->uaci_lo[i] && out->uaci <= out->uaci_hi[i];
    }
    return MC_OK;
}

/* ------------------------------------------------------------- MSE / PSNR */

static double psnr_of(double mse, double F) { return mse == 0 ? INFINITY : 10.0 * log10(F * F / mse); }

int mc_mse_psnr(const mc_image *a, const mc_image *b, int channel, int slice, double *mse, double *psnr, mc_err *err) {
    int rc = mx_same_geometry(a, b, err);
    if (rc) return rc;
    mx_sel s;
    if (mx_select(a, channel, slice, &s)) return mc_err_set(err, MC_ERR_ARG, "no such channel or slice");
    size_t C = a->channels, np = mx_plane_px(a);
    /* exact: squared differences summed per plane in 64 bits (< 2^32 * 2^32
     * per sample; a plane has < 2^32 samples, so per-row sums), then in double */
    double total = 0;
    uint64_t n = 0;
    for (uint32_t z = s.z0; z < s.z1; z++)
        for (unsigned c = s.c0; c < s.c1; c++) {
            size_t base = (size_t)z * np * C + c;
            for (size_t y = 0; y < a->height; y++) {
                uint64_t acc = 0;
                for (size_t x = 0; x < a->width; x++) {
                    size_t i = base + (y * a->width + x) * C;
                    int64_t d = (int64_t)mc_level(a, i) - (int64_t)mc_level(b, i);
                    acc += (uint64_t)(d * d);
                }
                total += (double)acc;
            }
            n += np;
        }
    double m = total / (double)n;
    if (mse) *mse = m;
    if (psnr) *psnr = psnr_of(m, (double)((1u << a->bits) - 1));
    return MC_OK;
}

/* ------------------------------------------------------------------- SSIM */

#define SSIM_R 5 /* int(3.5 * 1.5 + 0.5): scipy's truncate = 3.5 */

static void ssim_weights(double w[2 * SSIM_R + 1]) {
    double s = 0;
    for (int k = -SSIM_R; k <= SSIM_R; k++) {
        w[k + SSIM_R] = exp(-0.5 * k * k / (1.5 * 1.5));
        s += w[k + SSIM_R];
    }
    for (int k = 0; k < 2 * SSIM_R + 1; k++) w[k] /= s;
}

/* out[i] = sum_k w[k] q[i + k], k = 0..2R, with the symmetric kernel folded:
 * w[R] q[i+R] + sum_{k<R} w[k] (q[i+k] + q[i+2R-k]). */
static void hfilter(const double *restrict q, double *restrict out, size_t n, const double *w) {
    for (size_t i = 0; i < n; i++) out[i] = w[SSIM_R] * q[i + SSIM_R];
    for (int k = 0; k < SSIM_R; k++) {
        const double *restrict a = q + k, *restrict b = q + 2 * SSIM_R - k;
        double wk = w[k];
        for (size_t i = 0; i < n; i++) out[i] += wk * (a[i] + b[i]);
    }
}

double mc_ssim_plane(const double *x, const double *y, uint32_t w, uint32_t h, double range) {
    if (w < 2 * SSIM_R + 1 || h < 2 * SSIM_R + 1) return NAN;
    enum { NR = 2 * SSIM_R + 1 };
    double wt[NR];
    ssim_weights(wt);
    size_t ow = w - 2 * SSIM_R, oh = h - 2 * SSIM_R, W = w;
    /* a ring of the horizontal passes of the last 11 rows, 5 maps each
     * (x, y, xx, yy, xy): output columns R .. w-R-1 only */
    double *ring = malloc((size_t)NR * 5 * ow * sizeof *ring);
    double *row = malloc(5 * W * sizeof *row);
    double *acc = malloc(5 * ow * sizeof *acc);
    if (!ring || !row || !acc) {
        free(ring);
        free(row);
        free(acc);
        return NAN;
    }
    double C1 = (0.01 * range) * (0.01 * range), C2 = (0.03 * range) * (0.03 * range), total = 0;
    for (size_t r = 0; r < h; r++) {
        const double *xr = x + r * W, *yr = y + r * W;
        double *restrict q0 = row, *restrict q1 = row + W, *restrict q2 = row + 2 * W, *restrict q3 = row + 3 * W,
                         *restrict q4 = row + 4 * W;
        for (size_t i = 0; i < W; i++) {
            q0[i] = xr[i];
            q1[i] = yr[i];
            q2[i] = xr[i] * xr[i];
            q3[i] = yr[i] * yr[i];
            q4[i] = xr[i] * yr[i];
        }
        double *slot = ring + (r % NR) * 5 * ow;
        for (int m = 0; m < 5; m++) hfilter(row + m * W, slot + m * ow, ow, wt);
        if (r + 1 < NR) continue;
        /* output row r - 2R: vertical pass over ring rows r-2R .. r */
        size_t top = r + 1 - NR;
        for (int m = 0; m < 5; m++) {
            double *restrict o = acc + (size_t)m * ow;
            const double *restrict c = ring + ((top + SSIM_R) % NR) * 5 * ow + m * ow;
            for (size_t i = 0; i < ow; i++) o[i] = wt[SSIM_R] * c[i];
            for (int k = 0; k < SSIM_R; k++) {
                const double *restrict a = ring + ((top + k) % NR) * 5 * ow + m * ow;
                const double *restrict b = ring + ((top + 2 * SSIM_R - k) % NR) * 5 * ow + m * ow;
                double wk = wt[k];
                for (size_t i = 0; i < ow; i++) o[i] += wk * (a[i] + b[i]);
            }
        }
        const double *ux = acc, *uy = acc + ow, *uxx = acc + 2 * ow, *uyy = acc + 3 * ow, *uxy = acc + 4 * ow;
        double rs = 0;
        for (size_t i = 0; i < ow; i++) {
            double vx = uxx[i] - ux[i] * ux[i], vy = uyy[i] - uy[i] * uy[i], vxy = uxy[i] - ux[i] * uy[i];
            double a1 = 2 * ux[i] * uy[i] + C1, a2 = 2 * vxy + C2;
            double b1 = ux[i] * ux[i] + uy[i] * uy[i] + C1, b2 = vx + vy + C2;
            rs += (a1 * a2) / (b1 * b2);
        }
        total += rs;
    }
    free(ring);
    free(row);
    free(acc);
    return total / ((double)ow * (double)oh);
}

static void plane_to_double(const mc_image *img, unsigned c, uint32_t z, double *out) {
    size_t np = mx_plane_px(img), C = img->channels, base = (size_t)z * np * C + c;
    for (size_t i = 0; i < np; i++) out[i] = mc_level(img, base + i * C);
}

int mc_ssim(const mc_image *a, const mc_image *b, int channel, int slice, double *ssim, mc_err *err) {
    int rc = mx_same_geometry(a, b, err);
    if (rc) return rc;
    mx_sel s;
    if (mx_select(a, channel, slice, &s)) return mc_err_set(err, MC_ERR_ARG, "no such channel or slice");
    size_t np = mx_plane_px(a);
    double *x = malloc(np * sizeof *x), *y = malloc(np * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    }
    double sum = 0, F = (double)((1u << a->bits) - 1);
    unsigned cnt = 0;
    for (uint32_t z = s.z0; z < s.z1; z++)
        for (unsigned c = s.c0; c < s.c1; c++) {
            plane_to_double(a, c, z, x);
            plane_to_double(b, c, z, y);
            sum += mc_ssim_plane(x, y, a->width, a->height, F);
            cnt++;
        }
    free(x);
    free(y);
    *ssim = sum / cnt;
    return MC_OK;
}

/* ------------------------------------------------------------- thumbnails */

int mc_thumbnail(const mc_image *img, unsigned block, int channel, int slice, double **out, uint32_t *tw,
                 uint32_t *th) {
    mx_sel s;
    if (block < 1 || channel == MC_ALL || slice == MC_ALL || mx_select(img, channel, slice, &s)) return MC_ERR_ARG;
    uint32_t W = img->width, H = img->height, bw = (W + block - 1) / block, bh = (H + block - 1) / block;
    double *t = calloc((size_t)bw * bh, sizeof *t);
    if (!t) return MC_ERR_NOMEM;
    size_t C = img->channels, base = (size_t)s.z0 * mx_plane_px(img) * C + s.c0;
    for (uint32_t by = 0; by < bh; by++) {
        uint32_t y1 = (by + 1) * block < H ? (by + 1) * block : H;
        for (uint32_t bx = 0; bx < bw; bx++) {
            uint32_t x1 = (bx + 1) * block < W ? (bx + 1) * block : W;
            uint64_t sum = 0;
            for (uint32_t y = by * block; y < y1; y++)
                for (uint32_t x = bx * block; x < x1; x++) sum += mc_level(img, base + ((size_t)y * W + x) * C);
            t[(size_t)by * bw + bx] = (double)sum / ((double)(y1 - by * block) * (x1 - bx * block));
        }
    }
    *out = t;
    *tw = bw;
    *th = bh;
    return MC_OK;
}

int mc_thumb_compare(const mc_image *a, const mc_image *b, unsigned block, int channel, int slice, double *psnr,
                     double *ssim, mc_err *err) {
    int rc = mx_same_geometry(a, b, err);
    if (rc) return rc;
    mx_sel s;
    if (block < 1) return mc_err_set(err, MC_ERR_ARG, "thumbnail block size must be at least 1");
    if (mx_select(a, channel, slice, &s)) return mc_err_set(err, MC_ERR_ARG, "no such channel or slice");
    double se = 0, ss = 0, F = (double)((1u << a->bits) - 1);
    uint64_t n = 0;
    unsigned cnt = 0;
    for (uint32_t z = s.z0; z < s.z1; z++)
        for (unsigned c = s.c0; c < s.c1; c++) {
            double *ta = NULL, *tb = NULL;
            uint32_t w, h;
            if (mc_thumbnail(a, block, (int)c, (int)z, &ta, &w, &h) ||
                mc_thumbnail(b, block, (int)c, (int)z, &tb, &w, &h)) {
                free(ta);
                return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
            }
            for (size_t i = 0; i < (size_t)w * h; i++) se += (ta[i] - tb[i]) * (ta[i] - tb[i]);
            n += (uint64_t)w * h;
            ss += mc_ssim_plane(ta, tb, w, h, F);
            cnt++;
            free(ta);
            free(tb);
        }
    if (psnr) *psnr = psnr_of(se / (double)n, F);
    if (ssim) *ssim = ss / cnt;
    return MC_OK;
}

/* --------------------------------------------------------------- PNG size */

int mc_png_size(const mc_image *img, uint64_t *bytes, mc_err *err) {
    mx_sel s;
    if (mx_select(img, MC_ALL, MC_ALL, &s)) return mc_err_set(err, MC_ERR_ARG, "no image");
    if (img->channels != 1 && img->channels != 3)
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "PNG size: %u channels", img->channels);
    size_t slice_bytes = mx_plane_px(img) * img->channels * (img->bits / 8);
    uint8_t *buf = img->bits == 16 ? malloc(slice_bytes) : NULL;
    if (img->bits == 16 && !buf) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    uint64_t total = 0;
    int rc = MC_OK;
    for (uint32_t z = 0; z < img->depth && !rc; z++) {
        const uint8_t *src = (const uint8_t *)img->pixels + (size_t)z * slice_bytes;
        if (buf) { /* PNG stores 16-bit samples big-endian */
            const uint16_t *p = (const uint16_t *)(const void *)src;
            for (size_t i = 0; i < slice_bytes / 2; i++) {
                buf[2 * i] = (uint8_t)(p[i] >> 8);
                buf[2 * i + 1] = (uint8_t)p[i];
            }
            src = buf;
        }
        spng_ctx *ctx = spng_ctx_new(SPNG_CTX_ENCODER);
        if (!ctx) {
            rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
            break;
        }
        struct spng_ihdr ihdr = {0};
        ihdr.width = img->width;
        ihdr.height = img->height;
        ihdr.bit_depth = img->bits;
        ihdr.color_type = img->channels == 3 ? SPNG_COLOR_TYPE_TRUECOLOR : SPNG_COLOR_TYPE_GRAYSCALE;
        int e = spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1);
        if (!e) e = spng_set_ihdr(ctx, &ihdr);
        if (!e) e = spng_encode_image(ctx, src, slice_bytes, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
        size_t len = 0;
        void *png = e ? NULL : spng_get_png_buffer(ctx, &len, &e);
        if (e || !png) rc = mc_err_set(err, MC_ERR_INTERNAL, "PNG size: libspng: %s", spng_strerror(e));
        free(png);
        total += len;
        spng_ctx_free(ctx);
    }
    free(buf);
    if (!rc) *bytes = total;
    return rc;
}

/* ---------------------------------------------------------------- bundle */

int mc_pair_stats_compute(const mc_image *a, const mc_image *b, int channel, int slice, unsigned thumb_block,
                          mc_pair_stats *out, mc_err *err) {
    int rc;
    if ((rc = mc_mse_psnr(a, b, channel, slice, &out->mse, &out->psnr, err)) ||
        (rc = mc_ssim(a, b, channel, slice, &out->ssim, err)) || (rc = mc_npcr_uaci(a, b, channel, slice, &out->d, err)))
        return rc;
    out->thumb_block = thumb_block;
    if (thumb_block == 0) {
        out->thumb_psnr = out->thumb_ssim = NAN;
        return MC_OK;
    }
    return mc_thumb_compare(a, b, thumb_block, channel, slice, &out->thumb_psnr, &out->thumb_ssim, err);
}
