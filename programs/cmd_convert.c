/* cmd_convert.c - medcrypt convert IN -o OUT */
#include "cli.h"

#include <getopt.h>

static void help(FILE *f) {
    fprintf(f, "Usage: medcrypt convert IN -o OUT [-f]\n\n"
               "Convert between formats (by OUT's extension: .png .pgm .ppm .dcm .nii .nii.gz)\n"
               "with the pixels unchanged.  medcrypt metadata travels along, so an encrypted\n"
               "file stays decryptable.  A format that cannot hold the image (a volume into\n"
               "PNG, RGB into NIfTI) is refused.\n");
}

int cmd_convert(int argc, char **argv) {
    static const struct option lo[] = {{"output", required_argument, 0, 'o'}, {"force", no_argument, 0, 'f'},
                                        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *out = NULL;
    int force = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:fh", lo, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'f': force = 1; break;
        case 'h': help(stdout); return EX_OK_;
        default: help(stderr); return EX_USAGE_;
        }
    }
    if (argc - optind != 1 || !out) {
        help(stderr);
        return cli_error(EX_USAGE_, "convert: need IN and -o OUT");
    }
    const char *in = argv[optind];
    int rc = cli_check_output(in, out, force);
    if (rc) return rc;
    mc_err err = {0};
    mc_image *img = NULL;
    if (mc_image_read(in, NULL, &img, &err)) return cli_fail(&err);
    rc = cli_write_image(img, in, out, force);
    mc_image_free(img);
    return rc;
}
