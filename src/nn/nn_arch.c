/*
 * nn_arch.c - the registry of trainable architectures, and `denoise`, the
 * engine's own example: a small residual CNN that learns to remove Gaussian
 * noise from image patches (input x + noise, target x).  Scheme issues add
 * their architectures (AT-ResNet-CM, ZZ-GAN, EDG-Net) to arch_list below.
 */
#include "nn/nn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mc_nn_model_init(mc_nn_model *m) { memset(m, 0, sizeof *m); }

void mc_nn_model_free(mc_nn_model *m) {
    for (size_t i = 0; i < m->nnets; i++) mc_nn_net_free(m->net[i]);
    memset(m, 0, sizeof *m);
}

mc_nn_net *mc_nn_model_net(const mc_nn_model *m, const char *name) {
    for (size_t i = 0; i < m->nnets; i++)
        if (!strcmp(m->net[i]->name, name)) return m->net[i];
    return NULL;
}

const char *mc_nn_hp(const mc_nn_model *m, const char *key, const char *def) {
    const char *v = mc_meta_get(&m->hp, key);
    return v ? v : def;
}

int mc_nn_hp_double(const mc_nn_model *m, const char *key, double lo, double hi, double *out, mc_err *err) {
    const char *v = mc_nn_hp(m, key, NULL);
    char *end;
    if (!v) return mc_err_set(err, MC_ERR_ARG, "hyperparameter %s missing", key);
    double x = strtod(v, &end);
    if (end == v || *end || !(x >= lo && x <= hi))
        return mc_err_set(err, MC_ERR_ARG, "hyperparameter %s=%s: want a number in [%g, %g]", key, v, lo, hi);
    *out = x;
    return MC_OK;
}

int mc_nn_arch_hp(const mc_nn_arch *a, mc_nn_model *m, const char *const *kv, size_t n, mc_err *err) {
    mc_meta_clear(&m->hp);
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(kv[i], '=');
        if (!eq || eq == kv[i] || (size_t)(eq - kv[i]) >= MC_META_KEY_MAX)
            return mc_err_set(err, MC_ERR_ARG, "hyperparameter '%s': want NAME=VALUE", kv[i]);
        char key[MC_META_KEY_MAX];
        memcpy(key, kv[i], (size_t)(eq - kv[i]));
        key[eq - kv[i]] = 0;
        size_t j = 0;
        while (j < a->nhp && strcmp(a->hp[j].name, key)) j++;
        if (j == a->nhp) return mc_err_set(err, MC_ERR_ARG, "%s has no hyperparameter '%s'", a->name, key);
        if (mc_meta_get(&m->hp, key)) return mc_err_set(err, MC_ERR_ARG, "hyperparameter %s given twice", key);
        if (mc_meta_set(&m->hp, key, eq + 1))
            return mc_err_set(err, MC_ERR_ARG, "hyperparameter %s: bad value", key);
    }
    for (size_t j = 0; j < a->nhp; j++)
        if (!mc_meta_get(&m->hp, a->hp[j].name) && mc_meta_set(&m->hp, a->hp[j].name, a->hp[j].default_value))
            return mc_err_set(err, MC_ERR_INTERNAL, "hyperparameter table too large");
    snprintf(m->arch, sizeof m->arch, "%s", a->name);
    return MC_OK;
}

/* ------------------------------------------------------------- denoise */

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

static const mc_nn_arch arch_denoise = {
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

/* The registry: scheme issues append their architectures here. */
static const mc_nn_arch *const arch_list[] = {
    &arch_denoise,
    &mc_nn_arch_at_resnet_cm,
    &mc_nn_arch_resnet_cm,
    &mc_nn_arch_edg_net,
};

const mc_nn_config *mc_nn_arch_config(const mc_nn_arch *a, const char *name) {
    for (size_t i = 0; i < a->nconfigs; i++)
        if (!strcmp(a->configs[i].name, name)) return &a->configs[i];
    return NULL;
}

size_t mc_nn_arch_count(void) { return sizeof arch_list / sizeof arch_list[0]; }
const mc_nn_arch *mc_nn_arch_at(size_t i) { return i < mc_nn_arch_count() ? arch_list[i] : NULL; }
const mc_nn_arch *mc_nn_arch_find(const char *name) {
    for (size_t i = 0; i < mc_nn_arch_count(); i++)
        if (!strcmp(arch_list[i]->name, name)) return arch_list[i];
    return NULL;
}
