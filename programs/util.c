/* util.c - CLI plumbing: messages, passphrases, keys (output: output.c). */
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

_Thread_local cli_sink *cli_tls_sink;

int cli_error(int code, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_sink *sink = cli_tls_sink;
    if (sink) {
        if (!sink->msg[0]) {
            snprintf(sink->msg, sizeof sink->msg, "%s", msg);
            sink->code = code;
        }
        return code;
    }
    fprintf(stderr, "%s: %s\n", g_prog, msg); /* one call: one line even with threads */
    return code;
}

void cli_warn(const char *fmt, ...) {
    char msg[512];
    va_list ap;
    if (cli_tls_sink) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: warning: %s\n", g_prog, msg);
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
        /* the passphrase callback's own message replaces the library's: one line */
        cli_sink sink = {0}, *prev = cli_tls_sink;
        cli_tls_sink = &sink;
        int rc = mc_keyfile_read(ko->keyfile, keyfile_pass_cb, (void *)ko, out, &insecure, &err);
        cli_tls_sink = prev;
        if (rc && sink.msg[0]) return cli_error(mc_exit_code(rc), "%s: %s", ko->keyfile, sink.msg);
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

int cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out, const char *cmd, const char *what) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || s[0] == '-' || errno || v < lo || v > hi)
        return cli_error(EX_USAGE_, "%s: %s must be an integer in [%" PRIu64 ", %" PRIu64 "]", cmd, what, lo, hi);
    *out = v;
    return EX_OK_;
}
