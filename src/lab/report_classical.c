/* report_classical.c - the classical ciphers and the attacks (what
 * scripts/classical_table.sh did, and docs/attacks.md's figures): entropy,
 * correlation and key sensitivity of logistic, zigzag and latin per profile,
 * then known- and chosen-plaintext attacks on every scheme the attack
 * library models, paper against hardened. */
#define _POSIX_C_SOURCE 200809L
#include "lab/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const k_cls[] = {"logistic", "zigzag", "latin"};
#define NCLS 3
#define NIMG 4

/* "entropy|corr h|corr v|corr d" of an image */
static void stats_cells(const mc_image *img, char *buf, size_t cap) {
    double h = NAN, hh = NAN, r[MC_NDIRS];
    mc_entropy(img, MC_ALL, MC_ALL, &h, &hh);
    if (mc_corr(img, MC_ALL, MC_ALL, r))
        for (int d = 0; d < MC_NDIRS; d++) r[d] = NAN;
    char e[64];
    if (img->bits == 8)
        rp_fmt(e, sizeof e, "%.4f", h);
    else
        rp_fmt(e, sizeof e, "%.4f (hi %.4f)", h, hh);
    rp_fmt(buf, cap, "%s|%.4f|%.4f|%.4f", e, r[0], r[1], r[2]);
}

static void table(rp_ctx *c, rp_img *im) {
    rp_table t;
    rp_table_open(c, &t, "classical.md", "classical-table",
                  "image|scheme|profile|entropy|corr h|corr v|corr d|NPCR %|UACI %");
    char st[160];
    for (int i = 0; i < NIMG; i++) {
        if (!im[i].img) continue;
        const mc_image *p = im[i].img;
        rp_log(c, "classical: %s", im[i].name);
        stats_cells(p, st, sizeof st);
        rp_table_row(&t, "%s (%ux%u, %u-bit)|plain|-|%s|-|-", im[i].name, p->width, p->height, p->bits, st);
        for (int s = 0; s < NCLS; s++) {
            if (!mc_scheme_find(k_cls[s])) continue;
            for (int pr = 0; pr < 2; pr++) {
                mc_profile prof = pr ? MC_PROFILE_HARDENED : MC_PROFILE_PAPER;
                mc_image *ci = NULL;
                mc_err e = {0};
                mc_sensitivity sen;
                if (rp_encrypt(c, p, k_cls[s], prof, NULL, 0, NULL, &ci, &e) ||
                    mc_sensitivity_compute(p, k_cls[s], prof, NULL, 0, c->keyb, 1, &sen, &e)) {
                    mc_image_free(ci);
                    rp_problem(c, k_cls[s], &e);
                    continue;
                }
                stats_cells(ci, st, sizeof st);
                rp_table_row(&t, "%s|%s|%s|%s|%.2f|%.2f", im[i].name, k_cls[s], mc_profile_name(prof), st, sen.key.npcr,
                             sen.key.uaci);
                mc_image_free(ci);
            }
        }
    }
    rp_table_row(&t, "AT-ResNet-CM Table 2/3 (chest / brain / lung, 512x512 8-bit)|ResNet-CM|-|7.9887 / 7.9658 / "
                     "7.9911|0.0021 / -0.0064 / 0.0017|-|-|-|-");
    rp_table_close(&t);
}

/* ---------------------------------------------------------------- attacks */

typedef struct oracle_ud {
    rp_ctx *c;
    const char *scheme;
    mc_profile prof;
} oracle_ud;

static int oracle(void *ud, mc_image *img, mc_err *err) {
    const oracle_ud *o = ud;
    return mc_encrypt(img, o->scheme, o->prof, NULL, 0, o->c->key, NULL, err);
}

typedef struct arow {
    const char *scheme, *attack;
    mc_profile prof;
    int ok;
    double pct, r;
    mc_image *rec;
} arow;

/* known: the plain and cipher the attacker has; target: a plain whose cipher
 * the attacker gets; both under the demo key. */
static void run_attack(rp_ctx *c, arow *a, const mc_image *known, const mc_image *target) {
    mc_image *kc = NULL, *tc = NULL;
    mc_err e = {0};
    int rc = rp_encrypt(c, target, a->scheme, a->prof, NULL, 0, NULL, &tc, &e);
    if (!rc && !strcmp(a->attack, "kpa")) {
        rc = rp_encrypt(c, known, a->scheme, a->prof, NULL, 0, NULL, &kc, &e);
        if (!rc) rc = mc_attack_kpa(a->scheme, known, kc, tc, &a->rec, &e);
    } else if (!rc) {
        oracle_ud u = {c, a->scheme, a->prof};
        rc = mc_attack_cpa(a->scheme, oracle, &u, tc, &a->rec, &e);
    }
    size_t m = 0, t = 1;
    if (!rc) rc = mc_attack_score(a->rec, target, &m, &t, &e);
    if (!rc) rc = mc_attack_corr(a->rec, target, &a->r, &e);
    if (rc) {
        char what[96];
        rp_fmt(what, sizeof what, "attack %s on %s (%s)", a->attack, a->scheme, mc_profile_name(a->prof));
        rp_problem(c, what, &e);
    } else
        a->pct = 100.0 * (double)m / (double)t, a->ok = 1;
    mc_image_free(kc);
    mc_image_free(tc);
}

static void attacks(rp_ctx *c, const rp_img *known, const rp_img *target) {
    static const char *const xs[] = {"logistic", "zigzag", "deep-kedi", "at-resnet-cm", "resnet-cm"};
    arow a[20];
    size_t n = 0;
    char why[400];
    for (size_t s = 0; s < sizeof xs / sizeof xs[0]; s++) {
        if (!rp_scheme_ready(c, xs[s], why, sizeof why)) continue;
        int xor = mc_attack_supported(xs[s]), leak = mc_attack_leak_supported(xs[s]);
        if ((!xor&&!leak) || (c->quick && !xor)) continue; /* --quick: no neural cpa (slow) */
        for (int k = 0; k < 2; k++) {
            if (k == 0 && !xor) continue; /* a known-plaintext attack needs the XOR model */
            for (int pr = 0; pr < 2; pr++)
                a[n++] = (arow){xs[s], k ? "cpa" : "kpa", pr ? MC_PROFILE_HARDENED : MC_PROFILE_PAPER, 0, 0, 0, NULL};
        }
    }
    for (size_t i = 0; i < n; i++) {
        rp_log(c, "attack %s on %s (%s)", a[i].attack, a[i].scheme, mc_profile_name(a[i].prof));
        run_attack(c, &a[i], known->img, target->img);
    }
    rp_h(c,
         "<h3>Known- and chosen-plaintext attacks</h3>\n<p>The attacker knows %s and its cipher (kpa), or gets "
         "the cipher of an all-zero image of its choice (cpa), under the key that also encrypted %s; from that "
         "alone it decrypts %s's cipher. Recovered: the share of samples equal to the plain's; r: the Pearson "
         "correlation of the recovered image with the plain (the neural schemes' cpa is an estimate, not an "
         "exact recovery). docs/attacks.md; <code>medcrypt attack kpa|cpa</code>.</p>\n",
         known->name, target->name, target->name);
    rp_table t;
    rp_table_open(c, &t, "attacks.md", "attack-table",
                  "scheme|attack|profile|recovered samples %|r (recovered, plain)");
    for (size_t i = 0; i < n; i++)
        if (a[i].ok)
            rp_table_row(&t, "%s|%s|%s|%.2f|%.4f", a[i].scheme, a[i].attack, mc_profile_name(a[i].prof), a[i].pct,
                         a[i].r);
    rp_table_close(&t);
    /* one strip per scheme (its first attack: kpa where it applies): target,
     * recovered in paper, recovered in hardened */
    for (size_t i = 0; i + 1 < n; i += 2) {
        if (!a[i].ok || !a[i + 1].ok || (i && !strcmp(a[i - 1].scheme, a[i].scheme))) continue;
        const mc_image *row[3] = {target->img, a[i].rec, a[i + 1].rec};
        char l1[96], l2[96], name[96], ttl[200], cap[300];
        rp_fmt(l1, sizeof l1, "recovered, paper: %.1f%%, r %.3f", a[i].pct, a[i].r);
        rp_fmt(l2, sizeof l2, "recovered, hardened: %.1f%%, r %.3f", a[i + 1].pct, a[i + 1].r);
        const char *lab[3] = {"the target's plain (secret)", l1, l2};
        rp_fmt(name, sizeof name, "attack-%s-%s.png", a[i].attack, a[i].scheme);
        rp_fmt(ttl, sizeof ttl, "%s attack on %s: one %s, then the target's cipher", a[i].attack, a[i].scheme,
               strcmp(a[i].attack, "kpa") ? "chosen all-zero image" : "known image");
        mc_err e = {0};
        if (rp_fig_strip(c, name, row, lab, 3, 230, 0, 0x6, ttl, &e))
            rp_problem(c, name, &e);
        else {
            rp_fmt(cap, sizeof cap,
                   "%s. The paper profile reuses one keystream for every image under a key; "
                   "hardened draws a fresh nonce per image, so the same attack gets only chance.",
                   ttl);
            rp_figure(c, name, ttl, cap);
        }
    }
    for (size_t i = 0; i < n; i++) mc_image_free(a[i].rec);
}

int rp_section_classical(rp_ctx *c, mc_err *err) {
    rp_h(c, "<section id=\"classical\"><h2>Classical ciphers and attacks</h2>\n<p>The ciphers the papers build "
            "on: the logistic-map XOR (AT-ResNet-CM's chaotic stage), zigzag XOR (Deep-KEDI's cipher) and Wu et "
            "al.'s Latin squares (EDG-Net's cipher domain), in their paper and hardened profiles. Every one of them "
            "reaches the papers' entropy and correlation figures, and the paper profiles of logistic and zigzag "
            "fall to one known image: these statistics cannot tell a broken cipher from a sound one. Key "
            "sensitivity: NPCR/UACI between the ciphers of one image under two keys one bit apart "
            "(mc_sensitivity_compute). <code>tables/classical.md</code>, <code>tables/attacks.md</code>.</p>\n");
    rp_img im[NIMG];
    memset(im, 0, sizeof im);
    int have = 0;
    if (!c->quick) {
        static const char *const rel[NIMG] = {"itk/BrainProtonDensitySlice.png", "itk/BrainT1Slice.png",
                                              "dicom/MR_small.dcm", "dicom/CT_small.dcm"};
        for (int i = 0; i < NIMG; i++) have += rp_img_sample(c, rel[i], &im[i]);
    }
    int rc = MC_OK;
    rp_img ph = {0}, ph2 = {0};
    if (!have) {
        rc = rp_img_phantom(c, c->quick ? 128 : 256, 8, &im[0], err);
        if (rc) return rc;
    }
    table(c, im);
    /* the attack pair: BrainProtonDensitySlice known, BrainT1Slice (its first
     * channel: the file is RGB) the target; else the phantom and its mirror */
    const rp_img *known = &im[0], *target = &im[1];
    if (im[0].img && im[1].img && im[1].img->channels == 3 && im[0].img->channels == 1 &&
        im[0].img->width == im[1].img->width && im[0].img->height == im[1].img->height && im[0].img->bits == 8 &&
        im[1].img->bits == 8 && im[1].img->depth == 1) {
        const mc_image *s3 = im[1].img;
        if ((rc = mc_image_new(&ph2.img, s3->width, s3->height, 1, 1, 8, 0, NULL, err))) goto out;
        const uint8_t *sp = s3->pixels;
        uint8_t *dp = ph2.img->pixels;
        for (size_t i = 0; i < (size_t)s3->width * s3->height; i++) dp[i] = sp[3 * i];
        rp_fmt(ph2.name, sizeof ph2.name, "%s (channel 0)", im[1].name);
        target = &ph2;
    } else if (!im[0].img || !im[1].img || im[0].img->width != im[1].img->width ||
               im[0].img->height != im[1].img->height || im[0].img->channels != im[1].img->channels ||
               im[0].img->bits != im[1].img->bits || im[0].img->depth != im[1].img->depth) {
        if ((rc = rp_img_phantom(c, c->quick ? 128 : 256, 8, &ph, err)) || (rc = rp_clone(ph.img, &ph2.img, err)))
            goto out;
        uint32_t w = ph.img->width, h = ph.img->height;
        uint8_t *s = ph.img->pixels, *d = ph2.img->pixels;
        for (uint32_t y = 0; y < h; y++) /* the target: the phantom upside down, brighter */
            for (uint32_t x = 0; x < w; x++) {
                unsigned v = s[(size_t)(h - 1 - y) * w + x] + 40u;
                d[(size_t)y * w + x] = (uint8_t)(v > 255 ? 255 : v);
            }
        rp_fmt(ph2.name, sizeof ph2.name, "%s, flipped and brightened", ph.name);
        known = &ph, target = &ph2;
    }
    attacks(c, known, target);
out:
    rp_img_free(&ph);
    rp_img_free(&ph2);
    for (int i = 0; i < NIMG; i++) rp_img_free(&im[i]);
    rp_h(c, "</section>\n");
    return rc;
}
