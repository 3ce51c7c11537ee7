/* membuf.c - growable output buffers that wipe what they release, whole-file
 * reads and writes, and the path wrappers of the in-memory readers and
 * writers (io.h). */
#define _POSIX_C_SOURCE 200809L
#include "io/io.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

void mc_buffer_free(uint8_t *buf, size_t len) {
    if (!buf) return;
    sodium_memzero(buf, len);
    free(buf);
}

int mc_membuf_append(mc_membuf *b, const void *data, size_t n) {
    if (b->failed) return MC_ERR_NOMEM;
    if (n > SIZE_MAX - b->len) {
        b->failed = 1;
        return MC_ERR_NOMEM;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap = cap > SIZE_MAX / 2 ? b->len + n : cap * 2;
        uint8_t *p = malloc(cap); /* not realloc: the old block is wiped */
        if (!p) {
            b->failed = 1;
            return MC_ERR_NOMEM;
        }
        if (b->len) memcpy(p, b->p, b->len);
        mc_buffer_free(b->p, b->cap);
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
    return MC_OK;
}

int mc_membuf_printf(mc_membuf *b, const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return MC_ERR_INTERNAL;
    if ((size_t)n < sizeof small) return mc_membuf_append(b, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = 1;
        return MC_ERR_NOMEM;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = mc_membuf_append(b, big, (size_t)n);
    mc_buffer_free((uint8_t *)big, (size_t)n + 1);
    return rc;
}

void mc_membuf_take(mc_membuf *b, uint8_t **out, size_t *len) {
    *out = b->p;
    *len = b->len;
    /* the caller frees with mc_buffer_free(out, len): wipe the slack now */
    if (b->p && b->cap > b->len) sodium_memzero(b->p + b->len, b->cap - b->len);
    b->p = NULL;
    b->len = b->cap = 0;
}

void mc_membuf_free(mc_membuf *b) {
    mc_buffer_free(b->p, b->cap);
    b->p = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

uint64_t mc_input_cap(const mc_limits *lim) {
    mc_limits def;
    if (!lim) {
        mc_limits_default(&def);
        lim = &def;
    }
    const uint64_t extra = (uint64_t)256 << 20;
    if (lim->max_bytes > (UINT64_MAX - extra) / 2) return UINT64_MAX;
    return 2 * lim->max_bytes + extra;
}

int mc_fd_read_all(int fd, const char *name, uint64_t cap, uint8_t **out, size_t *len, mc_err *err) {
    *out = NULL;
    *len = 0;
    struct stat st;
    if (fstat(fd, &st) != 0) return mc_err_set(err, MC_ERR_IO, "%s: %s", name, strerror(errno));
    if (S_ISDIR(st.st_mode)) return mc_err_set(err, MC_ERR_IO, "%s: is a directory", name);
    /* a regular file is read in one allocation; anything else (a pipe, a
     * character device) in growing steps, up to the same cap */
    const int regular = S_ISREG(st.st_mode);
    if (regular && ((uint64_t)st.st_size > cap || (uint64_t)st.st_size >= SIZE_MAX))
        return mc_err_set(err, MC_ERR_LIMITS, "%s: %llu bytes is larger than any image within the limits",
                          name, (unsigned long long)st.st_size);
    mc_membuf b = {0};
    int rc = MC_OK;
    if (regular && st.st_size > 0) {
        b.p = malloc((size_t)st.st_size);
        if (!b.p)
            rc = mc_err_set(err, MC_ERR_NOMEM, "%s: out of memory reading %llu bytes", name, (unsigned long long)st.st_size);
        b.cap = b.p ? (size_t)st.st_size : 0;
    }
    uint8_t chunk[65536];
    while (!rc) {
        const int direct = b.cap > b.len; /* room left in the sized buffer */
        ssize_t r = direct ? read(fd, b.p + b.len, b.cap - b.len) : read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = mc_err_set(err, MC_ERR_IO, "%s: read error: %s", name, strerror(errno));
            break;
        }
        if (r == 0) break;
        if (direct) b.len += (size_t)r;
        else if (mc_membuf_append(&b, chunk, (size_t)r)) rc = mc_err_set(err, MC_ERR_NOMEM, "%s: out of memory", name);
        if (!rc && (uint64_t)b.len > cap)
            rc = mc_err_set(err, MC_ERR_LIMITS, "%s: larger than any image within the limits", name);
    }
    sodium_memzero(chunk, sizeof chunk);
    if (rc) {
        mc_membuf_free(&b);
        return rc;
    }
    mc_membuf_take(&b, out, len);
    return MC_OK;
}

int mc_file_read_all(const char *path, const char *name, uint64_t cap, uint8_t **out, size_t *len, mc_err *err) {
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return mc_err_set(err, MC_ERR_IO, "%s: %s", name, strerror(errno));
    int rc = mc_fd_read_all(fd, name, cap, out, len, err);
    close(fd);
    return rc;
}

int mc_file_write_all(const char *path, const uint8_t *buf, size_t len, mc_err *err) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return mc_err_set(err, MC_ERR_IO, "%s: %s", mc_basename(path), strerror(errno));
    while (len) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = w < 0 ? errno : ENOSPC;
            close(fd);
            return mc_err_set(err, MC_ERR_IO, "%s: write error: %s", mc_basename(path), strerror(e));
        }
        buf += w;
        len -= (size_t)w;
    }
    if (close(fd) != 0) return mc_err_set(err, MC_ERR_IO, "%s: write error: %s", mc_basename(path), strerror(errno));
    return MC_OK;
}

int mc_read_path_with(const char *path, const mc_limits *lim, mc_mem_reader rd, mc_image **out, mc_err *err) {
    *out = NULL;
    if (!path) return mc_err_set(err, MC_ERR_ARG, "read: no path");
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = mc_file_read_all(path, mc_basename(path), mc_input_cap(lim), &buf, &len, err);
    if (rc) return rc;
    rc = rd(buf, len, lim, out, err);
    mc_buffer_free(buf, len);
    return rc;
}

int mc_write_path_with(const mc_image *img, const char *path, mc_mem_writer wr, mc_err *err) {
    if (!path) return mc_err_set(err, MC_ERR_ARG, "write: no path");
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = wr(img, &buf, &len, err);
    if (rc) return rc;
    rc = mc_file_write_all(path, buf, len, err);
    mc_buffer_free(buf, len);
    return rc;
}
