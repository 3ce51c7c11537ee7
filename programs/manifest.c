/* manifest.c - the manifest and journal of directory mode (cmd_tree.c).
 *
 * OUT_DIR/medcrypt-manifest.json is one JSON object written at the end of a
 * run (temporary file, fsync, rename); its "files" array holds one object per
 * line.  While a run goes on, every finished file is appended as one line to
 * OUT_DIR/.medcrypt-journal.jsonl (O_APPEND, one write per line), so a run
 * killed halfway leaves a record of what is complete.  A rerun reads both
 * (only the lines this code writes: the parser is not a general JSON
 * parser) and skips the files recorded as complete whose output still has
 * the recorded size and SHA-256. */
#define _POSIX_C_SOURCE 200809L
#include "tree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ writing */

/* JSON string of s: control characters, quotes, backslashes and bytes that
 * are not UTF-8 as \u00XX (read back as that byte by jstr_get). */
void tree_jstr(FILE *f, const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', f);
    while (*p) {
        unsigned c = *p;
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80) n = 0;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c), p++;
        else if (c < 0x20 || c == 0x7f || n == 0) fprintf(f, "\\u%04x", c), p++;
        else fwrite(p, 1, n, f), p += n;
    }
    fputc('"', f);
}

static const char *const k_status[] = {"pending", "ok", "resumed", "copied", "other", "skipped", "failed"};

const char *tree_status_name(int st) {
    return st >= 0 && st < (int)(sizeof k_status / sizeof k_status[0]) ? k_status[st] : "?";
}

void tree_entry_json(FILE *f, const tree_entry *e) {
    char hex[65] = "";
    static const char dig[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = dig[e->sha256[i] >> 4];
        hex[2 * i + 1] = dig[e->sha256[i] & 15];
    }
    int has_out = e->status == T_OK || e->status == T_RESUMED || e->status == T_COPIED;
    fputs("{\"input\": ", f);
    tree_jstr(f, e->rel);
    fputs(", \"output\": ", f);
    if (has_out) tree_jstr(f, e->rel);
    else fputs("null", f);
    fprintf(f, ", \"status\": \"%s\", \"exit\": %d, \"bytes_in\": %llu, \"bytes\": %llu, \"sha256\": ",
            tree_status_name(e->status), e->exit_code, (unsigned long long)e->size,
            (unsigned long long)(has_out ? e->out_bytes : 0));
    if (has_out) fprintf(f, "\"%s\"", hex);
    else fputs("null", f);
    if (e->msg) {
        fputs(", \"message\": ", f);
        tree_jstr(f, e->msg);
    }
    fputc('}', f);
}

/* ------------------------------------------------------------ reading */

/* The JSON string starting at *p (after its opening quote) into out (cap
 * bytes); *p moves past the closing quote.  0 on success. */
static int jstr_get(const char **p, char *out, size_t cap) {
    const char *s = *p;
    size_t n = 0;
    while (*s && *s != '"') {
        unsigned c = (unsigned char)*s++;
        if (c == '\\') {
            c = (unsigned char)*s++;
            if (c == 'u') {
                unsigned v = 0;
                for (int i = 0; i < 4; i++) {
                    char h = *s++;
                    v = v * 16 + (unsigned)(h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : 99);
                }
                if (v > 0xff) return -1; /* only \u00XX is ever written */
                c = v;
            } else if (c != '"' && c != '\\' && c != '/') {
                return -1;
            }
        }
        if (n + 1 >= cap) return -1;
        out[n++] = (char)c;
    }
    if (*s != '"') return -1;
    out[n] = 0;
    *p = s + 1;
    return 0;
}

/* Value of "key": in line: a string into out, or (out NULL) a number into *num. */
static int field(const char *line, const char *key, char *out, size_t cap, unsigned long long *num) {
    char pat[40];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(line, pat);
    if (!p) return -1;
    p += strlen(pat);
    if (out) {
        if (*p++ != '"') return -1;
        return jstr_get(&p, out, cap);
    }
    char *end;
    errno = 0;
    *num = strtoull(p, &end, 10);
    return errno || end == p ? -1 : 0;
}

static int hex32(const char *h, uint8_t out[32]) {
    if (strlen(h) != 64) return -1;
    for (int i = 0; i < 32; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = h[2 * i + k];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0) return -1;
            v = v * 16 + (unsigned)d;
        }
        out[i] = (uint8_t)v;
    }
    return 0;
}

static int rec_cmp(const void *a, const void *b) {
    const tree_rec *x = a, *y = b;
    int c = strcmp(x->rel, y->rel);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static int rel_cmp(const void *a, const void *b) {
    return strcmp(((const tree_rec *)a)->rel, ((const tree_rec *)b)->rel);
}

/* Records of complete files from one manifest or journal; the run line
 * ("run": ...) must match `run` if present. */
static int load_file(const char *path, const char *run, tree_recs *r) {
    FILE *f = fopen(path, "r");
    if (!f) return errno == ENOENT ? 0 : cli_error(EX_IO_, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    int rc = EX_OK_;
    char *buf = malloc(8192);
    if (!buf) rc = cli_error(EX_IO_, "out of memory");
    while (!rc && getline(&line, &cap, f) > 0) {
        if (!field(line, "run", buf, 8192, NULL)) {
            if (strcmp(buf, run))
                rc = cli_error(EX_USAGE_, "%s records another run (%s); this one is %s: use another output directory, or -f to redo it",
                               path, buf, run);
            continue;
        }
        char st[16], sha[80];
        unsigned long long bytes;
        if (field(line, "input", buf, 8192, NULL) || field(line, "status", st, sizeof st, NULL)) continue;
        if (strcmp(st, "ok") && strcmp(st, "resumed") && strcmp(st, "copied")) continue;
        tree_rec rec = {0};
        if (field(line, "bytes", NULL, 0, &bytes) || field(line, "sha256", sha, sizeof sha, NULL) || hex32(sha, rec.sha256))
            continue; /* a line cut by a crash: that file is simply redone */
        if (r->n == r->cap) {
            size_t nc = r->cap ? 2 * r->cap : 256;
            tree_rec *nr = realloc(r->v, nc * sizeof *nr);
            if (!nr) {
                rc = cli_error(EX_IO_, "out of memory");
                break;
            }
            r->v = nr;
            r->cap = nc;
        }
        rec.rel = strdup(buf);
        rec.bytes = bytes;
        rec.seq = r->n;
        if (!rec.rel) {
            rc = cli_error(EX_IO_, "out of memory");
            break;
        }
        r->v[r->n++] = rec;
    }
    free(buf);
    free(line);
    fclose(f);
    return rc;
}

int tree_recs_load(const char *out_dir, const char *run, tree_recs *r) {
    char p[4096];
    memset(r, 0, sizeof *r);
    snprintf(p, sizeof p, "%s/%s", out_dir, TREE_MANIFEST);
    int rc = load_file(p, run, r);
    snprintf(p, sizeof p, "%s/%s", out_dir, TREE_JOURNAL);
    if (!rc) rc = load_file(p, run, r);
    if (rc) return rc;
    if (r->n) qsort(r->v, r->n, sizeof *r->v, rec_cmp);
    /* the journal's later lines win over the manifest's: keep the last of equals */
    size_t w = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (i + 1 < r->n && !strcmp(r->v[i].rel, r->v[i + 1].rel)) {
            free(r->v[i].rel);
            continue;
        }
        r->v[w++] = r->v[i];
    }
    r->n = w;
    return EX_OK_;
}

const tree_rec *tree_recs_find(const tree_recs *r, const char *rel) {
    tree_rec key = {(char *)rel, 0, {0}, 0};
    return r->n ? bsearch(&key, r->v, r->n, sizeof *r->v, rel_cmp) : NULL;
}

void tree_recs_free(tree_recs *r) {
    for (size_t i = 0; i < r->n; i++) free(r->v[i].rel);
    free(r->v);
    memset(r, 0, sizeof *r);
}
