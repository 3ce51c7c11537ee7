/* ripplet.c - the discrete ripplet transform (ripplet.h): padding, the
 * scales of the Laplacian pyramid (lp97.c) and a directional filter bank
 * (dfb.c) on each band-pass image.
 *
 * Coefficient layout: band-pass scales j = 1 (coarsest) .. J (finest), each
 * bh x bw row-major with its directional subbands interleaved as the DFB
 * left them (mc_dfb.label says which sample is which direction), then the
 * low-pass image (lh x lw). */
#include "dsp/ripplet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

unsigned mc_drt_levels(unsigned j, double c, double d) {
    double v = (double)j * (1.0 - 1.0 / d - log2(c));
    if (!(v > 0)) return 0;
    v = floor(v + 1e-9);
    return v >= MC_DRT_MAX_LEVELS ? MC_DRT_MAX_LEVELS : (unsigned)v;
}

int mc_drt_init(mc_drt *t, uint32_t w, uint32_t h, double c, double d, mc_err *err) {
    memset(t, 0, sizeof *t);
    if (!w || !h || !(c >= 1 && c <= 16) || !(d >= 1 && d <= 64))
        return mc_err_set(err, MC_ERR_ARG, "ripplet: bad size %ux%u or support/degree (%g, %g)", w, h, c, d);
    t->w = w, t->h = h;
    unsigned lg = 0;
    for (uint32_t m = w < h ? w : h; m > 1; m >>= 1) lg++;
    t->J = lg > 4 ? lg - 4 : 0;
    if (t->J > MC_DRT_MAX_SCALES) t->J = MC_DRT_MAX_SCALES;
    const uint32_t P = 1u << t->J;
    t->pw = (w + P - 1) / P * P; /* < 2w: 2^J <= min(w, h) / 16 */
    t->ph = (h + P - 1) / P * P;
    size_t off = 0;
    for (unsigned j = 1; j <= t->J; j++) {
        const unsigned s = t->J - j;
        t->bw[j - 1] = t->pw >> s, t->bh[j - 1] = t->ph >> s;
        t->levels[j - 1] = mc_drt_levels(j, c, d);
        if (t->levels[j - 1] > j) t->levels[j - 1] = j; /* a band of scale j is a multiple of 2^j */
        t->off[j - 1] = off;
        off += (size_t)t->bw[j - 1] * t->bh[j - 1];
    }
    t->nband = off;
    t->off[t->J] = off;
    t->lw = t->pw >> t->J, t->lh = t->ph >> t->J;
    t->ncoef = off + (size_t)t->lw * t->lh;
    for (unsigned j = 0; j < t->J; j++) {
        int rc = mc_dfb_init(&t->dfb[j], t->bh[j], t->bw[j], t->levels[j], err);
        if (rc) {
            mc_drt_free(t);
            return rc;
        }
    }
    return MC_OK;
}

void mc_drt_free(mc_drt *t) {
    for (unsigned j = 0; j < MC_DRT_MAX_SCALES; j++) mc_dfb_free(&t->dfb[j]);
    memset(t, 0, sizeof *t);
}

size_t mc_drt_work_len(const mc_drt *t) { return 3 * (size_t)t->pw * t->ph + 4; }

void mc_drt_pad(const mc_drt *t, const double *img, double *out) {
    for (uint32_t r = 0; r < t->ph; r++) {
        const double *src = img + (size_t)mc_dsp_mirror(r, t->h) * t->w;
        double *dst = out + (size_t)r * t->pw;
        memcpy(dst, src, t->w * sizeof *dst);
        for (uint32_t c = t->w; c < t->pw; c++) dst[c] = src[mc_dsp_mirror(c, t->w)];
    }
}

void mc_drt_forward(const mc_drt *t, const double *img, double *coef, double *work) {
    const size_t n = (size_t)t->pw * t->ph;
    double *a = work, *b = work + n, *tmp = work + n + n / 4;
    mc_drt_pad(t, img, a);
    double *cur = a, *next = b;
    for (unsigned j = t->J; j >= 1; j--) {
        double *band = coef + t->off[j - 1];
        mc_lp_analyze(cur, t->bh[j - 1], t->bw[j - 1], next, band, tmp);
        mc_dfb_forward(&t->dfb[j - 1], band);
        double *s = cur;
        cur = next, next = s;
    }
    memcpy(coef + t->off[t->J], cur, (size_t)t->lw * t->lh * sizeof *coef);
}

void mc_drt_inverse(const mc_drt *t, const double *coef, double *out, double *work) {
    const size_t n = (size_t)t->pw * t->ph;
    double *d = work, *x1 = work + n, *x2 = x1 + n / 4, *tmp = x2 + n / 4;
    const size_t nl = (size_t)t->lw * t->lh;
    double *cur = t->J ? x1 : out;
    memcpy(cur, coef + t->off[t->J], nl * sizeof *cur);
    for (unsigned j = 1; j <= t->J; j++) {
        const size_t nb = (size_t)t->bw[j - 1] * t->bh[j - 1];
        memcpy(d, coef + t->off[j - 1], nb * sizeof *d);
        mc_dfb_inverse(&t->dfb[j - 1], d);
        double *x = j == t->J ? out : cur == x1 ? x2 : x1;
        mc_lp_synthesize(cur, d, t->bh[j - 1], t->bw[j - 1], x, tmp);
        cur = x;
    }
}
