/* test_nn_grad.c - numerical gradient checks (central differences, loss in
 * double) for every layer type and every loss of the neural engine, on the
 * reference backend.  The loss is L = sum(out * r) with a fixed random r, so
 * d L / d out = r.  An element whose one-sided differences disagree sharply
 * sits on a kink (ReLU at 0, a max-pooling tie): it is not compared, and no
 * more than 10% of the checked elements may be such. */
#include "testutil.h"

#include "nn/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H 4e-3
#define ATOL 3e-3
#define RTOL 3e-2

typedef struct gc {
    mc_nn_net *net;
    float *x;
    double *r;
    size_t nx, nout;
    int kinky; /* piecewise linear parts (ReLU, max): kinks may be skipped */
} gc;

static double loss_of(gc *g) {
    mc_err err = {0};
    assert_int_equal(mc_nn_forward(g->net, g->x, &err), MC_OK);
    const mc_nn_layer *o = mc_nn_output(g->net);
    double L = 0;
    for (size_t i = 0; i < g->nout; i++) L += (double)o->out[i] * g->r[i];
    return L;
}

static int close_enough(double a, double n) {
    return fabs(a - n) <= ATOL + RTOL * fmax(fabs(a), fabs(n));
}

/* Check d L / d v[i] for up to 400 indices of v (len elements). */
static void check_vec(gc *g, float *v, const float *analytic, size_t len, const char *what, size_t *checked,
                      size_t *kinks) {
    size_t step = len > 400 ? len / 400 + 1 : 1;
    for (size_t i = 0; i < len; i += step) {
        const float orig = v[i];
        const double L0 = loss_of(g);
        v[i] = orig + (float)H;
        const double hp = (double)v[i] - orig;
        const double Lp = loss_of(g);
        v[i] = orig - (float)H;
        const double hm = orig - (double)v[i];
        const double Lm = loss_of(g);
        v[i] = orig;
        const double num = (Lp - Lm) / (hp + hm);
        const double right = (Lp - L0) / hp, left = (L0 - Lm) / hm;
        (*checked)++;
        /* a kink within H: the one-sided slopes differ by more than the
         * tolerance (a smooth function: by about H f'', well below it) */
        if (g->kinky && !close_enough(right, left)) {
            (*kinks)++;
            continue;
        }
        if (!close_enough(analytic[i], num)) {
            fprintf(stderr, "%s[%zu]: analytic %.6g, numerical %.6g\n", what, i, (double)analytic[i], num);
            fail();
        }
    }
}

/* Build with f, then check input and all parameter gradients. */
static void gradcheck(mc_nn_net *net, uint32_t n, uint32_t h, uint32_t w, uint64_t seed, int kinky) {
    mc_err err = {0};
    gc g = {0};
    g.net = net;
    g.kinky = kinky;
    assert_int_equal(mc_nn_set_training(net, 1, 1, &err), MC_OK);
    if (mc_nn_net_resize(net, n, h, w, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        fail();
    }
    g.nx = (size_t)n * net->in_c * h * w;
    g.nout = mc_nn_output_len(net);
    g.x = malloc(g.nx * sizeof(float));
    g.r = malloc(g.nout * sizeof(double));
    float *dy = malloc(g.nout * sizeof(float));
    assert_non_null(g.x);
    assert_non_null(g.r);
    assert_non_null(dy);
    for (size_t i = 0; i < g.nx; i++) g.x[i] = 2.0f * mc_nn_randu(&seed) - 1.0f;
    for (size_t i = 0; i < g.nout; i++) {
        dy[i] = 2.0f * mc_nn_randu(&seed) - 1.0f;
        g.r[i] = dy[i];
    }
    mc_nn_zero_grad(net);
    assert_int_equal(mc_nn_forward(net, g.x, &err), MC_OK);
    assert_int_equal(mc_nn_backward(net, dy, &err), MC_OK);
    /* snapshot analytic gradients (forward calls below do not touch them) */
    float *dx = malloc(g.nx * sizeof(float));
    assert_non_null(dx);
    memcpy(dx, net->input_delta, g.nx * sizeof(float));
    size_t checked = 0, kinks = 0;
    check_vec(&g, g.x, dx, g.nx, "input", &checked, &kinks);
    for (size_t li = 0; li < net->nlayers; li++) {
        mc_nn_layer *l = &net->layers[li];
        for (size_t k = 0; k < l->nparam; k++) {
            char what[64];
            snprintf(what, sizeof what, "layer %zu (%s) %s", li, mc_nn_type_name(l->s.type), l->p[k].name);
            check_vec(&g, l->p[k].w, l->p[k].g, l->p[k].len, what, &checked, &kinks);
        }
    }
    if (kinks * 10 > checked) {
        fprintf(stderr, "%zu of %zu elements on kinks\n", kinks, checked);
        fail();
    }
    assert_true(checked > 0);
    free(dx);
    free(dy);
    free(g.x);
    free(g.r);
    mc_nn_net_free(net);
}

static mc_nn_net *newnet(uint32_t c, uint32_t h, uint32_t w) {
    mc_nn_net *net = NULL;
    mc_err err = {0};
    assert_int_equal(mc_nn_net_new(&net, "t", c, h, w, &err), MC_OK);
    return net;
}

#define OK(expr)                                                                                                   \
    do {                                                                                                           \
        int rc_ = (expr);                                                                                          \
        if (rc_ < 0) {                                                                                             \
            fprintf(stderr, "%s: %s\n", #expr, err.msg);                                                           \
            fail();                                                                                                \
        }                                                                                                          \
    } while (0)

static void test_conv(void **state) {
    (void)state;
    mc_err err = {0};
    const struct {
        uint32_t k, stride, pad, mode, flags;
    } cases[] = {{3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS}, {3, 2, 1, MC_NN_PAD_REFLECT, MC_NN_F_BIAS},
                 {4, 2, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS}, {1, 1, 0, MC_NN_PAD_ZERO, 0},
                 {7, 1, 3, MC_NN_PAD_REFLECT, MC_NN_F_BIAS}, {3, 1, 1, MC_NN_PAD_REFLECT, MC_NN_F_BIAS | MC_NN_F_SN},
                 {2, 3, 0, MC_NN_PAD_ZERO, MC_NN_F_BIAS}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t seed = 100 + i;
        mc_nn_net *net = newnet(3, 8, 9);
        OK(mc_nn_conv(net, MC_NN_IN_NET, 4, cases[i].k, cases[i].stride, cases[i].pad, (mc_nn_pad)cases[i].mode,
                      cases[i].flags, &seed, &err));
        gradcheck(net, 2, 8, 9, seed, 0);
    }
}

/* transposed convolutions: DeepKeyGen's k3 s2 p1 + output padding 1
 * (doubling), k4 s2 p1, stride 1, stride 3, spectral norm */
static void test_deconv(void **state) {
    (void)state;
    mc_err err = {0};
    const struct {
        uint32_t k, stride, pad, outpad, flags;
    } cases[] = {{3, 2, 1, 1, MC_NN_F_BIAS}, {4, 2, 1, 0, MC_NN_F_BIAS}, {3, 1, 1, 0, 0},
                 {2, 3, 0, 2, MC_NN_F_BIAS}, {3, 2, 1, 1, MC_NN_F_BIAS | MC_NN_F_SN}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t seed = 130 + i;
        mc_nn_net *net = newnet(3, 4, 5);
        OK(mc_nn_deconv(net, MC_NN_IN_NET, 4, cases[i].k, cases[i].stride, cases[i].pad, cases[i].outpad,
                        cases[i].flags, &seed, &err));
        assert_int_equal(net->layers[0].h, (4 - 1) * cases[i].stride + cases[i].k + cases[i].outpad - 2 * cases[i].pad);
        gradcheck(net, 2, 4, 5, seed, 0);
    }
    /* in a generator's shape: conv down, deconv back up, tanh */
    uint64_t seed = 140;
    mc_nn_net *net = newnet(2, 6, 6);
    int a = mc_nn_conv(net, MC_NN_IN_NET, 3, 3, 2, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err);
    OK(a);
    OK(a = mc_nn_deconv(net, a, 2, 3, 2, 1, 1, MC_NN_F_BIAS, &seed, &err));
    OK(mc_nn_layer1(net, MC_NN_TANH, a, 0, &err));
    gradcheck(net, 2, 6, 6, 141, 0);
    /* what a deconv refuses: reflection padding, pad >= k, output padding >= stride */
    net = newnet(2, 4, 4);
    mc_nn_spec bad = {MC_NN_DECONV, {MC_NN_IN_NET, MC_NN_IN_NONE}, 2, 3, 2, 1, MC_NN_PAD_REFLECT, 0, 1, 0, 0};
    assert_int_equal(mc_nn_add(net, &bad, &seed, NULL, &err), MC_ERR_FORMAT);
    bad.pad_mode = MC_NN_PAD_ZERO;
    bad.pad = 3;
    assert_int_equal(mc_nn_add(net, &bad, &seed, NULL, &err), MC_ERR_FORMAT);
    bad.pad = 1;
    bad.factor = 2;
    assert_int_equal(mc_nn_add(net, &bad, &seed, NULL, &err), MC_ERR_FORMAT);
    bad.factor = 1;
    assert_int_equal(mc_nn_add(net, &bad, &seed, NULL, &err), MC_OK);
    mc_nn_net_free(net);
}

static void test_linear(void **state) {
    (void)state;
    mc_err err = {0};
    for (uint32_t flags = 0; flags <= (MC_NN_F_BIAS | MC_NN_F_SN); flags++) {
        uint64_t seed = 7 + flags;
        mc_nn_net *net = newnet(2, 3, 4);
        mc_nn_spec s = {MC_NN_LINEAR, {MC_NN_IN_NET, MC_NN_IN_NONE}, 5, 0, 0, 0, 0, flags, 0, 0, 0};
        OK(mc_nn_add(net, &s, &seed, NULL, &err));
        gradcheck(net, 3, 3, 4, seed, 0);
    }
}

static void test_activations(void **state) {
    (void)state;
    mc_err err = {0};
    const mc_nn_type t[] = {MC_NN_RELU, MC_NN_LEAKY, MC_NN_SIGMOID, MC_NN_TANH};
    for (size_t i = 0; i < 4; i++) {
        mc_nn_net *net = newnet(2, 5, 6);
        OK(mc_nn_layer1(net, t[i], MC_NN_IN_NET, t[i] == MC_NN_LEAKY ? 0.2f : 0.0f, &err));
        gradcheck(net, 2, 5, 6, 31 + i, t[i] == MC_NN_RELU || t[i] == MC_NN_LEAKY);
    }
    /* large arguments: saturation must keep gradients finite and right */
    mc_nn_net *net = newnet(1, 4, 4);
    OK(mc_nn_conv(net, MC_NN_IN_NET, 2, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &(uint64_t){5}, &err));
    OK(mc_nn_layer1(net, MC_NN_TANH, 0, 0, &err));
    OK(mc_nn_layer1(net, MC_NN_SIGMOID, 1, 0, &err));
    gradcheck(net, 2, 4, 4, 77, 0);
}

static void test_upsample(void **state) {
    (void)state;
    mc_err err = {0};
    mc_nn_net *net = newnet(2, 3, 4);
    OK(mc_nn_layer1(net, MC_NN_UPSAMPLE, MC_NN_IN_NET, 2, &err));
    OK(mc_nn_conv(net, 0, 3, 3, 1, 1, MC_NN_PAD_REFLECT, MC_NN_F_BIAS, &(uint64_t){9}, &err));
    gradcheck(net, 2, 3, 4, 12, 0);
}

static void test_norms(void **state) {
    (void)state;
    mc_err err = {0};
    for (int affine = 0; affine < 2; affine++) {
        mc_nn_net *net = newnet(3, 4, 5);
        OK(mc_nn_layer1(net, MC_NN_INSTNORM, MC_NN_IN_NET, (float)affine, &err));
        gradcheck(net, 2, 4, 5, 40 + (uint64_t)affine, 0);
        net = newnet(3, 4, 5);
        OK(mc_nn_layer1(net, MC_NN_LAYERNORM, MC_NN_IN_NET, (float)affine, &err));
        gradcheck(net, 2, 4, 5, 50 + (uint64_t)affine, 0);
    }
    /* ILN with rho inside (0,1) so both branches carry gradient */
    mc_nn_net *net = newnet(3, 4, 5);
    OK(mc_nn_layer1(net, MC_NN_ILN, MC_NN_IN_NET, 0.3f, &err));
    gradcheck(net, 2, 4, 5, 60, 0);
    /* AdaILN: gamma/beta from an MLP on the global average */
    net = newnet(3, 4, 5);
    uint64_t seed = 61;
    int gap = mc_nn_layer1(net, MC_NN_GAP, MC_NN_IN_NET, 0, &err);
    OK(gap);
    mc_nn_spec s = {MC_NN_LINEAR, {gap, MC_NN_IN_NONE}, 6, 0, 0, 0, 0, MC_NN_F_BIAS, 0, 0, 0};
    int fc;
    OK(mc_nn_add(net, &s, &seed, &fc, &err));
    OK(mc_nn_layer2(net, MC_NN_ADAILN, MC_NN_IN_NET, fc, &err));
    net->layers[2].p[0].w[1] = 0.4f; /* rho of channel 1 inside (0,1) */
    gradcheck(net, 2, 4, 5, 62, 0);
}

static void test_pooling(void **state) {
    (void)state;
    mc_err err = {0};
    mc_nn_net *net = newnet(3, 4, 5);
    OK(mc_nn_layer1(net, MC_NN_GAP, MC_NN_IN_NET, 0, &err));
    gradcheck(net, 2, 4, 5, 70, 0);
    net = newnet(3, 4, 5);
    OK(mc_nn_layer1(net, MC_NN_GMP, MC_NN_IN_NET, 0, &err));
    gradcheck(net, 2, 4, 5, 71, 1);
}

static void test_combine(void **state) {
    (void)state;
    mc_err err = {0};
    uint64_t seed = 80;
    /* add and concat of two branches */
    mc_nn_net *net = newnet(2, 4, 4);
    int a = mc_nn_conv(net, MC_NN_IN_NET, 3, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err);
    int b = mc_nn_conv(net, MC_NN_IN_NET, 3, 1, 1, 0, MC_NN_PAD_ZERO, 0, &seed, &err);
    OK(a);
    OK(b);
    int s = mc_nn_layer2(net, MC_NN_ADD, a, b, &err);
    OK(s);
    OK(mc_nn_layer2(net, MC_NN_CONCAT, s, MC_NN_IN_NET, &err));
    gradcheck(net, 2, 4, 4, 81, 0);
    /* mul: same shape, per-channel (c,1,1) and per-pixel (1,h,w) broadcasts */
    for (int mode = 0; mode < 3; mode++) {
        net = newnet(3, 4, 4);
        int m;
        if (mode == 0) m = mc_nn_conv(net, MC_NN_IN_NET, 3, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err);
        else if (mode == 1) m = mc_nn_layer1(net, MC_NN_GAP, MC_NN_IN_NET, 0, &err);
        else m = mc_nn_conv(net, MC_NN_IN_NET, 1, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err);
        OK(m);
        OK(mc_nn_layer2(net, MC_NN_MUL, MC_NN_IN_NET, m, &err));
        gradcheck(net, 2, 4, 4, 90 + (uint64_t)mode, 0);
    }
}

static void test_attention(void **state) {
    (void)state;
    mc_err err = {0};
    uint64_t seed = 100;
    mc_nn_net *net = newnet(8, 4, 5);
    mc_nn_spec s = {MC_NN_CHANATT, {MC_NN_IN_NET, MC_NN_IN_NONE}, 0, 0, 0, 0, 0, 0, 4, 0, 0};
    OK(mc_nn_add(net, &s, &seed, NULL, &err));
    gradcheck(net, 2, 4, 5, 101, 1);
    net = newnet(3, 5, 5);
    OK(mc_nn_spatial_attention(net, MC_NN_IN_NET, 4, &seed, &err));
    gradcheck(net, 2, 5, 5, 102, 1);
}

static void test_resblock(void **state) {
    (void)state;
    mc_err err = {0};
    uint64_t seed = 110;
    mc_nn_net *net = newnet(3, 5, 5);
    int a = mc_nn_conv(net, MC_NN_IN_NET, 4, 3, 1, 1, MC_NN_PAD_REFLECT, MC_NN_F_BIAS, &seed, &err);
    OK(a);
    OK(mc_nn_resblock(net, a, 4, 0, &seed, &err));
    gradcheck(net, 2, 5, 5, 111, 1);
}

/* Losses: d loss / d p against central differences. */
static void test_losses(void **state) {
    (void)state;
    uint64_t seed = 120;
    float p[40], t[40], g[40];
    for (int type = 0; type < 4; type++) {
        for (int i = 0; i < 40; i++) {
            p[i] = 3.0f * mc_nn_randu(&seed) - 1.5f;
            t[i] = type == MC_NN_LOSS_BCE ? mc_nn_randu(&seed) : 2.0f * mc_nn_randu(&seed) - 1.0f;
        }
        const float *tt = type == MC_NN_LOSS_LSGAN ? NULL : t;
        double L = mc_nn_loss_eval((mc_nn_loss)type, p, tt, 1.0f, 40, g, 2.0f);
        assert_true(L > 0);
        for (int i = 0; i < 40; i++) {
            float o = p[i];
            p[i] = o + 1e-2f;
            double hp = (double)p[i] - o, Lp = mc_nn_loss_eval((mc_nn_loss)type, p, tt, 1.0f, 40, NULL, 1.0f);
            p[i] = o - 1e-2f;
            double hm = o - (double)p[i], Lm = mc_nn_loss_eval((mc_nn_loss)type, p, tt, 1.0f, 40, NULL, 1.0f);
            p[i] = o;
            double num = 2.0 * (Lp - Lm) / (hp + hm);
            if (type == MC_NN_LOSS_L1 && fabs(p[i] - t[i]) < 2e-2) continue; /* kink */
            if (fabs(num - g[i]) > 1e-4 + 1e-3 * fabs(num)) {
                fprintf(stderr, "loss %d [%d]: analytic %g numerical %g\n", type, i, (double)g[i], num);
                fail();
            }
        }
    }
    /* known values */
    float a[2] = {1.0f, -1.0f}, b[2] = {0.0f, 1.0f};
    assert_true(fabs(mc_nn_loss_eval(MC_NN_LOSS_MSE, a, b, 0, 2, NULL, 1) - 2.5) < 1e-12);
    assert_true(fabs(mc_nn_loss_eval(MC_NN_LOSS_L1, a, b, 0, 2, NULL, 1) - 1.5) < 1e-12);
    assert_true(fabs(mc_nn_loss_eval(MC_NN_LOSS_LSGAN, a, NULL, 1.0f, 2, NULL, 1) - 2.0) < 1e-12);
    float z = 0.0f, half = 0.5f;
    assert_true(fabs(mc_nn_loss_eval(MC_NN_LOSS_BCE, &z, &half, 0, 1, NULL, 1) - log(2.0)) < 1e-12);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv),      cmocka_unit_test(test_deconv),   cmocka_unit_test(test_linear),   cmocka_unit_test(test_activations),
        cmocka_unit_test(test_upsample),  cmocka_unit_test(test_norms),    cmocka_unit_test(test_pooling),
        cmocka_unit_test(test_combine),   cmocka_unit_test(test_attention), cmocka_unit_test(test_resblock),
        cmocka_unit_test(test_losses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
