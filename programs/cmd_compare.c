/* cmd_compare.c - medcrypt compare A B: are two images' pixels identical? */
#include "cli.h"

#include <string.h>

static void help(FILE *f) {
    fprintf(f, "Usage: medcrypt compare A B\n\n"
               "Compare the decoded pixels and geometry (size, channels, bits, signedness) of\n"
               "two images of any formats.  Prints 'identical' or how they differ.\n"
               "Exit status (like cmp): 0 identical, 1 different or usage error, 2 bad input.\n");
}

int cmd_compare(int argc, char **argv) {
    cli_opts o;
    int rc = cli_parse(argc, argv, "compare", 0, NULL, &o);
    if (rc) return rc;
    if (o.help) {
        help(stdout);
        return EX_OK_;
    }
    if (argc - o.first_arg != 2) return cli_error(EX_USAGE_, "compare: need two files (see --help)");
    const int fa = o.first_arg;
    mc_err err = {0};
    mc_image *a = NULL, *b = NULL;
    if (mc_image_read(argv[fa], NULL, &a, &err)) return cli_fail(&err);
    if (mc_image_read(argv[fa + 1], NULL, &b, &err)) {
        mc_image_free(a);
        return cli_fail(&err);
    }
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
