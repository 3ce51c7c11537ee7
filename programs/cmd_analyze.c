/* cmd_analyze.c - medcrypt analyze: the papers' security and fidelity
 * measurements (docs/metrics.md). */
#include "cli.h"
#include "medcrypt_lab.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void help(FILE *f) {
    fprintf(f,
            "Usage: medcrypt analyze IMAGE [REFERENCE] [--json] [--plots DIR] [--pairs N] [--seed S]\n"
            "                        [--block B]\n"
            "       medcrypt analyze --sensitivity -s SCHEME (-k KEY | --passphrase)\n"
            "                        [--profile paper|hardened] [--param NAME=VALUE]... IMAGE [--json]\n\n"
            "Security and fidelity measurements of an image (docs/metrics.md): Shannon entropy\n"
            "(and of the high byte of 16-bit images), local Shannon entropy (k = 30 blocks of\n"
            "44x44), chi-square uniformity, adjacent-pixel correlation (h, v, d, ad) over all\n"
            "pairs and over N sampled pairs.  With REFERENCE (the original, same geometry)\n"
            "also MSE, PSNR, SSIM, NPCR/UACI with their critical values, thumbnail PSNR/SSIM\n"
            "and the file expansion: PNG size of IMAGE over REFERENCE's.  RGB images are\n"
            "also measured per channel, volumes per slice.\n\n"
            "  --json              machine-readable output (stable keys)\n"
            "  --plots DIR         write DIR/histogram.png and DIR/scatter.png\n"
            "  --pairs N           sampled pairs per direction (default 5000)\n"
            "  --seed S            seed of every random choice (default 1)\n"
            "  --block B           thumbnail block size (default 32)\n"
            "  --sensitivity       key and plaintext sensitivity of scheme -s under key -k,\n"
            "                      per profile (both the scheme has, or --profile)\n\n"
            "Exit status: 0 ok, 1 usage, 2 bad input, 3 authentication, 4 I/O.\n");
}

/* ------------------------------------------------------------ json helpers */

static void jnum(FILE *f, double v) {
    if (isnan(v)) fputs("null", f);
    else if (isinf(v)) fputs(v > 0 ? "1e999" : "-1e999", f); /* JSON number that parses as +-inf */
    else fprintf(f, "%.10g", v);
}
static void jkey(FILE *f, const char *k) {
    cli_json_str(f, k);
    fputs(": ", f);
}
static const char *jbool(int v) { return v < 0 ? "null" : v ? "true" : "false"; }

static void json_stats(FILE *f, const mc_stats *s, size_t pairs) {
    jkey(f, "entropy");
    jnum(f, s->entropy);
    fputs(", ", f);
    jkey(f, "entropy_high_byte");
    jnum(f, s->entropy_high);
    fputs(", \"local_entropy\": {\"mean\": ", f);
    jnum(f, s->le.mean);
    fprintf(f, ", \"k\": %u, \"pass_05\": %s, \"pass_01\": %s, \"pass_001\": %s}", s->le.k, jbool(s->le.pass[0]),
            jbool(s->le.pass[1]), jbool(s->le.pass[2]));
    fputs(", \"chi2\": {\"stat\": ", f);
    jnum(f, s->chi2.stat);
    fputs(", \"p\": ", f);
    jnum(f, s->chi2.p);
    fprintf(f, ", \"dof\": %u, \"crit_05\": ", s->chi2.dof);
    jnum(f, s->chi2.crit[0]);
    fprintf(f, ", \"pass_05\": %s}", jbool(s->chi2.stat <= s->chi2.crit[0]));
    for (int k = 0; k < 2; k++) {
        fprintf(f, ", \"%s\": {", k ? "corr_sampled" : "corr");
        for (int d = 0; d < MC_NDIRS; d++) {
            fprintf(f, "%s\"%s\": ", d ? ", " : "", mc_dir_name((mc_dir)d));
            jnum(f, k ? s->corr_sampled[d] : s->corr[d]);
        }
        fputs("}", f);
    }
    fprintf(f, ", \"corr_pairs\": %zu", pairs);
}

static void json_pair(FILE *f, const mc_pair_stats *p) {
    jkey(f, "mse");
    jnum(f, p->mse);
    fputs(", \"psnr\": ", f);
    jnum(f, p->psnr);
    fputs(", \"ssim\": ", f);
    jnum(f, p->ssim);
    fputs(", \"npcr\": ", f);
    jnum(f, p->d.npcr);
    fputs(", \"uaci\": ", f);
    jnum(f, p->d.uaci);
    fprintf(f, ", \"npcr_pass_05\": %s, \"uaci_pass_05\": %s", jbool(p->d.npcr_pass[0]), jbool(p->d.uaci_pass[0]));
    fputs(", \"npcr_critical\": {", f);
    static const char *const an[] = {"05", "01", "001"};
    for (int a = 0; a < MC_NALPHA; a++) {
        fprintf(f, "%s\"%s\": ", a ? ", " : "", an[a]);
        jnum(f, p->d.npcr_crit[a]);
    }
    fputs("}, \"uaci_interval\": {", f);
    for (int a = 0; a < MC_NALPHA; a++) {
        fprintf(f, "%s\"%s\": [", a ? ", " : "", an[a]);
        jnum(f, p->d.uaci_lo[a]);
        fputs(", ", f);
        jnum(f, p->d.uaci_hi[a]);
        fputs("]", f);
    }
    fprintf(f, "}, \"thumb\": {\"block\": %u, \"psnr\": ", p->thumb_block);
    jnum(f, p->thumb_psnr);
    fputs(", \"ssim\": ", f);
    jnum(f, p->thumb_ssim);
    fputs("}", f);
}

static void json_geom(FILE *f, const char *path, const mc_image *img) {
    jkey(f, "path");
    cli_json_str(f, path);
    fprintf(f, ", \"width\": %u, \"height\": %u, \"depth\": %u, \"channels\": %u, \"bits\": %u, \"signed\": %s",
            img->width, img->height, img->depth, img->channels, img->bits, img->is_signed ? "true" : "false");
}

/* ------------------------------------------------------------ text helpers */

/* v with prec digits: after the point (kind 'f') or significant (kind 'g'). */
static const char *fmtd(char *buf, size_t cap, int prec, char kind, double v) {
    if (isnan(v)) snprintf(buf, cap, "n/a");
    else if (isinf(v)) snprintf(buf, cap, v > 0 ? "inf" : "-inf");
    else if (kind == 'g') snprintf(buf, cap, "%.*g", prec, v);
    else snprintf(buf, cap, "%.*f", prec, v);
    return buf;
}

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}
static const char *passs(int v) { return v < 0 ? "n/a" : v ? "pass" : "FAIL"; }

static void text_stats_rows(const mc_stats *s[2], int n, size_t pairs) {
    char b[2][64];
    printf("  %-32s", "entropy (bits)");
    for (int i = 0; i < n; i++) printf(" %18s", fmtd(b[i], 64, 6, 'f', s[i]->entropy));
    printf("\n  %-32s", "entropy of the high byte");
    for (int i = 0; i < n; i++) printf(" %18s", fmtd(b[i], 64, 6, 'f', s[i]->entropy_high));
    printf("\n  %-32s", "local entropy (k, alpha 0.05)");
    for (int i = 0; i < n; i++) {
        char t[64];
        snprintf(t, sizeof t, "%s k%u %s", fmtd(b[i], 64, 6, 'f', s[i]->le.mean), s[i]->le.k, passs(s[i]->le.pass[0]));
        printf(" %18s", t);
    }
    printf("\n  %-32s", "chi-square");
    for (int i = 0; i < n; i++) printf(" %18s", fmtd(b[i], 64, 2, 'f', s[i]->chi2.stat));
    printf("\n  %-32s", "chi-square p (dof)");
    for (int i = 0; i < n; i++) {
        char t[64];
        snprintf(t, sizeof t, "%s (%u)", fmtd(b[i], 64, 4, 'g', s[i]->chi2.p), s[i]->chi2.dof);
        printf(" %18s", t);
    }
    static const char *const dl[] = {"horizontal", "vertical", "diagonal", "anti-diagonal"};
    for (int d = 0; d < MC_NDIRS; d++) {
        char l[64];
        snprintf(l, sizeof l, "correlation %s", dl[d]);
        printf("\n  %-32s", l);
        for (int i = 0; i < n; i++) printf(" %18s", fmtd(b[i], 64, 6, 'f', s[i]->corr[d]));
    }
    for (int d = 0; d < MC_NDIRS; d++) {
        char l[64];
        snprintf(l, sizeof l, "  %s, %zu pairs", dl[d], pairs);
        printf("\n  %-32s", l);
        for (int i = 0; i < n; i++) printf(" %18s", fmtd(b[i], 64, 6, 'f', s[i]->corr_sampled[d]));
    }
    printf("\n");
}

static void text_pair_rows(const mc_pair_stats *p) {
    char b[64], c[64];
    printf("  %-32s %s\n", "MSE", fmtd(b, 64, 6, 'g', p->mse));
    printf("  %-32s %s dB\n", "PSNR", fmtd(b, 64, 4, 'f', p->psnr));
    printf("  %-32s %s\n", "SSIM", fmtd(b, 64, 6, 'f', p->ssim));
    printf("  %-32s %.4f%%   critical %.4f%% at 0.05, %.4f%% at 0.01, %.4f%% at 0.001: %s %s %s\n", "NPCR",
           p->d.npcr, p->d.npcr_crit[0], p->d.npcr_crit[1], p->d.npcr_crit[2], passs(p->d.npcr_pass[0]),
           passs(p->d.npcr_pass[1]), passs(p->d.npcr_pass[2]));
    printf("  %-32s %.4f%%   interval [%.4f, %.4f]%% at 0.05, [%.4f, %.4f]%% at 0.001: %s %s %s\n", "UACI", p->d.uaci,
           p->d.uaci_lo[0], p->d.uaci_hi[0], p->d.uaci_lo[2], p->d.uaci_hi[2], passs(p->d.uaci_pass[0]),
           passs(p->d.uaci_pass[1]), passs(p->d.uaci_pass[2]));
    char l[64];
    snprintf(l, sizeof l, "thumbnail %ux%u PSNR / SSIM", p->thumb_block, p->thumb_block);
    printf("  %-32s %s dB / %s\n", l, fmtd(b, 64, 4, 'f', p->thumb_psnr), fmtd(c, 64, 6, 'f', p->thumb_ssim));
}

/* ------------------------------------------------------------ parts */

typedef struct part {
    int channel, slice;
    mc_stats s;
    mc_pair_stats p;
} part;

static int make_dir(const char *dir) {
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return EX_OK_;
        return cli_error(EX_IO_, "%s: not a directory", dir);
    }
    return cli_error(EX_IO_, "%s: %s", dir, strerror(errno));
}

static int plots(const char *dir, const mc_image *img, const char *path, const mc_image *ref, const char *rpath,
                 size_t pairs, uint64_t seed) {
    int rc = make_dir(dir);
    if (rc) return rc;
    const mc_image *imgs[2] = {ref ? ref : img, img};
    const char *labels[2] = {ref ? base_name(rpath) : base_name(path), base_name(path)};
    size_t n = ref ? 2 : 1;
    if (!ref) imgs[0] = img;
    char p[4096];
    mc_err err = {0};
    snprintf(p, sizeof p, "%s/histogram.png", dir);
    if (mc_plot_histograms(p, imgs, labels, n, &err)) {
        mc_plot_cleanup();
        return cli_fail(&err);
    }
    snprintf(p, sizeof p, "%s/scatter.png", dir);
    rc = mc_plot_scatter(p, imgs, labels, n, pairs, seed, &err) ? cli_fail(&err) : EX_OK_;
    mc_plot_cleanup(); /* the CLI is single-threaded and plots once */
    return rc;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out) {
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max) return -1;
    *out = v;
    return 0;
}

/* ------------------------------------------------------------ sensitivity */

static void json_npcr(FILE *f, const char *key, const mc_npcr *d) {
    fprintf(f, "\"%s\": {\"npcr\": ", key);
    jnum(f, d->npcr);
    fputs(", \"uaci\": ", f);
    jnum(f, d->uaci);
    fprintf(f, ", \"npcr_pass_05\": %s, \"uaci_pass_05\": %s}", jbool(d->npcr_pass[0]), jbool(d->uaci_pass[0]));
}

static int sensitivity(const char *path, const cli_opts *o, uint64_t seed, int json) {
    const char *scheme = o->scheme;
    const mc_scheme *s = mc_scheme_find(scheme);
    mc_profile profs[2];
    int nprof = 0;
    if (o->profile_given) profs[nprof++] = o->profile;
    else {
        if (s->profiles & MC_PROFILES_HARDENED) profs[nprof++] = MC_PROFILE_HARDENED;
        if (s->profiles & MC_PROFILES_PAPER) profs[nprof++] = MC_PROFILE_PAPER;
    }
    mc_err err = {0};
    mc_image *img = NULL;
    if (mc_image_read(path, NULL, &img, &err)) return cli_fail(&err);
    if (img->has_meta && mc_meta_get(&img->meta, "scheme")) {
        mc_image_free(img);
        return cli_error(EX_INPUT_, "%s is already encrypted: give the plain image", path);
    }
    mc_key *key = NULL;
    int rc = cli_load_key(&o->key, 0, &key);
    if (rc) {
        mc_image_free(img);
        return rc;
    }
    /* the master key as bytes: the raw key, or the Argon2id derivation of the
     * passphrase under a fresh salt, used as a raw key from here on */
    uint8_t *master = sodium_malloc(MC_KEY_BYTES);
    mc_meta *scratch = calloc(1, sizeof *scratch);
    if (!master || !scratch) rc = cli_error(EX_IO_, "out of memory");
    else if (mc_key_master(key, scratch, 1, master, &err)) rc = cli_fail(&err);
    free(scratch);
    mc_key_free(key);
    mc_sensitivity res[2];
    for (int i = 0; i < nprof && !rc; i++)
        if (mc_sensitivity_compute(img, scheme, profs[i], o->params, o->np, master, seed, &res[i], &err)) rc = cli_fail(&err);
    if (master) sodium_free(master);
    if (rc) {
        mc_image_free(img);
        return rc;
    }
    if (json) {
        printf("{\"image\": {");
        json_geom(stdout, path, img);
        printf("}, \"scheme\": ");
        cli_json_str(stdout, scheme);
        printf(", \"seed\": %" PRIu64 ", \"profiles\": [", seed);
        for (int i = 0; i < nprof; i++) {
            const mc_sensitivity *r = &res[i];
            printf("%s{\"profile\": \"%s\", \"key_bit\": %u, ", i ? ", " : "", mc_profile_name(profs[i]), r->key_bit);
            json_npcr(stdout, "key", &r->key);
            printf(", ");
            json_npcr(stdout, "reencrypt", &r->reenc);
            printf(", \"wrong_key_decrypt\": ");
            if (r->wrong_key_status == MC_OK) {
                printf("{\"status\": \"decrypted\", \"npcr\": ");
                jnum(stdout, r->wrong_key.npcr);
                printf(", \"uaci\": ");
                jnum(stdout, r->wrong_key.uaci);
                printf("}");
            } else
                printf("{\"status\": \"refused\", \"error\": \"%s\", \"npcr\": null, \"uaci\": null}",
                       mc_strerror(r->wrong_key_status));
            printf(", \"plain_pixel\": [%u, %u, %u, %u], ", r->x, r->y, r->z, r->c);
            json_npcr(stdout, "plaintext", &r->plain);
            printf("}");
        }
        printf("]}\n");
    } else {
        printf("medcrypt analyze --sensitivity: %s, scheme %s, %ux%ux%u %u-bit%s\n", base_name(path), scheme,
               img->width, img->height, img->depth, img->bits, img->channels == 3 ? " RGB" : "");
        for (int i = 0; i < nprof; i++) {
            const mc_sensitivity *r = &res[i];
            char l[96];
            printf("\nprofile %s\n", mc_profile_name(profs[i]));
            snprintf(l, sizeof l, "key bit %u flipped: E_K vs E_K'", r->key_bit);
            printf("  %-44s NPCR %8.4f%%  UACI %8.4f%%\n", l, r->key.npcr, r->key.uaci);
            printf("  %-44s NPCR %8.4f%%  UACI %8.4f%%\n", "same key twice: E_K vs E_K", r->reenc.npcr, r->reenc.uaci);
            if (r->wrong_key_status == MC_OK)
                printf("  %-44s NPCR %8.4f%%  UACI %8.4f%%\n", "wrong-key decryption D_K'(E_K) vs plain",
                       r->wrong_key.npcr, r->wrong_key.uaci);
            else
                printf("  %-44s refused (%s)\n", "wrong-key decryption D_K'(E_K)", mc_strerror(r->wrong_key_status));
            snprintf(l, sizeof l, "pixel (%u,%u,%u) ch %u +-1: E(P) vs E(P')", r->x, r->y, r->z, r->c);
            printf("  %-44s NPCR %8.4f%%  UACI %8.4f%%\n", l, r->plain.npcr, r->plain.uaci);
        }
        printf("\nNPCR >= %.4f%% and UACI in [%.4f, %.4f]%% pass at alpha 0.05 for this size.\n",
               res[0].key.npcr_crit[0], res[0].key.uaci_lo[0], res[0].key.uaci_hi[0]);
    }
    mc_image_free(img);
    return EX_OK_;
}

/* ------------------------------------------------------------ main */

typedef struct analyze_opts {
    int json, sens;
    const char *plotdir;
    uint64_t pairs, seed, block;
} analyze_opts;

static int analyze_opt(void *ud, int c, const char *arg) {
    analyze_opts *a = ud;
    switch (c) {
    case 'j': a->json = 1; return EX_OK_;
    case 'P': a->plotdir = arg; return EX_OK_;
    case 'n':
        if (parse_u64(arg, 100000000, &a->pairs) || a->pairs < 2)
            return cli_error(EX_USAGE_, "--pairs: a number from 2 to 100000000, not '%s'", arg);
        return EX_OK_;
    case 'S':
        if (parse_u64(arg, UINT64_MAX, &a->seed)) return cli_error(EX_USAGE_, "--seed: a non-negative integer, not '%s'", arg);
        return EX_OK_;
    case 'b':
        if (parse_u64(arg, 65535, &a->block) || a->block < 1)
            return cli_error(EX_USAGE_, "--block: a number from 1 to 65535, not '%s'", arg);
        return EX_OK_;
    case 'x': a->sens = 1; return EX_OK_;
    default: return cli_error(EX_USAGE_, "analyze: bad option");
    }
}

int cmd_analyze(int argc, char **argv) {
    static const struct option lo[] = {{"json", no_argument, 0, 'j'},
                                        {"plots", required_argument, 0, 'P'},
                                        {"pairs", required_argument, 0, 'n'},
                                        {"seed", required_argument, 0, 'S'},
                                        {"block", required_argument, 0, 'b'},
                                        {"sensitivity", no_argument, 0, 'x'},
                                        {0, 0, 0, 0}};
    analyze_opts a = {0, 0, NULL, MC_CORR_PAIRS_DEFAULT, 1, 32};
    cli_extra ex = {lo, NULL, analyze_opt, &a};
    cli_opts o;
    int rc = cli_parse(argc, argv, "analyze", CLI_O_SCHEME | CLI_O_KEY | CLI_O_PROFILE | CLI_O_PARAM, &ex, &o);
    if (rc) return rc;
    if (o.help) {
        help(stdout);
        return EX_OK_;
    }
    int json = a.json;
    const char *plotdir = a.plotdir;
    uint64_t pairs = a.pairs, seed = a.seed, block = a.block;
    const int first = o.first_arg;
    int nargs = argc - first;
    if (a.sens) {
        if (nargs != 1) return cli_error(EX_USAGE_, "analyze --sensitivity: need exactly one IMAGE");
        if (plotdir) return cli_error(EX_USAGE_, "analyze --sensitivity: --plots is not available");
        if ((rc = cli_check_scheme(&o, "analyze --sensitivity")) || (rc = cli_need_key(&o, "analyze --sensitivity")))
            return rc;
        return sensitivity(argv[first], &o, seed, json);
    }
    if (o.scheme || o.key.keyfile || o.key.passphrase || o.key.passfile || o.profile_given || o.np)
        return cli_error(EX_USAGE_, "analyze: -s, -k, --passphrase, --profile and --param go with --sensitivity");
    if (nargs < 1 || nargs > 2) return cli_error(EX_USAGE_, "analyze: need IMAGE and optionally REFERENCE (see --help)");
    const char *path = argv[first], *rpath = nargs == 2 ? argv[first + 1] : NULL;
    mc_err err = {0};
    mc_image *img = NULL, *ref = NULL;
    if (mc_image_read(path, NULL, &img, &err)) return cli_fail(&err);
    if (rpath && mc_image_read(rpath, NULL, &ref, &err)) {
        mc_image_free(img);
        return cli_fail(&err);
    }
    rc = EX_OK_;
    if (ref && (img->width != ref->width || img->height != ref->height || img->depth != ref->depth ||
                img->channels != ref->channels || img->bits != ref->bits)) {
        rc = cli_error(EX_INPUT_, "%s and %s differ in geometry (%ux%ux%u x%u %u-bit vs %ux%ux%u x%u %u-bit)",
                       base_name(path), base_name(rpath), img->width, img->height, img->depth, img->channels,
                       img->bits, ref->width, ref->height, ref->depth, ref->channels, ref->bits);
        goto out;
    }

    /* parts: overall, then each channel (RGB), then each slice (volumes) */
    size_t nparts = 1 + (img->channels > 1 ? img->channels : 0) + (img->depth > 1 ? img->depth : 0);
    part *pt = calloc(nparts, sizeof *pt);
    mc_stats rs;
    uint64_t png_img = 0, png_ref = 0;
    if (!pt) {
        rc = cli_error(EX_IO_, "out of memory");
        goto out;
    }
    size_t k = 0;
    pt[k].channel = MC_ALL;
    pt[k++].slice = MC_ALL;
    for (unsigned ch = 0; img->channels > 1 && ch < img->channels; ch++) {
        pt[k].channel = (int)ch;
        pt[k++].slice = MC_ALL;
    }
    for (uint32_t z = 0; img->depth > 1 && z < img->depth; z++) {
        pt[k].channel = MC_ALL;
        pt[k++].slice = (int)z;
    }
    for (k = 0; k < nparts && !rc; k++) {
        if (mc_stats_compute(img, pt[k].channel, pt[k].slice, pairs, seed, &pt[k].s, &err) ||
            (ref && mc_pair_stats_compute(img, ref, pt[k].channel, pt[k].slice, (unsigned)block, &pt[k].p, &err)))
            rc = cli_fail(&err);
    }
    if (!rc && ref &&
        (mc_stats_compute(ref, MC_ALL, MC_ALL, pairs, seed, &rs, &err) || mc_png_size(img, &png_img, &err) ||
         mc_png_size(ref, &png_ref, &err)))
        rc = cli_fail(&err);
    if (!rc && plotdir) rc = plots(plotdir, img, path, ref, rpath, pairs, seed);
    if (rc) {
        free(pt);
        goto out;
    }
    double expansion = ref && png_ref ? (double)png_img / (double)png_ref : NAN;

    if (json) {
        printf("{\"image\": {");
        json_geom(stdout, path, img);
        printf("}, \"seed\": %" PRIu64 ", ", seed);
        json_stats(stdout, &pt[0].s, pairs);
        if (ref) {
            printf(", \"reference\": {");
            json_geom(stdout, rpath, ref);
            printf(", ");
            json_stats(stdout, &rs, pairs);
            printf("}, ");
            json_pair(stdout, &pt[0].p);
            printf(", \"expansion\": ");
            jnum(stdout, expansion);
            printf(", \"png_bytes\": {\"image\": %" PRIu64 ", \"reference\": %" PRIu64 "}", png_img, png_ref);
        }
        for (int kind = 0; kind < 2; kind++) {
            int any = 0;
            for (k = 1; k < nparts; k++) {
                int is_ch = pt[k].channel != MC_ALL;
                if (is_ch != (kind == 0)) continue;
                printf(any ? ", {" : ", \"%s\": [{", kind == 0 ? "channels" : "slices");
                any = 1;
                printf("\"%s\": %d, ", kind == 0 ? "channel" : "slice", kind == 0 ? pt[k].channel : pt[k].slice);
                json_stats(stdout, &pt[k].s, pairs);
                if (ref) {
                    printf(", ");
                    json_pair(stdout, &pt[k].p);
                }
                printf("}");
            }
            if (any) printf("]");
        }
        printf("}\n");
    } else {
        char geo[64];
        if (img->depth > 1) snprintf(geo, sizeof geo, "%ux%ux%u", img->width, img->height, img->depth);
        else snprintf(geo, sizeof geo, "%ux%u", img->width, img->height);
        printf("medcrypt analyze: %s: %s, %u-bit %s%s\n", path, geo, img->bits,
               img->is_signed ? "signed" : "unsigned", img->channels == 3 ? ", RGB" : "");
        if (ref) printf("reference: %s\n", rpath);
        printf("\n  %-32s %18s", "", "image");
        if (ref) printf(" %18s", "reference");
        printf("\n");
        const mc_stats *ss[2] = {&pt[0].s, &rs};
        text_stats_rows(ss, ref ? 2 : 1, pairs);
        if (ref) {
            printf("\npairwise (image vs reference)\n");
            text_pair_rows(&pt[0].p);
            char b[64];
            printf("  %-32s %s  (PNG bytes %" PRIu64 " / %" PRIu64 ")\n", "file expansion",
                   fmtd(b, sizeof b, 4, 'f', expansion), png_img, png_ref);
        }
        if (nparts > 1) {
            printf("\n  %-10s %9s %9s %6s %9s %9s %9s %9s", "part", "entropy", "local", "chi2 p", "corr h", "corr v",
                   "corr d", "corr ad");
            if (ref) printf(" %9s %9s %9s %8s", "NPCR %", "UACI %", "PSNR", "SSIM");
            printf("\n");
            for (k = 1; k < nparts; k++) {
                char l[32], b[8][32];
                if (pt[k].channel != MC_ALL) snprintf(l, sizeof l, "channel %d", pt[k].channel);
                else snprintf(l, sizeof l, "slice %d", pt[k].slice);
                const mc_stats *s = &pt[k].s;
                printf("  %-10s %9s %9s %6s %9s %9s %9s %9s", l, fmtd(b[0], 32, 5, 'f', s->entropy),
                       fmtd(b[1], 32, 5, 'f', s->le.mean), fmtd(b[2], 32, 3, 'f', s->chi2.p),
                       fmtd(b[3], 32, 5, 'f', s->corr[0]), fmtd(b[4], 32, 5, 'f', s->corr[1]),
                       fmtd(b[5], 32, 5, 'f', s->corr[2]), fmtd(b[6], 32, 5, 'f', s->corr[3]));
                if (ref)
                    printf(" %9.4f %9.4f %9s %8s", pt[k].p.d.npcr, pt[k].p.d.uaci,
                           fmtd(b[0], 32, 3, 'f', pt[k].p.psnr), fmtd(b[1], 32, 5, 'f', pt[k].p.ssim));
                printf("\n");
            }
        }
        if (plotdir) printf("\nplots: %s/histogram.png, %s/scatter.png\n", plotdir, plotdir);
    }
    free(pt);
out:
    mc_image_free(img);
    mc_image_free(ref);
    return rc;
}
