/*
 * arch_denoise.c - `denoise`, the engine's own example architecture: a
 * small residual CNN that learns to remove Gaussian noise from image
 * patches (input x + noise, target x).
 */
#include "nn/nn.h"

#include <stdlib.h>
#include <string.h>

static const mc_param_def denoise_hp[] = {
    {"channels", "16", "feature channels"},
    {"blocks", "2", "residual blocks"},
    {"in_c", "1", "image channels (1 gray, 3 RGB)"},
    {"noise", "0.1", "standard deviation of the added noise (in scaled units)"},
    {"loss", "mse", "mse | l1"},
    {"optimizer", "adam", "adam | sgd"},
    {"lr", "0.001", "learning rate"},
    {"weight_decay", "0", "L2 weight decay"},
};

static int denoise_build(mc_nn_model *m, uint64_t seed, mc_err *err) {
    double ch = 0, blocks = 0, in_c = 0, lr = 0, wd = 0; /* set by mc_nn_hp_double (gcc -O3 cannot tell) */
    int rc;
    if ((rc = mc_nn_hp_double(m, "channels", 1, 1024, &ch, err)) || (rc = mc_nn_hp_double(m, "blocks", 0, 64, &blocks, err)) ||
        (rc = mc_nn_hp_double(m, "in_c", 1, 3, &in_c, err)) || (rc = mc_nn_hp_double(m, "lr", 0, 10, &lr, err)) ||
        (rc = mc_nn_hp_double(m, "weight_decay", 0, 1, &wd, err)))
        return rc;
    mc_nn_loss lt;
    if (mc_nn_loss_parse(mc_nn_hp(m, "loss", "mse"), &lt) || (lt != MC_NN_LOSS_MSE && lt != MC_NN_LOSS_L1))
        return mc_err_set(err, MC_ERR_ARG, "denoise: loss must be mse or l1");
    const char *opt = mc_nn_hp(m, "optimizer", "adam");
    if (strcmp(opt, "adam") && strcmp(opt, "sgd")) return mc_err_set(err, MC_ERR_ARG, "denoise: optimizer must be adam or sgd");
    mc_nn_net *net = NULL;
    if ((rc = mc_nn_net_new(&net, "denoiser", (uint32_t)in_c, 32, 32, err))) return rc;
    m->net[0] = net;
    m->nnets = 1;
    int a = mc_nn_conv(net, MC_NN_IN_NET, (uint32_t)ch, 3, 1, 1, MC_NN_PAD_REFLECT, MC_NN_F_BIAS, &seed, err);
    if (a >= 0) a = mc_nn_layer1(net, MC_NN_RELU, a, 0, err);
    for (int i = 0; i < (int)blocks && a >= 0; i++) a = mc_nn_resblock(net, a, (uint32_t)ch, 1, &seed, err);
    if (a >= 0) a = mc_nn_conv(net, a, (uint32_t)in_c, 3, 1, 1, MC_NN_PAD_REFLECT, MC_NN_F_BIAS, &seed, err);
    if (a >= 0) a = mc_nn_layer2(net, MC_NN_ADD, a, MC_NN_IN_NET, err); /* predicts the correction */
    if (a < 0) return a;
    mc_nn_opt_default(&m->opt[0], strcmp(opt, "sgd") ? MC_NN_ADAM : MC_NN_SGD, (float)lr);
    m->opt[0].weight_decay = (float)wd;
    return MC_OK;
}

static int denoise_step(mc_nn_model *m, const mc_nn_batch *b, uint64_t *rng, double *loss, mc_err *err) {
    mc_nn_net *net = m->net[0];
    double noise = 0;
    int rc = mc_nn_hp_double(m, "noise", 0, 10, &noise, err);
    if (rc) return rc;
    mc_nn_loss lt = MC_NN_LOSS_MSE;
    if (mc_nn_loss_parse(mc_nn_hp(m, "loss", "mse"), &lt)) return mc_err_set(err, MC_ERR_ARG, "denoise: bad loss");
    if ((rc = mc_nn_set_training(net, 1, 0, err)) || (rc = mc_nn_net_resize(net, b->n, b->h, b->w, err))) return rc;
    const size_t len = (size_t)b->n * b->c * b->h * b->w;
    float *buf = malloc(2 * len * sizeof(float));
    if (!buf) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    float *x = buf, *g = buf + len;
    for (size_t i = 0; i < len; i++) x[i] = b->x[i] + (float)noise * mc_nn_randn(rng);
    mc_nn_zero_grad(net);
    rc = mc_nn_forward(net, x, err);
    if (!rc) {
        *loss = mc_nn_loss_eval(lt, mc_nn_output(net)->out, b->x, 0, len, g, 1.0f);
        rc = mc_nn_backward(net, g, err);
    }
    if (!rc) rc = mc_nn_opt_step(&m->opt[0], net, err);
    free(buf);
    return rc;
}

const mc_nn_arch mc_nn_arch_denoise = {
    "denoise",
    "residual CNN that removes Gaussian noise (the engine's example and self-test)",
    denoise_hp,
    sizeof denoise_hp / sizeof denoise_hp[0],
    denoise_build,
    denoise_step,
    MC_NN_SCALE_PM1,
    NULL,
    0,
    NULL,
    0,
};
