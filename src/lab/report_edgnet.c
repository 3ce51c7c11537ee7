/* report_edgnet.c - the EDG-Net section of `medcrypt report`: Inception
 * Scores (not reproducible), the parameter ratios of Table 4 from the
 * built-in edg-net model and CycleGAN's published architecture, and the
 * paper profile's (lossy) decryption on held-out CT, with the scheme
 * `edg-net` when this medcrypt has it; pending otherwise. */
#define _POSIX_C_SOURCE 200809L
#include "lab/report.h"
#include "nn/builtin_models.h"
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SCHEME "edg-net"
#define NIMG 3

/* CycleGAN (Zhu et al. 2017, the authors' published code): two ResNet
 * generators (7x7 conv, two stride-2 3x3 convs, `blocks` residual blocks of
 * two 3x3 convs, two 3x3 transposed convs, 7x7 conv; biases, instance norm
 * without affine parameters) and two 70x70 PatchGAN discriminators (4x4
 * convs ndf, 2, 4, 8 ndf and a 1-channel output).  At ngf = ndf = 64, c = 3,
 * 9 blocks: 11,378,179 per generator, 2,764,737 per discriminator. */
void rp_cyclegan_params(double ngf, double ndf, double c, double blocks, double *gen, double *disc) {
    double g = 49 * c * ngf + ngf                                              /* c7s1-ngf */
               + 9 * ngf * 2 * ngf + 2 * ngf + 9 * 2 * ngf * 4 * ngf + 4 * ngf /* d128, d256 */
               + blocks * 2 * (9 * 16 * ngf * ngf + 4 * ngf)                   /* residual blocks */
               + 9 * 4 * ngf * 2 * ngf + 2 * ngf + 9 * 2 * ngf * ngf + ngf     /* u128, u64 */
               + 49 * ngf * c + c;                                             /* c7s1-c */
    double d = 16 * c * ndf + ndf + 16 * ndf * 2 * ndf + 2 * ndf + 16 * 2 * ndf * 4 * ndf + 4 * ndf +
               16 * 4 * ndf * 8 * ndf + 8 * ndf + 16 * 8 * ndf + 1;
    *gen = g, *disc = d;
}

static void params_part(rp_ctx *c) {
    const mc_builtin_model *bm = mc_builtin_model_find(SCHEME);
    if (!bm) {
        rp_h(c, "<p class=\"note\">No built-in edg-net model in this build: E03 and E04 are pending.</p>\n");
        return;
    }
    mc_nn_model m;
    mc_err err = {0};
    if (mc_nn_model_load_mem(&m, bm->data, bm->len, NULL, &err)) {
        rp_problem(c, "the built-in edg-net model", &err);
        return;
    }
    /* generators are named g_*, discriminators d_* (a finished model keeps only its generators) */
    double total = 0, ngen = 0, ndis = 0, ngf = atof(mc_nn_hp(&m, "ngf", "0")), ndf = atof(mc_nn_hp(&m, "ndf", "0")),
           ch = atof(mc_nn_hp(&m, "in_c", "1"));
    rp_table t;
    rp_table_open(c, &t, NULL, "edgnet-params", "network of the built-in edg-net model|parameters");
    for (size_t k = 0; k < m.nnets; k++) {
        size_t n = mc_nn_param_count(m.net[k]);
        total += (double)n;
        ngen += m.net[k]->name[0] == 'g' ? 1 : 0, ndis += m.net[k]->name[0] == 'd' ? 1 : 0;
        rp_table_row(&t, "%s|%zu", m.net[k]->name, n);
    }
    rp_table_row(&t, "all|%.0f", total);
    rp_table_close(&t);
    mc_nn_model_free(&m);
    if (!(ngf > 0) || !(ndf > 0)) {
        rp_h(c, "<p class=\"problem\">The built-in edg-net model does not record ngf / ndf.</p>\n");
        return;
    }
    double g1, d1;
    rp_cyclegan_params(ngf, ndf, ch, 9, &g1, &d1);
    double cg = ngen * g1 + ndis * d1; /* the same networks of CycleGAN */
    char v[400];
    rp_fmt(v, sizeof v,
           "our edg-net is U-GAT-IT light: %.0f parameters in the model's %.0f generator(s) and %.0f "
           "discriminator(s) (ngf %.0f, ndf %.0f), 1 by construction; the paper's 2x comes from its additions "
           "(DEDS, DTA, AN), which the text does not size",
           total, ngen, ndis, ngf, ndf);
    rp_set(c, "E03", RP_MEASURED, "the built-in model", "medcrypt model info MODEL (every network's parameters)", v,
           "1.00 (%.0f parameters)", total);
    rp_fmt(v, sizeof v,
           "against as many CycleGAN networks (%.0f ResNet-9 generator(s) of %.0f parameters, %.0f PatchGAN(s) of "
           "%.0f) at ngf %.0f, ndf %.0f, %.0f channel(s), counted from its published layers: %.0f parameters",
           ngen, g1, ndis, d1, ngf, ndf, ch, cg);
    rp_set(c, "E04", RP_MEASURED, "the built-in model", "medcrypt model info MODEL", v, "%.2fx", total / cg);
}

typedef struct erow {
    int ok, exact;
    double psnr, ssim, hp, cp, hh, ch, secs;
} erow;

static double corr_h(const mc_image *img) {
    double rr[MC_NDIRS];
    return mc_corr(img, MC_ALL, MC_ALL, rr) ? NAN : rr[MC_DIR_H];
}

static int measure(rp_ctx *c, const mc_image *p, erow *r, mc_image **fig, mc_err *err) {
    rp_trip t;
    int rc = rp_trip_run(c, p, SCHEME, &t, err);
    if (rc) return rc;
    r->psnr = t.psnr, r->ssim = t.ssim, r->secs = t.secs, r->exact = t.exact;
    r->hp = rp_entropy8(t.cp), r->cp = corr_h(t.cp), r->hh = rp_entropy8(t.ch), r->ch = corr_h(t.ch), r->ok = 1;
    if (fig) fig[0] = t.cp, fig[1] = t.dp, fig[2] = t.ch, t.cp = t.dp = t.ch = NULL;
    rp_trip_free(&t);
    return MC_OK;
}

int rp_section_edgnet(rp_ctx *c, mc_err *err) {
    rp_h(c, "<section id=\"edg-net\"><h2>EDG-Net (Chen et al. 2025)</h2>\n<p>A U-GAT-IT-style generator pair and "
            "global and local discriminators translate plain CT images into a cipher domain made by classical "
            "ciphers; the trained weights are the key, and decryption is lossy. medcrypt's scheme "
            "<code>edg-net</code>; docs/schemes/edg-net.md. The paper's data (NIH chest X-rays, a private Nanjing "
            "CT set) are not available.</p>\n");
    char why[400];
    if (!rp_scheme_ready(c, SCHEME, why, sizeof why)) {
        rp_section_unready(c, "edg-net", why);
        return MC_OK;
    }
    char *figs = NULL;
    size_t flen = 0;
    FILE *save = c->html, *fb = open_memstream(&figs, &flen);
    if (!fb) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    c->html = fb;
    rp_h(c, "<h3>Parameters (Table 4)</h3>\n");
    params_part(c);
    rp_img im[NIMG];
    memset(im, 0, sizeof im);
    int rc = rp_img_phantom(c, c->quick ? 128 : 256, 16, &im[0], err);
    if (!rc) rc = rp_img_phantom(c, c->quick ? 128 : 256, 8, &im[1], err);
    if (rc) {
        c->html = save;
        fclose(fb);
        free(figs);
        return rc;
    }
    if (!c->quick) rp_img_sample(c, "dicom/CT_small.dcm", &im[2]);
    erow r[NIMG];
    memset(r, 0, sizeof r);
    mc_image *fig[3] = {0};
    int fi = im[2].img ? 2 : 0;
    for (int i = 0; i < NIMG; i++) {
        if (!im[i].img) continue;
        rp_log(c, "edg-net: %s", im[i].name);
        mc_err e = {0};
        if (measure(c, im[i].img, &r[i], i == fi ? fig : NULL, &e)) rp_problem(c, im[i].name, &e);
    }
    if (r[fi].ok) {
        char cmd[600], v[300], ps[32];
        rp_cmd_cipher(cmd, sizeof cmd, &im[fi], SCHEME, "paper", NULL, 1);
        rp_fmt(v, sizeof v,
               "no other GAN is trained here to rank against; the paper's Tab. 2 values are not in "
               "the text");
        rp_set(c, "SE2", RP_MEASURED, im[fi].name, cmd, v, "PSNR %s dB, SSIM %.4f",
               rp_num(r[fi].psnr, 2, ps, sizeof ps), r[fi].ssim);
    }
    c->html = save;
    fclose(fb);
    rp_h(c, "<h3>The paper's numbers beside ours</h3>\n");
    rp_claims_table(c, "edg-net");
    rp_h(c, "<h3>Reproduction</h3>\n<p class=\"note\">Built-in (public) model, demo key; entropy of 8-bit bins "
            "(16-bit: the high byte). <code>tables/edg-net.md</code>.</p>\n");
    rp_table t;
    rp_table_open(c, &t, "edg-net.md", "edgnet-table",
                  "image|decrypted PSNR dB / SSIM (paper)|cipher H / corr h (paper)|cipher H / corr h "
                  "(hardened)|hardened exact|hardened enc + dec s");
    for (int i = 0; i < NIMG; i++) {
        char ps[32];
        if (r[i].ok)
            rp_table_row(&t, "%s|%s / %.4f|%.4f / %.4f|%.4f / %.4f|%s|%.2f", im[i].name,
                         rp_num(r[i].psnr, 2, ps, sizeof ps), r[i].ssim, r[i].hp, r[i].cp, r[i].hh, r[i].ch,
                         r[i].exact ? "yes" : "NO", r[i].secs);
    }
    rp_table_close(&t);
    fwrite(figs, 1, flen, c->html);
    free(figs);
    if (fig[0]) {
        char ttl[160];
        rp_fmt(ttl, sizeof ttl, "edg-net on %s (built-in public model)", im[fi].name);
        rp_figs_scheme(c, "edgnet", im[fi].name, im[fi].img, fig, ttl, "decrypted (paper, lossy)",
                       "As Figs. 6-7: the plain CT image, the generator's cipher, the reverse generator's (lossy) "
                       "decryption, shown in the plain image's window (where the built-in public model's "
                       "reconstruction of a 16-bit image falls outside that window the panel is dark: its PSNR "
                       "is in the table above), and the hardened cipher (keyed stream on top; exact).",
                       "As Fig. 10: histograms of the plain image and its cipher.",
                       "As Fig. 11: adjacent-pixel correlation of the plain image (top) and its cipher (bottom).");
    }
    for (int k = 0; k < 3; k++) mc_image_free(fig[k]);
    for (int i = 0; i < NIMG; i++) rp_img_free(&im[i]);
    rp_h(c, "</section>\n");
    return MC_OK;
}
