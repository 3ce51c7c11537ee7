/* io_mem.c - NIfTI in memory.  zlib's gz* and niftilib want a path or a
 * descriptor, so the bytes go through an anonymous memory file (memfd: RAM,
 * never a directory entry, gone when closed) named /proc/self/fd/N.  No
 * plaintext reaches the file system.  Written NIfTI is uncompressed (.nii):
 * the gzip choice follows the output name, and this output has none. */
#define _GNU_SOURCE 1
#include "io/io.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

static int mem_fd(const char *name, mc_err *err) {
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) return mc_err_set(err, MC_ERR_IO, "cannot create a memory file: %s", strerror(errno));
    return fd;
}

int mc_nifti_read_mem(const uint8_t *buf, size_t len, const mc_limits *lim, mc_image **out, mc_err *err) {
    *out = NULL;
    if (!buf || len == 0) return mc_err_set(err, MC_ERR_FORMAT, "NIfTI: empty input");
    int fd = mem_fd("medcrypt-in", err);
    if (fd < 0) return fd;
    int rc;
    if (write_all(fd, buf, len)) rc = mc_err_set(err, MC_ERR_IO, "memory file: write error");
    else {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        rc = mc_nifti_read(path, lim, out, err);
    }
    close(fd);
    return rc;
}

int mc_nifti_write_mem(const mc_image *img, uint8_t **out, size_t *out_len, mc_err *err) {
    *out = NULL;
    *out_len = 0;
    int fd = mem_fd("medcrypt-out", err);
    if (fd < 0) return fd;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int rc = mc_nifti_write(img, path, err);
    struct stat st;
    uint8_t *b = NULL;
    if (!rc && fstat(fd, &st) != 0) rc = mc_err_set(err, MC_ERR_IO, "memory file: %s", strerror(errno));
    if (!rc && !(b = malloc(st.st_size ? (size_t)st.st_size : 1))) rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    size_t got = 0;
    while (!rc && got < (size_t)st.st_size) {
        ssize_t r = pread(fd, b + got, (size_t)st.st_size - got, (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) rc = mc_err_set(err, MC_ERR_IO, "memory file: read error");
        else got += (size_t)r;
    }
    close(fd);
    if (rc) {
        if (b) mc_buffer_free(b, got);
        return rc;
    }
    *out = b;
    *out_len = got;
    return MC_OK;
}
