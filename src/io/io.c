/* io.c - format detection and dispatch; standard input through a temporary
 * file (every reader takes a path; niftilib and DCMTK want one). */
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

int mc_image_read(const char *path, const mc_limits *lim, mc_image **out, mc_err *err) {
    *out = NULL;
    if (strcmp(path, "-")) return read_path(path, path, lim, out, err);
    /* standard input: spool to a temporary file named by the sniffed format */
    const char *td = getenv("TMPDIR");
    char tmpl[4096];
    uint8_t buf[65536];
    size_t n = fread(buf, 1, sizeof buf, stdin);
    if (ferror(stdin)) return mc_err_set(err, MC_ERR_IO, "stdin: read error");
    mc_format fmt = sniff(buf, n);
    const char *suf = fmt == MC_FMT_NIFTI ? (n >= 2 && buf[0] == 0x1f ? ".nii.gz" : ".nii")
                      : fmt == MC_FMT_PNG ? ".png" : fmt == MC_FMT_PNM ? ".pnm" : ".dcm";
    snprintf(tmpl, sizeof tmpl, "%s/medcrypt-stdin.XXXXXX%s", td && *td ? td : "/tmp", suf);
    int fd = mkstemps(tmpl, (int)strlen(suf));
    if (fd < 0) return mc_err_set(err, MC_ERR_IO, "cannot create a temporary file: %s", strerror(errno));
    FILE *f = fdopen(fd, "wb");
    int rc = MC_OK;
    if (!f) {
        close(fd);
        unlink(tmpl);
        return mc_err_set(err, MC_ERR_IO, "cannot open a temporary file");
    }
    while (n > 0) {
        if (fwrite(buf, 1, n, f) != n) {
            rc = mc_err_set(err, MC_ERR_IO, "temporary file: write error");
            break;
        }
        n = fread(buf, 1, sizeof buf, stdin);
    }
    if (!rc && ferror(stdin)) rc = mc_err_set(err, MC_ERR_IO, "stdin: read error");
    if (fclose(f) != 0 && !rc) rc = mc_err_set(err, MC_ERR_IO, "temporary file: write error");
    if (!rc) rc = read_path(tmpl, "stdin", lim, out, err);
    unlink(tmpl);
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
