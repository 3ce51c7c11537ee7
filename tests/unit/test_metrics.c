/* test_metrics.c - src/metrics: small hand-computed cases per metric. */
#include "testutil.h"
#include "medcrypt_lab.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static mc_image *img8(uint32_t w, uint32_t h, uint32_t d, unsigned ch) {
    mc_image *im = NULL;
    assert_int_equal(mc_image_new(&im, w, h, d, ch, 8, 0, NULL, NULL), MC_OK);
    return im;
}
static mc_image *img16(uint32_t w, uint32_t h, uint32_t d, unsigned ch, int sgn) {
    mc_image *im = NULL;
    assert_int_equal(mc_image_new(&im, w, h, d, ch, 16, sgn, NULL, NULL), MC_OK);
    return im;
}
#define P8(im) ((uint8_t *)(im)->pixels)
#define P16(im) ((uint16_t *)(im)->pixels)
#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static void test_entropy(void **st) {
    (void)st;
    mc_image *a = img8(2, 2, 1, 1);
    double h, hh;
    assert_int_equal(mc_entropy(a, MC_ALL, MC_ALL, &h, &hh), MC_OK);
    NEAR(h, 0.0, 1e-15); /* constant */
    P8(a)[2] = P8(a)[3] = 255;
    mc_entropy(a, MC_ALL, MC_ALL, &h, &hh);
    NEAR(h, 1.0, 1e-15);
    NEAR(hh, 1.0, 1e-15);
    P8(a)[1] = 7;
    P8(a)[3] = 9;
    mc_entropy(a, MC_ALL, MC_ALL, &h, NULL);
    NEAR(h, 2.0, 1e-15);
    /* 16-bit: 4 distinct values, 2 distinct high bytes */
    mc_image *b = img16(2, 2, 1, 1, 0);
    P16(b)[0] = 0x0000;
    P16(b)[1] = 0x0001;
    P16(b)[2] = 0x0100;
    P16(b)[3] = 0x0101;
    mc_entropy(b, MC_ALL, MC_ALL, &h, &hh);
    NEAR(h, 2.0, 1e-15);
    NEAR(hh, 1.0, 1e-15);
    /* 3 of 4 equal: -(3/4 log2 3/4 + 1/4 log2 1/4) */
    P16(b)[1] = P16(b)[2] = P16(b)[3] = 5;
    mc_entropy(b, MC_ALL, MC_ALL, &h, NULL);
    NEAR(h, -(0.75 * log2(0.75) + 0.25 * log2(0.25)), 1e-15);
    assert_int_equal(mc_entropy(b, 1, MC_ALL, &h, NULL), MC_ERR_ARG); /* no channel 1 */
    assert_int_equal(mc_entropy(b, MC_ALL, 1, &h, NULL), MC_ERR_ARG); /* no slice 1 */
    mc_image_free(a);
    mc_image_free(b);
}

static void test_signed_levels(void **st) {
    (void)st;
    mc_image *a = NULL;
    assert_int_equal(mc_image_new(&a, 2, 1, 1, 1, 8, 1, NULL, NULL), MC_OK);
    P8(a)[0] = 0x80; /* -128: level 0 */
    P8(a)[1] = 0x7f; /* +127: level 255 */
    assert_int_equal(mc_level(a, 0), 0);
    assert_int_equal(mc_level(a, 1), 255);
    mc_image *b = img16(1, 1, 1, 1, 1);
    P16(b)[0] = 0xfc18; /* -1000 */
    assert_int_equal(mc_level(b, 0), 32768 - 1000);
    uint64_t hist[256];
    assert_int_equal(mc_histogram(a, MC_ALL, MC_ALL, hist, NULL), MC_OK);
    assert_int_equal(hist[0], 1);
    assert_int_equal(hist[255], 1);
    mc_image_free(a);
    mc_image_free(b);
}

static void test_chi2(void **st) {
    (void)st;
    uint64_t h[256];
    for (int i = 0; i < 256; i++) h[i] = 100;
    mc_chi2 c;
    assert_int_equal(mc_chi2_uniform(h, 256, &c), MC_OK);
    NEAR(c.stat, 0, 1e-12);
    NEAR(c.p, 1, 1e-12);
    assert_int_equal(c.dof, 255);
    NEAR(c.crit[0], 293.2478, 1e-3); /* tables: 293.25 */
    NEAR(c.crit[1], 310.4574, 1e-3);
    NEAR(c.crit[2], 330.5197, 1e-3);
    /* two bins 30 / 10: E = 20, stat = (100 + 100) / 20 = 10, dof 1, p = erfc(sqrt(5)) */
    uint64_t g[2] = {30, 10};
    mc_chi2_uniform(g, 2, &c);
    NEAR(c.stat, 10, 1e-12);
    NEAR(c.p, erfc(sqrt(5.0)), 1e-12);
    NEAR(mc_chi2_sf(2 * 3.0, 2), exp(-3.0), 1e-14); /* dof 2: sf = exp(-x/2) */
    NEAR(mc_chi2_isf(exp(-3.0), 2), 6.0, 1e-9);
    /* 65535 dof (16-bit) behaves: crit near dof + z sqrt(2 dof) */
    NEAR(mc_chi2_isf(0.05, 65535), 65535 + 1.6449 * sqrt(2 * 65535.0), 5);
    NEAR(mc_chi2_sf(mc_chi2_isf(0.01, 65535), 65535), 0.01, 1e-9);
}

static void test_corr(void **st) {
    (void)st;
    /* checkerboard: h, v = -1; d, ad = +1 */
    mc_image *a = img8(8, 6, 1, 1);
    for (int y = 0; y < 6; y++)
        for (int x = 0; x < 8; x++) P8(a)[y * 8 + x] = ((x + y) & 1) ? 200 : 10;
    double r[MC_NDIRS], rs[MC_NDIRS];
    assert_int_equal(mc_corr(a, MC_ALL, MC_ALL, r), MC_OK);
    NEAR(r[MC_DIR_H], -1, 1e-12);
    NEAR(r[MC_DIR_V], -1, 1e-12);
    NEAR(r[MC_DIR_D], 1, 1e-12);
    NEAR(r[MC_DIR_AD], 1, 1e-12);
    assert_int_equal(mc_corr_sampled(a, MC_ALL, MC_ALL, 500, 3, rs), MC_OK);
    NEAR(rs[MC_DIR_H], -1, 1e-12);
    NEAR(rs[MC_DIR_AD], 1, 1e-12);
    /* hand case: 3x1 row 1, 2, 4: pairs (1,2), (2,4): r = 1 */
    mc_image *b = img8(3, 2, 1, 1);
    uint8_t v[6] = {1, 2, 4, 4, 2, 1};
    memcpy(b->pixels, v, 6);
    mc_corr(b, MC_ALL, MC_ALL, r);
    /* h pairs (1,2),(2,4),(4,2),(2,1): x = 1 2 4 2, y = 2 4 2 1: mean 2.25, 2.25;
     * cov = sum (x-m)(y-m) = (-1.25)(-.25)+(-.25)(1.75)+(1.75)(-.25)+(-.25)(-1.25) = -0.25
     * var x = 1.5625+.0625+3.0625+.0625 = 4.75 = var y: r = -0.25 / 4.75 */
    NEAR(r[MC_DIR_H], -0.25 / 4.75, 1e-12);
    /* constant: undefined */
    mc_image *c = img8(4, 4, 1, 1);
    mc_corr(c, MC_ALL, MC_ALL, r);
    assert_true(isnan(r[MC_DIR_H]));
    /* sampled = Pearson of the sampled pairs; deterministic in the seed */
    mc_image *d = NULL;
    assert_int_equal(mc_phantom(&d, 64, 1, 16, NULL), MC_OK);
    uint32_t pa[1000], pb[1000];
    assert_int_equal(mc_corr_sample(d, MC_ALL, MC_ALL, MC_DIR_V, 1000, 9, pa, pb), MC_OK);
    mc_corr_sampled(d, MC_ALL, MC_ALL, 1000, 9, rs);
    NEAR(rs[MC_DIR_V], mc_pearson_u32(pa, pb, 1000), 0);
    double rs2[MC_NDIRS];
    mc_corr_sampled(d, MC_ALL, MC_ALL, 1000, 10, rs2);
    assert_true(rs2[MC_DIR_V] != rs[MC_DIR_V]);
    mc_image_free(a);
    mc_image_free(b);
    mc_image_free(c);
    mc_image_free(d);
}

static void test_corr_3d_rgb(void **st) {
    (void)st;
    /* 2 slices: slice 0 = x, slice 1 = 100 - x; pairs never cross slices */
    mc_image *a = img8(5, 3, 2, 1);
    for (int z = 0; z < 2; z++)
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 5; x++) P8(a)[(z * 3 + y) * 5 + x] = (uint8_t)(z ? 100 - x : x);
    double r[MC_NDIRS];
    mc_corr(a, MC_ALL, 0, r);
    NEAR(r[MC_DIR_H], 1, 1e-12);
    mc_corr(a, MC_ALL, 1, r);
    NEAR(r[MC_DIR_H], 1, 1e-12);
    mc_corr(a, MC_ALL, 0, r);
    NEAR(r[MC_DIR_V], 1, 1e-12); /* vertical pairs (x, x) */
    mc_corr(a, MC_ALL, MC_ALL, r); /* pooled: pairs (x, x+1) and (100-x, 99-x) */
    assert_true(r[MC_DIR_H] > 0.99);
    /* RGB: channel 1 checkerboard, others constant ramps */
    mc_image *b = img8(4, 4, 1, 3);
    for (int i = 0; i < 16; i++) {
        P8(b)[i * 3] = (uint8_t)(i % 4);
        P8(b)[i * 3 + 1] = ((i % 4 + i / 4) & 1) ? 255 : 0;
        P8(b)[i * 3 + 2] = 9;
    }
    mc_corr(b, 1, MC_ALL, r);
    NEAR(r[MC_DIR_H], -1, 1e-12);
    mc_corr(b, 0, MC_ALL, r);
    NEAR(r[MC_DIR_H], 1, 1e-12);
    mc_corr(b, 2, MC_ALL, r);
    assert_true(isnan(r[MC_DIR_H]));
    double h;
    mc_entropy(b, 1, MC_ALL, &h, NULL);
    NEAR(h, 1, 1e-15);
    mc_entropy(b, 0, MC_ALL, &h, NULL);
    NEAR(h, 2, 1e-15);
    mc_image_free(a);
    mc_image_free(b);
}

static void test_npcr_uaci(void **st) {
    (void)st;
    mc_image *a = img8(4, 4, 1, 1), *b = img8(4, 4, 1, 1);
    mc_npcr d;
    mc_err err = {0};
    memset(b->pixels, 255, 16);
    assert_int_equal(mc_npcr_uaci(a, b, MC_ALL, MC_ALL, &d, &err), MC_OK);
    NEAR(d.npcr, 100, 1e-12);
    NEAR(d.uaci, 100, 1e-12);
    memset(b->pixels, 0, 16);
    memset(b->pixels, 51, 8); /* half differ by 51 = F/5 */
    mc_npcr_uaci(a, b, MC_ALL, MC_ALL, &d, &err);
    NEAR(d.npcr, 50, 1e-12);
    NEAR(d.uaci, 10, 1e-12);
    assert_int_equal(d.n, 16);
    /* Wu-Noonan-Agaian 2011 published values */
    double nc, lo, hi;
    mc_npcr_critical(255, 512.0 * 512, 0.05, &nc, &lo, &hi);
    NEAR(nc, 99.5893, 6e-5);
    NEAR(lo, 33.3730, 6e-5);
    NEAR(hi, 33.5541, 6e-5);
    mc_npcr_critical(255, 256.0 * 256, 0.05, &nc, &lo, &hi);
    NEAR(nc, 99.5693, 6e-5);
    NEAR(lo, 33.2824, 6e-5);
    NEAR(hi, 33.6447, 6e-5);
    mc_npcr_critical(255, 512.0 * 512, 0.01, &nc, NULL, NULL);
    NEAR(nc, 99.5810, 6e-5);
    mc_npcr_critical(255, 512.0 * 512, 0.001, &nc, NULL, NULL);
    NEAR(nc, 99.5717, 6e-5);
    NEAR(mc_norm_isf(0.025), 1.959963985, 1e-9);
    /* geometry mismatch */
    mc_image *c = img8(4, 5, 1, 1);
    assert_int_equal(mc_npcr_uaci(a, c, MC_ALL, MC_ALL, &d, &err), MC_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "geometry"));
    mc_image_free(a);
    mc_image_free(b);
    mc_image_free(c);
}

static void test_mse_psnr_ssim(void **st) {
    (void)st;
    mc_image *a = img8(16, 16, 1, 1), *b = img8(16, 16, 1, 1);
    mc_err err = {0};
    double mse, psnr, s;
    assert_int_equal(mc_mse_psnr(a, b, MC_ALL, MC_ALL, &mse, &psnr, &err), MC_OK);
    NEAR(mse, 0, 0);
    assert_true(isinf(psnr) && psnr > 0);
    assert_int_equal(mc_ssim(a, b, MC_ALL, MC_ALL, &s, &err), MC_OK);
    NEAR(s, 1, 0);
    memset(b->pixels, 1, 256);
    mc_mse_psnr(a, b, MC_ALL, MC_ALL, &mse, &psnr, &err);
    NEAR(mse, 1, 0);
    NEAR(psnr, 20 * log10(255.0), 1e-12);
    /* constants 100 vs 50: S = (2ab + C1) / (a^2 + b^2 + C1) */
    memset(a->pixels, 100, 256);
    memset(b->pixels, 50, 256);
    mc_ssim(a, b, MC_ALL, MC_ALL, &s, &err);
    double C1 = (0.01 * 255) * (0.01 * 255);
    NEAR(s, (2 * 100 * 50 + C1) / (100 * 100 + 50 * 50 + C1), 1e-12);
    /* 16-bit: peak 65535 */
    mc_image *c = img16(12, 12, 1, 1, 0), *d = img16(12, 12, 1, 1, 0);
    for (int i = 0; i < 144; i++) P16(d)[i] = 2;
    mc_mse_psnr(c, d, MC_ALL, MC_ALL, &mse, &psnr, &err);
    NEAR(mse, 4, 0);
    NEAR(psnr, 10 * log10(65535.0 * 65535.0 / 4), 1e-12);
    /* plane smaller than the 11x11 window: undefined */
    mc_image *e = img8(10, 40, 1, 1), *f = img8(10, 40, 1, 1);
    mc_ssim(e, f, MC_ALL, MC_ALL, &s, &err);
    assert_true(isnan(s));
    /* symmetric, and < 1 for a noisy copy */
    mc_image *g = NULL, *h = NULL;
    assert_int_equal(mc_phantom(&g, 64, 1, 8, NULL), MC_OK);
    assert_int_equal(mc_phantom(&h, 64, 1, 8, NULL), MC_OK);
    for (int i = 0; i < 64 * 64; i += 3) P8(h)[i] ^= 0x10;
    double s1, s2;
    mc_ssim(g, h, MC_ALL, MC_ALL, &s1, &err);
    mc_ssim(h, g, MC_ALL, MC_ALL, &s2, &err);
    NEAR(s1, s2, 1e-12);
    assert_true(s1 < 0.99 && s1 > 0.1);
    mc_image_free(a);
    mc_image_free(b);
    mc_image_free(c);
    mc_image_free(d);
    mc_image_free(e);
    mc_image_free(f);
    mc_image_free(g);
    mc_image_free(h);
}

static void test_thumbnail(void **st) {
    (void)st;
    /* 3x3, block 2: [0 1 2; 3 4 5; 6 7 8] -> [2 3.5; 6.5 8] */
    mc_image *a = img8(3, 3, 1, 1);
    for (int i = 0; i < 9; i++) P8(a)[i] = (uint8_t)i;
    double *t = NULL;
    uint32_t tw, th;
    assert_int_equal(mc_thumbnail(a, 2, 0, 0, &t, &tw, &th), MC_OK);
    assert_int_equal(tw, 2);
    assert_int_equal(th, 2);
    NEAR(t[0], 2.0, 0);
    NEAR(t[1], 3.5, 0);
    NEAR(t[2], 6.5, 0);
    NEAR(t[3], 8.0, 0);
    free(t);
    assert_int_equal(mc_thumbnail(a, 2, MC_ALL, 0, &t, &tw, &th), MC_ERR_ARG);
    /* swapping pixels inside each 2x2 block keeps the thumbnail: PSNR inf, SSIM 1 */
    mc_image *b = NULL, *c = NULL;
    assert_int_equal(mc_phantom(&b, 32, 1, 8, NULL), MC_OK);
    assert_int_equal(mc_phantom(&c, 32, 1, 8, NULL), MC_OK);
    for (int y = 0; y < 32; y += 2)
        for (int x = 0; x < 32; x += 2) {
            uint8_t tmp = P8(c)[y * 32 + x];
            P8(c)[y * 32 + x] = P8(c)[(y + 1) * 32 + x + 1];
            P8(c)[(y + 1) * 32 + x + 1] = tmp;
        }
    double psnr, ssim;
    mc_err err = {0};
    assert_int_equal(mc_thumb_compare(b, c, 2, MC_ALL, MC_ALL, &psnr, &ssim, &err), MC_OK);
    assert_true(isinf(psnr));
    NEAR(ssim, 1, 0);
    P8(c)[5] ^= 1; /* one level in one block: mean moves by 1/4 */
    mc_thumb_compare(b, c, 2, MC_ALL, MC_ALL, &psnr, &ssim, &err);
    NEAR(psnr, 10 * log10(255.0 * 255.0 / (0.0625 / 256)), 1e-9);
    assert_true(ssim < 1);
    mc_image_free(a);
    mc_image_free(b);
    mc_image_free(c);
}

static void test_local_entropy(void **st) {
    (void)st;
    mc_image *a = img8(512, 512, 1, 1);
    randombytes_buf(a->pixels, a->nbytes);
    mc_local_entropy le, le2;
    assert_int_equal(mc_local_entropy_compute(a, MC_ALL, MC_ALL, 1, &le), MC_OK);
    assert_int_equal(le.k, 30);
    NEAR(le.mean, mc_le_mc_mean, 8 * mc_le_mc_sd); /* uniform source */
    assert_true(le.pass[2] == 0 || le.pass[2] == 1);
    mc_local_entropy_compute(a, MC_ALL, MC_ALL, 1, &le2);
    NEAR(le.mean, le2.mean, 0); /* seeded */
    /* intervals nest */
    for (int i = 0; i + 1 < MC_NALPHA; i++) assert_true(mc_le_lo[i + 1] < mc_le_lo[i] && mc_le_hi[i] < mc_le_hi[i + 1]);
    assert_true(mc_le_lo[0] < mc_le_mc_mean && mc_le_mc_mean < mc_le_hi[0]);
    /* a constant image: 0, fails */
    memset(a->pixels, 7, a->nbytes);
    mc_local_entropy_compute(a, MC_ALL, MC_ALL, 1, &le);
    NEAR(le.mean, 0, 0);
    assert_int_equal(le.pass[0], 0);
    /* 64x64: one 44x44 cell: k = 1, pass not applicable; a block of two
     * values in equal halves has entropy 1 */
    mc_image *b = img8(64, 64, 1, 1);
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++) P8(b)[y * 64 + x] = x < 22 ? 1 : 2;
    mc_local_entropy_compute(b, MC_ALL, MC_ALL, 5, &le);
    assert_int_equal(le.k, 1);
    NEAR(le.mean, 1, 1e-15);
    assert_int_equal(le.pass[0], -1);
    /* a block's entropy, by hand */
    uint16_t h[256] = {0};
    h[0] = 968;
    h[1] = 484;
    h[2] = 484;
    NEAR(mc_block_entropy8(h, 1936), 1.5, 1e-15);
    mc_image_free(a);
    mc_image_free(b);
}

static void test_png_size(void **st) {
    (void)st;
    mc_image *a = img8(128, 128, 2, 1), *b = img8(128, 128, 2, 1);
    randombytes_buf(b->pixels, b->nbytes);
    uint64_t sa = 0, sb = 0;
    mc_err err = {0};
    assert_int_equal(mc_png_size(a, &sa, &err), MC_OK);
    assert_int_equal(mc_png_size(b, &sb, &err), MC_OK);
    assert_true(sa > 50 && sa < 2000);        /* zeros compress */
    assert_true(sb > 2 * 128 * 128);          /* two noise slices do not */
    mc_image *c = img16(64, 64, 1, 3, 1);
    assert_int_equal(mc_png_size(c, &sa, &err), MC_OK);
    assert_true(sa > 50);
    mc_image_free(a);
    mc_image_free(b);
    mc_image_free(c);
}

static void test_plots(void **st) {
    (void)st;
    mc_image *a = NULL, *b = img16(96, 80, 1, 1, 1);
    assert_int_equal(mc_phantom(&a, 96, 1, 8, NULL), MC_OK);
    randombytes_buf(b->pixels, b->nbytes);
    const mc_image *imgs[2] = {a, b};
    const char *labels[2] = {"plain", "cipher"};
    mc_err err = {0};
    const char *hp = mc_test_path("h.png"), *sp = mc_test_path("s.png");
    assert_int_equal(mc_plot_histograms(hp, imgs, labels, 2, &err), MC_OK);
    assert_int_equal(mc_plot_scatter(sp, imgs, labels, 2, 300, 1, &err), MC_OK);
    const char *paths[2] = {hp, sp};
    for (int i = 0; i < 2; i++) {
        size_t len = 0;
        uint8_t *buf = mc_test_slurp(paths[i], &len);
        assert_non_null(buf);
        assert_true(len > 2000);
        assert_memory_equal(buf, "\x89PNG\r\n\x1a\n", 8);
        free(buf);
        /* and it reads back as an RGB image of the expected size */
        mc_image *p = NULL;
        assert_int_equal(mc_image_read(paths[i], NULL, &p, &err), MC_OK);
        assert_int_equal(p->channels, 3);
        assert_true(p->width >= 400 && p->height >= 300);
        mc_image_free(p);
    }
    assert_int_equal(mc_plot_histograms("/nonexistent-dir/h.png", imgs, labels, 2, &err), MC_ERR_IO);
    mc_plot_cleanup(); /* single-threaded test: release the font caches */
    mc_image_free(a);
    mc_image_free(b);
}

static void test_sensitivity_aead(void **st) {
    (void)st;
    mc_image *a = NULL;
    assert_int_equal(mc_phantom(&a, 128, 1, 8, NULL), MC_OK);
    uint8_t key[MC_KEY_BYTES];
    randombytes_buf(key, sizeof key);
    mc_sensitivity s;
    mc_err err = {0};
    assert_int_equal(mc_sensitivity_compute(a, "aead", MC_PROFILE_HARDENED, NULL, 0, key, 1, &s, &err), MC_OK);
    assert_true(s.key.npcr > 99 && s.key.uaci > 30 && s.key.uaci < 37);
    assert_true(s.reenc.npcr > 99);  /* fresh nonce */
    assert_true(s.plain.npcr > 99);
    assert_int_equal(s.wrong_key_status, MC_ERR_AUTH); /* the MAC refuses */
    assert_true(s.key_bit < 256 && s.x < 128 && s.y < 128);
    /* the image is untouched; the paper profile does not exist for aead */
    mc_image *b = NULL;
    assert_int_equal(mc_phantom(&b, 128, 1, 8, NULL), MC_OK);
    assert_memory_equal(a->pixels, b->pixels, a->nbytes);
    assert_int_not_equal(mc_sensitivity_compute(a, "aead", MC_PROFILE_PAPER, NULL, 0, key, 1, &s, &err), MC_OK);
    assert_int_not_equal(mc_sensitivity_compute(a, "no-such-scheme", MC_PROFILE_HARDENED, NULL, 0, key, 1, &s, &err),
                         MC_OK);
    mc_image_free(a);
    mc_image_free(b);
}

static void test_stats_bundle(void **st) {
    (void)st;
    mc_image *a = NULL, *b = NULL;
    assert_int_equal(mc_phantom(&a, 64, 3, 16, NULL), MC_OK);
    assert_int_equal(mc_phantom(&b, 64, 3, 16, NULL), MC_OK);
    mc_stats s;
    mc_pair_stats p;
    mc_err err = {0};
    assert_int_equal(mc_stats_compute(a, MC_ALL, 1, 0, 1, &s, &err), MC_OK);
    assert_true(s.entropy > 0 && s.entropy <= 16);
    assert_true(s.entropy_high <= 8);
    assert_int_equal(s.chi2.dof, 65535);
    assert_true(s.corr[MC_DIR_H] > 0.5);
    assert_int_equal(mc_pair_stats_compute(a, b, MC_ALL, MC_ALL, 4, &p, &err), MC_OK);
    assert_true(isinf(p.psnr) && p.ssim == 1 && p.d.npcr == 0 && isinf(p.thumb_psnr) && p.thumb_ssim == 1);
    assert_int_equal(mc_stats_compute(a, 1, MC_ALL, 0, 1, &s, &err), MC_ERR_ARG);
    mc_image_free(a);
    mc_image_free(b);
}

int main(void) {
    if (mc_init()) return 1;
    mc_test_tmpdir();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entropy),        cmocka_unit_test(test_signed_levels),
        cmocka_unit_test(test_chi2),           cmocka_unit_test(test_corr),
        cmocka_unit_test(test_corr_3d_rgb),    cmocka_unit_test(test_npcr_uaci),
        cmocka_unit_test(test_mse_psnr_ssim),  cmocka_unit_test(test_thumbnail),
        cmocka_unit_test(test_local_entropy),  cmocka_unit_test(test_png_size),
        cmocka_unit_test(test_plots),          cmocka_unit_test(test_sensitivity_aead),
        cmocka_unit_test(test_stats_bundle),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    mc_test_tmpdir_cleanup();
    return rc;
}
