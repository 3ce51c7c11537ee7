/* report.h - what the files of `medcrypt report` (src/lab/report*.c) share:
 * the run context, the claim results, the HTML writer, images and figures.
 * Not installed.  docs/report.md describes the report. */
#ifndef MC_REPORT_H
#define MC_REPORT_H
#include "medcrypt_lab.h"

#include <stdarg.h>
#include <stdio.h>

/* ------------------------------------------------------------ the run */

/* Claim status, as the report prints it. */
typedef enum rp_status {
    RP_UNSET = 0, /* nothing set it: a bug the report shows as such */
    RP_MEASURED,  /* our value of the same quantity, same scheme */
    RP_STANDIN,   /* a property of the paper's own images: ours on a stand-in image */
    RP_NOTREPRO,  /* cannot be reproduced: the claim's method text says why */
    RP_PENDING,   /* the scheme is not built (not registered) */
    RP_SKIPPED    /* not run by this report: its image is missing (--samples) or --quick */
} rp_status;

typedef struct rp_result {
    rp_status status;
    char ours[160];    /* our value, as text */
    char images[200];  /* on which images */
    char command[400]; /* the command that reproduces it */
    char verdict[300]; /* how ours compares (or why it is pending) */
} rp_result;

/* One image the report works on: a sample file or a generated phantom. */
typedef struct rp_img {
    char name[64];  /* short label: "BrainT1Slice.png", "phantom512-8" */
    char path[512]; /* the file, for commands ("" for a phantom) */
    char make[128]; /* the command that makes it (phantoms), "" otherwise */
    mc_image *img;
} rp_img;

typedef struct rp_ctx {
    const mc_report_opts *o;
    const char *dir; /* output directory */
    FILE *html;      /* index.html, being written */
    mc_key *key;     /* the fixed demo key (00 01 .. 1f) */
    mc_key *key2;    /* the demo key with its last bit flipped */
    uint8_t keyb[MC_KEY_BYTES];
    rp_result *res; /* one per mc_claim_at(i) */
    size_t nres;
    int quick;
    unsigned psize; /* phantom size: 512 (128 with --quick) */
    int nfig;
    char date[32], cpu[160];
    int plots_used; /* cairo used: mc_plot_cleanup is the caller's */
} rp_ctx;

/* A line to the caller's log. */
void rp_log(rp_ctx *c, const char *fmt, ...) MC_PRINTF(2, 3);
/* The result slot of claim `id` (NULL for an unknown id: a bug, logged). */
rp_result *rp_claim(rp_ctx *c, const char *id);
/* Set the result of claim id (fmt for `ours`). */
void rp_set(rp_ctx *c, const char *id, rp_status st, const char *images, const char *command, const char *verdict,
            const char *ours_fmt, ...) MC_PRINTF(7, 8);
/* The paper's value of claim id ("" for an unknown id). */
const char *rp_paper_value(const char *id);
/* Claim id not run: why (e.g. the sample it needs is missing). */
void rp_skip(rp_ctx *c, const char *id, const char *why);
/* Every claim of `paper` not set yet becomes pending with `why`. */
void rp_pending(rp_ctx *c, const char *paper, const char *why);

/* ------------------------------------------------------------- sections */
/* Each writes its <section> into c->html; a failure inside a section is
 * reported in the page (and the log) and the report goes on, except for I/O
 * errors on the output directory (returned). */
int rp_section_atres(rp_ctx *c, mc_err *err);
int rp_section_tpe(rp_ctx *c, mc_err *err);
int rp_section_kedi(rp_ctx *c, mc_err *err);
int rp_section_edgnet(rp_ctx *c, mc_err *err);
int rp_section_classical(rp_ctx *c, mc_err *err);
int rp_section_speed(rp_ctx *c, mc_err *err);
/* Parameters of one CycleGAN generator (a ResNet generator with `blocks`
 * residual blocks) and one of its 70x70 PatchGAN discriminators at base
 * widths ngf / ndf, c channels (report_edgnet.c). */
void rp_cyclegan_params(double ngf, double ndf, double c, double blocks, double *gen, double *disc);
/* A paper's section when its scheme cannot run: why, the claims (pending
 * or not reproducible), the end of the section. */
void rp_section_unready(rp_ctx *c, const char *paper, const char *why);
/* The claims table of one paper (every mc_claim of it, with its result). */
void rp_claims_table(rp_ctx *c, const char *paper);

/* ----------------------------------------------------------------- HTML */
void rp_h(rp_ctx *c, const char *fmt, ...) MC_PRINTF(2, 3);    /* raw HTML, printf-style */
void rp_esc(rp_ctx *c, const char *s);                         /* text, HTML-escaped */
void rp_escf(rp_ctx *c, const char *fmt, ...) MC_PRINTF(2, 3); /* printf, then escaped */
/* <figure> with the PNG fig/NAME and a caption (text, escaped). */
void rp_figure(rp_ctx *c, const char *name, const char *alt, const char *caption);
/* A note in the page about a step that failed (also logged). */
void rp_problem(rp_ctx *c, const char *what, const mc_err *err);
/* A table written twice: as HTML into the page and as markdown into
 * tables/MD_NAME (md_name NULL: the page only).  A row is one printf-style
 * string whose cells are separated by '|' (escaped in the HTML). */
typedef struct rp_table {
    rp_ctx *c;
    FILE *md;
} rp_table;
void rp_table_open(rp_ctx *c, rp_table *t, const char *md_name, const char *id, const char *head);
void rp_table_row(rp_table *t, const char *fmt, ...) MC_PRINTF(2, 3);
void rp_table_close(rp_table *t);
/* Command-line quoting of a path for the commands column. */
const char *rp_q(const char *path, char *buf, size_t cap);

/* --------------------------------------------------------------- images */
/* The scheme is registered and encrypts a small probe image (its built-in
 * model is there); else 0 and why. */
int rp_scheme_ready(rp_ctx *c, const char *scheme, char *why, size_t cap);
/* A sample (relative to the sample directory) or NULL when absent (logged). */
int rp_img_sample(rp_ctx *c, const char *rel, rp_img *out);
/* A phantom of size x size, bits 8 or 16. */
int rp_img_phantom(rp_ctx *c, unsigned size, unsigned bits, rp_img *out, mc_err *err);
void rp_img_free(rp_img *im);
/* A deep copy: pixels, metadata, aux blob. */
int rp_clone(const mc_image *src, mc_image **out, mc_err *err);
/* mc_encrypt of a copy (the key: c->key unless k). */
int rp_encrypt(rp_ctx *c, const mc_image *plain, const char *scheme, mc_profile prof, const char *const *params,
               size_t np, const mc_key *k, mc_image **out, mc_err *err);
/* mc_decrypt of a copy, paper-profile files accepted. */
int rp_decrypt(const mc_image *cipher, const mc_key *k, mc_image **out, mc_err *err);
/* One image through a scheme with the demo key: the paper cipher and its
 * (unauthenticated, possibly lossy) decryption, the hardened cipher and
 * whether its decryption gives the plain back. */
typedef struct rp_trip {
    mc_image *cp, *dp, *ch; /* paper cipher, its decryption, hardened cipher (owned) */
    double mse, psnr, ssim; /* the paper decryption against the plain */
    int exact;              /* hardened round trip bit-exact */
    size_t aux;             /* the hardened cipher's aux blob (residual) bytes */
    double secs;            /* hardened encrypt + decrypt, seconds */
} rp_trip;
int rp_trip_run(rp_ctx *c, const mc_image *plain, const char *scheme, rp_trip *t, mc_err *err);
void rp_trip_free(rp_trip *t);
/* The 8-bit entropy a paper's "information entropy" compares with: of the
 * image (8-bit) or of its high byte (16-bit). */
double rp_entropy8(const mc_image *img);
/* snprintf that may truncate (labels, commands): no truncation warnings. */
void rp_fmt(char *buf, size_t cap, const char *fmt, ...) MC_PRINTF(3, 4);
/* Monotonic seconds. */
double rp_now(void);
double rp_median(double *v, int n);
/* Commands for the claims tables: analyze a plain image; encrypt (and
 * decrypt) with the demo key, then analyze (decrypt: against the plain). */
void rp_cmd_plain(char *buf, size_t cap, const rp_img *im);
void rp_cmd_cipher(char *buf, size_t cap, const rp_img *im, const char *scheme, const char *prof, const char *param,
                   int decrypt);
/* Expected entropy of n uniform random bytes (Miller-Madow: 8 - 255 / (2 n ln 2)). */
double rp_uniform_entropy(double n);
/* 1/sqrt(horizontal pairs): the standard deviation of a random image's correlation. */
double rp_corr_sigma(const mc_image *img);
/* "inf" or "%.*f" */
const char *rp_num(double v, int prec, char *buf, size_t cap);

/* -------------------------------------------------------------- figures */
/* A row of images, each fitted into a cell x cell square (16-bit: the
 * window min..max of the image; a volume: its middle slice), the label under
 * each; nearest: pixel blocks (thumbnails) instead of smooth scaling;
 * bit k of winmask: image k is shown in image 0's window (decryptions). */
int rp_fig_strip(rp_ctx *c, const char *name, const mc_image *const *imgs, const char *const *labels, size_t n,
                 unsigned cell, int nearest, unsigned winmask, const char *title, mc_err *err);
/* A series of the line chart. */
typedef struct rp_series {
    const char *name;
    const double *x, *y;
    size_t n;
} rp_series;
int rp_fig_lines(rp_ctx *c, const char *name, const char *title, const char *xlabel, const char *ylabel,
                 const rp_series *s, size_t ns, int xlog2, mc_err *err);
/* Horizontal bars (log scale when logx), one per name, value printed. */
int rp_fig_bars(rp_ctx *c, const char *name, const char *title, const char *xlabel, const char *const *names,
                const double *v, size_t n, int logx, mc_err *err);
/* One image through a scheme, in fig/PREFIX-strip.png: plain, cipher
 * (paper), decrypted (paper: dec_label; in the plain's window), cipher
 * (hardened) = fig[0..2], captioned strip_cap; with hist_cap / scatter_cap
 * (NULL: none) also PREFIX-hist.png / PREFIX-scatter.png of the plain image
 * (named `name`) and its paper cipher.  Problems are reported in the page. */
void rp_figs_scheme(rp_ctx *c, const char *prefix, const char *name, const mc_image *plain, mc_image *const fig[3],
                    const char *title, const char *dec_label, const char *strip_cap, const char *hist_cap,
                    const char *scatter_cap);
/* mc_plot_histograms / mc_plot_scatter into fig/NAME. */
int rp_fig_hist(rp_ctx *c, const char *name, const mc_image *const *imgs, const char *const *labels, size_t n,
                mc_err *err);
int rp_fig_scatter(rp_ctx *c, const char *name, const mc_image *const *imgs, const char *const *labels, size_t n,
                   mc_err *err);

#endif
