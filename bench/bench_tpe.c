/* bench_tpe.c - the exact thumbnail-preserving schemes (tpe-h2mwd, tpe-pair,
 * tpe2): timings, the mixing measurement that sets the baselines' round
 * counts, and the reproduction table of docs/schemes/tpe-h2mwd.md.
 *
 *   mc_bench_tpe [--quick]
 *       JSON on stdout, everything measured in one run, the configurations
 *       of a section interleaved rep by rep (so that the machine's load hits
 *       them alike); medians of 11 reps (--quick: 5), wall clock and thread
 *       CPU time; every decryption checked exact.  512x512 RGB 8-bit (the
 *       Shepp-Logan phantom, one shade per channel, plus noise), block 32:
 *        - "block32": through mc_encrypt / mc_decrypt (MAC, metadata: what a
 *          caller sees), the default implementation: tpe-h2mwd (10 rounds,
 *          the paper's; hardened and paper profiles), tpe-pair and tpe2 at
 *          the round counts of comparable mixing (MIX_ROUNDS_*, from
 *          --mixing) and at their defaults, aead (the floor), and the ratios;
 *        - "implementations": the schemes' own encrypt / decrypt (no MAC or
 *          framing), tpe-h2mwd through each implementation this CPU runs
 *          (portable, avx2, avx2-pdep, avx512: h2mwd.h), beside tpe2 (6 and
 *          7 rounds), tpe-pair (16) and aead, the same run: ms per
 *          implementation and the ratios tpe2 / tpe-h2mwd, wall clock and
 *          (under "cpu_time", what to read on a loaded machine) thread CPU
 *          time;
 *        - "block_sweep": each implementation and the baselines at block 8,
 *          16, 32, 64 (ns per sample: the cost per sample at a fixed block
 *          size is what O(mn) predicts constant);
 *        - "ct16": a 512x512 16-bit CT phantom at block 32, each
 *          implementation.
 *       The TPE block driver's RGB rows follow mc_cpu_features() (the level
 *       in "cpu_level"); MEDCRYPT_CPU=portable|avx2 lowers it.
 *   mc_bench_tpe --mixing [TRIALS]
 *       JSON: for each scheme and round count 1..24, the mean fraction of the
 *       samples of a 32x32 8-bit block that differ between the ciphers of
 *       two plaintexts differing in one sample's least significant bit (same
 *       key, paper profile, TRIALS trials, default 300, half on uniform random
 *       blocks, half on smooth ones), and the round counts where each scheme
 *       reaches tpe-h2mwd's 10-round level (docs: "Comparable mixing").
 *   mc_bench_tpe --table [--markdown] FILE...
 *       The reproduction table (paper Tables 3-5, Fig. 11): for the phantom
 *       (512x512, 8-bit and 16-bit CT) and each FILE, the plaintext's and
 *       each scheme's cipher (hardened, block 8/16/32/64, default rounds):
 *       entropy, adjacent-pixel correlations (all pairs, h/v/d), encryption
 *       time, PNG expansion (cipher PNG / plaintext PNG bytes), thumbnail PSNR
 *       at the block size (inf = exact) and whether decryption was exact.
 * Times: one core is the caller's business (make bench uses taskset). */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"
#include "medcrypt.h"
#include "medcrypt_lab.h"
#include "core/cpu.h"
#include "schemes/tpe_h2mwd/h2mwd.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* paper-profile ciphers are decrypted too: an explicit choice (medcrypt.h) */
static const mc_opts k_unauth = {.flags = MC_DECRYPT_UNAUTHENTICATED};

/* Round counts of comparable mixing, block 32 (measured by --mixing on this
 * code: the fewest rounds after which a one-sample change has spread as far
 * as tpe-h2mwd's in its 10 rounds, for three consecutive round counts). */
#define MIX_ROUNDS_PAIR 16
#define MIX_ROUNDS_TPE2 6
#define H2_ROUNDS 10

static void die(const char *what, const mc_err *err) {
    fprintf(stderr, "mc_bench_tpe: %s: %s\n", what, err ? err->msg : "failed");
    exit(4);
}

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static mc_image *clone_image(const mc_image *p) {
    mc_image *c = NULL;
    if (mc_image_new(&c, p->width, p->height, p->depth, p->channels, p->bits, p->is_signed, NULL, NULL))
        die("allocation", NULL);
    memcpy(c->pixels, p->pixels, p->nbytes);
    c->bits_stored = p->bits_stored;
    return c;
}

/* 512x512 RGB 8-bit: the phantom, scaled differently per channel, plus noise. */
static mc_image *rgb_phantom(uint32_t size) {
    mc_image *g = NULL, *img = NULL;
    mc_err err = {0};
    if (mc_phantom(&g, size, 1, 8, &err)) die("phantom", &err);
    if (mc_image_new(&img, size, size, 1, 3, 8, 0, NULL, &err)) die("allocation", &err);
    const uint8_t *s = g->pixels;
    uint8_t *d = img->pixels;
    uint8_t noise[3];
    for (size_t i = 0; i < (size_t)size * size; i++) {
        randombytes_buf(noise, sizeof noise);
        d[3 * i] = (uint8_t)(s[i] * 7 / 8 + (noise[0] & 15));
        d[3 * i + 1] = (uint8_t)(s[i] * 5 / 8 + (noise[1] & 31));
        d[3 * i + 2] = (uint8_t)(255 - s[i] * 3 / 4 - (noise[2] & 15));
    }
    mc_image_free(g);
    return img;
}

/* One configuration timed rep by rep: scheme, profile, block, rounds (0:
 * the scheme's default / none); through mc_encrypt / mc_decrypt (impl NULL,
 * direct 0), or the scheme's own functions (direct 1; tpe-h2mwd through
 * impl); the plaintext and its working copy; the reps' times. */
typedef struct config {
    const char *scheme, *basis;
    mc_profile prof;
    unsigned block, rounds;
    int direct;
    const mc_tpe_h2mwd_impl *impl;
    const mc_image *plain;
    mc_image *img;
    double *te, *td, *ce, *cd;
} config;

typedef struct result {
    double enc_ms, dec_ms, enc_cpu_ms, dec_cpu_ms;
} result;

/* the sub-key and nonce of the direct runs */
typedef struct direct_keys {
    uint8_t key[32], nonce[24];
    mc_meta *meta;
} direct_keys;

static void config_init(config *c, int reps) {
    c->img = clone_image(c->plain);
    c->te = calloc((size_t)reps, sizeof(double));
    c->td = calloc((size_t)reps, sizeof(double));
    c->ce = calloc((size_t)reps, sizeof(double));
    c->cd = calloc((size_t)reps, sizeof(double));
    if (!c->te || !c->td || !c->ce || !c->cd) die("allocation", NULL);
}

static void config_rep(config *c, int rep, const mc_key *key, direct_keys *dk) {
    char pb[32], pr[32];
    snprintf(pb, sizeof pb, "block=%u", c->block);
    snprintf(pr, sizeof pr, "rounds=%u", c->rounds);
    const char *params[2] = {pb, pr};
    const size_t np = !strcmp(c->scheme, "aead") ? 0 : c->rounds ? 2 : 1;
    mc_err err = {0};
    memcpy(c->img->pixels, c->plain->pixels, c->plain->nbytes);
    c->img->has_meta = 0;
    mc_meta_clear(&c->img->meta);
    mc_scheme_ctx ctx = {.key = dk->key, .nonce = c->prof == MC_PROFILE_HARDENED ? dk->nonce : NULL,
                         .profile = c->prof, .meta = dk->meta, .opts = NULL};
    const mc_scheme *s = mc_scheme_find(c->scheme);
    if (!s) die(c->scheme, NULL);
    if (c->direct) {
        mc_meta_clear(dk->meta);
        snprintf(pb, sizeof pb, "%u", c->block);
        snprintf(pr, sizeof pr, "%u", c->rounds);
        if (np && (mc_meta_set(dk->meta, "p.block", pb) || mc_meta_set(dk->meta, "p.rounds", pr)))
            die("metadata", NULL);
    }
    const double w0 = mc_bench_now(), c0 = cpu_now();
    int rc = !c->direct ? mc_encrypt(c->img, c->scheme, c->prof, params, np, key, NULL, &err)
             : c->impl  ? mc_tpe_h2mwd_image(&ctx, c->img, 1, c->impl, &err)
                        : s->encrypt(&ctx, c->img, &err);
    if (rc) die(c->scheme, &err);
    const double w1 = mc_bench_now(), c1 = cpu_now();
    rc = !c->direct ? mc_decrypt(c->img, key, &k_unauth, &err)
         : c->impl  ? mc_tpe_h2mwd_image(&ctx, c->img, 0, c->impl, &err)
                    : s->decrypt(&ctx, c->img, &err);
    if (rc) die(c->scheme, &err);
    const double w2 = mc_bench_now(), c2 = cpu_now();
    if (memcmp(c->img->pixels, c->plain->pixels, c->plain->nbytes)) die(c->scheme, NULL);
    c->te[rep] = w1 - w0;
    c->td[rep] = w2 - w1;
    c->ce[rep] = c1 - c0;
    c->cd[rep] = c2 - c1;
}

static result config_done(config *c, int reps) {
    result r = {1e3 * mc_bench_median(c->te, reps), 1e3 * mc_bench_median(c->td, reps),
                1e3 * mc_bench_median(c->ce, reps), 1e3 * mc_bench_median(c->cd, reps)};
    free(c->te);
    free(c->td);
    free(c->ce);
    free(c->cd);
    mc_image_free(c->img);
    return r;
}

/* Time n configurations, interleaved rep by rep. */
static void run_configs(config *c, result *r, size_t n, int reps, const mc_key *key, direct_keys *dk) {
    for (size_t i = 0; i < n; i++) config_init(&c[i], reps);
    for (int rep = 0; rep < reps; rep++)
        for (size_t i = 0; i < n; i++) config_rep(&c[i], rep, key, dk);
    for (size_t i = 0; i < n; i++) r[i] = config_done(&c[i], reps);
}

static void print_result(const char *sep, const config *c, const result *r, const result *aead, size_t samples) {
    printf("%s  {\"scheme\": \"%s\", \"profile\": \"%s\", \"impl\": \"%s\", \"via\": \"%s\", \"block\": %u, "
           "\"rounds\": %u, \"rounds_basis\": \"%s\", \"encrypt_ms\": %.3f, \"decrypt_ms\": %.3f, "
           "\"encrypt_cpu_ms\": %.3f, \"decrypt_cpu_ms\": %.3f, \"encrypt_ns_per_sample\": %.1f",
           sep, c->scheme, mc_profile_name(c->prof),
           c->impl ? c->impl->name : !strcmp(c->scheme, "tpe-h2mwd") ? mc_tpe_h2mwd_impl_best()->name : "-",
           c->direct ? "scheme" : "mc_encrypt", c->block, c->rounds, c->basis, r->enc_ms, r->dec_ms, r->enc_cpu_ms,
           r->dec_cpu_ms, 1e6 * r->enc_ms / (double)samples);
    if (aead) printf(", \"encrypt_over_aead\": %.1f", r->enc_ms / aead->enc_ms);
    printf("}");
}

/* The implementations of tpe-h2mwd this process may run, best first, "ref"
 * left out (it is the byte-per-bit construction, for tests). */
static size_t bench_impls(const mc_tpe_h2mwd_impl **out) {
    size_t n, k = 0;
    const mc_tpe_h2mwd_impl *const *all = mc_tpe_h2mwd_impls(&n);
    for (size_t i = 0; i < n; i++)
        if (all[i]->split && mc_tpe_h2mwd_impl_get(all[i]->name)) out[k++] = all[i];
    return k;
}

static int bench_json(int quick) {
    const int reps = quick ? 5 : 11, sweep_reps = 5;
    mc_key *key = NULL;
    mc_err err = {0};
    if (mc_key_generate(&key, NULL)) die("key", NULL);
    direct_keys dk;
    randombytes_buf(dk.key, sizeof dk.key);
    randombytes_buf(dk.nonce, sizeof dk.nonce);
    if (!(dk.meta = calloc(1, sizeof *dk.meta))) die("allocation", NULL);
    const mc_tpe_h2mwd_impl *impls[8];
    const size_t ni = bench_impls(impls);
    mc_image *img = rgb_phantom(512);
    const size_t n = img->nbytes;
    uint8_t *dst = malloc(n);
    double *t = malloc(sizeof(double) * (size_t)reps);
    if (!dst || !t) die("allocation", NULL);
    memcpy(dst, img->pixels, n);
    for (int i = 0; i < reps; i++) {
        double t0 = mc_bench_now();
        memcpy(dst, img->pixels, n);
        t[i] = mc_bench_now() - t0;
        if (dst[i % n] != ((uint8_t *)img->pixels)[i % n]) die("memcpy", NULL);
    }
    const double memcpy_ms = 1e3 * mc_bench_median(t, reps);
    const mc_profile H = MC_PROFILE_HARDENED, PP = MC_PROFILE_PAPER;
    /* block 32, RGB 8-bit, one interleaved run: [0] tpe-h2mwd, the reference
     * of the ratios; the mc_encrypt configurations, then the direct ones
     * (each implementation, then tpe2 6 and 7, tpe-pair 16, aead) */
    config c[24] = {
        {"tpe-h2mwd", "paper", H, 32, H2_ROUNDS, 0, NULL, img, 0, 0, 0, 0, 0},
        {"tpe-h2mwd", "paper", PP, 32, H2_ROUNDS, 0, NULL, img, 0, 0, 0, 0, 0},
        {"tpe-pair", "mixing", H, 32, MIX_ROUNDS_PAIR, 0, NULL, img, 0, 0, 0, 0, 0},
        {"tpe2", "mixing", H, 32, MIX_ROUNDS_TPE2, 0, NULL, img, 0, 0, 0, 0, 0},
        {"tpe-pair", "default", H, 32, 10, 0, NULL, img, 0, 0, 0, 0, 0},
        {"tpe2", "default", H, 32, 7, 0, NULL, img, 0, 0, 0, 0, 0},
        {"aead", "-", H, 32, 0, 0, NULL, img, 0, 0, 0, 0, 0},
    };
    enum { NM = 7 }; /* the mc_encrypt configurations; aead last */
    size_t nc = NM;
    const size_t d0 = nc;
    for (size_t i = 0; i < ni; i++) c[nc++] = (config){"tpe-h2mwd", "paper", H, 32, H2_ROUNDS, 1, impls[i], img, 0, 0, 0, 0, 0};
    const size_t dt2 = nc;
    c[nc++] = (config){"tpe2", "mixing", H, 32, MIX_ROUNDS_TPE2, 1, NULL, img, 0, 0, 0, 0, 0};
    c[nc++] = (config){"tpe2", "default", H, 32, 7, 1, NULL, img, 0, 0, 0, 0, 0};
    c[nc++] = (config){"tpe-pair", "mixing", H, 32, MIX_ROUNDS_PAIR, 1, NULL, img, 0, 0, 0, 0, 0};
    const size_t dae = nc;
    c[nc++] = (config){"aead", "-", H, 32, 0, 1, NULL, img, 0, 0, 0, 0, 0};
    result r[24];
    run_configs(c, r, nc, reps, key, &dk);
    const result *aead = &r[NM - 1], *h2 = &r[0], *pair = &r[2], *tpe2 = &r[3];
    printf("{\"bench\": \"tpe\", ");
    mc_bench_machine(stdout);
    printf(", \"cpu_level\": \"%s\", \"default_impl\": \"%s\", \"image\": \"512x512 RGB 8-bit phantom\", "
           "\"samples\": %zu,\n \"reps\": %d, \"statistic\": \"median\", \"interleaved\": true, \"memcpy_ms\": %.4f,\n"
           " \"mixing_rounds\": {\"tpe-h2mwd\": %d, \"tpe-pair\": %d, \"tpe2\": %d, \"basis\": "
           "\"mc_bench_tpe --mixing: fewest rounds reaching tpe-h2mwd's 10-round spread of a one-sample change\"},\n"
           " \"block32\": [\n",
           mc_cpu_level_name(), mc_tpe_h2mwd_impl_best()->name, n, reps, memcpy_ms, H2_ROUNDS, MIX_ROUNDS_PAIR,
           MIX_ROUNDS_TPE2);
    for (size_t i = 0; i < NM; i++) print_result(i ? ",\n" : "", &c[i], &r[i], i + 1 < NM ? aead : NULL, n);
    printf("\n ],\n \"ratios\": {\"tpe2_over_h2mwd_encrypt\": %.2f, \"tpe2_over_h2mwd_decrypt\": %.2f, "
           "\"tpe2_over_h2mwd_encrypt_cpu\": %.2f, \"tpe2_over_h2mwd_decrypt_cpu\": %.2f,\n"
           "  \"pair_over_h2mwd_encrypt\": %.2f, \"pair_over_h2mwd_decrypt\": %.2f, \"h2mwd_over_aead_encrypt\": %.1f},\n",
           tpe2->enc_ms / h2->enc_ms, tpe2->dec_ms / h2->dec_ms, tpe2->enc_cpu_ms / h2->enc_cpu_ms,
           tpe2->dec_cpu_ms / h2->dec_cpu_ms, pair->enc_ms / h2->enc_ms, pair->dec_ms / h2->dec_ms,
           h2->enc_ms / aead->enc_ms);
    /* per implementation, the same run (the schemes' own functions) */
    const result *t6 = &r[dt2], *t7 = &r[dt2 + 1], *ae = &r[dae];
    printf(" \"implementations\": {\"via\": \"scheme\", \"summary\": [\n");
    for (size_t i = 0; i < ni; i++) {
        const result *x = &r[d0 + i];
        printf("%s  {\"impl\": \"%s\", \"h2mwd_encrypt_ms\": %.3f, \"h2mwd_decrypt_ms\": %.3f, "
               "\"tpe2_encrypt_ms\": %.3f, \"tpe2_decrypt_ms\": %.3f, \"tpe2_over_h2mwd_encrypt\": %.2f, "
               "\"tpe2_over_h2mwd_decrypt\": %.2f, \"tpe2_7_over_h2mwd_encrypt\": %.2f, \"aead_encrypt_ms\": %.3f, "
               "\"h2mwd_over_aead_encrypt\": %.1f,\n    \"cpu_time\": {\"h2mwd_encrypt_ms\": %.3f, "
               "\"h2mwd_decrypt_ms\": %.3f, \"tpe2_encrypt_ms\": %.3f, \"tpe2_over_h2mwd_encrypt\": %.2f, "
               "\"tpe2_over_h2mwd_decrypt\": %.2f, \"aead_encrypt_ms\": %.3f}}",
               i ? ",\n" : "", impls[i]->name, x->enc_ms, x->dec_ms, t6->enc_ms, t6->dec_ms, t6->enc_ms / x->enc_ms,
               t6->dec_ms / x->dec_ms, t7->enc_ms / x->enc_ms, ae->enc_ms, x->enc_ms / ae->enc_ms, x->enc_cpu_ms,
               x->dec_cpu_ms, t6->enc_cpu_ms, t6->enc_cpu_ms / x->enc_cpu_ms, t6->dec_cpu_ms / x->dec_cpu_ms,
               ae->enc_cpu_ms);
    }
    printf("\n ], \"runs\": [\n");
    for (size_t i = d0; i < nc; i++) print_result(i > d0 ? ",\n" : "", &c[i], &r[i], i + 1 < nc ? ae : NULL, n);
    printf("\n ]},\n");
    /* block sweep: paper profile, direct, each implementation and the
     * baselines at their benchmark rounds */
    static const unsigned blocks[] = {8, 16, 32, 64};
    config s[4 * 10];
    size_t ns = 0;
    for (size_t b = 0; b < 4; b++) {
        for (size_t i = 0; i < ni; i++)
            s[ns++] = (config){"tpe-h2mwd", "paper", PP, blocks[b], H2_ROUNDS, 1, impls[i], img, 0, 0, 0, 0, 0};
        s[ns++] = (config){"tpe-pair", "mixing", PP, blocks[b], MIX_ROUNDS_PAIR, 1, NULL, img, 0, 0, 0, 0, 0};
        s[ns++] = (config){"tpe2", "mixing", PP, blocks[b], MIX_ROUNDS_TPE2, 1, NULL, img, 0, 0, 0, 0, 0};
    }
    result sr[4 * 10];
    run_configs(s, sr, ns, sweep_reps, key, &dk);
    printf(" \"block_sweep\": [\n");
    for (size_t i = 0; i < ns; i++) print_result(i ? ",\n" : "", &s[i], &sr[i], NULL, n);
    /* 16-bit CT phantom, gray, block 32 */
    mc_image *ct = NULL;
    if (mc_phantom(&ct, 512, 1, 16, &err)) die("phantom", &err);
    config b16[12];
    size_t n16 = 0;
    for (size_t i = 0; i < ni; i++)
        b16[n16++] = (config){"tpe-h2mwd", "paper", H, 32, H2_ROUNDS, 1, impls[i], ct, 0, 0, 0, 0, 0};
    b16[n16++] = (config){"tpe-pair", "mixing", H, 32, MIX_ROUNDS_PAIR, 1, NULL, ct, 0, 0, 0, 0, 0};
    b16[n16++] = (config){"tpe2", "mixing", H, 32, MIX_ROUNDS_TPE2, 1, NULL, ct, 0, 0, 0, 0, 0};
    b16[n16++] = (config){"aead", "-", H, 32, 0, 1, NULL, ct, 0, 0, 0, 0, 0};
    result r16[12];
    run_configs(b16, r16, n16, sweep_reps, key, &dk);
    printf("\n ],\n \"ct16\": {\"image\": \"512x512 16-bit CT phantom\", \"samples\": %zu, \"reps\": %d, "
           "\"tpe2_over_h2mwd_encrypt\": {",
           mc_image_samples(ct), sweep_reps);
    for (size_t i = 0; i < ni; i++)
        printf("%s\"%s\": %.2f", i ? ", " : "", impls[i]->name, r16[n16 - 2].enc_ms / r16[i].enc_ms);
    printf("}, \"runs\": [\n");
    for (size_t i = 0; i < n16; i++)
        print_result(i ? ",\n" : "", &b16[i], &r16[i], i + 1 < n16 ? &r16[n16 - 1] : NULL, mc_image_samples(ct));
    printf("\n ]}}\n");
    mc_image_free(ct);
    free(t);
    free(dst);
    mc_image_free(img);
    mc_key_free(key);
    mc_meta_clear(dk.meta);
    free(dk.meta);
    sodium_memzero(&dk, sizeof dk);
    return 0;
}

/* ----------------------------------------------------------- mixing */

/* One trial: a 32x32 8-bit block (uniform random, or smooth: a gradient plus
 * small noise), its copy with one random sample's LSB flipped, both
 * encrypted under one fresh key with the paper profile (no nonce: the same
 * keyed streams); the fraction of samples that differ. */
static double mix_trial(const char *scheme, unsigned rounds, int smooth) {
    enum { K = 32 };
    mc_key *key = NULL;
    mc_err err = {0};
    mc_image *a = NULL, *b = NULL;
    if (mc_key_generate(&key, NULL)) die("key", NULL);
    if (mc_image_new(&a, K, K, 1, 1, 8, 0, NULL, &err) || mc_image_new(&b, K, K, 1, 1, 8, 0, NULL, &err))
        die("allocation", &err);
    uint8_t *pa = a->pixels, *pb = b->pixels;
    randombytes_buf(pa, K * K);
    if (smooth)
        for (unsigned i = 0; i < K * K; i++) pa[i] = (uint8_t)(60 + (i % K) * 2 + (i / K) + (pa[i] & 7));
    memcpy(pb, pa, K * K);
    pb[randombytes_uniform(K * K)] ^= 1;
    char pbk[32], pr[32];
    snprintf(pbk, sizeof pbk, "block=%d", K);
    snprintf(pr, sizeof pr, "rounds=%u", rounds);
    const char *params[2] = {pbk, pr};
    if (mc_encrypt(a, scheme, MC_PROFILE_PAPER, params, 2, key, NULL, &err) ||
        mc_encrypt(b, scheme, MC_PROFILE_PAPER, params, 2, key, NULL, &err))
        die(scheme, &err);
    unsigned diff = 0;
    for (unsigned i = 0; i < K * K; i++) diff += pa[i] != pb[i];
    mc_image_free(a);
    mc_image_free(b);
    mc_key_free(key);
    return diff / (double)(K * K);
}

static int bench_mixing(int trials) {
    enum { RMAX = 24 };
    static const char *const schemes[] = {"tpe-h2mwd", "tpe-pair", "tpe2"};
    double npcr[3][RMAX + 1];
    for (size_t s = 0; s < 3; s++)
        for (unsigned r = 1; r <= RMAX; r++) {
            double sum = 0;
            for (int i = 0; i < trials; i++) sum += mix_trial(schemes[s], r, i & 1);
            npcr[s][r] = 100 * sum / trials;
        }
    /* the level to reach: tpe-h2mwd after its 10 rounds, less 0.1 points */
    const double ref = npcr[0][H2_ROUNDS], level = ref - 0.1;
    printf("{\"bench\": \"tpe-mixing\", ");
    mc_bench_machine(stdout);
    printf(", \"block\": \"32x32 8-bit, half uniform random, half smooth\", \"trials\": %d,\n"
           " \"measure\": \"mean percentage of samples that differ after a one-LSB plaintext change (same key)\",\n"
           " \"reference\": %.3f, \"level\": %.3f, \"schemes\": [\n",
           trials, ref, level);
    for (size_t s = 0; s < 3; s++) {
        unsigned reach = 0; /* fewest r with r, r + 1, r + 2 all at the level */
        for (unsigned r = 1; r + 2 <= RMAX && !reach; r++)
            if (npcr[s][r] >= level && npcr[s][r + 1] >= level && npcr[s][r + 2] >= level) reach = r;
        printf("%s  {\"scheme\": \"%s\", \"rounds_to_level\": %u, \"npcr_by_rounds\": [", s ? ",\n" : "", schemes[s],
               reach);
        for (unsigned r = 1; r <= RMAX; r++) printf("%s%.2f", r > 1 ? ", " : "", npcr[s][r]);
        printf("]}");
    }
    printf("\n ]}\n");
    return 0;
}

/* ------------------------------------------------------------ the table */

/* the table: every scheme at its default rounds */
static const struct {
    const char *name;
    unsigned rounds;
} k_tpe[] = {{"tpe-h2mwd", 10}, {"tpe-pair", 10}, {"tpe2", 7}};
#define NTPE (sizeof k_tpe / sizeof k_tpe[0])

typedef struct row {
    double entropy, corr[MC_NDIRS];
    double ms;
    double expansion, thumb_psnr;
    int exact;
} row;

static void stats_of(const mc_image *img, row *r) {
    mc_err err = {0};
    if (mc_entropy(img, MC_ALL, MC_ALL, &r->entropy, NULL)) die("entropy", NULL);
    /* correlation over all pairs of all channels and slices (pairs never
     * cross a channel or a slice) */
    if (mc_corr(img, MC_ALL, MC_ALL, r->corr)) die("correlation", &err);
}

static void print_row(int md, int *first, const char *sample, const mc_image *img, const char *scheme,
                      unsigned block, unsigned rounds, const row *r) {
    char geo[64];
    snprintf(geo, sizeof geo, "%ux%ux%u%s %u-bit%s", img->width, img->height, img->depth,
             img->channels == 3 ? " RGB" : "", img->bits, img->is_signed ? " signed" : "");
    char th[32];
    if (isinf(r->thumb_psnr)) snprintf(th, sizeof th, md ? "inf" : "\"inf\"");
    else snprintf(th, sizeof th, "%.2f", r->thumb_psnr);
    if (md) {
        char bl[16] = "-", ro[16] = "-", ms[16] = "-";
        if (block) {
            snprintf(bl, sizeof bl, "%u", block);
            snprintf(ro, sizeof ro, "%u", rounds);
            snprintf(ms, sizeof ms, "%.1f", r->ms);
        }
        printf("| %s | %s | %s | %s | %s | %.4f | %.4f | %.4f | %.4f | %s | %.3f | %s | %s |\n", sample, geo, scheme,
               bl, ro, r->entropy, r->corr[MC_DIR_H], r->corr[MC_DIR_V], r->corr[MC_DIR_D], ms, r->expansion, th,
               r->exact ? "yes" : "NO");
        return;
    }
    printf("%s  {\"sample\": \"%s\", \"geometry\": \"%s\", \"scheme\": \"%s\", \"block\": %u, \"rounds\": %u, "
           "\"entropy\": %.4f, \"corr_h\": %.4f, \"corr_v\": %.4f, \"corr_d\": %.4f, \"encrypt_ms\": %.2f, "
           "\"png_expansion\": %.3f, \"thumb_psnr\": %s, \"exact\": %s}",
           *first ? "" : ",\n", sample, geo, scheme, block, rounds, r->entropy, r->corr[MC_DIR_H], r->corr[MC_DIR_V],
           r->corr[MC_DIR_D], r->ms, r->expansion, th, r->exact ? "true" : "false");
    *first = 0;
}

static void table_image(const char *sample, const mc_image *plain, const mc_key *key, int md, int *first) {
    mc_err err = {0};
    uint64_t plain_png;
    if (mc_png_size(plain, &plain_png, &err)) die("png size", &err);
    row r = {0};
    stats_of(plain, &r);
    r.expansion = 1.0;
    r.thumb_psnr = INFINITY;
    r.exact = 1;
    print_row(md, first, sample, plain, "plain", 0, 0, &r);
    static const unsigned blocks[] = {8, 16, 32, 64};
    for (size_t s = 0; s < NTPE; s++)
        for (size_t b = 0; b < 4; b++) {
            char pb[32];
            snprintf(pb, sizeof pb, "block=%u", blocks[b]);
            const char *params[1] = {pb};
            mc_image *img = clone_image(plain);
            double t0 = mc_bench_now();
            if (mc_encrypt(img, k_tpe[s].name, MC_PROFILE_HARDENED, params, 1, key, NULL, &err)) die(k_tpe[s].name, &err);
            r.ms = 1e3 * (mc_bench_now() - t0);
            stats_of(img, &r);
            uint64_t png;
            if (mc_png_size(img, &png, &err)) die("png size", &err);
            r.expansion = (double)png / (double)plain_png;
            r.thumb_psnr = INFINITY;
            for (uint32_t z = 0; z < img->depth; z++)
                for (int c = 0; c < img->channels; c++) {
                    double ps, ss;
                    if (mc_thumb_compare(plain, img, blocks[b], c, (int)z, &ps, &ss, &err)) die("thumbnail", &err);
                    if (!isinf(ps) && !(ps >= r.thumb_psnr)) r.thumb_psnr = ps;
                }
            if (mc_decrypt(img, key, &k_unauth, &err)) die(k_tpe[s].name, &err);
            r.exact = !memcmp(img->pixels, plain->pixels, plain->nbytes);
            print_row(md, first, sample, plain, k_tpe[s].name, blocks[b], k_tpe[s].rounds, &r);
            mc_image_free(img);
        }
}

static int bench_table(int argc, char **argv, int md) {
    mc_key *key = NULL;
    mc_err err = {0};
    if (mc_key_generate(&key, NULL)) die("key", NULL);
    int first = 1;
    if (md)
        printf("| sample | geometry | scheme | block | rounds | entropy | corr h | corr v | corr d | encrypt ms | "
               "PNG expansion | thumb PSNR | exact |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    else
        printf("{\"bench\": \"tpe-table\", \"rows\": [\n");
    for (unsigned bits = 8; bits <= 16; bits += 8) {
        mc_image *ph = NULL;
        if (mc_phantom(&ph, 512, 1, bits, &err)) die("phantom", &err);
        table_image(bits == 8 ? "phantom-8" : "phantom-16", ph, key, md, &first);
        mc_image_free(ph);
    }
    for (int i = 0; i < argc; i++) {
        mc_image *img = NULL;
        if (mc_image_read(argv[i], NULL, &img, &err)) die(argv[i], &err);
        const char *base = strrchr(argv[i], '/');
        table_image(base ? base + 1 : argv[i], img, key, md, &first);
        mc_image_free(img);
    }
    if (!md) printf("\n]}\n");
    mc_key_free(key);
    return 0;
}

int main(int argc, char **argv) {
    if (mc_init()) return 4;
    int quick = 0, table = 0, md = 0, mixing = 0, i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--table")) table = 1;
        else if (!strcmp(argv[i], "--markdown")) md = 1;
        else if (!strcmp(argv[i], "--mixing")) mixing = 1;
        else {
            fprintf(stderr, "usage: mc_bench_tpe [--quick] | --mixing [TRIALS] | --table [--markdown] FILE...\n");
            return 1;
        }
    }
    if (mixing) return bench_mixing(i < argc ? atoi(argv[i]) > 0 ? atoi(argv[i]) : 300 : 300);
    return table ? bench_table(argc - i, argv + i, md) : bench_json(quick);
}
