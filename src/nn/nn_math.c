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
#include "core/cpu.h"
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
 * The same operations lane by lane on vectors of 2, 4 or 8 doubles (GNU C
 * vector extensions; nn_math_vec.h instantiated per width: SSE2 / NEON, and
 * on x86-64 AVX2 and AVX-512 through target attributes, chosen by the
 * CPU-feature module), every branch replaced by a select of both sides: y[i]
 * has the bits of mc_nn_sigmoidf(x[i]) / mc_nn_tanhf(x[i]) whatever the
 * width (tests/unit/test_nn_ref_exact.c compares them over a dense sample of
 * all floats).  Without vector extensions: the scalar functions. */
#if defined(__GNUC__) || defined(__clang__)
#define MC_MATH_UNROLL _Pragma("GCC unroll 4")

#define VM_SFX 2
#define VM_ATTR
#define VM_W 2
#include "nn_math_vec.h"
#undef VM_SFX
#undef VM_ATTR
#undef VM_W

#if defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 6)
#define MC_MATH_X86 1
#define VM_SFX 4
#define VM_ATTR __attribute__((target("avx2")))
#define VM_W 4
#include "nn_math_vec.h"
#undef VM_SFX
#undef VM_ATTR
#undef VM_W
#define VM_SFX 8
#define VM_ATTR __attribute__((target("avx512f")))
#define VM_W 8
#include "nn_math_vec.h"
#undef VM_SFX
#undef VM_ATTR
#undef VM_W
#else
#define MC_MATH_X86 0
#endif

void mc_nn_sigmoidf_n(const float *x, float *y, size_t n) {
#if MC_MATH_X86
    if (mc_cpu_has(MC_CPU_AVX512F)) sigmoid_n_8(x, y, n);
    else if (mc_cpu_has(MC_CPU_AVX2)) sigmoid_n_4(x, y, n);
    else
#endif
        sigmoid_n_2(x, y, n);
}

void mc_nn_tanhf_n(const float *x, float *y, size_t n) {
#if MC_MATH_X86
    if (mc_cpu_has(MC_CPU_AVX512F)) tanh_n_8(x, y, n);
    else if (mc_cpu_has(MC_CPU_AVX2)) tanh_n_4(x, y, n);
    else
#endif
        tanh_n_2(x, y, n);
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
