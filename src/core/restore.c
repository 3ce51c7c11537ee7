/* restore.c - the restore record (medcrypt.h, mc_image.restore): sealed into
 * the metadata by a hardened encryption, opened by the decryption.
 *
 * The record is opaque here (its reader and writer interpret it: src/io).
 * Sealing: XChaCha20 (no tag of its own: the entries are metadata, which
 * the framework MAC or the aead tag authenticates before anything is
 * decrypted) under sub-key "restore" and the image's fresh nonce; the
 * ciphertext is lower-case hex (metadata values may not hold base64's '=')
 * in up to four entries of at most 1022 characters,
 * "restore", "restore.1", "restore.2", "restore.3", written after "nonce".
 * Files without a record have none of them, so their MAC input is what it
 * always was. */
#include "core/internal.h"

#include <sodium.h>
#include <stdlib.h>

#define CHUNK_BYTES 511 /* 1022 hex digits */
#define MAX_CHUNKS 4

static void chunk_key(char *k, size_t cap, size_t i) {
    if (i == 0) snprintf(k, cap, "%s", MC_MK_RESTORE);
    else snprintf(k, cap, "%s.%zu", MC_MK_RESTORE, i);
}

void mc_image_drop_restore(mc_image *img) {
    if (img->restore) {
        sodium_memzero(img->restore, img->restore_len);
        free(img->restore);
    }
    img->restore = NULL;
    img->restore_len = 0;
    img->restore_apply = 0;
}

void mc_image_take_restore(mc_image *img, uint8_t *buf, size_t len) {
    mc_image_drop_restore(img);
    img->restore = buf;
    img->restore_len = buf ? len : 0;
}

static void restore_xor(uint8_t *buf, size_t len, const uint8_t master[MC_KEY_BYTES], const uint8_t nonce[MC_NONCE_BYTES]) {
    uint8_t k[MC_KEY_BYTES];
    mc_subkey(master, "restore", k);
    crypto_stream_xchacha20_xor(buf, buf, len, nonce, k);
    sodium_memzero(k, sizeof k);
}

int mc_restore_seal(mc_image *img, const uint8_t master[MC_KEY_BYTES], const uint8_t nonce[MC_NONCE_BYTES], mc_err *err) {
    if (!img->restore || img->restore_len == 0) return MC_OK;
    if (img->restore_len > MC_RESTORE_MAX_BYTES)
        return mc_err_set(err, MC_ERR_LIMITS, "restore record of %zu bytes exceeds %d bytes", img->restore_len,
                          MC_RESTORE_MAX_BYTES);
    uint8_t ct[MC_RESTORE_MAX_BYTES];
    char hex[2 * CHUNK_BYTES + 1], key[MC_META_KEY_MAX];
    memcpy(ct, img->restore, img->restore_len);
    restore_xor(ct, img->restore_len, master, nonce);
    int rc = MC_OK;
    for (size_t i = 0, o = 0; o < img->restore_len && !rc; i++, o += CHUNK_BYTES) {
        size_t n = img->restore_len - o < CHUNK_BYTES ? img->restore_len - o : CHUNK_BYTES;
        mc_hex_encode(hex, ct + o, n);
        chunk_key(key, sizeof key, i);
        if (mc_meta_set(&img->meta, key, hex)) rc = mc_err_set(err, MC_ERR_INTERNAL, "metadata full (restore record)");
    }
    sodium_memzero(ct, sizeof ct);
    return rc;
}

int mc_restore_parse(const mc_meta *m, uint8_t **ct, size_t *len, mc_err *err) {
    *ct = NULL;
    *len = 0;
    const char *v0 = mc_meta_get(m, MC_MK_RESTORE);
    char key[MC_META_KEY_MAX];
    if (!v0) {
        for (size_t i = 1; i <= MAX_CHUNKS; i++) {
            chunk_key(key, sizeof key, i);
            if (mc_meta_get(m, key)) return mc_err_set(err, MC_ERR_AUTH, "restore record without its first entry (tampered)");
        }
        return MC_OK;
    }
    uint8_t *buf = malloc(MC_RESTORE_MAX_BYTES);
    if (!buf) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    size_t o = 0, i = 0;
    int last = 0;
    for (; i < MAX_CHUNKS; i++) {
        chunk_key(key, sizeof key, i);
        const char *v = mc_meta_get(m, key);
        if (!v) break;
        const size_t vl = strlen(v), got = vl / 2;
        /* every entry but the last is a full chunk */
        if (last || vl == 0 || vl % 2 || got > CHUNK_BYTES || mc_hex_decode(buf + o, got, v, vl)) {
            free(buf);
            return mc_err_set(err, MC_ERR_AUTH, "malformed restore record in metadata (tampered)");
        }
        last = got < CHUNK_BYTES;
        o += got;
    }
    for (size_t j = i + 1; j < MAX_CHUNKS; j++) { /* no gap in the numbering */
        chunk_key(key, sizeof key, j);
        if (mc_meta_get(m, key)) {
            free(buf);
            return mc_err_set(err, MC_ERR_AUTH, "malformed restore record in metadata (tampered)");
        }
    }
    *ct = buf;
    *len = o;
    return MC_OK;
}

void mc_restore_open(mc_image *img, uint8_t *ct, size_t len, const uint8_t master[MC_KEY_BYTES],
                     const uint8_t nonce[MC_NONCE_BYTES]) {
    mc_image_drop_restore(img);
    if (!ct) return;
    restore_xor(ct, len, master, nonce);
    img->restore = ct;
    img->restore_len = len;
    img->restore_apply = 1;
}
