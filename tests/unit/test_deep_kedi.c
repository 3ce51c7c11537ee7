/* test_deep_kedi.c - the deep-kedi scheme with small generator models built
 * here (random weights, fixed seeds, passed as model bytes through mc_opts),
 * so exactness does not depend on training: hardened round trips over bit
 * depths, signedness, channels, volumes, odd and tiny sizes, patterns and
 * both speckle domains; the paper profile (deterministic, lossy, close);
 * "the speckle of a zero image is zero": the paper cipher of a zero image is
 * the key image mc_key_image gives (and the hardened one for the file's
 * nonce); nonce freshness; wrong key, tampered pixels / residual, residual
 * removed or added; model checks; parameter errors; the built-in model on a
 * real sample (skipped loudly when the build has none). */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"
#include "core/internal.h"
#include "medcrypt_lab.h"
#include "nn/nn.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct model_bytes {
    uint8_t *b;
    size_t len;
} model_bytes;

/* A small ZZ-GAN-shaped model: the registered architecture with tiny
 * hyperparameters when it exists, else a fully convolutional stand-in. */
static model_bytes make_model(uint64_t seed, const char *name) {
    mc_nn_model m;
    mc_nn_model_init(&m);
    mc_err err = {0};
    const mc_nn_arch *a = mc_nn_arch_find("zz-gan");
    if (a) {
        static const char *const hp[] = {"ngf=2", "blocks=1"};
        assert_int_equal(mc_nn_arch_hp(a, &m, hp, 2, &err), MC_OK);
        assert_int_equal(a->build(&m, seed, &err), MC_OK);
    } else {
        mc_nn_net *net = NULL;
        snprintf(m.arch, sizeof m.arch, "zz-gan");
        assert_int_equal(mc_nn_net_new(&net, "gen", 1, 32, 32, &err), MC_OK);
        m.net[0] = net, m.nnets = 1;
        int l = mc_nn_conv(net, MC_NN_IN_NET, 4, 7, 1, 3, MC_NN_PAD_REFLECT, MC_NN_F_BIAS, &seed, &err);
        if (l >= 0) l = mc_nn_layer1(net, MC_NN_RELU, l, 0, &err);
        if (l >= 0) l = mc_nn_conv(net, l, 1, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err);
        if (l >= 0) l = mc_nn_layer1(net, MC_NN_TANH, l, 0, &err);
        assert_true(l >= 0);
    }
    const char *path = mc_test_path(name);
    assert_int_equal(mc_nn_model_save(&m, path, NULL, 0, &err), MC_OK);
    mc_nn_model_free(&m);
    model_bytes mb;
    mb.b = mc_test_slurp(path, &mb.len);
    assert_non_null(mb.b);
    return mb;
}

static model_bytes g_model, g_other;
static mc_opts g_enc, g_dec, g_dec_other;

static int setup(void **st) {
    (void)st;
    g_model = make_model(11, "gen1.mcnn");
    g_other = make_model(12, "gen2.mcnn");
    g_enc = (mc_opts){.model = g_model.b, .model_len = g_model.len};
    g_dec = (mc_opts){.flags = MC_DECRYPT_UNAUTHENTICATED, .model = g_model.b, .model_len = g_model.len};
    g_dec_other = (mc_opts){.flags = MC_DECRYPT_UNAUTHENTICATED, .model = g_other.b, .model_len = g_other.len};
    return 0;
}

static int teardown(void **st) {
    (void)st;
    free(g_model.b);
    free(g_other.b);
    mc_test_tmpdir_cleanup();
    return 0;
}

static mc_key *new_key(void) {
    mc_key *k = NULL;
    assert_int_equal(mc_key_generate(&k, NULL), MC_OK);
    return k;
}

/* Smooth content with the extreme values here and there. */
static mc_image *test_image(uint32_t w, uint32_t h, uint32_t d, unsigned ch, unsigned bits, int is_signed) {
    mc_image *img = NULL;
    assert_int_equal(mc_image_new(&img, w, h, d, ch, bits, is_signed, NULL, NULL), MC_OK);
    const size_t n = mc_image_samples(img);
    const uint32_t maxv = bits == 8 ? 0xffu : 0xffffu;
    for (size_t i = 0; i < n; i++) {
        const size_t x = (i / ch) % w, y = (i / ch / w) % h;
        const double r = sqrt((double)((x - w / 2) * (x - w / 2) + (y - h / 2) * (y - h / 2)));
        uint32_t v = (uint32_t)(maxv * (0.5 + 0.4 * cos(r / 6.0 + (double)(i % ch))));
        if (i % 97 == 0) v = (mc_test_rand() & 1) ? maxv : 0;
        if (bits == 8) ((uint8_t *)img->pixels)[i] = (uint8_t)v;
        else ((uint16_t *)img->pixels)[i] = (uint16_t)v;
    }
    return img;
}

static void test_hardened_exact(void **st) {
    (void)st;
    mc_key *key = new_key();
    const struct {
        uint32_t w, h, d;
        unsigned ch, bits;
        int sgn;
        const char *p1, *p2;
    } cases[] = {
        {37, 23, 1, 1, 8, 0, "pattern=d", "speckle=pixel"},   {64, 64, 1, 1, 8, 0, "pattern=v", "speckle=ripplet"},
        {70, 33, 2, 3, 8, 0, "pattern=h", "speckle=pixel"},   {48, 40, 3, 1, 16, 1, "pattern=d", "speckle=ripplet"},
        {40, 48, 1, 1, 16, 1, "pattern=v", "speckle=pixel"},  {33, 65, 1, 3, 16, 0, "pattern=h", "speckle=ripplet"},
        {1, 1, 1, 1, 8, 0, "pattern=d", "speckle=ripplet"},    {5, 3, 2, 3, 16, 0, "pattern=v", "variance=0.3"},
        {96, 64, 1, 1, 8, 0, "degree=2", "support=1.5"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        mc_image *orig = test_image(cases[c].w, cases[c].h, cases[c].d, cases[c].ch, cases[c].bits, cases[c].sgn);
        mc_image *img = mc_test_clone(orig);
        const char *params[2] = {cases[c].p1, cases[c].p2};
        mc_err err = {0};
        assert_int_equal(mc_encrypt(img, "deep-kedi", MC_PROFILE_HARDENED, params, 2, key, &g_enc, &err), MC_OK);
        assert_false(mc_test_same_pixels(orig, img));
        assert_true(img->aux_len > 0);
        if (mc_decrypt(img, key, &g_dec, &err)) fail_msg("case %zu: %s", c, err.msg);
        if (!mc_test_same_pixels(orig, img)) fail_msg("case %zu: hardened round trip not exact", c);
        assert_int_equal(img->aux_len, 0);
        mc_image_free(img);
        mc_image_free(orig);
    }
    mc_key_free(key);
}

static void test_paper_profile(void **st) {
    (void)st;
    mc_key *key = new_key();
    const char *doms[2] = {"speckle=pixel", "speckle=ripplet"};
    for (int dm = 0; dm < 2; dm++) {
        mc_image *orig = test_image(128, 96, 1, 1, 8, 0), *a = mc_test_clone(orig), *b = mc_test_clone(orig);
        mc_err err = {0};
        assert_int_equal(mc_encrypt(a, "deep-kedi", MC_PROFILE_PAPER, &doms[dm], 1, key, &g_enc, &err), MC_OK);
        assert_int_equal(mc_encrypt(b, "deep-kedi", MC_PROFILE_PAPER, &doms[dm], 1, key, &g_enc, &err), MC_OK);
        assert_true(mc_test_same_pixels(a, b)); /* no nonce: the same cipher */
        assert_int_equal(a->aux_len, 0);
        assert_int_equal(mc_decrypt(a, key, NULL, &err), MC_ERR_AUTH); /* refused without the explicit choice */
        assert_int_equal(mc_decrypt(a, key, &g_dec, &err), MC_OK);
        const double q = mc_test_psnr(orig, a);
        fprintf(stderr, "paper %s: decrypted PSNR %.2f dB\n", doms[dm], q);
        assert_false(mc_test_same_pixels(orig, a)); /* lossy as published */
        assert_true(q > (dm ? 30 : 20));
        mc_image_free(orig), mc_image_free(a), mc_image_free(b);
    }
    mc_key_free(key);
}

/* The paper cipher of a zero image is the key image, and mc_key_image says
 * which it is; in hardened, the key image for the file's nonce. */
static void test_zero_image_reveals_key(void **st) {
    (void)st;
    mc_key *key = new_key();
    for (unsigned bits = 8; bits <= 16; bits += 8)
        for (int prof = 0; prof < 2; prof++) {
            mc_image *img = NULL, *ki = NULL;
            mc_err err = {0};
            assert_int_equal(mc_image_new(&img, 45, 38, 1, 1, bits, 0, NULL, NULL), MC_OK);
            const mc_profile pr = prof ? MC_PROFILE_PAPER : MC_PROFILE_HARDENED;
            assert_int_equal(mc_encrypt(img, "deep-kedi", pr, NULL, 0, key, &g_enc, &err), MC_OK);
            uint8_t nonce[MC_NONCE_BYTES];
            if (pr == MC_PROFILE_HARDENED)
                assert_int_equal(mc_meta_get_hex(&img->meta, "nonce", nonce, sizeof nonce), MC_OK);
            assert_int_equal(mc_key_image("deep-kedi", pr, 45, 38, bits, pr == MC_PROFILE_HARDENED ? nonce : NULL,
                                          &img->meta, key, 0, &g_enc, &ki, &err),
                             MC_OK);
            assert_true(mc_test_same_pixels(img, ki));
            mc_image_free(ki);
            /* the raw generator output differs from the whitened key */
            if (pr == MC_PROFILE_HARDENED) {
                assert_int_equal(mc_key_image("deep-kedi", pr, 45, 38, bits, nonce, NULL, key, MC_KEY_IMAGE_RAW,
                                              &g_enc, &ki, &err),
                                 MC_OK);
                assert_false(mc_test_same_pixels(img, ki));
                mc_image_free(ki);
            }
            /* another model: a different key image, and refused for the file */
            assert_int_equal(mc_key_image("deep-kedi", pr, 45, 38, bits, nonce, &img->meta, key, 0, &g_dec_other, &ki,
                                          &err),
                             MC_ERR_AUTH);
            mc_image_free(img);
        }
    /* paper, a zero volume of RGB slices: every slice and channel is the key image */
    mc_image *vol = NULL, *ki = NULL;
    mc_err err = {0};
    assert_int_equal(mc_image_new(&vol, 20, 17, 3, 3, 8, 0, NULL, NULL), MC_OK);
    assert_int_equal(mc_encrypt(vol, "deep-kedi", MC_PROFILE_PAPER, NULL, 0, key, &g_enc, &err), MC_OK);
    assert_int_equal(mc_key_image("deep-kedi", MC_PROFILE_PAPER, 20, 17, 8, NULL, NULL, key, 0, &g_enc, &ki, &err), MC_OK);
    for (size_t i = 0; i < vol->nbytes; i++) assert_int_equal(((uint8_t *)vol->pixels)[i], ((uint8_t *)ki->pixels)[i / 3 % 340]);
    mc_image_free(vol);
    mc_image_free(ki);
    ki = NULL;
    assert_int_equal(mc_key_image("zigzag", MC_PROFILE_PAPER, 8, 8, 8, NULL, NULL, key, 0, NULL, &ki, &err), MC_ERR_ARG);
    assert_int_equal(mc_key_image("deep-kedi", MC_PROFILE_HARDENED, 8, 8, 8, NULL, NULL, key, 0, &g_enc, &ki, &err),
                     MC_ERR_ARG);
    assert_null(ki);
    mc_key_free(key);
}

static void test_nonce_fresh(void **st) {
    (void)st;
    mc_key *key = new_key();
    mc_image *a = test_image(64, 48, 1, 1, 8, 0), *b = mc_test_clone(a);
    assert_int_equal(mc_encrypt(a, "deep-kedi", MC_PROFILE_HARDENED, NULL, 0, key, &g_enc, NULL), MC_OK);
    assert_int_equal(mc_encrypt(b, "deep-kedi", MC_PROFILE_HARDENED, NULL, 0, key, &g_enc, NULL), MC_OK);
    size_t same = 0;
    for (size_t i = 0; i < a->nbytes; i++) same += ((uint8_t *)a->pixels)[i] == ((uint8_t *)b->pixels)[i];
    assert_true(same < a->nbytes / 64); /* ~1/256 by chance */
    mc_image_free(a), mc_image_free(b);
    mc_key_free(key);
}

static void test_auth(void **st) {
    (void)st;
    mc_key *key = new_key(), *other = new_key();
    mc_image *orig = test_image(64, 40, 1, 1, 8, 0), *img = mc_test_clone(orig);
    mc_err err = {0};
    assert_int_equal(mc_encrypt(img, "deep-kedi", MC_PROFILE_HARDENED, NULL, 0, key, &g_enc, &err), MC_OK);
    mc_image *t = mc_test_clone(img);
    memcpy(&t->meta, &img->meta, sizeof t->meta);
    t->has_meta = 1;
    assert_int_equal(mc_image_set_aux(t, img->aux, img->aux_len, NULL), MC_OK);
    assert_int_equal(mc_decrypt(t, other, &g_dec, &err), MC_ERR_AUTH); /* wrong key */
    ((uint8_t *)t->pixels)[100] ^= 1;
    assert_int_equal(mc_decrypt(t, key, &g_dec, &err), MC_ERR_AUTH); /* pixel */
    ((uint8_t *)t->pixels)[100] ^= 1;
    t->aux[t->aux_len / 2] ^= 0x10;
    assert_int_equal(mc_decrypt(t, key, &g_dec, &err), MC_ERR_AUTH); /* residual */
    t->aux[t->aux_len / 2] ^= 0x10;
    assert_int_equal(mc_image_set_aux(t, NULL, 0, NULL), MC_OK);
    assert_int_equal(mc_decrypt(t, key, &g_dec, &err), MC_ERR_AUTH); /* residual removed */
    assert_int_equal(mc_image_set_aux(t, img->aux, img->aux_len, NULL), MC_OK);
    assert_true(mc_test_same_pixels(t, img));
    assert_int_equal(mc_decrypt(t, key, &g_dec, &err), MC_OK);
    assert_true(mc_test_same_pixels(t, orig));
    mc_image_free(t);
    /* paper: a residual added to a paper file is refused */
    mc_image *p = mc_test_clone(orig);
    assert_int_equal(mc_encrypt(p, "deep-kedi", MC_PROFILE_PAPER, NULL, 0, key, &g_enc, &err), MC_OK);
    assert_int_equal(mc_image_set_aux(p, (const uint8_t *)"xx", 2, NULL), MC_OK);
    assert_int_equal(mc_decrypt(p, key, &g_dec, &err), MC_ERR_AUTH);
    mc_image_free(p), mc_image_free(img), mc_image_free(orig);
    mc_key_free(key), mc_key_free(other);
}

static void test_model_and_params(void **st) {
    (void)st;
    mc_key *key = new_key();
    mc_image *orig = test_image(40, 40, 1, 1, 8, 0), *img = mc_test_clone(orig);
    mc_err err = {0};
    assert_int_equal(mc_encrypt(img, "deep-kedi", MC_PROFILE_PAPER, NULL, 0, key, &g_enc, &err), MC_OK);
    assert_non_null(mc_meta_get(&img->meta, "model_id"));
    mc_image *t = mc_test_clone(img);
    memcpy(&t->meta, &img->meta, sizeof t->meta);
    t->has_meta = 1;
    assert_int_equal(mc_decrypt(t, key, &g_dec_other, &err), MC_ERR_AUTH); /* another model given */
    assert_true(mc_test_same_pixels(t, img));                                     /* untouched */
    const mc_opts builtin = {.flags = MC_DECRYPT_UNAUTHENTICATED};
    int rc = mc_decrypt(t, key, &builtin, &err); /* the built-in one (if any) is not this file's */
    assert_true(rc == MC_ERR_FORMAT || rc == MC_ERR_UNSUPPORTED);
    /* bad values read from a file: exit 2, never 1 */
    assert_int_equal(mc_meta_set(&t->meta, "p.variance", "7"), MC_OK);
    assert_int_equal(mc_decrypt(t, key, &g_dec, &err), MC_ERR_FORMAT);
    assert_int_equal(mc_meta_set(&t->meta, "p.variance", "0.04"), MC_OK);
    assert_int_equal(mc_meta_set(&t->meta, "p.pattern", "x"), MC_OK);
    assert_int_equal(mc_decrypt(t, key, &g_dec, &err), MC_ERR_FORMAT);
    assert_int_equal(mc_meta_set(&t->meta, "p.pattern", "d"), MC_OK);
    assert_int_equal(mc_meta_remove(&t->meta, "model_id"), MC_OK);
    assert_int_equal(mc_decrypt(t, key, &g_dec, &err), MC_ERR_AUTH);
    mc_image_free(t);
    /* bad values given at encryption: usage errors */
    const char *bad[] = {"pattern=q", "speckle=fourier", "variance=-1", "variance=0.5", "support=0.5", "degree=x",
                         "degree=100", "nosuch=1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_image *x = mc_test_clone(orig);
        assert_int_equal(mc_encrypt(x, "deep-kedi", MC_PROFILE_HARDENED, &bad[i], 1, key, &g_enc, &err), MC_ERR_ARG);
        mc_image_free(x);
    }
    /* a model that is not a ZZ-GAN */
    const uint8_t junk[] = "not a model";
    const mc_opts jo = {.model = junk, .model_len = sizeof junk};
    mc_image *x = mc_test_clone(orig);
    assert_int_not_equal(mc_encrypt(x, "deep-kedi", MC_PROFILE_HARDENED, NULL, 0, key, &jo, &err), MC_OK);
    assert_true(mc_test_same_pixels(x, orig));
    mc_image_free(x), mc_image_free(img), mc_image_free(orig);
    mc_key_free(key);
}

/* attack cpa: the paper profile gives back its own decryption exactly (the
 * zero image's cipher is the key image); hardened leaves chance.  kpa with a
 * known zero image is the same attack. */
typedef struct oracle_ud {
    const mc_key *key;
    mc_profile prof;
    const char *param;
} oracle_ud;

static int oracle(void *ud, mc_image *img, mc_err *err) {
    const oracle_ud *o = ud;
    return mc_encrypt(img, "deep-kedi", o->prof, &o->param, 1, o->key, &g_enc, err);
}

static void test_attacks(void **st) {
    (void)st;
    mc_key *key = new_key();
    const char *doms[2] = {"speckle=pixel", "speckle=ripplet"};
    for (int dm = 0; dm < 2; dm++)
        for (int sg = 0; sg < 2; sg++)
            for (int prof = 0; prof < 2; prof++) {
                const mc_profile pr = prof ? MC_PROFILE_HARDENED : MC_PROFILE_PAPER;
                mc_image *orig = test_image(72, 64, 1, 1, sg ? 16 : 8, sg), *tc = mc_test_clone(orig);
                mc_err err = {0};
                assert_int_equal(mc_encrypt(tc, "deep-kedi", pr, &doms[dm], 1, key, &g_enc, &err), MC_OK);
                oracle_ud o = {key, pr, doms[dm]};
                mc_image *rec = NULL, *dec = mc_test_clone(tc);
                memcpy(&dec->meta, &tc->meta, sizeof dec->meta);
                dec->has_meta = 1;
                assert_int_equal(mc_image_set_aux(dec, tc->aux, tc->aux_len, NULL), MC_OK);
                assert_int_equal(mc_decrypt(dec, key, &g_dec, &err), MC_OK);
                assert_int_equal(mc_attack_cpa("deep-kedi", oracle, &o, tc, &rec, &err), MC_OK);
                size_t m = 0, n = 0;
                assert_int_equal(mc_attack_score(rec, dec, &m, &n, &err), MC_OK);
                if (pr == MC_PROFILE_PAPER) {
                    if (m != n) fail_msg("paper %s %d-bit: %zu of %zu samples recovered", doms[dm], sg ? 16 : 8, m, n);
                } else {
                    assert_true(m < n / 16); /* chance: 1/256 (8-bit), ~0 (16-bit) */
                }
                mc_image_free(rec), mc_image_free(dec), mc_image_free(tc), mc_image_free(orig);
            }
    mc_key_free(key);
}

/* The zz-gan training step runs, keeps the losses finite and moves both
 * networks. */
static void test_zzgan_step(void **st) {
    (void)st;
    const mc_nn_arch *a = mc_nn_arch_find("zz-gan");
    assert_non_null(a);
    static const char *const hp[] = {"ngf=2", "blocks=1", "ndf=2", "d_layers=2"};
    mc_nn_model m;
    mc_nn_model_init(&m);
    mc_err err = {0};
    assert_int_equal(mc_nn_arch_hp(a, &m, hp, 4, &err), MC_OK);
    assert_int_equal(a->build(&m, 3, &err), MC_OK);
    mc_nn_net *g = mc_nn_model_net(&m, "gen"), *d = mc_nn_model_net(&m, "disc");
    assert_non_null(g);
    assert_non_null(d);
    const float g0 = g->layers[0].p[0].w[0], d0 = d->layers[0].p[0].w[0];
    float x[2 * 32 * 32];
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) x[i] = (float)(i % 61) / 30.0f - 1.0f;
    mc_nn_batch b = {2, 1, 32, 32, x};
    uint64_t rng = 7;
    for (int i = 0; i < 2; i++) {
        double loss = -1;
        assert_int_equal(a->step(&m, &b, &rng, &loss, &err), MC_OK);
        assert_true(isfinite(loss) && loss >= 0);
    }
    assert_true(g->layers[0].p[0].w[0] != g0);
    assert_true(d->layers[0].p[0].w[0] != d0);
    mc_nn_batch odd = {1, 1, 30, 30, x};
    double loss;
    assert_int_equal(a->step(&m, &odd, &rng, &loss, &err), MC_ERR_ARG); /* not a multiple of 4 */
    mc_nn_model_free(&m);
}

/* The built-in model on a real held-out slice (needs the model and the sample). */
static void test_builtin(void **st) {
    (void)st;
    const char *path = mc_test_sample("itk/BrainT1Slice.png");
    mc_test_need(path, "itk/BrainT1Slice.png");
    mc_key *key = new_key();
    mc_image *orig = NULL;
    mc_err err = {0};
    assert_int_equal(mc_image_read(path, NULL, &orig, &err), MC_OK);
    mc_image *img = mc_test_clone(orig);
    int rc = mc_encrypt(img, "deep-kedi", MC_PROFILE_HARDENED, NULL, 0, key, NULL, &err);
    if (rc == MC_ERR_UNSUPPORTED && strstr(err.msg, "built-in")) {
        fprintf(stderr, "SKIP: %s\n", err.msg);
        mc_image_free(img), mc_image_free(orig), mc_key_free(key);
        skip();
    }
    assert_int_equal(rc, MC_OK);
    assert_int_equal(mc_decrypt(img, key, NULL, &err), MC_OK);
    assert_true(mc_test_same_pixels(img, orig));
    mc_image_free(img), mc_image_free(orig);
    mc_key_free(key);
}

int main(void) {
    if (mc_init()) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hardened_exact),      cmocka_unit_test(test_paper_profile),
        cmocka_unit_test(test_zero_image_reveals_key), cmocka_unit_test(test_nonce_fresh),
        cmocka_unit_test(test_auth),                cmocka_unit_test(test_model_and_params),
        cmocka_unit_test(test_attacks),             cmocka_unit_test(test_zzgan_step),
        cmocka_unit_test(test_builtin),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
