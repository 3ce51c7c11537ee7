/*
 * arch_zzgan.c - the networks of ZZ-GAN, Deep-KEDI's key generator
 * (docs/schemes/deep-kedi.md): DeepKeyGen's generator, the one published
 * architecture of this family, and a PatchGAN discriminator.
 *
 * gen (1 channel in, 1 out, any size that is a multiple of 4):
 *   conv 7x7 (reflect) -> ngf, IN, ReLU
 *   conv 3x3 stride 2 -> 2 ngf, IN, ReLU;  conv 3x3 stride 2 -> 4 ngf, IN, ReLU
 *   `blocks` x residual block: conv 3x3 (reflect), IN, ReLU, conv 3x3
 *     (reflect), IN, + skip
 *   transposed conv 3x3 stride 2 (output padding 1) -> 2 ngf, IN, ReLU; the
 *     same -> ngf, IN, ReLU
 *   conv 7x7 (reflect) -> 1, tanh
 * (IN: instance normalisation with learnable scale and shift; the
 * convolutions it follows have no bias.)  The published widths are ngf = 64
 * and 6 blocks (`--config paper`); the built-in model is narrower.
 *
 * disc (1 channel in): conv 4x4 stride 2 -> ndf, LeakyReLU 0.2; then
 * d_layers - 1 times conv 4x4 stride 2 doubling the channels, LeakyReLU;
 * conv 4x4 stride 1 doubling them, LeakyReLU; conv 4x4 stride 1 -> 1: a map
 * of patch scores (LSGAN).  Unlike CycleGAN's PatchGAN it has no instance
 * normalisation: that would hide from it the global statistics (range,
 * histogram) a key image must match.  Only training uses it.
 *
 * The training step (the objective) is in the lab: src/nn/train/step_zzgan.c.
 * Images are scaled to [-1, 1].
 */
#include "nn/nn.h"

const mc_param_def mc_nn_zzgan_hp[MC_NN_ZZGAN_NHP] = {
    {"ngf", "8", "generator width: channels after the first convolution (DeepKeyGen: 64)"},
    {"blocks", "6", "residual blocks of the generator (DeepKeyGen: 6)"},
    {"ndf", "8", "discriminator width"},
    {"d_layers", "3", "stride-2 convolutions of the discriminator"},
    {"lr", "0.0002", "Adam learning rate of both networks (betas 0.5, 0.999)"},
};

/* conv or transposed conv (no bias) on layer `in`, instance norm, ReLU or
 * LeakyReLU; the index of the last layer or a negative status. */
static int conv_in_act(mc_nn_net *net, int in, uint32_t c, uint32_t k, uint32_t s, uint32_t p, mc_nn_pad pm,
                       float leaky, int deconv, uint64_t *seed, mc_err *err) {
    int a = deconv ? mc_nn_deconv(net, in, c, k, s, p, 1, 0, seed, err) : mc_nn_conv(net, in, c, k, s, p, pm, 0, seed, err);
    if (a >= 0) a = mc_nn_layer1(net, MC_NN_INSTNORM, a, 1, err);
    if (a >= 0) a = leaky > 0 ? mc_nn_layer1(net, MC_NN_LEAKY, a, leaky, err) : mc_nn_layer1(net, MC_NN_RELU, a, 0, err);
    return a;
}

static int build_gen(mc_nn_model *m, uint32_t ngf, uint32_t blocks, uint64_t *seed, mc_err *err) {
    mc_nn_net *net = NULL;
    int rc = mc_nn_net_new(&net, "gen", 1, 64, 64, err);
    if (rc) return rc;
    m->net[m->nnets++] = net;
    int a = conv_in_act(net, MC_NN_IN_NET, ngf, 7, 1, 3, MC_NN_PAD_REFLECT, 0, 0, seed, err);
    if (a >= 0) a = conv_in_act(net, a, 2 * ngf, 3, 2, 1, MC_NN_PAD_ZERO, 0, 0, seed, err);
    if (a >= 0) a = conv_in_act(net, a, 4 * ngf, 3, 2, 1, MC_NN_PAD_ZERO, 0, 0, seed, err);
    for (uint32_t i = 0; i < blocks && a >= 0; i++) {
        int b = conv_in_act(net, a, 4 * ngf, 3, 1, 1, MC_NN_PAD_REFLECT, 0, 0, seed, err);
        if (b >= 0) b = mc_nn_conv(net, b, 4 * ngf, 3, 1, 1, MC_NN_PAD_REFLECT, 0, seed, err);
        if (b >= 0) b = mc_nn_layer1(net, MC_NN_INSTNORM, b, 1, err);
        a = b >= 0 ? mc_nn_layer2(net, MC_NN_ADD, b, a, err) : b;
    }
    if (a >= 0) a = conv_in_act(net, a, 2 * ngf, 3, 2, 1, MC_NN_PAD_ZERO, 0, 1, seed, err);
    if (a >= 0) a = conv_in_act(net, a, ngf, 3, 2, 1, MC_NN_PAD_ZERO, 0, 1, seed, err);
    if (a >= 0) a = mc_nn_conv(net, a, 1, 7, 1, 3, MC_NN_PAD_REFLECT, MC_NN_F_BIAS, seed, err);
    if (a >= 0) a = mc_nn_layer1(net, MC_NN_TANH, a, 0, err);
    return a < 0 ? a : MC_OK;
}

static int build_disc(mc_nn_model *m, uint32_t ndf, uint32_t layers, uint64_t *seed, mc_err *err) {
    mc_nn_net *net = NULL;
    int rc = mc_nn_net_new(&net, "disc", 1, 64, 64, err);
    if (rc) return rc;
    m->net[m->nnets++] = net;
    int a = mc_nn_conv(net, MC_NN_IN_NET, ndf, 4, 2, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, seed, err);
    if (a >= 0) a = mc_nn_layer1(net, MC_NN_LEAKY, a, 0.2f, err);
    uint32_t c = ndf;
    for (uint32_t i = 0; i < layers && a >= 0; i++) { /* layers - 1 stride-2 convs, then a stride-1 one */
        c *= 2;
        a = mc_nn_conv(net, a, c, 4, i + 1 < layers ? 2 : 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, seed, err);
        if (a >= 0) a = mc_nn_layer1(net, MC_NN_LEAKY, a, 0.2f, err);
    }
    if (a >= 0) a = mc_nn_conv(net, a, 1, 4, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, seed, err);
    return a < 0 ? a : MC_OK;
}

int mc_nn_zzgan_build(mc_nn_model *m, uint64_t seed, mc_err *err) {
    double ngf = 0, blocks = 0, ndf = 0, dl = 0, lr = 0;
    int rc;
    if ((rc = mc_nn_hp_double(m, "ngf", 1, 256, &ngf, err)) || (rc = mc_nn_hp_double(m, "blocks", 0, 32, &blocks, err)) ||
        (rc = mc_nn_hp_double(m, "ndf", 1, 256, &ndf, err)) || (rc = mc_nn_hp_double(m, "d_layers", 1, 6, &dl, err)) ||
        (rc = mc_nn_hp_double(m, "lr", 0, 10, &lr, err)))
        return rc;
    if ((rc = build_gen(m, (uint32_t)ngf, (uint32_t)blocks, &seed, err)) ||
        (rc = build_disc(m, (uint32_t)ndf, (uint32_t)dl, &seed, err)))
        return rc;
    for (size_t i = 0; i < m->nnets; i++) {
        mc_nn_opt_default(&m->opt[i], MC_NN_ADAM, (float)lr);
        m->opt[i].beta1 = 0.5f;
    }
    return MC_OK;
}
