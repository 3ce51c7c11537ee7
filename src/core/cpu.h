/* cpu.h - the one CPU-feature module of libmedcrypt.
 *
 * Every scheme and the nn kernels ask here which instruction sets they may
 * use; nothing else in the library probes the CPU.  The answer is computed
 * once per process (thread-safe) and may be lowered, never raised, by the
 * environment variable MEDCRYPT_CPU, so every implementation can be tested
 * and benchmarked on one machine:
 *
 *   MEDCRYPT_CPU=portable   plain C only
 *   MEDCRYPT_CPU=avx2       at most AVX2 + BMI1/2 + POPCNT + FMA (no AVX-512)
 *   MEDCRYPT_CPU=avx512     everything the CPU has (the default)
 *
 * A level the CPU lacks is not invented: avx512 on a CPU without AVX-512
 * gives what the CPU has.  An unknown value is ignored (the default). */
#ifndef MC_CPU_H
#define MC_CPU_H

#include <stdint.h>

enum {
    MC_CPU_POPCNT = 1u << 0,
    MC_CPU_BMI1 = 1u << 1,
    MC_CPU_BMI2 = 1u << 2,
    MC_CPU_AVX2 = 1u << 3,
    MC_CPU_FMA = 1u << 4,
    MC_CPU_AVX512F = 1u << 5,
    MC_CPU_AVX512BW = 1u << 6,
    MC_CPU_AVX512DQ = 1u << 7,
    MC_CPU_AVX512VL = 1u << 8,
    MC_CPU_AVX512VBMI = 1u << 9,
    /* AMD before Zen 3 implements PDEP/PEXT in microcode (~250 cycles): BMI2
     * is present but slow there.  Set when PDEP/PEXT are fast. */
    MC_CPU_FAST_PDEP = 1u << 10,
};

/* Groups the implementations test for. */
#define MC_CPU_LEVEL_AVX2 (MC_CPU_POPCNT | MC_CPU_BMI1 | MC_CPU_BMI2 | MC_CPU_AVX2)
#define MC_CPU_LEVEL_AVX512 \
    (MC_CPU_LEVEL_AVX2 | MC_CPU_AVX512F | MC_CPU_AVX512BW | MC_CPU_AVX512DQ | MC_CPU_AVX512VL)

/* The features the library may use (after MEDCRYPT_CPU). */
uint32_t mc_cpu_features(void);
/* 1 when every bit of `mask` is usable. */
static inline int mc_cpu_has(uint32_t mask) {
    return (mc_cpu_features() & mask) == mask;
}
/* The features of the CPU itself, before MEDCRYPT_CPU (benchmarks print both). */
uint32_t mc_cpu_features_raw(void);
/* "portable", "avx2" or "avx512": the highest level mc_cpu_features() gives. */
const char *mc_cpu_level_name(void);

#endif
