/* residual.h - the exact-reconstruction residual of a lossy construction,
 * carried encrypted in the aux blob (residual.c).  Internal, not installed.
 *
 * A scheme whose paper decryption is lossy (its output x' differs from the
 * plaintext u) stores r = u - x' per sample so that `hardened` decryption
 * returns x' + r = u.  Coding: z = 2r for r >= 0, -2r - 1 for r < 0 (small
 * magnitudes first), split into `planes` byte planes (plane p holds bits
 * 8p..8p+7 of every sample, all samples of a plane together), deflated; the
 * blob is
 *     "MCRS" | u8 version (1) | u8 planes | u16 0 | u64 LE samples | deflate
 * XORed as a whole with the keyed stream (sub-key, nonce, label).  The MAC of
 * the hardened profile covers it; a blob that does not decode after the MAC
 * passed is still reported as MC_ERR_AUTH, before any pixel changes. */
#ifndef MC_RESIDUAL_H
#define MC_RESIDUAL_H

#include "medcrypt.h"

#include <stddef.h>
#include <stdint.h>

static inline uint32_t mc_residual_code(int32_t r) {
    return r >= 0 ? (uint32_t)r << 1 : ((uint32_t)(-(r + 1)) << 1) | 1u;
}
static inline int32_t mc_residual_value(uint32_t z) {
    return (z & 1) ? -(int32_t)(z >> 1) - 1 : (int32_t)(z >> 1);
}

/* Set img's aux blob to the encrypted coding of z[0..n) (each < 2^(8 planes),
 * planes 1..4). */
int mc_residual_store(const uint8_t key[MC_KEY_BYTES], const uint8_t nonce[MC_NONCE_BYTES], const char *label,
                      const uint32_t *z, size_t n, unsigned planes, mc_image *img, mc_err *err) MC_WUR;
/* The inverse: z[0..n) from img's aux blob; MC_ERR_AUTH if it is missing or
 * does not decode to n samples of `planes` planes. */
int mc_residual_load(const uint8_t key[MC_KEY_BYTES], const uint8_t nonce[MC_NONCE_BYTES], const char *label,
                     const mc_image *img, uint32_t *z, size_t n, unsigned planes, mc_err *err) MC_WUR;

#endif
