/* output.c - atomic output of the CLI.
 *
 * A file OUT is written to a temporary file beside it, fsynced and renamed
 * (or hard-linked when OUT must not be replaced), so an error or an interrupt
 * never leaves a partial OUT.  Standard output gets the image from
 * mc_image_write_mem: no file at all.
 *
 * Temporary names: ".NAME.mctmp-HOST-PID-XXXXXX.EXT", HOST being 8 hex digits
 * of a hash of the host name and PID the writer's process id.  SIGINT,
 * SIGTERM and SIGHUP remove the temporary files in progress (a signal the
 * process inherited as ignored stays ignored: nohup, `trap '' HUP`); a writer
 * killed outright (SIGKILL, power loss) leaves its file behind, and the next
 * medcrypt run that writes into the same directory removes every such file
 * of this host whose writer is no longer alive (cli_clean_stale).  A file
 * whose PID was reused by a live process stays until that process ends. */
#define _DEFAULT_SOURCE 1
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------- temporary-file slots */

/* One slot per write in progress (directory mode runs several threads). */
#define NSLOTS 64
static struct {
    atomic_int used;
    volatile sig_atomic_t live;
    char path[4096];
} g_slots[NSLOTS];
static atomic_int g_signals_set;

static void on_signal(int sig) {
    for (int i = 0; i < NSLOTS; i++)
        if (g_slots[i].live) unlink(g_slots[i].path);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Install the handlers once; an inherited SIG_IGN is kept. */
static void signals_init(void) {
    if (atomic_exchange(&g_signals_set, 1)) return;
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa;
        if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN) continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

static int slot_get(void) {
    for (int i = 0; i < NSLOTS; i++) {
        int z = 0;
        if (atomic_compare_exchange_strong(&g_slots[i].used, &z, 1)) return i;
    }
    return -1;
}

static void slot_put(int i) {
    g_slots[i].live = 0;
    atomic_store(&g_slots[i].used, 0);
}

/* "mctmp-HOST-" of this host. */
static void tmp_tag(char out[24]) {
    char host[256] = "";
    uint8_t h[4];
    gethostname(host, sizeof host - 1);
    crypto_generichash(h, sizeof h, (const uint8_t *)host, strlen(host), NULL, 0);
    snprintf(out, 24, "mctmp-%02x%02x%02x%02x-", h[0], h[1], h[2], h[3]);
}

int cli_clean_stale(const char *dir) {
    char tag[24];
    tmp_tag(tag);
    size_t tl = strlen(tag);
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] != '.') continue;
        const char *t = strstr(e->d_name, tag);
        if (!t) continue;
        char *end;
        errno = 0;
        long pid = strtol(t + tl, &end, 10);
        if (errno || end == t + tl || *end != '-' || pid <= 0 || strlen(end) < 7) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* alive (or not ours to judge) */
        if (unlinkat(dirfd(d), e->d_name, 0) == 0) n++;
    }
    closedir(d);
    return n;
}

int cli_tmp_name(const char *out_path, char *buf, size_t cap) {
    char tag[24];
    tmp_tag(tag);
    const char *slash = strrchr(out_path, '/');
    int dl = slash ? (int)(slash - out_path) + 1 : 0;
    const char *base = slash ? slash + 1 : out_path;
    return (size_t)snprintf(buf, cap, "%.*s.%.64s.%s%ld-XXXXXX", dl, out_path, base, tag, (long)getpid()) < cap ? 0 : -1;
}

/* ---------------------------------------------------------------- checks */

static const char *ext_of(const char *path, mc_format fmt, int channels) {
    size_t n = strlen(path);
    if (n > 7 && !strcasecmp(path + n - 7, ".nii.gz")) return ".nii.gz";
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash) && mc_format_from_path(path) != MC_FMT_UNKNOWN) return dot;
    switch (fmt) {
    case MC_FMT_PNG: return ".png";
    case MC_FMT_PNM: return channels == 3 ? ".ppm" : ".pgm";
    case MC_FMT_DICOM: return ".dcm";
    case MC_FMT_NIFTI: return ".nii.gz";
    default: return "";
    }
}

int cli_check_output(const char *in_path, const char *out_path, int force) {
    struct stat so, si;
    if (!strcmp(out_path, "-")) {
        if (isatty(STDOUT_FILENO)) return cli_error(EX_USAGE_, "refusing to write binary data to a terminal (use -o FILE)");
        return EX_OK_;
    }
    if (stat(out_path, &so) == 0) {
        if (in_path && strcmp(in_path, "-") && stat(in_path, &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
            return cli_error(EX_USAGE_, "output %s is the input file: refusing to overwrite it", out_path);
        if (S_ISDIR(so.st_mode)) return cli_error(EX_USAGE_, "output %s is a directory", out_path);
        if (!force) return cli_error(EX_USAGE_, "output %s exists (use -f to overwrite)", out_path);
    }
    return EX_OK_;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int write_stdout(const mc_image *img, cli_written *wr) {
    mc_err err = {0};
    uint8_t *buf = NULL;
    size_t len = 0;
    if (mc_image_write_mem(img, img->format, &buf, &len, &err)) return cli_fail(&err);
    int rc = write_all(STDOUT_FILENO, buf, len) ? cli_error(EX_IO_, "write to standard output failed: %s", strerror(errno))
                                                : EX_OK_;
    if (wr) {
        wr->bytes = len;
        crypto_hash_sha256(wr->sha256, buf, len);
    }
    mc_buffer_free(buf, len);
    return rc;
}

/* SHA-256 and size of the file open at fd (from its start). */
static int hash_fd(int fd, cli_written *wr) {
    crypto_hash_sha256_state st;
    uint8_t buf[1 << 16];
    uint64_t total = 0;
    crypto_hash_sha256_init(&st);
    for (off_t off = 0;;) {
        ssize_t r = pread(fd, buf, sizeof buf, off);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) break;
        crypto_hash_sha256_update(&st, buf, (unsigned long long)r);
        off += r;
        total += (uint64_t)r;
    }
    crypto_hash_sha256_final(&st, wr->sha256);
    wr->bytes = total;
    return 0;
}

int cli_write_image_ex(const mc_image *img, const char *in_path, const char *out_path, int force, unsigned flags,
                       cli_written *wr) {
    int rc = cli_check_output(in_path, out_path, force);
    if (rc) return rc;
    if (!strcmp(out_path, "-")) return write_stdout(img, wr);
    mc_format fmt = mc_format_from_path(out_path);
    if (fmt == MC_FMT_UNKNOWN)
        return cli_error(EX_USAGE_, "%s: unknown output format (use .png .pgm .ppm .dcm .nii .nii.gz)", out_path);
    const char *ext = ext_of(out_path, fmt, img->channels);

    /* temporary file beside the target (same file system for rename) */
    char dir[4096], tag[24];
    const char *slash = strrchr(out_path, '/');
    if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - out_path) ? (int)(slash - out_path) : 1, out_path);
    else snprintf(dir, sizeof dir, ".");
    const char *base = slash ? slash + 1 : out_path;
    if (!(flags & CLI_OUT_NO_CLEAN)) cli_clean_stale(dir);
    tmp_tag(tag);
    int slot = slot_get();
    if (slot < 0) return cli_error(EX_IO_, "too many outputs in progress");
    char *tmp = g_slots[slot].path;
    if ((size_t)snprintf(tmp, sizeof g_slots[slot].path, "%s/.%.64s.%s%ld-XXXXXX%s", dir, base, tag, (long)getpid(),
                         ext) >= sizeof g_slots[slot].path) {
        slot_put(slot);
        return cli_error(EX_USAGE_, "output path too long");
    }
    signals_init();
    /* mkstemps creates the file 0600 (the mode plaintext keeps) */
    int fd = mkstemps(tmp, (int)strlen(ext));
    if (fd < 0) {
        rc = cli_error(EX_IO_, "cannot create a temporary file in %s: %s", dir, strerror(errno));
        slot_put(slot);
        return rc;
    }
    g_slots[slot].live = 1;
    close(fd);

    mc_err err = {0};
    if (mc_image_write(img, tmp, fmt, &err)) {
        rc = cli_fail(&err);
        goto fail;
    }
    fd = open(tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || (!(flags & CLI_OUT_NO_SYNC) && fsync(fd) != 0)) {
        rc = cli_error(EX_IO_, "%s: fsync failed: %s", out_path, strerror(errno));
        if (fd >= 0) close(fd);
        goto fail;
    }
    if (wr && hash_fd(fd, wr)) {
        rc = cli_error(EX_IO_, "%s: read back failed: %s", out_path, strerror(errno));
        close(fd);
        goto fail;
    }
    if (!(flags & CLI_OUT_PRIVATE)) {
        mode_t um = umask(0);
        umask(um);
        if (fchmod(fd, 0666 & ~um) != 0) { /* best effort: it stays 0600 */
        }
    }
    close(fd);
    if (!force) {
        /* link() never replaces: closes the race between the check and now */
        if (link(tmp, out_path) != 0) {
            if (errno == EEXIST) {
                rc = cli_error(EX_USAGE_, "output %s exists (use -f to overwrite)", out_path);
                goto fail;
            }
            if (rename(tmp, out_path) != 0) {
                rc = cli_error(EX_IO_, "%s: %s", out_path, strerror(errno));
                goto fail;
            }
        } else {
            unlink(tmp);
        }
    } else if (rename(tmp, out_path) != 0) {
        rc = cli_error(EX_IO_, "%s: %s", out_path, strerror(errno));
        goto fail;
    }
    slot_put(slot);
    if (!(flags & CLI_OUT_NO_SYNC)) {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    return EX_OK_;
fail:
    unlink(tmp);
    slot_put(slot);
    return rc;
}

int cli_write_image(const mc_image *img, const char *in_path, const char *out_path, int force, unsigned flags) {
    return cli_write_image_ex(img, in_path, out_path, force, flags, NULL);
}
