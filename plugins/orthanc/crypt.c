/*
 * crypt.c - one DICOM file in memory through libmedcrypt: encrypt with a
 * rule, decrypt with whichever configured key authenticates it.  Nothing
 * touches the disk; decrypted pixels are wiped before they are freed.
 */
#define _GNU_SOURCE
#include "plugin.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void image_free_wiped(mc_image *img) {
    if (img && img->pixels) explicit_bzero(img->pixels, img->nbytes);
    mc_image_free(img);
}

int mcp_encrypt_dicom(const mcp_state *st, const mcp_rule *rule, const void *dcm, size_t len, uint8_t **out,
                      size_t *out_len, mc_err *err) {
    mc_image *img = NULL;
    int rc = mc_image_read_mem(dcm, len, "instance.dcm", NULL, &img, err);
    if (rc) return rc;
    if (img->format != MC_FMT_DICOM)
        rc = mc_err_set(err, MC_ERR_UNSUPPORTED, "not a DICOM file");
    else if (img->has_meta)
        rc = mc_err_set(err, MC_ERR_UNSUPPORTED, "already encrypted by medcrypt (scheme %s)",
                        mc_meta_get(&img->meta, "scheme") ? mc_meta_get(&img->meta, "scheme") : "?");
    if (!rc)
        rc = mc_encrypt(img, rule->scheme, rule->profile, (const char *const *)rule->params, rule->nparams,
                        st->keys[rule->key].key, NULL, err);
    if (!rc) rc = mc_image_write_mem(img, MC_FMT_DICOM, out, out_len, err);
    image_free_wiped(img); /* the pixels are the plaintext's if encryption failed */
    return rc;
}

int mcp_maybe_encrypted(const void *dcm, size_t len) {
    /* the private creator of medcrypt's block, "MEDCRYPT 1" (docs/metadata.md) */
    return memmem(dcm, len, "MEDCRYPT ", 9) != NULL;
}

int mcp_decrypt_dicom(const mcp_state *st, const void *dcm, size_t len, uint8_t **out, size_t *out_len,
                      mc_err *err) {
    int rc = MC_ERR_AUTH;
    mc_err e = {0};
    for (size_t k = 0; k < st->nkeys; k++) {
        /* a fresh image per key: a scheme that failed may have left it half-done */
        mc_image *img = NULL;
        if (mc_image_read_mem(dcm, len, "instance.dcm", NULL, &img, err)) return 2;
        if (!img->has_meta) {
            mc_image_free(img);
            return 0;
        }
        rc = mc_decrypt(img, st->keys[k].key, NULL, &e);
        if (!rc) {
            rc = mc_image_write_mem(img, MC_FMT_DICOM, out, out_len, err);
            image_free_wiped(img);
            return rc ? rc : 1;
        }
        image_free_wiped(img);
        if (rc != MC_ERR_AUTH) break;
    }
    if (rc == MC_ERR_AUTH)
        return mc_err_set(err, rc, "no configured key authenticates it (wrong key, or tampered)%s",
                          st->nkeys > 1 ? " with any of the keys" : "");
    return mc_err_set(err, rc, "%s", e.msg);
}

void mcp_describe_instance(const void *dcm, size_t len, char *buf, size_t cap) {
    snprintf(buf, cap, "?");
    if (!mcp || len > UINT32_MAX) return;
    char *s = OrthancPluginDicomBufferToJson(mcp->ctx, dcm, (uint32_t)len, OrthancPluginDicomToJsonFormat_Human,
                                             OrthancPluginDicomToJsonFlags_StopAfterPixelData, 256);
    if (!s) return;
    json_t *j = json_loads(s, 0, NULL);
    OrthancPluginFreeString(mcp->ctx, s);
    json_t *sop = json_object_get(j, "SOPInstanceUID"), *ser = json_object_get(j, "SeriesInstanceUID");
    if (json_is_string(sop))
        snprintf(buf, cap, "%s (series %s)", json_string_value(sop), json_is_string(ser) ? json_string_value(ser) : "?");
    json_decref(j);
}
