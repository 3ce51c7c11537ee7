/* report_atres.c - the AT-ResNet-CM section of `medcrypt report` (what
 * scripts/atres_table.sh did): Tables 2-5 of Li and Peng 2023 beside the
 * at-resnet-cm and resnet-cm schemes on held-out images (never seen in
 * training: the phantoms, BrainT1Slice, CT_small), Figures 11-13. */
#define _POSIX_C_SOURCE 200809L
#include "lab/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NIMG 4
static const char *const k_schemes[2] = {"at-resnet-cm", "resnet-cm"};

typedef struct arow {
    int ok;
    double cc, ch, ch8; /* paper cipher: corr h, entropy (2^bits bins), entropy 8-bit */
    double psnr, ssim;  /* paper decryption against the plain */
    double hc, hh;      /* hardened cipher */
    int exact;          /* hardened round trip */
    size_t aux, px;     /* residual bytes, pixel bytes */
    double secs;        /* hardened encrypt + decrypt */
} arow;

static double corr_h(const mc_image *img) {
    double r[MC_NDIRS];
    return mc_corr(img, MC_ALL, MC_ALL, r) ? NAN : r[MC_DIR_H];
}

static double entropy(const mc_image *img) {
    double h = NAN;
    return mc_entropy(img, MC_ALL, MC_ALL, &h, NULL) ? NAN : h;
}

/* One image through one scheme; the images kept for the figures when fig. */
static int measure(rp_ctx *c, const mc_image *plain, const char *s, arow *r, mc_image **fig, mc_err *err) {
    rp_trip t;
    int rc = rp_trip_run(c, plain, s, &t, err);
    if (rc) return rc;
    r->cc = corr_h(t.cp), r->ch = entropy(t.cp), r->ch8 = rp_entropy8(t.cp);
    r->psnr = t.psnr, r->ssim = t.ssim, r->secs = t.secs;
    r->hc = corr_h(t.ch), r->hh = entropy(t.ch);
    r->exact = t.exact, r->aux = t.aux, r->px = plain->nbytes, r->ok = 1;
    if (fig) fig[0] = t.cp, fig[1] = t.dp, fig[2] = t.ch, t.cp = t.dp = t.ch = NULL;
    rp_trip_free(&t);
    return MC_OK;
}

static void verdict_corr(char *v, size_t cap, double ours, const char *paper, const mc_image *img) {
    double s = rp_corr_sigma(img);
    rp_fmt(v, cap,
           "|r| = %.1f sigma of a random image of this size (sigma = 1/sqrt(pairs) = %.4f); the paper's %s is "
           "%.1f sigma at 512x512: both are sampling noise around 0",
           fabs(ours) / s, s, paper, fabs(atof(paper)) * 511.0);
}

static void verdict_entropy(char *v, size_t cap, double ours, const char *paper, const mc_image *img) {
    double n = (double)img->width * img->height * img->depth * img->channels, e = rp_uniform_entropy(n),
           e512 = rp_uniform_entropy(512.0 * 512.0);
    rp_fmt(v, cap,
           "a uniform random image of this size gives %.4f (8-bit bins); ours is %s it; the paper's %s is %s the "
           "%.4f of a uniform 512x512 cipher",
           e,
           fabs(ours - e) < 0.002 ? "at"
           : ours < e             ? "below"
                                  : "above",
           paper, atof(paper) < e512 - 0.001 ? "below" : "at", e512);
}

static void table(rp_ctx *c, const rp_img *im, arow r[NIMG][2], const double pc[NIMG], const double ph[NIMG]) {
    rp_table t;
    rp_table_open(c, &t, "at-resnet-cm.md", "atres-table",
                  "image|scheme|plain corr h|plain H|cipher corr h (paper)|cipher H (paper)|decrypted PSNR dB / SSIM "
                  "(paper)|cipher corr h (hardened)|cipher H (hardened)|hardened exact|residual bytes (% of "
                  "pixels)|hardened enc + dec s");
    for (int i = 0; i < NIMG; i++)
        for (int s = 0; im[i].img && s < 2; s++) {
            const arow *a = &r[i][s];
            char ps[32];
            if (a->ok)
                rp_table_row(&t, "%s|%s|%.4f|%.4f|%.4f|%.4f|%s / %.4f|%.4f|%.4f|%s|%zu (%.1f%%)|%.2f", im[i].name,
                             k_schemes[s], pc[i], ph[i], a->cc, a->ch, rp_num(a->psnr, 2, ps, sizeof ps), a->ssim,
                             a->hc, a->hh, a->exact ? "yes" : "NO", a->aux, 100.0 * (double)a->aux / (double)a->px,
                             a->secs);
        }
    rp_table_close(&t);
}

static void figures(rp_ctx *c, const rp_img *im, mc_image *fig[NIMG][3]) {
    /* histograms and scatter plots of BrainT1Slice (8-bit, as the paper's images), else the phantom */
    int hi = im[2].img && fig[2][0] ? 2 : 0;
    for (int i = 0; i < NIMG; i++) {
        if (!im[i].img || !fig[i][0]) continue;
        char prefix[32], ttl[160], cap[400], hcap[200], scap[400];
        rp_fmt(prefix, sizeof prefix, "atres-%d", i);
        rp_fmt(ttl, sizeof ttl, "at-resnet-cm on %s (demo key)", im[i].name);
        rp_fmt(cap, sizeof cap,
               "As the paper's Fig. 11: %s, its at-resnet-cm cipher and the paper profile's decryption (the "
               "network's reconstruction, lossy as published), and the hardened cipher (its decryption is "
               "bit-exact).",
               im[i].name);
        rp_fmt(hcap, sizeof hcap, "As Fig. 12: grey-level histograms of %s and of its at-resnet-cm cipher.",
               im[i].name);
        rp_fmt(scap, sizeof scap,
               "As Fig. 13 (which shows the horizontal pairs only): a pixel against its neighbour, sampled pairs, in "
               "four directions, for %s (top) and its cipher (bottom); r is the Pearson correlation of the pairs "
               "drawn.",
               im[i].name);
        rp_figs_scheme(c, prefix, im[i].name, im[i].img, fig[i], ttl, "decrypted (paper, lossy)", cap,
                       i == hi ? hcap : NULL, i == hi ? scap : NULL);
    }
}

static void claims(rp_ctx *c, const rp_img *im, arow r[NIMG][2], const double pc[NIMG], const double ph[NIMG]) {
    /* the paper's Chest, Brain, Lung -> phantom (8-bit), BrainT1Slice, CT_small */
    static const int map[3] = {0, 2, 3};
    static const char *const ids_pc[3] = {"A01", "A02", "A03"}, *const ids_ph[3] = {"A07", "A08", "A09"},
                             *const ids_cc[3] = {"A04", "A05", "A06"}, *const ids_ch[3] = {"A10", "A11", "A12"};
    char cmd[1024], v[400];
    static const char *const need[3] = {"", "itk/BrainT1Slice.png", "dicom/CT_small.dcm"};
    for (int k = 0; k < 3; k++) {
        const rp_img *m = &im[map[k]];
        if (!m->img) {
            char why[160];
            rp_fmt(why, sizeof why, "needs the sample %s (--samples, not with --quick)", need[k]);
            rp_skip(c, ids_pc[k], why), rp_skip(c, ids_ph[k], why), rp_skip(c, ids_cc[k], why),
                rp_skip(c, ids_ch[k], why);
            continue;
        }
        rp_cmd_plain(cmd, sizeof cmd, m);
        rp_set(c, ids_pc[k], RP_STANDIN, m->name, cmd, "a property of the image, not of the cipher", "%.4f",
               pc[map[k]]);
        rp_set(c, ids_ph[k], RP_STANDIN, m->name, cmd, "a property of the image, not of the cipher", "%.4f%s",
               ph[map[k]], m->img->bits == 16 ? " (high byte)" : "");
        const arow *a = &r[map[k]][1];
        if (!a->ok) continue;
        rp_cmd_cipher(cmd, sizeof cmd, m, "resnet-cm", "paper", NULL, 0);
        verdict_corr(v, sizeof v, a->cc, rp_paper_value(ids_cc[k]), m->img);
        rp_set(c, ids_cc[k], RP_MEASURED, m->name, cmd, v, "%.4f", a->cc);
        verdict_entropy(v, sizeof v, a->ch8, rp_paper_value(ids_ch[k]), m->img);
        rp_set(c, ids_ch[k], RP_MEASURED, m->name, cmd, v, "%.4f%s", a->ch8, m->img->bits == 16 ? " (high byte)" : "");
    }
    const rp_img *p = &im[0];
    const arow *at = &r[0][0], *rs = &r[0][1];
    if (!p->img) return;
    char cat[1024];
    rp_cmd_cipher(cmd, sizeof cmd, p, "resnet-cm", "paper", NULL, 0);
    rp_cmd_cipher(cat, sizeof cat, p, "at-resnet-cm", "paper", NULL, 0);
    if (rs->ok) {
        verdict_corr(v, sizeof v, rs->cc, "0.0021", p->img);
        rp_set(c, "A13", RP_MEASURED, p->name, cmd, v, "%.4f", rs->cc);
        rp_set(c, "A30", RP_MEASURED, p->name, cmd, v, "%.4f", rs->cc);
        verdict_entropy(v, sizeof v, rs->ch8, "7.9887", p->img);
        rp_set(c, "A21", RP_MEASURED, p->name, cmd, v, "%.4f", rs->ch8);
        rp_set(c, "A32", RP_MEASURED, p->name, cmd, v, "%.4f", rs->ch8);
    }
    if (at->ok) {
        verdict_corr(v, sizeof v, at->cc, "0.0010", p->img);
        rp_set(c, "A29", RP_MEASURED, p->name, cat, v, "%.4f", at->cc);
        verdict_entropy(v, sizeof v, at->ch8, "7.9965", p->img);
        rp_set(c, "A31", RP_MEASURED, p->name, cat, v, "%.4f", at->ch8);
    }
    if (at->ok && rs->ok) {
        double red = 100.0 * (fabs(rs->cc) - fabs(at->cc)) / fabs(rs->cc);
        rp_fmt(v, sizeof v,
               "both |r| are sampling noise (sigma = %.4f), so their ratio is noise too: the sign and size of "
               "this percentage change with the image and, in hardened, with every nonce (see the table)",
               rp_corr_sigma(p->img));
        rp_set(c, "A33", RP_MEASURED, p->name, "the commands of A29 and A30", v, "%.2f%%", red);
        double inc = 100.0 * (at->ch8 - rs->ch8) / rs->ch8;
        rp_fmt(v, sizeof v,
               "both entropies are at the uniform expectation; the paper's +0.10%% (7.9887 to 7.9965) is the "
               "distance of its ResNet-CM cipher from uniform, which ours does not have");
        rp_set(c, "A34", RP_MEASURED, p->name, "the commands of A31 and A32", v, "%+.3f%%", inc);
    }
}

static void extras(rp_ctx *c, const rp_img *p) {
    char v[400], cmd[600];
    rp_set(c, "SA2", RP_MEASURED, "-", "medcrypt keygen -o my.key",
           "the paper counts the bits of its target image; ours derives the target image and the logistic "
           "parameters from the 256-bit key (BLAKE2b sub-keys), so 2^256 is the whole key space",
           "2^256 (256-bit key)");
    if (!p->img) return;
    mc_err err = {0};
    mc_sensitivity sp, sh;
    if (c->quick)
        rp_skip(c, "SA3", "not with --quick");
    else if (mc_sensitivity_compute(p->img, "at-resnet-cm", MC_PROFILE_PAPER, NULL, 0, c->keyb, 1, &sp, &err) ||
             mc_sensitivity_compute(p->img, "at-resnet-cm", MC_PROFILE_HARDENED, NULL, 0, c->keyb, 1, &sh, &err))
        rp_problem(c, "at-resnet-cm sensitivity", &err);
    else {
        rp_fmt(cmd, sizeof cmd, "%s && medcrypt analyze --sensitivity -s at-resnet-cm -k demo.key %s --json", p->make,
               p->path);
        rp_fmt(v, sizeof v,
               "one key bit flipped; the Wu-Noonan-Agaian critical NPCR for this size is %.4f%%, the UACI "
               "interval [%.4f, %.4f]",
               sp.key.npcr_crit[0], sp.key.uaci_lo[0], sp.key.uaci_hi[0]);
        rp_set(c, "SA3", RP_MEASURED, p->name, cmd, v, "paper %.2f%% / %.2f%%, hardened %.2f%% / %.2f%%", sp.key.npcr,
               sp.key.uaci, sh.key.npcr, sh.key.uaci);
    }
    int reps = c->quick ? 1 : 5;
    double t[2][5];
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < reps; k++) {
            mc_image *x = NULL;
            double t0 = rp_now();
            if (rp_encrypt(c, p->img, k_schemes[s], MC_PROFILE_HARDENED, NULL, 0, NULL, &x, &err)) {
                rp_problem(c, "at-resnet-cm timing", &err);
                return;
            }
            t[s][k] = rp_now() - t0;
            mc_image_free(x);
        }
    double ta = rp_median(t[0], reps), tr = rp_median(t[1], reps);
    rp_fmt(v, sizeof v,
           "median of %d encryptions each (%.1f ms and %.1f ms), this machine: attention adds layers, so it is "
           "not faster here",
           reps, 1e3 * ta, 1e3 * tr);
    rp_set(c, "SA4", RP_MEASURED, p->name, "medcrypt encrypt -s at-resnet-cm / -s resnet-cm (timed)", v,
           "at-resnet-cm / resnet-cm time = %.2f", ta / tr);
}

int rp_section_atres(rp_ctx *c, mc_err *err) {
    rp_h(c, "<section id=\"at-resnet-cm\"><h2>AT-ResNet-CM (Li and Peng 2023)</h2>\n<p>An encryption network "
            "(residual blocks with channel and spatial attention) whose quantised output is XORed with a logistic-map "
            "keystream; ResNet-CM is the same without attention. medcrypt's schemes <code>at-resnet-cm</code> and "
            "<code>resnet-cm</code> run the built-in models (trained by <code>make train-models</code>; "
            "docs/schemes/at-resnet-cm.md). The paper's images (cardiac MRI, chest X-ray, 512x512 8-bit) are not "
            "available: ours are held-out images the models never saw.</p>\n");
    char why[400];
    if (!rp_scheme_ready(c, "at-resnet-cm", why, sizeof why) || !rp_scheme_ready(c, "resnet-cm", why, sizeof why)) {
        rp_section_unready(c, "at-resnet-cm", why);
        return MC_OK;
    }
    rp_img im[NIMG];
    memset(im, 0, sizeof im);
    int rc = rp_img_phantom(c, c->psize, 8, &im[0], err);
    if (rc) return rc;
    if (!c->quick) { /* --quick: the 8-bit phantom only (the networks are the slow part) */
        if ((rc = rp_img_phantom(c, c->psize, 16, &im[1], err))) {
            rp_img_free(&im[0]);
            return rc;
        }
        rp_img_sample(c, "itk/BrainT1Slice.png", &im[2]);
        rp_img_sample(c, "dicom/CT_small.dcm", &im[3]);
    }
    arow r[NIMG][2];
    memset(r, 0, sizeof r);
    double pc[NIMG] = {0}, ph[NIMG] = {0}, ph8[NIMG] = {0};
    mc_image *fig[NIMG][3];
    memset(fig, 0, sizeof fig);
    for (int i = 0; i < NIMG; i++) {
        if (!im[i].img) continue;
        rp_log(c, "at-resnet-cm: %s", im[i].name);
        pc[i] = corr_h(im[i].img), ph[i] = entropy(im[i].img), ph8[i] = rp_entropy8(im[i].img);
        for (int s = 0; s < 2; s++) {
            mc_err e = {0};
            if (measure(c, im[i].img, k_schemes[s], &r[i][s], s ? NULL : fig[i], &e)) rp_problem(c, k_schemes[s], &e);
        }
    }
    claims(c, im, r, pc, ph8);
    extras(c, &im[0]);
    rp_h(c, "<h3>The paper's numbers beside ours</h3>\n");
    rp_claims_table(c, "at-resnet-cm");
    rp_h(c, "<h3>Reproduction table</h3>\n<p class=\"note\">Entropy H over 2^bits bins (16-bit images: ideal 16); "
            "correlation over all horizontal pairs; the time is mc_encrypt + mc_decrypt in this process (model "
            "loading included). Paper rows use the demo key: the same digits on every machine (bit-exact "
            "networks); hardened rows change with the nonce. <code>tables/at-resnet-cm.md</code>.</p>\n");
    table(c, im, r, pc, ph);
    figures(c, im, fig);
    for (int i = 0; i < NIMG; i++) {
        for (int k = 0; k < 3; k++) mc_image_free(fig[i][k]);
        rp_img_free(&im[i]);
    }
    rp_h(c, "</section>\n");
    return MC_OK;
}
