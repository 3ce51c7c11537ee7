/* bench_nn.c - neural engine throughput as JSON (stdout).
 *
 *   sgemm        OpenBLAS's own sgemm, measured in this run: the shape of the
 *                conv layers' GEMM (C x 9C x HW) and a square 2048^3
 *   conv         one 3x3 C->C conv layer (C = 64), batch 16, forward+backward
 *                on the fast backend at 64x64 and 256x256: GFLOP/s and the
 *                ratio to sgemm at the same shape (the figure that matters)
 *   resnet       a ResNet block stack (conv 1->32, 2 residual blocks, conv
 *                32->1), batch 16, forward+backward: images/s, GFLOP/s
 *   inference    the same stack at 512x512, batch 1: reference path vs fast
 *                path, ms and ratio
 * Medians of --reps runs (default 3).  Threads: OpenMP's (all cores unless
 * OMP_NUM_THREADS or an affinity mask says otherwise; `make bench` pins to one
 * core, so run it directly for the 2-core figures). */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"
#include "nn/nn.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static float *rnd(size_t n, uint64_t *s) {
    float *p = malloc(n * sizeof(float));
    if (!p) {
        fprintf(stderr, "bench_nn: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) p[i] = mc_nn_randu(s) - 0.5f;
    return p;
}

/* sgemm GFLOP/s for C (m x n) = A (m x k) B (k x n) */
static double sgemm_gflops(int m, int n, int k, int reps) {
    uint64_t s = 1;
    float *a = rnd((size_t)m * k, &s), *b = rnd((size_t)k * n, &s), *c = rnd((size_t)m * n, &s);
    double t[16];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n); /* warm */
    for (int r = 0; r < reps; r++) {
        double t0 = mc_bench_now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
        t[r] = mc_bench_now() - t0;
    }
    free(a), free(b), free(c);
    return 2.0 * m * n * (double)k / mc_bench_median(t, reps) / 1e9;
}

static void die(const mc_err *e) {
    fprintf(stderr, "bench_nn: %s\n", e->msg);
    exit(1);
}

/* one conv layer, fwd + bwd, batch n, size hw, C -> C: GFLOP/s */
static double conv_gflops(uint32_t n, uint32_t hw, uint32_t C, int reps, double *sec) {
    const mc_nn_backend *be = mc_nn_backend_find("fast");
    mc_nn_conv_shape s = {n, C, hw, hw, C, hw, hw, 3, 1, 1, MC_NN_PAD_ZERO};
    uint64_t seed = 2;
    size_t nx = (size_t)n * C * hw * hw, nw = (size_t)C * C * 9;
    float *x = rnd(nx, &seed), *w = rnd(nw, &seed), *b = rnd(C, &seed), *y = rnd(nx, &seed);
    float *dx = rnd(nx, &seed), *dw = rnd(nw, &seed), *db = rnd(C, &seed);
    float *ws = malloc((be->conv_ws(&s) + 1) * sizeof(float));
    double t[16];
    if (!ws) exit(1);
    for (int r = 0; r < reps; r++) {
        double t0 = mc_bench_now();
        if (be->conv_fwd(&s, x, w, b, y, ws) || be->conv_bwd(&s, x, w, y, dx, dw, db, ws)) exit(1);
        t[r] = mc_bench_now() - t0;
    }
    *sec = mc_bench_median(t, reps);
    free(x), free(w), free(b), free(y), free(dx), free(dw), free(db), free(ws);
    const double macs = (double)n * hw * hw * C * C * 9;
    return 3.0 * 2.0 * macs / *sec / 1e9; /* forward, data gradient, weight gradient */
}

static mc_nn_net *stack(uint32_t C, uint32_t hw) {
    mc_err err = {0};
    mc_nn_net *net = NULL;
    uint64_t seed = 3;
    if (mc_nn_net_new(&net, "stack", 1, hw, hw, &err)) die(&err);
    int a = mc_nn_conv(net, MC_NN_IN_NET, C, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err);
    if (a >= 0) a = mc_nn_layer1(net, MC_NN_RELU, a, 0, &err);
    for (int i = 0; i < 2 && a >= 0; i++) a = mc_nn_resblock(net, a, C, 1, &seed, &err);
    if (a >= 0) a = mc_nn_conv(net, a, 1, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err);
    if (a < 0) die(&err);
    return net;
}

static double stack_macs(uint32_t C, uint32_t hw) { return (double)hw * hw * 9.0 * (C + 4.0 * C * C + C); }

static void resnet(uint32_t hw, int reps, double *ips, double *gflops) {
    const uint32_t C = 32, n = 16;
    mc_err err = {0};
    mc_nn_net *net = stack(C, hw);
    net->be = mc_nn_backend_find("fast");
    if (mc_nn_set_training(net, 1, 0, &err) || mc_nn_net_resize(net, n, hw, hw, &err)) die(&err);
    uint64_t seed = 4;
    float *x = rnd((size_t)n * hw * hw, &seed), *dy = rnd((size_t)n * hw * hw, &seed);
    double t[16];
    for (int r = 0; r < reps; r++) {
        double t0 = mc_bench_now();
        mc_nn_zero_grad(net);
        if (mc_nn_forward(net, x, &err) || mc_nn_backward(net, dy, &err)) die(&err);
        t[r] = mc_bench_now() - t0;
    }
    double sec = mc_bench_median(t, reps);
    *ips = n / sec;
    /* forward 2 MACs; backward: weight gradient everywhere, data gradient but for the first conv */
    const double m = stack_macs(C, hw), first = (double)hw * hw * 9.0 * C;
    *gflops = n * (2.0 * m + 2.0 * m + 2.0 * (m - first)) / sec / 1e9;
    free(x), free(dy);
    mc_nn_net_free(net);
}

static double infer_ms(const char *backend, uint32_t hw, int reps, float *out_first) {
    mc_err err = {0};
    mc_nn_net *net = stack(32, hw);
    net->be = mc_nn_backend_find(backend);
    if (mc_nn_net_resize(net, 1, hw, hw, &err)) die(&err);
    uint64_t seed = 5;
    float *x = rnd((size_t)hw * hw, &seed);
    double t[16];
    for (int r = 0; r < reps; r++) {
        double t0 = mc_bench_now();
        if (mc_nn_forward(net, x, &err)) die(&err);
        t[r] = mc_bench_now() - t0;
    }
    *out_first = mc_nn_output(net)->out[(size_t)hw * hw / 2 + hw / 2];
    free(x);
    mc_nn_net_free(net);
    return 1e3 * mc_bench_median(t, reps);
}

int main(int argc, char **argv) {
    int reps = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: mc_bench_nn [--reps N]\n");
            return 1;
        }
    }
    if (reps < 1 || reps > 15) reps = 3;
    const uint32_t C = 64;
    double g_sq = sgemm_gflops(2048, 2048, 2048, reps);
    double g64 = sgemm_gflops((int)C, 64 * 64, (int)C * 9, reps);
    double g256 = sgemm_gflops((int)C, 256 * 256, (int)C * 9, reps);
    double s64, s256;
    double c64 = conv_gflops(16, 64, C, reps, &s64), c256 = conv_gflops(16, 256, C, reps, &s256);
    double ips64, gf64, ips256, gf256;
    resnet(64, reps, &ips64, &gf64);
    resnet(256, reps, &ips256, &gf256);
    float vr, vf;
    double ms_fast = infer_ms("fast", 512, reps, &vf), ms_ref = infer_ms("ref", 512, reps, &vr);
    printf("{\n  \"bench\": \"nn\", ");
    mc_bench_machine(stdout);
    printf(",\n  \"threads\": %d,\n  \"reps\": %d,\n", mc_nn_threads(), reps);
    printf("  \"sgemm_gflops\": {\"square_2048\": %.2f, \"conv_shape_64x64\": %.2f, \"conv_shape_256x256\": %.2f},\n",
           g_sq, g64, g256);
    printf("  \"conv3x3_c64_batch16_fwd_bwd\": {\n");
    printf("    \"64x64\": {\"seconds\": %.4f, \"gflops\": %.2f, \"ratio_to_sgemm_same_shape\": %.3f, "
           "\"ratio_to_sgemm_square\": %.3f},\n", s64, c64, c64 / g64, c64 / g_sq);
    printf("    \"256x256\": {\"seconds\": %.4f, \"gflops\": %.2f, \"ratio_to_sgemm_same_shape\": %.3f, "
           "\"ratio_to_sgemm_square\": %.3f}\n  },\n", s256, c256, c256 / g256, c256 / g_sq);
    printf("  \"resnet_stack_c32_batch16_fwd_bwd\": {\n");
    printf("    \"64x64\": {\"images_per_s\": %.2f, \"gflops\": %.2f, \"ratio_to_sgemm_square\": %.3f},\n", ips64, gf64,
           gf64 / g_sq);
    printf("    \"256x256\": {\"images_per_s\": %.2f, \"gflops\": %.2f, \"ratio_to_sgemm_square\": %.3f}\n  },\n", ips256,
           gf256, gf256 / g_sq);
    printf("  \"inference_512x512_c32_stack\": {\"ref_ms\": %.1f, \"fast_ms\": %.1f, \"ref_over_fast\": %.2f, "
           "\"centre_output_ref\": %.6f, \"centre_output_fast\": %.6f}\n}\n",
           ms_ref, ms_fast, ms_ref / ms_fast, (double)vr, (double)vf);
    return 0;
}
