/* tpe_common_x86.c - the TPE block driver's rows of RGB 8-bit images with
 * AVX-512 VBMI (tpe_common.h: mc_tpe_rgb8_*): one byte permute per 32
 * pixels gathers a channel's samples of a block row into levels, another
 * scatters them back.  tpe_common.c calls these only where
 * mc_cpu_features() has MC_TPE_RGB8_CPU. */
#include "schemes/tpe_common.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define X86_VBMI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi")))

/* bytes 3k + ch, k < 32, of a 96-byte row chunk as lane k */
X86_VBMI static __m512i rgb8_index(unsigned ch) {
    const __m512i k = _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43,
                                      42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22,
                                      21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    /* 3k + ch for k < 32 (<= 95: the two-source permute's 128 bytes) */
    const __m512i k16lo = _mm512_cvtepu8_epi16(_mm512_castsi512_si256(k));
    const __m512i idx16 = _mm512_add_epi16(_mm512_mullo_epi16(k16lo, _mm512_set1_epi16(3)), _mm512_set1_epi16((short)ch));
    return _mm512_castsi256_si512(_mm512_cvtepi16_epi8(idx16));
}

X86_VBMI void mc_tpe_rgb8_gather(const uint8_t *row, size_t stride, uint32_t bh, uint32_t n, unsigned ch, uint32_t flip,
                                  uint32_t *v) {
    const __m512i idx = rgb8_index(ch), f = _mm512_set1_epi8((char)flip);
    for (uint32_t y = 0; y < bh; y++, row += stride) {
        const uint8_t *r = row;
        for (uint32_t x = 0; x < n; x += 32, r += 96, v += 32) {
            const uint32_t m = n - x < 32 ? n - x : 32, nb = 3 * m; /* pixels, bytes of this chunk */
            const __m512i lo = _mm512_maskz_loadu_epi8(nb >= 64 ? ~0ULL : (1ULL << nb) - 1, r);
            const __m512i hi = _mm512_maskz_loadu_epi8(nb > 64 ? (1ULL << (nb - 64)) - 1 : 0, r + 64);
            const __m512i g = _mm512_xor_si512(_mm512_permutex2var_epi8(lo, idx, hi), f);
            const __mmask16 k0 = m >= 16 ? 0xFFFF : (__mmask16)((1u << m) - 1);
            const __mmask16 k1 = m > 16 ? (__mmask16)(m >= 32 ? 0xFFFF : (1u << (m - 16)) - 1) : 0;
            _mm512_mask_storeu_epi32(v, k0, _mm512_cvtepu8_epi32(_mm512_castsi512_si128(g)));
            _mm512_mask_storeu_epi32(v + 16, k1, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(g, 1)));
        }
        v -= (n + 31) / 32 * 32 - n; /* the rows of v are n apart */
    }
}

X86_VBMI void mc_tpe_rgb8_scatter(uint8_t *row, size_t stride, uint32_t bh, uint32_t n, unsigned ch, uint32_t flip,
                                   const uint32_t *v) {
    /* byte j of a chunk (j = 3k + ch) takes lane k = (j - ch) / 3 */
    uint8_t lane[128] = {0};
    uint64_t own[2] = {0, 0}; /* the bytes j = 3k + ch */
    for (unsigned j = 0; j < 96; j++) {
        lane[j] = (uint8_t)(j >= ch ? (j - ch) / 3 : 0);
        if (j >= ch && (j - ch) % 3 == 0) own[j / 64] |= 1ULL << (j % 64);
    }
    const __m512i i0 = _mm512_loadu_si512((const void *)lane), i1 = _mm512_loadu_si512((const void *)(lane + 64));
    const __m512i f = _mm512_set1_epi8((char)flip);
    for (uint32_t y = 0; y < bh; y++, row += stride) {
        uint8_t *r = row;
        for (uint32_t x = 0; x < n; x += 32, r += 96, v += 32) {
            const uint32_t m = n - x < 32 ? n - x : 32, nb = 3 * m;
            const __mmask16 k0 = m >= 16 ? 0xFFFF : (__mmask16)((1u << m) - 1);
            const __mmask16 k1 = m > 16 ? (__mmask16)(m >= 32 ? 0xFFFF : (1u << (m - 16)) - 1) : 0;
            const __m128i b0 = _mm512_cvtepi32_epi8(_mm512_maskz_loadu_epi32(k0, v));
            const __m128i b1 = _mm512_cvtepi32_epi8(_mm512_maskz_loadu_epi32(k1, v + 16));
            const __m512i src = _mm512_xor_si512(_mm512_inserti32x4(_mm512_castsi128_si512(b0), b1, 1), f);
            const uint64_t in0 = nb >= 64 ? ~0ULL : (1ULL << nb) - 1, in1 = nb > 64 ? (1ULL << (nb - 64)) - 1 : 0;
            _mm512_mask_storeu_epi8(r, own[0] & in0, _mm512_permutexvar_epi8(i0, src));
            _mm512_mask_storeu_epi8(r + 64, own[1] & in1, _mm512_permutexvar_epi8(i1, src));
        }
        v -= (n + 31) / 32 * 32 - n;
    }
}

#endif
