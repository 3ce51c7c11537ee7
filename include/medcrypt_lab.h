/*
 * medcrypt_lab.h - the public header of libmedcrypt_lab, the lab library:
 * the papers' measurements (metrics, plots), the attacks, and (with the
 * neural engine's training) what reproduces the papers' tables.  It depends
 * on libmedcrypt (medcrypt.h) and adds cairo, OpenBLAS and OpenMP, which the
 * crypto library itself never needs.  Link with pkg-config medcrypt_lab.
 */
#ifndef MEDCRYPT_LAB_H
#define MEDCRYPT_LAB_H
#include "medcrypt.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MC_LAB_API __attribute__((visibility("default")))
#else
#define MC_LAB_API
#endif

/* ================================================================ metrics */
/*
 * The measurements of `medcrypt analyze` (docs/metrics.md), for the CLI, the benchmarks, the demo and the
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


#define MC_ALL (-1)

/* Significance levels used throughout: index 0: 0.05, 1: 0.01, 2: 0.001. */
#define MC_NALPHA 3
MC_LAB_API extern const double mc_alphas[MC_NALPHA];

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
MC_LAB_API int mc_histogram(const mc_image *img, int channel, int slice, uint64_t *hist, uint64_t *count);
/* Shannon entropy in bits of a histogram: -sum p log2 p (0 for an empty one). */
MC_LAB_API double mc_entropy_hist(const uint64_t *hist, size_t nbins);
/* Entropy over 2^bits bins, and of the high byte (value >> (bits - 8)) over
 * 256 bins; for 8-bit images both are the same.  Either pointer may be NULL. */
MC_LAB_API int mc_entropy(const mc_image *img, int channel, int slice, double *h, double *h_high);

/* Chi-square goodness of fit to the uniform distribution over nbins bins:
 * stat = sum (O - E)^2 / E, dof = nbins - 1, p = P(X >= stat), crit[a] the
 * critical value at mc_alphas[a] (stat <= crit passes). */
typedef struct mc_chi2 {
    double stat, p;
    unsigned dof;
    double crit[MC_NALPHA];
} mc_chi2;
MC_LAB_API int mc_chi2_uniform(const uint64_t *hist, size_t nbins, mc_chi2 *out);
/* Survival function of chi-square with dof degrees of freedom, and its inverse. */
MC_LAB_API double mc_chi2_sf(double x, double dof);
MC_LAB_API double mc_chi2_isf(double p, double dof);

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
MC_LAB_API extern const double mc_le_lo[MC_NALPHA];
MC_LAB_API extern const double mc_le_hi[MC_NALPHA];
/* mean and sd of the MC distribution */
MC_LAB_API extern const double mc_le_mc_mean;
MC_LAB_API extern const double mc_le_mc_sd;
MC_LAB_API int mc_local_entropy_compute(const mc_image *img, int channel, int slice, uint64_t seed, mc_local_entropy *out);
/* Entropy of one block of n 8-bit values (helper shared with the Monte Carlo). */
MC_LAB_API double mc_block_entropy8(const uint16_t *hist256, unsigned n);

/* ----------------------------------------------------------- correlation */

typedef enum mc_dir { MC_DIR_H = 0, MC_DIR_V, MC_DIR_D, MC_DIR_AD, MC_NDIRS } mc_dir;
/* "h", "v", "d", "ad" */
MC_LAB_API const char *mc_dir_name(mc_dir d);
/* Pearson correlation of adjacent levels over all pairs: horizontal (x, x+1),
 * vertical (y, y+1), diagonal (x+1, y+1), anti-diagonal (x-1, y+1). */
MC_LAB_API int mc_corr(const mc_image *img, int channel, int slice, double r[MC_NDIRS]);
/* n pairs drawn uniformly with replacement (seeded) among all pairs of the
 * direction, as the papers do; a[i], b[i] receive the two levels of pair i. */
MC_LAB_API int mc_corr_sample(const mc_image *img, int channel, int slice, mc_dir d, size_t n, uint64_t seed, uint32_t *a,
                   uint32_t *b);
/* Pearson correlation of n sampled pairs per direction (mc_corr_sample). */
MC_LAB_API int mc_corr_sampled(const mc_image *img, int channel, int slice, size_t n, uint64_t seed, double r[MC_NDIRS]);
/* Pearson correlation of two arrays (population formula; NaN if constant). */
MC_LAB_API double mc_pearson_u32(const uint32_t *a, const uint32_t *b, size_t n);

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
MC_LAB_API int mc_npcr_uaci(const mc_image *a, const mc_image *b, int channel, int slice, mc_npcr *out, mc_err *err);
/* The critical values alone (percent). */
MC_LAB_API void mc_npcr_critical(double F, double N, double alpha, double *npcr_crit, double *uaci_lo, double *uaci_hi);
/* Standard normal upper quantile: z with P(Z > z) = p. */
MC_LAB_API double mc_norm_isf(double p);

/* MSE over the selected samples and PSNR = 10 log10(F^2 / MSE) (inf when
 * MSE = 0).  Either pointer may be NULL. */
MC_LAB_API int mc_mse_psnr(const mc_image *a, const mc_image *b, int channel, int slice, double *mse, double *psnr, mc_err *err);
/* SSIM (Wang et al. 2004) of two w x h planes of doubles: Gaussian window
 * sigma 1.5 truncated at radius 5 (11x11), K1 0.01, K2 0.03, population
 * covariances, the mean of the SSIM map over the pixels at least 5 from the
 * border (= scikit-image structural_similarity(gaussian_weights=True,
 * sigma=1.5, use_sample_covariance=False)).  NaN if w or h < 11. */
MC_LAB_API double mc_ssim_plane(const double *x, const double *y, uint32_t w, uint32_t h, double range);
/* SSIM of two images: per 2D plane (channel, slice), averaged over the planes. */
MC_LAB_API int mc_ssim(const mc_image *a, const mc_image *b, int channel, int slice, double *ssim, mc_err *err);

/* Thumbnail: the means of block x block blocks of one plane (one channel,
 * one slice; no MC_ALL), ceil(w/block) x ceil(h/block); a partial block at
 * the right or bottom edge is the mean of the pixels it has.  *out is
 * malloc'ed (caller frees). */
MC_LAB_API int mc_thumbnail(const mc_image *img, unsigned block, int channel, int slice, double **out, uint32_t *tw,
                 uint32_t *th);
/* PSNR (peak F) and SSIM between the thumbnails of two images; over several
 * planes: the PSNR of the pooled MSE and the mean SSIM. */
MC_LAB_API int mc_thumb_compare(const mc_image *a, const mc_image *b, unsigned block, int channel, int slice, double *psnr,
                     double *ssim, mc_err *err);

/* Size in bytes of the image as losslessly compressed PNG (libspng, default
 * zlib level, one PNG per slice, sizes summed); the numerator / denominator of
 * the file expansion figure. */
MC_LAB_API int mc_png_size(const mc_image *img, uint64_t *bytes, mc_err *err);

/* ------------------------------------------------------ feature distances */

/* Frechet distance and kernel distance (KID: unbiased squared MMD with the
 * polynomial kernel (x.y / d + 1)^3) between two sets of images, over a fixed
 * feature extractor shipped with medcrypt: "rc64", a random convolutional
 * network with constant weights (4 convolutions, global average and max
 * pooling: MC_FEAT_DIM features per plane) on the engine's bit-exact
 * reference kernels.  Published FID/KID use Inception-v3, which is not
 * available here: these are FD-rc64 and KID-rc64, comparable only with
 * themselves (docs/schemes/edg-net.md). */
#define MC_FEAT_DIM 64
typedef struct mc_featx mc_featx;
MC_LAB_API int mc_featx_new(mc_featx **out, mc_err *err) MC_WUR;
MC_LAB_API void mc_featx_free(mc_featx *f);
/* Features of one plane (one channel, one slice; at least 8x8). */
MC_LAB_API int mc_featx_compute(mc_featx *f, const mc_image *img, int channel, int slice, double feat[MC_FEAT_DIM],
                                mc_err *err) MC_WUR;
/* Between na and nb feature vectors of d values (row after row). */
MC_LAB_API int mc_frechet_distance(const double *a, size_t na, const double *b, size_t nb, size_t d, double *fd,
                                   mc_err *err) MC_WUR;
MC_LAB_API int mc_kernel_distance(const double *a, size_t na, const double *b, size_t nb, size_t d, double *kid,
                                  mc_err *err) MC_WUR;

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
MC_LAB_API int mc_stats_compute(const mc_image *img, int channel, int slice, size_t pairs, uint64_t seed, mc_stats *out,
                     mc_err *err);

/* Everything pairwise: MSE/PSNR/SSIM, NPCR/UACI, thumbnail PSNR/SSIM. */
typedef struct mc_pair_stats {
    double mse, psnr, ssim;
    mc_npcr d;
    unsigned thumb_block;
    double thumb_psnr, thumb_ssim;
} mc_pair_stats;
MC_LAB_API int mc_pair_stats_compute(const mc_image *a, const mc_image *b, int channel, int slice, unsigned thumb_block,
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
MC_LAB_API int mc_sensitivity_compute(const mc_image *img, const char *scheme, mc_profile profile, const char *const *params,
                           size_t nparams, const uint8_t key[MC_KEY_BYTES], uint64_t seed, mc_sensitivity *out,
                           mc_err *err);

/* ------------------------------------------------------------------ plots */

/* PNG plots drawn with cairo.  n images (1 or 2) side by side, each with its
 * label as the panel title.
 * Histogram: levels on x (2^bits bins; 16-bit images binned into 256), count
 * on y.  Scatter: one row per image, one panel per direction (h, v, d, ad), the
 * level of a pixel against its neighbour's, `pairs` sampled pairs (seeded). */
MC_LAB_API int mc_plot_histograms(const char *path, const mc_image *const *imgs, const char *const *labels, size_t n,
                       mc_err *err);
MC_LAB_API int mc_plot_scatter(const char *path, const mc_image *const *imgs, const char *const *labels, size_t n,
                    size_t pairs, uint64_t seed, mc_err *err);

/* Release cairo's and fontconfig's process-wide caches (text rendering) so
 * that leak checkers stay quiet.  Not thread-safe: call once, from a
 * single-threaded program, after its last plot (the CLI does at exit). */
MC_LAB_API void mc_plot_cleanup(void);


/* ================================================================ attacks */

/* Known- and chosen-plaintext attacks on the classical schemes
 * (docs/attacks.md).  
 *
 * Model: the cipher image is a public, key-independent rearrangement of the
 * plain samples XORed with a keystream that depends only on the key:
 *     C = Perm(P) XOR K
 * logistic and aead: Perm = identity; zigzag: Perm = the zigzag order named by
 * the cipher's `p.pattern` entry.  In the `paper` profiles of logistic and
 * zigzag, K is the same for every image under one key, so one known pair
 * (P1, C1) gives K = C1 XOR Perm(P1) and decrypts every other cipher image of
 * the same geometry; one chosen plaintext (all zeros) gives K directly.  In
 * `hardened` (fresh nonce per image) the recovered keystream belongs to
 * another image and the "recovered" samples are right only by chance
 * (2^-bits per sample). */


/* Schemes the XOR model applies to (logistic, zigzag, aead); 0 otherwise. */
MC_LAB_API int mc_attack_supported(const char *scheme);

/* Known-plaintext attack.  All three images must have the same geometry
 * (width, height, depth, channels, bits); the ciphers carry medcrypt metadata
 * (the pattern is read from known_cipher).  *recovered: a new image of the
 * target's geometry, without metadata.  MC_ERR_UNSUPPORTED for a scheme
 * outside the model, MC_ERR_FORMAT for mismatched inputs. */
MC_LAB_API int mc_attack_kpa(const char *scheme, const mc_image *known_plain, const mc_image *known_cipher,
                  const mc_image *target_cipher, mc_image **recovered, mc_err *err) MC_WUR;

/* The encryption oracle of a chosen-plaintext attack: encrypts img in place
 * (setting its metadata) under the victim's key; the attack sees only its
 * output. */
typedef int (*mc_attack_oracle)(void *ud, mc_image *img, mc_err *err);

/* Chosen-plaintext attack: asks the oracle for the cipher of an all-zero image
 * of the target's geometry, then runs the known-plaintext attack with it (the
 * neural schemes: the leak estimate above). */
MC_LAB_API int mc_attack_cpa(const char *scheme, mc_attack_oracle oracle, void *ud, const mc_image *target_cipher,
                  mc_image **recovered, mc_err *err) MC_WUR;

/* The neural schemes (at-resnet-cm, resnet-cm): cipher = Q(enc(P, t)) XOR K
 * with the target t and keystream K fixed by the key in the paper profile, and
 * Q(enc(P, t)) close to t plus a small increasing function of P.  Two ciphers
 * under one key XOR to Q(e1) XOR Q(e2) (K cancels), whose highest set bit
 * grows with |P1 - P2|.  With the oracle's cipher of an all-zero image, the
 * chosen-plaintext attack draws the target's plaintext: recovered[i] = the
 * position of the highest set bit of C0[i] XOR C[i] (0..bits), scaled to the
 * sample range.  An estimate, not an exact recovery (score it with
 * mc_attack_corr); in hardened, t and K are fresh per image and it draws
 * noise.  1 for these schemes. */
MC_LAB_API int mc_attack_leak_supported(const char *scheme);

/* Pearson correlation of the samples of a and b (same geometry). */
MC_LAB_API int mc_attack_corr(const mc_image *a, const mc_image *b, double *r, mc_err *err) MC_WUR;

/* Samples of a equal to those of b (same geometry, else MC_ERR_FORMAT). */
MC_LAB_API int mc_attack_score(const mc_image *a, const mc_image *b, size_t *matched, size_t *total, mc_err *err) MC_WUR;


/* Surrogate decryption: from n known pairs (plain[i], cipher[i]) made under
 * one secret (a key, or edg-net's secret weights, in the paper profile),
 * learn a network mapping ciphers to plains and apply it to other ciphers.
 * The surrogate has edg-net's decryption architecture (a U-GAT-IT light
 * generator: public, only the weights are secret), trained by L1 regression
 * on co-located random crops.  Pairs: gray images of equal geometry per pair,
 * at least patch x patch.  Deterministic for a given seed and machine (the
 * fast kernels' bits depend on the CPU). */
typedef struct mc_surrogate_opts {
    uint32_t ngf, n_res;   /* generator base channels, blocks (0: 8, 4) */
    uint64_t steps;        /* optimisation steps (0: 1000) */
    uint32_t batch, patch; /* crops per step, crop size (0: 8, 64) */
    float lr;              /* Adam learning rate, falling linearly to 0 over the second half (0: 1e-3) */
    uint64_t seed;
    /* after every step; nonzero stops (MC_ERR_ARG); may be NULL */
    int (*progress)(void *ud, uint64_t step, uint64_t steps, double loss);
    void *ud;
} mc_surrogate_opts;
typedef struct mc_surrogate mc_surrogate;
MC_LAB_API int mc_surrogate_train(const mc_image *const *plain, const mc_image *const *cipher, size_t n,
                                  const mc_surrogate_opts *o, mc_surrogate **out, mc_err *err) MC_WUR;
/* The surrogate's decryption of cipher (tile by tile, tiles of the patch
 * size): a new image of cipher's geometry and sample type, no metadata. */
MC_LAB_API int mc_surrogate_apply(mc_surrogate *s, const mc_image *cipher, mc_image **recovered, mc_err *err) MC_WUR;
MC_LAB_API void mc_surrogate_free(mc_surrogate *s);


/* ======================================================== neural training */

/* Progress of mc_train, reported after every step. */
typedef struct mc_train_progress {
    uint64_t epoch, epochs;          /* epoch: 0-based */
    uint64_t step, steps_per_epoch;  /* step within the epoch, 0-based */
    uint64_t total_step;             /* steps since the start (resumed runs: since the first run) */
    double loss, lr, seconds;        /* lr of the first network's optimiser */
} mc_train_progress;

#define MC_TRAIN_DEFAULT UINT64_MAX /* a count taken from the configuration */

/* What `medcrypt train` does: build (or resume) a model of architecture
 * `arch`, train it on random patches of the images in data[] (files or
 * directories), and save it to `out` (encrypted under key when key != NULL). */
typedef struct mc_train_args {
    const char *arch;
    const char *config;                /* NULL: the architecture's first */
    const char *const *data;           /* files or directories */
    size_t ndata;
    const char *const *hp;             /* "NAME=VALUE" overrides of the configuration's */
    size_t nhp;
    uint64_t epochs, steps, batch, patch; /* MC_TRAIN_DEFAULT: the configuration's; steps 0: one pass */
    uint64_t seed;
    const char *lr_decay;              /* "const", "linear" or NULL (the configuration's) */
    const char *scale;                 /* "pm1", "01" or NULL (the architecture's) */
    int no_flip;
    const char *backend;               /* "fast" (default) or "ref" */
    const char *checkpoint;            /* saved after every epoch; NULL: none */
    const char *resume;                /* a checkpoint to continue from; NULL: a new model */
    const char *out;                   /* the model file (written directly) */
    /* one line at the start (images, threads, kernels); may be NULL */
    void (*log)(void *ud, const char *line);
    /* after every step; nonzero stops training (MC_ERR_ARG); may be NULL */
    int (*progress)(void *ud, const mc_train_progress *p);
    void *ud;
} mc_train_args;

/* Train and save.  MC_ERR_ARG for unknown names or inconsistent arguments
 * (the message names the option), other statuses from reading and training. */
MC_LAB_API int mc_train(const mc_train_args *a, const mc_key *key, mc_err *err) MC_WUR;
/* The architectures, their hyperparameters and configurations, as the help
 * text of `medcrypt train` lists them. */
MC_LAB_API void mc_train_describe(FILE *f);
/* Check a model file (checksum, or its tag when encrypted under key, then
 * every size and shape) and describe it on f, as text or JSON. */
MC_LAB_API int mc_model_describe(const char *path, const mc_key *key, int json, FILE *f, mc_err *err) MC_WUR;


/* ================================================================= report */

/* The numeric claims the four papers make in their text (AT-ResNet-CM 34,
 * TPE-H2MWD 4, Deep-KEDI 13, EDG-Net 4: `counted`), and supplementary
 * statements the report also checks (`counted` 0), in the order of the
 * report.  `method` says how the report reproduces the claim (which
 * function, which images) or, when `reproducible` is 0, why it cannot. */
typedef struct mc_claim {
    const char *id;          /* "A01" .. : A AT-ResNet-CM, T TPE-H2MWD, K Deep-KEDI, E EDG-Net; S.. supplementary */
    const char *paper;       /* "at-resnet-cm", "tpe-h2mwd", "deep-kedi", "edg-net" */
    const char *where;       /* table / section of the paper */
    const char *quantity;    /* what the number measures */
    const char *paper_value; /* as printed */
    const char *method;
    int counted, reproducible;
} mc_claim;
MC_LAB_API size_t mc_claim_count(void);
MC_LAB_API const mc_claim *mc_claim_at(size_t i); /* NULL past the end */

/* What `medcrypt report` does: run the reproductions and write a static
 * site into the existing, empty directory out_dir: index.html (one section
 * per paper and one for the classical ciphers, attacks and speed: every
 * claim beside our value, the images, the command; tables; figures), fig/NAME.png
 * (cairo), tables/NAME.md (the reproduction tables as markdown), demo.key (the
 * fixed, public key every paper-profile row uses) and claims.json (every
 * claim with our value and status).  No JavaScript, no external resource.
 * Values of schemes that are not registered (mc_scheme_find) are reported as
 * pending, never invented. */
typedef struct mc_report_opts {
    const char *samples;   /* the sample directory (scripts/fetch-samples.sh); NULL: the phantoms only */
    int quick;             /* small images, few repetitions: seconds, for the tests */
    const char *command;   /* the command line to print in the report (NULL: "medcrypt report OUT_DIR") */
    /* one line per step (may be NULL) */
    void (*log)(void *ud, const char *line);
    void *ud;
} mc_report_opts;
MC_LAB_API int mc_report_write(const char *out_dir, const mc_report_opts *o, mc_err *err) MC_WUR;

#ifdef __cplusplus
}
#endif
#endif /* MEDCRYPT_LAB_H */
