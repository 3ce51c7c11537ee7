/* test_dicom.c - DICOM reader/writer (src/io/dicom.cpp). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/internal.h"
#include "io/io.h"

/* FNV-1a over the raw sample values (8-bit bytes or 16-bit words), the same
 * as the Python snippet used to compute the expected values from pydicom's
 * pixel_array (signed samples viewed as unsigned). */
static uint64_t sample_hash(const mc_image *img) {
    uint64_t h = 1469598103934665603ull;
    size_t n = mc_image_samples(img);
    for (size_t i = 0; i < n; i++) {
        uint64_t v = img->bits == 16 ? ((const uint16_t *)img->pixels)[i] : ((const uint8_t *)img->pixels)[i];
        h ^= v;
        h *= 1099511628211ull;
    }
    return h;
}

static const uint8_t *find_bytes(const uint8_t *hay, size_t n, const void *needle, size_t m) {
    if (m == 0 || m > n) return NULL;
    for (size_t i = 0; i + m <= n; i++)
        if (!memcmp(hay + i, needle, m)) return hay + i;
    return NULL;
}

static int file_contains(const char *path, const void *needle, size_t m) {
    size_t n = 0;
    uint8_t *b = mc_test_slurp(path, &n);
    assert_non_null(b);
    int r = find_bytes(b, n, needle, m) != NULL;
    free(b);
    return r;
}

static mc_image *read_ok(const char *rel) {
    const char *p = mc_test_sample(rel);
    mc_test_need(p, rel);
    mc_image *img = NULL;
    mc_err err = {0};
    int rc = mc_dicom_read(p, NULL, &img, &err);
    if (rc) fprintf(stderr, "%s: %s\n", rel, err.msg);
    assert_int_equal(rc, MC_OK);
    assert_non_null(img);
    assert_int_equal(img->format, MC_FMT_DICOM);
    assert_non_null(img->src);
    assert_int_equal(img->nbytes, mc_image_samples(img) * (img->bits / 8));
    return img;
}

static void expect_err(const char *path, const mc_limits *lim, int status, const char *msg_part) {
    mc_image *img = (mc_image *)&img; /* must be reset to NULL */
    mc_err err = {0};
    int rc = mc_dicom_read(path, lim, &img, &err);
    if (rc != status) fprintf(stderr, "%s: rc %d (%s), expected %d\n", path, rc, err.msg, status);
    assert_int_equal(rc, status);
    assert_null(img);
    assert_int_equal(err.status, status);
    assert_true(err.msg[0] != 0);
    assert_null(strchr(err.msg, '\n'));
    if (msg_part) assert_non_null(strstr(err.msg, msg_part));
}

static void assert_same_image(const mc_image *a, const mc_image *b) {
    assert_int_equal(a->width, b->width);
    assert_int_equal(a->height, b->height);
    assert_int_equal(a->depth, b->depth);
    assert_int_equal(a->channels, b->channels);
    assert_int_equal(a->bits, b->bits);
    assert_int_equal(a->is_signed, b->is_signed);
    assert_int_equal(a->nbytes, b->nbytes);
    assert_memory_equal(a->pixels, b->pixels, a->nbytes);
}

/* ------------------------------------------------------------------ reads */

static void test_ct_small(void **state) {
    (void)state;
    mc_image *img = read_ok("dicom/CT_small.dcm");
    assert_int_equal(img->width, 128);
    assert_int_equal(img->height, 128);
    assert_int_equal(img->depth, 1);
    assert_int_equal(img->channels, 1);
    assert_int_equal(img->bits, 16);
    assert_int_equal(img->bits_stored, 16);
    assert_int_equal(img->is_signed, 1);
    assert_true(img->spacing[0] > 0.661467 && img->spacing[0] < 0.661469);
    assert_true(img->spacing[1] > 0.661467 && img->spacing[1] < 0.661469);
    assert_true(img->spacing[2] > 4.9999 && img->spacing[2] < 5.0001);
    assert_int_equal(img->has_meta, 0);
    const int16_t *p = img->pixels;
    assert_int_equal(p[0], 175);
    assert_int_equal(p[1], 180);
    assert_int_equal(p[2], 166);
    assert_int_equal(p[3], 143);
    assert_true(sample_hash(img) == 0xcb24558f9f066d6bull);
    mc_image_free(img);
}

/* The same 64x64 MR image in several encodings must decode identically. */
static void test_mr_variants(void **state) {
    (void)state;
    mc_image *ref = read_ok("dicom/MR_small.dcm");
    assert_int_equal(ref->width, 64);
    assert_int_equal(ref->height, 64);
    assert_int_equal(ref->is_signed, 1);
    assert_true(sample_hash(ref) == 0xb5893aab3e283febull);
    assert_true(ref->spacing[0] > 0.3124 && ref->spacing[0] < 0.3126);
    assert_true(ref->spacing[2] > 0.7999 && ref->spacing[2] < 0.8001);
    static const char *const variants[] = {"dicom/MR_small_RLE.dcm", "dicom/MR_small_jpeg_ls_lossless.dcm",
                                           "dicom/MR_small_bigendian.dcm", "dicom/MR_small_implicit.dcm",
                                           "dicom/MR_small_expb.dcm"};
    for (size_t i = 0; i < sizeof variants / sizeof *variants; i++) {
        mc_image *v = read_ok(variants[i]);
        assert_same_image(v, ref);
        assert_int_equal(v->bits_stored, ref->bits_stored);
        mc_image_free(v);
    }
    mc_image_free(ref);
}

/* A sample, its geometry and the hash of its decoded samples. */
typedef struct decoded_case {
    const char *rel;
    uint32_t w, h, d;
    unsigned ch, bits;
    int sgn;
    uint64_t hash;
} decoded_case;

static void check_decoded(const decoded_case *cases, size_t n) {
    for (size_t i = 0; i < n; i++) {
        mc_image *img = read_ok(cases[i].rel);
        assert_int_equal(img->width, cases[i].w);
        assert_int_equal(img->height, cases[i].h);
        assert_int_equal(img->depth, cases[i].d);
        assert_int_equal(img->channels, cases[i].ch);
        assert_int_equal(img->bits, cases[i].bits);
        assert_int_equal(img->is_signed, cases[i].sgn);
        if (sample_hash(img) != cases[i].hash) fprintf(stderr, "%s: pixel hash mismatch\n", cases[i].rel);
        assert_true(sample_hash(img) == cases[i].hash);
        mc_image_free(img);
    }
}

static void test_other_encodings(void **state) {
    (void)state;
    static const decoded_case cases[] = {
        {"dicom/ExplVR_BigEnd.dcm", 80, 60, 1, 3, 8, 0, 0xc98c0f523062ee17ull},         /* RGB planar 1, BE */
        {"dicom/SC_rgb_rle_2frame.dcm", 100, 100, 2, 3, 8, 0, 0x7ad89b21b89afdd3ull},     /* RLE, 2 frames */
        {"dicom/SC_rgb_rle_16bit_2frame.dcm", 100, 100, 2, 3, 16, 0, 0xf4962fc0187891d3ull},
        {"dicom/image_dfl.dcm", 512, 512, 1, 1, 8, 0, 0x4c1631d60df03e2full},             /* deflated */
        {"dicom/SC_rgb_small_odd.dcm", 3, 3, 1, 3, 8, 0, 0x8580d906658bc3c8ull},          /* odd length */
    };
    check_decoded(cases, sizeof cases / sizeof *cases);
    /* first RGB triple of the 2-frame RLE file is pure red */
    mc_image *img = read_ok("dicom/SC_rgb_rle_2frame.dcm");
    const uint8_t *p = img->pixels;
    assert_int_equal(p[0], 255);
    assert_int_equal(p[1], 0);
    assert_int_equal(p[2], 0);
    mc_image_free(img);
}

/* Lossy JPEG decodes (to whatever DCMTK delivers); the round trip of the
 * decoded pixels is exact. */
static void test_jpeg_decodes(void **state) {
    (void)state;
    static const char *const files[] = {"dicom/JPEG-lossy.dcm", "dicom/SC_rgb_jpeg_dcmtk.dcm",
                                        "dicom/SC_rgb_jpeg_gdcm.dcm", "dicom/JPGExtended.dcm"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        mc_image *img = read_ok(files[i]);
        const char *out = mc_test_path("jpeg_rt.dcm");
        mc_err err = {0};
        assert_int_equal(mc_dicom_write(img, out, &err), MC_OK);
        mc_image *back = NULL;
        assert_int_equal(mc_dicom_read(out, NULL, &back, &err), MC_OK);
        assert_same_image(back, img);
        mc_image_free(back);
        mc_image_free(img);
    }
    mc_image *img = read_ok("dicom/JPEG-lossy.dcm");
    assert_int_equal(img->bits, 16);
    assert_int_equal(img->bits_stored, 12);
    mc_image_free(img);
}

/* ------------------------------------------------------------ round trips */

static const uint8_t kExplicitLE[] = "\x02\x00\x10\x00UI\x14\x00" "1.2.840.10008.1.2.1";

static void test_round_trip(void **state) {
    (void)state;
    static const char *const files[] = {"dicom/CT_small.dcm",       "dicom/MR_small_RLE.dcm",
                                        "dicom/MR_small_jpeg_ls_lossless.dcm", "dicom/MR_small_bigendian.dcm",
                                        "dicom/MR_small_implicit.dcm", "dicom/image_dfl.dcm",
                                        "dicom/ExplVR_BigEnd.dcm", "dicom/SC_rgb_rle_2frame.dcm",
                                        "dicom/SC_rgb_rle_16bit_2frame.dcm", "dicom/SC_rgb_small_odd.dcm"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        mc_image *img = read_ok(files[i]);
        char name[64];
        snprintf(name, sizeof name, "rt_%zu.dcm", i);
        const char *out = mc_test_path(name);
        mc_err err = {0};
        int rc = mc_dicom_write(img, out, &err);
        if (rc) fprintf(stderr, "%s: %s\n", files[i], err.msg);
        assert_int_equal(rc, MC_OK);
        /* Explicit VR Little Endian (UID padded with a NUL to even length) */
        assert_true(file_contains(out, kExplicitLE, sizeof kExplicitLE));
        mc_image *back = NULL;
        rc = mc_dicom_read(out, NULL, &back, &err);
        if (rc) fprintf(stderr, "%s (written): %s\n", files[i], err.msg);
        assert_int_equal(rc, MC_OK);
        assert_same_image(back, img);
        assert_int_equal(back->bits_stored, img->bits_stored);
        for (int k = 0; k < 3; k++) assert_true(back->spacing[k] == img->spacing[k]);
        assert_int_equal(back->has_meta, 0);
        mc_image_free(back);
        mc_image_free(img);
    }
}

/* Planar configuration 1 is kept (pixels re-planarised on write). */
static void test_planar_kept(void **state) {
    (void)state;
    mc_image *img = read_ok("dicom/ExplVR_BigEnd.dcm");
    const char *out = mc_test_path("planar.dcm");
    mc_err err = {0};
    assert_int_equal(mc_dicom_write(img, out, &err), MC_OK);
    static const uint8_t pc1[] = {0x28, 0x00, 0x06, 0x00, 'U', 'S', 0x02, 0x00, 0x01, 0x00};
    assert_true(file_contains(out, pc1, sizeof pc1));
    /* on disk: the first 80*60 bytes of Pixel Data are the red plane */
    size_t n = 0;
    uint8_t *b = mc_test_slurp(out, &n);
    assert_non_null(b);
    static const uint8_t pixtag[] = {0xe0, 0x7f, 0x10, 0x00, 'O', 'B', 0, 0};
    const uint8_t *pd = find_bytes(b, n, pixtag, sizeof pixtag);
    assert_non_null(pd);
    pd += 12;
    assert_true((size_t)(pd - b) + img->nbytes <= n);
    const uint8_t *px = img->pixels;
    for (size_t i = 0; i < 80 * 60; i++) {
        assert_int_equal(pd[i], px[3 * i]);
        assert_int_equal(pd[2 * 80 * 60 + i], px[3 * i + 2]);
    }
    free(b);
    mc_image_free(img);
}

static void test_uids_and_attributes(void **state) {
    (void)state;
    static const char old_uid[] = "1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322";
    const char *in = mc_test_sample("dicom/CT_small.dcm");
    mc_test_need(in, "dicom/CT_small.dcm");
    assert_true(file_contains(in, old_uid, strlen(old_uid)));
    mc_image *img = read_ok("dicom/CT_small.dcm");
    const char *out = mc_test_path("uids.dcm");
    mc_err err = {0};
    assert_int_equal(mc_dicom_write(img, out, &err), MC_OK);
    assert_false(file_contains(out, old_uid, strlen(old_uid))); /* SOP Instance + meta */
    assert_true(file_contains(out, "CompressedSamples^CT1", 21)); /* PatientName kept */
    assert_true(file_contains(out, "0.661468\\0.661468", 17));    /* PixelSpacing untouched */
    /* two writes give two different instances */
    const char *out2 = mc_test_path("uids2.dcm");
    assert_int_equal(mc_dicom_write(img, out2, &err), MC_OK);
    size_t n1, n2;
    uint8_t *a = mc_test_slurp(out, &n1), *b = mc_test_slurp(out2, &n2);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(n1 != n2 || memcmp(a, b, n1) != 0);
    free(a);
    free(b);
    mc_image_free(img);
}

static void test_meta_round_trip(void **state) {
    (void)state;
    mc_image *img = read_ok("dicom/CT_small.dcm");
    mc_meta_clear(&img->meta);
    assert_int_equal(mc_meta_set(&img->meta, "medcrypt", "1"), MC_OK);
    assert_int_equal(mc_meta_set(&img->meta, "scheme", "aead"), MC_OK);
    assert_int_equal(mc_meta_set(&img->meta, "p.rounds", "3"), MC_OK); /* 33 chars: odd length */
    img->has_meta = 1;
    const char *out = mc_test_path("meta.dcm");
    mc_err err = {0};
    assert_int_equal(mc_dicom_write(img, out, &err), MC_OK);
    assert_true(file_contains(out, "MEDCRYPT 1", 10));
    mc_image *back = NULL;
    assert_int_equal(mc_dicom_read(out, NULL, &back, &err), MC_OK);
    assert_int_equal(back->has_meta, 1);
    assert_int_equal(back->meta.n, 3);
    assert_string_equal(mc_meta_get(&back->meta, "medcrypt"), "1");
    assert_string_equal(mc_meta_get(&back->meta, "scheme"), "aead");
    assert_string_equal(mc_meta_get(&back->meta, "p.rounds"), "3");
    assert_same_image(back, img);

    /* rewriting with new metadata replaces the block (no second block) */
    assert_int_equal(mc_meta_set(&back->meta, "scheme", "xor"), MC_OK);
    const char *out2 = mc_test_path("meta2.dcm");
    assert_int_equal(mc_dicom_write(back, out2, &err), MC_OK);
    size_t n = 0;
    uint8_t *b = mc_test_slurp(out2, &n);
    assert_non_null(b);
    const uint8_t *first = find_bytes(b, n, "MEDCRYPT 1", 10);
    assert_non_null(first);
    assert_null(find_bytes(first + 10, n - (size_t)(first + 10 - b), "MEDCRYPT 1", 10));
    assert_null(find_bytes(b, n, "scheme=aead", 11));
    free(b);
    mc_image *back2 = NULL;
    assert_int_equal(mc_dicom_read(out2, NULL, &back2, &err), MC_OK);
    assert_int_equal(back2->has_meta, 1);
    assert_string_equal(mc_meta_get(&back2->meta, "scheme"), "xor");

    /* has_meta = 0 (e.g. after decryption) removes the stale block */
    back2->has_meta = 0;
    const char *out3 = mc_test_path("meta3.dcm");
    assert_int_equal(mc_dicom_write(back2, out3, &err), MC_OK);
    assert_false(file_contains(out3, "MEDCRYPT 1", 10));
    mc_image *back3 = NULL;
    assert_int_equal(mc_dicom_read(out3, NULL, &back3, &err), MC_OK);
    assert_int_equal(back3->has_meta, 0);
    assert_same_image(back3, img);
    mc_image_free(back3);
    mc_image_free(back2);
    mc_image_free(back);
    mc_image_free(img);
}

/* The creator is looked up, not assumed at (0009,0010): CT_small already has
 * a GE block in slot 0x10, and a block moved to slot 0x42 is still found. */
static void test_meta_other_slot(void **state) {
    (void)state;
    mc_image *img = read_ok("dicom/CT_small.dcm");
    img->has_meta = 1;
    mc_meta_clear(&img->meta);
    assert_int_equal(mc_meta_set(&img->meta, "medcrypt", "1"), MC_OK);
    const char *out = mc_test_path("slot.dcm");
    mc_err err = {0};
    assert_int_equal(mc_dicom_write(img, out, &err), MC_OK);
    assert_true(file_contains(out, "GEMS_IDEN_01", 12)); /* the other vendor's block is kept */
    size_t n = 0;
    uint8_t *b = mc_test_slurp(out, &n);
    assert_non_null(b);
    /* creator element: 09 00 xx 00 'L' 'O' 0a 00 "MEDCRYPT 1" */
    uint8_t *name = (uint8_t *)find_bytes(b, n, "MEDCRYPT 1", 10);
    assert_non_null(name);
    uint8_t *pc = name - 8;
    assert_true(pc[0] == 0x09 && pc[1] == 0 && pc[3] == 0 && pc[4] == 'L' && pc[5] == 'O');
    const uint8_t slot = pc[2];
    assert_int_not_equal(slot, 0x10); /* 0x10 is GEMS_IDEN_01 */
    const uint8_t da[] = {0x09, 0x00, 0x01, slot, 'O', 'B', 0, 0};
    uint8_t *pd = (uint8_t *)find_bytes(b, n, da, sizeof da);
    assert_non_null(pd);
    /* move it to slot 0x42 (element order stays ascending) */
    pc[2] = 0x42;
    pd[3] = 0x42;
    assert_int_equal(mc_test_spit(out, b, n), 0);
    free(b);
    mc_image *back = NULL;
    assert_int_equal(mc_dicom_read(out, NULL, &back, &err), MC_OK);
    assert_int_equal(back->has_meta, 1);
    assert_string_equal(mc_meta_get(&back->meta, "medcrypt"), "1");
    /* rewriting removes the moved block and writes one fresh block */
    assert_int_equal(mc_dicom_write(back, out, &err), MC_OK);
    b = mc_test_slurp(out, &n);
    assert_non_null(b);
    name = (uint8_t *)find_bytes(b, n, "MEDCRYPT 1", 10);
    assert_non_null(name);
    assert_null(find_bytes(name + 10, n - (size_t)(name + 10 - b), "MEDCRYPT 1", 10));
    free(b);
    mc_image_free(back);
    mc_image_free(img);
}

/* Images without a DICOM source become Secondary Capture objects. */
static void test_synthetic(void **state) {
    (void)state;
    static const struct {
        uint32_t w, h, d;
        unsigned ch, bits;
        int sgn;
    } cases[] = {{33, 17, 1, 1, 16, 1}, {20, 10, 4, 1, 8, 0}, {7, 5, 3, 3, 16, 0}, {9, 9, 2, 1, 16, 0}, {5, 3, 1, 3, 8, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mc_image *img = NULL;
        mc_err err = {0};
        assert_int_equal(mc_image_new(&img, cases[i].w, cases[i].h, cases[i].d, cases[i].ch, cases[i].bits, cases[i].sgn,
                                      NULL, &err),
                         MC_OK);
        uint8_t *p = img->pixels;
        for (size_t k = 0; k < img->nbytes; k++) p[k] = (uint8_t)(k * 131 + 7 + (k >> 8));
        img->spacing[0] = 0.5;
        img->spacing[1] = 0.25;
        img->spacing[2] = cases[i].d > 1 ? 2.5 : 0;
        if (i == 3) img->bits_stored = 12;
        const char *out = mc_test_path("synth.dcm");
        int rc = mc_dicom_write(img, out, &err);
        if (rc) fprintf(stderr, "synthetic %zu: %s\n", i, err.msg);
        assert_int_equal(rc, MC_OK);
        assert_true(file_contains(out, kExplicitLE, sizeof kExplicitLE));
        assert_true(file_contains(out, "1.2.840.10008.5.1.4.1.1.7", 25)); /* a Secondary Capture class */
        mc_image *back = NULL;
        rc = mc_dicom_read(out, NULL, &back, &err);
        if (rc) fprintf(stderr, "synthetic %zu read: %s\n", i, err.msg);
        assert_int_equal(rc, MC_OK);
        assert_same_image(back, img);
        assert_int_equal(back->bits_stored, i == 3 ? 12 : cases[i].bits);
        assert_true(back->spacing[0] == 0.5);
        assert_true(back->spacing[1] == 0.25);
        assert_true(back->spacing[2] == img->spacing[2]);
        mc_image_free(back);
        mc_image_free(img);
    }
}

/* -------------------------------------------------------------- failures */

static void test_unsupported(void **state) {
    (void)state;
    static const char *const other[] = {"dicom/SC_rgb_rle_32bit.dcm", "dicom/liver_1frame.dcm", "dicom/rtdose.dcm"};
    for (size_t i = 0; i < sizeof other / sizeof *other; i++) {
        const char *p = mc_test_sample(other[i]);
        mc_test_need(p, other[i]);
        expect_err(p, NULL, MC_ERR_UNSUPPORTED, NULL);
    }
    /* a JPEG 2000 codestream whose header claims another (huge) image:
     * refused from the header, before decoding (Pillow refuses it too) */
    const char *p = mc_test_sample("dicom/JPEG2000-embedded-sequence-delimiter.dcm");
    mc_test_need(p, "dicom/JPEG2000-embedded-sequence-delimiter.dcm");
    expect_err(p, NULL, MC_ERR_FORMAT, "JPEG 2000");
}

/* JPEG 2000 through OpenJPEG; the hashes are of the arrays decoded by
 * pydicom (Pillow), or by opj_decompress where Pillow fails (GDCMJ2K). */
static void test_j2k(void **state) {
    (void)state;
    static const decoded_case cases[] = {
        {"dicom/JPEG2000.dcm", 256, 1024, 1, 1, 16, 1, 0xcf461aa1bf8fe625ull},           /* .91, 16-bit signed */
        {"dicom/693_J2KI.dcm", 512, 512, 1, 1, 16, 1, 0xb87438207f1dbcc9ull},            /* .91, 14 bits stored */
        {"dicom/GDCMJ2K_TextGBR.dcm", 400, 400, 1, 3, 8, 0, 0xc23976079cfdac9cull},      /* .90, YBR_RCT -> RGB */
        {"dicom/J2K_pixelrep_mismatch.dcm", 512, 512, 1, 1, 16, 1, 0x29fd73e506eea375ull}, /* unsigned J2K, signed DICOM */
        {"dicom/SC_rgb_gdcm_KY.dcm", 100, 100, 1, 3, 8, 0, 0x9bede46627a668bbull},       /* .91 RGB */
    };
    check_decoded(cases, sizeof cases / sizeof *cases);
    /* the lossless MR is the uncompressed MR */
    mc_image *ref = read_ok("dicom/MR_small.dcm"), *j = read_ok("dicom/MR_small_jp2klossless.dcm");
    assert_same_image(j, ref);
    mc_image_free(j);
    mc_image_free(ref);
}

/* Corrupt the JPEG 2000 codestream byte by byte: any status, no crash, no
 * leak (OpenJPEG under the sanitizers in the ASan build). */
static void test_j2k_fuzz(void **state) {
    (void)state;
    const char *p = mc_test_sample("dicom/MR_small_jp2klossless.dcm");
    mc_test_need(p, "dicom/MR_small_jp2klossless.dcm");
    size_t n = 0;
    uint8_t *b = mc_test_slurp(p, &n);
    assert_non_null(b);
    static const uint8_t soc[] = {0xFF, 0x4F, 0xFF, 0x51};
    const uint8_t *cs = find_bytes(b, n, soc, sizeof soc);
    assert_non_null(cs);
    const size_t start = (size_t)(cs - b);
    unsigned ok = 0, bad = 0;
    for (size_t i = start; i < n; i += (i < start + 256 ? 1 : 97)) {
        static const uint8_t vals[] = {0x00, 0xFF, 0x5A};
        for (size_t v = 0; v < sizeof vals; v++) {
            const uint8_t save = b[i];
            if (save == vals[v]) continue;
            b[i] = vals[v];
            mc_image *img = NULL;
            mc_err err = {0};
            int rc = mc_dicom_read_mem(b, n, NULL, &img, &err);
            b[i] = save;
            if (rc == MC_OK) {
                ok++;
                mc_image_free(img);
            } else {
                assert_null(img);
                assert_true(err.msg[0] != 0);
                bad++;
            }
        }
    }
    fprintf(stderr, "J2K fuzz: %u read, %u refused\n", ok, bad);
    assert_true(bad > 0);
    free(b);
}

/* YBR_FULL_422 uncompressed is expanded (as pydicom shows it) and stored
 * subsampled again while every pair shares its chroma; JPEG YCbCr stays
 * YCbCr. */
static void test_ybr(void **state) {
    (void)state;
    mc_image *img = read_ok("dicom/SC_ybr_full_422_uncompressed.dcm");
    assert_int_equal(img->channels, 3);
    assert_true(sample_hash(img) == 0x3fd3633e8203695bull);
    const char *out = mc_test_path("ybr.dcm");
    mc_err err = {0};
    assert_int_equal(mc_dicom_write(img, out, &err), MC_OK);
    assert_true(file_contains(out, "YBR_FULL_422", 12));
    static const uint8_t pd20000[] = {0xe0, 0x7f, 0x10, 0x00, 'O', 'B', 0, 0, 0x20, 0x4e, 0, 0}; /* 20000 bytes */
    assert_true(file_contains(out, pd20000, sizeof pd20000));
    mc_image *back = NULL;
    assert_int_equal(mc_dicom_read(out, NULL, &back, &err), MC_OK);
    assert_same_image(back, img);
    mc_image_free(back);
    /* one Cb that no longer matches its pair's: stored full (YBR_FULL) */
    ((uint8_t *)img->pixels)[1] ^= 1;
    assert_int_equal(mc_dicom_write(img, out, &err), MC_OK);
    assert_false(file_contains(out, "YBR_FULL_422", 12));
    assert_true(file_contains(out, "YBR_FULL", 8));
    assert_int_equal(mc_dicom_read(out, NULL, &back, &err), MC_OK);
    assert_same_image(back, img);
    mc_image_free(back);
    mc_image_free(img);
    img = read_ok("dicom/SC_rgb_dcmtk_+eb+cy+np.dcm"); /* JPEG baseline, YBR_FULL_422 */
    assert_true(sample_hash(img) == 0x8c27ac7e9ae45067ull);
    assert_int_equal(mc_dicom_write(img, out, &err), MC_OK);
    assert_true(file_contains(out, "YBR_FULL", 8));
    mc_image_free(img);
}

/* The path reader is the memory reader on the file's bytes; the memory
 * writer's bytes read back to the same image. */
static void test_memory(void **state) {
    (void)state;
    static const char *const files[] = {"dicom/CT_small.dcm", "dicom/MR_small_RLE.dcm", "dicom/image_dfl.dcm",
                                        "dicom/MR_small_jp2klossless.dcm", "dicom/no_meta.dcm"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        const char *p = mc_test_sample(files[i]);
        mc_test_need(p, files[i]);
        size_t n = 0;
        uint8_t *b = mc_test_slurp(p, &n);
        assert_non_null(b);
        mc_image *a = NULL, *m = NULL;
        mc_err err = {0};
        int ra = mc_dicom_read(p, NULL, &a, &err), rm = mc_dicom_read_mem(b, n, NULL, &m, &err);
        assert_int_equal(ra, rm);
        if (ra == MC_OK) {
            assert_same_image(a, m);
            uint8_t *w = NULL;
            size_t wn = 0;
            assert_int_equal(mc_dicom_write_mem(m, &w, &wn, &err), MC_OK);
            mc_image *r = NULL;
            assert_int_equal(mc_dicom_read_mem(w, wn, NULL, &r, &err), MC_OK);
            assert_same_image(r, a);
            mc_image_free(r);
            mc_buffer_free(w, wn);
        }
        mc_image_free(a);
        mc_image_free(m);
        /* cut buffers fail the same way as cut files */
        for (size_t cut = 0; ra == MC_OK && cut < n; cut += n / 7 + 1) {
            int r1 = mc_dicom_read_mem(b, cut, NULL, &m, &err);
            assert_true(r1 < 0);
            assert_null(m);
        }
        free(b);
    }
}

static void test_no_pixels_and_missing(void **state) {
    (void)state;
    const char *p = mc_test_sample("dicom/rtplan.dcm");
    mc_test_need(p, "dicom/rtplan.dcm");
    expect_err(p, NULL, MC_ERR_FORMAT, "Pixel Data");
    expect_err(mc_test_path("does-not-exist.dcm"), NULL, MC_ERR_IO, NULL);
    const char *junk = mc_test_path("junk.dcm");
    uint8_t buf[4096];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 2654435761u >> 13);
    assert_int_equal(mc_test_spit(junk, buf, sizeof buf), 0);
    mc_image *img = NULL;
    mc_err err = {0};
    assert_true(mc_dicom_read(junk, NULL, &img, &err) < 0);
    assert_null(img);
}

static void test_truncated(void **state) {
    (void)state;
    const char *p = mc_test_sample("dicom/MR_truncated.dcm");
    mc_test_need(p, "dicom/MR_truncated.dcm");
    expect_err(p, NULL, MC_ERR_FORMAT, NULL);
    const char *ct = mc_test_sample("dicom/CT_small.dcm");
    mc_test_need(ct, "dicom/CT_small.dcm");
    size_t n = 0;
    uint8_t *b = mc_test_slurp(ct, &n);
    assert_non_null(b);
    const size_t cuts[] = {0, 10, 132, 200, 1000, n / 2, n - 1000, n - 2, n - 1};
    const char *t = mc_test_path("trunc.dcm");
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        assert_int_equal(mc_test_spit(t, b, cuts[i]), 0);
        expect_err(t, NULL, MC_ERR_FORMAT, NULL);
    }
    free(b);
}

/* Patch a US attribute of an explicit-LE file in place. */
static void patch_us(uint8_t *b, size_t n, uint16_t group, uint16_t elem, uint16_t val) {
    const uint8_t tag[] = {(uint8_t)group, (uint8_t)(group >> 8), (uint8_t)elem, (uint8_t)(elem >> 8), 'U', 'S', 2, 0};
    uint8_t *p = (uint8_t *)find_bytes(b, n, tag, sizeof tag);
    assert_non_null(p);
    p[8] = (uint8_t)val;
    p[9] = (uint8_t)(val >> 8);
}

static void test_limits_and_geometry(void **state) {
    (void)state;
    const char *ct = mc_test_sample("dicom/CT_small.dcm");
    mc_test_need(ct, "dicom/CT_small.dcm");
    mc_limits lim;
    mc_limits_default(&lim);
    lim.max_width = 100;
    expect_err(ct, &lim, MC_ERR_LIMITS, NULL);
    mc_limits_default(&lim);
    lim.max_bytes = 1000;
    expect_err(ct, &lim, MC_ERR_LIMITS, NULL);

    size_t n = 0;
    uint8_t *orig = mc_test_slurp(ct, &n);
    assert_non_null(orig);
    uint8_t *b = malloc(n);
    assert_non_null(b);
    const char *t = mc_test_path("patched.dcm");

    /* 65535 x 65535 x 16-bit = 8 GiB > default 4 GiB: refused before allocation */
    memcpy(b, orig, n);
    patch_us(b, n, 0x0028, 0x0010, 0xFFFF);
    patch_us(b, n, 0x0028, 0x0011, 0xFFFF);
    assert_int_equal(mc_test_spit(t, b, n), 0);
    expect_err(t, NULL, MC_ERR_LIMITS, NULL);

    /* in limits but more than the Pixel Data holds */
    memcpy(b, orig, n);
    patch_us(b, n, 0x0028, 0x0010, 200);
    assert_int_equal(mc_test_spit(t, b, n), 0);
    expect_err(t, NULL, MC_ERR_FORMAT, "too short");

    memcpy(b, orig, n);
    patch_us(b, n, 0x0028, 0x0010, 0);
    assert_int_equal(mc_test_spit(t, b, n), 0);
    expect_err(t, NULL, MC_ERR_FORMAT, NULL);

    memcpy(b, orig, n);
    patch_us(b, n, 0x0028, 0x0100, 32);
    assert_int_equal(mc_test_spit(t, b, n), 0);
    expect_err(t, NULL, MC_ERR_UNSUPPORTED, "BitsAllocated");

    memcpy(b, orig, n);
    patch_us(b, n, 0x0028, 0x0101, 17);
    assert_int_equal(mc_test_spit(t, b, n), 0);
    expect_err(t, NULL, MC_ERR_FORMAT, NULL);
    free(b);
    free(orig);

    /* NumberOfFrames: SC_rgb_small_odd has IS "1 " */
    const char *odd = mc_test_sample("dicom/SC_rgb_small_odd.dcm");
    mc_test_need(odd, "dicom/SC_rgb_small_odd.dcm");
    orig = mc_test_slurp(odd, &n);
    assert_non_null(orig);
    static const uint8_t nf[] = {0x28, 0x00, 0x08, 0x00, 'I', 'S', 2, 0};
    uint8_t *p = (uint8_t *)find_bytes(orig, n, nf, sizeof nf);
    assert_non_null(p);
    p[8] = '9';
    assert_int_equal(mc_test_spit(t, orig, n), 0);
    expect_err(t, NULL, MC_ERR_FORMAT, "too short");
    mc_limits_default(&lim);
    lim.max_depth = 4;
    expect_err(t, &lim, MC_ERR_LIMITS, NULL);
    p[8] = '0';
    assert_int_equal(mc_test_spit(t, orig, n), 0);
    expect_err(t, NULL, MC_ERR_FORMAT, "NumberOfFrames");
    p[8] = '-';
    assert_int_equal(mc_test_spit(t, orig, n), 0);
    expect_err(t, NULL, MC_ERR_FORMAT, NULL);
    free(orig);
}

/* Corrupt every header byte in turn: any status, but no crash or leak. */
static void test_header_fuzz(void **state) {
    (void)state;
    const char *ct = mc_test_sample("dicom/MR_small.dcm");
    mc_test_need(ct, "dicom/MR_small.dcm");
    size_t n = 0;
    uint8_t *b = mc_test_slurp(ct, &n);
    assert_non_null(b);
    const char *t = mc_test_path("fuzz.dcm");
    mc_limits lim;
    mc_limits_default(&lim);
    lim.max_bytes = 64u << 20;
    size_t end = n > 8192 + 200 ? n - 8192 : n;
    unsigned ok = 0, bad = 0;
    for (size_t i = 128; i < end; i++) {
        static const uint8_t vals[] = {0xFF, 0x00, 0x80};
        for (size_t v = 0; v < sizeof vals; v++) {
            uint8_t save = b[i];
            if (save == vals[v]) continue;
            b[i] = vals[v];
            assert_int_equal(mc_test_spit(t, b, n), 0);
            b[i] = save;
            mc_image *img = NULL;
            mc_err err = {0};
            int rc = mc_dicom_read(t, &lim, &img, &err);
            if (rc == MC_OK) {
                assert_non_null(img);
                ok++;
                /* what was read must also be writable */
                int wrc = mc_dicom_write(img, mc_test_path("fuzz_out.dcm"), &err);
                assert_true(wrc == MC_OK || wrc == MC_ERR_UNSUPPORTED);
                mc_image_free(img);
            } else {
                assert_true(rc < 0);
                assert_null(img);
                assert_true(err.msg[0] != 0);
                bad++;
            }
        }
    }
    fprintf(stderr, "header fuzz: %u read, %u refused\n", ok, bad);
    assert_true(bad > 0);
    free(b);
}

static void test_write_args(void **state) {
    (void)state;
    mc_err err = {0};
    assert_int_equal(mc_dicom_write(NULL, mc_test_path("x.dcm"), &err), MC_ERR_ARG);
    mc_image *img = NULL;
    assert_int_equal(mc_image_new(&img, 4, 4, 1, 1, 8, 0, NULL, &err), MC_OK);
    img->width = 70000; /* Rows/Columns are US in DICOM */
    assert_int_equal(mc_dicom_write(img, mc_test_path("wide.dcm"), &err), MC_ERR_UNSUPPORTED);
    img->width = 4;
    img->bits = 12;
    assert_int_equal(mc_dicom_write(img, mc_test_path("b12.dcm"), &err), MC_ERR_UNSUPPORTED);
    img->bits = 8;
    assert_int_equal(mc_dicom_write(img, "/nonexistent-dir/x.dcm", &err), MC_ERR_IO);
    mc_image_free(img);
}

int main(void) {
    if (mc_init() != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ct_small),
        cmocka_unit_test(test_mr_variants),
        cmocka_unit_test(test_other_encodings),
        cmocka_unit_test(test_jpeg_decodes),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_planar_kept),
        cmocka_unit_test(test_uids_and_attributes),
        cmocka_unit_test(test_meta_round_trip),
        cmocka_unit_test(test_meta_other_slot),
        cmocka_unit_test(test_synthetic),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_j2k),
        cmocka_unit_test(test_j2k_fuzz),
        cmocka_unit_test(test_ybr),
        cmocka_unit_test(test_memory),
        cmocka_unit_test(test_no_pixels_and_missing),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_limits_and_geometry),
        cmocka_unit_test(test_header_fuzz),
        cmocka_unit_test(test_write_args),
    };
    int rc = cmocka_run_group_tests_name("dicom", tests, NULL, NULL);
    mc_test_tmpdir_cleanup();
    return rc;
}
