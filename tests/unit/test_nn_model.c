/* test_nn_model.c - model files: exact round trip (weights, optimiser state,
 * outputs), encryption at rest (raw key, passphrase, wrong key, tampering),
 * and hostile files: every truncation, bit flips, and well-checksummed files
 * whose content lies (shapes, layer records, indices, NaN weights, versions,
 * trailing bytes) must give a clear error, never a crash. */
#define _GNU_SOURCE 1 /* memmem */
#include "testutil.h"

#include "medcrypt_lab.h"
#include "nn/nn.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CK(e) assert_true((e) >= 0)

/* two networks covering every parameterised layer type */
static void build_model(mc_nn_model *m) {
    mc_err err = {0};
    uint64_t seed = 3;
    mc_nn_model_init(m);
    snprintf(m->arch, sizeof m->arch, "test");
    assert_int_equal(mc_meta_set(&m->hp, "channels", "6"), MC_OK);
    assert_int_equal(mc_meta_set(&m->state, "epoch", "7"), MC_OK);
    mc_nn_net *g = NULL, *d = NULL;
    assert_int_equal(mc_nn_net_new(&g, "gen", 1, 16, 16, &err), MC_OK);
    m->net[m->nnets++] = g;
    int a;
    CK(a = mc_nn_conv(g, MC_NN_IN_NET, 6, 7, 1, 3, MC_NN_PAD_REFLECT, MC_NN_F_BIAS, &seed, &err));
    CK(a = mc_nn_layer1(g, MC_NN_INSTNORM, a, 1, &err));
    CK(a = mc_nn_resblock(g, a, 6, 1, &seed, &err));
    mc_nn_spec ca = {MC_NN_CHANATT, {a, MC_NN_IN_NONE}, 0, 0, 0, 0, 0, 0, 2, 0, 0};
    assert_int_equal(mc_nn_add(g, &ca, &seed, &a, &err), MC_OK);
    CK(a = mc_nn_spatial_attention(g, a, 3, &seed, &err));
    CK(a = mc_nn_layer1(g, MC_NN_ILN, a, 0.2f, &err));
    int p;
    CK(p = mc_nn_layer1(g, MC_NN_GAP, a, 0, &err));
    mc_nn_spec fc = {MC_NN_LINEAR, {p, MC_NN_IN_NONE}, 12, 0, 0, 0, 0, MC_NN_F_BIAS, 0, 0, 0};
    assert_int_equal(mc_nn_add(g, &fc, &seed, &p, &err), MC_OK);
    CK(a = mc_nn_layer2(g, MC_NN_ADAILN, a, p, &err));
    CK(a = mc_nn_conv(g, a, 6, 3, 2, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err));
    CK(a = mc_nn_deconv(g, a, 5, 3, 2, 1, 1, MC_NN_F_BIAS | MC_NN_F_SN, &seed, &err)); /* back to 16x16 */
    CK(a = mc_nn_conv(g, a, 1, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err));
    CK(a = mc_nn_layer1(g, MC_NN_TANH, a, 0, &err));
    assert_int_equal(mc_nn_net_new(&d, "disc", 1, 16, 16, &err), MC_OK);
    m->net[m->nnets++] = d;
    CK(a = mc_nn_conv(d, MC_NN_IN_NET, 4, 4, 2, 1, MC_NN_PAD_REFLECT, MC_NN_F_BIAS | MC_NN_F_SN, &seed, &err));
    CK(a = mc_nn_layer1(d, MC_NN_LEAKY, a, 0.2f, &err));
    CK(a = mc_nn_layer1(d, MC_NN_LAYERNORM, a, 1, &err));
    mc_nn_spec fc2 = {MC_NN_LINEAR, {a, MC_NN_IN_NONE}, 1, 0, 0, 0, 0, MC_NN_F_BIAS | MC_NN_F_SN, 0, 0, 0};
    assert_int_equal(mc_nn_add(d, &fc2, &seed, &a, &err), MC_OK);
    for (int k = 0; k < 2; k++) mc_nn_opt_default(&m->opt[k], MC_NN_ADAM, 1e-3f);
}

/* forward both nets on a fixed input; output bytes appended into out */
static size_t run_model(mc_nn_model *m, float *out) {
    mc_err err = {0};
    uint64_t seed = 77;
    float x[2 * 16 * 16];
    for (int i = 0; i < 512; i++) x[i] = 2.0f * mc_nn_randu(&seed) - 1.0f;
    size_t n = 0;
    for (size_t k = 0; k < m->nnets; k++) {
        assert_int_equal(mc_nn_net_resize(m->net[k], 2, 16, 16, &err), MC_OK);
        assert_int_equal(mc_nn_forward(m->net[k], x, &err), MC_OK);
        memcpy(out + n, mc_nn_output(m->net[k])->out, mc_nn_output_len(m->net[k]) * sizeof(float));
        n += mc_nn_output_len(m->net[k]);
    }
    return n;
}

static void test_roundtrip(void **state) {
    (void)state;
    mc_err err = {0};
    mc_nn_model m, l;
    build_model(&m);
    /* one optimiser step so m/v exist */
    float out0[2 * 256 + 2], out1[2 * 256 + 2];
    for (size_t k = 0; k < m.nnets; k++) {
        assert_int_equal(mc_nn_set_training(m.net[k], 1, 0, &err), MC_OK);
        run_model(&m, out0);
        for (size_t i = 0; i < m.net[k]->nlayers; i++)
            for (size_t p = 0; p < m.net[k]->layers[i].nparam; p++) m.net[k]->layers[i].p[p].g[0] = 0.5f;
        assert_int_equal(mc_nn_opt_step(&m.opt[k], m.net[k], &err), MC_OK);
    }
    size_t n0 = run_model(&m, out0);
    const char *path = mc_test_path("m.mcnn");
    assert_int_equal(mc_nn_model_save(&m, path, NULL, 1, &err), MC_OK);
    int rc = mc_nn_model_load(&l, path, NULL, &err);
    if (rc) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, MC_OK);
    assert_string_equal(l.arch, "test");
    assert_string_equal(mc_meta_get(&l.hp, "channels"), "6");
    assert_string_equal(mc_meta_get(&l.state, "epoch"), "7");
    assert_int_equal(l.nnets, 2);
    assert_true(l.has_opt);
    assert_non_null(mc_nn_model_net(&l, "disc"));
    assert_null(mc_nn_model_net(&l, "nope"));
    for (size_t k = 0; k < 2; k++) {
        assert_int_equal(l.opt[k].t, 1);
        assert_int_equal(l.net[k]->nlayers, m.net[k]->nlayers);
        for (size_t i = 0; i < m.net[k]->nlayers; i++) {
            const mc_nn_layer *a = &m.net[k]->layers[i], *b = &l.net[k]->layers[i];
            assert_memory_equal(&a->s, &b->s, sizeof a->s);
            for (size_t p = 0; p < a->nparam; p++) {
                assert_memory_equal(a->p[p].w, b->p[p].w, a->p[p].len * sizeof(float));
                assert_memory_equal(a->p[p].m, b->p[p].m, a->p[p].len * sizeof(float));
                assert_memory_equal(a->p[p].v, b->p[p].v, a->p[p].len * sizeof(float));
            }
            if (a->sn_u) assert_memory_equal(a->sn_u, b->sn_u, a->p[0].dims[0] * sizeof(float));
        }
    }
    size_t n1 = run_model(&l, out1);
    assert_int_equal(n0, n1);
    assert_memory_equal(out0, out1, n0 * sizeof(float)); /* bit-identical outputs */
    /* `medcrypt model info` names every layer, the transposed conv with its geometry */
    char *text = NULL;
    size_t tlen = 0;
    FILE *f = open_memstream(&text, &tlen);
    assert_non_null(f);
    assert_int_equal(mc_model_describe(path, NULL, 0, f, &err), MC_OK);
    fclose(f);
    assert_non_null(strstr(text, "deconv"));
    assert_non_null(strstr(text, "transposed 3x3/2 pad 1 output-pad 1 bias spectral-norm"));
    assert_non_null(strstr(text, "5 16 16")); /* its output shape */
    free(text);
    /* without the optimiser state: smaller, loads, no m/v */
    const char *path2 = mc_test_path("m2.mcnn");
    assert_int_equal(mc_nn_model_save(&m, path2, NULL, 0, &err), MC_OK);
    mc_nn_model_free(&l);
    assert_int_equal(mc_nn_model_load(&l, path2, NULL, &err), MC_OK);
    assert_false(l.has_opt);
    assert_null(l.net[0]->layers[0].p[0].m);
    mc_nn_model_free(&l);
    mc_nn_model_free(&m);
}

static void test_encrypted(void **state) {
    (void)state;
    mc_err err = {0};
    mc_nn_model m, l;
    build_model(&m);
    mc_key *k1 = NULL, *k2 = NULL, *pk = NULL;
    assert_int_equal(mc_key_generate(&k1, &err), MC_OK);
    assert_int_equal(mc_key_generate(&k2, &err), MC_OK);
    assert_int_equal(mc_key_from_passphrase(&pk, "correct horse", 13, &err), MC_OK);
    mc_key_set_pwhash_cost(pk, 1, 8u << 20);
    const char *path = mc_test_path("enc.mcnn");
    assert_int_equal(mc_nn_model_save(&m, path, k1, 0, &err), MC_OK);
    size_t len;
    uint8_t *buf = mc_test_slurp(path, &len);
    assert_int_equal(mc_nn_model_is_encrypted(buf, len), 1);
    /* the weights are not in the file in clear */
    const float *w = m.net[0]->layers[0].p[0].w;
    assert_null(memmem(buf, len, w, 16));
    assert_int_equal(mc_nn_model_load_mem(&l, buf, len, NULL, &err), MC_ERR_ARG);
    assert_int_equal(mc_nn_model_load_mem(&l, buf, len, k2, &err), MC_ERR_AUTH);
    assert_int_equal(mc_nn_model_load_mem(&l, buf, len, k1, &err), MC_OK);
    assert_memory_equal(l.net[0]->layers[0].p[0].w, w, m.net[0]->layers[0].p[0].len * sizeof(float));
    mc_nn_model_free(&l);
    for (size_t pos = 16; pos < len; pos += len / 37 + 1) { /* tampering anywhere after the header */
        buf[pos] ^= 0x20;
        int rc = mc_nn_model_load_mem(&l, buf, len, k1, &err);
        assert_true(rc == MC_ERR_AUTH || rc == MC_ERR_FORMAT);
        buf[pos] ^= 0x20;
    }
    assert_int_equal(mc_nn_model_load_mem(&l, buf, len - 1, k1, &err), MC_ERR_AUTH);
    free(buf);
    /* passphrase */
    const char *ppath = mc_test_path("pass.mcnn");
    assert_int_equal(mc_nn_model_save(&m, ppath, pk, 0, &err), MC_OK);
    assert_int_equal(mc_nn_model_load(&l, ppath, k1, &err), MC_ERR_ARG); /* raw key for a passphrase file */
    assert_non_null(strstr(err.msg, "passphrase"));
    assert_int_equal(mc_nn_model_load(&l, path, pk, &err), MC_ERR_ARG); /* and the other way round */
    assert_int_equal(mc_nn_model_load(&l, ppath, pk, &err), MC_OK);
    mc_nn_model_free(&l);
    mc_key *pk2 = NULL;
    assert_int_equal(mc_key_from_passphrase(&pk2, "correct horsf", 13, &err), MC_OK);
    assert_int_equal(mc_nn_model_load(&l, ppath, pk2, &err), MC_ERR_AUTH);
    mc_key_free(pk2);
    mc_key_free(k1);
    mc_key_free(k2);
    mc_key_free(pk);
    mc_nn_model_free(&m);
}

static void test_truncated_and_flipped(void **state) {
    (void)state;
    mc_err err = {0};
    mc_nn_model m, l;
    build_model(&m);
    const char *path = mc_test_path("c.mcnn");
    assert_int_equal(mc_nn_model_save(&m, path, NULL, 0, &err), MC_OK);
    mc_nn_model_free(&m);
    size_t len;
    uint8_t *buf = mc_test_slurp(path, &len);
    assert_int_equal(mc_nn_model_load_mem(&l, buf, len, NULL, &err), MC_OK);
    mc_nn_model_free(&l);
    size_t step = len / 400 + 1;
    for (size_t n = 0; n < len; n += (n < 200 ? 1 : step)) {
        int rc = mc_nn_model_load_mem(&l, buf, n, NULL, &err);
        assert_int_equal(rc, MC_ERR_FORMAT);
        assert_true(strlen(err.msg) > 0);
    }
    for (size_t pos = 0; pos < len; pos += (pos < 200 ? 1 : step)) {
        buf[pos] ^= 0x01;
        int rc = mc_nn_model_load_mem(&l, buf, len, NULL, &err);
        /* the flags word (offset 12) may turn "encrypted" on: then a key is asked for */
        assert_true(rc == MC_ERR_FORMAT || rc == MC_ERR_UNSUPPORTED || (pos == 12 && rc == MC_ERR_ARG));
        buf[pos] ^= 0x01;
    }
    free(buf);
}

/* ---- files whose checksum is right but whose content lies ---- */

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}
static void reseal(uint8_t *buf, size_t len) {
    crypto_generichash(buf + len - 64, 64, buf, len - 64, NULL, 0);
}

/* One net "n", one 1x1 conv 1->2 with bias; returns the layout offsets. */
typedef struct layout {
    size_t nlayers, rec, ntensors, w_name, w_dims, w_data, b_data, has_opt;
} layout;

static uint8_t *tiny(size_t *len, layout *L) {
    mc_err err = {0};
    mc_nn_model m;
    mc_nn_model_init(&m);
    snprintf(m.arch, sizeof m.arch, "t");
    uint64_t seed = 1;
    assert_int_equal(mc_nn_net_new(&m.net[0], "n", 1, 4, 4, &err), MC_OK);
    m.nnets = 1;
    assert_int_equal(mc_nn_conv(m.net[0], MC_NN_IN_NET, 2, 1, 1, 0, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err), 0);
    const char *path = mc_test_path("tiny.mcnn");
    assert_int_equal(mc_nn_model_save(&m, path, NULL, 0, &err), MC_OK);
    mc_nn_model_free(&m);
    uint8_t *buf = mc_test_slurp(path, len);
    size_t o = 16 + (4 + 1) + 4 + 4 + 4 /* nnets */ + (4 + 1) + 12;
    L->nlayers = o;
    L->rec = o + 4;
    L->ntensors = L->rec + 48;
    L->w_name = L->ntensors + 4;
    L->w_dims = L->w_name + 4 + 9 + 4;
    L->w_data = L->w_dims + 16;
    L->b_data = L->w_data + 8 + 4 + 7 + 4 + 16;
    L->has_opt = L->b_data + 8;
    assert_int_equal(L->has_opt + 4 + 64, *len);
    assert_memory_equal(buf + L->w_name + 4, "L0.weight", 9);
    return buf;
}

static void expect_bad(uint8_t *buf, size_t len, int want, const char *needle) {
    mc_err err = {0};
    mc_nn_model l;
    int rc = mc_nn_model_load_mem(&l, buf, len, NULL, &err);
    if (rc != want || (needle && !strstr(err.msg, needle))) {
        fprintf(stderr, "got %d '%s', want %d '%s'\n", rc, err.msg, want, needle ? needle : "");
        fail();
    }
    if (rc == MC_OK) mc_nn_model_free(&l);
}

static void test_lying_files(void **state) {
    (void)state;
    size_t len;
    layout L;
    uint8_t *orig = tiny(&len, &L), *b = malloc(len + 8);
    assert_non_null(b);
#define FRESH() memcpy(b, orig, len)
    FRESH();
    expect_bad(b, len, MC_OK, NULL);
    FRESH(); put32(b + L.w_dims, 3); reseal(b, len);                 /* weight shape 3x1x1x1 for 2 outputs */
    expect_bad(b, len, MC_ERR_FORMAT, "wrong shape");
    FRESH(); put32(b + L.rec, 99); reseal(b, len);                    /* unknown layer type */
    expect_bad(b, len, MC_ERR_FORMAT, "unknown type");
    FRESH(); put32(b + L.rec + 4, 5); reseal(b, len);                 /* input from a later layer */
    expect_bad(b, len, MC_ERR_FORMAT, "out of range");
    FRESH(); put32(b + L.rec + 16, 40); reseal(b, len);               /* kernel 40 */
    expect_bad(b, len, MC_ERR_FORMAT, "kernel");
    FRESH(); put32(b + L.rec + 16, 9); reseal(b, len);                /* kernel 9 on a 4x4 input */
    expect_bad(b, len, MC_ERR_FORMAT, "smaller than kernel");
    FRESH(); put32(b + L.nlayers, 0xffffffffu); reseal(b, len);       /* absurd layer count */
    expect_bad(b, len, MC_ERR_FORMAT, "layers");
    FRESH(); put32(b + L.ntensors, 1); reseal(b, len);                /* bias tensor missing */
    expect_bad(b, len, MC_ERR_FORMAT, NULL);
    FRESH(); memcpy(b + L.w_name + 4, "L0.wxight", 9); reseal(b, len); /* unknown tensor */
    expect_bad(b, len, MC_ERR_FORMAT, "matches no parameter");
    FRESH(); put32(b + L.w_data, 0x7fc00000u); reseal(b, len);        /* NaN weight */
    expect_bad(b, len, MC_ERR_FORMAT, "non-finite");
    FRESH(); put32(b + L.has_opt, 1); reseal(b, len);                 /* optimiser record promised, absent */
    expect_bad(b, len, MC_ERR_FORMAT, "truncated");
    FRESH(); put32(b + 8, 2); reseal(b, len);                         /* version 2 */
    expect_bad(b, len, MC_ERR_UNSUPPORTED, "version");
    FRESH(); b[0] = 'X';
    expect_bad(b, len, MC_ERR_FORMAT, "magic");
    /* trailing garbage inside the checksummed part */
    memcpy(b, orig, len - 64);
    memset(b + len - 64, 0, 4);
    reseal(b, len + 4);
    expect_bad(b, len + 4, MC_ERR_FORMAT, "trailing");
    /* an encrypted flag on a plain file: needs a key, then fails to open */
    FRESH(); put32(b + 12, 1);
    expect_bad(b, len, MC_ERR_ARG, "encrypted");
#undef FRESH
    free(b);
    free(orig);
}

static int teardown(void **state) {
    (void)state;
    mc_test_tmpdir_cleanup();
    return 0;
}

int main(void) {
    if (mc_init() != MC_OK) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_encrypted),
        cmocka_unit_test(test_truncated_and_flipped),
        cmocka_unit_test(test_lying_files),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
