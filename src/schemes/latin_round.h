/* latin_round.h - the rounds of latin.c for one sample type, included twice
 * (LT_T = uint8_t / uint16_t, LT_SUF = 8 / 16).  Not a public header. */
#define LT_CAT2(a, b) a##b
#define LT_CAT(a, b) LT_CAT2(a, b)
#define LT_FN(name) LT_CAT(name, LT_SUF)

/* whitening with square r, then (enc) chained substitution with square r */
static void LT_FN(whiten_)(const lsq *s, unsigned r, LT_T *a) {
    const uint16_t *sd = s->seed + (size_t)r * s->n, *sh = s->shift + (size_t)r * s->n;
    uint32_t m = s->mask;
    for (uint32_t i = 0; i < s->h; i++) {
        uint32_t k = sh[i & m];
        LT_T *row = a + (size_t)i * s->wc;
        for (uint32_t j = 0; j < s->wc; j++) row[j] ^= (LT_T)((sd[j & m] + k) & m);
    }
}

static void LT_FN(wsubst_enc_)(const lsq *s, unsigned r, LT_T *a) {
    const uint16_t *sd = s->seed + (size_t)r * s->n, *sh = s->shift + (size_t)r * s->n;
    uint32_t m = s->mask, wc = s->wc, h = s->h;
    if (r % 2 == 0) { /* row chains, four rows at a time (independent chains) */
        uint32_t i = 0;
        for (; i + 4 <= h; i += 4) {
            LT_T *r0 = a + (size_t)i * wc, *r1 = r0 + wc, *r2 = r1 + wc, *r3 = r2 + wc;
            uint32_t k0 = sh[i & m], k1 = sh[(i + 1) & m], k2 = sh[(i + 2) & m], k3 = sh[(i + 3) & m];
            uint32_t y0 = 0, y1 = 0, y2 = 0, y3 = 0;
            for (uint32_t j = 0; j < wc; j++) {
                uint32_t w = sd[j & m];
                y0 = (sd[((r0[j] ^ ((w + k0) & m)) + y0) & m] + k0) & m;
                y1 = (sd[((r1[j] ^ ((w + k1) & m)) + y1) & m] + k1) & m;
                y2 = (sd[((r2[j] ^ ((w + k2) & m)) + y2) & m] + k2) & m;
                y3 = (sd[((r3[j] ^ ((w + k3) & m)) + y3) & m] + k3) & m;
                r0[j] = (LT_T)y0;
                r1[j] = (LT_T)y1;
                r2[j] = (LT_T)y2;
                r3[j] = (LT_T)y3;
            }
        }
        for (; i < h; i++) {
            LT_T *row = a + (size_t)i * wc;
            uint32_t k = sh[i & m], y = 0;
            for (uint32_t j = 0; j < wc; j++) row[j] = (LT_T)(y = (sd[((row[j] ^ ((sd[j & m] + k) & m)) + y) & m] + k) & m);
        }
    } else { /* column chains: independent across a row (row 0 chains from 0) */
        for (uint32_t i = 0; i < h; i++) {
            LT_T *row = a + (size_t)i * wc;
            uint32_t k = sh[i & m];
            if (i == 0)
                for (uint32_t j = 0; j < wc; j++)
                    row[j] = (LT_T)((sd[(row[j] ^ ((sd[j & m] + k) & m)) & m] + sh[j & m]) & m);
            else {
                const LT_T *prev = row - wc;
                if (wc <= s->n) /* j & m == j */
                    for (uint32_t j = 0; j < wc; j++)
                        row[j] = (LT_T)((sd[((row[j] ^ ((sd[j] + k) & m)) + prev[j]) & m] + sh[j]) & m);
                else
                    for (uint32_t j = 0; j < wc; j++)
                        row[j] = (LT_T)((sd[((row[j] ^ ((sd[j & m] + k) & m)) + prev[j]) & m] + sh[j & m]) & m);
            }
        }
    }
}

/* inverse of wsubst_enc_ (substitution, then whitening) */
static void LT_FN(wsubst_dec_)(const lsq *s, unsigned r, LT_T *a) {
    const uint16_t *sd = s->seed + (size_t)r * s->n, *si = s->seedinv + (size_t)r * s->n,
                   *sh = s->shift + (size_t)r * s->n;
    uint32_t m = s->mask, wc = s->wc;
    if (r % 2 == 0) {
        for (uint32_t i = 0; i < s->h; i++) {
            uint32_t k = sh[i & m], prev = 0;
            LT_T *row = a + (size_t)i * wc;
            for (uint32_t j = 0; j < wc; j++) {
                uint32_t y = row[j];
                row[j] = (LT_T)(((si[(y - k) & m] - prev) & m) ^ ((sd[j & m] + k) & m));
                prev = y;
            }
        }
    } else {
        for (uint32_t i = s->h; i-- > 0;) { /* bottom up: row i-1 still holds y */
            LT_T *row = a + (size_t)i * wc;
            const LT_T *prev = i ? row - wc : NULL;
            uint32_t k = sh[i & m];
            for (uint32_t j = 0; j < wc; j++) {
                uint32_t y = prev ? prev[j] : 0;
                row[j] = (LT_T)(((si[(row[j] - sh[j & m]) & m] - y) & m) ^ ((sd[j & m] + k) & m));
            }
        }
    }
}

/* Row permutation of an nr x nc array: row i is permuted by row (i mod nc)
 * of the square (ps[j] + ph[i mod nc]) mod nc: enc moves sample j to that
 * position (written as a gather through the inverse, psi); dec moves it back. */
static void LT_FN(rowperm_)(const uint32_t *ps, const uint32_t *psi, const uint32_t *ph, uint32_t nr, uint32_t nc,
                            const LT_T *in, LT_T *out, int enc) {
    for (uint32_t i = 0; i < nr; i++) {
        uint32_t k = ph[i % nc];
        const LT_T *src = in + (size_t)i * nc;
        LT_T *dst = out + (size_t)i * nc;
        if (enc) { /* dst[u] = src[psi[(u - k) mod nc]] */
            uint32_t u = 0, v = nc - k;
            for (; u < k; u++) dst[u] = src[psi[v + u]];
            for (; u < nc; u++) dst[u] = src[psi[u - k]];
        } else
            for (uint32_t j = 0; j < nc; j++) {
                uint32_t t = ps[j] + k;
                dst[j] = src[t >= nc ? t - nc : t];
            }
    }
}

/* out (nc x nr) = transpose of in (nr x nc), in 16 x 16 tiles */
static void LT_FN(transpose_)(const LT_T *in, LT_T *out, uint32_t nr, uint32_t nc) {
    for (uint32_t i0 = 0; i0 < nr; i0 += 16)
        for (uint32_t j0 = 0; j0 < nc; j0 += 16) {
            uint32_t ie = nr - i0 < 16 ? nr : i0 + 16, je = nc - j0 < 16 ? nc : j0 + 16;
            for (uint32_t i = i0; i < ie; i++)
                for (uint32_t j = j0; j < je; j++) out[(size_t)j * nr + i] = in[(size_t)i * nc + j];
        }
}

/* Round r's permutation: the result is in out; in may be overwritten. */
static void LT_FN(permute_)(const lsq *s, unsigned r, LT_T *in, LT_T *out, int enc) {
    const uint32_t *ps = s->pseed + (size_t)r * s->pmax, *ph = s->pshift + (size_t)r * s->pmax,
                   *psi = s->pinv + (size_t)r * s->pmax;
    if (r % 2 == 0) {
        LT_FN(rowperm_)(ps, psi, ph, s->h, s->wc, in, out, enc);
    } else { /* columns: transpose, permute the rows of the transpose, transpose back */
        LT_FN(transpose_)(in, out, s->h, s->wc);
        LT_FN(rowperm_)(ps, psi, ph, s->wc, s->h, out, in, enc);
        LT_FN(transpose_)(in, out, s->wc, s->h);
    }
}

/* One slice in place on buf (tmp: scratch of the same size). */
static void LT_FN(slice_)(const lsq *s, LT_T *buf, LT_T *tmp, int enc) {
    LT_T *a = buf, *b = tmp;
    if (enc) {
        for (unsigned r = 0; r < s->rounds; r++) {
            LT_FN(wsubst_enc_)(s, r, a);
            LT_FN(permute_)(s, r, a, b, 1);
            LT_T *t = a;
            a = b;
            b = t;
        }
        LT_FN(whiten_)(s, s->rounds, a);
    } else {
        LT_FN(whiten_)(s, s->rounds, a);
        for (unsigned r = s->rounds; r-- > 0;) {
            LT_FN(permute_)(s, r, a, b, 0);
            LT_T *t = a;
            a = b;
            b = t;
            LT_FN(wsubst_dec_)(s, r, a);
        }
    }
    if (a != buf) memcpy(buf, a, (size_t)s->h * s->wc * sizeof(LT_T));
}

#undef LT_FN
#undef LT_CAT
#undef LT_CAT2
