/* ripplet.h - the discrete ripplet transform, type I (Xu, Yang, Wu 2010), in
 * its contourlet-like discrete form: a Laplacian pyramid (LP) with the 9/7
 * filters, then a directional filter bank (DFB) on each band-pass image.
 * Internal to libmedcrypt (src/dsp); docs/schemes/deep-kedi.md describes it.
 *
 * Scales.  For a w x h image, J = floor(log2(min(w, h))) - 4 band-pass
 * scales (none below 32 pixels: the transform is then the identity).  Scale
 * j = 1 is the coarsest band-pass, j = J the finest (full size).  The
 * ripplet support c and degree d set the DFB levels of scale j:
 *     levels_j = floor(max(j * (1 - 1/d - log2 c), 0))   (+1e-9 before floor)
 * i.e. 2^levels_j directional subbands (c = 1, d = 3 at 256 x 256: 0 1 2 2).
 *
 * Padding.  The image is extended to pw x ph, the next multiples of 2^J, by
 * whole-sample mirroring at the right and bottom edges (x[w + i] =
 * x[w - 2 - i]); the inverse returns the padded image and callers crop.
 *
 * LP (one level, sizes even): c = down2(h * x), p = 4 (g (x) g) * up2(c),
 * d = x - p, with h the 9-tap analysis and g the 7-tap synthesis low-pass of
 * the CDF 9/7 pair, both of DC gain 1, separable, whole-sample symmetric
 * extension at every edge.  Reconstruction x = p + d is exact by
 * construction (up to rounding).
 *
 * DFB (on a band of hb x wb, multiples of 2^L, periodic).  A binary tree of
 * two-channel quincunx filter banks in lifting form, computed in place: a node
 * owns the samples of one coset o + M Z^2 of a lattice; it is split with a
 * local basis (v1, v2) of that lattice into its "even" (o + {a v1 + b v2 :
 * a + b even}) and "odd" (o + v1 + ...) cosets by
 *     predict  odd  -= sum_{i,j} b_i b_j s_ij x[p + (i+j) v1 + (i-j) v2]
 *     update   even += 1/2 sum_{i,j} b_i b_j s_ij x[p + (i+j) v1 + (i-j) v2]
 * i, j in {+-1/2, +-3/2}, b = (-1, 9, 9, -1)/16 (cubic interpolation along
 * the two diagonals of the local lattice), s_ij = (-1)^(i-j): the diamond
 * filter bank modulated by pi along v2, i.e. a fan filter bank whose two
 * channels are split by the lines (v1 - v2).w = 0 and (v1 + v2).w = 0 of the
 * frequency plane.  Level 1 (v1, v2 = unit vectors) splits the cones |w_r| <=
 * |w_c| and |w_r| > |w_c|; every later level halves the slope interval of
 * each subband by choosing (v1, v2) so that one split line runs through the
 * middle slope and the other outside the cone.  Every step is a lifting
 * step, so the inverse (the steps undone in reverse order) is exact up to
 * rounding.  The leaves are the directional subbands, numbered by cone then
 * by increasing slope; each one is a coset of the band's samples.
 */
#ifndef MC_DSP_RIPPLET_H
#define MC_DSP_RIPPLET_H

#include "medcrypt.h"

#include <stddef.h>
#include <stdint.h>

#define MC_DRT_MAX_SCALES 12u /* J <= floor(log2(65535)) - 4 = 11 */
#define MC_DRT_MAX_LEVELS 6u  /* at most 64 directions per scale */

/* One node of a DFB tree. */
typedef struct mc_dfb_node {
    int32_t o[2];             /* coset offset (row, col) of the node's samples */
    int32_t m[2][2];          /* basis of the node's lattice: m[0], m[1] */
    int32_t v1[2], v2[2];     /* local basis of the split */
    uint32_t ca, cb, cg;      /* Hermite normal form of the children's lattice:
                                 (r, c) in it iff r = 0 mod ca, c = (r/ca) cb mod cg */
    uint8_t cone;             /* 0: |w_r| <= |w_c| (slope w_r/w_c), 1: the other (w_c/w_r) */
    int32_t s0, s1;           /* slope interval [s0, s1] / 2^levels */
    uint8_t even_first;       /* the even child holds [s0, mid] */
} mc_dfb_node;

/* The DFB of one band: its tree and the direction label of every sample. */
typedef struct mc_dfb {
    unsigned levels;
    uint32_t h, w;
    size_t nnodes;            /* 2^levels - 1 internal nodes, level by level */
    mc_dfb_node *node;
    uint8_t *label;           /* h*w direction indices, h*w/2^levels samples each
                                 (NULL when levels = 0: one subband) */
} mc_dfb;

/* Build the DFB of an h x w band with `levels` levels (h, w multiples of
 * 2^levels).  MC_ERR_INTERNAL if no split basis exists (a bug). */
int mc_dfb_init(mc_dfb *f, uint32_t h, uint32_t w, unsigned levels, mc_err *err) MC_WUR;
void mc_dfb_free(mc_dfb *f);
/* In place on x (h*w, row-major). */
void mc_dfb_forward(const mc_dfb *f, double *x);
void mc_dfb_inverse(const mc_dfb *f, double *x);

/* One lifting step of node n on x: forward (predict then update) or its
 * inverse.  Exposed for the tests' reference. */
void mc_dfb_node_step(const mc_dfb *f, const mc_dfb_node *n, double *x, int inverse);
/* The lifting filter: 16 taps at local offsets (a, b) = (i+j, i-j). */
#define MC_DFB_TAPS 16
void mc_dfb_taps(int a[MC_DFB_TAPS], int b[MC_DFB_TAPS], double wt[MC_DFB_TAPS]);

/* LP filters: h[0..4] (analysis, h[-i] = h[i]) and g[0..3] (synthesis). */
extern const double mc_lp97_h[5], mc_lp97_g[4];
/* One LP level: x (h x w, even) -> c (h/2 x w/2) and d (h x w).  tmp: h*w/2
 * doubles (analysis) or 3*h*w/2 (synthesis). */
void mc_lp_analyze(const double *x, uint32_t h, uint32_t w, double *c, double *d, double *tmp);
/* x = P(c) + d (x may alias d). */
void mc_lp_synthesize(const double *c, const double *d, uint32_t h, uint32_t w, double *x, double *tmp);
/* Whole-sample mirror index into [0, n). */
static inline int64_t mc_dsp_mirror(int64_t i, int64_t n) {
    if (n == 1) return 0;
    for (;;) {
        if (i < 0) i = -i;
        else if (i >= n) i = 2 * (n - 1) - i;
        else return i;
    }
}

/* A transform for one image size and (c, d). */
typedef struct mc_drt {
    uint32_t w, h;            /* image */
    uint32_t pw, ph;          /* padded */
    unsigned J;               /* band-pass scales */
    unsigned levels[MC_DRT_MAX_SCALES];
    uint32_t bw[MC_DRT_MAX_SCALES], bh[MC_DRT_MAX_SCALES]; /* band j-1 size */
    size_t off[MC_DRT_MAX_SCALES + 1]; /* offset of band j-1 in the coefficients; off[J]: low-pass */
    uint32_t lw, lh;          /* low-pass size */
    size_t ncoef;             /* all coefficients */
    size_t nband;             /* band-pass coefficients (they come first) */
    mc_dfb dfb[MC_DRT_MAX_SCALES];
} mc_drt;

/* DFB levels of scale j (1-based) for support c and degree d; c in [1, 16], d
 * in [1, 64]; clipped to MC_DRT_MAX_LEVELS. */
unsigned mc_drt_levels(unsigned j, double c, double d);
/* Plan for a w x h image. */
int mc_drt_init(mc_drt *t, uint32_t w, uint32_t h, double c, double d, mc_err *err) MC_WUR;
void mc_drt_free(mc_drt *t);
/* Doubles of workspace forward/inverse need. */
size_t mc_drt_work_len(const mc_drt *t);
/* img: h x w (row stride w); coef: ncoef; work: mc_drt_work_len. */
void mc_drt_forward(const mc_drt *t, const double *img, double *coef, double *work);
/* out: ph x pw (the padded image; the first h rows / w columns are the image). */
void mc_drt_inverse(const mc_drt *t, const double *coef, double *out, double *work);
/* Pad img (h x w) into out (ph x pw) by whole-sample mirroring. */
void mc_drt_pad(const mc_drt *t, const double *img, double *out);

#endif
