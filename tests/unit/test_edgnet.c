/* test_edgnet.c - EDG-Net's networks and training step (src/nn/arch_edgnet.c,
 * src/nn/edgnet_step.c): shapes, the CAM block's tied weights, numerical
 * gradient checks of the backward pass with gradients entering at the CAM
 * logits (generator and discriminator), and training steps. */
#include "testutil.h"

#include "nn/edgnet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H 1e-3
#define ATOL 3e-3
#define RTOL 3e-2

/* A model of the architecture with small hyperparameters. */
static void tiny_model(mc_nn_model *m, uint64_t seed) {
    static const char *const hp[] = {"ngf=2", "n_res=1", "ndf=2", "d_global=4", "d_local=3", "tile=16"};
    mc_err err = {0};
    mc_nn_model_init(m);
    assert_int_equal(mc_nn_arch_hp(&mc_nn_arch_edg_net, m, hp, 6, &err), MC_OK);
    if (mc_nn_arch_edg_net.build(m, seed, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        fail();
    }
    assert_int_equal(m->nnets, 6);
}

static void test_generator_shapes(void **state) {
    (void)state;
    mc_err err = {0};
    uint64_t seed = 7;
    mc_nn_net *g = NULL;
    assert_int_equal(mc_edgnet_generator(&g, "g", 4, 2, &seed, &err), MC_OK);
    static const uint32_t sizes[][2] = {{16, 16}, {64, 64}, {48, 32}, {20, 36}};
    for (size_t i = 0; i < 4; i++) {
        const uint32_t h = sizes[i][0], w = sizes[i][1];
        assert_int_equal(mc_nn_net_resize(g, 2, h, w, &err), MC_OK);
        float *x = calloc((size_t)2 * h * w, sizeof(float));
        for (size_t k = 0; k < (size_t)2 * h * w; k++) x[k] = (float)(mc_test_rand() % 2001) / 1000.0f - 1.0f;
        assert_int_equal(mc_nn_forward(g, x, &err), MC_OK);
        const mc_nn_layer *o = mc_nn_output(g);
        assert_int_equal(o->c, 1);
        assert_int_equal(o->h, h);
        assert_int_equal(o->w, w);
        for (size_t k = 0; k < (size_t)2 * h * w; k++) assert_true(o->out[k] >= -1.0f && o->out[k] <= 1.0f);
        free(x);
    }
    /* parameters: conv7 (1*4*49) + down (4*8*9 + 8*16*9) + 2 res blocks (2 * 2 * 16*16*9)
     * + CAM (2 x [gamma, beta] of 16, conv1x1 32*16 + 16) + MLP (16*16 * 2 + 16*32)
     * + 2 AdaILN blocks (2 x [2 x (16*16*9 + 16) + 2 x 16 rho]) + up (16*8*9 + 3*8 + 8*4*9 + 3*4) + conv7 (4*49) */
    const size_t want = 196 + 288 + 1152 + 9216 + 64 + 528 + 1024 + (size_t)2 * (2 * (2304 + 16) + 32) + 1152 + 24 + 288 + 12 +
                        196;
    assert_int_equal(mc_nn_param_count(g), want);
    mc_edgnet_cam cam;
    assert_int_equal(mc_edgnet_cam_layers(g, &cam, &err), MC_OK);
    assert_true(cam.gap < cam.gmp);
    mc_nn_net_free(g);
}

/* The CAM logits are w_a . gap(x) and w_m . gmp(x) with w_a, w_m the betas of
 * the "learned vector" layers, which output exactly their beta. */
static void test_cam_logits(void **state) {
    (void)state;
    mc_err err = {0};
    uint64_t seed = 3;
    mc_nn_net *g = NULL;
    assert_int_equal(mc_edgnet_generator(&g, "g", 2, 1, &seed, &err), MC_OK);
    assert_int_equal(mc_nn_net_resize(g, 1, 16, 16, &err), MC_OK);
    float x[256];
    for (int i = 0; i < 256; i++) x[i] = (float)((i * 37) % 101) / 50.0f - 1.0f;
    assert_int_equal(mc_nn_forward(g, x, &err), MC_OK);
    mc_edgnet_cam cam;
    assert_int_equal(mc_edgnet_cam_layers(g, &cam, &err), MC_OK);
    const mc_nn_layer *ta = &g->layers[cam.gap], *tm = &g->layers[cam.gmp];
    const mc_nn_layer *gap = &g->layers[ta->s.in[0]], *wa = &g->layers[ta->s.in[1]];
    const mc_nn_layer *gmp = &g->layers[tm->s.in[0]], *wm = &g->layers[tm->s.in[1]];
    assert_int_equal(gap->s.type, MC_NN_GAP);
    assert_int_equal(gmp->s.type, MC_NN_GMP);
    assert_int_equal(wa->s.type, MC_NN_INSTNORM);
    double la = 0, lm = 0;
    for (uint32_t c = 0; c < ta->c; c++) {
        assert_memory_equal(&wa->out[c], &wa->p[1].w[c], sizeof(float)); /* = beta, bit for bit */
        assert_memory_equal(&wm->out[c], &wm->p[1].w[c], sizeof(float));
        assert_true(wa->p[1].w[c] != 0.0f);
        la += (double)wa->p[1].w[c] * gap->out[c];
        lm += (double)wm->p[1].w[c] * gmp->out[c];
    }
    float lg[2];
    mc_edgnet_cam_logits(g, &cam, 0, 1, lg);
    assert_true(fabs(lg[0] - la) < 1e-5 && fabs(lg[1] - lm) < 1e-5);
    mc_nn_net_free(g);
}

/* L = sum(out * r) + sum_k (a_k gap_logit_k + b_k gmp_logit_k) */
typedef struct gc {
    mc_nn_net *net;
    mc_edgnet_cam cam;
    float *x;
    double *r, ab[4];
    size_t nout;
} gc;

static double loss_of(gc *g) {
    mc_err err = {0};
    assert_int_equal(mc_nn_forward(g->net, g->x, &err), MC_OK);
    const mc_nn_layer *o = mc_nn_output(g->net);
    double L = 0;
    for (size_t i = 0; i < g->nout; i++) L += (double)o->out[i] * g->r[i];
    float lg[4];
    mc_edgnet_cam_logits(g->net, &g->cam, 0, 2, lg);
    for (int k = 0; k < 4; k++) L += g->ab[k] * lg[k];
    return L;
}

static int close_enough(double a, double n) { return fabs(a - n) <= ATOL + RTOL * fmax(fabs(a), fabs(n)); }

/* Central difference of L in v[i] with step h (the steps actually taken). */
static double central(gc *g, float *v, size_t i, double h, double *right, double *left) {
    const float orig = v[i];
    const double L0 = loss_of(g);
    v[i] = orig + (float)h;
    const double hp = (double)v[i] - orig, Lp = loss_of(g);
    v[i] = orig - (float)h;
    const double hm = orig - (double)v[i], Lm = loss_of(g);
    v[i] = orig;
    if (right) *right = (Lp - L0) / hp, *left = (L0 - Lm) / hm;
    return (Lp - Lm) / (hp + hm);
}

/* Up to 60 elements of v.  The networks are piecewise smooth with many
 * kinks (ReLU, max pooling, instance norms of small planes), so an element
 * whose one-sided slopes disagree is skipped, and an element may miss the
 * tolerance when a kink lies within the step: a tensor passes when at most
 * a fifth of its elements miss (a wrong gradient misses nearly all). */
static void check_vec(gc *g, float *v, const float *an, size_t len, const char *what, size_t *checked, size_t *kinks,
                      size_t *missed) {
    const size_t step = len > 60 ? len / 60 + 1 : 1;
    size_t n = 0, miss = 0;
    for (size_t i = 0; i < len; i += step) {
        double right, left;
        const double num = central(g, v, i, H, &right, &left);
        (*checked)++;
        if (!close_enough(right, left)) {
            (*kinks)++;
            continue;
        }
        n++;
        if (!close_enough(an[i], num)) {
            miss++;
            fprintf(stderr, "(%s %s[%zu]: analytic %.6g, numerical %.6g)\n", g->net->name, what, i, (double)an[i], num);
        }
    }
    if (miss * 5 > n) {
        fprintf(stderr, "%s %s: %zu of %zu elements disagree\n", g->net->name, what, miss, n);
        fail();
    }
    *missed += miss;
}

static void gradcheck(mc_nn_net *net, uint32_t size) {
    mc_err err = {0};
    gc g = {0};
    g.net = net;
    assert_int_equal(mc_edgnet_cam_layers(net, &g.cam, &err), MC_OK);
    assert_int_equal(mc_nn_set_training(net, 1, 1, &err), MC_OK);
    assert_int_equal(mc_nn_net_resize(net, 2, size, size, &err), MC_OK);
    const size_t nx = (size_t)2 * size * size;
    g.x = malloc(nx * sizeof(float));
    for (size_t i = 0; i < nx; i++) g.x[i] = (float)(mc_test_rand() % 2001) / 1000.0f - 1.0f;
    (void)loss_of(&g);
    g.nout = mc_nn_output_len(net);
    g.r = malloc(g.nout * sizeof(double));
    float *dy = malloc(g.nout * sizeof(float)), dcam[4];
    for (size_t i = 0; i < g.nout; i++) dy[i] = (float)(g.r[i] = (double)(mc_test_rand() % 2001) / 1000.0 - 1.0);
    for (int k = 0; k < 4; k++) dcam[k] = (float)(g.ab[k] = (double)(mc_test_rand() % 2001) / 1000.0 - 1.0);
    (void)loss_of(&g);
    mc_nn_zero_grad(net);
    assert_int_equal(mc_edgnet_backward(net, dy, &g.cam, dcam, &err), MC_OK);
    size_t checked = 0, kinks = 0, missed = 0;
    float *dx = malloc(nx * sizeof(float));
    memcpy(dx, net->input_delta, nx * sizeof(float));
    check_vec(&g, g.x, dx, nx, "input", &checked, &kinks, &missed);
    for (size_t i = 0; i < net->nlayers; i++)
        for (size_t k = 0; k < net->layers[i].nparam; k++) {
            mc_nn_param *p = &net->layers[i].p[k];
            float *an = malloc(p->len * sizeof(float));
            memcpy(an, p->g, p->len * sizeof(float));
            char what[64];
            snprintf(what, sizeof what, "L%zu.%s", i, p->name);
            check_vec(&g, p->w, an, p->len, what, &checked, &kinks, &missed);
            free(an);
        }
    assert_true(checked > 100);
    /* the CAM logits' gradients matter: without them the input gradient differs */
    (void)loss_of(&g);
    assert_int_equal(mc_edgnet_backward(net, dy, &g.cam, NULL, &err), MC_OK);
    double diff = 0;
    for (size_t i = 0; i < nx; i++) diff = fmax(diff, fabs((double)net->input_delta[i] - dx[i]));
    assert_true(diff > 1e-4);
    fprintf(stderr, "%s: %zu elements checked, %zu on kinks, %zu missed\n", net->name, checked, kinks, missed);
    assert_true(kinks * 4 <= checked && missed * 20 <= checked);
    free(dx);
    free(dy);
    free(g.r);
    free(g.x);
}

static void test_gradients(void **state) {
    (void)state;
    mc_nn_model m;
    tiny_model(&m, 11);
    gradcheck(mc_nn_model_net(&m, MC_EDGNET_ENC), 16);
    gradcheck(mc_nn_model_net(&m, MC_EDGNET_D_CG), 16);
    gradcheck(mc_nn_model_net(&m, MC_EDGNET_D_PL), 16);
    mc_nn_model_free(&m);
}

static double param_sum(const mc_nn_net *net) {
    double s = 0;
    for (size_t i = 0; i < net->nlayers; i++)
        for (size_t k = 0; k < net->layers[i].nparam; k++)
            for (size_t j = 0; j < net->layers[i].p[k].len; j++) s += fabs((double)net->layers[i].p[k].w[j]);
    return s;
}

/* Steps run on both backends, update every network, report a finite loss,
 * and are reproducible from the generator state. */
static void test_step(void **state) {
    (void)state;
    mc_err err = {0};
    mc_nn_batch b = {2, 1, 16, 16, NULL};
    b.x = malloc(2 * 256 * sizeof(float));
    for (int i = 0; i < 512; i++) b.x[i] = (float)((i * 7919) % 255) / 127.5f - 1.0f;
    double first = 0;
    for (int run = 0; run < 2; run++) {
        mc_nn_model m;
        tiny_model(&m, 5);
        double before[6];
        for (size_t i = 0; i < 6; i++) before[i] = param_sum(m.net[i]);
        if (run) /* the fast backend trains too */
            for (size_t i = 0; i < 6; i++) m.net[i]->be = mc_nn_backend_find("fast");
        uint64_t rng = 99;
        double loss = 0;
        for (int s = 0; s < 3; s++) {
            if (mc_nn_arch_edg_net.step(&m, &b, &rng, &loss, &err)) {
                fprintf(stderr, "%s\n", err.msg);
                fail();
            }
            assert_true(isfinite(loss) && loss > 0);
        }
        for (size_t i = 0; i < 6; i++) assert_true(param_sum(m.net[i]) != before[i]);
        if (!run) first = loss;
        else assert_true(fabs(loss - first) < 1e-2 * first); /* same data and draws, other kernels */
        mc_nn_model_free(&m);
    }
    /* a finished model (generators only) cannot be trained */
    mc_nn_model m;
    tiny_model(&m, 5);
    m.nnets = 2;
    double loss;
    uint64_t rng = 1;
    assert_int_equal(mc_nn_arch_edg_net.step(&m, &b, &rng, &loss, &err), MC_ERR_ARG);
    m.nnets = 6;
    mc_nn_model_free(&m);
    free(b.x);
}


/* ------------------------------------------------------------ the scheme */

/* A tiny finished model (generators only, tile 16) as file bytes, plain or
 * encrypted under key. */
static uint8_t *tiny_model_bytes(size_t *len, uint64_t seed, const mc_key *key) {
    mc_nn_model m;
    tiny_model(&m, seed);
    for (size_t i = 2; i < m.nnets; i++) mc_nn_net_free(m.net[i]);
    m.nnets = 2;
    mc_err err = {0};
    const char *path = mc_test_path("tiny.mcnn");
    assert_int_equal(mc_nn_model_save(&m, path, key, 0, &err), MC_OK);
    mc_nn_model_free(&m);
    return mc_test_slurp(path, len);
}

/* A copy with the metadata and the aux blob. */
static mc_image *full_copy(const mc_image *img) {
    mc_image *c = mc_test_clone(img);
    mc_err err = {0};
    c->meta = img->meta;
    c->has_meta = img->has_meta;
    assert_int_equal(mc_image_set_aux(c, img->aux, img->aux_len, &err), MC_OK);
    return c;
}

static void roundtrip(mc_image *img, const mc_opts *o, const mc_key *key) {
    mc_err err = {0};
    mc_image *c = mc_test_clone(img);
    assert_int_equal(mc_encrypt(c, "edg-net", MC_PROFILE_HARDENED, NULL, 0, key, o, &err), MC_OK);
    assert_true(c->aux_len > 0);
    assert_memory_not_equal(c->pixels, img->pixels, img->nbytes);
    if (mc_decrypt(c, key, o, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        fail();
    }
    assert_memory_equal(c->pixels, img->pixels, img->nbytes);
    mc_image_free(c);
}

static void test_scheme_exact(void **state) {
    (void)state;
    mc_err err = {0};
    mc_key *key = NULL;
    assert_int_equal(mc_key_generate(&key, &err), MC_OK);
    size_t len = 0;
    uint8_t *model = tiny_model_bytes(&len, 21, NULL);
    mc_opts o = {0};
    o.model = model, o.model_len = len;
    static const struct { uint32_t w, h, d; unsigned ch, bits; int sgn; } cases[] = {
        {37, 53, 1, 1, 8, 0}, {70, 90, 1, 1, 16, 1}, {40, 40, 1, 3, 8, 0}, {20, 24, 3, 1, 16, 0}, {5, 3, 1, 1, 8, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mc_image *img = NULL;
        assert_int_equal(mc_image_new(&img, cases[i].w, cases[i].h, cases[i].d, cases[i].ch, cases[i].bits, cases[i].sgn,
                                      NULL, &err),
                         MC_OK);
        for (size_t k = 0; k < img->nbytes; k++) ((uint8_t *)img->pixels)[k] = (uint8_t)(k * 7 / 3 + (k / 97) * 13);
        roundtrip(img, &o, key);
        mc_image_free(img);
    }
    /* the same plain image twice: unrelated ciphers (the nonce) */
    mc_image *img = mc_test_random_image(32, 32, 1, 8, 0), *a = mc_test_clone(img), *b = mc_test_clone(img);
    assert_int_equal(mc_encrypt(a, "edg-net", MC_PROFILE_HARDENED, NULL, 0, key, &o, &err), MC_OK);
    assert_int_equal(mc_encrypt(b, "edg-net", MC_PROFILE_HARDENED, NULL, 0, key, &o, &err), MC_OK);
    size_t same = 0;
    for (size_t k = 0; k < img->nbytes; k++) same += ((uint8_t *)a->pixels)[k] == ((uint8_t *)b->pixels)[k];
    assert_true(same < img->nbytes / 32);
    /* another model: authentication error; none (the built-in one): missing model */
    size_t len2 = 0;
    uint8_t *other = tiny_model_bytes(&len2, 22, NULL);
    mc_opts o2 = {0};
    o2.model = other, o2.model_len = len2;
    mc_image *c = full_copy(a);
    assert_int_equal(mc_decrypt(c, key, &o2, &err), MC_ERR_AUTH);
    assert_memory_equal(c->pixels, a->pixels, a->nbytes);
    assert_int_not_equal(mc_decrypt(c, key, NULL, &err), MC_OK);
    mc_image_free(c);
    mc_image_free(a), mc_image_free(b), mc_image_free(img);
    free(other);
    free(model);
    mc_key_free(key);
}

/* paper: deterministic and lossy; the cipher is the generator's output */
static void test_scheme_paper(void **state) {
    (void)state;
    mc_err err = {0};
    mc_key *key = NULL;
    assert_int_equal(mc_key_generate(&key, &err), MC_OK);
    size_t len = 0;
    uint8_t *model = tiny_model_bytes(&len, 23, NULL);
    mc_opts o = {0};
    o.model = model, o.model_len = len;
    o.flags = MC_DECRYPT_UNAUTHENTICATED;
    mc_image *img = mc_test_random_image(48, 40, 1, 8, 0), *a = mc_test_clone(img), *b = mc_test_clone(img);
    assert_int_equal(mc_encrypt(a, "edg-net", MC_PROFILE_PAPER, NULL, 0, key, &o, &err), MC_OK);
    assert_int_equal(mc_encrypt(b, "edg-net", MC_PROFILE_PAPER, NULL, 0, key, &o, &err), MC_OK);
    assert_memory_equal(a->pixels, b->pixels, img->nbytes);
    assert_int_equal(a->aux_len, 0);
    assert_int_equal(mc_decrypt(a, key, &o, &err), MC_OK);
    assert_int_equal(mc_decrypt(b, key, &o, &err), MC_OK);
    assert_memory_equal(a->pixels, b->pixels, img->nbytes);
    mc_image_free(a), mc_image_free(b), mc_image_free(img);
    free(model);
    mc_key_free(key);
}

/* A secret model encrypted under a key opens with that key only. */
static void test_scheme_secret_model(void **state) {
    (void)state;
    mc_err err = {0};
    mc_key *key = NULL, *other = NULL;
    assert_int_equal(mc_key_generate(&key, &err), MC_OK);
    assert_int_equal(mc_key_generate(&other, &err), MC_OK);
    size_t len = 0;
    uint8_t *model = tiny_model_bytes(&len, 24, key);
    assert_int_equal(mc_nn_model_is_encrypted(model, len), 1);
    mc_opts o = {0};
    o.model = model, o.model_len = len;
    mc_image *img = mc_test_random_image(20, 20, 1, 8, 0);
    roundtrip(img, &o, key); /* opened with the call's key */
    mc_image *c = mc_test_clone(img);
    assert_int_equal(mc_encrypt(c, "edg-net", MC_PROFILE_PAPER, NULL, 0, other, &o, &err), MC_ERR_AUTH);
    mc_image_free(c);
    c = mc_test_clone(img);
    o.model_key = key; /* an explicit model key, another image key */
    assert_int_equal(mc_encrypt(c, "edg-net", MC_PROFILE_HARDENED, NULL, 0, other, &o, &err), MC_OK);
    assert_int_equal(mc_decrypt(c, other, &o, &err), MC_OK);
    assert_memory_equal(c->pixels, img->pixels, img->nbytes);
    mc_image_free(c);
    mc_image_free(img);
    free(model);
    mc_key_free(key);
    mc_key_free(other);
}

int main(void) {
    if (mc_init()) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generator_shapes),
        cmocka_unit_test(test_cam_logits),
        cmocka_unit_test(test_gradients),
        cmocka_unit_test(test_step),
        cmocka_unit_test(test_scheme_exact),
        cmocka_unit_test(test_scheme_paper),
        cmocka_unit_test(test_scheme_secret_model),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    mc_test_tmpdir_cleanup();
    return rc;
}
