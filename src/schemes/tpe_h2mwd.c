/* tpe_h2mwd.c - "tpe-h2mwd": exact thumbnail-preserving encryption with a
 * hidden-Markov-model bit permutation and weighted diffusion (Chai, Chen, Ma,
 * Zuo, Gan, Zhang, FITEE 2023).  docs/schemes/tpe-h2mwd.md lists every place
 * the paper's text is silent or ambiguous and the choice made here.
 *
 * Per channel of each slice, per block (block x block tiles, smaller ones at
 * the right and bottom edges), the levels (offset binary for signed images,
 * tpe_common.h) are split into P bit planes (P = 8 or 16; plane 0 the least
 * significant), the low half L = P/2 and the high half.  `rounds` rounds of:
 *
 *  ZMP    each low plane q is read along one of the 8 zigzag traversals of the
 *         block, starting at a chosen cell, and written back in raster order.
 *         model = ((count1 - count0) mod 8 + k) mod 8, start row =
 *         (count0 + k') mod bh, start column = (count1 + k'') mod bw, k k' k''
 *         keyed.  Bit counts are invariant under the permutation, so the
 *         decryptor recomputes the same choice.
 *  PMH2M  high plane L + q is permuted by sequences computed from the scrambled
 *         low plane q: Imp1[t] = (3 first-row bits at columns t, t+1, t+2) mod
 *         4, Vis1[t] = (ones in columns t, t+1, t+2) mod bw, Imp2 / Vis2 the
 *         same over the first column / rows (indices cyclic), each plus a
 *         keyed offset (mod 4 / mod bw or bh).  Step 2: for each t, the bit
 *         population through (0, t) of kind Imp1[t] (0 row, 1 column, 2 minor
 *         diagonal, 3 principal diagonal; diagonals cyclic) is moved by
 *         Vis1[t]: rows and columns with the alternating rule of the paper's
 *         Fig. 5 (1st, 3rd... bits back, 2nd, 4th... forward, a taken cell
 *         pushes on one cell at a time), diagonals (one cell per row, bh
 *         cells, columns cyclic) rotated downwards.  Step 3:
 *         the same with Imp2 / Vis2 and the populations through (t, 0).
 *  WDPCS  for each pair of adjacent planes (i, i+1), lowest first: the triple
 *         (plane i+1 at (r, c), plane i at (r, c) and at (r, c + bw/2)), c in
 *         the left half, is flipped 0,1,1 <-> 1,0,0 when a keyed bit says so.
 *         Both patterns are worth the same (2 * 2^i = 2^(i+1)), so the block sum
 *         is kept; the flip is an involution, so it undoes itself.
 *
 * Every plane operation is a permutation of one plane's bits or a sum-neutral
 * flip, so each block's sum, hence the block-mean thumbnail, is exact.
 * Keyed choices: one stream per (plane, block) (label "tpe-h2mwd", the
 * hardened nonce or none in the paper profile); round r's values are the r-th
 * slice of that stream, drawn in a data-independent order so decryption draws
 * them all first and runs the rounds backwards.
 *
 * Speed: square blocks of side 8, 16, 32 or 64 run on bit boards (the
 * "bit-board path" below, with the vector kernels of tpe_h2mwd_x86.c where
 * the CPU has AVX-512), side 48 on bit planes packed in 8 x 8 tiles (the
 * "packed fast path"), every other block on one byte per bit; all give the
 * same cipher (test_tpe, test_tpe_golden). */
#include "schemes/schemes.h"
#include "schemes/tpe_common.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>


static const mc_param_def tpe_h2mwd_params[] = {
    {"block", "32", "block side in pixels, 2..256: the thumbnail tile whose sum is kept (paper: 32)"},
    {"rounds", "10", "encryption rounds, 1..256 (paper: 10)"},
};

/* Per block shape (bh, bw): the 8 zigzag traversals and the cells of every
 * diagonal population, computed once per image and shape (at most 4 shapes:
 * full, right edge, bottom edge, corner).  Cell indices fit 16 bits
 * (block <= 256). */
typedef struct geo {
    uint32_t bh, bw;
    uint16_t *T2;   /* 8 * 2n: T2[m * 2n + j] = cell visited (j mod n)-th by model m */
    uint16_t *inv;  /* 8 * n: inv[m * n + cell] = j */
    uint16_t *diag; /* 2 * (bw + bh) * bh: cells of the diagonals, see diag_at() */
    uint16_t *mod;  /* x mod bw for x <= 3 bh, then x mod bh for x <= 3 bw (no divisions per block) */
    const uint64_t *benes; /* benes_shape: 8 models * stages * (n / 64) masks (process-wide), else NULL */
} geo;

/* Bytes of keyed fields board_round takes per round, at most (K = 64, 16-bit
 * samples: 8 * (3 + 12) + 8 * 64 * (4 + 12) bits), one leading byte, padding. */
#define H2_RBUF (1 + 1039 + 16)

/* Working state of one image.  The general path keeps bits one per byte (0
 * or 1): the populations moved by PMH2M are rows, columns and diagonals in any
 * order, so a packed row alone would not help; its loops touch each cell of a
 * move twice and do nothing else.  Square blocks of the usual sizes take the
 * bit-board path instead (K = 8, 16, 32, 64), K = 48 the packed fast path
 * (8 x 8-bit tiles). */
typedef struct h2 {
    unsigned rounds, P, L;
    uint32_t block;
    geo g[4];
    unsigned ng;
    uint8_t *pool;   /* (P + 1) * block^2: the planes and one spare */
    uint8_t *pl[17]; /* plane p (P <= 16) and, at [P], the spare */
    uint8_t *tmp;    /* block: a population */
    uint8_t *occ;    /* block */
    uint32_t *dest;  /* block */
    uint32_t *cnt;   /* 2 * block: column and row counts */
    uint8_t *seqb;   /* 2 * block: Imp1, Imp2 */
    uint32_t *seqv;  /* 2 * block: Vis1, Vis2 */
    uint16_t *mat;   /* rounds * mat_u16 */
    uint8_t *wd;     /* rounds * wd_bytes */
    size_t mat_u16, wd_bytes;
    uint64_t *tl;    /* P * 64 tiles: the packed planes of the fast path */
    uint64_t *zs;    /* H2_ZS words: board_zmp's scratch */
    uint8_t rbuf[H2_RBUF]; /* board_round: one round's bit fields */
    uint64_t *bb;    /* P * 64 words: the boards of the bit-board path */
    uint64_t *bt;    /* 64 tiles: a board cut into tiles (board_moves_tiles) */
    uint8_t *kd, *dd; /* L * 128: the PMH2M sequences of the bit-board path */
    uint8_t *sbuf;   /* sbuf_cap bytes: a board block's keyed bytes, every round */
    size_t sbuf_cap;
    size_t roff[TPE_ROUNDS_MAX]; /* round r's first field byte in sbuf */
    uint8_t rn0[TPE_ROUNDS_MAX]; /* bits left over from round r - 1's fields */
    tpe_h2mwd_x86 *x86; /* the vector kernels' tables where the CPU has them, else NULL */
    int general;     /* 1: never take a fast path (tests) */
} h2;

/* JPEG-style zigzag over an R x C grid from (0, 0), first step right. */
static void zigzag(uint32_t R, uint32_t C, uint32_t *rr, uint32_t *cc) {
    size_t j = 0;
    for (uint32_t d = 0; d + 1 < R + C; d++) {
        uint32_t rmin = d + 1 > C ? d + 1 - C : 0, rmax = d < R - 1 ? d : R - 1;
        if (d & 1) {
            for (uint32_t r = rmin; r <= rmax; r++, j++) rr[j] = r, cc[j] = d - r;
        } else {
            for (uint32_t r = rmax + 1; r-- > rmin; j++) rr[j] = r, cc[j] = d - r;
        }
    }
}

enum { POP_ROW = 0, POP_COL = 1, POP_MINOR = 2, POP_MAJOR = 3 };

/* Cells of the diagonal of `kind` (POP_MINOR / POP_MAJOR) starting at (0, t)
 * (step 2, t < bw) or at (t, 0) (step 3, t < bh): bh cells, one per row from
 * the start downwards, rows and columns cyclic. */
static const uint16_t *diag_at(const geo *g, unsigned kind, int step3, uint32_t t) {
    const size_t per = (size_t)(g->bw + g->bh) * g->bh;
    return g->diag + (kind == POP_MAJOR ? per : 0) + ((step3 ? g->bw : 0) + (size_t)t) * g->bh;
}

static void geo_free(geo *g) {
    free(g->T2);
    free(g->inv);
    free(g->diag);
    free(g->mod);
    g->T2 = g->inv = g->diag = g->mod = NULL;
    g->benes = NULL;
}

static int benes_shape(uint32_t bh, uint32_t bw);
static const uint64_t *benes_masks(uint32_t K);

/* Model m: bit 0 transposes (first step down), bit 1 mirrors the columns,
 * bit 2 mirrors the rows: the 8 zigzags starting in each corner, either way. */
static int geo_get(h2 *h, uint32_t bh, uint32_t bw, const geo **out) {
    for (unsigned i = 0; i < h->ng; i++)
        if (h->g[i].bh == bh && h->g[i].bw == bw) {
            *out = &h->g[i];
            return MC_OK;
        }
    if (h->ng == sizeof h->g / sizeof h->g[0]) return MC_ERR_INTERNAL;
    const size_t n = (size_t)bh * bw;
    geo *g = &h->g[h->ng];
    g->T2 = malloc(16 * n * sizeof *g->T2);
    g->inv = malloc(8 * n * sizeof *g->inv);
    g->diag = malloc(2 * (size_t)(bw + bh) * bh * sizeof *g->diag);
    g->mod = malloc((3 * (size_t)bh + 1 + 3 * (size_t)bw + 1) * sizeof *g->mod);
    g->benes = NULL;
    uint32_t *rr = malloc(2 * n * sizeof *rr);
    if (!g->T2 || !g->inv || !g->diag || !g->mod || !rr) {
        geo_free(g);
        free(rr);
        return MC_ERR_NOMEM;
    }
    uint32_t *cc = rr + n;
    for (unsigned m = 0; m < 8; m++) {
        if (m & 1) zigzag(bw, bh, cc, rr); /* traverse the transpose */
        else zigzag(bh, bw, rr, cc);
        for (size_t j = 0; j < n; j++) {
            uint32_t r = rr[j], c = cc[j];
            if (m & 2) c = bw - 1 - c;
            if (m & 4) r = bh - 1 - r;
            const uint32_t cell = r * bw + c;
            g->T2[m * 2 * n + j] = g->T2[m * 2 * n + n + j] = (uint16_t)cell;
            g->inv[m * n + cell] = (uint16_t)j;
        }
    }
    free(rr);
    g->bh = bh;
    g->bw = bw;
    for (uint32_t x = 0; x <= 3 * bh; x++) g->mod[x] = (uint16_t)(x % bw);
    for (uint32_t x = 0; x <= 3 * bw; x++) g->mod[3 * bh + 1 + x] = (uint16_t)(x % bh);
    for (unsigned kind = POP_MINOR; kind <= POP_MAJOR; kind++)
        for (int step3 = 0; step3 < 2; step3++)
            for (uint32_t t = 0; t < (step3 ? bh : bw); t++) {
                uint16_t *pos = (uint16_t *)diag_at(g, kind, step3, t);
                uint32_t r = step3 ? t : 0, c = step3 ? 0 : t;
                for (uint32_t k = 0; k < bh; k++) {
                    pos[k] = (uint16_t)(r * bw + c);
                    r = r + 1 == bh ? 0 : r + 1;
                    if (kind == POP_MAJOR) c = c + 1 == bw ? 0 : c + 1;
                    else c = c == 0 ? bw - 1 : c - 1;
                }
            }
    if (benes_shape(bh, bw) && !(g->benes = benes_masks(bw))) {
        geo_free(g);
        return MC_ERR_NOMEM;
    }
    h->ng++;
    *out = g;
    return MC_OK;
}

/* ------------------------------------------------------------ material */

typedef struct mat_view {
    uint16_t *zmp; /* L * 3: model, row, column offsets */
    uint16_t *seq; /* L * 2 * (bw + bh): imp1[bw] vis1[bw] imp2[bh] vis2[bh] offsets */
    uint8_t *wd;   /* (P - 1) * wdb key bits */
    size_t wdb;
} mat_view;

static mat_view mat_at(const h2 *h, unsigned r, uint32_t bh, uint32_t bw) {
    mat_view m;
    m.zmp = h->mat + (size_t)r * h->mat_u16;
    m.seq = m.zmp + 3 * h->L;
    m.wd = h->wd + (size_t)r * h->wd_bytes;
    m.wdb = ((size_t)bh * (bw / 2) + 7) / 8;
    return m;
}

static void mat_draw(h2 *h, tpe_rng *rng, mat_view m, uint32_t bh, uint32_t bw) {
    const unsigned kh = tpe_width(bh), kw = tpe_width(bw);
    for (unsigned q = 0; q < h->L; q++) {
        m.zmp[3 * q] = (uint16_t)tpe_bits(rng, 3);
        m.zmp[3 * q + 1] = (uint16_t)tpe_uniform_k(rng, bh, kh);
        m.zmp[3 * q + 2] = (uint16_t)tpe_uniform_k(rng, bw, kw);
    }
    uint16_t *s = m.seq;
    for (unsigned q = 0; q < h->L; q++) {
        for (uint32_t t = 0; t < bw; t++) *s++ = (uint16_t)tpe_bits(rng, 2);
        for (uint32_t t = 0; t < bw; t++) *s++ = (uint16_t)tpe_uniform_k(rng, bw, kw);
        for (uint32_t t = 0; t < bh; t++) *s++ = (uint16_t)tpe_bits(rng, 2);
        for (uint32_t t = 0; t < bh; t++) *s++ = (uint16_t)tpe_uniform_k(rng, bh, kh);
    }
    tpe_fill(rng, m.wd, (size_t)(h->P - 1) * m.wdb);
}

/* ----------------------------------------------------------------- ZMP */

/* Sum of n bytes that are each 0 or 1, 8 at a time: multiplying a word by
 * 0x0101010101010101 gathers the sum of its bytes (at most 8, no carry) in
 * the top byte, whatever the host's byte order. */
static size_t bit_bytes_sum(const uint8_t *p, size_t n) {
    size_t s = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        s += (size_t)((w * 0x0101010101010101ULL) >> 56);
    }
    for (; i < n; i++) s += p[i];
    return s;
}

/* Scramble plane pl (one byte per bit, c1 of them ones) into t. */
static void zmp_bytes(const geo *g, const uint8_t *pl, uint8_t *t, const uint16_t *off, int enc, size_t c1) {
    const uint32_t bh = g->bh, bw = g->bw;
    const size_t n = (size_t)bh * bw;
    const size_t c0 = n - c1;
    const unsigned model = (unsigned)(((c1 % 8) + 8 - (c0 % 8)) % 8 + off[0]) % 8;
    const uint32_t sr = (uint32_t)((c0 + off[1]) % bh), sc = (uint32_t)((c1 + off[2]) % bw);
    const size_t s = g->inv[model * n + (size_t)sr * bw + sc];
    const uint16_t *T = g->T2 + model * 2 * n + s; /* T[j] = cell visited ((s + j) mod n)-th */
    size_t j = 0;
    if (enc) {
        for (; j + 4 <= n; j += 4) {
            t[j] = pl[T[j]];
            t[j + 1] = pl[T[j + 1]];
            t[j + 2] = pl[T[j + 2]];
            t[j + 3] = pl[T[j + 3]];
        }
        for (; j < n; j++) t[j] = pl[T[j]];
    } else {
        for (; j + 4 <= n; j += 4) {
            t[T[j]] = pl[j];
            t[T[j + 1]] = pl[j + 1];
            t[T[j + 2]] = pl[j + 2];
            t[T[j + 3]] = pl[j + 3];
        }
        for (; j < n; j++) t[T[j]] = pl[j];
    }
}

/* Scramble plane q (h->pl[q]) into the spare buffer, then swap the two. */
static void zmp(h2 *h, const geo *g, unsigned q, const uint16_t *off, int enc) {
    uint8_t *t = h->pl[h->P];
    zmp_bytes(g, h->pl[q], t, off, enc, bit_bytes_sum(h->pl[q], (size_t)g->bh * g->bw));
    h->pl[h->P] = h->pl[q];
    h->pl[q] = t;
}

/* --------------------------------------------------------------- PMH2M */

/* Move the row or column of length len at base (cells base[k * stride]) by d:
 * 1st, 3rd, ... bits (k even) go back (left / up) by d, the others forward
 * (right / down); a taken cell pushes the bit on in its direction. */
static inline void line_move(h2 *h, uint8_t *base, size_t stride, uint32_t len, uint32_t d, int enc) {
    if (d >= len) d %= len;
    if (d == 0) return;
    uint8_t *t = h->tmp;
    if (len % 2 == 0) {
        /* no collisions: the even k go to k - d, the odd k to k + d (mod len),
         * two sets of cells of opposite parity shifted as wholes */
        uint32_t k = 0;
        for (; k + 4 <= len; k += 4) {
            t[k] = base[k * stride];
            t[k + 1] = base[(k + 1) * stride];
            t[k + 2] = base[(k + 2) * stride];
            t[k + 3] = base[(k + 3) * stride];
        }
        for (; k < len; k++) t[k] = base[k * stride];
        /* enc: cell r receives cell r + d if r + d is even (an even k going
         * back by d), else cell r - d (an odd k going forward); dec: cell k
         * receives cell k - d if k is even, else cell k + d (all mod len) */
        const uint32_t pe = enc ? d & 1 : 0;  /* first r that takes from r + d */
        const uint32_t po = pe ^ 1;           /* first r that takes from r - d */
        const uint32_t up = enc ? d : len - d; /* cells r of parity pe take r + up */
        uint32_t r = pe;
        for (; r + up < len; r += 2) base[r * stride] = t[r + up];
        for (; r < len; r += 2) base[r * stride] = t[r + up - len];
        const uint32_t dn = len - up; /* cells of parity po take r + dn */
        for (r = po; r + dn < len; r += 2) base[r * stride] = t[r + dn];
        for (; r < len; r += 2) base[r * stride] = t[r + dn - len];
        return;
    }
    uint32_t *dest = h->dest;
    memset(h->occ, 0, len);
    for (uint32_t k = 0; k < len; k++) {
        uint32_t p;
        if (k & 1) {
            p = k + d < len ? k + d : k + d - len;
            while (h->occ[p]) p = p + 1 == len ? 0 : p + 1;
        } else {
            p = k >= d ? k - d : k + len - d;
            while (h->occ[p]) p = p == 0 ? len - 1 : p - 1;
        }
        h->occ[p] = 1;
        dest[k] = p;
    }
    if (enc) {
        for (uint32_t k = 0; k < len; k++) t[dest[k]] = base[k * stride];
        for (uint32_t k = 0; k < len; k++) base[k * stride] = t[k];
    } else {
        for (uint32_t k = 0; k < len; k++) t[k] = base[dest[k] * stride];
        for (uint32_t k = 0; k < len; k++) base[k * stride] = t[k];
    }
}

/* Rotate the bh cells of a diagonal (pos[k], downwards) by d:
 * enc: cell k gets the bit of cell k - d; dec: of cell k + d. */
static inline void diag_move(h2 *h, uint8_t *pl, const uint16_t *pos, uint32_t len, uint32_t d, int enc) {
    if (d >= len) d %= len;
    if (d == 0) return;
    uint8_t *t = h->tmp;
    uint32_t k = 0;
    for (; k + 4 <= len; k += 4) {
        t[k] = pl[pos[k]];
        t[k + 1] = pl[pos[k + 1]];
        t[k + 2] = pl[pos[k + 2]];
        t[k + 3] = pl[pos[k + 3]];
    }
    for (; k < len; k++) t[k] = pl[pos[k]];
    const uint32_t sh = enc ? len - d : d; /* cell k gets old cell (k + sh) mod len */
    const uint32_t e = len - sh;
    for (k = 0; k + 4 <= e; k += 4) {
        pl[pos[k]] = t[k + sh];
        pl[pos[k + 1]] = t[k + 1 + sh];
        pl[pos[k + 2]] = t[k + 2 + sh];
        pl[pos[k + 3]] = t[k + 3 + sh];
    }
    for (; k < e; k++) pl[pos[k]] = t[k + sh];
    for (; k + 4 <= len; k += 4) {
        pl[pos[k]] = t[k - e];
        pl[pos[k + 1]] = t[k + 1 - e];
        pl[pos[k + 2]] = t[k + 2 - e];
        pl[pos[k + 3]] = t[k + 3 - e];
    }
    for (; k < len; k++) pl[pos[k]] = t[k - e];
}

/* Move the population of `kind` through (0, t) (step 2) or (t, 0) (step 3). */
static inline void pop_move(h2 *h, const geo *g, uint8_t *pl, unsigned kind, int step3, uint32_t t, uint32_t d, int enc) {
    const uint32_t bh = g->bh, bw = g->bw;
    switch (kind) {
    case POP_ROW:
        line_move(h, pl + (step3 ? (size_t)t * bw : 0), 1, bw, d, enc);
        break;
    case POP_COL:
        line_move(h, pl + (step3 ? 0 : t), bw, bh, d, enc);
        break;
    default:
        diag_move(h, pl, diag_at(g, kind, step3, t), bh, d, enc);
        break;
    }
}

/* The sequences Imp1 Vis1 Imp2 Vis2 (h->seqb, h->seqv) of scrambled low
 * plane `lo` (one byte per bit) with the keyed offsets `off`. */
static void pmh2m_seqs(h2 *h, const geo *g, const uint8_t *lo, const uint16_t *off) {
    const uint32_t bh = g->bh, bw = g->bw;
    uint32_t *colc = h->cnt, *rowc = h->cnt + bw;
    for (uint32_t r = 0; r < bh; r++) rowc[r] = (uint32_t)bit_bytes_sum(lo + (size_t)r * bw, bw);
    uint32_t c = 0;
    if (bh < 256) {
        /* column counts 8 at a time: byte lanes, each at most bh < 256 */
        for (; c + 8 <= bw; c += 8) {
            uint64_t acc = 0, w;
            for (uint32_t r = 0; r < bh; r++) {
                memcpy(&w, lo + (size_t)r * bw + c, 8);
                acc += w;
            }
            uint8_t lane[8];
            memcpy(lane, &acc, 8);
            for (unsigned i = 0; i < 8; i++) colc[c + i] = lane[i];
        }
    }
    for (; c < bw; c++) {
        uint32_t s = 0;
        for (uint32_t r = 0; r < bh; r++) s += lo[(size_t)r * bw + c];
        colc[c] = s;
    }
    const uint16_t *imp1o = off, *vis1o = off + bw, *imp2o = off + 2 * bw, *vis2o = off + 2 * bw + bh;
    /* Imp1/Vis1 (first row, columns t, t+1, t+2) and Imp2/Vis2 (first column,
     * rows t, t+1, t+2), indices cyclic, plus the keyed offsets */
    uint8_t *imp1 = h->seqb, *imp2 = imp1 + bw;
    uint32_t *vis1 = h->seqv, *vis2 = vis1 + bw;
    for (uint32_t t = 0; t < bw; t++) {
        const uint32_t t1 = t + 1 < bw ? t + 1 : t + 1 - bw, t2 = t1 + 1 < bw ? t1 + 1 : t1 + 1 - bw;
        imp1[t] = (uint8_t)((((lo[t1] << 1) | lo[t2]) + imp1o[t]) & 3); /* 3-bit number mod 4 */
        const uint32_t v = g->mod[colc[t] + colc[t1] + colc[t2]] + vis1o[t]; /* vis1o[t] < bw */
        vis1[t] = v >= bw ? v - bw : v;
    }
    const uint16_t *modh = g->mod + 3 * (size_t)bh + 1;
    for (uint32_t t = 0; t < bh; t++) {
        const uint32_t t1 = t + 1 < bh ? t + 1 : t + 1 - bh, t2 = t1 + 1 < bh ? t1 + 1 : t1 + 1 - bh;
        imp2[t] = (uint8_t)((((lo[(size_t)t1 * bw] << 1) | lo[(size_t)t2 * bw]) + imp2o[t]) & 3);
        const uint32_t v = modh[rowc[t] + rowc[t1] + rowc[t2]] + vis2o[t]; /* vis2o[t] < bh */
        vis2[t] = v >= bh ? v - bh : v;
    }
}

/* Permute high plane `hi` with the sequences of scrambled low plane `lo`. */
static void pmh2m(h2 *h, const geo *g, const uint8_t *lo, uint8_t *hi, const uint16_t *off, int enc) {
    const uint32_t bh = g->bh, bw = g->bw;
    pmh2m_seqs(h, g, lo, off);
    const uint8_t *imp1 = h->seqb, *imp2 = imp1 + bw;
    const uint32_t *vis1 = h->seqv, *vis2 = vis1 + bw;
    if (enc) {
        for (uint32_t t = 0; t < bw; t++) pop_move(h, g, hi, imp1[t], 0, t, vis1[t], 1);
        for (uint32_t t = 0; t < bh; t++) pop_move(h, g, hi, imp2[t], 1, t, vis2[t], 1);
    } else {
        for (uint32_t t = bh; t-- > 0;) pop_move(h, g, hi, imp2[t], 1, t, vis2[t], 0);
        for (uint32_t t = bw; t-- > 0;) pop_move(h, g, hi, imp1[t], 0, t, vis1[t], 0);
    }
}

/* --------------------------------------------------------------- WDPCS */

/* bit i of x -> byte i (0 or 1) */
static inline uint64_t spread8(uint64_t x) {
    x = (x | (x << 28)) & 0x0000000F0000000FULL;
    x = (x | (x << 14)) & 0x0003000300030003ULL;
    x = (x | (x << 7)) & 0x0101010101010101ULL;
    return x;
}

static void wdpcs_pair(uint8_t *lo, uint8_t *hi, uint32_t bh, uint32_t bw, const uint8_t *kb) {
    const uint32_t hw = bw / 2;
    if (hw % 8 == 0) {
        /* 8 triples at a time, bytes as lanes; key bits are consecutive */
        const int le = mc_host_le();
        size_t kbyte = 0;
        for (uint32_t r = 0; r < bh; r++) {
            uint8_t *a = hi + (size_t)r * bw, *b = lo + (size_t)r * bw, *c = b + hw;
            for (uint32_t x = 0; x < hw; x += 8) {
                uint64_t va, vb, vc;
                memcpy(&va, a + x, 8);
                memcpy(&vb, b + x, 8);
                memcpy(&vc, c + x, 8);
                uint64_t k = spread8(kb[kbyte++]);
                if (!le) k = __builtin_bswap64(k);
                const uint64_t m = k & (va ^ vb) & ~(vb ^ vc);
                va ^= m;
                vb ^= m;
                vc ^= m;
                memcpy(a + x, &va, 8);
                memcpy(b + x, &vb, 8);
                memcpy(c + x, &vc, 8);
            }
        }
        return;
    }
    size_t idx = 0;
    for (uint32_t r = 0; r < bh; r++) {
        uint8_t *a = hi + (size_t)r * bw, *b = lo + (size_t)r * bw, *c = b + hw;
        for (uint32_t x = 0; x < hw; x++, idx++) {
            const uint8_t k = (uint8_t)((kb[idx >> 3] >> (idx & 7)) & 1);
            const uint8_t m = (uint8_t)(k & (a[x] ^ b[x]) & (1 ^ b[x] ^ c[x]));
            a[x] ^= m;
            b[x] ^= m;
            c[x] ^= m;
        }
    }
}

/* --------------------------------------------------------------- round */

static void round_run(h2 *h, const geo *g, mat_view m, int enc) {
    const size_t seqs = 2 * ((size_t)g->bw + g->bh);
    uint8_t **pl = h->pl;
    if (enc) {
        for (unsigned q = 0; q < h->L; q++) zmp(h, g, q, m.zmp + 3 * q, 1);
        for (unsigned q = 0; q < h->L; q++) pmh2m(h, g, pl[q], pl[h->L + q], m.seq + q * seqs, 1);
        for (unsigned i = 0; i + 1 < h->P; i++) wdpcs_pair(pl[i], pl[i + 1], g->bh, g->bw, m.wd + i * m.wdb);
    } else {
        for (unsigned i = h->P - 1; i-- > 0;) wdpcs_pair(pl[i], pl[i + 1], g->bh, g->bw, m.wd + i * m.wdb);
        for (unsigned q = 0; q < h->L; q++) pmh2m(h, g, pl[q], pl[h->L + q], m.seq + q * seqs, 0);
        for (unsigned q = 0; q < h->L; q++) zmp(h, g, q, m.zmp + 3 * q, 0);
    }
}

/* ------------------------------------------------------ packed fast path */

/* Square blocks of side K = 48 (and, through the bit-board path, the moves
 * of K = 8, 16, 32, 64 where there is no vector kernel) run the same cipher
 * on packed planes: a plane is (K/8)^2 tiles of 8 x 8 bits, tile (I, J)
 * (index I * T + J, T = K / 8) holding rows 8I.. and columns 8J.., cell
 * (j, i) of the tile at bit 8j + i.  A population move gathers its K cells
 * into one word (bit k = its k-th cell) with a mask and a multiply per tile
 * (two tiles per tile row for a diagonal), permutes the word with shifts and
 * masks (the parity rule of line_move for even K, a rotation for a diagonal)
 * and XORs the changed bits back the same way: a few word operations per
 * tile instead of 2K byte moves.  ZMP is the byte gather of the general
 * path with the plane unpacked and repacked around it; the sequences of
 * PMH2M are counted on the packed plane.  Every other shape (edge blocks,
 * odd K, K > 64) takes the general path; test_tpe compares the paths on
 * random blocks of many shapes, test_tpe_golden pins the cipher. */

#define L8 0x0101010101010101ULL     /* bit 0 of every byte: a tile's column 0 */
#define PACK8 0x0102040810204080ULL  /* ((x & L8) * PACK8) >> 56: byte j's bit 0 -> bit j */
#define DIAG8 0x8040201008040201ULL  /* cells (j, j) */
#define ADIAG8 0x0102040810204080ULL /* cells (j, 7 - j) */

/* k_spread[b]: bit i of b -> bit 8i */
#define SP1(b)                                                                                              \
    ((uint64_t)((b) & 1) | (uint64_t)(((b) >> 1) & 1) << 8 | (uint64_t)(((b) >> 2) & 1) << 16 |            \
     (uint64_t)(((b) >> 3) & 1) << 24 | (uint64_t)(((b) >> 4) & 1) << 32 | (uint64_t)(((b) >> 5) & 1) << 40 | \
     (uint64_t)(((b) >> 6) & 1) << 48 | (uint64_t)(((b) >> 7) & 1) << 56)
#define SP4(b) SP1(b), SP1((b) + 1), SP1((b) + 2), SP1((b) + 3)
#define SP16(b) SP4(b), SP4((b) + 4), SP4((b) + 8), SP4((b) + 12)
#define SP64(b) SP16(b), SP16((b) + 16), SP16((b) + 32), SP16((b) + 48)
static const uint64_t k_spread[256] = {SP64(0), SP64(64), SP64(128), SP64(192)};

static int fast_shape(uint32_t bh, uint32_t bw) {
    return bh == bw && (bh % 16 == 0 || bh == 8) && bh <= 64;
}

/* rows j < m of a tile (m <= 8) */
static inline uint64_t rows_below(unsigned m) {
    return m >= 8 ? ~0ULL : (1ULL << (8 * m)) - 1;
}

static inline uint64_t rotr_k(uint64_t x, uint32_t s, uint32_t K, uint64_t full) {
    return ((x >> s) | (x << (K - s))) & full; /* 0 < s < K */
}

/* line_move of a row or column held as a word (bit k = cell k), K even */
static inline uint64_t line_word(uint64_t x, uint32_t K, uint64_t full, uint32_t d, int enc) {
    const uint32_t up = enc ? d : K - d;
    const uint64_t mpe = ((enc && (d & 1)) ? 0xAAAAAAAAAAAAAAAAULL : 0x5555555555555555ULL) & full;
    return (rotr_k(x, up, K, full) & mpe) | (rotr_k(x, K - up, K, full) & ~mpe & full);
}

#if defined(__GNUC__) || defined(__clang__)
#define H2_INLINE static inline __attribute__((always_inline))
#define H2_PRAGMA(x) _Pragma(#x)
#define H2_UNROLL H2_PRAGMA(GCC unroll 8)
#else
#define H2_INLINE static inline
#define H2_UNROLL
#endif

/* (K is a constant where this is expanded: the loops over tiles unroll.) */
H2_INLINE void tile_pop_move(uint64_t *tl, uint32_t K, uint64_t full, unsigned kind, int step3, uint32_t t,
                             uint32_t d, int enc) {
    if (d >= K) d %= K;
    if (d == 0) return;
    const uint32_t T = K / 8;
    uint64_t w = 0;
    switch (kind) {
    case POP_ROW: {
        const uint32_t R = step3 ? t : 0, I = R >> 3, sh = 8 * (R & 7);
        uint64_t *row = tl + I * T;
        H2_UNROLL
        for (uint32_t J = 0; J < T; J++) w |= ((row[J] >> sh) & 0xFF) << 8 * J;
        w ^= line_word(w, K, full, d, enc); /* the cells that change */
        H2_UNROLL
        for (uint32_t J = 0; J < T; J++) row[J] ^= ((w >> 8 * J) & 0xFF) << sh;
        break;
    }
    case POP_COL: {
        const uint32_t C = step3 ? 0 : t, J = C >> 3, i = C & 7;
        H2_UNROLL
        for (uint32_t I = 0; I < T; I++) w |= ((((tl[I * T + J] >> i) & L8) * PACK8) >> 56) << 8 * I;
        w ^= line_word(w, K, full, d, enc);
        H2_UNROLL
        for (uint32_t I = 0; I < T; I++) tl[I * T + J] ^= k_spread[(w >> 8 * I) & 0xFF] << i;
        break;
    }
    case POP_MAJOR: {
        /* cells (r, (r + dl) mod K); bit r of w = the cell of row r; enc:
         * row r takes row r - d */
        const uint32_t dl = step3 ? (K - t) % K : t, a = dl >> 3, o = dl & 7;
        const uint64_t lo = DIAG8 & rows_below(8 - o), hi = DIAG8 & ~rows_below(8 - o);
        uint8_t j0[8], j1[8];
        uint32_t J0 = a;
        H2_UNROLL
        for (uint32_t I = 0; I < T; I++) {
            const uint32_t J1 = J0 + 1 == T ? 0 : J0 + 1;
            j0[I] = (uint8_t)(I * T + J0);
            j1[I] = (uint8_t)(I * T + J1);
            const uint64_t x = ((tl[j0[I]] >> o) & lo) | ((tl[j1[I]] << (8 - o)) & hi);
            w |= ((x * L8) >> 56) << 8 * I;
            J0 = J1;
        }
        w ^= enc ? rotr_k(w, K - d, K, full) : rotr_k(w, d, K, full);
        H2_UNROLL
        for (uint32_t I = 0; I < T; I++) {
            const uint64_t y = (((w >> 8 * I) & 0xFF) * L8) & DIAG8;
            tl[j0[I]] ^= (y & lo) << o;
            tl[j1[I]] ^= (y & hi) >> (8 - o); /* o = 0: hi = 0 */
        }
        break;
    }
    default: {
        /* POP_MINOR: cells (r, (t - r) mod K); bit K - 1 - r of w = the cell
         * of row r (the gather yields rows in reverse within a tile) */
        const uint32_t o = t & 7, a0 = t >> 3;
        const uint64_t lo = ADIAG8 & rows_below(o + 1), hi = ADIAG8 & ~rows_below(o + 1);
        uint8_t ja[8], jb[8];
        uint32_t a = a0;
        H2_UNROLL
        for (uint32_t I = 0; I < T; I++) {
            const uint32_t b = a == 0 ? T - 1 : a - 1;
            ja[I] = (uint8_t)(I * T + a);
            jb[I] = (uint8_t)(I * T + b);
            const uint64_t x = ((tl[ja[I]] << (7 - o)) & lo) | ((tl[jb[I]] >> (o + 1)) & hi);
            w |= ((x * L8) >> 56) << 8 * (T - 1 - I);
            a = b;
        }
        w ^= enc ? rotr_k(w, d, K, full) : rotr_k(w, K - d, K, full);
        H2_UNROLL
        for (uint32_t I = 0; I < T; I++) {
            const uint64_t y = (((w >> 8 * (T - 1 - I)) & 0xFF) * L8) & ADIAG8;
            tl[ja[I]] ^= (y & lo) >> (7 - o);
            tl[jb[I]] ^= (y & hi) << (o + 1); /* o = 7: hi = 0 */
        }
        break;
    }
    }
}

/* pmh2m_seqs from packed low plane tl: the same sequences, counted with
 * word operations (row counts: bytewise popcounts; column counts: 4-bit
 * lanes summed down the tile column, then across the tile's rows). */
H2_INLINE void tile_seqs(h2 *h, const geo *g, const uint64_t *tl, uint32_t K, const uint16_t *off) {
    const uint32_t T = K / 8;
    uint32_t *colc = h->cnt, *rowc = h->cnt + K;
    for (uint32_t I = 0; I < T; I++) {
        uint64_t s = 0;
        for (uint32_t J = 0; J < T; J++) {
            uint64_t x = tl[I * T + J];
            x = x - ((x >> 1) & 0x5555555555555555ULL);
            x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
            s += (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL; /* bytes: ones in each tile row, sum <= 64 */
        }
        for (uint32_t j = 0; j < 8; j++) rowc[8 * I + j] = (uint32_t)((s >> 8 * j) & 0xFF);
    }
    for (uint32_t J = 0; J < T; J++)
        for (unsigned c = 0; c < 4; c++) {
            uint64_t acc = 0; /* nibble 2j + h: rows 8I + j, column 8J + c + 4h, summed over I (<= 8) */
            for (uint32_t I = 0; I < T; I++) acc += (tl[I * T + J] >> c) & 0x1111111111111111ULL;
            colc[8 * J + c] = (uint32_t)(((acc & 0x0F0F0F0F0F0F0F0FULL) * L8) >> 56);
            colc[8 * J + c + 4] = (uint32_t)((((acc >> 4) & 0x0F0F0F0F0F0F0F0FULL) * L8) >> 56);
        }
    const uint64_t full = K == 64 ? ~0ULL : (1ULL << K) - 1;
    uint64_t r0 = 0, c0 = 0; /* first row, first column: bit k = cell k */
    for (uint32_t J = 0; J < T; J++) r0 |= (tl[J] & 0xFF) << 8 * J;
    for (uint32_t I = 0; I < T; I++) c0 |= (((tl[I * T] & L8) * PACK8) >> 56) << 8 * I;
    const uint64_t r1 = rotr_k(r0, 1, K, full), r2 = rotr_k(r0, 2, K, full);
    const uint64_t q1 = rotr_k(c0, 1, K, full), q2 = rotr_k(c0, 2, K, full);
    const uint16_t *imp1o = off, *vis1o = off + K, *imp2o = off + 2 * K, *vis2o = off + 3 * K;
    uint8_t *imp1 = h->seqb, *imp2 = imp1 + K;
    uint32_t *vis1 = h->seqv, *vis2 = vis1 + K;
    const uint16_t *modw = g->mod, *modh = g->mod + 3 * (size_t)K + 1;
    for (uint32_t t = 0; t < K; t++) {
        const uint32_t t1 = t + 1 < K ? t + 1 : t + 1 - K, t2 = t1 + 1 < K ? t1 + 1 : t1 + 1 - K;
        imp1[t] = (uint8_t)(((((r1 >> t) & 1) << 1 | ((r2 >> t) & 1)) + imp1o[t]) & 3);
        imp2[t] = (uint8_t)(((((q1 >> t) & 1) << 1 | ((q2 >> t) & 1)) + imp2o[t]) & 3);
        const uint32_t v = modw[colc[t] + colc[t1] + colc[t2]] + vis1o[t];
        vis1[t] = v >= K ? v - K : v;
        const uint32_t u = modh[rowc[t] + rowc[t1] + rowc[t2]] + vis2o[t];
        vis2[t] = u >= K ? u - K : u;
    }
}

/* The moves of PMH2M on packed plane tl with the sequences in h. */
H2_INLINE void tile_pmh2m_k(const h2 *h, uint64_t *tl, uint32_t K, int enc) {
    const uint64_t full = K == 64 ? ~0ULL : (1ULL << K) - 1;
    const uint8_t *imp1 = h->seqb, *imp2 = imp1 + K;
    const uint32_t *vis1 = h->seqv, *vis2 = vis1 + K;
    if (enc) {
        for (uint32_t t = 0; t < K; t++) tile_pop_move(tl, K, full, imp1[t], 0, t, vis1[t], 1);
        for (uint32_t t = 0; t < K; t++) tile_pop_move(tl, K, full, imp2[t], 1, t, vis2[t], 1);
    } else {
        for (uint32_t t = K; t-- > 0;) tile_pop_move(tl, K, full, imp2[t], 1, t, vis2[t], 0);
        for (uint32_t t = K; t-- > 0;) tile_pop_move(tl, K, full, imp1[t], 0, t, vis1[t], 0);
    }
}

/* ones in a packed plane of nt tiles (portable SWAR popcount) */
H2_INLINE size_t tile_ones(const uint64_t *tl, uint32_t nt) {
    size_t c = 0;
    for (uint32_t i = 0; i < nt; i++) {
        uint64_t x = tl[i];
        x = x - ((x >> 1) & 0x5555555555555555ULL);
        x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
        c += (size_t)((((x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL) * L8) >> 56);
    }
    return c;
}

/* packed plane -> one byte per bit, raster order */
H2_INLINE void tile_unpack(const uint64_t *tl, uint32_t K, uint8_t *out) {
    const uint32_t T = K / 8;
    const int le = mc_host_le();
    for (uint32_t I = 0; I < T; I++)
        for (uint32_t J = 0; J < T; J++) {
            const uint64_t x = tl[I * T + J];
            for (uint32_t j = 0; j < 8; j++) {
                uint64_t w = k_spread[(x >> 8 * j) & 0xFF];
                if (!le) w = __builtin_bswap64(w);
                memcpy(out + (size_t)(8 * I + j) * K + 8 * J, &w, 8);
            }
        }
}

H2_INLINE void tile_pack(const uint8_t *in, uint32_t K, uint64_t *tl) {
    const uint32_t T = K / 8;
    const int le = mc_host_le();
    for (uint32_t I = 0; I < T; I++)
        for (uint32_t J = 0; J < T; J++) {
            uint64_t x = 0;
            for (uint32_t j = 0; j < 8; j++) {
                uint64_t w;
                memcpy(&w, in + (size_t)(8 * I + j) * K + 8 * J, 8);
                if (!le) w = __builtin_bswap64(w);
                x |= ((w * PACK8) >> 56) << 8 * j;
            }
            tl[I * T + J] = x;
        }
}

static inline uint64_t load_le64(const uint8_t *p, int le) {
    uint64_t x;
    memcpy(&x, p, 8);
    return le ? x : __builtin_bswap64(x);
}

/* bytes 0, 2, 4, 6 of x -> bytes 0..3 */
static inline uint64_t even_bytes(uint64_t x) {
    x &= 0x00FF00FF00FF00FFULL;
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
    return (x | (x >> 16)) & 0xFFFFFFFFULL;
}

/* ------------------------------------------------------------ Benes ZMP */

/* For square blocks of side K = 2^k, 8 <= K <= 64, the traversal of a ZMP
 * model is a fixed permutation of the plane's n = K^2 bits followed by a
 * rotation.  The permutation, from the board's raster bit order to traversal
 * order, is routed once per process and model through a Benes network of
 * 2 log2(n) - 1 stages of masked delta swaps (the looping algorithm); a stage
 * costs a few operations per word of the plane. */

static int benes_shape(uint32_t bh, uint32_t bw) {
    return bh == bw && bh >= 8 && bh <= 64 && (bh & (bh - 1)) == 0;
}

/* shift of stage i of the network on n = 2^L bits (2L - 1 stages) */
static inline size_t benes_delta(size_t n, unsigned L, unsigned i) {
    return i < L ? n >> (i + 1) : n >> (2 * L - 1 - i);
}

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

/* x (n = 2^L bits) through the network, or back through it (inverse) */
H2_INLINE void benes_apply(uint64_t *x, size_t n, unsigned L, const uint64_t *masks, int inverse) {
    const size_t nw = n / 64;
    const unsigned S = 2 * L - 1;
    for (unsigned k = 0; k < S; k++) {
        const unsigned i = inverse ? S - 1 - k : k;
        const size_t d = benes_delta(n, L, i);
        const uint64_t *M = masks + (size_t)i * nw;
        if (d >= 64) {
            const size_t D = d / 64;
            for (size_t w0 = 0; w0 < nw; w0 += 2 * D)
                for (size_t w = w0; w < w0 + D; w++) {
                    const uint64_t t = (x[w] ^ x[w + D]) & M[w];
                    x[w] ^= t;
                    x[w + D] ^= t;
                }
        } else {
            H2_UNROLL
            for (size_t w = 0; w < nw; w++) {
                const uint64_t t = ((x[w] >> d) ^ x[w]) & M[w];
                x[w] ^= t ^ (t << d);
            }
        }
    }
}

/* The masks of the 8 models for K x K boards, K = 8, 16, 32, 64 (they
 * depend on K alone: routed once per process, read-only after): model m's
 * traversal read in raster order, raster bit -> traversal index. */
static uint64_t k_benes8[8 * 11 * 1], k_benes16[8 * 15 * 4], k_benes32[8 * 19 * 16], k_benes64[8 * 23 * 64];
static uint64_t *const k_benes[4] = {k_benes8, k_benes16, k_benes32, k_benes64};
static int k_benes_ok[4];
static pthread_once_t k_benes_once[4] = {PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT};

static void benes_init(unsigned i) {
    const uint32_t K = 8u << i;
    const size_t n = (size_t)K * K, nw = n / 64;
    const unsigned L = 2 * tpe_width(K), S = 2 * L - 1;
    uint32_t *p = malloc(9 * n * sizeof *p);
    if (!p) return;
    uint32_t *rr = p + 7 * n, *cc = rr + n;
    for (unsigned m = 0; m < 8; m++) {
        if (m & 1) zigzag(K, K, cc, rr); /* as geo_get */
        else zigzag(K, K, rr, cc);
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
static const uint64_t *benes_masks(uint32_t K) {
    static void (*const init[4])(void) = {benes_init0, benes_init1, benes_init2, benes_init3};
    const unsigned i = tpe_width(K) - 3;
    pthread_once(&k_benes_once[i], init[i]);
    return k_benes_ok[i] ? k_benes[i] : NULL;
}

/* wdpcs_pair on packed planes: hi (r, c), lo (r, c) and lo (r, c + K/2), c
 * in the left half (K/2 a multiple of 8: whole tiles, or K = 8: the nibbles
 * of the one tile); key bit r * K/2 + c. */
H2_INLINE void tile_wdpcs(uint64_t *lo, uint64_t *hi, uint32_t K, const uint8_t *kb) {
    const uint32_t T = K / 8, Th = T / 2, kr = K / 16; /* key bytes per row */
    const int le = mc_host_le();
    if (K == 8) { /* one tile: the halves are its nibbles, 4 key bits a row */
        uint64_t k = 0;
        for (uint32_t j = 0; j < 8; j++) k |= (uint64_t)((kb[j / 2] >> 4 * (j & 1)) & 0xF) << 8 * j;
        const uint64_t a = hi[0], b = lo[0], c = lo[0] >> 4;
        const uint64_t m = k & (a ^ b) & ~(b ^ c); /* k has bits in the low nibbles only */
        hi[0] = a ^ m;
        lo[0] = b ^ m ^ (m << 4);
        return;
    }
    for (uint32_t I = 0; I < T; I++)
        for (uint32_t J = 0; J < Th; J++) {
            uint64_t k = 0; /* byte j: the key bits of row 8I + j, columns 8J.. */
            if (kr == 1) {
                k = load_le64(kb + 8 * I, le);
            } else if (kr == 2) {
                const uint64_t w0 = load_le64(kb + 16 * I, le) >> 8 * J, w1 = load_le64(kb + 16 * I + 8, le) >> 8 * J;
                k = even_bytes(w0) | even_bytes(w1) << 32;
            } else {
                for (uint32_t j = 0; j < 8; j++) k |= (uint64_t)kb[(8 * I + j) * kr + J] << 8 * j;
            }
            uint64_t a = hi[I * T + J], b = lo[I * T + J], c = lo[I * T + J + Th];
            const uint64_t m = k & (a ^ b) & ~(b ^ c);
            hi[I * T + J] = a ^ m;
            lo[I * T + J] = b ^ m;
            lo[I * T + J + Th] = c ^ m;
        }
}

/* levels (K x K, raster) -> P packed planes */
static void tile_split(const uint32_t *v, uint32_t K, unsigned P, uint64_t *tl) {
    const uint32_t T = K / 8, nt = T * T;
    for (uint32_t I = 0; I < T; I++)
        for (uint32_t J = 0; J < T; J++) {
            uint64_t acc[16] = {0};
            for (uint32_t j = 0; j < 8; j++) {
                const uint32_t *s = v + (size_t)(8 * I + j) * K + 8 * J;
                uint64_t l8 = 0, h8 = 0;
                for (unsigned i = 0; i < 8; i++) {
                    l8 |= (uint64_t)(s[i] & 0xFF) << 8 * i;
                    h8 |= (uint64_t)((s[i] >> 8) & 0xFF) << 8 * i;
                }
                for (unsigned p = 0; p < P; p++) {
                    const uint64_t x = p < 8 ? l8 >> p : h8 >> (p - 8);
                    acc[p] |= (((x & L8) * PACK8) >> 56) << 8 * j;
                }
            }
            for (unsigned p = 0; p < P; p++) tl[p * nt + I * T + J] = acc[p];
            sodium_memzero(acc, sizeof acc);
        }
}

static void tile_merge(const uint64_t *tl, uint32_t K, unsigned P, uint32_t *v) {
    const uint32_t T = K / 8, nt = T * T;
    for (uint32_t I = 0; I < T; I++)
        for (uint32_t J = 0; J < T; J++)
            for (uint32_t j = 0; j < 8; j++) {
                uint64_t l8 = 0, h8 = 0;
                for (unsigned p = 0; p < P; p++) {
                    const uint64_t x = k_spread[(tl[p * nt + I * T + J] >> 8 * j) & 0xFF];
                    if (p < 8) l8 |= x << p;
                    else h8 |= x << (p - 8);
                }
                uint32_t *s = v + (size_t)(8 * I + j) * K + 8 * J;
                for (unsigned i = 0; i < 8; i++)
                    s[i] = (uint32_t)((l8 >> 8 * i) & 0xFF) | (uint32_t)((h8 >> 8 * i) & 0xFF) << 8;
            }
}

/* round_run on packed planes h->tl; the byte pool serves as ZMP scratch.
 * PMH2M of plane L + q and ZMP of plane q only involve low plane q, so each
 * q is done at once (the order of the general path across q is immaterial). */
H2_INLINE void round_fast_k(h2 *h, const geo *g, mat_view m, int enc, const uint32_t K) {
    const uint32_t nt = (K / 8) * (K / 8);
    const size_t seqs = 4 * (size_t)K;
    uint8_t *u = h->pool, *s = h->pool + (size_t)K * K;
    uint64_t *tl = h->tl;
    if (enc) {
        for (unsigned q = 0; q < h->L; q++) {
            tile_unpack(tl + q * nt, K, u);
            zmp_bytes(g, u, s, m.zmp + 3 * q, 1, tile_ones(tl + q * nt, nt));
            tile_pack(s, K, tl + q * nt);
            tile_seqs(h, g, tl + q * nt, K, m.seq + q * seqs);
            tile_pmh2m_k(h, tl + (h->L + q) * nt, K, 1);
        }
        for (unsigned i = 0; i + 1 < h->P; i++) tile_wdpcs(tl + i * nt, tl + (i + 1) * nt, K, m.wd + i * m.wdb);
    } else {
        for (unsigned i = h->P - 1; i-- > 0;) tile_wdpcs(tl + i * nt, tl + (i + 1) * nt, K, m.wd + i * m.wdb);
        for (unsigned q = 0; q < h->L; q++) {
            tile_seqs(h, g, tl + q * nt, K, m.seq + q * seqs);
            tile_pmh2m_k(h, tl + (h->L + q) * nt, K, 0);
            tile_unpack(tl + q * nt, K, u);
            zmp_bytes(g, u, s, m.zmp + 3 * q, 0, tile_ones(tl + q * nt, nt));
            tile_pack(s, K, tl + q * nt);
        }
    }
}

static void round_fast(h2 *h, const geo *g, mat_view m, int enc) {
    round_fast_k(h, g, m, enc, 48); /* the one tile shape that is not a board shape */
}

/* ------------------------------------------------------- bit-board path */

/* Square blocks of side K = 8, 16, 32 or 64 (every full block at the usual
 * block sizes) run on bit boards: plane p is the K^2-bit string of its cells
 * in raster order (cell (r, c) = bit rK + c, LSB first), nw = K^2 / 64 words;
 * at K = 32 a word holds two rows, at K = 64 one.  All of a block's keyed
 * bytes (every round) come from its stream in one call; a round's bit fields
 * are cut from them where tpe_bits would have taken them.
 *  - ZMP: a model's traversal read in raster order is a fixed permutation of
 *    the plane's bits (a Benes network routed once per image and shape) and
 *    the start a rotation of the traversal-order string.
 *  - PMH2M sequences: column counts mod K as bit slices (carry-save adders
 *    down the words, then folding the rows a word holds), sums of three
 *    neighbours as bit-sliced additions; row counts as SWAR byte popcounts;
 *    Imp and Vis for all t at once, one byte each, keyed offsets added in
 *    SWAR byte lanes.
 *  - PMH2M moves: board_moves (a vector kernel where the CPU has one, else
 *    the 8 x 8 tile moves of the packed fast path on a copy of the plane cut
 *    into tiles).
 *  - WDPCS: one word of each plane at a time, the key bits spread to the
 *    left halves of the rows it holds.
 * test_tpe compares this path with the byte-per-bit general path on random
 * blocks; test_tpe_golden pins the cipher. */

static int board_shape(uint32_t bh, uint32_t bw) {
    return bh == bw && (bh == 8 || bh == 16 || bh == 32 || bh == 64);
}

/* bytes of x: the number of ones in each */
static inline uint64_t pop_bytes(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    return (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
}

/* 8 x 8 bit matrix (row i = byte i, column j = bit j) transposed */
static inline uint64_t transpose8(uint64_t x) {
    uint64_t t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AAULL;
    x ^= t ^ (t << 7);
    t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCCULL;
    x ^= t ^ (t << 14);
    t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0ULL;
    return x ^ t ^ (t << 28);
}

/* 8 x 8 byte matrix (row i = y[i], column j = byte j) transposed in place */
static inline void transpose8_bytes(uint64_t *y) {
    for (unsigned i = 0; i < 4; i++) {
        const uint64_t a = y[i], b = y[i + 4];
        y[i] = (a & 0x00000000FFFFFFFFULL) | (b << 32);
        y[i + 4] = (a >> 32) | (b & 0xFFFFFFFF00000000ULL);
    }
    for (unsigned i = 0; i < 8; i += (i & 1) ? 3 : 1) { /* 0 1 4 5 */
        const uint64_t a = y[i], b = y[i + 2];
        y[i] = (a & 0x0000FFFF0000FFFFULL) | ((b << 16) & 0xFFFF0000FFFF0000ULL);
        y[i + 2] = ((a >> 16) & 0x0000FFFF0000FFFFULL) | (b & 0xFFFF0000FFFF0000ULL);
    }
    for (unsigned i = 0; i < 8; i += 2) {
        const uint64_t a = y[i], b = y[i + 1];
        y[i] = (a & 0x00FF00FF00FF00FFULL) | ((b << 8) & 0xFF00FF00FF00FF00ULL);
        y[i + 1] = ((a >> 8) & 0x00FF00FF00FF00FFULL) | (b & 0xFF00FF00FF00FF00ULL);
    }
}

/* levels (K x K, raster) -> P boards: 64 levels at a time, bit-transposed
 * in groups of 8, the groups byte-transposed */
H2_INLINE void board_split(const uint32_t *v, size_t nw, unsigned P, uint64_t *bb) {
    for (size_t w = 0; w < nw; w++)
        for (unsigned half = 0; half < P / 8; half++) {
            uint64_t y[8];
            for (unsigned g8 = 0; g8 < 8; g8++) {
                const uint32_t *s = v + 64 * w + 8 * g8;
                uint64_t x = 0;
                for (unsigned i = 0; i < 8; i++) x |= (uint64_t)((s[i] >> 8 * half) & 0xFF) << 8 * i;
                y[g8] = transpose8(x); /* byte p: bit 8 half + p of the 8 levels */
            }
            transpose8_bytes(y); /* y[p] byte g8: the same */
            for (unsigned p = 0; p < 8; p++) bb[(8 * half + p) * nw + w] = y[p];
            sodium_memzero(y, sizeof y);
        }
}

H2_INLINE void board_merge(const uint64_t *bb, size_t nw, unsigned P, uint32_t *v) {
    for (size_t w = 0; w < nw; w++) {
        for (unsigned i = 0; i < 64; i++) v[64 * w + i] = 0;
        for (unsigned half = 0; half < P / 8; half++) {
            uint64_t y[8];
            for (unsigned p = 0; p < 8; p++) y[p] = bb[(8 * half + p) * nw + w];
            transpose8_bytes(y);
            for (unsigned g8 = 0; g8 < 8; g8++) {
                const uint64_t x = transpose8(y[g8]);
                uint32_t *s = v + 64 * w + 8 * g8;
                for (unsigned i = 0; i < 8; i++) s[i] |= (uint32_t)((x >> 8 * i) & 0xFF) << 8 * half;
            }
            sodium_memzero(y, sizeof y);
        }
    }
}

/* w-bit field at bit bp of fb (LSB first; fb padded) */
static inline uint32_t board_field(const uint8_t *fb, size_t bp, unsigned w, int le) {
    return (uint32_t)((load_le64(fb + (bp >> 3), le) >> (bp & 7)) & ((1ULL << w) - 1));
}

/* bit j of Y = bit (j + s) mod 64 nw of X */
H2_INLINE void board_rot(const uint64_t *X, uint64_t *Y, size_t nw, size_t s) {
    const size_t a = s >> 6;
    const unsigned b = (unsigned)(s & 63);
    for (size_t w = 0; w < nw; w++) {
        const uint64_t x0 = X[(w + a) & (nw - 1)], x1 = X[(w + a + 1) & (nw - 1)];
        Y[w] = b ? (x0 >> b) | (x1 << (64 - b)) : x0;
    }
}

/* ZMP of board X (fields at bit bp of fb): its model's network masks and the
 * rotation (the start's traversal index); then, portable, the network and
 * the rotation (Y: nw words of scratch) */
H2_INLINE const uint64_t *board_zmp_prep(const geo *g, const uint64_t *X, const uint8_t *fb, size_t bp, unsigned k,
                                         int le, int simd, size_t *rot, const uint32_t K) {
    const size_t n = (size_t)K * K, nw = n / 64;
    const unsigned S = 4 * k - 1;
    size_t c1 = 0;
    if (simd) {
        c1 = tpe_h2mwd_x86_ones(X, nw);
    } else {
        for (size_t w = 0; w < nw; w++) c1 += (size_t)((pop_bytes(X[w]) * L8) >> 56);
    }
    const size_t c0 = n - c1;
    const uint32_t o0 = board_field(fb, bp, 3, le), o1 = board_field(fb, bp + 3, k, le),
                   o2 = board_field(fb, bp + 3 + k, k, le);
    const unsigned model = (unsigned)(((c1 % 8) + 8 - (c0 % 8)) % 8 + o0) % 8;
    const size_t sr = (c0 + o1) & (K - 1), sc = (c1 + o2) & (K - 1);
    *rot = g->inv[model * n + sr * K + sc];
    return g->benes + model * S * nw;
}

H2_INLINE void board_zmp_apply(uint64_t *X, uint64_t *Y, const uint64_t *masks, size_t s, int enc, const uint32_t K) {
    const size_t n = (size_t)K * K, nw = n / 64;
    const unsigned Lg = 2 * tpe_width(K);
    if (enc) {
        benes_apply(X, n, Lg, masks, 0);
        board_rot(X, Y, nw, s);
    } else {
        board_rot(X, Y, nw, (n - s) & (n - 1));
        benes_apply(Y, n, Lg, masks, 1);
    }
    memcpy(X, Y, nw * sizeof *X);
}

/* ZMP of the L low boards */
H2_INLINE void board_zmp(h2 *h, const geo *g, uint64_t *bb, const uint8_t *fb, size_t bz, unsigned k, int enc, int le,
                         const uint32_t K) {
    const size_t nw = (size_t)K * K / 64;
    const uint64_t *masks[8];
    size_t rot[8];
    const int simd = h->x86 && K >= 16;
    for (unsigned q = 0; q < h->L; q++)
        masks[q] = board_zmp_prep(g, bb + q * nw, fb, bz + q * (3 + 2 * k), k, le, simd, &rot[q], K);
    if (simd) {
        tpe_h2mwd_x86_zmp(bb, h->L, K, masks, rot, enc);
        return;
    }
    for (unsigned q = 0; q < h->L; q++) board_zmp_apply(bb + q * nw, h->zs, masks[q], rot[q], enc, K);
}

/* board sequences and WDPCS, portable */
#define H2S_FN static inline __attribute__((always_inline, unused))
#define H2S_HW 0
#include "schemes/tpe_h2mwd_seqs.h"
#undef H2S_FN
#undef H2S_HW

/* the tile moves of the packed fast path, with the sequences as bytes */
H2_INLINE void tile_moves_k(uint64_t *tl, const uint8_t *kind, const uint8_t *dist, int enc, const uint32_t K) {
    const uint64_t full = K == 64 ? ~0ULL : (1ULL << K) - 1;
    if (enc) {
        for (uint32_t t = 0; t < K; t++) tile_pop_move(tl, K, full, kind[t], 0, t, dist[t], 1);
        for (uint32_t t = 0; t < K; t++) tile_pop_move(tl, K, full, kind[K + t], 1, t, dist[K + t], 1);
    } else {
        for (uint32_t t = K; t-- > 0;) tile_pop_move(tl, K, full, kind[K + t], 1, t, dist[K + t], 0);
        for (uint32_t t = K; t-- > 0;) tile_pop_move(tl, K, full, kind[t], 0, t, dist[t], 0);
    }
}

/* board <-> 8 x 8 tiles (tile (I, J) byte j = byte (8I + j) K/8 + J of the
 * board): per band of 8 rows, an 8 x 8 byte transpose of the rows (K/8
 * bytes each, zero-padded) gives the band's tiles */
H2_INLINE void board_to_tiles(const uint64_t *X, uint32_t K, uint64_t *tl) {
    const uint32_t T = K / 8, rpw = 64 / K;
    for (uint32_t I = 0; I < T; I++) {
        uint64_t y[8];
        for (uint32_t j = 0; j < 8; j++) { /* row 8I + j */
            const uint32_t r = 8 * I + j;
            y[j] = K == 64 ? X[r] : (X[r / rpw] >> (K * (r % rpw))) & ((1ULL << K) - 1);
        }
        transpose8_bytes(y);
        for (uint32_t J = 0; J < T; J++) tl[I * T + J] = y[J];
    }
}

H2_INLINE void tiles_to_board(const uint64_t *tl, uint32_t K, uint64_t *X) {
    const uint32_t T = K / 8, rpw = 64 / K;
    for (uint32_t I = 0; I < T; I++) {
        uint64_t y[8] = {0};
        for (uint32_t J = 0; J < T; J++) y[J] = tl[I * T + J];
        transpose8_bytes(y);
        if (K == 64) {
            for (uint32_t j = 0; j < 8; j++) X[8 * I + j] = y[j];
        } else {
            for (uint32_t w = 0; w < 8 / rpw; w++) {
                uint64_t x = 0;
                for (uint32_t e = 0; e < rpw; e++) x |= y[w * rpw + e] << (K * e);
                X[I * 8 / rpw + w] = x;
            }
        }
    }
}

/* PMH2M moves of the L high boards (H + q nw) with sequences h->kd / h->dd
 * (128 bytes per plane), portable: through tiles */
static void board_moves_tiles(h2 *h, uint64_t *H, uint32_t K, int enc) {
    const size_t nw = (size_t)K * K / 64;
    for (unsigned q = 0; q < h->L; q++) {
        uint64_t *X = H + q * nw;
        const uint8_t *kind = h->kd + 128 * q, *dist = h->dd + 128 * q;
        switch (K) {
        case 8: tile_moves_k(X, kind, dist, enc, 8); continue; /* one tile: the board itself */
        case 16: board_to_tiles(X, K, h->bt); tile_moves_k(h->bt, kind, dist, enc, 16); break;
        case 32: board_to_tiles(X, K, h->bt); tile_moves_k(h->bt, kind, dist, enc, 32); break;
        default: board_to_tiles(X, K, h->bt); tile_moves_k(h->bt, kind, dist, enc, 64); break;
        }
        tiles_to_board(h->bt, K, X);
    }
}

static void board_moves(h2 *h, uint64_t *H, uint32_t K, int enc) {
    if (h->x86) {
        tpe_h2mwd_x86_moves(h->x86, H, h->L, K, h->kd, h->dd, enc);
        return;
    }
    board_moves_tiles(h, H, K, enc);
}

/* The sequences of the L low boards (offsets from bit bs of fb) */
H2_INLINE void board_seqs(h2 *h, const uint64_t *bb, const uint8_t *fb, size_t bs, int le, const uint32_t K) {
    const unsigned k = tpe_width(K);
    const size_t nw = (size_t)K * K / 64, per = (size_t)K * (4 + 2 * k);
    for (unsigned q = 0; q < h->L; q++) {
        if (h->x86) tpe_h2mwd_x86_seqs(bb + q * nw, K, fb, bs + q * per, h->kd + 128 * q, h->dd + 128 * q);
        else h2s_seqs(bb + q * nw, K, k, fb, bs + q * per, le, h->kd + 128 * q, h->dd + 128 * q);
    }
}

/* WDPCS of all pairs of adjacent boards, lowest first (enc) or last (dec) */
H2_INLINE void board_wdpcs(h2 *h, uint64_t *bb, const uint8_t *wd, int le, int enc, const uint32_t K) {
    const size_t nw = (size_t)K * K / 64, wdb = (size_t)K * K / 16;
    if (h->x86) {
        tpe_h2mwd_x86_wdpcs(bb, h->P, K, wd, enc);
        return;
    }
    for (unsigned j = 0; j + 1 < h->P; j++) {
        const unsigned i = enc ? j : h->P - 2 - j;
        h2s_wdpcs(bb + i * nw, bb + (i + 1) * nw, K, nw, wd + i * wdb, le);
    }
}

/* Bits of keyed fields per round: ZMP (model, row, column) per low plane,
 * then Imp1 Vis1 Imp2 Vis2 offsets per low plane. */
static size_t board_field_bits(unsigned L, uint32_t K, unsigned k) {
    return (size_t)L * (3 + 2 * k) + (size_t)L * K * (4 + 2 * k);
}

/* One round r of block material h->sbuf (offsets h->roff, h->rn0). */
H2_INLINE void board_round_k(h2 *h, const geo *g, unsigned r, int enc, const uint32_t K) {
    const unsigned k = tpe_width(K), L = h->L, P = h->P;
    const size_t nw = (size_t)K * K / 64, wdb = (size_t)K * K / 16, wdbytes = (P - 1) * wdb;
    const int le = mc_host_le();
    const unsigned n0 = h->rn0[r];
    const size_t need = (board_field_bits(L, K, k) - n0 + 7) / 8;
    /* the round's fields as one bit string (as mat_draw takes them): the
     * n0 bits left in the last field byte of round r - 1, then `need` bytes */
    uint8_t *fb = h->rbuf;
    fb[0] = n0 ? (uint8_t)(h->sbuf[h->roff[r] - wdbytes - 1] & (0xFFu << (8 - n0))) : 0;
    memcpy(fb + 1, h->sbuf + h->roff[r], need);
    memset(fb + 1 + need, 0, 8);
    const size_t bz = 8 - n0, bs = bz + (size_t)L * (3 + 2 * k);
    const uint8_t *wd = h->sbuf + h->roff[r] + need;
    uint64_t *bb = h->bb;
    if (enc) {
        board_zmp(h, g, bb, fb, bz, k, 1, le, K);
        board_seqs(h, bb, fb, bs, le, K);
        board_moves(h, bb + L * nw, K, 1);
        board_wdpcs(h, bb, wd, le, 1, K);
    } else {
        board_wdpcs(h, bb, wd, le, 0, K);
        board_seqs(h, bb, fb, bs, le, K);
        board_moves(h, bb + L * nw, K, 0);
        board_zmp(h, g, bb, fb, bz, k, 0, le, K);
    }
}

static void board_round(h2 *h, const geo *g, unsigned r, int enc) {
    switch (g->bw) { /* a constant K for each: the loops over words unroll */
    case 8: board_round_k(h, g, r, enc, 8); break;
    case 16: board_round_k(h, g, r, enc, 16); break;
    case 32: board_round_k(h, g, r, enc, 32); break;
    default: board_round_k(h, g, r, enc, 64); break;
    }
}

/* A board-shaped block: every round's keyed bytes in one call, then the
 * rounds (forwards or backwards) on the boards. */
static int board_block(h2 *h, const geo *g, const tpe_block *b, int enc) {
    const uint32_t K = b->bw;
    const unsigned k = tpe_width(K);
    const size_t nw = (size_t)K * K / 64, wdbytes = (h->P - 1) * ((size_t)K * K / 16);
    const size_t B = board_field_bits(h->L, K, k);
    size_t off = 0;
    unsigned n0 = 0;
    for (unsigned r = 0; r < h->rounds; r++) {
        const size_t need = (B - n0 + 7) / 8;
        h->roff[r] = off;
        h->rn0[r] = (uint8_t)n0;
        off += need + wdbytes;
        n0 = (unsigned)(8 * need + n0 - B);
    }
    if (off > h->sbuf_cap) {
        if (h->sbuf) sodium_memzero(h->sbuf, h->sbuf_cap);
        free(h->sbuf);
        h->sbuf_cap = 0;
        h->sbuf = malloc(off);
        if (!h->sbuf) return MC_ERR_NOMEM;
        h->sbuf_cap = off;
    }
    mc_stream s;
    mc_stream_init(&s, b->ctx->key, b->ctx->nonce, "tpe-h2mwd", b->plane, b->index);
    mc_stream_bytes(&s, h->sbuf, off);
    mc_stream_wipe(&s);
    if (h->x86) tpe_h2mwd_x86_split(b->v, nw, h->P, h->bb);
    else board_split(b->v, nw, h->P, h->bb);
    for (unsigned i = 0; i < h->rounds; i++) board_round(h, g, enc ? i : h->rounds - 1 - i, enc);
    if (h->x86) tpe_h2mwd_x86_merge(h->bb, nw, h->P, b->v);
    else board_merge(h->bb, nw, h->P, b->v);
    return MC_OK;
}

static int h2_block(void *user, const tpe_block *b, int enc, mc_err *err) {
    h2 *h = user;
    const uint32_t bh = b->bh, bw = b->bw;
    const size_t n = (size_t)bh * bw;
    const geo *g;
    int rc = geo_get(h, bh, bw, &g);
    if (rc) return mc_err_set(err, rc, "tpe-h2mwd: out of memory");
    if (!h->general && board_shape(bh, bw)) {
        rc = board_block(h, g, b, enc);
        return rc ? mc_err_set(err, rc, "tpe-h2mwd: out of memory") : MC_OK;
    }
    const int fast = !h->general && fast_shape(bh, bw);
    void (*run)(h2 *, const geo *, mat_view, int) = fast ? round_fast : round_run;
    if (fast) {
        tile_split(b->v, bw, h->P, h->tl);
    } else {
        for (unsigned p = 0; p < h->P; p++) {
            uint8_t *pl = h->pl[p];
            for (size_t i = 0; i < n; i++) pl[i] = (uint8_t)((b->v[i] >> p) & 1);
        }
    }
    tpe_rng rng;
    tpe_rng_init(&rng, b->ctx->key, b->ctx->nonce, "tpe-h2mwd", b->plane, b->index);
    if (enc) {
        for (unsigned r = 0; r < h->rounds; r++) {
            mat_view m = mat_at(h, 0, bh, bw);
            mat_draw(h, &rng, m, bh, bw);
            run(h, g, m, 1);
        }
    } else {
        for (unsigned r = 0; r < h->rounds; r++) mat_draw(h, &rng, mat_at(h, r, bh, bw), bh, bw);
        for (unsigned r = h->rounds; r-- > 0;) run(h, g, mat_at(h, r, bh, bw), 0);
    }
    tpe_rng_wipe(&rng);
    if (fast) {
        tile_merge(h->tl, bw, h->P, b->v);
        return MC_OK;
    }
    for (size_t i = 0; i < n; i++) b->v[i] = h->pl[0][i];
    for (unsigned p = 1; p < h->P; p++) {
        const uint8_t *pl = h->pl[p];
        for (size_t i = 0; i < n; i++) b->v[i] |= (uint32_t)pl[i] << p;
    }
    return MC_OK;
}

#define H2_TILES(P) ((size_t)(P) * 64) /* packed planes: up to 8 x 8 tiles each */
#define H2_ZS (3 * 64 + 1)             /* a plane's bits three times over, one pad word */

static int h2_portable; /* tpe_h2mwd_portable(1): never the vector kernel */

void tpe_h2mwd_portable(int on) {
    h2_portable = on;
}

/* h->rounds is the number of rounds of material held (1 when encrypting). */
static void h2_free(h2 *h) {
    const size_t nn = (size_t)h->block * h->block;
    for (unsigned i = 0; i < h->ng; i++) geo_free(&h->g[i]);
    if (h->pool) sodium_memzero(h->pool, (size_t)(h->P + 1) * nn);
    if (h->tl) sodium_memzero(h->tl, H2_TILES(h->P) * sizeof *h->tl);
    if (h->zs) sodium_memzero(h->zs, H2_ZS * sizeof *h->zs);
    if (h->bb) sodium_memzero(h->bb, H2_TILES(h->P) * sizeof *h->bb);
    if (h->bt) sodium_memzero(h->bt, 64 * sizeof *h->bt);
    if (h->kd) sodium_memzero(h->kd, 128 * (size_t)h->L);
    if (h->dd) sodium_memzero(h->dd, 128 * (size_t)h->L);
    if (h->sbuf) sodium_memzero(h->sbuf, h->sbuf_cap);
    sodium_memzero(h->rbuf, sizeof h->rbuf);
    if (h->tmp) sodium_memzero(h->tmp, 2 * (size_t)h->block);
    if (h->dest) sodium_memzero(h->dest, (size_t)h->block * sizeof *h->dest);
    if (h->cnt) sodium_memzero(h->cnt, 2 * (size_t)h->block * sizeof *h->cnt);
    if (h->mat) sodium_memzero(h->mat, h->mat_u16 * sizeof *h->mat * (h->rounds));
    if (h->wd) sodium_memzero(h->wd, h->wd_bytes * h->rounds);
    if (h->seqb) sodium_memzero(h->seqb, 2 * (size_t)h->block);
    if (h->seqv) sodium_memzero(h->seqv, 2 * (size_t)h->block * sizeof *h->seqv);
    free(h->pool);
    free(h->tl);
    free(h->zs);
    free(h->bb);
    free(h->bt);
    free(h->kd);
    free(h->dd);
    free(h->sbuf);
    tpe_h2mwd_x86_free(h->x86);
    free(h->tmp);
    free(h->occ);
    free(h->dest);
    free(h->cnt);
    free(h->seqb);
    free(h->seqv);
    free(h->mat);
    free(h->wd);
}

/* Working state for samples of `bits` bits and blocks up to block x block;
 * on success the caller runs the blocks, sets h->rounds to the rounds of
 * material held (1 for encryption) and calls h2_free. */
static int h2_init(h2 *h, unsigned bits, unsigned block, unsigned rounds, int enc, mc_err *err) {
    *h = (h2){.rounds = rounds, .P = bits, .L = bits / 2u, .block = block};
    if (!h2_portable && tpe_h2mwd_simd()) h->x86 = tpe_h2mwd_x86_new(); /* NULL: the portable code */
    const size_t nn = (size_t)block * block;
    h->mat_u16 = 3 * (size_t)h->L + (size_t)h->L * 4 * block;
    h->wd_bytes = (size_t)(h->P - 1) * ((nn / 2 + 7) / 8);
    const unsigned mr = enc ? 1 : rounds; /* encryption draws one round at a time */
    h->pool = malloc((size_t)(h->P + 1) * nn);
    h->tl = malloc(H2_TILES(h->P) * sizeof *h->tl);
    h->zs = malloc(H2_ZS * sizeof *h->zs);
    h->bb = malloc(H2_TILES(h->P) * sizeof *h->bb);
    h->bt = malloc(64 * sizeof *h->bt);
    h->kd = malloc(128 * (size_t)h->L);
    h->dd = malloc(128 * (size_t)h->L);
    h->tmp = malloc(2 * (size_t)block);
    h->occ = malloc(block);
    h->dest = malloc((size_t)block * sizeof *h->dest);
    h->cnt = malloc(2 * (size_t)block * sizeof *h->cnt);
    h->seqb = malloc(2 * (size_t)block);
    h->seqv = malloc(2 * (size_t)block * sizeof *h->seqv);
    h->mat = malloc(h->mat_u16 * mr * sizeof *h->mat);
    h->wd = malloc(h->wd_bytes * mr);
    if (!h->pool || !h->tl || !h->zs || !h->bb || !h->bt || !h->kd || !h->dd || !h->tmp || !h->occ || !h->dest || !h->cnt || !h->seqb || !h->seqv || !h->mat ||
        !h->wd) {
        h->rounds = 0;
        h2_free(h);
        return mc_err_set(err, MC_ERR_NOMEM, "tpe-h2mwd: out of memory");
    }
    for (unsigned p = 0; p <= h->P; p++) h->pl[p] = h->pool + p * nn;
    return MC_OK;
}

static int h2_run(const mc_scheme_ctx *ctx, mc_image *img, int enc, mc_err *err) {
    unsigned block, rounds;
    int rc = tpe_param_uint(ctx, &mc_scheme_tpe_h2mwd, "block", TPE_BLOCK_MIN, TPE_BLOCK_MAX, &block, err);
    if (!rc) rc = tpe_param_uint(ctx, &mc_scheme_tpe_h2mwd, "rounds", TPE_ROUNDS_MIN, TPE_ROUNDS_MAX, &rounds, err);
    if (rc) return rc;
    h2 h;
    rc = h2_init(&h, img->bits, block, rounds, enc, err);
    if (rc) return rc;
    rc = tpe_for_each_block(ctx, img, block, enc, h2_block, &h, err);
    h.rounds = enc ? 1 : rounds;
    h2_free(&h);
    return rc;
}

int tpe_h2mwd_block(const tpe_block *b, unsigned rounds, int enc, int general, mc_err *err) {
    if (b->bh < TPE_BLOCK_MIN || b->bw < TPE_BLOCK_MIN || b->bh > TPE_BLOCK_MAX || b->bw > TPE_BLOCK_MAX ||
        rounds < TPE_ROUNDS_MIN || rounds > TPE_ROUNDS_MAX || (b->bits != 8 && b->bits != 16))
        return mc_err_set(err, MC_ERR_INTERNAL, "tpe-h2mwd: bad test block");
    h2 h;
    int rc = h2_init(&h, b->bits, b->bh > b->bw ? b->bh : b->bw, rounds, enc, err);
    if (rc) return rc;
    h.general = general == 1;
    if (general == 2) {
        tpe_h2mwd_x86_free(h.x86);
        h.x86 = NULL;
    }
    rc = h2_block(&h, b, enc, err);
    h.rounds = enc ? 1 : rounds;
    h2_free(&h);
    return rc;
}

static int tpe_h2mwd_encrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    return h2_run(ctx, img, 1, err);
}

static int tpe_h2mwd_decrypt(const mc_scheme_ctx *ctx, mc_image *img, mc_err *err) {
    return h2_run(ctx, img, 0, err);
}

const mc_scheme mc_scheme_tpe_h2mwd = {
    .name = "tpe-h2mwd",
    .title = "exact thumbnail-preserving encryption: zigzag + hidden-Markov bit-plane permutation, "
             "sum-preserving weighted diffusion",
    .paper = "Chai, Chen, Ma, Zuo, Gan, Zhang: exact thumbnail-preserving encryption with a hidden Markov model "
             "and weighted diffusion (TPE-H2MWD), Front Inform Technol Electron Eng 24(8), 2023",
    .bits = MC_BITS_8 | MC_BITS_16,
    .profiles = MC_PROFILES_PAPER | MC_PROFILES_HARDENED,
    .params = tpe_h2mwd_params,
    .nparams = sizeof tpe_h2mwd_params / sizeof tpe_h2mwd_params[0],
    .encrypt = tpe_h2mwd_encrypt,
    .decrypt = tpe_h2mwd_decrypt,
    .flags = 0,
};
