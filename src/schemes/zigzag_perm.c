/* zigzag_perm.c - the zigzag orders of the zigzag scheme (zigzag.c) and of
 * deep-kedi (deep_kedi.c), and the attacks' model of them: the order as an
 * index table (mc_zigzag_order, the definition) and as fast block moves
 * (mc_zigzag_permute, zigzag_perm.h) for every pixel type. */
#include "schemes/classical.h"

/* Walk the order of a w x h slice: BODY runs with k (position in the order,
 * = raster index of the output) and pos (raster index of the pixel read). */
#define ZZ_WALK(pattern, w, h, BODY)                                                 \
    do {                                                                             \
        size_t k = 0, pos;                                                           \
        if ((pattern) == 'h') {                                                      \
            for (uint32_t r_ = 0; r_ < (h); r_++)                                    \
                for (uint32_t t_ = 0; t_ < (w); t_++, k++) {                         \
                    pos = (size_t)r_ * (w) + (r_ & 1 ? (w) - 1 - t_ : t_);           \
                    BODY;                                                            \
                }                                                                    \
        } else if ((pattern) == 'v') {                                               \
            for (uint32_t c_ = 0; c_ < (w); c_++)                                    \
                for (uint32_t t_ = 0; t_ < (h); t_++, k++) {                         \
                    pos = (size_t)(c_ & 1 ? (h) - 1 - t_ : t_) * (w) + c_;           \
                    BODY;                                                            \
                }                                                                    \
        } else {                                                                     \
            for (uint32_t s_ = 0; s_ + 1 < (w) + (h); s_++) {                        \
                uint32_t lo_ = s_ >= (w) ? s_ - (w) + 1 : 0, hi_ = s_ < (h) ? s_ : (h) - 1; \
                if (s_ & 1)                                                          \
                    for (uint32_t r_ = lo_; r_ <= hi_; r_++, k++) {                  \
                        pos = (size_t)r_ * (w) + (s_ - r_);                          \
                        BODY;                                                        \
                    }                                                                \
                else                                                                 \
                    for (uint32_t r_ = hi_ + 1; r_-- > lo_; k++) {                   \
                        pos = (size_t)r_ * (w) + (s_ - r_);                          \
                        BODY;                                                        \
                    }                                                                \
            }                                                                        \
        }                                                                            \
        (void)k;                                                                     \
    } while (0)

void mc_zigzag_order(char pattern, uint32_t w, uint32_t h, uint32_t *idx) {
    ZZ_WALK(pattern, w, h, idx[k] = (uint32_t)pos);
}

/* Pixel types: a pixel keeps its channels (1 or 3 samples). */
typedef struct px3_8 {
    uint8_t v[3];
} px3_8;
typedef struct px3_16 {
    uint16_t v[3];
} px3_16;
_Static_assert(sizeof(px3_8) == 3 && sizeof(px3_16) == 6, "packed pixel structs");

#define ZZ_T uint8_t
#define ZZ_SUF g8
#define ZZ_GATHER 1
#include "schemes/zigzag_perm.h"
#undef ZZ_GATHER
#define ZZ_GATHER 0
#include "schemes/zigzag_perm.h"
#undef ZZ_GATHER
#undef ZZ_SUF
#undef ZZ_T
#define ZZ_T uint16_t
#define ZZ_SUF g16
#define ZZ_GATHER 1
#include "schemes/zigzag_perm.h"
#undef ZZ_GATHER
#define ZZ_GATHER 0
#include "schemes/zigzag_perm.h"
#undef ZZ_GATHER
#undef ZZ_SUF
#undef ZZ_T
#define ZZ_T px3_8
#define ZZ_SUF c8
#define ZZ_GATHER 1
#include "schemes/zigzag_perm.h"
#undef ZZ_GATHER
#define ZZ_GATHER 0
#include "schemes/zigzag_perm.h"
#undef ZZ_GATHER
#undef ZZ_SUF
#undef ZZ_T
#define ZZ_T px3_16
#define ZZ_SUF c16
#define ZZ_GATHER 1
#include "schemes/zigzag_perm.h"
#undef ZZ_GATHER
#define ZZ_GATHER 0
#include "schemes/zigzag_perm.h"
#undef ZZ_GATHER
#undef ZZ_SUF
#undef ZZ_T

void mc_zigzag_permute(void *ras, void *ord, char pat, uint32_t w, uint32_t h, unsigned ch, unsigned bits, int enc) {
    if (ch == 1 && bits == 8) (enc ? zz_perm_g8_1 : zz_perm_g8_0)(ras, ord, pat, w, h);
    else if (ch == 1) (enc ? zz_perm_g16_1 : zz_perm_g16_0)(ras, ord, pat, w, h);
    else if (bits == 8) (enc ? zz_perm_c8_1 : zz_perm_c8_0)(ras, ord, pat, w, h);
    else (enc ? zz_perm_c16_1 : zz_perm_c16_0)(ras, ord, pat, w, h);
}

