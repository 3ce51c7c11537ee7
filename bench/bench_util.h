/* bench_util.h - what every benchmark driver shares: a monotonic clock,
 * medians, and the machine line of the JSON (CPU model, online CPUs, date). */
#ifndef MC_BENCH_UTIL_H
#define MC_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline double mc_bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int mc_bench_cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts v in place. */
static inline double mc_bench_median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, mc_bench_cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Prints `"cpu": "...", "online_cpus": N, "date": "YYYY-MM-DD"` (no braces). */
static inline void mc_bench_machine(FILE *out) {
    char cpu[256] = "unknown", line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "model name", 10)) {
                const char *c = strchr(line, ':');
                if (c) snprintf(cpu, sizeof cpu, "%s", c + 2);
                cpu[strcspn(cpu, "\n\"\\")] = 0;
                break;
            }
        fclose(f);
    }
    time_t tt = time(NULL);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%d", gmtime(&tt));
    fprintf(out, "\"cpu\": \"%s\", \"online_cpus\": %ld, \"date\": \"%s\"", cpu, sysconf(_SC_NPROCESSORS_ONLN), date);
}

#endif
