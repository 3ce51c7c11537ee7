/* bench_metrics.c - speed of `medcrypt analyze`'s metrics, as JSON (medians),
 * with memcpy of the same image measured in the same run.
 *
 * Usage: mc_bench_metrics [--reps N]
 *        mc_bench_metrics --local-entropy-mc TRIALS SEED
 *
 * Targets (issue 3): all single-image metrics of a 512x512 8-bit image in
 * < 50 ms on one core, all pairwise metrics in < 20 ms (`make bench` pins
 * the run to one core with taskset).
 *
 * --local-entropy-mc: the Monte Carlo behind the local-entropy acceptance
 * intervals (src/metrics/stats.c, docs/metrics.md): TRIALS times, the mean
 * Shannon entropy of k = 30 blocks of 1936 independent uniform 8-bit samples
 * (ChaCha20 keystream of libsodium's randombytes_buf_deterministic under a
 * seed-derived key, one stream per trial); prints the mean, standard
 * deviation and the alpha/2, 1 - alpha/2 quantiles as JSON. */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"
#include "medcrypt_lab.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ Monte Carlo */

static int local_entropy_mc(long trials, unsigned long long seed) {
    enum { N = MC_LE_SIDE * MC_LE_SIDE };
    uint8_t key[randombytes_SEEDBYTES];
    double *means = malloc((size_t)trials * sizeof *means);
    uint8_t *buf = malloc((size_t)MC_LE_K * N);
    if (!means || !buf) return 4;
    double t0 = mc_bench_now();
    for (long t = 0; t < trials; t++) {
        /* key = BLAKE2b-256("medcrypt local-entropy mc" || seed || trial) */
        uint8_t in[41];
        memcpy(in, "medcrypt local-entropy mc", 25);
        for (int i = 0; i < 8; i++) {
            in[25 + i] = (uint8_t)(seed >> (8 * i));
            in[33 + i] = (uint8_t)((unsigned long long)t >> (8 * i));
        }
        crypto_generichash(key, sizeof key, in, sizeof in, NULL, 0);
        randombytes_buf_deterministic(buf, (size_t)MC_LE_K * N, key);
        double sum = 0;
        for (int b = 0; b < MC_LE_K; b++) {
            uint16_t h[256] = {0};
            const uint8_t *p = buf + (size_t)b * N;
            for (int i = 0; i < N; i++) h[p[i]]++;
            sum += mc_block_entropy8(h, N);
        }
        means[t] = sum / MC_LE_K;
    }
    double el = mc_bench_now() - t0, m = 0, v = 0;
    for (long t = 0; t < trials; t++) m += means[t];
    m /= (double)trials;
    for (long t = 0; t < trials; t++) v += (means[t] - m) * (means[t] - m);
    v /= (double)(trials - 1);
    qsort(means, (size_t)trials, sizeof *means, mc_bench_cmp_d);
    printf("{\"trials\": %ld, \"seed\": %llu, \"k\": %d, \"block_pixels\": %d, \"mean\": %.9f, \"sd\": %.9f,\n",
           trials, seed, MC_LE_K, N, m, sqrt(v));
    printf(" \"quantiles\": {");
    for (int a = 0; a < MC_NALPHA; a++) {
        /* order statistics: lower at floor(alpha/2 * T), upper mirrored */
        long lo = (long)floor(mc_alphas[a] / 2 * (double)trials), hi = trials - 1 - lo;
        printf("%s\"%g\": [%.9f, %.9f]", a ? ", " : "", mc_alphas[a], means[lo], means[hi]);
    }
    printf("}, \"seconds\": %.1f}\n", el);
    free(means);
    free(buf);
    return 0;
}

/* ------------------------------------------------------------ benchmark */

typedef struct bres {
    const char *name;
    double ms;
} bres;

#define TIME(label, reps, stmt)                                                                                        \
    do {                                                                                                               \
        double ts_[256];                                                                                               \
        for (int r_ = 0; r_ < (reps); r_++) {                                                                          \
            double t0_ = mc_bench_now();                                                                                        \
            stmt;                                                                                                      \
            ts_[r_] = (mc_bench_now() - t0_) * 1e3;                                                                             \
        }                                                                                                              \
        res[nres].name = (label);                                                                                      \
        res[nres++].ms = mc_bench_median(ts_, (reps));                                                                          \
    } while (0)

int main(int argc, char **argv) {
    if (sodium_init() < 0) return 4;
    if (argc == 4 && !strcmp(argv[1], "--local-entropy-mc")) {
        long trials = strtol(argv[2], NULL, 10);
        if (trials < 10) {
            fprintf(stderr, "mc_bench_metrics: TRIALS must be at least 10\n");
            return 1;
        }
        return local_entropy_mc(trials, strtoull(argv[3], NULL, 10));
    }
    int reps = 21;
    if (argc == 3 && !strcmp(argv[1], "--reps")) reps = atoi(argv[2]);
    if (reps < 1 || reps > 256) {
        fprintf(stderr, "usage: mc_bench_metrics [--reps 1..256] | --local-entropy-mc TRIALS SEED\n");
        return 1;
    }
    mc_err err = {0};
    mc_image *plain = NULL, *cipher = NULL, *p16 = NULL, *c16 = NULL;
    /* plain: the 8-bit phantom; cipher: uniform random bytes (what a good
     * cipher gives); the same for 16 bits */
    if (mc_phantom(&plain, 512, 1, 8, &err) || mc_phantom(&p16, 512, 1, 16, &err) ||
        mc_image_new(&cipher, 512, 512, 1, 1, 8, 0, NULL, &err) ||
        mc_image_new(&c16, 512, 512, 1, 1, 16, 1, NULL, &err)) {
        fprintf(stderr, "mc_bench_metrics: %s\n", err.msg);
        return 4;
    }
    randombytes_buf(cipher->pixels, cipher->nbytes);
    randombytes_buf(c16->pixels, c16->nbytes);
    uint8_t *dst = malloc(cipher->nbytes);
    if (!dst) return 4;
    bres res[64];
    int nres = 0;
    volatile double sink = 0;
    mc_stats st;
    mc_pair_stats ps;
    double r[MC_NDIRS], v1, v2;
    uint64_t *hist = malloc(65536 * sizeof *hist), pngb = 0;
    mc_local_entropy le;
    mc_npcr np;
    mc_chi2 chi;

    TIME("memcpy", reps, memcpy(dst, cipher->pixels, cipher->nbytes); sink += dst[reps % 7]);
    TIME("single_all", reps, mc_stats_compute(cipher, MC_ALL, MC_ALL, 0, 1, &st, &err); sink += st.entropy);
    TIME("pairwise_all", reps, mc_pair_stats_compute(cipher, plain, MC_ALL, MC_ALL, 32, &ps, &err); sink += ps.ssim);
    TIME("entropy", reps, mc_entropy(cipher, MC_ALL, MC_ALL, &v1, &v2); sink += v1);
    TIME("histogram_chi2", reps, mc_histogram(cipher, MC_ALL, MC_ALL, hist, NULL);
         mc_chi2_uniform(hist, 256, &chi); sink += chi.p);
    TIME("local_entropy", reps, mc_local_entropy_compute(cipher, MC_ALL, MC_ALL, 1, &le); sink += le.mean);
    TIME("corr_all_pairs", reps, mc_corr(cipher, MC_ALL, MC_ALL, r); sink += r[0]);
    TIME("corr_sampled_5000", reps, mc_corr_sampled(cipher, MC_ALL, MC_ALL, 5000, 1, r); sink += r[0]);
    TIME("npcr_uaci", reps, mc_npcr_uaci(cipher, plain, MC_ALL, MC_ALL, &np, &err); sink += np.npcr);
    TIME("mse_psnr", reps, mc_mse_psnr(cipher, plain, MC_ALL, MC_ALL, &v1, &v2, &err); sink += v1);
    TIME("ssim", reps, mc_ssim(cipher, plain, MC_ALL, MC_ALL, &v1, &err); sink += v1);
    TIME("thumb_32", reps, mc_thumb_compare(cipher, plain, 32, MC_ALL, MC_ALL, &v1, &v2, &err); sink += v1);
    TIME("png_size_expansion", reps, mc_png_size(cipher, &pngb, &err); sink += (double)pngb);
    TIME("single_all_16bit", reps, mc_stats_compute(c16, MC_ALL, MC_ALL, 0, 1, &st, &err); sink += st.entropy);
    TIME("pairwise_all_16bit", reps, mc_pair_stats_compute(c16, p16, MC_ALL, MC_ALL, 32, &ps, &err); sink += ps.ssim);
    (void)sink;

    double mem = res[0].ms, single = res[1].ms, pair = res[2].ms;
    printf("{\n  \"bench\": \"metrics\", ");
    mc_bench_machine(stdout);
    printf(",\n  \"image\": \"512x512 8-bit (uniform random 'cipher' vs Shepp-Logan "
           "'plain'); 16-bit rows: 512x512 16-bit\",\n");
    printf("  \"reps\": %d,\n  \"statistic\": \"median ms\",\n  \"results\": {\n", reps);
    for (int i = 0; i < nres; i++)
        printf("    \"%s\": {\"ms\": %.4f, \"x_memcpy\": %.1f}%s\n", res[i].name, res[i].ms, res[i].ms / mem,
               i + 1 < nres ? "," : "");
    printf("  },\n  \"targets\": {\"single_all_ms_lt\": 50, \"pairwise_all_ms_lt\": 20, "
           "\"single_ok\": %s, \"pairwise_ok\": %s},\n",
           single < 50 ? "true" : "false", pair < 20 ? "true" : "false");
    printf("  \"notes\": \"single_all = entropy + high-byte entropy + histogram/chi-square + local entropy + "
           "correlation (all pairs and 5000 sampled, 4 directions); pairwise_all = MSE/PSNR + SSIM + NPCR/UACI + "
           "32x32 thumbnail PSNR/SSIM; png_size (file expansion) is reported apart\"\n}\n");
    free(dst);
    free(hist);
    mc_image_free(plain);
    mc_image_free(cipher);
    mc_image_free(p16);
    mc_image_free(c16);
    return single < 50 && pair < 20 ? 0 : 1;
}
