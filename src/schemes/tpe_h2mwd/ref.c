/* ref.c - tpe-h2mwd, the construction written once: every bit plane held
 * one byte per bit, every block shape (Chai, Chen, Ma, Zuo, Gan, Zhang,
 * FITEE 2023; docs/schemes/tpe-h2mwd.md lists every place the paper's text
 * is silent or ambiguous and the choice made here).  The other
 * implementations (h2mwd.h) must give exactly what this gives.
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
 * The loops are plain: each touches each cell of a move twice and does
 * nothing else (a packed row alone would not help: the populations are rows,
 * columns and diagonals in any order). */
#include "schemes/tpe_h2mwd/h2mwd.h"

#include <sodium.h>
#include <stdlib.h>

/* --------------------------------------------------------- geometry */

/* JPEG-style zigzag over an R x C grid from (0, 0), first step right. */
void mc_tpe_h2_zigzag(uint32_t R, uint32_t C, uint32_t *rr, uint32_t *cc) {
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

void mc_tpe_h2_geo_free(h2_geo *g) {
    free(g->T2);
    free(g->inv);
    free(g->diag);
    free(g->mod);
    g->T2 = g->inv = g->diag = g->mod = NULL;
    g->benes = NULL;
}

/* Model m: bit 0 transposes (first step down), bit 1 mirrors the columns,
 * bit 2 mirrors the rows: the 8 zigzags starting in each corner, either way. */
int mc_tpe_h2_geo_get(h2_state *h, uint32_t bh, uint32_t bw, const h2_geo **out) {
    for (unsigned i = 0; i < h->ng; i++)
        if (h->g[i].bh == bh && h->g[i].bw == bw) {
            *out = &h->g[i];
            return MC_OK;
        }
    if (h->ng == sizeof h->g / sizeof h->g[0]) return MC_ERR_INTERNAL;
    const size_t n = (size_t)bh * bw;
    h2_geo *g = &h->g[h->ng];
    g->T2 = malloc(16 * n * sizeof *g->T2);
    g->inv = malloc(8 * n * sizeof *g->inv);
    g->diag = malloc(2 * (size_t)(bw + bh) * bh * sizeof *g->diag);
    g->mod = malloc((3 * (size_t)bh + 1 + 3 * (size_t)bw + 1) * sizeof *g->mod);
    g->benes = NULL;
    uint32_t *rr = malloc(2 * n * sizeof *rr);
    if (!g->T2 || !g->inv || !g->diag || !g->mod || !rr) {
        mc_tpe_h2_geo_free(g);
        free(rr);
        return MC_ERR_NOMEM;
    }
    uint32_t *cc = rr + n;
    for (unsigned m = 0; m < 8; m++) {
        if (m & 1) mc_tpe_h2_zigzag(bw, bh, cc, rr); /* traverse the transpose */
        else mc_tpe_h2_zigzag(bh, bw, rr, cc);
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
                uint16_t *pos = (uint16_t *)h2_diag_at(g, kind, step3, t);
                uint32_t r = step3 ? t : 0, c = step3 ? 0 : t;
                for (uint32_t k = 0; k < bh; k++) {
                    pos[k] = (uint16_t)(r * bw + c);
                    r = r + 1 == bh ? 0 : r + 1;
                    if (kind == POP_MAJOR) c = c + 1 == bw ? 0 : c + 1;
                    else c = c == 0 ? bw - 1 : c - 1;
                }
            }
    if (h->impl->split && h2_board_shape(bh, bw) && !(g->benes = mc_tpe_h2_benes_masks(bw))) {
        mc_tpe_h2_geo_free(g);
        return MC_ERR_NOMEM;
    }
    h->ng++;
    *out = g;
    return MC_OK;
}

/* ------------------------------------------------------------ material */

static h2_mat mat_at(const h2_state *h, unsigned r, uint32_t bh, uint32_t bw) {
    h2_mat m;
    m.zmp = h->mat + (size_t)r * h->mat_u16;
    m.seq = m.zmp + 3 * h->L;
    m.wd = h->wd + (size_t)r * h->wd_bytes;
    m.wdb = ((size_t)bh * (bw / 2) + 7) / 8;
    return m;
}

static void mat_draw(h2_state *h, tpe_rng *rng, h2_mat m, uint32_t bh, uint32_t bw) {
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
    mc_tpe_fill(rng, m.wd, (size_t)(h->P - 1) * m.wdb);
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
void mc_tpe_h2_zmp_bytes(const h2_geo *g, const uint8_t *pl, uint8_t *t, const uint16_t *off, int enc, size_t c1) {
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
static void zmp(h2_state *h, const h2_geo *g, unsigned q, const uint16_t *off, int enc) {
    uint8_t *t = h->pl[h->P];
    mc_tpe_h2_zmp_bytes(g, h->pl[q], t, off, enc, bit_bytes_sum(h->pl[q], (size_t)g->bh * g->bw));
    h->pl[h->P] = h->pl[q];
    h->pl[q] = t;
}

/* --------------------------------------------------------------- PMH2M */

/* Move the row or column of length len at base (cells base[k * stride]) by d:
 * 1st, 3rd, ... bits (k even) go back (left / up) by d, the others forward
 * (right / down); a taken cell pushes the bit on in its direction. */
static inline void line_move(h2_state *h, uint8_t *base, size_t stride, uint32_t len, uint32_t d, int enc) {
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
static inline void diag_move(h2_state *h, uint8_t *pl, const uint16_t *pos, uint32_t len, uint32_t d, int enc) {
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
static inline void pop_move(h2_state *h, const h2_geo *g, uint8_t *pl, unsigned kind, int step3, uint32_t t, uint32_t d, int enc) {
    const uint32_t bh = g->bh, bw = g->bw;
    switch (kind) {
    case POP_ROW:
        line_move(h, pl + (step3 ? (size_t)t * bw : 0), 1, bw, d, enc);
        break;
    case POP_COL:
        line_move(h, pl + (step3 ? 0 : t), bw, bh, d, enc);
        break;
    default:
        diag_move(h, pl, h2_diag_at(g, kind, step3, t), bh, d, enc);
        break;
    }
}

/* The sequences Imp1 Vis1 Imp2 Vis2 (h->seqb, h->seqv) of scrambled low
 * plane `lo` (one byte per bit) with the keyed offsets `off`. */
static void pmh2m_seqs(h2_state *h, const h2_geo *g, const uint8_t *lo, const uint16_t *off) {
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
static void pmh2m(h2_state *h, const h2_geo *g, const uint8_t *lo, uint8_t *hi, const uint16_t *off, int enc) {
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

static void round_run(h2_state *h, const h2_geo *g, h2_mat m, int enc) {
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

/* ---------------------------------------------------------- one block */

void mc_tpe_h2_rounds(h2_state *h, const h2_geo *g, const tpe_block *b, int enc,
                      void (*round)(h2_state *h, const h2_geo *g, h2_mat m, int enc)) {
    const uint32_t bh = b->bh, bw = b->bw;
    tpe_rng rng;
    mc_tpe_rng_init(&rng, b->ctx->key, b->ctx->nonce, "tpe-h2mwd", b->plane, b->index);
    if (enc) {
        for (unsigned r = 0; r < h->rounds; r++) {
            const h2_mat m = mat_at(h, 0, bh, bw);
            mat_draw(h, &rng, m, bh, bw);
            round(h, g, m, 1);
        }
    } else {
        for (unsigned r = 0; r < h->rounds; r++) mat_draw(h, &rng, mat_at(h, r, bh, bw), bh, bw);
        for (unsigned r = h->rounds; r-- > 0;) round(h, g, mat_at(h, r, bh, bw), 0);
    }
    mc_tpe_rng_wipe(&rng);
}

void mc_tpe_h2_ref_block(h2_state *h, const h2_geo *g, const tpe_block *b, int enc) {
    const size_t n = (size_t)b->bh * b->bw;
    for (unsigned p = 0; p < h->P; p++) {
        uint8_t *pl = h->pl[p];
        for (size_t i = 0; i < n; i++) pl[i] = (uint8_t)((b->v[i] >> p) & 1);
    }
    mc_tpe_h2_rounds(h, g, b, enc, round_run);
    for (size_t i = 0; i < n; i++) b->v[i] = h->pl[0][i];
    for (unsigned p = 1; p < h->P; p++) {
        const uint8_t *pl = h->pl[p];
        for (size_t i = 0; i < n; i++) b->v[i] |= (uint32_t)pl[i] << p;
    }
}
