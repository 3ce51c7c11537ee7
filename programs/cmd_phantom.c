/* cmd_phantom.c - medcrypt phantom -o OUT [--size N] [--slices N] [--bits 8|16] */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>

static void help(FILE *f) {
    fprintf(f, "Usage: medcrypt phantom -o OUT [--size N] [--slices N] [--bits 8|16] [-f]\n\n"
               "Write a modified Shepp-Logan head phantom, N x N (default 512) x slices\n"
               "(default 1).  16-bit (default): signed CT-like values, air -1000 .. bone +1000;\n"
               "8-bit: 0..255.  Any output format that can hold it.\n");
}

static int num(const char *s, unsigned long *v) {
    char *e;
    *v = strtoul(s, &e, 10);
    return *s && !*e && *s != '-' && *v < 100000;
}

int cmd_phantom(int argc, char **argv) {
    static const struct option lo[] = {{"output", required_argument, 0, 'o'}, {"size", required_argument, 0, 'n'},
                                        {"slices", required_argument, 0, 'z'}, {"bits", required_argument, 0, 'b'},
                                        {"force", no_argument, 0, 'f'},       {"help", no_argument, 0, 'h'},
                                        {0, 0, 0, 0}};
    const char *out = NULL;
    unsigned long size = 512, slices = 1, bits = 16;
    int force = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:fh", lo, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'n': if (!num(optarg, &size)) return cli_error(EX_USAGE_, "bad --size '%s'", optarg); break;
        case 'z': if (!num(optarg, &slices)) return cli_error(EX_USAGE_, "bad --slices '%s'", optarg); break;
        case 'b': if (!num(optarg, &bits)) return cli_error(EX_USAGE_, "bad --bits '%s'", optarg); break;
        case 'f': force = 1; break;
        case 'h': help(stdout); return EX_OK_;
        default: help(stderr); return EX_USAGE_;
        }
    }
    if (optind != argc || !out) {
        help(stderr);
        return cli_error(EX_USAGE_, "phantom: -o OUT is required");
    }
    mc_err err = {0};
    mc_image *img = NULL;
    if (mc_phantom(&img, (uint32_t)size, (uint32_t)slices, (unsigned)bits, &err)) return cli_fail(&err);
    img->format = mc_format_from_path(out);
    if (img->format == MC_FMT_UNKNOWN) img->format = MC_FMT_DICOM;
    int rc = cli_write_image(img, NULL, out, force);
    mc_image_free(img);
    return rc;
}
