/* test_nifti.c - NIfTI-1 reader/writer (src/io/nifti.c).
 *
 * Synthetic headers are built here byte by byte (offsets from nifti1.h) so
 * the tests do not depend on niftilib. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "io/io.h"


/* ---------------------------------------------------- header builder */

enum { O_DIM = 40, O_DATATYPE = 70, O_BITPIX = 72, O_PIXDIM = 76, O_VOXOFF = 108, O_SLOPE = 112,
       O_UNITS = 123, O_DESCRIP = 148, O_QFORM = 252, O_SFORM = 254, O_SROWX = 280, O_MAGIC = 344 };

static void wr16(uint8_t *h, size_t o, int v, int be) {
    uint16_t u = (uint16_t)v;
    h[o + (be ? 1 : 0)] = (uint8_t)u;
    h[o + (be ? 0 : 1)] = (uint8_t)(u >> 8);
}
static void wr32(uint8_t *h, size_t o, uint32_t v, int be) {
    for (int i = 0; i < 4; i++) h[o + (be ? 3 - i : i)] = (uint8_t)(v >> (8 * i));
}
static void wrf(uint8_t *h, size_t o, float f, int be) {
    uint32_t u;
    memcpy(&u, &f, 4);
    wr32(h, o, u, be);
}
static uint32_t rd32le(const uint8_t *h, size_t o) {
    return (uint32_t)h[o] | (uint32_t)h[o + 1] << 8 | (uint32_t)h[o + 2] << 16 | (uint32_t)h[o + 3] << 24;
}
static int rd16le(const uint8_t *h, size_t o) { return (int16_t)(uint16_t)(h[o] | h[o + 1] << 8); }
static float rdf(const uint8_t *h, size_t o) {
    uint32_t u = rd32le(h, o);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* 352-byte header + empty extender for an n+1 file */
static void make_hdr(uint8_t h[352], int ndim, const int *dims, int dtype, int bitpix, int be) {
    memset(h, 0, 352);
    wr32(h, 0, 348, be);
    wr16(h, O_DIM, ndim, be);
    for (int i = 1; i <= 7; i++) wr16(h, O_DIM + 2 * i, i <= ndim ? dims[i - 1] : 1, be); /* ndim <= 7 */
    wr16(h, O_DATATYPE, dtype, be);
    wr16(h, O_BITPIX, bitpix, be);
    for (int i = 0; i < 8; i++) wrf(h, O_PIXDIM + 4 * i, 1.0f, be);
    wrf(h, O_VOXOFF, 352.0f, be);
    h[O_UNITS] = 2; /* mm */
    memcpy(h + O_MAGIC, "n+1", 4);
}

static int read_bytes(const char *name, const void *b, size_t n, mc_image **img, mc_err *err) {
    const char *p = mc_test_path(name);
    assert_int_equal(mc_test_spit(p, b, n), 0);
    *img = NULL;
    int rc = mc_nifti_read(p, NULL, img, err);
    if (rc) assert_null(*img);
    return rc;
}

static uint8_t *file_bytes(const char *path, size_t *len) {
    uint8_t *b = mc_test_slurp(path, len);
    assert_non_null(b);
    return b;
}

/* --------------------------------------------------------------- tests */

/* ch2.nii.gz reference values, computed once with Debian's /usr/bin/python3:
 *   d = gzip.open('nifti/ch2.nii.gz').read(); struct.unpack('<8h', d[40:56])
 *   -> dim (3, 181, 217, 181, 1...), datatype 2 (UINT8), bitpix 8,
 *   pixdim 1.0, vox_offset 352, qform_code 0, sform_code 4,
 *   srow_x (1, 0, 0, -90), srow_z (0, 0, 1, -71), descrip 'spm - algebra';
 *   v = np.frombuffer(d[352:], np.uint8).reshape(181, 217, 181)  # z, y, x
 *   int(v.sum()) = 317151210, v[90,108,90] = 33, v[80,120,100] = 97 */
#define CH2_SUM 317151210ULL
static size_t ch2_at(uint32_t x, uint32_t y, uint32_t z) { return ((size_t)z * 217 + y) * 181 + x; }
static uint64_t sum8(const mc_image *img) {
    uint64_t s = 0;
    const uint8_t *p = img->pixels;
    for (size_t i = 0; i < img->nbytes; i++) s += p[i];
    return s;
}

static void test_read_ch2(void **state) {
    (void)state;
    const char *p = mc_test_sample("nifti/ch2.nii.gz");
    mc_test_need(p, "nifti/ch2.nii.gz");
    mc_image *img = NULL;
    mc_err err = {0};
    assert_int_equal(mc_nifti_read(p, NULL, &img, &err), MC_OK);
    assert_int_equal(img->width, 181);
    assert_int_equal(img->height, 217);
    assert_int_equal(img->depth, 181);
    assert_int_equal(img->channels, 1);
    assert_int_equal(img->bits, 8);
    assert_int_equal(img->bits_stored, 8);
    assert_int_equal(img->is_signed, 0);
    assert_int_equal(img->format, MC_FMT_NIFTI);
    assert_int_equal(img->has_meta, 0);
    assert_true(img->spacing[0] == 1.0 && img->spacing[1] == 1.0 && img->spacing[2] == 1.0);
    const uint8_t *v = img->pixels;
    assert_int_equal(v[ch2_at(90, 108, 90)], 33);
    assert_int_equal(v[ch2_at(100, 120, 80)], 97);
    assert_true(sum8(img) == CH2_SUM);
    mc_image_free(img);
}

static void check_ch2_header(const char *path) {
    size_t len;
    uint8_t *b = file_bytes(path, &len);
    assert_int_equal(len, 352 + (size_t)181 * 217 * 181);
    assert_int_equal(rd32le(b, 0), 348);
    assert_int_equal(rd16le(b, O_DIM), 3);
    assert_int_equal(rd16le(b, O_DIM + 2), 181);
    assert_int_equal(rd16le(b, O_DIM + 4), 217);
    assert_int_equal(rd16le(b, O_DIM + 6), 181);
    assert_int_equal(rd16le(b, O_DATATYPE), 2);
    assert_int_equal(rd16le(b, O_BITPIX), 8);
    assert_true(rdf(b, O_PIXDIM + 4) == 1.0f);
    assert_true(rdf(b, O_VOXOFF) == 352.0f);
    assert_int_equal(rd16le(b, O_QFORM), 0);
    assert_int_equal(rd16le(b, O_SFORM), 4);
    assert_true(rdf(b, O_SROWX) == 1.0f);
    assert_true(rdf(b, O_SROWX + 12) == -90.0f);
    assert_true(rdf(b, O_SROWX + 32 + 12) == -71.0f); /* srow_z[3] */
    assert_memory_equal(b + O_DESCRIP, "spm - algebra", 14);
    assert_memory_equal(b + O_MAGIC, "n+1", 4);
    free(b);
}

static void test_roundtrip_ch2(void **state) {
    (void)state;
    const char *p = mc_test_sample("nifti/ch2.nii.gz");
    mc_test_need(p, "nifti/ch2.nii.gz");
    mc_image *a = NULL, *b = NULL, *c = NULL;
    mc_err err = {0};
    assert_int_equal(mc_nifti_read(p, NULL, &a, &err), MC_OK);
    /* .nii: header fields kept byte for byte */
    const char *q = mc_test_path("ch2.nii");
    assert_int_equal(mc_nifti_write(a, q, &err), MC_OK);
    check_ch2_header(q);
    assert_int_equal(mc_nifti_read(q, NULL, &b, &err), MC_OK);
    assert_int_equal(b->width, 181);
    assert_int_equal(b->depth, 181);
    assert_memory_equal(a->pixels, b->pixels, a->nbytes);
    /* .nii.gz (compressed: smaller than raw), then back to .nii */
    const char *g = mc_test_path("ch2.nii.gz");
    assert_int_equal(mc_nifti_write(b, g, &err), MC_OK);
    size_t glen;
    uint8_t *gb = file_bytes(g, &glen);
    assert_true(glen < (size_t)181 * 217 * 181 / 2);
    assert_int_equal(gb[0], 0x1f);
    assert_int_equal(gb[1], 0x8b);
    free(gb);
    assert_int_equal(mc_nifti_read(g, NULL, &c, &err), MC_OK);
    assert_memory_equal(a->pixels, c->pixels, a->nbytes);
    assert_true(c->spacing[2] == 1.0);
    const char *q2 = mc_test_path("ch2b.nii");
    assert_int_equal(mc_nifti_write(c, q2, &err), MC_OK);
    check_ch2_header(q2);
    mc_image_free(a);
    mc_image_free(b);
    mc_image_free(c);
}

static void test_metadata_extension(void **state) {
    (void)state;
    mc_image *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal(mc_image_new(&a, 6, 5, 4, 1, 16, 0, NULL, NULL), MC_OK);
    for (size_t i = 0; i < a->nbytes / 2; i++) ((uint16_t *)a->pixels)[i] = (uint16_t)mc_test_rand();
    assert_int_equal(mc_meta_set(&a->meta, "medcrypt", "1"), MC_OK);
    assert_int_equal(mc_meta_set(&a->meta, "scheme", "aead"), MC_OK);
    assert_int_equal(mc_meta_set(&a->meta, "nonce", "0123456789abcdef0123456789abcdef0123456789abcdef"), MC_OK);
    a->has_meta = 1;
    mc_err err = {0};
    const char *exts[2] = {"m.nii", "m.nii.gz"};
    for (int k = 0; k < 2; k++) {
        const char *p = mc_test_path(exts[k]);
        assert_int_equal(mc_nifti_write(a, p, &err), MC_OK);
        assert_int_equal(mc_nifti_read(p, NULL, &b, &err), MC_OK);
        assert_int_equal(b->has_meta, 1);
        assert_int_equal(b->meta.n, 3);
        assert_string_equal(mc_meta_get(&b->meta, "nonce"), "0123456789abcdef0123456789abcdef0123456789abcdef");
        assert_memory_equal(a->pixels, b->pixels, a->nbytes);
        /* rewritten with new metadata: the old extension is replaced */
        assert_int_equal(mc_meta_set(&b->meta, "scheme", "other"), MC_OK);
        const char *p2 = mc_test_path("m2.nii");
        assert_int_equal(mc_nifti_write(b, p2, &err), MC_OK);
        assert_int_equal(mc_nifti_read(p2, NULL, &c, &err), MC_OK); /* two would be refused */
        assert_string_equal(mc_meta_get(&c->meta, "scheme"), "other");
        mc_image_free(c);
        /* and without metadata it is dropped */
        b->has_meta = 0;
        assert_int_equal(mc_nifti_write(b, p2, &err), MC_OK);
        size_t len;
        uint8_t *raw = file_bytes(p2, &len);
        assert_true(rdf(raw, O_VOXOFF) == 352.0f);
        assert_int_equal(len, 352 + a->nbytes);
        free(raw);
        assert_int_equal(mc_nifti_read(p2, NULL, &c, &err), MC_OK);
        assert_int_equal(c->has_meta, 0);
        mc_image_free(c);
        mc_image_free(b);
    }
    /* the extension is ecode 6 (comment) holding the metadata line */
    const char *p = mc_test_path("m.nii");
    size_t len;
    uint8_t *raw = file_bytes(p, &len);
    assert_int_equal(raw[348], 1);                       /* extender */
    assert_int_equal(rd32le(raw, 352) % 16, 0);          /* esize */
    assert_int_equal(rd32le(raw, 356), 6);               /* ecode */
    assert_memory_equal(raw + 360, "medcrypt=1;scheme=aead;", 23);
    assert_true(rdf(raw, O_VOXOFF) == (float)(352 + rd32le(raw, 352)));
    free(raw);
    mc_image_free(a);
}

static void test_signed_volume(void **state) {
    (void)state;
    mc_image *a = NULL, *b = NULL;
    assert_int_equal(mc_image_new(&a, 7, 5, 3, 1, 16, 1, NULL, NULL), MC_OK);
    int16_t *s = a->pixels;
    for (size_t i = 0; i < a->nbytes / 2; i++) s[i] = (int16_t)(mc_test_rand() & 0xffff);
    s[0] = -1000;
    s[1] = -32768;
    s[2] = 32767;
    a->spacing[0] = 0.5;
    a->spacing[1] = 0.75;
    a->spacing[2] = 2.5;
    mc_err err = {0};
    const char *names[2] = {"s.nii", "s.nii.gz"};
    for (int k = 0; k < 2; k++) {
        const char *p = mc_test_path(names[k]);
        assert_int_equal(mc_nifti_write(a, p, &err), MC_OK);
        assert_int_equal(mc_nifti_read(p, NULL, &b, &err), MC_OK);
        assert_int_equal(b->width, 7);
        assert_int_equal(b->height, 5);
        assert_int_equal(b->depth, 3);
        assert_int_equal(b->bits, 16);
        assert_int_equal(b->is_signed, 1);
        assert_true(b->spacing[0] == 0.5 && b->spacing[1] == 0.75 && b->spacing[2] == 2.5);
        assert_memory_equal(a->pixels, b->pixels, a->nbytes);
        mc_image_free(b);
    }
    size_t len;
    uint8_t *raw = file_bytes(mc_test_path("s.nii"), &len);
    assert_int_equal(rd16le(raw, O_DATATYPE), 4); /* DT_INT16 */
    assert_int_equal(rd16le(raw, O_BITPIX), 16);
    assert_int_equal(rd16le(raw, O_QFORM), 0);
    assert_int_equal(rd16le(raw, O_SFORM), 0);
    assert_int_equal(raw[O_UNITS] & 7, 2); /* mm */
    assert_true(rdf(raw, O_PIXDIM) == 1.0f); /* qfac */
    free(raw);
    /* unsigned 16-bit and a 2D 8-bit image */
    a->is_signed = 0;
    const char *p = mc_test_path("u.nii");
    assert_int_equal(mc_nifti_write(a, p, &err), MC_OK);
    raw = file_bytes(p, &len);
    assert_int_equal(rd16le(raw, O_DATATYPE), 512); /* DT_UINT16 */
    free(raw);
    assert_int_equal(mc_nifti_read(p, NULL, &b, &err), MC_OK);
    assert_int_equal(b->is_signed, 0);
    mc_image_free(b);
    mc_image_free(a);
    assert_int_equal(mc_image_new(&a, 9, 4, 1, 1, 8, 0, NULL, NULL), MC_OK);
    memset(a->pixels, 200, a->nbytes);
    assert_int_equal(mc_nifti_write(a, p, &err), MC_OK);
    raw = file_bytes(p, &len);
    assert_int_equal(rd16le(raw, O_DIM), 2);
    free(raw);
    assert_int_equal(mc_nifti_read(p, NULL, &b, &err), MC_OK);
    assert_int_equal(b->depth, 1);
    assert_memory_equal(a->pixels, b->pixels, a->nbytes);
    mc_image_free(a);
    mc_image_free(b);
}

static void test_big_endian_file(void **state) {
    (void)state;
    int dims[3] = {2, 2, 1};
    uint8_t f[352 + 8];
    make_hdr(f, 3, dims, 4, 16, 1);
    wrf(f, O_PIXDIM + 4, 0.001f, 1); /* metres */
    f[O_UNITS] = 1;
    const uint8_t data[8] = {0x12, 0x34, 0xff, 0xfe, 0x00, 0x01, 0x80, 0x00};
    memcpy(f + 352, data, 8);
    mc_image *img = NULL;
    mc_err err = {0};
    assert_int_equal(read_bytes("be.nii", f, sizeof f, &img, &err), MC_OK);
    const int16_t *s = img->pixels;
    assert_int_equal(s[0], 0x1234);
    assert_int_equal(s[1], -2);
    assert_int_equal(s[2], 1);
    assert_int_equal(s[3], -32768);
    assert_true(img->spacing[0] > 0.999 && img->spacing[0] < 1.001); /* 0.001 m */
    /* written back in host order, read back equal */
    const char *p = mc_test_path("be_out.nii");
    assert_int_equal(mc_nifti_write(img, p, &err), MC_OK);
    mc_image *b = NULL;
    assert_int_equal(mc_nifti_read(p, NULL, &b, &err), MC_OK);
    assert_memory_equal(img->pixels, b->pixels, 8);
    assert_true(b->spacing[0] == img->spacing[0]);
    mc_image_free(img);
    mc_image_free(b);
}

static void test_truncated(void **state) {
    (void)state;
    mc_image *a = NULL, *b = NULL;
    assert_int_equal(mc_image_new(&a, 16, 16, 8, 1, 16, 1, NULL, NULL), MC_OK);
    for (size_t i = 0; i < a->nbytes / 2; i++) ((uint16_t *)a->pixels)[i] = (uint16_t)mc_test_rand();
    assert_int_equal(mc_meta_set(&a->meta, "medcrypt", "1"), MC_OK);
    a->has_meta = 1;
    const char *names[2] = {"t.nii", "t.nii.gz"};
    for (int k = 0; k < 2; k++) {
        const char *p = mc_test_path(names[k]);
        assert_int_equal(mc_nifti_write(a, p, NULL), MC_OK);
        size_t len;
        uint8_t *full = file_bytes(p, &len);
        const char *q = mc_test_path(k ? "cut.nii.gz" : "cut.nii");
        size_t cuts[] = {0, 1, 4, 100, 347, 348, 350, 352, 360, 380, len / 2, len - 9, len - 1};
        for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
            assert_int_equal(mc_test_spit(q, full, cuts[i]), 0);
            mc_err err = {0};
            int rc = mc_nifti_read(q, NULL, &b, &err);
            if (rc != MC_ERR_FORMAT) print_error("%s cut at %zu of %zu: rc %d (%s)\n", names[k], cuts[i], len, rc, err.msg);
            assert_int_equal(rc, MC_ERR_FORMAT);
            assert_null(b);
        }
        if (k == 1) {
            /* a flipped byte in the compressed stream */
            full[len / 2] ^= 0x55;
            assert_int_equal(mc_test_spit(q, full, len), 0);
            int rc = mc_nifti_read(q, NULL, &b, NULL);
            assert_true(rc != MC_OK);
        }
        free(full);
    }
    mc_image_free(a);
}

static void test_absurd_headers(void **state) {
    (void)state;
    mc_image *img = NULL;
    mc_err err = {0};
    uint8_t h[352 + 16];
    memset(h, 0, sizeof h);
    int big[3] = {32767, 32767, 32767};
    make_hdr(h, 3, big, 512, 16, 0); /* ~70 TB of voxels in a 368-byte file */
    assert_int_equal(read_bytes("a1.nii", h, sizeof h, &img, &err), MC_ERR_LIMITS);
    int d3[3] = {4, 2, 2};
    make_hdr(h, 3, d3, 2, 8, 0);
    assert_int_equal(read_bytes("ok.nii", h, 352 + 16, &img, &err), MC_OK); /* control */
    mc_image_free(img);
    make_hdr(h, 3, d3, 2, 8, 0);
    wr16(h, O_DIM, 9, 0); /* dim[0] = 9 */
    assert_int_equal(read_bytes("a2.nii", h, sizeof h, &img, &err), MC_ERR_FORMAT);
    int neg[3] = {4, -2, 2};
    make_hdr(h, 3, neg, 2, 8, 0);
    assert_int_equal(read_bytes("a3.nii", h, sizeof h, &img, &err), MC_ERR_FORMAT);
    make_hdr(h, 3, d3, 16, 32, 0); /* FLOAT32 */
    assert_int_equal(read_bytes("a4.nii", h, sizeof h, &img, &err), MC_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "FLOAT32"));
    make_hdr(h, 3, d3, 128, 24, 0); /* RGB24 */
    assert_int_equal(read_bytes("a5.nii", h, sizeof h, &img, &err), MC_ERR_UNSUPPORTED);
    make_hdr(h, 3, d3, 256, 8, 0); /* INT8 */
    assert_int_equal(read_bytes("a6.nii", h, sizeof h, &img, &err), MC_ERR_UNSUPPORTED);
    make_hdr(h, 3, d3, 2, 16, 0); /* bitpix mismatch */
    assert_int_equal(read_bytes("a7.nii", h, sizeof h, &img, &err), MC_ERR_FORMAT);
    int d4[4] = {2, 2, 2, 5};
    make_hdr(h, 4, d4, 2, 8, 0); /* time series */
    assert_int_equal(read_bytes("a8.nii", h, sizeof h, &img, &err), MC_ERR_UNSUPPORTED);
    int d41[4] = {2, 2, 2, 1};
    make_hdr(h, 4, d41, 2, 8, 0); /* 4D with nt == 1 is a volume */
    assert_int_equal(read_bytes("a9.nii", h, 352 + 8, &img, &err), MC_OK);
    assert_int_equal(img->depth, 2);
    mc_image_free(img);
    make_hdr(h, 3, d3, 2, 8, 0);
    wrf(h, O_VOXOFF, 3.0e9f, 0);
    assert_int_equal(read_bytes("aa.nii", h, sizeof h, &img, &err), MC_ERR_LIMITS);
    wrf(h, O_VOXOFF, 100.0f, 0);
    assert_int_equal(read_bytes("ab.nii", h, sizeof h, &img, &err), MC_ERR_FORMAT);
    wrf(h, O_VOXOFF, 352.5f, 0);
    assert_int_equal(read_bytes("ac.nii", h, sizeof h, &img, &err), MC_ERR_FORMAT);
    /* extension larger than the space before vox_offset */
    uint8_t e[352 + 32 + 16];
    memset(e, 0, sizeof e);
    make_hdr(e, 3, d3, 2, 8, 0);
    wrf(e, O_VOXOFF, 384.0f, 0);
    e[348] = 1;
    wr32(e, 352, 0x7ffffff0u, 0);
    wr32(e, 356, 6, 0);
    assert_int_equal(read_bytes("ad.nii", e, sizeof e, &img, &err), MC_ERR_FORMAT);
    wr32(e, 352, 4, 0);
    assert_int_equal(read_bytes("ae.nii", e, sizeof e, &img, &err), MC_ERR_FORMAT);
    /* a foreign comment extension is kept, a valid one round trips */
    wr32(e, 352, 32, 0);
    memcpy(e + 360, "hello", 5);
    assert_int_equal(read_bytes("af.nii", e, sizeof e, &img, &err), MC_OK);
    assert_int_equal(img->has_meta, 0);
    const char *p = mc_test_path("af_out.nii");
    assert_int_equal(mc_nifti_write(img, p, &err), MC_OK);
    size_t len;
    uint8_t *raw = file_bytes(p, &len);
    assert_int_equal(len, sizeof e);
    assert_memory_equal(raw + 348, e + 348, 36); /* extender + extension */
    free(raw);
    mc_image_free(img);
    /* two medcrypt extensions: tampering */
    uint8_t two[352 + 64 + 16];
    memset(two, 0, sizeof two);
    make_hdr(two, 3, d3, 2, 8, 0);
    wrf(two, O_VOXOFF, 416.0f, 0);
    two[348] = 1;
    for (int i = 0; i < 2; i++) {
        wr32(two, 352 + 32 * i, 32, 0);
        wr32(two, 356 + 32 * i, 6, 0);
        memcpy(two + 360 + 32 * i, "medcrypt=1", 10);
    }
    assert_int_equal(read_bytes("ag.nii", two, sizeof two, &img, &err), MC_ERR_AUTH);
    /* other headers */
    make_hdr(h, 3, d3, 2, 8, 0);
    memcpy(h + O_MAGIC, "ni1", 4);
    assert_int_equal(read_bytes("ah.nii", h, sizeof h, &img, &err), MC_ERR_UNSUPPORTED);
    memcpy(h + O_MAGIC, "\0\0\0", 4);
    assert_int_equal(read_bytes("ai.nii", h, sizeof h, &img, &err), MC_ERR_UNSUPPORTED);
    memcpy(h + O_MAGIC, "n+1", 4);
    wr32(h, 0, 540, 0);
    assert_int_equal(read_bytes("aj.nii", h, sizeof h, &img, &err), MC_ERR_UNSUPPORTED);
    wr32(h, 0, 12345, 0);
    assert_int_equal(read_bytes("ak.nii", h, sizeof h, &img, &err), MC_ERR_FORMAT);
    /* caller limits */
    mc_limits lim;
    mc_limits_default(&lim);
    lim.max_depth = 1;
    make_hdr(h, 3, d3, 2, 8, 0);
    p = mc_test_path("al.nii");
    assert_int_equal(mc_test_spit(p, h, sizeof h), 0);
    assert_int_equal(mc_nifti_read(p, &lim, &img, &err), MC_ERR_LIMITS);
    assert_null(img);
    assert_int_equal(mc_nifti_read("/nonexistent-dir/x.nii", NULL, &img, &err), MC_ERR_IO);
}

static void test_write_refusals(void **state) {
    (void)state;
    mc_image *a = NULL;
    mc_err err = {0};
    assert_int_equal(mc_image_new(&a, 4, 4, 1, 3, 8, 0, NULL, NULL), MC_OK);
    assert_int_equal(mc_nifti_write(a, mc_test_path("rgb.nii"), &err), MC_ERR_UNSUPPORTED);
    mc_image_free(a);
    assert_int_equal(mc_image_new(&a, 4, 4, 1, 1, 8, 1, NULL, NULL), MC_OK);
    assert_int_equal(mc_nifti_write(a, mc_test_path("s8.nii"), &err), MC_ERR_UNSUPPORTED);
    a->is_signed = 0;
    assert_int_equal(mc_nifti_write(a, "/nonexistent-dir/x.nii", &err), MC_ERR_IO);
    assert_int_equal(mc_nifti_write(a, "/nonexistent-dir/x.nii.gz", &err), MC_ERR_IO);
    mc_image_free(a);
    assert_int_equal(mc_image_new(&a, 40000, 1, 1, 1, 8, 0, NULL, NULL), MC_OK);
    assert_int_equal(mc_nifti_write(a, mc_test_path("wide.nii"), &err), MC_ERR_LIMITS);
    mc_image_free(a);
}

static int teardown(void **state) {
    (void)state;
    mc_test_tmpdir_cleanup();
    return 0;
}

int main(void) {
    if (mc_init() != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_ch2),
        cmocka_unit_test(test_roundtrip_ch2),
        cmocka_unit_test(test_metadata_extension),
        cmocka_unit_test(test_signed_volume),
        cmocka_unit_test(test_big_endian_file),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_absurd_headers),
        cmocka_unit_test(test_write_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
