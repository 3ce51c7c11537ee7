/*
 * layer_linear.c - the fully connected layer `linear`: out_c features of
 * the flattened input (c * h * w values per sample), optional bias and
 * spectral normalisation.  Its weight fixes the input size, so a network
 * with one runs only at the size it was declared for.
 */
#include "nn/layer.h"

#include <string.h>

static int linear_check(const mc_nn_spec *s, int here, mc_err *err) {
    if (s->out_c < 1 || s->out_c > MC_NN_MAX_CHANNELS)
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (linear): bad output size %u", here, s->out_c);
    if (s->flags & MC_NN_F_AFFINE) return mc_err_set(err, MC_ERR_FORMAT, "layer %d (linear): bad flags", here);
    return MC_OK;
}

static int linear_shape(mc_nn_layer *l, int idx, mc_err *err) {
    if (l->nparam && (uint64_t)l->ic * l->ih * l->iw != l->p[0].dims[1])
        return mc_err_set(err, MC_ERR_ARG, "layer %d (linear): %llu inputs, weights expect %u", idx,
                          (unsigned long long)l->ic * l->ih * l->iw, l->p[0].dims[1]);
    l->c = l->s.out_c;
    l->h = l->w = 1;
    return MC_OK;
}

static int linear_forward(mc_nn_layer *l, mc_nn_net *net) {
    const float *w = l->p[0].w;
    if (l->sn_u) {
        mc_nn_sn_weight(l);
        w = l->sn_w;
    }
    net->be->linear_fwd(net->n, mc_nn_in_per_sample(l), l->c, mc_nn_in_data(net, l->s.in[0]), w,
                        l->nparam > 1 ? l->p[1].w : NULL, l->out);
    return MC_OK;
}

static int linear_backward(mc_nn_layer *l, mc_nn_net *net) {
    const float *w = l->sn_u ? l->sn_w : l->p[0].w;
    float *dw = l->p[0].g;
    if (l->sn_u) {
        memset(l->aux, 0, l->p[0].len * sizeof(float));
        dw = l->aux;
    }
    net->be->linear_bwd(net->n, mc_nn_in_per_sample(l), l->c, mc_nn_in_data(net, l->s.in[0]), w, l->delta,
                        mc_nn_in_delta(net, l->s.in[0]), dw, l->nparam > 1 ? l->p[1].g : NULL);
    if (l->sn_u) mc_nn_sn_backward(l);
    return MC_OK;
}

/* weight (out_c, c h w), He-uniform; bias 0 */
static int linear_init(mc_nn_layer *l, uint64_t *seed) {
    const uint64_t fan = (uint64_t)l->ic * l->ih * l->iw;
    if (fan > ((uint64_t)1 << 30)) return MC_ERR_LIMITS;
    const float b = mc_nn_he_bound((size_t)fan);
    int rc = mc_nn_param_add(l, "weight", l->s.out_c, (uint32_t)fan, 1, 1, -b, b, 0, seed);
    if (!rc && (l->s.flags & MC_NN_F_BIAS)) rc = mc_nn_param_add(l, "bias", l->s.out_c, 1, 1, 1, 0, 0, 0, NULL);
    l->forward = linear_forward;
    l->backward = linear_backward;
    return rc;
}

static void linear_scratch(const mc_nn_layer *l, uint32_t n, size_t tot, size_t *aux, size_t *aux2, size_t *arg) {
    (void)n, (void)tot, (void)aux2, (void)arg;
    if (l->s.flags & MC_NN_F_SN) *aux = l->p[0].len;
}

const mc_nn_layer_ops mc_nn_ops_linear = {MC_NN_LINEAR, "linear", 1, linear_check, linear_shape, linear_init,
                                          linear_scratch};
