/* test_aux.c - the aux blob (binary side data of a scheme): the API, the
 * hardened MAC over it (checked against an independent computation of the
 * MAC input), its storage in every format (round trips of several sizes,
 * conversion between every pair of formats, files damaged and tampered with
 * by hand, declared sizes over the cap), and niftilib reading a NIfTI file
 * that carries one.
 *
 * No scheme sets an aux blob yet, so the tests play that scheme: encrypt
 * with `logistic` (hardened), set the blob with mc_image_set_aux, and MAC
 * again with mc_image_mac (for a raw key the master key is the raw key). */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <nifti1_io.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

static const uint8_t KEYB[MC_KEY_BYTES] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                                           0xcc, 0xdd, 0xee, 0xff, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                           0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x12};
static mc_key *g_key;

static const struct {
    mc_format fmt;
    const char *ext;
} FMTS[] = {{MC_FMT_PNG, "png"}, {MC_FMT_PNM, "pgm"}, {MC_FMT_DICOM, "dcm"}, {MC_FMT_NIFTI, "nii"}, {MC_FMT_NIFTI, "nii.gz"}};
#define NFMTS (sizeof FMTS / sizeof FMTS[0])

/* ------------------------------------------------------------ helpers */

static uint8_t *rand_bytes(size_t n) {
    uint8_t *b = malloc(n ? n : 1);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) b[i] = (uint8_t)mc_test_rand();
    return b;
}

/* A logistic/hardened cipher of a random w x h gray image; *plain gets the
 * plaintext. */
static mc_image *make_cipher(uint32_t w, uint32_t h, unsigned bits, mc_image **plain) {
    mc_image *p = mc_test_random_image(w, h, 1, bits, 0);
    mc_image *c = mc_test_clone(p);
    mc_err err = {0};
    if (mc_encrypt(c, "logistic", MC_PROFILE_HARDENED, NULL, 0, g_key, NULL, &err)) fail_msg("encrypt: %s", err.msg);
    *plain = p;
    return c;
}

/* What a scheme with side data does: set the blob, then MAC again. */
static void attach_aux(mc_image *img, const uint8_t *buf, size_t len) {
    uint8_t mac[MC_MAC_BYTES];
    assert_int_equal(mc_image_set_aux(img, buf, len, NULL), MC_OK);
    assert_int_equal(mc_image_mac(img, KEYB, mac), MC_OK);
    assert_int_equal(mc_meta_set_hex(&img->meta, "mac", mac, sizeof mac), MC_OK);
}

/* A copy with pixels, metadata and aux blob. */
static mc_image *dup_image(const mc_image *c) {
    mc_image *d = mc_test_clone(c);
    d->meta = c->meta;
    d->has_meta = c->has_meta;
    assert_int_equal(mc_image_set_aux(d, c->aux, c->aux_len, NULL), MC_OK);
    return d;
}

static void assert_aux(const mc_image *a, const uint8_t *buf, size_t len) {
    assert_int_equal(a->aux_len, len);
    if (!len) {
        assert_null(a->aux);
        return;
    }
    assert_non_null(a->aux);
    assert_true(memcmp(a->aux, buf, len) == 0);
}

static void decrypt_ok(mc_image *img, const mc_image *plain) {
    mc_err err = {0};
    if (mc_decrypt(img, g_key, MC_TEST_OPTS, &err)) fail_msg("decrypt: %s", err.msg);
    assert_int_equal(img->aux_len, 0);
    assert_null(img->aux);
    assert_false(img->has_meta);
    assert_true(memcmp(img->pixels, plain->pixels, plain->nbytes) == 0);
}

static int decrypt_rc(const mc_image *img) {
    mc_image *d = dup_image(img);
    mc_err err = {0};
    int rc = mc_decrypt(d, g_key, MC_TEST_OPTS, &err);
    mc_image_free(d);
    return rc;
}

static const char *write_file(const mc_image *img, const char *name) {
    mc_err err = {0};
    const char *p = mc_test_path(name);
    if (mc_image_write(img, p, MC_FMT_UNKNOWN, &err)) fail_msg("write %s: %s", name, err.msg);
    return p;
}

static mc_image *read_file(const char *p) {
    mc_err err = {0};
    mc_image *r = NULL;
    if (mc_image_read(p, NULL, &r, &err)) fail_msg("read %s: %s", p, err.msg);
    return r;
}

/* Status of reading bytes b[0..n) written to a file called name. */
static int read_bytes_rc(const char *name, const uint8_t *b, size_t n, mc_err *err) {
    const char *p = mc_test_path(name);
    mc_image *r = NULL;
    assert_int_equal(mc_test_spit(p, b, n), 0);
    int rc = mc_image_read(p, NULL, &r, err);
    mc_image_free(r);
    return rc;
}

static mc_image *read_bytes_ok(const char *name, const uint8_t *b, size_t n) {
    const char *p = mc_test_path(name);
    assert_int_equal(mc_test_spit(p, b, n), 0);
    return read_file(p);
}

/* b with [at, at + del) replaced by ins[0..nins); *n updated; b freed. */
static uint8_t *splice(uint8_t *b, size_t *n, size_t at, size_t del, const void *ins, size_t nins) {
    assert_true(at + del <= *n);
    size_t m = *n - del + nins;
    uint8_t *o = malloc(m ? m : 1);
    assert_non_null(o);
    memcpy(o, b, at);
    if (nins) memcpy(o + at, ins, nins);
    memcpy(o + at + nins, b + at + del, *n - at - del);
    free(b);
    *n = m;
    return o;
}

static size_t find(const uint8_t *b, size_t n, const void *pat, size_t np) {
    for (size_t i = 0; i + np <= n; i++)
        if (!memcmp(b + i, pat, np)) return i;
    fail_msg("pattern not found");
    return 0;
}

/* text: replace the first occurrence of old by new */
static uint8_t *replace(uint8_t *b, size_t *n, const char *old, const char *new_) {
    size_t at = find(b, *n, old, strlen(old));
    return splice(b, n, at, strlen(old), new_, strlen(new_));
}

static uint32_t be32(const uint8_t *b) {
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}
static void put_be32(uint8_t *b, uint32_t v) {
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}
static uint32_t crc32_of(const uint8_t *d, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= d[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

/* ---------------------------------------------------------------- API */

static void test_api(void **state) {
    (void)state;
    mc_image *img = mc_test_random_image(8, 8, 1, 8, 0);
    mc_err err = {0};
    uint8_t b[5] = {1, 2, 3, 4, 5};
    assert_null(img->aux);
    assert_int_equal(img->aux_len, 0);
    assert_int_equal(mc_image_set_aux(img, b, 5, &err), MC_OK);
    assert_ptr_not_equal(img->aux, b); /* a copy */
    b[0] = 9;
    assert_int_equal(img->aux[0], 1);
    assert_int_equal(img->aux_len, 5);
    /* from inside its own blob */
    assert_int_equal(mc_image_set_aux(img, img->aux + 1, 3, &err), MC_OK);
    assert_int_equal(img->aux_len, 3);
    assert_int_equal(img->aux[0], 2);
    assert_int_equal(img->aux[2], 4);
    /* errors leave it alone */
    assert_int_equal(mc_image_set_aux(img, NULL, 4, &err), MC_ERR_ARG);
    assert_int_equal(img->aux_len, 3);
    uint64_t cap = MC_AUX_MAX_BYTES(img->nbytes);
    assert_true(cap == (1u << 20) + 128);
    uint8_t *big = calloc(1, (size_t)cap + 1);
    assert_non_null(big);
    assert_int_equal(mc_image_set_aux(img, big, (size_t)cap + 1, &err), MC_ERR_LIMITS);
    assert_int_equal(img->aux_len, 3);
    assert_int_equal(mc_image_set_aux(img, big, (size_t)cap, &err), MC_OK);
    assert_true(img->aux_len == cap);
    free(big);
    /* removal, both ways */
    assert_int_equal(mc_image_set_aux(img, NULL, 0, &err), MC_OK);
    assert_null(img->aux);
    assert_int_equal(img->aux_len, 0);
    assert_int_equal(mc_image_set_aux(img, b, 2, &err), MC_OK);
    assert_int_equal(mc_image_set_aux(img, b, 0, &err), MC_OK);
    assert_null(img->aux);
    assert_int_equal(mc_image_set_aux(NULL, b, 2, &err), MC_ERR_ARG);
    /* the cap: 2 * pixel bytes + 1 MiB, at most 64 MiB, continuous */
    assert_true(MC_AUX_MAX_BYTES(0) == 1u << 20);
    assert_true(MC_AUX_MAX_BYTES(1000) == 2000 + (1u << 20));
    assert_true(MC_AUX_MAX_BYTES((63u << 19) - 1) == (64u << 20) - 2);
    assert_true(MC_AUX_MAX_BYTES(63u << 19) == 64u << 20);
    assert_true(MC_AUX_MAX_BYTES((size_t)1 << 30) == 64u << 20);
    assert_true(MC_AUX_MAX_BYTES(SIZE_MAX) == 64u << 20);
    /* freed with the image (the sanitizer build checks for leaks) */
    assert_int_equal(mc_image_set_aux(img, b, 5, &err), MC_OK);
    mc_image_free(img);
}

/* ---------------------------------------------------------------- MAC */

/* The MAC input of docs/metadata.md, computed here without mc_image_mac. */
static void expected_mac(const mc_image *img, int with_aux, uint8_t out[MC_MAC_BYTES]) {
    static const char label[] = "medcrypt-mac-v2";
    uint8_t mk[32], otk[32], nonce[24];
    assert_int_equal(mc_meta_get_hex(&img->meta, "nonce", nonce, sizeof nonce), MC_OK);
    assert_int_equal(mc_subkey(KEYB, "mac", mk), 0);
    crypto_generichash_state hs;
    crypto_generichash_init(&hs, mk, sizeof mk, sizeof otk);
    crypto_generichash_update(&hs, (const uint8_t *)label, sizeof label - 1);
    crypto_generichash_update(&hs, nonce, sizeof nonce);
    crypto_generichash_final(&hs, otk, sizeof otk);
    char *text = malloc(MC_META_TEXT_MAX);
    size_t tl;
    assert_non_null(text);
    assert_int_equal(mc_meta_serialize(&img->meta, "mac", text, MC_META_TEXT_MAX, &tl), MC_OK);
    size_t n = sizeof label - 1 + 28 + tl + img->nbytes + (with_aux ? 8 + img->aux_len : 0), o = 0;
    uint8_t *m = malloc(n);
    assert_non_null(m);
    memcpy(m, label, sizeof label - 1);
    o += sizeof label - 1;
    uint32_t f[7] = {img->width, img->height, img->depth, img->channels, img->bits, img->is_signed, (uint32_t)tl};
    for (int i = 0; i < 7; i++)
        for (int k = 0; k < 4; k++) m[o++] = (uint8_t)(f[i] >> (8 * k));
    memcpy(m + o, text, tl);
    o += tl;
    if (img->bits == 16) {
        const uint16_t *s = img->pixels;
        for (size_t i = 0; i < img->nbytes / 2; i++) {
            m[o++] = (uint8_t)s[i];
            m[o++] = (uint8_t)(s[i] >> 8);
        }
    } else {
        memcpy(m + o, img->pixels, img->nbytes);
        o += img->nbytes;
    }
    if (with_aux) {
        for (int k = 0; k < 8; k++) m[o++] = (uint8_t)((uint64_t)img->aux_len >> (8 * k));
        memcpy(m + o, img->aux, img->aux_len);
        o += img->aux_len;
    }
    assert_int_equal(o, n);
    crypto_onetimeauth(out, m, n, otk);
    free(m);
    free(text);
}

static void test_mac_input(void **state) {
    (void)state;
    mc_image *plain, *c = make_cipher(24, 16, 16, &plain);
    uint8_t stored[MC_MAC_BYTES], mac[MC_MAC_BYTES], want[MC_MAC_BYTES];
    /* without aux: the MAC input of before (what the golden tests pin) */
    assert_int_equal(mc_meta_get_hex(&c->meta, "mac", stored, sizeof stored), MC_OK);
    expected_mac(c, 0, want);
    assert_memory_equal(stored, want, sizeof want);
    assert_int_equal(mc_image_mac(c, KEYB, mac), MC_OK);
    assert_memory_equal(mac, want, sizeof want);
    /* with aux: LE u64 length || blob after the pixels */
    uint8_t *aux = rand_bytes(333);
    attach_aux(c, aux, 333);
    assert_int_equal(mc_meta_get_hex(&c->meta, "mac", mac, sizeof mac), MC_OK);
    expected_mac(c, 1, want);
    assert_memory_equal(mac, want, sizeof want);
    assert_memory_not_equal(mac, stored, sizeof mac);
    /* 8-bit samples too */
    mc_image *p8, *c8 = make_cipher(9, 7, 8, &p8);
    attach_aux(c8, aux, 1);
    assert_int_equal(mc_meta_get_hex(&c8->meta, "mac", mac, sizeof mac), MC_OK);
    expected_mac(c8, 1, want);
    assert_memory_equal(mac, want, sizeof want);
    decrypt_ok(c8, p8);
    decrypt_ok(c, plain);
    free(aux);
    mc_image_free(c);
    mc_image_free(plain);
    mc_image_free(c8);
    mc_image_free(p8);
}

static void test_mac_covers_aux(void **state) {
    (void)state;
    mc_image *plain, *c = make_cipher(40, 30, 16, &plain);
    uint8_t *aux = rand_bytes(1000);
    mc_image *bare = dup_image(c);
    attach_aux(c, aux, 1000);
    assert_int_equal(decrypt_rc(c), MC_OK);

    mc_image *d = dup_image(c); /* one byte of the blob */
    d->aux[500] ^= 0x01;
    assert_int_equal(decrypt_rc(d), MC_ERR_AUTH);
    mc_image_free(d);
    d = dup_image(c); /* the blob removed */
    assert_int_equal(mc_image_set_aux(d, NULL, 0, NULL), MC_OK);
    assert_int_equal(decrypt_rc(d), MC_ERR_AUTH);
    mc_image_free(d);
    d = dup_image(c); /* one byte shorter */
    assert_int_equal(mc_image_set_aux(d, d->aux, 999, NULL), MC_OK);
    assert_int_equal(decrypt_rc(d), MC_ERR_AUTH);
    mc_image_free(d);
    d = dup_image(bare); /* a blob added to a file that had none */
    assert_int_equal(decrypt_rc(d), MC_OK);
    assert_int_equal(mc_image_set_aux(d, aux, 10, NULL), MC_OK);
    assert_int_equal(decrypt_rc(d), MC_ERR_AUTH);
    mc_image_free(d);
    /* decryption clears it */
    decrypt_ok(c, plain);

    /* aead (its own tag, no framework MAC) refuses an added blob too */
    mc_image *a = mc_test_clone(plain);
    assert_int_equal(mc_encrypt(a, "aead", MC_PROFILE_HARDENED, NULL, 0, g_key, NULL, NULL), MC_OK);
    d = dup_image(a);
    assert_int_equal(mc_image_set_aux(d, aux, 10, NULL), MC_OK);
    assert_int_equal(decrypt_rc(d), MC_ERR_AUTH);
    mc_image_free(d);
    decrypt_ok(a, plain);

    /* mc_encrypt drops a blob present on entry */
    mc_image *e = mc_test_clone(plain);
    assert_int_equal(mc_image_set_aux(e, aux, 10, NULL), MC_OK);
    assert_int_equal(mc_encrypt(e, "zigzag", MC_PROFILE_HARDENED, NULL, 0, g_key, NULL, NULL), MC_OK);
    assert_int_equal(e->aux_len, 0);
    assert_null(e->aux);
    decrypt_ok(e, plain);

    free(aux);
    mc_image_free(a);
    mc_image_free(e);
    mc_image_free(bare);
    mc_image_free(c);
    mc_image_free(plain);
}

/* ------------------------------------------------- storage round trips */

static void test_roundtrip_and_convert(void **state) {
    (void)state;
    static const size_t sizes[] = {1, 2, 56, 57, 58, 300 * 1024 + 7};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        size_t n = sizes[si];
        unsigned bits = si % 2 ? 8 : 16;
        uint8_t *aux = rand_bytes(n);
        mc_image *plain, *c = make_cipher(96, 80, bits, &plain);
        attach_aux(c, aux, n);
        char want_meta[512], got_meta[512];
        size_t wl, gl;
        assert_int_equal(mc_meta_serialize(&c->meta, NULL, want_meta, sizeof want_meta, &wl), MC_OK);
        for (size_t s = 0; s < NFMTS; s++) {
            char name[64];
            snprintf(name, sizeof name, "rt%zu.%s", n, FMTS[s].ext);
            mc_image *r = read_file(write_file(c, name));
            assert_int_equal(r->format, FMTS[s].fmt);
            assert_aux(r, aux, n);
            assert_true(r->has_meta);
            assert_int_equal(mc_meta_serialize(&r->meta, NULL, got_meta, sizeof got_meta, &gl), MC_OK);
            assert_int_equal(gl, wl);
            assert_memory_equal(got_meta, want_meta, wl);
            assert_true(memcmp(r->pixels, c->pixels, c->nbytes) == 0);
            /* the model carries it into every other format (medcrypt convert) */
            for (size_t d = 0; d < NFMTS; d++) {
                snprintf(name, sizeof name, "cv%zu_%s.%s", n, FMTS[s].ext, FMTS[d].ext);
                mc_image *r2 = read_file(write_file(r, name));
                assert_aux(r2, aux, n);
                decrypt_ok(r2, plain);
                mc_image_free(r2);
            }
            decrypt_ok(r, plain);
            mc_image_free(r);
        }
        free(aux);
        mc_image_free(c);
        mc_image_free(plain);
    }
}

static void test_write_refusals(void **state) {
    (void)state;
    mc_image *plain, *c = make_cipher(16, 16, 16, &plain);
    uint8_t aux[4] = {1, 2, 3, 4};
    attach_aux(c, aux, sizeof aux);
    mc_err err = {0};
    for (size_t s = 0; s < NFMTS; s++) {
        char name[32];
        snprintf(name, sizeof name, "refuse.%s", FMTS[s].ext);
        /* aux without metadata: a reader would refuse the file */
        c->has_meta = 0;
        assert_int_equal(mc_image_write(c, mc_test_path(name), MC_FMT_UNKNOWN, &err), MC_ERR_ARG);
        c->has_meta = 1;
        /* over the cap, set behind mc_image_set_aux's back */
        uint8_t *keep = c->aux;
        size_t keep_len = c->aux_len, big = (size_t)MC_AUX_MAX_BYTES(c->nbytes) + 1;
        c->aux = calloc(1, big);
        assert_non_null(c->aux);
        c->aux_len = big;
        assert_int_equal(mc_image_write(c, mc_test_path(name), MC_FMT_UNKNOWN, &err), MC_ERR_LIMITS);
        free(c->aux);
        c->aux = keep;
        c->aux_len = keep_len;
    }
    mc_image_free(c);
    mc_image_free(plain);
}

/* ------------------------------------------------------------------ PNG */

/* Offset of the first chunk of this type (its length field), or 0. */
static size_t png_chunk(const uint8_t *b, size_t n, const char *type) {
    for (size_t o = 8; o + 12 <= n;) {
        uint32_t len = be32(b + o);
        if (!memcmp(b + o + 4, type, 4)) return o;
        o += 12 + (size_t)len;
    }
    return 0;
}

static void png_fix_crc(uint8_t *ch) {
    uint32_t len = be32(ch);
    put_be32(ch + 8 + len, crc32_of(ch + 4, 4 + (size_t)len));
}

/* a complete chunk of this type holding data[0..len) (malloc'ed) */
static uint8_t *png_make_chunk(const char *type, const uint8_t *data, size_t len) {
    uint8_t *ch = malloc(12 + len);
    assert_non_null(ch);
    put_be32(ch, (uint32_t)len);
    memcpy(ch + 4, type, 4);
    if (len) memcpy(ch + 8, data, len);
    png_fix_crc(ch);
    return ch;
}

static void test_png_storage(void **state) {
    (void)state;
    mc_image *plain, *c = make_cipher(32, 24, 16, &plain);
    uint8_t *aux = rand_bytes(1000);
    attach_aux(c, aux, 1000);
    size_t n0;
    uint8_t *f0 = mc_test_slurp(write_file(c, "t.png"), &n0);
    assert_non_null(f0);
    size_t ax = png_chunk(f0, n0, "mcAX"), idat = png_chunk(f0, n0, "IDAT");
    assert_true(ax > 0 && idat > 0 && ax > idat); /* after the image data */
    assert_int_equal(be32(f0 + ax), 1000);
    assert_memory_equal(f0 + ax + 8, aux, 1000);
    mc_err err = {0};

    /* one byte of the data: the CRC catches it (corrupt file, exit 2) */
    size_t n = n0;
    uint8_t *f = malloc(n);
    memcpy(f, f0, n);
    f[ax + 8 + 123] ^= 0x10;
    assert_int_equal(read_bytes_rc("p1.png", f, n, &err), MC_ERR_FORMAT);
    /* ... with the CRC fixed as well: the MAC (exit 3) */
    png_fix_crc(f + ax);
    mc_image *r = read_bytes_ok("p2.png", f, n);
    assert_int_equal(r->aux_len, 1000);
    assert_int_equal(decrypt_rc(r), MC_ERR_AUTH);
    mc_image_free(r);
    free(f);

    /* chunk removed: reads without aux, fails the MAC */
    n = n0;
    f = malloc(n);
    memcpy(f, f0, n);
    f = splice(f, &n, ax, 12 + 1000, NULL, 0);
    r = read_bytes_ok("p3.png", f, n);
    assert_int_equal(r->aux_len, 0);
    assert_int_equal(decrypt_rc(r), MC_ERR_AUTH);
    mc_image_free(r);
    free(f);

    /* two chunks; an empty one */
    n = n0;
    f = malloc(n);
    memcpy(f, f0, n);
    f = splice(f, &n, ax, 0, f0 + ax, 12 + 1000);
    assert_int_equal(read_bytes_rc("p4.png", f, n, &err), MC_ERR_AUTH);
    free(f);
    uint8_t *empty = png_make_chunk("mcAX", NULL, 0);
    n = n0;
    f = malloc(n);
    memcpy(f, f0, n);
    f = splice(f, &n, ax, 12 + 1000, empty, 12);
    assert_int_equal(read_bytes_rc("p5.png", f, n, &err), MC_ERR_AUTH);
    free(f);
    free(empty);

    /* aux without metadata: the metadata keyword renamed */
    n = n0;
    f = malloc(n);
    memcpy(f, f0, n);
    size_t it = find(f, n, "iTXtmedcrypt\0", 13) - 4;
    f[it + 8 + 7] = 'X';
    png_fix_crc(f + it);
    assert_int_equal(read_bytes_rc("p6.png", f, n, &err), MC_ERR_AUTH);
    assert_non_null(strstr(err.msg, "without medcrypt metadata"));
    free(f);

    /* cut anywhere in the chunk: refused, never a crash */
    for (size_t cut = ax + 2; cut < ax + 12 + 1000; cut += 97)
        assert_int_not_equal(read_bytes_rc("p7.png", f0, cut, &err), MC_OK);

    /* a declared size over the cap: refused before allocating (exit 2) */
    mc_image *p2, *small = make_cipher(16, 16, 8, &p2);
    size_t n1;
    uint8_t *g = mc_test_slurp(write_file(small, "s.png"), &n1);
    size_t big = (size_t)MC_AUX_MAX_BYTES(small->nbytes) + 1;
    uint8_t *zeros = calloc(1, big);
    uint8_t *ch = png_make_chunk("mcAX", zeros, big);
    g = splice(g, &n1, n1 - 12, 0, ch, 12 + big);
    assert_int_equal(read_bytes_rc("p8.png", g, n1, &err), MC_ERR_LIMITS);
    free(g);
    free(ch);
    free(zeros);
    mc_image_free(small);
    mc_image_free(p2);

    free(f0);
    free(aux);
    mc_image_free(c);
    mc_image_free(plain);
}

/* ------------------------------------------------------------- PGM/PPM */

static void test_pnm_storage(void **state) {
    (void)state;
    mc_image *plain, *c = make_cipher(32, 24, 8, &plain);
    uint8_t *aux = rand_bytes(1000); /* 17 lines of 76 characters, one of 44 */
    attach_aux(c, aux, 1000);
    size_t n0;
    uint8_t *f0 = mc_test_slurp(write_file(c, "t.pgm"), &n0);
    assert_non_null(f0);
    /* the layout: size line, then base64 lines, after the metadata comment */
    size_t meta = find(f0, n0, "\n# medcrypt medcrypt=1;", 23), sz = find(f0, n0, "\n# medcrypt-aux-size 1000\n", 26);
    assert_true(meta < sz);
    char line1[128] = "\n# medcrypt-aux ";
    mc_b64_encode(line1 + 16, aux, 57);
    line1[16 + 76] = '\n';
    line1[16 + 77] = 0;
    assert_int_equal(find(f0, n0, line1, strlen(line1)), sz + 25);
    char lastl[128] = "\n# medcrypt-aux "; /* zero-filled: the base64 ends in a NUL */
    mc_b64_encode(lastl + 16, aux + 17 * 57, 1000 - 17 * 57);
    strcat(lastl, "\n32 24\n");
    find(f0, n0, lastl, strlen(lastl));
    mc_err err = {0};

    /* one character changed to another valid one: the MAC */
    size_t n = n0;
    uint8_t *f = malloc(n);
    memcpy(f, f0, n);
    size_t ch = sz + 25 + 16 + 10;
    f[ch] = f[ch] == 'A' ? 'B' : 'A';
    mc_image *r = read_bytes_ok("n1.pgm", f, n);
    assert_int_equal(r->aux_len, 1000);
    assert_int_equal(decrypt_rc(r), MC_ERR_AUTH);
    mc_image_free(r);
    /* ... to a character outside base64 */
    f[ch] = '*';
    assert_int_equal(read_bytes_rc("n2.pgm", f, n, &err), MC_ERR_AUTH);
    free(f);

    struct {
        const char *name, *old, *new_;
        int want;
    } cases[] = {
        {"n3.pgm", "# medcrypt-aux-size 1000\n", "# medcrypt-aux-size 1000\n# medcrypt-aux-size 1000\n", MC_ERR_AUTH},
        {"n4.pgm", "# medcrypt-aux-size 1000\n", "# medcrypt-aux-size 99999999999\n", MC_ERR_LIMITS},
        {"n5.pgm", "# medcrypt-aux-size 1000\n", "# medcrypt-aux-size 1001\n", MC_ERR_AUTH},
        {"n6.pgm", "# medcrypt-aux-size 1000\n", "# medcrypt-aux-size 999\n", MC_ERR_AUTH},
        {"n7.pgm", "# medcrypt-aux-size 1000\n", "# medcrypt-aux-size 01000\n", MC_ERR_AUTH},
        {"n8.pgm", "# medcrypt-aux-size 1000\n", "# medcrypt-aux-size 0\n", MC_ERR_AUTH},
        {"n9.pgm", "# medcrypt-aux-size 1000\n", "# medcrypt-aux-size +1000\n", MC_ERR_AUTH},
        {"na.pgm", "# medcrypt-aux-size 1000\n", "", MC_ERR_AUTH},                       /* data, no size */
        {"nb.pgm", "# medcrypt medcrypt=1;", "# medcrypX medcrypt=1;", MC_ERR_AUTH},    /* no metadata */
        {"nc.pgm", "\n32 24\n", "\n# medcrypt-aux AAAA\n32 24\n", MC_ERR_AUTH},        /* after the last */
        {"nd.pgm", "\n32 24\n", "\n# other\n# medcrypt-aux AAAA\n32 24\n", MC_ERR_AUTH}, /* interrupted */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        n = n0;
        f = malloc(n);
        memcpy(f, f0, n);
        f = replace(f, &n, cases[i].old, cases[i].new_);
        int rc = read_bytes_rc(cases[i].name, f, n, &err);
        if (rc != cases[i].want) fail_msg("%s: status %d, want %d (%s)", cases[i].name, rc, cases[i].want, err.msg);
        free(f);
    }
    /* a line removed in the middle, at the end; a short line in the middle;
     * a long one; a comment between two lines */
    for (int k = 0; k < 5; k++) {
        n = n0;
        f = malloc(n);
        memcpy(f, f0, n);
        size_t l1 = sz + 25 + 1; /* first data line, after its '\n' */
        size_t ll = find(f, n, lastl, strlen(lastl)) + 1;
        /* a full line: "# medcrypt-aux " (15) + 76 + '\n' = 92 bytes */
        if (k == 0) f = splice(f, &n, l1 + 92, 92, NULL, 0);                /* the second line */
        else if (k == 1) f = splice(f, &n, ll, strlen(lastl) - 7, NULL, 0); /* the last line */
        else if (k == 2) f = splice(f, &n, l1 + 15 + 72, 4, NULL, 0);       /* 72 characters */
        else if (k == 3) f = splice(f, &n, l1 + 15 + 76, 0, "AAAA", 4);     /* 80 characters */
        else f = splice(f, &n, l1 + 92, 0, "# x\n", 4);
        int rc = read_bytes_rc("ne.pgm", f, n, &err);
        if (rc != MC_ERR_AUTH) fail_msg("line case %d: status %d (%s)", k, rc, err.msg);
        if (k == 4) assert_non_null(strstr(err.msg, "out of order or interrupted"));
        free(f);
    }
    /* non-canonical last quantum (unused bits set) */
    n = n0;
    f = malloc(n);
    memcpy(f, f0, n);
    size_t ll = find(f, n, lastl, strlen(lastl)) + strlen(lastl) - 7; /* the '\n' ending the last line */
    assert_int_equal(f[ll - 1], '=');                                   /* 1000 = 3 * 333 + 1: "xy==" */
    f[ll - 3] = f[ll - 3] == 'B' ? 'C' : 'B';
    assert_int_equal(read_bytes_rc("nf.pgm", f, n, &err), MC_ERR_AUTH);
    free(f);
    /* everything removed: no aux, so the MAC fails */
    n = n0;
    f = malloc(n);
    memcpy(f, f0, n);
    size_t from = sz + 1, to = find(f, n, lastl, strlen(lastl)) + strlen(lastl) - 7 + 1;
    f = splice(f, &n, from, to - from, NULL, 0);
    r = read_bytes_ok("ng.pgm", f, n);
    assert_int_equal(r->aux_len, 0);
    assert_int_equal(decrypt_rc(r), MC_ERR_AUTH);
    mc_image_free(r);
    free(f);
    /* cut in the middle of the aux lines */
    for (size_t cut = sz; cut < sz + 1700; cut += 111) assert_int_not_equal(read_bytes_rc("nh.pgm", f0, cut, &err), MC_OK);
    /* the lines may sit anywhere in the header as long as they stay together */
    n = n0;
    f = malloc(n);
    memcpy(f, f0, n);
    size_t blk = sz + 1, blen = to - from;
    uint8_t *block = malloc(blen);
    memcpy(block, f + blk, blen);
    f = splice(f, &n, blk, blen, NULL, 0);
    size_t dims = find(f, n, "32 24\n", 6) + 6;
    f = splice(f, &n, dims, 0, block, blen);
    r = read_bytes_ok("ni.pgm", f, n);
    assert_aux(r, aux, 1000);
    decrypt_ok(r, plain);
    mc_image_free(r);
    free(block);
    free(f);

    free(f0);
    free(aux);
    mc_image_free(c);
    mc_image_free(plain);
}

/* --------------------------------------------------------------- DICOM */

static void test_dicom_storage(void **state) {
    (void)state;
    mc_image *plain, *c = make_cipher(32, 24, 16, &plain);
    uint8_t *aux = rand_bytes(1001); /* odd: DICOM pads it */
    attach_aux(c, aux, 1001);
    size_t n0;
    uint8_t *f0 = mc_test_slurp(write_file(c, "t.dcm"), &n0);
    assert_non_null(f0);
    /* (0009,xx02) OB, length 1010 = 8 + 1001 + pad: LE u64 length || blob */
    uint8_t pat[16] = {0xe9, 0x03, 0, 0, 0, 0, 0, 0};
    memcpy(pat + 8, aux, 8);
    size_t at = find(f0, n0, pat, sizeof pat);
    assert_int_equal(f0[at - 12], 0x09);
    assert_int_equal(f0[at - 11], 0x00);
    assert_int_equal(f0[at - 10], 0x02); /* element xx02 */
    assert_memory_equal(f0 + at - 8, "OB\0\0", 4);
    assert_int_equal(f0[at - 4] | f0[at - 3] << 8, 1010);
    assert_int_equal(f0[at + 8 + 1001], 0);
    mc_err err = {0};

    size_t n = n0;
    uint8_t *f = malloc(n);
    memcpy(f, f0, n);
    f[at + 8 + 700] ^= 0x80; /* the blob: the MAC */
    mc_image *r = read_bytes_ok("d1.dcm", f, n);
    assert_int_equal(r->aux_len, 1001);
    assert_int_equal(decrypt_rc(r), MC_ERR_AUTH);
    mc_image_free(r);
    memcpy(f, f0, n);
    f[at] = 0xe8; /* 1000: does not match the element */
    assert_int_equal(read_bytes_rc("d2.dcm", f, n, &err), MC_ERR_AUTH);
    memset(f + at, 0, 8); /* 0 */
    assert_int_equal(read_bytes_rc("d3.dcm", f, n, &err), MC_ERR_AUTH);
    f[at + 5] = 1; /* 2^40: over the cap */
    assert_int_equal(read_bytes_rc("d4.dcm", f, n, &err), MC_ERR_LIMITS);
    memcpy(f, f0, n);
    f[at + 8 + 1001] = 1; /* the padding */
    assert_int_equal(read_bytes_rc("d5.dcm", f, n, &err), MC_ERR_AUTH);
    memcpy(f, f0, n);
    memcpy(f + at - 8, "LO", 2); /* a text VR */
    assert_int_not_equal(read_bytes_rc("d6.dcm", f, n, &err), MC_OK);
    free(f);
    for (size_t cut = at - 6; cut < at + 1010; cut += 101)
        assert_int_not_equal(read_bytes_rc("d7.dcm", f0, cut, &err), MC_OK);

    /* over the cap of the geometry the file declares: Rows 512 -> 16 makes
     * the cap 1 MiB + 32 KiB, the element holds 1.5 MiB: refused before the
     * value is read */
    mc_image *p2, *c2 = make_cipher(512, 512, 16, &p2);
    size_t big = 3u << 19;
    uint8_t *aux2 = rand_bytes(big);
    attach_aux(c2, aux2, big);
    size_t n2;
    uint8_t *g = mc_test_slurp(write_file(c2, "big.dcm"), &n2);
    r = read_bytes_ok("d8.dcm", g, n2);
    assert_aux(r, aux2, big);
    mc_image_free(r);
    static const uint8_t rows[] = {0x28, 0x00, 0x10, 0x00, 'U', 'S', 0x02, 0x00, 0x00, 0x02};
    size_t ro = find(g, n2, rows, sizeof rows);
    g[ro + 8] = 16;
    g[ro + 9] = 0;
    assert_int_equal(read_bytes_rc("d9.dcm", g, n2, &err), MC_ERR_LIMITS);
    assert_non_null(strstr(err.msg, "exceeds the cap"));
    free(g);
    free(aux2);
    mc_image_free(c2);
    mc_image_free(p2);

    free(f0);
    free(aux);
    mc_image_free(c);
    mc_image_free(plain);
}

/* --------------------------------------------------------------- NIfTI */

static float rdf(const uint8_t *b) {
    float v;
    memcpy(&v, b, 4);
    return v;
}
static void wrf(uint8_t *b, float v) { memcpy(b, &v, 4); }
static int32_t rd32(const uint8_t *b) {
    int32_t v;
    memcpy(&v, b, 4);
    return v;
}
static void wr32(uint8_t *b, int32_t v) { memcpy(b, &v, 4); }

static void test_nifti_storage(void **state) {
    (void)state;
    mc_image *plain, *c = make_cipher(32, 24, 16, &plain);
    uint8_t *aux = rand_bytes(1000);
    attach_aux(c, aux, 1000);
    size_t n0;
    const char *path = write_file(c, "t.nii");
    uint8_t *f0 = mc_test_slurp(path, &n0);
    assert_non_null(f0);
    size_t m = find(f0, n0, "medcrypt-aux-v1", 16); /* with its NUL */
    /* esize 1040 (8 + 24 + 1000, padded to 16), ecode 0, length, blob */
    assert_int_equal(rd32(f0 + m - 8), 1040);
    assert_int_equal(rd32(f0 + m - 4), 0);
    assert_int_equal(f0[m + 16] | f0[m + 17] << 8, 1000);
    assert_memory_equal(f0 + m + 24, aux, 1000);
    assert_true(m - 8 + 1040 == (size_t)rdf(f0 + 108)); /* the last extension */
    mc_err err = {0};

    /* niftilib reads the file: both extensions, the voxels */
    nifti_image *nim = nifti_image_read(path, 1);
    assert_non_null(nim);
    assert_int_equal(nim->nx, 32);
    assert_int_equal(nim->ny, 24);
    assert_int_equal(nim->num_ext, 2);
    assert_int_equal(nim->ext_list[0].ecode, NIFTI_ECODE_COMMENT);
    assert_int_equal(nim->ext_list[1].ecode, 0);
    assert_int_equal(nim->ext_list[1].esize, 1040);
    assert_memory_equal(nim->ext_list[1].edata + 24, aux, 1000);
    assert_true(memcmp(nim->data, c->pixels, c->nbytes) == 0);
    nifti_image_free(nim);

    size_t n = n0;
    uint8_t *f = malloc(n);
    memcpy(f, f0, n);
    f[m + 24 + 10] ^= 1; /* the blob: the MAC */
    mc_image *r = read_bytes_ok("x1.nii", f, n);
    assert_int_equal(r->aux_len, 1000);
    assert_int_equal(decrypt_rc(r), MC_ERR_AUTH);
    mc_image_free(r);
    struct {
        size_t off;
        uint8_t v;
        int want;
    } pokes[] = {
        {16, 0x84, MC_ERR_AUTH},    /* length 900: does not fit esize */
        {17, 0x00, MC_ERR_AUTH},    /* length 232 */
        {21, 0x01, MC_ERR_LIMITS},  /* length 2^40 + 1000: over the cap */
        {24 + 1000, 1, MC_ERR_AUTH}, /* the padding */
    };
    for (size_t i = 0; i < sizeof pokes / sizeof pokes[0]; i++) {
        memcpy(f, f0, n);
        f[m + pokes[i].off] = pokes[i].v;
        int rc = read_bytes_rc("x2.nii", f, n, &err);
        if (rc != pokes[i].want) fail_msg("poke %zu: status %d (%s)", i, rc, err.msg);
    }
    memcpy(f, f0, n);
    memset(f + m + 16, 0, 8); /* length 0 */
    assert_int_equal(read_bytes_rc("x3.nii", f, n, &err), MC_ERR_AUTH);
    /* another ecode: an ordinary extension, so no aux: the MAC */
    memcpy(f, f0, n);
    wr32(f + m - 4, 4);
    r = read_bytes_ok("x4.nii", f, n);
    assert_int_equal(r->aux_len, 0);
    assert_int_equal(decrypt_rc(r), MC_ERR_AUTH);
    mc_image_free(r);
    /* the metadata extension made a plain comment: aux without metadata */
    memcpy(f, f0, n);
    size_t me = find(f, n, "medcrypt=1;", 11);
    f[me] = 'M';
    assert_int_equal(read_bytes_rc("x5.nii", f, n, &err), MC_ERR_AUTH);
    assert_non_null(strstr(err.msg, "without medcrypt metadata"));
    free(f);
    /* two aux extensions */
    n = n0;
    f = malloc(n);
    memcpy(f, f0, n);
    f = splice(f, &n, m - 8 + 1040, 0, f0 + m - 8, 1040);
    wrf(f + 108, rdf(f + 108) + 1040.0f);
    assert_int_equal(read_bytes_rc("x6.nii", f, n, &err), MC_ERR_AUTH);
    free(f);
    for (size_t cut = m - 6; cut < m + 1040; cut += 103)
        assert_int_not_equal(read_bytes_rc("x7.nii", f0, cut, &err), MC_OK);

    /* over the cap of the geometry the header declares (dim[2] 512 -> 16) */
    mc_image *p2, *c2 = make_cipher(512, 512, 16, &p2);
    size_t big = 3u << 19;
    uint8_t *aux2 = rand_bytes(big);
    attach_aux(c2, aux2, big);
    size_t n2;
    uint8_t *g = mc_test_slurp(write_file(c2, "big.nii"), &n2);
    r = read_bytes_ok("x8.nii", g, n2);
    assert_aux(r, aux2, big);
    mc_image_free(r);
    int16_t d2 = 16;
    memcpy(g + 44, &d2, 2);
    assert_int_equal(read_bytes_rc("x9.nii", g, n2, &err), MC_ERR_LIMITS);
    assert_non_null(strstr(err.msg, "exceeds the cap"));
    free(g);
    free(aux2);
    mc_image_free(c2);
    mc_image_free(p2);

    free(f0);
    free(aux);
    mc_image_free(c);
    mc_image_free(plain);
}

static int setup(void **state) {
    (void)state;
    if (mc_init() != 0) return -1;
    return mc_key_from_bytes(&g_key, KEYB, NULL) == MC_OK ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    mc_key_free(g_key);
    mc_test_tmpdir_cleanup();
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api),
        cmocka_unit_test(test_mac_input),
        cmocka_unit_test(test_mac_covers_aux),
        cmocka_unit_test(test_roundtrip_and_convert),
        cmocka_unit_test(test_write_refusals),
        cmocka_unit_test(test_png_storage),
        cmocka_unit_test(test_pnm_storage),
        cmocka_unit_test(test_dicom_storage),
        cmocka_unit_test(test_nifti_storage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
