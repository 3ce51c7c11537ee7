/*
 * layer_pool.c - pooling and upsampling: gap and gmp (global average and
 * max pooling of each channel to 1x1; gmp keeps the argmax for backward)
 * and upsample (nearest, by an integer factor).
 */
#include "nn/layer.h"

static int pool_forward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t groups = (size_t)net->n * l->c, len = (size_t)l->ih * l->iw;
    if (l->s.type == MC_NN_GAP)
        net->be->gap_fwd(groups, len, mc_nn_in_data(net, l->s.in[0]), l->out);
    else
        net->be->gmp_fwd(groups, len, mc_nn_in_data(net, l->s.in[0]), l->out, l->arg);
    return MC_OK;
}

static int pool_backward(mc_nn_layer *l, mc_nn_net *net) {
    const size_t groups = (size_t)net->n * l->c, len = (size_t)l->ih * l->iw;
    float *dx = mc_nn_in_delta(net, l->s.in[0]);
    if (!dx) return MC_OK;
    for (size_t g = 0; g < groups; g++) {
        if (l->s.type == MC_NN_GAP) {
            const float d = l->delta[g] / (float)len;
            for (size_t i = 0; i < len; i++) dx[g * len + i] += d;
        } else {
            dx[g * len + l->arg[g]] += l->delta[g];
        }
    }
    return MC_OK;
}

static int pool_shape(mc_nn_layer *l, int idx, mc_err *err) {
    (void)idx, (void)err;
    l->h = l->w = 1;
    return MC_OK;
}

static int pool_init(mc_nn_layer *l, uint64_t *seed) {
    (void)seed;
    l->forward = pool_forward;
    l->backward = pool_backward;
    return MC_OK;
}

static void gmp_scratch(const mc_nn_layer *l, uint32_t n, size_t tot, size_t *aux, size_t *aux2, size_t *arg) {
    (void)tot, (void)aux, (void)aux2;
    *arg = (size_t)n * l->c;
}

const mc_nn_layer_ops mc_nn_ops_gap = {MC_NN_GAP, "gap", 1, NULL, pool_shape, pool_init, NULL};
const mc_nn_layer_ops mc_nn_ops_gmp = {MC_NN_GMP, "gmp", 1, NULL, pool_shape, pool_init, gmp_scratch};

/* -------------------------------------------------------------- upsample */

static int upsample_check(const mc_nn_spec *s, int here, mc_err *err) {
    if (s->factor < 1 || s->factor > 16)
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (upsample): bad factor %u", here, s->factor);
    return MC_OK;
}

static int upsample_shape(mc_nn_layer *l, int idx, mc_err *err) {
    if ((uint64_t)l->ih * l->s.factor > UINT32_MAX / 2 || (uint64_t)l->iw * l->s.factor > UINT32_MAX / 2)
        return mc_err_set(err, MC_ERR_LIMITS, "layer %d (upsample): too large", idx);
    l->h = l->ih * l->s.factor;
    l->w = l->iw * l->s.factor;
    return MC_OK;
}

static int upsample_forward(mc_nn_layer *l, mc_nn_net *net) {
    net->be->upsample_fwd((size_t)net->n * l->c, l->ih, l->iw, l->s.factor, mc_nn_in_data(net, l->s.in[0]), l->out);
    return MC_OK;
}

static int upsample_backward(mc_nn_layer *l, mc_nn_net *net) {
    float *dx = mc_nn_in_delta(net, l->s.in[0]);
    if (dx) net->be->upsample_bwd((size_t)net->n * l->c, l->ih, l->iw, l->s.factor, l->delta, dx);
    return MC_OK;
}

static int upsample_init(mc_nn_layer *l, uint64_t *seed) {
    (void)seed;
    l->forward = upsample_forward;
    l->backward = upsample_backward;
    return MC_OK;
}

const mc_nn_layer_ops mc_nn_ops_upsample = {MC_NN_UPSAMPLE, "upsample", 1, upsample_check, upsample_shape,
                                            upsample_init, NULL};
