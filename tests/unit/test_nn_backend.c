/* test_nn_backend.c - every kernel of the fast backend against the reference
 * kernel (ggml's test-backend-ops habit): convolutions of many shapes, padding
 * modes, strides and band splits, forward and backward; transposed
 * convolutions (also against their definition); linear layers; and a
 * whole network (attention, norms, residuals) run through both backends.
 * Also: the reference math functions against libm. */
#include "testutil.h"

#include "nn/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float *rnd(size_t n, uint64_t *seed) {
    float *p = malloc((n ? n : 1) * sizeof(float));
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) p[i] = 2.0f * mc_nn_randu(seed) - 1.0f;
    return p;
}

/* normalised mean squared error (ggml's check), and a max-abs bound */
static void expect_close(const char *what, const float *a, const float *ref, size_t n, double tol) {
    double num = 0, den = 0, maxd = 0, maxr = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - ref[i];
        num += d * d;
        den += (double)ref[i] * ref[i];
        if (fabs(d) > maxd) maxd = fabs(d);
        if (fabs(ref[i]) > maxr) maxr = fabs(ref[i]);
    }
    double nmse = den > 0 ? num / den : num;
    /* a gradient that is zero in exact arithmetic (a bias before a norm)
     * is rounding noise in both: judge it by the absolute difference */
    if (maxd > 1e-3 * (maxr + 1.0) || (nmse >= tol && maxd > 1e-5)) {
        fprintf(stderr, "%s: nmse %.3g, max |diff| %.3g (max |ref| %.3g)\n", what, nmse, maxd, maxr);
        fail();
    }
}

static void test_conv_kernels(void **state) {
    (void)state;
    const mc_nn_backend *ref = mc_nn_backend_find("ref"), *fast = mc_nn_backend_find("fast");
    assert_non_null(fast);
    assert_ptr_equal(ref, &mc_nn_backend_ref);
    assert_null(mc_nn_backend_find("cuda"));
    const mc_nn_conv_shape cases[] = {
        /* n ic ih iw oc oh ow k s pad mode (oh/ow filled below) */
        {2, 3, 9, 11, 4, 0, 0, 3, 1, 1, MC_NN_PAD_ZERO},   {3, 2, 8, 8, 5, 0, 0, 3, 2, 1, MC_NN_PAD_REFLECT},
        {2, 4, 10, 7, 3, 0, 0, 4, 2, 1, MC_NN_PAD_ZERO},   {2, 6, 5, 6, 7, 0, 0, 1, 1, 0, MC_NN_PAD_ZERO},
        {1, 2, 12, 12, 3, 0, 0, 7, 1, 3, MC_NN_PAD_REFLECT}, {4, 3, 6, 9, 2, 0, 0, 2, 3, 0, MC_NN_PAD_ZERO},
        {2, 3, 7, 7, 2, 0, 0, 1, 2, 0, MC_NN_PAD_ZERO},    {1, 16, 300, 160, 4, 0, 0, 3, 1, 1, MC_NN_PAD_REFLECT},
    };
    uint64_t seed = 1;
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        mc_nn_conv_shape s = cases[ci];
        s.oh = (s.ih + 2 * s.pad - s.k) / s.stride + 1;
        s.ow = (s.iw + 2 * s.pad - s.k) / s.stride + 1;
        const size_t nx = (size_t)s.n * s.ic * s.ih * s.iw, ny = (size_t)s.n * s.oc * s.oh * s.ow;
        const size_t nw = (size_t)s.oc * s.ic * s.k * s.k;
        float *x = rnd(nx, &seed), *w = rnd(nw, &seed), *b = rnd(s.oc, &seed), *dy = rnd(ny, &seed);
        float *y0 = calloc(ny, sizeof(float)), *y1 = calloc(ny, sizeof(float));
        float *dx0 = calloc(nx, sizeof(float)), *dx1 = calloc(nx, sizeof(float));
        float *dw0 = calloc(nw, sizeof(float)), *dw1 = calloc(nw, sizeof(float));
        float *db0 = calloc(s.oc, sizeof(float)), *db1 = calloc(s.oc, sizeof(float));
        size_t nws = fast->conv_ws(&s);
        float *ws = malloc((nws ? nws : 1) * sizeof(float));
        assert_true(y0 && y1 && dx0 && dx1 && dw0 && dw1 && db0 && db1 && ws);
        /* accumulation: start the gradients from the same nonzero values */
        for (size_t i = 0; i < nx; i++) dx0[i] = dx1[i] = 0.5f;
        for (size_t i = 0; i < nw; i++) dw0[i] = dw1[i] = -0.25f;
        assert_int_equal(ref->conv_fwd(&s, x, w, b, y0, NULL), MC_OK);
        assert_int_equal(fast->conv_fwd(&s, x, w, b, y1, ws), MC_OK);
        char what[80];
        snprintf(what, sizeof what, "conv case %zu forward", ci);
        expect_close(what, y1, y0, ny, 1e-9);
        assert_int_equal(ref->conv_bwd(&s, x, w, dy, dx0, dw0, db0, NULL), MC_OK);
        assert_int_equal(fast->conv_bwd(&s, x, w, dy, dx1, dw1, db1, ws), MC_OK);
        snprintf(what, sizeof what, "conv case %zu dx", ci);
        expect_close(what, dx1, dx0, nx, 1e-9);
        snprintf(what, sizeof what, "conv case %zu dw", ci);
        expect_close(what, dw1, dw0, nw, 1e-9);
        snprintf(what, sizeof what, "conv case %zu db", ci);
        expect_close(what, db1, db0, s.oc, 1e-9);
        /* dx == NULL (the network input) is allowed */
        assert_int_equal(fast->conv_bwd(&s, x, w, dy, NULL, dw1, NULL, ws), MC_OK);
        free(x), free(w), free(b), free(dy), free(y0), free(y1), free(dx0), free(dx1);
        free(dw0), free(dw1), free(db0), free(db1), free(ws);
    }
}

/* The transposed convolution: the fast backend (sgemm + col2im) against
 * the reference, forward and both gradients; and both against the
 * definition (scatter form) written out here. */
static void test_deconv_kernels(void **state) {
    (void)state;
    const mc_nn_backend *ref = &mc_nn_backend_ref, *fast = mc_nn_backend_find("fast");
    const struct {
        uint32_t n, ic, ih, iw, oc, k, stride, pad, outpad;
    } cases[] = {{2, 3, 5, 6, 4, 3, 2, 1, 1}, {1, 4, 7, 4, 2, 4, 2, 1, 0}, {2, 2, 6, 6, 3, 3, 1, 1, 0},
                 {1, 3, 4, 5, 2, 2, 3, 0, 2}, {2, 5, 3, 3, 6, 5, 2, 2, 1}, {1, 8, 40, 33, 4, 3, 2, 1, 1}};
    uint64_t seed = 77;
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const uint32_t S = cases[ci].stride, k = cases[ci].k, P = cases[ci].pad;
        mc_nn_conv_shape s = {cases[ci].n, cases[ci].ic, cases[ci].ih, cases[ci].iw, cases[ci].oc, 0, 0, k, S, P,
                              MC_NN_PAD_ZERO};
        s.oh = (s.ih - 1) * S + k + cases[ci].outpad - 2 * P;
        s.ow = (s.iw - 1) * S + k + cases[ci].outpad - 2 * P;
        const size_t nx = (size_t)s.n * s.ic * s.ih * s.iw, ny = (size_t)s.n * s.oc * s.oh * s.ow;
        const size_t nw = (size_t)s.ic * s.oc * k * k, op = (size_t)s.oh * s.ow, ip = (size_t)s.ih * s.iw;
        float *x = rnd(nx, &seed), *w = rnd(nw, &seed), *b = rnd(s.oc, &seed), *dy = rnd(ny, &seed);
        float *y0 = calloc(ny, sizeof(float)), *y1 = calloc(ny, sizeof(float));
        double *yd = calloc(ny, sizeof(double));
        float *dx0 = calloc(nx, sizeof(float)), *dx1 = calloc(nx, sizeof(float));
        float *dw0 = calloc(nw, sizeof(float)), *dw1 = calloc(nw, sizeof(float));
        float *db0 = calloc(s.oc, sizeof(float)), *db1 = calloc(s.oc, sizeof(float));
        assert_true(y0 && y1 && yd && dx0 && dx1 && dw0 && dw1 && db0 && db1);
        /* the definition: every input sample scattered through the kernel */
        for (uint32_t n = 0; n < s.n; n++)
            for (uint32_t oc = 0; oc < s.oc; oc++) {
                for (size_t i = 0; i < op; i++) yd[(n * s.oc + oc) * op + i] = b[oc];
                for (uint32_t ic = 0; ic < s.ic; ic++)
                    for (uint32_t iy = 0; iy < s.ih; iy++)
                        for (uint32_t ix = 0; ix < s.iw; ix++)
                            for (uint32_t ky = 0; ky < k; ky++)
                                for (uint32_t kx = 0; kx < k; kx++) {
                                    long oy = (long)iy * S - P + ky, ox = (long)ix * S - P + kx;
                                    if (oy < 0 || ox < 0 || oy >= (long)s.oh || ox >= (long)s.ow) continue;
                                    yd[(n * s.oc + oc) * op + (size_t)oy * s.ow + (size_t)ox] +=
                                        (double)x[(n * s.ic + ic) * ip + iy * s.iw + ix] *
                                        w[((size_t)ic * s.oc + oc) * k * k + ky * k + kx];
                                }
            }
        for (size_t i = 0; i < ny; i++) y1[i] = (float)yd[i];
        for (size_t i = 0; i < nx; i++) dx0[i] = dx1[i] = 0.5f;
        for (size_t i = 0; i < nw; i++) dw0[i] = dw1[i] = -0.25f;
        char what[80];
        assert_int_equal(ref->deconv_fwd(&s, x, w, b, y0), MC_OK);
        snprintf(what, sizeof what, "deconv case %zu: reference against the definition", ci);
        expect_close(what, y0, y1, ny, 1e-10);
        assert_int_equal(fast->deconv_fwd(&s, x, w, b, y1), MC_OK);
        snprintf(what, sizeof what, "deconv case %zu forward", ci);
        expect_close(what, y1, y0, ny, 1e-9);
        assert_int_equal(ref->deconv_bwd(&s, x, w, dy, dx0, dw0, db0), MC_OK);
        assert_int_equal(fast->deconv_bwd(&s, x, w, dy, dx1, dw1, db1), MC_OK);
        snprintf(what, sizeof what, "deconv case %zu dx", ci);
        expect_close(what, dx1, dx0, nx, 1e-9);
        snprintf(what, sizeof what, "deconv case %zu dw", ci);
        expect_close(what, dw1, dw0, nw, 1e-9);
        snprintf(what, sizeof what, "deconv case %zu db", ci);
        expect_close(what, db1, db0, s.oc, 1e-9);
        /* the adjoint: <deconv(x), dy> = <x, dx> with dx the data gradient */
        double lhs = 0, rhs = 0;
        for (size_t i = 0; i < ny; i++) lhs += ((double)y0[i] - b[(i / op) % s.oc]) * dy[i];
        for (size_t i = 0; i < nx; i++) rhs += (double)x[i] * (dx0[i] - 0.5f);
        assert_true(fabs(lhs - rhs) <= 1e-3 * (fabs(lhs) + 1.0));
        free(x), free(w), free(b), free(dy), free(y0), free(y1), free(yd);
        free(dx0), free(dx1), free(dw0), free(dw1), free(db0), free(db1);
    }
}

static void test_linear_kernels(void **state) {
    (void)state;
    const mc_nn_backend *ref = &mc_nn_backend_ref, *fast = mc_nn_backend_find("fast");
    uint64_t seed = 2;
    const size_t n = 5, in = 37, out = 11;
    float *x = rnd(n * in, &seed), *w = rnd(out * in, &seed), *b = rnd(out, &seed), *dy = rnd(n * out, &seed);
    float y0[5 * 11], y1[5 * 11], dx0[5 * 37] = {0}, dx1[5 * 37] = {0}, dw0[11 * 37] = {0}, dw1[11 * 37] = {0};
    float db0[11] = {0}, db1[11] = {0};
    ref->linear_fwd(n, in, out, x, w, b, y0);
    fast->linear_fwd(n, in, out, x, w, b, y1);
    expect_close("linear forward", y1, y0, n * out, 1e-10);
    ref->linear_bwd(n, in, out, x, w, dy, dx0, dw0, db0);
    fast->linear_bwd(n, in, out, x, w, dy, dx1, dw1, db1);
    expect_close("linear dx", dx1, dx0, n * in, 1e-10);
    expect_close("linear dw", dw1, dw0, out * in, 1e-10);
    expect_close("linear db", db1, db0, out, 1e-10);
    free(x), free(w), free(b), free(dy);
}

/* A small AT-ResNet-like network through both backends. */
static mc_nn_net *build(uint64_t seed) {
    mc_err err = {0};
    mc_nn_net *net = NULL;
    assert_int_equal(mc_nn_net_new(&net, "t", 1, 16, 16, &err), MC_OK);
    int a = mc_nn_conv(net, MC_NN_IN_NET, 8, 3, 1, 1, MC_NN_PAD_REFLECT, MC_NN_F_BIAS, &seed, &err);
    a = mc_nn_layer1(net, MC_NN_INSTNORM, a, 1, &err);
    a = mc_nn_layer1(net, MC_NN_LEAKY, a, 0.2f, &err);
    a = mc_nn_resblock(net, a, 8, 1, &seed, &err);
    mc_nn_spec ca = {MC_NN_CHANATT, {a, MC_NN_IN_NONE}, 0, 0, 0, 0, 0, 0, 2, 0, 0};
    assert_int_equal(mc_nn_add(net, &ca, &seed, &a, &err), MC_OK);
    a = mc_nn_spatial_attention(net, a, 4, &seed, &err);
    a = mc_nn_conv(net, a, 8, 4, 2, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS | MC_NN_F_SN, &seed, &err);
    a = mc_nn_layer1(net, MC_NN_UPSAMPLE, a, 2, &err);
    a = mc_nn_conv(net, a, 1, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err);
    a = mc_nn_layer1(net, MC_NN_TANH, a, 0, &err);
    assert_true(a > 0);
    return net;
}

static void test_network(void **state) {
    (void)state;
    mc_err err = {0};
    mc_nn_net *r = build(5), *f = build(5);
    f->be = mc_nn_backend_find("fast");
    uint64_t seed = 9;
    const uint32_t n = 3, h = 20, w = 24; /* another size than declared: fully convolutional */
    float *x = rnd((size_t)n * h * w, &seed);
    for (int k = 0; k < 2; k++) {
        mc_nn_net *net = k ? f : r;
        assert_int_equal(mc_nn_set_training(net, 1, 1, &err), MC_OK);
        assert_int_equal(mc_nn_net_resize(net, n, h, w, &err), MC_OK);
        assert_int_equal(mc_nn_forward(net, x, &err), MC_OK);
    }
    size_t no = mc_nn_output_len(r);
    assert_int_equal(no, (size_t)n * h * w);
    expect_close("network forward", mc_nn_output(f)->out, mc_nn_output(r)->out, no, 1e-9);
    float *dy = rnd(no, &seed);
    for (int k = 0; k < 2; k++) {
        mc_nn_net *net = k ? f : r;
        mc_nn_zero_grad(net);
        assert_int_equal(mc_nn_backward(net, dy, &err), MC_OK);
    }
    expect_close("network input gradient", f->input_delta, r->input_delta, (size_t)n * h * w, 1e-8);
    for (size_t i = 0; i < r->nlayers; i++)
        for (size_t k = 0; k < r->layers[i].nparam; k++) {
            char what[64];
            snprintf(what, sizeof what, "layer %zu %s gradient", i, r->layers[i].p[k].name);
            expect_close(what, f->layers[i].p[k].g, r->layers[i].p[k].g, r->layers[i].p[k].len, 1e-8);
        }
    free(x), free(dy);
    mc_nn_net_free(r);
    mc_nn_net_free(f);
}

/* Own exp / tanh / sigmoid against libm (double) over a wide range. */
static void test_math(void **state) {
    (void)state;
    double worst = 0;
    for (int i = -170000; i <= 170000; i++) {
        float x = (float)i * 5e-4f; /* [-85, 85]: normal float results */
        double e = exp((double)x), t = tanh((double)x), s = 1.0 / (1.0 + exp(-(double)x));
        double re = fabs(mc_nn_expf(x) - e) / e, rt = fabs(mc_nn_tanhf(x) - t), rs = fabs(mc_nn_sigmoidf(x) - s);
        if (re > worst) worst = re;
        assert_true(re < 1.2e-7);        /* float rounding of a near-exact double */
        assert_true(rt < 1.2e-7 * fmax(fabs(t), 1e-30) + 1e-45 || rt < 6e-8);
        assert_true(rs < 6e-8);
    }
    assert_true(worst > 0);
    assert_true(isinf(mc_nn_expf(100.0f)));
    assert_true(mc_nn_expf(-200.0f) == 0.0f);
    assert_true(mc_nn_tanhf(30.0f) == 1.0f && mc_nn_tanhf(-30.0f) == -1.0f);
    assert_true(mc_nn_sigmoidf(-200.0f) == 0.0f && mc_nn_sigmoidf(200.0f) == 1.0f);
    assert_true(mc_nn_tanhf(0.0f) == 0.0f && mc_nn_sigmoidf(0.0f) == 0.5f);
    assert_true(isnan(mc_nn_expf(NAN)) && isnan(mc_nn_tanhf(NAN)) && isnan(mc_nn_sigmoidf(NAN)));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_kernels),
        cmocka_unit_test(test_deconv_kernels),
        cmocka_unit_test(test_linear_kernels),
        cmocka_unit_test(test_network),
        cmocka_unit_test(test_math),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
