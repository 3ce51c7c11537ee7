/* report_kedi.c - the Deep-KEDI section of `medcrypt report`: the key
 * images' entropy and NPCR (abstract, Table 2, Table 3), the paper
 * profile's decryption quality (Table 1), times, wrong keys (Fig. 10), with
 * the scheme `deep-kedi` when this medcrypt has it; pending otherwise. */
#define _POSIX_C_SOURCE 200809L
#include "lab/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SCHEME "deep-kedi"
#define MAXKEYS 20
/* the paper's key size, 256x256 (128 with --quick) */
#define KSIZE(c) ((c)->quick ? 128u : 256u)
#define NIMG 3

/* Key i: the demo key with its last byte XORed with i (key 0 = the demo key). */
static int key_i(rp_ctx *c, unsigned i, mc_key **out, mc_err *err) {
    uint8_t k[MC_KEY_BYTES];
    memcpy(k, c->keyb, sizeof k);
    k[MC_KEY_BYTES - 1] ^= (uint8_t)i;
    return mc_key_from_bytes(out, k, err);
}

/* The paper-profile key image of key k at KSIZE x KSIZE, 8-bit: with
 * mc_key_image where this medcrypt has it, else as the paper-profile cipher
 * of an all-zero image (the speckle of zero is zero and C = zigzag(J) XOR K:
 * the cipher is the key image itself). */
static int key_image(rp_ctx *c, const mc_key *k, mc_image **out, mc_err *err) {
    uint32_t ks = KSIZE(c);
#ifdef MC_KEY_IMAGE_RAW
    return mc_key_image(SCHEME, MC_PROFILE_PAPER, ks, ks, 8, NULL, NULL, k, 0, NULL, out, err);
#else
    mc_image *z = NULL;
    int rc = mc_image_new(&z, ks, ks, 1, 1, 8, 0, NULL, err);
    if (!rc) rc = rp_encrypt(c, z, SCHEME, MC_PROFILE_PAPER, NULL, 0, k, out, err);
    mc_image_free(z);
    return rc;
#endif
}

typedef struct krow {
    int ok, exact;
    double psnr, ssim, mse, hp, hh, npcr, uaci, secs;
    size_t aux, px;
} krow;

static int measure(rp_ctx *c, const mc_image *p, krow *r, mc_image **fig, mc_err *err) {
    rp_trip t;
    mc_npcr d;
    int rc = rp_trip_run(c, p, SCHEME, &t, err);
    if (!rc && (rc = mc_npcr_uaci(p, t.cp, MC_ALL, MC_ALL, &d, err))) rp_trip_free(&t);
    if (rc) return rc;
    r->psnr = t.psnr, r->ssim = t.ssim, r->mse = t.mse, r->npcr = d.npcr, r->uaci = d.uaci;
    r->hp = rp_entropy8(t.cp), r->hh = rp_entropy8(t.ch), r->secs = t.secs;
    r->exact = t.exact, r->aux = t.aux, r->px = p->nbytes, r->ok = 1;
    if (fig) fig[0] = t.cp, fig[1] = t.dp, fig[2] = t.ch, t.cp = t.dp = t.ch = NULL;
    rp_trip_free(&t);
    return MC_OK;
}

static void keys_part(rp_ctx *c) {
    unsigned n = c->quick ? 3 : MAXKEYS;
    mc_image *ki[MAXKEYS] = {0};
    double hs = 0, hmin = 9, hmax = 0, np = 0, ua = 0, crit = 0;
    unsigned got = 0, pairs = 0, pass = 0;
    mc_err err = {0};
    for (unsigned i = 0; i < n; i++) {
        mc_key *k = NULL;
        if (key_i(c, i, &k, &err) || key_image(c, k, &ki[i], &err)) {
            mc_key_free(k);
            rp_problem(c, "deep-kedi key image", &err);
            break;
        }
        mc_key_free(k);
        double h = rp_entropy8(ki[i]);
        hs += h, hmin = fmin(hmin, h), hmax = fmax(hmax, h), got++;
        if (i > 0) {
            mc_npcr d;
            if (mc_npcr_uaci(ki[i - 1], ki[i], MC_ALL, MC_ALL, &d, &err)) continue;
            np += d.npcr, ua += d.uaci, crit = d.npcr_crit[0], pairs++;
            pass += d.npcr_pass[0] && d.uaci_pass[0];
        }
    }
    char cmd[400], v[300], where[64];
    unsigned ks = KSIZE(c);
    rp_fmt(where, sizeof where, "key images, %ux%u 8-bit", ks, ks);
#ifdef MC_KEY_IMAGE_RAW
    rp_fmt(cmd, sizeof cmd,
           "medcrypt keyimage -s deep-kedi --profile paper --size %ux%u -k demo.key -o key.png && "
           "medcrypt analyze key.png --json",
           ks, ks);
#else
    rp_fmt(cmd, sizeof cmd,
           "medcrypt encrypt -s deep-kedi --profile paper -k demo.key zero.png -o key.png && "
           "medcrypt analyze key.png --json   (zero.png: a black %ux%u 8-bit image)",
           ks, ks);
#endif
    if (got) {
        rp_fmt(v, sizeof v,
               "%u key images (the demo key with its last byte XOR 0..%u): min %.4f, max %.4f; a uniform "
               "random %ux%u image gives %.4f; the paper's 7.45 is a clearly biased key image",
               got, got - 1, hmin, hmax, ks, ks, rp_uniform_entropy((double)ks * ks));
        rp_set(c, "K01", RP_MEASURED, where, cmd, v, "%.4f (mean of %u)", hs / got, got);
    }
    if (pairs) {
        rp_fmt(v, sizeof v,
               "mean over %u pairs of consecutive keys; critical NPCR (alpha 0.05) %.4f%%; %u of %u pairs "
               "pass NPCR and UACI; mean UACI %.2f%%",
               pairs, crit, pass, pairs, ua / pairs);
        rp_set(c, "K06", RP_MEASURED, where,
               "the key images of K01, then medcrypt analyze "
               "key1.png key0.png --json",
               v, "%.2f%%", np / pairs);
    }
    if (got >= 2) {
        const mc_image *row[4] = {ki[0], ki[1], got > 2 ? ki[2] : NULL, got > 3 ? ki[3] : NULL};
        const char *lab[4] = {"key A (demo key)", "key B", "key C", "key D"};
        size_t m = got < 4 ? got : 4;
        if (rp_fig_strip(c, "kedi-keys.png", row, lab, m, 220, 0, 0, "deep-kedi key images (paper profile)", &err))
            rp_problem(c, "kedi-keys", &err);
        else
            rp_figure(c, "kedi-keys.png", "key images",
                      "As the paper's Fig. 7: the ZZ-GAN key images of keys that differ in one byte (built-in "
                      "generator).");
        const mc_image *h2[2] = {ki[0], ki[1]};
        const char *hl[2] = {"key A", "key B"};
        if (rp_fig_hist(c, "kedi-keys-hist.png", h2, hl, 2, &err))
            rp_problem(c, "kedi-keys-hist", &err);
        else
            rp_figure(c, "kedi-keys-hist.png", "key image histograms",
                      "As Fig. 8: the histograms of two key images (the paper: 'fairly consistent').");
    }
    for (unsigned i = 0; i < n; i++) mc_image_free(ki[i]);
}

static void table(rp_ctx *c, const rp_img *im, const krow *r) {
    rp_table t;
    rp_table_open(c, &t, "deep-kedi.md", "kedi-table",
                  "image|decrypted PSNR dB / SSIM / MSE (paper)|cipher H (paper)|NPCR / UACI % vs plain "
                  "(paper)|cipher H (hardened)|hardened exact|residual bytes (% of pixels)|hardened enc + dec s");
    for (int i = 0; i < NIMG; i++) {
        char ps[32];
        if (im[i].img && r[i].ok)
            rp_table_row(&t, "%s|%s / %.4f / %.2f|%.4f|%.2f / %.2f|%.4f|%s|%zu (%.1f%%)|%.2f", im[i].name,
                         rp_num(r[i].psnr, 2, ps, sizeof ps), r[i].ssim, r[i].mse, r[i].hp, r[i].npcr, r[i].uaci,
                         r[i].hh, r[i].exact ? "yes" : "NO", r[i].aux, 100.0 * (double)r[i].aux / (double)r[i].px,
                         r[i].secs);
    }
    rp_table_close(&t);
}

static void wrong_keys(rp_ctx *c, const rp_img *m, mc_image *cipher) {
    mc_err err = {0};
    mc_image *dec[4] = {0};
    double ps[4] = {0};
    char lab[4][64];
    const char *lp[4];
    int ok = 1;
    for (unsigned i = 0; i < 4 && ok; i++) {
        mc_key *k = NULL;
        ok = !key_i(c, i, &k, &err) && !rp_decrypt(cipher, k, &dec[i], &err) &&
             !mc_mse_psnr(m->img, dec[i], MC_ALL, MC_ALL, NULL, &ps[i], &err);
        mc_key_free(k);
        rp_fmt(lab[i], sizeof lab[i], "key %c: PSNR %.1f dB", 'A' + i, ps[i]);
        lp[i] = lab[i];
    }
    /* hardened: a wrong key is refused before any pixel is touched */
    mc_image *hc = NULL, *hd = NULL;
    mc_err e2 = {0};
    int hst = rp_encrypt(c, m->img, SCHEME, MC_PROFILE_HARDENED, NULL, 0, NULL, &hc, &e2);
    if (!hst) {
        hst = rp_decrypt(hc, c->key2, &hd, &e2);
        mc_image_free(hd);
    }
    mc_image_free(hc);
    if (ok) {
        char v[300];
        rp_fmt(v, sizeof v,
               "paper profile: keys B, C, D decrypt to %.1f, %.1f, %.1f dB (noise) against %.1f dB for "
               "key A; hardened: a wrong key is %s",
               ps[1], ps[2], ps[3], ps[0],
               hst == MC_ERR_AUTH ? "refused by the MAC (exit 3), nothing decrypted" : "NOT refused: a bug");
        rp_set(c, "SK1", RP_MEASURED, m->name, "medcrypt decrypt --profile paper -k other.key c.png -o d.png", v,
               "B/C/D: %.1f / %.1f / %.1f dB", ps[1], ps[2], ps[3]);
        if (rp_fig_strip(c, "kedi-wrongkeys.png", (const mc_image *const *)dec, lp, 4, 200, 0, 0xE,
                         "paper-profile cipher of the demo key (key A) decrypted with keys A, B, C, D", &err))
            rp_problem(c, "kedi-wrongkeys", &err);
        else
            rp_figure(c, "kedi-wrongkeys.png", "wrong keys",
                      "As Fig. 10: only the right key decrypts; the hardened profile refuses a wrong key instead of "
                      "returning noise.");
    } else
        rp_problem(c, "deep-kedi wrong keys", &err);
    for (int i = 0; i < 4; i++) mc_image_free(dec[i]);
}

int rp_section_kedi(rp_ctx *c, mc_err *err) {
    rp_h(c, "<section id=\"deep-kedi\"><h2>Deep-KEDI (ZZ-GAN, 2024)</h2>\n<p>Speckle noise added before encryption "
            "and removed after decryption, a zigzag GAN (ZZ-GAN) that generates a key image, and three zigzag "
            "scans XORed with it. medcrypt's scheme <code>deep-kedi</code>; docs/schemes/deep-kedi.md. The paper's "
            "data sets (ADNI brain MRI, lung and liver CT/MRI/CXR) are not available.</p>\n");
    char why[400];
    if (!rp_scheme_ready(c, SCHEME, why, sizeof why)) {
        rp_section_unready(c, "deep-kedi", why);
        return MC_OK;
    }
    rp_img im[NIMG];
    memset(im, 0, sizeof im);
    int rc = rp_img_phantom(c, KSIZE(c), 8, &im[0], err);
    if (rc) return rc;
    /* the figures go after the tables: into figs first */
    char *figs = NULL;
    size_t flen = 0;
    FILE *save = c->html, *fb = open_memstream(&figs, &flen);
    if (!fb) {
        rp_img_free(&im[0]);
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    }
    c->html = fb;
    keys_part(c);
    if (!c->quick) {
        rp_img_sample(c, "itk/BrainT1Slice.png", &im[1]);
        rp_img_sample(c, "dicom/CT_small.dcm", &im[2]);
    }
    krow r[NIMG];
    memset(r, 0, sizeof r);
    mc_image *fig[3] = {0};
    int fi = im[1].img ? 1 : 0;
    for (int i = 0; i < NIMG; i++) {
        if (!im[i].img) continue;
        rp_log(c, "deep-kedi: %s", im[i].name);
        mc_err e = {0};
        if (measure(c, im[i].img, &r[i], i == fi ? fig : NULL, &e)) rp_problem(c, im[i].name, &e);
    }
    /* K02-K04: the mean over the 8-bit images (the paper's are 8-bit) */
    double s = 0, m = 0, p = 0;
    int n = 0;
    char names[160] = "", cmd[600], v[300];
    for (int i = 0; i < NIMG; i++)
        if (im[i].img && r[i].ok && im[i].img->bits == 8) {
            s += r[i].ssim, m += r[i].mse, p += r[i].psnr, n++;
            size_t l = strlen(names);
            rp_fmt(names + l, sizeof names - l, "%s%s", l ? ", " : "", im[i].name);
        }
    if (n) {
        rp_cmd_cipher(cmd, sizeof cmd, &im[fi], SCHEME, "paper", NULL, 1);
        rp_fmt(v, sizeof v,
               "mean over %d held-out 8-bit images; speckle variance 0.04 in the pixel domain, removed by "
               "our log-domain ripplet despeckling (the paper's filter is not given)",
               n);
        rp_set(c, "K02", RP_MEASURED, names, cmd, v, "%.4f", s / n);
        rp_set(c, "K03", RP_MEASURED, names, cmd, "as K02; MSE in 8-bit levels", "%.2f", m / n);
        rp_set(c, "K04", RP_MEASURED, names, cmd, v, "%.2f dB", p / n);
    }
    /* K11: decryption time, 256x256 8-bit */
    int reps = c->quick ? 1 : 7;
    double t[2][7];
    int ok = 1;
    for (int prof = 0; prof < 2 && ok; prof++) {
        mc_image *ci = NULL;
        mc_err e = {0};
        if (rp_encrypt(c, im[0].img, SCHEME, prof ? MC_PROFILE_HARDENED : MC_PROFILE_PAPER, NULL, 0, NULL, &ci, &e)) {
            rp_problem(c, "deep-kedi timing", &e);
            ok = 0;
            break;
        }
        for (int k = 0; k < reps; k++) {
            mc_image *d = NULL;
            double t0 = rp_now();
            ok &= !rp_decrypt(ci, c->key, &d, &e);
            t[prof][k] = rp_now() - t0;
            mc_image_free(d);
        }
        mc_image_free(ci);
    }
    if (ok) {
        double tp = rp_median(t[0], reps), th = rp_median(t[1], reps);
        rp_fmt(v, sizeof v,
               "median of %d mc_decrypt calls in this process (built-in model loaded per call), "
               "hardened %.1f ms; the paper's laptop: Intel Core i7 2.10 GHz",
               reps, 1e3 * th);
        rp_set(c, "K11", RP_MEASURED, im[0].name, "medcrypt decrypt --profile paper -k demo.key c.png -o d.png (timed)",
               v, "%.1f ms (paper profile)", 1e3 * tp);
    }
    if (fig[0]) wrong_keys(c, &im[fi], fig[0]);
    c->html = save;
    fclose(fb);
    rp_h(c, "<h3>The paper's numbers beside ours</h3>\n");
    rp_claims_table(c, "deep-kedi");
    rp_h(c, "<h3>Reproduction table (paper Table 1)</h3>\n<p class=\"note\">Paper profile with the demo key: the "
            "decrypted image is the despeckled one (lossy, as published); hardened carries the residual and is "
            "exact. Entropy of 8-bit bins (16-bit: the high byte). <code>tables/deep-kedi.md</code>.</p>\n");
    table(c, im, r);
    fwrite(figs, 1, flen, c->html);
    free(figs);
    if (fig[0]) {
        char ttl[160];
        rp_fmt(ttl, sizeof ttl, "deep-kedi on %s (demo key)", im[fi].name);
        rp_figs_scheme(c, "kedi", im[fi].name, im[fi].img, fig, ttl, "decrypted (paper, despeckled)",
                       "As Fig. 6 and Fig. 9: plain, cipher, the paper profile's decryption (speckle removed, lossy) "
                       "and the hardened cipher.",
                       "As Fig. 9: histograms of the plain image and its cipher.", NULL);
    }
    for (int k = 0; k < 3; k++) mc_image_free(fig[k]);
    for (int i = 0; i < NIMG; i++) rp_img_free(&im[i]);
    rp_h(c, "</section>\n");
    return MC_OK;
}
