/* logistic_core.h - the logistic-map keystream of the `logistic` scheme,
 * self-contained (no libsodium, no libmedcrypt) so that a test can compile
 * exactly this code with several compilers and optimisation levels and check
 * that every build produces the same bytes (tests/cli/test_classical.sh).
 *
 *   x_{n+1} = mu * x_n * (1 - x_n)       evaluated as (mu * x) * (1.0 - x)
 *   k_n     = floor(x_n * 1e14) mod 2^bits   (bits = 8 or 16: one value per sample)
 *
 * Only IEEE-754 double multiplications and one subtraction, in a fixed order,
 * and an exact conversion of a value below 2^47 to an integer: no library
 * call, nothing a compiler may reassociate or contract (the build sets
 * -ffp-contract=off; the formula has no a*b+c for an FMA anyway).  The result
 * is the same on every IEEE-754 platform whose C compiler evaluates double
 * expressions in double (FLT_EVAL_METHOD 0: x86-64 SSE2, AArch64). */
#ifndef MC_LOGISTIC_CORE_H
#define MC_LOGISTIC_CORE_H

#include <stddef.h>
#include <stdint.h>

#define MC_LOGISTIC_SCALE 1e14

/* Iterate the map n times (the transient), return the new state. */
static inline double mc_logistic_skip(double mu, double x, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) x = mu * x * (1.0 - x);
    return x;
}

/* XOR n 8-bit samples with the keystream; *x is the state, advanced n times. */
static inline void mc_logistic_xor8(double mu, double *x, uint8_t *p, size_t n) {
    double v = *x;
    for (size_t i = 0; i < n; i++) {
        v = mu * v * (1.0 - v);
        p[i] ^= (uint8_t)(uint64_t)(v * MC_LOGISTIC_SCALE);
    }
    *x = v;
}

/* Same for 16-bit samples (host order): one iterate per sample. */
static inline void mc_logistic_xor16(double mu, double *x, uint16_t *p, size_t n) {
    double v = *x;
    for (size_t i = 0; i < n; i++) {
        v = mu * v * (1.0 - v);
        p[i] ^= (uint16_t)(uint64_t)(v * MC_LOGISTIC_SCALE);
    }
    *x = v;
}

#endif
