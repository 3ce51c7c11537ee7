/* cmd_surrogate.c - medcrypt attack surrogate: train a decryption network on
 * known (plain, cipher) pairs and decrypt another cipher with it
 * (mc_surrogate_train, medcrypt_lab.h; docs/attacks.md). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "medcrypt_lab.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PAIRS 100000

static void help(FILE *f) {
    fprintf(f,
            "Usage: medcrypt attack surrogate --plain P --cipher C [-n N] [--steps N] [--batch N]\n"
            "                                 [--patch N] [--seed N] TARGET_CIPHER -o RECOVERED\n"
            "                                 [--truth PLAIN] [-f]\n\n"
            "Surrogate decryption: learn a network that maps ciphers to plains from known\n"
            "pairs made under one secret (the same key, or edg-net's same secret weights),\n"
            "then decrypt TARGET_CIPHER with it.  The network has edg-net's decryption\n"
            "architecture (public); only its weights are learned (L1 regression).\n\n"
            "  --plain P, --cipher C  the pairs: two files, or two directories whose files\n"
            "                         of the same name form the pairs (gray images, each\n"
            "                         pair of one geometry, at least PATCH x PATCH)\n"
            "  -n N                   use the first N pairs (by file name; default all)\n"
            "  --steps N              optimisation steps (default 1000)\n"
            "  --batch N, --patch N   crops per step and crop size (default 8, 64)\n"
            "  --seed N               seed of initialisation and sampling (default 1)\n"
            "  --truth PLAIN          print PSNR and SSIM of the recovered image against PLAIN\n"
            "  -o, --output RECOVERED the surrogate's decryption of TARGET_CIPHER\n"
            "  -f, --force            overwrite RECOVERED if it exists\n\n"
            "Exit status: 0 ok, 1 usage, 2 bad input, 4 I/O.\n");
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Names of the regular files in dir (sorted), or path itself when it is a
 * file (*isdir = 0). */
static int list_path(const char *path, char ***out, size_t *n, int *isdir) {
    struct stat st;
    *out = NULL, *n = 0;
    if (stat(path, &st)) return cli_error(EX_IO_, "attack surrogate: cannot read %s", path);
    *isdir = S_ISDIR(st.st_mode);
    if (!*isdir) {
        *out = malloc(sizeof **out);
        if (!*out || !((*out)[0] = strdup(path))) return cli_error(EX_IO_, "out of memory");
        *n = 1;
        return EX_OK_;
    }
    DIR *d = opendir(path);
    if (!d) return cli_error(EX_IO_, "attack surrogate: cannot open directory %s", path);
    size_t cap = 0;
    struct dirent *e;
    int rc = EX_OK_;
    while ((e = readdir(d)) && !rc) {
        if (e->d_name[0] == '.') continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(*out, cap * sizeof *nn);
            if (!nn) rc = cli_error(EX_IO_, "out of memory");
            else *out = nn;
        }
        if (!rc && !((*out)[(*n)++] = strdup(e->d_name))) rc = cli_error(EX_IO_, "out of memory");
    }
    closedir(d);
    if (!rc) qsort(*out, *n, sizeof **out, cmp_str);
    return rc;
}

static void free_list(char **l, size_t n) {
    for (size_t i = 0; l && i < n; i++) free(l[i]);
    free(l);
}

static int read_img(const char *dir, const char *name, int isdir, mc_image **out) {
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", isdir ? dir : "", isdir ? "/" : "", name);
    mc_err err = {0};
    if (mc_image_read(path, NULL, out, &err)) return cli_error(mc_exit_code(err.status), "%s: %s", path, err.msg);
    return EX_OK_;
}

typedef struct prog {
    int tty;
    uint64_t last;
} prog;

static int on_progress(void *ud, uint64_t step, uint64_t steps, double loss) {
    prog *p = ud;
    if (p->tty && (step + 1 == steps || step - p->last >= 20)) {
        p->last = step;
        fprintf(stderr, "\rsurrogate: step %" PRIu64 "/%" PRIu64 " loss %.5f ", step + 1, steps, loss);
        if (step + 1 == steps) fputc('\n', stderr);
    }
    return 0;
}

enum { O_PLAIN = 0x200, O_CIPHER, O_STEPS, O_BATCH, O_PATCH, O_SEED, O_TRUTH };

typedef struct sur_args {
    const char *pp, *cp, *truth;
    uint64_t n, steps, batch, patch, seed;
} sur_args;

static int sur_opt(void *ud, int code, const char *arg) {
    sur_args *a = ud;
    switch (code) {
    case O_PLAIN: a->pp = arg; return EX_OK_;
    case O_CIPHER: a->cp = arg; return EX_OK_;
    case 'n': return cli_parse_u64(arg, 1, MAX_PAIRS, &a->n, "attack surrogate", "-n");
    case O_STEPS: return cli_parse_u64(arg, 1, 100000000, &a->steps, "attack surrogate", "--steps");
    case O_BATCH: return cli_parse_u64(arg, 1, 256, &a->batch, "attack surrogate", "--batch");
    case O_PATCH: return cli_parse_u64(arg, 16, 1024, &a->patch, "attack surrogate", "--patch");
    case O_SEED: return cli_parse_u64(arg, 0, UINT64_MAX, &a->seed, "attack surrogate", "--seed");
    case O_TRUTH: a->truth = arg; return EX_OK_;
    default: return EX_USAGE_;
    }
}

int cmd_attack_surrogate(int argc, char **argv) {
    static const struct option lo[] = {{"plain", required_argument, 0, O_PLAIN}, {"cipher", required_argument, 0, O_CIPHER},
                                       {"steps", required_argument, 0, O_STEPS}, {"batch", required_argument, 0, O_BATCH},
                                       {"patch", required_argument, 0, O_PATCH}, {"seed", required_argument, 0, O_SEED},
                                       {"truth", required_argument, 0, O_TRUTH}, {0, 0, 0, 0}};
    sur_args a = {.n = UINT64_MAX, .steps = 1000, .batch = 8, .patch = 64, .seed = 1};
    cli_extra ex = {lo, "n:", sur_opt, &a};
    cli_opts o;
    int rc = cli_parse(argc, argv, "attack surrogate", CLI_O_OUTPUT, &ex, &o);
    if (rc) return rc;
    if (o.help) {
        help(stdout);
        return EX_OK_;
    }
    const char *pp = a.pp, *cp = a.cp, *truth = a.truth, *out = o.out;
    uint64_t n = a.n, steps = a.steps, batch = a.batch, patch = a.patch, seed = a.seed;
    int force = o.force, optind_ = o.first_arg;
    if (!pp || !cp || !out || argc - optind_ != 1)
        return cli_error(EX_USAGE_, "attack surrogate: needs --plain, --cipher, one TARGET_CIPHER and -o RECOVERED");
    if (patch % 4) return cli_error(EX_USAGE_, "attack surrogate: --patch must be a multiple of 4");
    const char *target = argv[optind_];
    if ((rc = cli_check_output(target, out, force))) return rc;
    char **pn = NULL, **cn = NULL;
    size_t npn = 0, ncn = 0, np = 0;
    int pdir = 0, cdir = 0;
    mc_image **pi = NULL, **ci = NULL, *tc = NULL, *rec = NULL, *tr = NULL;
    mc_surrogate *s = NULL;
    mc_err err = {0};
    if ((rc = list_path(pp, &pn, &npn, &pdir)) || (rc = list_path(cp, &cn, &ncn, &cdir))) goto out;
    if (pdir != cdir) {
        rc = cli_error(EX_USAGE_, "attack surrogate: --plain and --cipher must both be files or both directories");
        goto out;
    }
    pi = calloc(npn + 1, sizeof *pi);
    ci = calloc(npn + 1, sizeof *ci);
    if (!pi || !ci) {
        rc = cli_error(EX_IO_, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < npn && np < n && !rc; i++) { /* pairs: the same file name on both sides */
        size_t j = 0;
        if (pdir) {
            char **hit = bsearch(&pn[i], cn, ncn, sizeof *cn, cmp_str);
            if (!hit) continue;
            j = (size_t)(hit - cn);
        }
        if (!(rc = read_img(pp, pn[i], pdir, &pi[np]))) rc = read_img(cp, cn[j], cdir, &ci[np]);
        if (!rc) np++;
    }
    if (rc) goto out;
    if (!np) {
        rc = cli_error(EX_INPUT_, "attack surrogate: no pair (files of the same name in %s and %s)", pp, cp);
        goto out;
    }
    if ((rc = read_img("", target, 0, &tc)) || (truth && (rc = read_img("", truth, 0, &tr)))) goto out;
    prog pg = {isatty(STDERR_FILENO), 0};
    mc_surrogate_opts so = {0, 0, steps, (uint32_t)batch, (uint32_t)patch, 0, seed, on_progress, &pg};
    if (mc_surrogate_train((const mc_image *const *)pi, (const mc_image *const *)ci, np, &so, &s, &err) ||
        mc_surrogate_apply(s, tc, &rec, &err)) {
        rc = err.status == MC_ERR_ARG ? cli_error(EX_USAGE_, "attack surrogate: %s", err.msg) : cli_fail(&err);
        goto out;
    }
    FILE *rep = strcmp(out, "-") ? stdout : stderr;
    fprintf(rep, "attack surrogate: trained on %zu pairs, %" PRIu64 " steps\n", np, steps);
    if (tr) {
        double psnr = 0, ssim = 0;
        if (mc_mse_psnr(rec, tr, MC_ALL, MC_ALL, NULL, &psnr, &err) || mc_ssim(rec, tr, MC_ALL, MC_ALL, &ssim, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
        fprintf(rep, "recovered vs truth: PSNR %.4f dB, SSIM %.6f\n", psnr, ssim);
    }
    fflush(rep);
    rc = cli_write_image(rec, target, out, force, CLI_OUT_PRIVATE); /* recovered plaintext */
out:
    for (size_t i = 0; pi && i <= np && i < npn + 1; i++) mc_image_free(pi[i]), mc_image_free(ci[i]);
    free(pi);
    free(ci);
    free_list(pn, npn);
    free_list(cn, ncn);
    mc_surrogate_free(s);
    mc_image_free(tc);
    mc_image_free(rec);
    mc_image_free(tr);
    return rc;
}
