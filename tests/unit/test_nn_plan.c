/* test_nn_plan.c - inference plans (src/nn/plan.c) against mc_nn_forward on
 * the reference backend, byte for byte: the built-in models' networks (the
 * fused at-resnet-cm shape) at several sizes below the planned one, a
 * network with every inference layer type (generic steps, spectral norm, a
 * transposed conv, batch 2), values read twice (no fusion allowed), one to
 * three threads (one: segments run band by band with rings; more: each
 * step split over the threads), two plans sharing an arena; and what the
 * plan decided: fused chains, buffers reused, segments and rings, a run
 * larger than planned refused. */
#include "testutil.h"

#include "nn/builtin_models.h"
#include "nn/nn.h"
#include "nn/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The forward output of net on x (n, in_c, h, w), copied. */
static float *forward_copy(mc_nn_net *net, uint32_t n, uint32_t h, uint32_t w, const float *x, size_t *len) {
    mc_err err = {0};
    int rc = mc_nn_net_resize(net, n, h, w, &err);
    if (!rc) rc = mc_nn_forward(net, x, &err);
    if (rc) fprintf(stderr, "%s: %s\n", net->name, err.msg);
    assert_int_equal(rc, MC_OK);
    *len = mc_nn_output_len(net);
    float *o = malloc(*len * sizeof *o);
    assert_non_null(o);
    memcpy(o, mc_nn_output(net)->out, *len * sizeof *o);
    return o;
}

static float *inputs(size_t n, uint64_t seed) {
    float *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++) x[i] = 2.0f * mc_nn_randu(&seed) - 0.5f;
    return x;
}

/* run net through a plan of (n, ph, pw) at each size of sizes[] and compare */
static void check_net(mc_nn_net *net, uint32_t n, uint32_t ph, uint32_t pw, const uint32_t (*sizes)[2], size_t nsizes,
                      int threads) {
    mc_err err = {0};
    const size_t maxin = (size_t)n * net->in_c * ph * pw;
    float *x = inputs(maxin, 5 + (uint64_t)threads);
    float **want = calloc(nsizes, sizeof *want);
    size_t *wlen = calloc(nsizes, sizeof *wlen);
    assert_true(want && wlen);
    for (size_t i = 0; i < nsizes; i++) want[i] = forward_copy(net, n, sizes[i][0], sizes[i][1], x, &wlen[i]);
    mc_nn_workers *wk = NULL;
    mc_nn_plan *p = NULL;
    assert_int_equal(mc_nn_workers_new(&wk, threads, &err), MC_OK);
    int rc = mc_nn_plan_new(&p, net, n, ph, pw, wk, NULL, &err);
    if (rc) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, MC_OK);
    for (int round = 0; round < 2; round++) /* a second round: reused memory, same bits */
        for (size_t i = 0; i < nsizes; i++) {
            rc = mc_nn_plan_run(p, x, sizes[i][0], sizes[i][1], &err);
            if (rc) fprintf(stderr, "%s\n", err.msg);
            assert_int_equal(rc, MC_OK);
            size_t len = 0;
            const float *got = mc_nn_plan_output(p, &len);
            assert_int_equal(len, wlen[i]);
            if (memcmp(got, want[i], len * sizeof *got)) {
                size_t j = 0;
                while (!memcmp(got + j, want[i] + j, sizeof *got)) j++;
                fprintf(stderr, "%s at %ux%u, %d threads: output[%zu] %a, forward %a\n", net->name, sizes[i][1],
                        sizes[i][0], threads, j, (double)got[j], (double)want[i][j]);
                fail();
            }
        }
    /* larger than planned: refused */
    assert_int_equal(mc_nn_plan_run(p, x, ph + 1, pw, &err), MC_ERR_ARG);
    mc_nn_plan_free(p);
    mc_nn_workers_free(wk);
    /* the network works on its own again */
    size_t len = 0;
    float *again = forward_copy(net, n, sizes[0][0], sizes[0][1], x, &len);
    assert_memory_equal(again, want[0], len * sizeof *again);
    free(again);
    for (size_t i = 0; i < nsizes; i++) free(want[i]);
    free(want);
    free(wlen);
    free(x);
}

static void test_builtin_models(void **state) {
    (void)state;
    static const uint32_t sizes[][2] = {{64, 64}, {40, 57}, {1, 1}, {17, 64}, {64, 3}};
    const struct {
        const uint8_t *b;
        size_t len;
    } models[] = {{mc_builtin_model_at_resnet_cm, mc_builtin_model_at_resnet_cm_len},
                  {mc_builtin_model_resnet_cm, mc_builtin_model_resnet_cm_len}};
    size_t tested = 0;
    for (size_t mi = 0; mi < 2; mi++) {
        if (!models[mi].len) continue;
        for (int net = 0; net < 2; net++)
            for (int threads = 1; threads <= 3; threads += 2) {
                mc_nn_model m;
                mc_err err = {0};
                assert_int_equal(mc_nn_model_load_mem(&m, models[mi].b, models[mi].len, NULL, &err), MC_OK);
                check_net(m.net[net], 1, 64, 64, sizes, sizeof sizes / sizeof sizes[0], threads);
                mc_nn_model_free(&m);
                tested++;
            }
    }
    if (!tested) {
        fprintf(stderr, "SKIP: no built-in model in this build (make train-models)\n");
        skip();
    }
}

/* What the plan makes of at-resnet-cm's encryption network: every
 * convolution a fused step but none, channel attention on the threads,
 * fewer buffers than values. */
static void test_fusion(void **state) {
    (void)state;
    if (!mc_builtin_model_at_resnet_cm_len) {
        fprintf(stderr, "SKIP: no built-in at-resnet-cm model (make train-models)\n");
        skip();
    }
    mc_nn_model m;
    mc_err err = {0};
    assert_int_equal(mc_nn_model_load_mem(&m, mc_builtin_model_at_resnet_cm, mc_builtin_model_at_resnet_cm_len, NULL,
                                          &err),
                     MC_OK);
    mc_nn_net *net = mc_nn_model_net(&m, "enc");
    mc_nn_plan *p = NULL;
    assert_int_equal(mc_nn_plan_new(&p, net, 1, 256, 256, NULL, NULL, &err), MC_OK);
    size_t convs = 0, fused = 0, layers_in_steps = 0, chanatt = 0, generic = 0, mulb = 0, add = 0;
    for (size_t k = 0; k < p->nsteps; k++) {
        const plan_step *st = &p->steps[k];
        layers_in_steps += 1 + (size_t)st->nep;
        if (st->kind == STEP_CONV) convs++, fused += st->nep > 0;
        if (st->kind == STEP_CHANATT) chanatt++;
        if (st->kind == STEP_LAYER) generic++;
        for (int e = 0; e < st->nep; e++) {
            mulb += st->ep[e].kind == EP_MULB;
            add += st->ep[e].kind == EP_ADD;
        }
    }
    assert_int_equal(layers_in_steps, net->nlayers); /* every layer in exactly one step */
    assert_true(convs >= 9);
    assert_true(fused >= convs - 2);        /* relu, residual adds, masks, the final add */
    assert_true(mulb >= 2);                 /* both spatial attention masks */
    assert_true(add >= 3);                  /* two residual adds and the output's skip */
    assert_int_equal(chanatt, 2);
    assert_int_equal(generic, 0);
    assert_true(2 * p->nsteps <= net->nlayers + 1);
    assert_true(p->nbufs < 8); /* 27 layers' values in a handful of buffers */
    /* one thread: the convolutions between the two channel attentions run
     * band by band, values read only there in rings of a few rows */
    assert_int_equal(p->nsegs, 3);
    size_t rings = 0;
    for (size_t i = 0; i < net->nlayers; i++)
        if (p->ring[i]) {
            rings++;
            assert_true(p->ring[i] < 32);
        }
    assert_true(rings >= 6);
    const size_t one = p->arena->cap;
    mc_nn_plan_free(p);
    /* two threads: each step split over them, whole planes, no segment */
    mc_nn_workers *wk = NULL;
    assert_int_equal(mc_nn_workers_new(&wk, 2, &err), MC_OK);
    assert_int_equal(mc_nn_plan_new(&p, net, 1, 256, 256, wk, NULL, &err), MC_OK);
    if (mc_nn_workers_count(wk) == 2) {
        assert_int_equal(p->nsegs, 0);
        assert_true(p->arena->cap > one);
    }
    mc_nn_plan_free(p);
    mc_nn_workers_free(wk);
    mc_nn_model_free(&m);
}

#define OK(e) assert_true((e) >= 0)

/* every inference layer type: the generic steps, fusion stopped where a value is read twice */
static void test_every_layer(void **state) {
    (void)state;
    mc_err err = {0};
    uint64_t seed = 11;
    mc_nn_net *net = NULL;
    int a, b, g, c;
    assert_int_equal(mc_nn_net_new(&net, "all", 3, 20, 22, &err), MC_OK);
    OK(a = mc_nn_conv(net, MC_NN_IN_NET, 8, 5, 1, 2, MC_NN_PAD_REFLECT, MC_NN_F_BIAS, &seed, &err));
    OK(a = mc_nn_layer1(net, MC_NN_INSTNORM, a, 1, &err));
    OK(a = mc_nn_layer1(net, MC_NN_LEAKY, a, 0.2f, &err));
    OK(b = mc_nn_conv(net, a, 8, 3, 2, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS | MC_NN_F_SN, &seed, &err));
    OK(b = mc_nn_layer1(net, MC_NN_TANH, b, 0, &err)); /* read twice below: the chain stops here */
    OK(c = mc_nn_layer2(net, MC_NN_MUL, b, b, &err));
    OK(c = mc_nn_deconv(net, c, 8, 3, 2, 1, 1, MC_NN_F_BIAS, &seed, &err));
    OK(c = mc_nn_layer2(net, MC_NN_ADD, c, a, &err));
    OK(c = mc_nn_resblock(net, c, 8, 1, &seed, &err));
    mc_nn_spec ca = {MC_NN_CHANATT, {c, MC_NN_IN_NONE}, 0, 0, 0, 0, 0, 0, 2, 0, 0};
    assert_int_equal(mc_nn_add(net, &ca, &seed, &c, &err), MC_OK);
    OK(c = mc_nn_spatial_attention(net, c, 4, &seed, &err));
    OK(c = mc_nn_layer1(net, MC_NN_ILN, c, 0.3f, &err));
    OK(g = mc_nn_layer1(net, MC_NN_GAP, c, 0, &err));
    OK(b = mc_nn_layer1(net, MC_NN_GMP, c, 0, &err));
    OK(b = mc_nn_layer2(net, MC_NN_CONCAT, g, b, &err));
    mc_nn_spec fc = {MC_NN_LINEAR, {b, MC_NN_IN_NONE}, 16, 0, 0, 0, 0, MC_NN_F_BIAS | MC_NN_F_SN, 0, 0, 0};
    assert_int_equal(mc_nn_add(net, &fc, &seed, &b, &err), MC_OK);
    OK(c = mc_nn_layer2(net, MC_NN_ADAILN, c, b, &err));
    OK(c = mc_nn_layer1(net, MC_NN_UPSAMPLE, c, 2, &err));
    OK(c = mc_nn_layer1(net, MC_NN_LAYERNORM, c, 1, &err));
    OK(c = mc_nn_conv(net, c, 2, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err));
    OK(c = mc_nn_layer1(net, MC_NN_SIGMOID, c, 0, &err));
    static const uint32_t sizes[][2] = {{20, 22}, {14, 10}, {4, 4}}; /* even: the deconv undoes a stride 2 */
    for (int threads = 1; threads <= 3; threads++) check_net(net, 2, 20, 22, sizes, 3, threads);
    mc_nn_net_free(net);
}

/* two networks, one arena: alternate runs stay right */
static void test_shared_arena(void **state) {
    (void)state;
    mc_err err = {0};
    uint64_t seed = 21;
    mc_nn_net *n1 = NULL, *n2 = NULL;
    assert_int_equal(mc_nn_net_new(&n1, "one", 2, 16, 16, &err), MC_OK);
    assert_int_equal(mc_nn_net_new(&n2, "two", 2, 16, 16, &err), MC_OK);
    int a;
    OK(a = mc_nn_conv(n1, MC_NN_IN_NET, 6, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err));
    OK(mc_nn_resblock(n1, a, 6, 1, &seed, &err));
    OK(a = mc_nn_conv(n2, MC_NN_IN_NET, 4, 3, 1, 1, MC_NN_PAD_REFLECT, MC_NN_F_BIAS, &seed, &err));
    OK(mc_nn_spatial_attention(n2, a, 2, &seed, &err));
    float *x = inputs(2 * 16 * 16, 3);
    size_t l1, l2;
    float *w1 = forward_copy(n1, 1, 16, 16, x, &l1), *w2 = forward_copy(n2, 1, 16, 16, x, &l2);
    mc_nn_plan *p1 = NULL, *p2 = NULL;
    assert_int_equal(mc_nn_plan_new(&p1, n1, 1, 16, 16, NULL, NULL, &err), MC_OK);
    assert_int_equal(mc_nn_plan_new(&p2, n2, 1, 16, 16, NULL, p1, &err), MC_OK);
    assert_ptr_equal(p1->arena, p2->arena);
    for (int r = 0; r < 3; r++) {
        size_t len;
        assert_int_equal(mc_nn_plan_run(p1, x, 16, 16, &err), MC_OK);
        assert_memory_equal(mc_nn_plan_output(p1, &len), w1, l1 * sizeof(float));
        assert_int_equal(mc_nn_plan_run(p2, x, 16, 16, &err), MC_OK);
        assert_memory_equal(mc_nn_plan_output(p2, &len), w2, l2 * sizeof(float));
    }
    mc_nn_plan_free(p1); /* the arena stays with p2 */
    assert_int_equal(mc_nn_plan_run(p2, x, 16, 16, &err), MC_OK);
    mc_nn_plan_free(p2);
    free(w1), free(w2), free(x);
    mc_nn_net_free(n1);
    mc_nn_net_free(n2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_models),
        cmocka_unit_test(test_fusion),
        cmocka_unit_test(test_every_layer),
        cmocka_unit_test(test_shared_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
