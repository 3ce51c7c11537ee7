/*
 * layer_act.c - the activation layers: relu, leaky (slope alpha in [0,1)),
 * sigmoid and tanh, elementwise through the backend's act kernels.
 */
#include "nn/layer.h"

static mc_nn_act act_of(uint32_t t) {
    switch (t) {
    case MC_NN_LEAKY: return MC_NN_ACT_LEAKY;
    case MC_NN_SIGMOID: return MC_NN_ACT_SIGMOID;
    case MC_NN_TANH: return MC_NN_ACT_TANH;
    default: return MC_NN_ACT_RELU;
    }
}

static int act_forward(mc_nn_layer *l, mc_nn_net *net) {
    net->be->act_fwd(act_of(l->s.type), l->s.alpha, mc_nn_in_data(net, l->s.in[0]), l->out,
                     net->n * mc_nn_per_sample(l));
    return MC_OK;
}

static int act_backward(mc_nn_layer *l, mc_nn_net *net) {
    float *dx = mc_nn_in_delta(net, l->s.in[0]);
    if (dx)
        net->be->act_bwd(act_of(l->s.type), l->s.alpha, mc_nn_in_data(net, l->s.in[0]), l->out, l->delta, dx,
                         net->n * mc_nn_per_sample(l));
    return MC_OK;
}

static int act_init(mc_nn_layer *l, uint64_t *seed) {
    (void)seed;
    l->forward = act_forward;
    l->backward = act_backward;
    return MC_OK;
}

static int leaky_check(const mc_nn_spec *s, int here, mc_err *err) {
    if (!(s->alpha >= 0 && s->alpha < 1))
        return mc_err_set(err, MC_ERR_FORMAT, "layer %d (leaky): slope %g not in [0,1)", here, (double)s->alpha);
    return MC_OK;
}

const mc_nn_layer_ops mc_nn_ops_relu = {MC_NN_RELU, "relu", 1, NULL, NULL, act_init, NULL};
const mc_nn_layer_ops mc_nn_ops_leaky = {MC_NN_LEAKY, "leaky", 1, leaky_check, NULL, act_init, NULL};
const mc_nn_layer_ops mc_nn_ops_sigmoid = {MC_NN_SIGMOID, "sigmoid", 1, NULL, NULL, act_init, NULL};
const mc_nn_layer_ops mc_nn_ops_tanh = {MC_NN_TANH, "tanh", 1, NULL, NULL, act_init, NULL};
