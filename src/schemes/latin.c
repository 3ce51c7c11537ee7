/* latin.c - the Latin-square image cipher of Wu, Zhou, Noonan, Agaian 2014
 * (Information Sciences 264), one of the three classical ciphers EDG-Net
 * (Chen 2025) builds its cipher domain from (docs/schemes/latin.md).
 *
 * Keyed Latin squares.  A square of order n over {0..n-1} is given by two
 * keyed permutations: L(i, j) = (Qseed[j] + Qshift[i]) mod n.  Every row and
 * every column is then a permutation; only Qseed (n entries) and the rows in
 * use of Qshift are ever generated, so a square of order 65536 costs 2^16
 * entries, not 2^32.
 *
 * Per slice, with the slice seen as H rows of Wc = W * channels samples and
 * N = 2^bits symbols, for round r = 0 .. rounds-1 (default 8):
 *   whitening     x[i][j] ^= V_r(i mod N, j mod N)          (V_r: order N)
 *   substitution  row rounds (r even):  y[i][j] = S_{r,i}((x[i][j] + y[i][j-1]) mod N)
 *                 column rounds (odd):  y[i][j] = S_{r,j}((x[i][j] + y[i-1][j]) mod N)
 *                 S_{r,t}(v) = V_r(t mod N, v): row t of the square as an S-box;
 *                 the chain starts from 0
 *   permutation   row rounds:    (i, j) -> (i, P_r(i mod Wc, j))   (P_r: order Wc)
 *                 column rounds: (i, j) -> (Q_r(j mod H, i), j)    (Q_r: order H)
 * then a final whitening with V_rounds.  Every operation is a bijection, so
 * decryption runs the inverses backwards.
 *
 * Key schedule.  paper: the 256-bit key (the scheme sub-key) as 8 LE 32-bit
 * words K_0..K_7, each seeding an LCG q <- 1664525 q + 1013904223 mod 2^32;
 * round r draws its squares from LCG r mod 8 (the final whitening from LCG
 * rounds mod 8, continuing), permutations by Fisher-Yates with the draw
 * floor(q * bound / 2^32).  The paper's probabilistic step replaces the least
 * significant bit plane with random bits before encryption: the `paper`
 * profile keeps it, so its round trip is exact except in that bit plane.
 * hardened: no LSB noise (exact); every square from XChaCha20 streams keyed by
 * sub-key and nonce (mc_stream_uniform), a per-slice whitening stream before
 * the rounds (identical slices encrypt differently), plus the MAC. */
#include "core/internal.h"
#include "schemes/classical.h"
#include "schemes/schemes.h"

#include <sodium.h>
#include <stdlib.h>

#define ROUNDS_MAX 64

static const mc_param_def k_params[] = {
    {"rounds", "8", "rounds of whitening, chained substitution and permutation, 1..64 (paper: 8)"},
};

/* --------------------------------------------------------- key material */

#define LR_WORDS 4096 /* hardened: stream words buffered at a time (at most) */

typedef struct lrng {
    const mc_scheme_ctx *ctx;
    uint32_t q[8];           /* paper: the LCGs */
    mc_stream st;            /* hardened */
    size_t pos, len, want;   /* hardened: buf[pos..len) unread; want: words still expected */
    uint32_t buf[LR_WORDS];  /* hardened: stream words (little-endian in the stream) */
} lrng;

/* The stream is one sequence of words whatever the refill sizes, so the
 * buffer is sized to what the square still needs (a 512-entry draw does not
 * pay for 16 KiB of keystream). */
static void lr_refill(lrng *g) {
    size_t n = g->want < 64 ? 64 : g->want > LR_WORDS ? LR_WORDS : g->want;
    uint8_t *b = (uint8_t *)g->buf;
    mc_stream_bytes(&g->st, b, 4 * n);
    if (!mc_host_le())
        for (size_t i = 0; i < n; i++) {
            uint8_t w[4];
            memcpy(w, b + 4 * i, 4);
            g->buf[i] = (uint32_t)w[0] | (uint32_t)w[1] << 8 | (uint32_t)w[2] << 16 | (uint32_t)w[3] << 24;
        }
    g->want = g->want > n ? g->want - n : 0;
    g->pos = 0;
    g->len = n;
}

static inline uint32_t next_word(lrng *g) {
    if (g->pos == g->len) lr_refill(g);
    return g->buf[g->pos++];
}

/* Uniform draw in [0, n) from the source of round r.  hardened: Lemire's
 * multiply-and-reject over stream words (unbiased). */
static inline uint32_t draw(lrng *g, unsigned r, uint32_t n) {
    if (!g->ctx->nonce) {
        uint32_t *q = &g->q[r % 8];
        *q = 1664525u * *q + 1013904223u;
        return (uint32_t)(((uint64_t)*q * n) >> 32);
    }
    uint64_t x = (uint64_t)next_word(g) * n;
    if ((uint32_t)x < n) {
        uint32_t t = (uint32_t)(-n) % n;
        while ((uint32_t)x < t) x = (uint64_t)next_word(g) * n;
    }
    return (uint32_t)(x >> 32);
}

/* Start drawing the squares of round r (hardened: a fresh stream per round
 * and purpose, about `words` draws expected; paper: the LCGs simply continue). */
static void draw_start(lrng *g, unsigned r, unsigned what, size_t words) {
    if (g->ctx->nonce) {
        mc_stream_wipe(&g->st);
        mc_stream_init(&g->st, g->ctx->key, g->ctx->nonce, "latin/square", r, what);
        g->pos = g->len = 0;
        g->want = words + 16; /* + a few rejections */
    }
}

/* The first m entries of a keyed random permutation of n (Fisher-Yates,
 * inside-out form: m = n gives the whole permutation).  The two profiles'
 * draws are written out so that the loops inline them. */
#define LR_PERM(NAME, T)                                                                                   \
    static void NAME(lrng *g, unsigned r, T *a, uint32_t n, uint32_t m) {                                  \
        for (uint32_t i = 0; i < n; i++) a[i] = (T)i;                                                      \
        uint32_t e = n == 0 ? 0 : m < n - 1 ? m : n - 1; /* i < m && i + 1 < n */                            \
        if (!g->ctx->nonce) {                                                                              \
            uint32_t q = g->q[r % 8];                                                                      \
            for (uint32_t i = 0; i < e; i++) {                                                             \
                q = 1664525u * q + 1013904223u;                                                            \
                uint32_t j = i + (uint32_t)(((uint64_t)q * (n - i)) >> 32);                                \
                T t = a[i];                                                                                \
                a[i] = a[j];                                                                               \
                a[j] = t;                                                                                  \
            }                                                                                              \
            g->q[r % 8] = q;                                                                               \
        } else                                                                                             \
            for (uint32_t i = 0; i < e; i++) {                                                             \
                uint32_t j = i + draw(g, r, n - i);                                                        \
                T t = a[i];                                                                                \
                a[i] = a[j];                                                                               \
                a[j] = t;                                                                                  \
            }                                                                                              \
    }
LR_PERM(perm32, uint32_t)
LR_PERM(perm16, uint16_t)

typedef struct lsq {
    unsigned rounds;
    uint32_t n, mask, h, wc;
    /* value squares, rounds + 1 of them (order N) */
    uint16_t *seed, *seedinv, *shift; /* [r * n] / [r * n] / [r * n] (first ms used) */
    /* permutation squares, one per round (order wc or h) */
    uint32_t *pseed, *pshift, *pinv; /* [r * pmax]; pinv: inverse of pseed */
    uint32_t pmax;
} lsq;

static void lsq_free(lsq *s) {
    if (s->seed) sodium_memzero(s->seed, (size_t)(s->rounds + 1) * s->n * 2 * 3);
    if (s->pseed) sodium_memzero(s->pseed, (size_t)s->rounds * s->pmax * 4 * 3);
    free(s->seed);
    free(s->pseed);
    s->seed = NULL;
    s->pseed = NULL;
}

/* enc: only the inverses encryption uses (pinv); decryption: seedinv. */
static int lsq_make(const mc_scheme_ctx *ctx, lsq *s, unsigned rounds, unsigned bits, uint32_t h, uint32_t wc,
                    int enc) {
    memset(s, 0, sizeof *s);
    s->rounds = rounds;
    s->n = 1u << bits;
    s->mask = s->n - 1;
    s->h = h;
    s->wc = wc;
    s->pmax = h > wc ? h : wc;
    size_t vn = (size_t)(rounds + 1) * s->n;
    s->seed = malloc(vn * 2 * 3);
    s->pseed = malloc((size_t)rounds * s->pmax * 4 * 3);
    if (!s->seed || !s->pseed) {
        lsq_free(s);
        return MC_ERR_NOMEM;
    }
    s->seedinv = s->seed + vn;
    s->shift = s->seedinv + vn;
    s->pshift = s->pseed + (size_t)rounds * s->pmax;
    s->pinv = s->pshift + (size_t)rounds * s->pmax;
    lrng g = {.ctx = ctx};
    for (int w = 0; w < 8; w++)
        g.q[w] = (uint32_t)ctx->key[4 * w] | (uint32_t)ctx->key[4 * w + 1] << 8 | (uint32_t)ctx->key[4 * w + 2] << 16 |
                 (uint32_t)ctx->key[4 * w + 3] << 24;
    uint32_t big = h > wc ? h : wc, ms = big < s->n ? big : s->n;
    for (unsigned r = 0; r <= rounds; r++) {
        uint16_t *sd = s->seed + (size_t)r * s->n, *si = s->seedinv + (size_t)r * s->n;
        draw_start(&g, r, 0, s->n);
        perm16(&g, r, sd, s->n, s->n);
        draw_start(&g, r, 1, ms);
        perm16(&g, r, s->shift + (size_t)r * s->n, s->n, ms);
        if (!enc)
            for (uint32_t v = 0; v < s->n; v++) si[sd[v]] = (uint16_t)v;
        if (r == rounds) break;
        /* permutation square: order wc (row rounds) or h (column rounds); its
         * rows in use: h (resp. wc) of them, at most the order */
        uint32_t ord = r % 2 == 0 ? wc : h, other = r % 2 == 0 ? h : wc;
        draw_start(&g, r, 2, ord);
        uint32_t *pp = s->pseed + (size_t)r * s->pmax, *pi = s->pinv + (size_t)r * s->pmax;
        perm32(&g, r, pp, ord, ord);
        if (enc)
            for (uint32_t v = 0; v < ord; v++) pi[pp[v]] = v;
        draw_start(&g, r, 3, other < ord ? other : ord);
        perm32(&g, r, s->pshift + (size_t)r * s->pmax, ord, other < ord ? other : ord);
    }
    sodium_memzero(&g, sizeof g);
    return MC_OK;
}

/* ------------------------------------------------------------- rounds */

#define LT_T uint8_t
#define LT_SUF 8
#include "schemes/latin_round.h"
#undef LT_T
#undef LT_SUF
#define LT_T uint16_t
#define LT_SUF 16
#include "schemes/latin_round.h"
#undef LT_T
#undef LT_SUF

/* Per-slice whitening stream of the hardened profile (16-bit values LE). */
static void slice_mask(const mc_scheme_ctx *ctx, uint32_t z, uint8_t *p, size_t nbytes, unsigned bits) {
    mc_stream st;
    mc_stream_init(&st, ctx->key, ctx->nonce, "latin/slice", z, 0);
    if (bits == 16) mc_swap16_le(p, nbytes);
    mc_stream_xor(&st, p, nbytes);
    if (bits == 16) mc_swap16_le(p, nbytes);
    mc_stream_wipe(&st);
}

/* The paper's probabilistic step: the LSB plane replaced by random bits. */
static void lsb_noise(void *pixels, size_t n, unsigned bits) {
    uint8_t rb[256];
    for (size_t i = 0; i < n; i++) {
        if (i % (8 * sizeof rb) == 0) randombytes_buf(rb, sizeof rb);
        unsigned bit = (rb[(i / 8) % sizeof rb] >> (i % 8)) & 1u;
        if (bits == 8) ((uint8_t *)pixels)[i] = (uint8_t)((((uint8_t *)pixels)[i] & 0xFEu) | bit);
        else ((uint16_t *)pixels)[i] = (uint16_t)((((uint16_t *)pixels)[i] & 0xFFFEu) | bit);
    }
}

static int latin_run(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err, int enc) {
    const char *sr = mc_scheme_param(ctx, &mc_scheme_latin, "rounds");
    unsigned rounds = 0;
    for (const char *p = sr; *p; p++) {
        if (*p < '0' || *p > '9' || rounds > ROUNDS_MAX) {
            rounds = 0;
            break;
        }
        rounds = rounds * 10 + (unsigned)(*p - '0');
    }
    if (rounds < 1 || rounds > ROUNDS_MAX)
        return mc_err_set(err, MC_ERR_FORMAT, "latin: rounds '%s' must be an integer in [1, %d]", sr, ROUNDS_MAX);
    uint32_t h = img->height, wc = img->width * img->channels;
    size_t n = (size_t)h * wc, bps = img->bits / 8;
    lsq s;
    if (lsq_make(ctx, &s, rounds, img->bits, h, wc, enc)) return mc_err_set(err, MC_ERR_NOMEM, "latin: out of memory");
    /* scratch placed 2 KiB off the slice modulo 4 KiB: equal offsets would
     * make every load alias the stores of the other buffer (4K aliasing) */
    uint8_t *tmpbase = malloc(n * bps + 4096), *tmp = NULL;
    if (!tmpbase) {
        lsq_free(&s);
        return mc_err_set(err, MC_ERR_NOMEM, "latin: out of memory");
    }
    for (uint32_t z = 0; z < img->depth; z++) {
        uint8_t *p = (uint8_t *)img->pixels + z * n * bps;
        tmp = tmpbase + (((uintptr_t)p + 2048 - (uintptr_t)tmpbase) & 4032);
        if (enc) {
            if (!ctx->nonce) lsb_noise(p, n, img->bits);
            else slice_mask(ctx, z, p, n * bps, img->bits);
        }
        if (img->bits == 8) slice_8(&s, p, tmp, enc);
        else slice_16(&s, (uint16_t *)(void *)p, (uint16_t *)(void *)tmp, enc);
        if (!enc && ctx->nonce) slice_mask(ctx, z, p, n * bps, img->bits);
    }
    sodium_memzero(tmpbase, n * bps + 4096);
    free(tmpbase);
    lsq_free(&s);
    return MC_OK;
}

static int latin_encrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    return latin_run(ctx, img, err, 1);
}

static int latin_decrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    return latin_run(ctx, img, err, 0);
}

const mc_scheme mc_scheme_latin = {
    .name = "latin",
    .title = "Latin-square image cipher: keyed squares, 8 rounds (EDG-Net's cipher domain)",
    .paper = "Wu, Zhou, Noonan, Agaian 2014, Design of image cipher using Latin squares (Inf. Sci. 264)",
    .bits = MC_BITS_8 | MC_BITS_16,
    .profiles = MC_PROFILES_PAPER | MC_PROFILES_HARDENED,
    .params = k_params,
    .nparams = sizeof k_params / sizeof k_params[0],
    .encrypt = latin_encrypt,
    .decrypt = latin_decrypt,
    .flags = MC_SCHEME_PAPER_LOSSY,
};
