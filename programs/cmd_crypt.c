/* cmd_crypt.c - medcrypt encrypt / decrypt */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PARAMS 32
#define MODEL_MAX ((size_t)1 << 31)

/* --model FILE: the bytes of a model file (a regular file of at most 2 GiB);
 * an encrypted one is opened by the scheme with the same key. */
static int read_model(const char *path, uint8_t **out, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return cli_error(EX_IO_, "cannot open model %s", path);
    struct stat st;
    uint8_t *buf = NULL;
    int rc = EX_OK_;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MODEL_MAX || st.st_size == 0) {
        rc = cli_error(EX_INPUT_, "model %s: not a model file (an empty, huge or special file)", path);
    } else if (!(buf = malloc((size_t)st.st_size))) {
        rc = cli_error(EX_IO_, "out of memory");
    } else {
        size_t got = 0;
        while (got < (size_t)st.st_size) {
            ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
            if (r <= 0) break;
            got += (size_t)r;
        }
        if (got != (size_t)st.st_size) rc = cli_error(EX_IO_, "cannot read model %s", path);
        *len = got;
    }
    close(fd);
    if (rc) free(buf);
    else *out = buf;
    return rc;
}

static void help_encrypt(FILE *f) {
    fprintf(f, "Usage: medcrypt encrypt -s SCHEME (-k KEY | --passphrase) [--profile paper|hardened]\n"
               "                        [--param NAME=VALUE]... IN -o OUT [-f]\n\n"
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
               "  --model FILE            a neural scheme's model (edg-net: a secret model from\n"
               "                          `medcrypt train edg-net`, opened with the same key)\n"
               "  -o, --output OUT        output file ('-' = stdout, IN's format)\n"
               "  -f, --force             overwrite OUT if it exists\n\n"
               "Exit status: 0 ok, 1 usage, 2 bad input, 3 authentication, 4 I/O.\n");
}

static void help_decrypt(FILE *f) {
    fprintf(f, "Usage: medcrypt decrypt (-k KEY | --passphrase) [--profile paper|hardened] IN -o OUT [-f]\n\n"
               "Decrypt IN into OUT.  Scheme, profile and parameters come from IN's metadata.\n"
               "In the hardened profile the MAC over metadata and pixels is verified before\n"
               "anything is written: a wrong key or a modified file gives exit status 3 and\n"
               "no output file.  A paper-profile file is not authenticated: it is decrypted\n"
               "only with --profile paper (so an edited profile cannot skip the MAC).\n\n"
               "  -k, --key KEY           key file\n"
               "  --passphrase            the passphrase the file was encrypted with\n"
               "  --passphrase-file FILE  read the passphrase (or a protected key file's) from\n"
               "                          FILE's first line\n"
               "  --profile PROFILE       the profile the file must have; 'paper' is required\n"
               "                          to decrypt an unauthenticated paper-profile file\n"
               "  --model FILE            the model the file was encrypted with (edg-net)\n"
               "  -o, --output OUT        output file ('-' = stdout)\n"
               "  -f, --force             overwrite OUT if it exists\n\n"
               "Exit status: 0 ok, 1 usage, 2 bad input, 3 authentication, 4 I/O.\n");
}

static int run(int argc, char **argv, int enc) {
    static const struct option lo[] = {{"scheme", required_argument, 0, 's'},
                                        {"key", required_argument, 0, 'k'},
                                        {"passphrase", no_argument, 0, 'p'},
                                        {"passphrase-file", required_argument, 0, 'P'},
                                        {"profile", required_argument, 0, 'r'},
                                        {"param", required_argument, 0, 'm'},
                                        {"output", required_argument, 0, 'o'},
                                        {"force", no_argument, 0, 'f'},
                                        {"model", required_argument, 0, 'M'},
                                        {"help", no_argument, 0, 'h'},
                                        {0, 0, 0, 0}};
    void (*help)(FILE *) = enc ? help_encrypt : help_decrypt;
    const char *model_path = NULL;
    const char *what = enc ? "encrypt" : "decrypt";
    const char *scheme = NULL, *out = NULL, *params[MAX_PARAMS];
    size_t np = 0;
    int force = 0, profile_given = 0, c;
    mc_profile profile = MC_PROFILE_HARDENED;
    cli_keyopts ko = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, enc ? "s:k:o:fh" : "k:o:fh", lo, NULL)) != -1) {
        switch (c) {
        case 's':
            if (!enc) return cli_error(EX_USAGE_, "decrypt: the scheme comes from the file's metadata");
            scheme = optarg;
            break;
        case 'k': ko.keyfile = optarg; break;
        case 'p': ko.passphrase = 1; break;
        case 'P': ko.passfile = optarg; break;
        case 'r':
            if (mc_profile_parse(optarg, &profile))
                return cli_error(EX_USAGE_, "unknown profile '%s' (paper or hardened)", optarg);
            profile_given = 1;
            break;
        case 'm':
            if (!enc) return cli_error(EX_USAGE_, "decrypt: parameters come from the file's metadata");
            if (np == MAX_PARAMS) return cli_error(EX_USAGE_, "too many --param");
            params[np++] = optarg;
            break;
        case 'o': out = optarg; break;
        case 'f': force = 1; break;
        case 'M': model_path = optarg; break;
        case 'h': help(stdout); return EX_OK_;
        default: help(stderr); return EX_USAGE_;
        }
    }
    if (argc - optind != 1) {
        help(stderr);
        return cli_error(EX_USAGE_, "%s: exactly one input file is required", what);
    }
    const char *in = argv[optind];
    if (!out) return cli_error(EX_USAGE_, "%s: -o OUT is required", what);
    if (enc && !scheme) return cli_error(EX_USAGE_, "encrypt: -s SCHEME is required (see: medcrypt list)");
    if (enc && !mc_scheme_find(scheme)) return cli_error(EX_USAGE_, "unknown scheme '%s' (see: medcrypt list)", scheme);
    if (!ko.keyfile && !ko.passphrase && !ko.passfile)
        return cli_error(EX_USAGE_, "%s: a key is required: -k KEY or --passphrase", what);
    int rc = cli_check_output(in, out, force);
    if (rc) return rc;

    mc_err err = {0};
    mc_image *img = NULL;
    if (mc_image_read(in, NULL, &img, &err)) return cli_fail(&err);
    if (!enc && !img->has_meta) {
        mc_image_free(img);
        return cli_error(EX_INPUT_, "%s: no medcrypt metadata: not encrypted by medcrypt", in);
    }
    if (!enc) {
        /* The profile in the file is not authenticated by itself: a hardened
         * file edited to say "paper" would skip the MAC.  Unauthenticated
         * (paper) files are decrypted only when the user asks for them. */
        const char *pr = mc_meta_get(&img->meta, "profile");
        mc_profile fp;
        int known = pr && mc_profile_parse(pr, &fp) == MC_OK;
        if (known && fp == MC_PROFILE_PAPER && !(profile_given && profile == MC_PROFILE_PAPER))
            rc = cli_error(EX_AUTH_, "%s: paper-profile file, not authenticated: pass --profile paper to decrypt it anyway", in);
        else if (known && profile_given && fp != profile)
            rc = cli_error(EX_AUTH_, "%s: file says profile %s, expected %s", in, mc_profile_name(fp), mc_profile_name(profile));
        if (rc) {
            mc_image_free(img);
            return rc;
        }
    }
    mc_key *key = NULL;
    uint8_t *model = NULL;
    size_t model_len = 0;
    mc_opts opts = {0};
    if (model_path && (rc = read_model(model_path, &model, &model_len))) {
        mc_image_free(img);
        return rc;
    }
    opts.model = model;
    opts.model_len = model_len;
    rc = cli_load_key(&ko, enc, &key);
    if (!rc) {
        if (enc) {
            if (mc_encrypt(img, scheme, profile, params, np, key, &opts, &err)) rc = cli_fail(&err);
            else if (!model && profile == MC_PROFILE_PAPER && !strcmp(scheme, "edg-net"))
                cli_warn("edg-net paper profile with the built-in PUBLIC model: anyone can decrypt this (give a secret "
                         "model: --model)");
        } else {
            const char *pr = mc_meta_get(&img->meta, "profile");
            int paper = pr && !strcmp(pr, "paper");
            /* --profile paper is the user's explicit choice of unauthenticated decryption */
            if (profile_given && profile == MC_PROFILE_PAPER) opts.flags |= MC_DECRYPT_UNAUTHENTICATED;
            if (mc_decrypt(img, key, &opts, &err)) rc = cli_fail(&err);
            else if (paper)
                cli_warn("%s used the paper profile: not authenticated, a wrong key gives noise", in);
        }
    }
    mc_key_free(key);
    free(model);
    if (!rc) rc = cli_write_image(img, in, out, force);
    mc_image_free(img);
    return rc;
}

int cmd_encrypt(int argc, char **argv) {
    return run(argc, argv, 1);
}

int cmd_decrypt(int argc, char **argv) {
    return run(argc, argv, 0);
}
