/* test_nn_train.c - optimisers and the training loop: tiny networks learn
 * known mappings within seconds (SGD and Adam), learning-rate schedules,
 * data sets from image files, and the `denoise` architecture trained through
 * mc_nn_train with a checkpoint that resumes bit-exactly. */
#include "testutil.h"

#include "nn/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SGD with momentum: one 3x3 conv learns a known edge filter. */
static void test_sgd_learns_filter(void **state) {
    (void)state;
    mc_err err = {0};
    uint64_t seed = 1;
    mc_nn_net *teacher = NULL, *net = NULL;
    assert_int_equal(mc_nn_net_new(&teacher, "teacher", 1, 12, 12, &err), MC_OK);
    assert_int_equal(mc_nn_net_new(&net, "student", 1, 12, 12, &err), MC_OK);
    assert_true(mc_nn_conv(teacher, MC_NN_IN_NET, 1, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err) == 0);
    assert_true(mc_nn_conv(net, MC_NN_IN_NET, 1, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err) == 0);
    const float sobel[9] = {-1, 0, 1, -2, 0, 2, -1, 0, 1};
    memcpy(teacher->layers[0].p[0].w, sobel, sizeof sobel);
    teacher->layers[0].p[1].w[0] = 0.25f;
    assert_int_equal(mc_nn_net_resize(teacher, 8, 12, 12, &err), MC_OK);
    assert_int_equal(mc_nn_set_training(net, 1, 0, &err), MC_OK);
    assert_int_equal(mc_nn_net_resize(net, 8, 12, 12, &err), MC_OK);
    mc_nn_opt o;
    mc_nn_opt_default(&o, MC_NN_SGD, 0.05f);
    float x[8 * 144], g[8 * 144];
    double first = 0, last = 0;
    for (int step = 0; step < 300; step++) {
        for (size_t i = 0; i < 8 * 144; i++) x[i] = 2.0f * mc_nn_randu(&seed) - 1.0f;
        assert_int_equal(mc_nn_forward(teacher, x, &err), MC_OK);
        mc_nn_zero_grad(net);
        assert_int_equal(mc_nn_forward(net, x, &err), MC_OK);
        double l = mc_nn_loss_eval(MC_NN_LOSS_MSE, mc_nn_output(net)->out, mc_nn_output(teacher)->out, 0, 8 * 144,
                                   g, 1.0f);
        if (step == 0) first = l;
        last = l;
        assert_int_equal(mc_nn_backward(net, g, &err), MC_OK);
        assert_int_equal(mc_nn_opt_step(&o, net, &err), MC_OK);
    }
    fprintf(stderr, "sgd: loss %.3g -> %.3g\n", first, last);
    assert_true(first > 0.5);
    assert_true(last < 1e-5);
    for (int i = 0; i < 9; i++) assert_true(fabsf(net->layers[0].p[0].w[i] - sobel[i]) < 1e-2f);
    assert_int_equal(o.t, 300);
    mc_nn_net_free(teacher);
    mc_nn_net_free(net);
}

/* Adam: a two-layer 1x1 network learns the nonlinear map y = x^2 - 0.5. */
static void test_adam_learns_square(void **state) {
    (void)state;
    mc_err err = {0};
    uint64_t seed = 2;
    mc_nn_net *net = NULL;
    assert_int_equal(mc_nn_net_new(&net, "sq", 1, 8, 8, &err), MC_OK);
    int a = mc_nn_conv(net, MC_NN_IN_NET, 16, 1, 1, 0, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err);
    a = mc_nn_layer1(net, MC_NN_TANH, a, 0, &err);
    a = mc_nn_conv(net, a, 1, 1, 1, 0, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err);
    assert_true(a == 2);
    net->be = mc_nn_backend_find("fast");
    assert_int_equal(mc_nn_set_training(net, 1, 0, &err), MC_OK);
    assert_int_equal(mc_nn_net_resize(net, 4, 8, 8, &err), MC_OK);
    mc_nn_opt o;
    mc_nn_opt_default(&o, MC_NN_ADAM, 0.01f);
    o.weight_decay = 1e-5f;
    float x[256], t[256], g[256];
    double first = 0, last = 0;
    for (int step = 0; step < 800; step++) {
        for (int i = 0; i < 256; i++) {
            x[i] = 2.0f * mc_nn_randu(&seed) - 1.0f;
            t[i] = x[i] * x[i] - 0.5f;
        }
        mc_nn_zero_grad(net);
        assert_int_equal(mc_nn_forward(net, x, &err), MC_OK);
        double l = mc_nn_loss_eval(MC_NN_LOSS_MSE, mc_nn_output(net)->out, t, 0, 256, g, 1.0f);
        if (step == 0) first = l;
        last = l;
        assert_int_equal(mc_nn_backward(net, g, &err), MC_OK);
        assert_int_equal(mc_nn_opt_step(&o, net, &err), MC_OK);
    }
    fprintf(stderr, "adam: loss %.3g -> %.3g\n", first, last);
    assert_true(first > 0.02);
    assert_true(last < 2e-3);
    mc_nn_net_free(net);
}

static void test_schedule(void **state) {
    (void)state;
    mc_nn_opt o;
    mc_nn_opt_default(&o, MC_NN_ADAM, 1e-3f);
    assert_true(mc_nn_opt_lr(&o) == 1e-3f);
    o.sched = MC_NN_SCHED_LINEAR;
    o.decay_start = 100;
    o.decay_end = 200;
    o.t = 50;
    assert_true(mc_nn_opt_lr(&o) == 1e-3f);
    o.t = 150;
    assert_true(fabsf(mc_nn_opt_lr(&o) - 5e-4f) < 1e-9f);
    o.t = 199;
    assert_true(mc_nn_opt_lr(&o) > 0 && mc_nn_opt_lr(&o) < 2e-5f);
    o.t = 250;
    assert_true(mc_nn_opt_lr(&o) == 0.0f);
}

/* rho of ILN / AdaILN stays in [0, 1] whatever the optimiser does */
static void test_rho_clipped(void **state) {
    (void)state;
    mc_err err = {0};
    mc_nn_net *net = NULL;
    assert_int_equal(mc_nn_net_new(&net, "r", 2, 4, 4, &err), MC_OK);
    assert_true(mc_nn_layer1(net, MC_NN_ILN, MC_NN_IN_NET, 0.5f, &err) == 0);
    net->layers[0].p[0].g[0] = -1e6f;
    net->layers[0].p[0].g[1] = 1e6f;
    mc_nn_opt o;
    mc_nn_opt_default(&o, MC_NN_SGD, 1.0f);
    assert_int_equal(mc_nn_opt_step(&o, net, &err), MC_OK);
    assert_true(net->layers[0].p[0].w[0] == 1.0f);
    assert_true(net->layers[0].p[0].w[1] == 0.0f);
    mc_nn_net_free(net);
}

/* a directory of phantoms (8 and 16-bit, PGM and PNG, a 3D NIfTI) */
static const char *make_data(void) {
    mc_err err = {0};
    const char *dir = mc_test_path("data");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/sub'", dir);
    assert_int_equal(system(cmd), 0);
    const struct {
        const char *name;
        uint32_t size, slices;
        unsigned bits;
    } f[] = {{"a.pgm", 48, 1, 8}, {"b.png", 40, 1, 16}, {"sub/c.nii", 36, 3, 16}};
    for (size_t i = 0; i < 3; i++) {
        mc_image *img = NULL;
        assert_int_equal(mc_phantom(&img, f[i].size, f[i].slices, f[i].bits, &err), MC_OK);
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, f[i].name);
        assert_int_equal(mc_image_write(img, path, MC_FMT_UNKNOWN, &err), MC_OK);
        mc_image_free(img);
    }
    snprintf(cmd, sizeof cmd, "echo 'not an image' > '%s/readme.txt'", dir);
    assert_int_equal(system(cmd), 0);
    return dir;
}

static void test_data(void **state) {
    (void)state;
    mc_err err = {0};
    const char *dir = make_data();
    mc_nn_data d;
    assert_int_equal(mc_nn_data_load(&d, &dir, 1, MC_NN_SCALE_PM1, 32, 1, &err), MC_OK);
    assert_int_equal(d.n, 5); /* 1 + 1 + 3 slices */
    assert_int_equal(d.skipped, 1);
    for (size_t i = 0; i < d.n; i++) {
        float lo = 1e9f, hi = -1e9f;
        for (size_t k = 0; k < (size_t)d.h[i] * d.w[i]; k++) {
            lo = fminf(lo, d.px[i][k]);
            hi = fmaxf(hi, d.px[i][k]);
        }
        assert_true(lo >= -1.0f && hi <= 1.0f && hi > lo);
    }
    mc_nn_batch b = {0};
    uint64_t rng = 5;
    assert_int_equal(mc_nn_data_batch(&d, &b, 6, 32, 1, &rng, &err), MC_OK);
    assert_int_equal(b.n, 6);
    assert_int_equal(b.h, 32);
    mc_nn_batch_free(&b);
    mc_nn_data_free(&d);
    /* too large a minimum size: a clear error */
    assert_int_equal(mc_nn_data_load(&d, &dir, 1, MC_NN_SCALE_01, 100, 1, &err), MC_ERR_ARG);
    assert_non_null(strstr(err.msg, "no usable image"));
}

static int count_steps(void *ud, const mc_nn_progress *p) {
    double *l = ud;
    if (p->total_step == 0) l[0] = p->loss;
    l[1] = p->loss;
    l[2] += 1;
    return 0;
}

static void test_denoise_train_resume(void **state) {
    (void)state;
    mc_err err = {0};
    const char *dir = make_data();
    const mc_nn_arch *a = mc_nn_arch_find("denoise");
    assert_non_null(a);
    mc_nn_data d;
    assert_int_equal(mc_nn_data_load(&d, &dir, 1, MC_NN_SCALE_PM1, 16, 1, &err), MC_OK);
    const char *kv[] = {"channels=8", "blocks=1", "lr=0.003"};
    /* A: 4 epochs straight */
    mc_nn_model A, B;
    mc_nn_model_init(&A);
    assert_int_equal(mc_nn_arch_hp(a, &A, kv, 3, &err), MC_OK);
    assert_int_equal(a->build(&A, 11, &err), MC_OK);
    double l[3] = {0};
    mc_nn_train_opts o = {4, 15, 4, 16, 1, 99, NULL, NULL, count_steps, l};
    assert_int_equal(mc_nn_train(&A, a, &d, &o, &err), MC_OK);
    fprintf(stderr, "denoise: loss %.4g -> %.4g over %.0f steps\n", l[0], l[1], l[2]);
    assert_true(l[2] == 60);
    assert_true(l[1] < 0.5 * l[0]);
    /* B: 2 epochs, checkpoint, reload, 2 more: bit-identical to A */
    mc_nn_model_init(&B);
    assert_int_equal(mc_nn_arch_hp(a, &B, kv, 3, &err), MC_OK);
    assert_int_equal(a->build(&B, 11, &err), MC_OK);
    const char *ck = mc_test_path("ck.mcnn");
    mc_nn_train_opts o2 = o;
    o2.epochs = 2;
    o2.checkpoint = ck;
    assert_int_equal(mc_nn_train(&B, a, &d, &o2, &err), MC_OK);
    mc_nn_model_free(&B);
    int lrc = mc_nn_model_load(&B, ck, NULL, &err);
    if (lrc) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(lrc, MC_OK);
    assert_true(B.has_opt);
    assert_string_equal(mc_nn_hp(&B, "epoch", "x"), "x"); /* epoch is state, not hyperparameter */
    assert_string_equal(mc_meta_get(&B.state, "epoch"), "2");
    assert_int_equal(mc_nn_train(&B, a, &d, &o, &err), MC_OK);
    assert_int_equal(A.net[0]->nlayers, B.net[0]->nlayers);
    for (size_t i = 0; i < A.net[0]->nlayers; i++)
        for (size_t k = 0; k < A.net[0]->layers[i].nparam; k++)
            assert_memory_equal(A.net[0]->layers[i].p[k].w, B.net[0]->layers[i].p[k].w,
                                A.net[0]->layers[i].p[k].len * sizeof(float));
    /* unknown hyperparameter */
    const char *badkv[] = {"chanels=8"};
    assert_int_equal(mc_nn_arch_hp(a, &B, badkv, 1, &err), MC_ERR_ARG);
    mc_nn_model_free(&A);
    mc_nn_model_free(&B);
    mc_nn_data_free(&d);
}

static int teardown(void **state) {
    (void)state;
    mc_test_tmpdir_cleanup();
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgd_learns_filter), cmocka_unit_test(test_adam_learns_square),
        cmocka_unit_test(test_schedule),          cmocka_unit_test(test_rho_clipped),
        cmocka_unit_test(test_data),              cmocka_unit_test(test_denoise_train_resume),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
