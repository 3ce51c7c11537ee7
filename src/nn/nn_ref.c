/*
 * nn_ref.c - the reference kernels: a fixed order of operations for every
 * output, no libm transcendental functions (nn_math.c), sqrt only (correctly
 * rounded by IEEE 754).  Their output bytes are the same for every compiler,
 * optimisation level, vector width, thread count and machine
 * (tests/cli/test_nn_determinism.sh, tests/unit/test_nn_ref_exact.c), which
 * is what lets a cipher made on one machine decrypt on another.
 *
 * Summation orders (the contract; the fast backend does not keep them):
 *   conv:   y = (sum over ic, then ky, then kx, ascending, of w * x, in float,
 *           starting from 0; zero-padded taps skipped) + bias
 *   linear: y = (sum over k ascending of x * w, in float, from 0) + bias
 *   norm:   mean and variance summed in double, ascending
 *   pools:  average summed in double, ascending; max: the first largest
 * Gradients (training only) are summed in double, ascending.
 *
 * How it is fast anyway (docs/nn.md, "The reference path, fast"): the
 * contract fixes each output's own chain of operations, not which outputs
 * are computed together.  The forward convolution keeps strips of outputs
 * (up to 4 output channels x up to 8 vectors of 4, 8 or 16 lanes along x)
 * in registers and runs each lane's chain in the contract's order, on a
 * buffer of padded, stride-phase-split input rows per tile (an image and a
 * band of output rows, sized for L2); tiles go to OpenMP threads, each
 * output to exactly one of them.  Statistics run 4 groups' chains side by
 * side; elementwise loops vectorise.  Never reassociate a sum here, never
 * build without -ffp-contract=off, never with -ffast-math.
 */
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF /* as -ffp-contract=off, for builds that forget it (gcc's ISO C modes default to off) */
#endif

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

/* The contract's loop as written: per output channel, y from 0, then for ic,
 * ky, kx ascending y += w * x over every output of the plane (zero-padded
 * taps skipped), then + bias.  Used when a weight is not finite (see below). */
static int conv_fwd_plain(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y) {
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

/* ------------------------------------------------ the tiled forward conv
 *
 * Work is cut into tiles of one image and a band of output rows.  A tile
 * first copies the input rows its band reads into a buffer: per input
 * channel and band row, the padded row (reflected values, or 0 where the
 * reference skips a zero-padded tap), split into `stride` phases so that
 * the input column ox * stride + kx of every output ox is column
 * ox + kx / stride of phase kx % stride: contiguous in ox for any stride.
 * Each output row then runs through a row kernel that keeps a strip of
 * outputs (up to 4 output channels x up to 8 vectors along x) in registers
 * while it sums over ic, then the row's valid (ky, kx) taps, in the
 * reference order; rows of input that the reference skips (zero padding
 * above and below) are left out of the row's tap list.
 *
 * Why the zero columns give the same bits as skipping: the accumulator
 * starts at +0 and round-to-nearest never produces -0 from a sum that is
 * not -0 + -0, so it is never -0; adding w * 0 = +-0 to it (w finite) leaves
 * every bit as it was (NaN and infinities included).  A non-finite weight
 * would make w * 0 a NaN, so convolutions with one take conv_fwd_plain. */

/* what a row kernel reads */
typedef struct conv_ctx {
    uint32_t ic, oc, ow;
    size_t kk, wso;      /* k * k; ic * k * k (weight stride between output channels) */
    size_t op;           /* oh * ow: output plane */
    size_t icstride;     /* buffer floats per input channel */
    const float *buf;    /* the tile's buffer */
    const float *w, *b;
} conv_ctx;

/* the taps of one output row, in reference order: buffer offset (from the
 * channel's base, for ox = 0) and weight index ky * k + kx */
#define MC_REF_MAX_TAPS (MC_NN_MAX_KERNEL * MC_NN_MAX_KERNEL)
typedef struct conv_taps {
    uint32_t n;
    uint32_t off[MC_REF_MAX_TAPS];
    uint32_t widx[MC_REF_MAX_TAPS];
} conv_taps;

#if defined(__GNUC__) || defined(__clang__)
#define MC_ALWAYS_INLINE inline __attribute__((always_inline))
#define MC_UNROLL _Pragma("GCC unroll 8")
#define MC_REF_VEC 1
#else
#define MC_ALWAYS_INLINE inline
#define MC_UNROLL
#define MC_REF_VEC 0
#endif
/* x86-64 kernels for AVX2 and AVX-512 beside the baseline ones, chosen at
 * run time.  The target attributes enable wider registers only: with
 * -ffp-contract=off no multiply and add are fused, whatever the ISA. */
#if MC_REF_VEC && defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 6)
#define MC_REF_X86 1
#else
#define MC_REF_X86 0
#endif

/* scalar kernels (1 lane): rows narrower than a vector, and kernel set 0 */
#define KN_SFX s
#define KN_ATTR
#define KN_W 1
#define KN_VT float
#define KN_NV4 2
#define KN_NV3 2
#define KN_NV2 4
#define KN_NV1 8
#include "nn_ref_conv.h"
#undef KN_SFX
#undef KN_ATTR
#undef KN_W
#undef KN_VT
#undef KN_NV4
#undef KN_NV3
#undef KN_NV2
#undef KN_NV1

#if MC_REF_VEC
/* portable 4-lane vectors (SSE2 on x86-64, NEON on arm64, ...) */
typedef float mc_ref_v4 __attribute__((vector_size(16)));
#define KN_SFX v4
#define KN_ATTR
#define KN_W 4
#define KN_VT mc_ref_v4
#define KN_NV4 2
#define KN_NV3 2
#define KN_NV2 4
#define KN_NV1 8
#include "nn_ref_conv.h"
#undef KN_SFX
#undef KN_ATTR
#undef KN_W
#undef KN_VT
#undef KN_NV4
#undef KN_NV3
#undef KN_NV2
#undef KN_NV1
#endif

#if MC_REF_X86
typedef float mc_ref_v8 __attribute__((vector_size(32)));
#define KN_SFX avx2
#define KN_ATTR __attribute__((target("avx2")))
#define KN_W 8
#define KN_VT mc_ref_v8
#define KN_NV4 2
#define KN_NV3 2
#define KN_NV2 4
#define KN_NV1 8
#include "nn_ref_conv.h"
#undef KN_SFX
#undef KN_ATTR
#undef KN_W
#undef KN_VT
#undef KN_NV4
#undef KN_NV3
#undef KN_NV2
#undef KN_NV1

typedef float mc_ref_v16 __attribute__((vector_size(64)));
#define KN_SFX avx512
#define KN_ATTR __attribute__((target("avx512f")))
#define KN_W 16
#define KN_VT mc_ref_v16
#define KN_NV4 4
#define KN_NV3 4
#define KN_NV2 6
#define KN_NV1 8
#include "nn_ref_conv.h"
#undef KN_SFX
#undef KN_ATTR
#undef KN_W
#undef KN_VT
#undef KN_NV4
#undef KN_NV3
#undef KN_NV2
#undef KN_NV1
#endif

typedef void (*conv_row_fn)(const conv_ctx *c, const conv_taps *t, float *yrow);

/* The row kernel of kernel set isa and its width; NULL if unavailable. */
static conv_row_fn row_kernel(int isa, uint32_t *width) {
    switch (isa) {
    case MC_NN_REF_SCALAR: *width = 1; return conv_row_s;
#if MC_REF_VEC
    case MC_NN_REF_VEC4: *width = 4; return conv_row_v4;
#endif
#if MC_REF_X86
    case MC_NN_REF_AVX2:
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("avx2")) return NULL;
        *width = 8;
        return conv_row_avx2;
    case MC_NN_REF_AVX512:
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("avx512f")) return NULL;
        *width = 16;
        return conv_row_avx512;
#endif
    default: return NULL;
    }
}

static int best_isa(void) {
    uint32_t wd;
    if (row_kernel(MC_NN_REF_AVX512, &wd)) return MC_NN_REF_AVX512;
    if (row_kernel(MC_NN_REF_AVX2, &wd)) return MC_NN_REF_AVX2;
    if (row_kernel(MC_NN_REF_VEC4, &wd)) return MC_NN_REF_VEC4;
    return MC_NN_REF_SCALAR;
}

static int max_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

#define MC_REF_BAND_FLOATS ((size_t)1 << 17) /* tile buffer target: 512 KiB, within L2 */
#define MC_REF_MT_MACS 2e6                   /* smaller convolutions run on one thread */

/* Forward convolution with kernel set isa on up to `threads` threads (0: as
 * many as OpenMP allows, one for small convolutions). */
static int conv_fwd_tiled(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                          int isa, int threads) {
    uint32_t vw = 1;
    const conv_row_fn vrow = row_kernel(isa, &vw);
    if (!vrow) return MC_ERR_UNSUPPORTED;
    const size_t kk = (size_t)s->k * s->k;
    for (size_t i = 0; i < (size_t)s->oc * s->ic * kk; i++)
        if (!(w[i] - w[i] == 0.0f)) return conv_fwd_plain(s, x, w, b, y);
    if (!s->n || !s->oc || !s->oh || !s->ow) return MC_OK;
    /* shapes no layer has: no input channel, kernel or stride out of range */
    if (!s->ic || !s->k || s->k > MC_NN_MAX_KERNEL || !s->stride) return conv_fwd_plain(s, x, w, b, y);
    const uint32_t S = s->stride, k = s->k;
    const size_t PW = (size_t)s->ow + (k - 1) / S; /* columns per phase */
    const size_t ncol = (size_t)S * PW, rowf = ncol; /* floats per band row of one channel */
    /* band height: the buffer within MC_REF_BAND_FLOATS when it can be */
    size_t rows_fit = MC_REF_BAND_FLOATS / ((size_t)s->ic * rowf);
    size_t bh = rows_fit > k ? (rows_fit - k) / S + 1 : 1;
    if (bh > s->oh) bh = s->oh;
    const double macs = (double)s->n * s->oc * s->oh * s->ow * (double)s->ic * (double)kk;
    int nt = threads > 0 ? threads : (macs < MC_REF_MT_MACS ? 1 : max_threads());
    if (nt < 1) nt = 1;
    /* at least 4 tiles per thread when threaded (dynamic scheduling evens out) */
    while (nt > 1 && bh > 1 && (size_t)s->n * ((s->oh + bh - 1) / bh) < 4u * (size_t)nt) bh = (bh + 1) / 2;
    const size_t nbands = (s->oh + bh - 1) / bh, ntiles = (size_t)s->n * nbands;
    if ((size_t)nt > ntiles) nt = (int)ntiles;
    const size_t maxrows = (bh - 1) * S + k;
    const size_t icstride = maxrows * rowf, buf_floats = (size_t)s->ic * icstride;
    /* input column of padded column c (-1: zero), shared */
    long *cm = malloc(ncol * sizeof *cm);
    if (!cm) return MC_ERR_NOMEM;
    for (size_t c = 0; c < ncol; c++) cm[c] = pad_index((long)c - (long)s->pad, (long)s->iw, s->pad_mode);
    /* stride 1: padded columns [c0, c1) copy the row as it is */
    const size_t c0 = s->pad < ncol ? s->pad : ncol;
    const size_t c1 = (size_t)s->pad + s->iw < ncol ? (size_t)s->pad + s->iw : ncol;
    const size_t ip = (size_t)s->ih * s->iw, op = (size_t)s->oh * s->ow;
    int fail = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
    {
        float *buf = malloc(buf_floats * sizeof *buf);
        long *riy = malloc(maxrows * sizeof *riy);
        conv_taps *taps = malloc(sizeof *taps);
        if (!buf || !riy || !taps) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            fail = 1;
        }
        conv_ctx c = {s->ic, s->oc, s->ow, kk, (size_t)s->ic * kk, op, icstride, buf, w, b};
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (long ti = 0; ti < (long)ntiles; ti++) {
            if (!buf || !riy || !taps) continue;
            const uint32_t n = (uint32_t)((size_t)ti / nbands);
            const uint32_t oy0 = (uint32_t)((size_t)ti % nbands * bh);
            const uint32_t oy1 = oy0 + bh < s->oh ? oy0 + (uint32_t)bh : s->oh;
            const size_t nrows = (size_t)(oy1 - oy0 - 1) * S + k;
            for (size_t r = 0; r < nrows; r++)
                riy[r] = pad_index((long)oy0 * S + (long)r - (long)s->pad, (long)s->ih, s->pad_mode);
            /* the band's input rows, padded and phase split */
            for (uint32_t ic = 0; ic < s->ic; ic++) {
                const float *xp = x + ((size_t)n * s->ic + ic) * ip;
                for (size_t r = 0; r < nrows; r++) {
                    if (riy[r] < 0) continue; /* never read */
                    const float *xr = xp + (size_t)riy[r] * s->iw;
                    float *dst = buf + ic * icstride + r * rowf;
                    if (S == 1) {
                        /* columns pad .. pad + iw - 1 are the row itself */
                        for (size_t cc = 0; cc < c0; cc++) dst[cc] = cm[cc] >= 0 ? xr[cm[cc]] : 0.0f;
                        if (c1 > c0) memcpy(dst + c0, xr + (c0 - s->pad), (c1 - c0) * sizeof *dst);
                        for (size_t cc = c1; cc < ncol; cc++) dst[cc] = cm[cc] >= 0 ? xr[cm[cc]] : 0.0f;
                    } else {
                        for (uint32_t ph = 0; ph < S; ph++)
                            for (size_t m = 0; m < PW; m++) {
                                const long ix = cm[m * S + ph];
                                dst[ph * PW + m] = ix >= 0 ? xr[ix] : 0.0f;
                            }
                    }
                }
            }
            float *yimg = y + (size_t)n * s->oc * op;
            for (uint32_t oy = oy0; oy < oy1; oy++) {
                taps->n = 0;
                for (uint32_t ky = 0; ky < k; ky++) {
                    const size_t r = (size_t)(oy - oy0) * S + ky;
                    if (riy[r] < 0) continue; /* the reference skips this row */
                    for (uint32_t kx = 0; kx < k; kx++) {
                        taps->off[taps->n] = (uint32_t)(r * rowf + (kx % S) * PW + kx / S);
                        taps->widx[taps->n] = ky * k + kx;
                        taps->n++;
                    }
                }
                float *yrow = yimg + (size_t)oy * s->ow;
                if (s->ow >= vw)
                    vrow(&c, taps, yrow);
                else
                    conv_row_s(&c, taps, yrow);
            }
        }
        free(buf);
        free(riy);
        free(taps);
    }
    free(cm);
    return fail ? MC_ERR_NOMEM : MC_OK;
}

int mc_nn_ref_conv_fwd_with(int isa, int threads, const mc_nn_conv_shape *s, const float *x, const float *w,
                            const float *b, float *y) {
    if (isa == MC_NN_REF_PLAIN) return conv_fwd_plain(s, x, w, b, y);
    return conv_fwd_tiled(s, x, w, b, y, isa == MC_NN_REF_AUTO ? best_isa() : isa, threads);
}

static int ref_conv_fwd(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                        float *ws) {
    (void)ws;
    return conv_fwd_tiled(s, x, w, b, y, best_isa(), 0);
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
