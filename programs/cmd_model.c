/* cmd_model.c - medcrypt model info FILE [--json] [-k KEY | --passphrase]:
 * what a model file holds (architecture, hyperparameters, training state,
 * networks and their layers).  The file is fully checked while loading. */
#include "cli.h"
#include "medcrypt_lab.h"

#include <stdlib.h>
#include <string.h>

static void help(FILE *f) {
    fprintf(f, "Usage: medcrypt model info FILE [--json] [-k KEY | --passphrase [--passphrase-file F]]\n\n"
               "Check a model file (checksum or, when encrypted, its authentication tag, then\n"
               "every size and shape) and describe it.  An encrypted model needs its key.\n");
}

int cmd_model(int argc, char **argv) {
    static const struct option lo[] = {{"json", no_argument, 0, 'j'}, {0, 0, 0, 0}};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        help(argc < 2 ? stderr : stdout);
        return argc < 2 ? EX_USAGE_ : EX_OK_;
    }
    if (strcmp(argv[1], "info")) return cli_error(EX_USAGE_, "model: unknown action '%s' (want: info)", argv[1]);
    int json = 0;
    cli_extra ex = {lo, "j", cli_flag_opt, &json};
    cli_opts o;
    int rc = cli_parse(argc - 1, argv + 1, "model info", CLI_O_KEY, &ex, &o);
    if (rc) return rc;
    if (o.help) {
        help(stdout);
        return EX_OK_;
    }
    if (o.first_arg + 1 != argc - 1) return cli_error(EX_USAGE_, "model info: give exactly one FILE");
    mc_key *key = NULL;
    mc_err err = {0};
    if ((rc = cli_load_key_opt(&o, 0, &key))) return rc;
    if (mc_model_describe(argv[1 + o.first_arg], key, json, stdout, &err)) rc = cli_fail(&err);
    mc_key_free(key);
    return rc;
}
