/* speckle.c - speckle noise in the ripplet domain and log-domain
 * despeckling (speckle.h). */
#include "dsp/speckle.h"

#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------- deterministic log, exp */

#define LN2_HI 6.93147180369123816490e-01 /* 32 significant bits: k * LN2_HI is exact */
#define LN2_LO 1.90821492927058770002e-10
#define SQRT_HALF 0.70710678118654752440

double mc_dsp_log(double x) {
    int e;
    double m = frexp(x, &e); /* [1/2, 1) */
    if (m < SQRT_HALF) m *= 2, e--;
    const double s = (m - 1) / (m + 1), z = s * s; /* |s| <= 0.1716 */
    /* 2 atanh(s) = 2 (s + s^3/3 + ... + s^23/23), Horner in z */
    double p = 1.0 / 23;
    for (int k = 21; k >= 1; k -= 2) p = p * z + 1.0 / k;
    const double r = 2 * s * p;
    return (double)e * LN2_HI + ((double)e * LN2_LO + r);
}

double mc_dsp_exp(double x) {
    if (x > 709) return HUGE_VAL;
    if (x < -745) return 0;
    const double k = floor(x * 1.44269504088896340736 + 0.5);
    const double r = (x - k * LN2_HI) - k * LN2_LO; /* |r| <= 0.35 */
    double p = 1.0 / 6227020800.0;                  /* 1/13! */
    static const double inv_fact[13] = {1.0,
                                        1.0,
                                        1.0 / 2,
                                        1.0 / 6,
                                        1.0 / 24,
                                        1.0 / 120,
                                        1.0 / 720,
                                        1.0 / 5040,
                                        1.0 / 40320,
                                        1.0 / 362880,
                                        1.0 / 3628800,
                                        1.0 / 39916800,
                                        1.0 / 479001600};
    for (int i = 12; i >= 0; i--) p = p * r + inv_fact[i];
    return ldexp(p, (int)k);
}

/* ------------------------------------------------------------- the plan */

int mc_speckle_init(mc_speckle *s, uint32_t w, uint32_t h, double c, double d, mc_err *err) {
    memset(s, 0, sizeof *s);
    int rc = mc_drt_init(&s->t, w, h, c, d, err);
    if (rc) return rc;
    const size_t pn = (size_t)s->t.pw * s->t.ph;
    s->coef = malloc(s->t.ncoef * sizeof *s->coef);
    s->work = malloc(mc_drt_work_len(&s->t) * sizeof *s->work);
    s->pad = malloc(pn * sizeof *s->pad);
    s->mag = malloc(pn * sizeof *s->mag);
    if (!s->coef || !s->work || !s->pad || !s->mag) {
        mc_speckle_free(s);
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    }
    return MC_OK;
}

void mc_speckle_free(mc_speckle *s) {
    /* the buffers held plaintext pixels */
    const size_t pn = (size_t)s->t.pw * s->t.ph;
    if (s->coef) sodium_memzero(s->coef, s->t.ncoef * sizeof *s->coef);
    if (s->work) sodium_memzero(s->work, mc_drt_work_len(&s->t) * sizeof *s->work);
    if (s->pad) sodium_memzero(s->pad, pn * sizeof *s->pad);
    if (s->mag) sodium_memzero(s->mag, pn * sizeof *s->mag);
    free(s->gain);
    free(s->coef);
    free(s->work);
    free(s->pad);
    free(s->mag);
    mc_drt_free(&s->t);
    memset(s, 0, sizeof *s);
}

static void crop(const mc_drt *t, const double *pad, double *out) {
    for (uint32_t r = 0; r < t->h; r++) memcpy(out + (size_t)r * t->w, pad + (size_t)r * t->pw, t->w * sizeof *out);
}

/* v[i] *= 1 + n_i for n values of the stream. */
static void noise_mul(double *v, size_t n, double a, mc_stream *noise) {
    uint8_t buf[4096];
    for (size_t i = 0; i < n;) {
        const size_t m = n - i < sizeof buf / 4 ? n - i : sizeof buf / 4;
        mc_stream_bytes(noise, buf, 4 * m);
        for (size_t k = 0; k < m; k++, i++) {
            const uint32_t u = (uint32_t)buf[4 * k] | (uint32_t)buf[4 * k + 1] << 8 | (uint32_t)buf[4 * k + 2] << 16 |
                               (uint32_t)buf[4 * k + 3] << 24;
            const double e = a * (2 * (((double)u + 0.5) / 4294967296.0) - 1);
            v[i] = v[i] * (1 + e);
        }
    }
    sodium_memzero(buf, sizeof buf);
}

void mc_speckle_add(mc_speckle *s, mc_speckle_domain dom, double var, mc_stream *noise, const double *in,
                    double *out) {
    const double a = sqrt(3 * var);
    if (dom == MC_SPECKLE_PIXEL) {
        const size_t n = (size_t)s->t.w * s->t.h;
        if (out != in) memcpy(out, in, n * sizeof *out);
        noise_mul(out, n, a, noise);
        return;
    }
    mc_drt_forward(&s->t, in, s->coef, s->work);
    noise_mul(s->coef, s->t.nband, a, noise);
    mc_drt_inverse(&s->t, s->coef, s->pad, s->work);
    crop(&s->t, s->pad, out);
}

/* k-th smallest of v[0..n) (v is reordered): Wirth's selection.  The
 * result is a value of v, whatever the order of the work. */
static double select_kth(double *v, size_t n, size_t k) {
    ptrdiff_t l = 0, m = (ptrdiff_t)n - 1;
    const ptrdiff_t kk = (ptrdiff_t)k;
    while (l < m) {
        const double x = v[kk];
        ptrdiff_t i = l, j = m;
        do {
            while (v[i] < x) i++;
            while (x < v[j]) j--;
            if (i <= j) {
                const double t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        } while (i <= j);
        if (j < kk) l = i;
        if (kk < i) m = j;
    }
    return v[kk];
}

/* Noise gain of every subband: the standard deviation of its coefficients
 * for unit-variance white noise (a fixed splitmix64 sequence, uniform, so
 * the same on every machine), computed once per plan. */
static int noise_gains(mc_speckle *s) {
    const mc_drt *t = &s->t;
    size_t ng = 0;
    for (unsigned j = 0; j < t->J; j++) ng += (size_t)1 << t->dfb[j].levels;
    s->gain = malloc((ng ? ng : 1) * sizeof *s->gain);
    if (!s->gain) return MC_ERR_NOMEM;
    const size_t n = (size_t)t->w * t->h;
    uint64_t st = 0x6d6564637279707 /* "medcryp" */;
    for (size_t i = 0; i < n; i++) {
        uint64_t z = (st += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        s->mag[i] = ((double)(z >> 11) * (1.0 / 9007199254740992.0) - 0.5) * 3.4641016151377544; /* variance 1 */
    }
    mc_drt_forward(t, s->mag, s->coef, s->work);
    size_t g = 0;
    for (unsigned j = 0; j < t->J; j++) {
        const mc_dfb *f = &t->dfb[j];
        const double *band = s->coef + t->off[j];
        const size_t len = (size_t)t->bw[j] * t->bh[j];
        for (unsigned k = 0; k < (1u << f->levels); k++, g++) {
            double ss = 0;
            size_t m = 0;
            for (size_t i = 0; i < len; i++)
                if (!f->label || f->label[i] == k) ss += band[i] * band[i], m++;
            s->gain[g] = m ? sqrt(ss / (double)m) : 1;
        }
    }
    return MC_OK;
}

/* The noise level of the log plane: the median magnitude of the finest
 * scale's coefficients, each divided by its subband's gain, over 0.6745;
 * exact zeros (flat background, which carries no speckle) left out. */
static double noise_level(mc_speckle *s) {
    const mc_drt *t = &s->t;
    if (!t->J) return 0;
    const unsigned j = t->J - 1;
    const mc_dfb *f = &t->dfb[j];
    const double *band = s->coef + t->off[j];
    const size_t len = (size_t)t->bw[j] * t->bh[j];
    size_t g0 = 0, n = 0;
    for (unsigned q = 0; q < j; q++) g0 += (size_t)1 << t->dfb[q].levels;
    for (size_t i = 0; i < len; i++) {
        const double m = fabs(band[i]);
        if (m > 1e-9) s->mag[n++] = m / s->gain[g0 + (f->label ? f->label[i] : 0)];
    }
    return n ? select_kth(s->mag, n, n / 2) / 0.6745 : 0;
}

/* BayesShrink soft thresholding of every subband of one band (len samples,
 * label NULL: one subband; nd subbands) for noise of standard deviation
 * sn * gain[k] in subband k: T = s^2 / sx, sx = sqrt(max(mean v^2 - s^2,
 * 0)), T = max |v| when sx = 0.  Two passes over the band. */
static void shrink_band(double *band, size_t len, const uint8_t *label, unsigned nd, double sn, const double *gain) {
    double ss[1u << MC_DRT_MAX_LEVELS] = {0}, mx[1u << MC_DRT_MAX_LEVELS] = {0}, thr[1u << MC_DRT_MAX_LEVELS];
    size_t cnt[1u << MC_DRT_MAX_LEVELS] = {0};
    for (size_t i = 0; i < len; i++) {
        const unsigned k = label ? label[i] : 0;
        const double m = fabs(band[i]);
        ss[k] += band[i] * band[i], cnt[k]++;
        if (m > mx[k]) mx[k] = m;
    }
    for (unsigned k = 0; k < nd; k++) {
        const double s = sn * gain[k], vx = cnt[k] ? ss[k] / (double)cnt[k] - s * s : 0;
        thr[k] = !(s > 0) ? 0 : vx > 0 ? s * s / sqrt(vx) : mx[k];
    }
    for (size_t i = 0; i < len; i++) {
        const double t = thr[label ? label[i] : 0], m = fabs(band[i]) - t;
        if (t > 0) band[i] = m > 0 ? (band[i] < 0 ? -m : m) : 0;
    }
}

void mc_speckle_remove(mc_speckle *s, const double *in, double *out) {
    const mc_drt *t = &s->t;
    const size_t n = (size_t)t->w * t->h;
    if (!s->gain && t->J && noise_gains(s)) { /* out of memory: no thresholding */
        for (size_t i = 0; i < n; i++) out[i] = in[i];
        return;
    }
    double *lg = s->mag; /* the log plane, consumed by the forward transform */
    for (size_t i = 0; i < n; i++) lg[i] = mc_dsp_log(1 + in[i]);
    mc_drt_forward(t, lg, s->coef, s->work);
    const double sn = noise_level(s);
    size_t g = 0;
    for (unsigned j = 0; j < t->J; j++) {
        const mc_dfb *f = &t->dfb[j];
        shrink_band(s->coef + t->off[j], (size_t)t->bw[j] * t->bh[j], f->label, 1u << f->levels, sn, s->gain + g);
        g += (size_t)1 << f->levels;
    }
    mc_drt_inverse(t, s->coef, s->pad, s->work);
    for (uint32_t r = 0; r < t->h; r++)
        for (uint32_t c = 0; c < t->w; c++) out[(size_t)r * t->w + c] = mc_dsp_exp(s->pad[(size_t)r * t->pw + c]) - 1;
}
