/*
 * sn.c - spectral normalisation of the weight of a conv, deconv or linear
 * layer (flag MC_NN_F_SN): W is used as W / sigma, sigma = u^T W v, where u
 * and v come from power iterations (20 when the layer is made, one per
 * optimiser step), are constants for the gradient (as in PyTorch) and are
 * saved in the model file.  W is viewed as a (dims[0], rest) matrix.
 */
#include "nn/layer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void vec_normalize(float *v, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)v[i] * v[i];
    double inv = 1.0 / (sqrt(s) + 1e-12);
    for (size_t i = 0; i < n; i++) v[i] = (float)(v[i] * inv);
}

/* one power iteration v = W^T u / |.|, u = W v / |.| */
static void sn_power(mc_nn_layer *l) {
    const float *w = l->p[0].w;
    const size_t rows = l->p[0].dims[0], cols = l->p[0].len / rows;
    for (size_t j = 0; j < cols; j++) {
        double a = 0;
        for (size_t i = 0; i < rows; i++) a += (double)w[i * cols + j] * l->sn_u[i];
        l->sn_v[j] = (float)a;
    }
    vec_normalize(l->sn_v, cols);
    for (size_t i = 0; i < rows; i++) {
        double a = 0;
        for (size_t j = 0; j < cols; j++) a += (double)w[i * cols + j] * l->sn_v[j];
        l->sn_u[i] = (float)a;
    }
    vec_normalize(l->sn_u, rows);
}

void mc_nn_sn_iterate(mc_nn_net *net, int iters) {
    for (size_t i = 0; i < net->nlayers; i++)
        if (net->layers[i].sn_u)
            for (int k = 0; k < iters; k++) sn_power(&net->layers[i]);
}

void mc_nn_sn_update(mc_nn_layer *l, mc_nn_net *net) {
    (void)net;
    sn_power(l);
}

int mc_nn_sn_init(mc_nn_layer *l, uint64_t *seed) {
    const size_t rows = l->p[0].dims[0], cols = l->p[0].len / rows;
    l->sn_u = malloc(rows * sizeof(float));
    l->sn_v = malloc(cols * sizeof(float));
    l->sn_w = malloc(l->p[0].len * sizeof(float));
    if (!l->sn_u || !l->sn_v || !l->sn_w) return MC_ERR_NOMEM;
    for (size_t i = 0; i < rows; i++) l->sn_u[i] = mc_nn_randu(seed) - 0.5f;
    vec_normalize(l->sn_u, rows);
    for (int k = 0; k < 20; k++) sn_power(l);
    l->update = mc_nn_sn_update;
    return MC_OK;
}

/* Wsn = W / sigma, sigma = u^T W v (u, v constants of the power iteration) */
void mc_nn_sn_weight(mc_nn_layer *l) {
    const float *w = l->p[0].w;
    const size_t rows = l->p[0].dims[0], cols = l->p[0].len / rows;
    double sg = 0;
    for (size_t i = 0; i < rows; i++) {
        double a = 0;
        for (size_t j = 0; j < cols; j++) a += (double)w[i * cols + j] * l->sn_v[j];
        sg += a * l->sn_u[i];
    }
    if (!(sg > 1e-12)) sg = 1e-12;
    l->sn_sigma = (float)sg;
    for (size_t i = 0; i < l->p[0].len; i++) l->sn_w[i] = (float)(w[i] / sg);
}

/* dW += (G - (G . Wsn) u v^T) / sigma; G in l->aux */
void mc_nn_sn_backward(mc_nn_layer *l) {
    const size_t rows = l->p[0].dims[0], cols = l->p[0].len / rows;
    const float *g = l->aux;
    double dot = 0;
    for (size_t i = 0; i < l->p[0].len; i++) dot += (double)g[i] * l->sn_w[i];
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            l->p[0].g[i * cols + j] +=
                (float)(((double)g[i * cols + j] - dot * l->sn_u[i] * l->sn_v[j]) / (double)l->sn_sigma);
}
