/* report_claims.c - the claims table: every number the four papers state in
 * their text (55: AT-ResNet-CM 34, TPE-H2MWD 4, Deep-KEDI 13, EDG-Net 4),
 * with where it is, what it measures, and how `medcrypt report` reproduces it
 * or why it cannot; then supplementary statements (qualitative claims,
 * misprints, numbers quoted from other papers) that the report also checks.
 *
 * Counting rule (docs/report.md): a claim is a number the paper's text
 * states about its own or its compared systems' results, once per table
 * cell the text quotes (Table 5 restates the ResNet-CM row of Table 4: it
 * counts again, as the paper compares it there); settings (epochs, sizes of
 * data sets) and numbers about unrelated work are not claims. */
#include "medcrypt_lab.h"

#include <stddef.h>

#define AT "at-resnet-cm"
#define TP "tpe-h2mwd"
#define KD "deep-kedi"
#define EG "edg-net"

/* the paper's own images are not available (all rows of Tables 2 and 3) */
#define A_STANDIN                                                                                                \
    "stand-in: the paper's images (AMRG Cardiac MRI Atlas, COVID-19 chest X-ray, resized to 512x512 8-bit) are " \
    "not available; mc_corr / mc_entropy of "
#define A_CIPHER "resnet-cm, paper profile, the fixed demo key, then "
#define A_OTHER(who)                                                                                               \
    "not reproducible: " who " is another paper's system, not implemented in medcrypt; the paper quotes its value " \
    "(Table 4); our classical ciphers' values are in the classical section"

static const mc_claim k_claims[] = {
    /* ------------------------------------------------------- AT-ResNet-CM */
    {"A01", AT, "Table 2, Sec. 4.2", "horizontal correlation, plain Chest image", "0.9625",
     A_STANDIN "the 512x512 8-bit phantom (the paper's size and depth)", 1, 1},
    {"A02", AT, "Table 2, Sec. 4.2", "horizontal correlation, plain Brain image", "0.9372",
     A_STANDIN "ITK's BrainT1Slice (brain MR, 8-bit)", 1, 1},
    {"A03", AT, "Table 2, Sec. 4.2", "horizontal correlation, plain Lung image", "0.9756",
     A_STANDIN "pydicom's CT_small (CT, 16-bit)", 1, 1},
    {"A04", AT, "Table 2, Sec. 4.2", "horizontal correlation, ResNet-CM cipher of Chest", "0.0021",
     A_CIPHER "mc_corr (all horizontal pairs) of the cipher of the 512x512 8-bit phantom", 1, 1},
    {"A05", AT, "Table 2, Sec. 4.2", "horizontal correlation, ResNet-CM cipher of Brain", "-0.0064",
     A_CIPHER "mc_corr of the cipher of BrainT1Slice", 1, 1},
    {"A06", AT, "Table 2, Sec. 4.2", "horizontal correlation, ResNet-CM cipher of Lung", "0.0017",
     A_CIPHER "mc_corr of the cipher of CT_small", 1, 1},
    {"A07", AT, "Table 3, Sec. 4.2", "entropy, plain Chest image", "7.3863",
     A_STANDIN "the 512x512 8-bit phantom", 1, 1},
    {"A08", AT, "Table 3, Sec. 4.2", "entropy, plain Brain image", "6.9735", A_STANDIN "BrainT1Slice", 1, 1},
    {"A09", AT, "Table 3, Sec. 4.2", "entropy, plain Lung image", "7.2492",
     A_STANDIN "CT_small (16-bit: entropy of the high byte, 256 bins, comparable with 8-bit)", 1, 1},
    {"A10", AT, "Table 3, Sec. 4.2", "entropy, ResNet-CM cipher of Chest", "7.9887",
     A_CIPHER "mc_entropy of the cipher of the 512x512 8-bit phantom", 1, 1},
    {"A11", AT, "Table 3, Sec. 4.2", "entropy, ResNet-CM cipher of Brain", "7.9658",
     A_CIPHER "mc_entropy of the cipher of BrainT1Slice", 1, 1},
    {"A12", AT, "Table 3, Sec. 4.2", "entropy, ResNet-CM cipher of Lung", "7.9911",
     A_CIPHER "mc_entropy (high byte) of the cipher of CT_small", 1, 1},
    {"A13", AT, "Table 4, Sec. 4.3", "horizontal correlation of the cipher, ResNet-CM", "0.0021",
     A_CIPHER "mc_corr of the cipher of the 512x512 8-bit phantom", 1, 1},
    {"A14", AT, "Table 4, Sec. 4.3", "horizontal correlation of the cipher, Zhang et al. 2012", "0.0283",
     A_OTHER("Zhang et al. 2012 (a perceptron-model chaotic cipher)"), 1, 0},
    {"A15", AT, "Table 4, Sec. 4.3", "horizontal correlation of the cipher, Ding et al. 2020 (DeepEDN)", "0.0259",
     A_OTHER("DeepEDN (Ding et al. 2020, a Cycle-GAN)"), 1, 0},
    {"A16", AT, "Table 4, Sec. 4.3", "horizontal correlation of the cipher, Yang et al. 2020", "0.0188",
     A_OTHER("Yang et al. 2020 (BP network + hyperchaos)"), 1, 0},
    {"A17", AT, "Table 4, Sec. 4.3", "horizontal correlation of the cipher, Hua et al. 2021", "0.0135",
     A_OTHER("Hua et al. 2021 (2D logistic-tent modular map)"), 1, 0},
    {"A18", AT, "Table 4, Sec. 4.3", "horizontal correlation of the cipher, Wu et al. 2021", "0.0089",
     A_OTHER("Wu et al. 2021 (adversarial neural cryptography + SHA-controlled chaos)"), 1, 0},
    {"A19", AT, "Table 4, Sec. 4.3", "horizontal correlation of the cipher, Wang et al. 2022", "0.0176",
     A_OTHER("Wang et al. 2022 (V-Net + 4D hyperchaos)"), 1, 0},
    {"A20", AT, "Table 4, Sec. 4.3", "horizontal correlation of the cipher, Zhu et al. 2022", "0.0065",
     A_OTHER("Zhu et al. 2022 (a ResNet cipher)"), 1, 0},
    {"A21", AT, "Table 4, Sec. 4.3", "entropy of the cipher, ResNet-CM", "7.9887",
     A_CIPHER "mc_entropy of the cipher of the 512x512 8-bit phantom", 1, 1},
    {"A22", AT, "Table 4, Sec. 4.3", "entropy of the cipher, Zhang et al. 2012", "7.1165",
     A_OTHER("Zhang et al. 2012"), 1, 0},
    {"A23", AT, "Table 4, Sec. 4.3", "entropy of the cipher, Ding et al. 2020 (DeepEDN)", "7.1548",
     A_OTHER("DeepEDN"), 1, 0},
    {"A24", AT, "Table 4, Sec. 4.3", "entropy of the cipher, Yang et al. 2020", "7.2831",
     A_OTHER("Yang et al. 2020"), 1, 0},
    {"A25", AT, "Table 4, Sec. 4.3", "entropy of the cipher, Hua et al. 2021", "7.6369", A_OTHER("Hua et al. 2021"),
     1, 0},
    {"A26", AT, "Table 4, Sec. 4.3", "entropy of the cipher, Wu et al. 2021", "7.7532", A_OTHER("Wu et al. 2021"), 1,
     0},
    {"A27", AT, "Table 4, Sec. 4.3", "entropy of the cipher, Wang et al. 2022", "7.3582",
     A_OTHER("Wang et al. 2022"), 1, 0},
    {"A28", AT, "Table 4, Sec. 4.3", "entropy of the cipher, Zhu et al. 2022", "7.8364", A_OTHER("Zhu et al. 2022"),
     1, 0},
    {"A29", AT, "Table 5, Sec. 4.4, abstract", "horizontal correlation of the cipher, AT-ResNet-CM", "0.0010",
     "at-resnet-cm, paper profile, the demo key; mc_corr of the cipher of the 512x512 8-bit phantom", 1, 1},
    {"A30", AT, "Table 5, Sec. 4.4, abstract", "horizontal correlation of the cipher, ResNet-CM", "0.0021",
     A_CIPHER "mc_corr of the cipher of the 512x512 8-bit phantom", 1, 1},
    {"A31", AT, "Table 5, Sec. 4.4, Sec. 6", "entropy of the cipher, AT-ResNet-CM", "7.9965",
     "at-resnet-cm, paper profile, the demo key; mc_entropy of the cipher of the 512x512 8-bit phantom", 1, 1},
    {"A32", AT, "Table 5, Sec. 4.4, Sec. 6", "entropy of the cipher, ResNet-CM", "7.9887",
     A_CIPHER "mc_entropy of the cipher of the 512x512 8-bit phantom", 1, 1},
    {"A33", AT, "Sec. 5", "horizontal correlation reduced by attention (ResNet-CM to AT-ResNet-CM)", "52.38%",
     "100 (|r(resnet-cm)| - |r(at-resnet-cm)|) / |r(resnet-cm)| from A29 and A30", 1, 1},
    {"A34", AT, "Sec. 5", "entropy increased by attention (ResNet-CM to AT-ResNet-CM)", "0.10%",
     "100 (H(at-resnet-cm) - H(resnet-cm)) / H(resnet-cm) from A31 and A32", 1, 1},
    /* supplementary */
    {"SA1", AT, "abstract", "information entropy of ResNet-CM / AT-ResNet-CM", "0.9887 / 0.9965",
     "not reproducible: a misprint for 7.9887 / 7.9965 (Table 5 and Sec. 6 give these); see A31, A32", 0, 0},
    {"SA2", AT, "Sec. 4.4", "key space", "at least 2^(8x256x256) > 2^100",
     "ours: the 256-bit key file (target image and chaotic parameters derived from it with BLAKE2b); the model "
     "is public",
     0, 1},
    {"SA3", AT, "Sec. 2 (Bao and Xue 2021)", "NPCR / UACI of a Cycle-GAN cipher", "99.64% / 33.49%",
     "another paper's figures; ours: mc_sensitivity_compute (one key bit flipped) of at-resnet-cm on the phantom, "
     "both profiles",
     0, 1},
    {"SA4", AT, "Sec. 5, Sec. 6", "attention greatly improves the running speed", "(no number)",
     "ours: median mc_encrypt time of at-resnet-cm over resnet-cm on the phantom (hardened)", 0, 1},

    /* --------------------------------------------------------- TPE-H2MWD */
    {"T01", TP, "Table 1, Sec. 4.2", "mean thumbnail PSNR, TPE-H2MWD (blocks 8, 16, 32)", "+inf",
     "tpe-h2mwd, hardened; mc_thumb_compare of plain and cipher at blocks 8, 16 and 32; the worst over every "
     "image, channel and slice (the paper: 500 Helen faces, not available)",
     1, 1},
    {"T02", TP, "Table 1, Sec. 4.2", "mean thumbnail PSNR, TPE2 (blocks 8, 16, 32)", "+inf",
     "tpe2, hardened; as T01", 1, 1},
    {"T03", TP, "Table 2, Sec. 4.2", "mean thumbnail SSIM, TPE-H2MWD (blocks 8, 16, 32)", "1",
     "tpe-h2mwd, hardened; mc_thumb_compare SSIM, the worst over every image (thumbnails of at least 11x11)", 1, 1},
    {"T04", TP, "Table 2, Sec. 4.2", "mean thumbnail SSIM, TPE2 (blocks 8, 16, 32)", "1",
     "tpe2, hardened; as T03", 1, 1},
    /* supplementary */
    {"ST1", TP, "Table 3, Sec. 4.3", "cipher entropy: TPE2 slightly above TPE-H2MWD (block 32)", "(ordering)",
     "mc_entropy of both ciphers at block 32 on every image", 0, 1},
    {"ST2", TP, "Table 4, Sec. 4.5", "adjacent correlation: TPE-H2MWD below TPE2 (block 32)", "(ordering)",
     "mc_corr (h, v, d, all pairs) of both ciphers at block 32 on every image", 0, 1},
    {"ST3", TP, "Table 5, Sec. 4.6", "TPE-H2MWD is O(mn), TPE2 O(mnd^3) and slower", "(ordering)",
     "median mc_encrypt time of tpe2 over tpe-h2mwd, hardened, block 32, the phantom", 0, 1},
    {"ST4", TP, "Fig. 11, Sec. 4.8", "cipher PNG expansion grows with the block size (TPE-H2MWD)", "(trend)",
     "mc_png_size of the cipher over the plain's at blocks 8, 16, 32, 64", 0, 1},

    /* --------------------------------------------------------- Deep-KEDI */
    {"K01", KD, "abstract, Table 3, Sec. 5", "information entropy of the generated key images", "7.45",
     "deep-kedi key images (mc_key_image, or the paper-profile cipher of an all-zero image, which is the key "
     "image) of the demo key and keys derived from it, 256x256 8-bit: mean mc_entropy",
     1, 1},
    {"K02", KD, "Table 1, Sec. 4", "average SSIM of the decrypted image (ZZ-GAN)", "0.618",
     "deep-kedi, paper profile (lossy: despeckled), the demo key: mean mc_ssim of decrypted vs plain over the "
     "8-bit held-out images",
     1, 1},
    {"K03", KD, "Table 1, Sec. 4", "average MSE of the decrypted image (ZZ-GAN)", "2.62",
     "as K02, mean mc_mse_psnr MSE (levels; the paper's scale is not stated)", 1, 1},
    {"K04", KD, "Table 1, Sec. 4", "average PSNR of the decrypted image (ZZ-GAN)", "25.32 dB",
     "as K02, mean mc_mse_psnr PSNR", 1, 1},
    {"K05", KD, "Sec. 4", "SSIM of the Deep-KEDI model, 'close to ground truth'", "0.554",
     "not reproducible: the text does not say which images or which output give 0.554 beside ZZ-GAN's 0.618 "
     "(Table 1 is not in the text); our decryption SSIM is K02",
     1, 0},
    {"K06", KD, "Table 2, Sec. 4", "NPCR between the key images of two keys", "99.5%",
     "mc_npcr_uaci between the key images of consecutive keys (as K01), mean, with the Wu-Noonan-Agaian "
     "critical value",
     1, 1},
    {"K07", KD, "Table 6, Sec. 4, Sec. 5", "entropy above EDNN (Wang and Zhang 2022)", "3.75%",
     "not reproducible: EDNN is another paper's system, not implemented in medcrypt", 1, 0},
    {"K08", KD, "Table 6, Sec. 4, Sec. 5", "entropy above ResNet-50 (Alzamily et al. 2022)", "8.18%",
     "not reproducible: the ResNet-50 system is another paper's, not implemented in medcrypt", 1, 0},
    {"K09", KD, "Table 6, Sec. 4, Sec. 5", "entropy above the 4D hyperchaotic V-Net (Wang et al. 2022)", "4.96%",
     "not reproducible: another paper's system, not implemented in medcrypt", 1, 0},
    {"K10", KD, "Sec. 4 (times)", "EDNN encryption time (the lowest)", "7.17 ms",
     "not reproducible: EDNN is not implemented in medcrypt", 1, 0},
    {"K11", KD, "Sec. 4 (times)", "ZZ-GAN decryption time (the lowest)", "45 ms",
     "median mc_decrypt time of deep-kedi on a 256x256 8-bit image (paper and hardened), this machine", 1, 1},
    {"K12", KD, "Sec. 4 (times)", "ResNet-50 decryption time (the longest)", "92 ms",
     "not reproducible: the ResNet-50 system is not implemented in medcrypt", 1, 0},
    {"K13", KD, "Sec. 4 (times)", "4D hyperchaotic encryption time ('the longest')", "7.08 ms",
     "not reproducible: the 4D hyperchaotic system is not implemented (and 7.08 ms is below EDNN's 'lowest' "
     "7.17 ms: the text contradicts itself)",
     1, 0},
    /* supplementary */
    {"SK1", KD, "Fig. 10, Sec. 4", "only key A decrypts; keys B, C, D give unrecognisable images", "(qualitative)",
     "decrypt the demo key's paper cipher with three other keys (PSNR against the plain); hardened: refused (MAC)",
     0, 1},

    /* ----------------------------------------------------------- EDG-Net */
    {"E01", EG, "Sec. 3.2.1 (Tab. 1)", "Inception Score of the ciphers, public data set", "1.43",
     "not reproducible: IS needs Inception-v3 and its ImageNet classes; no such weights are packaged for Debian "
     "and a feature extractor without classes has no honest IS analogue",
     1, 0},
    {"E02", EG, "Sec. 3.2.1 (Tab. 1)", "Inception Score of the ciphers, private data set", "1.67",
     "not reproducible: as E01 (and the private Nanjing data set is not available)", 1, 0},
    {"E03", EG, "Sec. 3.5 (Tab. 4)", "parameters of EDG-Net relative to U-GAT-IT (UGA)", "about 2x",
     "the parameters of the built-in edg-net model (every network) over U-GAT-IT light at the same widths: our "
     "edg-net is U-GAT-IT light, so 1 by construction; the paper's extra modules (DEDS, DTA, AN) are not "
     "specified enough to count",
     1, 1},
    {"E04", EG, "Sec. 3.5 (Tab. 4)", "parameters of EDG-Net relative to CycleGAN", "about 3x",
     "the parameters of the built-in edg-net model's networks over as many of CycleGAN's (ResNet-9 generators, "
     "70x70 PatchGAN discriminators, instance norm) at the same base widths and channels, counted from the "
     "published architecture",
     1, 1},
    /* supplementary */
    {"SE1", EG, "Sec. 3.2.2 (Tab. 2)", "FID of P2P and UGA about half of EDG-Net's (decryption)", "about 0.5x",
     "not reproducible: FID needs Inception-v3 (not available), and pix2pix / U-GAT-IT are not trained here", 0, 0},
    {"SE2", EG, "Sec. 3.2.2 (Tab. 2)", "EDG-Net's decrypted images have the highest PSNR and SSIM", "(ordering)",
     "ours: edg-net paper-profile decryption PSNR / SSIM against the plain on held-out CT (no other GAN to rank)",
     0, 1},
};

size_t mc_claim_count(void) { return sizeof k_claims / sizeof k_claims[0]; }

const mc_claim *mc_claim_at(size_t i) { return i < mc_claim_count() ? &k_claims[i] : NULL; }
