/* io.c - format detection and dispatch.  Every format is read from memory
 * (a path is read into a buffer first, standard input too) except NIfTI,
 * which reads paths natively (io.h). */
#define _DEFAULT_SOURCE 1
#define _POSIX_C_SOURCE 200809L
#include "io/io.h"

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

/* Prefix the file name for a useful one-line message. */
static int name_error(int rc, const char *name, mc_err *err) {
    if (rc && err && strncmp(err->msg, name, strlen(name))) {
        char tmp[sizeof err->msg + 4200];
        snprintf(tmp, sizeof tmp, "%s: %s", name, err->msg);
        snprintf(err->msg, sizeof err->msg, "%.*s", (int)sizeof err->msg - 1, tmp);
    }
    return rc;
}

static int read_mem_as(mc_format fmt, const uint8_t *buf, size_t len, const mc_limits *lim, mc_image **out, mc_err *err) {
    switch (fmt) {
    case MC_FMT_PNG: return mc_png_read_mem(buf, len, lim, out, err);
    case MC_FMT_PNM: return mc_pnm_read_mem(buf, len, lim, out, err);
    case MC_FMT_DICOM: return mc_dicom_read_mem(buf, len, lim, out, err);
    case MC_FMT_NIFTI: return mc_nifti_read_mem(buf, len, lim, out, err);
    default: {
        /* DICOM files without the 128-byte preamble have no magic: try it last */
        int rc = mc_dicom_read_mem(buf, len, lim, out, err);
        if (rc) rc = mc_err_set(err, MC_ERR_UNSUPPORTED, "unrecognised file format (expected PNG, PGM/PPM, DICOM or NIfTI)");
        return rc;
    }
    }
}

int mc_image_read_mem(const void *buf, size_t len, const char *name_hint, const mc_limits *lim, mc_image **out,
                      mc_err *err) {
    if (!out) return mc_err_set(err, MC_ERR_ARG, "read: no output pointer");
    *out = NULL;
    const char *name = name_hint ? name_hint : "input";
    if (!buf && len) return mc_err_set(err, MC_ERR_ARG, "read: no buffer");
    if (len == 0) return mc_err_set(err, MC_ERR_FORMAT, "%s: empty input", name);
    mc_format fmt = sniff(buf, len);
    if (fmt == MC_FMT_UNKNOWN && name_hint) fmt = mc_format_from_path(name_hint);
    return name_error(read_mem_as(fmt, buf, len, lim, out, err), name, err);
}

static int read_path(const char *path, const mc_limits *lim, mc_image **out, mc_err *err) {
    struct stat st;
    if (stat(path, &st) != 0) return mc_err_set(err, MC_ERR_IO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) return mc_err_set(err, MC_ERR_IO, "%s: is a directory", path);
    uint8_t head[352];
    size_t n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return mc_err_set(err, MC_ERR_IO, "%s: %s", path, strerror(errno));
    n = fread(head, 1, sizeof head, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) return mc_err_set(err, MC_ERR_IO, "%s: read error", path);
    if (n == 0) return mc_err_set(err, MC_ERR_FORMAT, "%s: empty file", path);
    mc_format fmt = sniff(head, n);
    if (fmt == MC_FMT_UNKNOWN) fmt = mc_format_from_path(path);
    if (fmt == MC_FMT_NIFTI) return name_error(mc_nifti_read(path, lim, out, err), path, err);
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = mc_file_read_all(path, path, mc_input_cap(lim), &buf, &len, err);
    if (rc) return rc;
    rc = read_mem_as(fmt, buf, len, lim, out, err);
    mc_buffer_free(buf, len);
    return name_error(rc, path, err);
}

int mc_image_read(const char *path, const mc_limits *lim, mc_image **out, mc_err *err) {
    if (!out) return mc_err_set(err, MC_ERR_ARG, "read: no output pointer");
    *out = NULL;
    if (!path) return mc_err_set(err, MC_ERR_ARG, "read: no path");
    if (strcmp(path, "-")) return read_path(path, lim, out, err);
    /* standard input: read into memory (never a file under $TMPDIR) */
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc = mc_fd_read_all(STDIN_FILENO, "stdin", mc_input_cap(lim), &buf, &n, err);
    if (rc) return rc;
    rc = mc_image_read_mem(buf, n, "stdin", lim, out, err);
    mc_buffer_free(buf, n);
    return rc;
}

static mc_mem_writer writer_of(mc_format fmt) {
    switch (fmt) {
    case MC_FMT_PNG: return mc_png_write_mem;
    case MC_FMT_PNM: return mc_pnm_write_mem;
    case MC_FMT_DICOM: return mc_dicom_write_mem;
    case MC_FMT_NIFTI: return mc_nifti_write_mem;
    default: return NULL;
    }
}

int mc_image_write(const mc_image *img, const char *path, mc_format fmt, mc_err *err) {
    if (!img || !path) return mc_err_set(err, MC_ERR_ARG, "write: no image or path");
    if (fmt == MC_FMT_UNKNOWN) fmt = mc_format_from_path(path);
    if (fmt == MC_FMT_UNKNOWN) fmt = img->format;
    if (fmt == MC_FMT_NIFTI) return mc_nifti_write(img, path, err); /* .nii.gz from the name */
    mc_mem_writer wr = writer_of(fmt);
    if (!wr) return mc_err_set(err, MC_ERR_ARG, "%s: unknown output format (use .png .pgm .ppm .dcm .nii .nii.gz)", path);
    return mc_write_path_with(img, path, wr, err);
}

int mc_image_write_mem(const mc_image *img, mc_format fmt, uint8_t **out, size_t *out_len, mc_err *err) {
    if (!out || !out_len) return mc_err_set(err, MC_ERR_ARG, "write: no output pointer");
    *out = NULL;
    *out_len = 0;
    if (!img) return mc_err_set(err, MC_ERR_ARG, "write: no image");
    if (fmt == MC_FMT_UNKNOWN) fmt = img->format;
    mc_mem_writer wr = writer_of(fmt);
    if (!wr) return mc_err_set(err, MC_ERR_ARG, "write: unknown output format");
    return wr(img, out, out_len, err);
}
