/* cpu.c - CPU features, probed once per process (cpu.h). */
#define _POSIX_C_SOURCE 200809L
#include "core/cpu.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static uint32_t g_raw, g_use; /* written once under pthread_once */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
static uint32_t probe(void) {
    uint32_t f = 0;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("popcnt")) f |= MC_CPU_POPCNT;
    if (__builtin_cpu_supports("bmi")) f |= MC_CPU_BMI1;
    if (__builtin_cpu_supports("bmi2")) f |= MC_CPU_BMI2;
    if (__builtin_cpu_supports("avx2")) f |= MC_CPU_AVX2;
    if (__builtin_cpu_supports("fma")) f |= MC_CPU_FMA;
    if (__builtin_cpu_supports("avx512f")) f |= MC_CPU_AVX512F;
    if (__builtin_cpu_supports("avx512bw")) f |= MC_CPU_AVX512BW;
    if (__builtin_cpu_supports("avx512dq")) f |= MC_CPU_AVX512DQ;
    if (__builtin_cpu_supports("avx512vl")) f |= MC_CPU_AVX512VL;
    if (__builtin_cpu_supports("avx512vbmi")) f |= MC_CPU_AVX512VBMI;
    if (f & MC_CPU_BMI2) {
        /* PDEP/PEXT are microcoded on AMD family 0x17 (Zen 1/2) and earlier */
        unsigned a, b, c, d;
        int amd = 0, fam = 0;
        if (__get_cpuid(0, &a, &b, &c, &d)) amd = b == 0x68747541u; /* "Auth"enticAMD */
        if (__get_cpuid(1, &a, &b, &c, &d)) fam = (int)((a >> 8) & 0xf) + (int)((a >> 20) & 0xff);
        if (!amd || fam >= 0x19) f |= MC_CPU_FAST_PDEP;
    }
    return f;
}
#else
static uint32_t probe(void) {
    return 0;
}
#endif

static void init(void) {
    g_raw = probe();
    g_use = g_raw;
    const char *e = getenv("MEDCRYPT_CPU");
    if (!e) return;
    if (!strcmp(e, "portable")) g_use = 0;
    else if (!strcmp(e, "avx2"))
        g_use &= MC_CPU_LEVEL_AVX2 | MC_CPU_FMA | MC_CPU_FAST_PDEP;
}

uint32_t mc_cpu_features(void) {
    pthread_once(&g_once, init);
    return g_use;
}

uint32_t mc_cpu_features_raw(void) {
    pthread_once(&g_once, init);
    return g_raw;
}

const char *mc_cpu_level_name(void) {
    if (mc_cpu_has(MC_CPU_LEVEL_AVX512)) return "avx512";
    if (mc_cpu_has(MC_CPU_LEVEL_AVX2)) return "avx2";
    return "portable";
}
