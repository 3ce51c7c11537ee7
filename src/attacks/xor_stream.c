/* xor_stream.c - known/chosen-plaintext attacks on keystream schemes with a
 * public sample order (attacks.h, docs/attacks.md). */
#include "medcrypt_lab.h"
#include "core/internal.h"
#include "schemes/classical.h"
#include "schemes/deep_kedi/deep_kedi.h"

#include <math.h>
#include <stdlib.h>

int mc_attack_supported(const char *scheme) {
    return scheme && (!strcmp(scheme, "logistic") || !strcmp(scheme, "zigzag") || !strcmp(scheme, "aead") ||
                      !strcmp(scheme, "deep-kedi"));
}

static int same_geometry(const mc_image *a, const mc_image *b) {
    return a->width == b->width && a->height == b->height && a->depth == b->depth && a->channels == b->channels &&
           a->bits == b->bits;
}

/* Pixel order of the scheme's public rearrangement: NULL = identity. */
static int model_order(const char *scheme, const mc_image *cipher, uint32_t **idx, mc_err *err) {
    *idx = NULL;
    if (!mc_attack_supported(scheme))
        return mc_err_set(err, MC_ERR_UNSUPPORTED,
                          "no plaintext attack for scheme '%s': the XOR-keystream model covers logistic, zigzag, "
                          "deep-kedi, aead",
                          scheme ? scheme : "?");
    if (strcmp(scheme, "zigzag") && strcmp(scheme, "deep-kedi")) return MC_OK;
    const char *pat = cipher->has_meta ? mc_meta_get(&cipher->meta, "p.pattern") : NULL;
    if (!pat) pat = "d";
    if (strcmp(pat, "v") && strcmp(pat, "h") && strcmp(pat, "d"))
        return mc_err_set(err, MC_ERR_FORMAT, "%s cipher with unknown pattern '%s'", scheme, pat);
    size_t npx = (size_t)cipher->width * cipher->height;
    *idx = malloc(npx * sizeof **idx);
    if (!*idx) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    mc_zigzag_order(pat[0], cipher->width, cipher->height, *idx);
    return MC_OK;
}

/* Sample value / store, 8 or 16 bits. */
static inline uint32_t get(const mc_image *img, size_t i) {
    return img->bits == 8 ? ((const uint8_t *)img->pixels)[i] : ((const uint16_t *)img->pixels)[i];
}
static inline void put(mc_image *img, size_t i, uint32_t v) {
    if (img->bits == 8) ((uint8_t *)img->pixels)[i] = (uint8_t)v;
    else ((uint16_t *)img->pixels)[i] = (uint16_t)v;
}

int mc_attack_kpa(const char *scheme, const mc_image *known_plain, const mc_image *known_cipher,
                  const mc_image *target_cipher, mc_image **recovered, mc_err *err) {
    *recovered = NULL;
    if (!same_geometry(known_plain, known_cipher) || !same_geometry(known_plain, target_cipher))
        return mc_err_set(err, MC_ERR_FORMAT,
                          "attack: the known plain, known cipher and target cipher must have the same geometry "
                          "(%ux%ux%u, %u channel(s), %u-bit vs %ux%ux%u, %u, %u-bit vs %ux%ux%u, %u, %u-bit)",
                          known_plain->width, known_plain->height, known_plain->depth, known_plain->channels,
                          known_plain->bits, known_cipher->width, known_cipher->height, known_cipher->depth,
                          known_cipher->channels, known_cipher->bits, target_cipher->width, target_cipher->height,
                          target_cipher->depth, target_cipher->channels, target_cipher->bits);
    uint32_t *idx = NULL;
    int rc = model_order(scheme, known_cipher, &idx, err);
    if (rc) return rc;
    const char *tp = target_cipher->has_meta ? mc_meta_get(&target_cipher->meta, "p.pattern") : NULL;
    const char *kp = known_cipher->has_meta ? mc_meta_get(&known_cipher->meta, "p.pattern") : NULL;
    if (tp && kp && strcmp(tp, kp)) {
        free(idx);
        return mc_err_set(err, MC_ERR_FORMAT, "attack: known cipher has pattern %s, target %s", kp, tp);
    }
    mc_image *out = NULL;
    rc = mc_image_new(&out, target_cipher->width, target_cipher->height, target_cipher->depth,
                      target_cipher->channels, target_cipher->bits, known_plain->is_signed, NULL, err);
    if (rc) {
        free(idx);
        return rc;
    }
    out->bits_stored = known_plain->bits_stored;
    out->format = target_cipher->format;
    memcpy(out->spacing, target_cipher->spacing, sizeof out->spacing);
    size_t npx = (size_t)out->width * out->height, ch = out->channels, slice = npx * ch;
    for (uint32_t z = 0; z < out->depth; z++) {
        size_t base = z * slice;
        for (size_t k = 0; k < npx; k++) {
            size_t src = idx ? idx[k] : k; /* C[k] = P[z(k)] ^ K[k] */
            for (size_t c = 0; c < ch; c++) {
                size_t ck = base + k * ch + c, ps = base + src * ch + c;
                uint32_t key = get(known_cipher, ck) ^ get(known_plain, ps);
                put(out, ps, get(target_cipher, ck) ^ key);
            }
        }
    }
    free(idx);
    /* deep-kedi: out is the target's speckled image J; its paper decryption
     * is J despeckled */
    if (!strcmp(scheme, "deep-kedi") &&
        (rc = mc_dk_despeckle(out, target_cipher->has_meta ? &target_cipher->meta : NULL, err))) {
        mc_image_free(out);
        return rc;
    }
    *recovered = out;
    return MC_OK;
}

int mc_attack_leak_supported(const char *scheme) {
    return scheme && (!strcmp(scheme, "at-resnet-cm") || !strcmp(scheme, "resnet-cm"));
}

/* recovered[i] = msb(zero_cipher[i] ^ target[i]) * maxv / bits. */
static int leak_estimate(const mc_image *zero_cipher, const mc_image *target, mc_image **recovered, mc_err *err) {
    if (!same_geometry(zero_cipher, target))
        return mc_err_set(err, MC_ERR_FORMAT, "attack: the oracle's cipher does not match the target's geometry");
    mc_image *out = NULL;
    int rc = mc_image_new(&out, target->width, target->height, target->depth, target->channels, target->bits,
                          target->is_signed, NULL, err);
    if (rc) return rc;
    out->format = target->format;
    memcpy(out->spacing, target->spacing, sizeof out->spacing);
    const uint32_t maxv = target->bits == 8 ? 0xffu : 0xffffu, sign = target->is_signed ? (maxv >> 1) + 1 : 0;
    const size_t n = mc_image_samples(target);
    for (size_t i = 0; i < n; i++) {
        uint32_t d = get(zero_cipher, i) ^ get(target, i), m = 0;
        while (d) m++, d >>= 1;
        put(out, i, (m * maxv / target->bits) ^ sign); /* codes -> stored pattern (signed: offset) */
    }
    *recovered = out;
    return MC_OK;
}

int mc_attack_cpa(const char *scheme, mc_attack_oracle oracle, void *ud, const mc_image *target_cipher,
                  mc_image **recovered, mc_err *err) {
    *recovered = NULL;
    const int leak = mc_attack_leak_supported(scheme);
    if (!leak && !mc_attack_supported(scheme)) {
        uint32_t *idx;
        return model_order(scheme, target_cipher, &idx, err);
    }
    mc_image *zero = NULL, *chosen = NULL;
    int rc = mc_image_new(&zero, target_cipher->width, target_cipher->height, target_cipher->depth,
                          target_cipher->channels, target_cipher->bits, target_cipher->is_signed, NULL, err);
    if (!rc)
        rc = mc_image_new(&chosen, target_cipher->width, target_cipher->height, target_cipher->depth,
                          target_cipher->channels, target_cipher->bits, target_cipher->is_signed, NULL, err);
    if (!rc && !strcmp(scheme, "deep-kedi") && target_cipher->is_signed) {
        /* deep-kedi's speckle multiplies offset-binary codes: the image of
         * code 0 (the most negative value) is the one it leaves alone */
        const size_t n = mc_image_samples(zero);
        const uint32_t low = zero->bits == 8 ? 0x80u : 0x8000u;
        for (size_t i = 0; i < n; i++) put(zero, i, low), put(chosen, i, low);
    }
    if (!rc) {
        chosen->format = target_cipher->format;
        rc = oracle(ud, chosen, err); /* the cipher of the all-zero image */
    }
    if (!rc) rc = leak ? leak_estimate(chosen, target_cipher, recovered, err)
                       : mc_attack_kpa(scheme, zero, chosen, target_cipher, recovered, err);
    mc_image_free(zero);
    mc_image_free(chosen);
    return rc;
}

int mc_attack_score(const mc_image *a, const mc_image *b, size_t *matched, size_t *total, mc_err *err) {
    if (!same_geometry(a, b))
        return mc_err_set(err, MC_ERR_FORMAT, "score: images differ in geometry (%ux%ux%u vs %ux%ux%u)", a->width,
                          a->height, a->depth, b->width, b->height, b->depth);
    size_t n = mc_image_samples(a), m = 0;
    for (size_t i = 0; i < n; i++) m += get(a, i) == get(b, i);
    *matched = m;
    *total = n;
    return MC_OK;
}

int mc_attack_corr(const mc_image *a, const mc_image *b, double *r, mc_err *err) {
    if (!same_geometry(a, b))
        return mc_err_set(err, MC_ERR_FORMAT, "score: images differ in geometry (%ux%ux%u vs %ux%ux%u)", a->width,
                          a->height, a->depth, b->width, b->height, b->depth);
    const size_t n = mc_image_samples(a);
    const uint32_t sa = a->is_signed ? (a->bits == 8 ? 0x80u : 0x8000u) : 0;
    const uint32_t sb = b->is_signed ? (b->bits == 8 ? 0x80u : 0x8000u) : 0;
    double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
    for (size_t i = 0; i < n; i++) {
        ma += (double)(get(a, i) ^ sa);
        mb += (double)(get(b, i) ^ sb);
    }
    ma /= (double)n;
    mb /= (double)n;
    for (size_t i = 0; i < n; i++) {
        const double x = (double)(get(a, i) ^ sa) - ma, y = (double)(get(b, i) ^ sb) - mb;
        saa += x * x;
        sbb += y * y;
        sab += x * y;
    }
    *r = saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0.0;
    return MC_OK;
}
