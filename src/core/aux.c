/* aux.c - the aux blob of an image (binary side data of a scheme) and the
 * strict base64 that the PGM/PPM writer and reader use for it.
 *
 * The blob's cap is MC_AUX_MAX_BYTES(pixel bytes) (medcrypt.h): readers
 * check a declared size against it before allocating, mc_image_set_aux and
 * the writers refuse more, so every file medcrypt writes reads back. */
#include "core/internal.h"

int mc_aux_check_len(uint64_t len, size_t pixel_bytes, const char *where, mc_err *err) {
    uint64_t cap = MC_AUX_MAX_BYTES(pixel_bytes);
    if (len > cap)
        return mc_err_set(err, MC_ERR_LIMITS, "%s: aux blob of %llu bytes exceeds the cap of %llu bytes for this image",
                          where, (unsigned long long)len, (unsigned long long)cap);
    return MC_OK;
}

int mc_aux_check_write(const mc_image *img, const char *where, mc_err *err) {
    if (img->aux_len == 0) return MC_OK;
    if (!img->aux) return mc_err_set(err, MC_ERR_ARG, "%s: aux_len without an aux buffer", where);
    if (!img->has_meta)
        return mc_err_set(err, MC_ERR_ARG, "%s: an aux blob can only be stored with medcrypt metadata", where);
    return mc_aux_check_len(img->aux_len, img->nbytes, where, err);
}

int mc_image_set_aux(mc_image *img, const uint8_t *buf, size_t len, mc_err *err) {
    if (!img) return mc_err_set(err, MC_ERR_ARG, "mc_image_set_aux: no image");
    if (!buf || len == 0) {
        if (len && !buf) return mc_err_set(err, MC_ERR_ARG, "mc_image_set_aux: NULL buffer of %zu bytes", len);
        mc_image_take_aux(img, NULL, 0);
        return MC_OK;
    }
    int rc = mc_aux_check_len(len, img->nbytes, "aux", err);
    if (rc) return rc;
    uint8_t *copy = malloc(len); /* copy first: buf may point into img->aux */
    if (!copy) return mc_err_set(err, MC_ERR_NOMEM, "out of memory allocating a %zu-byte aux blob", len);
    memcpy(copy, buf, len);
    mc_image_take_aux(img, copy, len);
    return MC_OK;
}

/* ----------------------------------------------------------------- base64 */

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void mc_b64_encode(char *out, const uint8_t *in, size_t n) {
    size_t i = 0, o = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
}

static int b64_val(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int mc_b64_decode(uint8_t *out, size_t cap, const char *in, size_t n, size_t *outlen) {
    if (n % 4) return MC_ERR_FORMAT;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int last = i + 4 == n;
        int v[4];
        size_t pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = in[i + (size_t)k];
            if (c == '=' && last && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad) return MC_ERR_FORMAT; /* data after padding */
            if ((v[k] = b64_val(c)) < 0) return MC_ERR_FORMAT;
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        size_t nb = 3 - pad;
        /* canonical: the bits below the last byte are zero */
        if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff))) return MC_ERR_FORMAT;
        if (nb > cap - o) return MC_ERR_FORMAT;
        out[o++] = (uint8_t)(w >> 16);
        if (nb > 1) out[o++] = (uint8_t)(w >> 8);
        if (nb > 2) out[o++] = (uint8_t)w;
    }
    *outlen = o;
    return MC_OK;
}
