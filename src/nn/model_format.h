/*
 * model_format.h - constants of the model file format (docs/nn.md, "Model
 * files"), shared by the reader (model_read.c, libmedcrypt) and the writer
 * (train/model_write.c, the lab).
 *
 *   header   "MCNNMDL1", u32 version, u32 flags (1 = encrypted)
 *   [encrypted: u32 n, n bytes of key-derivation metadata text, 24-byte nonce]
 *   body     payload || BLAKE2b-512(header || payload)
 *            (encrypted: XChaCha20-Poly1305(body), associated data = everything
 *            before it)
 *   payload  arch, hyperparameter text, state text, u32 nnets, and per network:
 *            name, u32 in_c, build_h, build_w, u32 nlayers, 48-byte layer
 *            records, u32 ntensors, tensors (name, u32 ndim, u32 dims, f32
 *            data), u32 has_opt [+ optimiser record]
 * All integers little-endian; strings are u32 length + bytes.
 */
#ifndef MC_NN_MODEL_FORMAT_H
#define MC_NN_MODEL_FORMAT_H

#define MC_NN_MF_HDR_LEN 16u
#define MC_NN_MF_SUM_LEN 64u
#define MC_NN_MF_KDF_TEXT_MAX 4096u
#define MC_NN_MF_NAME_MAX 48u
#define MC_NN_MF_TENSORS_MAX 65536u
#define MC_NN_MF_LAYER_RECORD 48u
#define MC_NN_MF_SUBKEY "nn-model"

#endif
