/* tiles.c - tpe-h2mwd on bit planes packed in 8 x 8 tiles (tiles.h), for
 * square blocks of side 48: the one common block size whose full blocks are
 * not bit boards (board.c).  The same cipher as ref.c: ZMP is ref.c's byte
 * gather with the plane unpacked and repacked around it; the sequences of
 * PMH2M are counted on the packed plane, its moves are tile moves; WDPCS
 * works on whole tiles.  Edge blocks, odd sides and sides over 64 take
 * ref.c. */
#include "schemes/tpe_h2mwd/tiles.h"

#include <sodium.h>

int mc_tpe_h2_tiles_shape(uint32_t bh, uint32_t bw) {
    return bh == bw && bh == 48;
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

/* pmh2m_seqs from packed low plane tl: the same sequences, counted with
 * word operations (row counts: bytewise popcounts; column counts: 4-bit
 * lanes summed down the tile column, then across the tile's rows). */
H2_INLINE void tile_seqs(h2_state *h, const h2_geo *g, const uint64_t *tl, uint32_t K, const uint16_t *off) {
    const uint32_t T = K / 8;
    uint32_t *colc = h->cnt, *rowc = h->cnt + K;
    for (uint32_t I = 0; I < T; I++) {
        uint64_t s = 0;
        for (uint32_t J = 0; J < T; J++) {
            uint64_t x = tl[I * T + J];
            x = x - ((x >> 1) & 0x5555555555555555ULL);
            x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
            s += (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL; /* bytes: ones in each tile row, sum <= 64 */
        }
        for (uint32_t j = 0; j < 8; j++) rowc[8 * I + j] = (uint32_t)((s >> 8 * j) & 0xFF);
    }
    for (uint32_t J = 0; J < T; J++)
        for (unsigned c = 0; c < 4; c++) {
            uint64_t acc = 0; /* nibble 2j + h: rows 8I + j, column 8J + c + 4h, summed over I (<= 8) */
            for (uint32_t I = 0; I < T; I++) acc += (tl[I * T + J] >> c) & 0x1111111111111111ULL;
            colc[8 * J + c] = (uint32_t)(((acc & 0x0F0F0F0F0F0F0F0FULL) * L8) >> 56);
            colc[8 * J + c + 4] = (uint32_t)((((acc >> 4) & 0x0F0F0F0F0F0F0F0FULL) * L8) >> 56);
        }
    const uint64_t full = K == 64 ? ~0ULL : (1ULL << K) - 1;
    uint64_t r0 = 0, c0 = 0; /* first row, first column: bit k = cell k */
    for (uint32_t J = 0; J < T; J++) r0 |= (tl[J] & 0xFF) << 8 * J;
    for (uint32_t I = 0; I < T; I++) c0 |= (((tl[I * T] & L8) * PACK8) >> 56) << 8 * I;
    const uint64_t r1 = rotr_k(r0, 1, K, full), r2 = rotr_k(r0, 2, K, full);
    const uint64_t q1 = rotr_k(c0, 1, K, full), q2 = rotr_k(c0, 2, K, full);
    const uint16_t *imp1o = off, *vis1o = off + K, *imp2o = off + 2 * K, *vis2o = off + 3 * K;
    uint8_t *imp1 = h->seqb, *imp2 = imp1 + K;
    uint32_t *vis1 = h->seqv, *vis2 = vis1 + K;
    const uint16_t *modw = g->mod, *modh = g->mod + 3 * (size_t)K + 1;
    for (uint32_t t = 0; t < K; t++) {
        const uint32_t t1 = t + 1 < K ? t + 1 : t + 1 - K, t2 = t1 + 1 < K ? t1 + 1 : t1 + 1 - K;
        imp1[t] = (uint8_t)(((((r1 >> t) & 1) << 1 | ((r2 >> t) & 1)) + imp1o[t]) & 3);
        imp2[t] = (uint8_t)(((((q1 >> t) & 1) << 1 | ((q2 >> t) & 1)) + imp2o[t]) & 3);
        const uint32_t v = modw[colc[t] + colc[t1] + colc[t2]] + vis1o[t];
        vis1[t] = v >= K ? v - K : v;
        const uint32_t u = modh[rowc[t] + rowc[t1] + rowc[t2]] + vis2o[t];
        vis2[t] = u >= K ? u - K : u;
    }
}

/* The moves of PMH2M on packed plane tl with the sequences in h. */
H2_INLINE void tile_pmh2m_k(const h2_state *h, uint64_t *tl, uint32_t K, int enc) {
    const uint64_t full = K == 64 ? ~0ULL : (1ULL << K) - 1;
    const uint8_t *imp1 = h->seqb, *imp2 = imp1 + K;
    const uint32_t *vis1 = h->seqv, *vis2 = vis1 + K;
    if (enc) {
        for (uint32_t t = 0; t < K; t++) tile_pop_move(tl, K, full, imp1[t], 0, t, vis1[t], 1);
        for (uint32_t t = 0; t < K; t++) tile_pop_move(tl, K, full, imp2[t], 1, t, vis2[t], 1);
    } else {
        for (uint32_t t = K; t-- > 0;) tile_pop_move(tl, K, full, imp2[t], 1, t, vis2[t], 0);
        for (uint32_t t = K; t-- > 0;) tile_pop_move(tl, K, full, imp1[t], 0, t, vis1[t], 0);
    }
}

/* ones in a packed plane of nt tiles (portable SWAR popcount) */
H2_INLINE size_t tile_ones(const uint64_t *tl, uint32_t nt) {
    size_t c = 0;
    for (uint32_t i = 0; i < nt; i++) {
        uint64_t x = tl[i];
        x = x - ((x >> 1) & 0x5555555555555555ULL);
        x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
        c += (size_t)((((x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL) * L8) >> 56);
    }
    return c;
}

/* packed plane -> one byte per bit, raster order */
H2_INLINE void tile_unpack(const uint64_t *tl, uint32_t K, uint8_t *out) {
    const uint32_t T = K / 8;
    const int le = mc_host_le();
    for (uint32_t I = 0; I < T; I++)
        for (uint32_t J = 0; J < T; J++) {
            const uint64_t x = tl[I * T + J];
            for (uint32_t j = 0; j < 8; j++) {
                uint64_t w = k_spread[(x >> 8 * j) & 0xFF];
                if (!le) w = __builtin_bswap64(w);
                memcpy(out + (size_t)(8 * I + j) * K + 8 * J, &w, 8);
            }
        }
}

H2_INLINE void tile_pack(const uint8_t *in, uint32_t K, uint64_t *tl) {
    const uint32_t T = K / 8;
    const int le = mc_host_le();
    for (uint32_t I = 0; I < T; I++)
        for (uint32_t J = 0; J < T; J++) {
            uint64_t x = 0;
            for (uint32_t j = 0; j < 8; j++) {
                uint64_t w;
                memcpy(&w, in + (size_t)(8 * I + j) * K + 8 * J, 8);
                if (!le) w = __builtin_bswap64(w);
                x |= ((w * PACK8) >> 56) << 8 * j;
            }
            tl[I * T + J] = x;
        }
}

/* levels (K x K, raster) -> P packed planes */
static void tile_split(const uint32_t *v, uint32_t K, unsigned P, uint64_t *tl) {
    const uint32_t T = K / 8, nt = T * T;
    for (uint32_t I = 0; I < T; I++)
        for (uint32_t J = 0; J < T; J++) {
            uint64_t acc[16] = {0};
            for (uint32_t j = 0; j < 8; j++) {
                const uint32_t *s = v + (size_t)(8 * I + j) * K + 8 * J;
                uint64_t l8 = 0, h8 = 0;
                for (unsigned i = 0; i < 8; i++) {
                    l8 |= (uint64_t)(s[i] & 0xFF) << 8 * i;
                    h8 |= (uint64_t)((s[i] >> 8) & 0xFF) << 8 * i;
                }
                for (unsigned p = 0; p < P; p++) {
                    const uint64_t x = p < 8 ? l8 >> p : h8 >> (p - 8);
                    acc[p] |= (((x & L8) * PACK8) >> 56) << 8 * j;
                }
            }
            for (unsigned p = 0; p < P; p++) tl[p * nt + I * T + J] = acc[p];
            sodium_memzero(acc, sizeof acc);
        }
}

static void tile_merge(const uint64_t *tl, uint32_t K, unsigned P, uint32_t *v) {
    const uint32_t T = K / 8, nt = T * T;
    for (uint32_t I = 0; I < T; I++)
        for (uint32_t J = 0; J < T; J++)
            for (uint32_t j = 0; j < 8; j++) {
                uint64_t l8 = 0, h8 = 0;
                for (unsigned p = 0; p < P; p++) {
                    const uint64_t x = k_spread[(tl[p * nt + I * T + J] >> 8 * j) & 0xFF];
                    if (p < 8) l8 |= x << p;
                    else h8 |= x << (p - 8);
                }
                uint32_t *s = v + (size_t)(8 * I + j) * K + 8 * J;
                for (unsigned i = 0; i < 8; i++)
                    s[i] = (uint32_t)((l8 >> 8 * i) & 0xFF) | (uint32_t)((h8 >> 8 * i) & 0xFF) << 8;
            }
}

/* ref.c's round on packed planes h->tl; two byte planes serve as ZMP scratch.
 * PMH2M of plane L + q and ZMP of plane q only involve low plane q, so each
 * q is done at once (the order of the general path across q is immaterial). */
H2_INLINE void round_fast_k(h2_state *h, const h2_geo *g, h2_mat m, int enc, const uint32_t K) {
    const uint32_t nt = (K / 8) * (K / 8);
    const size_t seqs = 4 * (size_t)K;
    uint8_t *u = h->pl[0], *s = h->pl[1];
    uint64_t *tl = h->tl;
    if (enc) {
        for (unsigned q = 0; q < h->L; q++) {
            tile_unpack(tl + q * nt, K, u);
            mc_tpe_h2_zmp_bytes(g, u, s, m.zmp + 3 * q, 1, tile_ones(tl + q * nt, nt));
            tile_pack(s, K, tl + q * nt);
            tile_seqs(h, g, tl + q * nt, K, m.seq + q * seqs);
            tile_pmh2m_k(h, tl + (h->L + q) * nt, K, 1);
        }
        for (unsigned i = 0; i + 1 < h->P; i++) tile_wdpcs(tl + i * nt, tl + (i + 1) * nt, K, m.wd + i * m.wdb);
    } else {
        for (unsigned i = h->P - 1; i-- > 0;) tile_wdpcs(tl + i * nt, tl + (i + 1) * nt, K, m.wd + i * m.wdb);
        for (unsigned q = 0; q < h->L; q++) {
            tile_seqs(h, g, tl + q * nt, K, m.seq + q * seqs);
            tile_pmh2m_k(h, tl + (h->L + q) * nt, K, 0);
            tile_unpack(tl + q * nt, K, u);
            mc_tpe_h2_zmp_bytes(g, u, s, m.zmp + 3 * q, 0, tile_ones(tl + q * nt, nt));
            tile_pack(s, K, tl + q * nt);
        }
    }
}

static void round_fast(h2_state *h, const h2_geo *g, h2_mat m, int enc) {
    round_fast_k(h, g, m, enc, 48); /* the one tile shape that is not a board shape */
}

void mc_tpe_h2_tiles_block(h2_state *h, const h2_geo *g, const tpe_block *b, int enc) {
    tile_split(b->v, b->bw, h->P, h->tl);
    mc_tpe_h2_rounds(h, g, b, enc, round_fast);
    tile_merge(h->tl, b->bw, h->P, b->v);
}
