/* io.c - format detection and dispatch; standard input read into memory
 * (io_mem.c). */
#define _DEFAULT_SOURCE 1
#define _POSIX_C_SOURCE 200809L
#include "core/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static mc_format sniff(const uint8_t *b, size_t n) {
    if (n >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8)) return MC_FMT_PNG;
    if (n >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7') return MC_FMT_PNM;
    if (n >= 132 && !memcmp(b + 128, "DICM", 4)) return MC_FMT_DICOM;
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) return MC_FMT_NIFTI; /* gzip: .nii.gz */
    if (n >= 348 && (!memcmp(b + 344, "n+1", 4) || !memcmp(b + 344, "ni1", 4))) return MC_FMT_NIFTI;
    return MC_FMT_UNKNOWN;
}

static int read_head(const char *path, uint8_t *b, size_t cap, size_t *n, mc_err *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return mc_err_set(err, MC_ERR_IO, "%s: %s", path, strerror(errno));
    *n = fread(b, 1, cap, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) return mc_err_set(err, MC_ERR_IO, "%s: read error", path);
    return MC_OK;
}

static int read_path(const char *path, const char *name, const mc_limits *lim, mc_image **out, mc_err *err) {
    struct stat st;
    if (stat(path, &st) != 0) return mc_err_set(err, MC_ERR_IO, "%s: %s", name, strerror(errno));
    if (S_ISDIR(st.st_mode)) return mc_err_set(err, MC_ERR_IO, "%s: is a directory", name);
    uint8_t head[352];
    size_t n = 0;
    int rc = read_head(path, head, sizeof head, &n, err);
    if (rc) return rc;
    if (n == 0) return mc_err_set(err, MC_ERR_FORMAT, "%s: empty file", name);
    mc_format fmt = sniff(head, n);
    if (fmt == MC_FMT_UNKNOWN) fmt = mc_format_from_path(name);
    switch (fmt) {
    case MC_FMT_PNG: rc = mc_png_read(path, lim, out, err); break;
    case MC_FMT_PNM: rc = mc_pnm_read(path, lim, out, err); break;
    case MC_FMT_DICOM: rc = mc_dicom_read(path, lim, out, err); break;
    case MC_FMT_NIFTI: rc = mc_nifti_read(path, lim, out, err); break;
    default:
        /* DICOM files without the 128-byte preamble have no magic: try it last */
        rc = mc_dicom_read(path, lim, out, err);
        if (rc) rc = mc_err_set(err, MC_ERR_UNSUPPORTED, "unrecognised file format (expected PNG, PGM/PPM, DICOM or NIfTI)");
    }
    if (rc && err && strncmp(err->msg, name, strlen(name))) {
        /* prefix the file name for a useful one-line message */
        char tmp[sizeof err->msg + 4200];
        snprintf(tmp, sizeof tmp, "%s: %s", name, err->msg);
        snprintf(err->msg, sizeof err->msg, "%.*s", (int)sizeof err->msg - 1, tmp);
    }
    return rc;
}

int mc_image_read_named(const char *path, const char *name, const mc_limits *lim, mc_image **out, mc_err *err) {
    *out = NULL;
    return read_path(path, name, lim, out, err);
}

int mc_image_read(const char *path, const mc_limits *lim, mc_image **out, mc_err *err) {
    *out = NULL;
    if (strcmp(path, "-")) return read_path(path, path, lim, out, err);
    /* standard input: read into memory (never a file under $TMPDIR) */
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    int rc = buf ? MC_OK : mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    while (!rc) {
        if (n == cap) {
            uint8_t *nb = cap > SIZE_MAX / 2 ? NULL : malloc(cap * 2);
            if (!nb) {
                rc = mc_err_set(err, MC_ERR_NOMEM, "stdin: out of memory");
                break;
            }
            memcpy(nb, buf, n);
            mc_buffer_free(buf, n);
            buf = nb, cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, stdin);
        n += got;
        if (got == 0) {
            if (ferror(stdin)) rc = mc_err_set(err, MC_ERR_IO, "stdin: read error");
            break;
        }
    }
    if (!rc) rc = mc_image_read_mem(buf, n, "stdin", lim, out, err);
    mc_buffer_free(buf, cap);
    return rc;
}

int mc_image_write(const mc_image *img, const char *path, mc_format fmt, mc_err *err) {
    if (fmt == MC_FMT_UNKNOWN) fmt = mc_format_from_path(path);
    if (fmt == MC_FMT_UNKNOWN) fmt = img->format;
    switch (fmt) {
    case MC_FMT_PNG: return mc_png_write(img, path, err);
    case MC_FMT_PNM: return mc_pnm_write(img, path, err);
    case MC_FMT_DICOM: return mc_dicom_write(img, path, err);
    case MC_FMT_NIFTI: return mc_nifti_write(img, path, err);
    default: return mc_err_set(err, MC_ERR_ARG, "%s: unknown output format (use .png .pgm .ppm .dcm .nii .nii.gz)", path);
    }
}
