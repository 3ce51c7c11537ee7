/* bench_atres.c - the neural schemes at-resnet-cm and resnet-cm with their
 * built-in models: encrypt and decrypt time of the Shepp-Logan phantom at
 * 256x256 and 512x512, 8-bit and 16-bit (signed CT), both profiles, medians;
 * the ratio to the `logistic` scheme alone (the paper's chaotic stage, same
 * run); and the hardened cipher's size overhead: the residual (aux blob) in
 * bytes and as a percentage of the pixel bytes.
 *
 *   mc_bench_atres [--reps N] [--quick]
 *
 * JSON on stdout.  Threads: the reference kernels use the engine's own
 * (MEDCRYPT_THREADS, else the CPUs of the affinity mask; `make bench` runs
 * this driver on both cores). */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"
#include "medcrypt.h"

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

int main(int argc, char **argv) {
    int reps = 5, quick = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quick")) quick = 1;
        else {
            fprintf(stderr, "usage: mc_bench_atres [--reps N] [--quick]\n");
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
                }
            mc_image_free(ph);
        }
    printf("\n  ]\n}\n");
    mc_key_free(key);
    return 0;
}
