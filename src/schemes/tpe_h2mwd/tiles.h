/* tiles.h - bit planes packed in 8 x 8 tiles (tiles.c, impl_portable.c):
 * a plane of side K (a multiple of 8) is (K/8)^2 tiles of 8 x 8 bits, tile
 * (I, J) (index I * T + J, T = K / 8) holding rows 8I.. and columns 8J..,
 * cell (j, i) of the tile at bit 8j + i.  A population move gathers its K
 * cells into one word (bit k = its k-th cell) with a mask and a multiply per
 * tile (two tiles per tile row for a diagonal), permutes the word with
 * shifts and masks (the parity rule of ref.c's line_move for even K, a
 * rotation for a diagonal) and XORs the changed bits back the same way: a
 * few word operations per tile instead of 2K byte moves.  Static inline
 * functions: K is a constant where they are expanded. */
#ifndef MC_TPE_H2MWD_TILES_H
#define MC_TPE_H2MWD_TILES_H

#include "schemes/tpe_h2mwd/h2mwd.h"

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

static inline uint64_t rotr_k(uint64_t x, uint32_t s, uint32_t K, uint64_t full) {
    return ((x >> s) | (x << (K - s))) & full; /* 0 < s < K */
}

/* line_move of a row or column held as a word (bit k = cell k), K even */
static inline uint64_t line_word(uint64_t x, uint32_t K, uint64_t full, uint32_t d, int enc) {
    const uint32_t up = enc ? d : K - d;
    const uint64_t mpe = ((enc && (d & 1)) ? 0xAAAAAAAAAAAAAAAAULL : 0x5555555555555555ULL) & full;
    return (rotr_k(x, up, K, full) & mpe) | (rotr_k(x, K - up, K, full) & ~mpe & full);
}

/* (K is a constant where this is expanded: the loops over tiles unroll.) */
H2_INLINE void tile_pop_move(uint64_t *tl, uint32_t K, uint64_t full, unsigned kind, int step3, uint32_t t,
                             uint32_t d, int enc) {
    if (d >= K) d %= K;
    if (d == 0) return;
    const uint32_t T = K / 8;
    uint64_t w = 0;
    switch (kind) {
    case POP_ROW: {
        const uint32_t R = step3 ? t : 0, I = R >> 3, sh = 8 * (R & 7);
        uint64_t *row = tl + I * T;
        H2_UNROLL
        for (uint32_t J = 0; J < T; J++) w |= ((row[J] >> sh) & 0xFF) << 8 * J;
        w ^= line_word(w, K, full, d, enc); /* the cells that change */
        H2_UNROLL
        for (uint32_t J = 0; J < T; J++) row[J] ^= ((w >> 8 * J) & 0xFF) << sh;
        break;
    }
    case POP_COL: {
        const uint32_t C = step3 ? 0 : t, J = C >> 3, i = C & 7;
        H2_UNROLL
        for (uint32_t I = 0; I < T; I++) w |= ((((tl[I * T + J] >> i) & L8) * PACK8) >> 56) << 8 * I;
        w ^= line_word(w, K, full, d, enc);
        H2_UNROLL
        for (uint32_t I = 0; I < T; I++) tl[I * T + J] ^= k_spread[(w >> 8 * I) & 0xFF] << i;
        break;
    }
    case POP_MAJOR: {
        /* cells (r, (r + dl) mod K); bit r of w = the cell of row r; enc:
         * row r takes row r - d */
        const uint32_t dl = step3 ? (K - t) % K : t, a = dl >> 3, o = dl & 7;
        const uint64_t lo = DIAG8 & rows_below(8 - o), hi = DIAG8 & ~rows_below(8 - o);
        uint8_t j0[8], j1[8];
        uint32_t J0 = a;
        H2_UNROLL
        for (uint32_t I = 0; I < T; I++) {
            const uint32_t J1 = J0 + 1 == T ? 0 : J0 + 1;
            j0[I] = (uint8_t)(I * T + J0);
            j1[I] = (uint8_t)(I * T + J1);
            const uint64_t x = ((tl[j0[I]] >> o) & lo) | ((tl[j1[I]] << (8 - o)) & hi);
            w |= ((x * L8) >> 56) << 8 * I;
            J0 = J1;
        }
        w ^= enc ? rotr_k(w, K - d, K, full) : rotr_k(w, d, K, full);
        H2_UNROLL
        for (uint32_t I = 0; I < T; I++) {
            const uint64_t y = (((w >> 8 * I) & 0xFF) * L8) & DIAG8;
            tl[j0[I]] ^= (y & lo) << o;
            tl[j1[I]] ^= (y & hi) >> (8 - o); /* o = 0: hi = 0 */
        }
        break;
    }
    default: {
        /* POP_MINOR: cells (r, (t - r) mod K); bit K - 1 - r of w = the cell
         * of row r (the gather yields rows in reverse within a tile) */
        const uint32_t o = t & 7, a0 = t >> 3;
        const uint64_t lo = ADIAG8 & rows_below(o + 1), hi = ADIAG8 & ~rows_below(o + 1);
        uint8_t ja[8], jb[8];
        uint32_t a = a0;
        H2_UNROLL
        for (uint32_t I = 0; I < T; I++) {
            const uint32_t b = a == 0 ? T - 1 : a - 1;
            ja[I] = (uint8_t)(I * T + a);
            jb[I] = (uint8_t)(I * T + b);
            const uint64_t x = ((tl[ja[I]] << (7 - o)) & lo) | ((tl[jb[I]] >> (o + 1)) & hi);
            w |= ((x * L8) >> 56) << 8 * (T - 1 - I);
            a = b;
        }
        w ^= enc ? rotr_k(w, d, K, full) : rotr_k(w, K - d, K, full);
        H2_UNROLL
        for (uint32_t I = 0; I < T; I++) {
            const uint64_t y = (((w >> 8 * (T - 1 - I)) & 0xFF) * L8) & ADIAG8;
            tl[ja[I]] ^= (y & lo) >> (7 - o);
            tl[jb[I]] ^= (y & hi) << (o + 1); /* o = 7: hi = 0 */
        }
        break;
    }
    }
}

/* the tile moves of the packed fast path, with the sequences as bytes */
H2_INLINE void tile_moves_k(uint64_t *tl, const uint8_t *kind, const uint8_t *dist, int enc, const uint32_t K) {
    const uint64_t full = K == 64 ? ~0ULL : (1ULL << K) - 1;
    if (enc) {
        for (uint32_t t = 0; t < K; t++) tile_pop_move(tl, K, full, kind[t], 0, t, dist[t], 1);
        for (uint32_t t = 0; t < K; t++) tile_pop_move(tl, K, full, kind[K + t], 1, t, dist[K + t], 1);
    } else {
        for (uint32_t t = K; t-- > 0;) tile_pop_move(tl, K, full, kind[K + t], 1, t, dist[K + t], 0);
        for (uint32_t t = K; t-- > 0;) tile_pop_move(tl, K, full, kind[t], 0, t, dist[t], 0);
    }
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

#endif
