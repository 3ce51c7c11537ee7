/* test_attacks.c - the known- and chosen-plaintext attacks (src/attacks):
 * 100% recovery of a second image under `paper` for logistic and zigzag (each
 * pattern, 8 and 16 bits), no more than chance under `hardened`. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"
#include "medcrypt_lab.h"
#include "core/internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W 96
#define H 80

/* Two unrelated plaintexts: a phantom-like smooth image and random noise. */
static mc_image *plain(unsigned bits, int which) {
    mc_image *img = NULL;
    assert_int_equal(mc_image_new(&img, W, H, 1, 1, bits, 0, NULL, NULL), MC_OK);
    if (which) randombytes_buf(img->pixels, img->nbytes);
    else
        for (size_t i = 0; i < (size_t)W * H; i++) {
            uint32_t v = (uint32_t)((i % W) * (i / W)) & (bits == 8 ? 0xFFu : 0x3FFu);
            if (bits == 8) ((uint8_t *)img->pixels)[i] = (uint8_t)v;
            else ((uint16_t *)img->pixels)[i] = (uint16_t)v;
        }
    return img;
}

typedef struct oracle {
    const char *scheme;
    mc_profile profile;
    const char *param;
    const mc_key *key;
    int calls;
} oracle;

static int encrypt_oracle(void *ud, mc_image *img, mc_err *err) {
    oracle *o = ud;
    o->calls++;
    const char *ps[1] = {o->param};
    return mc_encrypt(img, o->scheme, o->profile, ps, o->param ? 1 : 0, o->key, NULL, err);
}

/* Fraction of target samples recovered by kpa and by cpa. */
static void run_attacks(const char *scheme, const char *param, mc_profile prof, unsigned bits, double *kpa,
                        double *cpa) {
    mc_key *key = NULL;
    assert_int_equal(mc_key_generate(&key, NULL), MC_OK);
    mc_image *p1 = plain(bits, 0), *p2 = plain(bits, 1);
    mc_image *c1 = mc_test_clone(p1), *c2 = mc_test_clone(p2), *rec = NULL;
    const char *ps[1] = {param};
    mc_err err = {0};
    assert_int_equal(mc_encrypt(c1, scheme, prof, ps, param ? 1 : 0, key, NULL, &err), MC_OK);
    assert_int_equal(mc_encrypt(c2, scheme, prof, ps, param ? 1 : 0, key, NULL, &err), MC_OK);
    size_t m, n;
    assert_int_equal(mc_attack_kpa(scheme, p1, c1, c2, &rec, &err), MC_OK);
    assert_int_equal(mc_attack_score(rec, p2, &m, &n, &err), MC_OK);
    assert_int_equal(n, (size_t)W * H);
    assert_false(rec->has_meta);
    *kpa = (double)m / (double)n;
    mc_image_free(rec);
    oracle o = {scheme, prof, param, key, 0};
    assert_int_equal(mc_attack_cpa(scheme, encrypt_oracle, &o, c2, &rec, &err), MC_OK);
    assert_int_equal(o.calls, 1); /* one chosen plaintext */
    assert_int_equal(mc_attack_score(rec, p2, &m, &n, &err), MC_OK);
    *cpa = (double)m / (double)n;
    mc_image_free(rec);
    mc_image_free(p1);
    mc_image_free(p2);
    mc_image_free(c1);
    mc_image_free(c2);
    mc_key_free(key);
}

static void test_paper_falls(void **st) {
    (void)st;
    static const char *const cases[][2] = {
        {"logistic", NULL}, {"zigzag", "pattern=v"}, {"zigzag", "pattern=h"}, {"zigzag", "pattern=d"}};
    for (size_t c = 0; c < 4; c++)
        for (unsigned bits = 8; bits <= 16; bits += 8) {
            double kpa, cpa;
            run_attacks(cases[c][0], cases[c][1], MC_PROFILE_PAPER, bits, &kpa, &cpa);
            if (kpa != 1.0 || cpa != 1.0)
                fail_msg("%s %s %u-bit paper: kpa %.6f cpa %.6f, want 1", cases[c][0], cases[c][1] ? cases[c][1] : "",
                         bits, kpa, cpa);
        }
}

/* hardened: a match needs two keystream samples to coincide: p = 2^-bits;
 * allow 6 standard deviations over W*H samples. */
static void test_hardened_holds(void **st) {
    (void)st;
    static const char *const cases[][2] = {
        {"logistic", NULL}, {"zigzag", "pattern=v"}, {"zigzag", "pattern=d"}, {"aead", NULL}};
    for (size_t c = 0; c < 4; c++)
        for (unsigned bits = 8; bits <= 16; bits += 8) {
            double kpa, cpa, p = 1.0 / (double)(1u << bits), n = (double)W * H;
            double var = p * (1 - p) / n, bound = p + 1.0 / n; /* + 6 sd, tested squared */
            run_attacks(cases[c][0], cases[c][1], MC_PROFILE_HARDENED, bits, &kpa, &cpa);
            int kbad = kpa > bound && (kpa - bound) * (kpa - bound) > 36 * var;
            int cbad = cpa > bound && (cpa - bound) * (cpa - bound) > 36 * var;
            if (kbad || cbad)
                fail_msg("%s %u-bit hardened: kpa %.6f cpa %.6f above chance bound %.6f", cases[c][0], bits, kpa, cpa,
                         bound);
        }
}

static void test_refusals(void **st) {
    (void)st;
    mc_image *a = plain(8, 0), *b = plain(8, 1), *c = NULL, *rec = NULL;
    mc_err err = {0};
    assert_int_equal(mc_attack_kpa("latin", a, b, b, &rec, &err), MC_ERR_UNSUPPORTED);
    assert_null(rec);
    assert_int_equal(mc_attack_kpa("nonesuch", a, b, b, &rec, &err), MC_ERR_UNSUPPORTED);
    assert_int_equal(mc_image_new(&c, W + 1, H, 1, 1, 8, 0, NULL, NULL), MC_OK);
    assert_int_equal(mc_attack_kpa("logistic", a, b, c, &rec, &err), MC_ERR_FORMAT);
    assert_null(rec);
    size_t m, n;
    assert_int_equal(mc_attack_score(a, c, &m, &n, &err), MC_ERR_FORMAT);
    mc_image_free(c);
    assert_int_equal(mc_image_new(&c, W, H, 1, 1, 16, 0, NULL, NULL), MC_OK);
    assert_int_equal(mc_attack_kpa("logistic", a, b, c, &rec, &err), MC_ERR_FORMAT);
    oracle o = {"latin", MC_PROFILE_PAPER, NULL, NULL, 0};
    assert_int_equal(mc_attack_cpa("latin", encrypt_oracle, &o, b, &rec, &err), MC_ERR_UNSUPPORTED);
    assert_int_equal(o.calls, 0);
    mc_image_free(a);
    mc_image_free(b);
    mc_image_free(c);
}

int main(void) {
    if (mc_init()) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paper_falls),
        cmocka_unit_test(test_hardened_holds),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
