/* zigzag_perm.h - the zigzag orders of zigzag.c as block moves, for one
 * element type (ZZ_T: a pixel with its channels) and one direction, included
 * once per pair.  Not a public header.
 *   ZZ_T       element type (uint8_t, uint16_t, or a struct of 3 samples)
 *   ZZ_SUF     name suffix
 *   ZZ_GATHER  1: ord[k] = ras[z(k)] (encrypt); 0: ras[z(k)] = ord[k] (decrypt)
 * ras: the slice in raster order, ord: the same pixels in zigzag order.  The
 * orders are those of ZZ_WALK (mc_zigzag_order), walked so that the strided
 * side is visited a few elements at a time: rows of the raster are read or
 * written in runs of ZZ_B consecutive pixels while ZZ_B output streams advance
 * together (a transpose, skewed for the diagonals). */
#define ZZ_CAT2(a, b) a##b
#define ZZ_CAT(a, b) ZZ_CAT2(a, b)
#define ZZ_FN(name) ZZ_CAT(ZZ_CAT(name, ZZ_SUF), ZZ_CAT(_, ZZ_GATHER))
#if ZZ_GATHER
#define ZZ_MOVE(o, r) ((o) = (r))
#else
#define ZZ_MOVE(o, r) ((r) = (o))
#endif
#undef ZZ_B
#define ZZ_B 8 /* zz_d_'s core is written out for 8 */

/* h: rows, boustrophedon */
static void ZZ_FN(zz_h_)(ZZ_T *restrict ras, ZZ_T *restrict ord, uint32_t w, uint32_t h) {
    for (uint32_t r = 0; r < h; r++) {
        ZZ_T *rr = ras + (size_t)r * w, *oo = ord + (size_t)r * w;
        if (!(r & 1))
            for (uint32_t t = 0; t < w; t++) ZZ_MOVE(oo[t], rr[t]);
        else
            for (uint32_t t = 0; t < w; t++) ZZ_MOVE(oo[t], rr[w - 1 - t]);
    }
}

/* v: columns, boustrophedon: ord[c*h + t] <-> ras[(c odd ? h-1-t : t)*w + c] */
static void ZZ_FN(zz_v_)(ZZ_T *restrict ras, ZZ_T *restrict ord, uint32_t w, uint32_t h) {
    uint32_t c0 = 0;
    for (; c0 + ZZ_B <= w; c0 += ZZ_B) { /* c0 even: column c0 + j is odd iff j is */
        ZZ_T *o = ord + (size_t)c0 * h;
        for (uint32_t r = 0; r < h; r++) {
            ZZ_T *rr = ras + (size_t)r * w + c0;
            size_t u = r, d = h - 1 - r, hh = h;
            ZZ_MOVE(o[u], rr[0]);
            ZZ_MOVE(o[hh + d], rr[1]);
            ZZ_MOVE(o[2 * hh + u], rr[2]);
            ZZ_MOVE(o[3 * hh + d], rr[3]);
            ZZ_MOVE(o[4 * hh + u], rr[4]);
            ZZ_MOVE(o[5 * hh + d], rr[5]);
            ZZ_MOVE(o[6 * hh + u], rr[6]);
            ZZ_MOVE(o[7 * hh + d], rr[7]);
        }
    }
    for (uint32_t c = c0; c < w; c++) {
        ZZ_T *o = ord + (size_t)c * h;
        for (uint32_t r = 0; r < h; r++) ZZ_MOVE(o[c & 1 ? h - 1 - r : r], ras[(size_t)r * w + c]);
    }
}

/* d: anti-diagonals s = r + c, odd s with r ascending, even s descending.
 * Diagonal s holds rows lo(s)..hi(s) and starts at ord index base(s); pixel
 * (r, s - r) is ord[base + r - lo] (odd s) or ord[base + hi - r] (even s).
 * ZZ_B diagonals at a time: for a row r inside all of them they are ZZ_B
 * consecutive raster pixels, r*(w-1) + s0 + j. */
static void ZZ_FN(zz_d_)(ZZ_T *restrict ras, ZZ_T *restrict ord, uint32_t w, uint32_t h) {
    const uint32_t ns = w + h - 1;
    size_t base = 0;
    uint32_t s0 = 0;
    for (; s0 < ns; s0 += ZZ_B) {
        uint32_t nb = ns - s0 < ZZ_B ? ns - s0 : ZZ_B;
        size_t off[ZZ_B];  /* odd s: base - lo (index + r); even s: base + hi (index - r) */
        uint32_t lo[ZZ_B], hi[ZZ_B];
        for (uint32_t j = 0; j < nb; j++) {
            uint32_t s = s0 + j;
            lo[j] = s >= w ? s - w + 1 : 0;
            hi[j] = s < h ? s : h - 1;
            off[j] = s & 1 ? base - lo[j] : base + hi[j];
            base += hi[j] - lo[j] + 1;
        }
        /* rows shared by every diagonal of the group: [lo[nb-1], hi[0]] */
        uint32_t clo = lo[nb - 1], chi = hi[0];
        int core = nb == ZZ_B && clo <= chi;
        if (core) {
            /* s0 even: j even <-> s even (index - r), j odd: index + r */
            ZZ_T *rp = ras + (size_t)clo * (w - 1) + s0;
            ZZ_T *o0 = ord + off[0] - chi, *o2 = ord + off[2] - chi, *o4 = ord + off[4] - chi,
                 *o6 = ord + off[6] - chi, *o1 = ord + off[1] + clo, *o3 = ord + off[3] + clo,
                 *o5 = ord + off[5] + clo, *o7 = ord + off[7] + clo;
            size_t m = chi - clo; /* even streams run down from index m */
            for (size_t t = 0; t <= m; t++, rp += w - 1) {
                ZZ_MOVE(o0[m - t], rp[0]);
                ZZ_MOVE(o1[t], rp[1]);
                ZZ_MOVE(o2[m - t], rp[2]);
                ZZ_MOVE(o3[t], rp[3]);
                ZZ_MOVE(o4[m - t], rp[4]);
                ZZ_MOVE(o5[t], rp[5]);
                ZZ_MOVE(o6[m - t], rp[6]);
                ZZ_MOVE(o7[t], rp[7]);
            }
        }
        /* the rest of each diagonal, one pixel at a time */
        for (uint32_t j = 0; j < nb; j++) {
            uint32_t s = s0 + j, a = lo[j], b = hi[j];
            for (uint32_t r = a; r <= b; r++) {
                if (core && r == clo) {
                    r = chi;
                    continue;
                }
                ZZ_MOVE(ord[s & 1 ? off[j] + r : off[j] - r], ras[(size_t)r * w + (s - r)]);
            }
        }
    }
}

static void ZZ_FN(zz_perm_)(ZZ_T *ras, ZZ_T *ord, char pat, uint32_t w, uint32_t h) {
    if (pat == 'h') ZZ_FN(zz_h_)(ras, ord, w, h);
    else if (pat == 'v') ZZ_FN(zz_v_)(ras, ord, w, h);
    else ZZ_FN(zz_d_)(ras, ord, w, h);
}

#undef ZZ_MOVE
#undef ZZ_FN
#undef ZZ_CAT
#undef ZZ_CAT2
