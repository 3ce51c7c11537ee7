/*
 * arch.c - the registry of trainable architectures (`medcrypt train`):
 * denoise (arch_denoise.c, the engine's own example), at-resnet-cm and
 * resnet-cm (step_atresnet.c), zz-gan (step_zzgan.c), edg-net
 * (step_edgnet.c).  Scheme issues append theirs to arch_list.
 */
#include "nn/nn.h"

#include <stdio.h>
#include <string.h>

extern const mc_nn_arch mc_nn_arch_denoise;

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

/* The registry: scheme issues append their architectures here. */
static const mc_nn_arch *const arch_list[] = {
    &mc_nn_arch_denoise,
    &mc_nn_arch_at_resnet_cm,
    &mc_nn_arch_resnet_cm,
    &mc_nn_arch_zz_gan,
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
