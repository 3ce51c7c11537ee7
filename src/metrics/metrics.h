/*
 * metrics.h - the measurements of `medcrypt analyze` (docs/metrics.md), as a C
 * API inside libmedcrypt for the CLI, the benchmarks, the demo and the
 * schemes' reproduction tables.
 *
 * Values: every metric works on "levels": the stored sample as an unsigned
 * number 0 .. 2^bits - 1 (signed images in offset binary, i.e. the two's
 * complement value + 2^(bits-1); order and differences are kept).  F = 2^bits - 1
 * is the peak (PSNR, SSIM data range, UACI).
 *
 * Selection: `channel` (0..channels-1) and `slice` (0..depth-1) pick one plane;
 * MC_ALL pools all channels / all slices.  Neighbours (correlation) and
 * windows (SSIM, thumbnails, local-entropy blocks) never cross a channel or a
 * slice: a volume is a stack of 2D planes.
 *
 * Return values: 0 (MC_OK) or a negative mc_status (MC_ERR_ARG for a bad
 * selection, MC_ERR_FORMAT for two images of different geometry,
 * MC_ERR_NOMEM).  A value that is undefined (correlation of a constant image,
 * SSIM of a plane smaller than the 11x11 window) is NaN.
 * No global state; everything is deterministic for a given seed.
 */
#ifndef MC_METRICS_H
#define MC_METRICS_H
#include "medcrypt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MC_ALL (-1)

/* Significance levels used throughout: index 0: 0.05, 1: 0.01, 2: 0.001. */
#define MC_NALPHA 3
extern const double mc_alphas[MC_NALPHA];

/* Level of sample i (index into the interleaved sample array). */
static inline uint32_t mc_level(const mc_image *img, size_t i) {
    if (img->bits == 8) {
        uint32_t v = ((const uint8_t *)img->pixels)[i];
        return img->is_signed ? v ^ 0x80u : v;
    }
    uint32_t v = ((const uint16_t *)img->pixels)[i];
    return img->is_signed ? v ^ 0x8000u : v;
}

/* ------------------------------------------------- histogram and entropy */

/* Histogram of the selected samples over 2^bits bins (hist holds 256 or
 * 65536 entries, overwritten).  *count (may be NULL) = number of samples. */
int mc_histogram(const mc_image *img, int channel, int slice, uint64_t *hist, uint64_t *count);
/* Shannon entropy in bits of a histogram: -sum p log2 p (0 for an empty one). */
double mc_entropy_hist(const uint64_t *hist, size_t nbins);
/* Entropy over 2^bits bins, and of the high byte (value >> (bits - 8)) over
 * 256 bins; for 8-bit images both are the same.  Either pointer may be NULL. */
int mc_entropy(const mc_image *img, int channel, int slice, double *h, double *h_high);

/* Chi-square goodness of fit to the uniform distribution over nbins bins:
 * stat = sum (O - E)^2 / E, dof = nbins - 1, p = P(X >= stat), crit[a] the
 * critical value at mc_alphas[a] (stat <= crit passes). */
typedef struct mc_chi2 {
    double stat, p;
    unsigned dof;
    double crit[MC_NALPHA];
} mc_chi2;
int mc_chi2_uniform(const uint64_t *hist, size_t nbins, mc_chi2 *out);
/* Survival function of chi-square with dof degrees of freedom, and its inverse. */
double mc_chi2_sf(double x, double dof);
double mc_chi2_isf(double p, double dof);

/* Local Shannon entropy (Wu et al. 2013): the mean entropy of k = 30
 * non-overlapping 44x44 (1936-pixel) blocks chosen at random (seeded) on the
 * 44-pixel grid of the selected planes.  16-bit images: of the high byte, so
 * that the 8-bit acceptance intervals apply.  The intervals come from a Monte
 * Carlo over a uniform source (docs/metrics.md, `mc_bench_metrics --local-entropy-mc`).
 * k < 30 when the planes hold fewer grid cells; pass[a] is then -1 (not
 * applicable), else 1 / 0. */
#define MC_LE_K 30
#define MC_LE_SIDE 44
typedef struct mc_local_entropy {
    double mean;
    unsigned k;
    int pass[MC_NALPHA];
} mc_local_entropy;
/* The acceptance intervals [lo, hi] at mc_alphas[] for k = 30, 1936 pixels. */
extern const double mc_le_lo[MC_NALPHA], mc_le_hi[MC_NALPHA];
extern const double mc_le_mc_mean, mc_le_mc_sd; /* mean and sd of the MC distribution */
int mc_local_entropy_compute(const mc_image *img, int channel, int slice, uint64_t seed, mc_local_entropy *out);
/* Entropy of one block of n 8-bit values (helper shared with the Monte Carlo). */
double mc_block_entropy8(const uint16_t *hist256, unsigned n);

/* ----------------------------------------------------------- correlation */

typedef enum mc_dir { MC_DIR_H = 0, MC_DIR_V, MC_DIR_D, MC_DIR_AD, MC_NDIRS } mc_dir;
/* "h", "v", "d", "ad" */
const char *mc_dir_name(mc_dir d);
/* Pearson correlation of adjacent levels over all pairs: horizontal (x, x+1),
 * vertical (y, y+1), diagonal (x+1, y+1), anti-diagonal (x-1, y+1). */
int mc_corr(const mc_image *img, int channel, int slice, double r[MC_NDIRS]);
/* n pairs drawn uniformly with replacement (seeded) among all pairs of the
 * direction, as the papers do; a[i], b[i] receive the two levels of pair i. */
int mc_corr_sample(const mc_image *img, int channel, int slice, mc_dir d, size_t n, uint64_t seed, uint32_t *a,
                   uint32_t *b);
/* Pearson correlation of n sampled pairs per direction (mc_corr_sample). */
int mc_corr_sampled(const mc_image *img, int channel, int slice, size_t n, uint64_t seed, double r[MC_NDIRS]);
/* Pearson correlation of two arrays (population formula; NaN if constant). */
double mc_pearson_u32(const uint32_t *a, const uint32_t *b, size_t n);

/* --------------------------------------------------------------- pairwise */

/* NPCR and UACI (percent) between two images of the same geometry, with the
 * Wu-Noonan-Agaian (2011) critical values for F = 2^bits - 1 and N = the
 * number of compared samples: NPCR passes when >= npcr_crit, UACI when in
 * [uaci_lo, uaci_hi]. */
typedef struct mc_npcr {
    double npcr, uaci;
    uint64_t n;
    double npcr_crit[MC_NALPHA], uaci_lo[MC_NALPHA], uaci_hi[MC_NALPHA];
    int npcr_pass[MC_NALPHA], uaci_pass[MC_NALPHA];
} mc_npcr;
int mc_npcr_uaci(const mc_image *a, const mc_image *b, int channel, int slice, mc_npcr *out, mc_err *err);
/* The critical values alone (percent). */
void mc_npcr_critical(double F, double N, double alpha, double *npcr_crit, double *uaci_lo, double *uaci_hi);
/* Standard normal upper quantile: z with P(Z > z) = p. */
double mc_norm_isf(double p);

/* MSE over the selected samples and PSNR = 10 log10(F^2 / MSE) (inf when
 * MSE = 0).  Either pointer may be NULL. */
int mc_mse_psnr(const mc_image *a, const mc_image *b, int channel, int slice, double *mse, double *psnr, mc_err *err);
/* SSIM (Wang et al. 2004) of two w x h planes of doubles: Gaussian window
 * sigma 1.5 truncated at radius 5 (11x11), K1 0.01, K2 0.03, population
 * covariances, the mean of the SSIM map over the pixels at least 5 from the
 * border (= scikit-image structural_similarity(gaussian_weights=True,
 * sigma=1.5, use_sample_covariance=False)).  NaN if w or h < 11. */
double mc_ssim_plane(const double *x, const double *y, uint32_t w, uint32_t h, double range);
/* SSIM of two images: per 2D plane (channel, slice), averaged over the planes. */
int mc_ssim(const mc_image *a, const mc_image *b, int channel, int slice, double *ssim, mc_err *err);

/* Thumbnail: the means of block x block blocks of one plane (one channel,
 * one slice; no MC_ALL), ceil(w/block) x ceil(h/block); a partial block at
 * the right or bottom edge is the mean of the pixels it has.  *out is
 * malloc'ed (caller frees). */
int mc_thumbnail(const mc_image *img, unsigned block, int channel, int slice, double **out, uint32_t *tw,
                 uint32_t *th);
/* PSNR (peak F) and SSIM between the thumbnails of two images; over several
 * planes: the PSNR of the pooled MSE and the mean SSIM. */
int mc_thumb_compare(const mc_image *a, const mc_image *b, unsigned block, int channel, int slice, double *psnr,
                     double *ssim, mc_err *err);

/* Size in bytes of the image as losslessly compressed PNG (libspng, default
 * zlib level, one PNG per slice, sizes summed); the numerator / denominator of
 * the file expansion figure. */
int mc_png_size(const mc_image *img, uint64_t *bytes, mc_err *err);

/* ---------------------------------------------------------------- bundles */

/* Everything single-image `analyze` reports for one selection. */
typedef struct mc_stats {
    double entropy, entropy_high;
    mc_local_entropy le;
    mc_chi2 chi2;
    double corr[MC_NDIRS], corr_sampled[MC_NDIRS];
} mc_stats;
/* pairs: sampled correlation pairs per direction (the papers' 5000 by default:
 * pass 0 for MC_CORR_PAIRS_DEFAULT). */
#define MC_CORR_PAIRS_DEFAULT 5000
int mc_stats_compute(const mc_image *img, int channel, int slice, size_t pairs, uint64_t seed, mc_stats *out,
                     mc_err *err);

/* Everything pairwise: MSE/PSNR/SSIM, NPCR/UACI, thumbnail PSNR/SSIM. */
typedef struct mc_pair_stats {
    double mse, psnr, ssim;
    mc_npcr d;
    unsigned thumb_block;
    double thumb_psnr, thumb_ssim;
} mc_pair_stats;
int mc_pair_stats_compute(const mc_image *a, const mc_image *b, int channel, int slice, unsigned thumb_block,
                          mc_pair_stats *out, mc_err *err);

/* ------------------------------------------------------------ sensitivity */

/* The papers' "differential attack" figures for one scheme and profile
 * (mc_encrypt with the public API; the image is not changed):
 *  key:       NPCR/UACI between E_K(P) and E_K'(P), K' = K with bit key_bit
 *             flipped;
 *  reenc:     NPCR/UACI between two encryptions E_K(P) (0 for a
 *             deterministic cipher; ~99.6% in the hardened profile: the nonce);
 *  wrong_key: NPCR/UACI between D_K'(E_K(P)) and P; wrong_key_status is the
 *             mc_decrypt status (MC_ERR_AUTH: refused by the MAC, no pixels);
 *  plain:     NPCR/UACI between E_K(P) and E_K(P'), P' = P with sample
 *             (x, y, z, c) one level up (down from the top level).
 * key_bit and the sample come from seed. */
typedef struct mc_sensitivity {
    unsigned key_bit;
    mc_npcr key, reenc, wrong_key, plain;
    int wrong_key_status;
    uint32_t x, y, z, c;
} mc_sensitivity;
int mc_sensitivity_compute(const mc_image *img, const char *scheme, mc_profile profile, const char *const *params,
                           size_t nparams, const uint8_t key[MC_KEY_BYTES], uint64_t seed, mc_sensitivity *out,
                           mc_err *err);

/* ------------------------------------------------------------------ plots */

/* PNG plots drawn with cairo.  n images (1 or 2) side by side, each with its
 * label as the panel title.
 * Histogram: levels on x (2^bits bins; 16-bit images binned into 256), count
 * on y.  Scatter: one row per image, one panel per direction (h, v, d, ad), the
 * level of a pixel against its neighbour's, `pairs` sampled pairs (seeded). */
int mc_plot_histograms(const char *path, const mc_image *const *imgs, const char *const *labels, size_t n,
                       mc_err *err);
int mc_plot_scatter(const char *path, const mc_image *const *imgs, const char *const *labels, size_t n,
                    size_t pairs, uint64_t seed, mc_err *err);

/* Release cairo's and fontconfig's process-wide caches (text rendering) so
 * that leak checkers stay quiet.  Not thread-safe: call once, from a
 * single-threaded program, after its last plot (the CLI does at exit). */
void mc_plot_cleanup(void);

#ifdef __cplusplus
}
#endif
#endif
