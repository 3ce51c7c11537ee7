/* deep_kedi.h - what the files of the deep-kedi scheme share (scheme.c: the
 * construction, keyimage.c: the ZZ-GAN key image).  Internal, not installed;
 * docs/schemes/deep-kedi.md. */
#ifndef MC_DEEP_KEDI_H
#define MC_DEEP_KEDI_H

#include "medcrypt.h"

#include <stddef.h>
#include <stdint.h>

#define MC_DK_ARCH "zz-gan"    /* the model's architecture (src/nn/arch_zzgan.c) */
#define MC_DK_NET "gen"        /* its generator network */
#define MC_DK_META_MODEL "model_id"

/* The ZZ-GAN key image of a w x h slice, k[y w + x] in [0, 2^bits - 1]:
 * the generator run on the seed image of the sub-key (and the nonce when not
 * NULL: hardened), its tanh output quantised.  The model comes from opts (a
 * model file's bytes) or is the built-in one; id receives BLAKE2b-128 of its
 * bytes. */
int mc_dk_gan_key(const uint8_t key[MC_KEY_BYTES], const uint8_t *nonce, uint32_t w, uint32_t h, unsigned bits,
                  const mc_opts *opts, uint32_t *k, uint8_t id[16], mc_err *err) MC_WUR;

/* The key samples XORed with slice z of an image of ch channels (npx*ch
 * samples, host order): paper (nonce NULL): the key image broadcast over the
 * channels; hardened: XORed with the whitening stream (sub-key, nonce) at
 * the slice's position (little-endian 16-bit samples). */
void mc_dk_slice_key(const uint8_t key[MC_KEY_BYTES], const uint8_t *nonce, const uint32_t *k, size_t npx,
                     unsigned ch, unsigned bits, uint32_t z, void *out);

/* Despeckle img in place as deep-kedi's paper decryption does, with the
 * parameters and bits_stored of meta (a cipher's; NULL: the defaults): what
 * a recovered speckled image J becomes (the attacks, src/attacks). */
int mc_dk_despeckle(mc_image *img, const mc_meta *meta, mc_err *err) MC_WUR;

#endif
