/*
 * step_atresnet.c - training of at-resnet-cm and resnet-cm (the networks:
 * src/nn/arch_atresnet.c; the cipher: docs/schemes/at-resnet-cm.md).
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

static int atres_build(mc_nn_model *m, uint64_t seed, mc_err *err) { return mc_nn_atres_build(m, seed, 1, err); }
static int resnet_build(mc_nn_model *m, uint64_t seed, mc_err *err) { return mc_nn_atres_build(m, seed, 0, err); }

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
    mc_nn_atres_hp,
    MC_NN_ATRES_NHP,
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
    mc_nn_atres_hp,
    MC_NN_ATRES_NHP,
    resnet_build,
    atres_step,
    MC_NN_SCALE_01,
    atres_configs,
    sizeof atres_configs / sizeof atres_configs[0],
    NULL,
    0,
};
