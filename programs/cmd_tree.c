/* cmd_tree.c - directory mode of encrypt / decrypt (not yet). */
#include "cli.h"

int cli_tree_run(const cli_opts *o, const cli_tree_opts *t, const char *in_dir) {
    (void)o;
    (void)t;
    (void)in_dir;
    return cli_error(EX_USAGE_, "-r: directory mode is not available yet");
}
