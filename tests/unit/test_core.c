/* test_core.c - image model, metadata, keys, scheme machinery, aead. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"
#include "core/internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static mc_image *random_image(uint32_t w, uint32_t h, uint32_t d, unsigned ch, unsigned bits, int sgn) {
    mc_image *img = NULL;
    assert_int_equal(mc_image_new(&img, w, h, d, ch, bits, sgn, NULL, NULL), MC_OK);
    randombytes_buf(img->pixels, img->nbytes);
    return img;
}

static void test_limits(void **st) {
    (void)st;
    size_t n;
    mc_limits l;
    mc_limits_default(&l);
    assert_int_equal(mc_image_size(512, 512, 1, 1, 16, NULL, &n), MC_OK);
    assert_int_equal(n, 512u * 512 * 2);
    assert_int_equal(mc_image_size(0, 512, 1, 1, 8, NULL, &n), MC_ERR_FORMAT);
    assert_int_equal(mc_image_size(65536, 1, 1, 1, 8, NULL, &n), MC_ERR_LIMITS);
    assert_int_equal(mc_image_size(65535, 65535, 65535, 3, 16, NULL, &n), MC_ERR_LIMITS);
    assert_int_equal(mc_image_size(16, 16, 1, 2, 8, NULL, &n), MC_ERR_UNSUPPORTED);
    assert_int_equal(mc_image_size(16, 16, 1, 1, 32, NULL, &n), MC_ERR_UNSUPPORTED);
    l.max_bytes = 1000;
    assert_int_equal(mc_image_size(32, 32, 1, 1, 8, &l, &n), MC_ERR_LIMITS);
    mc_image *img = NULL;
    mc_err err = {0};
    assert_int_equal(mc_image_new(&img, 40000, 40000, 40000, 3, 16, 0, NULL, &err), MC_ERR_LIMITS);
    assert_null(img);
    assert_non_null(strstr(err.msg, "exceeds limits"));
}

static void test_meta(void **st) {
    (void)st;
    mc_meta *m = malloc(sizeof *m), *p = malloc(sizeof *p);
    mc_meta_clear(m);
    assert_int_equal(mc_meta_set(m, "medcrypt", "1"), MC_OK);
    assert_int_equal(mc_meta_set(m, "scheme", "aead"), MC_OK);
    uint8_t b[5] = {0, 1, 0xab, 0xff, 7}, c[5];
    assert_int_equal(mc_meta_set_hex(m, "nonce", b, 5), MC_OK);
    assert_int_equal(mc_meta_set_u64(m, "ops", 18446744073709551615ULL), MC_OK);
    assert_int_equal(mc_meta_set(m, "bad;key", "x"), MC_ERR_ARG);
    assert_int_equal(mc_meta_set(m, "k", "a;b"), MC_ERR_ARG);
    assert_int_equal(mc_meta_set(m, "k", "a=b"), MC_ERR_ARG);
    assert_int_equal(mc_meta_set(m, "k", "trailing "), MC_ERR_ARG); /* would not round-trip */
    char txt[512];
    size_t len;
    assert_int_equal(mc_meta_serialize(m, NULL, txt, sizeof txt, &len), MC_OK);
    assert_string_equal(txt, "medcrypt=1;scheme=aead;nonce=0001abff07;ops=18446744073709551615");
    assert_int_equal(mc_meta_serialize(m, "nonce", txt, sizeof txt, &len), MC_OK);
    assert_string_equal(txt, "medcrypt=1;scheme=aead;ops=18446744073709551615");
    assert_int_equal(mc_meta_serialize(m, NULL, txt, 10, &len), MC_ERR_LIMITS);
    assert_int_equal(mc_meta_serialize(m, NULL, txt, sizeof txt, &len), MC_OK);
    assert_int_equal(mc_meta_parse(p, txt, len, NULL), MC_OK);
    assert_int_equal(p->n, 4);
    assert_int_equal(mc_meta_get_hex(p, "nonce", c, 5), MC_OK);
    assert_memory_equal(b, c, 5);
    assert_int_equal(mc_meta_get_hex(p, "nonce", c, 4), MC_ERR_FORMAT);
    uint64_t v;
    assert_int_equal(mc_meta_get_u64(p, "ops", &v), MC_OK);
    assert_true(v == 18446744073709551615ULL);
    /* padding tolerated (DICOM pads to even length) */
    char padded[600];
    memcpy(padded, txt, len);
    padded[len] = ' ';
    padded[len + 1] = 0;
    assert_int_equal(mc_meta_parse(p, padded, len + 2, NULL), MC_OK);
    /* hostile inputs */
    mc_err err = {0};
    static const char *bad[] = {"", "medcrypt", "medcrypt=1;;", "medcrypt=1;x", "=1", "medcrypt=2",
                                "medcrypt=1;a=1;a=2", "medcrypt=1;A=1", "medcrypt=1;a=\x01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_not_equal(mc_meta_parse(p, bad[i], strlen(bad[i]), &err), MC_OK);
    /* too many entries */
    char *big = malloc(100000);
    size_t o = (size_t)sprintf(big, "medcrypt=1");
    for (int i = 0; i < MC_META_MAX_ENTRIES + 5; i++) o += (size_t)sprintf(big + o, ";k%d=v", i);
    assert_int_equal(mc_meta_parse(p, big, o, &err), MC_ERR_AUTH);
    free(big);
    assert_int_equal(mc_meta_remove(m, "scheme"), MC_OK);
    assert_null(mc_meta_get(m, "scheme"));
    free(m);
    free(p);
}

static void test_subkeys(void **st) {
    (void)st;
    uint8_t mk[32] = {1}, a[32], b[32], c[32];
    assert_int_equal(mc_subkey(mk, "mac", a), MC_OK);
    assert_int_equal(mc_subkey(mk, "scheme/aead", b), MC_OK);
    assert_memory_not_equal(a, b, 32);
    mk[31] ^= 1;
    assert_int_equal(mc_subkey(mk, "mac", c), MC_OK);
    assert_memory_not_equal(a, c, 32);
}

static void roundtrip(unsigned ch, unsigned bits, int sgn, uint32_t d) {
    mc_key *k = NULL;
    assert_int_equal(mc_key_generate(&k, NULL), MC_OK);
    mc_image *img = random_image(37, 23, d, ch, bits, sgn), *orig = mc_test_clone(img);
    mc_err err = {0};
    assert_int_equal(mc_encrypt(img, "aead", MC_PROFILE_HARDENED, NULL, 0, k, NULL, &err), MC_OK);
    assert_true(img->has_meta);
    assert_string_equal(mc_meta_get(&img->meta, "scheme"), "aead");
    assert_non_null(mc_meta_get(&img->meta, "nonce"));
    assert_null(mc_meta_get(&img->meta, "mac")); /* self-authenticating: Poly1305 tag */
    assert_non_null(mc_meta_get(&img->meta, "tag"));
    assert_memory_not_equal(img->pixels, orig->pixels, img->nbytes);
    assert_int_equal(mc_decrypt(img, k, MC_TEST_OPTS, &err), MC_OK);
    assert_false(img->has_meta);
    assert_memory_equal(img->pixels, orig->pixels, img->nbytes);
    mc_image_free(img);
    mc_image_free(orig);
    mc_key_free(k);
}

static void test_aead_roundtrip(void **st) {
    (void)st;
    roundtrip(1, 8, 0, 1);
    roundtrip(1, 16, 1, 1);
    roundtrip(1, 16, 0, 4);
    roundtrip(3, 8, 0, 2);
    roundtrip(3, 16, 0, 1);
}

static void test_aead_nonce_fresh(void **st) {
    (void)st;
    mc_key *k = NULL;
    assert_int_equal(mc_key_generate(&k, NULL), MC_OK);
    mc_image *a = random_image(64, 64, 1, 1, 8, 0), *b = mc_test_clone(a);
    assert_int_equal(mc_encrypt(a, "aead", MC_PROFILE_HARDENED, NULL, 0, k, NULL, NULL), MC_OK);
    assert_int_equal(mc_encrypt(b, "aead", MC_PROFILE_HARDENED, NULL, 0, k, NULL, NULL), MC_OK);
    /* same plaintext, same key: different nonce, different ciphertext */
    assert_string_not_equal(mc_meta_get(&a->meta, "nonce"), mc_meta_get(&b->meta, "nonce"));
    assert_memory_not_equal(a->pixels, b->pixels, a->nbytes);
    mc_image_free(a);
    mc_image_free(b);
    mc_key_free(k);
}

static void test_tamper(void **st) {
    (void)st;
    mc_key *k = NULL, *k2 = NULL;
    assert_int_equal(mc_key_generate(&k, NULL), MC_OK);
    assert_int_equal(mc_key_generate(&k2, NULL), MC_OK);
    mc_image *img = random_image(32, 32, 1, 1, 16, 1);
    assert_int_equal(mc_encrypt(img, "aead", MC_PROFILE_HARDENED, NULL, 0, k, NULL, NULL), MC_OK);
    mc_image *ct = mc_test_clone(img);
    mc_err err = {0};
    /* wrong key: nothing touched */
    memcpy(&ct->meta, &img->meta, sizeof img->meta);
    ct->has_meta = 1;
    assert_int_equal(mc_decrypt(ct, k2, MC_TEST_OPTS, &err), MC_ERR_AUTH);
    assert_memory_equal(ct->pixels, img->pixels, img->nbytes);
    /* flipped pixel bit */
    ((uint8_t *)ct->pixels)[100] ^= 0x10;
    assert_int_equal(mc_decrypt(ct, k, MC_TEST_OPTS, &err), MC_ERR_AUTH);
    ((uint8_t *)ct->pixels)[100] ^= 0x10;
    /* every metadata entry altered (one character) is detected */
    for (size_t i = 0; i < img->meta.n; i++) {
        memcpy(&ct->meta, &img->meta, sizeof img->meta);
        char *v = ct->meta.e[i].val;
        v[0] = v[0] == '1' ? '2' : (v[0] == 'a' ? 'b' : '1');
        assert_int_equal(mc_decrypt(ct, k, MC_TEST_OPTS, &err), MC_ERR_AUTH);
        assert_memory_equal(ct->pixels, img->pixels, img->nbytes);
    }
    /* downgrade to paper profile is refused: aead has no paper profile */
    memcpy(&ct->meta, &img->meta, sizeof img->meta);
    assert_int_equal(mc_meta_set(&ct->meta, "profile", "paper"), MC_OK);
    assert_int_not_equal(mc_decrypt(ct, k, MC_TEST_OPTS, &err), MC_OK);
    /* geometry is authenticated */
    memcpy(&ct->meta, &img->meta, sizeof img->meta);
    ct->is_signed = 0;
    assert_int_equal(mc_decrypt(ct, k, MC_TEST_OPTS, &err), MC_ERR_AUTH);
    ct->is_signed = 1;
    assert_int_equal(mc_decrypt(ct, k, MC_TEST_OPTS, &err), MC_OK);
    mc_image_free(img);
    mc_image_free(ct);
    mc_key_free(k);
    mc_key_free(k2);
}

static void test_params_and_profiles(void **st) {
    (void)st;
    mc_key *k = NULL;
    assert_int_equal(mc_key_generate(&k, NULL), MC_OK);
    mc_image *img = random_image(8, 8, 1, 1, 8, 0);
    mc_err err = {0};
    const char *p[] = {"rounds=3"};
    assert_int_equal(mc_encrypt(img, "aead", MC_PROFILE_HARDENED, p, 1, k, NULL, &err), MC_ERR_ARG);
    assert_non_null(strstr(err.msg, "no parameter"));
    assert_int_equal(mc_encrypt(img, "aead", MC_PROFILE_PAPER, NULL, 0, k, NULL, &err), MC_ERR_ARG);
    assert_int_equal(mc_encrypt(img, "nosuch", MC_PROFILE_HARDENED, NULL, 0, k, NULL, &err), MC_ERR_ARG);
    assert_false(img->has_meta);
    /* already encrypted input is refused */
    assert_int_equal(mc_encrypt(img, "aead", MC_PROFILE_HARDENED, NULL, 0, k, NULL, &err), MC_OK);
    assert_int_equal(mc_encrypt(img, "aead", MC_PROFILE_HARDENED, NULL, 0, k, NULL, &err), MC_ERR_UNSUPPORTED);
    mc_image_free(img);
    mc_key_free(k);
}

static void test_bits_stored(void **st) {
    (void)st;
    mc_key *k = NULL;
    assert_int_equal(mc_key_generate(&k, NULL), MC_OK);
    mc_image *img = random_image(16, 16, 1, 1, 16, 0);
    img->bits_stored = 12;
    uint16_t *px = img->pixels;
    for (size_t i = 0; i < 256; i++) px[i] &= 0x0fff;
    assert_int_equal(mc_encrypt(img, "aead", MC_PROFILE_HARDENED, NULL, 0, k, NULL, NULL), MC_OK);
    assert_int_equal(img->bits_stored, 16);
    assert_string_equal(mc_meta_get(&img->meta, "bits_stored"), "12");
    assert_int_equal(mc_decrypt(img, k, MC_TEST_OPTS, NULL), MC_OK);
    assert_int_equal(img->bits_stored, 12);
    mc_image_free(img);
    mc_key_free(k);
}

static void test_passphrase(void **st) {
    (void)st;
    mc_key *k = NULL, *bad = NULL, *raw = NULL;
    assert_int_equal(mc_key_from_passphrase(&k, "correct horse", 13, NULL), MC_OK);
    assert_int_equal(mc_key_from_passphrase(&bad, "correct horsf", 13, NULL), MC_OK);
    assert_int_equal(mc_key_generate(&raw, NULL), MC_OK);
    mc_key_set_pwhash_cost(k, 1, 8u << 20); /* fast for the test */
    assert_int_equal(mc_key_from_passphrase(&k, "", 0, NULL) == MC_OK, 0);
    mc_image *img = random_image(16, 16, 1, 1, 8, 0), *orig = mc_test_clone(img);
    assert_int_equal(mc_encrypt(img, "aead", MC_PROFILE_HARDENED, NULL, 0, k, NULL, NULL), MC_OK);
    assert_string_equal(mc_meta_get(&img->meta, "kdf"), "argon2id");
    assert_non_null(mc_meta_get(&img->meta, "salt"));
    mc_err err = {0};
    assert_int_equal(mc_decrypt(img, bad, MC_TEST_OPTS, &err), MC_ERR_AUTH);
    assert_int_equal(mc_decrypt(img, raw, MC_TEST_OPTS, &err), MC_ERR_ARG);
    assert_non_null(strstr(err.msg, "passphrase"));
    /* absurd Argon2 cost from untrusted metadata is refused before hashing */
    char mem[32];
    strcpy(mem, mc_meta_get(&img->meta, "mem"));
    assert_int_equal(mc_meta_set(&img->meta, "mem", "99999999999999"), MC_OK);
    assert_int_equal(mc_decrypt(img, k, MC_TEST_OPTS, &err), MC_ERR_AUTH);
    assert_int_equal(mc_meta_set(&img->meta, "mem", mem), MC_OK);
    assert_int_equal(mc_decrypt(img, k, MC_TEST_OPTS, &err), MC_OK);
    assert_memory_equal(img->pixels, orig->pixels, img->nbytes);
    mc_image_free(img);
    mc_image_free(orig);
    mc_key_free(k);
    mc_key_free(bad);
    mc_key_free(raw);
}

static int pass_cb(void *ud, char *buf, size_t cap) {
    const char *p = ud;
    size_t n = strlen(p);
    if (n >= cap) return MC_ERR_ARG;
    memcpy(buf, p, n);
    return (int)n;
}

static void test_keyfiles(void **st) {
    (void)st;
    mc_key *k = NULL, *r = NULL;
    mc_err err = {0};
    int insecure = -1;
    assert_int_equal(mc_key_generate(&k, NULL), MC_OK);
    mc_key_set_pwhash_cost(k, 1, 8u << 20);
    const char *raw = mc_test_path("raw.key"), *wrapped = mc_test_path("wrapped.key");
    assert_int_equal(mc_keyfile_write(k, raw, NULL, 0, &err), MC_OK);
    struct stat sb;
    assert_int_equal(stat(raw, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    /* O_EXCL: never overwritten */
    assert_int_equal(mc_keyfile_write(k, raw, NULL, 0, &err), MC_ERR_ARG);
    assert_int_equal(mc_keyfile_write(k, wrapped, "pw", 2, &err), MC_OK);
    mc_image *img = random_image(8, 8, 1, 1, 8, 0), *orig = mc_test_clone(img);
    assert_int_equal(mc_encrypt(img, "aead", MC_PROFILE_HARDENED, NULL, 0, k, NULL, NULL), MC_OK);
    /* raw file decrypts */
    assert_int_equal(mc_keyfile_read(raw, NULL, NULL, &r, &insecure, &err), MC_OK);
    assert_int_equal(insecure, 0);
    mc_image *c = mc_test_clone(img);
    memcpy(&c->meta, &img->meta, sizeof c->meta);
    c->has_meta = 1;
    assert_int_equal(mc_decrypt(c, r, MC_TEST_OPTS, &err), MC_OK);
    assert_memory_equal(c->pixels, orig->pixels, c->nbytes);
    mc_key_free(r);
    /* wrapped: right and wrong passphrase */
    assert_int_equal(mc_keyfile_read(wrapped, pass_cb, (void *)"nope", &r, NULL, &err), MC_ERR_AUTH);
    assert_null(r);
    assert_int_equal(mc_keyfile_read(wrapped, NULL, NULL, &r, NULL, &err), MC_ERR_ARG);
    assert_int_equal(mc_keyfile_read(wrapped, pass_cb, (void *)"pw", &r, NULL, &err), MC_OK);
    assert_int_equal(mc_decrypt(img, r, MC_TEST_OPTS, &err), MC_OK);
    assert_memory_equal(img->pixels, orig->pixels, img->nbytes);
    mc_key_free(r);
    /* group-readable key file warns */
    chmod(raw, 0644);
    assert_int_equal(mc_keyfile_read(raw, NULL, NULL, &r, &insecure, &err), MC_OK);
    assert_int_equal(insecure, 1);
    mc_key_free(r);
    /* garbage key files */
    static const char *bad[] = {"", "medcrypt-key-v1", "medcrypt-key-v1 raw 00", "medcrypt-key-v2 raw x",
                                "medcrypt-key-v1 argon2id 1 2 3 4 5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *p = mc_test_path("bad.key");
        unlink(p);
        assert_int_equal(mc_test_spit(p, bad[i], strlen(bad[i])), 0);
        assert_int_equal(mc_keyfile_read(p, pass_cb, (void *)"pw", &r, NULL, &err), MC_ERR_FORMAT);
    }
    assert_int_equal(mc_keyfile_read(mc_test_path("missing.key"), NULL, NULL, &r, NULL, &err), MC_ERR_IO);
    mc_image_free(img);
    mc_image_free(orig);
    mc_image_free(c);
    mc_key_free(k);
}

static void test_phantom(void **st) {
    (void)st;
    mc_image *a = NULL, *b = NULL;
    assert_int_equal(mc_phantom(&a, 128, 1, 16, NULL), MC_OK);
    assert_true(a->is_signed);
    const int16_t *p = a->pixels;
    assert_int_equal(p[0], -1000);           /* corner: air */
    assert_int_equal(p[64 * 128 + 64], -600); /* centre: brain, v = 0.2 */
    int16_t mx = -32768;
    for (size_t i = 0; i < 128 * 128; i++)
        if (p[i] > mx) mx = p[i];
    assert_int_equal(mx, 1000); /* skull */
    assert_int_equal(mc_phantom(&b, 64, 8, 8, NULL), MC_OK);
    assert_false(b->is_signed);
    assert_int_equal(b->depth, 8);
    mc_image_free(b);
    assert_int_equal(mc_phantom(&b, 4, 1, 8, NULL), MC_ERR_ARG);
    assert_int_equal(mc_phantom(&b, 64, 1, 12, NULL), MC_ERR_ARG);
    assert_null(b);
    mc_image_free(a);
}

static void test_errors(void **st) {
    (void)st;
    assert_int_equal(mc_exit_code(MC_OK), 0);
    assert_int_equal(mc_exit_code(MC_ERR_ARG), 1);
    assert_int_equal(mc_exit_code(MC_ERR_FORMAT), 2);
    assert_int_equal(mc_exit_code(MC_ERR_UNSUPPORTED), 2);
    assert_int_equal(mc_exit_code(MC_ERR_LIMITS), 2);
    assert_int_equal(mc_exit_code(MC_ERR_AUTH), 3);
    assert_int_equal(mc_exit_code(MC_ERR_IO), 4);
    mc_err e = {0};
    assert_int_equal(mc_err_set(&e, MC_ERR_IO, "a\nb %d", 5), MC_ERR_IO);
    assert_string_equal(e.msg, "a b 5");
    assert_int_equal(mc_format_from_path("x/y.NII.GZ"), MC_FMT_NIFTI);
    assert_int_equal(mc_format_from_path("y.pgm"), MC_FMT_PNM);
    assert_int_equal(mc_format_from_path("y.dcm"), MC_FMT_DICOM);
    assert_int_equal(mc_format_from_path("y.png"), MC_FMT_PNG);
    assert_int_equal(mc_format_from_path("y.jpg"), MC_FMT_UNKNOWN);
}

static void test_stream(void **st) {
    (void)st;
    uint8_t k[32] = {7}, n1[24] = {1}, a[1000], b[1000], c[1000], z[1000] = {0};
    mc_stream s;
    /* same inputs, same stream, whatever the read pattern */
    mc_stream_init(&s, k, n1, "x", 1, 2);
    mc_stream_bytes(&s, a, sizeof a);
    mc_stream_init(&s, k, n1, "x", 1, 2);
    mc_stream_bytes(&s, b, 3);
    mc_stream_bytes(&s, b + 3, 600);
    mc_stream_bytes(&s, b + 603, 397);
    assert_memory_equal(a, b, sizeof a);
    /* xor equals bytes */
    mc_stream_init(&s, k, n1, "x", 1, 2);
    memset(c, 0, sizeof c);
    mc_stream_xor(&s, c, 5);
    mc_stream_xor(&s, c + 5, 995);
    assert_memory_equal(a, c, sizeof a);
    /* each input separates streams */
    mc_stream_init(&s, k, NULL, "x", 1, 2);
    mc_stream_bytes(&s, c, sizeof c);
    assert_memory_not_equal(a, c, sizeof a);
    mc_stream_init(&s, k, n1, "y", 1, 2);
    mc_stream_bytes(&s, c, sizeof c);
    assert_memory_not_equal(a, c, sizeof a);
    mc_stream_init(&s, k, n1, "x", 2, 1);
    mc_stream_bytes(&s, c, sizeof c);
    assert_memory_not_equal(a, c, sizeof a);
    assert_memory_not_equal(a, z, sizeof a);
    /* unbiased integers stay in range and cover it */
    unsigned hist[7] = {0};
    for (int i = 0; i < 7000; i++) {
        uint32_t u = mc_stream_uniform(&s, 7);
        assert_true(u < 7);
        hist[u]++;
    }
    for (int i = 0; i < 7; i++) assert_true(hist[i] > 800 && hist[i] < 1200);
    double d = mc_stream_unit(&s);
    assert_true(d >= 0 && d < 1);
    mc_stream_wipe(&s);
    assert_memory_equal(s.key, z, sizeof s.key);
}

static int teardown(void **st) {
    (void)st;
    mc_test_tmpdir_cleanup();
    return 0;
}

int main(void) {
    if (mc_init() != MC_OK) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits),      cmocka_unit_test(test_meta),
        cmocka_unit_test(test_subkeys),     cmocka_unit_test(test_aead_roundtrip),
        cmocka_unit_test(test_aead_nonce_fresh), cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_params_and_profiles), cmocka_unit_test(test_bits_stored),
        cmocka_unit_test(test_passphrase),  cmocka_unit_test(test_keyfiles),
        cmocka_unit_test(test_phantom),     cmocka_unit_test(test_errors),
        cmocka_unit_test(test_stream),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
