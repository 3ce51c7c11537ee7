/*
 * nn_fast.c - the fast backend: convolution as im2col + OpenBLAS sgemm (the
 * Darknet way), linear layers as sgemm, OpenMP over the images of a batch.
 * Every other kernel is the reference one.  Not bit-reproducible (OpenBLAS
 * picks its kernels by CPU, and the thread count changes the order of the
 * weight-gradient sums); tests/unit/test_nn_backend.c checks it against the
 * reference kernels within a tolerance.
 *
 * Memory: the column matrix of one image is built a band of output rows at a
 * time (at most MC_FAST_CHUNK floats), so a 512x512 image with 64 channels
 * does not need a 600 MB buffer; each thread has its own band.
 */
#include "nn/nn.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define MC_FAST_CHUNK ((size_t)4 << 20) /* floats per column band (16 MiB) */

int mc_nn_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

static inline int fast_tid(void) {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static size_t kdim(const mc_nn_conv_shape *s) { return (size_t)s->ic * s->k * s->k; }

/* Output rows per band. */
static uint32_t band_rows(const mc_nn_conv_shape *s) {
    size_t per_row = kdim(s) * s->ow;
    size_t r = per_row ? MC_FAST_CHUNK / per_row : s->oh;
    if (r < 1) r = 1;
    if (r > s->oh) r = s->oh;
    return (uint32_t)r;
}

static int is_pointwise(const mc_nn_conv_shape *s) { return s->k == 1 && s->stride == 1 && s->pad == 0; }

/* per-thread floats: column band + gradient band + dW partial + db partial */
static size_t thread_ws(const mc_nn_conv_shape *s) {
    size_t band = kdim(s) * band_rows(s) * s->ow;
    return 2 * band + (size_t)s->oc * kdim(s) + s->oc;
}

/* Threads over the batch: one for small convolutions (a parallel region
 * costs more than it saves, and a busy core stalls the other at the barrier). */
static int fast_batch_threads(const mc_nn_conv_shape *s) {
    const double macs = (double)s->n * s->oc * s->oh * s->ow * (double)kdim(s);
    if (macs < 16e6) return 1;
    int t = mc_nn_threads();
    if (t < 1) t = 1;
    if ((uint32_t)t > s->n) t = (int)s->n;
    return t;
}

static size_t fast_conv_ws(const mc_nn_conv_shape *s) { return (size_t)mc_nn_threads() * thread_ws(s); }

static inline long pad_idx(long i, long n, mc_nn_pad pm) {
    if (i >= 0 && i < n) return i;
    if (pm == MC_NN_PAD_ZERO) return -1;
    if (i < 0) i = -i;
    if (i >= n) i = 2 * n - 2 - i;
    return (i >= 0 && i < n) ? i : -1;
}

/* col[(c k + ky) k + kx][(oy - oy0) ow + ox] for oy in [oy0, oy1) */
static void im2col(const mc_nn_conv_shape *s, const float *x, uint32_t oy0, uint32_t oy1, float *col) {
    const size_t ip = (size_t)s->ih * s->iw, ncol = (size_t)(oy1 - oy0) * s->ow;
    for (uint32_t c = 0; c < s->ic; c++)
        for (uint32_t ky = 0; ky < s->k; ky++)
            for (uint32_t kx = 0; kx < s->k; kx++) {
                float *row = col + (((size_t)c * s->k + ky) * s->k + kx) * ncol;
                const float *xp = x + c * ip;
                for (uint32_t oy = oy0; oy < oy1; oy++) {
                    long iy = pad_idx((long)oy * s->stride - (long)s->pad + (long)ky, (long)s->ih, s->pad_mode);
                    float *r = row + (size_t)(oy - oy0) * s->ow;
                    if (iy < 0) {
                        memset(r, 0, s->ow * sizeof *r);
                        continue;
                    }
                    const float *xr = xp + (size_t)iy * s->iw;
                    long base = -(long)s->pad + (long)kx;
                    if (s->stride == 1) {
                        /* interior: ix = ox + base in range */
                        long lo = base < 0 ? -base : 0, hi = (long)s->iw - base;
                        if (hi > (long)s->ow) hi = (long)s->ow;
                        if (lo > hi) lo = hi;
                        for (long ox = 0; ox < lo; ox++) {
                            long ix = pad_idx(ox + base, (long)s->iw, s->pad_mode);
                            r[ox] = ix < 0 ? 0.0f : xr[ix];
                        }
                        if (hi > lo) memcpy(r + lo, xr + lo + base, (size_t)(hi - lo) * sizeof *r);
                        for (long ox = hi; ox < (long)s->ow; ox++) {
                            long ix = pad_idx(ox + base, (long)s->iw, s->pad_mode);
                            r[ox] = ix < 0 ? 0.0f : xr[ix];
                        }
                    } else {
                        for (uint32_t ox = 0; ox < s->ow; ox++) {
                            long ix = pad_idx((long)ox * s->stride + base, (long)s->iw, s->pad_mode);
                            r[ox] = ix < 0 ? 0.0f : xr[ix];
                        }
                    }
                }
            }
}

/* dx += col2im(col) for the band [oy0, oy1) */
static void col2im(const mc_nn_conv_shape *s, const float *col, uint32_t oy0, uint32_t oy1, float *dx) {
    const size_t ip = (size_t)s->ih * s->iw, ncol = (size_t)(oy1 - oy0) * s->ow;
    for (uint32_t c = 0; c < s->ic; c++)
        for (uint32_t ky = 0; ky < s->k; ky++)
            for (uint32_t kx = 0; kx < s->k; kx++) {
                const float *row = col + (((size_t)c * s->k + ky) * s->k + kx) * ncol;
                float *xp = dx + c * ip;
                for (uint32_t oy = oy0; oy < oy1; oy++) {
                    long iy = pad_idx((long)oy * s->stride - (long)s->pad + (long)ky, (long)s->ih, s->pad_mode);
                    if (iy < 0) continue;
                    const float *r = row + (size_t)(oy - oy0) * s->ow;
                    float *xr = xp + (size_t)iy * s->iw;
                    for (uint32_t ox = 0; ox < s->ow; ox++) {
                        long ix = pad_idx((long)ox * s->stride - (long)s->pad + (long)kx, (long)s->iw, s->pad_mode);
                        if (ix >= 0) xr[ix] += r[ox];
                    }
                }
            }
}

static void conv_fwd_image(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                           float *col) {
    const size_t op = (size_t)s->oh * s->ow, K = kdim(s);
    if (is_pointwise(s)) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)s->oc, (int)op, (int)K, 1.0f, w, (int)K, x,
                    (int)op, 0.0f, y, (int)op);
    } else {
        const uint32_t br = band_rows(s);
        for (uint32_t oy0 = 0; oy0 < s->oh; oy0 += br) {
            uint32_t oy1 = oy0 + br > s->oh ? s->oh : oy0 + br;
            size_t nc = (size_t)(oy1 - oy0) * s->ow;
            im2col(s, x, oy0, oy1, col);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)s->oc, (int)nc, (int)K, 1.0f, w, (int)K,
                        col, (int)nc, 0.0f, y + (size_t)oy0 * s->ow, (int)op);
        }
    }
    if (b)
        for (uint32_t oc = 0; oc < s->oc; oc++) {
            float *yp = y + (size_t)oc * op;
            for (size_t i = 0; i < op; i++) yp[i] += b[oc];
        }
}

static int fast_conv_fwd(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                         float *ws) {
    const size_t ip = (size_t)s->ic * s->ih * s->iw, op = (size_t)s->oc * s->oh * s->ow, tw = thread_ws(s);
    const int nt = fast_batch_threads(s);
    (void)nt;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nt)
#endif
    for (long n = 0; n < (long)s->n; n++)
        conv_fwd_image(s, x + (size_t)n * ip, w, b, y + (size_t)n * op, ws + (size_t)fast_tid() * tw);
    return MC_OK;
}

static int fast_conv_bwd(const mc_nn_conv_shape *s, const float *x, const float *w, const float *dy, float *dx,
                         float *dw, float *db, float *ws) {
    const size_t ip = (size_t)s->ic * s->ih * s->iw, op1 = (size_t)s->oh * s->ow, op = s->oc * op1;
    const size_t K = kdim(s), tw = thread_ws(s), band = K * band_rows(s) * s->ow;
    const int nt = fast_batch_threads(s);
    for (int t = 0; t < nt; t++) memset(ws + (size_t)t * tw + 2 * band, 0, ((size_t)s->oc * K + s->oc) * sizeof(float));
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nt)
#endif
    for (long n = 0; n < (long)s->n; n++) {
        float *tws = ws + (size_t)fast_tid() * tw;
        float *col = tws, *dcol = tws + band, *pdw = tws + 2 * band, *pdb = pdw + (size_t)s->oc * K;
        const float *xn = x + (size_t)n * ip, *g = dy + (size_t)n * op;
        float *dxn = dx ? dx + (size_t)n * ip : NULL;
        for (uint32_t oc = 0; oc < s->oc; oc++) {
            const float *gp = g + (size_t)oc * op1;
            float acc = 0;
            for (size_t i = 0; i < op1; i++) acc += gp[i];
            pdb[oc] += acc;
        }
        if (is_pointwise(s)) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)s->oc, (int)K, (int)op1, 1.0f, g, (int)op1,
                        xn, (int)op1, 1.0f, pdw, (int)K);
            if (dxn)
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)op1, (int)s->oc, 1.0f, w, (int)K,
                            g, (int)op1, 1.0f, dxn, (int)op1);
            continue;
        }
        const uint32_t br = band_rows(s);
        for (uint32_t oy0 = 0; oy0 < s->oh; oy0 += br) {
            uint32_t oy1 = oy0 + br > s->oh ? s->oh : oy0 + br;
            size_t nc = (size_t)(oy1 - oy0) * s->ow;
            const float *gb = g + (size_t)oy0 * s->ow;
            im2col(s, xn, oy0, oy1, col);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)s->oc, (int)K, (int)nc, 1.0f, gb, (int)op1,
                        col, (int)nc, 1.0f, pdw, (int)K);
            if (dxn) {
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)nc, (int)s->oc, 1.0f, w, (int)K,
                            gb, (int)op1, 0.0f, dcol, (int)nc);
                col2im(s, dcol, oy0, oy1, dxn);
            }
        }
    }
    for (int t = 0; t < nt; t++) {
        const float *pdw = ws + (size_t)t * tw + 2 * band, *pdb = pdw + (size_t)s->oc * K;
        for (size_t i = 0; i < (size_t)s->oc * K; i++) dw[i] += pdw[i];
        if (db)
            for (uint32_t oc = 0; oc < s->oc; oc++) db[oc] += pdb[oc];
    }
    return MC_OK;
}

static void fast_linear_fwd(size_t n, size_t in, size_t out, const float *x, const float *w, const float *b,
                            float *y) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)out, (int)in, 1.0f, x, (int)in, w, (int)in,
                0.0f, y, (int)out);
    if (b)
        for (size_t i = 0; i < n; i++)
            for (size_t o = 0; o < out; o++) y[i * out + o] += b[o];
}

static void fast_linear_bwd(size_t n, size_t in, size_t out, const float *x, const float *w, const float *dy,
                            float *dx, float *dw, float *db) {
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)in, (int)out, 1.0f, dy, (int)out, w,
                    (int)in, 1.0f, dx, (int)in);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)in, (int)n, 1.0f, dy, (int)out, x, (int)in,
                1.0f, dw, (int)in);
    if (db)
        for (size_t i = 0; i < n; i++)
            for (size_t o = 0; o < out; o++) db[o] += dy[i * out + o];
}

/* ------------------------------------------------ transposed convolution
 *
 * The transposed convolution s is the data gradient of the convolution cs
 * from s's output to its input with the same weight (ic, oc, k, k): forward
 * = col2im(W^T X), data gradient = W im2col(dY), weight gradient
 * X im2col(dY)^T; bands of cs's output rows (s's input rows). */

static mc_nn_conv_shape deconv_as_conv(const mc_nn_conv_shape *s) {
    mc_nn_conv_shape c = {1, s->oc, s->oh, s->ow, s->ic, s->ih, s->iw, s->k, s->stride, s->pad, MC_NN_PAD_ZERO};
    return c;
}

static int fast_deconv_fwd(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y) {
    const mc_nn_conv_shape cs = deconv_as_conv(s);
    const size_t K = kdim(&cs), ihw = (size_t)s->ih * s->iw, op = (size_t)s->oh * s->ow;
    const uint32_t br = band_rows(&cs);
    float *col = malloc(K * br * s->iw * sizeof *col);
    if (!col) return MC_ERR_NOMEM;
    for (uint32_t n = 0; n < s->n; n++) {
        const float *xn = x + (size_t)n * s->ic * ihw;
        float *yn = y + (size_t)n * s->oc * op;
        memset(yn, 0, (size_t)s->oc * op * sizeof *yn);
        for (uint32_t r0 = 0; r0 < s->ih; r0 += br) {
            const uint32_t r1 = r0 + br > s->ih ? s->ih : r0 + br;
            const size_t nc = (size_t)(r1 - r0) * s->iw;
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)nc, (int)s->ic, 1.0f, w, (int)K,
                        xn + (size_t)r0 * s->iw, (int)ihw, 0.0f, col, (int)nc);
            col2im(&cs, col, r0, r1, yn);
        }
        if (b)
            for (uint32_t oc = 0; oc < s->oc; oc++)
                for (size_t i = 0; i < op; i++) yn[(size_t)oc * op + i] += b[oc];
    }
    free(col);
    return MC_OK;
}

static int fast_deconv_bwd(const mc_nn_conv_shape *s, const float *x, const float *w, const float *dy, float *dx,
                           float *dw, float *db) {
    const mc_nn_conv_shape cs = deconv_as_conv(s);
    const size_t K = kdim(&cs), ihw = (size_t)s->ih * s->iw, op = (size_t)s->oh * s->ow;
    const uint32_t br = band_rows(&cs);
    float *col = malloc(K * br * s->iw * sizeof *col);
    if (!col) return MC_ERR_NOMEM;
    for (uint32_t n = 0; n < s->n; n++) {
        const float *xn = x + (size_t)n * s->ic * ihw, *g = dy + (size_t)n * s->oc * op;
        if (db)
            for (uint32_t oc = 0; oc < s->oc; oc++) {
                float acc = 0;
                for (size_t i = 0; i < op; i++) acc += g[(size_t)oc * op + i];
                db[oc] += acc;
            }
        for (uint32_t r0 = 0; r0 < s->ih; r0 += br) {
            const uint32_t r1 = r0 + br > s->ih ? s->ih : r0 + br;
            const size_t nc = (size_t)(r1 - r0) * s->iw;
            im2col(&cs, g, r0, r1, col);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)s->ic, (int)K, (int)nc, 1.0f,
                        xn + (size_t)r0 * s->iw, (int)ihw, col, (int)nc, 1.0f, dw, (int)K);
            if (dx)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)s->ic, (int)nc, (int)K, 1.0f, w, (int)K,
                            col, (int)nc, 1.0f, dx + (size_t)n * s->ic * ihw + (size_t)r0 * s->iw, (int)ihw);
        }
    }
    free(col);
    return MC_OK;
}

static const mc_nn_backend backend_fast = {
    .name = "fast",
    .deterministic = 0,
    .conv_ws = fast_conv_ws,
    .conv_fwd = fast_conv_fwd,
    .conv_bwd = fast_conv_bwd,
    .linear_fwd = fast_linear_fwd,
    .linear_bwd = fast_linear_bwd,
    .act_fwd = mc_nn_ref_act_fwd,
    .act_bwd = mc_nn_ref_act_bwd,
    .norm_fwd = mc_nn_ref_norm_fwd,
    .norm_bwd = mc_nn_ref_norm_bwd,
    .gap_fwd = mc_nn_ref_gap_fwd,
    .gmp_fwd = mc_nn_ref_gmp_fwd,
    .upsample_fwd = mc_nn_ref_upsample_fwd,
    .upsample_bwd = mc_nn_ref_upsample_bwd,
    .deconv_fwd = fast_deconv_fwd,
    .deconv_bwd = fast_deconv_bwd,
};

const mc_nn_backend *mc_nn_backend_find(const char *name) {
    if (!name || !strcmp(name, "ref")) return &mc_nn_backend_ref;
    if (!strcmp(name, "fast")) return &backend_fast;
    return NULL;
}
