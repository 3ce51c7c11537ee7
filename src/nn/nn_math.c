/*
 * nn_math.c - deterministic exp, tanh and sigmoid for the neural engine.
 *
 * Only IEEE-754 double +, -, *, / are used: each is correctly rounded, so with
 * -ffp-contract=off (no fused multiply-add) and SSE2 arithmetic every build
 * computes the same bits.  No libm: its exp/tanh differ between versions.
 * The double result is rounded once to float; the error before that rounding
 * is far below float's half ulp except in rare near-ties, which are the same
 * on every build anyway.
 */
#include "nn/nn.h"

#include <float.h>
#include <math.h> /* HUGE_VALF only: no libm calls */
#include <stdint.h>
#include <string.h>

/* ln 2 split so that k * LN2_HI is exact for |k| < 2^11 */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define INV_LN2 1.44269504088896338700e+00

static double pow2i(int k) { /* 2^k for -1022 <= k <= 1023 */
    uint64_t bits = (uint64_t)(k + 1023) << 52;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* exp(r) - 1 for |r| <= 0.5: Taylor series to r^14 (error < 0.5^15/15! ~ 2e-17). */
static double expm1_small(double r) {
    double p = 1.0 / 87178291200.0; /* 1/14! */
    static const double inv[] = {1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
                                 1.0 / 362880.0,     1.0 / 40320.0,     1.0 / 5040.0,     1.0 / 720.0,
                                 1.0 / 120.0,        1.0 / 24.0,        1.0 / 6.0,        1.0 / 2.0,
                                 1.0};
    for (size_t i = 0; i < sizeof inv / sizeof inv[0]; i++) p = p * r + inv[i];
    return p * r;
}

/* exp(x) in double for x within float's range of interest. */
static double exp_d(double x) {
    if (x != x) return x;
    if (x > 89.0) return 1e39; /* beyond float */
    if (x < -104.0) return 0.0;         /* below float's smallest subnormal */
    double kd = x * INV_LN2;
    int k = (int)(kd >= 0 ? kd + 0.5 : kd - 0.5); /* round to nearest (ties away) */
    double r = (x - (double)k * LN2_HI) - (double)k * LN2_LO; /* |r| <= 0.35 */
    return (1.0 + expm1_small(r)) * pow2i(k);
}

float mc_nn_expf(float x) {
    double r = exp_d((double)x);
    return r > (double)FLT_MAX ? HUGE_VALF : (float)r; /* no out-of-range conversion */
}

float mc_nn_tanhf(float x) {
    double a = (double)x, s = 1.0;
    if (a != a) return x;
    if (a < 0) {
        a = -a;
        s = -1.0;
    }
    if (a > 10.0) return (float)s; /* tanh(10) = 1 - 4e-9: rounds to 1.0f */
    /* tanh a = e / (e + 2) with e = exp(2a) - 1 */
    double e = 2.0 * a <= 0.5 ? expm1_small(2.0 * a) : exp_d(2.0 * a) - 1.0;
    return (float)(s * (e / (e + 2.0)));
}

float mc_nn_sigmoidf(float x) {
    double a = (double)x;
    if (a != a) return x;
    if (a >= 0) return (float)(1.0 / (1.0 + exp_d(-a)));
    double e = exp_d(a);
    return (float)(e / (1.0 + e));
}
