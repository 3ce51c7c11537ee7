/* internal.h - helpers shared inside libmedcrypt (not installed). */
#ifndef MC_INTERNAL_H
#define MC_INTERNAL_H

#include "medcrypt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lower-case hex.  out must hold 2*len+1 bytes. */
void mc_hex_encode(char *out, const uint8_t *in, size_t len);
/* Exactly 2*len hex chars -> len bytes; MC_ERR_FORMAT otherwise. */
int mc_hex_decode(uint8_t *out, size_t len, const char *hex, size_t hexlen);

/* Store meta as text in a newly allocated NUL-terminated string (caller frees
 * with free()).  Used by every writer. */
int mc_meta_to_text(const mc_meta *m, char **out, size_t *len);

/* Validate geometry fields of an image header before allocation. */
int mc_check_geometry(uint32_t w, uint32_t h, uint32_t d, unsigned channels, unsigned bits,
                      const mc_limits *lim, size_t *nbytes, mc_err *err);

/* Attach a carried-through source header. */
static inline void mc_image_set_src(mc_image *img, void *src, void (*src_free)(void *)) {
    if (img->src && img->src_free) img->src_free(img->src);
    img->src = src;
    img->src_free = src_free;
}

/* Base name of a path for messages. */
const char *mc_basename(const char *path);

/* Host is little-endian? */
static inline int mc_host_le(void) {
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

/* Parse the image-description text that PNG and PNM carry beside the
 * metadata ("signed=0|1" entries separated by ';'; trailing NUL/whitespace
 * ignored).  `where` names the container for the error message. */
int mc_image_text_parse(const char *t, size_t len, int *is_signed, const char *where, mc_err *err);

/* Keyed pseudo-random stream (stream.c): XChaCha20 keystream under
 * BLAKE2b(key, label, a, b), nonce = image nonce or zeros (paper profile).
 * Holds key material: mc_stream_wipe() it when done. */
typedef struct mc_stream {
    uint8_t key[32];
    uint8_t nonce[24];
    uint64_t block;
    uint8_t buf[512];
    size_t pos, len;
} mc_stream;
void mc_stream_init(mc_stream *s, const uint8_t key[MC_KEY_BYTES], const uint8_t *nonce, const char *label,
                    uint64_t a, uint64_t b);
void mc_stream_bytes(mc_stream *s, uint8_t *out, size_t n);
void mc_stream_xor(mc_stream *s, uint8_t *buf, size_t n);
/* out = in XOR the next n stream bytes (out == in allowed: mc_stream_xor);
 * whole 64-byte blocks go straight through XChaCha20, no copy. */
void mc_stream_xor_to(mc_stream *s, uint8_t *out, const uint8_t *in, size_t n);
uint32_t mc_stream_u32(mc_stream *s);
uint64_t mc_stream_u64(mc_stream *s);
uint32_t mc_stream_uniform(mc_stream *s, uint32_t n); /* [0, n), unbiased */
double mc_stream_unit(mc_stream *s);                   /* [0, 1), 53 bits */
void mc_stream_wipe(mc_stream *s);

/* Metadata keys used by the framework. */
#define MC_MK_MAGIC "medcrypt"     /* value "1" */
#define MC_MK_SCHEME "scheme"
#define MC_MK_PROFILE "profile"
#define MC_MK_NONCE "nonce"
#define MC_MK_MAC "mac"
#define MC_MK_KDF "kdf"            /* "argon2id" when derived from a passphrase */
#define MC_MK_SALT "salt"
#define MC_MK_OPS "ops"
#define MC_MK_MEM "mem"
#define MC_MK_BITS_STORED "bits_stored" /* original Bits Stored when < bits */
#define MC_MK_PARAM_PREFIX "p."
#define MC_MK_RESTORE "restore"    /* + "restore.1" .. "restore.3": the sealed restore record */

/* ---------------------------------------------------------- restore record */

/* Largest restore record (bytes): 4 metadata entries of 1022 hex digits.
 * A reader never makes one this large (DICOM: ~300 bytes). */
#define MC_RESTORE_MAX_BYTES (4 * 511)

/* Wipe and free img->restore; restore_apply = 0. */
void mc_image_drop_restore(mc_image *img);
/* Give img the malloc'ed record buf (len > 0) without copying (readers). */
void mc_image_take_restore(mc_image *img, uint8_t *buf, size_t len);
/* Hardened encryption: XChaCha20 of img->restore under the sub-key
 * "restore" and the image nonce, hex, into the metadata entries
 * "restore", "restore.1"...  (covered by the MAC / the aead tag like every
 * other entry).  Nothing is added without a record.  The plaintext stays
 * on the image (the caller drops it once the encryption succeeded). */
int mc_restore_seal(mc_image *img, const uint8_t master[MC_KEY_BYTES], const uint8_t nonce[MC_NONCE_BYTES], mc_err *err);
/* Decryption, two steps: mc_restore_parse checks and decodes the entries
 * (before any pixel changes; MC_ERR_AUTH when malformed) into *ct
 * (malloc'ed, NULL when the file has none); after the pixels are
 * authenticated and decrypted, mc_restore_open decrypts *ct onto the image
 * (img->restore, restore_apply = 1), taking ownership of ct.  Without
 * entries the reader's record (it describes the encrypted file) is dropped. */
int mc_restore_parse(const mc_meta *m, uint8_t **ct, size_t *len, mc_err *err);
void mc_restore_open(mc_image *img, uint8_t *ct, size_t len, const uint8_t master[MC_KEY_BYTES],
                     const uint8_t nonce[MC_NONCE_BYTES]);


/* ---------------------------------------------------------------- aux blob */

/* Give img the malloc'ed aux buffer buf (len > 0) without copying; the old
 * one is freed.  Readers use it after their own cap check. */
static inline void mc_image_take_aux(mc_image *img, uint8_t *buf, size_t len) {
    free(img->aux);
    img->aux = buf;
    img->aux_len = buf ? len : 0;
}
/* MC_ERR_LIMITS (message naming `where`) when len exceeds
 * MC_AUX_MAX_BYTES(pixel_bytes); MC_OK otherwise. */
int mc_aux_check_len(uint64_t len, size_t pixel_bytes, const char *where, mc_err *err);
/* What every writer checks before storing img->aux: within the cap, and only
 * with metadata (a reader refuses an aux blob without it). */
int mc_aux_check_write(const mc_image *img, const char *where, mc_err *err);
/* Little-endian u64 helpers for the aux framing (MAC, DICOM, NIfTI). */
static inline void mc_put_le64(uint8_t out[8], uint64_t v) {
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(v >> (8 * i));
}
static inline uint64_t mc_get_le64(const uint8_t in[8]) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | in[i];
    return v;
}

/* Base64 (RFC 4648 alphabet, '=' padding).  mc_b64_encode writes
 * 4*ceil(n/3) characters (no NUL).  mc_b64_decode is strict: length a
 * multiple of 4, the alphabet only, '=' only as the last one or two
 * characters, unused bits zero (the canonical encoding, so one blob has one
 * text); it writes at most cap bytes; MC_ERR_FORMAT otherwise. */
#define MC_B64_LEN(n) (((n) + 2) / 3 * 4)
void mc_b64_encode(char *out, const uint8_t *in, size_t n);
int mc_b64_decode(uint8_t *out, size_t cap, const char *in, size_t n, size_t *outlen);

/* Put 16-bit samples into little-endian byte order in place (no-op on
 * little-endian hosts); calling it again restores host order. */
void mc_pixels_swap_le(mc_image *img);

#endif
