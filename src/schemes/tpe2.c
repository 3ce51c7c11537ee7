/* tpe2.c - "tpe2": the three-pixel rank-then-encipher exact thumbnail-
 * preserving encryption of Zhao et al. (2021), a baseline for tpe-h2mwd
 * (docs/schemes/tpe2.md).
 *
 * Per channel and block (block x block tiles, smaller ones at the right and
 * bottom edges), `rounds` rounds of: a keyed permutation of the block drawn
 * first from the round's stream; then each consecutive triple (a, b, c) of the
 * block in raster order is ranked among the N(s) triples of [0, M]^3 with the
 * same sum s (lexicographic in (a, b), closed form), the rank enciphered as
 * rank + r mod N(s) with r uniform in [0, N(s)) (rejection, no modulo bias),
 * and unranked; a trailing pair (block size = 2 mod 3) gets tpe-pair's
 * substitution, a lone trailing level only moves; then the levels are moved
 * by the permutation.  Triple sums, hence block sums, are kept exactly.
 * Levels are offset binary for signed images (tpe_common.h).  One keyed
 * stream per (plane, block, round); the hardened nonce enters every stream. */
#include "schemes/schemes.h"
#include "schemes/tpe_common.h"

static const mc_param_def tpe2_params[] = {
    {"block", "32", "block side in pixels, 2..256: the thumbnail tile whose sum is kept"},
    {"rounds", "7", "rounds, 1..256 (7: 3^7 >= 1024, a level can reach every position of a 32x32 block)"},
};

static int tpe2_encrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    return mc_tpe_group_run(ctx, &mc_scheme_tpe2, img, 3, 1, err);
}

static int tpe2_decrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    return mc_tpe_group_run(ctx, &mc_scheme_tpe2, img, 3, 0, err);
}

const mc_scheme mc_scheme_tpe2 = {
    .name = "tpe2",
    .title = "three-pixel rank-then-encipher exact thumbnail-preserving encryption (baseline)",
    .paper = "Zhao et al.: TPE2: Three-pixel exact thumbnail-preserving image encryption, Signal Processing 2021",
    .bits = MC_BITS_8 | MC_BITS_16,
    .profiles = MC_PROFILES_PAPER | MC_PROFILES_HARDENED,
    .params = tpe2_params,
    .nparams = sizeof tpe2_params / sizeof tpe2_params[0],
    .encrypt = tpe2_encrypt,
    .decrypt = tpe2_decrypt,
    .flags = 0,
};
