/*
 * nn_math.c - deterministic exp, tanh and sigmoid for the neural engine,
 * and its random generator (splitmix64, state in the caller's hands).
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

/* 1/14! and the Taylor coefficients 1/13! .. 1/1! (shared by the scalar and the array versions) */
#define INV_FACT14 (1.0 / 87178291200.0)
static const double inv_fact[] = {1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
                                  1.0 / 362880.0,     1.0 / 40320.0,     1.0 / 5040.0,     1.0 / 720.0,
                                  1.0 / 120.0,        1.0 / 24.0,        1.0 / 6.0,        1.0 / 2.0,
                                  1.0};
#define N_INV_FACT (sizeof inv_fact / sizeof inv_fact[0])

/* exp(r) - 1 for |r| <= 0.5: Taylor series to r^14 (error < 0.5^15/15! ~ 2e-17). */
static double expm1_small(double r) {
    double p = INV_FACT14;
    for (size_t i = 0; i < N_INV_FACT; i++) p = p * r + inv_fact[i];
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

/* ------------------------------------------------------ array versions
 *
 * The same operations lane by lane on vectors of 2 doubles (GNU C vector
 * extensions: SSE2 on x86-64, NEON on arm64), every branch replaced by a
 * select of both sides: y[i] has the bits of mc_nn_sigmoidf(x[i]) /
 * mc_nn_tanhf(x[i]) (tests/unit/test_nn_refconv.c compares them over a dense
 * sample of all floats).  Without vector extensions: the scalar functions. */
#if defined(__GNUC__) || defined(__clang__)
#define MC_MATH_UNROLL _Pragma("GCC unroll 4")
typedef double v2d __attribute__((vector_size(16)));
typedef int64_t v2l __attribute__((vector_size(16)));
typedef int32_t v2i __attribute__((vector_size(8)));
typedef float v2f __attribute__((vector_size(8)));

static inline v2d sel_d(v2l m, v2d a, v2d b) { /* m ? a : b; m's lanes all ones or zero */
    v2l ai, bi, r;
    v2d o;
    memcpy(&ai, &a, sizeof ai);
    memcpy(&bi, &b, sizeof bi);
    r = (ai & m) | (bi & ~m);
    memcpy(&o, &r, sizeof o);
    return o;
}

/* expm1_small's polynomial without the final * r */
static inline v2d horner_v(v2d r) {
    v2d p = {INV_FACT14, INV_FACT14};
    for (size_t i = 0; i < N_INV_FACT; i++) p = p * r + inv_fact[i];
    return p;
}

/* exp_d's reduction: x = k ln2 + r for |x| in range (x: lanes already
 * clamped into range by the caller); *p2 = 2^k */
static inline v2d reduce_v(v2d x, v2d *p2) {
    const v2d kd = x * INV_LN2;
    const v2d kr = sel_d(kd >= 0, kd + 0.5, kd - 0.5);
    const v2i k = __builtin_convertvector(kr, v2i); /* truncation, as (int) */
    const v2d kf = __builtin_convertvector(k, v2d);
    const v2l bits = (__builtin_convertvector(k, v2l) + 1023) << 52;
    memcpy(p2, &bits, sizeof *p2);
    return (x - kf * LN2_HI) - kf * LN2_LO;
}

/* exp_d lane by lane */
static inline v2d exp_d_v(v2d x) {
    const v2d zero = {0.0, 0.0}, huge = {1e39, 1e39};
    const v2l nan = x != x, big = x > 89.0, small = x < -104.0;
    v2d p2;
    const v2d r = reduce_v(sel_d(nan | big | small, zero, x), &p2);
    v2d e = (1.0 + horner_v(r) * r) * p2;
    e = sel_d(small, zero, e);
    e = sel_d(big, huge, e);
    return sel_d(nan, x, e);
}

/* two floats from x, as doubles */
static inline v2d load2(const float *x) {
    v2f f;
    memcpy(&f, x, sizeof f);
    return __builtin_convertvector(f, v2d);
}

/* y[0..1] = the float of r, or x itself where x is NaN */
static inline void store2(float *y, const float *x, v2d r) {
    const v2f f = __builtin_convertvector(r, v2f);
    float o[2];
    memcpy(o, &f, sizeof o);
    y[0] = x[0] != x[0] ? x[0] : o[0];
    y[1] = x[1] != x[1] ? x[1] : o[1];
}

/* sigmoid: x >= 0: 1 / (1 + exp_d(-x)), else e / (1 + e) with e = exp_d(x) */
static inline v2d sigmoid_v(v2d a) {
    const v2l ge = a >= 0;
    const v2d one = {1.0, 1.0};
    const v2d e = exp_d_v(sel_d(ge, -a, a));
    return sel_d(ge, one, e) / (1.0 + e);
}

/* tanh: s (e / (e + 2)), e = expm1_small(2a) (2a <= 0.5) or exp_d(2a) - 1
 * (2a <= 20 here: no range checks), 1 beyond a = 10 */
static inline v2d tanh_v(v2d a) {
    const v2d one = {1.0, 1.0};
    const v2l neg = a < 0;
    const v2d sg = sel_d(neg, -one, one);
    a = sel_d(neg, -a, a);
    const v2l big = a > 10.0;
    const v2d a2 = 2.0 * sel_d(big | (a != a), one, a); /* big and NaN lanes: any value in range */
    const v2l small = a2 <= 0.5;
    v2d p2;
    const v2d r = reduce_v(a2, &p2);
    const v2d t = sel_d(small, a2, r); /* one polynomial for both branches */
    const v2d pm = horner_v(t) * t;
    const v2d e = sel_d(small, pm, (1.0 + pm) * p2 - 1.0);
    return sel_d(big, sg, sg * (e / (e + 2.0)));
}

void mc_nn_sigmoidf_n(const float *x, float *y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) { /* four independent chains per step */
        v2d r[4];
        MC_MATH_UNROLL
        for (int j = 0; j < 4; j++) r[j] = sigmoid_v(load2(x + i + 2 * j));
        MC_MATH_UNROLL
        for (int j = 0; j < 4; j++) store2(y + i + 2 * j, x + i + 2 * j, r[j]);
    }
    for (; i < n; i++) y[i] = mc_nn_sigmoidf(x[i]);
}

void mc_nn_tanhf_n(const float *x, float *y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v2d r[4];
        MC_MATH_UNROLL
        for (int j = 0; j < 4; j++) r[j] = tanh_v(load2(x + i + 2 * j));
        MC_MATH_UNROLL
        for (int j = 0; j < 4; j++) store2(y + i + 2 * j, x + i + 2 * j, r[j]);
    }
    for (; i < n; i++) y[i] = mc_nn_tanhf(x[i]);
}
#else
void mc_nn_sigmoidf_n(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = mc_nn_sigmoidf(x[i]);
}

void mc_nn_tanhf_n(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = mc_nn_tanhf(x[i]);
}
#endif

/* ----------------------------------------------------- random generator */

uint64_t mc_nn_rand(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

float mc_nn_randu(uint64_t *s) { return (float)(mc_nn_rand(s) >> 40) * (1.0f / 16777216.0f); }

float mc_nn_randn(uint64_t *s) { /* Irwin-Hall: sum of 12 uniforms - 6 (no libm) */
    double a = 0;
    for (int i = 0; i < 12; i++) a += (double)(mc_nn_rand(s) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(a - 6.0);
}
