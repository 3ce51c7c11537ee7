/* classical.h - helpers shared by the classical schemes (logistic, zigzag,
 * latin) and the attacks on them (src/attacks).  Internal, not installed. */
#ifndef MC_CLASSICAL_H
#define MC_CLASSICAL_H
#include "medcrypt.h"

#include <stddef.h>
#include <stdint.h>

/* Zigzag order of a w x h slice (zigzag.c): idx[k] = raster index of the k-th
 * pixel read; pattern 'h' (rows, boustrophedon), 'v' (columns, boustrophedon)
 * or 'd' (anti-diagonals, JPEG order).  idx has w*h entries. */
void mc_zigzag_order(char pattern, uint32_t w, uint32_t h, uint32_t *idx);
/* One slice between raster order (ras) and zigzag order (ord), pixels of ch
 * (1 or 3) samples of `bits` (8 or 16) bits: enc (gather) ord[k] =
 * ras[z(k)], else (scatter) ras[z(k)] = ord[k], z = mc_zigzag_order's.  The
 * two buffers must not overlap (zigzag_perm.c). */
void mc_zigzag_permute(void *ras, void *ord, char pattern, uint32_t w, uint32_t h, unsigned ch, unsigned bits,
                       int enc);

/* The logistic map's (mu, x0) from a scheme sub-key (and the image nonce when
 * not NULL) under a stream label (logistic.c): mu in [3.99, 4), x0 in (0, 1)
 * away from 0, 1 and the fixed point 1 - 1/mu; pin_mu, when nonzero, is mu
 * (not drawn). */
void mc_logistic_key_params(const uint8_t key[32], const uint8_t *nonce, const char *label, double *mu, double *x0,
                            double pin_mu);

/* Reinterpret a buffer of 16-bit samples between host order and little-endian
 * (swap each byte pair on big-endian hosts; no-op on little-endian ones). */
static inline void mc_swap16_le(uint8_t *buf, size_t nbytes) {
    const uint16_t one = 1;
    if (*(const uint8_t *)&one == 1) return;
    for (size_t i = 0; i + 1 < nbytes; i += 2) {
        uint8_t t = buf[i];
        buf[i] = buf[i + 1];
        buf[i + 1] = t;
    }
}
#endif
