/* bench.c - throughput of the schemes against memcpy of the same buffer,
 * measured in one run on one core; JSON on stdout.  Medians of repeated runs.
 * "results": aead on a 512x512 16-bit slice and a 512x512x128 volume against
 * memcpy; "schemes": every registered scheme and profile on a 512x512 phantom
 * at 8 and 16 bits, as a ratio to aead and to memcpy.
 * Usage: mc_bench [--quick] */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"
#include "medcrypt.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* paper-profile ciphers are decrypted too: an explicit choice (medcrypt.h) */
static const mc_opts k_unauth = {.flags = MC_DECRYPT_UNAUTHENTICATED};

static volatile uint8_t g_sink;

typedef struct row {
    const char *what;
    double mbps;
} row;

static void bench_case(const char *name, uint32_t w, uint32_t h, uint32_t d, int reps, int first) {
    mc_image *img = NULL, *ct = NULL;
    mc_key *key = NULL;
    if (mc_image_new(&img, w, h, d, 1, 16, 1, NULL, NULL) || mc_image_new(&ct, w, h, d, 1, 16, 1, NULL, NULL) ||
        mc_key_generate(&key, NULL)) {
        fprintf(stderr, "bench: allocation failed\n");
        exit(4);
    }
    randombytes_buf(img->pixels, img->nbytes);
    size_t n = img->nbytes;
    uint8_t *dst = malloc(n);
    double *t = malloc(sizeof(double) * (size_t)reps);
    double mb = (double)n / 1e6;
    row rows[8];
    int nr = 0;

    /* memcpy: the physical reference */
    memcpy(dst, img->pixels, n); /* fault the pages in */
    for (int i = 0; i < reps; i++) {
        double t0 = mc_bench_now();
        memcpy(dst, img->pixels, n);
        g_sink ^= dst[i % n];
        t[i] = mc_bench_now() - t0;
    }
    double memcpy_mbps = mb / mc_bench_median(t, reps);

    /* raw XChaCha20-Poly1305 (what the aead scheme runs), no framework */
    uint8_t k[32], nonce[24], tag[16];
    randombytes_buf(k, sizeof k);
    randombytes_buf(nonce, sizeof nonce);
    for (int i = 0; i < reps; i++) {
        double t0 = mc_bench_now();
        crypto_aead_xchacha20poly1305_ietf_encrypt_detached(dst, tag, NULL, img->pixels, n, NULL, 0, NULL, nonce, k);
        t[i] = mc_bench_now() - t0;
    }
    rows[nr++] = (row){"xchacha20poly1305_raw", mb / mc_bench_median(t, reps)};

    /* full mc_encrypt / mc_decrypt (hardened: nonce, metadata, XChaCha20-Poly1305;
     * aead is self-authenticating, so no second MAC) */
    double *td = malloc(sizeof(double) * (size_t)reps);
    for (int i = 0; i < reps; i++) {
        memcpy(ct->pixels, img->pixels, n);
        ct->has_meta = 0;
        mc_meta_clear(&ct->meta);
        double t0 = mc_bench_now();
        if (mc_encrypt(ct, "aead", MC_PROFILE_HARDENED, NULL, 0, key, NULL, NULL)) exit(4);
        t[i] = mc_bench_now() - t0;
        memcpy(dst, ct->pixels, n);
        t0 = mc_bench_now();
        if (mc_decrypt(ct, key, &k_unauth, NULL)) exit(4);
        td[i] = mc_bench_now() - t0;
        if (memcmp(ct->pixels, img->pixels, n)) {
            fprintf(stderr, "bench: round trip not exact\n");
            exit(4);
        }
    }
    rows[nr++] = (row){"aead_encrypt", mb / mc_bench_median(t, reps)};
    rows[nr++] = (row){"aead_decrypt", mb / mc_bench_median(td, reps)};

    printf("%s    {\"case\": \"%s\", \"shape\": [%u, %u, %u], \"bits\": 16, \"bytes\": %zu, \"reps\": %d,\n"
           "     \"memcpy_MBps\": %.1f",
           first ? "" : ",\n", name, w, h, d, n, reps, memcpy_mbps);
    for (int i = 0; i < nr; i++)
        printf(",\n     \"%s_MBps\": %.1f, \"%s_memcpy_ratio\": %.2f", rows[i].what, rows[i].mbps, rows[i].what,
               memcpy_mbps / rows[i].mbps);
    printf("}");
    free(td);
    free(t);
    free(dst);
    mc_image_free(img);
    mc_image_free(ct);
    mc_key_free(key);
}

/* Every registered scheme and profile on a 512x512 slice at 8 and 16 bits,
 * each with memcpy and aead of the same buffer measured in the same run. */
static double time_scheme(const mc_image *plain, const char *scheme, mc_profile prof, const mc_key *key, int reps,
                          int dec) {
    mc_image *img = NULL;
    mc_err err = {0};
    double *t = malloc(sizeof(double) * (size_t)reps), r;
    if (mc_image_new(&img, plain->width, plain->height, plain->depth, plain->channels, plain->bits, plain->is_signed,
                     NULL, NULL))
        exit(4);
    for (int i = 0; i < reps; i++) {
        memcpy(img->pixels, plain->pixels, plain->nbytes);
        img->has_meta = 0;
        mc_meta_clear(&img->meta);
        double t0 = mc_bench_now();
        if (mc_encrypt(img, scheme, prof, NULL, 0, key, NULL, &err)) {
            fprintf(stderr, "bench: %s: %s\n", scheme, err.msg);
            exit(4);
        }
        double t1 = mc_bench_now();
        if (mc_decrypt(img, key, &k_unauth, &err)) {
            fprintf(stderr, "bench: %s: %s\n", scheme, err.msg);
            exit(4);
        }
        t[i] = dec ? mc_bench_now() - t1 : t1 - t0;
    }
    r = (double)plain->nbytes / 1e6 / mc_bench_median(t, reps);
    free(t);
    mc_image_free(img);
    return r;
}

static void bench_schemes(int reps) {
    mc_key *key = NULL;
    if (mc_key_generate(&key, NULL)) exit(4);
    int first = 1;
    printf(",\n \"schemes\": [\n");
    for (unsigned bits = 8; bits <= 16; bits += 8) {
        mc_image *plain = NULL;
        if (mc_phantom(&plain, 512, 1, bits, NULL)) exit(4);
        uint8_t *dst = malloc(plain->nbytes);
        double *t = malloc(sizeof(double) * (size_t)reps);
        for (int i = 0; i < reps; i++) {
            double t0 = mc_bench_now();
            memcpy(dst, plain->pixels, plain->nbytes);
            g_sink ^= dst[i % plain->nbytes];
            t[i] = mc_bench_now() - t0;
        }
        double mc = (double)plain->nbytes / 1e6 / mc_bench_median(t, reps);
        double aead = time_scheme(plain, "aead", MC_PROFILE_HARDENED, key, reps, 0);
        for (size_t i = 0; i < mc_scheme_count(); i++) {
            const mc_scheme *s = mc_scheme_at(i);
            if (!(s->bits & (bits == 8 ? MC_BITS_8 : MC_BITS_16))) continue;
            for (int p = 0; p < 2; p++) {
                mc_profile prof = p ? MC_PROFILE_PAPER : MC_PROFILE_HARDENED;
                if (!(s->profiles & (p ? MC_PROFILES_PAPER : MC_PROFILES_HARDENED))) continue;
                double e = time_scheme(plain, s->name, prof, key, reps, 0);
                double d = time_scheme(plain, s->name, prof, key, reps, 1);
                printf("%s    {\"scheme\": \"%s\", \"profile\": \"%s\", \"shape\": [512, 512, 1], \"bits\": %u, "
                       "\"encrypt_MBps\": %.1f, \"decrypt_MBps\": %.1f, \"memcpy_MBps\": %.1f, \"aead_MBps\": %.1f, "
                       "\"encrypt_to_aead\": %.3f, \"memcpy_to_encrypt\": %.2f}",
                       first ? "" : ",\n", s->name, mc_profile_name(prof), bits, e, d, mc, aead, e / aead, mc / e);
                first = 0;
            }
        }
        free(t);
        free(dst);
        mc_image_free(plain);
    }
    printf("\n ]");
    mc_key_free(key);
}

int main(int argc, char **argv) {
    int quick = argc > 1 && !strcmp(argv[1], "--quick");
    if (mc_init()) return 4;
    printf("{\"bench\": \"medcrypt throughput (one core, medians)\", \"version\": \"%s\", ", MC_VERSION);
    mc_bench_machine(stdout);
    printf(",\n \"unit\": \"MB/s = 1e6 pixel bytes per second\",\n"
           " \"target\": \"aead >= 1000 MB/s, i.e. within 10x of memcpy\",\n \"results\": [\n");
    bench_case("slice_512x512_16bit", 512, 512, 1, quick ? 21 : 201, 1);
    bench_case("volume_512x512x128_16bit", 512, 512, 128, quick ? 3 : 11, 0);
    printf("\n ]");
    bench_schemes(quick ? 5 : 31);
    printf("}\n");
    return 0;
}
