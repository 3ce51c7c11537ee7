/* main.c - medcrypt: subcommand dispatch, process hardening. */
#include "cli.h"

#include <string.h>
#include <sys/resource.h>

const char *g_prog = "medcrypt";

static void usage(FILE *f) {
    fprintf(f,
            "medcrypt %s - medical image encryption (DICOM, NIfTI, PNG, PGM/PPM)\n\n"
            "Usage:\n"
            "  medcrypt keygen -o KEY [--passphrase]\n"
            "  medcrypt encrypt -s SCHEME (-k KEY | --passphrase) [--profile paper|hardened]\n"
            "                   [--param k=v]... IN -o OUT\n"
            "  medcrypt decrypt (-k KEY | --passphrase) [--profile paper|hardened] IN -o OUT\n"
            "  medcrypt info FILE [--json]\n"
            "  medcrypt list [--json]\n"
            "  medcrypt convert IN -o OUT\n"
            "  medcrypt phantom -o OUT [--size N] [--slices N] [--bits 8|16]\n"
            "  medcrypt attack kpa|cpa ...                       # plaintext attacks (see --help)\n"
            "  medcrypt analyze IMAGE [REFERENCE] [--json] [--plots DIR]  # metrics (see --help)\n"
            "  medcrypt train ARCH --data PATH... -o MODEL [--epochs N] [--hp k=v]...\n"
            "  medcrypt model info MODEL [--json]\n"
            "  medcrypt keyimage -k KEY (--size WxH | --from FILE) -o OUT  # deep-kedi's key image\n"
            "  medcrypt compare A B                              # pixels identical?\n"
            "  medcrypt report OUT_DIR [--samples DIR] [--quick] # the papers' claims beside ours (HTML)\n\n"
            "'-' is standard input/output.  Every subcommand has --help.\n"
            "Exit status: 0 ok, 1 usage, 2 bad or unsupported input, 3 authentication\n"
            "failed (wrong key or tampered), 4 I/O error.\n",
            MC_VERSION);
}

int main(int argc, char **argv) {
    /* Secrets must never reach a core dump. */
    struct rlimit rl = {0, 0};
    setrlimit(RLIMIT_CORE, &rl);
    if (mc_init() != MC_OK) return cli_error(EX_IO_, "cannot initialise libsodium");
    if (argc < 2) {
        usage(stderr);
        return EX_USAGE_;
    }
    const char *c = argv[1];
    if (!strcmp(c, "-h") || !strcmp(c, "--help") || !strcmp(c, "help")) {
        usage(stdout);
        return EX_OK_;
    }
    if (!strcmp(c, "--version") || !strcmp(c, "version")) {
#if defined(__clang__)
        printf("medcrypt %s (built with clang %s)\n", mc_version_string(), __clang_version__);
#elif defined(__GNUC__)
        printf("medcrypt %s (built with gcc %s)\n", mc_version_string(), __VERSION__);
#else
        printf("medcrypt %s\n", mc_version_string());
#endif
        return EX_OK_;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"keygen", cmd_keygen},   {"encrypt", cmd_encrypt}, {"decrypt", cmd_decrypt},
                {"info", cmd_info},       {"list", cmd_list},       {"convert", cmd_convert},
                {"phantom", cmd_phantom},   {"compare", cmd_compare},
                {"analyze", cmd_analyze},
                {"attack", cmd_attack},
                {"train", cmd_train},     {"model", cmd_model},
                {"keyimage", cmd_keyimage},
                {"report", cmd_report}};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(c, cmds[i].name)) return cmds[i].fn(argc - 1, argv + 1);
    cli_error(EX_USAGE_, "unknown command '%s'", c);
    usage(stderr);
    return EX_USAGE_;
}
