/* fuzz.h - shared by the fuzz targets of tests/fuzz (docs/fuzzing.md).
 *
 * Every target is one file defining LLVMFuzzerTestOneInput.  It is linked
 * either with libFuzzer (clang -fsanitize=fuzzer: `make fuzz`, build-fuzz/)
 * or with regression.c, a plain main() that feeds it every file of its
 * corpus and crasher folders (every build: ctest fuzz.NAME).
 *
 * A target calls abort() (FUZZ_CHECK) when a property the library promises
 * fails, so libFuzzer records the input as a crash like any memory error. */
#ifndef MC_FUZZ_H
#define MC_FUZZ_H
#define _GNU_SOURCE 1
#include "core/internal.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, what)                                                               \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "fuzz property violated: %s (%s:%d)\n", what, __FILE__, __LINE__); \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

/* The key of the decrypt corpus (tests/fuzz/corpus/decrypt was encrypted
 * with it by mc_make_fuzz_corpus): byte i = 0xf0 ^ i. */
static inline void fuzz_key_bytes(uint8_t k[MC_KEY_BYTES]) {
    for (int i = 0; i < MC_KEY_BYTES; i++) k[i] = (uint8_t)(0xf0 ^ i);
}

/* Small limits keep every execution fast and every allocation small; the
 * limits themselves are what the readers must honour before allocating. */
static inline mc_limits fuzz_limits(uint64_t max_bytes) {
    mc_limits l;
    mc_limits_default(&l);
    l.max_width = l.max_height = 4096;
    l.max_depth = 64;
    l.max_bytes = max_bytes;
    return l;
}

/* An independent copy of what mc_decrypt reads: geometry, pixels, metadata,
 * aux blob (not the carried source header).  NULL when out of memory. */
static inline mc_image *fuzz_clone(const mc_image *img) {
    mc_image *c = NULL;
    if (mc_image_new(&c, img->width, img->height, img->depth, img->channels, img->bits, img->is_signed, NULL, NULL))
        return NULL;
    memcpy(c->pixels, img->pixels, img->nbytes);
    memcpy(c->spacing, img->spacing, sizeof c->spacing);
    c->bits_stored = img->bits_stored;
    c->format = img->format;
    c->has_meta = img->has_meta;
    c->meta = img->meta;
    if (img->aux_len && mc_image_set_aux(c, img->aux, img->aux_len, NULL)) {
        mc_image_free(c);
        return NULL;
    }
    return c;
}

static inline int fuzz_meta_equal(const mc_meta *a, const mc_meta *b) {
    if (a->n != b->n) return 0;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->e[i].key, b->e[i].key) || strcmp(a->e[i].val, b->e[i].val)) return 0;
    return 1;
}

/* The reader targets (png, pnm, dicom, nifti): read the bytes from memory
 * (the format sniffed from the content, else from `hint`'s extension); a
 * file that reads must write back in its own format and read back as the
 * same image (geometry, samples, metadata, aux blob): every file medcrypt
 * accepts, it can also store. */
static inline int fuzz_read_image(const uint8_t *data, size_t size, const char *hint) {
    static int init;
    if (!init) init = mc_init() == 0;
    mc_limits lim = fuzz_limits(1 << 20);
    mc_image *img = NULL, *back = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    if (mc_image_read_mem(data, size, hint, &lim, &img, NULL)) return 0;
    FUZZ_CHECK(img->nbytes == mc_image_samples(img) * (img->bits / 8u), "pixel bytes match the geometry");
    FUZZ_CHECK(!img->aux_len || img->has_meta, "an aux blob only with metadata");
    int rc = mc_image_write_mem(img, img->format, &buf, &len, NULL);
    if (rc == MC_OK) {
        int rrc = mc_image_read_mem(buf, len, hint, &lim, &back, NULL);
        FUZZ_CHECK(rrc == MC_OK, "what was written reads back");
        FUZZ_CHECK(back->width == img->width && back->height == img->height && back->depth == img->depth &&
                       back->channels == img->channels && back->bits == img->bits &&
                       back->is_signed == img->is_signed,
                   "geometry survives a write and a read");
        FUZZ_CHECK(!memcmp(back->pixels, img->pixels, img->nbytes), "samples survive a write and a read");
        FUZZ_CHECK(back->has_meta == img->has_meta && (!img->has_meta || fuzz_meta_equal(&back->meta, &img->meta)),
                   "metadata survives a write and a read");
        FUZZ_CHECK(back->aux_len == img->aux_len && (!img->aux_len || !memcmp(back->aux, img->aux, img->aux_len)),
                   "the aux blob survives a write and a read");
    }
    mc_buffer_free(buf, len);
    mc_image_free(back);
    mc_image_free(img);
    return 0;
}

#endif
