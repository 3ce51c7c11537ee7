/* benes.c - tpe-h2mwd's ZMP on bit boards as a network.  For square blocks
 * of side K = 2^k, 8 <= K <= 64, the traversal of a ZMP model is a fixed
 * permutation of the plane's n = K^2 bits followed by a rotation.  The
 * permutation, from the board's raster bit order to traversal order, is
 * routed once per process and model through a Benes network of 2 log2(n) - 1
 * stages of masked delta swaps (the looping algorithm); a stage costs a few
 * operations per word of the plane.  The implementations apply it (stage i
 * swaps bits b and b + h2_benes_delta(n, log2 n, i) where bit b of its mask
 * is set). */
#include "schemes/tpe_h2mwd/h2mwd.h"

#include <pthread.h>
#include <stdlib.h>

/* Route p (p[src] = dst, m entries, the subnetwork at bit `base`, level l)
 * into masks (stage-major, nw words a stage; bit i of a stage of shift d:
 * swap bits i and i + d).  sc: 6m words of scratch. */
static void benes_route(const uint32_t *p, uint32_t m, size_t base, unsigned l, unsigned L, uint64_t *masks,
                        size_t nw, uint32_t *sc) {
    if (m == 2) {
        if (p[0] == 1) masks[(size_t)(L - 1) * nw + base / 64] |= 1ULL << (base % 64);
        return;
    }
    const uint32_t h = m / 2;
    uint32_t *q = sc, *color = sc + m, *sub = sc + 2 * m; /* sub: upper then lower subnetwork */
    for (uint32_t s = 0; s < m; s++) q[p[s]] = s, color[s] = 2;
    for (uint32_t s0 = 0; s0 < m; s0++) {
        uint32_t s = s0;
        while (color[s] == 2) {
            color[s] = 0;                      /* through the upper subnetwork */
            const uint32_t s1 = q[p[s] ^ h];   /* the one bound for the same output pair */
            color[s1] = 1;                     /* goes through the lower one, */
            s = s1 ^ h;                        /* and so its input partner through the upper */
        }
    }
    for (uint32_t i = 0; i < h; i++) {
        const size_t b = base + i;
        if (color[i] == 1) masks[(size_t)l * nw + b / 64] |= 1ULL << (b % 64);
        if (color[q[i]] == 1) masks[(size_t)(2 * L - 2 - l) * nw + b / 64] |= 1ULL << (b % 64);
    }
    for (uint32_t s = 0; s < m; s++) sub[color[s] * h + (s % h)] = p[s] % h;
    benes_route(sub, h, base, l + 1, L, masks, nw, sc + 3 * m);
    benes_route(sub + h, h, base + h, l + 1, L, masks, nw, sc + 3 * m);
}

/* The masks of the 8 models for K x K boards, K = 8, 16, 32, 64 (they
 * depend on K alone: routed once per process, read-only after): model m's
 * traversal read in raster order, raster bit -> traversal index. */
static uint64_t k_benes8[8 * 11 * 1], k_benes16[8 * 15 * 4], k_benes32[8 * 19 * 16], k_benes64[8 * 23 * 64];
static uint64_t *const k_benes[4] = {k_benes8, k_benes16, k_benes32, k_benes64};
static int k_benes_ok[4]; /* written once, under k_benes_once */
static pthread_once_t k_benes_once[4] = {PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT};

static void benes_init(unsigned i) {
    const uint32_t K = 8u << i;
    const size_t n = (size_t)K * K, nw = n / 64;
    const unsigned L = 2 * tpe_width(K), S = 2 * L - 1;
    uint32_t *p = malloc(9 * n * sizeof *p);
    if (!p) return;
    uint32_t *rr = p + 7 * n, *cc = rr + n;
    for (unsigned m = 0; m < 8; m++) {
        if (m & 1) mc_tpe_h2_zigzag(K, K, cc, rr); /* as geo_get */
        else mc_tpe_h2_zigzag(K, K, rr, cc);
        for (size_t x = 0; x < n; x++) {
            const uint32_t r = m & 4 ? K - 1 - rr[x] : rr[x], c = m & 2 ? K - 1 - cc[x] : cc[x];
            p[r * K + c] = (uint32_t)x; /* raster bit -> traversal */
        }
        benes_route(p, (uint32_t)n, 0, 0, L, k_benes[i] + m * S * nw, nw, p + n);
    }
    free(p);
    k_benes_ok[i] = 1;
}
static void benes_init0(void) {
    benes_init(0);
}
static void benes_init1(void) {
    benes_init(1);
}
static void benes_init2(void) {
    benes_init(2);
}
static void benes_init3(void) {
    benes_init(3);
}

/* NULL: out of memory */
const uint64_t *mc_tpe_h2_benes_masks(uint32_t K) {
    static void (*const init[4])(void) = {benes_init0, benes_init1, benes_init2, benes_init3};
    const unsigned i = tpe_width(K) - 3;
    pthread_once(&k_benes_once[i], init[i]);
    return k_benes_ok[i] ? k_benes[i] : NULL;
}

