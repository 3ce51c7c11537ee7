/* logistic.c - the chaotic stage of AT-ResNet-CM (Li, Peng et al. 2023): the
 * image XORed with a logistic-map keystream (docs/schemes/logistic.md).
 *
 *   x_{n+1} = mu x_n (1 - x_n),  mu in [3.99, 4),  x0 in (0, 1)
 *   transient: the first `transient` iterates (>= 1000) are discarded
 *   keystream: one iterate per sample, k = floor(x * 1e14) mod 2^bits
 *   cipher:    c = p XOR k, samples in storage order (channels interleaved,
 *              row after row, slice after slice)
 *
 * The keystream code is logistic_core.h (double, fixed evaluation order,
 * built with -ffp-contract=off): a clang build decrypts what a gcc build
 * encrypted.
 *
 * paper:    (mu, x0) from the scheme sub-key alone, so every image encrypted
 *           under one key gets the same keystream (as in the paper, where the
 *           chaotic parameters are the key).  --param mu=/x0= pin them
 *           (reproduction only: the values are then written in the file).
 * hardened: (mu, x0) from the sub-key and the image's fresh nonce, plus the
 *           framework's MAC; pinned values are refused. */
#include "core/internal.h"
#include "schemes/classical.h"
#include "schemes/logistic_core.h"
#include "schemes/schemes.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#define MU_MIN 3.99
#define TRANSIENT_MIN 1000ULL
#define TRANSIENT_MAX 10000000ULL

static const mc_param_def k_params[] = {
    {"mu", "key", "control parameter in [3.99, 4), or 'key': derived from the key (and the nonce in hardened)"},
    {"x0", "key", "initial value in (0, 1), or 'key': derived like mu; a number is allowed in paper only"},
    {"transient", "1000", "iterates discarded before the keystream, 1000..10000000"},
};

/* A whole-string decimal number, finite. */
static int parse_double(const char *s, double *out) {
    char *end;
    if (!s || !*s) return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out) {
    uint64_t v = 0;
    if (!s || !*s) return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10) return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

/* (mu, x0, transient) for this image. */
static int logistic_params(const mc_scheme_ctx *ctx, double *mu, double *x0, uint64_t *transient, mc_err *err) {
    const char *smu = mc_scheme_param(ctx, &mc_scheme_logistic, "mu");
    const char *sx0 = mc_scheme_param(ctx, &mc_scheme_logistic, "x0");
    const char *str = mc_scheme_param(ctx, &mc_scheme_logistic, "transient");
    int pin_mu = strcmp(smu, "key") != 0, pin_x0 = strcmp(sx0, "key") != 0;
    if (parse_u64(str, transient) || *transient < TRANSIENT_MIN || *transient > TRANSIENT_MAX)
        return mc_err_set(err, MC_ERR_FORMAT, "logistic: transient '%s' must be an integer in [1000, 10000000]", str);
    if (pin_mu && (parse_double(smu, mu) || !(*mu >= MU_MIN && *mu < 4.0)))
        return mc_err_set(err, MC_ERR_FORMAT, "logistic: mu '%s' must be a number in [3.99, 4) or 'key'", smu);
    if (pin_x0 && (parse_double(sx0, x0) || !(*x0 > 0.0 && *x0 < 1.0)))
        return mc_err_set(err, MC_ERR_FORMAT, "logistic: x0 '%s' must be a number in (0, 1) or 'key'", sx0);
    if ((pin_mu || pin_x0) && ctx->nonce)
        return mc_err_set(err, MC_ERR_ARG,
                          "logistic: mu and x0 come from the key and the nonce in the hardened profile; "
                          "pin them only with --profile paper");
    double kmu, kx0;
    mc_logistic_key_params(ctx->key, ctx->nonce, "logistic/params", &kmu, &kx0, pin_mu ? *mu : 0);
    if (!pin_mu) *mu = kmu;
    if (!pin_x0) *x0 = kx0;
    volatile double *vk = &kmu, *vx = &kx0; /* key material */
    *vk = 0;
    *vx = 0;
    return MC_OK;
}

/* Key-derived values: 53-bit uniforms from the keyed stream (nonce mixed in
 * when hardened).  mu = 3.99 + 0.01 u; x0 = u, kept away from 0, 1 and the
 * fixed point 1 - 1/mu (pin_mu, when nonzero, is used as mu and not drawn). */
void mc_logistic_key_params(const uint8_t key[MC_KEY_BYTES], const uint8_t *nonce, const char *label, double *mu,
                            double *x0, double pin_mu) {
    mc_stream st;
    mc_stream_init(&st, key, nonce, label, 0, 0);
    if (pin_mu != 0) {
        *mu = pin_mu;
    } else {
        do *mu = MU_MIN + 0.01 * mc_stream_unit(&st);
        while (!(*mu >= MU_MIN && *mu < 4.0));
    }
    const double m = *mu;
    do *x0 = mc_stream_unit(&st);
    while (*x0 < 1e-6 || *x0 > 1.0 - 1e-6 || fabs(*x0 - (1.0 - 1.0 / m)) < 1e-6);
    mc_stream_wipe(&st);
}

/* Encryption and decryption are the same XOR. */
static int logistic_xor(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    double mu = 0, x = 0;
    uint64_t transient = 0;
    int rc = logistic_params(ctx, &mu, &x, &transient, err);
    if (rc) return rc;
    x = mc_logistic_skip(mu, x, transient);
    size_t n = mc_image_samples(img);
    if (img->bits == 8) mc_logistic_xor8(mu, &x, img->pixels, n);
    else mc_logistic_xor16(mu, &x, img->pixels, n);
    /* the state is key material */
    volatile double *vx = &x, *vmu = &mu;
    *vx = 0;
    *vmu = 0;
    return MC_OK;
}

const mc_scheme mc_scheme_logistic = {
    .name = "logistic",
    .title = "logistic-map keystream XOR (AT-ResNet-CM's chaotic stage)",
    .paper = "Li, Peng et al. 2023, AT-ResNet-CM (Front. Neurosci.), logistic chaotic XOR",
    .bits = MC_BITS_8 | MC_BITS_16,
    .profiles = MC_PROFILES_PAPER | MC_PROFILES_HARDENED,
    .params = k_params,
    .nparams = sizeof k_params / sizeof k_params[0],
    .encrypt = logistic_xor,
    .decrypt = logistic_xor,
    .flags = 0,
};
