/* tpe_common.c - shared machinery of the exact TPE schemes (see tpe_common.h). */
#include "schemes/tpe_common.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>

int mc_tpe_param_uint(const mc_scheme_ctx *ctx, const mc_scheme *s, const char *name, unsigned lo, unsigned hi,
                   unsigned *out, mc_err *err) {
    const char *v = mc_scheme_param(ctx, s, name);
    unsigned long x = 0;
    int ok = v && *v >= '0' && *v <= '9' && strlen(v) <= 9;
    if (ok) {
        char *end;
        errno = 0;
        x = strtoul(v, &end, 10);
        ok = !errno && *end == '\0' && x >= lo && x <= hi;
    }
    if (!ok)
        return mc_err_set(err, MC_ERR_FORMAT, "%s: parameter %s=%s out of range (an integer %u..%u)", s->name, name,
                          v ? v : "(missing)", lo, hi);
    *out = (unsigned)x;
    return MC_OK;
}

/* ----------------------------------------------------------------- rng */

void mc_tpe_rng_init(tpe_rng *r, const uint8_t *key, const uint8_t *nonce, const char *label, uint64_t a,
                  uint64_t b) {
    mc_stream_init(&r->s, key, nonce, label, a, b);
    r->pos = sizeof r->pool;
    r->acc = 0;
    r->nacc = 0;
}

void mc_tpe_rng_refill(tpe_rng *r) {
    mc_stream_bytes(&r->s, r->pool, sizeof r->pool);
    r->pos = 0;
}

void mc_tpe_rng_wipe(tpe_rng *r) {
    sodium_memzero(r, sizeof *r);
}

void mc_tpe_fill(tpe_rng *r, uint8_t *out, size_t n) {
    while (n > 0) {
        if (r->pos == sizeof r->pool) mc_tpe_rng_refill(r);
        size_t c = sizeof r->pool - r->pos;
        if (c > n) c = n;
        memcpy(out, r->pool + r->pos, c);
        r->pos += c;
        out += c;
        n -= c;
    }
}

void mc_tpe_perm_draw(tpe_rng *r, uint32_t *perm, size_t n) {
    for (size_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
    for (size_t i = n; i > 1; i--) {
        size_t j = tpe_uniform(r, i);
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}

/* -------------------------------------------------------------- driver */

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define X86_RGB8 1 /* tpe_common_x86.c */
#else
#define X86_RGB8 0
#define mc_tpe_rgb8_gather(row, stride, bh, n, ch, flip, v) ((void)0)
#define mc_tpe_rgb8_scatter(row, stride, bh, n, ch, flip, v) ((void)0)
#endif

/* block b (rows y0.., columns x0.., channel ch of the slice at sample
 * `slice`) <-> b->v; the row loops are written per sample type with the
 * channel stride known for gray and RGB, where almost all the time goes */
#define TPE_ROWS(T, C, BODY)                                                                                       \
    for (uint32_t y = 0; y < b->bh; y++) {                                                                         \
        T *row = (T *)img->pixels + slice + ((size_t)(y0 + y) * W + x0) * (C) + ch;                                \
        uint32_t *vr = b->v + (size_t)y * b->bw;                                                                   \
        for (uint32_t x = 0; x < b->bw; x++) BODY;                                                                 \
    }

static void gather(const mc_image *img, size_t slice, uint32_t y0, uint32_t x0, uint32_t ch, uint32_t flip,
                   const tpe_block *b, int rgb8) {
    const size_t W = img->width;
    const uint32_t C = img->channels;
    if (rgb8) { /* a byte permute per 32 pixels */
        mc_tpe_rgb8_gather((const uint8_t *)img->pixels + slice + ((size_t)y0 * W + x0) * 3, 3 * W, b->bh, b->bw, ch,
                            flip, b->v);
        return;
    }
    if (img->bits == 8) {
        if (C == 1) TPE_ROWS(const uint8_t, 1, vr[x] = row[x] ^ flip)
        else if (C == 3) TPE_ROWS(const uint8_t, 3, vr[x] = row[3 * (size_t)x] ^ flip)
        else TPE_ROWS(const uint8_t, C, vr[x] = row[(size_t)C * x] ^ flip)
    } else {
        if (C == 1) TPE_ROWS(const uint16_t, 1, vr[x] = row[x] ^ flip)
        else if (C == 3) TPE_ROWS(const uint16_t, 3, vr[x] = row[3 * (size_t)x] ^ flip)
        else TPE_ROWS(const uint16_t, C, vr[x] = row[(size_t)C * x] ^ flip)
    }
}

static void scatter(mc_image *img, size_t slice, uint32_t y0, uint32_t x0, uint32_t ch, uint32_t flip,
                    const tpe_block *b, int rgb8) {
    const size_t W = img->width;
    const uint32_t C = img->channels;
    if (rgb8) {
        mc_tpe_rgb8_scatter((uint8_t *)img->pixels + slice + ((size_t)y0 * W + x0) * 3, 3 * W, b->bh, b->bw, ch, flip,
                             b->v);
        return;
    }
    if (img->bits == 8) {
        if (C == 1) TPE_ROWS(uint8_t, 1, row[x] = (uint8_t)(vr[x] ^ flip))
        else if (C == 3) TPE_ROWS(uint8_t, 3, row[3 * (size_t)x] = (uint8_t)(vr[x] ^ flip))
        else TPE_ROWS(uint8_t, C, row[(size_t)C * x] = (uint8_t)(vr[x] ^ flip))
    } else {
        if (C == 1) TPE_ROWS(uint16_t, 1, row[x] = (uint16_t)(vr[x] ^ flip))
        else if (C == 3) TPE_ROWS(uint16_t, 3, row[3 * (size_t)x] = (uint16_t)(vr[x] ^ flip))
        else TPE_ROWS(uint16_t, C, row[(size_t)C * x] = (uint16_t)(vr[x] ^ flip))
    }
}
#undef TPE_ROWS

int mc_tpe_for_each_block(const mc_scheme_ctx *ctx, mc_image *img, unsigned block, int enc, tpe_block_fn fn,
                       void *user, mc_err *err) {
    const uint32_t W = img->width, H = img->height, C = img->channels;
    const uint32_t flip = img->is_signed ? (img->bits == 8 ? 0x80u : 0x8000u) : 0u;
    uint32_t *v = malloc(sizeof *v * (size_t)block * block);
    if (!v) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    const uint32_t nbx = (W + block - 1) / block, nby = (H + block - 1) / block;
    int rc = MC_OK;
    tpe_block b = {.ctx = ctx, .v = v, .bits = img->bits, .maxv = img->bits == 8 ? 0xffu : 0xffffu};
    const int rgb8 = X86_RGB8 && img->bits == 8 && C == 3 && mc_cpu_has(MC_TPE_RGB8_CPU);
    for (uint32_t z = 0; z < img->depth && !rc; z++) {
        const size_t slice = (size_t)z * W * H * C;
        for (uint32_t ch = 0; ch < C && !rc; ch++) {
            b.plane = (uint64_t)z * C + ch;
            for (uint32_t by = 0; by < nby && !rc; by++) {
                for (uint32_t bx = 0; bx < nbx && !rc; bx++) {
                    const uint32_t y0 = by * block, x0 = bx * block;
                    b.bh = H - y0 < block ? H - y0 : block;
                    b.bw = W - x0 < block ? W - x0 : block;
                    b.index = (uint64_t)by * nbx + bx;
                    gather(img, slice, y0, x0, ch, flip, &b, rgb8);
                    rc = fn(user, &b, enc, err);
                    if (rc) break;
                    scatter(img, slice, y0, x0, ch, flip, &b, rgb8);
                }
            }
        }
    }
    free(v);
    return rc;
}

/* ------------------------------------------------ sum-preserving pieces */

void mc_tpe_pair_enc(uint32_t *p, uint32_t *q, uint32_t r, uint32_t M) {
    const uint32_t s = *p + *q;
    uint32_t np;
    if (s <= M) np = (*p + r) % (s + 1);
    else np = M - (*p + r) % (2 * M + 1 - s);
    *p = np;
    *q = s - np;
}

void mc_tpe_pair_dec(uint32_t *p, uint32_t *q, uint32_t r, uint32_t M) {
    const uint32_t s = *p + *q;
    uint32_t op;
    if (s <= M) {
        const uint32_t n = s + 1;
        op = (*p + n - r % n) % n;
    } else {
        /* (p + r) mod n = M - p', p in [s - M, M] */
        const uint32_t n = 2 * M + 1 - s, lo = s - M, x = M - *p;
        op = lo + (x + 2 * n - r % n - lo % n) % n;
    }
    *p = op;
    *q = s - op;
}

/* Pairs in [0, M]^2 with sum <= x. */
static uint64_t pairs_upto(int64_t x, uint32_t M) {
    const int64_t m = M;
    if (x < 0) return 0;
    if (x <= m) return (uint64_t)((x + 1) * (x + 2) / 2);
    if (x < 2 * m) return (uint64_t)((m + 1) * (m + 1) - (2 * m - x) * (2 * m - x + 1) / 2);
    return (uint64_t)((m + 1) * (m + 1));
}

uint64_t mc_tpe_triple_count(uint32_t s, uint32_t M) {
    return pairs_upto(s, M) - pairs_upto((int64_t)s - M - 1, M);
}

uint64_t mc_tpe_triple_rank(uint32_t a, uint32_t b, uint32_t c, uint32_t M) {
    const int64_t s = (int64_t)a + b + c;
    const int64_t rest = s - a;
    const uint32_t bmin = rest > (int64_t)M ? (uint32_t)(rest - M) : 0;
    return pairs_upto(s, M) - pairs_upto(s - a, M) + (b - bmin);
}

void mc_tpe_triple_unrank(uint64_t rank, uint32_t s, uint32_t M, uint32_t *a, uint32_t *b, uint32_t *c) {
    const uint64_t gs = pairs_upto(s, M);
    /* largest a in [0, M] with G(s) - G(s - a) <= rank */
    uint32_t lo = 0, hi = M;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo + 1) / 2;
        if (gs - pairs_upto((int64_t)s - mid, M) <= rank) lo = mid;
        else hi = mid - 1;
    }
    const uint64_t base = gs - pairs_upto((int64_t)s - lo, M);
    const int64_t rest = (int64_t)s - lo;
    const uint32_t bmin = rest > (int64_t)M ? (uint32_t)(rest - M) : 0;
    *a = lo;
    *b = bmin + (uint32_t)(rank - base);
    *c = s - lo - *b;
}

/* ------------------------------------------------------ group baselines */

static void group_subst(tpe_rng *r, uint32_t *v, size_t n, unsigned group, uint32_t M, int enc) {
    size_t i = 0;
    if (group == 3) {
        for (; i + 3 <= n; i += 3) {
            const uint32_t s = v[i] + v[i + 1] + v[i + 2];
            const uint64_t cnt = mc_tpe_triple_count(s, M);
            const uint64_t k = tpe_uniform(r, cnt);
            uint64_t rk = mc_tpe_triple_rank(v[i], v[i + 1], v[i + 2], M);
            rk = enc ? (rk + k) % cnt : (rk + cnt - k) % cnt;
            mc_tpe_triple_unrank(rk, s, M, &v[i], &v[i + 1], &v[i + 2]);
        }
    }
    for (; i + 2 <= n; i += 2) {
        const uint32_t k = tpe_uniform(r, tpe_pair_size(v[i] + v[i + 1], M));
        if (enc) mc_tpe_pair_enc(&v[i], &v[i + 1], k, M);
        else mc_tpe_pair_dec(&v[i], &v[i + 1], k, M);
    }
}

int mc_tpe_group_block(const tpe_block *b, unsigned rounds, unsigned group, const char *label, int enc,
                    uint32_t *scratch) {
    const size_t n = (size_t)b->bh * b->bw;
    uint32_t *perm = scratch, *tmp = scratch + n;
    tpe_rng r;
    for (unsigned i = 0; i < rounds; i++) {
        const unsigned round = enc ? i : rounds - 1 - i;
        mc_tpe_rng_init(&r, b->ctx->key, b->ctx->nonce, label, b->plane, b->index << 16 | round);
        mc_tpe_perm_draw(&r, perm, n);
        if (enc) {
            group_subst(&r, b->v, n, group, b->maxv, 1);
            for (size_t j = 0; j < n; j++) tmp[j] = b->v[perm[j]];
        } else {
            for (size_t j = 0; j < n; j++) tmp[perm[j]] = b->v[j];
            group_subst(&r, tmp, n, group, b->maxv, 0);
        }
        memcpy(b->v, tmp, n * sizeof *tmp);
    }
    mc_tpe_rng_wipe(&r);
    sodium_memzero(perm, n * sizeof *perm);
    return MC_OK;
}

typedef struct group_run {
    const mc_scheme *s;
    unsigned rounds, group;
    uint32_t *scratch;
} group_run;

static int group_fn(void *user, const tpe_block *b, int enc, mc_err *err) {
    (void)err;
    const group_run *g = user;
    return mc_tpe_group_block(b, g->rounds, g->group, g->s->name, enc, g->scratch);
}

int mc_tpe_group_run(const mc_scheme_ctx *ctx, const mc_scheme *s, mc_image *img, unsigned group, int enc,
                  mc_err *err) {
    unsigned block, rounds;
    int rc = mc_tpe_param_uint(ctx, s, "block", TPE_BLOCK_MIN, TPE_BLOCK_MAX, &block, err);
    if (!rc) rc = mc_tpe_param_uint(ctx, s, "rounds", TPE_ROUNDS_MIN, TPE_ROUNDS_MAX, &rounds, err);
    if (rc) return rc;
    group_run g = {s, rounds, group, malloc(2 * sizeof(uint32_t) * block * block)};
    if (!g.scratch) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    rc = mc_tpe_for_each_block(ctx, img, block, enc, group_fn, &g, err);
    sodium_memzero(g.scratch, 2 * sizeof(uint32_t) * block * block);
    free(g.scratch);
    return rc;
}
