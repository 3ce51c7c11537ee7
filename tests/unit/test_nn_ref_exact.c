/* test_nn_ref_exact.c - the reference backend's fast kernels against plain
 * transcriptions of the loops they replaced, bit for bit (memcmp).
 *
 * The tiled, vectorised forward convolution against the reference loop (the
 * contract in nn_ref.c): every kernel set the machine
 * has (1-lane, 4-lane, AVX2, AVX-512), 1 to 3 threads, kernels 1/3/5/7 (and
 * a few others), strides 1 and 2 (and 3), padding 0..3 zero and reflect
 * (reflect also where the pad reaches past the image, which the kernel
 * defines by skipping), widths 1..70 including narrower than the kernel,
 * 1..17 input and output channels, batch 1 and 2, with and without bias, on
 * inputs with negative zeros, exact zeros, wide magnitudes (so that any
 * change of summation order changes the rounding) and, for the non-finite
 * fallback, infinite weights and inputs.
 *
 * The other inference kernels: ReLU / leaky ReLU, sigmoid and tanh over
 * arrays (against the scalar functions on a dense sample of all floats),
 * normalisation statistics and global average pooling (sums of 4 groups
 * interleaved), global max pooling (4 lanes; ties, signed zeros, NaNs,
 * infinities), nearest upsampling. */
#include "testutil.h"

#include "nn/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the reference loop, transcribed (as nn_ref.c had it before tiling) */

static long t_pad(long i, long n, mc_nn_pad pm) {
    if (i >= 0 && i < n) return i;
    if (pm == MC_NN_PAD_ZERO) return -1;
    if (i < 0) i = -i;
    if (i >= n) i = 2 * n - 2 - i;
    return (i >= 0 && i < n) ? i : -1;
}

static void t_conv(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y) {
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
                        for (uint32_t oy = 0; oy < s->oh; oy++) {
                            long iy = t_pad((long)oy * s->stride - (long)s->pad + (long)ky, (long)s->ih, s->pad_mode);
                            if (iy < 0) continue;
                            for (uint32_t ox = 0; ox < s->ow; ox++) {
                                long ix =
                                    t_pad((long)ox * s->stride - (long)s->pad + (long)kx, (long)s->iw, s->pad_mode);
                                if (ix >= 0) yp[(size_t)oy * s->ow + ox] += wv * xp[(size_t)iy * s->iw + ix];
                            }
                        }
                    }
            }
            if (b)
                for (size_t i = 0; i < op; i++) yp[i] += b[oc];
        }
}

/* ---- inputs */

static uint64_t rng = 0x5eed;

/* a value whose sums round differently in another order: mixed signs and
 * magnitudes 2^-12 .. 2^12, some exact zeros and negative zeros */
static float val(int special) {
    uint64_t r = mc_nn_rand(&rng);
    switch (r % 16) {
    case 0: return 0.0f;
    case 1: return -0.0f;
    case 2: return special == 2 ? ((r >> 8) & 1 ? INFINITY : -INFINITY) : (float)((double)((r >> 8) % 8191) - 4095.0);
    default: break;
    }
    float m = 2.0f * mc_nn_randu(&rng) - 1.0f;
    int e = (int)((r >> 4) % 25) - 12;
    return ldexpf(m, e);
}

static float *vals(size_t n, int special) {
    float *p = malloc((n ? n : 1) * sizeof(float));
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) p[i] = val(special);
    return p;
}

static const int isas[] = {MC_NN_REF_PLAIN, MC_NN_REF_SCALAR, MC_NN_REF_VEC4, MC_NN_REF_AVX2, MC_NN_REF_AVX512,
                           MC_NN_REF_AUTO};
static const char *isa_name(int i) {
    static const char *n[] = {"plain", "scalar", "vec4", "avx2", "avx512"};
    return i == MC_NN_REF_AUTO ? "auto" : n[i];
}

static size_t ncases, nsets;

/* special: 1 = infinite weights, 2 = infinite inputs */
static void check(uint32_t n, uint32_t ic, uint32_t ih, uint32_t iw, uint32_t oc, uint32_t k, uint32_t stride,
                  uint32_t pad, mc_nn_pad pm, int bias, int special, int many_threads) {
    if (ih + 2 * pad < k || iw + 2 * pad < k) return;
    mc_nn_conv_shape s = {n, ic, ih, iw, oc, 0, 0, k, stride, pad, pm};
    s.oh = (ih + 2 * pad - k) / stride + 1;
    s.ow = (iw + 2 * pad - k) / stride + 1;
    const size_t nx = (size_t)n * ic * ih * iw, nw = (size_t)oc * ic * k * k, ny = (size_t)n * oc * s.oh * s.ow;
    float *x = vals(nx, special == 2 ? 2 : 0), *w = vals(nw, 0), *b = bias ? vals(oc, 0) : NULL;
    if (special == 1) {
        w[nw / 2] = INFINITY;
        if (nw > 1) w[0] = -INFINITY;
    }
    float *want = malloc(ny * sizeof(float)), *got = malloc(ny * sizeof(float));
    assert_true(want && got);
    t_conv(&s, x, w, b, want);
    for (size_t i = 0; i < sizeof isas / sizeof isas[0]; i++) {
        const int tmax = many_threads ? 3 : 1;
        for (int t = 0; t <= tmax; t++) {
            memset(got, 0xa5, ny * sizeof(float)); /* nothing left from the last run */
            int rc = mc_nn_ref_conv_fwd_with(isas[i], t, &s, x, w, b, got);
            if (rc == MC_ERR_UNSUPPORTED) break;
            assert_int_equal(rc, MC_OK);
            nsets++;
            if (memcmp(got, want, ny * sizeof(float))) {
                size_t j = 0;
                while (!memcmp(got + j, want + j, sizeof(float))) j++;
                fprintf(stderr,
                        "kernel set %s, %d threads: n %u ic %u %ux%u oc %u k %u stride %u pad %u %s%s%s: y[%zu] "
                        "%a, reference %a\n",
                        isa_name(isas[i]), t, n, ic, ih, iw, oc, k, stride, pad, pm ? "reflect" : "zero",
                        bias ? " bias" : "", special ? " non-finite" : "", j, (double)got[j], (double)want[j]);
                fail();
            }
            if (isas[i] == MC_NN_REF_PLAIN) break; /* one thread only */
        }
    }
    /* the backend entry point */
    memset(got, 0xa5, ny * sizeof(float));
    assert_int_equal(mc_nn_backend_ref.conv_fwd(&s, x, w, b, got, NULL), MC_OK);
    assert_memory_equal(got, want, ny * sizeof(float));
    ncases++;
    free(x), free(w), free(b), free(want), free(got);
}

static uint32_t pick(uint32_t lo, uint32_t hi) { return lo + (uint32_t)(mc_nn_rand(&rng) % (hi - lo + 1)); }

/* every kernel / stride / pad / mode, random channels, sizes, batch, bias */
static void test_shapes(void **state) {
    (void)state;
    static const uint32_t ks[] = {1, 3, 5, 7, 2, 4};
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
        for (uint32_t stride = 1; stride <= 3; stride++)
            for (uint32_t pad = 0; pad <= 3; pad++)
                for (int pm = 0; pm < 2; pm++)
                    for (int rep = 0; rep < (stride == 3 ? 1 : 2); rep++) {
                        const uint32_t k = ks[ki];
                        uint32_t ic = pick(1, 17), oc = pick(1, 17), n = pick(1, 2);
                        uint32_t ih = pick(1, 12), iw = pick(1, 70);
                        check(n, ic, ih, iw, oc, k, stride, pad, (mc_nn_pad)pm, (int)pick(0, 1), 0, rep == 0);
                    }
}

/* every width 1..70 (row tails, narrow rows, widths below the kernel) */
static void test_widths(void **state) {
    (void)state;
    for (uint32_t iw = 1; iw <= 70; iw++) {
        check(1, 3, 5, iw, 5, 3, 1, 1, MC_NN_PAD_ZERO, 1, 0, iw % 7 == 0);
        check(2, 2, 4, iw, 17, 3, 1, 1, MC_NN_PAD_REFLECT, 0, 0, 0);
        check(1, 4, 6, iw, 3, 7, 1, 3, iw % 2 ? MC_NN_PAD_REFLECT : MC_NN_PAD_ZERO, 1, 0, 0);
        check(1, 5, 7, iw, 9, 5, 2, 2, MC_NN_PAD_ZERO, (int)(iw % 2), 0, 0);
        check(2, 1, 3, iw, 1, 1, 1, 0, MC_NN_PAD_ZERO, 1, 0, 0);
        check(1, 2, 9, iw, 2, 7, 2, 0, MC_NN_PAD_REFLECT, 1, 0, 0);
    }
}

/* every channel count 1..17 in and out (all output-channel block remainders) */
static void test_channels(void **state) {
    (void)state;
    for (uint32_t c = 1; c <= 17; c++) {
        check(1, c, 4, 37, c, 3, 1, 1, MC_NN_PAD_ZERO, 1, 0, 0);
        check(2, 18 - c, 5, 21, c, 5, 2, 2, MC_NN_PAD_REFLECT, 0, 0, 0);
        check(1, c, 3, 66, 18 - c, 1, 1, 0, MC_NN_PAD_ZERO, 1, 0, 0);
    }
}

/* bands, tiles and threads: tall images, many channels, one row per band */
static void test_tiles(void **state) {
    (void)state;
    check(2, 16, 61, 137, 6, 3, 1, 1, MC_NN_PAD_REFLECT, 1, 0, 1);
    check(1, 12, 83, 200, 17, 3, 2, 1, MC_NN_PAD_ZERO, 1, 0, 1);
    check(1, 64, 7, 2100, 2, 3, 1, 1, MC_NN_PAD_ZERO, 1, 0, 1); /* a buffer row per channel beyond the budget */
    check(1, 3, 40, 90, 4, 7, 1, 3, MC_NN_PAD_REFLECT, 0, 0, 1);
    check(2, 2, 33, 64, 8, 3, 1, 1, MC_NN_PAD_ZERO, 1, 0, 1); /* widths that are multiples of every vector */
}

/* infinities: in the weights (the zero-padded taps must be skipped, not
 * added as inf * 0) and in the inputs */
static void test_nonfinite(void **state) {
    (void)state;
    for (int pm = 0; pm < 2; pm++) {
        check(1, 3, 9, 21, 4, 3, 1, 1, (mc_nn_pad)pm, 1, 1, 1);
        check(2, 2, 8, 40, 5, 5, 2, 2, (mc_nn_pad)pm, 0, 1, 0);
        check(1, 3, 9, 37, 4, 3, 1, 1, (mc_nn_pad)pm, 1, 2, 1);
        check(2, 4, 6, 19, 3, 7, 2, 3, (mc_nn_pad)pm, 1, 2, 0);
    }
}

/* ---- the other kernels */

/* special values: zeros, NaN, infinities, subnormals, extremes */
static const float specials[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, -0.5f, 1e-40f, -1e-40f, 1e-30f, -1e-30f,
                                 3.4e38f, -3.4e38f, 88.7f, -88.7f, 89.5f, -103.9f, -104.5f, 10.0f, -10.0f,
                                 10.0001f, 0.25f, -0.25f, 0.2500001f, 44.0f, -87.0f};

static float bits_float(uint32_t b) {
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static void test_activations(void **state) {
    (void)state;
    /* a dense sample of every float (stride 4093 through the bit patterns),
     * the specials, NaN and infinities, random moderate values */
    const size_t ns = sizeof specials / sizeof specials[0], n = 1049000 + ns + 4 + 65536;
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float)), *z = malloc(n * sizeof(float));
    assert_true(x && y && z);
    size_t m = 0;
    for (uint64_t b = 0; b < ((uint64_t)1 << 32) && m < 1049000; b += 4093) x[m++] = bits_float((uint32_t)b);
    for (size_t i = 0; i < ns; i++) x[m++] = specials[i];
    x[m++] = NAN, x[m++] = -NAN, x[m++] = INFINITY, x[m++] = -INFINITY;
    while (m < n) x[m++] = 60.0f * mc_nn_randu(&rng) - 30.0f;
    static const mc_nn_act acts[] = {MC_NN_ACT_RELU, MC_NN_ACT_LEAKY, MC_NN_ACT_SIGMOID, MC_NN_ACT_TANH};
    static const float alphas[] = {0.2f, 0.0f, 0.01f};
    for (size_t ai = 0; ai < 4; ai++)
        for (size_t al = 0; al < (acts[ai] == MC_NN_ACT_LEAKY ? 3 : 1); al++) {
            const float alpha = alphas[al];
            for (size_t i = 0; i < n; i++) {
                switch (acts[ai]) {
                case MC_NN_ACT_RELU: z[i] = x[i] > 0 ? x[i] : 0.0f; break;
                case MC_NN_ACT_LEAKY: z[i] = x[i] > 0 ? x[i] : alpha * x[i]; break;
                case MC_NN_ACT_SIGMOID: z[i] = mc_nn_sigmoidf(x[i]); break;
                case MC_NN_ACT_TANH: z[i] = mc_nn_tanhf(x[i]); break;
                }
            }
            mc_nn_backend_ref.act_fwd(acts[ai], alpha, x, y, n);
            if (memcmp(y, z, n * sizeof(float))) {
                size_t j = 0;
                while (!memcmp(y + j, z + j, sizeof(float))) j++;
                fprintf(stderr, "activation %d: f(%a) = %a, reference %a\n", (int)acts[ai], (double)x[j], (double)y[j],
                        (double)z[j]);
                fail();
            }
            /* every length (tails), at every alignment, and in place */
            for (size_t len = 0; len <= 19; len++)
                for (size_t off = 0; off < 3; off++) {
                    memcpy(y, x + 1049000 - 7 + off, len * sizeof(float));
                    mc_nn_backend_ref.act_fwd(acts[ai], alpha, y, y, len);
                    if (len) assert_memory_equal(y, z + 1049000 - 7 + off, len * sizeof(float));
                }
        }
    free(x), free(y), free(z);
}

static void t_norm(size_t groups, size_t len, float eps, const float *x, float *xhat, float *istd) {
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

static void t_gap(size_t groups, size_t len, const float *x, float *y) {
    for (size_t g = 0; g < groups; g++) {
        double s = 0;
        for (size_t i = 0; i < len; i++) s += x[g * len + i];
        y[g] = (float)(s / (double)len);
    }
}

static void t_gmp(size_t groups, size_t len, const float *x, float *y, uint32_t *arg) {
    for (size_t g = 0; g < groups; g++) {
        const float *xg = x + g * len;
        size_t best = 0;
        for (size_t i = 1; i < len; i++)
            if (xg[i] > xg[best]) best = i;
        y[g] = xg[best];
        arg[g] = (uint32_t)best;
    }
}

/* values with many ties, signed zeros, and (kind 2) NaNs and infinities */
static float pool_val(int kind) {
    uint64_t r = mc_nn_rand(&rng);
    if (kind == 1) return (r & 7) == 0 ? -0.0f : (r & 7) == 1 ? 0.0f : (float)((int)(r >> 8) % 3) - 2.0f;
    if (kind == 2 && (r & 15) < 3) return (r & 15) == 0 ? NAN : (r & 15) == 1 ? INFINITY : -INFINITY;
    return val(0);
}

static void test_stats(void **state) {
    (void)state;
    static const size_t lens[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 64, 100, 1001, 4099};
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
        for (size_t groups = 1; groups <= 9; groups++)
            for (int kind = 0; kind < 4; kind++) {
                const size_t len = lens[li], tot = groups * len;
                float *x = malloc(tot * sizeof(float)), *a = malloc(tot * sizeof(float));
                float *b = malloc(tot * sizeof(float));
                float sa[9], sb[9];
                uint32_t ia[9], ib[9];
                assert_true(x && a && b);
                for (size_t i = 0; i < tot; i++) x[i] = pool_val(kind == 3 ? 0 : kind);
                if (kind == 3) /* NaN first in some groups: max pooling keeps index 0 */
                    for (size_t g = 0; g < groups; g += 2) x[g * len] = NAN;
                if (kind == 0) { /* statistics of finite values */
                    t_norm(groups, len, 1e-5f, x, a, sa);
                    mc_nn_backend_ref.norm_fwd(groups, len, 1e-5f, x, b, sb);
                    assert_memory_equal(a, b, tot * sizeof(float));
                    assert_memory_equal(sa, sb, groups * sizeof(float));
                }
                t_gap(groups, len, x, sa);
                mc_nn_backend_ref.gap_fwd(groups, len, x, sb);
                assert_memory_equal(sa, sb, groups * sizeof(float));
                t_gmp(groups, len, x, sa, ia);
                memset(ib, 0xff, sizeof ib);
                mc_nn_backend_ref.gmp_fwd(groups, len, x, sb, ib);
                if (memcmp(ia, ib, groups * sizeof(uint32_t)) || memcmp(sa, sb, groups * sizeof(float))) {
                    fprintf(stderr, "gmp: len %zu groups %zu kind %d: index %u, reference %u\n", len, groups, kind,
                            ib[0], ia[0]);
                    fail();
                }
                mc_nn_backend_ref.gmp_fwd(groups, len, x, sb, NULL); /* arg is optional */
                assert_memory_equal(sa, sb, groups * sizeof(float));
                free(x), free(a), free(b);
            }
}

static void test_upsample(void **state) {
    (void)state;
    for (uint32_t f = 1; f <= 4; f++)
        for (uint32_t h = 1; h <= 5; h++)
            for (uint32_t w = 1; w <= 6; w++) {
                const size_t planes = 3, nx = planes * h * w, ny = nx * f * f;
                float *x = vals(nx, 0), *a = malloc(ny * sizeof(float)), *b = malloc(ny * sizeof(float));
                assert_true(a && b);
                const size_t ow = (size_t)w * f, oh = (size_t)h * f;
                for (size_t p = 0; p < planes; p++)
                    for (size_t oy = 0; oy < oh; oy++)
                        for (size_t ox = 0; ox < ow; ox++)
                            a[(p * oh + oy) * ow + ox] = x[(p * h + oy / f) * w + ox / f];
                mc_nn_backend_ref.upsample_fwd(planes, h, w, f, x, b);
                assert_memory_equal(a, b, ny * sizeof(float));
                free(x), free(a), free(b);
            }
}

/* ---- the transposed convolution: the contract (nn_ref_conv.c) written
 * out as its gather: per output, ic ascending, then the flipped kernel's
 * taps ascending, only taps that land on an input sample */
static void t_deconv(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y) {
    const size_t ip = (size_t)s->ih * s->iw, op = (size_t)s->oh * s->ow, k = s->k;
    const long S = s->stride, lead = (long)s->k - 1 - (long)s->pad;
    for (uint32_t n = 0; n < s->n; n++)
        for (uint32_t oc = 0; oc < s->oc; oc++)
            for (uint32_t oy = 0; oy < s->oh; oy++)
                for (uint32_t ox = 0; ox < s->ow; ox++) {
                    float acc = 0;
                    for (uint32_t ic = 0; ic < s->ic; ic++)
                        for (uint32_t fy = 0; fy < k; fy++)
                            for (uint32_t fx = 0; fx < k; fx++) {
                                long dy = (long)oy + fy - lead, dx = (long)ox + fx - lead;
                                if (dy < 0 || dx < 0 || dy % S || dx % S || dy / S >= (long)s->ih ||
                                    dx / S >= (long)s->iw)
                                    continue;
                                acc += w[((size_t)ic * s->oc + oc) * k * k + (k - 1 - fy) * k + (k - 1 - fx)] *
                                       x[((size_t)n * s->ic + ic) * ip + (size_t)(dy / S) * s->iw + (size_t)(dx / S)];
                            }
                    y[((size_t)n * s->oc + oc) * op + (size_t)oy * s->ow + ox] = b ? acc + b[oc] : acc;
                }
}

static void check_deconv(uint32_t n, uint32_t ic, uint32_t ih, uint32_t iw, uint32_t oc, uint32_t k, uint32_t stride,
                         uint32_t pad, uint32_t outpad, int bias, int special) {
    mc_nn_conv_shape s = {n, ic, ih, iw, oc, 0, 0, k, stride, pad, MC_NN_PAD_ZERO};
    s.oh = (ih - 1) * stride + k + outpad - 2 * pad;
    s.ow = (iw - 1) * stride + k + outpad - 2 * pad;
    const size_t nx = (size_t)n * ic * ih * iw, nw = (size_t)oc * ic * k * k, ny = (size_t)n * oc * s.oh * s.ow;
    float *x = vals(nx, special == 2 ? 2 : 0), *w = vals(nw, 0), *b = bias ? vals(oc, 0) : NULL;
    if (special == 1) w[nw / 2] = INFINITY;
    float *want = malloc(ny * sizeof(float)), *got = malloc(ny * sizeof(float));
    assert_true(want && got);
    t_deconv(&s, x, w, b, want);
    for (size_t i = 0; i < sizeof isas / sizeof isas[0]; i++)
        for (int t = 0; t <= 2; t++) {
            memset(got, 0xa5, ny * sizeof(float));
            int rc = mc_nn_ref_deconv_fwd_with(isas[i], t, &s, x, w, b, got);
            if (rc == MC_ERR_UNSUPPORTED) break;
            assert_int_equal(rc, MC_OK);
            nsets++;
            if (memcmp(got, want, ny * sizeof(float))) {
                size_t j = 0;
                while (!memcmp(got + j, want + j, sizeof(float))) j++;
                fprintf(stderr, "deconv, kernel set %s, %d threads: n %u ic %u %ux%u oc %u k %u stride %u pad %u+%u: "
                        "y[%zu] %a, reference %a\n", isa_name(isas[i]), t, n, ic, ih, iw, oc, k, stride, pad, outpad, j,
                        (double)got[j], (double)want[j]);
                fail();
            }
            if (isas[i] == MC_NN_REF_PLAIN) break;
        }
    memset(got, 0xa5, ny * sizeof(float));
    assert_int_equal(mc_nn_backend_ref.deconv_fwd(&s, x, w, b, got), MC_OK);
    assert_memory_equal(got, want, ny * sizeof(float));
    ncases++;
    free(x), free(w), free(b), free(want), free(got);
}

/* kernels 1..5, strides 1..3, every pad < k and output padding < stride,
 * widths around the vector strips; non-finite weights and inputs */
static void test_deconv(void **state) {
    (void)state;
    for (uint32_t k = 1; k <= 5; k++)
        for (uint32_t stride = 1; stride <= 3; stride++)
            for (uint32_t pad = 0; pad < k; pad++)
                for (uint32_t op = 0; op < stride; op++) {
                    const uint32_t ih = pick(1, 6), iw = pick(1, 40);
                    if ((ih - 1) * stride + k + op <= 2 * pad || (iw - 1) * stride + k + op <= 2 * pad) continue;
                    check_deconv(pick(1, 2), pick(1, 9), ih, iw, pick(1, 9), k, stride, pad, op, (int)pick(0, 1), 0);
                }
    check_deconv(1, 16, 20, 33, 8, 3, 2, 1, 1, 1, 0); /* DeepKeyGen's doubling, several bands */
    check_deconv(2, 3, 5, 9, 4, 3, 2, 1, 1, 1, 1);
    check_deconv(1, 3, 5, 9, 4, 4, 2, 1, 0, 0, 2);
}

static void test_count(void **state) {
    (void)state;
    fprintf(stderr, "test_nn_ref_exact: %zu shapes, %zu kernel set / thread runs\n", ncases, nsets);
    assert_true(ncases > 500);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),      cmocka_unit_test(test_widths), cmocka_unit_test(test_channels),
        cmocka_unit_test(test_tiles),
        cmocka_unit_test(test_nonfinite),   cmocka_unit_test(test_count),  cmocka_unit_test(test_activations),
        cmocka_unit_test(test_stats),       cmocka_unit_test(test_upsample), cmocka_unit_test(test_deconv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
