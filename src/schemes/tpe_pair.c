/* tpe_pair.c - "tpe-pair": the two-pixel exact thumbnail-preserving encryption
 * of Tajik et al. (NDSS 2019), a baseline for tpe-h2mwd (docs/schemes/tpe-pair.md).
 *
 * Per channel and block (block x block tiles, smaller ones at the right and
 * bottom edges), `rounds` rounds of: a keyed permutation of the block drawn
 * first from the round's stream; then for each consecutive pair (p, q) of the
 * block in raster order, s = p + q and
 *   p' = (p + r) mod (s + 1)                 if s <= M
 *   p' = M - ((p + r) mod (2M + 1 - s))      otherwise,   q' = s - p',
 * with r uniform over the size of the sum class (rejection: no modulo bias);
 * then the levels are moved by the permutation.  Pair sums, hence block sums
 * and the block-mean thumbnail, are kept exactly.  Levels are offset binary
 * for signed images (tpe_common.h).  One keyed stream per (plane, block,
 * round); the hardened profile's nonce enters every stream. */
#include "schemes/schemes.h"
#include "schemes/tpe_common.h"

static const mc_param_def tpe_pair_params[] = {
    {"block", "32", "block side in pixels, 2..256: the thumbnail tile whose sum is kept"},
    {"rounds", "10", "rounds, 1..256 (10: a level can reach all 1024 positions of a 32x32 block)"},
};

static int tpe_pair_encrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    return mc_tpe_group_run(ctx, &mc_scheme_tpe_pair, img, 2, 1, err);
}

static int tpe_pair_decrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    return mc_tpe_group_run(ctx, &mc_scheme_tpe_pair, img, 2, 0, err);
}

const mc_scheme mc_scheme_tpe_pair = {
    .name = "tpe-pair",
    .title = "two-pixel exact thumbnail-preserving encryption (baseline)",
    .paper = "Tajik et al.: Balancing Image Privacy and Usability with Thumbnail-Preserving Encryption, NDSS 2019",
    .bits = MC_BITS_8 | MC_BITS_16,
    .profiles = MC_PROFILES_PAPER | MC_PROFILES_HARDENED,
    .params = tpe_pair_params,
    .nparams = sizeof tpe_pair_params / sizeof tpe_pair_params[0],
    .encrypt = tpe_pair_encrypt,
    .decrypt = tpe_pair_decrypt,
    .flags = 0,
};
