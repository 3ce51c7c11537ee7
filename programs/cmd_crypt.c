/* cmd_crypt.c - medcrypt encrypt / decrypt (one file; -r: directory mode in
 * cmd_tree.c) */
#include "tree.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void help_encrypt(FILE *f) {
    fprintf(f, "Usage: medcrypt encrypt -s SCHEME (-k KEY | --passphrase) [--profile paper|hardened]\n"
               "                        [--param NAME=VALUE]... [--key-image FILE] [--model FILE] IN -o OUT [-f]\n"
               "       medcrypt encrypt -s SCHEME (-k KEY | --passphrase) ... -r IN_DIR -o OUT_DIR\n"
               "                        [-j N] [--copy-other] [--progress auto|bar|lines|none]\n\n"
               "Encrypt the pixels of IN (DICOM, NIfTI, PNG, PGM/PPM; '-' = stdin) into OUT.\n"
               "OUT has IN's format unless its extension names another; scheme, profile,\n"
               "parameters, nonce and MAC are stored in OUT's metadata.\n\n"
               "  -s, --scheme SCHEME     see `medcrypt list`\n"
               "  -k, --key KEY           key file from `medcrypt keygen`\n"
               "  --passphrase            derive the key with Argon2id from a passphrase\n"
               "                          (terminal, MEDCRYPT_PASSPHRASE, or --passphrase-file)\n"
               "  --passphrase-file FILE  read the passphrase (or a protected key file's) from\n"
               "                          FILE's first line\n"
               "  --profile PROFILE       hardened (default: fresh nonce, MAC, exact) or paper\n"
               "                          (the paper's construction, unauthenticated, for study)\n"
               "  --param NAME=VALUE      scheme parameter (repeatable)\n"
               "  --key-image FILE        zigzag: the key image (the file records only its keyed\n"
               "                          hash; decryption needs FILE again)\n"
               "  --model FILE            at-resnet-cm, resnet-cm, edg-net: a model from `medcrypt\n"
               "                          train` (the file records its hash; decryption needs FILE\n"
               "                          again); edg-net's secret model opens with the same key\n"
               "  -o, --output OUT        output file ('-' = stdout, IN's format)\n"
               "  -f, --force             overwrite OUT if it exists\n"
               "  -r, --recursive         directory mode: IN and OUT are directories (see the manual)\n\n"
               "Exit status: 0 ok, 1 usage, 2 bad input, 3 authentication, 4 I/O.\n");
}

static void help_decrypt(FILE *f) {
    fprintf(f, "Usage: medcrypt decrypt (-k KEY | --passphrase) [--profile paper|hardened]\n"
               "                        [--key-image FILE] [--model FILE] IN -o OUT [-f]\n"
               "       medcrypt decrypt (-k KEY | --passphrase) ... -r IN_DIR -o OUT_DIR [-j N] ...\n\n"
               "Decrypt IN into OUT.  Scheme, profile and parameters come from IN's metadata.\n"
               "In the hardened profile the MAC over metadata and pixels is verified before\n"
               "anything is written: a wrong key or a modified file gives exit status 3 and\n"
               "no output file.  A paper-profile file is not authenticated: it is decrypted\n"
               "only with --profile paper (so an edited profile cannot skip the MAC).\n"
               "OUT is created with mode 0600.  No file named inside IN is ever opened.\n\n"
               "  -k, --key KEY           key file\n"
               "  --passphrase            the passphrase the file was encrypted with\n"
               "  --passphrase-file FILE  read the passphrase (or a protected key file's) from\n"
               "                          FILE's first line\n"
               "  --profile PROFILE       the profile the file must have; 'paper' is required\n"
               "                          to decrypt an unauthenticated paper-profile file\n"
               "  --key-image FILE        the key image IN was encrypted with (zigzag), if any\n"
               "  --model FILE            the model IN was encrypted with, if not built in\n"
               "  -o, --output OUT        output file ('-' = stdout)\n"
               "  -f, --force             overwrite OUT if it exists\n"
               "  -r, --recursive         directory mode: IN and OUT are directories (see the manual)\n\n"
               "Exit status: 0 ok, 1 usage, 2 bad input, 3 authentication, 4 I/O.\n");
}

/* The profile in a file is not authenticated by itself: a hardened file
 * edited to say "paper" would skip the MAC.  Unauthenticated (paper) files
 * are decrypted only when the user asks for them. */
static int check_profile(const cli_crypt *c, const mc_image *img, const char *in) {
    const char *pr = mc_meta_get(&img->meta, "profile");
    mc_profile fp;
    int known = pr && mc_profile_parse(pr, &fp) == MC_OK;
    const cli_opts *o = c->o;
    if (known && fp == MC_PROFILE_PAPER && !(o->profile_given && o->profile == MC_PROFILE_PAPER))
        return cli_error(EX_AUTH_, "%s: paper-profile file, not authenticated: pass --profile paper to decrypt it anyway",
                         in);
    if (known && o->profile_given && fp != o->profile)
        return cli_error(EX_AUTH_, "%s: file says profile %s, expected %s", in, mc_profile_name(fp),
                         mc_profile_name(o->profile));
    return EX_OK_;
}

int cli_crypt_image(const cli_crypt *c, mc_image *img, const char *in) {
    mc_err err = {0};
    const cli_opts *o = c->o;
    if (c->enc) {
        if (mc_encrypt(img, o->scheme, o->profile, o->params, o->np, c->in->key, &c->in->opts, &err))
            return cli_fail(&err);
        if (!c->in->opts.model && o->profile == MC_PROFILE_PAPER && !strcmp(o->scheme, "edg-net"))
            cli_warn("edg-net paper profile with the built-in PUBLIC model: anyone can decrypt %s (give a secret "
                     "model: --model)", in);
        return EX_OK_;
    }
    if (!img->has_meta) return cli_error(EX_INPUT_, "%s: no medcrypt metadata: not encrypted by medcrypt", in);
    int rc = check_profile(c, img, in);
    if (rc) return rc;
    const char *pr = mc_meta_get(&img->meta, "profile");
    int paper = pr && !strcmp(pr, "paper");
    mc_opts opts = c->in->opts;
    /* --profile paper is the user's explicit choice of unauthenticated decryption */
    if (o->profile_given && o->profile == MC_PROFILE_PAPER) opts.flags |= MC_DECRYPT_UNAUTHENTICATED;
    if (mc_decrypt(img, c->in->key, &opts, &err)) return cli_fail(&err);
    if (paper) cli_warn("%s used the paper profile: not authenticated, a wrong key gives noise", in);
    return EX_OK_;
}

int cli_crypt_file(const cli_crypt *c, const char *in, const char *out, unsigned flags, cli_written *wr) {
    mc_err err = {0};
    mc_image *img = NULL;
    if (mc_image_read(in, NULL, &img, &err)) return cli_fail(&err);
    int rc = cli_crypt_image(c, img, in);
    if (!rc) rc = cli_write_image_ex(img, in, out, c->o->force, flags | (c->enc ? 0 : CLI_OUT_PRIVATE), wr);
    if (!c->enc && img->pixels) sodium_memzero(img->pixels, img->nbytes);
    mc_image_free(img);
    return rc;
}

typedef struct crypt_extra {
    int recursive, copy_other;
    const char *jobs, *progress;
} crypt_extra;

static int crypt_opt(void *ud, int code, const char *arg) {
    crypt_extra *x = ud;
    switch (code) {
    case 'r': x->recursive = 1; return EX_OK_;
    case 'j': x->jobs = arg; return EX_OK_;
    case 0x200: x->copy_other = 1; return EX_OK_;
    case 0x201: x->progress = arg; return EX_OK_;
    default: return cli_error(EX_USAGE_, "bad option");
    }
}

static int run(int argc, char **argv, int enc) {
    static const struct option lo[] = {{"recursive", no_argument, 0, 'r'},
                                        {"jobs", required_argument, 0, 'j'},
                                        {"copy-other", no_argument, 0, 0x200},
                                        {"progress", required_argument, 0, 0x201},
                                        {0, 0, 0, 0}};
    crypt_extra x = {0};
    cli_extra ex = {lo, "rj:", crypt_opt, &x};
    const char *what = enc ? "encrypt" : "decrypt";
    cli_opts o;
    unsigned sets = CLI_O_KEY | CLI_O_PROFILE | CLI_O_INPUTS | CLI_O_OUTPUT | (enc ? CLI_O_SCHEME | CLI_O_PARAM : 0);
    int rc = cli_parse(argc, argv, what, sets, &ex, &o);
    if (rc) return rc;
    if (o.help) {
        (enc ? help_encrypt : help_decrypt)(stdout);
        return EX_OK_;
    }
    if (argc - o.first_arg != 1) return cli_error(EX_USAGE_, "%s: exactly one input is required (see --help)", what);
    const char *in = argv[o.first_arg];
    if (!o.out) return cli_error(EX_USAGE_, "%s: -o OUT is required", what);
    if (enc && (rc = cli_check_scheme(&o, what))) return rc;
    if ((rc = cli_need_key(&o, what))) return rc;
    if (!x.recursive && (x.jobs || x.copy_other || x.progress))
        return cli_error(EX_USAGE_, "%s: -j, --copy-other and --progress go with -r", what);
    if (x.recursive) {
        cli_tree_opts t = {enc, x.copy_other, x.jobs, x.progress};
        return cli_tree_run(&o, &t, in);
    }
    if ((rc = cli_check_output(in, o.out, o.force))) return rc;

    cli_inputs inputs;
    mc_err err = {0};
    mc_image *img = NULL;
    /* read (and, decrypting, check the profile) before asking for a passphrase */
    if (mc_image_read(in, NULL, &img, &err)) return cli_fail(&err);
    cli_crypt c = {enc, &o, &inputs};
    if (!enc) {
        if (!img->has_meta) rc = cli_error(EX_INPUT_, "%s: no medcrypt metadata: not encrypted by medcrypt", in);
        else rc = check_profile(&c, img, in);
    }
    if (!rc) rc = cli_inputs_load(&o, enc, &inputs);
    if (rc) {
        mc_image_free(img);
        return rc;
    }
    rc = cli_crypt_image(&c, img, in);
    cli_inputs_free(&inputs);
    if (!rc) rc = cli_write_image(img, in, o.out, o.force, enc ? 0 : CLI_OUT_PRIVATE);
    if (!enc && img->pixels) sodium_memzero(img->pixels, img->nbytes);
    mc_image_free(img);
    return rc;
}

int cmd_encrypt(int argc, char **argv) {
    return run(argc, argv, 1);
}

int cmd_decrypt(int argc, char **argv) {
    return run(argc, argv, 0);
}
