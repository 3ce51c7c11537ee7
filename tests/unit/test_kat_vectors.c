/* test_kat_vectors.c - pinned vectors of the container format
 * (docs/known-answers.md): the sub-key KDF, the hardened MAC, the Argon2id
 * master key of a passphrase, key-file text (raw and passphrase-wrapped) and
 * the metadata serialisation.  The files of tests/kat pin the same things end
 * to end; these pin each piece alone, so a failure names the piece.
 *
 * How the constants were produced: MC_KAT_PRINT=1 ./test_kat_vectors prints
 * the k_vectors table from the code under test; it was run once on main at
 * 07c0bd0 (before any change to the format) and pasted below; the sub-keys
 * and MACs were checked against an independent computation (Python hashlib
 * BLAKE2b and a Poly1305 written from RFC 8439, docs/known-answers.md).  Never
 * regenerate them to make a failing test pass: a mismatch means every file
 * already written would no longer decrypt. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"
#include "core/internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct vec {
    const char *name, *value;
} vec;

/* clang-format off */
static const vec k_vectors[] = {
    {"subkey 00..1f 'mac'", "adb7bb057a25b4624373ac048f94397335aeb5372a3bd17ba4f3c26d22677208"},
    {"subkey 00..1f 'scheme/aead'", "611b0c0ded30efac730fc2e5df5ca92cb21d6dd45d02b5fb4ffb7f890ab1e23b"},
    {"subkey 00..1f 'scheme/logistic'", "a7ef27ced0f917e073482e139f0bba957412a4f7ee6c84618335d25a75a224ba"},
    {"subkey 00..1f 'scheme/tpe-h2mwd'", "4ba1c86d604dd77caa971d166a602fa6a03194e26883f46230c9b241ea1a0801"},
    {"subkey 00..1f 'scheme/at-resnet-cm'", "4e2f09a411784aae8ce8c09162a45cee2a574997af1cfc5884510be3cabc559d"},
    {"subkey 00..1f 'nn-model'", "795cee0e919a57ac25b40992a25750c88e45ed3f5f10c54d681bcfcb37920866"},
    {"subkey 00..1f ''", "188425fd109119461035e46445ccf52c0da8a56c80958c2f179c1ae7b73b97ea"},
    {"subkey ff..ff 'mac'", "14a384b63b0680da39d3d7a29bc5dacb49cb374f0917dc4d836111d5782f9722"},
    {"mac gray8 5x3", "c51823f5cd5cf901bff44291f69381a4"},
    {"mac rgb8 3x2", "fd49ab21bbb0a0d34e4075debe6473de"},
    {"mac s16 3x2x2", "d954a760b3070a9bf8b87a7b7df18c63"},
    {"mac s16 3x2x2 + aux", "93e2f5ca4c5e2e13a9826bf3938cbce9"},
    {"argon2id ops 2 mem 65536", "6870038077ad13790faf6ea73f45660f1333d7758aed03335dc24205dc32e11a"},
    {"argon2id ops 3 mem 67108864 (default)", "d8df25fc62d605b1b88bc19f75ec6eb2955b08a8860643e969e18637e00388d9"},
    {"key file raw 00..1f", "medcrypt-key-v1 raw 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"},
    {"meta serialize", "medcrypt=1;scheme=tpe-h2mwd;profile=hardened;p.block=16;p.note=a value, with spaces & (symbols) ~!;p.empty=;bits_stored=12;mem=67108864;nonce=e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7;mac=101112131415161718191a1b1c1d1e1f"},
    {"meta serialize without mac", "medcrypt=1;scheme=tpe-h2mwd;profile=hardened;p.block=16;p.note=a value, with spaces & (symbols) ~!;p.empty=;bits_stored=12;mem=67108864;nonce=e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7"},
    {"meta as the writers store it", "medcrypt=1;scheme=tpe-h2mwd;profile=hardened;p.block=16;p.note=a value, with spaces & (symbols) ~!;p.empty=;bits_stored=12;mem=67108864;nonce=e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7;mac=101112131415161718191a1b1c1d1e1f"},
};
/* clang-format on */

static int g_print;

static void check_text(const char *name, const char *got) {
    if (g_print) {
        printf("    {\"%s\", \"", name);
        for (const char *c = got; *c; c++) printf(*c == '\n' ? "\\n" : "%c", *c);
        printf("\"},\n");
        return;
    }
    for (size_t i = 0; i < sizeof k_vectors / sizeof k_vectors[0]; i++)
        if (!strcmp(k_vectors[i].name, name)) {
            if (strcmp(k_vectors[i].value, got))
                fail_msg("%s:\n  got    %s\n  pinned %s", name, got, k_vectors[i].value);
            return;
        }
    fail_msg("no pinned vector named %s", name);
}

static void check_hex(const char *name, const uint8_t *buf, size_t n) {
    char hex[2 * 64 + 1];
    assert_true(n <= 64);
    mc_hex_encode(hex, buf, n);
    check_text(name, hex);
}

static void seq(uint8_t *b, size_t n, uint8_t start) {
    for (size_t i = 0; i < n; i++) b[i] = (uint8_t)(start + i);
}

/* -------------------------------------------------------------- sub-keys */

static void test_subkey(void **st) {
    (void)st;
    static const char *const purposes[] = {"mac", "scheme/aead", "scheme/logistic", "scheme/tpe-h2mwd",
                                           "scheme/at-resnet-cm", "nn-model", ""};
    uint8_t master[MC_KEY_BYTES], out[MC_KEY_BYTES];
    char name[64];
    seq(master, sizeof master, 0);
    for (size_t i = 0; i < sizeof purposes / sizeof purposes[0]; i++) {
        assert_int_equal(mc_subkey(master, purposes[i], out), MC_OK);
        snprintf(name, sizeof name, "subkey 00..1f '%s'", purposes[i]);
        check_hex(name, out, sizeof out);
    }
    memset(master, 0xff, sizeof master);
    assert_int_equal(mc_subkey(master, "mac", out), MC_OK);
    check_hex("subkey ff..ff 'mac'", out, sizeof out);
}

/* ------------------------------------------------------------------- MAC */

static mc_image *tiny(uint32_t w, uint32_t h, uint32_t d, unsigned ch, unsigned bits, int sgn) {
    mc_image *img = NULL;
    assert_int_equal(mc_image_new(&img, w, h, d, ch, bits, sgn, NULL, NULL), MC_OK);
    size_t n = mc_image_samples(img);
    for (size_t i = 0; i < n; i++) {
        if (bits == 8) ((uint8_t *)img->pixels)[i] = (uint8_t)(i * 17 + 3);
        else ((uint16_t *)img->pixels)[i] = (uint16_t)(0x8001u + i * 0x0102u);
    }
    return img;
}

static void fill_meta(mc_image *img, const char *scheme) {
    uint8_t nonce[MC_NONCE_BYTES];
    seq(nonce, sizeof nonce, 0x40);
    mc_meta *m = &img->meta;
    mc_meta_clear(m);
    assert_int_equal(mc_meta_set(m, "medcrypt", "1"), MC_OK);
    assert_int_equal(mc_meta_set(m, "scheme", scheme), MC_OK);
    assert_int_equal(mc_meta_set(m, "profile", "hardened"), MC_OK);
    assert_int_equal(mc_meta_set(m, "p.transient", "1000"), MC_OK);
    assert_int_equal(mc_meta_set_hex(m, "nonce", nonce, sizeof nonce), MC_OK);
    img->has_meta = 1;
}

static void test_mac(void **st) {
    (void)st;
    uint8_t master[MC_KEY_BYTES], mac[MC_MAC_BYTES], mac2[MC_MAC_BYTES];
    seq(master, sizeof master, 0);

    mc_image *g8 = tiny(5, 3, 1, 1, 8, 0);
    fill_meta(g8, "logistic");
    assert_int_equal(mc_image_mac(g8, master, mac), MC_OK);
    check_hex("mac gray8 5x3", mac, sizeof mac);
    /* the "mac" entry itself is left out of its input */
    assert_int_equal(mc_meta_set_hex(&g8->meta, "mac", mac, sizeof mac), MC_OK);
    assert_int_equal(mc_image_mac(g8, master, mac2), MC_OK);
    assert_memory_equal(mac, mac2, sizeof mac);
    /* no nonce, no MAC */
    assert_int_equal(mc_meta_remove(&g8->meta, "nonce"), MC_OK);
    assert_int_equal(mc_image_mac(g8, master, mac2), MC_ERR_AUTH);
    mc_image_free(g8);

    mc_image *rgb = tiny(3, 2, 1, 3, 8, 0);
    fill_meta(rgb, "zigzag");
    assert_int_equal(mc_image_mac(rgb, master, mac), MC_OK);
    check_hex("mac rgb8 3x2", mac, sizeof mac);
    mc_image_free(rgb);

    /* 16-bit signed volume: samples little-endian in the MAC input */
    mc_image *v16 = tiny(3, 2, 2, 1, 16, 1);
    fill_meta(v16, "latin");
    assert_int_equal(mc_image_mac(v16, master, mac), MC_OK);
    check_hex("mac s16 3x2x2", mac, sizeof mac);
    /* with an aux blob: LE u64 length || blob after the pixels */
    static const uint8_t aux[] = "aux blob bytes";
    assert_int_equal(mc_image_set_aux(v16, aux, sizeof aux - 1, NULL), MC_OK);
    assert_int_equal(mc_image_mac(v16, master, mac), MC_OK);
    check_hex("mac s16 3x2x2 + aux", mac, sizeof mac);
    mc_image_free(v16);
}

/* ---------------------------------------------------- passphrase -> key */

static void test_argon2id_master(void **st) {
    (void)st;
    static const char pass[] = "correct horse battery staple";
    static const struct {
        const char *name, *ops, *mem;
    } costs[] = {{"argon2id ops 2 mem 65536", "2", "65536"}, {"argon2id ops 3 mem 67108864 (default)", "3", "67108864"}};
    uint8_t salt[MC_SALT_BYTES], master[MC_KEY_BYTES];
    seq(salt, sizeof salt, 0xa0);
    mc_key *k = NULL;
    mc_err err = {0};
    assert_int_equal(mc_key_from_passphrase(&k, pass, sizeof pass - 1, &err), MC_OK);
    for (size_t i = 0; i < sizeof costs / sizeof costs[0]; i++) {
        mc_meta m = {0};
        assert_int_equal(mc_meta_set(&m, "kdf", "argon2id"), MC_OK);
        assert_int_equal(mc_meta_set_hex(&m, "salt", salt, sizeof salt), MC_OK);
        assert_int_equal(mc_meta_set(&m, "ops", costs[i].ops), MC_OK);
        assert_int_equal(mc_meta_set(&m, "mem", costs[i].mem), MC_OK);
        int rc = mc_key_master(k, &m, 0, master, &err);
        if (rc) fail_msg("%s: %s", costs[i].name, err.msg);
        check_hex(costs[i].name, master, sizeof master);
    }
    mc_key_free(k);
    sodium_memzero(master, sizeof master);
}

/* ------------------------------------------------------------- key files */

static void master_of(const mc_key *k, uint8_t out[MC_KEY_BYTES]) {
    assert_int_equal(mc_key_master(k, NULL, 0, out, NULL), MC_OK);
}

/* Written once by mc_keyfile_write (key 00..1f, passphrase below, cost ops 1
 * mem 8192) at 07c0bd0. */
static const char k_wrapped_file[] =
    "medcrypt-key-v1 argon2id 1 8192 f0d715d0ef10f620dfd06a3d2d7ebef6 4cf444a4753aa5c5ba5104501c748bfa7bf10549c5dd2f01 "
    "ae7e2a583589924f71138b71e3997b373387f502bfe3a9e238092529e29375b5f31e809a46bdc21238dc2e0c6b3b28ad";
#define WRAP_PASS "key file passphrase"

static void test_keyfile(void **st) {
    (void)st;
    uint8_t raw[MC_KEY_BYTES], got[MC_KEY_BYTES];
    seq(raw, sizeof raw, 0);
    mc_key *k = NULL, *r = NULL;
    mc_err err = {0};
    assert_int_equal(mc_key_from_bytes(&k, raw, &err), MC_OK);
    const char *path = mc_test_path("raw.key");
    assert_int_equal(mc_keyfile_write(k, path, NULL, 0, &err), MC_OK);
    size_t len = 0;
    char *text = (char *)mc_test_slurp(path, &len);
    assert_non_null(text);
    char *line = calloc(1, len + 1);
    assert_non_null(line);
    memcpy(line, text, len);
    check_text("key file raw 00..1f", line);
    free(line);
    free(text);
    assert_int_equal(mc_keyfile_read(path, NULL, NULL, &r, NULL, &err), MC_OK);
    master_of(r, got);
    assert_memory_equal(got, raw, sizeof raw);
    mc_key_free(r);

    if (g_print) { /* a wrapped file to paste above */
        mc_key_set_pwhash_cost(k, 1, 8192);
        const char *wp = mc_test_path("wrapped-new.key");
        assert_int_equal(mc_keyfile_write(k, wp, WRAP_PASS, strlen(WRAP_PASS), &err), MC_OK);
        char *w = (char *)mc_test_slurp(wp, &len);
        printf("    wrapped key file: %.*s\n", (int)len - 1, w);
        free(w);
    } else {
        const char *wp = mc_test_path("wrapped.key");
        char wrapped[sizeof k_wrapped_file + 1];
        snprintf(wrapped, sizeof wrapped, "%s\n", k_wrapped_file);
        assert_int_equal(mc_test_spit(wp, wrapped, strlen(wrapped)), 0);
        assert_int_equal(mc_keyfile_read(wp, mc_test_pass_cb, (void *)WRAP_PASS, &r, NULL, &err), MC_OK);
        master_of(r, got);
        assert_memory_equal(got, raw, sizeof raw);
        mc_key_free(r);
        r = NULL;
        assert_int_equal(mc_keyfile_read(wp, mc_test_pass_cb, (void *)"wrong passphrase", &r, NULL, &err), MC_ERR_AUTH);
        assert_null(r);
        assert_int_equal(mc_keyfile_read(wp, NULL, NULL, &r, NULL, &err), MC_ERR_ARG);
    }
    mc_key_free(k);
}

/* -------------------------------------------------------------- metadata */

static void test_meta_text(void **st) {
    (void)st;
    mc_meta m = {0}, back = {0};
    uint8_t nonce[MC_NONCE_BYTES], tag[MC_MAC_BYTES];
    seq(nonce, sizeof nonce, 0xe0);
    seq(tag, sizeof tag, 0x10);
    assert_int_equal(mc_meta_set(&m, "medcrypt", "1"), MC_OK);
    assert_int_equal(mc_meta_set(&m, "scheme", "tpe-h2mwd"), MC_OK);
    assert_int_equal(mc_meta_set(&m, "profile", "hardened"), MC_OK);
    assert_int_equal(mc_meta_set(&m, "p.block", "32"), MC_OK);
    assert_int_equal(mc_meta_set(&m, "p.note", "a value, with spaces & (symbols) ~!"), MC_OK);
    assert_int_equal(mc_meta_set(&m, "p.empty", ""), MC_OK);
    assert_int_equal(mc_meta_set_u64(&m, "bits_stored", 12), MC_OK);
    assert_int_equal(mc_meta_set_u64(&m, "mem", UINT64_C(67108864)), MC_OK);
    assert_int_equal(mc_meta_set_hex(&m, "nonce", nonce, sizeof nonce), MC_OK);
    assert_int_equal(mc_meta_set_hex(&m, "mac", tag, sizeof tag), MC_OK);
    assert_int_equal(mc_meta_set(&m, "p.block", "16"), MC_OK); /* replaced in place */

    char *text = malloc(MC_META_TEXT_MAX);
    assert_non_null(text);
    size_t n = 0;
    assert_int_equal(mc_meta_serialize(&m, NULL, text, MC_META_TEXT_MAX, &n), MC_OK);
    assert_int_equal(n, strlen(text));
    check_text("meta serialize", text);
    assert_int_equal(mc_meta_serialize(&m, "mac", text, MC_META_TEXT_MAX, &n), MC_OK);
    check_text("meta serialize without mac", text);

    char *wtext = NULL;
    assert_int_equal(mc_meta_to_text(&m, &wtext, &n), MC_OK);
    check_text("meta as the writers store it", wtext);
    /* what readers accept back: trailing ';', NUL and space padding */
    char padded[MC_META_TEXT_MAX + 8];
    snprintf(padded, sizeof padded, "%s;", wtext);
    size_t plen = strlen(padded);
    padded[plen++] = '\0';
    padded[plen++] = ' ';
    assert_int_equal(mc_meta_parse(&back, padded, plen, NULL), MC_OK);
    assert_int_equal(back.n, m.n);
    for (size_t i = 0; i < m.n; i++) {
        assert_string_equal(back.e[i].key, m.e[i].key);
        assert_string_equal(back.e[i].val, m.e[i].val);
    }
    free(wtext);
    free(text);
}

int main(void) {
    const char *p = getenv("MC_KAT_PRINT");
    g_print = p && *p == '1';
    if (mc_init()) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subkey),   cmocka_unit_test(test_mac),       cmocka_unit_test(test_argon2id_master),
        cmocka_unit_test(test_keyfile),  cmocka_unit_test(test_meta_text),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    mc_test_tmpdir_cleanup();
    return rc;
}
