"""_ffi.py - the C declarations the binding uses and the loading of
libmedcrypt (and, on first use, libmedcrypt_lab) with cffi in ABI mode: no
compiler is needed at import time.

The declarations below restate part of include/medcrypt.h and
include/medcrypt_lab.h; tests/python/test_cdef.py compiles a C program
against the real headers and checks every struct size and field offset
declared here, so a change of the headers that this file misses fails a
test instead of corrupting memory.

Where the libraries are looked for, first match wins:
  1. $MEDCRYPT_LIBDIR (a directory holding libmedcrypt.so.0);
  2. $MEDCRYPT_BUILD (a CMake build directory; set by ctest);
  3. the directory recorded at `make install` (medcrypt/_install.py);
  4. ../../build beside this package in a source tree (PYTHONPATH=python);
  5. the dynamic loader's default search (ldconfig, LD_LIBRARY_PATH).
"""
import os

import cffi

CDEF = r"""
#define MC_KEY_BYTES 32
#define MC_DECRYPT_UNAUTHENTICATED 1
#define MC_BITS_8 1
#define MC_BITS_16 2
#define MC_PROFILES_PAPER 1
#define MC_PROFILES_HARDENED 2
#define MC_SCHEME_SELF_AUTH 1
#define MC_SCHEME_PAPER_LOSSY 2
#define MC_META_MAX_ENTRIES 48
#define MC_META_KEY_MAX 32
#define MC_META_VAL_MAX 1024

const char *mc_version_string(void);
int mc_version_number(void);

typedef enum mc_status {
    MC_OK = 0, MC_ERR_ARG = -1, MC_ERR_FORMAT = -2, MC_ERR_UNSUPPORTED = -3, MC_ERR_LIMITS = -4,
    MC_ERR_NOMEM = -5, MC_ERR_AUTH = -6, MC_ERR_IO = -7, MC_ERR_CRYPTO = -8, MC_ERR_INTERNAL = -9
} mc_status;
const char *mc_strerror(int status);
int mc_exit_code(int status);
typedef struct mc_err { int status; char msg[256]; } mc_err;

typedef enum mc_format { MC_FMT_UNKNOWN = 0, MC_FMT_PNG, MC_FMT_PNM, MC_FMT_DICOM, MC_FMT_NIFTI } mc_format;
const char *mc_format_name(mc_format fmt);
mc_format mc_format_from_path(const char *path);

typedef enum mc_profile { MC_PROFILE_HARDENED = 0, MC_PROFILE_PAPER = 1 } mc_profile;
const char *mc_profile_name(mc_profile p);
int mc_profile_parse(const char *s, mc_profile *out);

typedef struct mc_meta_entry { char key[MC_META_KEY_MAX]; char val[MC_META_VAL_MAX]; } mc_meta_entry;
typedef struct mc_meta { size_t n; mc_meta_entry e[MC_META_MAX_ENTRIES]; } mc_meta;
const char *mc_meta_get(const mc_meta *m, const char *key);

typedef struct mc_limits { uint32_t max_width; uint32_t max_height; uint32_t max_depth; uint64_t max_bytes; } mc_limits;
void mc_limits_default(mc_limits *l);

typedef struct mc_image {
    uint32_t width, height, depth;
    uint8_t channels;
    uint8_t bits;
    uint8_t is_signed;
    uint8_t bits_stored;
    double spacing[3];
    void *pixels;
    size_t nbytes;
    mc_format format;
    void *src;
    void (*src_free)(void *src);
    int has_meta;
    mc_meta meta;
    uint8_t *aux;
    size_t aux_len;
    uint8_t *restore;
    size_t restore_len;
    int restore_apply;
} mc_image;

int mc_image_new(mc_image **out, uint32_t w, uint32_t h, uint32_t d, unsigned channels, unsigned bits,
                 int is_signed, const mc_limits *lim, mc_err *err);
void mc_image_free(mc_image *img);
size_t mc_image_samples(const mc_image *img);
int mc_image_read(const char *path, const mc_limits *lim, mc_image **out, mc_err *err);
int mc_image_write(const mc_image *img, const char *path, mc_format fmt, mc_err *err);
int mc_image_read_mem(const void *buf, size_t len, const char *name_hint, const mc_limits *lim,
                      mc_image **out, mc_err *err);
int mc_image_write_mem(const mc_image *img, mc_format fmt, uint8_t **out, size_t *out_len, mc_err *err);
void mc_buffer_free(uint8_t *buf, size_t len);
int mc_phantom(mc_image **out, uint32_t size, uint32_t slices, unsigned bits, mc_err *err);

typedef struct mc_key mc_key;
int mc_init(void);
int mc_key_generate(mc_key **out, mc_err *err);
int mc_key_from_bytes(mc_key **out, const uint8_t key[32], mc_err *err);
int mc_key_from_passphrase(mc_key **out, const char *pass, size_t len, mc_err *err);
void mc_key_free(mc_key *k);
int mc_key_is_passphrase(const mc_key *k);
void mc_key_set_pwhash_cost(mc_key *k, uint64_t ops, uint64_t mem);
int mc_keyfile_write(const mc_key *k, const char *path, const char *pass, size_t passlen, mc_err *err);
typedef int (*mc_pass_cb)(void *ud, char *buf, size_t cap);
int mc_keyfile_read(const char *path, mc_pass_cb pass_cb, void *ud, mc_key **out, int *insecure_mode, mc_err *err);

typedef struct mc_param_def { const char *name; const char *default_value; const char *help; } mc_param_def;
typedef struct mc_opts {
    unsigned flags;
    const mc_image *key_image;
    const uint8_t *model;
    size_t model_len;
    const mc_key *model_key;
} mc_opts;
typedef struct mc_scheme {
    const char *name;
    const char *title;
    const char *paper;
    unsigned bits;
    unsigned profiles;
    const mc_param_def *params;
    size_t nparams;
    void *encrypt;
    void *decrypt;
    unsigned flags;
} mc_scheme;
size_t mc_scheme_count(void);
const mc_scheme *mc_scheme_at(size_t i);
const mc_scheme *mc_scheme_find(const char *name);
int mc_encrypt(mc_image *img, const char *scheme, mc_profile profile, const char *const *params,
               size_t nparams, const mc_key *key, const mc_opts *opts, mc_err *err);
int mc_decrypt(mc_image *img, const mc_key *key, const mc_opts *opts, mc_err *err);
"""

LAB_CDEF = r"""
#define MC_ALL -1
#define MC_NALPHA 3
#define MC_CORR_PAIRS_DEFAULT 5000
typedef struct mc_local_entropy { double mean; unsigned k; int pass[3]; } mc_local_entropy;
typedef struct mc_chi2 { double stat, p; unsigned dof; double crit[3]; } mc_chi2;
typedef struct mc_npcr {
    double npcr, uaci;
    uint64_t n;
    double npcr_crit[3], uaci_lo[3], uaci_hi[3];
    int npcr_pass[3], uaci_pass[3];
} mc_npcr;
typedef struct mc_stats {
    double entropy, entropy_high;
    mc_local_entropy le;
    mc_chi2 chi2;
    double corr[4], corr_sampled[4];
} mc_stats;
typedef struct mc_pair_stats {
    double mse, psnr, ssim;
    mc_npcr d;
    unsigned thumb_block;
    double thumb_psnr, thumb_ssim;
} mc_pair_stats;
int mc_stats_compute(const mc_image *img, int channel, int slice, size_t pairs, uint64_t seed, mc_stats *out,
                     mc_err *err);
int mc_pair_stats_compute(const mc_image *a, const mc_image *b, int channel, int slice, unsigned thumb_block,
                          mc_pair_stats *out, mc_err *err);
int mc_png_size(const mc_image *img, uint64_t *bytes, mc_err *err);
"""

# The structs tests/python/test_cdef.py checks against the headers (name:
# fields); keep in step with the declarations above.
CHECKED_STRUCTS = {
    "mc_err": ["status", "msg"],
    "mc_meta_entry": ["key", "val"],
    "mc_meta": ["n", "e"],
    "mc_limits": ["max_width", "max_height", "max_depth", "max_bytes"],
    "mc_image": ["width", "height", "depth", "channels", "bits", "is_signed", "bits_stored", "spacing", "pixels",
                 "nbytes", "format", "src", "src_free", "has_meta", "meta", "aux", "aux_len", "restore", "restore_len",
                 "restore_apply"],
    "mc_param_def": ["name", "default_value", "help"],
    "mc_opts": ["flags", "key_image", "model", "model_len", "model_key"],
    "mc_scheme": ["name", "title", "paper", "bits", "profiles", "params", "nparams", "encrypt", "decrypt", "flags"],
}
CHECKED_LAB_STRUCTS = {
    "mc_local_entropy": ["mean", "k", "pass"],
    "mc_chi2": ["stat", "p", "dof", "crit"],
    "mc_npcr": ["npcr", "uaci", "n", "npcr_crit", "uaci_lo", "uaci_hi", "npcr_pass", "uaci_pass"],
    "mc_stats": ["entropy", "entropy_high", "le", "chi2", "corr", "corr_sampled"],
    "mc_pair_stats": ["mse", "psnr", "ssim", "d", "thumb_block", "thumb_psnr", "thumb_ssim"],
}

ffi = cffi.FFI()
ffi.cdef(CDEF)
lab_ffi = cffi.FFI()
lab_ffi.include(ffi)
lab_ffi.cdef(LAB_CDEF)

_HERE = os.path.dirname(os.path.abspath(__file__))


def _candidates(soname):
    dirs = []
    if os.environ.get("MEDCRYPT_LIBDIR"):
        dirs.append(os.environ["MEDCRYPT_LIBDIR"])
    if os.environ.get("MEDCRYPT_BUILD"):
        dirs.append(os.environ["MEDCRYPT_BUILD"])
    try:
        from . import _install  # written by `make install`
        dirs.append(os.path.normpath(os.path.join(_HERE, _install.LIBDIR)))
    except ImportError:
        pass
    dirs.append(os.path.normpath(os.path.join(_HERE, "..", "..", "build")))
    paths = [os.path.abspath(os.path.join(d, soname)) for d in dirs]
    return [p for p in paths if os.path.exists(p)] + [soname]


def _open(f, soname):
    errors = []
    for p in _candidates(soname):
        try:
            return f.dlopen(p), p
        except OSError as e:
            errors.append("%s: %s" % (p, e))
    raise ImportError("medcrypt: cannot load %s (%s); build the project (make) or set MEDCRYPT_LIBDIR"
                      % (soname, "; ".join(errors)))


lib, LIBRARY_PATH = _open(ffi, "libmedcrypt.so.0")
if lib.mc_init() != 0:
    raise ImportError("medcrypt: mc_init failed (libsodium could not initialise)")

_lab = None


def lab():
    """libmedcrypt_lab (metrics), loaded on first use: it brings cairo and
    OpenBLAS, which encrypting never needs."""
    global _lab
    if _lab is None:
        beside = os.path.join(os.path.dirname(LIBRARY_PATH), "libmedcrypt_lab.so.0")
        if os.path.isabs(beside) and os.path.exists(beside):
            _lab = lab_ffi.dlopen(beside)
        else:
            _lab = _open(lab_ffi, "libmedcrypt_lab.so.0")[0]
    return _lab
