/* attacks.h - known- and chosen-plaintext attacks on the classical schemes
 * (docs/attacks.md).  Internal to the library and the CLI (not installed).
 *
 * Model: the cipher image is a public, key-independent rearrangement of the
 * plain samples XORed with a keystream that depends only on the key:
 *     C = Perm(P) XOR K
 * logistic and aead: Perm = identity; zigzag: Perm = the zigzag order named by
 * the cipher's `p.pattern` entry.  In the `paper` profiles of logistic and
 * zigzag, K is the same for every image under one key, so one known pair
 * (P1, C1) gives K = C1 XOR Perm(P1) and decrypts every other cipher image of
 * the same geometry; one chosen plaintext (all zeros) gives K directly.  In
 * `hardened` (fresh nonce per image) the recovered keystream belongs to
 * another image and the "recovered" samples are right only by chance
 * (2^-bits per sample). */
#ifndef MC_ATTACKS_H
#define MC_ATTACKS_H
#include "medcrypt.h"

/* Schemes the XOR model applies to (logistic, zigzag, aead); 0 otherwise. */
int mc_attack_supported(const char *scheme);

/* Known-plaintext attack.  All three images must have the same geometry
 * (width, height, depth, channels, bits); the ciphers carry medcrypt metadata
 * (the pattern is read from known_cipher).  *recovered: a new image of the
 * target's geometry, without metadata.  MC_ERR_UNSUPPORTED for a scheme
 * outside the model, MC_ERR_FORMAT for mismatched inputs. */
int mc_attack_kpa(const char *scheme, const mc_image *known_plain, const mc_image *known_cipher,
                  const mc_image *target_cipher, mc_image **recovered, mc_err *err) MC_WUR;

/* The encryption oracle of a chosen-plaintext attack: encrypts img in place
 * (setting its metadata) under the victim's key; the attack sees only its
 * output. */
typedef int (*mc_attack_oracle)(void *ud, mc_image *img, mc_err *err);

/* Chosen-plaintext attack: asks the oracle for the cipher of an all-zero image
 * of the target's geometry, then runs the known-plaintext attack with it (the
 * neural schemes: the leak estimate above). */
int mc_attack_cpa(const char *scheme, mc_attack_oracle oracle, void *ud, const mc_image *target_cipher,
                  mc_image **recovered, mc_err *err) MC_WUR;

/* The neural schemes (at-resnet-cm, resnet-cm): cipher = Q(enc(P, t)) XOR K
 * with the target t and keystream K fixed by the key in the paper profile, and
 * Q(enc(P, t)) close to t plus a small increasing function of P.  Two ciphers
 * under one key XOR to Q(e1) XOR Q(e2) (K cancels), whose highest set bit
 * grows with |P1 - P2|.  With the oracle's cipher of an all-zero image, the
 * chosen-plaintext attack draws the target's plaintext: recovered[i] = the
 * position of the highest set bit of C0[i] XOR C[i] (0..bits), scaled to the
 * sample range.  An estimate, not an exact recovery (score it with
 * mc_attack_corr); in hardened, t and K are fresh per image and it draws
 * noise.  1 for these schemes. */
int mc_attack_leak_supported(const char *scheme);

/* Pearson correlation of the samples of a and b (same geometry). */
int mc_attack_corr(const mc_image *a, const mc_image *b, double *r, mc_err *err) MC_WUR;

/* Samples of a equal to those of b (same geometry, else MC_ERR_FORMAT). */
int mc_attack_score(const mc_image *a, const mc_image *b, size_t *matched, size_t *total, mc_err *err) MC_WUR;
#endif
