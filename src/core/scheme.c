/* scheme.c - the profile machinery shared by every scheme:
 * parameters, nonce, key derivation, MAC (hardened), Bits Stored widening.
 * On decrypt, every inconsistency in the metadata is MC_ERR_AUTH (exit 3):
 * metadata is authenticated data, so damage to it is tampering. */
#include "core/internal.h"

#include <sodium.h>
#include <stdlib.h>

static const mc_param_def *param_def(const mc_scheme *s, const char *name, size_t len) {
    for (size_t i = 0; i < s->nparams; i++)
        if (strlen(s->params[i].name) == len && !strncmp(s->params[i].name, name, len)) return &s->params[i];
    return NULL;
}

const char *mc_scheme_param(const mc_scheme_ctx *ctx, const mc_scheme *s, const char *name) {
    char key[MC_META_KEY_MAX];
    snprintf(key, sizeof key, MC_MK_PARAM_PREFIX "%s", name);
    const char *v = mc_meta_get(ctx->meta, key);
    if (v) return v;
    const mc_param_def *d = param_def(s, name, strlen(name));
    return d ? d->default_value : NULL;
}

/* ------------------------------------------------------------------ MAC */

/* Poly1305 with a one-time key per image: otk = BLAKE2b-256(key = sub-key
 * "mac", "medcrypt-mac-v2" || nonce).  The nonce is fresh for every
 * encryption, so no one-time key authenticates two different messages (the
 * same argument as in an AEAD); Poly1305 runs at ~4x BLAKE2b's speed, so the
 * MAC costs little next to the schemes.  The aux blob, when there is one,
 * follows the pixels as LE u64 length || bytes; without one the input is
 * exactly what it was before aux blobs existed, so older files verify. */
int mc_image_mac(const mc_image *img, const uint8_t master[MC_KEY_BYTES], uint8_t out[MC_MAC_BYTES]) {
    static const char label[] = "medcrypt-mac-v2";
    uint8_t mk[MC_KEY_BYTES], otk[crypto_onetimeauth_KEYBYTES], nonce[MC_NONCE_BYTES];
    crypto_generichash_state hs;
    crypto_onetimeauth_state st;
    char *text = malloc(MC_META_TEXT_MAX);
    size_t tlen;
    int rc = MC_ERR_CRYPTO;
    if (!text) return MC_ERR_NOMEM;
    if (mc_meta_get_hex(&img->meta, MC_MK_NONCE, nonce, sizeof nonce)) {
        rc = MC_ERR_AUTH; /* the MAC exists only with a nonce (hardened) */
        goto done;
    }
    if (mc_meta_serialize(&img->meta, MC_MK_MAC, text, MC_META_TEXT_MAX, &tlen)) goto done;
    if (mc_subkey(master, "mac", mk)) goto done;
    if (crypto_generichash_init(&hs, mk, sizeof mk, sizeof otk) ||
        crypto_generichash_update(&hs, (const uint8_t *)label, sizeof label - 1) ||
        crypto_generichash_update(&hs, nonce, sizeof nonce) || crypto_generichash_final(&hs, otk, sizeof otk))
        goto done;
    uint8_t hdr[7 * 4];
    uint32_t f[7] = {img->width, img->height, img->depth, img->channels, img->bits, img->is_signed,
                     (uint32_t)tlen};
    for (int i = 0; i < 7; i++)
        for (int b = 0; b < 4; b++) hdr[4 * i + b] = (uint8_t)(f[i] >> (8 * b));
    if (crypto_onetimeauth_init(&st, otk) || crypto_onetimeauth_update(&st, (const uint8_t *)label, sizeof label - 1) ||
        crypto_onetimeauth_update(&st, hdr, sizeof hdr) || crypto_onetimeauth_update(&st, (const uint8_t *)text, tlen))
        goto done;
    if (img->bits == 8 || mc_host_le()) {
        if (crypto_onetimeauth_update(&st, img->pixels, img->nbytes)) goto done;
    } else {
        uint8_t tmp[4096];
        const uint16_t *p = img->pixels;
        size_t n = img->nbytes / 2;
        for (size_t i = 0; i < n;) {
            size_t c = 0;
            for (; c < sizeof tmp / 2 && i < n; c++, i++) {
                tmp[2 * c] = (uint8_t)p[i];
                tmp[2 * c + 1] = (uint8_t)(p[i] >> 8);
            }
            if (crypto_onetimeauth_update(&st, tmp, 2 * c)) goto done;
        }
    }
    if (img->aux_len > 0) {
        uint8_t alen[8];
        if (!img->aux) goto done;
        mc_put_le64(alen, (uint64_t)img->aux_len);
        if (crypto_onetimeauth_update(&st, alen, sizeof alen) || crypto_onetimeauth_update(&st, img->aux, img->aux_len))
            goto done;
    }
    if (crypto_onetimeauth_final(&st, out)) goto done;
    rc = MC_OK;
done:
    sodium_memzero(mk, sizeof mk);
    sodium_memzero(otk, sizeof otk);
    sodium_memzero(&hs, sizeof hs);
    sodium_memzero(&st, sizeof st);
    free(text);
    return rc;
}

/* ------------------------------------------------------ encrypt/decrypt */

/* Secrets of one operation (master key and scheme sub-key).  They live on the
 * stack, locked with sodium_mlock (kept out of swap and core dumps) and wiped
 * by sodium_munlock on every path; long-lived secrets (mc_key) are in
 * sodium_malloc'ed guarded memory.  A guarded allocation per operation cost
 * ~24 us here (mmap, mprotect, mlock, munmap), 4x the locked stack buffer and
 * ~10% of aead on a 512x512 slice. */
typedef struct op_secrets {
    uint8_t master[MC_KEY_BYTES];
    uint8_t sub[MC_KEY_BYTES];
} op_secrets;

static int check_scheme_fits(const mc_scheme *s, const mc_image *img, mc_profile profile, mc_err *err) {
    if (!(s->bits & (img->bits == 8 ? MC_BITS_8 : MC_BITS_16)))
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "scheme %s does not support %u-bit images", s->name, img->bits);
    if (!(s->profiles & (profile == MC_PROFILE_PAPER ? MC_PROFILES_PAPER : MC_PROFILES_HARDENED)))
        return mc_err_set(err, MC_ERR_ARG, "scheme %s has no '%s' profile", s->name, mc_profile_name(profile));
    return MC_OK;
}

static int run_scheme(const mc_scheme *s, mc_image *img, mc_profile profile, const mc_opts *opts, const mc_key *key,
                      int enc, const uint8_t *nonce, op_secrets *sec, mc_err *err) {
    char purpose[64];
    snprintf(purpose, sizeof purpose, "scheme/%s", s->name);
    if (mc_subkey(sec->master, purpose, sec->sub)) return mc_err_set(err, MC_ERR_CRYPTO, "sub-key derivation failed");
    mc_opts o = {0};
    if (opts) o = *opts;
    if (!o.model_key) o.model_key = key; /* an encrypted model opens with the call's key by default */
    mc_scheme_ctx ctx = {sec->sub, nonce, profile, &img->meta, &o};
    if (enc) return s->encrypt(&ctx, img, err);
    int rc = s->decrypt(&ctx, img, err);
    /* A scheme reports a bad parameter value as MC_ERR_ARG, a usage error at
     * encrypt time; at decrypt time the value came from the input file. */
    if (rc == MC_ERR_ARG) {
        rc = MC_ERR_FORMAT;
        if (err) err->status = rc;
    }
    return rc;
}

int mc_encrypt(mc_image *img, const char *scheme, mc_profile profile, const char *const *params, size_t nparams,
               const mc_key *key, const mc_opts *opts, mc_err *err) {
    const mc_scheme *s = mc_scheme_find(scheme);
    if (!s) return mc_err_set(err, MC_ERR_ARG, "unknown scheme '%s' (see: medcrypt list)", scheme);
    int rc = check_scheme_fits(s, img, profile, err);
    if (rc) return rc;
    if (img->has_meta && mc_meta_get(&img->meta, MC_MK_SCHEME))
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "input is already encrypted (scheme %s)", mc_meta_get(&img->meta, MC_MK_SCHEME));

    mc_meta *m = &img->meta;
    mc_meta_clear(m);
    mc_image_take_aux(img, NULL, 0); /* the scheme may set a new one */
    if (mc_meta_set(m, MC_MK_MAGIC, "1") || mc_meta_set(m, MC_MK_SCHEME, s->name) ||
        mc_meta_set(m, MC_MK_PROFILE, mc_profile_name(profile)))
        return mc_err_set(err, MC_ERR_INTERNAL, "metadata");
    /* explicit parameters, validated, then defaults for the rest */
    for (size_t i = 0; i < nparams; i++) {
        const char *eq = strchr(params[i], '=');
        if (!eq || eq == params[i])
            return mc_err_set(err, MC_ERR_ARG, "parameter '%s' is not NAME=VALUE", params[i]);
        if (!param_def(s, params[i], (size_t)(eq - params[i])))
            return mc_err_set(err, MC_ERR_ARG, "scheme %s has no parameter '%.*s' (see: medcrypt list)", s->name,
                              (int)(eq - params[i]), params[i]);
        char k[MC_META_KEY_MAX];
        if ((size_t)(eq - params[i]) + 3 > sizeof k) return mc_err_set(err, MC_ERR_ARG, "parameter name too long");
        snprintf(k, sizeof k, MC_MK_PARAM_PREFIX "%.*s", (int)(eq - params[i]), params[i]);
        if (mc_meta_get(m, k)) return mc_err_set(err, MC_ERR_ARG, "parameter '%s' given twice", k + 2);
        if (mc_meta_set(m, k, eq + 1))
            return mc_err_set(err, MC_ERR_ARG, "parameter value for '%s' has forbidden characters", k + 2);
    }
    for (size_t i = 0; i < s->nparams; i++) {
        char k[MC_META_KEY_MAX];
        snprintf(k, sizeof k, MC_MK_PARAM_PREFIX "%s", s->params[i].name);
        if (!mc_meta_get(m, k) && mc_meta_set(m, k, s->params[i].default_value))
            return mc_err_set(err, MC_ERR_INTERNAL, "metadata");
    }
    if (img->bits_stored && img->bits_stored < img->bits) {
        if (mc_meta_set_u64(m, MC_MK_BITS_STORED, img->bits_stored)) return mc_err_set(err, MC_ERR_INTERNAL, "metadata");
        img->bits_stored = img->bits; /* cipher samples use every bit */
    }

    op_secrets secs, *sec = &secs;
    sodium_mlock(sec, sizeof *sec); /* best effort: RLIMIT_MEMLOCK may refuse */
    uint8_t nonce[MC_NONCE_BYTES];
    rc = mc_key_master(key, m, 1, sec->master, err);
    if (!rc && profile == MC_PROFILE_HARDENED) {
        randombytes_buf(nonce, sizeof nonce);
        rc = mc_meta_set_hex(m, MC_MK_NONCE, nonce, sizeof nonce);
        /* the reader's restore record, encrypted into metadata entries the MAC covers */
        if (!rc) rc = mc_restore_seal(img, sec->master, nonce, err);
    }
    if (!rc) rc = run_scheme(s, img, profile, opts, key, 1, profile == MC_PROFILE_HARDENED ? nonce : NULL, sec, err);
    if (!rc && profile == MC_PROFILE_HARDENED && !(s->flags & MC_SCHEME_SELF_AUTH)) {
        uint8_t mac[MC_MAC_BYTES];
        rc = mc_image_mac(img, sec->master, mac);
        if (!rc) rc = mc_meta_set_hex(m, MC_MK_MAC, mac, sizeof mac);
        if (rc) mc_err_set(err, rc, "cannot compute the MAC");
    }
    sodium_munlock(sec, sizeof *sec); /* wipes, then unlocks */
    if (rc) {
        mc_meta_clear(m);
        mc_image_take_aux(img, NULL, 0);
        img->has_meta = 0;
        return rc;
    }
    img->has_meta = 1;
    mc_image_drop_restore(img); /* sealed (hardened) or not kept (paper) */
    return MC_OK;
}

int mc_decrypt(mc_image *img, const mc_key *key, const mc_opts *opts, mc_err *err) {
    mc_meta *m = &img->meta;
    if (!img->has_meta)
        return mc_err_set(err, MC_ERR_FORMAT, "input carries no medcrypt metadata (not encrypted by medcrypt?)");
    if (!mc_meta_get(m, MC_MK_SCHEME))
        return mc_err_set(err, MC_ERR_AUTH, "medcrypt metadata without a scheme (tampered)");
    const char *name = mc_meta_get(m, MC_MK_SCHEME);
    const mc_scheme *s = mc_scheme_find(name);
    if (!s)
        return mc_err_set(err, MC_ERR_AUTH, "unknown scheme '%s' in metadata (tampered, or made by a newer medcrypt)", name);
    mc_profile profile;
    if (mc_profile_parse(mc_meta_get(m, MC_MK_PROFILE), &profile))
        return mc_err_set(err, MC_ERR_AUTH, "missing or unknown profile in metadata (tampered)");
    int rc = check_scheme_fits(s, img, profile, err);
    if (rc) return mc_err_set(err, MC_ERR_AUTH, "metadata does not fit the image (tampered)");
    if (mc_meta_get(m, MC_MK_KDF) && !mc_key_is_passphrase(key))
        return mc_err_set(err, MC_ERR_ARG, "this file was encrypted with a passphrase: use --passphrase");
    uint64_t bs = 0;
    if (mc_meta_get(m, MC_MK_BITS_STORED) && (mc_meta_get_u64(m, MC_MK_BITS_STORED, &bs) || bs < 1 || bs > img->bits))
        return mc_err_set(err, MC_ERR_AUTH, "malformed bits_stored in metadata (tampered)");

    uint8_t nonce[MC_NONCE_BYTES], mac[MC_MAC_BYTES], want[MC_MAC_BYTES];
    int has_mac = mc_meta_get(m, MC_MK_MAC) != NULL;
    if (profile == MC_PROFILE_HARDENED) {
        if (mc_meta_get_hex(m, MC_MK_NONCE, nonce, sizeof nonce))
            return mc_err_set(err, MC_ERR_AUTH, "hardened file without a valid nonce (tampered)");
        if (!has_mac && !(s->flags & MC_SCHEME_SELF_AUTH))
            return mc_err_set(err, MC_ERR_AUTH, "hardened file without a MAC (tampered)");
    }
    if (profile == MC_PROFILE_PAPER && !(opts && (opts->flags & MC_DECRYPT_UNAUTHENTICATED)))
        return mc_err_set(err, MC_ERR_AUTH,
                          "paper-profile file: not authenticated, refused (decrypting it needs an explicit "
                          "choice: --profile paper, MC_DECRYPT_UNAUTHENTICATED)");
    if (has_mac && mc_meta_get_hex(m, MC_MK_MAC, want, sizeof want))
        return mc_err_set(err, MC_ERR_AUTH, "malformed MAC in metadata (tampered)");

    uint8_t *rct = NULL; /* the sealed restore record, if any */
    size_t rlen = 0;
    if ((rc = mc_restore_parse(m, &rct, &rlen, err))) return rc;
    if (rct && profile != MC_PROFILE_HARDENED) {
        free(rct);
        return mc_err_set(err, MC_ERR_AUTH, "restore record in a paper-profile file (tampered)");
    }

    op_secrets secs, *sec = &secs;
    sodium_mlock(sec, sizeof *sec); /* best effort: RLIMIT_MEMLOCK may refuse */
    rc = mc_key_master(key, m, 0, sec->master, err);
    if (rc == MC_ERR_FORMAT) rc = mc_err_set(err, MC_ERR_AUTH, "malformed key-derivation metadata (tampered)");
    /* Authenticate before touching a single pixel. */
    if (!rc && has_mac) {
        rc = mc_image_mac(img, sec->master, mac);
        if (rc) mc_err_set(err, rc, "cannot compute the MAC");
        else if (sodium_memcmp(mac, want, sizeof mac) != 0)
            rc = mc_err_set(err, MC_ERR_AUTH, "authentication failed: wrong key, or the file was modified");
    }
    if (!rc) rc = run_scheme(s, img, profile, opts, key, 0, profile == MC_PROFILE_HARDENED ? nonce : NULL, sec, err);
    /* authenticated and decrypted: the original's record replaces the reader's */
    if (!rc) mc_restore_open(img, rct, rlen, sec->master, nonce);
    else free(rct);
    sodium_munlock(sec, sizeof *sec); /* wipes, then unlocks */
    if (rc) return rc;
    if (bs) img->bits_stored = (uint8_t)bs;
    mc_meta_clear(m);
    mc_image_take_aux(img, NULL, 0);
    img->has_meta = 0;
    return MC_OK;
}
