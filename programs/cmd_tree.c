/* cmd_tree.c - directory mode: `medcrypt encrypt|decrypt ... -r IN_DIR -o
 * OUT_DIR [-j N]`.
 *
 * The tree under IN_DIR is mirrored under OUT_DIR.  Images (recognised by
 * their magic bytes or extension) are encrypted or decrypted one file each by
 * N worker threads (-j, default: the online cores) sharing the key, key image
 * and model loaded once by the main thread; a failure is recorded for its
 * file and never stops the others.  Other regular files are reported and
 * copied only with --copy-other; symbolic links, devices, FIFOs and sockets
 * are never opened (reported as skipped).  Every output is atomic
 * (cli_write_image_ex: temporary file, rename), each finished file is
 * appended to OUT_DIR's journal, and OUT_DIR/medcrypt-manifest.json lists
 * every file at the end (manifest.c).  A rerun into the same OUT_DIR skips
 * the files recorded as complete whose output still has the recorded size
 * and SHA-256, and redoes the rest.  Instead of one fsync per file, the file
 * system is synced once (syncfs) before the manifest is written: a crash
 * before that costs at most a redo, found by the SHA-256 check.
 * The exit status is 0 when every image succeeded, else the most severe of
 * the files' statuses: 3 (authentication) > 4 (I/O) > 2 (bad input). */
#define _GNU_SOURCE 1
#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_JOBS 256

typedef struct tree_run {
    const char *in_dir, *out_dir;
    tree_entry *e;
    size_t n, cap;
    char **dirs; /* relative directories to create */
    size_t nd, capd;
    cli_crypt crypt;
    cli_opts o; /* the caller's, with force set: the run owns OUT_DIR */
    int copy_other, enc;
    char run[1024]; /* what was run: a rerun must be the same */
    tree_recs recs;
    /* work and progress */
    atomic_size_t next;
    pthread_mutex_t mu;
    size_t *done; /* indices of finished entries, in order */
    size_t ndone;
    uint64_t bytes_done, bytes_total;
    size_t files_total;
    int jfd; /* journal */
} tree_run;

/* ---------------------------------------------------------------- walk */

static int add_entry(tree_run *t, const char *rel, int kind, uint64_t size) {
    if (t->n == t->cap) {
        size_t nc = t->cap ? 2 * t->cap : 256;
        tree_entry *ne = realloc(t->e, nc * sizeof *ne);
        if (!ne) return cli_error(EX_IO_, "out of memory");
        t->e = ne;
        t->cap = nc;
    }
    tree_entry *e = &t->e[t->n];
    memset(e, 0, sizeof *e);
    if (!(e->rel = strdup(rel))) return cli_error(EX_IO_, "out of memory");
    e->kind = kind;
    e->size = size;
    t->n++;
    return EX_OK_;
}

static int add_dir(tree_run *t, const char *rel) {
    if (t->nd == t->capd) {
        size_t nc = t->capd ? 2 * t->capd : 64;
        char **nd = realloc(t->dirs, nc * sizeof *nd);
        if (!nd) return cli_error(EX_IO_, "out of memory");
        t->dirs = nd;
        t->capd = nc;
    }
    if (!(t->dirs[t->nd] = strdup(rel))) return cli_error(EX_IO_, "out of memory");
    t->nd++;
    return EX_OK_;
}

/* An image by its first bytes or, failing that, its name. */
static int is_image(int dfd, const char *name) {
    uint8_t b[352];
    ssize_t n = 0;
    int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd >= 0) {
        n = read(fd, b, sizeof b);
        close(fd);
    }
    if (n >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8)) return 1;
    if (n >= 3 && b[0] == 'P' && (b[1] == '5' || b[1] == '6') && (b[2] == ' ' || b[2] == '\n' || b[2] == '\t' || b[2] == '\r'))
        return 1;
    if (n >= 132 && !memcmp(b + 128, "DICM", 4)) return strcmp(name, "DICOMDIR") != 0;
    if (n >= 348 && !memcmp(b + 344, "n+1", 4)) return 1;
    return mc_format_from_path(name) != MC_FMT_UNKNOWN; /* may still fail to read: then bad input */
}

/* Recursive walk of IN_DIR/rel (rel "" at the top); nothing is followed. */
static int walk(tree_run *t, const char *rel, int depth) {
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s%s%s", t->in_dir, *rel ? "/" : "", rel) >= sizeof path)
        return add_entry(t, rel, K_SKIP, 0);
    /* IN_DIR itself may be a link (the user named it); nothing below it is followed */
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (*rel ? O_NOFOLLOW : 0));
    if (dfd < 0) return cli_error(EX_IO_, "%s: %s", path, strerror(errno));
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return cli_error(EX_IO_, "%s: %s", path, strerror(errno));
    }
    int rc = EX_OK_;
    struct dirent *de;
    while (!rc && (de = readdir(d))) {
        const char *nm = de->d_name;
        if (!strcmp(nm, ".") || !strcmp(nm, "..")) continue;
        char r[PATH_MAX];
        if ((size_t)snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", nm) >= sizeof r) continue;
        if (!*rel && (!strcmp(nm, TREE_MANIFEST) || !strcmp(nm, TREE_JOURNAL))) continue; /* an earlier run's */
        struct stat st;
        if (fstatat(dfd, nm, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            rc = add_entry(t, r, K_SKIP, 0);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (depth >= 64) rc = add_entry(t, r, K_SKIP, 0);
            else if (!(rc = add_dir(t, r))) rc = walk(t, r, depth + 1);
        } else if (S_ISREG(st.st_mode)) {
            if (strstr(nm, ".mctmp-") && nm[0] == '.') continue; /* a medcrypt temporary file */
            rc = add_entry(t, r, is_image(dfd, nm) ? K_IMAGE : K_OTHER, (uint64_t)st.st_size);
        } else {
            rc = add_entry(t, r, K_SKIP, 0); /* link, device, FIFO, socket: never opened */
        }
    }
    closedir(d);
    return rc;
}

static int entry_cmp(const void *a, const void *b) {
    return strcmp(((const tree_entry *)a)->rel, ((const tree_entry *)b)->rel);
}

/* --------------------------------------------------------- one file */

static int same_output(const tree_run *t, const tree_entry *e, const tree_rec *r) {
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", t->out_dir, e->rel);
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return 0;
    struct stat st;
    crypto_hash_sha256_state hs;
    uint8_t buf[1 << 16], h[32];
    int same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == r->bytes;
    crypto_hash_sha256_init(&hs);
    ssize_t k;
    while (same && (k = read(fd, buf, sizeof buf)) != 0) {
        if (k < 0) {
            if (errno == EINTR) continue;
            same = 0;
            break;
        }
        crypto_hash_sha256_update(&hs, buf, (unsigned long long)k);
    }
    close(fd);
    if (!same) return 0;
    crypto_hash_sha256_final(&hs, h);
    return sodium_memcmp(h, r->sha256, 32) == 0;
}

/* Copy an other file as is (--copy-other), atomically. */
static int copy_file(const char *in, const char *out, cli_written *wr) {
    char tmp[PATH_MAX];
    if (cli_tmp_name(out, tmp, sizeof tmp)) return cli_error(EX_IO_, "%s: path too long", out);
    int ifd = open(in, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), ofd = -1, rc = EX_OK_;
    if (ifd < 0) return cli_error(EX_IO_, "%s: %s", in, strerror(errno));
    if ((ofd = mkstemp(tmp)) < 0) rc = cli_error(EX_IO_, "%s: %s", out, strerror(errno));
    crypto_hash_sha256_state hs;
    crypto_hash_sha256_init(&hs);
    uint8_t buf[1 << 16];
    wr->bytes = 0;
    for (ssize_t k; !rc && (k = read(ifd, buf, sizeof buf)) != 0;) {
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) rc = cli_error(EX_IO_, "%s: %s", in, strerror(errno));
        for (ssize_t o = 0; !rc && o < k;) {
            ssize_t w = write(ofd, buf + o, (size_t)(k - o));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) rc = cli_error(EX_IO_, "%s: %s", out, strerror(errno));
            else o += w;
        }
        if (!rc) {
            crypto_hash_sha256_update(&hs, buf, (unsigned long long)k);
            wr->bytes += (uint64_t)k;
        }
    }
    crypto_hash_sha256_final(&hs, wr->sha256);
    close(ifd);
    if (ofd >= 0) {
        mode_t um = umask(0);
        umask(um);
        if (!rc && fchmod(ofd, 0666 & ~um) != 0) { /* best effort */
        }
        if (close(ofd) != 0 && !rc) rc = cli_error(EX_IO_, "%s: %s", out, strerror(errno));
        if (!rc && rename(tmp, out) != 0) rc = cli_error(EX_IO_, "%s: %s", out, strerror(errno));
        if (rc) unlink(tmp);
    }
    return rc;
}

/* A DICOM file (magic at 128) that has no Pixel Data element anywhere and is
 * not deflated: a report, structure set, plan, waveform...: not an image. */
static int dicom_without_pixels(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return 0;
    static const uint8_t le[4] = {0xe0, 0x7f, 0x10, 0x00}, be[4] = {0x7f, 0xe0, 0x00, 0x10};
    static const char deflated[] = "1.2.840.10008.1.2.1.99";
    uint8_t buf[(1 << 16) + 32];
    size_t keep = 0, total = 0;
    int dicm = 0, found = 0;
    for (;;) {
        ssize_t k = read(fd, buf + keep, sizeof buf - keep);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        size_t n = keep + (size_t)k;
        if (total == 0 && n >= 132) dicm = !memcmp(buf + 128, "DICM", 4);
        if (total == 0 && memmem(buf, n, deflated, sizeof deflated - 1)) found = 1; /* deflated: cannot tell */
        if (memmem(buf, n, le, 4) || memmem(buf, n, be, 4)) found = 1;
        if (found || !dicm) break;
        keep = n < 3 ? n : 3;
        memmove(buf, buf + n - keep, keep);
        total += (size_t)k;
    }
    close(fd);
    return dicm && !found;
}

static void do_entry(tree_run *t, tree_entry *e) {
    char in[PATH_MAX], out[PATH_MAX];
    snprintf(in, sizeof in, "%s/%s", t->in_dir, e->rel);
    snprintf(out, sizeof out, "%s/%s", t->out_dir, e->rel);
    if (e->kind == K_SKIP) {
        e->status = T_SKIPPED;
        e->msg = strdup("not a regular file or directory (links, devices, FIFOs are never opened)");
        return;
    }
    if (e->kind == K_OTHER && !t->copy_other) {
        e->status = T_OTHER;
        e->msg = strdup("not an image: not copied (--copy-other copies it)");
        return;
    }
    const tree_rec *r = tree_recs_find(&t->recs, e->rel);
    if (r && same_output(t, e, r)) {
        e->status = T_RESUMED;
        e->out_bytes = r->bytes;
        memcpy(e->sha256, r->sha256, 32);
        return;
    }
    cli_sink sink = {0};
    cli_written wr = {0};
    cli_tls_sink = &sink;
    int rc = e->kind == K_OTHER ? copy_file(in, out, &wr)
                                : cli_crypt_file(&t->crypt, in, out, CLI_OUT_NO_CLEAN | CLI_OUT_NO_SYNC, &wr);
    cli_tls_sink = NULL;
    if (rc == EX_INPUT_ && e->kind == K_IMAGE && dicom_without_pixels(in)) {
        e->kind = K_OTHER; /* not an image after all */
        if (!t->copy_other) {
            e->status = T_OTHER;
            e->msg = strdup("DICOM object without pixel data: not an image, not copied (--copy-other copies it)");
            return;
        }
        memset(&sink, 0, sizeof sink);
        cli_tls_sink = &sink;
        rc = copy_file(in, out, &wr);
        cli_tls_sink = NULL;
    }
    if (rc) {
        e->status = T_FAILED;
        e->exit_code = rc;
        /* the library's messages start with the input path: keep the rest */
        const char *m = sink.msg[0] ? sink.msg : "failed";
        size_t il = strlen(in);
        if (!strncmp(m, in, il) && !strncmp(m + il, ": ", 2)) m += il + 2;
        e->msg = strdup(m);
        return;
    }
    e->status = e->kind == K_OTHER ? T_COPIED : T_OK;
    e->out_bytes = wr.bytes;
    memcpy(e->sha256, wr.sha256, 32);
}

/* One journal line per finished file (O_APPEND: one write). */
static void journal(tree_run *t, const tree_entry *e) {
    if (t->jfd < 0 || (e->status != T_OK && e->status != T_COPIED)) return;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return;
    tree_entry_json(f, e);
    fputc('\n', f);
    fclose(f);
    if (write(t->jfd, buf, len) != (ssize_t)len) { /* a lost line only means a redo */
    }
    free(buf);
}

static void *worker(void *arg) {
    tree_run *t = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&t->next, 1);
        if (i >= t->n) break;
        tree_entry *e = &t->e[i];
        do_entry(t, e);
        pthread_mutex_lock(&t->mu);
        journal(t, e);
        t->done[t->ndone++] = i;
        if (e->kind == K_IMAGE) t->bytes_done += e->size;
        pthread_mutex_unlock(&t->mu);
    }
    return NULL;
}

/* ------------------------------------------------------------ progress */

enum { P_NONE, P_LINES, P_BAR };

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fmt_eta(char *b, size_t cap, double s) {
    if (!(s >= 0) || s > 359999) snprintf(b, cap, "--:--");
    else if (s >= 3600) snprintf(b, cap, "%d:%02d:%02d", (int)s / 3600, (int)s / 60 % 60, (int)s % 60);
    else snprintf(b, cap, "%d:%02d", (int)s / 60, (int)s % 60);
}

/* "123/500 files  61.5/250.0 MB  45.2 MB/s  ETA 0:04" (done counts images) */
static void progress_text(char *b, size_t cap, size_t files, uint64_t bytes, const tree_run *t, double el) {
    double rate = el > 0 ? (double)bytes / el : 0, eta = rate > 0 ? (double)(t->bytes_total - bytes) / rate : -1;
    char e[32];
    fmt_eta(e, sizeof e, eta);
    snprintf(b, cap, "%zu/%zu files  %.1f/%.1f MB  %.1f MB/s  ETA %s", files, t->files_total, (double)bytes / 1e6,
             (double)t->bytes_total / 1e6, rate / 1e6, e);
}

static void bar(const tree_run *t, size_t files, uint64_t bytes, double el) {
    char txt[160], b[32];
    progress_text(txt, sizeof txt, files, bytes, t, el);
    const int w = 24;
    int fill = t->bytes_total ? (int)((double)w * (double)bytes / (double)t->bytes_total) : w;
    if (fill > w) fill = w;
    for (int i = 0; i < w; i++) b[i] = i < fill ? '#' : '.';
    b[w] = 0;
    fprintf(stderr, "\r\033[K[%s] %s", b, txt);
    fflush(stderr);
}

/* Report newly finished entries from *seen on; returns images among them. */
static size_t report(tree_run *t, size_t *seen, int mode, int in_bar) {
    size_t imgs = 0;
    pthread_mutex_lock(&t->mu);
    size_t upto = t->ndone;
    pthread_mutex_unlock(&t->mu);
    for (; *seen < upto; (*seen)++) {
        const tree_entry *e = &t->e[t->done[*seen]];
        if (e->kind == K_IMAGE) imgs++;
        if (e->status != T_FAILED && !(mode == P_LINES && e->status == T_OTHER)) continue;
        if (in_bar) fputs("\r\033[K", stderr);
        fprintf(stderr, "%s: %s: %s%s\n", g_prog, e->rel, e->status == T_FAILED ? "" : "note: ", e->msg ? e->msg : "");
    }
    return imgs;
}

/* ---------------------------------------------------------------- run */

static int write_manifest(tree_run *t, int code, const char *started) {
    char p[PATH_MAX], tmp[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", t->out_dir, TREE_MANIFEST);
    if (cli_tmp_name(p, tmp, sizeof tmp)) return cli_error(EX_IO_, "%s: path too long", p);
    int fd = mkstemp(tmp);
    if (fd < 0) return cli_error(EX_IO_, "%s: %s", p, strerror(errno));
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return cli_error(EX_IO_, "%s: %s", p, strerror(errno));
    }
    size_t cnt[T_FAILED + 1] = {0};
    uint64_t bin = 0, bout = 0;
    for (size_t i = 0; i < t->n; i++) {
        cnt[t->e[i].status]++;
        if (t->e[i].kind == K_IMAGE) bin += t->e[i].size;
        bout += t->e[i].out_bytes;
    }
    time_t now = time(NULL);
    char fin[32];
    strftime(fin, sizeof fin, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    fprintf(f, "{\"medcrypt_manifest\": 1,\n \"run\": ");
    tree_jstr(f, t->run);
    fprintf(f, ",\n \"medcrypt\": \"%s\",\n \"input_dir\": ", mc_version_string());
    tree_jstr(f, t->in_dir);
    fputs(",\n \"output_dir\": ", f);
    tree_jstr(f, t->out_dir);
    fprintf(f, ",\n \"started\": \"%s\", \"finished\": \"%s\",\n \"summary\": {\"files\": %zu", started, fin, t->n);
    for (int s = T_OK; s <= T_FAILED; s++) fprintf(f, ", \"%s\": %zu", tree_status_name(s), cnt[s]);
    fprintf(f, ", \"image_bytes_in\": %llu, \"bytes_out\": %llu, \"exit\": %d},\n \"files\": [\n",
            (unsigned long long)bin, (unsigned long long)bout, code);
    for (size_t i = 0; i < t->n; i++) {
        fputs("  ", f);
        tree_entry_json(f, &t->e[i]);
        fputs(i + 1 < t->n ? ",\n" : "\n", f);
    }
    fputs(" ]}\n", f);
    int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    mode_t um = umask(0);
    umask(um);
    if (fchmod(fileno(f), 0666 & ~um) != 0) { /* best effort */
    }
    if (fclose(f) != 0) bad = 1;
    if (bad || rename(tmp, p) != 0) {
        unlink(tmp);
        return cli_error(EX_IO_, "%s: cannot write the manifest", p);
    }
    return EX_OK_;
}

static int severity(int code) {
    return code == EX_AUTH_ ? 4 : code == EX_IO_ ? 3 : code == EX_INPUT_ ? 2 : code ? 1 : 0;
}

/* OUT_DIR: created, or empty, or an earlier run's (manifest or journal);
 * anything else needs -f. */
static int prepare_out(tree_run *t, int force) {
    if (mkdir(t->out_dir, 0777) == 0) return EX_OK_;
    if (errno != EEXIST) return cli_error(EX_IO_, "%s: %s", t->out_dir, strerror(errno));
    struct stat st;
    if (stat(t->out_dir, &st) != 0 || !S_ISDIR(st.st_mode)) return cli_error(EX_USAGE_, "%s: not a directory", t->out_dir);
    DIR *d = opendir(t->out_dir);
    if (!d) return cli_error(EX_IO_, "%s: %s", t->out_dir, strerror(errno));
    int empty = 1, ours = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        empty = 0;
        if (!strcmp(de->d_name, TREE_MANIFEST) || !strcmp(de->d_name, TREE_JOURNAL)) ours = 1;
    }
    closedir(d);
    if (!empty && !ours && !force)
        return cli_error(EX_USAGE_, "%s exists and holds no medcrypt manifest (use -f to write into it)", t->out_dir);
    return EX_OK_;
}

/* Neither directory may contain the other. */
static int check_dirs(const char *in, const char *out) {
    char ri[PATH_MAX], ro[PATH_MAX];
    if (!realpath(in, ri)) return cli_error(EX_IO_, "%s: %s", in, strerror(errno));
    struct stat st;
    if (stat(ri, &st) != 0 || !S_ISDIR(st.st_mode)) return cli_error(EX_USAGE_, "-r: %s is not a directory", in);
    if (!realpath(out, ro)) { /* not there yet: its parent must be */
        char parent[PATH_MAX], rp[PATH_MAX];
        snprintf(parent, sizeof parent, "%s", out);
        size_t l = strlen(parent);
        while (l > 1 && parent[l - 1] == '/') parent[--l] = 0;
        char *slash = strrchr(parent, '/');
        const char *base = slash ? slash + 1 : parent;
        if (slash == parent) parent[1] = 0;
        else if (slash) *slash = 0;
        if (!realpath(slash ? parent : ".", rp)) return cli_error(EX_IO_, "%s: %s", out, strerror(errno));
        if ((size_t)snprintf(ro, sizeof ro, "%s/%s", strcmp(rp, "/") ? rp : "", base) >= sizeof ro)
            return cli_error(EX_USAGE_, "%s: path too long", out);
    }
    size_t li = strlen(ri), lo = strlen(ro);
    if ((!strncmp(ri, ro, li) && (ro[li] == '/' || !ro[li])) || (!strncmp(ro, ri, lo) && (ri[lo] == '/' || !ri[lo])))
        return cli_error(EX_USAGE_, "-r: %s and %s must not contain one another", in, out);
    return EX_OK_;
}

static int parse_jobs(const char *s, int *jobs) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    *jobs = n > 0 ? (int)(n > MAX_JOBS ? MAX_JOBS : n) : 1;
    if (!s) return EX_OK_;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 1 || v > MAX_JOBS) return cli_error(EX_USAGE_, "-j: a number of workers from 1 to %d", MAX_JOBS);
    *jobs = (int)v;
    return EX_OK_;
}

static void run_free(tree_run *t) {
    for (size_t i = 0; i < t->n; i++) {
        free(t->e[i].rel);
        free(t->e[i].msg);
    }
    for (size_t i = 0; i < t->nd; i++) free(t->dirs[i]);
    free(t->e);
    free(t->dirs);
    free(t->done);
    tree_recs_free(&t->recs);
}

int cli_tree_run(const cli_opts *o, const cli_tree_opts *to, const char *in_dir) {
    static tree_run tr; /* one run per process; its mutex and atomics stay put */
    tree_run *t = &tr;
    int rc, jobs, mode;
    if (!strcmp(in_dir, "-") || !strcmp(o->out, "-")) return cli_error(EX_USAGE_, "-r: IN_DIR and OUT_DIR are directories, not '-'");
    if ((rc = parse_jobs(to->jobs, &jobs))) return rc;
    const char *pm = to->progress ? to->progress : "auto";
    if (!strcmp(pm, "auto")) mode = isatty(STDERR_FILENO) ? P_BAR : P_LINES;
    else if (!strcmp(pm, "bar")) mode = P_BAR;
    else if (!strcmp(pm, "lines")) mode = P_LINES;
    else if (!strcmp(pm, "none")) mode = P_NONE;
    else return cli_error(EX_USAGE_, "--progress: auto, bar, lines or none");
    if ((rc = check_dirs(in_dir, o->out))) return rc;
    /* Image-sized buffers come and go with every file: kept in the heap
     * (not mmap'ed and unmapped each time) they cost no page faults, about
     * half the CPU time per 512x512 slice on a VM.  Decrypted pixels are
     * wiped before they are freed (cli_crypt_file). */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
    memset(t, 0, sizeof *t);
    t->in_dir = in_dir;
    t->out_dir = o->out;
    t->enc = to->enc;
    t->copy_other = to->copy_other;
    t->o = *o;
    t->o.force = 1;
    t->jfd = -1;
    /* what was run, without the key: a rerun must match */
    size_t rl = (size_t)snprintf(t->run, sizeof t->run, "%s %s %s", to->enc ? "encrypt" : "decrypt",
                                 to->enc ? o->scheme : "-", o->profile_given || to->enc ? mc_profile_name(o->profile) : "-");
    for (size_t i = 0; i < o->np && rl < sizeof t->run; i++)
        rl += (size_t)snprintf(t->run + rl, sizeof t->run - rl, " %s", o->params[i]);
    if ((rc = walk(t, "", 0))) goto out;
    if (t->n) qsort(t->e, t->n, sizeof *t->e, entry_cmp);
    for (size_t i = 0; i < t->n; i++)
        if (t->e[i].kind == K_IMAGE) {
            t->files_total++;
            t->bytes_total += t->e[i].size;
        }
    if ((rc = prepare_out(t, o->force))) goto out;
    if (!o->force && (rc = tree_recs_load(t->out_dir, t->run, &t->recs))) goto out;
    /* the output directories, each cleaned of dead writers' temporary files */
    cli_clean_stale(t->out_dir);
    for (size_t i = 0; i < t->nd; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", t->out_dir, t->dirs[i]);
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            rc = cli_error(EX_IO_, "%s: %s", p, strerror(errno));
            goto out;
        }
        cli_clean_stale(p);
    }
    cli_inputs in;
    /* the key (and key image, model) once, for every worker */
    if ((rc = cli_inputs_load(o, to->enc, &in))) goto out;
    t->crypt = (cli_crypt){to->enc, &t->o, &in};
    char jp[PATH_MAX];
    snprintf(jp, sizeof jp, "%s/%s", t->out_dir, TREE_JOURNAL);
    t->jfd = open(jp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (o->force ? O_TRUNC : 0), 0666);
    if (t->jfd >= 0) {
        char *line = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&line, &len);
        if (f) {
            fputs("{\"run\": ", f);
            tree_jstr(f, t->run);
            fputs("}\n", f);
            fclose(f);
            if (write(t->jfd, line, len) != (ssize_t)len) { /* best effort */
            }
            free(line);
        }
    }
    t->done = malloc((t->n ? t->n : 1) * sizeof *t->done);
    pthread_mutex_init(&t->mu, NULL);
    atomic_store(&t->next, 0);
    time_t start = time(NULL);
    char started[32];
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", gmtime(&start));
    pthread_t th[MAX_JOBS];
    int nth = 0;
    if (!t->done) rc = cli_error(EX_IO_, "out of memory");
    for (; !rc && nth < jobs && (size_t)nth < (t->n ? t->n : 1); nth++)
        if (pthread_create(&th[nth], NULL, worker, t) != 0) break;
    if (!rc && nth == 0) rc = cli_error(EX_IO_, "cannot start a worker thread");
    double t0 = now_s(), last = 0;
    size_t seen = 0, imgs = 0;
    while (!rc) {
        pthread_mutex_lock(&t->mu);
        int all = t->ndone == t->n;
        uint64_t bytes = t->bytes_done;
        pthread_mutex_unlock(&t->mu);
        imgs += report(t, &seen, mode, mode == P_BAR);
        double el = now_s() - t0;
        if (mode == P_BAR && (all || el - last >= 0.1)) bar(t, imgs, bytes, el), last = el;
        if (mode == P_LINES && !all && el - last >= 2.0) {
            char txt[160];
            progress_text(txt, sizeof txt, imgs, bytes, t, el);
            fprintf(stderr, "%s: %s\n", g_prog, txt);
            last = el;
        }
        if (all) break;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < nth; i++) pthread_join(th[i], NULL);
    if (mode == P_BAR && !rc) fputc('\n', stderr);
    cli_inputs_free(&in);
    if (rc) goto out;
    /* outputs on disk before the manifest says so */
    int sfd = open(t->out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sfd >= 0) {
        syncfs(sfd);
        close(sfd);
    }
    int worst = 0;
    size_t cnt[T_FAILED + 1] = {0}, nimg = 0;
    for (size_t i = 0; i < t->n; i++) {
        cnt[t->e[i].status]++;
        nimg += t->e[i].kind == K_IMAGE;
        if (severity(t->e[i].exit_code) > severity(worst)) worst = t->e[i].exit_code;
    }
    rc = write_manifest(t, worst, started);
    if (!rc) {
        if (t->jfd >= 0) close(t->jfd), t->jfd = -1;
        unlink(jp);
        rc = worst;
    }
    fprintf(stderr, "%s: %s %zu of %zu images (%zu done before), %zu failed, %zu other files %s, %zu skipped; manifest %s/%s\n",
                g_prog, to->enc ? "encrypted" : "decrypted", cnt[T_OK] + cnt[T_RESUMED], nimg, cnt[T_RESUMED],
                cnt[T_FAILED], cnt[T_OTHER] + cnt[T_COPIED], to->copy_other ? "copied" : "not copied", cnt[T_SKIPPED],
                t->out_dir, TREE_MANIFEST);
    pthread_mutex_destroy(&t->mu);
out:
    if (t->jfd >= 0) close(t->jfd);
    run_free(t);
    return rc;
}
