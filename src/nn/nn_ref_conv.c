/*
 * nn_ref_conv.c - the reference convolutions: forward (tiled, vectorised,
 * on the engine's threads), transposed, and their gradients.  As every
 * reference kernel (nn_ref.c) they compute the same bytes on every compiler,
 * optimisation level, vector width, thread count and machine.
 *
 * Summation orders (the contract; the fast backend does not keep them):
 *   conv:   y = (sum over ic, then ky, then kx, ascending, of w * x, in float,
 *           starting from 0; zero-padded taps skipped) + bias
 *   deconv: the conv above, stride 1, over the input dilated by the stride
 *           (stride - 1 zeros between samples), padded by k - 1 - pad
 *           (bottom and right: + the output padding), with the kernel
 *           flipped and transposed (wf[oc][ic][ky][kx] =
 *           w[ic][oc][k-1-ky][k-1-kx]); taps on the inserted zeros and the
 *           padding skipped
 * Gradients (training only) are summed in double, ascending.
 *
 * How it is fast anyway (docs/nn.md, "The reference path, fast"): the
 * contract fixes each output's own chain of operations, not which outputs
 * are computed together.  The forward convolution keeps strips of outputs
 * (up to 4 output channels x up to 8 vectors of 4, 8 or 16 lanes along x)
 * in registers and runs each lane's chain in the contract's order, on a
 * buffer of padded, stride-phase-split input rows per tile (an image and a
 * band of output rows, sized for L2); tiles go to the engine's threads
 * (nn_workers.c), each output to exactly one of them.  The kernel set
 * (1-lane, portable 4-lane, AVX2, AVX-512) is chosen by the CPU-feature
 * module (src/core/cpu.h, MEDCRYPT_CPU).  Never reassociate a sum here,
 * never build without -ffp-contract=off, never with -ffast-math.
 */
#include "core/cpu.h"
#include "nn/ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF /* as -ffp-contract=off, for builds that forget it (gcc's ISO C modes default to off) */
#endif

/* For output column ox and kernel column kx: input column, -1 = zero. */
long *mc_nn_ref_column_map(const mc_nn_conv_shape *s) {
    size_t n = (size_t)s->k * s->ow;
    long *m = malloc((n ? n : 1) * sizeof *m);
    if (!m) return NULL;
    for (uint32_t kx = 0; kx < s->k; kx++)
        for (uint32_t ox = 0; ox < s->ow; ox++)
            m[(size_t)kx * s->ow + ox] =
                mc_nn_pad_index((long)ox * s->stride - (long)s->pad + (long)kx, (long)s->iw, s->pad_mode);
    return m;
}

size_t mc_nn_ref_conv_ws(const mc_nn_conv_shape *s) {
    (void)s;
    return 0;
}

/* The contract's loop as written: per output channel, y from 0, then for ic,
 * ky, kx ascending y += w * x over every output of the plane (zero-padded
 * taps skipped), then + bias.  Used when a weight is not finite (see below). */
int mc_nn_ref_conv_plain(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y) {
    long *cmap = mc_nn_ref_column_map(s);
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
                            long iy = mc_nn_pad_index((long)oy * s->stride - (long)s->pad + (long)ky, (long)s->ih,
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
 * would make w * 0 a NaN, so convolutions with one take the plain loop. */

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
        if (!mc_cpu_has(MC_CPU_AVX2)) return NULL;
        *width = 8;
        return conv_row_avx2;
    case MC_NN_REF_AVX512:
        if (!mc_cpu_has(MC_CPU_AVX512F)) return NULL;
        *width = 16;
        return conv_row_avx512;
#endif
    default: return NULL;
    }
}


int mc_nn_ref_isa_ok(int isa) {
    uint32_t wd;
    return row_kernel(isa, &wd) != NULL;
}

int mc_nn_ref_best_isa(void) {
    if (mc_nn_ref_isa_ok(MC_NN_REF_AVX512)) return MC_NN_REF_AVX512;
    if (mc_nn_ref_isa_ok(MC_NN_REF_AVX2)) return MC_NN_REF_AVX2;
    if (mc_nn_ref_isa_ok(MC_NN_REF_VEC4)) return MC_NN_REF_VEC4;
    return MC_NN_REF_SCALAR;
}

#define MC_REF_BAND_FLOATS ((size_t)1 << 17) /* tile buffer target: 512 KiB, within L2 */
#define MC_REF_MT_MACS 2e6                   /* smaller convolutions run on one thread */

/* How a convolution is cut into tiles (one image, bh output rows) for nt threads. */
typedef struct tiling {
    size_t PW, ncol, rowf;  /* columns per stride phase; per band row of a channel */
    size_t bh, nbands, ntiles, maxrows, icstride, buf_floats;
} tiling;

static void tiling_of(const mc_nn_conv_shape *s, int nt, tiling *g) {
    const uint32_t S = s->stride, k = s->k;
    g->PW = (size_t)s->ow + (k - 1) / S;
    g->ncol = (size_t)S * g->PW;
    g->rowf = g->ncol;
    /* band height: the buffer within MC_REF_BAND_FLOATS when it can be */
    size_t rows_fit = MC_REF_BAND_FLOATS / ((size_t)s->ic * g->rowf);
    size_t bh = rows_fit > k ? (rows_fit - k) / S + 1 : 1;
    if (bh > s->oh) bh = s->oh;
    /* at least 4 tiles per thread when threaded (dynamic scheduling evens out) */
    while (nt > 1 && bh > 1 && (size_t)s->n * ((s->oh + bh - 1) / bh) < 4u * (size_t)nt) bh = (bh + 1) / 2;
    g->bh = bh;
    g->nbands = (s->oh + bh - 1) / bh;
    g->ntiles = (size_t)s->n * g->nbands;
    g->maxrows = (bh - 1) * S + k;
    g->icstride = g->maxrows * g->rowf;
    g->buf_floats = (size_t)s->ic * g->icstride;
}

/* A thread's workspace: input buffer | rows' input row indices | taps | the
 * hook's output row (oc x ow), each 64-byte aligned. */
static size_t al64(size_t b) { return (b + 63) & ~(size_t)63; }

static size_t ws_bytes(const tiling *g, const mc_nn_conv_shape *s, int hook) {
    return al64(g->buf_floats * sizeof(float)) + al64(g->maxrows * sizeof(long)) + al64(sizeof(conv_taps)) +
           (hook ? al64((size_t)s->oc * s->ow * sizeof(float)) : 0);
}

size_t mc_nn_ref_conv_thread_bytes(const mc_nn_conv_shape *s, int with_hook) {
    tiling g;
    tiling_of(s, 1, &g); /* one thread: the tallest bands, the largest buffers */
    return ws_bytes(&g, s, with_hook);
}

/* What every tile of one run shares. */
typedef struct tiled_job {
    const mc_nn_conv_run *r;
    tiling g;
    conv_ctx c;        /* buf: set per thread */
    conv_row_fn vrow;
    uint32_t vw;
    size_t c0, c1;     /* stride 1: padded columns [c0, c1) are the row itself */
    const long *cm;    /* input column of padded column c (-1: zero) */
    void *const *ws;   /* per thread */
} tiled_job;

/* One tile: image n, output rows [oy0, oy1). */
static void tile_run(void *ctx, size_t ti, int t) {
    const tiled_job *j = ctx;
    const mc_nn_conv_run *r = j->r;
    const mc_nn_conv_shape *s = r->s;
    const uint32_t S = s->stride, k = s->k;
    uint8_t *base = j->ws[t];
    float *buf = (float *)base;
    base += al64(j->g.buf_floats * sizeof(float));
    long *riy = (long *)base;
    base += al64(j->g.maxrows * sizeof(long));
    conv_taps *taps = (conv_taps *)base;
    float *rowbuf = (float *)(base + al64(sizeof(conv_taps)));
    conv_ctx c = j->c;
    c.buf = buf;
    const size_t ip = (size_t)s->ih * s->iw, op = (size_t)s->oh * s->ow, rowf = j->g.rowf, PW = j->g.PW;
    const size_t icstride = c.icstride;
    const uint32_t n = (uint32_t)(ti / j->g.nbands);
    const uint32_t oy0 = (uint32_t)(ti % j->g.nbands * j->g.bh);
    const uint32_t oy1 = oy0 + j->g.bh < s->oh ? oy0 + (uint32_t)j->g.bh : s->oh;
    const size_t nrows = (size_t)(oy1 - oy0 - 1) * S + k;
    for (size_t rr = 0; rr < nrows; rr++)
        riy[rr] = mc_nn_pad_index((long)oy0 * S + (long)rr - (long)s->pad, (long)s->ih, s->pad_mode);
    /* the band's input rows, padded and phase split */
    for (uint32_t ic = 0; ic < s->ic; ic++) {
        const float *xp = r->x + ((size_t)n * s->ic + ic) * ip;
        for (size_t rr = 0; rr < nrows; rr++) {
            if (riy[rr] < 0) continue; /* never read */
            const float *xr = xp + (size_t)riy[rr] * s->iw;
            float *dst = buf + ic * icstride + rr * rowf;
            const long *cm = j->cm;
            if (S == 1) {
                for (size_t cc = 0; cc < j->c0; cc++) dst[cc] = cm[cc] >= 0 ? xr[cm[cc]] : 0.0f;
                if (j->c1 > j->c0) memcpy(dst + j->c0, xr + (j->c0 - s->pad), (j->c1 - j->c0) * sizeof *dst);
                for (size_t cc = j->c1; cc < j->g.ncol; cc++) dst[cc] = cm[cc] >= 0 ? xr[cm[cc]] : 0.0f;
            } else {
                for (uint32_t ph = 0; ph < S; ph++)
                    for (size_t m = 0; m < PW; m++) {
                        const long ix = cm[m * S + ph];
                        dst[ph * PW + m] = ix >= 0 ? xr[ix] : 0.0f;
                    }
            }
        }
    }
    float *yimg = r->y ? r->y + (size_t)n * s->oc * op : NULL;
    for (uint32_t oy = oy0; oy < oy1; oy++) {
        taps->n = 0;
        for (uint32_t ky = 0; ky < k; ky++) {
            const size_t rr = (size_t)(oy - oy0) * S + ky;
            if (riy[rr] < 0) continue; /* the reference skips this row */
            for (uint32_t kx = 0; kx < k; kx++) {
                taps->off[taps->n] = (uint32_t)(rr * rowf + (kx % S) * PW + kx / S);
                taps->widx[taps->n] = ky * k + kx;
                taps->n++;
            }
        }
        float *yrow = r->hook ? rowbuf : yimg + (size_t)oy * s->ow;
        if (s->ow >= j->vw)
            j->vrow(&c, taps, yrow);
        else
            conv_row_s(&c, taps, yrow);
        if (r->hook) r->hook(r->hook_ctx, n, oy, rowbuf, t);
    }
}

int mc_nn_ref_conv_exec(const mc_nn_conv_run *r, mc_nn_workers *wk) {
    const mc_nn_conv_shape *s = r->s;
    tiled_job j;
    memset(&j, 0, sizeof j);
    j.r = r;
    j.vrow = row_kernel(r->isa, &j.vw);
    if (!j.vrow) return MC_ERR_UNSUPPORTED;
    if (!s->n || !s->oc || !s->oh || !s->ow) return MC_OK;
    const size_t kk = (size_t)s->k * s->k;
    const double macs = (double)s->n * s->oc * s->oh * s->ow * (double)s->ic * (double)kk;
    const int avail = mc_nn_workers_count(wk);
    int nt = r->threads > 0 ? r->threads : (macs < MC_REF_MT_MACS ? 1 : avail);
    if (nt > avail) nt = avail;
    if (nt < 1) nt = 1;
    tiling_of(s, nt, &j.g);
    if ((size_t)nt > j.g.ntiles) nt = (int)j.g.ntiles;
    const size_t op = r->hook ? s->ow : (size_t)s->oh * s->ow; /* output channel stride */
    conv_ctx c = {s->ic, s->oc, s->ow, kk, (size_t)s->ic * kk, op, j.g.icstride, NULL, r->w, r->b};
    j.c = c;
    long *cm = malloc(j.g.ncol * sizeof *cm);
    void **own = NULL;
    int rc = MC_OK;
    if (!cm) return MC_ERR_NOMEM;
    for (size_t cc = 0; cc < j.g.ncol; cc++) cm[cc] = mc_nn_pad_index((long)cc - (long)s->pad, (long)s->iw, s->pad_mode);
    j.cm = cm;
    j.c0 = s->pad < j.g.ncol ? s->pad : j.g.ncol;
    j.c1 = (size_t)s->pad + s->iw < j.g.ncol ? (size_t)s->pad + s->iw : j.g.ncol;
    if (r->thread_ws) {
        j.ws = r->thread_ws;
    } else {
        own = calloc((size_t)nt, sizeof *own);
        const size_t bytes = ws_bytes(&j.g, s, r->hook != NULL);
        for (int t = 0; own && t < nt; t++)
            if (!(own[t] = aligned_alloc(64, bytes))) rc = MC_ERR_NOMEM;
        if (!own) rc = MC_ERR_NOMEM;
        j.ws = own;
    }
    if (!rc) mc_nn_workers_run(wk, j.g.ntiles, nt, tile_run, &j);
    for (int t = 0; own && t < nt; t++) free(own[t]);
    free(own);
    free(cm);
    return rc;
}

int mc_nn_ref_conv_tiled(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y, int isa,
                         mc_nn_workers *wk, int threads) {
    if (!mc_nn_ref_isa_ok(isa)) return MC_ERR_UNSUPPORTED;
    const size_t kk = (size_t)s->k * s->k;
    for (size_t i = 0; i < (size_t)s->oc * s->ic * kk; i++)
        if (!(w[i] - w[i] == 0.0f)) return mc_nn_ref_conv_plain(s, x, w, b, y);
    if (!s->n || !s->oc || !s->oh || !s->ow) return MC_OK;
    /* shapes no layer has: no input channel, kernel or stride out of range */
    if (!s->ic || !s->k || s->k > MC_NN_MAX_KERNEL || !s->stride) return mc_nn_ref_conv_plain(s, x, w, b, y);
    mc_nn_conv_run r = {s, x, w, b, y, isa, threads, NULL, NULL, NULL};
    return mc_nn_ref_conv_exec(&r, wk);
}

/* A pool of `threads` threads for one call (tests and benchmarks), NULL
 * for one thread or when the threads cannot be made. */
mc_nn_workers *mc_nn_ref_call_workers(int threads) {
    mc_nn_workers *wk = NULL;
    if (threads == 0) threads = mc_nn_default_threads();
    if (threads > 1 && mc_nn_workers_new(&wk, threads, NULL)) wk = NULL;
    return wk;
}

int mc_nn_ref_conv_fwd_with(int isa, int threads, const mc_nn_conv_shape *s, const float *x, const float *w,
                            const float *b, float *y) {
    if (isa == MC_NN_REF_PLAIN) return mc_nn_ref_conv_plain(s, x, w, b, y);
    mc_nn_workers *wk = mc_nn_ref_call_workers(threads);
    int rc = mc_nn_ref_conv_tiled(s, x, w, b, y, isa == MC_NN_REF_AUTO ? mc_nn_ref_best_isa() : isa, wk, threads);
    mc_nn_workers_free(wk);
    return rc;
}

int mc_nn_ref_conv_fwd(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                       float *ws) {
    (void)ws;
    return mc_nn_ref_conv_tiled(s, x, w, b, y, mc_nn_ref_best_isa(), NULL, 1);
}

int mc_nn_ref_conv_fwd_mt(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                          mc_nn_workers *wk) {
    return mc_nn_ref_conv_tiled(s, x, w, b, y, mc_nn_ref_best_isa(), wk, 0);
}
