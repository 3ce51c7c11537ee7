/* resnet_cm.c - ResNet-CM, AT-ResNet-CM's ablation without attention (Li,
 * Peng et al. 2023, Table 5): the same cipher as at-resnet-cm
 * (at_resnet_cm.c) with networks of residual blocks only. */
#include "schemes/at_resnet.h"
#include "schemes/schemes.h"

static int rn_encrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    return mc_atres_encrypt(&mc_scheme_resnet_cm, "resnet-cm", mc_builtin_model_resnet_cm,
                            mc_builtin_model_resnet_cm_len, ctx, img, err);
}

static int rn_decrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    return mc_atres_decrypt(&mc_scheme_resnet_cm, "resnet-cm", mc_builtin_model_resnet_cm,
                            mc_builtin_model_resnet_cm_len, ctx, img, err);
}

const mc_scheme mc_scheme_resnet_cm = {
    .name = "resnet-cm",
    .title = "ResNet networks without attention (AT-ResNet-CM's ablation), logistic XOR",
    .paper = "Li, Peng et al. 2023, AT-ResNet-CM (Front. Neurosci. 17:1226154), ResNet-CM",
    .bits = MC_BITS_8 | MC_BITS_16,
    .profiles = MC_PROFILES_PAPER | MC_PROFILES_HARDENED,
    .params = mc_atres_params,
    .nparams = MC_ATRES_NPARAMS,
    .encrypt = rn_encrypt,
    .decrypt = rn_decrypt,
    .flags = MC_SCHEME_PAPER_LOSSY,
};
