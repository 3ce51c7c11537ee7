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
 * Training objective (one step, both networks together):
 *   e  = enc(p, t)
 *   e' = clamp(e, 0, 1) + u,  u ~ U(-1/2, 1/2) / 255  (8-bit quantisation
 *        noise; the clamp passes gradients only inside [0, 1])
 *   L  = MSE(dec(e', t), p) + target_weight * MSE(e, t)
 * All images are scaled to [0, 1].
 */
#include "nn/nn.h"

#include <stdlib.h>
#include <string.h>

static const mc_param_def atres_hp[] = {
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

static int atres_build_common(mc_nn_model *m, uint64_t seed, int attention, mc_err *err) {
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

static int atres_build(mc_nn_model *m, uint64_t seed, mc_err *err) { return atres_build_common(m, seed, 1, err); }
static int resnet_build(mc_nn_model *m, uint64_t seed, mc_err *err) { return atres_build_common(m, seed, 0, err); }

/* Scratch of one step: inputs of both networks and gradients. */
static int atres_step(mc_nn_model *m, const mc_nn_batch *b, uint64_t *rng, double *loss, mc_err *err) {
    mc_nn_net *enc = mc_nn_model_net(m, "enc"), *dec = mc_nn_model_net(m, "dec");
    if (!enc || !dec || b->c != 1) return mc_err_set(err, MC_ERR_ARG, "at-resnet-cm: model needs enc and dec, gray data");
    double tw = 0, ql = 0;
    int rc;
    if ((rc = mc_nn_hp_double(m, "target_weight", 0, 1e6, &tw, err)) ||
        (rc = mc_nn_hp_double(m, "quant_levels", 1, 65535, &ql, err)))
        return rc;
    const size_t plane = (size_t)b->h * b->w, len = (size_t)b->n * plane;
    float *buf = malloc(7 * len * sizeof(float));
    if (!buf) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    float *xe = buf, *xd = buf + 2 * len, *t = buf + 4 * len, *gd = buf + 5 * len, *ge = buf + 6 * len;
    const float levels = (float)ql;
    for (size_t i = 0; i < len; i++) /* target: uniform on the quantisation grid */
        t[i] = (float)(mc_nn_rand(rng) % ((uint64_t)ql + 1)) / levels;
    for (uint32_t k = 0; k < b->n; k++) {
        memcpy(xe + (2 * (size_t)k) * plane, b->x + (size_t)k * plane, plane * sizeof(float));
        memcpy(xe + (2 * (size_t)k + 1) * plane, t + (size_t)k * plane, plane * sizeof(float));
    }
    if ((rc = mc_nn_set_training(enc, 1, 0, err)) || (rc = mc_nn_net_resize(enc, b->n, b->h, b->w, err)) ||
        (rc = mc_nn_set_training(dec, 1, 1, err)) || (rc = mc_nn_net_resize(dec, b->n, b->h, b->w, err)))
        goto out;
    mc_nn_zero_grad(enc);
    mc_nn_zero_grad(dec);
    if ((rc = mc_nn_forward(enc, xe, err))) goto out;
    const float *e = mc_nn_output(enc)->out;
    for (uint32_t k = 0; k < b->n; k++)
        for (size_t i = 0; i < plane; i++) {
            float v = e[(size_t)k * plane + i];
            v = v < 0 ? 0 : v > 1 ? 1 : v;
            xd[2 * (size_t)k * plane + i] = v + (mc_nn_randu(rng) - 0.5f) / levels;
            xd[(2 * (size_t)k + 1) * plane + i] = t[(size_t)k * plane + i];
        }
    if ((rc = mc_nn_forward(dec, xd, err))) goto out;
    double lrec = mc_nn_loss_eval(MC_NN_LOSS_MSE, mc_nn_output(dec)->out, b->x, 0, len, gd, 1.0f);
    double ltgt = mc_nn_loss_eval(MC_NN_LOSS_MSE, e, t, 0, len, ge, (float)tw);
    if ((rc = mc_nn_backward(dec, gd, err))) goto out;
    for (uint32_t k = 0; k < b->n; k++)
        for (size_t i = 0; i < plane; i++) {
            const size_t j = (size_t)k * plane + i;
            if (e[j] > 0 && e[j] < 1) ge[j] += dec->input_delta[2 * (size_t)k * plane + i];
        }
    if ((rc = mc_nn_backward(enc, ge, err))) goto out;
    if ((rc = mc_nn_opt_step(&m->opt[0], enc, err)) || (rc = mc_nn_opt_step(&m->opt[1], dec, err))) goto out;
    *loss = lrec + tw * ltgt;
out:
    free(buf);
    return rc;
}

/* Table 1 of the paper (Adam, lr 1e-4, batch 64, 300 epochs, MSE) and the
 * CPU-sized default (docs/schemes/at-resnet-cm.md gives the training time). */
static const char *const paper_hp[] = {"lr=0.0001"};
static const mc_nn_config atres_configs[] = {
    {"default", 30, 100, 16, 64, 1, NULL, 0},
    {"paper", 300, 0, 64, 256, 0, paper_hp, 1},
};

const mc_nn_arch mc_nn_arch_at_resnet_cm = {
    "at-resnet-cm",
    "AT-ResNet-CM encryption + decryption networks (residual blocks, channel and spatial attention)",
    atres_hp,
    sizeof atres_hp / sizeof atres_hp[0],
    atres_build,
    atres_step,
    MC_NN_SCALE_01,
    atres_configs,
    sizeof atres_configs / sizeof atres_configs[0],
    NULL,
    0,
};

const mc_nn_arch mc_nn_arch_resnet_cm = {
    "resnet-cm",
    "ResNet-CM: AT-ResNet-CM's ablation without attention",
    atres_hp,
    sizeof atres_hp / sizeof atres_hp[0],
    resnet_build,
    atres_step,
    MC_NN_SCALE_01,
    atres_configs,
    sizeof atres_configs / sizeof atres_configs[0],
    NULL,
    0,
};
