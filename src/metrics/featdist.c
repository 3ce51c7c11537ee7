/* featdist.c - Frechet distance and kernel distance (KID) between two sets of
 * images over a fixed feature extractor shipped with medcrypt
 * (docs/schemes/edg-net.md, "Feature distances").
 *
 * FID and KID as published use Inception-v3 features (ImageNet weights); no
 * such network is available here (none is packaged for Debian), so the
 * extractor is "rc64": a fixed random convolutional network whose weights
 * come from the engine's generator with a constant seed, run on the engine's
 * reference kernels, so every build computes the same features.  Its
 * distances are comparable only with themselves: FD-rc64 and KID-rc64, never
 * "FID".  Random convolutional features with pooling respond to texture and
 * intensity statistics (edges, noise, flat regions), which is what
 * separates plain CT images from cipher images.
 *
 *   input: one plane scaled to [-1, 1] (levels / ((2^bits - 1) / 2) - 1)
 *   conv3x3 1->16 ReLU, conv3x3 stride 2 16->32 ReLU, conv3x3 stride 2
 *   32->32 ReLU, conv3x3 stride 2 32->32 ReLU (zero padding, no bias,
 *   weights uniform in +-sqrt(6 / fan-in), seed 0x7263363466656174)
 *   features: global average and global max pooling of the last layer (64)
 */
#include "medcrypt_lab.h"
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FEAT_SEED 0x7263363466656174ull /* "rc64feat" */

struct mc_featx {
    mc_nn_net *net;
    int gap, gmp;
};

int mc_featx_new(mc_featx **out, mc_err *err) {
    *out = NULL;
    mc_featx *f = calloc(1, sizeof *f);
    if (!f) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    uint64_t seed = FEAT_SEED;
    int rc = mc_nn_net_new(&f->net, "rc64", 1, 32, 32, err), a = MC_NN_IN_NET;
    static const uint32_t ch[4] = {16, 32, 32, 32}, st[4] = {1, 2, 2, 2};
    for (int i = 0; i < 4 && !rc; i++) {
        a = mc_nn_conv(f->net, a, ch[i], 3, st[i], 1, MC_NN_PAD_ZERO, 0, &seed, err);
        if (a >= 0) a = mc_nn_layer1(f->net, MC_NN_RELU, a, 0, err);
        if (a < 0) rc = a;
    }
    const int last = a;
    if (!rc && (f->gap = mc_nn_layer1(f->net, MC_NN_GAP, last, 0, err)) < 0) rc = f->gap;
    if (!rc && (f->gmp = mc_nn_layer1(f->net, MC_NN_GMP, last, 0, err)) < 0) rc = f->gmp;
    if (rc) {
        mc_featx_free(f);
        return rc;
    }
    *out = f;
    return MC_OK;
}

void mc_featx_free(mc_featx *f) {
    if (!f) return;
    mc_nn_net_free(f->net);
    free(f);
}

int mc_featx_compute(mc_featx *f, const mc_image *img, int channel, int slice, double feat[MC_FEAT_DIM], mc_err *err) {
    if (channel < 0 || channel >= img->channels || slice < 0 || (uint32_t)slice >= img->depth)
        return mc_err_set(err, MC_ERR_ARG, "features: one channel and one slice, please");
    if (img->width < 8 || img->height < 8) return mc_err_set(err, MC_ERR_ARG, "features: image smaller than 8x8");
    const size_t plane = (size_t)img->width * img->height;
    float *x = malloc(plane * sizeof *x);
    if (!x) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    const float half = (float)((1u << img->bits) - 1) * 0.5f;
    const size_t base = (size_t)slice * plane * img->channels;
    for (size_t i = 0; i < plane; i++) x[i] = (float)mc_level(img, base + i * img->channels + (size_t)channel) / half - 1.0f;
    int rc = mc_nn_net_resize(f->net, 1, img->height, img->width, err);
    if (!rc) rc = mc_nn_forward(f->net, x, err);
    free(x);
    if (rc) return rc;
    const mc_nn_layer *a = &f->net->layers[f->gap], *m = &f->net->layers[f->gmp];
    for (uint32_t c = 0; c < a->c; c++) {
        feat[c] = a->out[c];
        feat[a->c + c] = m->out[c];
    }
    return MC_OK;
}

/* ------------------------------------------------------- linear algebra */

/* Eigenvalues of the symmetric d x d matrix a (destroyed) by cyclic Jacobi
 * rotations; v (may be NULL) receives the eigenvectors as columns. */
static void jacobi(double *a, size_t d, double *ev, double *v) {
    if (v)
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++) v[i * d + j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, tot = 0;
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++) {
                tot += a[i * d + j] * a[i * d + j];
                if (i != j) off += a[i * d + j] * a[i * d + j];
            }
        if (off <= 1e-30 * (tot > 0 ? tot : 1)) break;
        for (size_t p = 0; p < d; p++)
            for (size_t q = p + 1; q < d; q++) {
                const double apq = a[p * d + q];
                if (fabs(apq) < 1e-300) continue;
                const double theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
                const double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                const double c = 1 / sqrt(t * t + 1), s = t * c;
                for (size_t k = 0; k < d; k++) { /* columns p, q */
                    const double akp = a[k * d + p], akq = a[k * d + q];
                    a[k * d + p] = c * akp - s * akq;
                    a[k * d + q] = s * akp + c * akq;
                }
                for (size_t k = 0; k < d; k++) { /* rows p, q */
                    const double apk = a[p * d + k], aqk = a[q * d + k];
                    a[p * d + k] = c * apk - s * aqk;
                    a[q * d + k] = s * apk + c * aqk;
                }
                if (v)
                    for (size_t k = 0; k < d; k++) {
                        const double vkp = v[k * d + p], vkq = v[k * d + q];
                        v[k * d + p] = c * vkp - s * vkq;
                        v[k * d + q] = s * vkp + c * vkq;
                    }
            }
    }
    for (size_t i = 0; i < d; i++) ev[i] = a[i * d + i];
}

static void mean_cov(const double *x, size_t n, size_t d, double *mu, double *cov) {
    for (size_t j = 0; j < d; j++) {
        double s = 0;
        for (size_t i = 0; i < n; i++) s += x[i * d + j];
        mu[j] = s / (double)n;
    }
    for (size_t j = 0; j < d; j++)
        for (size_t k = j; k < d; k++) {
            double s = 0;
            for (size_t i = 0; i < n; i++) s += (x[i * d + j] - mu[j]) * (x[i * d + k] - mu[k]);
            cov[j * d + k] = cov[k * d + j] = s / (double)(n - 1);
        }
}

int mc_frechet_distance(const double *a, size_t na, const double *b, size_t nb, size_t d, double *fd, mc_err *err) {
    if (na < 2 || nb < 2 || d < 1 || d > 4096) return mc_err_set(err, MC_ERR_ARG, "Frechet distance: need 2+ samples per set");
    double *buf = malloc((5 * d * d + 4 * d) * sizeof *buf);
    if (!buf) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    double *c1 = buf, *c2 = c1 + d * d, *v = c2 + d * d, *s1 = v + d * d, *t = s1 + d * d, *m1 = t + d * d, *m2 = m1 + d,
           *ev = m2 + d, *ev2 = ev + d;
    mean_cov(a, na, d, m1, c1);
    mean_cov(b, nb, d, m2, c2);
    double tr = 0, dm = 0;
    for (size_t j = 0; j < d; j++) {
        dm += (m1[j] - m2[j]) * (m1[j] - m2[j]);
        tr += c1[j * d + j] + c2[j * d + j];
    }
    /* tr sqrt(C1 C2) = sum of the square roots of the eigenvalues of
     * S C2 S, S = C1^(1/2) (both symmetric positive semi-definite) */
    memcpy(t, c1, d * d * sizeof *t);
    jacobi(t, d, ev, v);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double s = 0;
            for (size_t k = 0; k < d; k++) s += v[i * d + k] * sqrt(ev[k] > 0 ? ev[k] : 0) * v[j * d + k];
            s1[i * d + j] = s;
        }
    for (size_t i = 0; i < d; i++) /* t = S C2 */
        for (size_t j = 0; j < d; j++) {
            double s = 0;
            for (size_t k = 0; k < d; k++) s += s1[i * d + k] * c2[k * d + j];
            t[i * d + j] = s;
        }
    for (size_t i = 0; i < d; i++) /* v = t S */
        for (size_t j = 0; j < d; j++) {
            double s = 0;
            for (size_t k = 0; k < d; k++) s += t[i * d + k] * s1[k * d + j];
            v[i * d + j] = s;
        }
    for (size_t i = 0; i < d; i++) /* symmetrise rounding */
        for (size_t j = i + 1; j < d; j++) v[i * d + j] = v[j * d + i] = 0.5 * (v[i * d + j] + v[j * d + i]);
    jacobi(v, d, ev2, NULL);
    double trs = 0;
    for (size_t i = 0; i < d; i++) trs += sqrt(ev2[i] > 0 ? ev2[i] : 0);
    *fd = dm + tr - 2 * trs;
    if (*fd < 0) *fd = 0;
    free(buf);
    return MC_OK;
}

static double kpoly(const double *x, const double *y, size_t d) {
    double s = 0;
    for (size_t i = 0; i < d; i++) s += x[i] * y[i];
    s = s / (double)d + 1;
    return s * s * s;
}

int mc_kernel_distance(const double *a, size_t na, const double *b, size_t nb, size_t d, double *kid, mc_err *err) {
    if (na < 2 || nb < 2 || d < 1) return mc_err_set(err, MC_ERR_ARG, "kernel distance: need 2+ samples per set");
    double saa = 0, sbb = 0, sab = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < na; j++)
            if (i != j) saa += kpoly(a + i * d, a + j * d, d);
    for (size_t i = 0; i < nb; i++)
        for (size_t j = 0; j < nb; j++)
            if (i != j) sbb += kpoly(b + i * d, b + j * d, d);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++) sab += kpoly(a + i * d, b + j * d, d);
    *kid = saa / ((double)na * (double)(na - 1)) + sbb / ((double)nb * (double)(nb - 1)) -
           2 * sab / ((double)na * (double)nb);
    return MC_OK;
}
