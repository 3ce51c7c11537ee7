/* dfb.c - the directional filter bank of the ripplet transform (ripplet.h):
 * a tree of fan filter banks in lifting form on cosets of integer lattices,
 * computed in place on a periodic band. */
#include "dsp/ripplet.h"

#include <stdlib.h>
#include <string.h>

static int64_t pmod(int64_t a, int64_t m) {
    int64_t r = a % m;
    return r < 0 ? r + m : r;
}

static int64_t egcd(int64_t a, int64_t b, int64_t *x, int64_t *y) {
    int64_t x0 = 1, y0 = 0, x1 = 0, y1 = 1;
    while (b) {
        int64_t q = a / b, t = a - q * b;
        a = b, b = t;
        t = x0 - q * x1, x0 = x1, x1 = t;
        t = y0 - q * y1, y0 = y1, y1 = t;
    }
    *x = x0, *y = y0;
    return a;
}

/* Hermite normal form of the lattice spanned by u, v: (r, c) in it iff
 * r = 0 mod a and c = (r/a) b mod g.  0 on success. */
static int hnf(const int32_t u[2], const int32_t v[2], uint32_t *a, uint32_t *b, uint32_t *g) {
    int64_t det = (int64_t)u[0] * v[1] - (int64_t)u[1] * v[0], x, y;
    if (!det) return -1;
    int64_t d = egcd(u[0], v[0], &x, &y), c = x * u[1] + y * v[1];
    if (!d) return -1;
    if (d < 0) d = -d, c = -c;
    int64_t gam = (det < 0 ? -det : det) / d;
    *a = (uint32_t)d;
    *g = (uint32_t)gam;
    *b = (uint32_t)pmod(c, gam);
    return 0;
}

static int in_lattice(int64_t r, int64_t c, uint32_t a, uint32_t b, uint32_t g) {
    return pmod(r, a) == 0 && pmod(c - (r / (int64_t)a) * (int64_t)b, g) == 0;
}

void mc_dfb_taps(int a[MC_DFB_TAPS], int b[MC_DFB_TAPS], double wt[MC_DFB_TAPS]) {
    static const int I[4] = {-3, -1, 1, 3};
    static const double beta[4] = {-1.0 / 16, 9.0 / 16, 9.0 / 16, -1.0 / 16};
    int t = 0;
    for (int p = 0; p < 4; p++)
        for (int q = 0; q < 4; q++, t++) {
            a[t] = (I[p] + I[q]) / 2; /* i + j */
            b[t] = (I[p] - I[q]) / 2; /* i - j */
            wt[t] = beta[p] * beta[q] * ((b[t] & 1) ? -1.0 : 1.0);
        }
}

/* x[q + L] += scale * sum_t wt[t] x[p + a_t v1 + b_t v2] over the coset
 * q + L of the children's lattice L, q = o (even) or o + v1 (odd).  Each sum
 * is 0 + wt[0] x0 + ... + wt[15] x15 in that order; away from the band's
 * left and right edges 8 sums at a time (taps outside, sums in registers,
 * then through acc, w doubles), near them one sample at a time with the
 * columns wrapped: the same bits either way. */
static void lift(const mc_dfb *f, const mc_dfb_node *n, double *x, int odd, double scale, double *acc) {
    int a[MC_DFB_TAPS], b[MC_DFB_TAPS];
    double wt[MC_DFB_TAPS];
    mc_dfb_taps(a, b, wt);
    const int64_t H = f->h, W = f->w;
    int64_t dr[MC_DFB_TAPS], dc[MC_DFB_TAPS], dcmin = 0, dcmax = 0;
    for (int t = 0; t < MC_DFB_TAPS; t++) {
        dr[t] = (int64_t)a[t] * n->v1[0] + (int64_t)b[t] * n->v2[0];
        dc[t] = (int64_t)a[t] * n->v1[1] + (int64_t)b[t] * n->v2[1];
        if (dc[t] < dcmin) dcmin = dc[t];
        if (dc[t] > dcmax) dcmax = dc[t];
    }
    const int64_t qr = pmod(n->o[0] + (odd ? n->v1[0] : 0), H), qc = pmod(n->o[1] + (odd ? n->v1[1] : 0), W);
    const int64_t ca = n->ca, cb = n->cb, cg = n->cg;
    const double *rp[MC_DFB_TAPS];
    for (int64_t r = pmod(qr, ca); r < H; r += ca) {
        const int64_t c0 = pmod(qc + ((r - qr) / ca) * cb, cg), m = c0 < W ? (W - c0 + cg - 1) / cg : 0;
        for (int t = 0; t < MC_DFB_TAPS; t++) rp[t] = x + pmod(r + dr[t], H) * W;
        double *row = x + r * W;
        /* i in [ilo, ihi): every tap inside the row */
        int64_t ilo = -dcmin - c0 > 0 ? (-dcmin - c0 + cg - 1) / cg : 0, ihi = W - 1 - dcmax - c0;
        ihi = ihi < 0 ? 0 : ihi / cg + 1;
        if (ihi > m) ihi = m;
        if (!acc || ilo >= ihi) ilo = ihi = m;
        for (int64_t i = 0; i < m; i++) {
            if (i == ilo) i = ihi;
            if (i >= m) break;
            const int64_t c = c0 + i * cg;
            double s = 0;
            for (int t = 0; t < MC_DFB_TAPS; t++) s += wt[t] * rp[t][pmod(c + dc[t], W)];
            row[c] += scale * s;
        }
        if (ilo >= ihi) continue;
        const int64_t len = ihi - ilo, base = c0 + ilo * cg;
        const double *src[MC_DFB_TAPS];
        for (int t = 0; t < MC_DFB_TAPS; t++) src[t] = rp[t] + base + dc[t];
        int64_t i = 0;
        for (; i + 8 <= len; i += 8) { /* 8 sums in registers */
            double s8[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            for (int t = 0; t < MC_DFB_TAPS; t++) {
                const double w = wt[t], *q = src[t] + i * cg;
                for (int k = 0; k < 8; k++) s8[k] += w * q[k * cg];
            }
            for (int k = 0; k < 8; k++) acc[i + k] = s8[k];
        }
        for (; i < len; i++) {
            double s = 0;
            for (int t = 0; t < MC_DFB_TAPS; t++) s += wt[t] * src[t][i * cg];
            acc[i] = s;
        }
        double *out = row + base;
        for (i = 0; i < len; i++) out[i * cg] += scale * acc[i];
    }
}

/* One node with a scratch row (acc NULL: the plain path everywhere). */
static void node_step(const mc_dfb *f, const mc_dfb_node *n, double *x, int inverse, double *acc) {
    if (!inverse) {
        lift(f, n, x, 1, -1.0, acc); /* predict the odd coset */
        lift(f, n, x, 0, 0.5, acc);  /* update the even one */
    } else {
        lift(f, n, x, 0, -0.5, acc);
        lift(f, n, x, 1, 1.0, acc);
    }
}

void mc_dfb_node_step(const mc_dfb *f, const mc_dfb_node *n, double *x, int inverse) {
    double *acc = malloc((size_t)f->w * sizeof *acc);
    node_step(f, n, x, inverse, acc);
    free(acc);
}

void mc_dfb_forward(const mc_dfb *f, double *x) {
    double *acc = f->nnodes ? malloc((size_t)f->w * sizeof *acc) : NULL;
    for (size_t i = 0; i < f->nnodes; i++) node_step(f, &f->node[i], x, 0, acc);
    free(acc);
}

void mc_dfb_inverse(const mc_dfb *f, double *x) {
    double *acc = f->nnodes ? malloc((size_t)f->w * sizeof *acc) : NULL;
    for (size_t i = f->nnodes; i-- > 0;) node_step(f, &f->node[i], x, 1, acc);
    free(acc);
}

/* Which channel passes the direction w: 1 = even (|v1.w| <= |v2.w|). */
static int passes_even(const mc_dfb_node *n, double wr, double wc) {
    double p = n->v1[0] * wr + n->v1[1] * wc, q = n->v2[0] * wr + n->v2[1] * wc;
    return (p < 0 ? -p : p) <= (q < 0 ? -q : q);
}

/* Direction of slope s / den in a cone as a frequency vector (w_r, w_c). */
static void slope_dir(int cone, double s, double *wr, double *wc) {
    if (!cone) *wr = s, *wc = 1;
    else *wr = 1, *wc = s;
}

/* Choose (v1, v2) for node n (lattice and cone interval set). */
static int split_basis(mc_dfb_node *n, int32_t den) {
    uint32_t a, b, g;
    if (hnf(n->m[0], n->m[1], &a, &b, &g)) return -1;
    const int64_t D = (int64_t)a * g, mid = ((int64_t)n->s0 + n->s1) / 2;
    int64_t nv[2], wv[2], e, x, y;
    int64_t gg = egcd(den, mid < 0 ? -mid : mid, &x, &y);
    if (!n->cone) nv[0] = den / gg, nv[1] = -mid / gg, wv[0] = 0, wv[1] = 1;
    else nv[0] = -mid / gg, nv[1] = den / gg, wv[0] = 1, wv[1] = 0;
    e = nv[0] * wv[1] - nv[1] * wv[0];
    if (e < 0) e = -e;
    for (int64_t lam = 1; lam <= 4 * D; lam++) {
        if ((2 * D) % (lam * e)) continue;
        const int64_t mu = 2 * D / (lam * e);
        int64_t p[2] = {lam * nv[0] + mu * wv[0], lam * nv[1] + mu * wv[1]};
        int64_t q[2] = {lam * nv[0] - mu * wv[0], lam * nv[1] - mu * wv[1]};
        if ((p[0] | p[1] | q[0] | q[1]) & 1) continue;
        p[0] /= 2, p[1] /= 2, q[0] /= 2, q[1] /= 2;
        if (!in_lattice(p[0], p[1], a, b, g) || !in_lattice(q[0], q[1], a, b, g)) continue;
        n->v1[0] = (int32_t)p[0], n->v1[1] = (int32_t)p[1];
        n->v2[0] = (int32_t)q[0], n->v2[1] = (int32_t)q[1];
        double wr, wc;
        slope_dir(n->cone, ((double)n->s0 + (double)mid) / 2 / den, &wr, &wc);
        int lo = passes_even(n, wr, wc);
        slope_dir(n->cone, ((double)mid + (double)n->s1) / 2 / den, &wr, &wc);
        if (lo == passes_even(n, wr, wc)) return -1; /* the split line is not inside */
        n->even_first = (uint8_t)lo;
        return 0;
    }
    return -1;
}

/* Children's lattice (v1 + v2, v1 - v2) and its HNF. */
static int child_lattice(mc_dfb_node *n, int32_t cm[2][2]) {
    cm[0][0] = n->v1[0] + n->v2[0], cm[0][1] = n->v1[1] + n->v2[1];
    cm[1][0] = n->v1[0] - n->v2[0], cm[1][1] = n->v1[1] - n->v2[1];
    return hnf(cm[0], cm[1], &n->ca, &n->cb, &n->cg);
}

/* Set label k on the coset q + L (L: HNF a, b, g) of an h x w band. */
static void label_coset(uint8_t *lab, uint32_t h, uint32_t w, int64_t qr, int64_t qc, uint32_t a, uint32_t b,
                        uint32_t g, uint8_t k) {
    qr = pmod(qr, h), qc = pmod(qc, w);
    for (int64_t r = pmod(qr, a); r < h; r += a)
        for (int64_t c = pmod(qc + ((r - qr) / a) * (int64_t)b, g); c < w; c += g) lab[r * w + c] = k;
}

int mc_dfb_init(mc_dfb *f, uint32_t h, uint32_t w, unsigned levels, mc_err *err) {
    memset(f, 0, sizeof *f);
    f->levels = levels, f->h = h, f->w = w;
    if (!levels) return MC_OK;
    if (levels > MC_DRT_MAX_LEVELS || h % (1u << levels) || w % (1u << levels))
        return mc_err_set(err, MC_ERR_INTERNAL, "dfb: %ux%u band cannot take %u levels", h, w, levels);
    const int32_t den = 1 << levels;
    f->nnodes = ((size_t)1 << levels) - 1;
    f->node = calloc(f->nnodes, sizeof *f->node);
    f->label = malloc((size_t)h * w);
    if (!f->node || !f->label) {
        mc_dfb_free(f);
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    }
    mc_dfb_node *root = &f->node[0];
    root->m[0][0] = 1, root->m[1][1] = 1;
    root->v1[0] = 1, root->v2[1] = 1; /* the cones |w_r| <= |w_c| (even) and the rest */
    root->even_first = 1;
    for (size_t i = 0; i < f->nnodes; i++) {
        mc_dfb_node *n = &f->node[i];
        int32_t cm[2][2];
        if ((i && split_basis(n, den)) || child_lattice(n, cm)) {
            mc_dfb_free(f);
            return mc_err_set(err, MC_ERR_INTERNAL, "dfb: no split basis at node %zu (bug)", i);
        }
        const int64_t mid = ((int64_t)n->s0 + n->s1) / 2;
        for (int k = 0; k < 2; k++) { /* k = 0: the lower half (root: cone 0) */
            const int odd = (k == 0) != (n->even_first != 0);
            const int64_t qr = pmod(n->o[0] + (odd ? n->v1[0] : 0), h), qc = pmod(n->o[1] + (odd ? n->v1[1] : 0), w);
            const size_t ci = 2 * i + 1 + (size_t)k;
            if (ci < f->nnodes) {
                mc_dfb_node *c = &f->node[ci];
                c->o[0] = (int32_t)qr, c->o[1] = (int32_t)qc;
                memcpy(c->m, cm, sizeof cm);
                if (!i) c->cone = (uint8_t)k, c->s0 = -den, c->s1 = den;
                else c->cone = n->cone, c->s0 = k ? (int32_t)mid : n->s0, c->s1 = k ? n->s1 : (int32_t)mid;
            } else { /* a leaf: direction 2 (i - first leaf parent) + k */
                const size_t leaf = 2 * (i - (f->nnodes >> 1)) + (size_t)k;
                label_coset(f->label, h, w, qr, qc, n->ca, n->cb, n->cg, (uint8_t)leaf);
            }
        }
    }
    return MC_OK;
}

void mc_dfb_free(mc_dfb *f) {
    free(f->node);
    free(f->label);
    memset(f, 0, sizeof *f);
}
