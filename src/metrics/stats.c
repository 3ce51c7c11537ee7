/* stats.c - single-image statistics: histogram, Shannon entropy, chi-square
 * uniformity, local Shannon entropy, adjacent-pixel correlation
 * (docs/metrics.md). */
#include "metrics/mx.h"

const double mc_alphas[MC_NALPHA] = {0.05, 0.01, 0.001};

/* ------------------------------------------------------------- histogram */

int mc_histogram(const mc_image *img, int channel, int slice, uint64_t *hist, uint64_t *count) {
    mx_sel s;
    int rc = mx_select(img, channel, slice, &s);
    if (rc) return rc;
    size_t nb = (size_t)1 << img->bits, C = img->channels, np = mx_plane_px(img);
    memset(hist, 0, nb * sizeof *hist);
    uint64_t n = 0;
    uint32_t flip = img->is_signed ? (uint32_t)nb >> 1 : 0;
    for (uint32_t z = s.z0; z < s.z1; z++) {
        size_t base = (size_t)z * np * C;
        if (s.c1 - s.c0 == C) { /* all channels: one contiguous run */
            size_t len = np * C;
            if (img->bits == 8) {
                const uint8_t *p = (const uint8_t *)img->pixels + base;
                for (size_t i = 0; i < len; i++) hist[p[i] ^ flip]++;
            } else {
                const uint16_t *p = (const uint16_t *)img->pixels + base;
                for (size_t i = 0; i < len; i++) hist[p[i] ^ flip]++;
            }
            n += len;
        } else {
            for (unsigned c = s.c0; c < s.c1; c++) {
                if (img->bits == 8) {
                    const uint8_t *p = (const uint8_t *)img->pixels + base + c;
                    for (size_t i = 0; i < np; i++) hist[p[i * C] ^ flip]++;
                } else {
                    const uint16_t *p = (const uint16_t *)img->pixels + base + c;
                    for (size_t i = 0; i < np; i++) hist[p[i * C] ^ flip]++;
                }
                n += np;
            }
        }
    }
    if (count) *count = n;
    return MC_OK;
}

double mc_entropy_hist(const uint64_t *hist, size_t nbins) {
    uint64_t n = 0;
    for (size_t i = 0; i < nbins; i++) n += hist[i];
    if (n == 0) return 0;
    double h = 0, inv = 1.0 / (double)n;
    for (size_t i = 0; i < nbins; i++)
        if (hist[i]) {
            double p = (double)hist[i] * inv;
            h -= p * log2(p);
        }
    return h;
}

/* Fold a 2^bits histogram into the 256 bins of the high byte. */
static void high_byte_hist(const uint64_t *hist, unsigned bits, uint64_t out[256]) {
    unsigned shift = bits - 8;
    memset(out, 0, 256 * sizeof *out);
    for (size_t i = 0; i < ((size_t)1 << bits); i++) out[i >> shift] += hist[i];
}

int mc_entropy(const mc_image *img, int channel, int slice, double *h, double *h_high) {
    mx_sel s;
    int rc = mx_select(img, channel, slice, &s);
    if (rc) return rc;
    size_t nb = (size_t)1 << img->bits;
    uint64_t *hist = malloc(nb * sizeof *hist);
    if (!hist) return MC_ERR_NOMEM;
    mc_histogram(img, channel, slice, hist, NULL);
    double e = mc_entropy_hist(hist, nb);
    if (h) *h = e;
    if (h_high) {
        if (img->bits == 8) *h_high = e;
        else {
            uint64_t hb[256];
            high_byte_hist(hist, img->bits, hb);
            *h_high = mc_entropy_hist(hb, 256);
        }
    }
    free(hist);
    return MC_OK;
}

/* ------------------------------------------------------------ chi-square */

/* Regularised upper incomplete gamma Q(a, x): series for x < a + 1, else
 * Lentz's continued fraction (Abramowitz-Stegun 6.5.29 / 6.5.31). */
static double gamma_q(double a, double x) {
    if (x <= 0) return 1.0;
    double lg = lgamma(a), pre = a * log(x) - x - lg;
    if (x < a + 1) {
        double ap = a, sum = 1.0 / a, del = sum;
        for (int i = 0; i < 100000; i++) {
            ap += 1;
            del *= x / ap;
            sum += del;
            if (fabs(del) < fabs(sum) * 1e-16) break;
        }
        double p = sum * exp(pre);
        return p >= 1 ? 0 : 1 - p;
    }
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 100000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-16) break;
    }
    return exp(pre) * h;
}

double mc_chi2_sf(double x, double dof) { return gamma_q(dof / 2, x / 2); }

double mc_chi2_isf(double p, double dof) {
    /* Wilson-Hilferty start, then Newton on sf(x) - p (sf' = -pdf) */
    double t = 2 / (9 * dof), w = 1 - t + mc_norm_isf(p) * sqrt(t), x = dof * w * w * w;
    if (!(x > 0)) x = dof > 2 ? dof - 2 : 0.5;
    double lnorm = (dof / 2) * log(2.0) + lgamma(dof / 2);
    for (int i = 0; i < 100; i++) {
        double f = mc_chi2_sf(x, dof) - p, pdf = exp((dof / 2 - 1) * log(x) - x / 2 - lnorm);
        if (!(pdf > 0)) break;
        double xn = x + f / pdf;
        if (xn <= 0) xn = x / 2;
        if (fabs(xn - x) <= 1e-13 * x) {
            x = xn;
            break;
        }
        x = xn;
    }
    return x;
}

int mc_chi2_uniform(const uint64_t *hist, size_t nbins, mc_chi2 *out) {
    if (!hist || nbins < 2 || !out) return MC_ERR_ARG;
    uint64_t n = 0;
    for (size_t i = 0; i < nbins; i++) n += hist[i];
    double e = (double)n / (double)nbins, st = 0;
    if (n == 0) return MC_ERR_ARG;
    for (size_t i = 0; i < nbins; i++) {
        double d = (double)hist[i] - e;
        st += d * d;
    }
    out->stat = st / e;
    out->dof = (unsigned)(nbins - 1);
    out->p = mc_chi2_sf(out->stat, out->dof);
    for (int a = 0; a < MC_NALPHA; a++) out->crit[a] = mc_chi2_isf(mc_alphas[a], out->dof);
    return MC_OK;
}

/* --------------------------------------------------- local Shannon entropy */

/* Acceptance intervals of the mean local entropy (k = 30 blocks of 1936
 * uniform 8-bit samples): the alpha/2 and 1 - alpha/2 quantiles of a Monte
 * Carlo of 10^6 trials (seed 1; 123 s on one core), regenerated by
 *   build/mc_bench_metrics --local-entropy-mc 1000000 1
 * which printed mean 7.902469183, sd 0.001585459, quantiles
 * 0.05: [7.899331572, 7.905551323], 0.01: [7.898339764, 7.906513297],
 * 0.001: [7.897155039, 7.907617038] (docs/metrics.md). */
const double mc_le_mc_mean = 7.902469183;
const double mc_le_mc_sd = 0.001585459;
const double mc_le_lo[MC_NALPHA] = {7.899331572, 7.898339764, 7.897155039};
const double mc_le_hi[MC_NALPHA] = {7.905551323, 7.906513297, 7.907617038};

double mc_block_entropy8(const uint16_t *hist256, unsigned n) {
    if (n == 0) return 0;
    double h = 0, inv = 1.0 / n;
    for (int i = 0; i < 256; i++)
        if (hist256[i]) {
            double p = hist256[i] * inv;
            h -= p * log2(p);
        }
    return h;
}

int mc_local_entropy_compute(const mc_image *img, int channel, int slice, uint64_t seed, mc_local_entropy *out) {
    mx_sel s;
    int rc = mx_select(img, channel, slice, &s);
    if (rc) return rc;
    uint64_t gx = img->width / MC_LE_SIDE, gy = img->height / MC_LE_SIDE, per = gx * gy;
    uint64_t nplanes = (uint64_t)(s.c1 - s.c0) * (s.z1 - s.z0), total = per * nplanes;
    unsigned k = total < MC_LE_K ? (unsigned)total : MC_LE_K;
    uint64_t chosen[MC_LE_K];
    mc_stream rng;
    mx_rng_init(&rng, "metrics/local-entropy", seed, 0);
    double sum = 0;
    size_t C = img->channels, W = img->width, np = mx_plane_px(img);
    unsigned shift = img->bits - 8;
    uint32_t flip = img->is_signed ? 1u << (img->bits - 1) : 0;
    for (unsigned i = 0; i < k; i++) {
        uint64_t cell;
        int dup;
        do { /* k distinct cells, uniformly (rejection of repeats) */
            cell = mx_rng_below(&rng, total);
            dup = 0;
            for (unsigned j = 0; j < i; j++) dup |= chosen[j] == cell;
        } while (dup);
        chosen[i] = cell;
        uint64_t plane = cell / per, rem = cell % per;
        unsigned c = s.c0 + (unsigned)(plane % (s.c1 - s.c0));
        uint32_t z = s.z0 + (uint32_t)(plane / (s.c1 - s.c0));
        size_t x0 = (size_t)(rem % gx) * MC_LE_SIDE, y0 = (size_t)(rem / gx) * MC_LE_SIDE;
        uint16_t h[256] = {0};
        for (size_t y = y0; y < y0 + MC_LE_SIDE; y++) {
            size_t at = ((size_t)z * np + y * W + x0) * C + c;
            if (img->bits == 8) {
                const uint8_t *p = (const uint8_t *)img->pixels + at;
                for (size_t x = 0; x < MC_LE_SIDE; x++) h[p[x * C] ^ flip]++;
            } else {
                const uint16_t *p = (const uint16_t *)img->pixels + at;
                for (size_t x = 0; x < MC_LE_SIDE; x++) h[(p[x * C] ^ flip) >> shift]++;
            }
        }
        sum += mc_block_entropy8(h, MC_LE_SIDE * MC_LE_SIDE);
    }
    mc_stream_wipe(&rng);
    out->k = k;
    out->mean = k ? sum / k : NAN;
    for (int a = 0; a < MC_NALPHA; a++)
        out->pass[a] = k == MC_LE_K ? (out->mean >= mc_le_lo[a] && out->mean <= mc_le_hi[a]) : -1;
    return MC_OK;
}

/* ----------------------------------------------------------- correlation */

const char *mc_dir_name(mc_dir d) {
    static const char *const n[] = {"h", "v", "d", "ad"};
    return d < MC_NDIRS ? n[d] : "?";
}

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 u128;
#define U128_TO_DOUBLE(v) ((double)(v))
#else
#error "a compiler with unsigned __int128 (gcc, clang) is needed"
#endif

typedef struct corr_acc {
    u128 n, sx, sy, sxx, syy, sxy;
} corr_acc;

static double corr_finish(const corr_acc *a) {
    if (a->n == 0) return NAN;
    double n = U128_TO_DOUBLE(a->n), mx = U128_TO_DOUBLE(a->sx) / n, my = U128_TO_DOUBLE(a->sy) / n;
    /* exact integer numerators where they fit: n*Sxx - Sx^2 etc. are
     * computed in 128 bits when n and the sums are small enough */
    double vx, vy, cv;
    if (a->n < ((u128)1 << 40) && a->sx < ((u128)1 << 60) && a->sy < ((u128)1 << 60)) {
        /* n * sxx < 2^40 * 2^72 would overflow; use signed differences of
         * 128-bit products only when n * sxx < 2^127 */
        u128 lim = (u128)1 << 126;
        if (a->sxx < lim / a->n && a->syy < lim / a->n && a->sxy < lim / a->n) {
            u128 nxx = a->n * a->sxx, nyy = a->n * a->syy, nxy = a->n * a->sxy;
            u128 xx = a->sx * a->sx, yy = a->sy * a->sy, xy = a->sx * a->sy;
            vx = U128_TO_DOUBLE(nxx - xx);
            vy = U128_TO_DOUBLE(nyy - yy);
            cv = nxy >= xy ? U128_TO_DOUBLE(nxy - xy) : -U128_TO_DOUBLE(xy - nxy);
            if (vx <= 0 || vy <= 0) return NAN;
            return cv / sqrt(vx) / sqrt(vy);
        }
    }
    vx = U128_TO_DOUBLE(a->sxx) / n - mx * mx;
    vy = U128_TO_DOUBLE(a->syy) / n - my * my;
    cv = U128_TO_DOUBLE(a->sxy) / n - mx * my;
    if (vx <= 0 || vy <= 0) return NAN;
    return cv / sqrt(vx) / sqrt(vy);
}

/* Pairs (p[i], q[i]) for i < len: row sums in 64 bits (len <= 65535, so
 * sxy < 2^48), added to the 128-bit totals. */
static void corr_row(corr_acc *a, const uint16_t *p, const uint16_t *q, size_t len) {
    uint64_t sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < len; i++) {
        uint64_t x = p[i], y = q[i];
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
    }
    a->n += len;
    a->sx += sx;
    a->sy += sy;
    a->sxx += sxx;
    a->syy += syy;
    a->sxy += sxy;
}

int mc_corr(const mc_image *img, int channel, int slice, double r[MC_NDIRS]) {
    mx_sel s;
    int rc = mx_select(img, channel, slice, &s);
    if (rc) return rc;
    size_t W = img->width, H = img->height;
    uint16_t *lv = malloc(mx_plane_px(img) * sizeof *lv);
    if (!lv) return MC_ERR_NOMEM;
    corr_acc acc[MC_NDIRS];
    memset(acc, 0, sizeof acc);
    for (uint32_t z = s.z0; z < s.z1; z++)
        for (unsigned c = s.c0; c < s.c1; c++) {
            mx_plane_levels(img, c, z, lv);
            for (size_t y = 0; y < H; y++) {
                const uint16_t *row = lv + y * W;
                if (W > 1) corr_row(&acc[MC_DIR_H], row, row + 1, W - 1);
                if (y + 1 < H) {
                    corr_row(&acc[MC_DIR_V], row, row + W, W);
                    if (W > 1) {
                        corr_row(&acc[MC_DIR_D], row, row + W + 1, W - 1);
                        corr_row(&acc[MC_DIR_AD], row + 1, row + W, W - 1);
                    }
                }
            }
        }
    free(lv);
    for (int d = 0; d < MC_NDIRS; d++) r[d] = corr_finish(&acc[d]);
    return MC_OK;
}

double mc_pearson_u32(const uint32_t *a, const uint32_t *b, size_t n) {
    if (n == 0) return NAN;
    double ma = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        ma += a[i];
        mb += b[i];
    }
    ma /= (double)n;
    mb /= (double)n;
    double va = 0, vb = 0, cv = 0;
    for (size_t i = 0; i < n; i++) {
        double da = a[i] - ma, db = b[i] - mb;
        va += da * da;
        vb += db * db;
        cv += da * db;
    }
    if (va <= 0 || vb <= 0) return NAN;
    return cv / sqrt(va) / sqrt(vb);
}

int mc_corr_sample(const mc_image *img, int channel, int slice, mc_dir d, size_t n, uint64_t seed, uint32_t *a,
                   uint32_t *b) {
    mx_sel s;
    int rc = mx_select(img, channel, slice, &s);
    if (rc) return rc;
    if (d >= MC_NDIRS) return MC_ERR_ARG;
    uint64_t W = img->width, H = img->height, C = img->channels;
    uint64_t pw = (d == MC_DIR_V) ? W : W - 1, ph = (d == MC_DIR_H) ? H : H - 1, per = pw * ph;
    uint64_t nc = s.c1 - s.c0, total = per * nc * (s.z1 - s.z0);
    if (total == 0) return n ? MC_ERR_ARG : MC_OK;
    /* sample -> sample index offset of the neighbour */
    int64_t dx = d == MC_DIR_H || d == MC_DIR_D ? 1 : d == MC_DIR_AD ? -1 : 0, dy = d == MC_DIR_H ? 0 : 1;
    uint64_t x_off = d == MC_DIR_AD ? 1 : 0;
    mc_stream rng;
    mx_rng_init(&rng, "metrics/corr-sample", seed, (uint64_t)d);
    for (size_t i = 0; i < n; i++) {
        uint64_t v = mx_rng_below(&rng, total), plane = v / per, rem = v % per;
        uint64_t c = s.c0 + plane % nc, z = s.z0 + plane / nc;
        uint64_t x = rem % pw + x_off, y = rem / pw;
        size_t at = (size_t)(((z * H + y) * W + x) * C + c);
        size_t nb = (size_t)(((z * H + y + (uint64_t)dy) * W + (uint64_t)((int64_t)x + dx)) * C + c);
        a[i] = mc_level(img, at);
        b[i] = mc_level(img, nb);
    }
    mc_stream_wipe(&rng);
    return MC_OK;
}

int mc_corr_sampled(const mc_image *img, int channel, int slice, size_t n, uint64_t seed, double r[MC_NDIRS]) {
    if (n == 0) n = MC_CORR_PAIRS_DEFAULT;
    uint32_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    int rc = MC_OK;
    if (!a || !b) rc = MC_ERR_NOMEM;
    for (int d = 0; d < MC_NDIRS && !rc; d++) {
        rc = mc_corr_sample(img, channel, slice, (mc_dir)d, n, seed, a, b);
        if (rc == MC_ERR_ARG && mx_select(img, channel, slice, &(mx_sel){0}) == MC_OK) {
            r[d] = NAN; /* no pair in this direction (1-pixel-wide image) */
            rc = MC_OK;
        } else if (!rc)
            r[d] = mc_pearson_u32(a, b, n);
    }
    free(a);
    free(b);
    return rc;
}

/* ---------------------------------------------------------------- bundle */

int mc_stats_compute(const mc_image *img, int channel, int slice, size_t pairs, uint64_t seed, mc_stats *out,
                     mc_err *err) {
    mx_sel s;
    if (mx_select(img, channel, slice, &s)) return mc_err_set(err, MC_ERR_ARG, "no such channel or slice");
    size_t nb = (size_t)1 << img->bits;
    uint64_t *hist = malloc(nb * sizeof *hist);
    if (!hist) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    mc_histogram(img, channel, slice, hist, NULL);
    out->entropy = mc_entropy_hist(hist, nb);
    if (img->bits == 8) out->entropy_high = out->entropy;
    else {
        uint64_t hb[256];
        high_byte_hist(hist, img->bits, hb);
        out->entropy_high = mc_entropy_hist(hb, 256);
    }
    int rc = mc_chi2_uniform(hist, nb, &out->chi2);
    free(hist);
    if (rc) return mc_err_set(err, rc, "chi-square: empty selection");
    if ((rc = mc_local_entropy_compute(img, channel, slice, seed, &out->le)) ||
        (rc = mc_corr(img, channel, slice, out->corr)) ||
        (rc = mc_corr_sampled(img, channel, slice, pairs, seed, out->corr_sampled)))
        return mc_err_set(err, rc, "%s", rc == MC_ERR_NOMEM ? "out of memory" : "statistics failed");
    return MC_OK;
}
