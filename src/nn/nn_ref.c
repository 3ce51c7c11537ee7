/*
 * nn_ref.c - the reference kernels but convolutions (nn_ref_conv.c): linear
 * layers, activations, normalisation statistics, global pooling,
 * upsampling, and the reference backend's table.  A fixed order of
 * operations for every output, no libm transcendental functions (nn_math.c),
 * sqrt only (correctly rounded by IEEE 754): the same bytes for every
 * compiler, optimisation level, vector width, thread count and machine
 * (tests/cli/test_nn_determinism.sh, tests/unit/test_nn_ref_exact.c), which
 * is what lets a cipher made on one machine decrypt on another.
 *
 * Summation orders (the contract; the fast backend does not keep them):
 *   linear: y = (sum over k ascending of x * w, in float, from 0) + bias
 *   norm:   mean and variance summed in double, ascending
 *   pools:  average summed in double, ascending; max: the first largest
 * Gradients (training only) are summed in double, ascending.
 * Statistics run 4 groups' chains side by side; elementwise loops
 * vectorise.  Never reassociate a sum here, never build without
 * -ffp-contract=off, never with -ffast-math.
 */
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF /* as -ffp-contract=off, for builds that forget it (gcc's ISO C modes default to off) */
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MC_UNROLL _Pragma("GCC unroll 8")
#define MC_REF_VEC 1
#else
#define MC_UNROLL
#define MC_REF_VEC 0
#endif

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
        /* = x > 0 ? x : alpha x, since 1 * x is x; x > 0 read from the bits
         * (0 < bits <= +inf's) so that no float compare stops vectorisation */
        for (size_t i = 0; i < len; i++) {
            int32_t bits;
            memcpy(&bits, &x[i], sizeof bits);
            y[i] = (bits > 0 && bits <= 0x7f800000 ? 1.0f : alpha) * x[i];
        }
        break;
    case MC_NN_ACT_SIGMOID:
        mc_nn_sigmoidf_n(x, y, len);
        break;
    case MC_NN_ACT_TANH:
        mc_nn_tanhf_n(x, y, len);
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

/* Groups are summed 4 at a time: each sum stays one chain in ascending
 * order, but 4 independent chains keep the adder busy (a double add's
 * latency, not its throughput, bounds a single chain). */
#define MC_REF_ILV 4

static void norm_one(size_t len, float eps, const float *xg, float *xh, float *istd) {
    double sum = 0, sq = 0;
    for (size_t i = 0; i < len; i++) sum += xg[i];
    const double mean = sum / (double)len;
    for (size_t i = 0; i < len; i++) {
        double d = xg[i] - mean;
        sq += d * d;
    }
    const double is = 1.0 / sqrt(sq / (double)len + (double)eps);
    *istd = (float)is;
    for (size_t i = 0; i < len; i++) xh[i] = (float)((xg[i] - mean) * is);
}

void mc_nn_ref_norm_fwd(size_t groups, size_t len, float eps, const float *x, float *xhat, float *istd) {
    size_t g = 0;
    for (; g + MC_REF_ILV <= groups; g += MC_REF_ILV) {
        const float *xg[MC_REF_ILV];
        double sum[MC_REF_ILV], sq[MC_REF_ILV], mean[MC_REF_ILV];
        MC_UNROLL
        for (int j = 0; j < MC_REF_ILV; j++) xg[j] = x + (g + (size_t)j) * len, sum[j] = 0, sq[j] = 0;
        for (size_t i = 0; i < len; i++) {
            MC_UNROLL
            for (int j = 0; j < MC_REF_ILV; j++) sum[j] += xg[j][i];
        }
        MC_UNROLL
        for (int j = 0; j < MC_REF_ILV; j++) mean[j] = sum[j] / (double)len;
        for (size_t i = 0; i < len; i++) {
            MC_UNROLL
            for (int j = 0; j < MC_REF_ILV; j++) {
                double d = xg[j][i] - mean[j];
                sq[j] += d * d;
            }
        }
        for (int j = 0; j < MC_REF_ILV; j++) {
            const double is = 1.0 / sqrt(sq[j] / (double)len + (double)eps);
            istd[g + (size_t)j] = (float)is;
            float *xh = xhat + (g + (size_t)j) * len;
            const float *xj = xg[j];
            const double m = mean[j];
            for (size_t i = 0; i < len; i++) xh[i] = (float)((xj[i] - m) * is);
        }
    }
    for (; g < groups; g++) norm_one(len, eps, x + g * len, xhat + g * len, istd + g);
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
    size_t g = 0;
    for (; g + MC_REF_ILV <= groups; g += MC_REF_ILV) { /* 4 chains at once, each in order */
        double s[MC_REF_ILV] = {0};
        const float *xg = x + g * len;
        for (size_t i = 0; i < len; i++) {
            MC_UNROLL
            for (int j = 0; j < MC_REF_ILV; j++) s[j] += xg[(size_t)j * len + i];
        }
        for (int j = 0; j < MC_REF_ILV; j++) y[g + (size_t)j] = (float)(s[j] / (double)len);
    }
    for (; g < groups; g++) {
        double s = 0;
        for (size_t i = 0; i < len; i++) s += x[g * len + i];
        y[g] = (float)(s / (double)len);
    }
}

/* The first index of the largest value, NaNs never chosen unless at index 0
 * (the loop `if (x[i] > x[best]) best = i`). */
static size_t gmp_one(const float *xg, size_t len) {
    size_t best = 0, i = 1;
#if MC_REF_VEC
    typedef float v4f __attribute__((vector_size(16)));
    typedef int32_t v4i __attribute__((vector_size(16)));
    /* four lanes, lane l over i = l (mod 4), each the same loop from best = 0;
     * then the largest lane value, ties to the smallest index; then the rest.
     * Lane values are never NaN (x[0] is not, and NaN > v is false). */
    if (len >= 8 && len <= INT32_MAX && xg[0] == xg[0]) {
        v4f bv = {xg[0], xg[0], xg[0], xg[0]};
        v4i bi = {0, 0, 0, 0}, iv = {0, 1, 2, 3};
        for (i = 0; i + 4 <= len; i += 4) {
            v4f xv;
            v4i xb, bb, m;
            memcpy(&xv, xg + i, sizeof xv);
            m = xv > bv;
            memcpy(&xb, &xv, sizeof xb);
            memcpy(&bb, &bv, sizeof bb);
            bb = (xb & m) | (bb & ~m);
            memcpy(&bv, &bb, sizeof bv);
            bi = (iv & m) | (bi & ~m);
            iv += 4;
        }
        float lv[4];
        int32_t li[4];
        memcpy(lv, &bv, sizeof lv);
        memcpy(li, &bi, sizeof li);
        best = (size_t)li[0];
        float bestv = lv[0];
        for (int l = 1; l < 4; l++)
            if (lv[l] > bestv || (lv[l] == bestv && (size_t)li[l] < best)) best = (size_t)li[l], bestv = lv[l];
    }
#endif
    for (; i < len; i++)
        if (xg[i] > xg[best]) best = i;
    return best;
}

void mc_nn_ref_gmp_fwd(size_t groups, size_t len, const float *x, float *y, uint32_t *arg) {
    for (size_t g = 0; g < groups; g++) {
        const float *xg = x + g * len;
        const size_t best = gmp_one(xg, len);
        y[g] = xg[best];
        if (arg) arg[g] = (uint32_t)best;
    }
}

void mc_nn_ref_upsample_fwd(size_t planes, uint32_t h, uint32_t w, uint32_t f, const float *x, float *y) {
    const size_t ow = (size_t)w * f, oh = (size_t)h * f;
    for (size_t p = 0; p < planes; p++)
        for (size_t iy = 0; iy < h; iy++) {
            const float *xr = x + (p * h + iy) * w;
            float *yr = y + (p * oh + iy * f) * ow;
            for (size_t ix = 0; ix < w; ix++)
                for (size_t j = 0; j < f; j++) yr[ix * f + j] = xr[ix];
            for (size_t j = 1; j < f; j++) memcpy(yr + j * ow, yr, ow * sizeof *yr);
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
    .conv_ws = mc_nn_ref_conv_ws,
    .conv_fwd = mc_nn_ref_conv_fwd,
    .conv_bwd = mc_nn_ref_conv_bwd,
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
    .conv_fwd_mt = mc_nn_ref_conv_fwd_mt,
    .deconv_fwd = mc_nn_ref_deconv_fwd,
    .deconv_bwd = mc_nn_ref_deconv_bwd,
};
