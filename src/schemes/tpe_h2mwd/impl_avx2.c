/* impl_avx2.c - tpe-h2mwd's bit-board kernels with AVX2 + POPCNT (h2mwd.h),
 * BMI1/2, chosen where mc_cpu_features() has them and not AVX-512.  Two
 * entries of the table: "avx2-pdep" where PDEP / PEXT are fast
 * (MC_CPU_FAST_PDEP: the sequences use them), else "avx2", which never does
 * (they are microcoded, slow, on AMD before Zen 3, which has AVX2); all the
 * other kernels are shared and use neither (shifts, packs, movemasks).  The same cipher as
 * ref.c (test_tpe compares them on random blocks, test_tpe_golden pins the
 * cipher).
 *
 * PMH2M moves (K = 16, 32, 64).  Row r of a board is lane r of vectors of
 * K-bit lanes (K = 32: four ymm of eight rows; K = 16: one ymm; K = 64:
 * sixteen ymm of four rows).  A column or a diagonal is one bit per lane
 * (lane bit A r + B mod K, A = 0, 1 or -1, from a table): AND with the lane
 * bits, compare, movemask give the population word (bit r = the cell of row
 * r); a row is lane r itself.  The word is permuted in a scalar register
 * (rows and columns: the parity rule, two rotations and a mask; a diagonal:
 * one rotation); the changed bits go back by an XOR of the lane bits under
 * the lanes whose bit changed (a broadcast, AND, compare), a row by a blend
 * into lane r.  Every move does both, with the other's part empty: no branch
 * on the move's kind.  Two planes' moves are interleaved (independent
 * chains).  K = 8 takes the branch-free tile moves of tiles.h (one word a
 * board).
 *
 * ZMP.  The board through its model's Benes network: masked delta swaps
 * within qwords, qword or 128-bit lane swaps (shuffles), whole ymm; then the
 * rotation by the start (two shifted loads from the board stored twice).
 *
 * Split / merge.  64 levels at a time: packed to bytes, one movemask per bit
 * plane and 32 levels; back: bytes from the planes' bits by shuffle, AND and
 * compare. */
#include "schemes/tpe_h2mwd/tiles.h"

#include <stdlib.h>

#if MC_TPE_X86
#include <immintrin.h>

#define A2_TARGET "avx2,popcnt,bmi,bmi2"
#define A2_FN __attribute__((target(A2_TARGET)))
#define A2_INLINE static inline __attribute__((always_inline, target(A2_TARGET)))
#define A2_UNROLL _Pragma("GCC unroll 16")

/* a move's word permutation: (ror(w, a) & m) | (ror(w, b) & ~m); line = all
 * ones for a column or a diagonal, 0 for a row */
typedef struct a2_par {
    uint64_t m, line;
    uint32_t a, b;
} a2_par;

/* K = 32: a population's permutation as bytes (byte r = row r): from the
 * same 128-bit lane (ia) or the other (ib, of the lanes swapped), 0x80:
 * none; and the row moves' word permutation (rows: lanes of 32 bits) */
typedef struct a2_perm32 {
    __m256i ia, ib;
    uint64_t a, a2, b, b2; /* the rotations of (ror(w, a) & m) | (ror(w, b) & ~m); a2 = 32 - a, b2 = 32 - b */
    uint32_t m;
} a2_perm32;

typedef struct a2_tables {
    /* K = 32 (a2_mv32) */
    __m256i lb32[3 * 32 + 1][4]; /* entry 32 s + B, ymm j, lane i: 1 << (A_s r + B mod 32), r = a2_row32(j, i);
                                    entry 96 (rows): 0 */
    a2_perm32 perm32[2][2][32];   /* [enc][diagonal][d] */
    __m256i ex32[4];              /* ymm j: the shuffle spreading row bytes to ymm j's lanes */
    __m256i rowsel32[2][8];       /* [row move][lane]: lane all ones (row moves), zero */
    uint8_t li32[2][4][32];       /* [step3][kind][t]: entry of lb32 */
    __m256i lb16[3 * 16];    /* K = 16, entry 16 s + B, lane r: 1 << (A_s r + B mod 16) */
    __m256i sel16;           /* lane r: 1 << r */
    __m256i lane16[16];      /* lane r all ones */
    __m256i lb64[3 * 64][16]; /* K = 64, entry 64 s + B, ymm j, lane i: 1 << (A_s (4j + i) + B mod 64) */
    __m256i sel64[16];       /* ymm j lane i: 1 << (4j + i) */
    __m256i lane64[4];       /* lane i all ones */
    a2_par par[3][2][4][64]; /* [K = 16, 32, 64][enc][kind][d] */
    pt_tables *pt;           /* K = 8: the branch-free tile moves (tiles.h) */
    uint8_t li[3][2][4][64]; /* [K][step3][kind][t]: entry of lb (s K + B) */
} a2_tables;

/* K = 32: row r lies in lane i of ymm j, rows 4j.. in lanes 0-3 and rows
 * 16 + 4j.. in lanes 4-7, so that two packs and a movemask of the four ymm
 * give the bits of the rows in row order */
static inline unsigned a2_row32(unsigned j, unsigned i) {
    return (i < 4 ? 4 * j : 16 + 4 * j) + (i & 3);
}

/* step 2 (t < K): the populations through (0, t); step 3: through (t, 0).
 * Lane bit of a column / diagonal: A r + B, A from k_asel, B = t k_bcoef. */
static const int8_t k_bcoef[2][4] = {{0, 1, 1, 1}, {0, 0, 1, -1}}; /* [step3][kind: row col minor major] */
static const int8_t k_avalue[3] = {0, 1, -1};                     /* A of s = 0, 1, 2 */
static const uint8_t k_asel[4] = {0, 0, 2, 1};                     /* s of each kind */

static void a2_params(a2_par *pp, uint32_t K, int enc) { /* pp[kind * 64 + d] */
    const uint64_t full = K == 64 ? ~0ULL : (1ULL << K) - 1;
    for (unsigned kind = 0; kind < 4; kind++)
        for (uint32_t d = 0; d < K; d++) {
            a2_par *p = pp + kind * 64 + d;
            p->line = kind ? ~0ULL : 0;
            if (d == 0) {
                p->a = p->b = 0;
                p->m = full;
            } else if (kind < POP_MINOR) { /* even cells k go to k - d, odd ones to k + d (tiles.h: line_word) */
                p->a = enc ? d : K - d;
                p->b = K - p->a;
                p->m = ((enc && (d & 1)) ? 0xAAAAAAAAAAAAAAAAULL : 0x5555555555555555ULL) & full;
            } else { /* enc: row r takes row r - d */
                p->a = p->b = enc ? K - d : d;
                p->m = full;
            }
        }
}

/* lane bit of lane r for entry s K + B */
static uint32_t a2_lanebit(unsigned s, uint32_t B, uint32_t r, uint32_t K) {
    return (uint32_t)(((int64_t)k_avalue[s] * r + B + 4 * (int64_t)K) % K);
}

A2_FN static void *a2_tables_new(void) {
    a2_tables *x = aligned_alloc(64, sizeof *x);
    if (!x) return NULL;
    if (!(x->pt = pt_tables_new())) {
        free(x);
        return NULL;
    }
    static const uint32_t ks[3] = {16, 32, 64};
    for (unsigned i = 0; i < 3; i++) {
        const uint32_t K = ks[i];
        for (int enc = 0; enc < 2; enc++) a2_params(&x->par[i][enc][0][0], K, enc);
        for (unsigned step3 = 0; step3 < 2; step3++)
            for (unsigned kind = 0; kind < 4; kind++)
                for (uint32_t t = 0; t < K; t++) {
                    const int B = (int)t * k_bcoef[step3][kind];
                    x->li[i][step3][kind][t] = (uint8_t)(k_asel[kind] * K + (uint32_t)((B % (int)K + (int)K) % (int)K));
                }
    }
    for (unsigned s = 0; s < 3; s++)
        for (uint32_t B = 0; B < 32; B++)
            for (unsigned j = 0; j < 4; j++) {
                uint32_t v[8];
                for (unsigned i = 0; i < 8; i++) v[i] = 1u << a2_lanebit(s, B, a2_row32(j, i), 32);
                x->lb32[32 * s + B][j] = _mm256_loadu_si256((const void *)v);
            }
    for (unsigned j = 0; j < 4; j++) x->lb32[96][j] = _mm256_setzero_si256();
    for (unsigned step3 = 0; step3 < 2; step3++)
        for (unsigned kind = 0; kind < 4; kind++)
            for (uint32_t t = 0; t < 32; t++)
                x->li32[step3][kind][t] = kind == POP_ROW ? 96 : x->li[1][step3][kind][t];
    for (int enc = 0; enc < 2; enc++)
        for (unsigned diag = 0; diag < 2; diag++)
            for (uint32_t d = 0; d < 32; d++) {
                const a2_par *q = &x->par[1][enc][diag ? POP_MAJOR : POP_COL][d];
                a2_perm32 *e = &x->perm32[enc][diag][d];
                uint8_t ia[32], ib[32];
                for (unsigned r = 0; r < 32; r++) { /* new byte r = old byte src */
                    const unsigned src = (r + ((q->m >> r) & 1 ? q->a : q->b)) & 31;
                    ia[r] = (src >> 4) == (r >> 4) ? (uint8_t)(src & 15) : 0x80;
                    ib[r] = (src >> 4) != (r >> 4) ? (uint8_t)(src & 15) : 0x80;
                }
                e->ia = _mm256_loadu_si256((const void *)ia);
                e->ib = _mm256_loadu_si256((const void *)ib);
                e->a = q->a, e->a2 = 32 - q->a, e->b = q->b, e->b2 = 32 - q->b, e->m = (uint32_t)q->m;
            }
    for (unsigned j = 0; j < 4; j++) {
        uint8_t v[32];
        for (unsigned i = 0; i < 32; i++) v[i] = (uint8_t)(4 * j + ((i & 15) >> 2));
        x->ex32[j] = _mm256_loadu_si256((const void *)v);
    }
    for (unsigned l = 0; l < 8; l++) {
        uint32_t v[8] = {0};
        v[l] = ~0u;
        x->rowsel32[1][l] = _mm256_loadu_si256((const void *)v);
        x->rowsel32[0][l] = _mm256_setzero_si256();
    }
    for (unsigned s = 0; s < 3; s++)
        for (uint32_t B = 0; B < 16; B++) {
            uint16_t v[16];
            for (unsigned r = 0; r < 16; r++) v[r] = (uint16_t)(1u << a2_lanebit(s, B, r, 16));
            x->lb16[16 * s + B] = _mm256_loadu_si256((const void *)v);
        }
    {
        uint16_t v[16];
        for (unsigned r = 0; r < 16; r++) v[r] = (uint16_t)(1u << r);
        x->sel16 = _mm256_loadu_si256((const void *)v);
        for (unsigned l = 0; l < 16; l++) {
            uint16_t u[16] = {0};
            u[l] = 0xFFFF;
            x->lane16[l] = _mm256_loadu_si256((const void *)u);
        }
    }
    for (unsigned s = 0; s < 3; s++)
        for (uint32_t B = 0; B < 64; B++)
            for (unsigned j = 0; j < 16; j++) {
                uint64_t v[4];
                for (unsigned i = 0; i < 4; i++) v[i] = 1ULL << a2_lanebit(s, B, 4 * j + i, 64);
                x->lb64[64 * s + B][j] = _mm256_loadu_si256((const void *)v);
            }
    for (unsigned j = 0; j < 16; j++) {
        uint64_t v[4];
        for (unsigned i = 0; i < 4; i++) v[i] = 1ULL << (4 * j + i);
        x->sel64[j] = _mm256_loadu_si256((const void *)v);
    }
    for (unsigned l = 0; l < 4; l++) {
        uint64_t v[4] = {0};
        v[l] = ~0ULL;
        x->lane64[l] = _mm256_loadu_si256((const void *)v);
    }
    return x;
}

static void a2_tables_free(void *t) {
    a2_tables *x = t;
    free(x->pt);
    free(x);
}

static inline uint64_t a2_ror(uint64_t x, uint32_t s, uint32_t K, uint64_t full) {
    return ((x >> s) | (x << ((K - s) & 63))) & full; /* s < K */
}

/* ------------------------------------------------------------- K = 32 */

/* One move of a plane (four ymm, rows as a2_row32), all in vector
 * registers: the population's cells tested against their lane bits, packed
 * to bytes in row order (a byte per row), permuted by shuffles, compared
 * with the old bytes, and the changed ones spread back to their lanes as
 * masks of the lane bits; a row move takes row rl of z[rj] into every lane
 * (each qword then holds it twice, so a qword shift is a rotation of the
 * dword rl), permutes it and blends it back.  Both every time, the other's
 * part empty (bits: the zero entry, rowsel: zero): no branch on the kind
 * (the branch on rl's parity follows the loop).  Most operations are logic,
 * not shuffles or shifts (two ports only).  rj is a constant where this is
 * expanded (z stays in registers). */
A2_INLINE void a2_mv32(__m256i *z, const a2_perm32 *e, const __m256i *bits, const __m256i rowsel, const a2_tables *x,
                       const unsigned rj, unsigned rl) {
    __m256i g[4];
    A2_UNROLL
    for (unsigned j = 0; j < 4; j++) g[j] = _mm256_cmpeq_epi32(_mm256_and_si256(z[j], bits[j]), bits[j]);
    const __m256i pb = _mm256_packs_epi16(_mm256_packs_epi32(g[0], g[1]), _mm256_packs_epi32(g[2], g[3]));
    const __m256i np = _mm256_or_si256(_mm256_shuffle_epi8(pb, e->ia),
                                       _mm256_shuffle_epi8(_mm256_permute4x64_epi64(pb, 0x4E), e->ib));
    const __m256i ch = _mm256_xor_si256(pb, np);
    const __m256i rowv = _mm256_permutevar8x32_epi32(z[rj], _mm256_set1_epi32((int)rl));
    A2_UNROLL
    for (unsigned j = 0; j < 4; j++) z[j] = _mm256_xor_si256(z[j], _mm256_and_si256(_mm256_shuffle_epi8(ch, x->ex32[j]), bits[j]));
    __m256i r1, r2;
    if (rl & 1) { /* the high dword of its qword */
        r1 = _mm256_sllv_epi64(rowv, _mm256_set1_epi64x((long long)e->a2));
        r2 = _mm256_sllv_epi64(rowv, _mm256_set1_epi64x((long long)e->b2));
    } else {
        r1 = _mm256_srlv_epi64(rowv, _mm256_set1_epi64x((long long)e->a));
        r2 = _mm256_srlv_epi64(rowv, _mm256_set1_epi64x((long long)e->b));
    }
    const __m256i m = _mm256_set1_epi32((int)e->m);
    z[rj] = _mm256_blendv_epi8(z[rj], _mm256_or_si256(_mm256_and_si256(r1, m), _mm256_andnot_si256(m, r2)), rowsel);
}

/* the moves at t (step 2: row 0; step 3: row t) of NP planes */
#define A2_MV32(t, step3, rj, rl)                                                                                  \
    do {                                                                                                           \
        A2_UNROLL                                                                                                  \
        for (unsigned q = 0; q < A2_NP32; q++) {                                                                   \
            const unsigned kind = k0[128 * q + (step3) * 32 + (t)], d = d0[128 * q + (step3) * 32 + (t)];           \
            a2_mv32(z + 4 * q, &pe[kind >= POP_MINOR][d], x->lb32[x->li32[step3][kind][t]],                         \
                    x->rowsel32[kind == POP_ROW][rl], x, (rj), (rl));                                              \
        }                                                                                                          \
    } while (0)
/* step 3, t = 16 h + 4 j .. + 3 (rows of ymm j, lanes 4 h ..), upwards or downwards */
#define A2_MV32_GROUP(h, j, up)                                                                                    \
    do {                                                                                                           \
        for (unsigned l0 = 0; l0 < 4; l0++) {                                                                      \
            const unsigned l = (up) ? l0 : 3 - l0;                                                                 \
            A2_MV32(16 * (h) + 4 * (j) + l, 1, (j), 4 * (h) + l);                                                  \
        }                                                                                                          \
    } while (0)
#define A2_NP32 4 /* planes interleaved */

A2_FN static void a2_moves32(const a2_tables *x, uint64_t *H, unsigned L, const uint8_t *kd, const uint8_t *dd,
                             int enc) {
    const a2_perm32(*pe)[32] = x->perm32[enc != 0];
    for (unsigned q0 = 0; q0 < L; q0 += A2_NP32) {
        __m256i z[4 * A2_NP32];
        for (unsigned q = 0; q < A2_NP32; q++) /* ymm j: words 2j, 2j + 1 (rows 4j..) and 8 + 2j, 9 + 2j */
            for (unsigned j = 0; j < 4; j++) {
                const uint64_t *X = H + 16 * (q0 + q);
                z[4 * q + j] = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const void *)(X + 2 * j))),
                                                       _mm_loadu_si128((const void *)(X + 8 + 2 * j)), 1);
            }
        const uint8_t *k0 = kd + 128 * q0, *d0 = dd + 128 * q0;
        if (enc) {
            for (unsigned t = 0; t < 32; t++) A2_MV32(t, 0, 0, 0);
            for (unsigned h = 0; h < 2; h++) {
                A2_MV32_GROUP(h, 0, 1);
                A2_MV32_GROUP(h, 1, 1);
                A2_MV32_GROUP(h, 2, 1);
                A2_MV32_GROUP(h, 3, 1);
            }
        } else {
            for (unsigned h = 2; h-- > 0;) {
                A2_MV32_GROUP(h, 3, 0);
                A2_MV32_GROUP(h, 2, 0);
                A2_MV32_GROUP(h, 1, 0);
                A2_MV32_GROUP(h, 0, 0);
            }
            for (unsigned t = 32; t-- > 0;) A2_MV32(t, 0, 0, 0);
        }
        for (unsigned q = 0; q < A2_NP32; q++)
            for (unsigned j = 0; j < 4; j++) {
                uint64_t *X = H + 16 * (q0 + q);
                _mm_storeu_si128((void *)(X + 2 * j), _mm256_castsi256_si128(z[4 * q + j]));
                _mm_storeu_si128((void *)(X + 8 + 2 * j), _mm256_extracti128_si256(z[4 * q + j], 1));
            }
    }
}
#undef A2_MV32
#undef A2_MV32_GROUP

/* ------------------------------------------------------------- K = 16 */

/* One move of a plane (row r = 16-bit lane r of z); the row of a row move is
 * lane rl. */
A2_INLINE void a2_mv16(__m256i *z, const a2_par *p, const __m256i bits, const a2_tables *x, const unsigned rl) {
    const __m256i e = _mm256_cmpeq_epi16(_mm256_and_si256(*z, bits), bits);
    const uint32_t m = (uint32_t)_mm256_movemask_epi8(_mm256_packs_epi16(e, e)); /* rows 0-7: bits 0-7, 8-15: 16-23 */
    const uint32_t wl = (m & 0xFF) | ((m >> 8) & 0xFF00);
    uint16_t row[16];
    _mm256_storeu_si256((void *)row, *z);
    const uint32_t wr = row[rl];
    const uint32_t line = (uint32_t)p->line;
    const uint32_t w = (wl & line) | (wr & ~line);
    const uint32_t nw = (uint32_t)((a2_ror(w, p->a, 16, 0xFFFF) & p->m) | (a2_ror(w, p->b, 16, 0xFFFF) & ~p->m));
    const __m256i ch = _mm256_set1_epi16((short)((w ^ nw) & line));
    const __m256i mk = _mm256_cmpeq_epi16(_mm256_and_si256(ch, x->sel16), x->sel16);
    *z = _mm256_xor_si256(*z, _mm256_and_si256(mk, bits));
    *z = _mm256_blendv_epi8(*z, _mm256_set1_epi16((short)nw), _mm256_andnot_si256(_mm256_set1_epi16((short)line), x->lane16[rl]));
}

#define A2_MV16(t, step3, rl)                                                                                      \
    do {                                                                                                           \
        A2_UNROLL                                                                                                  \
        for (unsigned q = 0; q < 4; q++) {                                                                         \
            const unsigned kind = k0[128 * q + (step3) * 16 + (t)], d = d0[128 * q + (step3) * 16 + (t)];           \
            a2_mv16(&z[q], &pp[kind][d], x->lb16[li[step3][kind][t]], x, (rl));                                    \
        }                                                                                                          \
    } while (0)

A2_FN static void a2_moves16(const a2_tables *x, uint64_t *H, unsigned L, const uint8_t *kd, const uint8_t *dd,
                             int enc) {
    const a2_par(*pp)[64] = x->par[0][enc != 0];
    const uint8_t(*li)[4][64] = x->li[0];
    for (unsigned q0 = 0; q0 < L; q0 += 4) {
        __m256i z[4];
        for (unsigned q = 0; q < 4; q++) z[q] = _mm256_loadu_si256((const void *)(H + 4 * (q0 + q)));
        const uint8_t *k0 = kd + 128 * q0, *d0 = dd + 128 * q0;
        if (enc) {
            for (unsigned t = 0; t < 16; t++) A2_MV16(t, 0, 0);
            A2_UNROLL
            for (unsigned t = 0; t < 16; t++) A2_MV16(t, 1, t);
        } else {
            A2_UNROLL
            for (unsigned i = 0; i < 16; i++) A2_MV16(15 - i, 1, 15 - i);
            for (unsigned t = 16; t-- > 0;) A2_MV16(t, 0, 0);
        }
        for (unsigned q = 0; q < 4; q++) _mm256_storeu_si256((void *)(H + 4 * (q0 + q)), z[q]);
    }
}
#undef A2_MV16

/* ------------------------------------------------------------- K = 64 */

/* One move of a plane of sixteen ymm (rows 4j.. in Z[j], kept in memory);
 * the row of a row move is lane rl of Z[rj]. */
A2_INLINE void a2_mv64(__m256i *Z, const a2_par *p, const __m256i *bits, const a2_tables *x, unsigned rj, unsigned rl) {
    uint64_t wl = 0;
    A2_UNROLL
    for (unsigned j = 0; j < 16; j++) {
        const __m256i e = _mm256_cmpeq_epi64(_mm256_and_si256(Z[j], bits[j]), bits[j]);
        wl |= (uint64_t)_mm256_movemask_pd(_mm256_castsi256_pd(e)) << 4 * j;
    }
    uint64_t row[4];
    _mm256_storeu_si256((void *)row, Z[rj]);
    const uint64_t wr = row[rl], line = p->line;
    const uint64_t w = (wl & line) | (wr & ~line);
    const uint64_t nw = (a2_ror(w, p->a, 64, ~0ULL) & p->m) | (a2_ror(w, p->b, 64, ~0ULL) & ~p->m);
    const __m256i ch = _mm256_set1_epi64x((long long)((w ^ nw) & line));
    A2_UNROLL
    for (unsigned j = 0; j < 16; j++) {
        const __m256i mk = _mm256_cmpeq_epi64(_mm256_and_si256(ch, x->sel64[j]), x->sel64[j]);
        Z[j] = _mm256_xor_si256(Z[j], _mm256_and_si256(mk, bits[j]));
    }
    Z[rj] = _mm256_blendv_epi8(Z[rj], _mm256_set1_epi64x((long long)nw),
                               _mm256_andnot_si256(_mm256_set1_epi64x((long long)line), x->lane64[rl]));
}

A2_FN static void a2_moves64(const a2_tables *x, uint64_t *H, unsigned L, const uint8_t *kd, const uint8_t *dd,
                             int enc) {
    const a2_par(*pp)[64] = x->par[2][enc != 0];
    const uint8_t(*li)[4][64] = x->li[2];
    for (unsigned q = 0; q < L; q++) {
        __m256i Z[16];
        for (unsigned j = 0; j < 16; j++) Z[j] = _mm256_loadu_si256((const void *)(H + 64 * q + 4 * j));
        const uint8_t *k0 = kd + 128 * q, *d0 = dd + 128 * q;
        for (unsigned i = 0; i < 128; i++) {
            const unsigned u = enc ? i : 127 - i, step3 = u >> 6, t = u & 63;
            const unsigned kind = k0[u];
            a2_mv64(Z, &pp[kind][d0[u]], x->lb64[li[step3][kind][t]], x, step3 ? t >> 2 : 0, step3 ? t & 3 : 0);
        }
        for (unsigned j = 0; j < 16; j++) _mm256_storeu_si256((void *)(H + 64 * q + 4 * j), Z[j]);
    }
}

static void a2_moves(const void *tables, uint64_t *H, unsigned L, uint32_t K, const uint8_t *kd, const uint8_t *dd,
                     int enc, uint64_t *scratch) {
    (void)scratch;
    switch (K) {
    case 8: /* one word a board: a tile */
        for (unsigned q = 0; q < L; q += 4)
            pt_moves_k(((const a2_tables *)tables)->pt, H + q, 1, kd + 128 * q, dd + 128 * q, enc, PT_K8, 8);
        break;
    case 16: a2_moves16(tables, H, L, kd, dd, enc); break;
    case 32: a2_moves32(tables, H, L, kd, dd, enc); break;
    default: a2_moves64(tables, H, L, kd, dd, enc); break;
    }
}

/* --------------------------------------------------------------- ZMP */

/* nz ymm (nw words) of one board through its network (masks: nw words a
 * stage), forwards or back */
A2_INLINE void a2_benes(__m256i *y, unsigned nz, size_t nw, unsigned L, const uint64_t *M0, int inverse) {
    const size_t n = (size_t)1 << L;
    const unsigned S = 2 * L - 1;
    _Pragma("GCC unroll 32") for (unsigned k = 0; k < S; k++) {
        const unsigned i = inverse ? S - 1 - k : k;
        const size_t d = h2_benes_delta(n, L, i);
        const uint64_t *M = M0 + (size_t)i * nw;
        if (d >= 256) {
            const unsigned D = (unsigned)(d / 256);
            A2_UNROLL
            for (unsigned z = 0; z < nz; z++) {
                if (z & D) continue;
                const __m256i t = _mm256_and_si256(_mm256_xor_si256(y[z], y[z + D]),
                                                   _mm256_loadu_si256((const void *)(M + 4 * z)));
                y[z] = _mm256_xor_si256(y[z], t);
                y[z + D] = _mm256_xor_si256(y[z + D], t);
            }
        } else if (d >= 64) {
            A2_UNROLL
            for (unsigned z = 0; z < nz; z++) {
                const __m256i m = _mm256_loadu_si256((const void *)(M + 4 * z));
                const __m256i s = d == 64 ? _mm256_shuffle_epi32(y[z], 0x4E) : _mm256_permute4x64_epi64(y[z], 0x4E);
                const __m256i t = _mm256_and_si256(_mm256_xor_si256(y[z], s), m);
                const __m256i u = d == 64 ? _mm256_shuffle_epi32(t, 0x4E) : _mm256_permute4x64_epi64(t, 0x4E);
                y[z] = _mm256_xor_si256(y[z], _mm256_xor_si256(t, u));
            }
        } else {
            const __m128i c = _mm_cvtsi32_si128((int)d);
            A2_UNROLL
            for (unsigned z = 0; z < nz; z++) {
                const __m256i m = _mm256_loadu_si256((const void *)(M + 4 * z));
                const __m256i t = _mm256_and_si256(_mm256_xor_si256(_mm256_srl_epi64(y[z], c), y[z]), m);
                y[z] = _mm256_xor_si256(y[z], _mm256_xor_si256(t, _mm256_sll_epi64(t, c)));
            }
        }
    }
}

/* y (nz ymm, nw words) rotated: bit j = bit (j + s) mod 64 nw; buf: 2 nw + 4
 * words of scratch */
A2_INLINE void a2_rot(__m256i *y, unsigned nz, size_t nw, size_t s, uint64_t *buf) {
    A2_UNROLL
    for (unsigned z = 0; z < nz; z++) {
        _mm256_storeu_si256((void *)(buf + 4 * z), y[z]);
        _mm256_storeu_si256((void *)(buf + nw + 4 * z), y[z]);
    }
    buf[2 * nw] = buf[0];
    const size_t a = (s >> 6) & (nw - 1);
    const __m128i cb = _mm_cvtsi32_si128((int)(s & 63)), cc = _mm_cvtsi32_si128((int)(64 - (s & 63)));
    A2_UNROLL
    for (unsigned z = 0; z < nz; z++) {
        const __m256i lo = _mm256_loadu_si256((const void *)(buf + a + 4 * z));
        const __m256i hi = _mm256_loadu_si256((const void *)(buf + a + 1 + 4 * z));
        y[z] = _mm256_or_si256(_mm256_srl_epi64(lo, cb), _mm256_sll_epi64(hi, cc)); /* count 64: 0 */
    }
}

A2_INLINE void a2_zmp_k(uint64_t *X, const uint64_t *masks, size_t s, int enc, uint64_t *buf, const unsigned nz,
                        const unsigned L) {
    const size_t nw = 4 * (size_t)nz, n = 64 * nw;
    __m256i y[16];
    A2_UNROLL
    for (unsigned z = 0; z < nz; z++) y[z] = _mm256_loadu_si256((const void *)(X + 4 * z));
    if (enc) {
        a2_benes(y, nz, nw, L, masks, 0);
        a2_rot(y, nz, nw, s, buf);
    } else {
        a2_rot(y, nz, nw, (n - s) & (n - 1), buf);
        a2_benes(y, nz, nw, L, masks, 1);
    }
    A2_UNROLL
    for (unsigned z = 0; z < nz; z++) _mm256_storeu_si256((void *)(X + 4 * z), y[z]);
}

A2_FN static void a2_zmp16(uint64_t *X, const uint64_t *masks, size_t s, int enc, uint64_t *buf) {
    a2_zmp_k(X, masks, s, enc, buf, 1, 8);
}
A2_FN static void a2_zmp32(uint64_t *X, const uint64_t *masks, size_t s, int enc, uint64_t *buf) {
    a2_zmp_k(X, masks, s, enc, buf, 4, 10);
}
A2_FN static void a2_zmp64(uint64_t *X, const uint64_t *masks, size_t s, int enc, uint64_t *buf) {
    a2_zmp_k(X, masks, s, enc, buf, 16, 12);
}

static void a2_zmp(uint64_t *X, unsigned L, uint32_t K, const uint64_t *const *masks, const size_t *rot, int enc,
                   uint64_t *scratch) {
    const size_t nw = (size_t)K * K / 64;
    for (unsigned q = 0; q < L; q++) switch (K) {
        case 8: h2_board_zmp(X + q, scratch, masks[q], rot[q], enc, 8); break; /* one word: plain C */
        case 16: a2_zmp16(X + q * nw, masks[q], rot[q], enc, scratch); break;
        case 32: a2_zmp32(X + q * nw, masks[q], rot[q], enc, scratch); break;
        default: a2_zmp64(X + q * nw, masks[q], rot[q], enc, scratch); break;
        }
}


/* ------------------------------------------------- sequences, WDPCS */

/* two variants of the sequences: without PDEP / PEXT (h2s_*, the "avx2"
 * implementation) and with them (h2sp_*, "avx2-pdep", where they are fast) */
#define H2S_FN static inline __attribute__((always_inline, unused, target(A2_TARGET)))
#define H2S_DISPATCH A2_FN static
#define H2S_POPCNT 1
#define H2S_PDEP 0
#include "schemes/tpe_h2mwd/seqs.h"
#define H2S_FN static inline __attribute__((always_inline, unused, target(A2_TARGET)))
#define H2S_DISPATCH A2_FN static
#define H2S_POPCNT 1
#define H2S_PDEP 1
#define H2S_NAME(x) h2sp_##x
#include "schemes/tpe_h2mwd/seqs.h"

/* WDPCS, K = 16, 32, 64: four words (a ymm) at a time, each row's K/2 key
 * bits zero-extended into the left half of its lane */
A2_INLINE __m256i a2_wd_keys(const uint8_t *kb, const uint32_t K) {
    const __m128i k = _mm_loadu_si128((const void *)kb); /* four words' key bits */
    switch (K) {
    case 16: return _mm256_cvtepu8_epi16(k);
    case 32: return _mm256_cvtepu16_epi32(k);
    default: return _mm256_cvtepu32_epi64(k);
    }
}

A2_INLINE void a2_wdpcs_k(uint64_t *bb, unsigned P, const uint8_t *wd, int enc, const uint32_t K) {
    const size_t nw = (size_t)K * K / 64, wdb = (size_t)K * K / 16;
    const __m128i hw = _mm_cvtsi32_si128((int)(K / 2));
    for (unsigned j = 0; j + 1 < P; j++) {
        const unsigned i = enc ? j : P - 2 - j;
        uint64_t *lo = bb + i * nw, *hi = lo + nw;
        A2_UNROLL
        for (size_t z = 0; z < nw / 4; z++) {
            const __m256i k = a2_wd_keys(wd + i * wdb + 16 * z, K);
            const __m256i a = _mm256_loadu_si256((const void *)(hi + 4 * z)), b = _mm256_loadu_si256((const void *)(lo + 4 * z));
            const __m256i c = _mm256_srl_epi64(b, hw); /* each row's right half under its left (k masks the rest) */
            const __m256i mm = _mm256_and_si256(k, _mm256_andnot_si256(_mm256_xor_si256(b, c), _mm256_xor_si256(a, b)));
            _mm256_storeu_si256((void *)(hi + 4 * z), _mm256_xor_si256(a, mm));
            _mm256_storeu_si256((void *)(lo + 4 * z), _mm256_xor_si256(b, _mm256_xor_si256(mm, _mm256_sll_epi64(mm, hw))));
        }
    }
}
A2_FN static void a2_wdpcs16(uint64_t *bb, unsigned P, const uint8_t *wd, int enc) {
    a2_wdpcs_k(bb, P, wd, enc, 16);
}
A2_FN static void a2_wdpcs32(uint64_t *bb, unsigned P, const uint8_t *wd, int enc) {
    a2_wdpcs_k(bb, P, wd, enc, 32);
}
A2_FN static void a2_wdpcs64(uint64_t *bb, unsigned P, const uint8_t *wd, int enc) {
    a2_wdpcs_k(bb, P, wd, enc, 64);
}

A2_FN static void a2_wdpcs8(uint64_t *bb, unsigned P, const uint8_t *wd, int enc) {
    for (unsigned j = 0; j + 1 < P; j++) { /* one word a board */
        const unsigned i = enc ? j : P - 2 - j;
        h2s_wdpcs(bb + i, bb + i + 1, 8, 1, wd + 4 * i, 1);
    }
}

static void a2_wdpcs(uint64_t *bb, unsigned P, uint32_t K, const uint8_t *wd, int enc) {
    switch (K) {
    case 8: a2_wdpcs8(bb, P, wd, enc); break;
    case 16: a2_wdpcs16(bb, P, wd, enc); break;
    case 32: a2_wdpcs32(bb, P, wd, enc); break;
    default: a2_wdpcs64(bb, P, wd, enc); break;
    }
}

/* -------------------------------------------------------- split / merge */

/* byte `half` of 32 levels as 32 bytes, in order */
A2_INLINE __m256i a2_bytes32(const uint32_t *v, unsigned half) {
    const __m256i m = _mm256_set1_epi32(0xFF);
    const __m128i sh = _mm_cvtsi32_si128((int)(8 * half));
    __m256i q[4];
    A2_UNROLL
    for (unsigned i = 0; i < 4; i++)
        q[i] = _mm256_and_si256(_mm256_srl_epi32(_mm256_loadu_si256((const void *)(v + 8 * i)), sh), m);
    const __m256i ab = _mm256_packus_epi32(q[0], q[1]), cd = _mm256_packus_epi32(q[2], q[3]);
    /* dwords: a0-3 b0-3 c0-3 d0-3 | a4-7 b4-7 c4-7 d4-7 */
    return _mm256_permutevar8x32_epi32(_mm256_packus_epi16(ab, cd), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

A2_FN static void a2_split(const uint32_t *v, size_t nw, unsigned P, uint64_t *bb) {
    for (size_t w = 0; w < nw; w++)
        for (unsigned half = 0; half < P / 8; half++) {
            const __m256i x0 = a2_bytes32(v + 64 * w, half), x1 = a2_bytes32(v + 64 * w + 32, half);
            A2_UNROLL
            for (unsigned p = 0; p < 8; p++) {
                const __m128i c = _mm_cvtsi32_si128((int)(7 - p));
                const uint32_t m0 = (uint32_t)_mm256_movemask_epi8(_mm256_sll_epi16(x0, c));
                const uint32_t m1 = (uint32_t)_mm256_movemask_epi8(_mm256_sll_epi16(x1, c));
                bb[(8 * half + p) * nw + w] = (uint64_t)m0 | (uint64_t)m1 << 32;
            }
        }
}

/* 32 bits -> 32 bytes, 0xFF where the bit is set */
A2_INLINE __m256i a2_bits_bytes(uint32_t b) {
    const __m256i x = _mm256_shuffle_epi8(_mm256_set1_epi32((int)b),
                                          _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2,
                                                           2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    return _mm256_cmpeq_epi8(_mm256_and_si256(x, bit), bit);
}

A2_FN static void a2_merge(uint64_t *bb, size_t nw, unsigned P, uint32_t *v) {
    for (size_t w = 0; w < nw; w++)
        for (unsigned h32 = 0; h32 < 2; h32++) { /* levels 32 h32 .. */
            __m256i y[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
            for (unsigned half = 0; half < P / 8; half++)
                A2_UNROLL
                for (unsigned p = 0; p < 8; p++) {
                    const uint32_t b = (uint32_t)(bb[(8 * half + p) * nw + w] >> 32 * h32);
                    y[half] = _mm256_or_si256(y[half], _mm256_and_si256(a2_bits_bytes(b), _mm256_set1_epi8((char)(1 << p))));
                }
            uint32_t *o = v + 64 * w + 32 * h32;
            A2_UNROLL
            for (unsigned i = 0; i < 4; i++) {
                const __m128i lo = i & 2 ? _mm256_extracti128_si256(y[0], 1) : _mm256_castsi256_si128(y[0]);
                const __m128i hi = i & 2 ? _mm256_extracti128_si256(y[1], 1) : _mm256_castsi256_si128(y[1]);
                __m256i r = _mm256_cvtepu8_epi32(i & 1 ? _mm_srli_si128(lo, 8) : lo);
                if (P == 16) r = _mm256_or_si256(r, _mm256_slli_epi32(_mm256_cvtepu8_epi32(i & 1 ? _mm_srli_si128(hi, 8) : hi), 8));
                _mm256_storeu_si256((void *)(o + 8 * i), r);
            }
        }
}

/* "avx2-pdep" where PDEP / PEXT are fast (MC_CPU_FAST_PDEP), else "avx2":
 * the same but for the sequences */
const mc_tpe_h2mwd_impl mc_tpe_h2mwd_impl_avx2_pdep = {
    .name = "avx2-pdep",
    .cpu = MC_CPU_LEVEL_AVX2 | MC_CPU_FAST_PDEP,
    .tables_new = a2_tables_new,
    .tables_free = a2_tables_free,
    .split = a2_split,
    .merge = a2_merge,
    .ones = h2s_ones,
    .zmp = a2_zmp,
    .seqs = h2sp_seqs_any,
    .moves = a2_moves,
    .wdpcs = a2_wdpcs,
};

const mc_tpe_h2mwd_impl mc_tpe_h2mwd_impl_avx2 = {
    .name = "avx2",
    .cpu = MC_CPU_LEVEL_AVX2, /* BMI2 for shlx / shrx / rorx; never pdep / pext */
    .tables_new = a2_tables_new,
    .tables_free = a2_tables_free,
    .split = a2_split,
    .merge = a2_merge,
    .ones = h2s_ones,
    .zmp = a2_zmp,
    .seqs = h2s_seqs_any,
    .moves = a2_moves,
    .wdpcs = a2_wdpcs,
};

#endif
