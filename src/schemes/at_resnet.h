/* at_resnet.h - what at-resnet-cm (at_resnet_cm.c) and its ablation
 * resnet-cm (resnet_cm.c) share: the whole cipher, parameterised by the
 * architecture name and the built-in model.  Internal, not installed. */
#ifndef MC_AT_RESNET_H
#define MC_AT_RESNET_H
#include "medcrypt.h"

#include <stddef.h>
#include <stdint.h>

/* The parameters both schemes take. */
#define MC_ATRES_NPARAMS 2
extern const mc_param_def mc_atres_params[MC_ATRES_NPARAMS];

/* Built-in models, embedded at build time from models/NAME.mcnn. */
#include "nn/builtin_models.h"

/* Encrypt / decrypt img in place with scheme s, whose networks are those of
 * architecture `arch` (the model's arch must match) and whose built-in model
 * is builtin[0..builtin_len). */
int mc_atres_encrypt(const mc_scheme *s, const char *arch, const uint8_t *builtin, size_t builtin_len,
                     const mc_scheme_ctx *ctx, mc_image *img, mc_err *err);
int mc_atres_decrypt(const mc_scheme *s, const char *arch, const uint8_t *builtin, size_t builtin_len,
                     const mc_scheme_ctx *ctx, mc_image *img, mc_err *err);

#endif
