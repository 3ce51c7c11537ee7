/*
 * arch_edgnet.c - the networks of EDG-Net (Chen et al. 2025), a U-GAT-IT
 * (Kim et al. 2019) "light" model translating plain CT images into a cipher
 * domain and back (docs/schemes/edg-net.md).  Six networks per model while
 * training, two in a finished model:
 *
 *   g_pc, g_cp  generators (plain -> cipher, cipher -> plain), the same shape:
 *     conv7x7 (1 -> F) IN ReLU, 2 x [conv3x3 stride 2 (doubling) IN ReLU],
 *     n_res x [conv3x3 IN ReLU conv3x3 IN, + skip]                 (C = 4F)
 *     CAM: GAP and GMP logits (w_a . gap(x), w_m . gmp(x)), x scaled by w_a
 *       and by w_m, concatenated, conv1x1 (2C -> C) ReLU
 *     light MLP: GAP, FC C->C ReLU, FC C->C ReLU, FC C->2C = [gamma | beta]
 *     n_res x [conv3x3 AdaILN ReLU conv3x3 AdaILN, + skip]  (gamma, beta above;
 *       rho starts at 0.9)
 *     2 x [nearest x2, conv3x3 (halving) ILN ReLU], conv7x7 (F -> 1), tanh
 *   d_p_global, d_p_local, d_c_global, d_c_local  discriminators of the plain
 *     and the cipher domain, spectral-normalised 4x4 convolutions, LeakyReLU
 *     0.2: conv stride 2 (1 -> D), L-3 more stride-2 convs (doubling), one
 *     stride-1 conv (doubling), the CAM block (LeakyReLU), conv (C -> 1).
 *     L = d_global (U-GAT-IT: 7) or d_local (5): the global one compresses
 *     by two more stride-2 convolutions, as the paper says.
 *
 * Convolutions use reflection padding (U-GAT-IT), generator convolutions have
 * no bias except in the AdaILN blocks and the CAM's 1x1.  The CAM logit
 * weights w_a, w_m are tied to the channel scaling, as in U-GAT-IT.  The
 * engine has no "learnable vector" layer, so each is an affine instance norm
 * of the 1x1 GAP map: normalising one value gives exactly 0, so the layer's
 * output is its beta (its gamma receives no gradient), and its input gets
 * none.  The per-channel logit terms w * gap(x) are multiply layers; the
 * training step sums them (edgnet.h: mc_edgnet_cam_layers).
 *
 * The training step, the configurations and the registry entry are the lab's
 * (src/nn/train/step_edgnet.c).
 */
#include "nn/edgnet.h"

#include <math.h>
#include <string.h>

const mc_param_def mc_edgnet_hp[MC_EDGNET_NHP] = {
    {"ngf", "8", "generator base channels F (U-GAT-IT and the paper: 64)"},
    {"n_res", "4", "residual blocks in the generators' encoder and AdaILN blocks in the decoder (paper: 4)"},
    {"ndf", "8", "discriminator base channels (paper: 64)"},
    {"d_global", "6", "layers of the global discriminators (U-GAT-IT: 7; 6 fits 64x64 patches)"},
    {"d_local", "4", "layers of the local discriminators (U-GAT-IT: 5)"},
    {"tile", "64", "tile size the model is meant to run on (the scheme's default; = the training patch)"},
    {"ciphers", "latin,logistic,zigzag", "classical ciphers (paper profile) that make the cipher-domain images"},
    {"lr", "0.0001", "Adam learning rate (betas 0.5, 0.999)"},
    {"weight_decay", "0.0001", "Adam weight decay (L2)"},
    {"w_adv", "1", "weight of the LSGAN adversarial losses"},
    {"w_cycle", "10", "weight of the L1 cycle losses"},
    {"w_identity", "10", "weight of the L1 identity losses"},
    {"w_cam", "1000", "weight of the generators' CAM (BCE) losses"},
    {"in_c", "1", "image channels (1; RGB images are encrypted channel by channel)"},
};

/* ------------------------------------------------------------ builders */

typedef struct bld {
    mc_nn_net *net;
    uint64_t *seed;
    mc_err *err;
    int a; /* index of the last layer, or a negative status */
} bld;

static void conv(bld *b, int in, uint32_t oc, uint32_t k, uint32_t stride, uint32_t pad, uint32_t flags) {
    if (b->a >= 0) b->a = mc_nn_conv(b->net, in, oc, k, stride, pad, MC_NN_PAD_REFLECT, flags, b->seed, b->err);
}
static void l1(bld *b, mc_nn_type t, int in, float alpha) {
    if (b->a >= 0) b->a = mc_nn_layer1(b->net, t, in, alpha, b->err);
}
static void l2(bld *b, mc_nn_type t, int in0, int in1) {
    if (b->a >= 0) b->a = mc_nn_layer2(b->net, t, in0, in1, b->err);
}
static void linear(bld *b, int in, uint32_t out) {
    if (b->a < 0) return;
    mc_nn_spec s = {MC_NN_LINEAR, {in, MC_NN_IN_NONE}, out, 0, 0, 0, 0, 0, 0, 0, 0};
    int rc = mc_nn_add(b->net, &s, b->seed, &b->a, b->err);
    if (rc) b->a = rc;
}

/* A learnable vector of C values shaped (C, 1, 1), from the 1x1 map g (see
 * the top comment), initialised uniform in +-1/sqrt(C) like a linear layer. */
static int learned_vector(bld *b, int g, uint32_t c) {
    l1(b, MC_NN_INSTNORM, g, 1.0f);
    if (b->a < 0) return b->a;
    mc_nn_param *beta = &b->net->layers[b->a].p[1];
    const float r = 1.0f / sqrtf((float)c);
    for (size_t i = 0; i < beta->len; i++) beta->w[i] = r * (2.0f * mc_nn_randu(b->seed) - 1.0f);
    return b->a;
}

/* U-GAT-IT's CAM block on x (C channels); then conv1x1 (2C -> C, bias) and
 * act (ReLU in generators, LeakyReLU 0.2 in discriminators). */
static void cam_block(bld *b, int x, uint32_t c, mc_nn_type act) {
    l1(b, MC_NN_GAP, x, 0);
    const int gap = b->a;
    l1(b, MC_NN_GMP, x, 0);
    const int gmp = b->a;
    const int wa = learned_vector(b, gap, c), wm = learned_vector(b, gap, c);
    l2(b, MC_NN_MUL, gap, wa); /* the GAP logit's terms */
    l2(b, MC_NN_MUL, gmp, wm); /* the GMP logit's terms */
    l2(b, MC_NN_MUL, x, wa);
    const int xa = b->a;
    l2(b, MC_NN_MUL, x, wm);
    l2(b, MC_NN_CONCAT, xa, b->a);
    if (b->a >= 0) b->a = mc_nn_conv(b->net, b->a, c, 1, 1, 0, MC_NN_PAD_ZERO, MC_NN_F_BIAS, b->seed, b->err);
    l1(b, act, b->a, act == MC_NN_LEAKY ? 0.2f : 0.0f);
}

int mc_edgnet_generator(mc_nn_net **out, const char *name, uint32_t ngf, uint32_t nres, uint64_t *seed,
                        mc_err *err) {
    mc_nn_net *net = NULL;
    int rc = mc_nn_net_new(&net, name, 1, 64, 64, err);
    if (rc) return rc;
    bld b = {net, seed, err, 0};
    conv(&b, MC_NN_IN_NET, ngf, 7, 1, 3, 0);
    l1(&b, MC_NN_INSTNORM, b.a, 0);
    l1(&b, MC_NN_RELU, b.a, 0);
    uint32_t c = ngf;
    for (int i = 0; i < 2; i++, c *= 2) { /* down-sampling */
        conv(&b, b.a, 2 * c, 3, 2, 1, 0);
        l1(&b, MC_NN_INSTNORM, b.a, 0);
        l1(&b, MC_NN_RELU, b.a, 0);
    }
    for (uint32_t i = 0; i < nres; i++) { /* encoder residual blocks */
        const int skip = b.a;
        conv(&b, b.a, c, 3, 1, 1, 0);
        l1(&b, MC_NN_INSTNORM, b.a, 0);
        l1(&b, MC_NN_RELU, b.a, 0);
        conv(&b, b.a, c, 3, 1, 1, 0);
        l1(&b, MC_NN_INSTNORM, b.a, 0);
        l2(&b, MC_NN_ADD, b.a, skip);
    }
    cam_block(&b, b.a, c, MC_NN_RELU);
    const int h = b.a;
    l1(&b, MC_NN_GAP, h, 0); /* light: gamma and beta from the pooled features */
    linear(&b, b.a, c);
    l1(&b, MC_NN_RELU, b.a, 0);
    linear(&b, b.a, c);
    l1(&b, MC_NN_RELU, b.a, 0);
    linear(&b, b.a, 2 * c);
    const int gb = b.a;
    b.a = h;
    for (uint32_t i = 0; i < nres; i++) { /* decoder AdaILN blocks */
        const int skip = b.a;
        conv(&b, b.a, c, 3, 1, 1, MC_NN_F_BIAS);
        l2(&b, MC_NN_ADAILN, b.a, gb);
        l1(&b, MC_NN_RELU, b.a, 0);
        conv(&b, b.a, c, 3, 1, 1, MC_NN_F_BIAS);
        l2(&b, MC_NN_ADAILN, b.a, gb);
        l2(&b, MC_NN_ADD, b.a, skip);
    }
    for (int i = 0; i < 2; i++, c /= 2) { /* up-sampling */
        l1(&b, MC_NN_UPSAMPLE, b.a, 2.0f);
        conv(&b, b.a, c / 2, 3, 1, 1, 0);
        l1(&b, MC_NN_ILN, b.a, 0.0f);
        l1(&b, MC_NN_RELU, b.a, 0);
    }
    conv(&b, b.a, 1, 7, 1, 3, 0);
    l1(&b, MC_NN_TANH, b.a, 0);
    if (b.a < 0) {
        mc_nn_net_free(net);
        return b.a;
    }
    *out = net;
    return MC_OK;
}

/* A discriminator of L layers (U-GAT-IT's n_layers) for 1-channel images of
 * size x size pixels (smaller ones would shrink to nothing). */
static int discriminator(mc_nn_net **out, const char *name, uint32_t ndf, uint32_t layers, uint32_t size,
                         uint64_t *seed, mc_err *err) {
    mc_nn_net *net = NULL;
    int rc = mc_nn_net_new(&net, name, 1, size, size, err);
    if (rc) return rc;
    bld b = {net, seed, err, 0};
    const uint32_t f = MC_NN_F_BIAS | MC_NN_F_SN;
    conv(&b, MC_NN_IN_NET, ndf, 4, 2, 1, f);
    l1(&b, MC_NN_LEAKY, b.a, 0.2f);
    uint32_t c = ndf;
    for (uint32_t i = 1; i + 2 < layers; i++, c *= 2) {
        conv(&b, b.a, 2 * c, 4, 2, 1, f);
        l1(&b, MC_NN_LEAKY, b.a, 0.2f);
    }
    conv(&b, b.a, 2 * c, 4, 1, 1, f);
    l1(&b, MC_NN_LEAKY, b.a, 0.2f);
    c *= 2;
    cam_block(&b, b.a, c, MC_NN_LEAKY);
    conv(&b, b.a, 1, 4, 1, 1, MC_NN_F_SN);
    if (b.a < 0) {
        mc_nn_net_free(net);
        return b.a;
    }
    *out = net;
    return MC_OK;
}

int mc_edgnet_cam_layers(const mc_nn_net *net, mc_edgnet_cam *out, mc_err *err) {
    int found[2] = {-1, -1}, k = 0;
    for (size_t i = 0; i < net->nlayers && k < 2; i++) {
        const mc_nn_layer *l = &net->layers[i];
        if (l->s.type == MC_NN_MUL && l->h == 1 && l->w == 1) found[k++] = (int)i;
    }
    if (k < 2) return mc_err_set(err, MC_ERR_FORMAT, "network %s has no CAM block", net->name);
    out->gap = found[0];
    out->gmp = found[1];
    return MC_OK;
}

/* ------------------------------------------------------------ the model */

int mc_edgnet_build(mc_nn_model *m, uint64_t seed, mc_err *err) {
    double ngf = 0, nres = 0, ndf = 0, dg = 0, dl = 0, tile = 0, lr = 0, wd = 0, w = 0, inc = 0;
    int rc;
    if ((rc = mc_nn_hp_double(m, "ngf", 1, 1024, &ngf, err)) || (rc = mc_nn_hp_double(m, "n_res", 0, 64, &nres, err)) ||
        (rc = mc_nn_hp_double(m, "ndf", 1, 1024, &ndf, err)) || (rc = mc_nn_hp_double(m, "d_global", 3, 12, &dg, err)) ||
        (rc = mc_nn_hp_double(m, "d_local", 3, 12, &dl, err)) ||
        (rc = mc_nn_hp_double(m, "tile", MC_EDGNET_TILE_MIN, 4096, &tile, err)) ||
        (rc = mc_nn_hp_double(m, "lr", 0, 10, &lr, err)) || (rc = mc_nn_hp_double(m, "weight_decay", 0, 1, &wd, err)) ||
        (rc = mc_nn_hp_double(m, "w_adv", 0, 1e6, &w, err)) || (rc = mc_nn_hp_double(m, "w_cycle", 0, 1e6, &w, err)) ||
        (rc = mc_nn_hp_double(m, "w_identity", 0, 1e6, &w, err)) || (rc = mc_nn_hp_double(m, "w_cam", 0, 1e6, &w, err)) ||
        (rc = mc_nn_hp_double(m, "in_c", 1, 1, &inc, err)))
        return rc;
    if ((uint32_t)tile % MC_EDGNET_TILE_STEP)
        return mc_err_set(err, MC_ERR_ARG, "edg-net: tile must be a multiple of %u", MC_EDGNET_TILE_STEP);
    static const char *const dnames[4] = {MC_EDGNET_D_PG, MC_EDGNET_D_PL, MC_EDGNET_D_CG, MC_EDGNET_D_CL};
    for (int i = 0; i < 6 && !rc; i++) {
        if (i < 2)
            rc = mc_edgnet_generator(&m->net[i], i ? MC_EDGNET_DEC : MC_EDGNET_ENC, (uint32_t)ngf, (uint32_t)nres,
                                     &seed, err);
        else
            rc = discriminator(&m->net[i], dnames[i - 2], (uint32_t)ndf, (uint32_t)(i % 2 ? dl : dg), (uint32_t)tile,
                               &seed, err);
        if (rc) break;
        m->nnets = (size_t)i + 1;
        mc_nn_opt_default(&m->opt[i], MC_NN_ADAM, (float)lr);
        m->opt[i].beta1 = 0.5f;
        m->opt[i].beta2 = 0.999f;
        m->opt[i].weight_decay = (float)wd;
    }
    return rc;
}
