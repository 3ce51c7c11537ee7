/* bench_kedi.c - deep-kedi with its built-in ZZ-GAN model: encrypt and
 * decrypt of the Shepp-Logan phantom at 256x256 and 512x512, 8-bit and
 * 16-bit (signed CT), both profiles, on 1 and 2 cores (a child process per
 * core count, pinned to the first cores, MEDCRYPT_THREADS and
 * OMP_NUM_THREADS set); medians; the stages timed apart on the same image:
 * DRT (speckle added, despeckling), key generation (the generator), zigzag
 * XOR, residual (stored, loaded); the ratio to the `zigzag` scheme alone
 * (same child, same image); the generator's GFLOP/s against the engine's
 * reference convolution kernel on the generator's widest layer shape.
 *
 *   mc_bench_kedi [--reps N] [--quick] [--cores 1,2]
 *
 * JSON on stdout.  Targets (issue 13): decryption of 256x256 8-bit at most
 * 45 ms on 2 cores; key generation at no less than half the kernel's
 * GFLOP/s. */
#define _GNU_SOURCE
#include "bench_util.h"
#include "core/internal.h"
#include "dsp/speckle.h"
#include "nn/builtin_models.h"
#include "nn/nn.h"
#include "schemes/classical.h"
#include "schemes/deep_kedi/deep_kedi.h"
#include "schemes/residual.h"

#include <math.h>
#include <sched.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const mc_opts k_unauth = {.flags = MC_DECRYPT_UNAUTHENTICATED};

/* Exit 4 with a message: a benchmark has no partial results worth keeping. */
static _Noreturn void die(const char *what, const mc_err *err) {
    fprintf(stderr, "mc_bench_kedi: %s%s%s\n", what, err ? ": " : "", err ? err->msg : "");
    exit(4);
}

/* A copy of p's geometry and pixels, without metadata (the plaintext of one
 * repetition). */
static mc_image *fresh_copy(const mc_image *p) {
    mc_image *c = NULL;
    mc_err err = {0};
    if (mc_image_new(&c, p->width, p->height, p->depth, p->channels, p->bits, p->is_signed, NULL, &err))
        die("image", &err);
    memcpy(c->pixels, p->pixels, p->nbytes);
    return c;
}

typedef struct timing {
    double enc, dec;
    size_t aux;
} timing;

static timing measure(const mc_image *plain, const char *scheme, mc_profile prof, const mc_key *key, int reps) {
    double te[64], td[64];
    timing r = {0, 0, 0};
    for (int i = 0; i < reps; i++) {
        mc_image *img = fresh_copy(plain);
        mc_err err = {0};
        double t0 = mc_bench_now();
        if (mc_encrypt(img, scheme, prof, NULL, 0, key, NULL, &err)) die(scheme, &err);
        double t1 = mc_bench_now();
        r.aux = img->aux_len;
        if (mc_decrypt(img, key, &k_unauth, &err)) die(scheme, &err);
        double t2 = mc_bench_now();
        if (prof == MC_PROFILE_HARDENED && memcmp(img->pixels, plain->pixels, plain->nbytes))
            die("hardened round trip not exact", NULL);
        te[i] = t1 - t0, td[i] = t2 - t1;
        mc_image_free(img);
    }
    r.enc = mc_bench_median(te, reps);
    r.dec = mc_bench_median(td, reps);
    return r;
}

typedef struct stages {
    double keygen, speckle, despeckle, xor_enc, xor_dec, res_store, res_load;
    double gflop; /* generator, one key image */
} stages;

/* FLOPs of the generator's convolutions at its current size. */
static double gen_flops(const mc_nn_net *g) {
    double f = 0;
    for (size_t i = 0; i < g->nlayers; i++) {
        const mc_nn_layer *l = &g->layers[i];
        const double k2 = (double)l->s.k * l->s.k;
        if (l->s.type == MC_NN_CONV) f += 2 * k2 * l->ic * l->c * l->h * l->w;
        else if (l->s.type == MC_NN_DECONV) f += 2 * k2 * l->ic * l->c * l->ih * l->iw; /* every input sample */
    }
    return f;
}

static double med(double *v, int n) { return mc_bench_median(v, n); }

/* The stages on one slice-plane image (gray, depth 1). */
static stages measure_stages(const mc_image *plain, int reps, const mc_nn_net *gen_for_flops) {
    stages s = {0};
    uint8_t key[32], nonce[24], id[16];
    randombytes_buf(key, sizeof key);
    randombytes_buf(nonce, sizeof nonce);
    const uint32_t w = plain->width, h = plain->height;
    const size_t npx = (size_t)w * h, nb = plain->nbytes;
    const uint32_t maxv = plain->bits == 8 ? 255 : 65535, sign = plain->is_signed ? (maxv >> 1) + 1 : 0;
    uint32_t *k = malloc(npx * sizeof *k), *z = malloc(npx * sizeof *z);
    double *u = malloc(npx * sizeof *u), *j = malloc(npx * sizeof *j), *d = malloc(npx * sizeof *d);
    uint8_t *tmp = malloc(nb), *ks = malloc(nb), *px = malloc(nb);
    if (!k || !z || !u || !j || !d || !tmp || !ks || !px) die("out of memory", NULL);
    for (size_t i = 0; i < npx; i++)
        u[i] = (double)((plain->bits == 8 ? ((uint8_t *)plain->pixels)[i] : ((uint16_t *)plain->pixels)[i]) ^ sign);
    mc_speckle sp;
    mc_err err = {0};
    if (mc_speckle_init(&sp, w, h, 1, 3, &err)) die("speckle", &err);
    mc_image *carrier = fresh_copy(plain);
    double t[7][64];
    for (int r = 0; r < reps; r++) {
        double a = mc_bench_now();
        if (mc_dk_gan_key(key, nonce, w, h, plain->bits, NULL, k, id, &err)) die("key generation", &err);
        double b = mc_bench_now();
        mc_stream st;
        mc_stream_init(&st, key, nonce, "deep-kedi/speckle", 0, 0);
        mc_speckle_add(&sp, MC_SPECKLE_PIXEL, 0.04, &st, u, j);
        mc_stream_wipe(&st);
        for (size_t i = 0; i < npx; i++) j[i] = fmin(fmax(floor(j[i] + 0.5), 0), maxv);
        double c = mc_bench_now();
        mc_speckle_remove(&sp, j, d);
        double e = mc_bench_now();
        for (size_t i = 0; i < npx; i++) z[i] = mc_residual_code((int32_t)(u[i] - fmin(fmax(floor(d[i] + 0.5), 0), maxv)));
        memcpy(px, plain->pixels, nb);
        double f = mc_bench_now();
        mc_dk_slice_key(key, nonce, k, npx, 1, plain->bits, 0, ks);
        mc_zigzag_permute(px, tmp, 'd', w, h, 1, plain->bits, 1);
        for (size_t i = 0; i < nb; i++) px[i] = tmp[i] ^ ks[i];
        double g = mc_bench_now();
        mc_dk_slice_key(key, nonce, k, npx, 1, plain->bits, 0, ks);
        for (size_t i = 0; i < nb; i++) tmp[i] = px[i] ^ ks[i];
        mc_zigzag_permute(px, tmp, 'd', w, h, 1, plain->bits, 0);
        double hh = mc_bench_now();
        if (mc_residual_store(key, nonce, "bench", z, npx, plain->bits == 8 ? 2 : 3, carrier, &err)) die("residual", &err);
        double ii = mc_bench_now();
        if (mc_residual_load(key, nonce, "bench", carrier, z, npx, plain->bits == 8 ? 2 : 3, &err)) die("residual", &err);
        double jj = mc_bench_now();
        t[0][r] = b - a, t[1][r] = c - b, t[2][r] = e - c, t[3][r] = g - f, t[4][r] = hh - g, t[5][r] = ii - hh,
        t[6][r] = jj - ii;
    }
    s.keygen = med(t[0], reps), s.speckle = med(t[1], reps), s.despeckle = med(t[2], reps);
    s.xor_enc = med(t[3], reps), s.xor_dec = med(t[4], reps), s.res_store = med(t[5], reps), s.res_load = med(t[6], reps);
    s.gflop = gen_flops(gen_for_flops) * 1e-9;
    mc_speckle_free(&sp);
    mc_image_free(carrier);
    free(k), free(z), free(u), free(j), free(d), free(tmp), free(ks), free(px);
    return s;
}

/* The generator of the built-in model, resized to w x h (for its FLOPs and
 * its widest convolution's shape). */
static mc_nn_net *load_gen(mc_nn_model *m, uint32_t w, uint32_t h) {
    const mc_builtin_model *b = mc_builtin_model_find("zz-gan");
    mc_err err = {0};
    mc_nn_model_init(m);
    if (!b || !b->len) return NULL;
    if (mc_nn_model_load_mem(m, b->data, b->len, NULL, &err)) die("model", &err);
    mc_nn_net *g = mc_nn_model_net(m, "gen");
    if (!g || mc_nn_net_resize(g, 1, h, w, &err)) die("generator", &err);
    return g;
}

/* GFLOP/s of the reference convolution kernel on the generator's residual
 * convolution shape (the most work per call) with `threads` threads. */
static double kernel_gflops(const mc_nn_net *g, int threads, int reps) {
    const mc_nn_layer *best = NULL;
    for (size_t i = 0; i < g->nlayers; i++) {
        const mc_nn_layer *l = &g->layers[i];
        if (l->s.type == MC_NN_CONV && (!best || (double)l->ic * l->c * l->h * l->w * l->s.k * l->s.k >
                                                     (double)best->ic * best->c * best->h * best->w * best->s.k * best->s.k))
            best = l;
    }
    if (!best) return 0;
    mc_nn_conv_shape s = {1, best->ic, best->ih, best->iw, best->c, best->h, best->w, best->s.k, best->s.stride,
                          best->s.pad, (mc_nn_pad)best->s.pad_mode};
    const size_t nx = (size_t)s.ic * s.ih * s.iw, nw = (size_t)s.oc * s.ic * s.k * s.k, ny = (size_t)s.oc * s.oh * s.ow;
    float *x = calloc(nx, sizeof *x), *wt = calloc(nw, sizeof *wt), *bias = calloc(s.oc, sizeof *bias),
          *y = malloc(ny * sizeof *y);
    if (!x || !wt || !bias || !y) die("out of memory", NULL);
    for (size_t i = 0; i < nx; i++) x[i] = (float)(i % 17) / 17.0f;
    for (size_t i = 0; i < nw; i++) wt[i] = (float)(i % 13) / 130.0f;
    double t[64];
    for (int r = 0; r < reps; r++) {
        double a = mc_bench_now();
        if (mc_nn_ref_conv_fwd_with(MC_NN_REF_AUTO, threads, &s, x, wt, bias, y)) die("reference kernel", NULL);
        t[r] = mc_bench_now() - a;
    }
    free(x), free(wt), free(bias), free(y);
    return 2.0 * s.k * s.k * s.ic * s.oc * s.oh * s.ow * 1e-9 / med(t, reps);
}

static void run_child(int cores, int reps, int quick, int *first) {
    mc_key *key = NULL;
    mc_err err = {0};
    if (mc_key_generate(&key, &err)) die("key", &err);
    const uint32_t sizes[] = {256, 512};
    for (size_t si = 0; si < (quick ? 1u : 2u); si++)
        for (unsigned bits = 8; bits <= 16; bits += 8) {
            mc_image *ph = NULL;
            if (mc_phantom(&ph, sizes[si], 1, bits, &err)) die("phantom", &err);
            mc_nn_model m;
            mc_nn_net *g = load_gen(&m, sizes[si], sizes[si]);
            if (!g) die("the build has no built-in zz-gan model", NULL);
            timing zz = measure(ph, "zigzag", MC_PROFILE_HARDENED, key, reps);
            stages st = measure_stages(ph, reps, g);
            const double kg = kernel_gflops(g, cores, reps);
            for (int p = 0; p < 2; p++) {
                const mc_profile prof = p ? MC_PROFILE_PAPER : MC_PROFILE_HARDENED;
                timing t = measure(ph, "deep-kedi", prof, key, reps);
                printf("%s    {\"cores\": %d, \"profile\": \"%s\", \"size\": %u, \"bits\": %u, \"encrypt_ms\": %.2f, "
                       "\"decrypt_ms\": %.2f, \"zigzag_encrypt_ms\": %.3f, \"zigzag_decrypt_ms\": %.3f, "
                       "\"encrypt_over_zigzag\": %.1f, \"decrypt_over_zigzag\": %.1f, \"stages_ms\": {\"drt_speckle\": "
                       "%.2f, \"drt_despeckle\": %.2f, \"keygen\": %.2f, \"zigzag_xor_enc\": %.3f, \"zigzag_xor_dec\": "
                       "%.3f, \"residual_store\": %.2f, \"residual_load\": %.2f}, \"keygen_gflop\": %.3f, "
                       "\"keygen_gflops\": %.1f, \"kernel_gflops\": %.1f, \"keygen_over_kernel\": %.2f, "
                       "\"pixel_bytes\": %zu, \"aux_bytes\": %zu, \"aux_percent\": %.1f}",
                       *first ? "" : ",\n", cores, p ? "paper" : "hardened", sizes[si], bits, 1e3 * t.enc, 1e3 * t.dec,
                       1e3 * zz.enc, 1e3 * zz.dec, t.enc / zz.enc, t.dec / zz.dec, 1e3 * st.speckle,
                       1e3 * st.despeckle, 1e3 * st.keygen, 1e3 * st.xor_enc, 1e3 * st.xor_dec, 1e3 * st.res_store,
                       1e3 * st.res_load, st.gflop, st.gflop / st.keygen, kg, st.gflop / st.keygen / kg, ph->nbytes,
                       t.aux, 100.0 * (double)t.aux / (double)ph->nbytes);
                fflush(stdout);
                *first = 0;
            }
            mc_nn_model_free(&m);
            mc_image_free(ph);
        }
    mc_key_free(key);
}

int main(int argc, char **argv) {
    int reps = 7, quick = 0, cores[2] = {1, 2}, ncores = 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--cores") && i + 1 < argc) {
            const char *c = argv[++i];
            ncores = sscanf(c, "%d,%d", &cores[0], &cores[1]);
            if (ncores < 1) ncores = 1;
        } else {
            fprintf(stderr, "usage: mc_bench_kedi [--reps N] [--quick] [--cores 1,2]\n");
            return 1;
        }
    }
    reps = quick ? 1 : reps < 1 ? 1 : reps > 64 ? 64 : reps;
    if (mc_init()) die("init", NULL);
    const mc_builtin_model *b = mc_builtin_model_find("zz-gan");
    printf("{\n  \"bench\": \"kedi\", ");
    mc_bench_machine(stdout);
    printf(", \"reps\": %d,\n", reps);
    printf("  \"note\": \"phantom images (16-bit: signed CT); medians of mc_encrypt / mc_decrypt with the built-in "
           "ZZ-GAN; stages on the same image (pixel speckle, despeckling, generator, zigzag + XOR with the whitened "
           "key, residual deflate + stream); zigzag = the zigzag scheme alone (hardened) in the same child; "
           "kernel_gflops: the reference conv kernel on the generator's largest convolution\",\n");
    if (!b || !b->len) {
        printf("  \"skipped\": \"no built-in zz-gan model (make train-models)\"\n}\n");
        return 0;
    }
    printf("  \"results\": [\n");
    fflush(stdout);
    int first = 1;
    cpu_set_t all;
    CPU_ZERO(&all);
    sched_getaffinity(0, sizeof all, &all);
    for (int c = 0; c < ncores; c++) {
        int pipefd[2];
        if (pipe(pipefd)) die("pipe", NULL);
        pid_t pid = fork();
        if (pid < 0) die("fork", NULL);
        if (!pid) { /* the child: pinned to the first `cores` CPUs it may use */
            cpu_set_t set;
            CPU_ZERO(&set);
            int n = 0;
            for (int cpu = 0; cpu < CPU_SETSIZE && n < cores[c]; cpu++)
                if (CPU_ISSET(cpu, &all)) CPU_SET(cpu, &set), n++;
            sched_setaffinity(0, sizeof set, &set);
            char v[16];
            snprintf(v, sizeof v, "%d", cores[c]);
            setenv("MEDCRYPT_THREADS", v, 1);
            setenv("OMP_NUM_THREADS", v, 1);
            close(pipefd[0]);
            run_child(cores[c], reps, quick, &first);
            if (write(pipefd[1], first ? "0" : "1", 1) != 1) _exit(4);
            _exit(0);
        }
        close(pipefd[1]);
        char got = '0';
        if (read(pipefd[0], &got, 1) == 1 && got == '1') first = 0;
        close(pipefd[0]);
        int status = 0;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status)) die("child", NULL);
    }
    printf("\n  ]\n}\n");
    return 0;
}
