/* sensitivity.c - key and plaintext sensitivity of any registered scheme
 * (the papers' "differential attack" NPCR/UACI figures), through the public
 * mc_encrypt / mc_decrypt API. */
#include "metrics/mx.h"

#include <sodium.h>

/* paper-profile ciphers are decrypted too: an explicit choice (medcrypt.h) */
static const mc_opts k_unauth = {.flags = MC_DECRYPT_UNAUTHENTICATED};

/* A fresh copy of img's pixels and geometry, without metadata. */
static int clone(const mc_image *img, mc_image **out, mc_err *err) {
    int rc = mc_image_new(out, img->width, img->height, img->depth, img->channels, img->bits, img->is_signed, NULL, err);
    if (rc) return rc;
    memcpy((*out)->pixels, img->pixels, img->nbytes);
    (*out)->bits_stored = img->bits_stored;
    (*out)->format = img->format;
    return MC_OK;
}

static int encrypt_copy(const mc_image *img, const char *scheme, mc_profile profile, const char *const *params,
                        size_t nparams, const mc_key *k, mc_image **out, mc_err *err) {
    int rc = clone(img, out, err);
    if (!rc) rc = mc_encrypt(*out, scheme, profile, params, nparams, k, NULL, err);
    if (rc) {
        mc_image_free(*out);
        *out = NULL;
    }
    return rc;
}

int mc_sensitivity_compute(const mc_image *img, const char *scheme, mc_profile profile, const char *const *params,
                           size_t nparams, const uint8_t key[MC_KEY_BYTES], uint64_t seed, mc_sensitivity *out,
                           mc_err *err) {
    mx_sel s;
    if (!scheme || !key || !out || mx_select(img, MC_ALL, MC_ALL, &s))
        return mc_err_set(err, MC_ERR_ARG, "sensitivity: bad arguments");
    memset(out, 0, sizeof *out);
    mc_stream rng;
    mx_rng_init(&rng, "metrics/sensitivity", seed, 0);
    out->key_bit = mc_stream_uniform(&rng, MC_KEY_BYTES * 8);
    out->x = mc_stream_uniform(&rng, img->width);
    out->y = mc_stream_uniform(&rng, img->height);
    out->z = mc_stream_uniform(&rng, img->depth);
    out->c = mc_stream_uniform(&rng, img->channels);
    mc_stream_wipe(&rng);

    uint8_t *k2 = sodium_malloc(MC_KEY_BYTES);
    mc_key *K = NULL, *K2 = NULL;
    mc_image *c1 = NULL, *c2 = NULL, *c3 = NULL, *p2 = NULL, *c4 = NULL;
    int rc;
    if (!k2) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    memcpy(k2, key, MC_KEY_BYTES);
    k2[out->key_bit / 8] ^= (uint8_t)(1u << (out->key_bit % 8));
    if ((rc = mc_key_from_bytes(&K, key, err)) || (rc = mc_key_from_bytes(&K2, k2, err))) goto done;

    /* (a) key sensitivity, re-encryption, wrong-key decryption */
    if ((rc = encrypt_copy(img, scheme, profile, params, nparams, K, &c1, err)) ||
        (rc = encrypt_copy(img, scheme, profile, params, nparams, K2, &c2, err)) ||
        (rc = encrypt_copy(img, scheme, profile, params, nparams, K, &c3, err)) ||
        (rc = mc_npcr_uaci(c1, c2, MC_ALL, MC_ALL, &out->key, err)) ||
        (rc = mc_npcr_uaci(c1, c3, MC_ALL, MC_ALL, &out->reenc, err)))
        goto done;
    /* c3 becomes the wrong-key decryption of c1's pixels and metadata */
    memcpy(c3->pixels, c1->pixels, c1->nbytes);
    c3->meta = c1->meta;
    c3->has_meta = c1->has_meta;
    if ((rc = mc_image_set_aux(c3, c1->aux, c1->aux_len, err))) goto done;
    mc_err derr = {0};
    out->wrong_key_status = mc_decrypt(c3, K2, &k_unauth, &derr);
    if (out->wrong_key_status == MC_OK) {
        if ((rc = mc_npcr_uaci(c3, img, MC_ALL, MC_ALL, &out->wrong_key, err))) goto done;
    }

    /* (b) plaintext sensitivity: one sample one level up (or down at the top) */
    if ((rc = clone(img, &p2, err))) goto done;
    size_t i = (((size_t)out->z * img->height + out->y) * img->width + out->x) * img->channels + out->c;
    uint32_t top = (1u << img->bits) - 1, lv = mc_level(img, i);
    uint32_t nl = lv == top ? lv - 1 : lv + 1, raw = img->is_signed ? nl ^ (1u << (img->bits - 1)) : nl;
    if (img->bits == 8) ((uint8_t *)p2->pixels)[i] = (uint8_t)raw;
    else ((uint16_t *)p2->pixels)[i] = (uint16_t)raw;
    if ((rc = encrypt_copy(p2, scheme, profile, params, nparams, K, &c4, err)) ||
        (rc = mc_npcr_uaci(c1, c4, MC_ALL, MC_ALL, &out->plain, err)))
        goto done;
done:
    sodium_free(k2);
    mc_key_free(K);
    mc_key_free(K2);
    mc_image_free(c1);
    mc_image_free(c2);
    mc_image_free(c3);
    mc_image_free(c4);
    mc_image_free(p2);
    return rc;
}
