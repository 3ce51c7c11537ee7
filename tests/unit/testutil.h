/* testutil.h - helpers for the cmocka unit tests. */
#ifndef MC_TESTUTIL_H
#define MC_TESTUTIL_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "medcrypt.h"

/* Options for mc_decrypt in tests that decrypt both profiles: paper-profile
 * ciphers are accepted (the explicit, dangerous choice of medcrypt.h). */
#define MC_TEST_OPTS (&(const mc_opts){.flags = MC_DECRYPT_UNAUTHENTICATED})

/* Path of a sample under $MEDCRYPT_SAMPLES (static buffer per call slot), or
 * NULL if the file is missing.  Tests needing it call mc_test_need(). */
const char *mc_test_sample(const char *rel);
/* Prints "SKIP: <why>" to stderr and calls cmocka's skip(). */
#define mc_test_need(path, rel)                                                                \
    do {                                                                                       \
        if (!(path)) {                                                                         \
            fprintf(stderr, "SKIP: sample %s missing (run scripts/fetch-samples.sh)\n", rel); \
            skip();                                                                            \
        }                                                                                      \
    } while (0)
/* A fresh temporary directory (removed by mc_test_tmpdir_cleanup). */
const char *mc_test_tmpdir(void);
void mc_test_tmpdir_cleanup(void);
/* tmpdir/name in a static buffer (rotating 8 slots). */
const char *mc_test_path(const char *name);
/* Read a whole file; returns malloc'ed buffer. */
uint8_t *mc_test_slurp(const char *path, size_t *len);
int mc_test_spit(const char *path, const void *buf, size_t len);
/* An mc_pass_cb giving the NUL-terminated passphrase ud. */
int mc_test_pass_cb(void *ud, char *buf, size_t cap);
/* Deterministic xorshift generator (same sequence every run). */
uint32_t mc_test_rand(void);
/* An image (depth 1) filled with mc_test_rand() bytes; asserts on failure. */
mc_image *mc_test_random_image(uint32_t w, uint32_t h, unsigned channels, unsigned bits, int is_signed);
/* A new image with img's geometry, pixels and bits_stored (no metadata). */
mc_image *mc_test_clone(const mc_image *img);
/* Same size and bytes of pixels. */
int mc_test_same_pixels(const mc_image *a, const mc_image *b);
/* PSNR (dB) of b against a over the code range (8 or 16 bits), by sample
 * value (signed 16-bit as signed); INFINITY when they are equal. */
double mc_test_psnr(const mc_image *a, const mc_image *b);
#endif
