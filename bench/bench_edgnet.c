/* bench_edgnet.c - EDG-Net (docs/schemes/edg-net.md, docs/attacks.md).
 *
 *   mc_bench_edgnet [--reps N] [--quick]       performance, JSON (make bench;
 *                                               --quick: the paper configuration untimed)
 *   mc_bench_edgnet --table SAMPLES [--model F] the reproduction table (Markdown)
 *   mc_bench_edgnet --surrogate SAMPLES [--steps N] [--only SCHEME] [--profile P] [--n N]
 *                                               the surrogate-attack table
 *                                               (the options pick rows and columns, to run them in parallel)
 *
 * Performance, for the default configuration (the built-in model) and the
 * paper's (64 channels, 256x256 tiles; random weights: the time does not
 * depend on them): encrypt and decrypt of a 256x256 8-bit phantom in both
 * profiles (medians); one generator's forward pass as GFLOP/s beside the
 * engine's reference convolution on the network's largest layer shape in the
 * same run; training seconds per step (fast kernels); parameters and FLOPs
 * beside the paper's Table 4.  --quick times only the default configuration
 * (the paper's takes minutes: its parameters and FLOPs are still printed).
 * Threads: the reference kernels use OpenMP (`make bench`: both cores). */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"
#include "edgnet_data.h"
#include "medcrypt_lab.h"
#include "nn/builtin_models.h"
#include "nn/edgnet.h"

#include <inttypes.h>

static const mc_opts k_unauth = {.flags = MC_DECRYPT_UNAUTHENTICATED};

static _Noreturn void die(const char *what, const mc_err *err) {
    fprintf(stderr, "mc_bench_edgnet: %s: %s\n", what, err ? err->msg : "failed");
    exit(4);
}

static mc_key *fixed_key(void) {
    uint8_t k[MC_KEY_BYTES];
    for (int i = 0; i < MC_KEY_BYTES; i++) k[i] = (uint8_t)i;
    mc_key *key = NULL;
    mc_err err = {0};
    if (mc_key_from_bytes(&key, k, &err)) die("key", &err);
    return key;
}

/* A model of the architecture with the configuration's hyperparameters,
 * random weights; generators only, as a model file's bytes. */
/* The six networks of a configuration, random weights (seed 1). */
static const mc_nn_config *config_build(const char *config, mc_nn_model *m) {
    const mc_nn_config *cfg = mc_nn_arch_config(&mc_nn_arch_edg_net, config);
    mc_err err = {0};
    mc_nn_model_init(m);
    if (!cfg || mc_nn_arch_hp(&mc_nn_arch_edg_net, m, cfg->hp, cfg->nhp, &err) || mc_nn_arch_edg_net.build(m, 1, &err))
        die("model", &err);
    return cfg;
}

static uint8_t *config_model(const char *config, size_t *len) {
    mc_nn_model m;
    mc_err err = {0};
    config_build(config, &m);
    for (size_t i = 2; i < m.nnets; i++) mc_nn_net_free(m.net[i]);
    m.nnets = 2;
    char path[] = "/tmp/mc_bench_edgnet.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) die("temporary file", NULL);
    close(fd);
    uint8_t *buf = NULL;
    if (mc_nn_model_save(&m, path, NULL, 0, &err) || mc_nn_model_read_file(path, &buf, len, &err)) die("model", &err);
    unlink(path);
    mc_nn_model_free(&m);
    return buf;
}

static uint8_t *builtin_model(size_t *len) {
    const mc_builtin_model *b = mc_builtin_model_find("edg-net");
    if (!b) return config_model("default", len);
    uint8_t *buf = malloc(b->len);
    if (!buf) die("allocation", NULL);
    memcpy(buf, b->data, b->len);
    *len = b->len;
    return buf;
}

/* FLOPs (2 per multiply-add) of one pass of net at its current size, per
 * sample: convolutions and linear layers. */
static double net_flops(const mc_nn_net *net) {
    double f = 0;
    for (size_t i = 0; i < net->nlayers; i++) {
        const mc_nn_layer *l = &net->layers[i];
        if (l->s.type == MC_NN_CONV) f += 2.0 * l->c * l->ic * l->s.k * l->s.k * l->h * l->w;
        else if (l->s.type == MC_NN_LINEAR) f += 2.0 * l->c * l->ic * l->ih * l->iw;
    }
    return f;
}

static size_t d_params(const char *config) {
    mc_nn_model m;
    config_build(config, &m);
    size_t n = 0;
    for (size_t i = 2; i < m.nnets; i++) n += mc_nn_param_count(m.net[i]);
    mc_nn_model_free(&m);
    return n;
}

/* ------------------------------------------------------------ performance */

static double time_crypt(const mc_image *plain, mc_profile prof, const mc_opts *o, const mc_key *key, int reps,
                         double *dec) {
    double te[64], td[64];
    for (int i = 0; i < reps; i++) {
        mc_image *img = edg_clone(plain);
        mc_err err = {0};
        mc_opts oo = *o;
        oo.flags = MC_DECRYPT_UNAUTHENTICATED;
        const double t0 = mc_bench_now();
        if (mc_encrypt(img, "edg-net", prof, NULL, 0, key, o, &err)) die("encrypt", &err);
        const double t1 = mc_bench_now();
        if (mc_decrypt(img, key, &oo, &err)) die("decrypt", &err);
        te[i] = t1 - t0, td[i] = mc_bench_now() - t1;
        if (prof == MC_PROFILE_HARDENED && memcmp(img->pixels, plain->pixels, plain->nbytes))
            die("hardened round trip not exact", NULL);
        mc_image_free(img);
    }
    *dec = mc_bench_median(td, reps);
    return mc_bench_median(te, reps);
}

/* The generator alone on one 256x256 image's worth of tiles (GFLOP/s), and
 * the reference convolution on the network's largest layer shape. */
static void network_vs_kernel(const uint8_t *model, size_t len, int reps, int timed, FILE *out) {
    mc_nn_model m;
    mc_nn_model_init(&m);
    mc_err err = {0};
    double tile = 0;
    if (mc_nn_model_load_mem(&m, model, len, NULL, &err) || mc_nn_hp_double(&m, "tile", 16, 1024, &tile, &err))
        die("model", &err);
    mc_nn_net *g = mc_nn_model_net(&m, MC_EDGNET_ENC);
    const uint32_t T = (uint32_t)tile, nt = (256 / T) * (256 / T), nb = nt < 8 ? nt : 8;
    if (mc_nn_net_resize(g, nb, T, T, &err)) die("resize", &err);
    float *x = malloc((size_t)nb * T * T * sizeof *x);
    if (!x) die("allocation", NULL);
    for (size_t i = 0; i < (size_t)nb * T * T; i++) x[i] = (float)(i % 251) / 125.0f - 1.0f;
    double t[64], best_flops = 0;
    if (!timed) {
        fprintf(out, "\"gflop_per_image\": %.3f, \"network_ms_per_image\": null", net_flops(g) * nt / nb * 1e-9);
        free(x);
        mc_nn_model_free(&m);
        return;
    }
    for (int r = 0; r < reps; r++) {
        const double t0 = mc_bench_now();
        for (uint32_t k = 0; k < nt / nb; k++)
            if (mc_nn_forward(g, x, &err)) die("forward", &err);
        t[r] = mc_bench_now() - t0;
    }
    const double per_image = net_flops(g) * nt / nb, tn = mc_bench_median(t, reps);
    const mc_nn_layer *big = NULL;
    for (size_t i = 0; i < g->nlayers; i++) {
        const mc_nn_layer *l = &g->layers[i];
        const double f = l->s.type == MC_NN_CONV ? (double)l->c * l->ic * l->s.k * l->s.k * l->h * l->w : 0;
        if (f > best_flops) best_flops = f, big = l;
    }
    mc_nn_conv_shape s = {nb, big->ic, big->ih, big->iw, big->c, big->h, big->w, big->s.k, big->s.stride, big->s.pad,
                          (mc_nn_pad)big->s.pad_mode};
    const size_t xin = (size_t)nb * big->ic * big->ih * big->iw, yout = (size_t)nb * big->c * big->h * big->w;
    float *cx = calloc(xin, sizeof *cx), *cy = malloc(yout * sizeof *cy);
    if (!cx || !cy) die("allocation", NULL);
    for (size_t i = 0; i < xin; i++) cx[i] = (float)(i % 17) / 8.0f - 1.0f;
    for (int r = 0; r < reps; r++) {
        const double t0 = mc_bench_now();
        if (mc_nn_ref_conv_fwd_with(MC_NN_REF_AUTO, 0, &s, cx, big->p[0].w, NULL, cy)) die("conv", NULL);
        t[r] = mc_bench_now() - t0;
    }
    const double tk = mc_bench_median(t, reps), kf = 2.0 * best_flops * nb;
    fprintf(out,
            "\"gflop_per_image\": %.3f, \"network_ms_per_image\": %.2f, \"network_gflops\": %.2f, "
            "\"kernel_shape\": \"conv%ux%u %u->%u at %ux%u, batch %u\", \"kernel_gflops\": %.2f, \"network_to_kernel\": %.3f",
            per_image * 1e-9, tn * 1e3, per_image / tn * 1e-9, big->s.k, big->s.k, big->ic, big->c, big->w, big->h, nb,
            kf / tk * 1e-9, (per_image / tn) / (kf / tk));
    free(x), free(cx), free(cy);
    mc_nn_model_free(&m);
}

/* Seconds per training step (fast kernels) of the configuration on crops. */
static double train_step(const char *config, const mc_image *src, int reps) {
    mc_nn_model m;
    mc_err err = {0};
    const mc_nn_config *cfg = config_build(config, &m);
    for (size_t i = 0; i < m.nnets; i++) m.net[i]->be = mc_nn_backend_find("fast");
    const uint32_t P = cfg->patch;
    mc_nn_batch b = {cfg->batch, 1, P, P, malloc((size_t)cfg->batch * P * P * sizeof(float))};
    if (!b.x) die("allocation", NULL);
    for (size_t i = 0; i < (size_t)cfg->batch * P * P; i++) {
        const size_t k = i % ((size_t)P * P), y = k / P % src->height, xx = k % P % src->width;
        b.x[i] = (float)((const uint8_t *)src->pixels)[y * src->width + xx] / 127.5f - 1.0f;
    }
    uint64_t rng = 1;
    double t[64], loss;
    for (int r = 0; r < reps; r++) {
        const double t0 = mc_bench_now();
        if (mc_nn_arch_edg_net.step(&m, &b, &rng, &loss, &err)) die("train step", &err);
        t[r] = mc_bench_now() - t0;
    }
    free(b.x);
    mc_nn_model_free(&m);
    return mc_bench_median(t, reps);
}

static int perf(int reps, int quick) {
    mc_key *key = fixed_key();
    mc_image *ph = NULL;
    mc_err err = {0};
    if (mc_phantom(&ph, 256, 1, 8, &err)) die("phantom", &err);
    printf("{\"bench\": \"edgnet\", ");
    mc_bench_machine(stdout);
    printf(", \"image\": \"phantom 256x256 8-bit\", \"configs\": [\n");
    static const char *const cfgs[2] = {"default", "paper"};
    for (int c = 0; c < 2; c++) {
        size_t len = 0;
        uint8_t *model = c ? config_model("paper", &len) : builtin_model(&len);
        mc_opts o = {0};
        o.model = model, o.model_len = len;
        mc_nn_model m;
        mc_nn_model_init(&m);
        if (mc_nn_model_load_mem(&m, model, len, NULL, &err)) die("model", &err);
        const size_t gp = mc_nn_param_count(mc_nn_model_net(&m, MC_EDGNET_ENC));
        mc_nn_model_free(&m);
        const int r = c ? (reps < 3 ? reps : 3) : reps, timed = !(c && quick);
        double dp = NAN, dh = NAN, ep = NAN, eh = NAN;
        if (timed) ep = time_crypt(ph, MC_PROFILE_PAPER, &o, key, r, &dp);
        if (timed) eh = time_crypt(ph, MC_PROFILE_HARDENED, &o, key, r, &dh);
        printf("  {\"config\": \"%s\", \"model\": \"%s\", \"params_per_generator\": %zu, \"params_discriminators\": %zu, ",
               cfgs[c], c ? "random weights" : "built-in", gp, d_params(cfgs[c]));
        if (timed)
            printf("\"encrypt_ms\": {\"paper\": %.1f, \"hardened\": %.1f}, \"decrypt_ms\": {\"paper\": %.1f, "
                   "\"hardened\": %.1f}, ",
                   ep * 1e3, eh * 1e3, dp * 1e3, dh * 1e3);
        network_vs_kernel(model, len, r, timed, stdout);
        if (c && quick) printf(", \"train_step_s\": null}\n");
        else printf(", \"train_step_s\": %.3f}%s\n", train_step(cfgs[c], ph, c ? 1 : 5), c ? "" : ",");
        free(model);
    }
    printf("]}\n");
    mc_image_free(ph);
    mc_key_free(key);
    return 0;
}

/* ------------------------------------------------------------ the tables */

static void mean_pair(const edg_pool *a, const edg_pool *b, double *psnr, double *ssim) {
    double sp = 0, ss = 0;
    size_t finite = 0;
    for (size_t i = 0; i < a->n; i++) {
        double p = 0, s = 0;
        mc_err err = {0};
        if (mc_mse_psnr(a->img[i], b->img[i], MC_ALL, MC_ALL, NULL, &p, &err) || mc_ssim(a->img[i], b->img[i], 0, 0, &s, &err))
            die("metrics", &err);
        if (p < 1e9) sp += p, finite++;
        ss += s;
    }
    *psnr = finite ? sp / (double)finite : INFINITY;
    *ssim = ss / (double)a->n;
}

static double *features(mc_featx *f, const edg_pool *p) {
    double *v = malloc(p->n * MC_FEAT_DIM * sizeof *v);
    mc_err err = {0};
    if (!v) die("allocation", NULL);
    for (size_t i = 0; i < p->n; i++)
        if (mc_featx_compute(f, p->img[i], 0, 0, v + i * MC_FEAT_DIM, &err)) die("features", &err);
    return v;
}

static void fd_kid(mc_featx *f, const edg_pool *a, const edg_pool *b, double *fd, double *kid) {
    double *fa = features(f, a), *fb = features(f, b);
    mc_err err = {0};
    if (mc_frechet_distance(fa, a->n, fb, b->n, MC_FEAT_DIM, fd, &err) ||
        mc_kernel_distance(fa, a->n, fb, b->n, MC_FEAT_DIM, kid, &err))
        die("distances", &err);
    free(fa), free(fb);
}

/* Every image of p through scheme/profile (and back when dec). */
static void crypt_pool(const edg_pool *p, edg_pool *out, const char *scheme, mc_profile prof, const mc_key *key,
                       const mc_opts *o, int dec) {
    for (size_t i = 0; i < p->n; i++) {
        mc_image *c = edg_clone(p->img[i]);
        mc_err err = {0};
        if (mc_encrypt(c, scheme, prof, NULL, 0, key, o, &err)) die(scheme, &err);
        mc_opts od = o ? *o : k_unauth;
        od.flags = MC_DECRYPT_UNAUTHENTICATED;
        if (dec && mc_decrypt(c, key, &od, &err)) die(scheme, &err);
        edg_pool_add(out, c);
    }
}

static int table(const char *samples, const char *model_path) {
    edg_pool train = {0}, test = {0}, enc = {0}, dec = {0}, ref[3] = {{0}};
    edg_pools(samples, &train, &test);
    mc_key *key = fixed_key();
    mc_opts o = {0};
    uint8_t *model = NULL;
    size_t len = 0;
    mc_err err = {0};
    if (model_path && mc_nn_model_read_file(model_path, &model, &len, &err)) die(model_path, &err);
    if (!model) model = builtin_model(&len);
    o.model = model, o.model_len = len;
    crypt_pool(&test, &enc, "edg-net", MC_PROFILE_PAPER, key, &o, 0);
    crypt_pool(&test, &dec, "edg-net", MC_PROFILE_PAPER, key, &o, 1);
    static const char *const ciphers[3] = {"latin", "logistic", "zigzag"};
    for (int k = 0; k < 3; k++) crypt_pool(&test, &ref[k], ciphers[k], MC_PROFILE_PAPER, key, NULL, 0);
    mc_featx *f = NULL;
    if (mc_featx_new(&f, &err)) die("features", &err);
    printf("held-out set: %zu crops of 64x64 (8-bit); model: %s\n\n", test.n, model_path ? model_path : "built-in");
    printf("| measure | EDG-Net here | reference |\n|---|---|---|\n");
    double p, s, fd, kid, fd0, kid0;
    for (int k = 0; k < 3; k++) {
        mean_pair(&enc, &ref[k], &p, &s);
        fd_kid(f, &enc, &ref[k], &fd, &kid);
        fd_kid(f, &ref[(k + 1) % 3], &ref[k], &fd0, &kid0);
        printf("| encryption vs %s ciphers: PSNR dB / SSIM / FD-rc64 / KID-rc64 | %.2f / %.4f / %.4f / %.5f | %s vs "
               "%s ciphers: FD %.4f, KID %.5f |\n",
               ciphers[k], p, s, fd, kid, ciphers[(k + 1) % 3], ciphers[k], fd0, kid0);
    }
    mean_pair(&dec, &test, &p, &s);
    fd_kid(f, &dec, &test, &fd, &kid);
    fd_kid(f, &ref[0], &test, &fd0, &kid0);
    printf("| decryption vs plain: PSNR dB / SSIM / FD-rc64 / KID-rc64 | %.2f / %.4f / %.4f / %.5f | latin ciphers vs "
           "plain: FD %.4f, KID %.5f |\n",
           p, s, fd, kid, fd0, kid0);
    double e = 0, ch = 0;
    for (size_t i = 0; i < enc.n; i++) {
        double r[MC_NDIRS], h;
        if (mc_corr(enc.img[i], 0, 0, r) || mc_entropy(enc.img[i], 0, 0, &h, NULL)) die("stats", NULL);
        e += h, ch += r[MC_DIR_H];
    }
    printf("| paper cipher: mean entropy / horizontal correlation of a 64x64 crop | %.4f / %.4f | an ideal 64x64 "
           "cipher: about 7.95 / 0 |\n",
           e / (double)enc.n, ch / (double)enc.n);
    mc_featx_free(f);
    edg_pool_free(&train), edg_pool_free(&test), edg_pool_free(&enc), edg_pool_free(&dec);
    for (int k = 0; k < 3; k++) edg_pool_free(&ref[k]);
    free(model);
    mc_key_free(key);
    return 0;
}

/* ---------------------------------------------------------- surrogates */

static int surrogate_table(const char *samples, uint64_t steps, const char *only, const char *only_profile,
                           size_t only_n) {
    edg_pool train = {0}, test = {0};
    edg_pools(samples, &train, &test);
    while (train.n > 1000) mc_image_free(train.img[--train.n]);
    mc_key *key = fixed_key();
    static const char *const schemes[] = {"edg-net", "at-resnet-cm", "resnet-cm", "deep-kedi"};
    static const size_t ns[3] = {10, 100, 1000};
    printf("pairs: crops of the training pool; scored on %zu held-out crops (64x64, 8-bit); %" PRIu64
           " steps per surrogate\n\n",
           test.n, steps);
    printf("| scheme | profile | surrogate steps | legitimate decryption PSNR dB / SSIM | surrogate N = 10 | N = 100 | "
           "N = 1000 |\n");
    printf("|---|---|---|---|---|---|---|\n");
    for (size_t si = 0; si < sizeof schemes / sizeof *schemes; si++) {
        if ((only && strcmp(only, schemes[si])) || !mc_scheme_find(schemes[si])) {
            if (!mc_scheme_find(schemes[si])) printf("| %s | both | | (not in this build) | | | |\n", schemes[si]);
            continue;
        }
        for (int pr = 0; pr < 2; pr++) {
            const mc_profile prof = pr ? MC_PROFILE_HARDENED : MC_PROFILE_PAPER;
            if (only_profile && strcmp(only_profile, mc_profile_name(prof))) continue;
            edg_pool pc = {0}, tc = {0}, td = {0};
            crypt_pool(&train, &pc, schemes[si], prof, key, NULL, 0);
            crypt_pool(&test, &tc, schemes[si], prof, key, NULL, 0);
            crypt_pool(&test, &td, schemes[si], prof, key, NULL, 1);
            double lp, ls;
            mean_pair(&td, &test, &lp, &ls);
            printf("| %s | %s | %" PRIu64 " | %.2f / %.4f |", schemes[si], mc_profile_name(prof), steps, lp, ls);
            fflush(stdout);
            for (int k = 0; k < 3; k++) {
                if (only_n && ns[k] != only_n) {
                    printf(" |");
                    continue;
                }
                mc_surrogate *s = NULL;
                mc_surrogate_opts so = {0, 0, steps, 0, 0, 0, 1, NULL, NULL};
                mc_err err = {0};
                const double t0 = mc_bench_now();
                if (mc_surrogate_train((const mc_image *const *)train.img, (const mc_image *const *)pc.img, ns[k], &so,
                                       &s, &err))
                    die("surrogate", &err);
                edg_pool rec = {0};
                for (size_t i = 0; i < tc.n; i++) {
                    mc_image *r = NULL;
                    if (mc_surrogate_apply(s, tc.img[i], &r, &err)) die("surrogate", &err);
                    edg_pool_add(&rec, r);
                }
                double p, q;
                mean_pair(&rec, &test, &p, &q);
                printf(" %.2f / %.4f |", p, q);
                fprintf(stderr, "%s %s N=%zu: %.0f s\n", schemes[si], mc_profile_name(prof), ns[k], mc_bench_now() - t0);
                fflush(stdout);
                edg_pool_free(&rec);
                mc_surrogate_free(s);
            }
            printf("\n");
            edg_pool_free(&pc), edg_pool_free(&tc), edg_pool_free(&td);
        }
    }
    edg_pool_free(&test);
    edg_pool_free(&train);
    mc_key_free(key);
    return 0;
}

int main(int argc, char **argv) {
    int reps = 5, quick = 0;
    const char *tab = NULL, *sur = NULL, *model = NULL, *only = NULL, *only_profile = NULL;
    uint64_t steps = 1000, only_n = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--table") && i + 1 < argc) tab = argv[++i];
        else if (!strcmp(argv[i], "--surrogate") && i + 1 < argc) sur = argv[++i];
        else if (!strcmp(argv[i], "--model") && i + 1 < argc) model = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else if (!strcmp(argv[i], "--profile") && i + 1 < argc) only_profile = argv[++i];
        else if (!strcmp(argv[i], "--n") && i + 1 < argc) only_n = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--steps") && i + 1 < argc) steps = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: mc_bench_edgnet [--reps N] [--quick] | --table SAMPLES [--model F] | --surrogate "
                            "SAMPLES [--steps N] [--only SCHEME] [--profile P] [--n N]\n");
            return 1;
        }
    }
    if (reps < 1) reps = 1;
    if (reps > 64) reps = 64;
    if (mc_init()) die("init", NULL);
    if (tab) return table(tab, model);
    if (sur) return surrogate_table(sur, steps ? steps : 1000, only, only_profile, (size_t)only_n);
    return perf(reps, quick);
}
