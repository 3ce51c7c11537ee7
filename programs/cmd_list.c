/* cmd_list.c - medcrypt list [--json] */
#include "cli.h"

static void help(FILE *f) {
    fprintf(f, "Usage: medcrypt list [--json]\n\nList the schemes with their paper, bit depths, profiles and parameters.\n");
}

int cmd_list(int argc, char **argv) {
    static const struct option lo[] = {{"json", no_argument, 0, 'j'}, {0, 0, 0, 0}};
    int json = 0;
    cli_extra ex = {lo, NULL, cli_flag_opt, &json};
    cli_opts o;
    int rc = cli_parse(argc, argv, "list", 0, &ex, &o);
    if (rc) return rc;
    if (o.help) {
        help(stdout);
        return EX_OK_;
    }
    if (o.first_arg != argc) return cli_error(EX_USAGE_, "list: unexpected argument '%s'", argv[o.first_arg]);
    if (json) printf("[");
    for (size_t i = 0; i < mc_scheme_count(); i++) {
        const mc_scheme *s = mc_scheme_at(i);
        if (json) {
            printf("%s{\"name\": ", i ? ", " : "");
            cli_json_str(stdout, s->name);
            printf(", \"title\": ");
            cli_json_str(stdout, s->title);
            printf(", \"paper\": ");
            cli_json_str(stdout, s->paper);
            printf(", \"bits\": [%s%s%s], \"profiles\": [%s%s%s], \"params\": [", s->bits & MC_BITS_8 ? "8" : "",
                   s->bits == (MC_BITS_8 | MC_BITS_16) ? ", " : "", s->bits & MC_BITS_16 ? "16" : "",
                   s->profiles & MC_PROFILES_HARDENED ? "\"hardened\"" : "",
                   s->profiles == (MC_PROFILES_HARDENED | MC_PROFILES_PAPER) ? ", " : "",
                   s->profiles & MC_PROFILES_PAPER ? "\"paper\"" : "");
            for (size_t j = 0; j < s->nparams; j++) {
                printf("%s{\"name\": ", j ? ", " : "");
                cli_json_str(stdout, s->params[j].name);
                printf(", \"default\": ");
                cli_json_str(stdout, s->params[j].default_value);
                printf(", \"help\": ");
                cli_json_str(stdout, s->params[j].help);
                printf("}");
            }
            printf("]}");
        } else {
            printf("%-14s %s\n", s->name, s->title);
            printf("%-14s paper: %s\n", "", s->paper);
            printf("%-14s bits: %s%s%s; profiles: %s%s%s\n", "", s->bits & MC_BITS_8 ? "8" : "",
                   s->bits == (MC_BITS_8 | MC_BITS_16) ? "," : "", s->bits & MC_BITS_16 ? "16" : "",
                   s->profiles & MC_PROFILES_HARDENED ? "hardened (default)" : "",
                   s->profiles == (MC_PROFILES_HARDENED | MC_PROFILES_PAPER) ? ", " : "",
                   s->profiles & MC_PROFILES_PAPER ? "paper" : "");
            for (size_t j = 0; j < s->nparams; j++)
                printf("%-14s --param %s=%s  %s\n", "", s->params[j].name, s->params[j].default_value,
                       s->params[j].help);
        }
    }
    if (json) printf("]\n");
    return EX_OK_;
}
