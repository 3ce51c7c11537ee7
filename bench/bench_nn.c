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
 *   ref_vs_fast  (threads 1 and 2, set in the run) a 3x3 C->C conv forward
 *                (C = 16 and 8) at 512x512, batch 1, zero and reflection
 *                padding: GFLOP/s of both paths and fast/ref; the 512x512
 *                stack and a small attention network (conv 2->8, two
 *                residual blocks of 8 channels each followed by channel and
 *                spatial attention, conv 8->1, sigmoid): ms of both paths;
 *                on one thread also the ref conv 16->16 with each kernel set
 *                (scalar, portable 4-lane, AVX2, AVX-512; 0 = not on this CPU).
 * Medians of --reps runs (default 3).  Threads: the fast path's are
 * OpenMP's (all cores unless OMP_NUM_THREADS or an affinity mask says
 * otherwise; `make bench` pins to one core, so run it directly for the
 * 2-core figures), the reference path's the engine's own (nn_workers.c:
 * MEDCRYPT_THREADS or the affinity mask); the ref_vs_fast cases set both
 * thread counts themselves.  --ref-only: only the inference and ref_vs_fast
 * cases (the reference path's figures, quickly). */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"
#include "nn/nn.h"

#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif
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

/* The reference path's threads (the engine's own, set per case) */
static mc_nn_workers *g_ref_workers;

/* OpenMP (the fast backend), OpenBLAS (its sgemm) and the reference path's threads */
static void set_threads(int t) {
    if (t < 1) return;
#ifdef _OPENMP
    omp_set_num_threads(t);
#endif
    openblas_set_num_threads(t);
    mc_nn_workers_free(g_ref_workers);
    g_ref_workers = NULL;
    mc_err err = {0};
    if (mc_nn_workers_new(&g_ref_workers, t, &err)) die(&err);
}

/* one conv forward, batch 1, hw x hw, C -> C, 3x3 pad 1, on backend be: seconds (median) */
static double conv_fwd_sec(const char *backend, uint32_t hw, uint32_t C, mc_nn_pad pm, int reps) {
    const mc_nn_backend *be = mc_nn_backend_find(backend);
    mc_nn_conv_shape s = {1, C, hw, hw, C, hw, hw, 3, 1, 1, pm};
    uint64_t seed = 6;
    size_t nx = (size_t)C * hw * hw, nw = (size_t)C * C * 9;
    float *x = rnd(nx, &seed), *w = rnd(nw, &seed), *b = rnd(C, &seed), *y = rnd(nx, &seed);
    float *ws = malloc((be->conv_ws(&s) + 1) * sizeof(float));
    double t[16];
    if (!ws) exit(1);
    const int ref = be == &mc_nn_backend_ref;
    if (ref ? mc_nn_ref_conv_fwd_mt(&s, x, w, b, y, g_ref_workers) : be->conv_fwd(&s, x, w, b, y, ws)) exit(1); /* warm */
    for (int r = 0; r < reps; r++) {
        double t0 = mc_bench_now();
        if (ref ? mc_nn_ref_conv_fwd_mt(&s, x, w, b, y, g_ref_workers) : be->conv_fwd(&s, x, w, b, y, ws)) exit(1);
        t[r] = mc_bench_now() - t0;
    }
    free(x), free(w), free(b), free(y), free(ws);
    return mc_bench_median(t, reps);
}

/* the reference conv forward (3x3 C->C, 512x512, zero padding, one thread)
 * with kernel set isa: GFLOP/s, 0 if the machine lacks it */
static double ref_set_gflops(int isa, uint32_t C, int reps) {
    const uint32_t hw = 512;
    mc_nn_conv_shape s = {1, C, hw, hw, C, hw, hw, 3, 1, 1, MC_NN_PAD_ZERO};
    uint64_t seed = 6;
    size_t nx = (size_t)C * hw * hw, nw = (size_t)C * C * 9;
    float *x = rnd(nx, &seed), *w = rnd(nw, &seed), *b = rnd(C, &seed), *y = rnd(nx, &seed);
    double t[16], g = 0;
    if (!mc_nn_ref_conv_fwd_with(isa, 1, &s, x, w, b, y)) {
        for (int r = 0; r < reps; r++) {
            double t0 = mc_bench_now();
            if (mc_nn_ref_conv_fwd_with(isa, 1, &s, x, w, b, y)) exit(1);
            t[r] = mc_bench_now() - t0;
        }
        g = 2.0 * hw * hw * 9.0 * C * C / mc_bench_median(t, reps) / 1e9;
    }
    free(x), free(w), free(b), free(y);
    return g;
}

/* conv 2->8, 2 x (residual block of 8, channel attention r=2, spatial attention hid 4), conv 8->1, sigmoid */
static mc_nn_net *attnet(uint32_t hw) {
    mc_err err = {0};
    mc_nn_net *net = NULL;
    uint64_t seed = 7;
    if (mc_nn_net_new(&net, "attnet", 2, hw, hw, &err)) die(&err);
    int a = mc_nn_conv(net, MC_NN_IN_NET, 8, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err);
    if (a >= 0) a = mc_nn_layer1(net, MC_NN_RELU, a, 0, &err);
    for (int i = 0; i < 2 && a >= 0; i++) {
        a = mc_nn_resblock(net, a, 8, 1, &seed, &err);
        if (a >= 0) {
            mc_nn_spec ca = {MC_NN_CHANATT, {a, MC_NN_IN_NONE}, 0, 0, 0, 0, 0, 0, 2, 0, 0};
            if (mc_nn_add(net, &ca, &seed, &a, &err)) a = -1;
        }
        if (a >= 0) a = mc_nn_spatial_attention(net, a, 4, &seed, &err);
    }
    if (a >= 0) a = mc_nn_conv(net, a, 1, 3, 1, 1, MC_NN_PAD_ZERO, MC_NN_F_BIAS, &seed, &err);
    if (a >= 0) a = mc_nn_layer1(net, MC_NN_SIGMOID, a, 0, &err);
    if (a < 0) die(&err);
    return net;
}

/* inference of net (in_c channels) at hw x hw, batch 1: ms (median); *out_sum: sum of the outputs */
static double net_ms(mc_nn_net *net, const char *backend, uint32_t hw, int reps, double *out_sum) {
    mc_err err = {0};
    net->be = mc_nn_backend_find(backend);
    if (g_ref_workers) mc_nn_net_set_workers(net, g_ref_workers);
    if (mc_nn_net_resize(net, 1, hw, hw, &err)) die(&err);
    uint64_t seed = 8;
    float *x = rnd((size_t)net->in_c * hw * hw, &seed);
    double t[16];
    if (mc_nn_forward(net, x, &err)) die(&err); /* warm */
    for (int r = 0; r < reps; r++) {
        double t0 = mc_bench_now();
        if (mc_nn_forward(net, x, &err)) die(&err);
        t[r] = mc_bench_now() - t0;
    }
    double sum = 0;
    for (size_t i = 0; i < mc_nn_output_len(net); i++) sum += mc_nn_output(net)->out[i];
    *out_sum = sum;
    free(x);
    return 1e3 * mc_bench_median(t, reps);
}

/* the ref_vs_fast object for thread count t */
static void ref_vs_fast(int t, int reps, int last) {
    set_threads(t);
    const uint32_t hw = 512;
    printf("    \"threads_%d\": {\n", t);
    static const uint32_t cs[] = {16, 8};
    for (size_t i = 0; i < 2; i++)
        for (int pm = 0; pm < 2; pm++) {
            const uint32_t C = cs[i];
            const double flop = 2.0 * hw * hw * 9.0 * C * C;
            double sr = conv_fwd_sec("ref", hw, C, (mc_nn_pad)pm, reps);
            double sf = conv_fwd_sec("fast", hw, C, (mc_nn_pad)pm, reps);
            printf("      \"conv3x3_%u_to_%u_512x512_fwd_%s\": {\"ref_ms\": %.2f, \"fast_ms\": %.2f, "
                   "\"ref_gflops\": %.2f, \"fast_gflops\": %.2f, \"ref_over_fast\": %.2f},\n",
                   C, C, pm ? "reflect" : "zero", 1e3 * sr, 1e3 * sf, flop / sr / 1e9, flop / sf / 1e9, sr / sf);
        }
    if (t == 1) {
        static const char *names[] = {"scalar", "vec4", "avx2", "avx512"};
        printf("      \"ref_conv3x3_16_to_16_512x512_gflops_by_kernel_set\": {");
        for (int k = MC_NN_REF_SCALAR; k <= MC_NN_REF_AVX512; k++)
            printf("\"%s\": %.2f%s", names[k - MC_NN_REF_SCALAR], ref_set_gflops(k, 16, reps),
                   k < MC_NN_REF_AVX512 ? ", " : "},\n");
    }
    double sum_r, sum_f;
    mc_nn_net *net = stack(32, hw);
    double mr = net_ms(net, "ref", hw, reps, &sum_r), mf = net_ms(net, "fast", hw, reps, &sum_f);
    mc_nn_net_free(net);
    printf("      \"stack_c32_512x512\": {\"ref_ms\": %.1f, \"fast_ms\": %.1f, \"ref_over_fast\": %.2f, "
           "\"output_sum_ref\": %.6f, \"output_sum_fast\": %.6f},\n", mr, mf, mr / mf, sum_r, sum_f);
    net = attnet(hw);
    mr = net_ms(net, "ref", hw, reps, &sum_r);
    mf = net_ms(net, "fast", hw, reps, &sum_f);
    mc_nn_net_free(net);
    printf("      \"attention_net_c8_512x512\": {\"ref_ms\": %.1f, \"fast_ms\": %.1f, \"ref_over_fast\": %.2f, "
           "\"output_sum_ref\": %.6f, \"output_sum_fast\": %.6f}\n    }%s\n", mr, mf, mr / mf, sum_r, sum_f,
           last ? "" : ",");
}

int main(int argc, char **argv) {
    int reps = 3, ref_only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--ref-only")) ref_only = 1;
        else {
            fprintf(stderr, "usage: mc_bench_nn [--reps N] [--ref-only]\n");
            return 1;
        }
    }
    if (reps < 1 || reps > 15) reps = 3;
    const int threads0 = mc_nn_threads();
    if (ref_only) {
        float vr, vf;
        double ms_fast = infer_ms("fast", 512, reps, &vf), ms_ref = infer_ms("ref", 512, reps, &vr);
        printf("{\n  \"bench\": \"nn\", ");
        mc_bench_machine(stdout);
        printf(",\n  \"threads\": %d,\n  \"reps\": %d,\n", threads0, reps);
        printf("  \"inference_512x512_c32_stack\": {\"ref_ms\": %.1f, \"fast_ms\": %.1f, \"ref_over_fast\": %.2f, "
               "\"centre_output_ref\": %.6f, \"centre_output_fast\": %.6f},\n",
               ms_ref, ms_fast, ms_ref / ms_fast, (double)vr, (double)vf);
        printf("  \"ref_vs_fast\": {\n");
        ref_vs_fast(1, reps, 0);
        ref_vs_fast(2, reps, 1);
        printf("  }\n}\n");
        mc_nn_workers_free(g_ref_workers);
        return 0;
    }
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
    printf(",\n  \"threads\": %d,\n  \"reps\": %d,\n", threads0, reps);
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
           "\"centre_output_ref\": %.6f, \"centre_output_fast\": %.6f},\n",
           ms_ref, ms_fast, ms_ref / ms_fast, (double)vr, (double)vf);
    printf("  \"ref_vs_fast\": {\n");
    ref_vs_fast(1, reps, 0);
    ref_vs_fast(2, reps, 1);
    printf("  }\n}\n");
    mc_nn_workers_free(g_ref_workers);
    return 0;
}
