/* bench_tpe.c - the exact thumbnail-preserving schemes (tpe-h2mwd, tpe-pair,
 * tpe2): timings and the reproduction table of docs/schemes/tpe-h2mwd.md.
 *
 *   mc_bench_tpe [--quick]
 *       JSON on stdout.  512x512 RGB 8-bit (the Shepp-Logan phantom, one
 *       shade per channel, plus noise), block 32: encrypt and decrypt medians
 *       of tpe-h2mwd (10 rounds, the paper's), tpe-pair (10) and tpe2 (7) -
 *       the round counts after which a level can have reached every position
 *       of a 32x32 block (2^10 = 3^6.3 = 1024) - with aead (the floor) and
 *       memcpy of the same buffer, all in one run, and their ratios; then
 *       every scheme at block 8, 16, 32, 64 (ns per sample: flat = O(mn)).
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
#include "metrics/metrics.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, const mc_err *err) {
    fprintf(stderr, "mc_bench_tpe: %s: %s\n", what, err ? err->msg : "failed");
    exit(4);
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

typedef struct timing {
    double enc_ms, dec_ms;
} timing;

static timing time_scheme(const mc_image *plain, const char *scheme, mc_profile prof, unsigned block,
                          unsigned rounds, const mc_key *key, int reps) {
    char pb[32], pr[32];
    snprintf(pb, sizeof pb, "block=%u", block);
    snprintf(pr, sizeof pr, "rounds=%u", rounds);
    const char *params[2] = {pb, pr};
    size_t np = !strcmp(scheme, "aead") ? 0 : rounds ? 2 : 1;
    double *te = malloc(sizeof(double) * (size_t)reps), *td = malloc(sizeof(double) * (size_t)reps);
    mc_image *img = clone_image(plain);
    mc_err err = {0};
    for (int i = 0; i < reps; i++) {
        memcpy(img->pixels, plain->pixels, plain->nbytes);
        img->has_meta = 0;
        mc_meta_clear(&img->meta);
        double t0 = mc_bench_now();
        if (mc_encrypt(img, scheme, prof, params, np, key, &err)) die(scheme, &err);
        double t1 = mc_bench_now();
        if (mc_decrypt(img, key, &err)) die(scheme, &err);
        double t2 = mc_bench_now();
        if (memcmp(img->pixels, plain->pixels, plain->nbytes)) die(scheme, NULL);
        te[i] = t1 - t0;
        td[i] = t2 - t1;
    }
    timing t = {1e3 * mc_bench_median(te, reps), 1e3 * mc_bench_median(td, reps)};
    free(te);
    free(td);
    mc_image_free(img);
    return t;
}

static const struct {
    const char *name;
    unsigned rounds;
} k_tpe[] = {{"tpe-h2mwd", 10}, {"tpe-pair", 10}, {"tpe2", 7}};
#define NTPE (sizeof k_tpe / sizeof k_tpe[0])

static int bench_json(int quick) {
    const int reps = quick ? 3 : 11;
    mc_key *key = NULL;
    if (mc_key_generate(&key, NULL)) die("key", NULL);
    mc_image *img = rgb_phantom(512);
    size_t n = img->nbytes;
    uint8_t *dst = malloc(n);
    double *t = malloc(sizeof(double) * (size_t)reps);
    memcpy(dst, img->pixels, n);
    for (int i = 0; i < reps; i++) {
        double t0 = mc_bench_now();
        memcpy(dst, img->pixels, n);
        t[i] = mc_bench_now() - t0;
        if (dst[i % n] != ((uint8_t *)img->pixels)[i % n]) die("memcpy", NULL);
    }
    double memcpy_ms = 1e3 * mc_bench_median(t, reps);
    timing aead = time_scheme(img, "aead", MC_PROFILE_HARDENED, 32, 0, key, reps);
    printf("{\"bench\": \"tpe\", ");
    mc_bench_machine(stdout);
    printf(", \"image\": \"512x512 RGB 8-bit phantom\", \"samples\": %zu,\n"
           " \"reps\": %d, \"statistic\": \"median\", \"memcpy_ms\": %.4f, \"aead_encrypt_ms\": %.3f, "
           "\"aead_decrypt_ms\": %.3f,\n \"block32\": [\n",
           n, reps, memcpy_ms, aead.enc_ms, aead.dec_ms);
    timing h2 = {0, 0}, tt[NTPE];
    for (size_t s = 0; s < NTPE; s++) {
        for (int p = 0; p < 2; p++) {
            mc_profile prof = p ? MC_PROFILE_PAPER : MC_PROFILE_HARDENED;
            timing x = time_scheme(img, k_tpe[s].name, prof, 32, k_tpe[s].rounds, key, reps);
            if (!p) tt[s] = x;
            if (!s && !p) h2 = x;
            printf("%s  {\"scheme\": \"%s\", \"profile\": \"%s\", \"block\": 32, \"rounds\": %u, "
                   "\"encrypt_ms\": %.3f, \"decrypt_ms\": %.3f, \"encrypt_over_aead\": %.2f, "
                   "\"encrypt_over_memcpy\": %.1f}",
                   s || p ? ",\n" : "", k_tpe[s].name, mc_profile_name(prof), k_tpe[s].rounds, x.enc_ms, x.dec_ms,
                   x.enc_ms / aead.enc_ms, x.enc_ms / memcpy_ms);
        }
    }
    printf("\n ],\n \"ratios_hardened\": {\"tpe2_over_h2mwd_encrypt\": %.2f, \"tpe2_over_h2mwd_decrypt\": %.2f, "
           "\"pair_over_h2mwd_encrypt\": %.2f, \"h2mwd_over_aead_encrypt\": %.2f},\n",
           tt[2].enc_ms / h2.enc_ms, tt[2].dec_ms / h2.dec_ms, tt[1].enc_ms / h2.enc_ms, h2.enc_ms / aead.enc_ms);
    printf(" \"block_sweep\": [\n");
    static const unsigned blocks[] = {8, 16, 32, 64};
    int first = 1;
    for (size_t s = 0; s < NTPE; s++)
        for (size_t b = 0; b < 4; b++) {
            timing x = time_scheme(img, k_tpe[s].name, MC_PROFILE_PAPER, blocks[b], k_tpe[s].rounds, key,
                                   quick ? 3 : 5);
            printf("%s  {\"scheme\": \"%s\", \"profile\": \"paper\", \"block\": %u, \"rounds\": %u, "
                   "\"encrypt_ms\": %.3f, \"decrypt_ms\": %.3f, \"encrypt_ns_per_sample\": %.1f}",
                   first ? "" : ",\n", k_tpe[s].name, blocks[b], k_tpe[s].rounds, x.enc_ms, x.dec_ms,
                   1e6 * x.enc_ms / (double)n);
            first = 0;
        }
    printf("\n ]}\n");
    free(t);
    free(dst);
    mc_image_free(img);
    mc_key_free(key);
    return 0;
}

/* ------------------------------------------------------------ the table */

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
            if (mc_encrypt(img, k_tpe[s].name, MC_PROFILE_HARDENED, params, 1, key, &err)) die(k_tpe[s].name, &err);
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
            if (mc_decrypt(img, key, &err)) die(k_tpe[s].name, &err);
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
    int quick = 0, table = 0, md = 0, i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--table")) table = 1;
        else if (!strcmp(argv[i], "--markdown")) md = 1;
        else {
            fprintf(stderr, "usage: mc_bench_tpe [--quick] | --table [--markdown] FILE...\n");
            return 1;
        }
    }
    return table ? bench_table(argc - i, argv + i, md) : bench_json(quick);
}
