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
 * them all first and runs the rounds backwards. */
#include "schemes/schemes.h"
#include "schemes/tpe_common.h"

#include <sodium.h>
#include <stdlib.h>

static const mc_param_def tpe_h2mwd_params[] = {
    {"block", "32", "block side in pixels, 2..256: the thumbnail tile whose sum is kept (paper: 32)"},
    {"rounds", "10", "encryption rounds, 1..256 (paper: 10)"},
};

/* The 8 zigzag traversals of a bh x bw block and their inverses. */
typedef struct zz_tab {
    uint32_t bh, bw;
    uint32_t *T;   /* 8 * n: T[m * n + j] = cell visited j-th by model m */
    uint32_t *inv; /* 8 * n: inv[m * n + cell] = j */
} zz_tab;

typedef struct h2 {
    unsigned rounds, P, L;
    uint32_t block;
    zz_tab zz[4];
    unsigned nzz;
    uint8_t *planes; /* P * block^2 */
    uint8_t *tmp;    /* block^2 */
    uint8_t *occ;    /* block^2 */
    uint32_t *pos;   /* block^2 */
    uint32_t *dest;  /* block^2 */
    uint32_t *cnt;   /* 2 * block: column and row counts */
    uint8_t *seqb;   /* 2 * block: Imp1, Imp2 */
    uint32_t *seqv;  /* 2 * block: Vis1, Vis2 */
    uint16_t *mat;   /* rounds * mat_u16 */
    uint8_t *wd;     /* rounds * wd_bytes */
    size_t mat_u16, wd_bytes;
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

/* Model m: bit 0 transposes (first step down), bit 1 mirrors the columns,
 * bit 2 mirrors the rows: the 8 zigzags starting in each corner, either way. */
static int zz_get(h2 *h, uint32_t bh, uint32_t bw, const zz_tab **out) {
    for (unsigned i = 0; i < h->nzz; i++)
        if (h->zz[i].bh == bh && h->zz[i].bw == bw) {
            *out = &h->zz[i];
            return MC_OK;
        }
    if (h->nzz == sizeof h->zz / sizeof h->zz[0]) return MC_ERR_INTERNAL;
    const size_t n = (size_t)bh * bw;
    zz_tab *z = &h->zz[h->nzz];
    z->T = malloc(8 * n * sizeof *z->T);
    z->inv = malloc(8 * n * sizeof *z->inv);
    uint32_t *rr = malloc(2 * n * sizeof *rr);
    if (!z->T || !z->inv || !rr) {
        free(z->T);
        free(z->inv);
        free(rr);
        z->T = z->inv = NULL;
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
            z->T[m * n + j] = cell;
            z->inv[m * n + cell] = (uint32_t)j;
        }
    }
    free(rr);
    z->bh = bh;
    z->bw = bw;
    h->nzz++;
    *out = z;
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

static void mat_draw(const h2 *h, tpe_rng *rng, mat_view m, uint32_t bh, uint32_t bw) {
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

static void zmp(h2 *h, const zz_tab *z, uint8_t *pl, const uint16_t *off, int enc) {
    const uint32_t bh = z->bh, bw = z->bw;
    const size_t n = (size_t)bh * bw;
    size_t c1 = 0;
    for (size_t i = 0; i < n; i++) c1 += pl[i];
    const size_t c0 = n - c1;
    const unsigned model = (unsigned)(((c1 % 8) + 8 - (c0 % 8)) % 8 + off[0]) % 8;
    const uint32_t sr = (uint32_t)((c0 + off[1]) % bh), sc = (uint32_t)((c1 + off[2]) % bw);
    const uint32_t *T = z->T + model * n;
    const size_t s = z->inv[model * n + (size_t)sr * bw + sc];
    uint8_t *t = h->tmp;
    if (enc) {
        for (size_t j = 0; j < n - s; j++) t[j] = pl[T[s + j]];
        for (size_t j = n - s; j < n; j++) t[j] = pl[T[s + j - n]];
        memcpy(pl, t, n);
    } else {
        for (size_t j = 0; j < n - s; j++) t[T[s + j]] = pl[j];
        for (size_t j = n - s; j < n; j++) t[T[s + j - n]] = pl[j];
        memcpy(pl, t, n);
    }
}

/* --------------------------------------------------------------- PMH2M */

enum { POP_ROW = 0, POP_COL = 1, POP_MINOR = 2, POP_MAJOR = 3 };

/* Move the population of `kind` through (r0, c0) by distance d. */
static void pop_move(h2 *h, uint8_t *pl, uint32_t bh, uint32_t bw, unsigned kind, uint32_t r0, uint32_t c0,
                     uint32_t d, int enc) {
    uint8_t *t = h->tmp;
    if (kind == POP_ROW || kind == POP_COL) {
        /* a line: cells base + k * stride, k = 0 .. len-1 from the left / top.
         * 1st, 3rd, ... bits (k even) go back (left / up) by d, the others
         * forward (right / down); a taken cell pushes the bit on in its
         * direction.  For an even len the two groups land on disjoint cells. */
        const uint32_t len = kind == POP_ROW ? bw : bh;
        const size_t stride = kind == POP_ROW ? 1 : bw;
        uint8_t *base = pl + (kind == POP_ROW ? (size_t)r0 * bw : c0);
        d %= len;
        if (d == 0) return;
        uint32_t *dest = h->dest;
        if (len % 2 == 0) {
            /* no collisions: the even k go to k - d, the odd k to k + d (mod len),
             * two sets of cells of opposite parity shifted as wholes */
            if (enc) {
                for (uint32_t k = 0; k < len; k++) t[k] = base[k * stride];
                for (uint32_t k = 0; k < d; k += 2) base[(k + len - d) * stride] = t[k];
                for (uint32_t k = d + (d & 1); k < len; k += 2) base[(k - d) * stride] = t[k];
                for (uint32_t k = 1; k + d < len; k += 2) base[(k + d) * stride] = t[k];
                for (uint32_t k = len - d + ((len - d) % 2 == 0); k < len; k += 2) base[(k + d - len) * stride] = t[k];
            } else {
                for (uint32_t k = 0; k < len; k++) t[k] = base[k * stride];
                for (uint32_t k = 0; k < d; k += 2) base[k * stride] = t[k + len - d];
                for (uint32_t k = d + (d & 1); k < len; k += 2) base[k * stride] = t[k - d];
                for (uint32_t k = 1; k + d < len; k += 2) base[k * stride] = t[k + d];
                for (uint32_t k = len - d + ((len - d) % 2 == 0); k < len; k += 2) base[k * stride] = t[k + d - len];
            }
            return;
        } else {
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
        }
        if (enc) {
            for (uint32_t k = 0; k < len; k++) t[dest[k]] = base[k * stride];
            for (uint32_t k = 0; k < len; k++) base[k * stride] = t[k];
        } else {
            for (uint32_t k = 0; k < len; k++) t[k] = base[dest[k] * stride];
            for (uint32_t k = 0; k < len; k++) base[k * stride] = t[k];
        }
        return;
    }
    /* a diagonal from (r0, c0) downwards: one cell per row, rows and columns
     * cyclic, bh cells (a square block's cyclic diagonal; in an edge block
     * the column just wraps modulo bw), rotated downwards */
    const uint32_t len = bh;
    d %= len;
    if (d == 0) return;
    uint32_t *pos = h->pos, r = r0, c = c0;
    for (uint32_t k = 0; k < len; k++) {
        pos[k] = r * bw + c;
        r = r + 1 == bh ? 0 : r + 1;
        if (kind == POP_MAJOR) c = c + 1 == bw ? 0 : c + 1;
        else c = c == 0 ? bw - 1 : c - 1;
    }
    /* enc: cell k moves to k + d, i.e. new[k] = old[k - d]; dec: new[k] = old[k + d] */
    const uint32_t sh = enc ? len - d : d;
    for (uint32_t k = 0; k < len - sh; k++) t[k] = pl[pos[k + sh]];
    for (uint32_t k = len - sh; k < len; k++) t[k] = pl[pos[k + sh - len]];
    for (uint32_t k = 0; k < len; k++) pl[pos[k]] = t[k];
}

/* Permute high plane `hi` with the sequences of scrambled low plane `lo`. */
static void pmh2m(h2 *h, const uint8_t *lo, uint8_t *hi, uint32_t bh, uint32_t bw, const uint16_t *off, int enc) {
    uint32_t *colc = h->cnt, *rowc = h->cnt + bw;
    memset(colc, 0, bw * sizeof *colc);
    for (uint32_t r = 0; r < bh; r++) {
        const uint8_t *row = lo + (size_t)r * bw;
        uint32_t s = 0;
        for (uint32_t c = 0; c < bw; c++) {
            colc[c] += row[c];
            s += row[c];
        }
        rowc[r] = s;
    }
    const uint16_t *imp1o = off, *vis1o = off + bw, *imp2o = off + 2 * bw, *vis2o = off + 2 * bw + bh;
    /* Imp1/Vis1 (first row, columns t, t+1, t+2) and Imp2/Vis2 (first column,
     * rows t, t+1, t+2), indices cyclic, plus the keyed offsets */
    uint8_t *imp1 = h->seqb, *imp2 = imp1 + bw;
    uint32_t *vis1 = h->seqv, *vis2 = vis1 + bw;
    for (uint32_t t = 0; t < bw; t++) {
        const uint32_t t1 = t + 1 < bw ? t + 1 : t + 1 - bw, t2 = t1 + 1 < bw ? t1 + 1 : t1 + 1 - bw;
        imp1[t] = (uint8_t)((((lo[t1] << 1) | lo[t2]) + imp1o[t]) & 3); /* 3-bit number mod 4 */
        vis1[t] = ((colc[t] + colc[t1] + colc[t2]) % bw + vis1o[t]) % bw;
    }
    for (uint32_t t = 0; t < bh; t++) {
        const uint32_t t1 = t + 1 < bh ? t + 1 : t + 1 - bh, t2 = t1 + 1 < bh ? t1 + 1 : t1 + 1 - bh;
        imp2[t] = (uint8_t)((((lo[(size_t)t1 * bw] << 1) | lo[(size_t)t2 * bw]) + imp2o[t]) & 3);
        vis2[t] = ((rowc[t] + rowc[t1] + rowc[t2]) % bh + vis2o[t]) % bh;
    }
    if (enc) {
        for (uint32_t t = 0; t < bw; t++) pop_move(h, hi, bh, bw, imp1[t], 0, t, vis1[t], 1);
        for (uint32_t t = 0; t < bh; t++) pop_move(h, hi, bh, bw, imp2[t], t, 0, vis2[t], 1);
    } else {
        for (uint32_t t = bh; t-- > 0;) pop_move(h, hi, bh, bw, imp2[t], t, 0, vis2[t], 0);
        for (uint32_t t = bw; t-- > 0;) pop_move(h, hi, bh, bw, imp1[t], 0, t, vis1[t], 0);
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
        size_t kbyte = 0;
        for (uint32_t r = 0; r < bh; r++) {
            uint8_t *a = hi + (size_t)r * bw, *b = lo + (size_t)r * bw, *c = b + hw;
            for (uint32_t x = 0; x < hw; x += 8) {
                uint64_t va, vb, vc;
                memcpy(&va, a + x, 8);
                memcpy(&vb, b + x, 8);
                memcpy(&vc, c + x, 8);
                uint64_t k = spread8(kb[kbyte++]);
                if (!mc_host_le()) k = __builtin_bswap64(k);
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

static void round_run(h2 *h, const zz_tab *z, mat_view m, int enc) {
    const uint32_t bh = z->bh, bw = z->bw;
    const size_t n = (size_t)bh * bw, seqs = 2 * ((size_t)bw + bh);
    uint8_t *pl = h->planes;
    if (enc) {
        for (unsigned q = 0; q < h->L; q++) zmp(h, z, pl + q * n, m.zmp + 3 * q, 1);
        for (unsigned q = 0; q < h->L; q++) pmh2m(h, pl + q * n, pl + (h->L + q) * n, bh, bw, m.seq + q * seqs, 1);
        for (unsigned i = 0; i + 1 < h->P; i++) wdpcs_pair(pl + i * n, pl + (i + 1) * n, bh, bw, m.wd + i * m.wdb);
    } else {
        for (unsigned i = h->P - 1; i-- > 0;) wdpcs_pair(pl + i * n, pl + (i + 1) * n, bh, bw, m.wd + i * m.wdb);
        for (unsigned q = 0; q < h->L; q++) pmh2m(h, pl + q * n, pl + (h->L + q) * n, bh, bw, m.seq + q * seqs, 0);
        for (unsigned q = 0; q < h->L; q++) zmp(h, z, pl + q * n, m.zmp + 3 * q, 0);
    }
}

static int h2_block(void *user, const tpe_block *b, int enc, mc_err *err) {
    h2 *h = user;
    const uint32_t bh = b->bh, bw = b->bw;
    const size_t n = (size_t)bh * bw;
    const zz_tab *z;
    int rc = zz_get(h, bh, bw, &z);
    if (rc) return mc_err_set(err, rc, "tpe-h2mwd: out of memory");
    for (unsigned p = 0; p < h->P; p++) {
        uint8_t *pl = h->planes + p * n;
        for (size_t i = 0; i < n; i++) pl[i] = (uint8_t)((b->v[i] >> p) & 1);
    }
    tpe_rng rng;
    tpe_rng_init(&rng, b->ctx->key, b->ctx->nonce, "tpe-h2mwd", b->plane, b->index);
    if (enc) {
        for (unsigned r = 0; r < h->rounds; r++) {
            mat_view m = mat_at(h, 0, bh, bw);
            mat_draw(h, &rng, m, bh, bw);
            round_run(h, z, m, 1);
        }
    } else {
        for (unsigned r = 0; r < h->rounds; r++) mat_draw(h, &rng, mat_at(h, r, bh, bw), bh, bw);
        for (unsigned r = h->rounds; r-- > 0;) round_run(h, z, mat_at(h, r, bh, bw), 0);
    }
    tpe_rng_wipe(&rng);
    for (size_t i = 0; i < n; i++) {
        uint32_t v = 0;
        for (unsigned p = 0; p < h->P; p++) v |= (uint32_t)h->planes[p * n + i] << p;
        b->v[i] = v;
    }
    return MC_OK;
}

static void h2_free(h2 *h) {
    const size_t nn = (size_t)h->block * h->block;
    for (unsigned i = 0; i < h->nzz; i++) {
        free(h->zz[i].T);
        free(h->zz[i].inv);
    }
    if (h->planes) sodium_memzero(h->planes, (size_t)h->P * nn);
    if (h->tmp) sodium_memzero(h->tmp, nn);
    if (h->dest) sodium_memzero(h->dest, nn * sizeof *h->dest);
    if (h->cnt) sodium_memzero(h->cnt, 2 * (size_t)h->block * sizeof *h->cnt);
    if (h->mat) sodium_memzero(h->mat, h->mat_u16 * sizeof *h->mat * (h->rounds));
    if (h->wd) sodium_memzero(h->wd, h->wd_bytes * h->rounds);
    free(h->planes);
    free(h->tmp);
    free(h->occ);
    free(h->pos);
    free(h->dest);
    free(h->cnt);
    if (h->seqb) sodium_memzero(h->seqb, 2 * (size_t)h->block);
    if (h->seqv) sodium_memzero(h->seqv, 2 * (size_t)h->block * sizeof *h->seqv);
    free(h->seqb);
    free(h->seqv);
    free(h->mat);
    free(h->wd);
}

static int h2_run(const mc_scheme_ctx *ctx, mc_image *img, int enc, mc_err *err) {
    unsigned block, rounds;
    int rc = tpe_param_uint(ctx, &mc_scheme_tpe_h2mwd, "block", TPE_BLOCK_MIN, TPE_BLOCK_MAX, &block, err);
    if (!rc) rc = tpe_param_uint(ctx, &mc_scheme_tpe_h2mwd, "rounds", TPE_ROUNDS_MIN, TPE_ROUNDS_MAX, &rounds, err);
    if (rc) return rc;
    h2 h = {.rounds = rounds, .P = img->bits, .L = img->bits / 2u, .block = block};
    const size_t nn = (size_t)block * block;
    h.mat_u16 = 3 * (size_t)h.L + (size_t)h.L * 4 * block;
    h.wd_bytes = (size_t)(h.P - 1) * ((nn / 2 + 7) / 8);
    const unsigned mr = enc ? 1 : rounds; /* encryption draws one round at a time */
    h.planes = malloc((size_t)h.P * nn);
    h.tmp = malloc(nn);
    h.occ = malloc(nn);
    h.pos = malloc(nn * sizeof *h.pos);
    h.dest = malloc(nn * sizeof *h.dest);
    h.cnt = malloc(2 * (size_t)block * sizeof *h.cnt);
    h.seqb = malloc(2 * (size_t)block);
    h.seqv = malloc(2 * (size_t)block * sizeof *h.seqv);
    h.mat = malloc(h.mat_u16 * mr * sizeof *h.mat);
    h.wd = malloc(h.wd_bytes * mr);
    h.rounds = rounds;
    if (!h.planes || !h.tmp || !h.occ || !h.pos || !h.dest || !h.cnt || !h.seqb || !h.seqv || !h.mat || !h.wd) {
        h.rounds = 0;
        h2_free(&h);
        return mc_err_set(err, MC_ERR_NOMEM, "tpe-h2mwd: out of memory");
    }
    rc = tpe_for_each_block(ctx, img, block, enc, h2_block, &h, err);
    h.rounds = mr;
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
