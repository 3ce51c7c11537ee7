/*
 * nn_ref.c - the reference kernels: plain C, one thread, a fixed summation
 * order, no libm transcendental functions (nn_math.c), sqrt only (correctly
 * rounded by IEEE 754).  Their output bytes are the same for every compiler,
 * optimisation level and machine (tests/cli/test_nn_determinism.sh), which is
 * what lets a cipher made on one machine decrypt on another.
 *
 * Summation orders (the contract; the fast backend does not keep them):
 *   conv:   y = (sum over ic, then ky, then kx, ascending, of w * x, in float,
 *           starting from 0) + bias
 *   linear: y = (sum over k ascending of x * w, in float, from 0) + bias
 *   norm:   mean and variance summed in double, ascending
 * Gradients (training only) are summed in double, ascending.
 */
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Index of input coordinate i (may be out of range) under the padding mode;
 * -1 for a zero-padded position.  Reflection needs pad < n (checked by the
 * layer). */
static inline long pad_index(long i, long n, mc_nn_pad pm) {
    if (i >= 0 && i < n) return i;
    if (pm == MC_NN_PAD_ZERO) return -1;
    if (i < 0) i = -i;
    if (i >= n) i = 2 * n - 2 - i;
    return (i >= 0 && i < n) ? i : -1;
}

/* For output column ox and kernel column kx: input column, -1 = zero. */
static long *column_map(const mc_nn_conv_shape *s) {
    size_t n = (size_t)s->k * s->ow;
    long *m = malloc(n * sizeof *m);
    if (!m) return NULL;
    for (uint32_t kx = 0; kx < s->k; kx++)
        for (uint32_t ox = 0; ox < s->ow; ox++)
            m[(size_t)kx * s->ow + ox] =
                pad_index((long)ox * s->stride - (long)s->pad + (long)kx, (long)s->iw, s->pad_mode);
    return m;
}

static size_t ref_conv_ws(const mc_nn_conv_shape *s) {
    (void)s;
    return 0;
}

static int ref_conv_fwd(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                        float *ws) {
    (void)ws;
    long *cmap = column_map(s);
    if (!cmap) return MC_ERR_NOMEM;
    const size_t ip = (size_t)s->ih * s->iw, op = (size_t)s->oh * s->ow, kk = (size_t)s->k * s->k;
    for (uint32_t n = 0; n < s->n; n++)
        for (uint32_t oc = 0; oc < s->oc; oc++) {
            float *yp = y + ((size_t)n * s->oc + oc) * op;
            memset(yp, 0, op * sizeof *yp);
            for (uint32_t ic = 0; ic < s->ic; ic++) {
                const float *xp = x + ((size_t)n * s->ic + ic) * ip;
                const float *wp = w + ((size_t)oc * s->ic + ic) * kk;
                for (uint32_t ky = 0; ky < s->k; ky++)
                    for (uint32_t kx = 0; kx < s->k; kx++) {
                        const float wv = wp[(size_t)ky * s->k + kx];
                        const long *cm = cmap + (size_t)kx * s->ow;
                        for (uint32_t oy = 0; oy < s->oh; oy++) {
                            long iy = pad_index((long)oy * s->stride - (long)s->pad + (long)ky, (long)s->ih,
                                                s->pad_mode);
                            if (iy < 0) continue;
                            const float *xr = xp + (size_t)iy * s->iw;
                            float *yr = yp + (size_t)oy * s->ow;
                            for (uint32_t ox = 0; ox < s->ow; ox++) {
                                long ix = cm[ox];
                                if (ix >= 0) yr[ox] += wv * xr[ix];
                            }
                        }
                    }
            }
            if (b)
                for (size_t i = 0; i < op; i++) yp[i] += b[oc];
        }
    free(cmap);
    return MC_OK;
}

static int ref_conv_bwd(const mc_nn_conv_shape *s, const float *x, const float *w, const float *dy, float *dx,
                        float *dw, float *db, float *ws) {
    (void)ws;
    long *cmap = column_map(s);
    if (!cmap) return MC_ERR_NOMEM;
    const size_t ip = (size_t)s->ih * s->iw, op = (size_t)s->oh * s->ow, kk = (size_t)s->k * s->k;
    if (db)
        for (uint32_t oc = 0; oc < s->oc; oc++) {
            double acc = 0;
            for (uint32_t n = 0; n < s->n; n++) {
                const float *g = dy + ((size_t)n * s->oc + oc) * op;
                for (size_t i = 0; i < op; i++) acc += g[i];
            }
            db[oc] += (float)acc;
        }
    for (uint32_t oc = 0; oc < s->oc; oc++)
        for (uint32_t ic = 0; ic < s->ic; ic++)
            for (uint32_t ky = 0; ky < s->k; ky++)
                for (uint32_t kx = 0; kx < s->k; kx++) {
                    double acc = 0;
                    const long *cm = cmap + (size_t)kx * s->ow;
                    for (uint32_t n = 0; n < s->n; n++) {
                        const float *xp = x + ((size_t)n * s->ic + ic) * ip;
                        const float *g = dy + ((size_t)n * s->oc + oc) * op;
                        for (uint32_t oy = 0; oy < s->oh; oy++) {
                            long iy = pad_index((long)oy * s->stride - (long)s->pad + (long)ky, (long)s->ih,
                                                s->pad_mode);
                            if (iy < 0) continue;
                            const float *xr = xp + (size_t)iy * s->iw;
                            const float *gr = g + (size_t)oy * s->ow;
                            for (uint32_t ox = 0; ox < s->ow; ox++)
                                if (cm[ox] >= 0) acc += (double)gr[ox] * xr[cm[ox]];
                        }
                    }
                    dw[((size_t)oc * s->ic + ic) * kk + (size_t)ky * s->k + kx] += (float)acc;
                }
    if (dx)
        for (uint32_t n = 0; n < s->n; n++)
            for (uint32_t oc = 0; oc < s->oc; oc++)
                for (uint32_t ic = 0; ic < s->ic; ic++) {
                    float *xp = dx + ((size_t)n * s->ic + ic) * ip;
                    const float *g = dy + ((size_t)n * s->oc + oc) * op;
                    const float *wp = w + ((size_t)oc * s->ic + ic) * kk;
                    for (uint32_t ky = 0; ky < s->k; ky++)
                        for (uint32_t kx = 0; kx < s->k; kx++) {
                            const float wv = wp[(size_t)ky * s->k + kx];
                            const long *cm = cmap + (size_t)kx * s->ow;
                            for (uint32_t oy = 0; oy < s->oh; oy++) {
                                long iy = pad_index((long)oy * s->stride - (long)s->pad + (long)ky,
                                                    (long)s->ih, s->pad_mode);
                                if (iy < 0) continue;
                                float *xr = xp + (size_t)iy * s->iw;
                                const float *gr = g + (size_t)oy * s->ow;
                                for (uint32_t ox = 0; ox < s->ow; ox++)
                                    if (cm[ox] >= 0) xr[cm[ox]] += wv * gr[ox];
                            }
                        }
                }
    free(cmap);
    return MC_OK;
}

static void ref_linear_fwd(size_t n, size_t in, size_t out, const float *x, const float *w, const float *b,
                           float *y) {
    for (size_t i = 0; i < n; i++)
        for (size_t o = 0; o < out; o++) {
            float acc = 0;
            const float *xr = x + i * in, *wr = w + o * in;
            for (size_t k = 0; k < in; k++) acc += xr[k] * wr[k];
            y[i * out + o] = b ? acc + b[o] : acc;
        }
}

static void ref_linear_bwd(size_t n, size_t in, size_t out, const float *x, const float *w, const float *dy,
                           float *dx, float *dw, float *db) {
    if (dx)
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < in; k++) {
                double acc = 0;
                for (size_t o = 0; o < out; o++) acc += (double)dy[i * out + o] * w[o * in + k];
                dx[i * in + k] += (float)acc;
            }
    for (size_t o = 0; o < out; o++) {
        for (size_t k = 0; k < in; k++) {
            double acc = 0;
            for (size_t i = 0; i < n; i++) acc += (double)dy[i * out + o] * x[i * in + k];
            dw[o * in + k] += (float)acc;
        }
        if (db) {
            double acc = 0;
            for (size_t i = 0; i < n; i++) acc += dy[i * out + o];
            db[o] += (float)acc;
        }
    }
}

void mc_nn_ref_act_fwd(mc_nn_act a, float alpha, const float *x, float *y, size_t len) {
    switch (a) {
    case MC_NN_ACT_RELU:
        for (size_t i = 0; i < len; i++) y[i] = x[i] > 0 ? x[i] : 0.0f;
        break;
    case MC_NN_ACT_LEAKY:
        for (size_t i = 0; i < len; i++) y[i] = x[i] > 0 ? x[i] : alpha * x[i];
        break;
    case MC_NN_ACT_SIGMOID:
        for (size_t i = 0; i < len; i++) y[i] = mc_nn_sigmoidf(x[i]);
        break;
    case MC_NN_ACT_TANH:
        for (size_t i = 0; i < len; i++) y[i] = mc_nn_tanhf(x[i]);
        break;
    }
}

void mc_nn_ref_act_bwd(mc_nn_act a, float alpha, const float *x, const float *y, const float *dy, float *dx,
                        size_t len) {
    switch (a) {
    case MC_NN_ACT_RELU:
        for (size_t i = 0; i < len; i++)
            if (x[i] > 0) dx[i] += dy[i];
        break;
    case MC_NN_ACT_LEAKY:
        for (size_t i = 0; i < len; i++) dx[i] += x[i] > 0 ? dy[i] : alpha * dy[i];
        break;
    case MC_NN_ACT_SIGMOID:
        for (size_t i = 0; i < len; i++) dx[i] += dy[i] * y[i] * (1.0f - y[i]);
        break;
    case MC_NN_ACT_TANH:
        for (size_t i = 0; i < len; i++) dx[i] += dy[i] * (1.0f - y[i] * y[i]);
        break;
    }
}

void mc_nn_ref_norm_fwd(size_t groups, size_t len, float eps, const float *x, float *xhat, float *istd) {
    for (size_t g = 0; g < groups; g++) {
        const float *xg = x + g * len;
        double sum = 0, sq = 0;
        for (size_t i = 0; i < len; i++) sum += xg[i];
        const double mean = sum / (double)len;
        for (size_t i = 0; i < len; i++) {
            double d = xg[i] - mean;
            sq += d * d;
        }
        const double is = 1.0 / sqrt(sq / (double)len + (double)eps);
        istd[g] = (float)is;
        float *xh = xhat + g * len;
        for (size_t i = 0; i < len; i++) xh[i] = (float)((xg[i] - mean) * is);
    }
}

void mc_nn_ref_norm_bwd(size_t groups, size_t len, const float *xhat, const float *istd, const float *dxh,
                         float *dx) {
    for (size_t g = 0; g < groups; g++) {
        const float *xh = xhat + g * len, *d = dxh + g * len;
        double s1 = 0, s2 = 0;
        for (size_t i = 0; i < len; i++) {
            s1 += d[i];
            s2 += (double)d[i] * xh[i];
        }
        s1 /= (double)len;
        s2 /= (double)len;
        float *o = dx + g * len;
        for (size_t i = 0; i < len; i++) o[i] += (float)((double)istd[g] * (d[i] - s1 - xh[i] * s2));
    }
}

void mc_nn_ref_gap_fwd(size_t groups, size_t len, const float *x, float *y) {
    for (size_t g = 0; g < groups; g++) {
        double s = 0;
        for (size_t i = 0; i < len; i++) s += x[g * len + i];
        y[g] = (float)(s / (double)len);
    }
}

void mc_nn_ref_gmp_fwd(size_t groups, size_t len, const float *x, float *y, uint32_t *arg) {
    for (size_t g = 0; g < groups; g++) {
        const float *xg = x + g * len;
        size_t best = 0;
        for (size_t i = 1; i < len; i++)
            if (xg[i] > xg[best]) best = i;
        y[g] = xg[best];
        if (arg) arg[g] = (uint32_t)best;
    }
}

void mc_nn_ref_upsample_fwd(size_t planes, uint32_t h, uint32_t w, uint32_t f, const float *x, float *y) {
    const size_t ow = (size_t)w * f, oh = (size_t)h * f;
    for (size_t p = 0; p < planes; p++)
        for (size_t oy = 0; oy < oh; oy++) {
            const float *xr = x + (p * h + oy / f) * w;
            float *yr = y + (p * oh + oy) * ow;
            for (size_t ox = 0; ox < ow; ox++) yr[ox] = xr[ox / f];
        }
}

void mc_nn_ref_upsample_bwd(size_t planes, uint32_t h, uint32_t w, uint32_t f, const float *dy, float *dx) {
    const size_t ow = (size_t)w * f, oh = (size_t)h * f;
    for (size_t p = 0; p < planes; p++)
        for (size_t oy = 0; oy < oh; oy++) {
            float *xr = dx + (p * h + oy / f) * w;
            const float *yr = dy + (p * oh + oy) * ow;
            for (size_t ox = 0; ox < ow; ox++) xr[ox / f] += yr[ox];
        }
}

const mc_nn_backend mc_nn_backend_ref = {
    .name = "ref",
    .deterministic = 1,
    .conv_ws = ref_conv_ws,
    .conv_fwd = ref_conv_fwd,
    .conv_bwd = ref_conv_bwd,
    .linear_fwd = ref_linear_fwd,
    .linear_bwd = ref_linear_bwd,
    .act_fwd = mc_nn_ref_act_fwd,
    .act_bwd = mc_nn_ref_act_bwd,
    .norm_fwd = mc_nn_ref_norm_fwd,
    .norm_bwd = mc_nn_ref_norm_bwd,
    .gap_fwd = mc_nn_ref_gap_fwd,
    .gmp_fwd = mc_nn_ref_gmp_fwd,
    .upsample_fwd = mc_nn_ref_upsample_fwd,
    .upsample_bwd = mc_nn_ref_upsample_bwd,
};
