/* impl_portable.c - tpe-h2mwd's bit-board kernels in portable C (h2mwd.h):
 * what every CPU runs (MEDCRYPT_CPU=portable forces it).
 *  - split / merge: 64 levels at a time, 8 x 8 bit transposes;
 *  - ZMP: the Benes network (benes.c) a word at a time, then the rotation;
 *  - sequences and WDPCS: seqs.h with SWAR popcounts and multiply gathers;
 *  - moves: the high boards are kept cut into 8 x 8 tiles (tiles.h) from
 *    split to merge; table-driven, four planes at a time (pt_moves_k). */
#include "schemes/tpe_h2mwd/tiles.h"

#include <sodium.h>

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
static void port_high_layout(uint64_t *bb, size_t nw, unsigned P, int to_tiles) {
    const uint32_t K = nw == 1 ? 8 : nw == 4 ? 16 : nw == 16 ? 32 : 64;
    uint64_t t[64];
    if (K == 8) return; /* one tile: the board itself */
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
#define H2S_DISPATCH static
#define H2S_POPCNT 0
#define H2S_PDEP 0
#include "schemes/tpe_h2mwd/seqs.h"

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

/* PMH2M moves of the L high boards (kept in tiles, see port_split), four at
 * a time */
static void *port_tables_new(void) {
    return pt_tables_new();
}

static void port_tables_free(void *x) {
    free(x);
}

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
