/* impl_portable.c - tpe-h2mwd's bit-board kernels in portable C (h2mwd.h):
 * what every CPU runs (MEDCRYPT_CPU=portable forces it).
 *  - split / merge: 64 levels at a time, 8 x 8 bit transposes;
 *  - ZMP: the Benes network (benes.c) a word at a time, then the rotation;
 *  - sequences and WDPCS: seqs.h with SWAR popcounts and multiply gathers;
 *  - moves: the high boards are kept cut into 8 x 8 tiles (tiles.h) from
 *    split to merge; table-driven, four planes at a time (pt_moves_k). */
#include "schemes/tpe_h2mwd/tiles.h"

#include <sodium.h>

/* bytes of x: the number of ones in each */
static inline uint64_t pop_bytes(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    return (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
}

/* 8 x 8 bit matrix (row i = byte i, column j = bit j) transposed */
static inline uint64_t transpose8(uint64_t x) {
    uint64_t t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AAULL;
    x ^= t ^ (t << 7);
    t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCCULL;
    x ^= t ^ (t << 14);
    t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0ULL;
    return x ^ t ^ (t << 28);
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
                y[g8] = transpose8(x); /* byte p: bit 8 half + p of the 8 levels */
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
                const uint64_t x = transpose8(y[g8]);
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
static void port_split(const uint32_t *v, size_t nw, unsigned P, uint64_t *bb) {
    board_split(v, nw, P, bb);
    const uint32_t K = nw == 1 ? 8 : nw == 4 ? 16 : nw == 16 ? 32 : 64;
    uint64_t t[64];
    if (K > 8)
        for (unsigned p = P / 2; p < P; p++) {
            board_to_tiles(bb + p * nw, K, t);
            memcpy(bb + p * nw, t, nw * sizeof *t);
        }
    sodium_memzero(t, sizeof t);
}

static void port_merge(uint64_t *bb, size_t nw, unsigned P, uint32_t *v) {
    const uint32_t K = nw == 1 ? 8 : nw == 4 ? 16 : nw == 16 ? 32 : 64;
    uint64_t t[64];
    if (K > 8)
        for (unsigned p = P / 2; p < P; p++) {
            tiles_to_board(bb + p * nw, K, t);
            memcpy(bb + p * nw, t, nw * sizeof *t);
        }
    sodium_memzero(t, sizeof t);
    board_merge(bb, nw, P, v);
}

static size_t port_ones(const uint64_t *X, size_t nw) {
    size_t c = 0;
    for (size_t w = 0; w < nw; w++) c += (size_t)((pop_bytes(X[w]) * L8) >> 56);
    return c;
}

static void port_zmp(uint64_t *X, unsigned L, uint32_t K, const uint64_t *const *masks, const size_t *rot, int enc,
                     uint64_t *scratch) {
    const size_t nw = (size_t)K * K / 64;
    for (unsigned q = 0; q < L; q++) {
        switch (K) { /* a constant K for each: the loops over words unroll */
        case 8: h2_board_zmp(X + q * nw, scratch, masks[q], rot[q], enc, 8); break;
        case 16: h2_board_zmp(X + q * nw, scratch, masks[q], rot[q], enc, 16); break;
        case 32: h2_board_zmp(X + q * nw, scratch, masks[q], rot[q], enc, 32); break;
        default: h2_board_zmp(X + q * nw, scratch, masks[q], rot[q], enc, 64); break;
        }
    }
}

/* sequences and WDPCS, portable */
#define H2S_FN static inline __attribute__((always_inline, unused))
#define H2S_POPCNT 0
#define H2S_PDEP 0
#include "schemes/tpe_h2mwd/seqs.h"

static void port_seqs(const uint64_t *X, uint32_t K, const uint8_t *fb, size_t bp, uint8_t *kind, uint8_t *dist) {
    const int le = mc_host_le();
    switch (K) {
    case 8: h2s_seqs(X, 8, 3, fb, bp, le, kind, dist); break;
    case 16: h2s_seqs(X, 16, 4, fb, bp, le, kind, dist); break;
    case 32: h2s_seqs(X, 32, 5, fb, bp, le, kind, dist); break;
    default: h2s_seqs(X, 64, 6, fb, bp, le, kind, dist); break;
    }
}

/* the pairs of low boards as boards, of high boards as tiles, the pair
 * (L - 1, L) with board L - 1 cut into tiles for it */
static void port_wdpcs(uint64_t *bb, unsigned P, uint32_t K, const uint8_t *wd, int enc) {
    const int le = mc_host_le();
    const size_t nw = (size_t)K * K / 64, wdb = (size_t)K * K / 16;
    const unsigned L = P / 2;
    uint64_t t[64];
    for (unsigned j = 0; j + 1 < P; j++) {
        const unsigned i = enc ? j : P - 2 - j;
        uint64_t *lo = bb + i * nw, *hi = lo + nw;
        if (i + 1 < L || K == 8) {
            h2s_wdpcs(lo, hi, K, nw, wd + i * wdb, le);
        } else if (i >= L) {
            tile_wdpcs(lo, hi, K, wd + i * wdb);
        } else {
            board_to_tiles(lo, K, t);
            tile_wdpcs(t, hi, K, wd + i * wdb);
            tiles_to_board(t, K, lo);
        }
    }
    sodium_memzero(t, sizeof t);
}

/* ---------------------------------------------------------------- moves */

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

static void pt_build(pt_tables *x, pt_desc *D, pt_par *Pm, uint32_t K) {
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

static void *pt_tables_new(void) {
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

static void pt_tables_free(void *x) {
    free(x);
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

/* PMH2M moves of the L high boards (kept in tiles, see port_split), four at
 * a time */
static void port_moves(const void *tables, uint64_t *H, unsigned L, uint32_t K, const uint8_t *kd, const uint8_t *dd,
                       int enc, uint64_t *scratch) {
    (void)scratch;
    const size_t nw = (size_t)K * K / 64;
    for (unsigned q0 = 0; q0 < L; q0 += 4) {
        uint64_t *tl = H + q0 * nw;
        const uint8_t *k0 = kd + 128 * q0, *d0 = dd + 128 * q0;
        switch (K) {
        case 8: pt_moves_k(tables, tl, nw, k0, d0, enc, PT_K8, 8); break; /* one tile: the board itself */
        case 16: pt_moves_k(tables, tl, nw, k0, d0, enc, PT_K16, 16); break;
        case 32: pt_moves_k(tables, tl, nw, k0, d0, enc, PT_K32, 32); break;
        default: pt_moves_k(tables, tl, nw, k0, d0, enc, PT_K64, 64); break;
        }
    }
}

const mc_tpe_h2mwd_impl mc_tpe_h2mwd_impl_portable = {
    .name = "portable",
    .cpu = 0,
    .tables_new = pt_tables_new,
    .tables_free = pt_tables_free,
    .split = port_split,
    .merge = port_merge,
    .ones = port_ones,
    .zmp = port_zmp,
    .seqs = port_seqs,
    .moves = port_moves,
    .wdpcs = port_wdpcs,
};
