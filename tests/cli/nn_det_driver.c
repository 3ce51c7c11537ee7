/* nn_det_driver.c - determinism probe for the reference path (used by
 * test_nn_determinism.sh).  Builds a network with every inference layer type
 * from a fixed seed, runs it on a fixed input with the reference backend, and
 * writes the output floats (little-endian) followed by mc_nn_expf, tanhf and
 * sigmoidf over a grid of arguments to the file argv[1].  Compiled with several
 * compilers and flag sets, every build must write the same bytes.  With
 * --wide: probe 2 (probe_wide below).  Both probes also run their network
 * through an inference plan (mc_nn_plan: fused convolutions, planned memory,
 * threads) and exit 3 unless its output has the bytes of mc_nn_forward; what
 * they write does not change. */
#include "nn/nn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(FILE *f, float v) {
    uint32_t u;
    memcpy(&u, &v, 4);
    unsigned char b[4] = {(unsigned char)u, (unsigned char)(u >> 8), (unsigned char)(u >> 16),
                          (unsigned char)(u >> 24)};
    fwrite(b, 1, 4, f);
}

/* The network again through a plan on the default threads: 0 when its
 * output equals `want` (n floats) byte for byte.  The plan takes the
 * network's activations, so callers copy what they still need first. */
static int plan_matches(mc_nn_net *net, uint32_t n, uint32_t h, uint32_t w, const float *x, const float *want,
                        size_t len) {
    mc_err err = {0};
    mc_nn_workers *wk = NULL;
    mc_nn_plan *p = NULL;
    size_t got_len = 0;
    int rc = mc_nn_workers_new(&wk, 0, &err);
    if (!rc) rc = mc_nn_plan_new(&p, net, n, h + 2, w + 4, wk, NULL, &err); /* planned larger than run */
    if (!rc) rc = mc_nn_plan_run(p, x, h, w, &err);
    if (rc) {
        fprintf(stderr, "nn_det_driver: plan: %s\n", err.msg);
    } else {
        const float *got = mc_nn_plan_output(p, &got_len);
        rc = got_len != len || memcmp(got, want, len * sizeof *got);
        if (rc) fprintf(stderr, "nn_det_driver: the plan's output differs from mc_nn_forward's\n");
    }
    mc_nn_plan_free(p);
    mc_nn_workers_free(wk);
    return rc;
}

#define CK(e)                                                                                                      \
    do {                                                                                                           \
        if ((e) < 0) {                                                                                             \
            fprintf(stderr, "nn_det_driver: %s: %s\n", #e, err.msg);                                               \
            return 1;                                                                                              \
        }                                                                                                          \
    } while (0)

/* Probe 2 (--wide): wider and deeper planes than probe 1, so that the
 * reference kernels' vector strips of every width, row tails, bands and
 * (in an OpenMP build) threads all run; every layer's output is written.
 * Its digest is pinned separately (probe 1's bytes are unchanged). */
static int probe_wide(const char *out) {
    mc_err err = {0};
    uint64_t seed = 77;
    mc_nn_net *net = NULL;
    int a, b, c;
    CK(mc_nn_net_new(&net, "wide", 3, 31, 31, &err)); /* odd sizes keep the two branches equal */
    CK(a = mc_nn_conv(net, MC_NN_IN_NET, 12, 5, 1, 2, MC_NN_PAD_REFLECT, MC_NN_F_BIAS, &seed, &err));
    CK(a = mc_nn_layer1(net, MC_NN_INSTNORM, a, 1, &err));
    CK(a = mc_nn_layer1(net, MC_NN_LEAKY, a, 0.2f, &err));
    CK(b = mc_nn_conv(net, a, 7, 3, 2, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err));
    CK(b = mc_nn_layer1(net, MC_NN_RELU, b, 0, &err));
    CK(b = mc_nn_conv(net, b, 17, 1, 1, 0, MC_NN_PAD_ZERO, 0, &seed, &err));
    CK(b = mc_nn_resblock(net, b, 17, 1, &seed, &err));
    mc_nn_spec ca = {MC_NN_CHANATT, {b, MC_NN_IN_NONE}, 0, 0, 0, 0, 0, 0, 3, 0, 0};
    CK(mc_nn_add(net, &ca, &seed, &b, &err));
    CK(b = mc_nn_layer1(net, MC_NN_UPSAMPLE, b, 2, &err));
    CK(b = mc_nn_conv(net, b, 5, 7, 1, 3, MC_NN_PAD_REFLECT, MC_NN_F_BIAS, &seed, &err));
    CK(b = mc_nn_layer1(net, MC_NN_LAYERNORM, b, 1, &err));
    CK(b = mc_nn_layer1(net, MC_NN_TANH, b, 0, &err));
    CK(c = mc_nn_conv(net, a, 5, 4, 1, 2, MC_NN_PAD_REFLECT, MC_NN_F_BIAS | MC_NN_F_SN, &seed, &err));
    CK(c = mc_nn_layer2(net, MC_NN_CONCAT, b, c, &err));
    CK(c = mc_nn_spatial_attention(net, c, 6, &seed, &err));
    CK(c = mc_nn_conv(net, c, 2, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err));
    CK(c = mc_nn_layer1(net, MC_NN_SIGMOID, c, 0, &err));
    /* input 45 x 157: odd widths below and above every vector strip */
    const uint32_t n = 2, h = 45, w = 157;
    CK(mc_nn_net_resize(net, n, h, w, &err));
    float *x = malloc((size_t)n * 3 * h * w * sizeof(float));
    if (!x) return 1;
    for (size_t i = 0; i < (size_t)n * 3 * h * w; i++) x[i] = 2.0f * mc_nn_randu(&seed) - 1.0f;
    CK(mc_nn_forward(net, x, &err));
    FILE *f = fopen(out, "wb");
    if (!f) return 1;
    for (size_t l = 0; l < net->nlayers; l++) {
        const mc_nn_layer *ly = &net->layers[l];
        for (size_t i = 0; i < (size_t)n * ly->c * ly->h * ly->w; i++) put(f, ly->out[i]);
    }
    if (fclose(f)) return 1;
    const size_t len = mc_nn_output_len(net);
    float *want = malloc(len * sizeof *want);
    if (!want) return 1;
    memcpy(want, mc_nn_output(net)->out, len * sizeof *want);
    if (plan_matches(net, n, h, w, x, want, len)) return 3;
    free(want);
    free(x);
    mc_nn_net_free(net);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "--wide")) return probe_wide(argv[2]);
    if (argc != 2) {
        fprintf(stderr, "usage: nn_det_driver [--wide] OUT\n");
        return 2;
    }
    mc_err err = {0};
    uint64_t seed = 20240607;
    mc_nn_net *net = NULL;
    int a, b, g;
    CK(mc_nn_net_new(&net, "det", 2, 24, 24, &err));
    CK(a = mc_nn_conv(net, MC_NN_IN_NET, 8, 7, 1, 3, MC_NN_PAD_REFLECT, MC_NN_F_BIAS, &seed, &err));
    CK(a = mc_nn_layer1(net, MC_NN_INSTNORM, a, 1, &err));
    CK(a = mc_nn_layer1(net, MC_NN_RELU, a, 0, &err));
    CK(a = mc_nn_conv(net, a, 12, 3, 2, 1, MC_NN_PAD_REFLECT, MC_NN_F_BIAS | MC_NN_F_SN, &seed, &err));
    CK(a = mc_nn_layer1(net, MC_NN_LAYERNORM, a, 1, &err));
    CK(a = mc_nn_layer1(net, MC_NN_LEAKY, a, 0.2f, &err));
    CK(a = mc_nn_resblock(net, a, 12, 1, &seed, &err));
    mc_nn_spec ca = {MC_NN_CHANATT, {a, MC_NN_IN_NONE}, 0, 0, 0, 0, 0, 0, 4, 0, 0};
    CK(mc_nn_add(net, &ca, &seed, &a, &err));
    CK(a = mc_nn_spatial_attention(net, a, 6, &seed, &err));
    CK(a = mc_nn_layer1(net, MC_NN_ILN, a, 0.3f, &err));
    CK(g = mc_nn_layer1(net, MC_NN_GAP, a, 0, &err));
    CK(b = mc_nn_layer1(net, MC_NN_GMP, a, 0, &err));
    CK(b = mc_nn_layer2(net, MC_NN_CONCAT, g, b, &err));
    mc_nn_spec fc = {MC_NN_LINEAR, {b, MC_NN_IN_NONE}, 24, 0, 0, 0, 0, MC_NN_F_BIAS | MC_NN_F_SN, 0, 0, 0};
    CK(mc_nn_add(net, &fc, &seed, &b, &err));
    CK(a = mc_nn_layer2(net, MC_NN_ADAILN, a, b, &err));
    CK(a = mc_nn_layer1(net, MC_NN_UPSAMPLE, a, 2, &err));
    CK(b = mc_nn_conv(net, a, 3, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err));
    CK(b = mc_nn_layer1(net, MC_NN_SIGMOID, b, 0, &err));
    CK(a = mc_nn_conv(net, a, 3, 3, 1, 1, MC_NN_PAD_REFLECT, 0, &seed, &err));
    CK(a = mc_nn_layer1(net, MC_NN_TANH, a, 0, &err));
    CK(a = mc_nn_layer2(net, MC_NN_MUL, a, b, &err));
    /* nudge rho and the norms' affine parameters off their defaults */
    for (size_t i = 0; i < net->nlayers; i++)
        for (size_t k = 0; k < net->layers[i].nparam; k++) {
            mc_nn_param *p = &net->layers[i].p[k];
            if (!strcmp(p->name, "rho") || !strcmp(p->name, "gamma") || !strcmp(p->name, "beta"))
                for (size_t j = 0; j < p->len; j++) p->w[j] += 0.2f * (mc_nn_randu(&seed) - 0.5f);
        }
    const uint32_t n = 2, h = 30, w = 34;
    CK(mc_nn_net_resize(net, n, h, w, &err));
    float *x = malloc((size_t)n * 2 * h * w * sizeof(float));
    if (!x) return 1;
    for (size_t i = 0; i < (size_t)n * 2 * h * w; i++) x[i] = 2.0f * mc_nn_randu(&seed) - 1.0f;
    CK(mc_nn_forward(net, x, &err));
    FILE *f = fopen(argv[1], "wb");
    if (!f) return 1;
    const mc_nn_layer *o = mc_nn_output(net);
    for (size_t i = 0; i < mc_nn_output_len(net); i++) put(f, o->out[i]);
    for (int i = -4000; i <= 4000; i++) {
        float v = (float)i * 0.0223f;
        put(f, mc_nn_expf(v));
        put(f, mc_nn_tanhf(v));
        put(f, mc_nn_sigmoidf(v));
    }
    if (fclose(f)) return 1;
    const size_t len = mc_nn_output_len(net);
    float *want = malloc(len * sizeof *want);
    if (!want) return 1;
    memcpy(want, o->out, len * sizeof *want);
    if (plan_matches(net, n, h, w, x, want, len)) return 3;
    free(want);
    free(x);
    mc_nn_net_free(net);
    return 0;
}
