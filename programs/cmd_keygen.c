/* cmd_keygen.c - medcrypt keygen -o KEY [--passphrase] */
#include "cli.h"

#include <sodium.h>
#include <string.h>

static void help(FILE *f) {
    fprintf(f, "Usage: medcrypt keygen -o KEY [--passphrase [--passphrase-file FILE]]\n\n"
               "Write a new random 256-bit key to KEY (created with mode 0600; an existing\n"
               "file is never overwritten).  With --passphrase the key is stored wrapped by\n"
               "XChaCha20-Poly1305 under an Argon2id key derived from a passphrase read from\n"
               "the terminal (asked twice), MEDCRYPT_PASSPHRASE, or --passphrase-file.\n"
               "Keep the key safe: without it the images cannot be decrypted.\n");
}

int cmd_keygen(int argc, char **argv) {
    cli_opts o;
    int rc = cli_parse(argc, argv, "keygen", CLI_O_KEY | CLI_O_OUTPUT, NULL, &o);
    if (rc) return rc;
    if (o.help) {
        help(stdout);
        return EX_OK_;
    }
    if (o.first_arg != argc) return cli_error(EX_USAGE_, "keygen: unexpected argument '%s'", argv[o.first_arg]);
    if (o.key.keyfile) return cli_error(EX_USAGE_, "keygen: -o KEY names the new key (no -k)");
    if (o.force) return cli_error(EX_USAGE_, "keygen: key files are never overwritten (no -f)");
    const char *out = o.out, *passfile = o.key.passfile;
    int pass = o.key.passphrase || passfile;
    if (!out) return cli_error(EX_USAGE_, "keygen: -o KEY is required");
    if (!strcmp(out, "-")) return cli_error(EX_USAGE_, "keygen: refusing to write a key to standard output");
    mc_err err = {0};
    mc_key *k = NULL;
    char *pw = NULL;
    int n = 0;
    if (mc_key_generate(&k, &err)) return cli_fail(&err);
    if (pass) {
        pw = sodium_malloc(1024);
        if (!pw) {
            mc_key_free(k);
            return cli_error(EX_IO_, "out of memory");
        }
        n = cli_read_passphrase(passfile, "New passphrase: ", 1, pw, 1024);
        if (n < 0) rc = mc_exit_code(n);
    }
    if (!rc && mc_keyfile_write(k, out, pass ? pw : NULL, (size_t)n, &err)) rc = cli_fail(&err);
    if (pw) sodium_free(pw);
    mc_key_free(k);
    if (!rc) fprintf(stderr, "%s: wrote %s key to %s\n", g_prog, pass ? "passphrase-protected" : "raw", out);
    return rc;
}
