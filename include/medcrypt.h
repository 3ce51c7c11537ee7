/*
 * medcrypt.h - the one public header of libmedcrypt.
 *
 * Medical image encryption: an image model (2D/3D, 1 or 3 channels, 8/16-bit,
 * signed or unsigned), readers and writers for PNG, PGM/PPM, DICOM and NIfTI-1,
 * keys (random key files, Argon2id passphrases, per-scheme sub-keys), and a
 * scheme interface with a `paper` and a `hardened` profile.
 *
 * Conventions (libsodium style): functions return 0 (MC_OK) or a negative
 * mc_status; an optional mc_err receives a one-line human message.  No global
 * mutable state; all objects are owned by the caller.
 */
#ifndef MEDCRYPT_H
#define MEDCRYPT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MC_WUR __attribute__((warn_unused_result))
#define MC_PRINTF(a, b) __attribute__((format(printf, a, b)))
/* The library is built with -fvisibility=hidden: MC_API marks the functions
 * of this header, the only ones libmedcrypt.so exports. */
#define MC_API __attribute__((visibility("default")))
#else
#define MC_WUR
#define MC_PRINTF(a, b)
#define MC_API
#endif

/* The version this header belongs to; mc_version_* give the library's (they
 * differ when a program runs against another build than it was compiled with). */
#define MC_VERSION "0.2.0"
#define MC_VERSION_NUMBER 200 /* major * 10000 + minor * 100 + patch */

/* "0.2.0" and 200 for the library in use. */
MC_API const char *mc_version_string(void);
MC_API int mc_version_number(void);

/* ------------------------------------------------------------------ errors */

typedef enum mc_status {
    MC_OK = 0,
    MC_ERR_ARG = -1,         /* invalid argument / usage (CLI exit 1) */
    MC_ERR_FORMAT = -2,      /* malformed, truncated or corrupt input (exit 2) */
    MC_ERR_UNSUPPORTED = -3, /* valid input we do not handle (exit 2) */
    MC_ERR_LIMITS = -4,      /* dimensions / size beyond limits (exit 2) */
    MC_ERR_NOMEM = -5,       /* allocation failed (exit 4) */
    MC_ERR_AUTH = -6,        /* wrong key or tampered data (exit 3) */
    MC_ERR_IO = -7,          /* read / write failure (exit 4) */
    MC_ERR_CRYPTO = -8,      /* crypto library failure (exit 4) */
    MC_ERR_INTERNAL = -9     /* bug (exit 4) */
} mc_status;

/* Static description of a status code. */
MC_API const char *mc_strerror(int status);

/* CLI exit status for a library status: 0 ok, 1 usage, 2 bad or unsupported
 * input, 3 authentication failed, 4 I/O or other error. */
MC_API int mc_exit_code(int status);

/* Optional error detail: a one-line message.  Never contains secrets. */
typedef struct mc_err {
    int status;
    char msg[256];
} mc_err;

/* Set *err (if not NULL) and return status. */
MC_API int mc_err_set(mc_err *err, int status, const char *fmt, ...) MC_PRINTF(3, 4);

/* ------------------------------------------------------------ image model */

typedef enum mc_format {
    MC_FMT_UNKNOWN = 0,
    MC_FMT_PNG,
    MC_FMT_PNM,   /* PGM (P5) / PPM (P6) */
    MC_FMT_DICOM,
    MC_FMT_NIFTI  /* .nii or .nii.gz */
} mc_format;

MC_API const char *mc_format_name(mc_format fmt);
/* Format from a path's extension (.png .pgm .ppm .pnm .dcm .dicom .nii .nii.gz). */
MC_API mc_format mc_format_from_path(const char *path);

typedef enum mc_profile {
    MC_PROFILE_HARDENED = 0, /* default: nonce + MAC + exact */
    MC_PROFILE_PAPER = 1     /* faithful reproduction of the paper */
} mc_profile;
MC_API const char *mc_profile_name(mc_profile p);
MC_API int mc_profile_parse(const char *s, mc_profile *out);

/* Scheme metadata carried in the output file (PNG iTXt, DICOM private block,
 * NIfTI extension, PNM comment).  Serialised as one line of text:
 *   medcrypt=1;scheme=aead;profile=hardened;nonce=<hex>;...;mac=<hex>
 * Keys are [a-z0-9_.-]{1,31}, values printable ASCII without ';' and '='.
 * Order is preserved; the serialisation is canonical and is what the MAC
 * covers (minus the mac entry itself). */
#define MC_META_MAX_ENTRIES 48
#define MC_META_KEY_MAX 32
#define MC_META_VAL_MAX 1024
#define MC_META_TEXT_MAX (MC_META_MAX_ENTRIES * (MC_META_KEY_MAX + MC_META_VAL_MAX + 2))

typedef struct mc_meta_entry {
    char key[MC_META_KEY_MAX];
    char val[MC_META_VAL_MAX];
} mc_meta_entry;

typedef struct mc_meta {
    size_t n;
    mc_meta_entry e[MC_META_MAX_ENTRIES];
} mc_meta;

MC_API void mc_meta_clear(mc_meta *m);
/* Set (replace or append) a key. */
MC_API int mc_meta_set(mc_meta *m, const char *key, const char *val);
MC_API int mc_meta_set_hex(mc_meta *m, const char *key, const uint8_t *buf, size_t len);
MC_API int mc_meta_set_u64(mc_meta *m, const char *key, uint64_t v);
/* NULL if absent. */
MC_API const char *mc_meta_get(const mc_meta *m, const char *key);
/* Exactly len bytes of hex; MC_ERR_FORMAT otherwise. */
MC_API int mc_meta_get_hex(const mc_meta *m, const char *key, uint8_t *buf, size_t len);
MC_API int mc_meta_get_u64(const mc_meta *m, const char *key, uint64_t *v);
MC_API int mc_meta_remove(mc_meta *m, const char *key);
/* Serialise into buf (NUL-terminated); skip_key (may be NULL) is left out. */
MC_API int mc_meta_serialize(const mc_meta *m, const char *skip_key, char *buf, size_t cap, size_t *len);
/* Parse untrusted text (len bytes, need not be NUL-terminated). */
MC_API int mc_meta_parse(mc_meta *m, const char *text, size_t len, mc_err *err);

/* Limits checked by every reader before any pixel allocation. */
typedef struct mc_limits {
    uint32_t max_width;  /* default 65535 */
    uint32_t max_height; /* default 65535 */
    uint32_t max_depth;  /* slices / frames, default 65535 */
    uint64_t max_bytes;  /* pixel bytes, default 4 GiB */
} mc_limits;
MC_API void mc_limits_default(mc_limits *l);

/*
 * An image: width x height x depth samples of `channels` interleaved samples
 * (RGB, planar configuration 0), row-major, slice after slice.  8-bit samples
 * are uint8_t; 16-bit samples are stored host-endian in uint16_t (signed ones
 * hold the int16_t two's-complement bit pattern).
 */
typedef struct mc_image {
    uint32_t width, height, depth; /* depth = 1 for 2D */
    uint8_t channels;              /* 1 or 3 */
    uint8_t bits;                  /* 8 or 16 (bits allocated) */
    uint8_t is_signed;             /* 1: two's complement (CT Hounsfield units) */
    uint8_t bits_stored;           /* significant bits (DICOM Bits Stored), <= bits */
    double spacing[3];             /* mm (x, y, z); 0 if unknown */
    void *pixels;
    size_t nbytes;                 /* width*height*depth*channels*(bits/8) */

    mc_format format;              /* format it was read from */
    /* Source header carried through untouched (DcmFileFormat, nifti_image,
     * PNG ancillary chunks...).  Owned by the image; freed by src_free. */
    void *src;
    void (*src_free)(void *src);

    int has_meta;                  /* file carried medcrypt metadata */
    mc_meta meta;
    uint8_t *aux;                  /* binary side data of the scheme (encrypted by the scheme), NULL if none */
    size_t aux_len;                /* bytes in aux; 0 if none */

    /* The restore record: what a writer needs to give the file back as it
     * came, as bytes only the reader and writer of one format interpret
     * (DICOM: the original SOP Instance, Series and Study Instance UIDs,
     * transfer syntax, photometric interpretation and the other attributes
     * medcrypt changes; docs/metadata.md).  NULL when the reader has none.
     * A `hardened` mc_encrypt stores it encrypted and authenticated in the
     * metadata (entries "restore"...) and wipes the plaintext; the `paper`
     * profile drops it.  mc_decrypt puts it back and sets restore_apply: only
     * then does a writer apply it (a file as read, restore_apply = 0, is
     * written as before: new UIDs, uncompressed).  Owned by the image. */
    uint8_t *restore;
    size_t restore_len;
    int restore_apply;
} mc_image;

/* The aux blob: binary side data a scheme stores beside the pixels (e.g. an
 * encrypted residual), too large for the one-line metadata.  Owned by the
 * image (freed by mc_image_free), stored by every writer next to the metadata
 * (PNG private chunk "mcAX", PGM/PPM "# medcrypt-aux" comment lines, DICOM
 * (0009,xx02) OB in the medcrypt private block, NIfTI extension with ecode 0
 * and the magic "medcrypt-aux-v1"; docs/metadata.md), and covered by the
 * hardened MAC.  A file may carry one only together with medcrypt metadata.
 *
 * Hard cap, from the image's pixel bytes: twice the pixel bytes plus 1 MiB,
 * and never more than MC_AUX_ABS_MAX_BYTES (64 MiB, the size of the other
 * per-file allowances: PNG ancillary cache, NIfTI extension area).  Every
 * reader checks a declared size against it before allocating (MC_ERR_LIMITS);
 * mc_image_set_aux and the writers refuse more.  The argument is evaluated
 * twice. */
#define MC_AUX_ABS_MAX_BYTES ((uint64_t)64 << 20)
#define MC_AUX_MAX_BYTES(pixel_bytes)                                                          \
    ((uint64_t)(pixel_bytes) < (MC_AUX_ABS_MAX_BYTES - ((uint64_t)1 << 20)) / 2                \
         ? 2 * (uint64_t)(pixel_bytes) + ((uint64_t)1 << 20)                                   \
         : MC_AUX_ABS_MAX_BYTES)

/* Checked size computation; MC_ERR_LIMITS on overflow or over limits. */
MC_API int mc_image_size(uint32_t w, uint32_t h, uint32_t d, unsigned channels, unsigned bits,
                  const mc_limits *lim, size_t *out);
/* Allocate an image with zeroed pixels (lim may be NULL for defaults). */
MC_API int mc_image_new(mc_image **out, uint32_t w, uint32_t h, uint32_t d, unsigned channels,
                 unsigned bits, int is_signed, const mc_limits *lim, mc_err *err) MC_WUR;
MC_API void mc_image_free(mc_image *img);
/* Replace img's aux blob with a copy of buf[0..len) (len 0 / buf NULL: remove).
 * MC_ERR_LIMITS beyond MC_AUX_MAX_BYTES(img->nbytes), MC_ERR_ARG for a NULL
 * buf with len > 0; img is unchanged on error.  buf may point into img->aux. */
MC_API int mc_image_set_aux(mc_image *img, const uint8_t *buf, size_t len, mc_err *err) MC_WUR;
/* Number of samples (w*h*d*channels). */
MC_API size_t mc_image_samples(const mc_image *img);

/* ---------------------------------------------------------------- formats */

/* Read a file ("-" = standard input).  Format from magic bytes, else from the
 * extension.  lim may be NULL (defaults).  A file larger than
 * 2 x lim->max_bytes + 256 MiB is MC_ERR_LIMITS before it is read. */
MC_API int mc_image_read(const char *path, const mc_limits *lim, mc_image **out, mc_err *err) MC_WUR;
/* Write img to path in format fmt (MC_FMT_UNKNOWN: from the path's extension,
 * else img->format).  Writes directly to `path` (callers wanting atomicity
 * write to a temporary name and rename).  The source header is kept when fmt
 * equals img->format.  img->meta is stored when img->has_meta. */
MC_API int mc_image_write(const mc_image *img, const char *path, mc_format fmt, mc_err *err) MC_WUR;

/* The same from and to memory (a server, a Python caller, the CLI's "-"):
 * nothing touches the file system.  PNG, PGM/PPM and DICOM are parsed and
 * written in memory (the path functions above read the file into memory
 * first, at most 2 x lim->max_bytes + 256 MiB, and write a buffer out);
 * NIfTI goes through an anonymous memory file (memfd), and
 * mc_image_write_mem writes it uncompressed (.nii).  mc_image_read_mem: the
 * format from the magic bytes, else from name_hint's extension (may be NULL).
 * mc_image_write_mem: img in format fmt (MC_FMT_UNKNOWN: img->format) into a
 * new buffer *out of *out_len bytes, released with mc_buffer_free. */
MC_API int mc_image_read_mem(const void *buf, size_t len, const char *name_hint, const mc_limits *lim,
                             mc_image **out, mc_err *err) MC_WUR;
MC_API int mc_image_write_mem(const mc_image *img, mc_format fmt, uint8_t **out, size_t *out_len,
                              mc_err *err) MC_WUR;
/* Wipe len bytes of buf (it may hold plaintext pixels), then free it. */
MC_API void mc_buffer_free(uint8_t *buf, size_t len);

/* Modified Shepp-Logan head phantom, size x size x slices.  bits 16: signed
 * CT-like Hounsfield values (-1000 air ... ~+1000 bone); bits 8: unsigned
 * 0..255.  slices > 1 gives a 3D head (ellipsoids). */
MC_API int mc_phantom(mc_image **out, uint32_t size, uint32_t slices, unsigned bits, mc_err *err) MC_WUR;

/* ------------------------------------------------------------------- keys */

#define MC_KEY_BYTES 32
#define MC_NONCE_BYTES 24
#define MC_MAC_BYTES 16
#define MC_SALT_BYTES 16

/* A key lives in guarded (sodium_malloc'ed, mlock'ed, no-dump) memory and is
 * wiped by mc_key_free.  It holds either a 256-bit master key or a passphrase
 * (from which a master key is derived per image with Argon2id and a random
 * salt stored in the image's metadata). */
typedef struct mc_key mc_key;

/* Argon2id cost (crypto_pwhash).  Defaults: ops 3, mem 64 MiB. */
#define MC_PWHASH_OPS_DEFAULT 3ULL
#define MC_PWHASH_MEM_DEFAULT (64ULL << 20)
/* Upper bounds on the cost: 4x the defaults (ops 12, 256 MiB).  A cost read
 * from a file (image metadata, a wrapped key file) beyond them is refused
 * (MC_ERR_FORMAT) before any work, so a hostile file costs at most 4x an
 * honest one per attempt; a key given a higher cost with
 * mc_key_set_pwhash_cost cannot encrypt (MC_ERR_ARG). */
#define MC_PWHASH_OPS_MAX (4 * MC_PWHASH_OPS_DEFAULT)
#define MC_PWHASH_MEM_MAX (4 * MC_PWHASH_MEM_DEFAULT)

MC_API int mc_init(void) MC_WUR; /* sodium_init; safe to call many times */

MC_API int mc_key_generate(mc_key **out, mc_err *err) MC_WUR;
MC_API int mc_key_from_bytes(mc_key **out, const uint8_t key[MC_KEY_BYTES], mc_err *err) MC_WUR;
/* Takes a copy of the passphrase (len bytes). */
MC_API int mc_key_from_passphrase(mc_key **out, const char *pass, size_t len, mc_err *err) MC_WUR;
MC_API void mc_key_free(mc_key *k);
MC_API int mc_key_is_passphrase(const mc_key *k);
/* Argon2id cost used when this key derives for a new image. */
MC_API void mc_key_set_pwhash_cost(mc_key *k, uint64_t ops, uint64_t mem);

/* Key files.  Format (text, one line):
 *   "medcrypt-key-v1 raw <64 hex>\n"
 *   "medcrypt-key-v1 argon2id <ops> <mem> <salt hex> <nonce hex> <ct+tag hex>\n"
 * The second wraps the key with XChaCha20-Poly1305 under an Argon2id key. */
MC_API int mc_keyfile_write(const mc_key *k, const char *path, const char *pass, size_t passlen,
                     mc_err *err) MC_WUR; /* pass NULL: raw; created O_EXCL, mode 0600 */
/* pass_cb is called only for a wrapped key file; it fills buf and returns the
 * length or a negative status. */
typedef int (*mc_pass_cb)(void *ud, char *buf, size_t cap);
MC_API int mc_keyfile_read(const char *path, mc_pass_cb pass_cb, void *ud, mc_key **out,
                    int *insecure_mode, mc_err *err) MC_WUR;

/* Master key for an image: for a raw key, a copy; for a passphrase, Argon2id
 * with salt/ops/mem from meta (decrypt) or freshly generated into meta
 * (encrypt: create = 1).  out must be MC_KEY_BYTES of guarded memory. */
MC_API int mc_key_master(const mc_key *k, mc_meta *meta, int create, uint8_t out[MC_KEY_BYTES],
                  mc_err *err) MC_WUR;

/* Sub-key: BLAKE2b-256 keyed with the master key over
 * "medcrypt/v1/subkey/" || purpose. */
MC_API int mc_subkey(const uint8_t master[MC_KEY_BYTES], const char *purpose, uint8_t out[MC_KEY_BYTES]);

/* ---------------------------------------------------------------- schemes */

typedef struct mc_param_def {
    const char *name;
    const char *default_value;
    const char *help;
} mc_param_def;

/*
 * Options of one mc_encrypt / mc_decrypt call; NULL means all defaults
 * (authenticated decryption only, built-in models, derived key images).
 *
 * Secret or large inputs a scheme needs beyond the key come from the caller
 * here, never from a path named inside a file: the file records only their
 * identifier (a hash), checked on decryption (a missing one: MC_ERR_FORMAT
 * naming what is missing; a different one: MC_ERR_AUTH).
 */
typedef struct mc_opts {
    unsigned flags;              /* MC_DECRYPT_* */
    const mc_image *key_image;   /* key image (zigzag: --key-image FILE); NULL: none */
    const uint8_t *model;        /* a model file's bytes for a neural scheme; NULL: built-in */
    size_t model_len;
    /* The key that opens `model` when the model file is encrypted (a secret
     * model: edg-net's weights are its key); NULL: the key of the call. */
    const mc_key *model_key;
} mc_opts;

/* DANGEROUS: let mc_decrypt accept a `paper`-profile file, which carries no
 * MAC: a wrong key or a modified file then yields garbage pixels and MC_OK.
 * Without this flag mc_decrypt refuses such a file with MC_ERR_AUTH before
 * touching it.  Files that claim `hardened` are authenticated either way.
 * Use it to study the papers' constructions, never for data you trust. */
#define MC_DECRYPT_UNAUTHENTICATED 1u

/* What a scheme's encrypt/decrypt receives. */
typedef struct mc_scheme_ctx {
    const uint8_t *key;       /* 32-byte sub-key for this scheme */
    const uint8_t *nonce;     /* MC_NONCE_BYTES; NULL in the paper profile */
    mc_profile profile;
    mc_meta *meta;            /* params are here as "p.NAME"; schemes may add
                                 their own entries on encrypt (e.g. "tag") */
    const mc_opts *opts;      /* the caller's options; NULL: the defaults */
} mc_scheme_ctx;

#define MC_BITS_8 1u
#define MC_BITS_16 2u
#define MC_PROFILES_PAPER 1u
#define MC_PROFILES_HARDENED 2u
/* The scheme's own decrypt authenticates the geometry, every metadata entry
 * (but "mac" and its own tag), the pixels and the aux blob when there is one
 * before it changes any pixel, so the framework does not add its MAC on top
 * (aead: Poly1305). */
#define MC_SCHEME_SELF_AUTH 1u
/* The paper's scheme is lossy by design (latin: random LSB plane), so the
 * `paper` profile does not round-trip bit-exactly; `hardened` always does. */
#define MC_SCHEME_PAPER_LOSSY 2u

typedef struct mc_scheme {
    const char *name;
    const char *title;
    const char *paper;        /* reference */
    unsigned bits;            /* MC_BITS_8 | MC_BITS_16 */
    unsigned profiles;        /* MC_PROFILES_* */
    const mc_param_def *params;
    size_t nparams;
    /* In place on img->pixels; must not change the image's geometry. */
    int (*encrypt)(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err);
    int (*decrypt)(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err);
    unsigned flags;           /* MC_SCHEME_* */
} mc_scheme;

MC_API size_t mc_scheme_count(void);
MC_API const mc_scheme *mc_scheme_at(size_t i);
MC_API const mc_scheme *mc_scheme_find(const char *name);
/* Parameter value (meta "p.NAME", else the scheme's default). */
MC_API const char *mc_scheme_param(const mc_scheme_ctx *ctx, const mc_scheme *s, const char *name);

/* Encrypt img in place with scheme `name`.  params: "k=v" strings (nparams of
 * them), validated against the scheme.  Sets img->meta (scheme, profile,
 * params, nonce, salt, restore, mac) and img->has_meta.  Any aux blob present
 * on entry is dropped; the scheme may set a new one (mc_image_set_aux).  The
 * restore record is sealed into the metadata (hardened) or dropped (paper);
 * on success img->restore is NULL. */
MC_API int mc_encrypt(mc_image *img, const char *scheme, mc_profile profile, const char *const *params,
               size_t nparams, const mc_key *key, const mc_opts *opts, mc_err *err) MC_WUR;
/* Decrypt img in place using img->meta (and img->aux, for a scheme that uses
 * one).  Authenticated or nothing: in the hardened profile the MAC is checked
 * before any pixel is touched: MC_ERR_AUTH on a wrong key or any tampered
 * pixel, metadata or aux byte, or an aux blob removed or added.  A
 * `paper`-profile file (no MAC) is refused with MC_ERR_AUTH unless opts->flags
 * has MC_DECRYPT_UNAUTHENTICATED.  Clears img->has_meta and the aux blob on
 * success; img is unchanged on failure before the scheme ran.  On success
 * img->restore is the original's restore record (restore_apply = 1) when
 * the file sealed one, else NULL (the reader's record, which describes the
 * encrypted file, is dropped). */
MC_API int mc_decrypt(mc_image *img, const mc_key *key, const mc_opts *opts, mc_err *err) MC_WUR;

/* The MAC of the hardened profile: Poly1305 under a one-time key
 * BLAKE2b-256(key = sub-key "mac", "medcrypt-mac-v2" || nonce) over
 * "medcrypt-mac-v2", the geometry (w, h, d, channels, bits, signed) and the
 * metadata length as LE u32, the metadata serialisation without "mac", the
 * pixels (16-bit samples little-endian) and, only when img->aux_len > 0,
 * LE u64 aux_len || aux (the pixel length is fixed by the geometry, so this
 * is unambiguous, and a file without aux has the same MAC input as before
 * the aux blob existed).  MC_ERR_AUTH without a nonce. */
MC_API int mc_image_mac(const mc_image *img, const uint8_t master[MC_KEY_BYTES], uint8_t out[MC_MAC_BYTES]);

/* ------------------------------------------------------------ key images */

/* mc_key_image flag: in `hardened`, the generator's output before the keyed
 * whitening stream (what the cipher would rest on without it). */
#define MC_KEY_IMAGE_RAW 1u

/* The key image of a key-image scheme (deep-kedi): the width x height samples
 * of `bits` bits (8 or 16) that its cipher XORs with a zigzag-ordered slice,
 * as a new one-channel image, so anyone can measure it (medcrypt keyimage).
 * profile paper: the ZZ-GAN output for the key alone, the same for every
 * image of that size; hardened: for `nonce` (MC_NONCE_BYTES, required; an
 * encrypted file's is its metadata's "nonce"), whitened by the keyed stream
 * of slice 0 unless flags has MC_KEY_IMAGE_RAW.  meta: an encrypted file's
 * metadata, needed for a passphrase key (its salt and Argon2id cost), may be
 * NULL for a key file; when it records a model_id, the model must match
 * (MC_ERR_AUTH).  opts->model: the generator's model file (NULL: built-in).
 * MC_ERR_ARG for a scheme without a key image. */
MC_API int mc_key_image(const char *scheme, mc_profile profile, uint32_t width, uint32_t height, unsigned bits,
                        const uint8_t *nonce, const mc_meta *meta, const mc_key *key, unsigned flags,
                        const mc_opts *opts, mc_image **out, mc_err *err) MC_WUR;

#ifdef __cplusplus
}
#endif
#endif /* MEDCRYPT_H */
