/* meta.c - scheme metadata: an ordered list of key=value pairs serialised as
 * one line "k=v;k=v;...".  Parsing is bounded and rejects anything outside the
 * grammar (keys [a-z0-9_.-], values printable ASCII without ';' '=').
 * Metadata that does not parse is reported as MC_ERR_AUTH: it is covered by
 * the MAC, so damage to it is tampering (exit status 3), like damage to a
 * well-formed entry. */
#include "core/internal.h"

#include <inttypes.h>
#include <stdlib.h>

void mc_meta_clear(mc_meta *m) {
    m->n = 0;
}

static int key_ok(const char *k, size_t len) {
    if (len == 0 || len >= MC_META_KEY_MAX) return 0;
    for (size_t i = 0; i < len; i++) {
        char c = k[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

/* A value may not end in a space: parsing strips trailing spaces (DICOM text
 * VRs pad with them), so such a value could not round-trip. */
static int val_ok(const char *v, size_t len) {
    if (len >= MC_META_VAL_MAX || (len > 0 && v[len - 1] == ' ')) return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c > 0x7e || c == ';' || c == '=') return 0;
    }
    return 1;
}

static mc_meta_entry *find(const mc_meta *m, const char *key) {
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->e[i].key, key)) return (mc_meta_entry *)&m->e[i];
    return NULL;
}

int mc_meta_set(mc_meta *m, const char *key, const char *val) {
    size_t kl = strlen(key), vl = strlen(val);
    if (!key_ok(key, kl) || !val_ok(val, vl)) return MC_ERR_ARG;
    mc_meta_entry *e = find(m, key);
    if (!e) {
        if (m->n >= MC_META_MAX_ENTRIES) return MC_ERR_LIMITS;
        e = &m->e[m->n++];
        memcpy(e->key, key, kl + 1);
    }
    memcpy(e->val, val, vl + 1);
    return MC_OK;
}

int mc_meta_set_hex(mc_meta *m, const char *key, const uint8_t *buf, size_t len) {
    char hex[MC_META_VAL_MAX];
    if (2 * len + 1 > sizeof hex) return MC_ERR_ARG;
    mc_hex_encode(hex, buf, len);
    return mc_meta_set(m, key, hex);
}

int mc_meta_set_u64(mc_meta *m, const char *key, uint64_t v) {
    char s[32];
    snprintf(s, sizeof s, "%" PRIu64, v);
    return mc_meta_set(m, key, s);
}

const char *mc_meta_get(const mc_meta *m, const char *key) {
    const mc_meta_entry *e = find(m, key);
    return e ? e->val : NULL;
}

int mc_meta_get_hex(const mc_meta *m, const char *key, uint8_t *buf, size_t len) {
    const char *v = mc_meta_get(m, key);
    if (!v) return MC_ERR_FORMAT;
    return mc_hex_decode(buf, len, v, strlen(v));
}

int mc_meta_get_u64(const mc_meta *m, const char *key, uint64_t *v) {
    const char *s = mc_meta_get(m, key);
    if (!s || !*s || strlen(s) > 20) return MC_ERR_FORMAT;
    uint64_t x = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return MC_ERR_FORMAT;
        unsigned d = (unsigned)(*p - '0');
        if (x > (UINT64_MAX - d) / 10) return MC_ERR_FORMAT;
        x = x * 10 + d;
    }
    *v = x;
    return MC_OK;
}

int mc_meta_remove(mc_meta *m, const char *key) {
    for (size_t i = 0; i < m->n; i++) {
        if (!strcmp(m->e[i].key, key)) {
            memmove(&m->e[i], &m->e[i + 1], (m->n - i - 1) * sizeof m->e[0]);
            m->n--;
            return MC_OK;
        }
    }
    return MC_ERR_ARG;
}

int mc_meta_serialize(const mc_meta *m, const char *skip_key, char *buf, size_t cap, size_t *len) {
    size_t o = 0;
    int first = 1;
    if (cap == 0) return MC_ERR_ARG;
    for (size_t i = 0; i < m->n; i++) {
        const mc_meta_entry *e = &m->e[i];
        if (skip_key && !strcmp(e->key, skip_key)) continue;
        size_t kl = strlen(e->key), vl = strlen(e->val);
        size_t need = kl + vl + 1 + (first ? 0 : 1);
        if (o + need + 1 > cap) return MC_ERR_LIMITS;
        if (!first) buf[o++] = ';';
        memcpy(buf + o, e->key, kl);
        o += kl;
        buf[o++] = '=';
        memcpy(buf + o, e->val, vl);
        o += vl;
        first = 0;
    }
    buf[o] = 0;
    if (len) *len = o;
    return MC_OK;
}

int mc_meta_to_text(const mc_meta *m, char **out, size_t *len) {
    char *buf = malloc(MC_META_TEXT_MAX);
    if (!buf) return MC_ERR_NOMEM;
    size_t n;
    int rc = mc_meta_serialize(m, NULL, buf, MC_META_TEXT_MAX, &n);
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    if (len) *len = n;
    return MC_OK;
}

int mc_meta_parse(mc_meta *m, const char *text, size_t len, mc_err *err) {
    mc_meta_clear(m);
    /* tolerate trailing NULs / whitespace padding (DICOM pads to even length) */
    while (len > 0 && (text[len - 1] == 0 || text[len - 1] == ' ' || text[len - 1] == '\n' ||
                       text[len - 1] == '\r'))
        len--;
    if (len == 0) return mc_err_set(err, MC_ERR_AUTH, "medcrypt metadata damaged or tampered (empty)");
    size_t i = 0;
    while (i < len) {
        size_t ks = i;
        while (i < len && text[i] != '=' && text[i] != ';') i++;
        if (i >= len || text[i] != '=')
            return mc_err_set(err, MC_ERR_AUTH, "medcrypt metadata damaged or tampered (entry %zu)", m->n);
        size_t kl = i - ks;
        i++;
        size_t vs = i;
        while (i < len && text[i] != ';') i++;
        size_t vl = i - vs;
        if (i < len) i++; /* skip ';' */
        if (!key_ok(text + ks, kl) || !val_ok(text + vs, vl))
            return mc_err_set(err, MC_ERR_AUTH, "medcrypt metadata damaged or tampered (entry %zu)", m->n);
        if (m->n >= MC_META_MAX_ENTRIES)
            return mc_err_set(err, MC_ERR_AUTH, "medcrypt metadata damaged or tampered (too many entries)");
        mc_meta_entry *e = &m->e[m->n];
        memcpy(e->key, text + ks, kl);
        e->key[kl] = 0;
        for (size_t j = 0; j < m->n; j++)
            if (!strcmp(m->e[j].key, e->key))
                return mc_err_set(err, MC_ERR_AUTH, "medcrypt metadata damaged or tampered (duplicate key '%s')", e->key);
        memcpy(e->val, text + vs, vl);
        e->val[vl] = 0;
        m->n++;
    }
    const char *magic = mc_meta_get(m, MC_MK_MAGIC);
    if (!magic || strcmp(magic, "1"))
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "medcrypt metadata version not supported");
    return MC_OK;
}

int mc_image_text_parse(const char *t, size_t len, int *is_signed, const char *where, mc_err *err) {
    size_t i = 0;
    while (len > 0 && (t[len - 1] == 0 || t[len - 1] == ' ' || (t[len - 1] >= '\t' && t[len - 1] <= '\r'))) len--;
    while (i < len) {
        size_t s = i;
        while (i < len && t[i] != ';') i++;
        size_t n = i - s;
        if (i < len) i++;
        if (n == 8 && !memcmp(t + s, "signed=1", 8)) *is_signed = 1;
        else if (n == 8 && !memcmp(t + s, "signed=0", 8)) *is_signed = 0;
        else if (n != 0) return mc_err_set(err, MC_ERR_UNSUPPORTED, "unknown entry in the %s", where);
    }
    return MC_OK;
}
