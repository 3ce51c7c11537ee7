/* test_report.c - the pieces of `medcrypt report` that are not exercised
 * end to end by tests/cli/test_report*.sh: the claims table's invariants,
 * the CycleGAN parameter count against the published figures, the uniform
 * entropy expectation, command quoting, and mc_report_write's argument checks. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"
#include "lab/report.h"

#include <math.h>
#include <string.h>

static void test_claims(void **st) {
    (void)st;
    size_t n = mc_claim_count(), at = 0, tp = 0, kd = 0, eg = 0;
    assert_true(n >= 55);
    assert_null(mc_claim_at(n));
    for (size_t i = 0; i < n; i++) {
        const mc_claim *c = mc_claim_at(i);
        assert_non_null(c);
        for (size_t j = 0; j < i; j++) assert_string_not_equal(mc_claim_at(j)->id, c->id);
        assert_true(c->paper_value[0] && c->quantity[0] && c->where[0] && c->method[0]);
        /* a claim that cannot be reproduced says why, in its method */
        if (!c->reproducible) assert_int_equal(strncmp(c->method, "not reproducible: ", 18), 0);
        /* counted claims: A, T, K, E ids; supplementary: S.. */
        assert_true(c->counted ? strchr("ATKE", c->id[0]) != NULL : c->id[0] == 'S');
        if (!c->counted) continue;
        at += !strcmp(c->paper, "at-resnet-cm");
        tp += !strcmp(c->paper, "tpe-h2mwd");
        kd += !strcmp(c->paper, "deep-kedi");
        eg += !strcmp(c->paper, "edg-net");
    }
    assert_int_equal(at, 34);
    assert_int_equal(tp, 4);
    assert_int_equal(kd, 13);
    assert_int_equal(eg, 4);
}

/* CycleGAN's published counts: 11,378,179 per ResNet-9 generator and
 * 2,764,737 per PatchGAN discriminator at ngf = ndf = 64, 3 channels. */
static void test_cyclegan_params(void **st) {
    (void)st;
    double g, d;
    rp_cyclegan_params(64, 64, 3, 9, &g, &d);
    assert_true(g == 11378179 && d == 2764737);
    /* one residual block less: 2 x (9 x 256^2 + 256) fewer */
    rp_cyclegan_params(64, 64, 3, 8, &g, &d);
    assert_true(g == 11378179 - 2.0 * (9 * 65536 + 256) && d == 2764737);
}

static void test_helpers(void **st) {
    (void)st;
    /* 8 - 255 / (2 N ln 2): 7.9993 at 512x512 (GUIDE's "about 7.9993") */
    assert_true(fabs(rp_uniform_entropy(512.0 * 512.0) - 7.99930) < 1e-4);
    char q[64];
    assert_string_equal(rp_q("a/b.png", q, sizeof q), "a/b.png");
    assert_string_equal(rp_q("a b'c", q, sizeof q), "'a b'\\''c'");
    char n[16];
    assert_string_equal(rp_num(INFINITY, 2, n, sizeof n), "inf");
    assert_string_equal(rp_num(NAN, 2, n, sizeof n), "n/a");
    assert_string_equal(rp_num(1.23456, 3, n, sizeof n), "1.235");
    double v[5] = {5, 1, 4, 2, 3};
    assert_true(rp_median(v, 5) == 3);
}

static void test_write_args(void **st) {
    (void)st;
    mc_err err = {0};
    assert_int_equal(mc_report_write(NULL, NULL, &err), MC_ERR_ARG);
    assert_int_equal(mc_report_write("/nonexistent/dir/x", NULL, &err), MC_ERR_ARG);
    assert_non_null(strstr(err.msg, "not a directory"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claims),
        cmocka_unit_test(test_cyclegan_params),
        cmocka_unit_test(test_helpers),
        cmocka_unit_test(test_write_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
