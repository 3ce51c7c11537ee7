/* nn_det_driver.c - determinism probe for the reference path (used by
 * test_nn_determinism.sh).  Builds a network with every inference layer type
 * from a fixed seed, runs it on a fixed input with the reference backend, and
 * writes the output floats (little-endian) followed by mc_nn_expf, tanhf and
 * sigmoidf over a grid of arguments to the file argv[1].  Compiled with several
 * compilers and flag sets, every build must write the same bytes. */
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

#define CK(e)                                                                                                      \
    do {                                                                                                           \
        if ((e) < 0) {                                                                                             \
            fprintf(stderr, "nn_det_driver: %s: %s\n", #e, err.msg);                                               \
            return 1;                                                                                              \
        }                                                                                                          \
    } while (0)

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: nn_det_driver OUT\n");
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
    free(x);
    mc_nn_net_free(net);
    return 0;
}
