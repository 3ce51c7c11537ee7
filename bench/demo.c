/* demo.c - the main job of `make demo`: encrypt, write, re-read, decrypt and
 * verify every sample with every scheme and profile; print a table with the
 * cipher's Shannon entropy (over 2^bits bins, and of the high byte), its
 * horizontal adjacent-pixel correlation (all pairs) and NPCR/UACI between
 * the plain image and its cipher (docs/metrics.md: no extra encryption, so
 * the demo stays fast; key sensitivity is `medcrypt analyze --sensitivity`).
 * A scheme flagged MC_SCHEME_PAPER_LOSSY is not expected to round-trip in
 * its paper profile: such rows say "lossy (paper)" and do not fail.
 * Usage: mc_demo [--require-samples] [--quick] [--scheme NAME] [SAMPLES_DIR]
 * (--scheme: that scheme's rows only, e.g. `mc_demo --scheme edg-net`; missing
 * samples are reported, and the generated Shepp-Logan phantom is always
 * included).  Exit 1 if any round trip is not bit-exact; with
 * --require-samples, exit 77 (a loud skip for ctest) when a sample is missing.
 * --quick (the test suite's mode): aead still runs on every sample, the other
 * schemes only on images of at most 256 KiB, the neural ones (lossy paper
 * profile; each has its own CLI tests over every format) on images of at most
 * 64 KiB, so the sanitizer build stays within the suite's time budget;
 * `make demo` runs everything. */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"
#include "medcrypt.h"
#include "medcrypt_lab.h"

#include <math.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* paper-profile ciphers are decrypted too: an explicit choice (medcrypt.h) */
static const mc_opts k_unauth = {.flags = MC_DECRYPT_UNAUTHENTICATED};

static const char *k_samples[] = {
    "dicom/CT_small.dcm",         "dicom/MR_small.dcm",          "dicom/MR_small_RLE.dcm",
    "dicom/MR_small_jpeg_ls_lossless.dcm", "dicom/MR_small_bigendian.dcm", "dicom/MR_small_implicit.dcm",
    "dicom/ExplVR_BigEnd.dcm",    "dicom/image_dfl.dcm",         "dicom/SC_rgb_rle_2frame.dcm",
    "dicom/SC_rgb_rle_16bit_2frame.dcm", "dicom/JPEG-lossy.dcm", "itk/BrainProtonDensitySlice.png",
    "itk/BrainProtonDensitySlice256x256.png", "itk/BrainMidSagittalSlice.png", "itk/BrainT1Slice.png",
    "nifti/ch2.nii.gz",           "nifti/ch2bet.nii.gz",
};

static const char *ext_for(mc_format f, unsigned channels) {
    switch (f) {
    case MC_FMT_PNG: return ".png";
    case MC_FMT_PNM: return channels == 3 ? ".ppm" : ".pgm";
    case MC_FMT_NIFTI: return ".nii.gz";
    default: return ".dcm";
    }
}

static int g_rows, g_bad;

/* One sample through one scheme/profile, via a file of the sample's format. */
static void run_one(const char *label, const mc_image *orig, const mc_scheme *s, mc_profile prof,
                    const mc_key *key, const char *tmpdir) {
    mc_err err = {0};
    mc_image *img = NULL, *back = NULL;
    double ent = NAN, ent_hi = NAN, corr[MC_NDIRS] = {NAN, NAN, NAN, NAN};
    mc_npcr d = {0};
    d.npcr = d.uaci = NAN;
    char path[4096], size[64];
    const char *status = "yes";
    double mbps = 0;
    snprintf(size, sizeof size, "%ux%ux%u%s", orig->width, orig->height, orig->depth, orig->channels == 3 ? "x3" : "");
    snprintf(path, sizeof path, "%s/demo%d%s", tmpdir, g_rows, ext_for(orig->format, orig->channels));
    if (mc_image_new(&img, orig->width, orig->height, orig->depth, orig->channels, orig->bits, orig->is_signed, NULL,
                     &err)) {
        status = "ERROR";
        goto out;
    }
    memcpy(img->pixels, orig->pixels, orig->nbytes);
    img->bits_stored = orig->bits_stored;
    img->format = orig->format;
    double t0 = mc_bench_now();
    if (mc_encrypt(img, s->name, prof, NULL, 0, key, NULL, &err)) {
        status = "ERROR";
        goto out;
    }
    mbps = (double)img->nbytes / 1e6 / (mc_bench_now() - t0);
    /* the cipher's statistics, and plain vs cipher */
    if (mc_entropy(img, MC_ALL, MC_ALL, &ent, &ent_hi) || mc_corr(img, MC_ALL, MC_ALL, corr) ||
        mc_npcr_uaci(orig, img, MC_ALL, MC_ALL, &d, &err)) {
        status = "ERROR";
        goto out;
    }
    /* a scheme's cipher image must differ from the plaintext */
    int differs = memcmp(img->pixels, orig->pixels, orig->nbytes) != 0;
    if (mc_image_write(img, path, orig->format, &err) || mc_image_read(path, NULL, &back, &err) ||
        mc_decrypt(back, key, &k_unauth, &err)) {
        status = "ERROR";
        goto out;
    }
    if (back->nbytes != orig->nbytes || memcmp(back->pixels, orig->pixels, orig->nbytes) || !differs)
        status = differs ? "NO" : "NO (cipher = plain)";
#ifdef MC_SCHEME_PAPER_LOSSY
    if (!strcmp(status, "NO") && prof == MC_PROFILE_PAPER && (s->flags & MC_SCHEME_PAPER_LOSSY))
        status = "lossy (paper)";
#endif
out:
    if (strcmp(status, "yes") && strcmp(status, "lossy (paper)")) g_bad++;
    printf("%-40s %-6s %-14s %4u%c %-10s %-9s %9.1f %7.4f %6.4f %8.5f %8.4f %7.4f  %s%s%s\n", label,
           mc_format_name(orig->format), size, orig->bits, orig->is_signed ? 's' : 'u', s->name, mc_profile_name(prof),
           mbps, ent, ent_hi, corr[MC_DIR_H], d.npcr, d.uaci, status, err.msg[0] ? ": " : "", err.msg);
    g_rows++;
    unlink(path);
    mc_image_free(img);
    mc_image_free(back);
}

static int g_quick;
static const char *g_scheme; /* --scheme: only this one */

static void run_all(const char *label, mc_image *img, const mc_key *key, const char *tmpdir) {
    for (size_t i = 0; i < mc_scheme_count(); i++) {
        const mc_scheme *s = mc_scheme_at(i);
        if (g_quick && img->nbytes > (256u << 10) && strcmp(s->name, "aead")) continue;
        if (g_quick && img->nbytes > (64u << 10) && (s->flags & MC_SCHEME_PAPER_LOSSY)) continue;
        if (g_scheme && strcmp(s->name, g_scheme)) continue;
        if (!(s->bits & (img->bits == 8 ? MC_BITS_8 : MC_BITS_16))) continue;
        if (s->profiles & MC_PROFILES_HARDENED) run_one(label, img, s, MC_PROFILE_HARDENED, key, tmpdir);
        if (s->profiles & MC_PROFILES_PAPER) run_one(label, img, s, MC_PROFILE_PAPER, key, tmpdir);
    }
}

int main(int argc, char **argv) {
    int require = 0, a = 1;
    for (; a < argc && argv[a][0] == '-' && argv[a][1] == '-'; a++) {
        if (!strcmp(argv[a], "--require-samples")) require = 1;
        else if (!strcmp(argv[a], "--quick")) g_quick = 1;
        else if (!strcmp(argv[a], "--scheme") && a + 1 < argc && mc_scheme_find(argv[a + 1])) g_scheme = argv[++a];
        else {
            fprintf(stderr, "usage: mc_demo [--require-samples] [--quick] [--scheme NAME] [SAMPLES_DIR]\n");
            return 2;
        }
    }
    const char *dir = a < argc ? argv[a] : ".cache/samples";
    if (mc_init()) return 4;
    mc_key *key = NULL;
    mc_err err = {0};
    if (mc_key_generate(&key, &err)) return 4;
    char tmpdir[] = "/tmp/mcdemo.XXXXXX";
    if (!mkdtemp(tmpdir)) return 4;
    printf("medcrypt %s demo: encrypt -> write -> read -> decrypt -> compare, fresh random key\n\n", MC_VERSION);
    printf("cipher statistics: H = Shannon entropy (bits, 2^bits bins), H8 = of the high byte, corr h =\n"
           "horizontal adjacent-pixel correlation (all pairs), NPCR/UACI %% = plain vs cipher\n"
           "(key sensitivity: medcrypt analyze --sensitivity)\n\n");
    printf("%-40s %-6s %-14s %5s %-10s %-9s %9s %7s %6s %8s %8s %7s  %s\n", "file", "format", "size", "bits", "scheme",
           "profile", "enc MB/s", "H", "H8", "corr h", "NPCR %", "UACI %", "exact");
    int missing = 0;
    for (size_t i = 0; i < sizeof k_samples / sizeof k_samples[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, k_samples[i]);
        if (access(path, R_OK) != 0) {
            printf("%-40s (missing: run scripts/fetch-samples.sh)\n", k_samples[i]);
            missing++;
            continue;
        }
        mc_image *img = NULL;
        if (mc_image_read(path, NULL, &img, &err)) {
            printf("%-40s read ERROR: %s\n", k_samples[i], err.msg);
            g_bad++;
            continue;
        }
        run_all(k_samples[i], img, key, tmpdir);
        mc_image_free(img);
    }
    /* the phantom is always there: 2D at 8 and 16 bits, and a 16-bit volume */
    static const struct {
        uint32_t size, slices;
        unsigned bits;
        mc_format fmt;
        const char *label;
    } ph[] = {{512, 1, 16, MC_FMT_DICOM, "phantom 512 16-bit (DICOM)"},
              {512, 1, 8, MC_FMT_PNG, "phantom 512 8-bit (PNG)"},
              {256, 1, 16, MC_FMT_PNM, "phantom 256 16-bit (PGM)"},
              {256, 64, 16, MC_FMT_NIFTI, "phantom 256x64 16-bit (NIfTI)"}};
    for (size_t i = 0; i < sizeof ph / sizeof ph[0]; i++) {
        mc_image *img = NULL;
        if (mc_phantom(&img, ph[i].size, ph[i].slices, ph[i].bits, &err)) return 4;
        img->format = ph[i].fmt;
        run_all(ph[i].label, img, key, tmpdir);
        mc_image_free(img);
    }
    rmdir(tmpdir);
    mc_key_free(key);
    printf("\n%d round trips, %d not exact or failed, %d samples missing\n", g_rows, g_bad, missing);
    if (g_bad) return 1;
    if (require && missing) {
        fprintf(stderr, "SKIP: %d samples missing (run scripts/fetch-samples.sh)\n", missing);
        return 77;
    }
    return 0;
}
