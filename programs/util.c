/* util.c - CLI plumbing: messages, passphrases, keys, atomic output. */
#define _DEFAULT_SOURCE 1
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

int cli_error(int code, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "%s: ", g_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

void cli_warn(const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "%s: warning: ", g_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_fail(const mc_err *err) {
    return cli_error(mc_exit_code(err->status), "%s", err->msg[0] ? err->msg : mc_strerror(err->status));
}

void cli_json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

/* ------------------------------------------------------------ passphrases */

static int read_tty_line(const char *prompt, char *buf, size_t cap) {
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0) return MC_ERR_ARG;
    struct termios old, quiet;
    int have_term = tcgetattr(fd, &old) == 0;
    if (have_term) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    if (write(fd, prompt, strlen(prompt)) < 0) { /* best effort */
    }
    size_t n = 0;
    int rc = MC_OK;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0 || c == '\n') break;
        if (n + 1 >= cap) {
            rc = MC_ERR_ARG;
            continue;
        }
        buf[n++] = c;
    }
    buf[n] = 0;
    if (have_term) tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) { /* best effort */
    }
    close(fd);
    return rc ? rc : (int)n;
}

int cli_read_passphrase(const char *passfile, const char *prompt, int confirm, char *buf, size_t cap) {
    const char *env = getenv("MEDCRYPT_PASSPHRASE");
    size_t n;
    if (passfile) {
        int fd = open(passfile, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return cli_error(0, "%s: %s", passfile, strerror(errno)), MC_ERR_IO;
        ssize_t r = read(fd, buf, cap - 1);
        close(fd);
        if (r < 0) return MC_ERR_IO;
        n = (size_t)r;
        if (n == cap - 1) return cli_error(0, "%s: passphrase too long", passfile), MC_ERR_ARG;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--; /* first line only */
        for (size_t i = 0; i < n; i++)
            if (buf[i] == '\n') n = i;
        buf[n] = 0;
    } else if (env) {
        n = strlen(env);
        if (n >= cap) return cli_error(0, "MEDCRYPT_PASSPHRASE too long"), MC_ERR_ARG;
        memcpy(buf, env, n + 1);
    } else {
        int r = read_tty_line(prompt, buf, cap);
        if (r < 0) return cli_error(0, "no terminal to read a passphrase from (use MEDCRYPT_PASSPHRASE or --passphrase-file)"), r;
        n = (size_t)r;
        if (confirm) {
            char *again = sodium_malloc(cap);
            if (!again) return MC_ERR_NOMEM;
            int r2 = read_tty_line("Repeat passphrase: ", again, cap);
            int same = r2 == r && sodium_memcmp(again, buf, n) == 0;
            sodium_free(again);
            if (!same) return cli_error(0, "passphrases do not match"), MC_ERR_ARG;
        }
    }
    if (n == 0) return cli_error(0, "empty passphrase"), MC_ERR_ARG;
    return (int)n;
}

static int keyfile_pass_cb(void *ud, char *buf, size_t cap) {
    const cli_keyopts *ko = ud;
    return cli_read_passphrase(ko->passfile, "Key file passphrase: ", 0, buf, cap);
}

int cli_load_key(const cli_keyopts *ko, int confirm, mc_key **out) {
    mc_err err = {0};
    *out = NULL;
    if (ko->keyfile && ko->passphrase)
        return cli_error(EX_USAGE_, "give either -k KEY or --passphrase, not both (for a protected key file, --passphrase-file FILE or MEDCRYPT_PASSPHRASE give its passphrase)");
    if (ko->keyfile) {
        int insecure = 0;
        int rc = mc_keyfile_read(ko->keyfile, keyfile_pass_cb, (void *)ko, out, &insecure, &err);
        if (rc) return cli_fail(&err);
        if (insecure) cli_warn("key file %s is readable by group or others (chmod 600 it)", ko->keyfile);
        return EX_OK_;
    }
    if (ko->passphrase || ko->passfile) {
        char *buf = sodium_malloc(1024);
        if (!buf) return cli_error(EX_IO_, "out of memory");
        int n = cli_read_passphrase(ko->passfile, "Passphrase: ", confirm, buf, 1024);
        int rc = n < 0 ? mc_exit_code(n) : EX_OK_;
        if (n >= 0 && mc_key_from_passphrase(out, buf, (size_t)n, &err)) rc = cli_fail(&err);
        sodium_free(buf);
        return rc;
    }
    return cli_error(EX_USAGE_, "a key is required: -k KEY or --passphrase");
}

/* ---------------------------------------------------------- atomic output */

static volatile sig_atomic_t g_have_tmp;
static char g_tmp[4096];

static void on_signal(int sig) {
    if (g_have_tmp) unlink(g_tmp);
    signal(sig, SIG_DFL);
    raise(sig);
}

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

static int copy_to_stdout(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return cli_error(EX_IO_, "cannot reopen temporary file");
    char buf[65536];
    size_t n;
    int rc = EX_OK_;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (fwrite(buf, 1, n, stdout) != n) {
            rc = cli_error(EX_IO_, "write to standard output failed");
            break;
        }
    if (ferror(f)) rc = cli_error(EX_IO_, "read of temporary file failed");
    fclose(f);
    if (fflush(stdout) != 0 && rc == EX_OK_) rc = cli_error(EX_IO_, "write to standard output failed");
    return rc;
}

int cli_write_image(const mc_image *img, const char *in_path, const char *out_path, int force) {
    int rc = cli_check_output(in_path, out_path, force);
    if (rc) return rc;
    int to_stdout = !strcmp(out_path, "-");
    mc_format fmt = to_stdout ? img->format : mc_format_from_path(out_path);
    if (fmt == MC_FMT_UNKNOWN)
        return cli_error(EX_USAGE_, "%s: unknown output format (use .png .pgm .ppm .dcm .nii .nii.gz)", out_path);
    const char *ext = ext_of(to_stdout ? "" : out_path, fmt, img->channels);

    /* temporary file beside the target (same filesystem for rename) */
    char dir[4096];
    const char *base;
    if (to_stdout) {
        const char *td = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s", td && *td ? td : "/tmp");
        base = "stdout";
    } else {
        const char *slash = strrchr(out_path, '/');
        if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - out_path) ? (int)(slash - out_path) : 1, out_path);
        else snprintf(dir, sizeof dir, ".");
        base = slash ? slash + 1 : out_path;
    }
    if ((size_t)snprintf(g_tmp, sizeof g_tmp, "%s/.%.64s.XXXXXX%s", dir, base, ext) >= sizeof g_tmp)
        return cli_error(EX_USAGE_, "output path too long");
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    int fd = mkstemps(g_tmp, (int)strlen(ext));
    if (fd < 0) return cli_error(EX_IO_, "cannot create a temporary file in %s: %s", dir, strerror(errno));
    g_have_tmp = 1;
    close(fd);

    mc_err err = {0};
    if (mc_image_write(img, g_tmp, fmt, &err)) {
        rc = cli_fail(&err);
        goto fail;
    }
    fd = open(g_tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        rc = cli_error(EX_IO_, "%s: fsync failed: %s", out_path, strerror(errno));
        if (fd >= 0) close(fd);
        goto fail;
    }
    mode_t um = umask(0);
    umask(um);
    if (fchmod(fd, 0666 & ~um) != 0) { /* mkstemps made it 0600 */
    }
    close(fd);
    if (to_stdout) {
        rc = copy_to_stdout(g_tmp);
        unlink(g_tmp);
        g_have_tmp = 0;
        return rc;
    }
    if (!force) {
        /* link() never replaces: closes the race between the check and now */
        if (link(g_tmp, out_path) != 0) {
            if (errno == EEXIST) {
                rc = cli_error(EX_USAGE_, "output %s exists (use -f to overwrite)", out_path);
                goto fail;
            }
            if (rename(g_tmp, out_path) != 0) {
                rc = cli_error(EX_IO_, "%s: %s", out_path, strerror(errno));
                goto fail;
            }
        } else {
            unlink(g_tmp);
        }
    } else if (rename(g_tmp, out_path) != 0) {
        rc = cli_error(EX_IO_, "%s: %s", out_path, strerror(errno));
        goto fail;
    }
    g_have_tmp = 0;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return EX_OK_;
fail:
    unlink(g_tmp);
    g_have_tmp = 0;
    return rc;
}

int cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out, const char *cmd, const char *what) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || s[0] == '-' || errno || v < lo || v > hi)
        return cli_error(EX_USAGE_, "%s: %s must be an integer in [%" PRIu64 ", %" PRIu64 "]", cmd, what, lo, hi);
    *out = v;
    return EX_OK_;
}
