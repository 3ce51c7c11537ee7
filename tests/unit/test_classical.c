/* test_classical.c - the classical schemes: logistic, zigzag, latin.
 * Round trips (8/16-bit, gray/RGB, 2D/3D, both profiles, real samples),
 * nonce freshness, wrong key and tampering, parameter and key-image errors,
 * known answers for the logistic keystream and the zigzag orders. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"
#include "core/internal.h"
#include "schemes/classical.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const k_schemes[] = {"logistic", "zigzag", "latin"};

static mc_image *new_image(uint32_t w, uint32_t h, uint32_t d, unsigned ch, unsigned bits, int random) {
    mc_image *img = NULL;
    assert_int_equal(mc_image_new(&img, w, h, d, ch, bits, 0, NULL, NULL), MC_OK);
    if (random) randombytes_buf(img->pixels, img->nbytes);
    else /* smooth, image-like content */
        for (size_t i = 0; i < mc_image_samples(img); i++) {
            size_t x = i % (w * ch), y = i / (w * ch);
            uint32_t v = (uint32_t)(x * 3 + y * 5) & (bits == 8 ? 0xFFu : 0xFFFu);
            if (bits == 8) ((uint8_t *)img->pixels)[i] = (uint8_t)v;
            else ((uint16_t *)img->pixels)[i] = (uint16_t)v;
        }
    return img;
}

static mc_key *new_key(void) {
    mc_key *k = NULL;
    assert_int_equal(mc_key_generate(&k, NULL), MC_OK);
    return k;
}

static mc_key *key_from(const uint8_t b[32]) {
    mc_key *k = NULL;
    assert_int_equal(mc_key_from_bytes(&k, b, NULL), MC_OK);
    return k;
}

static size_t samples_differing(const mc_image *a, const mc_image *b) {
    size_t n = mc_image_samples(a), d = 0;
    for (size_t i = 0; i < n; i++)
        d += a->bits == 8 ? ((uint8_t *)a->pixels)[i] != ((uint8_t *)b->pixels)[i]
                          : ((uint16_t *)a->pixels)[i] != ((uint16_t *)b->pixels)[i];
    return d;
}

/* Every scheme x profile x bits x channels x depth, odd sizes. */
static void test_roundtrip_matrix(void **st) {
    (void)st;
    mc_key *key = new_key();
    for (size_t s = 0; s < 3; s++)
        for (int prof = 0; prof < 2; prof++)
            for (unsigned bits = 8; bits <= 16; bits += 8)
                for (unsigned ch = 1; ch <= 3; ch += 2)
                    for (uint32_t d = 1; d <= 3; d += 2) {
                        mc_image *orig = new_image(37, 23, d, ch, bits, 0), *img = mc_test_clone(orig);
                        mc_err err = {0};
                        int rc = mc_encrypt(img, k_schemes[s], (mc_profile)prof, NULL, 0, key, NULL, &err);
                        if (rc) fail_msg("%s %s %u-bit ch%u d%u: %s", k_schemes[s], mc_profile_name((mc_profile)prof),
                                         bits, ch, d, err.msg);
                        /* a cipher: most samples changed */
                        assert_true(samples_differing(orig, img) > mc_image_samples(img) * 9 / 10);
                        assert_int_equal(mc_decrypt(img, key, MC_TEST_OPTS, &err), MC_OK);
                        if (!strcmp(k_schemes[s], "latin") && prof == MC_PROFILE_PAPER) {
                            /* the paper's random LSB plane: everything else exact, LSBs really noised */
                            size_t n = mc_image_samples(img), lsb = 0;
                            for (size_t i = 0; i < n; i++) {
                                uint32_t a = bits == 8 ? ((uint8_t *)img->pixels)[i] : ((uint16_t *)img->pixels)[i];
                                uint32_t b = bits == 8 ? ((uint8_t *)orig->pixels)[i] : ((uint16_t *)orig->pixels)[i];
                                assert_int_equal(a | 1u, b | 1u);
                                lsb += a != b;
                            }
                            assert_true(lsb > n / 3 && lsb < 2 * n / 3);
                        } else if (memcmp(img->pixels, orig->pixels, orig->nbytes))
                            fail_msg("%s %s %u-bit ch%u d%u: round trip not exact", k_schemes[s],
                                     mc_profile_name((mc_profile)prof), bits, ch, d);
                        mc_image_free(img);
                        mc_image_free(orig);
                    }
    mc_key_free(key);
}

/* hardened: fresh nonce -> different cipher each time; paper logistic/zigzag:
 * the same cipher each time (the weakness the attacks use). */
static void test_nonce_and_determinism(void **st) {
    (void)st;
    mc_key *key = new_key();
    mc_image *orig = new_image(64, 48, 1, 1, 8, 0);
    for (size_t s = 0; s < 3; s++)
        for (int prof = 0; prof < 2; prof++) {
            mc_image *a = mc_test_clone(orig), *b = mc_test_clone(orig);
            assert_int_equal(mc_encrypt(a, k_schemes[s], (mc_profile)prof, NULL, 0, key, NULL, NULL), MC_OK);
            assert_int_equal(mc_encrypt(b, k_schemes[s], (mc_profile)prof, NULL, 0, key, NULL, NULL), MC_OK);
            size_t d = samples_differing(a, b), n = mc_image_samples(a);
            if (prof == MC_PROFILE_HARDENED || !strcmp(k_schemes[s], "latin"))
                assert_true(d > n * 98 / 100); /* probabilistic: nonce, or latin's random LSBs */
            else
                assert_int_equal(d, 0);
            mc_image_free(a);
            mc_image_free(b);
        }
    mc_image_free(orig);
    mc_key_free(key);
}

/* Key sensitivity: one flipped key bit changes (nearly) every cipher sample. */
static void test_key_sensitivity(void **st) {
    (void)st;
    uint8_t kb[32];
    randombytes_buf(kb, sizeof kb);
    mc_key *k1 = key_from(kb);
    kb[7] ^= 0x10;
    mc_key *k2 = key_from(kb);
    mc_image *orig = new_image(128, 128, 1, 1, 8, 0);
    for (size_t s = 0; s < 3; s++) {
        mc_image *a = mc_test_clone(orig), *b = mc_test_clone(orig);
        assert_int_equal(mc_encrypt(a, k_schemes[s], MC_PROFILE_PAPER, NULL, 0, k1, NULL, NULL), MC_OK);
        assert_int_equal(mc_encrypt(b, k_schemes[s], MC_PROFILE_PAPER, NULL, 0, k2, NULL, NULL), MC_OK);
        double npcr = (double)samples_differing(a, b) / (double)mc_image_samples(a);
        if (npcr < 0.99) fail_msg("%s: key-sensitivity NPCR %.4f", k_schemes[s], npcr);
        mc_image_free(a);
        mc_image_free(b);
    }
    mc_image_free(orig);
    mc_key_free(k1);
    mc_key_free(k2);
}

static void test_wrong_key_and_tamper(void **st) {
    (void)st;
    mc_key *k1 = new_key(), *k2 = new_key();
    mc_image *orig = new_image(40, 30, 1, 3, 16, 0);
    for (size_t s = 0; s < 3; s++) {
        mc_image *a = mc_test_clone(orig);
        mc_err err = {0};
        assert_int_equal(mc_encrypt(a, k_schemes[s], MC_PROFILE_HARDENED, NULL, 0, k1, NULL, NULL), MC_OK);
        mc_image *b = mc_test_clone(a), *c = mc_test_clone(a);
        b->meta = a->meta;
        b->has_meta = 1;
        c->meta = a->meta;
        c->has_meta = 1;
        assert_int_equal(mc_decrypt(a, k2, MC_TEST_OPTS, &err), MC_ERR_AUTH);
        ((uint16_t *)b->pixels)[100] ^= 1;
        assert_int_equal(mc_decrypt(b, k1, MC_TEST_OPTS, &err), MC_ERR_AUTH);
        /* an edited parameter is tampering too */
        const char *p = !strcmp(k_schemes[s], "logistic") ? "p.transient" : !strcmp(k_schemes[s], "zigzag") ? "p.pattern" : "p.rounds";
        const char *v = !strcmp(k_schemes[s], "logistic") ? "1001" : !strcmp(k_schemes[s], "zigzag") ? "h" : "7";
        assert_int_equal(mc_meta_set(&c->meta, p, v), MC_OK);
        assert_int_equal(mc_decrypt(c, k1, MC_TEST_OPTS, &err), MC_ERR_AUTH);
        mc_image_free(a);
        mc_image_free(b);
        mc_image_free(c);
    }
    mc_image_free(orig);
    mc_key_free(k1);
    mc_key_free(k2);
}

static int enc_params(const char *scheme, mc_profile prof, const char *p1, const char *p2, mc_err *err) {
    mc_key *key = new_key();
    mc_image *img = new_image(16, 16, 1, 1, 8, 0);
    const char *ps[2] = {p1, p2};
    int rc = mc_encrypt(img, scheme, prof, ps, p2 ? 2 : (p1 ? 1 : 0), key, NULL, err);
    mc_image_free(img);
    mc_key_free(key);
    return rc;
}

static void test_params(void **st) {
    (void)st;
    mc_err err = {0};
    assert_int_equal(enc_params("logistic", MC_PROFILE_PAPER, "mu=4", NULL, &err), MC_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "[3.99, 4)"));
    assert_int_equal(enc_params("logistic", MC_PROFILE_PAPER, "mu=3.98999", NULL, &err), MC_ERR_FORMAT);
    assert_int_equal(enc_params("logistic", MC_PROFILE_PAPER, "mu=nan", NULL, &err), MC_ERR_FORMAT);
    assert_int_equal(enc_params("logistic", MC_PROFILE_PAPER, "mu=3.995x", NULL, &err), MC_ERR_FORMAT);
    assert_int_equal(enc_params("logistic", MC_PROFILE_PAPER, "x0=0", NULL, &err), MC_ERR_FORMAT);
    assert_int_equal(enc_params("logistic", MC_PROFILE_PAPER, "x0=1", NULL, &err), MC_ERR_FORMAT);
    assert_int_equal(enc_params("logistic", MC_PROFILE_PAPER, "transient=999", NULL, &err), MC_ERR_FORMAT);
    assert_int_equal(enc_params("logistic", MC_PROFILE_PAPER, "transient=10000001", NULL, &err), MC_ERR_FORMAT);
    assert_int_equal(enc_params("logistic", MC_PROFILE_PAPER, "mu=3.99", "x0=0.25", &err), MC_OK);
    assert_int_equal(enc_params("logistic", MC_PROFILE_HARDENED, "mu=3.99", NULL, &err), MC_ERR_ARG);
    assert_int_equal(enc_params("logistic", MC_PROFILE_HARDENED, "transient=5000", NULL, &err), MC_OK);
    assert_int_equal(enc_params("zigzag", MC_PROFILE_PAPER, "pattern=x", NULL, &err), MC_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "unknown pattern"));
    assert_int_equal(enc_params("zigzag", MC_PROFILE_PAPER, "pattern=dd", NULL, &err), MC_ERR_FORMAT);
    assert_int_equal(enc_params("zigzag", MC_PROFILE_HARDENED, "key-image=-", NULL, &err), MC_ERR_ARG);
    assert_int_equal(enc_params("latin", MC_PROFILE_PAPER, "rounds=0", NULL, &err), MC_ERR_FORMAT);
    assert_int_equal(enc_params("latin", MC_PROFILE_PAPER, "rounds=65", NULL, &err), MC_ERR_FORMAT);
    assert_int_equal(enc_params("latin", MC_PROFILE_PAPER, "rounds=99999999999", NULL, &err), MC_ERR_FORMAT);
    assert_int_equal(enc_params("latin", MC_PROFILE_HARDENED, "rounds=1", NULL, &err), MC_OK);
}

/* paper logistic with pinned (mu, x0): the cipher of zeros is the keystream,
 * recomputed here from the definition. */
static void test_logistic_known_answer(void **st) {
    (void)st;
    mc_key *key = new_key();
    for (unsigned bits = 8; bits <= 16; bits += 8) {
        mc_image *img = new_image(50, 20, 1, 1, bits, 0);
        memset(img->pixels, 0, img->nbytes);
        const char *ps[3] = {"mu=3.9999", "x0=0.123456789", "transient=1234"};
        assert_int_equal(mc_encrypt(img, "logistic", MC_PROFILE_PAPER, ps, 3, key, NULL, NULL), MC_OK);
        double mu = 3.9999, x = 0.123456789;
        for (int i = 0; i < 1234; i++) x = mu * x * (1.0 - x);
        for (size_t i = 0; i < 1000; i++) {
            x = mu * x * (1.0 - x);
            uint64_t k = (uint64_t)(x * 1e14);
            uint32_t got = bits == 8 ? ((uint8_t *)img->pixels)[i] : ((uint16_t *)img->pixels)[i];
            assert_int_equal(got, k & (bits == 8 ? 0xFFu : 0xFFFFu));
        }
        mc_image_free(img);
    }
    mc_key_free(key);
}

/* The three orders on a 4 x 3 slice, by hand. */
static void test_zigzag_orders(void **st) {
    (void)st;
    uint32_t idx[12];
    /* raster indices of
     *  0  1  2  3
     *  4  5  6  7
     *  8  9 10 11 */
    static const uint32_t h[12] = {0, 1, 2, 3, 7, 6, 5, 4, 8, 9, 10, 11};
    static const uint32_t v[12] = {0, 4, 8, 9, 5, 1, 2, 6, 10, 11, 7, 3};
    static const uint32_t d[12] = {0, 1, 4, 8, 5, 2, 3, 6, 9, 10, 7, 11};
    mc_zigzag_order('h', 4, 3, idx);
    assert_memory_equal(idx, h, sizeof h);
    mc_zigzag_order('v', 4, 3, idx);
    assert_memory_equal(idx, v, sizeof v);
    mc_zigzag_order('d', 4, 3, idx);
    assert_memory_equal(idx, d, sizeof d);
    /* every order is a permutation, on tall and wide shapes */
    static const uint32_t shapes[][2] = {{1, 1}, {1, 9}, {9, 1}, {7, 13}, {13, 7}};
    for (size_t s = 0; s < 5; s++) {
        uint32_t w = shapes[s][0], hh = shapes[s][1], ix[91];
        uint8_t seen[91];
        for (const char *p = "hvd"; *p; p++) {
            memset(seen, 0, sizeof seen);
            mc_zigzag_order(*p, w, hh, ix);
            for (uint32_t k = 0; k < w * hh; k++) {
                assert_true(ix[k] < w * hh);
                assert_false(seen[ix[k]]);
                seen[ix[k]] = 1;
            }
        }
    }
}

/* zigzag with the caller's key image: cipher = order(plain) XOR key image;
 * the file records only a keyed id of it, and never reads a path. */
static void test_zigzag_key_image(void **st) {
    (void)st;
    mc_key *key = new_key(), *other = new_key();
    mc_image *ki = new_image(6, 5, 1, 1, 8, 1);
    const mc_opts ko = {.key_image = ki}, kou = {.flags = MC_DECRYPT_UNAUTHENTICATED, .key_image = ki};
    const char *ps[1] = {"pattern=h"};
    mc_image *orig = new_image(6, 5, 2, 3, 8, 1), *img = mc_test_clone(orig);
    mc_err err = {0};
    assert_int_equal(mc_encrypt(img, "zigzag", MC_PROFILE_PAPER, ps, 1, key, &ko, &err), MC_OK);
    const char *id = mc_meta_get(&img->meta, "p.key-image");
    assert_non_null(id);
    assert_memory_equal(id, "keyed-blake2b:", 14);
    assert_int_equal(strlen(id), 14 + 32);
    uint32_t idx[30];
    mc_zigzag_order('h', 6, 5, idx);
    const uint8_t *P = orig->pixels, *C = img->pixels, *K = ki->pixels;
    for (uint32_t z = 0; z < 2; z++)
        for (uint32_t k = 0; k < 30; k++)
            for (uint32_t c = 0; c < 3; c++) /* one key slice and channel, broadcast */
                assert_int_equal(C[z * 90 + k * 3 + c], P[z * 90 + idx[k] * 3 + c] ^ K[k]);
    mc_image *cp = mc_test_clone(img); /* the paper cipher, kept */
    cp->meta = img->meta;
    cp->has_meta = 1;
    assert_int_equal(mc_decrypt(img, key, MC_TEST_OPTS, &err), MC_ERR_FORMAT); /* no key image given */
    assert_non_null(strstr(err.msg, "--key-image"));
    assert_int_equal(mc_decrypt(img, key, &kou, &err), MC_OK);
    assert_memory_equal(img->pixels, orig->pixels, orig->nbytes);
    mc_image_free(img);
    /* paper: the id is keyed, so another key is reported, not decrypted */
    assert_int_equal(mc_decrypt(cp, other, &kou, &err), MC_ERR_AUTH);
    mc_image_free(cp);

    /* hardened: exact, and a different key image at decrypt time is caught */
    img = mc_test_clone(orig);
    assert_int_equal(mc_encrypt(img, "zigzag", MC_PROFILE_HARDENED, ps, 1, key, &ko, &err), MC_OK);
    assert_null(mc_meta_get(&img->meta, "keyimg"));
    mc_image *img2 = mc_test_clone(img);
    img2->meta = img->meta;
    img2->has_meta = 1;
    assert_int_equal(mc_decrypt(img, key, &ko, &err), MC_OK);
    assert_memory_equal(img->pixels, orig->pixels, orig->nbytes);
    ((uint8_t *)ki->pixels)[3] ^= 1;
    assert_int_equal(mc_decrypt(img2, key, &ko, &err), MC_ERR_AUTH);
    assert_non_null(strstr(err.msg, "key image"));
    ((uint8_t *)ki->pixels)[3] ^= 1;
    mc_image_free(img);
    mc_image_free(img2);

    /* a derived-key file ignores a key image given anyway */
    img = mc_test_clone(orig);
    assert_int_equal(mc_encrypt(img, "zigzag", MC_PROFILE_HARDENED, ps, 1, key, NULL, &err), MC_OK);
    assert_string_equal(mc_meta_get(&img->meta, "p.key-image"), "derived");
    assert_int_equal(mc_decrypt(img, key, &ko, &err), MC_OK);
    assert_memory_equal(img->pixels, orig->pixels, orig->nbytes);
    mc_image_free(img);

    /* wrong size, wrong bits, wrong slices: bad input */
    static const uint32_t bad[][4] = {{7, 5, 1, 8}, {6, 4, 1, 8}, {6, 5, 1, 16}, {6, 5, 3, 8}};
    for (size_t b = 0; b < 4; b++) {
        mc_image *kb = new_image(bad[b][0], bad[b][1], bad[b][2], 1, bad[b][3], 1);
        const mc_opts bo = {.key_image = kb};
        img = mc_test_clone(orig);
        assert_int_equal(mc_encrypt(img, "zigzag", MC_PROFILE_PAPER, NULL, 0, key, &bo, &err), MC_ERR_FORMAT);
        assert_null(strchr(err.msg, '\n'));
        mc_image_free(img);
        mc_image_free(kb);
    }
    /* a path in the parameter is refused, never opened */
    img = mc_test_clone(orig);
    const char *mps[1] = {"key-image=/etc/passwd"};
    assert_int_equal(mc_encrypt(img, "zigzag", MC_PROFILE_PAPER, mps, 1, key, NULL, &err), MC_ERR_ARG);
    assert_non_null(strstr(err.msg, "--key-image"));
    mc_image_free(img);

    /* files of earlier builds name a path: it is never opened; they decrypt with
     * the caller's key image, checked against keyimg when they carry one
     * (hardened).  The scheme is called directly, as such a file's metadata
     * reaches it once the framework has checked the MAC. */
    const mc_scheme *zs = mc_scheme_find("zigzag");
    static const uint8_t sub[32] = {7, 1, 2, 3};
    static const uint8_t nonce[MC_NONCE_BYTES] = {9, 8, 7};
    mc_meta *m = calloc(1, sizeof *m);
    assert_non_null(m);
    for (int prof = 0; prof < 2; prof++) {
        mc_meta_clear(m);
        assert_int_equal(mc_meta_set(m, "p.pattern", "h"), MC_OK);
        mc_scheme_ctx ctx = {sub, prof ? nonce : NULL, prof ? MC_PROFILE_HARDENED : MC_PROFILE_PAPER, m, &ko};
        img = mc_test_clone(orig);
        assert_int_equal(zs->encrypt(&ctx, img, &err), MC_OK);
        char hex[33];
        snprintf(hex, sizeof hex, "%s", mc_meta_get(m, "p.key-image") + 14);
        assert_int_equal(mc_meta_set(m, "p.key-image", "/nonexistent/fifo"), MC_OK);
        if (prof) assert_int_equal(mc_meta_set(m, "keyimg", hex), MC_OK);
        ctx.opts = NULL;
        assert_int_equal(zs->decrypt(&ctx, img, &err), MC_ERR_FORMAT);
        ctx.opts = &ko;
        if (prof) { /* another key image: caught by keyimg */
            ((uint8_t *)ki->pixels)[0] ^= 1;
            assert_int_equal(zs->decrypt(&ctx, img, &err), MC_ERR_AUTH);
            ((uint8_t *)ki->pixels)[0] ^= 1;
        }
        assert_int_equal(zs->decrypt(&ctx, img, &err), MC_OK);
        assert_memory_equal(img->pixels, orig->pixels, orig->nbytes);
        mc_image_free(img);
    }
    free(m);
    mc_image_free(orig);
    mc_image_free(ki);
    mc_key_free(key);
    mc_key_free(other);
    mc_test_tmpdir_cleanup();
}

/* Real samples: hardened exact for every scheme; paper exact for logistic and zigzag. */
static void test_samples(void **st) {
    (void)st;
    static const char *const files[] = {
        "itk/BrainProtonDensitySlice.png", "itk/BrainProtonDensitySlice256x256.png", "itk/BrainT1Slice.png",
        "itk/BrainMidSagittalSlice.png",   "dicom/CT_small.dcm",  "dicom/MR_small.dcm",
        "dicom/SC_rgb_rle_16bit_2frame.dcm", "dicom/JPEG-lossy.dcm", "nifti/ch2bet.nii.gz"};
    mc_key *key = new_key();
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        const char *path = mc_test_sample(files[f]);
        mc_test_need(path, files[f]);
        mc_image *orig = NULL;
        mc_err err = {0};
        assert_int_equal(mc_image_read(path, NULL, &orig, &err), MC_OK);
        for (size_t s = 0; s < 3; s++)
            for (int prof = 0; prof < 2; prof++) {
                if (prof == MC_PROFILE_PAPER && !strcmp(k_schemes[s], "latin")) continue;
                mc_image *img = mc_test_clone(orig);
                if (mc_encrypt(img, k_schemes[s], (mc_profile)prof, NULL, 0, key, NULL, &err) ||
                    mc_decrypt(img, key, MC_TEST_OPTS, &err))
                    fail_msg("%s %s %s: %s", files[f], k_schemes[s], mc_profile_name((mc_profile)prof), err.msg);
                if (memcmp(img->pixels, orig->pixels, orig->nbytes))
                    fail_msg("%s %s %s: not exact", files[f], k_schemes[s], mc_profile_name((mc_profile)prof));
                mc_image_free(img);
            }
        mc_image_free(orig);
    }
    mc_key_free(key);
}

int main(void) {
    if (mc_init()) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_matrix),     cmocka_unit_test(test_nonce_and_determinism),
        cmocka_unit_test(test_key_sensitivity),      cmocka_unit_test(test_wrong_key_and_tamper),
        cmocka_unit_test(test_params),               cmocka_unit_test(test_logistic_known_answer),
        cmocka_unit_test(test_zigzag_orders),        cmocka_unit_test(test_zigzag_key_image),
        cmocka_unit_test(test_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
