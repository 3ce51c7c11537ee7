/* seqs.h - tpe-h2mwd's PMH2M sequences and WDPCS on bit boards (side K = 8,
 * 16, 32, 64: the K^2 bits of a plane in raster order, LSB first, K^2 / 64 =
 * nw words; see board.c).
 *
 * A template: each implementation includes it once, its functions static
 * and always inlined, after defining
 *   H2S_FN      the storage class and attributes of every function here
 *               (its target attribute where the includer has one),
 *   H2S_POPCNT  1: count ones with the POPCNT instruction, 0: SWAR,
 *   H2S_PDEP    1: gather and scatter bits with BMI2's pdep / pext (only
 *               where they are fast: MC_CPU_FAST_PDEP), 0: multiplies,
 *               shifts and masks.
 *   H2S_DISPATCH the storage class and attributes of H2S_NAME(seqs_any)
 *               and H2S_NAME(ones), the functions here that are not
 *               inlined: the implementation table's `seqs` (the sequences
 *               of a board of any side, one specialisation per K) and
 *               `ones`,
 *   H2S_NAME    (optional) the names: H2S_NAME(seqs) etc., h2s_seqs by
 *               default, so that one file may include two variants.
 * Every variant computes the same bytes (test_tpe runs each implementation
 * against ref.c).  The includer includes <string.h> and <stdint.h>
 * (core/internal.h does); the macros are undefined at the end. */
#if !defined(H2S_FN) || !defined(H2S_POPCNT) || !defined(H2S_PDEP) || !defined(H2S_DISPATCH)
#error "define H2S_FN, H2S_POPCNT, H2S_PDEP and H2S_DISPATCH before including seqs.h"
#endif

#ifndef H2S_NAME
#define H2S_NAME(x) h2s_##x
#endif

#define H2S_L8 0x0101010101010101ULL
#define H2S_PACK8 0x0102040810204080ULL /* ((x & L8) * PACK8) >> 56: byte j's bit 0 -> bit j */

#if H2S_POPCNT || H2S_PDEP
#include <immintrin.h>
#endif

H2S_FN uint64_t H2S_NAME(load_le64)(const uint8_t *p, int le) {
    uint64_t x;
    memcpy(&x, p, 8);
    return le ? x : __builtin_bswap64(x);
}

H2S_FN void H2S_NAME(store_le64)(uint8_t *p, uint64_t x, int le) {
    if (!le) x = __builtin_bswap64(x);
    memcpy(p, &x, 8);
}

/* rotate the K low bits of x right by s, 0 < s < K */
H2S_FN uint64_t H2S_NAME(rotr)(uint64_t x, uint32_t s, uint32_t K, uint64_t full) {
    return ((x >> s) | (x << (K - s))) & full;
}

/* bit i of b (8 bits) -> bit 8i */
H2S_FN uint64_t H2S_NAME(spread8)(uint64_t b) {
#if H2S_PDEP
    return _pdep_u64(b, H2S_L8);
#else
    b &= 0xFF;
    b = (b | (b << 28)) & 0x0000000F0000000FULL;
    b = (b | (b << 14)) & 0x0003000300030003ULL;
    return (b | (b << 7)) & H2S_L8;
#endif
}

/* byte j of the result: bit i = bit 8 g + j of V[i] (i < k <= 6): bit
 * slices to bytes */
H2S_FN uint64_t H2S_NAME(slices8)(const uint64_t *V, unsigned k, unsigned g) {
#if H2S_PDEP
    uint64_t u = 0;
    for (unsigned i = 0; i < k; i++) u |= H2S_NAME(spread8)((V[i] >> 8 * g) & 0xFF) << i;
    return u;
#else
    uint64_t x = 0;
    for (unsigned i = 0; i < k; i++) x |= ((V[i] >> 8 * g) & 0xFF) << 8 * i;
    return h2_transpose8(x);
#endif
}

/* ones in each byte of x */
H2S_FN uint64_t H2S_NAME(pop_bytes)(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    return (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
}

/* 8 consecutive w-bit fields (w <= 6) from bit bp of fb (fb padded), field i in byte i */
H2S_FN uint64_t H2S_NAME(fields8)(const uint8_t *fb, size_t bp, unsigned w, int le) {
    const uint64_t x = (H2S_NAME(load_le64)(fb + (bp >> 3), le) >> (bp & 7)) & ((1ULL << 8 * w) - 1);
#if H2S_PDEP
    return _pdep_u64(x, ((1ULL << w) - 1) * H2S_L8);
#else
    uint64_t y = x;
    const uint64_t m4 = (1ULL << 4 * w) - 1;
    y = (y & m4) | ((y & ~m4) << (32 - 4 * w));
    const uint64_t m2 = ((1ULL << 2 * w) - 1) * 0x0000000100000001ULL;
    y = (y & m2) | ((y & ~m2) << (16 - 2 * w));
    const uint64_t m1 = ((1ULL << w) - 1) * 0x0001000100010001ULL;
    return (y & m1) | ((y & ~m1) << (8 - w));
#endif
}

/* S += A mod 2^k, bit-sliced */
H2S_FN void H2S_NAME(bs_add)(uint64_t *S, const uint64_t *A, unsigned k) {
    uint64_t c = 0;
    for (unsigned i = 0; i < k; i++) {
        const uint64_t s = S[i], a = A[i], t = s ^ a;
        S[i] = t ^ c;
        c = (s & a) | (t & c);
    }
}

/* column counts of board X mod 2^k as k bit slices (bit c of S[i]: bit i of
 * the count of column c, c < K): carry-save adders down the words, then the
 * 64 / K rows a word holds folded */
H2S_FN void H2S_NAME(colsum)(const uint64_t *X, size_t nw, uint32_t K, unsigned k, uint64_t *S) {
    uint64_t A[6] = {0};
    for (unsigned i = 0; i < k; i++) S[i] = 0;
    /* nw = 1, 4, 16 or 64: 8 words at a time by carry-save adders (a 4-bit
     * count), or one at a time when fewer */
    for (size_t w = 0; nw >= 8 && w < nw; w += 8) {
        const uint64_t *x = X + w;
        uint64_t t = x[0] ^ x[1];
        const uint64_t s1 = t ^ x[2], c1 = (x[0] & x[1]) | (t & x[2]);
        t = x[3] ^ x[4];
        const uint64_t s2 = t ^ x[5], c2 = (x[3] & x[4]) | (t & x[5]);
        t = s1 ^ s2;
        const uint64_t s3 = t ^ x[6], c3 = (s1 & s2) | (t & x[6]);
        const uint64_t ones = s3 ^ x[7], c4 = s3 & x[7];
        t = c1 ^ c2;
        const uint64_t s5 = t ^ c3, c5 = (c1 & c2) | (t & c3);
        A[0] = ones;
        A[1] = s5 ^ c4;
        const uint64_t c6 = s5 & c4;
        A[2] = c5 ^ c6;
        A[3] = c5 & c6;
        H2S_NAME(bs_add)(S, A, k);
    }
    for (size_t w = 0; nw < 8 && w < nw; w++) {
        uint64_t c = X[w];
        for (unsigned i = 0; i < k; i++) {
            const uint64_t t = S[i] & c;
            S[i] ^= c;
            c = t;
        }
    }
    static const uint64_t lane[] = {0x00000000FFFFFFFFULL, 0x0000FFFF0000FFFFULL, 0x00FF00FF00FF00FFULL};
    unsigned li = 0;
    for (unsigned wd = 64; wd > K; wd >>= 1, li++) {
        for (unsigned i = 0; i < k; i++) {
            A[i] = (S[i] >> wd / 2) & lane[li];
            S[i] &= lane[li];
        }
        H2S_NAME(bs_add)(S, A, k);
    }
}

/* row counts of board X, row r in byte r mod 8 of R[r / 8] */
H2S_FN void H2S_NAME(rowsum)(const uint64_t *X, size_t nw, uint32_t K, uint64_t *R) {
    const unsigned rpw = 64 / K; /* rows per word */
    for (uint32_t i = 0; i < K / 8; i++) R[i] = 0;
    _Pragma("GCC unroll 16") for (size_t w = 0; w < nw; w++) {
        uint64_t v; /* the word's row counts, one byte each */
        const uint64_t c = H2S_NAME(pop_bytes)(X[w]); /* ones per byte */
        switch (K) {
        case 8: v = c; break;
        case 16: {
#if H2S_PDEP
            v = _pext_u64(c + (c >> 8), 0x00FF00FF00FF00FFULL);
#else
            uint64_t e = (c + (c >> 8)) & 0x00FF00FF00FF00FFULL; /* bytes 0, 2, 4, 6 -> 0..3 */
            e = (e | (e >> 8)) & 0x0000FFFF0000FFFFULL;
            v = (e | (e >> 16)) & 0xFFFFFFFFULL;
#endif
            break;
        }
        case 32:
#if H2S_POPCNT
            v = (uint64_t)__builtin_popcountll(X[w] & 0xFFFFFFFFULL) | (uint64_t)__builtin_popcountll(X[w] >> 32) << 8;
#else /* one multiply sums bytes 0-3 into byte 3 and bytes 4-7 into byte 7 (no carries: <= 32) */
        {
            const uint64_t t = c * 0x01010101ULL;
            v = ((t >> 24) & 0xFF) | ((t >> 48) & 0xFF00);
        }
#endif
            break;
        default:
#if H2S_POPCNT
            v = (uint64_t)__builtin_popcountll(X[w]);
#else
            v = (c * H2S_L8) >> 56;
#endif
            break;
        }
        R[w * rpw / 8] |= v << 8 * (w * rpw % 8);
    }
}

/* bytes t + j (cyclic over the K = 8 m bytes of R) of the word i */
H2S_FN uint64_t H2S_NAME(rot_bytes)(const uint64_t *R, unsigned m, unsigned i, unsigned j) {
    const uint64_t a = R[i], b = R[i + 1 == m ? 0 : i + 1];
    return (a >> 8 * j) | (b << (64 - 8 * j));
}

/* The PMH2M sequences of scrambled low board X with the keyed offsets at bit
 * bp of fb (Imp1, Vis1, Imp2, Vis2 offsets, K fields each, 2 or k = log2 K
 * bits): kind[t] = Imp1[t], dist[t] = Vis1[t], kind[K + t] = Imp2[t],
 * dist[K + t] = Vis2[t], one byte each, all t at once in SWAR byte lanes. */
H2S_FN void H2S_NAME(seqs)(const uint64_t *X, uint32_t K, unsigned k, const uint8_t *fb, size_t bp, int le, uint8_t *kind,
                     uint8_t *dist) {
    const size_t nw = (size_t)K * K / 64;
    const unsigned m = K / 8;
    const uint64_t full = K == 64 ? ~0ULL : (1ULL << K) - 1, kmask = (uint64_t)(K - 1) * H2S_L8;
    const size_t pi1 = bp, pv1 = bp + 2 * K, pi2 = pv1 + (size_t)k * K, pv2 = pi2 + 2 * K;
    /* Vis1: column counts of columns t, t + 1, t + 2, mod K, bit-sliced */
    uint64_t S[6], V[6], A[6];
    H2S_NAME(colsum)(X, nw, K, k, S);
    for (unsigned i = 0; i < k; i++) V[i] = S[i] &= full;
    for (unsigned j = 1; j <= 2; j++) {
        for (unsigned i = 0; i < k; i++) A[i] = H2S_NAME(rotr)(S[i], j, K, full);
        H2S_NAME(bs_add)(V, A, k);
    }
    for (unsigned gi = 0; gi < m; gi++) {
        const uint64_t u = H2S_NAME(slices8)(V, k, gi);
        H2S_NAME(store_le64)(dist + 8 * gi, (u + H2S_NAME(fields8)(fb, pv1 + (size_t)8 * gi * k, k, le)) & kmask, le);
    }
    /* Vis2: row counts */
    uint64_t R[8];
    H2S_NAME(rowsum)(X, nw, K, R);
    for (unsigned gi = 0; gi < m; gi++) {
        const uint64_t u = R[gi] + H2S_NAME(rot_bytes)(R, m, gi, 1) + H2S_NAME(rot_bytes)(R, m, gi, 2); /* bytes <= 192 */
        H2S_NAME(store_le64)(dist + K + 8 * gi, (u + H2S_NAME(fields8)(fb, pv2 + (size_t)8 * gi * k, k, le)) & kmask, le);
    }
    /* Imp1 / Imp2: first row, first column, bits t + 1 and t + 2 */
    const uint64_t r0 = X[0] & full;
    uint64_t c0 = 0;
    for (size_t w = 0; w < nw; w++) /* the first bits of the word's 64 / K rows */
        switch (K) {
#if H2S_PDEP
        case 8: c0 = _pext_u64(X[0], H2S_L8); break;
        case 16: c0 |= _pext_u64(X[w], 0x0001000100010001ULL) << 4 * w; break;
        case 32: c0 |= _pext_u64(X[w], 0x0000000100000001ULL) << 2 * w; break;
#else
        case 8: c0 = ((X[0] & H2S_L8) * H2S_PACK8) >> 56; break;
        case 16: c0 |= ((((X[w] & 0x0001000100010001ULL) * 0x0001000200040008ULL) >> 48) & 0xF) << 4 * w; break;
        case 32: c0 |= (X[w] & 0x0000000100000001ULL) << w; break; /* rows 2w, 2w + 1: bits w, 32 + w */
#endif
        default: c0 |= (X[w] & 1) << w; break;
        }
#if !H2S_PDEP
    if (K == 32) { /* interleave bits 0-15 (even rows) and 32-47 (odd rows) */
        uint64_t y = (c0 & 0xFFFF) | ((c0 >> 16) & 0xFFFF0000ULL);
        y = (y & 0xFF0000FFULL) | ((y & 0x00FF0000ULL) >> 8) | ((y & 0x0000FF00ULL) << 8);
        y = (y & 0xF00FF00FULL) | ((y & 0x0F000F00ULL) >> 4) | ((y & 0x00F000F0ULL) << 4);
        y = (y & 0xC3C3C3C3ULL) | ((y & 0x30303030ULL) >> 2) | ((y & 0x0C0C0C0CULL) << 2);
        c0 = (y & 0x99999999ULL) | ((y & 0x44444444ULL) >> 1) | ((y & 0x22222222ULL) << 1);
    }
#endif
    const uint64_t a1 = H2S_NAME(rotr)(r0, 1, K, full), a2 = H2S_NAME(rotr)(r0, 2, K, full);
    const uint64_t b1 = H2S_NAME(rotr)(c0, 1, K, full), b2 = H2S_NAME(rotr)(c0, 2, K, full);
    const uint64_t ra[2] = {a2, a1}, rb[2] = {b2, b1};
    for (unsigned gi = 0; gi < m; gi++) {
        uint64_t u = H2S_NAME(slices8)(ra, 2, gi);
        H2S_NAME(store_le64)(kind + 8 * gi, (u + H2S_NAME(fields8)(fb, pi1 + 16 * gi, 2, le)) & 0x0303030303030303ULL, le);
        u = H2S_NAME(slices8)(rb, 2, gi);
        H2S_NAME(store_le64)(kind + K + 8 * gi, (u + H2S_NAME(fields8)(fb, pi2 + 16 * gi, 2, le)) & 0x0303030303030303ULL, le);
    }
}

/* WDPCS of boards lo (plane i), hi (plane i + 1) with key bits kb: the
 * triple (hi (r, c), lo (r, c), lo (r, c + K/2)), c < K/2, flips 0,1,1 <->
 * 1,0,0 where key bit r K/2 + c is set; a word's 32 key bits are spread to
 * the left halves of its rows */
H2S_FN void H2S_NAME(wdpcs)(uint64_t *lo, uint64_t *hi, uint32_t K, size_t nw, const uint8_t *kb, int le) {
    const unsigned hw = K / 2;
    for (size_t w = 0; w < nw; w++) {
        uint32_t k32;
        memcpy(&k32, kb + 4 * w, 4);
        uint64_t k = le ? k32 : __builtin_bswap32(k32);
#if H2S_PDEP
        static const uint64_t left[4] = {0x0F0F0F0F0F0F0F0FULL, 0x00FF00FF00FF00FFULL, 0x0000FFFF0000FFFFULL,
                                         0x00000000FFFFFFFFULL};
        if (K < 64) k = _pdep_u64(k, left[(K == 8 ? 0 : K == 16 ? 1 : 2)]);
#else
        if (K <= 32) k = (k & 0xFFFFULL) | ((k & 0xFFFF0000ULL) << 16);
        if (K <= 16) k = (k & 0x000000FF000000FFULL) | ((k & 0x0000FF000000FF00ULL) << 8);
        if (K <= 8) k = (k & 0x000F000F000F000FULL) | ((k & 0x00F000F000F000F0ULL) << 4);
#endif
        const uint64_t a = hi[w], b = lo[w], c = b >> hw;
        const uint64_t mm = k & (a ^ b) & ~(b ^ c);
        hi[w] = a ^ mm;
        lo[w] = b ^ mm ^ (mm << hw);
    }
}

/* The sequences of a board of side K (8, 16, 32, 64): h2s_seqs with K a
 * constant. */
H2S_DISPATCH __attribute__((unused)) void H2S_NAME(seqs_any)(const uint64_t *X, uint32_t K, const uint8_t *fb, size_t bp, uint8_t *kind,
                                     uint8_t *dist) {
    const int le = mc_host_le();
    switch (K) {
    case 8: H2S_NAME(seqs)(X, 8, 3, fb, bp, le, kind, dist); break;
    case 16: H2S_NAME(seqs)(X, 16, 4, fb, bp, le, kind, dist); break;
    case 32: H2S_NAME(seqs)(X, 32, 5, fb, bp, le, kind, dist); break;
    default: H2S_NAME(seqs)(X, 64, 6, fb, bp, le, kind, dist); break;
    }
}

/* ones in nw words (ZMP's counts) */
H2S_DISPATCH __attribute__((unused)) size_t H2S_NAME(ones)(const uint64_t *X, size_t nw) {
    size_t c = 0;
#if H2S_POPCNT
    for (size_t w = 0; w < nw; w++) c += (size_t)__builtin_popcountll(X[w]);
#else
    for (size_t w0 = 0; w0 < nw; w0 += 16) { /* bytes of 16 words' counts: <= 128 */
        uint64_t b = 0;
        for (size_t w = w0; w < w0 + 16 && w < nw; w++) b += H2S_NAME(pop_bytes)(X[w]);
        c += (size_t)(((b & 0x00FF00FF00FF00FFULL) + ((b >> 8) & 0x00FF00FF00FF00FFULL)) * 0x0001000100010001ULL >> 48);
    }
#endif
    return c;
}

#undef H2S_L8
#undef H2S_PACK8
#undef H2S_FN
#undef H2S_POPCNT
#undef H2S_PDEP
#undef H2S_DISPATCH
#undef H2S_NAME
