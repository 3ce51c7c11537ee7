/* cmd_compare.c - medcrypt compare A B: are two images' pixels identical? */
#include "cli.h"

#include <getopt.h>
#include <string.h>

static void help(FILE *f) {
    fprintf(f, "Usage: medcrypt compare A B\n\n"
               "Compare the decoded pixels and geometry (size, channels, bits, signedness) of\n"
               "two images of any formats.  Prints 'identical' or how they differ.\n"
               "Exit status (like cmp): 0 identical, 1 different or usage error, 2 bad input.\n");
}

int cmd_compare(int argc, char **argv) {
    static const struct option lo[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'h') {
            help(stdout);
            return EX_OK_;
        }
        help(stderr);
        return EX_USAGE_;
    }
    if (argc - optind != 2) {
        help(stderr);
        return cli_error(EX_USAGE_, "compare: need two files");
    }
    mc_err err = {0};
    mc_image *a = NULL, *b = NULL;
    if (mc_image_read(argv[optind], NULL, &a, &err)) return cli_fail(&err);
    if (mc_image_read(argv[optind + 1], NULL, &b, &err)) {
        mc_image_free(a);
        return cli_fail(&err);
    }
    int rc = 0;
    if (a->width != b->width || a->height != b->height || a->depth != b->depth || a->channels != b->channels ||
        a->bits != b->bits || a->is_signed != b->is_signed) {
        printf("differ: geometry %ux%ux%u c%u %u%c vs %ux%ux%u c%u %u%c\n", a->width, a->height, a->depth,
               a->channels, a->bits, a->is_signed ? 's' : 'u', b->width, b->height, b->depth, b->channels, b->bits,
               b->is_signed ? 's' : 'u');
        rc = 1;
    } else {
        size_t n = mc_image_samples(a), diff = 0, first = 0;
        for (size_t i = 0; i < n; i++) {
            int d = a->bits == 8 ? ((uint8_t *)a->pixels)[i] != ((uint8_t *)b->pixels)[i]
                                 : ((uint16_t *)a->pixels)[i] != ((uint16_t *)b->pixels)[i];
            if (d && !diff++) first = i;
        }
        if (diff) {
            printf("differ: %zu of %zu samples (first at sample %zu)\n", diff, n, first);
            rc = 1;
        } else {
            printf("identical: %zu samples\n", n);
        }
    }
    mc_image_free(a);
    mc_image_free(b);
    return rc;
}
