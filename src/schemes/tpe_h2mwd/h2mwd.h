/* h2mwd.h - tpe-h2mwd's private interface: the working state, the block
 * shapes' geometry, and the table of implementations (not installed).
 *
 * The folder, libsodium-style:
 *   scheme.c        the scheme (parameters, one image), the table of
 *                   implementations and the choice made once per image from
 *                   mc_cpu_features(), the state (its own sizes, wiped as one)
 *   ref.c           the construction written once, readable: one byte per
 *                   bit, every block shape (the reference the others equal)
 *   tiles.h/.c      bit planes packed in 8 x 8 tiles: the population moves
 *                   as word operations; square blocks of side 48
 *   benes.c         a ZMP traversal as a Benes network (routed once)
 *   board.c         the bit-board driver: square blocks of side 8, 16, 32,
 *                   64, one keyed-stream call per block, the implementation's
 *                   kernels for every step
 *   impl_portable.c impl_avx2.c impl_avx512.c   the bit-board kernels
 *   seqs.h          PMH2M's sequences and WDPCS on boards (a template the
 *                   implementations include)
 * Every implementation gives the same cipher (test_tpe: random blocks of
 * many shapes through each; test_tpe_golden pins the cipher). */
#ifndef MC_TPE_H2MWD_H
#define MC_TPE_H2MWD_H

#include "core/cpu.h"
#include "schemes/tpe_common.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MC_TPE_X86 1
#else
#define MC_TPE_X86 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define H2_INLINE static inline __attribute__((always_inline))
#define H2_UNROLL _Pragma("GCC unroll 8")
#else
#define H2_INLINE static inline
#define H2_UNROLL
#endif

/* PMH2M's population kinds (Imp values). */
enum { POP_ROW = 0, POP_COL = 1, POP_MINOR = 2, POP_MAJOR = 3 };

/* 8 x 8 bit matrix (byte i = row i, bit j = column j) transposed */
static inline uint64_t h2_transpose8(uint64_t x) {
    uint64_t t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AAULL;
    x ^= t ^ (t << 7);
    t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCCULL;
    x ^= t ^ (t << 14);
    t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0ULL;
    return x ^ t ^ (t << 28);
}

/* A move as a permutation of its population word w (K bits; bit k: the cell
 * of row k of a column or diagonal, of column k of a row):
 * (ror(w, a) & m) | (ror(w, b) & ~m). */
typedef struct h2_par {
    uint64_t m;
    uint32_t a, b;
} h2_par;

static inline h2_par h2_move_par(unsigned kind, uint32_t d, uint32_t K, int enc) {
    const uint64_t full = K == 64 ? ~0ULL : (1ULL << K) - 1;
    h2_par p = {0};
    if (d == 0) {
        p.m = full;
    } else if (kind <= POP_COL) { /* even cells k go to k - d, odd ones to k + d (enc; tiles.c: line_word) */
        p.a = enc ? d : K - d;
        p.b = K - p.a;
        p.m = ((enc && (d & 1)) ? 0xAAAAAAAAAAAAAAAAULL : 0x5555555555555555ULL) & full;
    } else { /* enc: row r takes row r - d */
        p.a = p.b = enc ? K - d : d;
        p.m = full;
    }
    return p;
}

/* ------------------------------------------------------ implementations */

/* The bit-board kernels of one implementation.  A board of side K (8, 16,
 * 32, 64) is a plane's K^2 bits in raster order, LSB first, nw = K^2 / 64
 * words; the P planes of a block lie nw words apart (plane p at bb + p nw).
 * `tables` is what tables_new made for this image (NULL if it has none),
 * `scratch` H2_SCRATCH words the state owns and wipes. */
typedef struct mc_tpe_h2mwd_impl {
    const char *name; /* "ref", "portable", "avx2", "avx2-pdep", "avx512" */
    uint32_t cpu;     /* the MC_CPU_* features it needs */
    /* NULL for "ref": every block through ref.c (the construction) */
    void *(*tables_new)(void); /* NULL: no tables; returns NULL when out of memory */
    void (*tables_free)(void *tables);
    /* 64 nw levels <-> P boards (merge may clobber the boards).  Between
     * them the high boards (L .. P - 1) are only handed to moves and wdpcs:
     * their layout is the implementation's own (impl_portable.c keeps them
     * in 8 x 8 tiles); the low boards are boards as above. */
    void (*split)(const uint32_t *v, size_t nw, unsigned P, uint64_t *bb);
    void (*merge)(uint64_t *bb, size_t nw, unsigned P, uint32_t *v);
    /* ones in nw words */
    size_t (*ones)(const uint64_t *X, size_t nw);
    /* ZMP of the L low boards X + q nw: board q through the network masks[q]
     * then rotated by rot[q] (enc), or the inverse */
    void (*zmp)(uint64_t *X, unsigned L, uint32_t K, const uint64_t *const *masks, const size_t *rot, int enc,
                uint64_t *scratch);
    /* PMH2M's sequences of low board X with the keyed offsets at bit bp of
     * fb: kind[t] / dist[t] = Imp1 / Vis1, kind[K + t] / dist[K + t] = Imp2 /
     * Vis2 (seqs.h) */
    void (*seqs)(const uint64_t *X, uint32_t K, const uint8_t *fb, size_t bp, uint8_t *kind, uint8_t *dist);
    /* PMH2M's moves of the L high boards H + q nw with the sequences kd / dd
     * (128 bytes per plane) */
    void (*moves)(const void *tables, uint64_t *H, unsigned L, uint32_t K, const uint8_t *kd, const uint8_t *dd,
                  int enc, uint64_t *scratch);
    /* WDPCS of the P boards with key bytes wd (K^2 / 16 per pair), pairs
     * lowest first (enc) or last */
    void (*wdpcs)(uint64_t *bb, unsigned P, uint32_t K, const uint8_t *wd, int enc);
} mc_tpe_h2mwd_impl;

#define H2_SCRATCH 512 /* words of kernel scratch */

extern const mc_tpe_h2mwd_impl mc_tpe_h2mwd_impl_ref, mc_tpe_h2mwd_impl_portable;
#if MC_TPE_X86
extern const mc_tpe_h2mwd_impl mc_tpe_h2mwd_impl_avx2, mc_tpe_h2mwd_impl_avx2_pdep, mc_tpe_h2mwd_impl_avx512;
#endif

/* The implementations, best first ("ref" last); *n of them. */
const mc_tpe_h2mwd_impl *const *mc_tpe_h2mwd_impls(size_t *n);
/* The implementation called `name` if this process may run it (its features
 * are in mc_cpu_features()), else NULL. */
const mc_tpe_h2mwd_impl *mc_tpe_h2mwd_impl_get(const char *name);
/* The fastest implementation mc_cpu_features() allows. */
const mc_tpe_h2mwd_impl *mc_tpe_h2mwd_impl_best(void);

/* One block (b->v in place, key and nonce from b->ctx), all `rounds`
 * rounds, through implementation impl (tests). */
int mc_tpe_h2mwd_block(const tpe_block *b, unsigned rounds, int enc, const mc_tpe_h2mwd_impl *impl, mc_err *err);
/* A whole image, parameters from ctx, through implementation impl (what the
 * scheme does with mc_tpe_h2mwd_impl_best(); benchmarks time each). */
int mc_tpe_h2mwd_image(const mc_scheme_ctx *ctx, mc_image *img, int enc, const mc_tpe_h2mwd_impl *impl,
                       mc_err *err);

/* ------------------------------------------------------------- state */

/* Per block shape (bh, bw): the 8 zigzag traversals and the cells of every
 * diagonal population (at most 4 shapes an image: full, right edge, bottom
 * edge, corner).  Cell indices fit 16 bits (block <= 256).  Not secret. */
typedef struct h2_geo {
    uint32_t bh, bw;
    uint16_t *T2;   /* 8 * 2n: T2[m * 2n + j] = cell visited (j mod n)-th by model m */
    uint16_t *inv;  /* 8 * n: inv[m * n + cell] = j */
    uint16_t *diag; /* 2 * (bw + bh) * bh: cells of the diagonals, h2_diag_at() */
    uint16_t *mod;  /* x mod bw for x <= 3 bh, then x mod bh for x <= 3 bw */
    const uint64_t *benes; /* board shapes: 8 models' network masks (benes.c), else NULL */
} h2_geo;

/* Cells of the diagonal of `kind` (POP_MINOR / POP_MAJOR) starting at (0, t)
 * (step 2, t < bw) or at (t, 0) (step 3, t < bh): bh cells, one per row from
 * the start downwards, rows and columns cyclic. */
static inline const uint16_t *h2_diag_at(const h2_geo *g, unsigned kind, int step3, uint32_t t) {
    const size_t per = (size_t)(g->bw + g->bh) * g->bh;
    return g->diag + (kind == POP_MAJOR ? per : 0) + ((step3 ? g->bw : 0) + (size_t)t) * g->bh;
}

/* Bytes of keyed fields a board round takes at most (K = 64, 16-bit
 * samples: 8 * (3 + 12) + 8 * 64 * (4 + 12) bits), one leading byte, padding. */
#define H2_RBUF (1 + 1039 + 16)

/* The working state of one image (or one test block).  Every buffer is cut
 * from one arena that h2_free wipes and frees whole: nothing depends on the
 * caller remembering how much was drawn. */
typedef struct h2_state {
    const mc_tpe_h2mwd_impl *impl;
    void *tables; /* impl->tables_new(), or NULL */
    unsigned P, L; /* bit planes (8 or 16), low half */
    unsigned rounds;
    uint32_t block;      /* largest block side */
    unsigned mat_rounds; /* rounds of byte-path material held: 1 (encrypt) or rounds (decrypt) */
    h2_geo g[4];
    unsigned ng;
    uint8_t *arena;
    size_t arena_size;
    /* ref.c: one byte per bit */
    uint8_t *pl[17];  /* plane p (P <= 16) and, at [P], a spare */
    uint8_t *tmp;     /* block: a population */
    uint8_t *occ;     /* block */
    uint32_t *dest;   /* block */
    uint32_t *cnt;    /* 2 * block: column and row counts */
    uint8_t *seqb;    /* 2 * block: Imp1, Imp2 */
    uint32_t *seqv;   /* 2 * block: Vis1, Vis2 */
    uint16_t *mat;    /* mat_rounds * mat_u16 */
    uint8_t *wd;      /* mat_rounds * wd_bytes */
    size_t mat_u16, wd_bytes;
    /* tiles.c */
    uint64_t *tl;     /* P * 64: the planes in 8 x 8 tiles */
    /* board.c */
    uint64_t *bb;     /* P * 64: the boards */
    uint64_t *scratch; /* H2_SCRATCH */
    uint8_t *kd, *dd; /* L * 128: PMH2M's sequences */
    uint8_t *sbuf;    /* sbuf_size: a block's keyed bytes, every round */
    size_t sbuf_size;
    uint8_t *rbuf;    /* H2_RBUF: one round's fields */
    size_t roff[TPE_ROUNDS_MAX]; /* round r's first field byte in sbuf */
    uint8_t rn0[TPE_ROUNDS_MAX]; /* bits left over from round r - 1's fields */
} h2_state;

/* --------------------------------------------------- between the files */

/* ref.c: the geometry of shape (bh, bw), made once per state; ZMP of one
 * plane held one byte per bit (pl -> t, c1 ones); a round's keyed material
 * (h2_mat); one block through the construction. */
typedef struct h2_mat {
    uint16_t *zmp; /* L * 3: model, row, column offsets */
    uint16_t *seq; /* L * 2 * (bw + bh): imp1[bw] vis1[bw] imp2[bh] vis2[bh] offsets */
    uint8_t *wd;   /* (P - 1) * wdb key bytes */
    size_t wdb;
} h2_mat;
int mc_tpe_h2_geo_get(h2_state *h, uint32_t bh, uint32_t bw, const h2_geo **out);
void mc_tpe_h2_geo_free(h2_geo *g);
void mc_tpe_h2_zigzag(uint32_t R, uint32_t C, uint32_t *rr, uint32_t *cc);
void mc_tpe_h2_zmp_bytes(const h2_geo *g, const uint8_t *pl, uint8_t *t, const uint16_t *off, int enc, size_t c1);
/* Draw the rounds' material from the block's stream and run `round` on
 * each: forwards, one round drawn at a time (enc), or all drawn first, then
 * backwards. */
void mc_tpe_h2_rounds(h2_state *h, const h2_geo *g, const tpe_block *b, int enc,
                      void (*round)(h2_state *h, const h2_geo *g, h2_mat m, int enc));
void mc_tpe_h2_ref_block(h2_state *h, const h2_geo *g, const tpe_block *b, int enc);

/* tiles.c: square blocks of side 48 (the one tile shape that is not a board). */
int mc_tpe_h2_tiles_shape(uint32_t bh, uint32_t bw);
void mc_tpe_h2_tiles_block(h2_state *h, const h2_geo *g, const tpe_block *b, int enc);

/* benes.c: the 8 models' network masks for K x K boards (K = 8, 16, 32, 64),
 * routed once per process, read-only after (model m at m (2 log2 K^2 - 1)
 * nw words, stage-major); NULL when out of memory. */
const uint64_t *mc_tpe_h2_benes_masks(uint32_t K);
/* the shift of stage i of the network on n = 2^L bits (2L - 1 stages):
 * stage i swaps bits b and b + d where bit b of its mask is set */
static inline size_t h2_benes_delta(size_t n, unsigned L, unsigned i) {
    return i < L ? n >> (i + 1) : n >> (2 * L - 1 - i);
}

/* bit j of Y = bit (j + s) mod 64 nw of X */
H2_INLINE void h2_board_rot(const uint64_t *X, uint64_t *Y, size_t nw, size_t s) {
    const size_t a = s >> 6;
    const unsigned b = (unsigned)(s & 63);
    for (size_t w = 0; w < nw; w++) {
        const uint64_t x0 = X[(w + a) & (nw - 1)], x1 = X[(w + a + 1) & (nw - 1)];
        Y[w] = b ? (x0 >> b) | (x1 << (64 - b)) : x0;
    }
}

/* x (n = 2^L bits) through the network, or back through it (inverse) */
H2_INLINE void h2_benes_apply(uint64_t *x, size_t n, unsigned L, const uint64_t *masks, int inverse) {
    const size_t nw = n / 64;
    const unsigned S = 2 * L - 1;
    for (unsigned k = 0; k < S; k++) {
        const unsigned i = inverse ? S - 1 - k : k;
        const size_t d = h2_benes_delta(n, L, i);
        const uint64_t *M = masks + (size_t)i * nw;
        if (d >= 64) {
            const size_t D = d / 64;
            for (size_t w0 = 0; w0 < nw; w0 += 2 * D)
                for (size_t w = w0; w < w0 + D; w++) {
                    const uint64_t t = (x[w] ^ x[w + D]) & M[w];
                    x[w] ^= t;
                    x[w + D] ^= t;
                }
        } else {
            H2_UNROLL
            for (size_t w = 0; w < nw; w++) {
                const uint64_t t = ((x[w] >> d) ^ x[w]) & M[w];
                x[w] ^= t ^ (t << d);
            }
        }
    }
}

/* ZMP of one board X of side K through the network `masks`, then rotated by
 * s (enc), or the inverse (Y: nw words of scratch); plain C, K a constant
 * where this is expanded */
H2_INLINE void h2_board_zmp(uint64_t *X, uint64_t *Y, const uint64_t *masks, size_t s, int enc, const uint32_t K) {
    const size_t n = (size_t)K * K, nw = n / 64;
    const unsigned Lg = 2 * tpe_width(K);
    if (enc) {
        h2_benes_apply(X, n, Lg, masks, 0);
        h2_board_rot(X, Y, nw, s);
    } else {
        h2_board_rot(X, Y, nw, (n - s) & (n - 1));
        h2_benes_apply(Y, n, Lg, masks, 1);
    }
    memcpy(X, Y, nw * sizeof *X);
}

/* board.c */
static inline int h2_board_shape(uint32_t bh, uint32_t bw) {
    return bh == bw && (bh == 8 || bh == 16 || bh == 32 || bh == 64);
}
/* bytes of keyed stream a board block takes over `rounds` rounds */
size_t mc_tpe_h2_board_bytes(unsigned P, uint32_t K, unsigned rounds);
int mc_tpe_h2_board_block(h2_state *h, const h2_geo *g, const tpe_block *b, int enc);

#endif
