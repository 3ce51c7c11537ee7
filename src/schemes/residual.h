/* residual.h - the encrypted residual that makes a lossy neural scheme's
 * `hardened` profile exact (edg-net; the format at-resnet-cm uses too).
 *
 * The residual of sample i, r = plain code - network reconstruction, is
 * zigzag-coded (z = 2r for r >= 0, -2r - 1 otherwise), its little-endian
 * bytes split into planes (2 for 8-bit images, 3 for 16-bit: plane p holds
 * byte p of every z), deflated, prefixed by a 16-byte header ("MCR1", planes,
 * three zero bytes, the sample count as LE u64) and XORed with the keyed
 * stream `label` (XChaCha20 under the scheme's sub-key and nonce).  The
 * result is the image's aux blob, which the hardened MAC covers.  Internal. */
#ifndef MC_SCHEMES_RESIDUAL_H
#define MC_SCHEMES_RESIDUAL_H
#include "medcrypt.h"

#include <stddef.h>
#include <stdint.h>

static inline uint32_t mc_residual_zz(int32_t r) {
    return r >= 0 ? (uint32_t)r << 1 : (((uint32_t)-(r + 1)) << 1) | 1u;
}
static inline int32_t mc_residual_unzz(uint32_t z) {
    return (z & 1u) ? -(int32_t)(z >> 1) - 1 : (int32_t)(z >> 1);
}

/* z[0..n) (zigzag codes of `bits`-bit residuals) -> img's aux blob. */
int mc_residual_store(const mc_scheme_ctx *ctx, const char *label, mc_image *img, const uint32_t *z, size_t n,
                      mc_err *err) MC_WUR;
/* img's aux blob -> z[0..n).  Anything that does not decode is MC_ERR_AUTH
 * (the blob was authenticated by the MAC before: a wrong key or damage). */
int mc_residual_load(const mc_scheme_ctx *ctx, const char *label, const mc_image *img, uint32_t *z, size_t n,
                     mc_err *err) MC_WUR;

#endif
