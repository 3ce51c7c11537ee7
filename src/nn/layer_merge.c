/*
 * layer_merge.c - the layers that combine two inputs: add (same shapes;
 * residual connections), concat (channels of in[0], then of in[1]) and mul
 * (in[0] * in[1], in[1] of the same shape or broadcast per channel (c,1,1)
 * or per pixel (1,h,w): attention masks).  Elementwise C in a fixed order.
 */
#include "nn/layer.h"

#include <string.h>

static int merge_init(mc_nn_layer *l, int (*fwd)(mc_nn_layer *, mc_nn_net *), int (*bwd)(mc_nn_layer *, mc_nn_net *)) {
    l->forward = fwd;
    l->backward = bwd;
    return MC_OK;
}

/* ------------------------------------------------------------------- add */

static int add_shape(mc_nn_layer *l, int idx, mc_err *err) {
    if (l->ic != l->ic2 || l->ih != l->ih2 || l->iw != l->iw2)
        return mc_err_set(err, MC_ERR_ARG, "layer %d (add): shapes %ux%ux%u and %ux%ux%u differ", idx, l->ic, l->ih,
                          l->iw, l->ic2, l->ih2, l->iw2);
    return MC_OK;
}

static int add_forward(mc_nn_layer *l, mc_nn_net *net) {
    const float *a = mc_nn_in_data(net, l->s.in[0]), *b = mc_nn_in_data(net, l->s.in[1]);
    const size_t tot = net->n * mc_nn_per_sample(l);
    float *o = l->out; /* a local: through l, every store could move l->out (no strict aliasing) */
    for (size_t i = 0; i < tot; i++) o[i] = a[i] + b[i];
    return MC_OK;
}

static int add_backward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t tot = net->n * mc_nn_per_sample(l);
    for (int k = 0; k < 2; k++) {
        float *d = mc_nn_in_delta(net, l->s.in[k]);
        if (d)
            for (size_t i = 0; i < tot; i++) d[i] += l->delta[i];
    }
    return MC_OK;
}

static int add_init(mc_nn_layer *l, uint64_t *seed) {
    (void)seed;
    return merge_init(l, add_forward, add_backward);
}

const mc_nn_layer_ops mc_nn_ops_add = {MC_NN_ADD, "add", 2, NULL, add_shape, add_init, NULL};

/* ---------------------------------------------------------------- concat */

static int concat_shape(mc_nn_layer *l, int idx, mc_err *err) {
    if (l->ih != l->ih2 || l->iw != l->iw2) return mc_err_set(err, MC_ERR_ARG, "layer %d (concat): sizes differ", idx);
    if ((uint64_t)l->ic + l->ic2 > MC_NN_MAX_CHANNELS)
        return mc_err_set(err, MC_ERR_LIMITS, "layer %d (concat): too many channels", idx);
    l->c = l->ic + l->ic2;
    return MC_OK;
}

static int concat_forward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t pl = mc_nn_plane(l), s0 = (size_t)l->ic * pl, s1 = (size_t)l->ic2 * pl;
    const float *a = mc_nn_in_data(net, l->s.in[0]), *b = mc_nn_in_data(net, l->s.in[1]);
    for (size_t n = 0; n < net->n; n++) {
        memcpy(l->out + n * (s0 + s1), a + n * s0, s0 * sizeof(float));
        memcpy(l->out + n * (s0 + s1) + s0, b + n * s1, s1 * sizeof(float));
    }
    return MC_OK;
}

static int concat_backward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t pl = mc_nn_plane(l), s0 = (size_t)l->ic * pl, s1 = (size_t)l->ic2 * pl;
    float *da = mc_nn_in_delta(net, l->s.in[0]), *db = mc_nn_in_delta(net, l->s.in[1]);
    for (size_t n = 0; n < net->n; n++) {
        const float *d = l->delta + n * (s0 + s1);
        if (da)
            for (size_t i = 0; i < s0; i++) da[n * s0 + i] += d[i];
        if (db)
            for (size_t i = 0; i < s1; i++) db[n * s1 + i] += d[s0 + i];
    }
    return MC_OK;
}

static int concat_init(mc_nn_layer *l, uint64_t *seed) {
    (void)seed;
    return merge_init(l, concat_forward, concat_backward);
}

const mc_nn_layer_ops mc_nn_ops_concat = {MC_NN_CONCAT, "concat", 2, NULL, concat_shape, concat_init, NULL};

/* ------------------------------------------------------------------- mul */

static int mul_shape(mc_nn_layer *l, int idx, mc_err *err) {
    if (!((l->ic2 == l->ic && l->ih2 == l->ih && l->iw2 == l->iw) || (l->ic2 == l->ic && l->ih2 == 1 && l->iw2 == 1) ||
          (l->ic2 == 1 && l->ih2 == l->ih && l->iw2 == l->iw)))
        return mc_err_set(err, MC_ERR_ARG, "layer %d (mul): cannot broadcast %ux%ux%u to %ux%ux%u", idx, l->ic2,
                          l->ih2, l->iw2, l->ic, l->ih, l->iw);
    return MC_OK;
}

/* index into in[1] for element (c, i) of a sample */
static inline size_t bcast(const mc_nn_layer *l, size_t c, size_t i) {
    if (l->ih2 == 1 && l->iw2 == 1 && !(l->ih == 1 && l->iw == 1)) return c;
    if (l->ic2 == 1 && l->ic != 1) return i;
    return c * mc_nn_plane(l) + i;
}

static int mul_forward(mc_nn_layer *l, mc_nn_net *net) {
    const float *a = mc_nn_in_data(net, l->s.in[0]), *b = mc_nn_in_data(net, l->s.in[1]);
    const size_t pl = mc_nn_plane(l), s0 = mc_nn_per_sample(l), s1 = (size_t)l->ic2 * l->ih2 * l->iw2;
    /* bcast(l, c, i) = c * cs + i * is */
    const size_t cs = bcast(l, 1, 0), is = pl > 1 ? bcast(l, 0, 1) : 0;
    for (size_t n = 0; n < net->n; n++)
        for (size_t c = 0; c < l->c; c++) {
            const float *ar = a + n * s0 + c * pl, *br = b + n * s1 + c * cs;
            float *o = l->out + n * s0 + c * pl;
            if (is)
                for (size_t i = 0; i < pl; i++) o[i] = ar[i] * br[i];
            else
                for (size_t i = 0; i < pl; i++) o[i] = ar[i] * br[0];
        }
    return MC_OK;
}

static int mul_backward(mc_nn_layer *l, mc_nn_net *net) {
    const float *a = mc_nn_in_data(net, l->s.in[0]), *b = mc_nn_in_data(net, l->s.in[1]);
    float *da = mc_nn_in_delta(net, l->s.in[0]), *db = mc_nn_in_delta(net, l->s.in[1]);
    const size_t pl = mc_nn_plane(l), s0 = mc_nn_per_sample(l), s1 = (size_t)l->ic2 * l->ih2 * l->iw2;
    for (size_t n = 0; n < net->n; n++)
        for (size_t c = 0; c < l->c; c++)
            for (size_t i = 0; i < pl; i++) {
                const size_t o = n * s0 + c * pl + i, ob = n * s1 + bcast(l, c, i);
                if (da) da[o] += l->delta[o] * b[ob];
                if (db) db[ob] += l->delta[o] * a[o];
            }
    return MC_OK;
}

static int mul_init(mc_nn_layer *l, uint64_t *seed) {
    (void)seed;
    return merge_init(l, mul_forward, mul_backward);
}

const mc_nn_layer_ops mc_nn_ops_mul = {MC_NN_MUL, "mul", 2, NULL, mul_shape, mul_init, NULL};
