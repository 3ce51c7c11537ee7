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

/* ------------------------------------------------- storage, table-driven
 *
 * Per format: the cipher with a blob is written once (the layout checked by
 * hand), then every edit of a table is applied to a copy of the file and the
 * copy read back: the reader's status, and when it reads, the blob it found
 * and mc_decrypt's status.  Then a sweep of cuts through the blob's region,
 * and a declared size over the cap. */

#define ANY_ERROR 1 /* want_read: any status but MC_OK */
#define SAME_AUX (-1L) /* want_aux: the blob as written */

typedef struct storage {
    const char *ext;
    uint8_t *f0;
    size_t n0;
    size_t at;              /* the anchor the edits' offsets count from */
    size_t pos[4];          /* further offsets a format's edits need */
    char text[128];         /* and a text (PNM: the last aux line) */
    const uint8_t *aux;
    size_t aux_len;
    const mc_image *plain;
    void (*fix)(uint8_t *f, const struct storage *st); /* after a byte edit (PNG: the CRC) */
} storage;

enum { ED_XOR, ED_SET, ED_ZERO8, ED_REPLACE, ED_FN };

typedef struct edit {
    const char *what;
    int kind;
    size_t off;      /* ED_XOR, ED_SET, ED_ZERO8: from st->at */
    uint8_t v;       /* ED_XOR mask, ED_SET value */
    int fix;         /* call st->fix afterwards */
    const char *old, *new_; /* ED_REPLACE */
    uint8_t *(*fn)(uint8_t *f, size_t *n, const storage *st, int arg); /* ED_FN */
    int arg;
    int want_read;   /* MC_OK, a status, or ANY_ERROR */
    long want_aux;   /* read ok: aux_len, or SAME_AUX */
    int want_dec;    /* read ok: mc_decrypt's status (MC_OK: the plain pixels back) */
    const char *msg; /* substring of the read error, or NULL */
} edit;

static void run_edits(const storage *st, const edit *ed, size_t ned) {
    for (size_t i = 0; i < ned; i++) {
        const edit *e = &ed[i];
        size_t n = st->n0;
        uint8_t *f = malloc(n);
        assert_non_null(f);
        memcpy(f, st->f0, n);
        switch (e->kind) {
        case ED_XOR: f[st->at + e->off] ^= e->v; break;
        case ED_SET: f[st->at + e->off] = e->v; break;
        case ED_ZERO8: memset(f + st->at + e->off, 0, 8); break;
        case ED_REPLACE: f = replace(f, &n, e->old, e->new_); break;
        default: f = e->fn(f, &n, st, e->arg);
        }
        if (e->fix) st->fix(f, st);
        char name[64];
        snprintf(name, sizeof name, "edit%zu.%s", i, st->ext);
        assert_int_equal(mc_test_spit(mc_test_path(name), f, n), 0);
        free(f);
        mc_image *r = NULL;
        mc_err err = {0};
        int rc = mc_image_read(mc_test_path(name), NULL, &r, &err);
        if (e->want_read == ANY_ERROR ? rc == MC_OK : rc != e->want_read)
            fail_msg("%s %s: read status %d, want %d (%s)", st->ext, e->what, rc, e->want_read, err.msg);
        if (e->msg && !strstr(err.msg, e->msg)) fail_msg("%s %s: message '%s' lacks '%s'", st->ext, e->what, err.msg, e->msg);
        if (rc == MC_OK) {
            if (e->want_aux == SAME_AUX) assert_aux(r, st->aux, st->aux_len);
            else if ((long)r->aux_len != e->want_aux)
                fail_msg("%s %s: aux_len %zu, want %ld", st->ext, e->what, r->aux_len, e->want_aux);
            if (e->want_dec == MC_OK) decrypt_ok(r, st->plain);
            else if (decrypt_rc(r) != e->want_dec) fail_msg("%s %s: decrypt status, want %d", st->ext, e->what, e->want_dec);
        }
        mc_image_free(r);
    }
}

/* Cut the file at from, from + step, ... < to: refused, never a crash. */
static void cut_sweep(const storage *st, size_t from, size_t to, size_t step) {
    mc_err err = {0};
    char name[32];
    snprintf(name, sizeof name, "cut.%s", st->ext);
    for (size_t cut = from; cut < to; cut += step) assert_int_not_equal(read_bytes_rc(name, st->f0, cut, &err), MC_OK);
}

/* A cipher with a 1.5 MiB blob, over the cap once the geometry the file
 * declares is shrunk by `shrink` (512 rows -> 16): refused before the value is
 * read (MC_ERR_LIMITS). */
static void over_cap_by_geometry(const char *ext, void (*shrink)(uint8_t *g, size_t n)) {
    mc_image *p2, *c2 = make_cipher(512, 512, 16, &p2);
    size_t big = 3u << 19;
    uint8_t *aux2 = rand_bytes(big);
    attach_aux(c2, aux2, big);
    char name[32];
    size_t n2;
    snprintf(name, sizeof name, "big.%s", ext);
    uint8_t *g = mc_test_slurp(write_file(c2, name), &n2);
    snprintf(name, sizeof name, "big2.%s", ext);
    mc_image *r = read_bytes_ok(name, g, n2);
    assert_aux(r, aux2, big);
    mc_image_free(r);
    shrink(g, n2);
    mc_err err = {0};
    assert_int_equal(read_bytes_rc(name, g, n2, &err), MC_ERR_LIMITS);
    assert_non_null(strstr(err.msg, "exceeds the cap"));
    free(g);
    free(aux2);
    mc_image_free(c2);
    mc_image_free(p2);
}

/* The file of cipher c (a blob of len bytes attached) in format ext. */
static void storage_write(storage *st, const char *ext, mc_image *c, const uint8_t *aux, size_t len,
                          const mc_image *plain) {
    memset(st, 0, sizeof *st);
    attach_aux(c, aux, len);
    char name[32];
    snprintf(name, sizeof name, "t.%s", ext);
    st->ext = ext;
    st->f0 = mc_test_slurp(write_file(c, name), &st->n0);
    assert_non_null(st->f0);
    st->aux = aux;
    st->aux_len = len;
    st->plain = plain;
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

static void png_fix(uint8_t *f, const storage *st) { png_fix_crc(f + st->at); }

/* arg 0: the mcAX chunk removed; 1: twice; 2: replaced by an empty one;
 * 3: the metadata keyword renamed (aux without metadata) */
static uint8_t *png_edit(uint8_t *f, size_t *n, const storage *st, int arg) {
    const size_t ax = st->at, clen = 12 + st->aux_len;
    if (arg == 0) return splice(f, n, ax, clen, NULL, 0);
    if (arg == 1) return splice(f, n, ax, 0, st->f0 + ax, clen);
    if (arg == 2) {
        uint8_t *empty = png_make_chunk("mcAX", NULL, 0);
        f = splice(f, n, ax, clen, empty, 12);
        free(empty);
        return f;
    }
    size_t it = find(f, *n, "iTXtmedcrypt\0", 13) - 4;
    f[it + 8 + 7] = 'X';
    png_fix_crc(f + it);
    return f;
}

static void test_png_storage(void **state) {
    (void)state;
    mc_image *plain, *c = make_cipher(32, 24, 16, &plain);
    uint8_t *aux = rand_bytes(1000);
    storage st;
    storage_write(&st, "png", c, aux, 1000, plain);
    size_t ax = png_chunk(st.f0, st.n0, "mcAX"), idat = png_chunk(st.f0, st.n0, "IDAT");
    assert_true(ax > 0 && idat > 0 && ax > idat); /* after the image data */
    assert_int_equal(be32(st.f0 + ax), 1000);
    assert_memory_equal(st.f0 + ax + 8, aux, 1000);
    st.at = ax;
    st.fix = png_fix;
    static const edit ed[] = {
        /* one byte of the data: the CRC catches it (corrupt file, exit 2) */
        {"blob byte", ED_XOR, 8 + 123, 0x10, 0, NULL, NULL, NULL, 0, MC_ERR_FORMAT, 0, 0, NULL},
        /* ... with the CRC fixed as well: the MAC (exit 3) */
        {"blob byte, CRC fixed", ED_XOR, 8 + 123, 0x10, 1, NULL, NULL, NULL, 0, MC_OK, 1000, MC_ERR_AUTH, NULL},
        /* chunk removed: reads without aux, fails the MAC */
        {"chunk removed", ED_FN, 0, 0, 0, NULL, NULL, png_edit, 0, MC_OK, 0, MC_ERR_AUTH, NULL},
        {"two chunks", ED_FN, 0, 0, 0, NULL, NULL, png_edit, 1, MC_ERR_AUTH, 0, 0, NULL},
        {"an empty chunk", ED_FN, 0, 0, 0, NULL, NULL, png_edit, 2, MC_ERR_AUTH, 0, 0, NULL},
        {"aux without metadata", ED_FN, 0, 0, 0, NULL, NULL, png_edit, 3, MC_ERR_AUTH, 0, 0, "without medcrypt metadata"},
    };
    run_edits(&st, ed, sizeof ed / sizeof ed[0]);
    cut_sweep(&st, ax + 2, ax + 12 + 1000, 97);

    /* a declared size over the cap: refused before allocating (exit 2) */
    mc_image *p2, *small = make_cipher(16, 16, 8, &p2);
    size_t n1;
    uint8_t *g = mc_test_slurp(write_file(small, "s.png"), &n1);
    size_t big = (size_t)MC_AUX_MAX_BYTES(small->nbytes) + 1;
    uint8_t *zeros = calloc(1, big);
    uint8_t *ch = png_make_chunk("mcAX", zeros, big);
    g = splice(g, &n1, n1 - 12, 0, ch, 12 + big);
    mc_err err = {0};
    assert_int_equal(read_bytes_rc("p8.png", g, n1, &err), MC_ERR_LIMITS);
    free(g);
    free(ch);
    free(zeros);
    mc_image_free(small);
    mc_image_free(p2);

    free(st.f0);
    free(aux);
    mc_image_free(c);
    mc_image_free(plain);
}

/* ------------------------------------------------------------- PGM/PPM */

/* pos[0]: the size line's '\n'; pos[1]: the first data line (after its
 * '\n'); text: the last data line + "\n32 24\n". */
static uint8_t *pnm_edit(uint8_t *f, size_t *n, const storage *st, int arg) {
    const size_t sz = st->pos[0], l1 = st->pos[1];
    const char *lastl = st->text;
    const size_t ll = find(f, *n, lastl, strlen(lastl)) + 1;
    /* a full line: "# medcrypt-aux " (15) + 76 + '\n' = 92 bytes */
    switch (arg) {
    case 0: { /* one character changed to another valid one */
        size_t ch = sz + 25 + 16 + 10;
        f[ch] = f[ch] == 'A' ? 'B' : 'A';
        return f;
    }
    case 1: return splice(f, n, l1 + 92, 92, NULL, 0);                /* the second line removed */
    case 2: return splice(f, n, ll, strlen(lastl) - 7, NULL, 0);      /* the last line removed */
    case 3: return splice(f, n, l1 + 15 + 72, 4, NULL, 0);            /* a line of 72 characters */
    case 4: return splice(f, n, l1 + 15 + 76, 0, "AAAA", 4);          /* a line of 80 */
    case 5: return splice(f, n, l1 + 92, 0, "# x\n", 4);              /* a comment in between */
    case 6: {                                                          /* unused bits set in the last quantum */
        size_t end = ll - 1 + strlen(lastl) - 7;                       /* the '\n' ending the last line */
        f[end - 3] = f[end - 3] == 'B' ? 'C' : 'B';
        return f;
    }
    case 7: return splice(f, n, sz + 1, ll + strlen(lastl) - 7 - (sz + 1), NULL, 0); /* every line removed */
    default: { /* the lines moved after the dimensions: they may sit anywhere, together */
        size_t blen = ll + strlen(lastl) - 7 - (sz + 1);
        uint8_t *block = malloc(blen);
        assert_non_null(block);
        memcpy(block, f + sz + 1, blen);
        f = splice(f, n, sz + 1, blen, NULL, 0);
        size_t dims = find(f, *n, "32 24\n", 6) + 6;
        f = splice(f, n, dims, 0, block, blen);
        free(block);
        return f;
    }
    }
}

static void test_pnm_storage(void **state) {
    (void)state;
    mc_image *plain, *c = make_cipher(32, 24, 8, &plain);
    uint8_t *aux = rand_bytes(1000); /* 17 lines of 76 characters, one of 44 */
    storage st;
    storage_write(&st, "pgm", c, aux, 1000, plain);
    /* the layout: size line, then base64 lines, after the metadata comment */
    size_t meta = find(st.f0, st.n0, "\n# medcrypt medcrypt=1;", 23), sz = find(st.f0, st.n0, "\n# medcrypt-aux-size 1000\n", 26);
    assert_true(meta < sz);
    char line1[128] = "\n# medcrypt-aux ";
    mc_b64_encode(line1 + 16, aux, 57);
    line1[16 + 76] = '\n';
    line1[16 + 77] = 0;
    assert_int_equal(find(st.f0, st.n0, line1, strlen(line1)), sz + 25);
    char *lastl = st.text; /* zero-filled: the base64 ends in a NUL */
    strcpy(lastl, "\n# medcrypt-aux ");
    mc_b64_encode(lastl + 16, aux + 17 * 57, 1000 - 17 * 57);
    strcat(lastl, "\n32 24\n");
    find(st.f0, st.n0, lastl, strlen(lastl));
    size_t ll = find(st.f0, st.n0, lastl, strlen(lastl)) + strlen(lastl) - 7;
    assert_int_equal(st.f0[ll - 1], '='); /* 1000 = 3 * 333 + 1: "xy==" */
    st.at = sz;
    st.pos[0] = sz;
    st.pos[1] = sz + 25 + 1;
    static const char *const S = "# medcrypt-aux-size 1000\n";
    static const edit ed[] = {
        {"a character changed (valid)", ED_FN, 0, 0, 0, NULL, NULL, pnm_edit, 0, MC_OK, 1000, MC_ERR_AUTH, NULL},
        {"a character outside base64", ED_SET, 25 + 16 + 10, '*', 0, NULL, NULL, NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"size line twice", ED_REPLACE, 0, 0, 0, S, "# medcrypt-aux-size 1000\n# medcrypt-aux-size 1000\n", NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"size over the cap", ED_REPLACE, 0, 0, 0, S, "# medcrypt-aux-size 99999999999\n", NULL, 0, MC_ERR_LIMITS, 0, 0, NULL},
        {"size + 1", ED_REPLACE, 0, 0, 0, S, "# medcrypt-aux-size 1001\n", NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"size - 1", ED_REPLACE, 0, 0, 0, S, "# medcrypt-aux-size 999\n", NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"size with a leading 0", ED_REPLACE, 0, 0, 0, S, "# medcrypt-aux-size 01000\n", NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"size 0", ED_REPLACE, 0, 0, 0, S, "# medcrypt-aux-size 0\n", NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"size with a sign", ED_REPLACE, 0, 0, 0, S, "# medcrypt-aux-size +1000\n", NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"data, no size", ED_REPLACE, 0, 0, 0, S, "", NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"no metadata", ED_REPLACE, 0, 0, 0, "# medcrypt medcrypt=1;", "# medcrypX medcrypt=1;", NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"a line after the last", ED_REPLACE, 0, 0, 0, "\n32 24\n", "\n# medcrypt-aux AAAA\n32 24\n", NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"interrupted", ED_REPLACE, 0, 0, 0, "\n32 24\n", "\n# other\n# medcrypt-aux AAAA\n32 24\n", NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"second line removed", ED_FN, 0, 0, 0, NULL, NULL, pnm_edit, 1, MC_ERR_AUTH, 0, 0, NULL},
        {"last line removed", ED_FN, 0, 0, 0, NULL, NULL, pnm_edit, 2, MC_ERR_AUTH, 0, 0, NULL},
        {"a short line", ED_FN, 0, 0, 0, NULL, NULL, pnm_edit, 3, MC_ERR_AUTH, 0, 0, NULL},
        {"a long line", ED_FN, 0, 0, 0, NULL, NULL, pnm_edit, 4, MC_ERR_AUTH, 0, 0, NULL},
        {"a comment in between", ED_FN, 0, 0, 0, NULL, NULL, pnm_edit, 5, MC_ERR_AUTH, 0, 0, "out of order or interrupted"},
        {"non-canonical last quantum", ED_FN, 0, 0, 0, NULL, NULL, pnm_edit, 6, MC_ERR_AUTH, 0, 0, NULL},
        {"every line removed", ED_FN, 0, 0, 0, NULL, NULL, pnm_edit, 7, MC_OK, 0, MC_ERR_AUTH, NULL},
        {"lines moved, together", ED_FN, 0, 0, 0, NULL, NULL, pnm_edit, 8, MC_OK, SAME_AUX, MC_OK, NULL},
    };
    run_edits(&st, ed, sizeof ed / sizeof ed[0]);
    cut_sweep(&st, sz, sz + 1700, 111);
    free(st.f0);
    free(aux);
    mc_image_free(c);
    mc_image_free(plain);
}

/* --------------------------------------------------------------- DICOM */

static uint8_t *dicom_edit(uint8_t *f, size_t *n, const storage *st, int arg) {
    (void)n;
    if (arg == 0) { /* declared length 2^40: over the cap */
        memset(f + st->at, 0, 8);
        f[st->at + 5] = 1;
    } else { /* a text VR */
        memcpy(f + st->at - 8, "LO", 2);
    }
    return f;
}

/* Rows 512 -> 16 */
static void dicom_shrink(uint8_t *g, size_t n) {
    static const uint8_t rows[] = {0x28, 0x00, 0x10, 0x00, 'U', 'S', 0x02, 0x00, 0x00, 0x02};
    size_t ro = find(g, n, rows, sizeof rows);
    g[ro + 8] = 16;
    g[ro + 9] = 0;
}

static void test_dicom_storage(void **state) {
    (void)state;
    mc_image *plain, *c = make_cipher(32, 24, 16, &plain);
    uint8_t *aux = rand_bytes(1001); /* odd: DICOM pads it */
    storage st;
    storage_write(&st, "dcm", c, aux, 1001, plain);
    /* (0009,xx02) OB, length 1010 = 8 + 1001 + pad: LE u64 length || blob */
    uint8_t pat[16] = {0xe9, 0x03, 0, 0, 0, 0, 0, 0};
    memcpy(pat + 8, aux, 8);
    size_t at = find(st.f0, st.n0, pat, sizeof pat);
    const uint8_t *f0 = st.f0;
    assert_int_equal(f0[at - 12], 0x09);
    assert_int_equal(f0[at - 11], 0x00);
    assert_int_equal(f0[at - 10], 0x02); /* element xx02 */
    assert_memory_equal(f0 + at - 8, "OB\0\0", 4);
    assert_int_equal(f0[at - 4] | f0[at - 3] << 8, 1010);
    assert_int_equal(f0[at + 8 + 1001], 0);
    st.at = at;
    static const edit ed[] = {
        {"blob byte", ED_XOR, 8 + 700, 0x80, 0, NULL, NULL, NULL, 0, MC_OK, 1001, MC_ERR_AUTH, NULL},
        {"length 1000", ED_SET, 0, 0xe8, 0, NULL, NULL, NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"length 0", ED_ZERO8, 0, 0, 0, NULL, NULL, NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"length 2^40", ED_FN, 0, 0, 0, NULL, NULL, dicom_edit, 0, MC_ERR_LIMITS, 0, 0, NULL},
        {"the padding", ED_SET, 8 + 1001, 1, 0, NULL, NULL, NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"a text VR", ED_FN, 0, 0, 0, NULL, NULL, dicom_edit, 1, ANY_ERROR, 0, 0, NULL},
    };
    run_edits(&st, ed, sizeof ed / sizeof ed[0]);
    cut_sweep(&st, at - 6, at + 1010, 101);
    over_cap_by_geometry("dcm", dicom_shrink);
    free(st.f0);
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

/* arg 0: another ecode (an ordinary extension); 1: the metadata extension
 * made a plain comment; 2: the aux extension twice */
static uint8_t *nifti_edit(uint8_t *f, size_t *n, const storage *st, int arg) {
    const size_t m = st->at;
    if (arg == 0) wr32(f + m - 4, 4);
    else if (arg == 1) f[find(f, *n, "medcrypt=1;", 11)] = 'M';
    else {
        f = splice(f, n, m - 8 + 1040, 0, st->f0 + m - 8, 1040);
        wrf(f + 108, rdf(f + 108) + 1040.0f);
    }
    return f;
}

/* dim[2] 512 -> 16 */
static void nifti_shrink(uint8_t *g, size_t n) {
    (void)n;
    int16_t d2 = 16;
    memcpy(g + 44, &d2, 2);
}

static void test_nifti_storage(void **state) {
    (void)state;
    mc_image *plain, *c = make_cipher(32, 24, 16, &plain);
    uint8_t *aux = rand_bytes(1000);
    storage st;
    storage_write(&st, "nii", c, aux, 1000, plain);
    const uint8_t *f0 = st.f0;
    size_t m = find(f0, st.n0, "medcrypt-aux-v1", 16); /* with its NUL */
    /* esize 1040 (8 + 24 + 1000, padded to 16), ecode 0, length, blob */
    assert_int_equal(rd32(f0 + m - 8), 1040);
    assert_int_equal(rd32(f0 + m - 4), 0);
    assert_int_equal(f0[m + 16] | f0[m + 17] << 8, 1000);
    assert_memory_equal(f0 + m + 24, aux, 1000);
    assert_true(m - 8 + 1040 == (size_t)rdf(f0 + 108)); /* the last extension */

    /* niftilib reads the file: both extensions, the voxels */
    nifti_image *nim = nifti_image_read(mc_test_path("t.nii"), 1);
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

    st.at = m;
    static const edit ed[] = {
        {"blob byte", ED_XOR, 24 + 10, 1, 0, NULL, NULL, NULL, 0, MC_OK, 1000, MC_ERR_AUTH, NULL},
        {"length 900: does not fit esize", ED_SET, 16, 0x84, 0, NULL, NULL, NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"length 232", ED_SET, 17, 0x00, 0, NULL, NULL, NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"length 2^40 + 1000: over the cap", ED_SET, 21, 0x01, 0, NULL, NULL, NULL, 0, MC_ERR_LIMITS, 0, 0, NULL},
        {"the padding", ED_SET, 24 + 1000, 1, 0, NULL, NULL, NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"length 0", ED_ZERO8, 16, 0, 0, NULL, NULL, NULL, 0, MC_ERR_AUTH, 0, 0, NULL},
        {"another ecode: no aux", ED_FN, 0, 0, 0, NULL, NULL, nifti_edit, 0, MC_OK, 0, MC_ERR_AUTH, NULL},
        {"aux without metadata", ED_FN, 0, 0, 0, NULL, NULL, nifti_edit, 1, MC_ERR_AUTH, 0, 0, "without medcrypt metadata"},
        {"two aux extensions", ED_FN, 0, 0, 0, NULL, NULL, nifti_edit, 2, MC_ERR_AUTH, 0, 0, NULL},
    };
    run_edits(&st, ed, sizeof ed / sizeof ed[0]);
    cut_sweep(&st, m - 6, m + 1040, 103);
    over_cap_by_geometry("nii", nifti_shrink);
    free(st.f0);
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
