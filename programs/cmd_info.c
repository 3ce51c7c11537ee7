/* cmd_info.c - medcrypt info FILE [--json] */
#include "cli.h"

#include <string.h>

static void help(FILE *f) {
    fprintf(f, "Usage: medcrypt info FILE [--json]\n\n"
               "Print FILE's format, dimensions, bit depth, signedness, spacing and, for an\n"
               "encrypted file, its scheme metadata (scheme, profile, parameters, nonce, MAC)\n"
               "and the size of its aux blob (binary side data of the scheme), if any.\n");
}

int cmd_info(int argc, char **argv) {
    static const struct option lo[] = {{"json", no_argument, 0, 'j'}, {0, 0, 0, 0}};
    int json = 0;
    cli_extra ex = {lo, NULL, cli_flag_opt, &json};
    cli_opts o;
    int rc = cli_parse(argc, argv, "info", 0, &ex, &o);
    if (rc) return rc;
    if (o.help) {
        help(stdout);
        return EX_OK_;
    }
    if (argc - o.first_arg != 1) return cli_error(EX_USAGE_, "info: exactly one file is required (see --help)");
    const char *path = argv[o.first_arg];
    mc_err err = {0};
    mc_image *img = NULL;
    if (mc_image_read(path, NULL, &img, &err)) return cli_fail(&err);
    const mc_meta *m = &img->meta;
    if (json) {
        printf("{\"file\": ");
        cli_json_str(stdout, path);
        printf(", \"format\": \"%s\", \"width\": %u, \"height\": %u, \"depth\": %u, \"channels\": %u, "
               "\"bits\": %u, \"bits_stored\": %u, \"signed\": %s, \"spacing\": [%g, %g, %g], \"bytes\": %zu, "
               "\"encrypted\": %s, \"aux_bytes\": %zu",
               mc_format_name(img->format), img->width, img->height, img->depth, img->channels, img->bits,
               img->bits_stored, img->is_signed ? "true" : "false", img->spacing[0], img->spacing[1],
               img->spacing[2], img->nbytes, img->has_meta && mc_meta_get(m, "scheme") ? "true" : "false",
               img->aux_len);
        if (img->has_meta) {
            printf(", \"metadata\": {");
            for (size_t i = 0; i < m->n; i++) {
                printf(i ? ", " : "");
                cli_json_str(stdout, m->e[i].key);
                printf(": ");
                cli_json_str(stdout, m->e[i].val);
            }
            printf("}");
        }
        printf("}\n");
    } else {
        printf("file:      %s\nformat:    %s\n", path, mc_format_name(img->format));
        printf("size:      %u x %u x %u, %u channel%s\n", img->width, img->height, img->depth, img->channels,
               img->channels == 1 ? "" : "s");
        printf("samples:   %u-bit (%u stored), %s\n", img->bits, img->bits_stored,
               img->is_signed ? "signed" : "unsigned");
        printf("spacing:   %g x %g x %g mm\n", img->spacing[0], img->spacing[1], img->spacing[2]);
        printf("encrypted: %s\n", img->has_meta && mc_meta_get(m, "scheme") ? "yes" : "no");
        for (size_t i = 0; img->has_meta && i < m->n; i++) printf("  %-12s %s\n", m->e[i].key, m->e[i].val);
        if (img->aux_len) printf("aux:       %zu bytes\n", img->aux_len);
    }
    mc_image_free(img);
    return EX_OK_;
}
