/* test_pnm.c - PGM/PPM reader/writer (src/io/pnm.c). */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "io/io.h"


static mc_image *random_image(uint32_t w, uint32_t h, unsigned ch, unsigned bits, unsigned maxval) {
    mc_image *img = NULL;
    assert_int_equal(mc_image_new(&img, w, h, 1, ch, bits, 0, NULL, NULL), MC_OK);
    size_t n = mc_image_samples(img);
    for (size_t i = 0; i < n; i++) {
        uint32_t v = mc_test_rand() % (maxval + 1);
        if (bits == 16) ((uint16_t *)img->pixels)[i] = (uint16_t)v;
        else ((uint8_t *)img->pixels)[i] = (uint8_t)v;
    }
    return img;
}

/* Write header text + raw bytes to a temp file and read it. */
static int read_raw(const char *name, const char *header, const void *data, size_t n, mc_image **img,
                    mc_err *err) {
    const char *p = mc_test_path(name);
    size_t hl = strlen(header);
    uint8_t *b = malloc(hl + n + 1);
    assert_non_null(b);
    memcpy(b, header, hl);
    if (n) memcpy(b + hl, data, n);
    assert_int_equal(mc_test_spit(p, b, hl + n), 0);
    free(b);
    *img = NULL;
    int rc = mc_pnm_read(p, NULL, img, err);
    if (rc) assert_null(*img);
    return rc;
}

static char *slurp_str(const char *path, size_t *len) {
    uint8_t *b = mc_test_slurp(path, len);
    assert_non_null(b);
    char *s = realloc(b, *len + 1);
    assert_non_null(s);
    s[*len] = 0;
    return s;
}

static void roundtrip(unsigned ch, unsigned bits, const char *name, const char *magic_line) {
    mc_image *a = random_image(31, 17, ch, bits, bits == 16 ? 65535 : 255), *b = NULL;
    const char *p = mc_test_path(name);
    mc_err err = {0};
    assert_int_equal(mc_pnm_write(a, p, &err), MC_OK);
    size_t len;
    char *s = slurp_str(p, &len);
    assert_true(!strncmp(s, magic_line, strlen(magic_line)));
    assert_int_equal(len, strlen(magic_line) + a->nbytes);
    /* big-endian samples in the file */
    if (bits == 16) {
        const uint8_t *f = (const uint8_t *)s + strlen(magic_line);
        uint16_t v0 = ((const uint16_t *)a->pixels)[0];
        assert_int_equal(f[0], v0 >> 8);
        assert_int_equal(f[1], v0 & 0xff);
    }
    free(s);
    assert_int_equal(mc_pnm_read(p, NULL, &b, &err), MC_OK);
    assert_int_equal(b->width, 31);
    assert_int_equal(b->height, 17);
    assert_int_equal(b->depth, 1);
    assert_int_equal(b->channels, ch);
    assert_int_equal(b->bits, bits);
    assert_int_equal(b->bits_stored, bits);
    assert_int_equal(b->is_signed, 0);
    assert_int_equal(b->has_meta, 0);
    assert_int_equal(b->format, MC_FMT_PNM);
    assert_memory_equal(a->pixels, b->pixels, a->nbytes);
    mc_image_free(a);
    mc_image_free(b);
}

static void test_p5_8(void **state) { (void)state; roundtrip(1, 8, "a.pgm", "P5\n31 17\n255\n"); }
static void test_p5_16(void **state) { (void)state; roundtrip(1, 16, "b.pgm", "P5\n31 17\n65535\n"); }
static void test_p6_8(void **state) { (void)state; roundtrip(3, 8, "c.ppm", "P6\n31 17\n255\n"); }
static void test_p6_16(void **state) { (void)state; roundtrip(3, 16, "d.ppm", "P6\n31 17\n65535\n"); }

static void test_p5_maxval_4095(void **state) {
    (void)state;
    const uint8_t d[6] = {0x0f, 0xff, 0x00, 0x01, 0x08, 0x00}; /* 4095 1 2048 */
    mc_image *img = NULL;
    mc_err err = {0};
    assert_int_equal(read_raw("m.pgm", "P5\n3 1\n4095\n", d, 6, &img, &err), MC_OK);
    assert_int_equal(img->bits, 16);
    assert_int_equal(img->bits_stored, 12);
    const uint16_t *s = img->pixels;
    assert_int_equal(s[0], 4095);
    assert_int_equal(s[1], 1);
    assert_int_equal(s[2], 2048);
    /* written back with the same maxval while the samples fit */
    const char *p = mc_test_path("m2.pgm");
    assert_int_equal(mc_pnm_write(img, p, &err), MC_OK);
    size_t len;
    char *t = slurp_str(p, &len);
    assert_non_null(strstr(t, "\n3 1\n4095\n"));
    free(t);
    /* a sample above it (e.g. after encryption) -> full range */
    ((uint16_t *)img->pixels)[1] = 40000;
    assert_int_equal(mc_pnm_write(img, p, &err), MC_OK);
    t = slurp_str(p, &len);
    assert_non_null(strstr(t, "\n3 1\n65535\n"));
    free(t);
    mc_image *b = NULL;
    assert_int_equal(mc_pnm_read(p, NULL, &b, &err), MC_OK);
    assert_memory_equal(img->pixels, b->pixels, img->nbytes);
    assert_int_equal(b->bits_stored, 16);
    mc_image_free(img);
    mc_image_free(b);
}

static void test_odd_maxval_and_bits_stored(void **state) {
    (void)state;
    mc_image *img = NULL;
    mc_err err = {0};
    const uint8_t d[2] = {0, 100};
    assert_int_equal(read_raw("o.pgm", "P5 2 1 100\n", d, 2, &img, &err), MC_OK);
    assert_int_equal(img->bits, 8);
    assert_int_equal(img->bits_stored, 7);
    const char *p = mc_test_path("o2.pgm");
    assert_int_equal(mc_pnm_write(img, p, &err), MC_OK);
    size_t len;
    char *t = slurp_str(p, &len);
    assert_non_null(strstr(t, "\n2 1\n100\n"));
    free(t);
    mc_image_free(img);
    /* maxval 1 */
    const uint8_t e[2] = {1, 0};
    assert_int_equal(read_raw("one.pgm", "P5 2 1 1\n", e, 2, &img, &err), MC_OK);
    assert_int_equal(img->bits_stored, 1);
    mc_image_free(img);
    /* a 16-bit image from elsewhere with bits_stored 12 gets maxval 4095 */
    mc_image *a = random_image(4, 4, 1, 16, 4095), *b = NULL;
    a->bits_stored = 12;
    assert_int_equal(mc_pnm_write(a, p, &err), MC_OK);
    t = slurp_str(p, &len);
    assert_non_null(strstr(t, "\n4095\n"));
    free(t);
    assert_int_equal(mc_pnm_read(p, NULL, &b, &err), MC_OK);
    assert_int_equal(b->bits_stored, 12);
    mc_image_free(b);
    /* ... but a 16-bit image must stay 16-bit: bits_stored 8 -> 65535 */
    memset(a->pixels, 0, a->nbytes);
    a->bits_stored = 8;
    assert_int_equal(mc_pnm_write(a, p, &err), MC_OK);
    assert_int_equal(mc_pnm_read(p, NULL, &b, &err), MC_OK);
    assert_int_equal(b->bits, 16);
    assert_memory_equal(a->pixels, b->pixels, a->nbytes);
    mc_image_free(a);
    mc_image_free(b);
}

static void test_metadata_comment(void **state) {
    (void)state;
    mc_image *a = random_image(8, 5, 3, 8, 255), *b = NULL;
    assert_int_equal(mc_meta_set(&a->meta, "medcrypt", "1"), MC_OK);
    assert_int_equal(mc_meta_set(&a->meta, "scheme", "aead"), MC_OK);
    assert_int_equal(mc_meta_set(&a->meta, "mac", "ab01"), MC_OK);
    a->has_meta = 1;
    const char *p = mc_test_path("meta.ppm");
    mc_err err = {0};
    assert_int_equal(mc_pnm_write(a, p, &err), MC_OK);
    size_t len;
    char *t = slurp_str(p, &len);
    assert_true(!strncmp(t, "P6\n# medcrypt medcrypt=1;scheme=aead;mac=ab01\n8 5\n255\n", 52));
    free(t);
    assert_int_equal(mc_pnm_read(p, NULL, &b, &err), MC_OK);
    assert_int_equal(b->has_meta, 1);
    assert_int_equal(b->meta.n, 3);
    assert_string_equal(mc_meta_get(&b->meta, "scheme"), "aead");
    assert_string_equal(mc_meta_get(&b->meta, "mac"), "ab01");
    assert_memory_equal(a->pixels, b->pixels, a->nbytes);
    /* written again without metadata: no comment */
    b->has_meta = 0;
    assert_int_equal(mc_pnm_write(b, p, &err), MC_OK);
    t = slurp_str(p, &len);
    assert_null(strstr(t, "medcrypt"));
    free(t);
    mc_image_free(a);
    mc_image_free(b);
    /* two metadata comments: tampering */
    mc_image *c = NULL;
    const uint8_t d[1] = {0};
    assert_int_equal(read_raw("dup.pgm", "P5\n# medcrypt medcrypt=1\n# medcrypt medcrypt=1\n1 1 255\n", d, 1,
                              &c, &err),
                     MC_ERR_AUTH);
    /* damaged metadata: mc_meta_parse's verdict */
    int rc = read_raw("bad.pgm", "P5\n# medcrypt medcrypt=1;x\n1 1 255\n", d, 1, &c, &err);
    assert_true(rc == MC_ERR_AUTH || rc == MC_ERR_FORMAT);
}

static void test_signed_comment(void **state) {
    (void)state;
    mc_image *a = NULL, *b = NULL;
    assert_int_equal(mc_image_new(&a, 3, 2, 1, 1, 16, 1, NULL, NULL), MC_OK);
    int16_t v[6] = {-1000, -1, 0, 1, 32767, -32768};
    memcpy(a->pixels, v, sizeof v);
    const char *p = mc_test_path("s.pgm");
    mc_err err = {0};
    assert_int_equal(mc_pnm_write(a, p, &err), MC_OK);
    size_t len;
    char *t = slurp_str(p, &len);
    assert_true(!strncmp(t, "P5\n# medcrypt-image signed=1\n3 2\n65535\n", 38));
    free(t);
    assert_int_equal(mc_pnm_read(p, NULL, &b, &err), MC_OK);
    assert_int_equal(b->is_signed, 1);
    assert_int_equal(b->bits, 16);
    assert_int_equal(b->bits_stored, 16);
    assert_memory_equal(b->pixels, v, sizeof v);
    mc_image_free(a);
    mc_image_free(b);
    const uint8_t d[2] = {0, 0};
    assert_int_equal(read_raw("s2.pgm", "P5\n# medcrypt-image signed=1;future=1\n1 1 65535\n", d, 2, &b, &err),
                     MC_ERR_UNSUPPORTED);
}

static void test_header_comments_and_whitespace(void **state) {
    (void)state;
    mc_image *img = NULL;
    mc_err err = {0};
    const uint8_t d[6] = {1, 2, 3, 4, 5, 6};
    assert_int_equal(read_raw("c.pgm", "P5#c0\n# c1\r\n 3\t# c2\n\n2\n#c3\n255\n", d, 6, &img, &err), MC_OK);
    assert_int_equal(img->width, 3);
    assert_int_equal(img->height, 2);
    assert_memory_equal(img->pixels, d, 6);
    /* ordinary comments are carried to a PNM written from it */
    const char *p = mc_test_path("c2.pgm");
    assert_int_equal(mc_pnm_write(img, p, &err), MC_OK);
    size_t len;
    char *t = slurp_str(p, &len);
    assert_non_null(strstr(t, "#c0\n# c1\n# c2\n#c3\n3 2\n255\n"));
    free(t);
    mc_image_free(img);
    /* comment directly after maxval ends the header at its newline */
    assert_int_equal(read_raw("c3.pgm", "P5 3 2 255#x\n", d, 6, &img, &err), MC_OK);
    assert_memory_equal(img->pixels, d, 6);
    mc_image_free(img);
    /* a raster starting with a whitespace byte value (10 = '\n') */
    const uint8_t nl[2] = {10, 32};
    assert_int_equal(read_raw("nl.pgm", "P5 2 1 255\n", nl, 2, &img, &err), MC_OK);
    assert_memory_equal(img->pixels, nl, 2);
    mc_image_free(img);
    /* trailing whitespace is fine, a second image is not */
    const uint8_t tw[3] = {7, '\n', ' '};
    assert_int_equal(read_raw("tw.pgm", "P5 1 1 255\n", tw, 3, &img, &err), MC_OK);
    mc_image_free(img);
    const uint8_t two[13] = {7, 'P', '5', ' ', '1', ' ', '1', ' ', '2', '5', '5', '\n', 8};
    assert_int_equal(read_raw("two.pgm", "P5 1 1 255\n", two, 13, &img, &err), MC_ERR_UNSUPPORTED);
}

static void test_header_errors(void **state) {
    (void)state;
    mc_image *img = NULL;
    mc_err err = {0};
    const uint8_t d[16] = {0};
    assert_int_equal(read_raw("e1.pgm", "P5 99999999999999999999 2 255\n", d, 16, &img, &err), MC_ERR_LIMITS);
    assert_int_equal(read_raw("e2.pgm", "P5 4294967296 1 255\n", d, 16, &img, &err), MC_ERR_LIMITS);
    assert_int_equal(read_raw("e3.pgm", "P5 4000000000 1 255\n", d, 16, &img, &err), MC_ERR_LIMITS);
    assert_int_equal(read_raw("e4.pgm", "P5 70000 70000 65535\n", d, 16, &img, &err), MC_ERR_LIMITS);
    assert_int_equal(read_raw("e5.pgm", "P5 3 2\n", NULL, 0, &img, &err), MC_ERR_FORMAT);      /* no maxval */
    assert_int_equal(read_raw("e6.pgm", "P5 3 2 x\n", d, 6, &img, &err), MC_ERR_FORMAT);
    assert_int_equal(read_raw("e7.pgm", "P5 3 2 0\n", d, 6, &img, &err), MC_ERR_FORMAT);      /* maxval 0 */
    assert_int_equal(read_raw("e8.pgm", "P5 3 2 70000\n", d, 12, &img, &err), MC_ERR_FORMAT); /* > 65535 */
    assert_int_equal(read_raw("e9.pgm", "P5 3 2 255\n", d, 5, &img, &err), MC_ERR_FORMAT);    /* short */
    assert_int_equal(read_raw("ea.pgm", "P6 3 2 65535\n", d, 16, &img, &err), MC_ERR_FORMAT); /* need 36 */
    assert_int_equal(read_raw("eb.pgm", "P5 0 2 255\n", d, 16, &img, &err), MC_ERR_FORMAT);   /* zero */
    assert_int_equal(read_raw("ec.pgm", "P5 3 2 255", NULL, 0, &img, &err), MC_ERR_FORMAT);   /* no raster */
    assert_int_equal(read_raw("ed.pgm", "P5 3 -2 255\n", d, 6, &img, &err), MC_ERR_FORMAT);
    assert_int_equal(read_raw("ee.pgm", "P5 3 2 255x", d, 6, &img, &err), MC_ERR_FORMAT);
    assert_int_equal(read_raw("ef.pgm", "P53 2 255\n", d, 6, &img, &err), MC_ERR_FORMAT);
    assert_int_equal(read_raw("eg.pgm", "P", NULL, 0, &img, &err), MC_ERR_FORMAT);
    assert_int_equal(read_raw("eh.pgm", "", NULL, 0, &img, &err), MC_ERR_FORMAT);
    assert_int_equal(read_raw("ei.pgm", "P5 3 2 # comment to EOF", NULL, 0, &img, &err), MC_ERR_FORMAT);
    /* sample above maxval */
    const uint8_t big[2] = {5, 101};
    assert_int_equal(read_raw("ej.pgm", "P5 2 1 100\n", big, 2, &img, &err), MC_ERR_FORMAT);
    const uint8_t big16[2] = {0x10, 0x00};
    assert_int_equal(read_raw("ek.pgm", "P5 1 1 4095\n", big16, 2, &img, &err), MC_ERR_FORMAT);
    /* other PNM kinds */
    const char *kinds[] = {"P1 1 1\n0\n", "P2 1 1 255\n0\n", "P3 1 1 255\n0 0 0\n", "P4 8 1\n", "P7\nWIDTH 1\n"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        assert_int_equal(read_raw("k.pnm", kinds[i], d, 1, &img, &err), MC_ERR_UNSUPPORTED);
    /* caller limits */
    mc_limits lim;
    mc_limits_default(&lim);
    lim.max_height = 1;
    const char *p = mc_test_path("lim.pgm");
    assert_int_equal(mc_test_spit(p, "P5 1 2 255\n\0\0", 13), 0);
    assert_int_equal(mc_pnm_read(p, &lim, &img, &err), MC_ERR_LIMITS);
    assert_null(img);
    assert_int_equal(mc_pnm_read("/nonexistent-dir/x.pgm", NULL, &img, &err), MC_ERR_IO);
}

static void test_truncated_everywhere(void **state) {
    (void)state;
    mc_image *a = random_image(9, 7, 3, 16, 65535), *b = NULL;
    assert_int_equal(mc_meta_set(&a->meta, "medcrypt", "1"), MC_OK);
    a->has_meta = 1;
    const char *p = mc_test_path("full.ppm");
    assert_int_equal(mc_pnm_write(a, p, NULL), MC_OK);
    size_t len;
    uint8_t *full = mc_test_slurp(p, &len);
    assert_non_null(full);
    const char *q = mc_test_path("cut.ppm");
    for (size_t cut = 0; cut < len; cut += (cut < 64 ? 1 : 37)) {
        assert_int_equal(mc_test_spit(q, full, cut), 0);
        mc_err err = {0};
        int rc = mc_pnm_read(q, NULL, &b, &err);
        assert_int_equal(rc, MC_ERR_FORMAT);
        assert_null(b);
        assert_true(err.msg[0] != 0);
    }
    free(full);
    mc_image_free(a);
}

static void test_write_refusals(void **state) {
    (void)state;
    mc_image *v = NULL;
    mc_err err = {0};
    assert_int_equal(mc_image_new(&v, 4, 4, 2, 1, 8, 0, NULL, NULL), MC_OK);
    assert_int_equal(mc_pnm_write(v, mc_test_path("vol.pgm"), &err), MC_ERR_UNSUPPORTED);
    assert_int_equal(mc_pnm_write(v, "/nonexistent-dir/x.pgm", &err), MC_ERR_UNSUPPORTED);
    v->depth = 1;
    v->nbytes = 16;
    assert_int_equal(mc_pnm_write(v, "/nonexistent-dir/x.pgm", &err), MC_ERR_IO);
    mc_image_free(v);
}

static int teardown(void **state) {
    (void)state;
    mc_test_tmpdir_cleanup();
    return 0;
}

int main(void) {
    if (mc_init() != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_p5_8),
        cmocka_unit_test(test_p5_16),
        cmocka_unit_test(test_p6_8),
        cmocka_unit_test(test_p6_16),
        cmocka_unit_test(test_p5_maxval_4095),
        cmocka_unit_test(test_odd_maxval_and_bits_stored),
        cmocka_unit_test(test_metadata_comment),
        cmocka_unit_test(test_signed_comment),
        cmocka_unit_test(test_header_comments_and_whitespace),
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_write_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
