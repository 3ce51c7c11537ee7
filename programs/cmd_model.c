/* cmd_model.c - medcrypt model info FILE [--json] [-k KEY | --passphrase]:
 * what a model file holds (architecture, hyperparameters, training state,
 * networks and their layers).  The file is fully checked while loading. */
#include "cli.h"
#include "medcrypt_lab.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *f) {
    fprintf(f, "Usage: medcrypt model info FILE [--json] [-k KEY | --passphrase [--passphrase-file F]]\n\n"
               "Check a model file (checksum or, when encrypted, its authentication tag, then\n"
               "every size and shape) and describe it.  An encrypted model needs its key.\n");
}

static int info(const char *path, int json, const cli_keyopts *ko) {
    mc_err err = {0};
    mc_key *key = NULL;
    int rc = EX_OK_;
    if ((ko->keyfile || ko->passphrase) && (rc = cli_load_key(ko, 0, &key))) return rc;
    if (mc_model_describe(path, key, json, stdout, &err)) rc = cli_fail(&err);
    if (key) mc_key_free(key);
    return rc;
}

int cmd_model(int argc, char **argv) {
    enum { O_PASS = 256, O_PASSFILE };
    static const struct option lo[] = {{"json", no_argument, 0, 'j'},
                                        {"key", required_argument, 0, 'k'},
                                        {"passphrase", no_argument, 0, O_PASS},
                                        {"passphrase-file", required_argument, 0, O_PASSFILE},
                                        {"help", no_argument, 0, 'h'},
                                        {0, 0, 0, 0}};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        help(argc < 2 ? stderr : stdout);
        return argc < 2 ? EX_USAGE_ : EX_OK_;
    }
    if (strcmp(argv[1], "info")) return cli_error(EX_USAGE_, "model: unknown action '%s' (want: info)", argv[1]);
    int json = 0, c;
    cli_keyopts ko = {0};
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "k:jh", lo, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'k': ko.keyfile = optarg; break;
        case O_PASS: ko.passphrase = 1; break;
        case O_PASSFILE: ko.passphrase = 1, ko.passfile = optarg; break;
        case 'h': help(stdout); return EX_OK_;
        default: help(stderr); return EX_USAGE_;
        }
    }
    if (optind + 1 != argc - 1) return cli_error(EX_USAGE_, "model info: give exactly one FILE");
    return info(argv[optind + 1], json, &ko);
}
