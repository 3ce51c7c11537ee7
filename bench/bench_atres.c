/* bench_atres.c - the neural schemes at-resnet-cm and resnet-cm with their
 * built-in models: encrypt and decrypt time of the Shepp-Logan phantom at
 * 256x256 and 512x512, 8-bit and 16-bit (signed CT), both profiles, medians;
 * the ratio to the `logistic` scheme alone (the paper's chaotic stage, same
 * run); and the hardened cipher's size overhead: the residual (aux blob) in
 * bytes and as a percentage of the pixel bytes.
 *
 * network_vs_kernel: the encryption network of at-resnet-cm's built-in model
 * as the scheme runs it on a 512x512 image (four 256x256 tiles, each thread
 * whole tiles with its own single-threaded inference plan) against the
 * reference kernel alone (one 3x3 16->16 convolution at 256x256, its bands
 * on the same threads) interleaved in one run: GFLOP/s of each
 * (2 x multiply-adds of the convolutions / time) and their ratio, on the
 * default threads and on one.  targets: the (paper encrypt of a
 * 512x512 8-bit image <= 45 ms; hardened <= 2.2 x paper; network >= half
 * the kernel's GFLOP/s), with the figures they are judged on.
 *
 *   mc_bench_atres [--reps N] [--quick] [--network-only]
 *
 * --network-only: only network_vs_kernel (for instruction counts:
 * valgrind --tool=callgrind --toggle-collect=mc_nn_plan_run, then
 * --toggle-collect=mc_nn_ref_conv_fwd_mt, MEDCRYPT_THREADS=1).
 *
 * JSON on stdout.  Threads: the reference kernels use the engine's own
 * (MEDCRYPT_THREADS, else the CPUs of the affinity mask; `make bench` runs
 * this driver on both cores). */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"
#include "medcrypt.h"
#include "nn/builtin_models.h"
#include "nn/nn.h"
#include "nn/ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* paper-profile ciphers are decrypted too: an explicit choice (medcrypt.h) */
static const mc_opts k_unauth = {.flags = MC_DECRYPT_UNAUTHENTICATED};

static void die(const char *what, const mc_err *err) {
    fprintf(stderr, "mc_bench_atres: %s: %s\n", what, err ? err->msg : "failed");
    exit(4);
}

static mc_image *clone_image(const mc_image *p) {
    mc_image *c = NULL;
    if (mc_image_new(&c, p->width, p->height, p->depth, p->channels, p->bits, p->is_signed, NULL, NULL))
        die("allocation", NULL);
    memcpy(c->pixels, p->pixels, p->nbytes);
    return c;
}

typedef struct timing {
    double enc, dec; /* medians, seconds */
    size_t aux;
} timing;

static timing measure(const mc_image *plain, const char *scheme, mc_profile prof, const mc_key *key, int reps) {
    double *te = malloc((size_t)reps * sizeof *te), *td = malloc((size_t)reps * sizeof *td);
    if (!te || !td) die("allocation", NULL);
    timing r = {0, 0, 0};
    for (int i = 0; i < reps; i++) {
        mc_image *img = clone_image(plain);
        mc_err err = {0};
        double t0 = mc_bench_now();
        if (mc_encrypt(img, scheme, prof, NULL, 0, key, NULL, &err)) die(scheme, &err);
        double t1 = mc_bench_now();
        r.aux = img->aux_len;
        if (mc_decrypt(img, key, &k_unauth, &err)) die(scheme, &err);
        double t2 = mc_bench_now();
        if (prof == MC_PROFILE_HARDENED && memcmp(img->pixels, plain->pixels, plain->nbytes))
            die("hardened round trip not exact", NULL);
        te[i] = t1 - t0;
        td[i] = t2 - t1;
        mc_image_free(img);
    }
    r.enc = mc_bench_median(te, reps);
    r.dec = mc_bench_median(td, reps);
    free(te);
    free(td);
    return r;
}

typedef struct nvk {
    double net_ms, net_gflops, kern_gflops;
    int threads;
} nvk;

/* one thread's copy of the encryption network (a plan borrows its network) */
typedef struct lane {
    mc_nn_model m;
    mc_nn_plan *plan;
} lane;

typedef struct net_job {
    lane *lanes;
    const float *x;
    uint32_t T;
    int fail;
} net_job;

static void net_task(void *ctx, size_t i, int t) {
    (void)i;
    net_job *j = ctx;
    mc_err err = {0};
    if (mc_nn_plan_run(j->lanes[t].plan, j->x, j->T, j->T, &err)) j->fail = 1;
}

/* the at-resnet-cm encryption network on four 256x256 tiles as the scheme
 * runs them (each thread whole tiles, one single-threaded plan each) vs the
 * 3x3 16->16 reference convolution at 256x256 on the same threads (its
 * workspaces made beforehand, as a plan's are), `threads` threads (0: default) */
static nvk network_vs_kernel(int threads, int reps) {
    mc_err err = {0};
    mc_nn_workers *wk = NULL;
    nvk r = {0, 0, 0, 0};
    const uint32_t T = 256, C = 16;
    if (!mc_builtin_model_at_resnet_cm_len) return r;
    if (mc_nn_workers_new(&wk, threads, &err)) die("workers", &err);
    r.threads = mc_nn_workers_count(wk);
    lane *lanes = calloc((size_t)r.threads, sizeof *lanes);
    if (!lanes) die("allocation", NULL);
    for (int t = 0; t < r.threads; t++)
        if (mc_nn_model_load_mem(&lanes[t].m, mc_builtin_model_at_resnet_cm, mc_builtin_model_at_resnet_cm_len, NULL,
                                 &err) ||
            mc_nn_plan_new(&lanes[t].plan, mc_nn_model_net(&lanes[t].m, "enc"), 1, T, T, NULL, NULL, &err))
            die("network", &err);
    uint64_t seed = 9;
    float *x = malloc(2 * (size_t)T * T * sizeof *x), *cx = malloc((size_t)C * T * T * sizeof *cx);
    float *cy = malloc((size_t)C * T * T * sizeof *cy), *cw = malloc((size_t)C * C * 9 * sizeof *cw);
    float cb[16];
    double *tn = malloc((size_t)reps * sizeof *tn), *tk = malloc((size_t)reps * sizeof *tk);
    mc_nn_conv_shape cs = {1, C, T, T, C, T, T, 3, 1, 1, MC_NN_PAD_ZERO};
    const size_t wsb = mc_nn_ref_conv_thread_bytes(&cs, 0);
    void **ws = calloc((size_t)r.threads, sizeof *ws);
    if (!x || !cx || !cy || !cw || !tn || !tk || !ws) die("allocation", NULL);
    for (int t = 0; t < r.threads; t++)
        if (!(ws[t] = aligned_alloc(64, (wsb + 63) / 64 * 64))) die("allocation", NULL);
    for (size_t i = 0; i < 2 * (size_t)T * T; i++) x[i] = mc_nn_randu(&seed);
    for (size_t i = 0; i < (size_t)C * T * T; i++) cx[i] = mc_nn_randu(&seed) - 0.5f;
    for (size_t i = 0; i < (size_t)C * C * 9; i++) cw[i] = (mc_nn_randu(&seed) - 0.5f) / 6;
    for (uint32_t i = 0; i < C; i++) cb[i] = 0.01f * (float)i;
    const mc_nn_conv_run kr = {&cs, cx, cw, cb, cy, mc_nn_ref_best_isa(), 0, NULL, NULL, ws, 0};
    const double net_flop = 4 * 2 * mc_nn_plan_macs(lanes[0].plan, T, T), kern_flop = 2.0 * T * T * C * C * 9;
    net_job nj = {lanes, x, T, 0};
    mc_nn_workers_run(wk, (size_t)r.threads, 0, net_task, &nj); /* warm-up */
    if (nj.fail || mc_nn_ref_conv_exec(&kr, wk)) die("warm-up", NULL);
    for (int i = 0; i < reps; i++) {
        double t0 = mc_bench_now();
        mc_nn_workers_run(wk, 4, 0, net_task, &nj);
        double t1 = mc_bench_now();
        for (int k = 0; k < 4; k++)
            if (mc_nn_ref_conv_exec(&kr, wk)) die("kernel", NULL);
        double t2 = mc_bench_now();
        if (nj.fail) die("network", NULL);
        tn[i] = t1 - t0;
        tk[i] = (t2 - t1) / 4;
    }
    const double n = mc_bench_median(tn, reps), k = mc_bench_median(tk, reps);
    r.net_ms = 1e3 * n;
    r.net_gflops = net_flop / n / 1e9;
    r.kern_gflops = kern_flop / k / 1e9;
    for (int t = 0; t < r.threads; t++) {
        mc_nn_plan_free(lanes[t].plan);
        mc_nn_model_free(&lanes[t].m);
        free(ws[t]);
    }
    mc_nn_workers_free(wk);
    free(lanes), free(ws), free(x), free(cx), free(cy), free(cw), free(tn), free(tk);
    return r;
}

int main(int argc, char **argv) {
    int reps = 5, quick = 0, net_only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--network-only")) net_only = 1;
        else {
            fprintf(stderr, "usage: mc_bench_atres [--reps N] [--quick] [--network-only]\n");
            return 1;
        }
    }
    if (reps < 1) reps = 1;
    if (quick) reps = 1;
    if (mc_init()) die("init", NULL);
    mc_key *key = NULL;
    mc_err err = {0};
    if (mc_key_generate(&key, &err)) die("key", &err);
    static const char *const schemes[] = {"at-resnet-cm", "resnet-cm"};
    const uint32_t sizes[] = {256, 512};
    const char *thr = getenv("MEDCRYPT_THREADS");
    printf("{\n  \"bench\": \"atres\", ");
    mc_bench_machine(stdout);
    printf(", \"reps\": %d, \"medcrypt_threads\": \"%s\",\n", reps, thr ? thr : "default");
    printf("  \"note\": \"phantom images; medians of mc_encrypt / mc_decrypt (model load, networks, logistic XOR, "
           "residual); ratios against the logistic scheme alone in the same run; aux = hardened residual bytes\",\n");
    const int nreps = net_only ? reps : reps < 5 ? 5 : reps;
    nvk nk[2] = {network_vs_kernel(0, nreps), network_vs_kernel(1, nreps)};
    printf("  \"network_vs_kernel\": [\n");
    for (int i = 0; i < 2; i++)
        printf("    {\"threads\": %d, \"network_512x512_ms\": %.2f, \"network_gflops\": %.1f, "
               "\"kernel_conv3x3_16_to_16_gflops\": %.1f, \"network_over_kernel\": %.3f}%s\n",
               nk[i].threads, nk[i].net_ms, nk[i].net_gflops, nk[i].kern_gflops,
               nk[i].kern_gflops > 0 ? nk[i].net_gflops / nk[i].kern_gflops : 0.0, i ? "" : ",");
    if (net_only) {
        printf("  ]\n}\n");
        mc_key_free(key);
        return 0;
    }
    printf("  ],\n");
    double paper512 = 0, hard512 = 0;
    printf("  \"results\": [\n");
    int first = 1;
    for (size_t si = 0; si < (quick ? 1u : 2u); si++)
        for (unsigned bits = 8; bits <= 16; bits += 8) {
            mc_image *ph = NULL;
            if (mc_phantom(&ph, sizes[si], 1, bits, &err)) die("phantom", &err);
            timing lg = measure(ph, "logistic", MC_PROFILE_HARDENED, key, reps);
            for (size_t s = 0; s < 2; s++)
                for (int p = 0; p < 2; p++) {
                    mc_profile prof = p ? MC_PROFILE_PAPER : MC_PROFILE_HARDENED;
                    timing t = measure(ph, schemes[s], prof, key, reps);
                    printf("%s    {\"scheme\": \"%s\", \"profile\": \"%s\", \"size\": %u, \"bits\": %u, "
                           "\"encrypt_ms\": %.2f, \"decrypt_ms\": %.2f, \"logistic_encrypt_ms\": %.3f, "
                           "\"logistic_decrypt_ms\": %.3f, \"encrypt_over_logistic\": %.1f, "
                           "\"decrypt_over_logistic\": %.1f, \"pixel_bytes\": %zu, \"aux_bytes\": %zu, "
                           "\"aux_percent\": %.1f}",
                           first ? "" : ",\n", schemes[s], p ? "paper" : "hardened", sizes[si], bits, 1e3 * t.enc,
                           1e3 * t.dec, 1e3 * lg.enc, 1e3 * lg.dec, t.enc / lg.enc, t.dec / lg.dec, ph->nbytes,
                           t.aux, 100.0 * (double)t.aux / (double)ph->nbytes);
                    fflush(stdout);
                    first = 0;
                    if (s == 0 && sizes[si] == 512 && bits == 8) *(p ? &paper512 : &hard512) = 1e3 * t.enc;
                }
            mc_image_free(ph);
        }
    printf("\n  ]");
    if (paper512 > 0)
        printf(",\n  \"targets\": {\"paper_encrypt_512_8bit_ms\": %.2f, \"paper_target_ms\": 45, "
               "\"hardened_over_paper\": %.2f, \"hardened_target\": 2.2, \"network_over_kernel\": %.3f, "
               "\"network_target\": 0.5, \"met\": %s}",
               paper512, hard512 / paper512, nk[0].net_gflops / nk[0].kern_gflops,
               paper512 <= 45 && hard512 / paper512 <= 2.2 && nk[0].net_gflops >= 0.5 * nk[0].kern_gflops ? "true"
                                                                                                        : "false");
    printf("\n}\n");
    mc_key_free(key);
    return 0;
}
