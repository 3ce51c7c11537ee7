/*
 * arch_atresnet.c - the networks of AT-ResNet-CM and of its ablation
 * ResNet-CM (Li, Peng et al. 2023; docs/schemes/at-resnet-cm.md).
 *
 * Two networks per model, "enc" and "dec", of the same shape:
 *
 *   in (2 ch: image, target)  --conv3x3(2->C)--relu-->  B x [ resblock(C)
 *     (conv-relu-conv + skip, relu)  (at-resnet-cm: then channel attention
 *     (GAP and GMP through a shared FC1 (C -> C/r) - relu - FC2, summed,
 *     sigmoid) and spatial attention (conv3x3 C->C/2, relu, conv3x3 ->1,
 *     sigmoid mask)) ]  --conv3x3(C->1)-->  + conv1x1(in -> 1)  = out
 *
 * Zero padding everywhere, so the networks run on tiles of any size >= 1.
 * The encryption network sees (plain image p, target random image t) and its
 * output e is pushed towards t; the decryption network sees (quantised e, t)
 * and reconstructs p.  t is a uniform random image derived from the key, so
 * one model serves every key: the key, not the weights, is the secret (the
 * paper's "target random image").
 *
 * The training step (the objective) is in the lab: src/nn/train/step_atresnet.c.
 * All images are scaled to [0, 1].
 */
#include "nn/nn.h"


const mc_param_def mc_nn_atres_hp[MC_NN_ATRES_NHP] = {
    {"channels", "16", "feature channels C"},
    {"blocks", "2", "residual blocks B (each with attention in at-resnet-cm)"},
    {"reduction", "4", "channel attention reduction r (FC1: C -> C/r)"},
    {"target_weight", "0.1", "weight of MSE(enc output, target image) against the reconstruction MSE"},
    {"quant_levels", "255", "quantisation noise of training: U(-1/2, 1/2) / levels"},
    {"lr", "0.001", "Adam learning rate"},
    {"in_c", "1", "image channels (1; RGB images are encrypted channel by channel)"},
};

/* One network of the pair. */
static int build_net(mc_nn_net **out, const char *name, uint32_t ch, uint32_t blocks, uint32_t red, int attention,
                     uint64_t *seed, mc_err *err) {
    mc_nn_net *net = NULL;
    int rc = mc_nn_net_new(&net, name, 2, 32, 32, err);
    if (rc) return rc;
    int a = mc_nn_conv(net, MC_NN_IN_NET, ch, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, seed, err);
    if (a >= 0) a = mc_nn_layer1(net, MC_NN_RELU, a, 0, err);
    for (uint32_t b = 0; b < blocks && a >= 0; b++) {
        a = mc_nn_resblock(net, a, ch, 1, seed, err);
        if (attention && a >= 0) {
            mc_nn_spec s = {0};
            s.type = MC_NN_CHANATT;
            s.in[0] = a;
            s.in[1] = MC_NN_IN_NONE;
            s.factor = red;
            rc = mc_nn_add(net, &s, seed, &a, err);
            if (rc) a = rc;
        }
        if (attention && a >= 0) a = mc_nn_spatial_attention(net, a, ch / 2 ? ch / 2 : 1, seed, err);
    }
    int skip = -1;
    if (a >= 0) a = mc_nn_conv(net, a, 1, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, seed, err);
    if (a >= 0) skip = mc_nn_conv(net, MC_NN_IN_NET, 1, 1, 1, 0, MC_NN_PAD_ZERO, MC_NN_F_BIAS, seed, err);
    if (a >= 0 && skip < 0) a = skip;
    if (a >= 0) a = mc_nn_layer2(net, MC_NN_ADD, a, skip, err);
    if (a < 0) {
        mc_nn_net_free(net);
        return a;
    }
    *out = net;
    return MC_OK;
}

int mc_nn_atres_build(mc_nn_model *m, uint64_t seed, int attention, mc_err *err) {
    double ch = 0, blocks = 0, red = 0, lr = 0, tw = 0, ql = 0, inc = 0;
    int rc;
    if ((rc = mc_nn_hp_double(m, "channels", 1, 256, &ch, err)) ||
        (rc = mc_nn_hp_double(m, "blocks", 0, 32, &blocks, err)) ||
        (rc = mc_nn_hp_double(m, "reduction", 1, 256, &red, err)) || (rc = mc_nn_hp_double(m, "lr", 0, 10, &lr, err)) ||
        (rc = mc_nn_hp_double(m, "target_weight", 0, 1e6, &tw, err)) ||
        (rc = mc_nn_hp_double(m, "quant_levels", 1, 65535, &ql, err)) ||
        (rc = mc_nn_hp_double(m, "in_c", 1, 1, &inc, err)))
        return rc;
    if ((uint32_t)ch / (uint32_t)red < 1)
        return mc_err_set(err, MC_ERR_ARG, "hyperparameters: channels / reduction must be >= 1");
    static const char *const names[2] = {"enc", "dec"};
    for (int i = 0; i < 2; i++) {
        rc = build_net(&m->net[i], names[i], (uint32_t)ch, (uint32_t)blocks, (uint32_t)red, attention, &seed, err);
        if (rc) return rc;
        m->nnets = (size_t)i + 1;
        mc_nn_opt_default(&m->opt[i], MC_NN_ADAM, (float)lr);
    }
    return MC_OK;
}
