/* test_png.c - PNG reader/writer (src/io/png.c).
 *
 * Independent PNGs are built here by hand (stored deflate blocks, adler32 and
 * CRC-32 computed in this file) so byte order, refused variants and corrupt
 * headers are checked without going through libspng's encoder. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "io/io.h"

/* ------------------------------------------------------------ helpers */



typedef struct buf {
    uint8_t *b;
    size_t n, cap;
} buf;

static void put(buf *o, const void *d, size_t n) {
    if (o->n + n > o->cap) {
        o->cap = (o->n + n) * 2 + 64;
        o->b = realloc(o->b, o->cap);
        assert_non_null(o->b);
    }
    if (n) memcpy(o->b + o->n, d, n);
    o->n += n;
}
static void put32(buf *o, uint32_t v) {
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(o, b, 4);
}
static uint32_t crc32_of(const uint8_t *d, size_t n, uint32_t c) {
    c = ~c;
    for (size_t i = 0; i < n; i++) {
        c ^= d[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}
static void chunk(buf *o, const char *type, const void *data, size_t len) {
    put32(o, (uint32_t)len);
    size_t at = o->n;
    put(o, type, 4);
    put(o, data, len);
    put32(o, crc32_of(o->b + at, 4 + len, 0));
}
/* zlib stream of stored blocks */
static void zstored(buf *o, const uint8_t *raw, size_t n) {
    uint8_t hdr[2] = {0x78, 0x01};
    put(o, hdr, 2);
    size_t i = 0;
    do {
        size_t k = n - i > 65535 ? 65535 : n - i;
        uint8_t bh[5] = {(uint8_t)(i + k == n), (uint8_t)k, (uint8_t)(k >> 8), (uint8_t)~k, (uint8_t)(~k >> 8)};
        put(o, bh, 5);
        put(o, raw + i, k);
        i += k;
    } while (i < n);
    uint32_t a = 1, b = 0;
    for (size_t j = 0; j < n; j++) {
        a = (a + raw[j]) % 65521;
        b = (b + a) % 65521;
    }
    put32(o, b << 16 | a);
}
static void ihdr_il(buf *o, uint32_t w, uint32_t h, int depth, int ctype, int interlace) {
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    put(o, sig, 8);
    uint8_t d[13] = {(uint8_t)(w >> 24), (uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w,
                     (uint8_t)(h >> 24), (uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h,
                     (uint8_t)depth, (uint8_t)ctype, 0, 0, (uint8_t)interlace};
    chunk(o, "IHDR", d, 13);
}
static void ihdr(buf *o, uint32_t w, uint32_t h, int depth, int ctype) { ihdr_il(o, w, h, depth, ctype, 0); }
/* IDAT from unfiltered rows (a 0 filter byte is prepended to each row) */
static void idat(buf *o, const uint8_t *rows, size_t stride, uint32_t h) {
    buf raw = {0};
    for (uint32_t y = 0; y < h; y++) {
        uint8_t f = 0;
        put(&raw, &f, 1);
        put(&raw, rows + (size_t)y * stride, stride);
    }
    buf z = {0};
    zstored(&z, raw.b, raw.n);
    chunk(o, "IDAT", z.b, z.n);
    free(raw.b);
    free(z.b);
}
static void iend(buf *o) { chunk(o, "IEND", NULL, 0); }
/* Adam7-interlaced IDAT from samples s[(y*w + x)*ch + c] of `depth` bits */
static void idat_adam7(buf *o, const uint16_t *s, uint32_t w, uint32_t h, unsigned ch, unsigned depth) {
    static const unsigned x0[7] = {0, 4, 0, 2, 0, 1, 0}, y0[7] = {0, 0, 4, 0, 2, 0, 1};
    static const unsigned dx[7] = {8, 8, 4, 4, 2, 2, 1}, dy[7] = {8, 8, 8, 4, 4, 2, 2};
    buf raw = {0};
    for (int p = 0; p < 7; p++) {
        if (x0[p] >= w || y0[p] >= h) continue;
        for (uint32_t y = y0[p]; y < h; y += dy[p]) {
            uint8_t f = 0, acc = 0;
            unsigned nb = 0;
            put(&raw, &f, 1);
            for (uint32_t x = x0[p]; x < w; x += dx[p])
                for (unsigned c = 0; c < ch; c++) {
                    uint16_t v = s[((size_t)y * w + x) * ch + c];
                    if (depth == 16) {
                        uint8_t b2[2] = {(uint8_t)(v >> 8), (uint8_t)v};
                        put(&raw, b2, 2);
                    } else if (depth == 8) {
                        uint8_t b1 = (uint8_t)v;
                        put(&raw, &b1, 1);
                    } else {
                        acc = (uint8_t)(acc | v << (8 - depth - nb));
                        nb += depth;
                        if (nb == 8) {
                            put(&raw, &acc, 1);
                            acc = 0;
                            nb = 0;
                        }
                    }
                }
            if (nb) put(&raw, &acc, 1);
        }
    }
    buf z = {0};
    zstored(&z, raw.b, raw.n);
    chunk(o, "IDAT", z.b, z.n);
    free(raw.b);
    free(z.b);
}
static void text_chunk(buf *o, const char *type, const char *kw, const char *text) {
    buf d = {0};
    put(&d, kw, strlen(kw) + 1);
    if (!strcmp(type, "iTXt")) {
        uint8_t z[4] = {0, 0, 0, 0}; /* flag, method, empty lang, empty tkey */
        put(&d, z, 4);
    }
    put(&d, text, strlen(text));
    chunk(o, type, d.b, d.n);
    free(d.b);
}

static int read_buf(const buf *o, const char *name, mc_image **img, mc_err *err) {
    const char *p = mc_test_path(name);
    assert_int_equal(mc_test_spit(p, o->b, o->n), 0);
    return mc_png_read(p, NULL, img, err);
}

static int file_has(const char *path, const void *needle, size_t n) {
    size_t len = 0;
    uint8_t *b = mc_test_slurp(path, &len);
    assert_non_null(b);
    int found = 0;
    for (size_t i = 0; i + n <= len && !found; i++) found = !memcmp(b + i, needle, n);
    free(b);
    return found;
}

static void roundtrip(unsigned ch, unsigned bits, int is_signed, const char *name) {
    mc_image *a = mc_test_random_image(37, 23, ch, bits, is_signed), *b = NULL;
    const char *p = mc_test_path(name);
    mc_err err = {0};
    assert_int_equal(mc_png_write(a, p, &err), MC_OK);
    assert_int_equal(mc_png_read(p, NULL, &b, &err), MC_OK);
    assert_int_equal(b->width, 37);
    assert_int_equal(b->height, 23);
    assert_int_equal(b->depth, 1);
    assert_int_equal(b->channels, ch);
    assert_int_equal(b->bits, bits);
    assert_int_equal(b->bits_stored, bits);
    assert_int_equal(b->is_signed, is_signed);
    assert_int_equal(b->format, MC_FMT_PNG);
    assert_int_equal(b->has_meta, 0);
    assert_int_equal(b->nbytes, a->nbytes);
    assert_memory_equal(a->pixels, b->pixels, a->nbytes);
    mc_image_free(a);
    mc_image_free(b);
}

static uint64_t pixel_sum(const mc_image *img) {
    uint64_t s = 0;
    const uint8_t *p = img->pixels;
    for (size_t i = 0; i < img->nbytes; i++) s += p[i];
    return s;
}

/* -------------------------------------------------------------- tests */

/* Reference values computed once with Debian's /usr/bin/python3:
 *   a = skimage.io.imread(f); a.shape; a[r, c]; int(a.astype(np.uint64).sum())
 * skimage indexes [row, column] = [y, x]. */
static void test_read_itk_gray(void **state) {
    (void)state;
    const char *p = mc_test_sample("itk/BrainMidSagittalSlice.png");
    mc_test_need(p, "itk/BrainMidSagittalSlice.png");
    mc_image *img = NULL;
    mc_err err = {0};
    assert_int_equal(mc_png_read(p, NULL, &img, &err), MC_OK);
    assert_int_equal(img->width, 217); /* shape (180, 217) */
    assert_int_equal(img->height, 180);
    assert_int_equal(img->depth, 1);
    assert_int_equal(img->channels, 1);
    assert_int_equal(img->bits, 8);
    assert_int_equal(img->bits_stored, 8);
    assert_int_equal(img->is_signed, 0);
    assert_int_equal(img->has_meta, 0);
    const uint8_t *px = img->pixels;
    assert_int_equal(px[90 * 217 + 108], 37); /* a[90, 108] */
    assert_int_equal(px[10 * 217 + 20], 7);   /* a[10, 20] */
    assert_true(pixel_sum(img) == 2067965ULL);
    assert_true(img->spacing[0] == 0.0); /* no pHYs (its sCAL is ignored) */
    mc_image_free(img);
}

static void test_read_itk_gray_palette(void **state) {
    (void)state;
    /* colour type 3 with an all-gray 256-entry palette -> 1 channel */
    const char *p = mc_test_sample("itk/BrainProtonDensitySlice.png");
    mc_test_need(p, "itk/BrainProtonDensitySlice.png");
    mc_image *img = NULL;
    mc_err err = {0};
    assert_int_equal(mc_png_read(p, NULL, &img, &err), MC_OK);
    assert_int_equal(img->width, 181); /* shape (217, 181) */
    assert_int_equal(img->height, 217);
    assert_int_equal(img->channels, 1);
    assert_int_equal(img->bits, 8);
    const uint8_t *px = img->pixels;
    assert_int_equal(px[108 * 181 + 90], 206); /* a[108, 90] */
    assert_int_equal(px[10 * 181 + 20], 5);
    assert_true(pixel_sum(img) == 4860107ULL);
    /* pHYs 2835 px/m */
    assert_true(img->spacing[0] == 1000.0 / 2835);
    assert_true(img->spacing[1] == 1000.0 / 2835);
    mc_image_free(img);
}

static void test_read_itk_rgb(void **state) {
    (void)state;
    const char *p = mc_test_sample("itk/BrainT1Slice.png");
    mc_test_need(p, "itk/BrainT1Slice.png");
    mc_image *img = NULL;
    mc_err err = {0};
    assert_int_equal(mc_png_read(p, NULL, &img, &err), MC_OK);
    assert_int_equal(img->width, 181); /* shape (217, 181, 3) */
    assert_int_equal(img->height, 217);
    assert_int_equal(img->channels, 3);
    const uint8_t *px = img->pixels;
    size_t at = ((size_t)108 * 181 + 90) * 3; /* a[108, 90] = [85, 85, 85] */
    assert_int_equal(px[at], 85);
    assert_int_equal(px[at + 1], 85);
    assert_int_equal(px[at + 2], 85);
    assert_int_equal(px[(10 * 181 + 20) * 3], 3);
    assert_true(pixel_sum(img) == 8021856ULL);
    mc_image_free(img);
}

static void test_itk_rewrite_identical(void **state) {
    (void)state;
    const char *p = mc_test_sample("itk/BrainProtonDensitySlice.png");
    mc_test_need(p, "itk/BrainProtonDensitySlice.png");
    mc_image *a = NULL, *b = NULL;
    assert_int_equal(mc_png_read(p, NULL, &a, NULL), MC_OK);
    const char *q = mc_test_path("itk_rewrite.png");
    assert_int_equal(mc_png_write(a, q, NULL), MC_OK);
    assert_int_equal(mc_png_read(q, NULL, &b, NULL), MC_OK);
    assert_int_equal(b->channels, 1);
    assert_memory_equal(a->pixels, b->pixels, a->nbytes);
    assert_true(a->spacing[0] == b->spacing[0]); /* pHYs carried bit-exact */
    assert_true(file_has(q, "pHYs\x00\x00\x0b\x13\x00\x00\x0b\x13\x01", 13));
    mc_image_free(a);
    mc_image_free(b);
}

static void test_roundtrip_gray8(void **state) { (void)state; roundtrip(1, 8, 0, "g8.png"); }
static void test_roundtrip_gray16(void **state) { (void)state; roundtrip(1, 16, 0, "g16.png"); }
static void test_roundtrip_rgb8(void **state) { (void)state; roundtrip(3, 8, 0, "rgb8.png"); }
static void test_roundtrip_rgb16(void **state) { (void)state; roundtrip(3, 16, 0, "rgb16.png"); }

static void test_roundtrip_signed16(void **state) {
    (void)state;
    roundtrip(1, 16, 1, "s16.png");
    /* the marker is what carries signedness */
    mc_image *a = mc_test_random_image(5, 4, 1, 16, 1);
    const char *p = mc_test_path("s16b.png");
    assert_int_equal(mc_png_write(a, p, NULL), MC_OK);
    assert_true(file_has(p, "iTXtmedcrypt-image", 18));
    assert_true(file_has(p, "signed=1", 8));
    a->is_signed = 0;
    assert_int_equal(mc_png_write(a, p, NULL), MC_OK);
    assert_false(file_has(p, "medcrypt-image", 14));
    mc_image_free(a);
}

static void test_16bit_byte_order(void **state) {
    (void)state;
    /* file bytes are big-endian: 0x12 0x34 -> 0x1234 */
    const uint8_t rows[2][4] = {{0x12, 0x34, 0xff, 0x01}, {0x00, 0x02, 0x80, 0x00}};
    buf o = {0};
    ihdr(&o, 2, 2, 16, 0);
    idat(&o, &rows[0][0], 4, 2);
    iend(&o);
    mc_image *img = NULL;
    mc_err err = {0};
    assert_int_equal(read_buf(&o, "be16.png", &img, &err), MC_OK);
    const uint16_t *s = img->pixels;
    assert_int_equal(img->bits, 16);
    assert_int_equal(s[0], 0x1234);
    assert_int_equal(s[1], 0xff01);
    assert_int_equal(s[2], 0x0002);
    assert_int_equal(s[3], 0x8000);
    /* written and read back unchanged (the file side of the writer's byte
     * order is checked against skimage by tests/oracle/png_nifti_oracle.py) */
    const char *q = mc_test_path("be16_out.png");
    assert_int_equal(mc_png_write(img, q, &err), MC_OK);
    mc_image *b = NULL;
    assert_int_equal(mc_png_read(q, NULL, &b, &err), MC_OK);
    assert_memory_equal(img->pixels, b->pixels, img->nbytes);
    mc_image_free(img);
    mc_image_free(b);
    free(o.b);
}

static void test_metadata_roundtrip(void **state) {
    (void)state;
    mc_image *a = mc_test_random_image(16, 9, 1, 8, 0), *b = NULL;
    mc_meta_clear(&a->meta);
    assert_int_equal(mc_meta_set(&a->meta, "medcrypt", "1"), MC_OK);
    assert_int_equal(mc_meta_set(&a->meta, "scheme", "aead"), MC_OK);
    assert_int_equal(mc_meta_set(&a->meta, "nonce", "00112233445566778899aabbccddeeff0011223344556677"), MC_OK);
    assert_int_equal(mc_meta_set(&a->meta, "p.rounds", "3"), MC_OK);
    a->has_meta = 1;
    const char *p = mc_test_path("meta.png");
    mc_err err = {0};
    assert_int_equal(mc_png_write(a, p, &err), MC_OK);
    assert_true(file_has(p, "iTXtmedcrypt\0", 13));
    assert_int_equal(mc_png_read(p, NULL, &b, &err), MC_OK);
    assert_int_equal(b->has_meta, 1);
    assert_int_equal(b->meta.n, 4);
    assert_string_equal(mc_meta_get(&b->meta, "scheme"), "aead");
    assert_string_equal(mc_meta_get(&b->meta, "nonce"), "00112233445566778899aabbccddeeff0011223344556677");
    assert_string_equal(mc_meta_get(&b->meta, "p.rounds"), "3");
    assert_memory_equal(a->pixels, b->pixels, a->nbytes);
    /* written back without metadata: the chunk disappears */
    b->has_meta = 0;
    const char *q = mc_test_path("meta2.png");
    assert_int_equal(mc_png_write(b, q, &err), MC_OK);
    assert_false(file_has(q, "iTXtmedcrypt", 12));
    mc_image *c = NULL;
    assert_int_equal(mc_png_read(q, NULL, &c, &err), MC_OK);
    assert_int_equal(c->has_meta, 0);
    mc_image_free(a);
    mc_image_free(b);
    mc_image_free(c);
}

static void test_text_after_idat_and_carry(void **state) {
    (void)state;
    const uint8_t rows[2][3] = {{1, 2, 3}, {4, 5, 6}};
    buf o = {0};
    ihdr(&o, 3, 2, 8, 0);
    text_chunk(&o, "tEXt", "Comment", "hello world");
    uint8_t phys[9] = {0, 0, 0x03, 0xe8, 0, 0, 0x07, 0xd0, 1}; /* 1000, 2000 px/m */
    chunk(&o, "pHYs", phys, 9);
    idat(&o, &rows[0][0], 3, 2);
    text_chunk(&o, "iTXt", "medcrypt", "medcrypt=1;scheme=x");
    iend(&o);
    mc_image *img = NULL;
    mc_err err = {0};
    assert_int_equal(read_buf(&o, "after.png", &img, &err), MC_OK);
    assert_int_equal(img->has_meta, 1);
    assert_string_equal(mc_meta_get(&img->meta, "scheme"), "x");
    assert_true(img->spacing[0] == 1.0);
    assert_true(img->spacing[1] == 0.5);
    const char *q = mc_test_path("carry.png");
    assert_int_equal(mc_png_write(img, q, &err), MC_OK);
    assert_true(file_has(q, "Comment\0hello world", 19));
    assert_true(file_has(q, "pHYs\x00\x00\x03\xe8\x00\x00\x07\xd0\x01", 13));
    /* a changed spacing gives a new pHYs */
    img->spacing[0] = 0.25;
    img->spacing[1] = 0.5;
    assert_int_equal(mc_png_write(img, q, &err), MC_OK);
    assert_true(file_has(q, "pHYs\x00\x00\x0f\xa0\x00\x00\x07\xd0\x01", 13));
    mc_image_free(img);
    free(o.b);
}

static void test_duplicate_meta_refused(void **state) {
    (void)state;
    const uint8_t row[2] = {0, 0};
    buf o = {0};
    ihdr(&o, 2, 1, 8, 0);
    text_chunk(&o, "iTXt", "medcrypt", "medcrypt=1;scheme=a");
    idat(&o, row, 2, 1);
    text_chunk(&o, "tEXt", "medcrypt", "medcrypt=1;scheme=b");
    iend(&o);
    mc_image *img = NULL;
    mc_err err = {0};
    assert_int_equal(read_buf(&o, "dup.png", &img, &err), MC_ERR_AUTH); /* tampering */
    assert_null(img);
    free(o.b);
    /* malformed metadata text */
    buf m = {0};
    ihdr(&m, 2, 1, 8, 0);
    text_chunk(&m, "iTXt", "medcrypt", "no equals sign");
    idat(&m, row, 2, 1);
    iend(&m);
    int rc = read_buf(&m, "badmeta.png", &img, &err);
    assert_true(rc == MC_ERR_AUTH || rc == MC_ERR_FORMAT); /* mc_meta_parse decides */
    assert_null(img);
    free(m.b);
    /* unknown medcrypt-image entry */
    buf u = {0};
    ihdr(&u, 2, 1, 8, 0);
    text_chunk(&u, "iTXt", "medcrypt-image", "signed=1;endian=big");
    idat(&u, row, 2, 1);
    iend(&u);
    assert_int_equal(read_buf(&u, "badimg.png", &img, &err), MC_ERR_UNSUPPORTED);
    free(u.b);
    /* bytes after IEND */
    buf t = {0};
    ihdr(&t, 2, 1, 8, 0);
    idat(&t, row, 2, 1);
    iend(&t);
    put(&t, "junk", 4);
    assert_int_equal(read_buf(&t, "trail.png", &img, &err), MC_ERR_FORMAT);
    free(t.b);
}

static void test_alpha_and_trns_refused(void **state) {
    (void)state;
    const uint8_t rows[8] = {0};
    mc_image *img = NULL;
    mc_err err = {0};
    int types[2] = {4, 6}; /* gray+alpha, RGBA */
    for (int i = 0; i < 2; i++) {
        buf o = {0};
        ihdr(&o, 1, 1, 8, types[i]);
        idat(&o, rows, types[i] == 4 ? 2 : 4, 1);
        iend(&o);
        assert_int_equal(read_buf(&o, "alpha.png", &img, &err), MC_ERR_UNSUPPORTED);
        assert_non_null(strstr(err.msg, "alpha"));
        free(o.b);
    }
    buf t = {0};
    ihdr(&t, 2, 1, 8, 0);
    uint8_t trns[2] = {0, 7};
    chunk(&t, "tRNS", trns, 2);
    idat(&t, rows, 2, 1);
    iend(&t);
    assert_int_equal(read_buf(&t, "trns.png", &img, &err), MC_ERR_UNSUPPORTED);
    assert_null(img);
    free(t.b);
}

static void test_low_bit_depth_and_palette(void **state) {
    (void)state;
    mc_image *img = NULL;
    mc_err err = {0};
    /* 2-bit gray, 5 pixels: 0 1 2 3 2 -> bits 00 01 10 11 | 10 000000 */
    const uint8_t g2[2] = {0x1b, 0x80};
    buf o = {0};
    ihdr(&o, 5, 1, 2, 0);
    idat(&o, g2, 2, 1);
    iend(&o);
    assert_int_equal(read_buf(&o, "g2.png", &img, &err), MC_OK);
    assert_int_equal(img->bits, 8);
    assert_int_equal(img->bits_stored, 2);
    const uint8_t want[5] = {0, 1, 2, 3, 2};
    assert_memory_equal(img->pixels, want, 5);
    mc_image_free(img);
    free(o.b);

    /* colour palette, 4-bit indices 0 1 2 -> RGB */
    const uint8_t plte[9] = {10, 20, 30, 40, 50, 60, 70, 80, 90};
    const uint8_t idx[2] = {0x01, 0x20};
    buf c = {0};
    ihdr(&c, 3, 1, 4, 3);
    chunk(&c, "PLTE", plte, 9);
    idat(&c, idx, 2, 1);
    iend(&c);
    assert_int_equal(read_buf(&c, "pal.png", &img, &err), MC_OK);
    assert_int_equal(img->channels, 3);
    assert_memory_equal(img->pixels, plte, 9);
    mc_image_free(img);
    free(c.b);

    /* index beyond the palette */
    const uint8_t bad[1] = {5};
    buf b = {0};
    ihdr(&b, 1, 1, 8, 3);
    chunk(&b, "PLTE", plte, 9);
    idat(&b, bad, 1, 1);
    iend(&b);
    assert_int_equal(read_buf(&b, "palbad.png", &img, &err), MC_ERR_FORMAT);
    assert_null(img);
    free(b.b);
}

static void test_interlaced(void **state) {
    (void)state;
    struct { uint32_t w, h; unsigned ch, depth; int ctype; } cases[] = {
        {13, 7, 1, 2, 0}, {11, 9, 1, 4, 0}, {10, 3, 1, 1, 0}, {13, 11, 1, 8, 0}, {14, 9, 3, 16, 2}, {9, 9, 1, 16, 0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint32_t w = cases[k].w, h = cases[k].h;
        unsigned ch = cases[k].ch, depth = cases[k].depth;
        size_t n = (size_t)w * h * ch;
        uint16_t *s = malloc(n * sizeof *s);
        assert_non_null(s);
        for (size_t i = 0; i < n; i++) s[i] = (uint16_t)(mc_test_rand() & ((1u << depth) - 1));
        buf o = {0};
        ihdr_il(&o, w, h, (int)depth, cases[k].ctype, 1);
        idat_adam7(&o, s, w, h, ch, depth);
        iend(&o);
        mc_image *img = NULL;
        mc_err err = {0};
        assert_int_equal(read_buf(&o, "adam7.png", &img, &err), MC_OK);
        assert_int_equal(img->channels, ch);
        assert_int_equal(img->bits_stored, depth);
        for (size_t i = 0; i < n; i++) {
            unsigned v = depth == 16 ? ((uint16_t *)img->pixels)[i] : ((uint8_t *)img->pixels)[i];
            if (v != s[i]) print_error("case %zu sample %zu: %u != %u\n", k, i, v, s[i]);
            assert_int_equal(v, s[i]);
        }
        mc_image_free(img);
        free(s);
        free(o.b);
    }
    /* interlaced palette, 8-bit indices: fine; 4-bit: refused */
    const uint8_t plte[6] = {1, 2, 3, 4, 5, 6};
    uint16_t idx[6] = {0, 1, 1, 0, 1, 0};
    for (int depth = 8; depth >= 4; depth -= 4) {
        buf o = {0};
        ihdr_il(&o, 3, 2, depth, 3, 1);
        chunk(&o, "PLTE", plte, 6);
        idat_adam7(&o, idx, 3, 2, 1, (unsigned)depth);
        iend(&o);
        mc_image *img = NULL;
        mc_err err = {0};
        int rc = read_buf(&o, "adam7p.png", &img, &err);
        if (depth == 8) {
            assert_int_equal(rc, MC_OK);
            const uint8_t *px = img->pixels;
            for (int i = 0; i < 6; i++) assert_memory_equal(px + 3 * i, plte + 3 * idx[i], 3);
            mc_image_free(img);
        } else {
            assert_int_equal(rc, MC_ERR_UNSUPPORTED);
        }
        free(o.b);
    }
}

static void test_truncated(void **state) {
    (void)state;
    mc_image *a = mc_test_random_image(64, 48, 1, 16, 0), *img = NULL;
    mc_meta_clear(&a->meta);
    assert_int_equal(mc_meta_set(&a->meta, "medcrypt", "1"), MC_OK);
    a->has_meta = 1;
    const char *p = mc_test_path("full.png");
    assert_int_equal(mc_png_write(a, p, NULL), MC_OK);
    size_t len = 0;
    uint8_t *b = mc_test_slurp(p, &len);
    assert_non_null(b);
    assert_true(len > 100);
    const char *q = mc_test_path("trunc.png");
    size_t cuts[] = {0, 1, 7, 8, 12, 20, 33, 40, len / 3, len / 2, len - 40, len - 13, len - 12, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        assert_int_equal(mc_test_spit(q, b, cuts[i]), 0);
        mc_err err = {0};
        int rc = mc_png_read(q, NULL, &img, &err);
        if (rc == MC_OK) print_error("truncation at %zu of %zu accepted\n", cuts[i], len);
        assert_int_equal(rc, MC_ERR_FORMAT);
        assert_null(img);
        assert_true(err.msg[0] != 0);
    }
    /* flipped byte inside IDAT: CRC error */
    b[len - 30] ^= 0x40;
    assert_int_equal(mc_test_spit(q, b, len), 0);
    assert_int_equal(mc_png_read(q, NULL, &img, NULL), MC_ERR_FORMAT);
    free(b);
    mc_image_free(a);
}

static void test_absurd_dims(void **state) {
    (void)state;
    mc_image *img = NULL;
    mc_err err = {0};
    const uint8_t row[4] = {0};
    /* 0x7fffffff x 0x7fffffff, valid CRC: refused before any allocation */
    buf o = {0};
    ihdr(&o, 0x7fffffffu, 0x7fffffffu, 16, 2);
    idat(&o, row, 4, 1);
    iend(&o);
    assert_int_equal(read_buf(&o, "huge.png", &img, &err), MC_ERR_LIMITS);
    assert_null(img);
    free(o.b);
    /* within PNG's range but over the pixel-byte limit */
    buf m = {0};
    ihdr(&m, 60000, 60000, 16, 2);
    idat(&m, row, 4, 1);
    iend(&m);
    assert_int_equal(read_buf(&m, "big.png", &img, &err), MC_ERR_LIMITS);
    free(m.b);
    /* zero width: invalid IHDR */
    buf z = {0};
    ihdr(&z, 0, 1, 8, 0);
    idat(&z, row, 1, 1);
    iend(&z);
    assert_int_equal(read_buf(&z, "zero.png", &img, &err), MC_ERR_FORMAT);
    free(z.b);
    /* caller limits */
    const char *p = mc_test_path("lim.png");
    mc_image *a = mc_test_random_image(50, 10, 1, 8, 0);
    assert_int_equal(mc_png_write(a, p, NULL), MC_OK);
    mc_limits lim;
    mc_limits_default(&lim);
    lim.max_width = 49;
    assert_int_equal(mc_png_read(p, &lim, &img, &err), MC_ERR_LIMITS);
    mc_limits_default(&lim);
    lim.max_bytes = 499;
    assert_int_equal(mc_png_read(p, &lim, &img, &err), MC_ERR_LIMITS);
    lim.max_bytes = 500;
    assert_int_equal(mc_png_read(p, &lim, &img, &err), MC_OK);
    mc_image_free(img);
    mc_image_free(a);
}

static void test_write_refusals(void **state) {
    (void)state;
    mc_image *v = NULL;
    mc_err err = {0};
    assert_int_equal(mc_image_new(&v, 4, 4, 3, 1, 8, 0, NULL, NULL), MC_OK);
    assert_int_equal(mc_png_write(v, mc_test_path("vol.png"), &err), MC_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "NIfTI"));
    mc_image_free(v);
    mc_image *a = mc_test_random_image(4, 4, 1, 8, 0);
    assert_int_equal(mc_png_write(a, "/nonexistent-dir/x.png", &err), MC_ERR_IO);
    mc_image_free(a);
    assert_int_equal(mc_png_read("/nonexistent-dir/x.png", NULL, &a, &err), MC_ERR_IO);
}

static int teardown(void **state) {
    (void)state;
    mc_test_tmpdir_cleanup();
    return 0;
}

int main(void) {
    if (mc_init() != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_itk_gray),
        cmocka_unit_test(test_read_itk_gray_palette),
        cmocka_unit_test(test_read_itk_rgb),
        cmocka_unit_test(test_itk_rewrite_identical),
        cmocka_unit_test(test_roundtrip_gray8),
        cmocka_unit_test(test_roundtrip_gray16),
        cmocka_unit_test(test_roundtrip_rgb8),
        cmocka_unit_test(test_roundtrip_rgb16),
        cmocka_unit_test(test_roundtrip_signed16),
        cmocka_unit_test(test_16bit_byte_order),
        cmocka_unit_test(test_metadata_roundtrip),
        cmocka_unit_test(test_text_after_idat_and_carry),
        cmocka_unit_test(test_duplicate_meta_refused),
        cmocka_unit_test(test_alpha_and_trns_refused),
        cmocka_unit_test(test_low_bit_depth_and_palette),
        cmocka_unit_test(test_interlaced),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_absurd_dims),
        cmocka_unit_test(test_write_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
