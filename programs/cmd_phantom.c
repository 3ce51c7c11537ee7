/* cmd_phantom.c - medcrypt phantom -o OUT [--size N] [--slices N] [--bits 8|16] */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void help(FILE *f) {
    fprintf(f, "Usage: medcrypt phantom -o OUT [--size N] [--slices N] [--bits 8|16] [--split] [-f]\n\n"
               "Write a modified Shepp-Logan head phantom, N x N (default 512) x slices\n"
               "(default 1).  16-bit (default): signed CT-like values, air -1000 .. bone +1000;\n"
               "8-bit: 0..255.  Any output format that can hold it.\n"
               "  --split   OUT is a directory (created if missing): one single-slice DICOM\n"
               "            file per slice, OUT/phantom-0001.dcm ..., all of one series\n");
}

static int num(const char *s, unsigned long *v) {
    char *e;
    *v = strtoul(s, &e, 10);
    return *s && !*e && *s != '-' && *v < 100000;
}

typedef struct phantom_opts {
    unsigned long size, slices, bits;
    int split;
} phantom_opts;

static int phantom_opt(void *ud, int c, const char *arg) {
    phantom_opts *p = ud;
    switch (c) {
    case 'n': return num(arg, &p->size) ? EX_OK_ : cli_error(EX_USAGE_, "bad --size '%s'", arg);
    case 'z': return num(arg, &p->slices) ? EX_OK_ : cli_error(EX_USAGE_, "bad --slices '%s'", arg);
    case 'b': return num(arg, &p->bits) ? EX_OK_ : cli_error(EX_USAGE_, "bad --bits '%s'", arg);
    case 'S': p->split = 1; return EX_OK_;
    default: return cli_error(EX_USAGE_, "phantom: bad option");
    }
}

/* --split: slice z of vol as DIR/phantom-NNNN.dcm, one DICOM series.  The
 * first slice is written to memory and read back; every file is then written
 * from that dataset (same study; the writer derives the same series UID from
 * the same source series; a new SOP Instance UID each). */
static int write_split(const mc_image *vol, const char *dir, int force) {
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) return cli_error(EX_IO_, "%s: %s", dir, strerror(errno));
    mc_err err = {0};
    mc_image *s0 = NULL, *t = NULL;
    uint8_t *buf = NULL;
    size_t len = 0, slice = vol->nbytes / vol->depth;
    int rc = mc_image_new(&s0, vol->width, vol->height, 1, vol->channels, vol->bits, vol->is_signed, NULL, &err);
    if (!rc) {
        memcpy(s0->pixels, vol->pixels, slice);
        memcpy(s0->spacing, vol->spacing, sizeof s0->spacing);
        s0->format = MC_FMT_DICOM;
        rc = mc_image_write_mem(s0, MC_FMT_DICOM, &buf, &len, &err);
    }
    if (!rc) rc = mc_image_read_mem(buf, len, "phantom.dcm", NULL, &t, &err);
    mc_buffer_free(buf, len);
    mc_image_free(s0);
    if (rc) return cli_fail(&err);
    for (uint32_t z = 0; z < vol->depth && !rc; z++) {
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/phantom-%04u.dcm", dir, z + 1) >= sizeof path)
            rc = cli_error(EX_USAGE_, "output path too long");
        else {
            memcpy(t->pixels, (const uint8_t *)vol->pixels + z * slice, slice);
            rc = cli_write_image(t, NULL, path, force, z ? CLI_OUT_NO_CLEAN : 0);
        }
    }
    mc_image_free(t);
    return rc;
}

int cmd_phantom(int argc, char **argv) {
    static const struct option lo[] = {{"size", required_argument, 0, 'n'},
                                        {"slices", required_argument, 0, 'z'},
                                        {"bits", required_argument, 0, 'b'},
                                        {"split", no_argument, 0, 'S'},
                                        {0, 0, 0, 0}};
    phantom_opts p = {512, 1, 16, 0};
    cli_extra ex = {lo, NULL, phantom_opt, &p};
    cli_opts o;
    int rc = cli_parse(argc, argv, "phantom", CLI_O_OUTPUT, &ex, &o);
    if (rc) return rc;
    if (o.help) {
        help(stdout);
        return EX_OK_;
    }
    if (o.first_arg != argc || !o.out) return cli_error(EX_USAGE_, "phantom: -o OUT is required (see --help)");
    if (p.split && !strcmp(o.out, "-")) return cli_error(EX_USAGE_, "phantom --split: -o names a directory");
    mc_err err = {0};
    mc_image *img = NULL;
    if (mc_phantom(&img, (uint32_t)p.size, (uint32_t)p.slices, (unsigned)p.bits, &err)) return cli_fail(&err);
    if (p.split) {
        rc = write_split(img, o.out, o.force);
    } else {
        img->format = mc_format_from_path(o.out);
        if (img->format == MC_FMT_UNKNOWN) img->format = MC_FMT_DICOM;
        rc = cli_write_image(img, NULL, o.out, o.force, 0);
    }
    mc_image_free(img);
    return rc;
}
