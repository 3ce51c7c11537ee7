/* tpe_common.h - what the exact thumbnail-preserving schemes share (tpe-h2mwd,
 * tpe-pair, tpe2): block geometry, levels, parameters, a bit-thrifty unbiased
 * sampler over mc_stream, keyed in-block permutations, and the sum-preserving
 * substitutions of pixel pairs and triples.
 *
 * Levels: every TPE scheme works on the sample as an unsigned level 0..M
 * (M = 2^bits - 1); a signed image's sample is taken in offset binary
 * (two's complement value + 2^(bits-1), i.e. the bit pattern with the sign bit
 * flipped).  Level = value + constant, so a block's sum of levels is preserved
 * exactly if and only if its sum of signed values is: the thumbnail a viewer
 * shows for CT (signed Hounsfield units) is the one kept.  This is also what
 * src/metrics (mc_level, mc_thumbnail) measures.
 *
 * Blocks: a plane (one channel of one slice) is cut into block x block tiles
 * from the top-left corner; the tiles at the right and bottom edges are
 * narrower / shorter (bw x bh) and are encrypted as blocks of their own, so
 * every tile of the thumbnail, partial or not, keeps its sum. */
#ifndef MC_TPE_COMMON_H
#define MC_TPE_COMMON_H
#include "core/cpu.h"
#include "core/internal.h"

#define TPE_BLOCK_MIN 2u
#define TPE_BLOCK_MAX 256u
#define TPE_ROUNDS_MIN 1u
#define TPE_ROUNDS_MAX 256u

/* ---------------------------------------------------------------- params */

/* Parse parameter `name` of scheme s as an integer in [lo, hi];
 * MC_ERR_FORMAT with a one-line message otherwise. */
int mc_tpe_param_uint(const mc_scheme_ctx *ctx, const mc_scheme *s, const char *name, unsigned lo, unsigned hi,
                   unsigned *out, mc_err *err);

/* --------------------------------------------------------------- sampler */

/* Bits taken from an mc_stream through a byte pool; uniform integers by
 * rejection over ceil(log2 n) bits (no modulo bias).  Wipe with mc_tpe_rng_wipe. */
typedef struct tpe_rng {
    mc_stream s;
    uint8_t pool[512];
    size_t pos;
    uint64_t acc;
    unsigned nacc;
} tpe_rng;

void mc_tpe_rng_init(tpe_rng *r, const uint8_t *key, const uint8_t *nonce, const char *label, uint64_t a,
                  uint64_t b);
void mc_tpe_rng_wipe(tpe_rng *r);
void mc_tpe_rng_refill(tpe_rng *r);

static inline uint8_t tpe_byte(tpe_rng *r) {
    if (r->pos == sizeof r->pool) mc_tpe_rng_refill(r);
    return r->pool[r->pos++];
}

/* k random bits, 1 <= k <= 32. */
static inline uint32_t tpe_bits(tpe_rng *r, unsigned k) {
    while (r->nacc < k) {
        r->acc |= (uint64_t)tpe_byte(r) << r->nacc;
        r->nacc += 8;
    }
    uint32_t v = (uint32_t)(r->acc & ((1ULL << k) - 1));
    r->acc >>= k;
    r->nacc -= k;
    return v;
}

/* Bits needed for [0, n): ceil(log2 n), 0 for n <= 1. */
static inline unsigned tpe_width(uint64_t n) {
    return n <= 1 ? 0 : (unsigned)(64 - __builtin_clzll(n - 1));
}

/* Uniform in [0, n) given k = tpe_width(n) <= 32: rejection, unbiased. */
static inline uint32_t tpe_uniform_k(tpe_rng *r, uint64_t n, unsigned k) {
    if (k == 0) return 0;
    for (;;) {
        uint32_t x = tpe_bits(r, k);
        if (x < n) return x;
    }
}

/* Uniform in [0, n), 1 <= n <= 2^32, unbiased. */
static inline uint32_t tpe_uniform(tpe_rng *r, uint64_t n) {
    return tpe_uniform_k(r, n, tpe_width(n));
}

/* n bytes. */
void mc_tpe_fill(tpe_rng *r, uint8_t *out, size_t n);

/* Keyed permutation of [0, n): Fisher-Yates, perm[i] = source index. */
void mc_tpe_perm_draw(tpe_rng *r, uint32_t *perm, size_t n);

/* ----------------------------------------------------------- block driver */

/* One block handed to a scheme: n = bh * bw levels in raster order. */
typedef struct tpe_block {
    const mc_scheme_ctx *ctx;
    uint32_t *v;            /* levels, in/out */
    uint32_t bh, bw;        /* this block's height and width (edge blocks are smaller) */
    uint32_t maxv;          /* M = 2^bits - 1 */
    unsigned bits;          /* 8 or 16 */
    uint64_t plane;         /* slice * channels + channel */
    uint64_t index;         /* block index in the plane (row-major over the block grid) */
} tpe_block;

typedef int (*tpe_block_fn)(void *user, const tpe_block *b, int enc, mc_err *err);

/* Cut every plane of img into block x block tiles, hand each tile's levels to
 * fn, store them back.  Returns fn's first error. */
int mc_tpe_for_each_block(const mc_scheme_ctx *ctx, mc_image *img, unsigned block, int enc, tpe_block_fn fn,
                       void *user, mc_err *err);

/* ------------------------------------------------ sum-preserving pieces */

/* Tajik et al. 2019: the pair (p, q) with s = p + q, levels in [0, M].
 * Class size of s: min(s, 2M - s) + 1. */
static inline uint32_t tpe_pair_size(uint32_t s, uint32_t M) {
    return (s <= M ? s : 2 * M - s) + 1;
}
/* p' = (p + r) mod (s + 1) if s <= M, else M - ((p + r) mod (2M + 1 - s)); q' = s - p'. */
void mc_tpe_pair_enc(uint32_t *p, uint32_t *q, uint32_t r, uint32_t M);
void mc_tpe_pair_dec(uint32_t *p, uint32_t *q, uint32_t r, uint32_t M);

/* Triples (a, b, c) in [0, M]^3 with a + b + c = s, ranked lexicographically
 * by (a, b).  Counts fit 64 bits (at most (M + 1)^2 per sum). */
uint64_t mc_tpe_triple_count(uint32_t s, uint32_t M);
uint64_t mc_tpe_triple_rank(uint32_t a, uint32_t b, uint32_t c, uint32_t M);
void mc_tpe_triple_unrank(uint64_t rank, uint32_t s, uint32_t M, uint32_t *a, uint32_t *b, uint32_t *c);


/* The rank-then-encipher baselines (tpe-pair: group 2, tpe2: group 3), one
 * block, all rounds.  Round r (keyed stream (label, plane, index << 16 | r)):
 * draw a keyed permutation of the block; substitute each consecutive group of
 * `group` levels in raster order by a uniformly drawn member of the set of
 * groups with the same sum (pairs: Tajik's formula; triples: rank + r mod
 * count); a trailing pair of a tpe2 block is substituted as a pair, a lone
 * trailing level is left; then move the levels by the permutation.
 * scratch holds 2 * bh * bw uint32. */
int mc_tpe_group_block(const tpe_block *b, unsigned rounds, unsigned group, const char *label, int enc,
                    uint32_t *scratch);
/* The whole image: parameters "block" and "rounds" of scheme s (checked),
 * label = s->name. */
int mc_tpe_group_run(const mc_scheme_ctx *ctx, const mc_scheme *s, mc_image *img, unsigned group, int enc,
                  mc_err *err);

/* The block driver's rows of RGB 8-bit images with AVX-512 VBMI
 * (tpe_common_x86.c; x86-64 only, called only where mc_cpu_features() has
 * MC_TPE_RGB8_CPU): bh rows (stride bytes apart) of n samples of channel ch
 * of the pixels at row (channel 0 of the first) <-> levels v (n per row, XOR
 * flip), a byte permute per 32 pixels. */
#define MC_TPE_RGB8_CPU (MC_CPU_AVX512F | MC_CPU_AVX512BW | MC_CPU_AVX512VL | MC_CPU_AVX512VBMI)
void mc_tpe_rgb8_gather(const uint8_t *row, size_t stride, uint32_t bh, uint32_t n, unsigned ch, uint32_t flip,
                        uint32_t *v);
void mc_tpe_rgb8_scatter(uint8_t *row, size_t stride, uint32_t bh, uint32_t n, unsigned ch, uint32_t flip,
                         const uint32_t *v);

#endif
