/*
 * nn_ref_convgrad.c - the reference convolution's gradients and the
 * transposed convolution (forward and gradients).  The forward convolution
 * is nn_ref_conv.c; the contracts (summation orders) are written there.
 * Gradients (training only) are summed in double.
 */
#include "nn/ref.h"

#include <stdlib.h>
#include <string.h>
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF /* as -ffp-contract=off, for builds that forget it */
#endif

/* db[oc] += sum over the batch and the plane of dy, in double, ascending */
static void bias_grad(const mc_nn_conv_shape *s, const float *dy, float *db) {
    const size_t op = (size_t)s->oh * s->ow;
    for (uint32_t oc = 0; oc < s->oc; oc++) {
        double acc = 0;
        for (uint32_t n = 0; n < s->n; n++) {
            const float *g = dy + ((size_t)n * s->oc + oc) * op;
            for (size_t i = 0; i < op; i++) acc += g[i];
        }
        db[oc] += (float)acc;
    }
}

int mc_nn_ref_conv_bwd(const mc_nn_conv_shape *s, const float *x, const float *w, const float *dy, float *dx,
                       float *dw, float *db, float *ws) {
    (void)ws;
    long *cmap = mc_nn_ref_column_map(s);
    if (!cmap) return MC_ERR_NOMEM;
    const size_t ip = (size_t)s->ih * s->iw, op = (size_t)s->oh * s->ow, kk = (size_t)s->k * s->k;
    if (db) bias_grad(s, dy, db);
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
                            long iy = mc_nn_pad_index((long)oy * s->stride - (long)s->pad + (long)ky, (long)s->ih,
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
                                long iy = mc_nn_pad_index((long)oy * s->stride - (long)s->pad + (long)ky,
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


/* ------------------------------------------------- transposed convolution
 *
 * s describes the forward pass: x (n, ic, ih, iw) -> y (n, oc, oh, ow), w
 * (ic, oc, k, k); oh = (ih - 1) stride - 2 pad + k + output padding. */

/* output padding of s (0 .. stride - 1 for a layer's shape) */
static long deconv_outpad(const mc_nn_conv_shape *s) {
    return (long)s->oh + 2L * s->pad - (long)s->k - ((long)s->ih - 1) * s->stride;
}

/* The contract as written: per output channel, y from 0, then for ic, the
 * flipped kernel's rows and columns ascending, y += w * x over every output
 * whose tap lands on an input sample, then + bias. */
static int deconv_fwd_plain(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y) {
    const size_t ip = (size_t)s->ih * s->iw, op = (size_t)s->oh * s->ow, kk = (size_t)s->k * s->k;
    const long S = s->stride, lead = (long)s->k - 1 - (long)s->pad; /* padding of the dilated input */
    if (!S) return MC_ERR_ARG;
    for (uint32_t n = 0; n < s->n; n++)
        for (uint32_t oc = 0; oc < s->oc; oc++) {
            float *yp = y + ((size_t)n * s->oc + oc) * op;
            memset(yp, 0, op * sizeof *yp);
            for (uint32_t ic = 0; ic < s->ic; ic++) {
                const float *xp = x + ((size_t)n * s->ic + ic) * ip;
                const float *wp = w + ((size_t)ic * s->oc + oc) * kk;
                for (uint32_t fy = 0; fy < s->k; fy++)
                    for (uint32_t fx = 0; fx < s->k; fx++) {
                        const float wv = wp[(size_t)(s->k - 1 - fy) * s->k + (s->k - 1 - fx)];
                        for (uint32_t oy = 0; oy < s->oh; oy++) {
                            const long dy = (long)oy + fy - lead; /* row of the dilated input */
                            if (dy < 0 || dy % S || dy / S >= (long)s->ih) continue;
                            const float *xr = xp + (size_t)(dy / S) * s->iw;
                            float *yr = yp + (size_t)oy * s->ow;
                            for (uint32_t ox = 0; ox < s->ow; ox++) {
                                const long dx = (long)ox + fx - lead;
                                if (dx < 0 || dx % S || dx / S >= (long)s->iw) continue;
                                yr[ox] += wv * xr[dx / S];
                            }
                        }
                    }
            }
            if (b)
                for (size_t i = 0; i < op; i++) yp[i] += b[oc];
        }
    return MC_OK;
}

/* The tiled convolution on the dilated input (the inserted zeros and the
 * bottom / right output padding as real zeros: w * 0 adds nothing to an
 * accumulator that is never -0, as in conv_fwd_tiled) with the flipped,
 * transposed kernel.  Non-finite weights: the contract's loop. */
static int deconv_fwd_tiled(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y,
                            int isa, mc_nn_workers *wk, int threads) {
    const size_t kk = (size_t)s->k * s->k, nw = (size_t)s->ic * s->oc * kk;
    const long op_ = deconv_outpad(s);
    if (!mc_nn_ref_isa_ok(isa)) return MC_ERR_UNSUPPORTED;
    if (!s->n || !s->oc || !s->oh || !s->ow) return MC_OK;
    if (s->pad_mode != MC_NN_PAD_ZERO || !s->k || !s->stride || s->pad >= s->k || op_ < 0 || op_ >= (long)s->stride)
        return MC_ERR_ARG;
    if (!s->ic || s->k > MC_NN_MAX_KERNEL) return deconv_fwd_plain(s, x, w, b, y);
    for (size_t i = 0; i < nw; i++)
        if (!(w[i] - w[i] == 0.0f)) return deconv_fwd_plain(s, x, w, b, y);
    const uint32_t S = s->stride;
    const size_t dh = ((size_t)s->ih - 1) * S + 1 + (size_t)op_, dw = ((size_t)s->iw - 1) * S + 1 + (size_t)op_;
    const size_t dplane = dh * dw, ip = (size_t)s->ih * s->iw;
    float *xd = calloc((size_t)s->n * s->ic * dplane, sizeof *xd), *wf = malloc(nw * sizeof *wf);
    int rc = MC_ERR_NOMEM;
    if (xd && wf) {
        for (size_t p = 0; p < (size_t)s->n * s->ic; p++)
            for (size_t iy = 0; iy < s->ih; iy++)
                for (size_t ix = 0; ix < s->iw; ix++) xd[p * dplane + iy * S * dw + ix * S] = x[p * ip + iy * s->iw + ix];
        for (uint32_t oc = 0; oc < s->oc; oc++)
            for (uint32_t ic = 0; ic < s->ic; ic++)
                for (size_t t = 0; t < kk; t++) wf[((size_t)oc * s->ic + ic) * kk + t] = w[((size_t)ic * s->oc + oc) * kk + kk - 1 - t];
        mc_nn_conv_shape cs = {s->n, s->ic, (uint32_t)dh, (uint32_t)dw, s->oc, s->oh, s->ow, s->k, 1, s->k - 1 - s->pad,
                               MC_NN_PAD_ZERO};
        rc = mc_nn_ref_conv_tiled(&cs, xd, wf, b, y, isa, wk, threads);
    }
    free(xd);
    free(wf);
    return rc;
}

int mc_nn_ref_deconv_fwd_with(int isa, int threads, const mc_nn_conv_shape *s, const float *x, const float *w,
                              const float *b, float *y) {
    if (isa == MC_NN_REF_PLAIN) return deconv_fwd_plain(s, x, w, b, y);
    mc_nn_workers *wk = mc_nn_ref_call_workers(threads);
    int rc = deconv_fwd_tiled(s, x, w, b, y, isa == MC_NN_REF_AUTO ? mc_nn_ref_best_isa() : isa, wk, threads);
    mc_nn_workers_free(wk);
    return rc;
}

int mc_nn_ref_deconv_fwd(const mc_nn_conv_shape *s, const float *x, const float *w, const float *b, float *y) {
    return deconv_fwd_tiled(s, x, w, b, y, mc_nn_ref_best_isa(), NULL, 1);
}

/* dx[n][ic][iy][ix] += sum over oc, ky, kx of w[ic][oc][ky][kx] dy[n][oc][oy][ox],
 * dw[ic][oc][ky][kx] += sum over n, iy, ix of x[n][ic][iy][ix] dy[n][oc][oy][ox],
 * oy = iy stride - pad + ky, ox = ix stride - pad + kx (inside the output);
 * db[oc] += sum of dy.  Sums in double, in one fixed loop order. */
int mc_nn_ref_deconv_bwd(const mc_nn_conv_shape *s, const float *x, const float *w, const float *dy, float *dx,
                         float *dw, float *db) {
    const size_t ip = (size_t)s->ih * s->iw, op = (size_t)s->oh * s->ow, kk = (size_t)s->k * s->k;
    const size_t nw = (size_t)s->ic * s->oc * kk, nx = (size_t)s->n * s->ic * ip;
    const long S = s->stride, P = s->pad;
    double *aw = calloc(nw ? nw : 1, sizeof *aw), *ax = calloc(dx && nx ? nx : 1, sizeof *ax);
    if (!aw || !ax) {
        free(aw);
        free(ax);
        return MC_ERR_NOMEM;
    }
    for (uint32_t n = 0; n < s->n; n++)
        for (uint32_t ic = 0; ic < s->ic; ic++)
            for (uint32_t oc = 0; oc < s->oc; oc++) {
                const float *xp = x + ((size_t)n * s->ic + ic) * ip, *wp = w + ((size_t)ic * s->oc + oc) * kk;
                const float *g = dy + ((size_t)n * s->oc + oc) * op;
                double *awp = aw + ((size_t)ic * s->oc + oc) * kk, *axp = ax + ((size_t)n * s->ic + ic) * ip;
                for (uint32_t iy = 0; iy < s->ih; iy++)
                    for (uint32_t ky = 0; ky < s->k; ky++) {
                        const long oy = (long)iy * S - P + ky;
                        if (oy < 0 || oy >= (long)s->oh) continue;
                        for (uint32_t ix = 0; ix < s->iw; ix++)
                            for (uint32_t kx = 0; kx < s->k; kx++) {
                                const long ox = (long)ix * S - P + kx;
                                if (ox < 0 || ox >= (long)s->ow) continue;
                                const double gv = g[(size_t)oy * s->ow + (size_t)ox];
                                const size_t t = (size_t)ky * s->k + kx, i = (size_t)iy * s->iw + ix;
                                awp[t] += (double)xp[i] * gv;
                                if (dx) axp[i] += (double)wp[t] * gv;
                            }
                    }
            }
    for (size_t i = 0; i < nw; i++) dw[i] += (float)aw[i];
    if (dx)
        for (size_t i = 0; i < nx; i++) dx[i] += (float)ax[i];
    if (db) bias_grad(s, dy, db);
    free(aw);
    free(ax);
    return MC_OK;
}
