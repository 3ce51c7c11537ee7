/*
 * nn_ref_conv.h - one instantiation of the reference convolution's row
 * kernel, included by nn_ref.c once per kernel set (scalar, portable
 * vectors, AVX2, AVX-512).  Not a header: it has no include guard, on
 * purpose.
 *
 * The includer defines
 *   KN_SFX    name suffix of this set
 *   KN_ATTR   function attributes (a target("...") clause or nothing)
 *   KN_W      lanes (1: plain floats)
 *   KN_VT     the vector type of KN_W floats (float when KN_W == 1)
 *   KN_NV1..KN_NV4  vectors along x per strip for 1..4 output channels
 *
 * Every output y[oc][oy][ox] of a strip is one lane of an accumulator that
 * starts at +0 and receives acc = acc + w * x for ic ascending, then the
 * row's taps (ky ascending, then kx ascending), then + bias: the reference
 * order of nn_ref.c.  Lanes are independent outputs, so the vector width
 * changes nothing in any one output's arithmetic.
 */
#ifndef KN_SFX
#error "nn_ref_conv.h is included by nn_ref.c only"
#endif

#define KN_CAT2(a, b) a##_##b
#define KN_CAT(a, b) KN_CAT2(a, b)
#define KN(name) KN_CAT(name, KN_SFX)

/* One strip: outputs ox0 .. ox0 + nv * KN_W - 1 of channels oc0 .. oc0 + ob - 1
 * of one output row.  ob and nv are constants after inlining. */
KN_ATTR static MC_ALWAYS_INLINE void KN(strip)(const conv_ctx *c, const conv_taps *t, uint32_t oc0, uint32_t ox0,
                                               float *yrow, const int ob, const int nv) {
    KN_VT acc[4][8];
    MC_UNROLL
    for (int o = 0; o < ob; o++) {
        MC_UNROLL
        for (int j = 0; j < nv; j++) acc[o][j] = (KN_VT){0};
    }
    const size_t wso = c->wso;
    for (uint32_t ic = 0; ic < c->ic; ic++) {
        const float *xb = c->buf + (size_t)ic * c->icstride + ox0;
        const float *wc = c->w + ((size_t)oc0 * c->ic + ic) * c->kk;
        for (uint32_t tt = 0; tt < t->n; tt++) {
            const float *xp = xb + t->off[tt];
            const float *wp = wc + t->widx[tt];
            KN_VT xv[8];
            MC_UNROLL
            for (int j = 0; j < nv; j++) memcpy(&xv[j], xp + j * KN_W, sizeof xv[j]);
            MC_UNROLL
            for (int o = 0; o < ob; o++) {
                const float wv = wp[(size_t)o * wso];
                MC_UNROLL
                for (int j = 0; j < nv; j++) acc[o][j] = acc[o][j] + wv * xv[j];
            }
        }
    }
    MC_UNROLL
    for (int o = 0; o < ob; o++) {
        float *yr = yrow + (size_t)(oc0 + o) * c->op + ox0;
        if (c->b) {
            const float bv = c->b[oc0 + o];
            MC_UNROLL
            for (int j = 0; j < nv; j++) {
                KN_VT v = acc[o][j] + bv;
                memcpy(yr + j * KN_W, &v, sizeof v);
            }
        } else {
            MC_UNROLL
            for (int j = 0; j < nv; j++) memcpy(yr + j * KN_W, &acc[o][j], sizeof acc[o][j]);
        }
    }
}

/* All of one output row for channels oc0 .. oc0 + ob - 1: strips of nv
 * vectors, then single vectors, then (when the row is not a multiple of the
 * width) one more vector ending at the row's end, which recomputes a few
 * outputs with the same operations and so stores the same values. */
KN_ATTR static MC_ALWAYS_INLINE void KN(row_ob)(const conv_ctx *c, const conv_taps *t, uint32_t oc0, float *yrow,
                                                const int ob, const int nv) {
    const uint32_t ow = c->ow, big = (uint32_t)nv * KN_W;
    uint32_t ox = 0;
    for (; ox + big <= ow; ox += big) KN(strip)(c, t, oc0, ox, yrow, ob, nv);
    if (nv > 1)
        for (; ox + KN_W <= ow; ox += KN_W) KN(strip)(c, t, oc0, ox, yrow, ob, 1);
    if (ox < ow) KN(strip)(c, t, oc0, ow - KN_W, yrow, ob, 1);
}

/* One output row (all output channels); the caller has checked ow >= KN_W. */
KN_ATTR static void KN(conv_row)(const conv_ctx *c, const conv_taps *t, float *yrow) {
    uint32_t oc0 = 0;
    for (; oc0 + 4 <= c->oc; oc0 += 4) KN(row_ob)(c, t, oc0, yrow, 4, KN_NV4);
    switch (c->oc - oc0) {
    case 3: KN(row_ob)(c, t, oc0, yrow, 3, KN_NV3); break;
    case 2: KN(row_ob)(c, t, oc0, yrow, 2, KN_NV2); break;
    case 1: KN(row_ob)(c, t, oc0, yrow, 1, KN_NV1); break;
    default: break;
    }
}

#undef KN
#undef KN_CAT
#undef KN_CAT2
