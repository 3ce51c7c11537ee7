/* test_at_resnet.c - the neural schemes at-resnet-cm and resnet-cm.
 * Small untrained models (built here with a fixed seed, written to files)
 * make the cipher's exactness independent of training: hardened round trips
 * over bit depths, signedness, channels, volumes, odd sizes and edge tiles;
 * the paper profile's determinism and lossiness; nonce freshness; wrong key,
 * tampered residual, model mismatch, wrong architecture, bad parameters; and
 * the built-in models on a real sample (skipped loudly when the build has
 * none). */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"
#include "core/internal.h"
#include "nn/nn.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A small model of architecture arch (random weights, seed), saved to name. */
static const char *make_model(const char *arch, const char *name, uint64_t seed) {
    const mc_nn_arch *a = mc_nn_arch_find(arch);
    assert_non_null(a);
    static const char *const hp[] = {"channels=4", "blocks=1", "reduction=2"};
    mc_nn_model m;
    mc_nn_model_init(&m);
    mc_err err = {0};
    assert_int_equal(mc_nn_arch_hp(a, &m, hp, 3, &err), MC_OK);
    assert_int_equal(a->build(&m, seed, &err), MC_OK);
    const char *path = mc_test_path(name);
    assert_int_equal(mc_nn_model_save(&m, path, NULL, 0, &err), MC_OK);
    mc_nn_model_free(&m);
    return path;
}

static mc_key *new_key(void) {
    mc_key *k = NULL;
    assert_int_equal(mc_key_generate(&k, NULL), MC_OK);
    return k;
}

/* Smooth image-like content with the extreme values in the corners. */
static mc_image *test_image(uint32_t w, uint32_t h, uint32_t d, unsigned ch, unsigned bits, int is_signed) {
    mc_image *img = NULL;
    assert_int_equal(mc_image_new(&img, w, h, d, ch, bits, is_signed, NULL, NULL), MC_OK);
    const size_t n = mc_image_samples(img);
    const uint32_t maxv = bits == 8 ? 0xffu : 0xffffu;
    for (size_t i = 0; i < n; i++) {
        size_t x = (i / ch) % w, y = (i / ch / w) % h;
        uint32_t v = (uint32_t)((x * 7 + y * 11 + (i % ch) * 50) * (maxv / 255u)) % (maxv + 1);
        if (i % 97 == 0) v = (mc_test_rand() & 1) ? maxv : 0; /* residuals of +-maxv must survive */
        if (bits == 8) ((uint8_t *)img->pixels)[i] = (uint8_t)v;
        else ((uint16_t *)img->pixels)[i] = (uint16_t)v;
    }
    return img;
}

/* Options carrying the model file at path (read again at every call, so a
 * file rewritten in place is seen), for both profiles. */
static const mc_opts *mopts(const char *path) {
    static uint8_t *bytes;
    static mc_opts o;
    free(bytes);
    size_t n = 0;
    bytes = mc_test_slurp(path, &n);
    assert_non_null(bytes);
    o = (mc_opts){.flags = MC_DECRYPT_UNAUTHENTICATED, .model = bytes, .model_len = n};
    return &o;
}

static int encrypt_with(mc_image *img, const char *scheme, mc_profile prof, const char *model, const char *tile,
                        const mc_key *key, mc_err *err) {
    char pt[64];
    snprintf(pt, sizeof pt, "tile=%s", tile);
    const char *params[1] = {pt};
    return mc_encrypt(img, scheme, prof, params, 1, key, mopts(model), err);
}

/* hardened: exact over the geometry matrix, both schemes; tile 16 makes edge
 * tiles of 5 and 7 samples. */
static void test_hardened_exact(void **st) {
    (void)st;
    const char *models[2] = {make_model("at-resnet-cm", "at.mcnn", 7), make_model("resnet-cm", "rn.mcnn", 8)};
    const char *schemes[2] = {"at-resnet-cm", "resnet-cm"};
    mc_key *key = new_key();
    for (int s = 0; s < 2; s++)
        for (unsigned bits = 8; bits <= 16; bits += 8)
            for (int sg = 0; sg <= 1; sg++)
                for (unsigned ch = 1; ch <= 3; ch += 2)
                    for (uint32_t d = 1; d <= 2; d++) {
                        mc_image *orig = test_image(37, 23, d, ch, bits, sg), *img = mc_test_clone(orig);
                        mc_err err = {0};
                        assert_int_equal(encrypt_with(img, schemes[s], MC_PROFILE_HARDENED, models[s], "16", key, &err),
                                         MC_OK);
                        assert_false(mc_test_same_pixels(orig, img));
                        assert_non_null(img->aux);
                        assert_true(img->aux_len > 16);
                        assert_non_null(mc_meta_get(&img->meta, "model_id"));
                        assert_int_equal(mc_decrypt(img, key, mopts(models[s]), &err), MC_OK);
                        assert_true(mc_test_same_pixels(orig, img));
                        assert_null(img->aux);
                        mc_image_free(orig);
                        mc_image_free(img);
                    }
    mc_key_free(key);
}

/* paper: no nonce, so the same image and key give the same cipher; the
 * decryption is the networks' reconstruction (lossy with an untrained
 * model) and deterministic. */
static void test_paper_profile(void **st) {
    (void)st;
    const char *model = make_model("at-resnet-cm", "at.mcnn", 7);
    mc_key *key = new_key();
    mc_image *orig = test_image(40, 33, 1, 1, 8, 0), *a = mc_test_clone(orig), *b = mc_test_clone(orig);
    mc_err err = {0};
    assert_int_equal(encrypt_with(a, "at-resnet-cm", MC_PROFILE_PAPER, model, "32", key, &err), MC_OK);
    assert_int_equal(encrypt_with(b, "at-resnet-cm", MC_PROFILE_PAPER, model, "32", key, &err), MC_OK);
    assert_true(mc_test_same_pixels(a, b));
    assert_null(a->aux);
    assert_null(mc_meta_get(&a->meta, "nonce"));
    assert_int_equal(mc_decrypt(a, key, mopts(model), &err), MC_OK);
    assert_int_equal(mc_decrypt(b, key, mopts(model), &err), MC_OK);
    assert_true(mc_test_same_pixels(a, b));
    assert_false(mc_test_same_pixels(a, orig)); /* an untrained model does not reconstruct */
    mc_image_free(orig);
    mc_image_free(a);
    mc_image_free(b);
    mc_key_free(key);
}

/* hardened: a fresh nonce per encryption changes cipher and residual. */
static void test_nonce_fresh(void **st) {
    (void)st;
    const char *model = make_model("resnet-cm", "rn.mcnn", 8);
    mc_key *key = new_key();
    mc_image *orig = test_image(30, 20, 1, 1, 16, 1), *a = mc_test_clone(orig), *b = mc_test_clone(orig);
    mc_err err = {0};
    assert_int_equal(encrypt_with(a, "resnet-cm", MC_PROFILE_HARDENED, model, "16", key, &err), MC_OK);
    assert_int_equal(encrypt_with(b, "resnet-cm", MC_PROFILE_HARDENED, model, "16", key, &err), MC_OK);
    assert_false(mc_test_same_pixels(a, b));
    assert_false(a->aux_len == b->aux_len && !memcmp(a->aux, b->aux, a->aux_len));
    mc_image_free(orig);
    mc_image_free(a);
    mc_image_free(b);
    mc_key_free(key);
}

/* Wrong key, tampered residual, removed residual: MC_ERR_AUTH and the pixels
 * untouched. */
static void test_auth(void **st) {
    (void)st;
    const char *model = make_model("at-resnet-cm", "at.mcnn", 7);
    mc_key *key = new_key(), *other = new_key();
    mc_image *orig = test_image(24, 24, 1, 1, 8, 0), *img = mc_test_clone(orig);
    mc_err err = {0};
    assert_int_equal(encrypt_with(img, "at-resnet-cm", MC_PROFILE_HARDENED, model, "16", key, &err), MC_OK);
    mc_image *cipher = mc_test_clone(img);
    assert_int_equal(mc_decrypt(img, other, mopts(model), &err), MC_ERR_AUTH);
    assert_true(mc_test_same_pixels(img, cipher));
    img->aux[img->aux_len / 2] ^= 1;
    assert_int_equal(mc_decrypt(img, key, mopts(model), &err), MC_ERR_AUTH);
    assert_true(mc_test_same_pixels(img, cipher));
    img->aux[img->aux_len / 2] ^= 1;
    uint8_t *keep = malloc(img->aux_len);
    size_t keep_len = img->aux_len;
    assert_non_null(keep);
    memcpy(keep, img->aux, keep_len);
    assert_int_equal(mc_image_set_aux(img, NULL, 0, &err), MC_OK);
    assert_int_equal(mc_decrypt(img, key, mopts(model), &err), MC_ERR_AUTH);
    assert_int_equal(mc_image_set_aux(img, keep, keep_len, &err), MC_OK);
    assert_int_equal(mc_decrypt(img, key, mopts(model), &err), MC_OK);
    assert_true(mc_test_same_pixels(img, orig));
    free(keep);
    mc_image_free(cipher);
    mc_image_free(orig);
    mc_image_free(img);
    mc_key_free(key);
    mc_key_free(other);
}

/* The file's model id must match the model decryption loads; a model of the
 * other architecture, a non-model, a bad tile are refused. */
static void test_model_checks(void **st) {
    (void)st;
    const char *at = make_model("at-resnet-cm", "m.mcnn", 7);
    mc_key *key = new_key();
    mc_image *orig = test_image(20, 20, 1, 1, 8, 0), *img = mc_test_clone(orig);
    mc_err err = {0};
    assert_int_equal(encrypt_with(img, "at-resnet-cm", MC_PROFILE_HARDENED, at, "16", key, &err), MC_OK);
    assert_string_not_equal(mc_meta_get(&img->meta, "p.model"), at); /* the id, not the path */
    assert_memory_equal(mc_meta_get(&img->meta, "p.model"), "blake2b:", 8);
    mc_image *again = mc_test_clone(img); /* without the model: refused, naming --model */
    again->meta = img->meta;
    again->has_meta = 1;
    assert_int_equal(mc_image_set_aux(again, img->aux, img->aux_len, &err), MC_OK);
    assert_int_equal(mc_decrypt(again, key, MC_TEST_OPTS, &err), MC_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "--model"));
    mc_image_free(again);
    make_model("at-resnet-cm", "m.mcnn", 99); /* same path, other weights */
    assert_int_equal(mc_decrypt(img, key, mopts(at), &err), MC_ERR_AUTH);
    assert_non_null(strstr(err.msg, "model"));
    make_model("at-resnet-cm", "m.mcnn", 7); /* the original again: decrypts */
    assert_int_equal(mc_decrypt(img, key, mopts(at), &err), MC_OK);
    assert_true(mc_test_same_pixels(img, orig));

    const char *rn = make_model("resnet-cm", "rn.mcnn", 8);
    mc_image *x = mc_test_clone(orig);
    assert_int_equal(encrypt_with(x, "at-resnet-cm", MC_PROFILE_HARDENED, rn, "16", key, &err), MC_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "resnet-cm"));
    mc_image_free(x);
    const char *junk = mc_test_path("junk.mcnn");
    assert_int_equal(mc_test_spit(junk, "not a model", 11), 0);
    x = mc_test_clone(orig);
    assert_int_not_equal(encrypt_with(x, "at-resnet-cm", MC_PROFILE_HARDENED, junk, "16", key, &err), MC_OK);
    mc_image_free(x);
    /* a model is never named by a parameter (no path is ever opened) */
    x = mc_test_clone(orig);
    const char *mp[1] = {"model=/etc/passwd"};
    assert_int_equal(mc_encrypt(x, "at-resnet-cm", MC_PROFILE_HARDENED, mp, 1, key, NULL, &err), MC_ERR_ARG);
    assert_non_null(strstr(err.msg, "--model"));
    mc_image_free(x);
    static const char *const bad_tiles[] = {"15", "4097", "0", "-16", "16x", ""};
    for (size_t i = 0; i < sizeof bad_tiles / sizeof bad_tiles[0]; i++) {
        x = mc_test_clone(orig);
        assert_int_equal(encrypt_with(x, "at-resnet-cm", MC_PROFILE_HARDENED, at, bad_tiles[i], key, &err), MC_ERR_ARG);
        assert_true(mc_test_same_pixels(x, orig));
        mc_image_free(x);
    }
    mc_image_free(orig);
    mc_image_free(img);
    mc_key_free(key);
}

/* The built-in models on a held-out sample: exact (hardened) and a
 * reconstruction worth the name (paper). */
static void test_builtin(void **st) {
    (void)st;
    const char *rel = "dicom/CT_small.dcm";
    const char *path = mc_test_sample(rel);
    mc_test_need(path, rel);
    static const char *const schemes[] = {"at-resnet-cm", "resnet-cm"};
    mc_key *key = new_key();
    mc_image *orig = NULL;
    mc_err err = {0};
    assert_int_equal(mc_image_read(path, NULL, &orig, &err), MC_OK);
    for (int s = 0; s < 2; s++) {
        mc_image *img = mc_test_clone(orig);
        int rc = mc_encrypt(img, schemes[s], MC_PROFILE_HARDENED, NULL, 0, key, NULL, &err);
        if (rc == MC_ERR_UNSUPPORTED && strstr(err.msg, "built-in")) {
            fprintf(stderr, "SKIP: %s\n", err.msg);
            mc_image_free(img);
            mc_image_free(orig);
            mc_key_free(key);
            skip();
        }
        assert_int_equal(rc, MC_OK);
        assert_int_equal(mc_decrypt(img, key, MC_TEST_OPTS, &err), MC_OK);
        assert_true(mc_test_same_pixels(img, orig));
        mc_image_free(img);
        img = mc_test_clone(orig);
        assert_int_equal(mc_encrypt(img, schemes[s], MC_PROFILE_PAPER, NULL, 0, key, NULL, &err), MC_OK);
        assert_int_equal(mc_decrypt(img, key, MC_TEST_OPTS, &err), MC_OK);
        double p = mc_test_psnr(orig, img);
        fprintf(stderr, "%s paper profile on %s: decryption PSNR %.2f dB\n", schemes[s], rel, p);
        assert_true(p > 30.0);
        mc_image_free(img);
    }
    mc_image_free(orig);
    mc_key_free(key);
}

static int teardown(void **st) {
    (void)st;
    mc_test_tmpdir_cleanup();
    return 0;
}

int main(void) {
    if (mc_init()) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hardened_exact), cmocka_unit_test(test_paper_profile),
        cmocka_unit_test(test_nonce_fresh),    cmocka_unit_test(test_auth),
        cmocka_unit_test(test_model_checks),   cmocka_unit_test(test_builtin),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
