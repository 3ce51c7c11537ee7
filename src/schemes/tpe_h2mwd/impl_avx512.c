/* impl_avx512.c - tpe-h2mwd's bit-board kernels with AVX-512 (F, BW, DQ,
 * VL) + POPCNT + BMI2 (h2mwd.h), chosen where mc_cpu_features() has them.
 * The same cipher as ref.c (test_tpe compares them on random blocks,
 * test_tpe_golden pins the cipher).  Nothing here is secret-
 * dependent in its memory addresses or branches beyond what the portable
 * code already is (table lookups by keyed and data-dependent indices).
 *
 * PMH2M moves.  A board of side K (16, 32, 64) is K rows of K bits, row r =
 * lane r of vectors of K-bit lanes (K = 32: two zmm, K = 64: eight, K = 16:
 * one ymm).  A column or a diagonal is one bit per lane (lane bit c(r) =
 * A r + B mod K, A = 0, 1 or -1): a test gives it as a mask, i.e. the K-bit
 * population word (bit r = the cell of row r); a row is lane r itself, taken
 * out with a permute.  The word is permuted in a scalar register (the parity
 * rule of rows and columns: two rotations and a mask; a diagonal: one
 * rotation) and goes back by a masked XOR of the lane bits (columns,
 * diagonals) or a masked move into lane r (rows).  Each move does both, with
 * the other's mask empty: no branch on the move's kind (a random choice,
 * which a branch would mispredict about one time in three).  Four planes'
 * move sequences (independent) are interleaved to hide each chain's latency.
 *
 * ZMP.  The board through its model's Benes network (19 stages at K = 32:
 * masked delta swaps within a qword, permuted qword lanes, or whole zmm) and
 * rotated by the start; four planes at a time for ILP.
 *
 * Split / merge.  64 levels at a time: packed to bytes, one test per bit
 * plane gives the plane's word; back: a masked byte broadcast per plane. */
#include "schemes/tpe_h2mwd/h2mwd.h"

#include <stdlib.h>

#if MC_TPE_X86
#include <immintrin.h>

#define X86_TARGET "avx512f,avx512bw,avx512dq,avx512vl,popcnt,bmi,bmi2"
#define X86_AVX512 __attribute__((target(X86_TARGET)))
#define X86_INLINE static inline __attribute__((always_inline, target(X86_TARGET)))
#define X86_UNROLL _Pragma("GCC unroll 8") /* so that vectors indexed by the loop stay in registers */

/* the permutation of a population word by d: (ror(w, a) & m) | (ror(w, b) & ~m) */
typedef struct mv_par {
    uint64_t m;
    uint32_t a, b;
} mv_par;

/* a move of `kind` by d, K = 32: the word permutation, and `line` = all ones
 * for a column or a diagonal, 0 for a row */
typedef struct mv_d32 {
    uint32_t m, line, a, b;
} mv_d32;

typedef struct a512_tables {
    __m512i lb32[2 * 96]; /* K = 32: lane bits, entry 32 s + B (2 zmm): 1 << (A_s r + B mod 32) */
    mv_d32 d32[2][4][32]; /* K = 32: [enc][kind][d] */
    uint16_t lo32[64][4]; /* K = 32: [t][kind]: the lane bits of the population (index into lb32) */
    uint64_t mk8[16][4];  /* K = 8: [t][kind]: the population's cells (the board is one word) */
    mv_d32 d8[2][4][8];   /* K = 8: [enc][kind][d] */
    __m256i lb16[48];     /* K = 16: entry 16 s + B: 1 << (A_s r + B mod 16) */
    mv_par pp[3][2][128]; /* [K = 16, 32, 64][enc]: [d] rows and columns, [64 + d] diagonals */
    uint8_t li[3][512];   /* [K]: lane-bit entry of (step 3, kind, t), see mv_lane_index */
} a512_tables;

/* step 2 (t < K): the populations through (0, t); step 3: through (t, 0).
 * Lane bit of a column / diagonal: A r + B, A from k_asel, B = t k_bcoef. */
static const int8_t k_bcoef[2][4] = {{0, 1, 1, 1}, {0, 0, 1, -1}}; /* [step3][kind: row col minor major] */
static const uint8_t k_asel[4] = {0, 0, 2, 1};                      /* s = 0: A = 0, 1: A = 1, 2: A = -1 */

static void mv_params(mv_par *pp, uint32_t K, int enc) {
    const uint64_t full = K == 64 ? ~0ULL : (1ULL << K) - 1;
    for (uint32_t d = 0; d < K; d++) {
        mv_par *p = pp + d, *q = pp + 64 + d;
        if (d == 0) {
            p->a = p->b = q->a = q->b = 0;
            p->m = q->m = full;
            continue;
        }
        /* even cells k go to k - d, odd ones to k + d (tiles.h: line_word) */
        p->a = enc ? d : K - d;
        p->b = K - p->a;
        p->m = ((enc && (d & 1)) ? 0xAAAAAAAAAAAAAAAAULL : 0x5555555555555555ULL) & full;
        /* enc: row r takes row r - d */
        q->a = q->b = enc ? K - d : d;
        q->m = full;
    }
}

/* li[step3 * 4K + kind * K + t] = 32 s + (B mod K) */
static void mv_lane_index(uint8_t *li, uint32_t K) {
    for (unsigned step3 = 0; step3 < 2; step3++)
        for (unsigned kind = 0; kind < 4; kind++)
            for (uint32_t t = 0; t < K; t++) {
                const int B = (int)t * k_bcoef[step3][kind];
                li[step3 * 4 * K + kind * K + t] =
                    (uint8_t)(k_asel[kind] * K + (uint32_t)((B % (int)K + (int)K) % (int)K));
            }
}

X86_AVX512 static void *a512_tables_new(void) {
    a512_tables *x = aligned_alloc(64, sizeof *x);
    if (!x) return NULL;
    static const uint32_t ks[3] = {16, 32, 64};
    for (unsigned i = 0; i < 3; i++) {
        mv_params(x->pp[i][0], ks[i], 0);
        mv_params(x->pp[i][1], ks[i], 1);
        mv_lane_index(x->li[i], ks[i]);
    }
    const __m512i one = _mm512_set1_epi32(1), i0 = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i i1 = _mm512_add_epi32(i0, _mm512_set1_epi32(16));
    for (int B = 0; B < 32; B++) {
        const __m512i bb = _mm512_set1_epi32(B);
        x->lb32[2 * B] = x->lb32[2 * B + 1] = _mm512_rolv_epi32(one, bb);
        x->lb32[2 * (32 + B)] = _mm512_rolv_epi32(one, _mm512_add_epi32(i0, bb));
        x->lb32[2 * (32 + B) + 1] = _mm512_rolv_epi32(one, _mm512_add_epi32(i1, bb));
        x->lb32[2 * (64 + B)] = _mm512_rolv_epi32(one, _mm512_sub_epi32(bb, i0));
        x->lb32[2 * (64 + B) + 1] = _mm512_rolv_epi32(one, _mm512_sub_epi32(bb, i1));
    }
    for (int enc = 0; enc < 2; enc++)
        for (unsigned kind = 0; kind < 4; kind++)
            for (unsigned d = 0; d < 32; d++) {
                const mv_par *p = &x->pp[1][enc][(kind >= 2 ? 64 : 0) + d];
                x->d32[enc][kind][d] = (mv_d32){(uint32_t)p->m, kind ? ~0u : 0u, p->a, p->b};
            }
    for (unsigned t = 0; t < 64; t++)
        for (unsigned kind = 0; kind < 4; kind++)
            x->lo32[t][kind] = (uint16_t)(2 * x->li[1][(t >> 5) * 128 + kind * 32 + (t & 31)]);
    mv_par p8[2][128];
    mv_params(p8[0], 8, 0);
    mv_params(p8[1], 8, 1);
    for (int enc = 0; enc < 2; enc++)
        for (unsigned kind = 0; kind < 4; kind++)
            for (unsigned d = 0; d < 8; d++) {
                const mv_par *p = &p8[enc][(kind >= 2 ? 64 : 0) + d];
                x->d8[enc][kind][d] = (mv_d32){(uint32_t)p->m, kind ? ~0u : 0u, p->a, p->b};
            }
    for (unsigned t = 0; t < 16; t++) {
        const unsigned step3 = t >> 3, tt = t & 7;
        x->mk8[t][0] = 0xFFULL << (step3 ? 8 * tt : 0);     /* row 0 / row t */
        x->mk8[t][1] = 0x0101010101010101ULL << (step3 ? 0 : tt); /* column t / column 0 */
        x->mk8[t][2] = x->mk8[t][3] = 0;
        for (unsigned r = 0; r < 8; r++) {
            x->mk8[t][2] |= 1ULL << (8 * r + ((tt + 8 - r) & 7));                      /* minor: (r, t - r) */
            x->mk8[t][3] |= 1ULL << (8 * r + ((r + (step3 ? 8 - tt : tt)) & 7));        /* major: (r, r + dl) */
        }
    }
    const __m256i w1 = _mm256_set1_epi16(1), w15 = _mm256_set1_epi16(15),
                  wi = _mm256_set_epi16(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    for (int B = 0; B < 16; B++) {
        const __m256i bb = _mm256_set1_epi16((short)B);
        x->lb16[B] = _mm256_sllv_epi16(w1, bb);
        x->lb16[16 + B] = _mm256_sllv_epi16(w1, _mm256_and_si256(_mm256_add_epi16(wi, bb), w15));
        x->lb16[32 + B] = _mm256_sllv_epi16(w1, _mm256_and_si256(_mm256_sub_epi16(bb, wi), w15));
    }
    return x;
}

static void a512_tables_free(void *x) {
    free(x);
}

static inline uint32_t ror32(uint32_t x, uint32_t s) {
    return (x >> s) | (x << ((32 - s) & 31));
}
static inline uint64_t ror64(uint64_t x, uint32_t s) {
    return (x >> s) | (x << ((64 - s) & 63));
}
static inline uint16_t ror16(uint16_t x, uint32_t s) {
    return (uint16_t)((x >> s) | (x << ((16 - s) & 15)));
}

/* all ones for a column or a diagonal, 0 for a row; opaque, so that the
 * compiler keeps the selections below as masks, not branches */
static inline uint64_t line_mask(unsigned kind) {
    uint64_t line = 0 - (uint64_t)(kind != 0);
    __asm__("" : "+r"(line));
    return line;
}

/* ------------------------------------------------------------- K = 32 */

/* One move of a plane (rows 0-15 in z0, 16-31 in z1).  part: 0 = step 2
 * (a row move is row 0), 1 / 2 = step 3 with t < 16 / t >= 16 (row t, in z0
 * / z1); rsel: lane r & 15 in element 0 of a permute, rbit = 1 << (r & 15).
 * part is a constant where this is expanded. */
X86_INLINE void mv32(__m512i *z0, __m512i *z1, const mv_d32 *dp, const __m512i *bits, const unsigned part, __m512i rsel,
                     uint32_t rbit) {
    const uint32_t a = dp->a, b = dp->b, m = dp->m, line = dp->line;
    const uint32_t wl = _cvtmask32_u32(_mm512_kunpackw(_mm512_test_epi32_mask(*z1, bits[1]), _mm512_test_epi32_mask(*z0, bits[0])));
    uint32_t wr;
    switch (part) {
    case 0: wr = (uint32_t)_mm_cvtsi128_si32(_mm512_castsi512_si128(*z0)); break;
    case 1: wr = (uint32_t)_mm_cvtsi128_si32(_mm512_castsi512_si128(_mm512_permutexvar_epi32(rsel, *z0))); break;
    default: wr = (uint32_t)_mm_cvtsi128_si32(_mm512_castsi512_si128(_mm512_permutexvar_epi32(rsel, *z1))); break;
    }
    const uint32_t w = (wl & line) | (wr & ~line);
    const uint32_t nw = (ror32(w, a) & m) | (ror32(w, b) & ~m);
    const uint32_t ch = (w ^ nw) & line, rm = rbit & ~line;
    const __m512i nv = _mm512_set1_epi32((int)nw);
    *z0 = _mm512_mask_xor_epi32(*z0, (__mmask16)ch, *z0, bits[0]);
    *z1 = _mm512_mask_xor_epi32(*z1, (__mmask16)(ch >> 16), *z1, bits[1]);
    if (part == 2) *z1 = _mm512_mask_mov_epi32(*z1, (__mmask16)rm, nv);
    else *z0 = _mm512_mask_mov_epi32(*z0, (__mmask16)rm, nv);
}

/* the moves at t of the four planes */
#define MV32_T(part, r)                                                                                            \
    do {                                                                                                           \
        const __m512i rsel = _mm512_set1_epi32((int)((r) & 15));                                                   \
        const uint32_t rbit = 1u << ((r) & 15);                                                                    \
        const uint16_t *lt = x->lo32[t];                                                                           \
        X86_UNROLL                                                                                                 \
        for (unsigned q = 0; q < 4; q++) {                                                                         \
            const unsigned kind = k0[128 * q + t];                                                                 \
            mv32(&z[2 * q], &z[2 * q + 1], &dt[kind][d0[128 * q + t]], lb + lt[kind], (part), rsel, rbit);          \
        }                                                                                                          \
    } while (0)

X86_AVX512 static void moves32(const a512_tables *x, uint64_t *H, unsigned L, const uint8_t *kd, const uint8_t *dd,
                               int enc) {
    const mv_d32(*dt)[32] = x->d32[enc != 0];
    const __m512i *lb = x->lb32;
    for (unsigned q0 = 0; q0 < L; q0 += 4) {
        __m512i z[8];
        for (unsigned q = 0; q < 4; q++) {
            z[2 * q] = _mm512_loadu_si512((const void *)(H + 16 * (q0 + q)));
            z[2 * q + 1] = _mm512_loadu_si512((const void *)(H + 16 * (q0 + q) + 8));
        }
        const uint8_t *k0 = kd + 128 * q0, *d0 = dd + 128 * q0;
        if (enc) {
            for (unsigned t = 0; t < 32; t++) MV32_T(0, 0);
            for (unsigned t = 32; t < 48; t++) MV32_T(1, t - 32);
            for (unsigned t = 48; t < 64; t++) MV32_T(2, t - 32);
        } else { /* (loops counting up, as the forward ones: the same code) */
            for (unsigned i = 0; i < 16; i++) {
                const unsigned t = 63 - i;
                MV32_T(2, t - 32);
            }
            for (unsigned i = 0; i < 16; i++) {
                const unsigned t = 47 - i;
                MV32_T(1, t - 32);
            }
            for (unsigned i = 0; i < 32; i++) {
                const unsigned t = 31 - i;
                MV32_T(0, 0);
            }
        }
        for (unsigned q = 0; q < 4; q++) {
            _mm512_storeu_si512((void *)(H + 16 * (q0 + q)), z[2 * q]);
            _mm512_storeu_si512((void *)(H + 16 * (q0 + q) + 8), z[2 * q + 1]);
        }
    }
}
#undef MV32_T

/* ------------------------------------------------------------- K = 64 */

/* one plane, rows 8j.. in Z[j]; iot[8 s + j]: A_s times the rows of Z[j];
 * the row of a row move is lane rl of Z[rz] (rz a constant where this is
 * expanded, so that Z stays in registers) */
X86_INLINE void mv64(__m512i *Z, unsigned kind, unsigned d, unsigned step3, unsigned tt, const unsigned rz,
                     unsigned rl, const mv_par *pp, const __m512i *iot) {
    const mv_par *p = pp + (kind >= 2 ? 64 : 0) + d;
    const uint32_t a = p->a, b = p->b;
    const uint64_t m = p->m, line = line_mask(kind);
    const __m512i B = _mm512_set1_epi64((long long)tt * k_bcoef[step3][kind]), one = _mm512_set1_epi64(1);
    const __m512i *io = iot + 8 * k_asel[kind];
    __m512i bits[8];
    __mmask8 k[8];
    X86_UNROLL
    for (unsigned j = 0; j < 8; j++) {
        bits[j] = _mm512_rolv_epi64(one, _mm512_add_epi64(io[j], B));
        k[j] = _mm512_test_epi64_mask(Z[j], bits[j]);
    }
    uint64_t wl = 0;
    X86_UNROLL
    for (unsigned j = 0; j < 8; j++) wl |= (uint64_t)k[j] << 8 * j;
    const uint64_t wr =
        (uint64_t)_mm_cvtsi128_si64(_mm512_castsi512_si128(_mm512_permutexvar_epi64(_mm512_set1_epi64(rl), Z[rz])));
    const uint64_t w = (wl & line) | (wr & ~line);
    const uint64_t nw = (ror64(w, a) & m) | (ror64(w, b) & ~m);
    const uint64_t ch = (w ^ nw) & line;
    X86_UNROLL
    for (unsigned j = 0; j < 8; j++) Z[j] = _mm512_mask_xor_epi64(Z[j], (__mmask8)(ch >> 8 * j), Z[j], bits[j]);
    Z[rz] = _mm512_mask_mov_epi64(Z[rz], (__mmask8)((1u << rl) & ~line), _mm512_set1_epi64((long long)nw));
}

/* the moves of step 3 with t = 8 rz .. 8 rz + 7 (row t in Z[rz]) */
#define MV64_STEP3(rz)                                                                                             \
    do {                                                                                                           \
        for (unsigned l0 = 0; l0 < 8; l0++) {                                                                      \
            const unsigned l = enc ? l0 : 7 - l0, tt = 8 * (rz) + l;                                               \
            mv64(Z0, k0[64 + tt], d0[64 + tt], 1, tt, (rz), l, pp, iot);                                           \
            mv64(Z1, k0[128 + 64 + tt], d0[128 + 64 + tt], 1, tt, (rz), l, pp, iot);                               \
        }                                                                                                          \
    } while (0)

X86_AVX512 static void moves64(const a512_tables *x, uint64_t *H, unsigned L, const uint8_t *kd, const uint8_t *dd,
                               int enc) {
    const mv_par *pp = x->pp[2][enc != 0];
    __m512i iot[24];
    const __m512i i0 = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    for (unsigned j = 0; j < 8; j++) {
        iot[j] = _mm512_setzero_si512();
        iot[8 + j] = _mm512_add_epi64(i0, _mm512_set1_epi64(8 * j));
        iot[16 + j] = _mm512_sub_epi64(_mm512_setzero_si512(), iot[8 + j]);
    }
    for (unsigned q0 = 0; q0 < L; q0 += 2) {
        __m512i Z0[8], Z1[8];
        for (unsigned j = 0; j < 8; j++) {
            Z0[j] = _mm512_loadu_si512((const void *)(H + 64 * q0 + 8 * j));
            Z1[j] = _mm512_loadu_si512((const void *)(H + 64 * (q0 + 1) + 8 * j));
        }
        const uint8_t *k0 = kd + 128 * q0, *d0 = dd + 128 * q0;
        if (enc) { /* step 2: rows through (0, t): row 0 */
            for (unsigned t = 0; t < 64; t++) {
                mv64(Z0, k0[t], d0[t], 0, t, 0, 0, pp, iot);
                mv64(Z1, k0[128 + t], d0[128 + t], 0, t, 0, 0, pp, iot);
            }
            MV64_STEP3(0);
            MV64_STEP3(1);
            MV64_STEP3(2);
            MV64_STEP3(3);
            MV64_STEP3(4);
            MV64_STEP3(5);
            MV64_STEP3(6);
            MV64_STEP3(7);
        } else {
            MV64_STEP3(7);
            MV64_STEP3(6);
            MV64_STEP3(5);
            MV64_STEP3(4);
            MV64_STEP3(3);
            MV64_STEP3(2);
            MV64_STEP3(1);
            MV64_STEP3(0);
            for (unsigned t = 64; t-- > 0;) {
                mv64(Z0, k0[t], d0[t], 0, t, 0, 0, pp, iot);
                mv64(Z1, k0[128 + t], d0[128 + t], 0, t, 0, 0, pp, iot);
            }
        }
        for (unsigned j = 0; j < 8; j++) {
            _mm512_storeu_si512((void *)(H + 64 * q0 + 8 * j), Z0[j]);
            _mm512_storeu_si512((void *)(H + 64 * (q0 + 1) + 8 * j), Z1[j]);
        }
    }
}
#undef MV64_STEP3

/* ------------------------------------------------------------- K = 16 */

/* one plane (row r = 16-bit lane r); the row of a row move is lane r, r a
 * constant where this is expanded */
X86_INLINE void mv16(__m256i *z, unsigned kind, unsigned d, const __m256i *bits, const unsigned r, const mv_par *pp) {
    const mv_par *p = pp + (kind >= 2 ? 64 : 0) + d;
    const uint32_t a = p->a, b = p->b;
    const uint16_t m = (uint16_t)p->m, line = (uint16_t)line_mask(kind);
    const uint16_t wl = (uint16_t)_mm256_test_epi16_mask(*z, *bits);
    const uint64_t wq = (uint64_t)_mm_cvtsi128_si64(
        _mm256_castsi256_si128(_mm256_permutexvar_epi64(_mm256_set1_epi64x((long long)(r >> 2)), *z)));
    const uint16_t wr = (uint16_t)(wq >> 16 * (r & 3));
    const uint16_t w = (uint16_t)((wl & line) | (wr & ~line));
    const uint16_t nw = (uint16_t)((ror16(w, a) & m) | (ror16(w, b) & (uint16_t)~m));
    const uint16_t ch = (uint16_t)((w ^ nw) & line);
    const __m256i y = _mm256_mask_mov_epi16(*z, (__mmask16)ch, _mm256_xor_si256(*z, *bits));
    *z = _mm256_mask_mov_epi16(y, (__mmask16)((1u << r) & (uint16_t)~line), _mm256_set1_epi16((short)nw));
}

/* the moves of all four planes at t (step 2: t < 16, row 0; step 3: row t - 16) */
#define MV16_T(t, r)                                                                                               \
    do {                                                                                                           \
        const uint8_t *lt = li + ((t) >> 4) * 64 + ((t) & 15);                                                    \
        X86_UNROLL                                                                                                 \
        for (unsigned q = 0; q < 4; q++) {                                                                         \
            const unsigned kind = k0[128 * q + (t)];                                                               \
            mv16(&z[q], kind, d0[128 * q + (t)], x->lb16 + lt[16 * kind], (r), pp);                               \
        }                                                                                                          \
    } while (0)
#define MV16_STEP3(r)                                                                                              \
    do {                                                                                                           \
        MV16_T(16 + (r), (r));                                                                                     \
    } while (0)

X86_AVX512 static void moves16(const a512_tables *x, uint64_t *H, unsigned L, const uint8_t *kd, const uint8_t *dd,
                               int enc) {
    const mv_par *pp = x->pp[0][enc != 0];
    const uint8_t *li = x->li[0];
    for (unsigned q0 = 0; q0 < L; q0 += 4) {
        __m256i z[4];
        for (unsigned q = 0; q < 4; q++) z[q] = _mm256_loadu_si256((const void *)(H + 4 * (q0 + q)));
        const uint8_t *k0 = kd + 128 * q0, *d0 = dd + 128 * q0;
        if (enc) {
            for (unsigned t = 0; t < 16; t++) MV16_T(t, 0);
            MV16_STEP3(0);
            MV16_STEP3(1);
            MV16_STEP3(2);
            MV16_STEP3(3);
            MV16_STEP3(4);
            MV16_STEP3(5);
            MV16_STEP3(6);
            MV16_STEP3(7);
            MV16_STEP3(8);
            MV16_STEP3(9);
            MV16_STEP3(10);
            MV16_STEP3(11);
            MV16_STEP3(12);
            MV16_STEP3(13);
            MV16_STEP3(14);
            MV16_STEP3(15);
        } else {
            MV16_STEP3(15);
            MV16_STEP3(14);
            MV16_STEP3(13);
            MV16_STEP3(12);
            MV16_STEP3(11);
            MV16_STEP3(10);
            MV16_STEP3(9);
            MV16_STEP3(8);
            MV16_STEP3(7);
            MV16_STEP3(6);
            MV16_STEP3(5);
            MV16_STEP3(4);
            MV16_STEP3(3);
            MV16_STEP3(2);
            MV16_STEP3(1);
            MV16_STEP3(0);
            for (unsigned t = 16; t-- > 0;) MV16_T(t, 0);
        }
        for (unsigned q = 0; q < 4; q++) _mm256_storeu_si256((void *)(H + 4 * (q0 + q)), z[q]);
    }
}
#undef MV16_T
#undef MV16_STEP3

/* ------------------------------------------------------------- K = 8 */

/* The board is one word; every population is a set of 8 cells, one per row
 * or column, in the order of their bit positions: pext gathers it as the
 * population word, pdep puts it back.  No branch, no vector. */
static inline uint32_t ror8(uint32_t x, uint32_t s) {
    return ((x >> s) | (x << ((8 - s) & 7))) & 0xFF;
}

X86_INLINE void mv8(uint64_t *b, const mv_d32 *dp, uint64_t M) {
    const uint32_t w = (uint32_t)_pext_u64(*b, M);
    const uint32_t nw = (ror8(w, dp->a) & dp->m) | (ror8(w, dp->b) & ~dp->m);
    *b = (*b & ~M) | _pdep_u64(nw, M);
}

X86_AVX512 static void moves8(const a512_tables *x, uint64_t *H, unsigned L, const uint8_t *kd, const uint8_t *dd,
                              int enc) {
    const mv_d32(*dt)[8] = x->d8[enc != 0];
    for (unsigned q0 = 0; q0 < L; q0 += 4) {
        uint64_t b[4] = {H[q0], H[q0 + 1], H[q0 + 2], H[q0 + 3]};
        const uint8_t *k0 = kd + 128 * q0, *d0 = dd + 128 * q0;
        for (unsigned i = 0; i < 16; i++) {
            const unsigned t = enc ? i : 15 - i;
            X86_UNROLL
            for (unsigned q = 0; q < 4; q++) {
                const unsigned kind = k0[128 * q + t];
                mv8(&b[q], &dt[kind][d0[128 * q + t]], x->mk8[t][kind]);
            }
        }
        for (unsigned q = 0; q < 4; q++) H[q0 + q] = b[q];
    }
}

static void a512_moves(const void *tables, uint64_t *H, unsigned L, uint32_t K, const uint8_t *kd, const uint8_t *dd,
                       int enc, uint64_t *scratch) {
    const a512_tables *x = tables;
    (void)scratch;
    switch (K) {
    case 8: moves8(x, H, L, kd, dd, enc); break;
    case 16: moves16(x, H, L, kd, dd, enc); break;
    case 32: moves32(x, H, L, kd, dd, enc); break;
    default: moves64(x, H, L, kd, dd, enc); break;
    }
}

/* --------------------------------------------------------------- ZMP */

/* qword lanes l and l ^ D swapped */
X86_INLINE __m512i zmp_lanes(__m512i x, unsigned D) {
    switch (D) {
    case 1: return _mm512_permutex_epi64(x, 0xB1);
    case 2: return _mm512_permutex_epi64(x, 0x4E);
    default: return _mm512_shuffle_i64x2(x, x, 0x4E);
    }
}

/* NP boards of nz zmm each (x[p nz + z]; at K = 16 the upper half of the one
 * zmm is padding, its masks read as zero) through their networks, stage by
 * stage for all boards at once */
X86_INLINE void zmp_benes(__m512i *x, unsigned NP, unsigned nz, size_t nw, unsigned L, const uint64_t *const *masks,
                          int inverse) {
    const size_t n = (size_t)1 << L;
    const unsigned S = 2 * L - 1;
    const __mmask8 lm = nw >= 8 ? 0xFF : (__mmask8)((1u << nw) - 1);
    _Pragma("GCC unroll 32") /* every stage's shift a constant, the boards in registers */
    for (unsigned k = 0; k < S; k++) {
        const unsigned i = inverse ? S - 1 - k : k;
        const size_t d = i < L ? n >> (i + 1) : n >> (2 * L - 1 - i);
        X86_UNROLL
        for (unsigned p = 0; p < NP; p++) {
            const uint64_t *M = masks[p] + (size_t)i * nw;
            __m512i *y = x + p * nz;
            if (d >= 512) {
                const unsigned D = (unsigned)(d / 512);
                X86_UNROLL
                for (unsigned z = 0; z < nz; z++) {
                    if (z & D) continue;
                    const __m512i t =
                        _mm512_ternarylogic_epi64(y[z], y[z + D], _mm512_loadu_si512((const void *)(M + 8 * z)), 0x28);
                    y[z] = _mm512_xor_si512(y[z], t);
                    y[z + D] = _mm512_xor_si512(y[z + D], t);
                }
            } else if (d >= 64) {
                const unsigned D = (unsigned)(d / 64);
                X86_UNROLL
                for (unsigned z = 0; z < nz; z++) {
                    const __m512i t = _mm512_ternarylogic_epi64(y[z], zmp_lanes(y[z], D),
                                                                _mm512_maskz_loadu_epi64(lm, M + 8 * z), 0x28);
                    y[z] = _mm512_ternarylogic_epi64(y[z], t, zmp_lanes(t, D), 0x96);
                }
            } else {
                X86_UNROLL
                for (unsigned z = 0; z < nz; z++) {
                    const __m512i t = _mm512_ternarylogic_epi64(_mm512_srli_epi64(y[z], (unsigned)d), y[z],
                                                                _mm512_maskz_loadu_epi64(lm, M + 8 * z), 0x28);
                    y[z] = _mm512_ternarylogic_epi64(y[z], t, _mm512_slli_epi64(t, (unsigned)d), 0x96);
                }
            }
        }
    }
}

/* y bit j = x bit (j + s) mod 64 nw, one board of nz zmm */
X86_INLINE void zmp_rot(const __m512i *x, __m512i *y, unsigned nz, size_t nw, size_t s) {
    const unsigned a = (unsigned)(s >> 6);
    const __m128i cb = _mm_cvtsi32_si128((int)(s & 63)), cc = _mm_cvtsi32_si128((int)(64 - (s & 63)));
    const __m512i iota = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    if (nw < 8) { /* K = 16: four words */
        const __m512i i0 = _mm512_and_si512(_mm512_add_epi64(iota, _mm512_set1_epi64(a)), _mm512_set1_epi64(3));
        const __m512i i1 = _mm512_and_si512(_mm512_add_epi64(iota, _mm512_set1_epi64(a + 1)), _mm512_set1_epi64(3));
        y[0] = _mm512_or_si512(_mm512_srl_epi64(_mm512_permutexvar_epi64(i0, x[0]), cb),
                               _mm512_sll_epi64(_mm512_permutexvar_epi64(i1, x[0]), cc));
        return;
    }
    /* output zmm j: words 8j + a + l and the next, l < 8: lanes o + l, o + l + 1 <= 15 of
     * zmm (j + a / 8) and the one after it */
    const unsigned A = a >> 3, o = a & 7;
    const __m512i i0 = _mm512_add_epi64(iota, _mm512_set1_epi64(o)), i1 = _mm512_add_epi64(i0, _mm512_set1_epi64(1));
    X86_UNROLL
    for (unsigned j = 0; j < nz; j++) {
        const __m512i lo = x[(j + A) % nz], hi = x[(j + A + 1) % nz];
        const __m512i w0 = _mm512_permutex2var_epi64(lo, i0, hi), w1 = _mm512_permutex2var_epi64(lo, i1, hi);
        y[j] = _mm512_or_si512(_mm512_srl_epi64(w0, cb), _mm512_sll_epi64(w1, cc));
    }
}

/* NP boards X + p nw */
X86_INLINE void zmp_k(uint64_t *X, unsigned NP, unsigned nz, size_t nw, unsigned L, const uint64_t *const *masks,
                      const size_t *s, int enc) {
    __m512i x[8], y[8];
    const size_t n = 64 * nw;
    const __mmask8 lm = nw >= 8 ? 0xFF : (__mmask8)((1u << nw) - 1);
    X86_UNROLL
    for (unsigned p = 0; p < NP; p++)
        X86_UNROLL
        for (unsigned z = 0; z < nz; z++) x[p * nz + z] = _mm512_maskz_loadu_epi64(lm, X + p * nw + 8 * z);
    if (enc) {
        zmp_benes(x, NP, nz, nw, L, masks, 0);
        X86_UNROLL
        for (unsigned p = 0; p < NP; p++) zmp_rot(x + p * nz, y + p * nz, nz, nw, s[p]);
    } else {
        X86_UNROLL
        for (unsigned p = 0; p < NP; p++) zmp_rot(x + p * nz, y + p * nz, nz, nw, (n - s[p]) & (n - 1));
        zmp_benes(y, NP, nz, nw, L, masks, 1);
    }
    X86_UNROLL
    for (unsigned p = 0; p < NP; p++)
        X86_UNROLL
        for (unsigned z = 0; z < nz; z++) _mm512_mask_storeu_epi64(X + p * nw + 8 * z, lm, y[p * nz + z]);
}

X86_AVX512 static void zmp16(uint64_t *X, unsigned L, const uint64_t *const *masks, const size_t *s, int enc) {
    for (unsigned q = 0; q < L; q += 4) zmp_k(X + 4 * q, 4, 1, 4, 8, masks + q, s + q, enc);
}
X86_AVX512 static void zmp32(uint64_t *X, unsigned L, const uint64_t *const *masks, const size_t *s, int enc) {
    for (unsigned q = 0; q < L; q += 4) zmp_k(X + 16 * q, 4, 2, 16, 10, masks + q, s + q, enc);
}
X86_AVX512 static void zmp64(uint64_t *X, unsigned L, const uint64_t *const *masks, const size_t *s, int enc) {
    for (unsigned q = 0; q < L; q++) zmp_k(X + 64 * q, 1, 8, 64, 12, masks + q, s + q, enc);
}

static void a512_zmp(uint64_t *X, unsigned L, uint32_t K, const uint64_t *const *masks, const size_t *s, int enc,
                     uint64_t *scratch) {
    switch (K) {
    case 8: /* one word a board: plain C */
        for (unsigned q = 0; q < L; q++) h2_board_zmp(X + q, scratch, masks[q], s[q], enc, 8);
        break;
    case 16: zmp16(X, L, masks, s, enc); break;
    case 32: zmp32(X, L, masks, s, enc); break;
    default: zmp64(X, L, masks, s, enc); break;
    }
}


/* ------------------------------------------------- sequences, WDPCS */

#define H2S_FN static inline __attribute__((always_inline, unused, target(X86_TARGET)))
#define H2S_DISPATCH X86_AVX512 static
#define H2S_POPCNT 1
#define H2S_PDEP 1
#include "schemes/tpe_h2mwd/seqs.h"

X86_INLINE void wdpcs_k(uint64_t *bb, unsigned P, const uint8_t *wd, int enc, const uint32_t K) {
    const size_t nw = (size_t)K * K / 64, wdb = (size_t)K * K / 16;
    for (unsigned j = 0; j + 1 < P; j++) {
        const unsigned i = enc ? j : P - 2 - j;
        h2s_wdpcs(bb + i * nw, bb + (i + 1) * nw, K, nw, wd + i * wdb, 1);
    }
}
X86_AVX512 static void wdpcs8(uint64_t *bb, unsigned P, const uint8_t *wd, int enc) {
    wdpcs_k(bb, P, wd, enc, 8);
}
/* the same with vectors (K = 16, 32, 64): 8 words at a time; a word's 32
 * key bits spread to the left halves of its rows by zero-extending K/2-bit
 * chunks to K-bit lanes */
X86_INLINE __m512i wdpcs_keys(const uint8_t *kb, const uint32_t K) {
    const __m256i x = _mm256_loadu_si256((const void *)kb); /* 8 words' key bits */
    switch (K) {
    case 16: return _mm512_cvtepu8_epi16(x);
    case 32: return _mm512_cvtepu16_epi32(x);
    default: return _mm512_cvtepu32_epi64(x);
    }
}

X86_INLINE void wdpcs_v(uint64_t *bb, unsigned P, const uint8_t *wd, int enc, const uint32_t K) {
    const size_t nw = (size_t)K * K / 64, wdb = (size_t)K * K / 16, nz = nw / 8;
    const unsigned hw = K / 2;
    for (unsigned j = 0; j + 1 < P; j++) {
        const unsigned i = enc ? j : P - 2 - j;
        uint64_t *lo = bb + i * nw, *hi = lo + nw;
        for (size_t z = 0; z < nz; z++) {
            const __m512i k = wdpcs_keys(wd + i * wdb + 32 * z, K);
            const __m512i a = _mm512_loadu_si512((const void *)(hi + 8 * z)), b = _mm512_loadu_si512((const void *)(lo + 8 * z));
            const __m512i c = _mm512_srli_epi64(b, hw);
            /* mm = k & (a ^ b) & ~(b ^ c) */
            const __m512i mm = _mm512_and_si512(k, _mm512_ternarylogic_epi64(a, b, c, 0x18));
            _mm512_storeu_si512((void *)(hi + 8 * z), _mm512_xor_si512(a, mm));
            _mm512_storeu_si512((void *)(lo + 8 * z), _mm512_ternarylogic_epi64(b, mm, _mm512_slli_epi64(mm, hw), 0x96));
        }
    }
}
X86_AVX512 static void wdpcs16(uint64_t *bb, unsigned P, const uint8_t *wd, int enc) {
    const size_t wdb = 16;
    for (unsigned j = 0; j + 1 < P; j++) { /* 4 words: one 256-bit half */
        const unsigned i = enc ? j : P - 2 - j;
        uint64_t *lo = bb + i * 4, *hi = lo + 4;
        const __m256i k = _mm256_cvtepu8_epi16(_mm_loadu_si128((const void *)(wd + i * wdb)));
        const __m256i a = _mm256_loadu_si256((const void *)hi), b = _mm256_loadu_si256((const void *)lo);
        const __m256i mm = _mm256_and_si256(k, _mm256_ternarylogic_epi64(a, b, _mm256_srli_epi64(b, 8), 0x18));
        _mm256_storeu_si256((void *)hi, _mm256_xor_si256(a, mm));
        _mm256_storeu_si256((void *)lo, _mm256_ternarylogic_epi64(b, mm, _mm256_slli_epi64(mm, 8), 0x96));
    }
}
X86_AVX512 static void wdpcs32(uint64_t *bb, unsigned P, const uint8_t *wd, int enc) {
    wdpcs_v(bb, P, wd, enc, 32);
}
X86_AVX512 static void wdpcs64(uint64_t *bb, unsigned P, const uint8_t *wd, int enc) {
    wdpcs_v(bb, P, wd, enc, 64);
}

static void a512_wdpcs(uint64_t *bb, unsigned P, uint32_t K, const uint8_t *wd, int enc) {
    switch (K) {
    case 8: wdpcs8(bb, P, wd, enc); break;
    case 16: wdpcs16(bb, P, wd, enc); break;
    case 32: wdpcs32(bb, P, wd, enc); break;
    default: wdpcs64(bb, P, wd, enc); break;
    }
}

/* -------------------------------------------------------- split / merge */

/* 64 levels' byte `half` (0: bits 0-7, 1: bits 8-15) as 64 bytes */
X86_INLINE __m128i levels_bytes16(const uint32_t *v, unsigned half) {
    const __m512i x = _mm512_loadu_si512((const void *)v);
    return _mm512_cvtepi32_epi8(half ? _mm512_srli_epi32(x, 8) : x);
}

X86_INLINE __m512i levels_bytes(const uint32_t *v, unsigned half) {
    __m512i r = _mm512_castsi128_si512(levels_bytes16(v, half));
    r = _mm512_inserti32x4(r, levels_bytes16(v + 16, half), 1);
    r = _mm512_inserti32x4(r, levels_bytes16(v + 32, half), 2);
    return _mm512_inserti32x4(r, levels_bytes16(v + 48, half), 3);
}

/* bytes 16 j.. of x[0] | x[1] << 8 as 16 levels at v */
X86_INLINE void bytes_levels16(__m128i lo, __m128i hi, int two, uint32_t *v) {
    __m512i y = _mm512_cvtepu8_epi32(lo);
    if (two) y = _mm512_or_si512(y, _mm512_slli_epi32(_mm512_cvtepu8_epi32(hi), 8));
    _mm512_storeu_si512((void *)v, y);
}

X86_AVX512 static void a512_split(const uint32_t *v, size_t nw, unsigned P, uint64_t *bb) {
    for (size_t w = 0; w < nw; w++)
        for (unsigned half = 0; half < P / 8; half++) {
            const __m512i x = levels_bytes(v + 64 * w, half);
            for (unsigned p = 0; p < 8; p++)
                bb[(8 * half + p) * nw + w] = (uint64_t)_mm512_test_epi8_mask(x, _mm512_set1_epi8((char)(1 << p)));
        }
}

X86_AVX512 static void a512_merge(uint64_t *bb, size_t nw, unsigned P, uint32_t *v) {
    for (size_t w = 0; w < nw; w++) {
        __m512i x[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
        for (unsigned half = 0; half < P / 8; half++) {
            x[half] = _mm512_setzero_si512();
            for (unsigned p = 0; p < 8; p++)
                x[half] = _mm512_mask_mov_epi8(x[half], (__mmask64)bb[(8 * half + p) * nw + w],
                                               _mm512_or_si512(x[half], _mm512_set1_epi8((char)(1 << p))));
        }
        if (P == 8) x[1] = x[0];
        uint32_t *o = v + 64 * w;
        bytes_levels16(_mm512_castsi512_si128(x[0]), _mm512_castsi512_si128(x[1]), P == 16, o);
        bytes_levels16(_mm512_extracti32x4_epi32(x[0], 1), _mm512_extracti32x4_epi32(x[1], 1), P == 16, o + 16);
        bytes_levels16(_mm512_extracti32x4_epi32(x[0], 2), _mm512_extracti32x4_epi32(x[1], 2), P == 16, o + 32);
        bytes_levels16(_mm512_extracti32x4_epi32(x[0], 3), _mm512_extracti32x4_epi32(x[1], 3), P == 16, o + 48);
    }
}

const mc_tpe_h2mwd_impl mc_tpe_h2mwd_impl_avx512 = {
    .name = "avx512",
    .cpu = MC_CPU_LEVEL_AVX512 | MC_CPU_FAST_PDEP,
    .tables_new = a512_tables_new,
    .tables_free = a512_tables_free,
    .split = a512_split,
    .merge = a512_merge,
    .ones = h2s_ones,
    .zmp = a512_zmp,
    .seqs = h2s_seqs_any,
    .moves = a512_moves,
    .wdpcs = a512_wdpcs,
};

#endif
