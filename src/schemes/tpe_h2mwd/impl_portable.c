/* impl_portable.c - tpe-h2mwd's bit-board kernels in portable C (h2mwd.h):
 * what every CPU runs (MEDCRYPT_CPU=portable forces it).  Plain C and GNU C
 * vector extensions (SSE2 on x86-64, NEON on AArch64, scalar elsewhere).
 *  - split / merge: 64 levels at a time, 8 x 8 bit transposes;
 *  - ZMP: the Benes network (benes.c) two words a vector (K >= 16; K = 16,
 *    32 in registers), then the rotation;
 *  - sequences: seqs.h with SWAR popcounts and multiply gathers; WDPCS:
 *    seqs.h, at K = 32 two words a vector;
 *  - moves: K = 32, the plane in eight vectors, every move a masked gather
 *    into one word and a masked write-back, four planes interleaved
 *    (pv_moves32); K = 8, 16, 64, the high boards kept cut into 8 x 8 tiles
 *    (tiles.h) from split to merge, table-driven, four planes at a time
 *    (pt_moves_k). */
#include "schemes/tpe_h2mwd/tiles.h"

#include <sodium.h>

/* GNU C vector extensions: 128-bit vectors of four 32-bit lanes, plain C
 * that gcc and clang compile to SSE2 on every x86-64 (its baseline), to NEON
 * on AArch64, and to scalar code elsewhere. */
typedef uint32_t pv_u32 __attribute__((vector_size(16)));
typedef uint64_t pv_u64 __attribute__((vector_size(16)));

#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
#define PV_SHUF(v, a, b, c, d) __builtin_shufflevector(v, v, a, b, c, d)
#else
#define PV_SHUF(v, a, b, c, d) __builtin_shuffle(v, (pv_u32){a, b, c, d})
#endif

static inline pv_u32 pv_bcast(uint32_t x) {
    return (pv_u32){x, x, x, x};
}

static inline pv_u64 pv_ld64(const uint64_t *p) {
    pv_u64 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void pv_st64(uint64_t *p, pv_u64 v) {
    memcpy(p, &v, sizeof v);
}

/* levels (K x K, raster) -> P boards: 64 levels at a time, bit-transposed
 * in groups of 8, the groups byte-transposed */
H2_INLINE void board_split(const uint32_t *v, size_t nw, unsigned P, uint64_t *bb) {
    for (size_t w = 0; w < nw; w++)
        for (unsigned half = 0; half < P / 8; half++) {
            uint64_t y[8];
            for (unsigned g8 = 0; g8 < 8; g8++) {
                const uint32_t *s = v + 64 * w + 8 * g8;
                uint64_t x = 0;
                for (unsigned i = 0; i < 8; i++) x |= (uint64_t)((s[i] >> 8 * half) & 0xFF) << 8 * i;
                y[g8] = h2_transpose8(x); /* byte p: bit 8 half + p of the 8 levels */
            }
            transpose8_bytes(y); /* y[p] byte g8: the same */
            for (unsigned p = 0; p < 8; p++) bb[(8 * half + p) * nw + w] = y[p];
            sodium_memzero(y, sizeof y);
        }
}

H2_INLINE void board_merge(const uint64_t *bb, size_t nw, unsigned P, uint32_t *v) {
    for (size_t w = 0; w < nw; w++) {
        for (unsigned i = 0; i < 64; i++) v[64 * w + i] = 0;
        for (unsigned half = 0; half < P / 8; half++) {
            uint64_t y[8];
            for (unsigned p = 0; p < 8; p++) y[p] = bb[(8 * half + p) * nw + w];
            transpose8_bytes(y);
            for (unsigned g8 = 0; g8 < 8; g8++) {
                const uint64_t x = h2_transpose8(y[g8]);
                uint32_t *s = v + 64 * w + 8 * g8;
                for (unsigned i = 0; i < 8; i++) s[i] |= (uint32_t)((x >> 8 * i) & 0xFF) << 8 * half;
            }
            sodium_memzero(y, sizeof y);
        }
    }
}

/* The high boards stay cut into 8 x 8 tiles (tiles.h) from split to merge:
 * the moves work on tiles, WDPCS takes either layout, the low boards (ZMP,
 * the sequences) stay boards.  scratch: 64 words. */
static void port_high_layout(uint64_t *bb, size_t nw, unsigned P, int to_tiles) {
    const uint32_t K = nw == 1 ? 8 : nw == 4 ? 16 : nw == 16 ? 32 : 64;
    uint64_t t[64];
    if (K == 8 || K == 32) return; /* one tile: the board itself; K = 32: boards (vectors) */
    for (unsigned p = P / 2; p < P; p++) {
        if (to_tiles) board_to_tiles(bb + p * nw, K, t);
        else tiles_to_board(bb + p * nw, K, t);
        memcpy(bb + p * nw, t, nw * sizeof *t);
    }
    sodium_memzero(t, sizeof t);
}

static void port_split(const uint32_t *v, size_t nw, unsigned P, uint64_t *bb) {
    board_split(v, nw, P, bb);
    port_high_layout(bb, nw, P, 1);
}

static void port_merge(uint64_t *bb, size_t nw, unsigned P, uint32_t *v) {
    port_high_layout(bb, nw, P, 0);
    board_merge(bb, nw, P, v);
}


/* x (nw >= 4 words, n = 64 nw bits) through the network or back, two words
 * a vector (h2_benes_apply) */
H2_INLINE void pv_benes(uint64_t *x, size_t nw, unsigned L, const uint64_t *masks, int inverse) {
    const unsigned S = 2 * L - 1;
    for (unsigned k = 0; k < S; k++) {
        const unsigned i = inverse ? S - 1 - k : k;
        const size_t d = h2_benes_delta(64 * nw, L, i);
        const uint64_t *M = masks + (size_t)i * nw;
        if (d >= 128) {
            const size_t D = d / 64;
            for (size_t w0 = 0; w0 < nw; w0 += 2 * D)
                for (size_t w = w0; w < w0 + D; w += 2) {
                    const pv_u64 a = pv_ld64(x + w), b = pv_ld64(x + w + D), t = (a ^ b) & pv_ld64(M + w);
                    pv_st64(x + w, a ^ t);
                    pv_st64(x + w + D, b ^ t);
                }
        } else if (d == 64) { /* words 2j, 2j + 1: the vector's halves, mask 2j */
            H2_UNROLL
            for (size_t w = 0; w < nw; w += 2) {
                const pv_u64 v = pv_ld64(x + w);
                const pv_u64 m = (pv_u64)PV_SHUF((pv_u32)pv_ld64(M + w), 0, 1, 0, 1);
                pv_st64(x + w, v ^ (((pv_u64)PV_SHUF((pv_u32)v, 2, 3, 0, 1) ^ v) & m));
            }
        } else {
            H2_UNROLL
            for (size_t w = 0; w < nw; w += 2) {
                const pv_u64 v = pv_ld64(x + w), t = ((v >> d) ^ v) & pv_ld64(M + w);
                pv_st64(x + w, v ^ t ^ (t << d));
            }
        }
    }
}

/* y[j] = bit (j + s) mod 64 nw of x (h2_board_rot), buf: 2 nw + 2 words */
H2_INLINE void pv_rot(const uint64_t *x, uint64_t *y, size_t nw, size_t s, uint64_t *buf) {
    const size_t a = s >> 6;
    const unsigned b = (unsigned)(s & 63), c = 63 - b;
    memcpy(buf, x, nw * sizeof *x);
    memcpy(buf + nw, x, nw * sizeof *x);
    buf[2 * nw] = x[0];
    H2_UNROLL
    for (size_t w = 0; w < nw; w += 2) /* (hi << 1) << 63 - b: no shift by 64 where b = 0 */
        pv_st64(y + w, (pv_ld64(buf + a + w) >> b) | ((pv_ld64(buf + a + w + 1) << 1) << c));
}

/* K = 16, 32: the board in nv = nw / 2 vectors v (registers: every stage
 * unrolled, its shifts and word distances constants) through the network
 * or back */
H2_INLINE void pv_benes_regs(pv_u64 *v, const unsigned nv, const unsigned L, const uint64_t *masks,
                             const int inverse) {
    const unsigned S = 2 * L - 1, nw = 2 * nv;
    _Pragma("GCC unroll 24") for (unsigned k = 0; k < S; k++) {
        const unsigned i = inverse ? S - 1 - k : k;
        const unsigned d = (unsigned)h2_benes_delta(64 * nw, L, i);
        const uint64_t *M = masks + (size_t)i * nw;
        if (d >= 128) {
            const unsigned D = d / 128; /* vectors apart */
            _Pragma("GCC unroll 16") for (unsigned j = 0; j < nv; j++) {
                if (j & D) continue;
                const pv_u64 t = (v[j] ^ v[j + D]) & pv_ld64(M + 2 * j);
                v[j] ^= t;
                v[j + D] ^= t;
            }
        } else if (d == 64) {
            _Pragma("GCC unroll 16") for (unsigned j = 0; j < nv; j++) {
                const pv_u64 m = (pv_u64)PV_SHUF((pv_u32)pv_ld64(M + 2 * j), 0, 1, 0, 1);
                v[j] ^= ((pv_u64)PV_SHUF((pv_u32)v[j], 2, 3, 0, 1) ^ v[j]) & m;
            }
        } else {
            _Pragma("GCC unroll 16") for (unsigned j = 0; j < nv; j++) {
                const pv_u64 t = ((v[j] >> d) ^ v[j]) & pv_ld64(M + 2 * j);
                v[j] ^= t ^ (t << d);
            }
        }
    }
}

/* ZMP of one board (h2_board_zmp) of side K >= 16, Y: nw words, buf: 2 nw +
 * 2 */
H2_INLINE void pv_board_zmp(uint64_t *X, uint64_t *Y, uint64_t *buf, const uint64_t *masks, size_t s, int enc,
                            const uint32_t K) {
    const size_t n = (size_t)K * K, nw = n / 64;
    const unsigned Lg = 2 * tpe_width(K);
    if (K <= 32) {
        pv_u64 v[8];
        if (enc) {
            memcpy(v, X, nw * sizeof *X);
            pv_benes_regs(v, (unsigned)nw / 2, Lg, masks, 0);
            memcpy(Y, v, nw * sizeof *X);
            pv_rot(Y, X, nw, s, buf);
        } else {
            pv_rot(X, Y, nw, (n - s) & (n - 1), buf);
            memcpy(v, Y, nw * sizeof *X);
            pv_benes_regs(v, (unsigned)nw / 2, Lg, masks, 1);
            memcpy(X, v, nw * sizeof *X);
        }
        sodium_memzero(v, sizeof v);
    } else if (enc) {
        pv_benes(X, nw, Lg, masks, 0);
        pv_rot(X, Y, nw, s, buf);
        memcpy(X, Y, nw * sizeof *X);
    } else {
        pv_rot(X, Y, nw, (n - s) & (n - 1), buf);
        pv_benes(Y, nw, Lg, masks, 1);
        memcpy(X, Y, nw * sizeof *X);
    }
}

static void port_zmp(uint64_t *X, unsigned L, uint32_t K, const uint64_t *const *masks, const size_t *rot, int enc,
                     uint64_t *scratch) {
    const size_t nw = (size_t)K * K / 64;
    uint64_t *Y = scratch, *buf = scratch + 64; /* H2_SCRATCH: 64 + 130 words */
    for (unsigned q = 0; q < L; q++) {
        switch (K) { /* a constant K for each: the loops over words unroll */
        case 8: h2_board_zmp(X + q * nw, scratch, masks[q], rot[q], enc, 8); break;
        case 16: pv_board_zmp(X + q * nw, Y, buf, masks[q], rot[q], enc, 16); break;
        case 32: pv_board_zmp(X + q * nw, Y, buf, masks[q], rot[q], enc, 32); break;
        default: pv_board_zmp(X + q * nw, Y, buf, masks[q], rot[q], enc, 64); break;
        }
    }
}

/* sequences and WDPCS, portable */
#define H2S_FN static inline __attribute__((always_inline, unused))
#define H2S_DISPATCH static
#define H2S_POPCNT 0
#define H2S_PDEP 0
#include "schemes/tpe_h2mwd/seqs.h"

/* WDPCS of boards lo, hi of side 32 (h2s_wdpcs), little-endian hosts: two
 * words a vector, four words' key bits (16 bytes) at a time, each word's 32
 * spread to the left halves (16 bits) of its two rows */
H2_INLINE void pv_wdpcs32(uint64_t *lo, uint64_t *hi, const uint8_t *kb) {
    const pv_u32 m0 = {0xFFFFu, 0, 0xFFFFu, 0}, m1 = {0, 0xFFFFu, 0, 0xFFFFu};
    H2_UNROLL
    for (unsigned w = 0; w < 16; w += 4) {
        pv_u32 k4;
        memcpy(&k4, kb + 4 * w, sizeof k4);
        H2_UNROLL
        for (unsigned h = 0; h < 2; h++) {
            const pv_u32 kk = h ? PV_SHUF(k4, 2, 2, 3, 3) : PV_SHUF(k4, 0, 0, 1, 1);
            const pv_u64 k = (pv_u64)((kk & m0) | ((kk >> 16) & m1));
            const pv_u64 a = pv_ld64(hi + w + 2 * h), b = pv_ld64(lo + w + 2 * h), c = b >> 16;
            const pv_u64 mm = k & (a ^ b) & ~(b ^ c);
            pv_st64(hi + w + 2 * h, a ^ mm);
            pv_st64(lo + w + 2 * h, b ^ mm ^ (mm << 16));
        }
    }
}

/* the pairs of low boards as boards, of high boards as tiles, the pair
 * (L - 1, L) with board L - 1 cut into tiles for it (K = 32: every board a
 * board) */
static void port_wdpcs(uint64_t *bb, unsigned P, uint32_t K, const uint8_t *wd, int enc) {
    const int le = mc_host_le();
    const size_t nw = (size_t)K * K / 64, wdb = (size_t)K * K / 16;
    const unsigned L = P / 2;
    uint64_t t[64];
    for (unsigned j = 0; j + 1 < P; j++) {
        const unsigned i = enc ? j : P - 2 - j;
        uint64_t *lo = bb + i * nw, *hi = lo + nw;
        if (K == 32 && le) {
            pv_wdpcs32(lo, hi, wd + i * wdb);
        } else if (i + 1 < L || K == 8 || K == 32) {
            h2s_wdpcs(lo, hi, K, nw, wd + i * wdb, le);
        } else if (i >= L) {
            tile_wdpcs(lo, hi, K, wd + i * wdb);
        } else {
            board_to_tiles(lo, K, t);
            tile_wdpcs(t, hi, K, wd + i * wdb);
            tiles_to_board(t, K, lo);
        }
    }
    if (K == 16 || K == 64) sodium_memzero(t, sizeof t);
}

/* ------------------------------------------------ moves, K = 32: vectors */

/* K = 32.  The moves of step 2 all go through row 0: a column t, a
 * diagonal through (0, t), or row 0 itself.  With the plane transposed (X:
 * lane i = column i, bit r = row r, eight vectors), a column is one lane
 * and a diagonal one bit of each lane at the position of its row (lane i,
 * bit i - t or t - i): ANDed with a mask per (kind, t) and ORed together the
 * lanes give the population word (bit r: the cell of row r), no compare, no
 * packing, and the changed bits go back as the same mask ANDed with the
 * word broadcast.  Row 0, which every move of step 2 meets (a row move
 * permutes it, the others take their cell (0, t)), is kept apart in a word
 * R (bit c: the cell (0, c); the lanes' bit 0 is left stale).  Step 3 is
 * step 2 of the transposed plane (through (0, t) of the transpose: row t ->
 * column t, column 0 -> row 0 (the word R), the diagonals diagonals, a minor
 * one's word reversed), so it runs the same kernel on the board itself
 * (lane i = row i), R = column 0.  No branch on the move's kind: a row move
 * has the zero masks, the others line = all ones. */
/* a move in its frame: the masks of its kind and t; R's bit: (R >> s) & mk
 * is the population's row-0 cell (mk 1, s t) or all of R (a row move: mk
 * all ones, s 0) */
typedef struct pv_desc {
    pv_u32 mk;
    const pv_u32 *B;
    uint64_t s;
} pv_desc;

/* the word's permutation (ror(w, a) & m) | (ror(w, b) & ~m) */
typedef struct pv_par {
    pv_u32 m;
    uint64_t a, b;
} pv_par;

typedef struct pv_tables {
    pv_u32 B32[4][32][8];      /* [kind in the frame][t]: lane i: COL: i = t: ~1; MAJOR: 1 << (i - t); MINOR: 1 <<
                                  (t - i); ROW: 0; bit 0 (row 0) never */
    pv_desc desc32[2][4][32];  /* [step3][kind][t] */
    pv_par par32[2][2][4][32]; /* [enc][step3][kind][d]: the move in its frame */
    pv_u32 sel[8];             /* vector j lane i: 1 << 4j + i */
    pt_tables *pt;             /* K = 8, 16, 64: the tile moves (tiles.h) */
} pv_tables;

/* the kind in the frame of step 3: a row t is a column of the transpose */
static inline unsigned pv_frame_kind(unsigned step3, unsigned kind) {
    return step3 && kind <= POP_COL ? kind ^ 1 : kind;
}

static void *port_tables_new(void) {
    pv_tables *x = aligned_alloc(64, (sizeof *x + 63) & ~(size_t)63); /* C11: a multiple of the alignment */
    if (!x) return NULL;
    if (!(x->pt = pt_tables_new())) {
        free(x);
        return NULL;
    }
    for (unsigned kind = 0; kind < 4; kind++)
        for (uint32_t t = 0; t < 32; t++)
            for (uint32_t i = 0; i < 32; i++) {
                const uint32_t r = kind == POP_MAJOR ? (i - t) & 31 : (t - i) & 31;
                x->B32[kind][t][i / 4][i % 4] = kind == POP_ROW ? 0
                                                : kind == POP_COL ? (i == t ? ~1u : 0)
                                                                  : (r ? 1u << r : 0);
            }
    for (int enc = 0; enc < 2; enc++)
        for (unsigned step3 = 0; step3 < 2; step3++)
            for (unsigned kind = 0; kind < 4; kind++)
                for (uint32_t d = 0; d < 32; d++) {
                    const h2_par p =
                        h2_move_par(pv_frame_kind(step3, kind), d, 32, step3 && kind == POP_MINOR ? !enc : enc);
                    x->par32[enc][step3][kind][d] = (pv_par){pv_bcast((uint32_t)p.m), p.a, p.b};
                }
    for (unsigned step3 = 0; step3 < 2; step3++)
        for (unsigned kind = 0; kind < 4; kind++)
            for (uint32_t t = 0; t < 32; t++) {
                const unsigned fk = pv_frame_kind(step3, kind);
                x->desc32[step3][kind][t] =
                    (pv_desc){pv_bcast(fk == POP_ROW ? ~0u : 1), x->B32[fk][t], fk == POP_ROW ? 0 : t};
            }
    for (uint32_t i = 0; i < 32; i++) x->sel[i / 4][i % 4] = 1u << i;
    return x;
}

static void port_tables_free(void *t) {
    pv_tables *x = t;
    free(x->pt);
    free(x);
}


/* a board's 16 words <-> eight vectors, lane i = row i */
static inline void pv_load32(const uint64_t *H, pv_u32 *v) {
    memcpy(v, H, 8 * sizeof *v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    for (unsigned j = 0; j < 8; j++) v[j] = PV_SHUF(v[j], 1, 0, 3, 2); /* row 2w is word w's low half */
#endif
}

static inline void pv_store32(uint64_t *H, pv_u32 *v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    for (unsigned j = 0; j < 8; j++) v[j] = PV_SHUF(v[j], 1, 0, 3, 2);
#endif
    memcpy(H, v, 8 * sizeof *v);
}

/* 32 x 32 bit transpose (lane i bit b <-> lane b bit i): block swaps of 16,
 * 8, 4 bits between vectors, of 2 and 1 within them */
H2_INLINE void pv_transpose32(pv_u32 *v) {
    static const uint32_t m[3] = {0x0000FFFFu, 0x00FF00FFu, 0x0F0F0F0Fu};
    H2_UNROLL
    for (unsigned k = 0; k < 3; k++) {
        const unsigned s = 16 >> k, D = s / 4;
        H2_UNROLL
        for (unsigned j = 0; j < 8; j++) {
            if (j & D) continue;
            const pv_u32 t = ((v[j] >> s) ^ v[j + D]) & m[k];
            v[j + D] ^= t;
            v[j] ^= t << s;
        }
    }
    const pv_u32 m2 = {0x33333333u, 0x33333333u, 0, 0}, m1 = {0x55555555u, 0, 0x55555555u, 0};
    H2_UNROLL
    for (unsigned j = 0; j < 8; j++) {
        pv_u32 t = ((v[j] >> 2) ^ PV_SHUF(v[j], 2, 3, 0, 1)) & m2;
        v[j] ^= (t << 2) | PV_SHUF(t, 2, 3, 0, 1);
        t = ((v[j] >> 1) ^ PV_SHUF(v[j], 1, 0, 3, 2)) & m1;
        v[j] ^= (t << 1) | PV_SHUF(t, 1, 0, 3, 2);
    }
}

/* bit 0 of every lane as a word (bit i: lane i), and back */
H2_INLINE uint32_t pv_col0_get(const pv_u32 *v, const pv_tables *x) {
    const pv_u32 one = pv_bcast(1);
    pv_u32 acc = pv_bcast(0);
    H2_UNROLL
    for (unsigned j = 0; j < 8; j++) acc |= (pv_u32)((v[j] & one) == one) & x->sel[j];
    acc |= PV_SHUF(acc, 2, 3, 0, 1);
    acc |= PV_SHUF(acc, 1, 0, 3, 2);
    return acc[0];
}

H2_INLINE void pv_col0_put(pv_u32 *v, uint32_t c, const pv_tables *x) {
    const pv_u32 one = pv_bcast(1), cv = pv_bcast(c);
    H2_UNROLL
    for (unsigned j = 0; j < 8; j++) v[j] = (v[j] & ~one) | ((pv_u32)((cv & x->sel[j]) == x->sel[j]) & one);
}

/* One move of a plane (X, R: see pv_tables; R broadcast to every lane), e
 * its kind and t, p its permutation.  The whole move stays in vectors (the
 * OR of the lanes lands in every lane): no trip through a general register
 * on the chain from one move to the next.  A row move has the zero masks: X
 * is left as it is. */
H2_INLINE void pv_mv32(pv_u32 *X, pv_u32 *R, const pv_desc *e, const pv_par *p) {
    const pv_u32 *B = e->B;
    const pv_u32 mk = e->mk, m = p->m;
    const uint64_t s = e->s;
    const pv_u32 a0 = (X[0] & B[0]) | (X[1] & B[1]), a1 = (X[2] & B[2]) | (X[3] & B[3]);
    const pv_u32 a2 = (X[4] & B[4]) | (X[5] & B[5]), a3 = ((X[6] & B[6]) | (X[7] & B[7])) | ((*R >> s) & mk);
    pv_u32 w = (a0 | a1) | (a2 | a3);
    w |= PV_SHUF(w, 2, 3, 0, 1);
    w |= PV_SHUF(w, 1, 0, 3, 2);
    /* every lane holds w: a 64-bit shift of w:w is a rotation of w (in the
     * low half: lanes 0 and 2, big-endian 1 and 3) */
    const pv_u32 ra = (pv_u32)((pv_u64)w >> p->a), rb = (pv_u32)((pv_u64)w >> p->b);
    pv_u32 ch = w ^ ((ra & m) | (rb & ~m));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    ch = PV_SHUF(ch, 1, 1, 3, 3);
#else
    ch = PV_SHUF(ch, 0, 0, 2, 2);
#endif
    H2_UNROLL
    for (unsigned j = 0; j < 8; j++) X[j] ^= ch & B[j];
    *R ^= (ch & mk) << s;
}

#define PV_NP 4 /* planes interleaved (L is 4 or 8): one plane's moves form a chain */

/* step 2 (step3 0) or 3 of PV_NP planes in their frame, forwards or back.
 * Not inlined: X is then memory the compiler does not try to hold in
 * registers (32 vectors do not fit; gcc spilled them twice over). */
static __attribute__((noinline)) void pv_step32(const pv_tables *x, pv_u32 (*X)[8], pv_u32 *R, const uint8_t *k0,
                                                const uint8_t *d0, unsigned step3, int enc) {
    const pv_par(*pp)[32] = x->par32[enc != 0][step3];
    const pv_desc(*ed)[32] = x->desc32[step3];
    for (unsigned i = 0; i < 32; i++) {
        const unsigned t = enc ? i : 31 - i, u = 32 * step3 + t;
        H2_UNROLL
        for (unsigned q = 0; q < PV_NP; q++) {
            const unsigned kind = k0[128 * q + u];
            pv_mv32(X[q], &R[q], &ed[kind][t], &pp[kind][d0[128 * q + u]]);
        }
    }
}

static void pv_moves32(const pv_tables *x, uint64_t *H, unsigned L, const uint8_t *kd, const uint8_t *dd, int enc) {
    for (unsigned q0 = 0; q0 < L; q0 += PV_NP) {
        pv_u32 X[PV_NP][8], R[PV_NP];
        const uint8_t *k0 = kd + 128 * q0, *d0 = dd + 128 * q0;
        for (unsigned q = 0; q < PV_NP; q++) pv_load32(H + 16 * (q0 + q), X[q]);
        if (enc) {
            for (unsigned q = 0; q < PV_NP; q++) {
                R[q] = pv_bcast(X[q][0][0]); /* row 0 */
                pv_transpose32(X[q]);
            }
            pv_step32(x, X, R, k0, d0, 0, 1);
            for (unsigned q = 0; q < PV_NP; q++) {
                const uint32_t c0 = (X[q][0][0] & ~1u) | (R[q][0] & 1); /* column 0 */
                pv_transpose32(X[q]);
                X[q][0][0] = R[q][0];
                R[q] = pv_bcast(c0);
            }
            pv_step32(x, X, R, k0, d0, 1, 1);
            for (unsigned q = 0; q < PV_NP; q++) pv_col0_put(X[q], R[q][0], x);
        } else {
            for (unsigned q = 0; q < PV_NP; q++) R[q] = pv_bcast(pv_col0_get(X[q], x));
            pv_step32(x, X, R, k0, d0, 1, 0);
            for (unsigned q = 0; q < PV_NP; q++) {
                pv_col0_put(X[q], R[q][0], x);
                R[q] = pv_bcast(X[q][0][0]);
                pv_transpose32(X[q]);
            }
            pv_step32(x, X, R, k0, d0, 0, 0);
            for (unsigned q = 0; q < PV_NP; q++) {
                pv_transpose32(X[q]);
                X[q][0][0] = R[q][0];
            }
        }
        for (unsigned q = 0; q < PV_NP; q++) pv_store32(H + 16 * (q0 + q), X[q]);
        sodium_memzero(X, sizeof X);
        sodium_memzero(R, sizeof R);
    }
}

/* PMH2M moves of the L high boards (K = 8, 16, 64: kept in tiles, see
 * port_split), four at a time */
static void port_moves(const void *tables, uint64_t *H, unsigned L, uint32_t K, const uint8_t *kd, const uint8_t *dd,
                       int enc, uint64_t *scratch) {
    (void)scratch;
    const pv_tables *x = tables;
    const size_t nw = (size_t)K * K / 64;
    if (K == 32) {
        pv_moves32(x, H, L, kd, dd, enc);
        return;
    }
    for (unsigned q0 = 0; q0 < L; q0 += 4) {
        uint64_t *tl = H + q0 * nw;
        const uint8_t *k0 = kd + 128 * q0, *d0 = dd + 128 * q0;
        switch (K) {
        case 8: pt_moves_k(x->pt, tl, nw, k0, d0, enc, PT_K8, 8); break; /* one tile: the board itself */
        case 16: pt_moves_k(x->pt, tl, nw, k0, d0, enc, PT_K16, 16); break;
        default: pt_moves_k(x->pt, tl, nw, k0, d0, enc, PT_K64, 64); break;
        }
    }
}

const mc_tpe_h2mwd_impl mc_tpe_h2mwd_impl_portable = {
    .name = "portable",
    .cpu = 0,
    .tables_new = port_tables_new,
    .tables_free = port_tables_free,
    .split = port_split,
    .merge = port_merge,
    .ones = h2s_ones,
    .zmp = port_zmp,
    .seqs = h2s_seqs_any,
    .moves = port_moves,
    .wdpcs = port_wdpcs,
};
