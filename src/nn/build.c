/*
 * build.c - convenience builders over mc_nn_add: one call per conv,
 * transposed conv, one- and two-input layer, and residual block (the
 * spatial attention builder is with its family, layer_attention.c).  Each
 * returns the new layer's index or a negative status.
 */
#include "nn/nn.h"

int mc_nn_conv(mc_nn_net *net, int in, uint32_t out_c, uint32_t k, uint32_t stride, uint32_t pad, mc_nn_pad pm,
               uint32_t flags, uint64_t *seed, mc_err *err) {
    mc_nn_spec s = {MC_NN_CONV, {in, MC_NN_IN_NONE}, out_c, k, stride, pad, (uint32_t)pm, flags, 0, 0, 0};
    int idx, rc = mc_nn_add(net, &s, seed, &idx, err);
    return rc ? rc : idx;
}

int mc_nn_deconv(mc_nn_net *net, int in, uint32_t out_c, uint32_t k, uint32_t stride, uint32_t pad,
                 uint32_t out_pad, uint32_t flags, uint64_t *seed, mc_err *err) {
    mc_nn_spec s = {MC_NN_DECONV, {in, MC_NN_IN_NONE}, out_c, k, stride, pad, MC_NN_PAD_ZERO, flags, out_pad, 0, 0};
    int idx, rc = mc_nn_add(net, &s, seed, &idx, err);
    return rc ? rc : idx;
}

int mc_nn_layer1(mc_nn_net *net, mc_nn_type t, int in, float alpha, mc_err *err) {
    mc_nn_spec s = {(uint32_t)t, {in, MC_NN_IN_NONE}, 0, 0, 0, 0, 0, 0, 0, alpha, 1e-5f};
    if (t == MC_NN_UPSAMPLE || t == MC_NN_CHANATT) s.factor = (uint32_t)alpha, s.alpha = 0;
    if (t == MC_NN_INSTNORM || t == MC_NN_LAYERNORM) s.flags = alpha > 0 ? MC_NN_F_AFFINE : 0, s.alpha = 0;
    int idx, rc = mc_nn_add(net, &s, NULL, &idx, err);
    return rc ? rc : idx;
}

int mc_nn_layer2(mc_nn_net *net, mc_nn_type t, int in0, int in1, mc_err *err) {
    mc_nn_spec s = {(uint32_t)t, {in0, in1}, 0, 0, 0, 0, 0, 0, 0, t == MC_NN_ADAILN ? 0.9f : 0.0f, 1e-5f};
    int idx, rc = mc_nn_add(net, &s, NULL, &idx, err);
    return rc ? rc : idx;
}

int mc_nn_resblock(mc_nn_net *net, int in, uint32_t c, int relu_after, uint64_t *seed, mc_err *err) {
    int a = mc_nn_conv(net, in, c, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, seed, err);
    if (a < 0) return a;
    if ((a = mc_nn_layer1(net, MC_NN_RELU, a, 0, err)) < 0) return a;
    if ((a = mc_nn_conv(net, a, c, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, seed, err)) < 0) return a;
    if ((a = mc_nn_layer2(net, MC_NN_ADD, a, in, err)) < 0) return a;
    if (relu_after) a = mc_nn_layer1(net, MC_NN_RELU, a, 0, err);
    return a;
}
