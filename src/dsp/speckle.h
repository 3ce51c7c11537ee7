/* speckle.h - speckle noise through the ripplet transform and its removal
 * (Deep-KEDI's pre- and post-processing; docs/schemes/deep-kedi.md).
 * Internal to libmedcrypt.
 *
 * Addition: multiplicative, J = I + n I with n uniform on (-a, a), a =
 * sqrt(3 var) (zero mean, variance var), n = a (2 U - 1), U = (u32 + 1/2) /
 * 2^32, one little-endian u32 of a keyed stream per value, in one of two
 * domains:
 *   pixel    every sample of the plane (the paper's Eq. 2, "a spatially
 *            speckled image"), in raster order;
 *   ripplet  every band-pass coefficient of the plane's ripplet transform,
 *            in coefficient order; the low-pass is kept; J = the inverse
 *            transform, cropped.
 * A zero plane stays zero in both (and a constant one in `ripplet`).
 *
 * Removal (the usual log-domain despeckling): L = log(1 + J); the ripplet
 * coefficients of L are soft-thresholded subband by subband (BayesShrink):
 * the noise level s is the median of |v| / g over the finest scale's
 * coefficients (exact zeros, i.e. flat background, left out) over 0.6745,
 * g being each subband's gain for unit white noise (measured once per plan
 * on a fixed pseudo-random plane); subband b gets T = s_b^2 / s_x, s_b = s
 * g_b, s_x = sqrt(max(mean v^2 - s_b^2, 0)) (T = max |v| when s_x = 0);
 * then exp(inverse) - 1.
 *
 * Every operation is a fixed sequence of IEEE double +, -, *, /, sqrt, floor,
 * frexp and ldexp (log and exp are our own, below), so the output is the same
 * on every compiler, optimisation level and machine: hardened decryption
 * recomputes the despeckled plane the residual was made for.
 */
#ifndef MC_DSP_SPECKLE_H
#define MC_DSP_SPECKLE_H

#include "core/internal.h"
#include "dsp/ripplet.h"

/* Deterministic natural logarithm (x > 0) and exponential. */
double mc_dsp_log(double x);
double mc_dsp_exp(double x);

/* A plan for planes of one size, with its scratch memory. */
typedef struct mc_speckle {
    mc_drt t;
    double *coef, *work, *pad, *mag;
    double *gain; /* per subband (scales, then directions): noise gain, made on first use */
} mc_speckle;

int mc_speckle_init(mc_speckle *s, uint32_t w, uint32_t h, double c, double d, mc_err *err) MC_WUR;
void mc_speckle_free(mc_speckle *s);
typedef enum mc_speckle_domain { MC_SPECKLE_PIXEL = 0, MC_SPECKLE_RIPPLET = 1 } mc_speckle_domain;
/* out = the speckled plane of in (h x w doubles each; out may be in).  noise:
 * the keyed stream, positioned by the caller. */
void mc_speckle_add(mc_speckle *s, mc_speckle_domain dom, double var, mc_stream *noise, const double *in,
                    double *out);
/* out = the despeckled plane of in (in >= 0; out may be in). */
void mc_speckle_remove(mc_speckle *s, const double *in, double *out);

#endif
