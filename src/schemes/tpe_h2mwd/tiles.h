/* tiles.h - bit planes packed in 8 x 8 tiles (tiles.c, impl_portable.c,
 * impl_avx2.c): a plane of side K (a multiple of 8) is (K/8)^2 tiles of
 * 8 x 8 bits, tile (I, J) (index I * T + J, T = K / 8) holding rows 8I..
 * and columns 8J.., cell (j, i) of the tile at bit 8j + i.  A population
 * move gathers its K cells into one word (bit k = its k-th cell) with a mask
 * and a multiply per tile (two tiles per tile row for a diagonal), permutes
 * the word with shifts and masks (the parity rule of ref.c's line_move for
 * even K, a rotation for a diagonal) and XORs the changed bits back the same
 * way: a few word operations per tile instead of 2K byte moves.  Here: the
 * conversions board <-> tiles, WDPCS on tiles, and the branch-free moves of
 * four planes (pt_moves_k); tiles.c has the moves by kind (K = 48).  Static
 * inline: K is a constant where they are expanded. */
#ifndef MC_TPE_H2MWD_TILES_H
#define MC_TPE_H2MWD_TILES_H

#include "schemes/tpe_h2mwd/h2mwd.h"

#include <stdlib.h>

#define L8 0x0101010101010101ULL     /* bit 0 of every byte: a tile's column 0 */
#define PACK8 0x0102040810204080ULL  /* ((x & L8) * PACK8) >> 56: byte j's bit 0 -> bit j */
#define DIAG8 0x8040201008040201ULL  /* cells (j, j) */
#define ADIAG8 0x0102040810204080ULL /* cells (j, 7 - j) */

/* k_spread[b]: bit i of b -> bit 8i */
#define SP1(b)                                                                                              \
    ((uint64_t)((b) & 1) | (uint64_t)(((b) >> 1) & 1) << 8 | (uint64_t)(((b) >> 2) & 1) << 16 |            \
     (uint64_t)(((b) >> 3) & 1) << 24 | (uint64_t)(((b) >> 4) & 1) << 32 | (uint64_t)(((b) >> 5) & 1) << 40 | \
     (uint64_t)(((b) >> 6) & 1) << 48 | (uint64_t)(((b) >> 7) & 1) << 56)
#define SP4(b) SP1(b), SP1((b) + 1), SP1((b) + 2), SP1((b) + 3)
#define SP16(b) SP4(b), SP4((b) + 4), SP4((b) + 8), SP4((b) + 12)
#define SP64(b) SP16(b), SP16((b) + 16), SP16((b) + 32), SP16((b) + 48)
static const uint64_t k_spread[256] __attribute__((unused)) = {SP64(0), SP64(64), SP64(128), SP64(192)};

/* rows j < m of a tile (m <= 8) */
static inline uint64_t rows_below(unsigned m) {
    return m >= 8 ? ~0ULL : (1ULL << (8 * m)) - 1;
}

/* 8 x 8 byte matrix (row i = y[i], column j = byte j) transposed in place */
static inline void transpose8_bytes(uint64_t *y) {
    for (unsigned i = 0; i < 4; i++) {
        const uint64_t a = y[i], b = y[i + 4];
        y[i] = (a & 0x00000000FFFFFFFFULL) | (b << 32);
        y[i + 4] = (a >> 32) | (b & 0xFFFFFFFF00000000ULL);
    }
    for (unsigned i = 0; i < 8; i += (i & 1) ? 3 : 1) { /* 0 1 4 5 */
        const uint64_t a = y[i], b = y[i + 2];
        y[i] = (a & 0x0000FFFF0000FFFFULL) | ((b << 16) & 0xFFFF0000FFFF0000ULL);
        y[i + 2] = ((a >> 16) & 0x0000FFFF0000FFFFULL) | (b & 0xFFFF0000FFFF0000ULL);
    }
    for (unsigned i = 0; i < 8; i += 2) {
        const uint64_t a = y[i], b = y[i + 1];
        y[i] = (a & 0x00FF00FF00FF00FFULL) | ((b << 8) & 0xFF00FF00FF00FF00ULL);
        y[i + 1] = ((a >> 8) & 0x00FF00FF00FF00FFULL) | (b & 0xFF00FF00FF00FF00ULL);
    }
}

/* board <-> 8 x 8 tiles (tile (I, J) byte j = byte (8I + j) K/8 + J of the
 * board): per band of 8 rows, an 8 x 8 byte transpose of the rows (K/8
 * bytes each, zero-padded) gives the band's tiles */
H2_INLINE void board_to_tiles(const uint64_t *X, uint32_t K, uint64_t *tl) {
    const uint32_t T = K / 8, rpw = 64 / K;
    for (uint32_t I = 0; I < T; I++) {
        uint64_t y[8];
        for (uint32_t j = 0; j < 8; j++) { /* row 8I + j */
            const uint32_t r = 8 * I + j;
            y[j] = K == 64 ? X[r] : (X[r / rpw] >> (K * (r % rpw))) & ((1ULL << K) - 1);
        }
        transpose8_bytes(y);
        for (uint32_t J = 0; J < T; J++) tl[I * T + J] = y[J];
    }
}

H2_INLINE void tiles_to_board(const uint64_t *tl, uint32_t K, uint64_t *X) {
    const uint32_t T = K / 8, rpw = 64 / K;
    for (uint32_t I = 0; I < T; I++) {
        uint64_t y[8] = {0};
        for (uint32_t J = 0; J < T; J++) y[J] = tl[I * T + J];
        transpose8_bytes(y);
        if (K == 64) {
            for (uint32_t j = 0; j < 8; j++) X[8 * I + j] = y[j];
        } else {
            for (uint32_t w = 0; w < 8 / rpw; w++) {
                uint64_t x = 0;
                for (uint32_t e = 0; e < rpw; e++) x |= y[w * rpw + e] << (K * e);
                X[I * 8 / rpw + w] = x;
            }
        }
    }
}

static inline uint64_t load_le64(const uint8_t *p, int le) {
    uint64_t x;
    memcpy(&x, p, 8);
    return le ? x : __builtin_bswap64(x);
}

/* bytes 0, 2, 4, 6 of x -> bytes 0..3 */
static inline uint64_t even_bytes(uint64_t x) {
    x &= 0x00FF00FF00FF00FFULL;
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
    return (x | (x >> 16)) & 0xFFFFFFFFULL;
}

/* wdpcs_pair on packed planes: hi (r, c), lo (r, c) and lo (r, c + K/2), c
 * in the left half (K/2 a multiple of 8: whole tiles, or K = 8: the nibbles
 * of the one tile); key bit r * K/2 + c. */
H2_INLINE void tile_wdpcs(uint64_t *lo, uint64_t *hi, uint32_t K, const uint8_t *kb) {
    const uint32_t T = K / 8, Th = T / 2, kr = K / 16; /* key bytes per row */
    const int le = mc_host_le();
    if (K == 8) { /* one tile: the halves are its nibbles, 4 key bits a row */
        uint64_t k = 0;
        for (uint32_t j = 0; j < 8; j++) k |= (uint64_t)((kb[j / 2] >> 4 * (j & 1)) & 0xF) << 8 * j;
        const uint64_t a = hi[0], b = lo[0], c = lo[0] >> 4;
        const uint64_t m = k & (a ^ b) & ~(b ^ c); /* k has bits in the low nibbles only */
        hi[0] = a ^ m;
        lo[0] = b ^ m ^ (m << 4);
        return;
    }
    for (uint32_t I = 0; I < T; I++)
        for (uint32_t J = 0; J < Th; J++) {
            uint64_t k = 0; /* byte j: the key bits of row 8I + j, columns 8J.. */
            if (kr == 1) {
                k = load_le64(kb + 8 * I, le);
            } else if (kr == 2) {
                const uint64_t w0 = load_le64(kb + 16 * I, le) >> 8 * J, w1 = load_le64(kb + 16 * I + 8, le) >> 8 * J;
                k = even_bytes(w0) | even_bytes(w1) << 32;
            } else {
                for (uint32_t j = 0; j < 8; j++) k |= (uint64_t)kb[(8 * I + j) * kr + J] << 8 * j;
            }
            uint64_t a = hi[I * T + J], b = lo[I * T + J], c = lo[I * T + J + Th];
            const uint64_t m = k & (a ^ b) & ~(b ^ c);
            hi[I * T + J] = a ^ m;
            lo[I * T + J] = b ^ m;
            lo[I * T + J + Th] = c ^ m;
        }
}

/* ------------------------------------------------- moves, branch-free */

/* The moves on 8 x 8 tiles (tiles.h) without a branch on the move's kind (a
 * random choice: a switch on it is mispredicted most of the time): every
 * population is gathered the same way, per tile row (or tile column) c, from
 * two tiles, rotated and masked (the second tile's mask is empty for rows
 * and columns), then multiplied into a byte:
 *     x = (rotr(tile ia[c], ra) & ma) | (rotr(tile ib[c], rb) & mb),
 *     byte c of the population word = (x * mag) >> 56,
 * and scattered back the same way, byte c spread to its cells by a table.
 * A descriptor per (step, kind, t) holds the tiles, rotations, masks and
 * multiplier; four planes' moves go phase by phase (gather, permute,
 * scatter) so that their independent chains overlap. */
typedef struct pt_desc {
    uint8_t ia[8], ib[8];
    uint64_t ma, mb, mag;
    const uint64_t *spread; /* byte -> the tile's cells (before the rotations) */
    uint32_t ra, rb;
} pt_desc;

/* the population word's permutation: (rotr(w, a) & m) | (rotr(w, b) & ~m) */
typedef struct pt_par {
    uint64_t m;
    uint32_t a, b;
} pt_par;

enum { PT_K8, PT_K16, PT_K32, PT_K64 };

typedef struct pt_tables {
    uint64_t spread[4][256]; /* [kind][byte]: row: bits 0-7; column: bit 0 of each byte; the diagonals */
    pt_desc *desc[4];        /* [K]: [step3][kind][t] */
    pt_par *par[4];          /* [K]: [enc][kind][d] */
    pt_desc d8[2 * 4 * 8], d16[2 * 4 * 16], d32[2 * 4 * 32], d64[2 * 4 * 64];
    pt_par p8[2 * 4 * 8], p16[2 * 4 * 16], p32[2 * 4 * 32], p64[2 * 4 * 64];
} pt_tables;

static inline void pt_build(pt_tables *x, pt_desc *D, pt_par *Pm, uint32_t K) {
    const uint32_t T = K / 8;
    const uint64_t full = K == 64 ? ~0ULL : (1ULL << K) - 1;
    for (unsigned step3 = 0; step3 < 2; step3++)
        for (unsigned kind = 0; kind < 4; kind++)
            for (uint32_t t = 0; t < K; t++) {
                pt_desc *g = D + (step3 * 4 + kind) * K + t;
                memset(g, 0, sizeof *g);
                g->spread = x->spread[kind];
                if (kind == POP_ROW) { /* row R: byte R & 7 of tile row R >> 3 */
                    const uint32_t R = step3 ? t : 0;
                    for (uint32_t c = 0; c < T; c++) g->ia[c] = g->ib[c] = (uint8_t)((R >> 3) * T + c);
                    g->ra = 8 * (R & 7);
                    g->ma = 0xFF;
                    g->mag = 1ULL << 56;
                } else if (kind == POP_COL) { /* column C: bit C & 7 of each byte of tile column C >> 3 */
                    const uint32_t C = step3 ? 0 : t;
                    for (uint32_t c = 0; c < T; c++) g->ia[c] = g->ib[c] = (uint8_t)(c * T + (C >> 3));
                    g->ra = C & 7;
                    g->ma = L8;
                    g->mag = PACK8;
                } else if (kind == POP_MAJOR) { /* cells (r, r + dl): tiles J0, J0 + 1 of each tile row */
                    const uint32_t dl = step3 ? (K - t) % K : t, o = dl & 7;
                    uint32_t J0 = dl >> 3;
                    for (uint32_t c = 0; c < T; c++) {
                        const uint32_t J1 = J0 + 1 == T ? 0 : J0 + 1;
                        g->ia[c] = (uint8_t)(c * T + J0);
                        g->ib[c] = (uint8_t)(c * T + J1);
                        J0 = J1;
                    }
                    g->ma = DIAG8 & rows_below(8 - o);
                    g->mb = DIAG8 & ~rows_below(8 - o);
                    g->ra = o;
                    g->rb = (56 + o) & 63;
                    g->mag = L8;
                } else { /* cells (r, t - r); a tile's rows come reversed in its byte: tile rows reversed too */
                    const uint32_t o = t & 7;
                    uint32_t a = t >> 3;
                    for (uint32_t I = 0; I < T; I++) {
                        const uint32_t b = a == 0 ? T - 1 : a - 1;
                        g->ia[T - 1 - I] = (uint8_t)(I * T + a);
                        g->ib[T - 1 - I] = (uint8_t)(I * T + b);
                        a = b;
                    }
                    g->ma = ADIAG8 & rows_below(o + 1);
                    g->mb = ADIAG8 & ~rows_below(o + 1);
                    g->ra = (57 + o) & 63;
                    g->rb = (o + 1) & 63;
                    g->mag = L8;
                }
            }
    for (int enc = 0; enc < 2; enc++)
        for (unsigned kind = 0; kind < 4; kind++)
            for (uint32_t d = 0; d < K; d++) {
                pt_par *p = Pm + (enc * 4 + kind) * K + d;
                if (d == 0) {
                    p->a = p->b = 0;
                    p->m = full;
                } else if (kind <= POP_COL) { /* the parity rule (tiles.h: line_word) */
                    p->a = enc ? d : K - d;
                    p->b = K - p->a;
                    p->m = ((enc && (d & 1)) ? 0xAAAAAAAAAAAAAAAAULL : 0x5555555555555555ULL) & full;
                } else { /* rotations; the minor diagonal's word is reversed */
                    p->a = p->b = (kind == POP_MAJOR) == (enc != 0) ? K - d : d;
                    p->m = full;
                }
            }
}

/* NULL: out of memory; free() it */
static inline pt_tables *pt_tables_new(void) {
    pt_tables *x = malloc(sizeof *x);
    if (!x) return NULL;
    for (uint64_t b = 0; b < 256; b++) {
        x->spread[POP_ROW][b] = b;
        x->spread[POP_COL][b] = k_spread[b];
        x->spread[POP_MINOR][b] = (b * L8) & ADIAG8;
        x->spread[POP_MAJOR][b] = (b * L8) & DIAG8;
    }
    x->desc[PT_K8] = x->d8, x->desc[PT_K16] = x->d16, x->desc[PT_K32] = x->d32, x->desc[PT_K64] = x->d64;
    x->par[PT_K8] = x->p8, x->par[PT_K16] = x->p16, x->par[PT_K32] = x->p32, x->par[PT_K64] = x->p64;
    for (unsigned i = 0; i < 4; i++) pt_build(x, x->desc[i], x->par[i], 8u << i);
    return x;
}

static inline uint64_t pt_rotr(uint64_t x, unsigned s) {
    return (x >> (s & 63)) | (x << ((64 - s) & 63));
}

/* the moves of four planes (tiles at tl + q ts), K a constant where expanded */
H2_INLINE void pt_moves_k(const pt_tables *x, uint64_t *restrict tl, size_t ts, const uint8_t *kd,
                          const uint8_t *dd, int enc, const unsigned kk, const uint32_t K) {
    enum { NP = 4 };
    const uint32_t T = K / 8;
    const uint64_t full = K == 64 ? ~0ULL : (1ULL << K) - 1;
    const pt_desc *D = x->desc[kk];
    const pt_par *P = x->par[kk] + (enc ? 4 * K : 0);
    for (uint32_t i = 0; i < 2 * K; i++) {
        const uint32_t u = enc ? i : 2 * K - 1 - i; /* kd / dd index: step3 K + t */
        const pt_desc *g[NP];
        uint64_t w[NP];
        H2_UNROLL
        for (unsigned q = 0; q < NP; q++) {
            g[q] = D + (u / K * 4 + kd[128 * q + u]) * K + u % K;
            const uint64_t *b = tl + q * ts;
            const uint64_t ma = g[q]->ma, mb = g[q]->mb, mag = g[q]->mag;
            const unsigned ra = g[q]->ra, rb = g[q]->rb;
            uint64_t v = 0;
            H2_UNROLL
            for (uint32_t c = 0; c < T; c++)
                v |= ((((pt_rotr(b[g[q]->ia[c]], ra) & ma) | (pt_rotr(b[g[q]->ib[c]], rb) & mb)) * mag) >> 56) << 8 * c;
            const pt_par *p = P + kd[128 * q + u] * K + dd[128 * q + u];
            const uint64_t r1 = ((v >> p->a) | (v << ((K - p->a) & 63))) & full;
            const uint64_t r2 = ((v >> p->b) | (v << ((K - p->b) & 63))) & full;
            w[q] = v ^ ((r1 & p->m) | (r2 & ~p->m)); /* the cells that change */
        }
        H2_UNROLL
        for (unsigned q = 0; q < NP; q++) {
            uint64_t *b = tl + q * ts;
            const uint64_t ma = g[q]->ma, mb = g[q]->mb, *sp = g[q]->spread;
            const unsigned ra = (64 - g[q]->ra) & 63, rb = (64 - g[q]->rb) & 63;
            uint8_t ia[8], ib[8];
            memcpy(ia, g[q]->ia, 8);
            memcpy(ib, g[q]->ib, 8);
            const uint64_t ch = w[q];
            H2_UNROLL
            for (uint32_t c = 0; c < T; c++) {
                const uint64_t y = sp[(ch >> 8 * c) & 0xFF];
                b[ia[c]] ^= pt_rotr(y & ma, ra);
                b[ib[c]] ^= pt_rotr(y & mb, rb);
            }
        }
    }
}

#endif
