/* cmd_convert.c - medcrypt convert IN -o OUT */
#include "cli.h"

static void help(FILE *f) {
    fprintf(f, "Usage: medcrypt convert IN -o OUT [-f]\n\n"
               "Convert between formats (by OUT's extension: .png .pgm .ppm .dcm .nii .nii.gz)\n"
               "with the pixels unchanged.  medcrypt metadata travels along, so an encrypted\n"
               "file stays decryptable.  A format that cannot hold the image (a volume into\n"
               "PNG, RGB into NIfTI) is refused.\n");
}

int cmd_convert(int argc, char **argv) {
    cli_opts o;
    int rc = cli_parse(argc, argv, "convert", CLI_O_OUTPUT, NULL, &o);
    if (rc) return rc;
    if (o.help) {
        help(stdout);
        return EX_OK_;
    }
    if (argc - o.first_arg != 1 || !o.out) return cli_error(EX_USAGE_, "convert: need IN and -o OUT (see --help)");
    const char *in = argv[o.first_arg];
    if ((rc = cli_check_output(in, o.out, o.force))) return rc;
    mc_err err = {0};
    mc_image *img = NULL;
    if (mc_image_read(in, NULL, &img, &err)) return cli_fail(&err);
    rc = cli_write_image(img, in, o.out, o.force, 0);
    mc_image_free(img);
    return rc;
}
