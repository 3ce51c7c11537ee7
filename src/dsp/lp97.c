/* lp97.c - one level of the Laplacian pyramid with the CDF 9/7 filters
 * (ripplet.h): c = down2(h * x), d = x - 4 (g (x) g) * up2(c).  Separable,
 * whole-sample symmetric extension at every edge (the mirror of an even
 * index is even, so the zero-stuffed up2(c) never needs its odd samples).
 * Every output is one fixed sum, taps in order: the same bits everywhere. */
#include "dsp/ripplet.h"

/* CDF 9/7 low-pass filters (the JPEG 2000 irreversible pair), of DC gain 1,
 * centre tap first: cos^4(w/2) (1 - y/y1) (synthesis, 7 taps) and cos^4(w/2)
 * P(y) / (1 - y/y1) (analysis, 9 taps), y = sin^2(w/2), P(y) = 1 + 4y + 10y^2
 * + 20y^3 and y1 its real root, evaluated to 50 digits and rounded. */
const double mc_lp97_h[5] = {0.60294901823636035, 0.26686411844287495, -0.078223266528990263, -0.016864118442874954,
                             0.026748757410810088};
const double mc_lp97_g[4] = {0.55754352622850018, 0.29563588155712505, -0.028771763114250091, -0.045635881557125046};

/* y[k] = sum_{i=-4..4} h|i| x[mirror(2k + i)] for k < n/2, x strided by xs,
 * y by ys. */
static void down_line(const double *x, size_t xs, uint32_t n, double *y, size_t ys) {
    const double *h = mc_lp97_h;
    for (uint32_t k = 0; k < n / 2; k++) {
        int64_t c = 2 * (int64_t)k;
        double s;
        if (c >= 4 && c + 4 < (int64_t)n) {
            const double *p = x + (size_t)c * xs;
            s = h[0] * p[0];
            s += h[1] * (p[-(ptrdiff_t)xs] + p[xs]);
            s += h[2] * (p[-2 * (ptrdiff_t)xs] + p[2 * xs]);
            s += h[3] * (p[-3 * (ptrdiff_t)xs] + p[3 * xs]);
            s += h[4] * (p[-4 * (ptrdiff_t)xs] + p[4 * xs]);
        } else {
            s = h[0] * x[(size_t)c * xs];
            for (int i = 1; i <= 4; i++)
                s += h[i] * (x[(size_t)mc_dsp_mirror(c - i, n) * xs] + x[(size_t)mc_dsp_mirror(c + i, n) * xs]);
        }
        y[(size_t)k * ys] = s;
    }
}

/* y[r] = sum_{i, r+i even} 2 g|i| c[mirror(r + i) / 2] for r < n (c has n/2
 * samples), strides xs (c) and ys (y). */
static void up_line(const double *c, size_t cs, uint32_t n, double *y, size_t ys) {
    const double *g = mc_lp97_g;
    for (uint32_t r = 0; r < n; r++) {
        int64_t q = r;
        double s;
        if (q >= 3 && q + 3 < (int64_t)n) {
            const double *p = c + (size_t)(q / 2) * cs; /* q even: c[q/2]; odd: between c[(q-1)/2] and c[(q+1)/2] */
            if (!(q & 1)) s = g[0] * p[0] + g[2] * (p[-(ptrdiff_t)cs] + p[cs]);
            else s = g[1] * (p[0] + p[cs]) + g[3] * (p[-(ptrdiff_t)cs] + p[2 * cs]);
        } else if (!(q & 1)) {
            s = g[0] * c[(size_t)(q / 2) * cs];
            s += g[2] * (c[(size_t)(mc_dsp_mirror(q - 2, n) / 2) * cs] + c[(size_t)(mc_dsp_mirror(q + 2, n) / 2) * cs]);
        } else {
            s = g[1] * (c[(size_t)(mc_dsp_mirror(q - 1, n) / 2) * cs] + c[(size_t)(mc_dsp_mirror(q + 1, n) / 2) * cs]);
            s += g[3] * (c[(size_t)(mc_dsp_mirror(q - 3, n) / 2) * cs] + c[(size_t)(mc_dsp_mirror(q + 3, n) / 2) * cs]);
        }
        y[(size_t)r * ys] = 2.0 * s;
    }
}

/* p = 4 (g (x) g) * up2(c): columns into tmp (h x w/2), then rows. */
static void predict(const double *c, uint32_t h, uint32_t w, double *p, double *tmp) {
    const uint32_t w2 = w / 2;
    for (uint32_t k = 0; k < w2; k++) up_line(c + k, w2, h, tmp + k, w2);
    for (uint32_t r = 0; r < h; r++) up_line(tmp + (size_t)r * w2, 1, w, p + (size_t)r * w, 1);
}

void mc_lp_analyze(const double *x, uint32_t h, uint32_t w, double *c, double *d, double *tmp) {
    const uint32_t w2 = w / 2;
    for (uint32_t r = 0; r < h; r++) down_line(x + (size_t)r * w, 1, w, tmp + (size_t)r * w2, 1);
    for (uint32_t k = 0; k < w2; k++) down_line(tmp + k, w2, h, c + k, w2);
    predict(c, h, w, d, tmp);
    const size_t n = (size_t)h * w;
    for (size_t i = 0; i < n; i++) d[i] = x[i] - d[i];
}

void mc_lp_synthesize(const double *c, const double *d, uint32_t h, uint32_t w, double *x, double *tmp) {
    double *p = tmp + (size_t)h * (w / 2); /* tmp: h*w/2 for the columns, then h*w */
    predict(c, h, w, p, tmp);
    const size_t n = (size_t)h * w;
    for (size_t i = 0; i < n; i++) x[i] = p[i] + d[i];
}
