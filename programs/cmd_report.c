/* cmd_report.c - medcrypt report OUT_DIR [--samples DIR] [--quick] [-f] [-v]
 *                medcrypt report --claims [--json]
 * Every claim of the four papers beside ours, as a static site
 * (mc_report_write, docs/report.md).  The site is built in a hidden
 * temporary directory next to OUT_DIR by a child process and renamed into
 * place when complete: a failure or an interrupt leaves no OUT_DIR. */
#define _DEFAULT_SOURCE 1
#define _XOPEN_SOURCE 700
#include "cli.h"
#include "medcrypt_lab.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MARKER ".medcrypt-report"

static void help(FILE *f) {
    fprintf(f, "Usage: medcrypt report OUT_DIR [--samples DIR] [--quick] [-f] [-v]\n"
               "       medcrypt report --claims [--json]\n\n"
               "Run the reproductions of the four papers (AT-ResNet-CM, TPE-H2MWD, Deep-KEDI, EDG-Net) and\n"
               "of the classical ciphers and attacks, and write a static site into OUT_DIR: index.html\n"
               "(every numeric claim of the papers beside our value, the images, the command; tables;\n"
               "figures), fig/*.png, tables/*.md, claims.json and demo.key (the fixed public key of the\n"
               "paper-profile rows).  No JavaScript; open index.html from the file system.\n\n"
               "  --samples DIR  the sample images (scripts/fetch-samples.sh: .cache/samples); without\n"
               "                 it, the generated phantoms only\n"
               "  --quick        small phantoms, few repetitions (seconds; the tests use it)\n"
               "  -f             replace OUT_DIR when it holds an earlier report\n"
               "  -v             progress lines on standard error\n"
               "  --claims       list the claims (id, paper, where, quantity, paper's value, how we\n"
               "                 reproduce it or why not) and exit; --json for scripts\n\n"
               "OUT_DIR must not exist or be empty (or, with -f, hold an earlier report).\n");
}

static void print_claims(int json) {
    size_t n = mc_claim_count();
    if (json) printf("[\n");
    for (size_t i = 0; i < n; i++) {
        const mc_claim *m = mc_claim_at(i);
        if (json) {
            printf("%s{\"id\": \"%s\", \"paper\": \"%s\", \"counted\": %s, \"reproducible\": %s, \"where\": ",
                   i ? ",\n" : "", m->id, m->paper, m->counted ? "true" : "false", m->reproducible ? "true" : "false");
            cli_json_str(stdout, m->where);
            printf(", \"quantity\": ");
            cli_json_str(stdout, m->quantity);
            printf(", \"paper_value\": ");
            cli_json_str(stdout, m->paper_value);
            printf(", \"method\": ");
            cli_json_str(stdout, m->method);
            printf("}");
        } else
            printf("%-4s %-13s %-28s %-18s %s\n     %s\n", m->id, m->paper, m->where, m->paper_value, m->quantity,
                   m->method);
    }
    if (json) printf("\n]\n");
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}
static void rm_tree(const char *dir) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* 0: absent, 1: empty directory, 2: an earlier report, -1: something else */
static int out_state(const char *out) {
    struct stat st;
    if (lstat(out, &st)) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode)) return -1;
    DIR *d = opendir(out);
    if (!d) return -1;
    int empty = 1;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = 0;
    closedir(d);
    if (empty) return 1;
    char m[4096];
    snprintf(m, sizeof m, "%s/" MARKER, out);
    return access(m, F_OK) == 0 ? 2 : -1;
}

static void log_line(void *ud, const char *line) {
    (void)ud;
    fprintf(stderr, "%s: report: %s\n", g_prog, line);
}

static volatile sig_atomic_t g_sig;
static void on_signal(int s) { g_sig = s; }

/* The child: write the report into tmp. */
static int child(const char *tmp, const mc_report_opts *o) {
    char m[4096];
    snprintf(m, sizeof m, "%s/" MARKER, tmp);
    int fd = open(m, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0 || close(fd)) return cli_error(EX_IO_, "%s: %s", m, strerror(errno));
    mc_err err = {0};
    int rc = mc_report_write(tmp, o, &err);
    mc_plot_cleanup();
    return rc ? cli_fail(&err) : EX_OK_;
}

typedef struct report_args {
    const char *samples;
    int quick, force, verbose, claims, json;
} report_args;

static int report_opt(void *ud, int code, const char *arg) {
    report_args *r = ud;
    switch (code) {
    case 's': r->samples = arg; return EX_OK_;
    case 'q': r->quick = 1; return EX_OK_;
    case 'f': r->force = 1; return EX_OK_;
    case 'v': r->verbose = 1; return EX_OK_;
    case 'c': r->claims = 1; return EX_OK_;
    case 'j': r->json = 1; return EX_OK_;
    default: return cli_error(EX_USAGE_, "report: bad option");
    }
}

int cmd_report(int argc, char **argv) {
    static const struct option lo[] = {{"samples", required_argument, 0, 's'}, {"quick", no_argument, 0, 'q'},
                                       {"force", no_argument, 0, 'f'},         {"verbose", no_argument, 0, 'v'},
                                       {"claims", no_argument, 0, 'c'},        {"json", no_argument, 0, 'j'},
                                       {0, 0, 0, 0}};
    report_args r = {0};
    cli_extra ex = {lo, "fv", report_opt, &r};
    cli_opts co;
    int rc = cli_parse(argc, argv, "report", 0, &ex, &co);
    if (rc) return rc;
    if (co.help) {
        help(stdout);
        return EX_OK_;
    }
    const char *samples = r.samples;
    int quick = r.quick, force = r.force, verbose = r.verbose, claims = r.claims, json = r.json;
    const int first = co.first_arg;
    if (claims) {
        if (first != argc) return cli_error(EX_USAGE_, "report --claims takes no OUT_DIR");
        print_claims(json);
        return EX_OK_;
    }
    if (json) return cli_error(EX_USAGE_, "report: --json goes with --claims");
    if (first + 1 != argc) {
        help(stderr);
        return cli_error(EX_USAGE_, "report: one OUT_DIR is required");
    }
    const char *out = argv[first];
    struct stat st;
    if (samples && (stat(samples, &st) || !S_ISDIR(st.st_mode)))
        return cli_error(EX_INPUT_, "report: --samples %s is not a directory", samples);
    size_t olen = strlen(out);
    while (olen > 1 && out[olen - 1] == '/') olen--;
    if (olen == 0 || olen > 3000) return cli_error(EX_USAGE_, "report: bad OUT_DIR");
    char outp[3072];
    snprintf(outp, sizeof outp, "%.*s", (int)olen, out);
    int state = out_state(outp);
    if (state < 0 || (state == 2 && !force))
        return cli_error(EX_USAGE_, "report: %s exists and is not an empty directory%s", outp,
                         state == 2 ? " (an earlier report: -f replaces it)" : "");
    /* the temporary directory: hidden, next to OUT_DIR (same file system) */
    char tmp[3200], *slash = strrchr(outp, '/');
    if (slash)
        snprintf(tmp, sizeof tmp, "%.*s/.%s.tmp-XXXXXX", (int)(slash - outp), outp, slash + 1);
    else
        snprintf(tmp, sizeof tmp, ".%s.tmp-XXXXXX", outp);
    if (!mkdtemp(tmp))
        return cli_error(EX_IO_, "report: cannot create a directory next to %s: %s", outp, strerror(errno));
    chmod(tmp, 0755);
    char cmdline[4096];
    snprintf(cmdline, sizeof cmdline, "medcrypt report %s%s%s%s", outp, samples ? " --samples " : "",
             samples ? samples : "", quick ? " --quick" : "");
    mc_report_opts o = {.samples = samples, .quick = quick, .command = cmdline, .log = verbose ? log_line : NULL};
    /* signals: remove the temporary directory, keep an inherited SIG_IGN */
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa = {0}, old[3];
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; i++) {
        sigaction(sigs[i], NULL, &old[i]);
        if (old[i].sa_handler != SIG_IGN) sigaction(sigs[i], &sa, NULL);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        rm_tree(tmp);
        return cli_error(EX_IO_, "report: fork: %s", strerror(errno));
    }
    if (pid == 0) {
        for (int i = 0; i < 3; i++) sigaction(sigs[i], &old[i], NULL);
        fflush(NULL);
        _exit(child(tmp, &o));
    }
    int wst = 0;
    for (;;) {
        pid_t w = waitpid(pid, &wst, 0);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) break;
        if (g_sig) kill(pid, SIGTERM);
    }
    for (int i = 0; i < 3; i++) sigaction(sigs[i], &old[i], NULL);
    int code = WIFEXITED(wst) ? WEXITSTATUS(wst) : EX_IO_;
    if (g_sig || !WIFEXITED(wst) || code != EX_OK_) {
        rm_tree(tmp);
        if (g_sig) {
            signal(g_sig, SIG_DFL);
            raise(g_sig);
        }
        if (WIFSIGNALED(wst))
            return cli_error(EX_IO_, "report: interrupted (signal %d); nothing written", WTERMSIG(wst));
        return code;
    }
    /* into place: OUT_DIR empty -> removed; an earlier report -> moved aside, then removed */
    char aside[3300] = "";
    state = out_state(outp);
    if (state == 1 && rmdir(outp)) state = -1;
    if (state == 2 && force) {
        snprintf(aside, sizeof aside, "%s.old-XXXXXX", tmp);
        if (!mkdtemp(aside) || rmdir(aside) || rename(outp, aside)) state = -1;
    }
    if (state < 0 || (state == 2 && !force) || rename(tmp, outp)) {
        int e = errno;
        rm_tree(tmp);
        if (aside[0]) rename(aside, outp);
        return cli_error(state < 0 || state == 2 ? EX_USAGE_ : EX_IO_, "report: cannot put the report at %s%s%s", outp,
                         e ? ": " : "", e ? strerror(e) : "");
    }
    if (aside[0]) rm_tree(aside);
    if (verbose) fprintf(stderr, "%s: report: %s/index.html\n", g_prog, outp);
    return EX_OK_;
}
