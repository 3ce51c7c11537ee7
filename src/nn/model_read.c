/*
 * model_read.c - reading model files (format: model_format.h, docs/nn.md).
 * The checksum or tag is verified before anything is parsed; then every
 * length is checked against what is left and against the engine's limits,
 * every layer record through mc_nn_spec_check and the shape rules, every
 * tensor against the parameter it fills, and every value must be finite.
 */
#define _DEFAULT_SOURCE 1
#include "nn/nn.h"
#include "core/internal.h"
#include "nn/model_format.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------- reading */

typedef struct rbuf {
    const uint8_t *p;
    size_t n, off;
    int bad;
} rbuf;

static const uint8_t *take(rbuf *r, size_t n) {
    if (r->bad || n > r->n - r->off) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *q = r->p + r->off;
    r->off += n;
    return q;
}
static uint32_t get_u32(rbuf *r) {
    const uint8_t *q = take(r, 4);
    return q ? (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24 : 0;
}
static uint64_t get_u64(rbuf *r) {
    uint64_t lo = get_u32(r);
    return lo | (uint64_t)get_u32(r) << 32;
}
static float get_f32(rbuf *r) {
    uint32_t u = get_u32(r);
    float f;
    memcpy(&f, &u, 4);
    return f;
}
/* string into buf (cap bytes incl. NUL); too long: bad */
static void get_str(rbuf *r, char *buf, size_t cap) {
    uint32_t n = get_u32(r);
    if (r->bad || n >= cap) {
        r->bad = 1;
        buf[0] = 0;
        return;
    }
    const uint8_t *q = take(r, n);
    if (!q) {
        buf[0] = 0;
        return;
    }
    memcpy(buf, q, n);
    buf[n] = 0;
    if (strlen(buf) != n) r->bad = 1; /* embedded NUL */
}

/* key=value text (may be empty) */
static int text_meta(mc_meta *m, const char *t) {
    mc_meta_clear(m);
    if (!t[0]) return MC_OK;
    /* the metadata parser wants its magic entry: lend it one */
    size_t n = strlen(t);
    char *buf = malloc(n + 12);
    if (!buf) return MC_ERR_NOMEM;
    memcpy(buf, "medcrypt=1;", 11);
    memcpy(buf + 11, t, n + 1);
    int rc = mc_meta_parse(m, buf, n + 11, NULL);
    free(buf);
    if (!rc) mc_meta_remove(m, MC_MK_MAGIC);
    return rc;
}

/* turn a builder's message into a format error about the file */
static int as_format(mc_err *err, int rc) {
    if (!err) return rc == MC_ERR_NOMEM ? rc : MC_ERR_FORMAT;
    if (rc == MC_ERR_NOMEM) return rc;
    char msg[sizeof err->msg];
    memcpy(msg, err->msg, sizeof msg);
    msg[sizeof msg - 1] = 0;
    return mc_err_set(err, MC_ERR_FORMAT, "model file: %s", msg);
}

static int finite_f(float f) { return f == f && f - f == 0.0f; }

#define TRUNC(what) mc_err_set(err, MC_ERR_FORMAT, "model file: truncated or corrupt (%s)", what)

/* find the float array a tensor name refers to (and its expected dims) */
static float *tensor_target(mc_nn_net *net, const char *name, uint32_t *dims, uint32_t *ndim, int *is_param,
                            size_t *pidx, size_t *lidx) {
    char *end;
    if (name[0] != 'L') return NULL;
    unsigned long li = strtoul(name + 1, &end, 10);
    if (end == name + 1 || *end != '.' || li >= net->nlayers) return NULL;
    mc_nn_layer *l = &net->layers[li];
    const char *rest = end + 1;
    *lidx = li;
    if (l->sn_u && !strcmp(rest, "sn_u")) {
        *ndim = 1;
        dims[0] = l->p[0].dims[0];
        *is_param = 0;
        *pidx = MC_NN_MAX_PARAMS;
        return l->sn_u;
    }
    if (l->sn_u && !strcmp(rest, "sn_v")) {
        *ndim = 1;
        dims[0] = (uint32_t)(l->p[0].len / l->p[0].dims[0]);
        *is_param = 0;
        *pidx = MC_NN_MAX_PARAMS + 1;
        return l->sn_v;
    }
    for (size_t p = 0; p < l->nparam; p++) {
        size_t pl = strlen(l->p[p].name);
        if (strncmp(rest, l->p[p].name, pl)) continue;
        int kind = rest[pl] == 0 ? 1 : !strcmp(rest + pl, ".m") ? 2 : !strcmp(rest + pl, ".v") ? 3 : 0;
        if (!kind) continue;
        *ndim = 4;
        memcpy(dims, l->p[p].dims, sizeof l->p[p].dims);
        *pidx = p;
        *is_param = kind;
        if (kind == 1) return l->p[p].w;
        float **slot = kind == 2 ? &l->p[p].m : &l->p[p].v;
        if (!*slot) *slot = calloc(l->p[p].len, sizeof(float));
        return *slot; /* NULL with *ndim set: out of memory */
    }
    return NULL;
}

static int read_net(rbuf *r, mc_nn_model *m, size_t k, mc_err *err) {
    char name[MC_NN_NAME_MAX];
    get_str(r, name, sizeof name);
    uint32_t in_c = get_u32(r), bh = get_u32(r), bw = get_u32(r), nl = get_u32(r);
    if (r->bad) return TRUNC("network header");
    if (nl < 1 || nl > MC_NN_MAX_LAYERS)
        return mc_err_set(err, MC_ERR_FORMAT, "model file: network %s has %u layers", name, nl);
    if ((size_t)nl * MC_NN_MF_LAYER_RECORD > r->n - r->off) return TRUNC("layer table");
    mc_nn_net *net = NULL;
    int rc = mc_nn_net_new(&net, name, in_c, bh, bw, err);
    if (rc) return as_format(err, rc);
    m->net[k] = net;
    m->nnets = k + 1;
    for (uint32_t i = 0; i < nl; i++) {
        mc_nn_spec s;
        s.type = get_u32(r);
        s.in[0] = (int32_t)get_u32(r);
        s.in[1] = (int32_t)get_u32(r);
        s.out_c = get_u32(r);
        s.k = get_u32(r);
        s.stride = get_u32(r);
        s.pad = get_u32(r);
        s.pad_mode = get_u32(r);
        s.flags = get_u32(r);
        s.factor = get_u32(r);
        s.alpha = get_f32(r);
        s.eps = get_f32(r);
        if (r->bad) return TRUNC("layer record");
        uint64_t seed = 1;
        rc = mc_nn_add(net, &s, &seed, NULL, err);
        if (rc) return as_format(err, rc);
    }
    uint32_t nt = get_u32(r);
    if (r->bad) return TRUNC("tensor count");
    if (nt > MC_NN_MF_TENSORS_MAX) return mc_err_set(err, MC_ERR_FORMAT, "model file: %u tensors", nt);
    /* every parameter and spectral-norm vector must be filled exactly once */
    size_t need = 0, seen = 0;
    for (size_t i = 0; i < net->nlayers; i++) need += net->layers[i].nparam + (net->layers[i].sn_u ? 2 : 0);
    uint8_t *filled = calloc(net->nlayers * (MC_NN_MAX_PARAMS + 2) * 4, 1);
    if (!filled) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    for (uint32_t t = 0; t < nt && !rc; t++) {
        char tn[MC_NN_MF_NAME_MAX];
        get_str(r, tn, sizeof tn);
        uint32_t ndim = get_u32(r), d[4] = {0}, want[4] = {0}, wn = 0;
        if (r->bad) {
            rc = TRUNC("tensor header");
            break;
        }
        if (ndim < 1 || ndim > 4) {
            rc = mc_err_set(err, MC_ERR_FORMAT, "model file: tensor %s has %u dimensions", tn, ndim);
            break;
        }
        for (uint32_t i = 0; i < ndim; i++) d[i] = get_u32(r);
        if (r->bad) {
            rc = TRUNC("tensor dims");
            break;
        }
        int is_param = 0;
        size_t pidx = 0, lidx = 0;
        float *dst = tensor_target(net, tn, want, &wn, &is_param, &pidx, &lidx);
        if (!dst && wn) {
            rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
            break;
        }
        if (!dst) {
            rc = mc_err_set(err, MC_ERR_FORMAT, "model file: tensor %s matches no parameter of network %s", tn, name);
            break;
        }
        if (wn != ndim || memcmp(want, d, ndim * sizeof *d)) {
            rc = mc_err_set(err, MC_ERR_FORMAT, "model file: tensor %s has the wrong shape", tn);
            break;
        }
        size_t len = 1;
        for (uint32_t i = 0; i < ndim; i++) len *= d[i]; /* bounded: shapes come from checked layers */
        if (len > (r->n - r->off) / 4) {
            rc = TRUNC("tensor data");
            break;
        }
        uint8_t *f = &filled[(lidx * (MC_NN_MAX_PARAMS + 2) + pidx) * 4 + (size_t)(is_param >= 2 ? is_param : 0)];
        if (*f) {
            rc = mc_err_set(err, MC_ERR_FORMAT, "model file: tensor %s appears twice", tn);
            break;
        }
        *f = 1;
        for (size_t i = 0; i < len; i++) {
            float v = get_f32(r);
            if (!finite_f(v)) {
                rc = mc_err_set(err, MC_ERR_FORMAT, "model file: tensor %s holds a non-finite value", tn);
                break;
            }
            dst[i] = v;
        }
        if (is_param <= 1) seen++;
    }
    free(filled);
    if (rc) return rc;
    if (seen != need)
        return mc_err_set(err, MC_ERR_FORMAT, "model file: network %s lacks %zu of its %zu tensors", name, need - seen, need);
    uint32_t has_opt = get_u32(r);
    if (r->bad || has_opt > 1) return TRUNC("optimiser flag");
    if (has_opt) {
        mc_nn_opt *o = &m->opt[k];
        uint32_t type = get_u32(r);
        o->lr = get_f32(r);
        o->beta1 = get_f32(r);
        o->beta2 = get_f32(r);
        o->eps = get_f32(r);
        o->weight_decay = get_f32(r);
        o->momentum = get_f32(r);
        uint32_t sched = get_u32(r);
        o->decay_start = get_u64(r);
        o->decay_end = get_u64(r);
        o->t = get_u64(r);
        if (r->bad) return TRUNC("optimiser");
        if (type > MC_NN_ADAM || sched > MC_NN_SCHED_LINEAR || !finite_f(o->lr) || !finite_f(o->beta1) ||
            !finite_f(o->beta2) || !finite_f(o->eps) || !finite_f(o->weight_decay) || !finite_f(o->momentum))
            return mc_err_set(err, MC_ERR_FORMAT, "model file: bad optimiser record");
        o->type = (mc_nn_opt_type)type;
        o->sched = (mc_nn_sched)sched;
        m->has_opt = 1;
    }
    return MC_OK;
}

int mc_nn_model_is_encrypted(const uint8_t *buf, size_t len) {
    if (len < MC_NN_MF_HDR_LEN || memcmp(buf, MC_NN_MODEL_MAGIC, 8)) return MC_ERR_FORMAT;
    return (buf[12] & 1) ? 1 : 0;
}

static int parse_payload(mc_nn_model *m, const uint8_t *p, size_t n, mc_err *err) {
    rbuf r = {p, n, 0, 0};
    char *text = malloc(MC_META_TEXT_MAX + 1);
    if (!text) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    int rc = MC_OK;
    get_str(&r, m->arch, sizeof m->arch);
    get_str(&r, text, MC_META_TEXT_MAX + 1);
    if (!r.bad && text_meta(&m->hp, text)) rc = mc_err_set(err, MC_ERR_FORMAT, "model file: bad hyperparameters");
    get_str(&r, text, MC_META_TEXT_MAX + 1);
    if (!rc && !r.bad && text_meta(&m->state, text)) rc = mc_err_set(err, MC_ERR_FORMAT, "model file: bad state");
    free(text);
    if (rc) return rc;
    uint32_t nn = get_u32(&r);
    if (r.bad) return TRUNC("header");
    if (nn < 1 || nn > MC_NN_MAX_NETS) return mc_err_set(err, MC_ERR_FORMAT, "model file: %u networks", nn);
    for (uint32_t k = 0; k < nn; k++) {
        rc = read_net(&r, m, k, err);
        if (rc) return rc;
        for (uint32_t j = 0; j < k; j++)
            if (!strcmp(m->net[j]->name, m->net[k]->name))
                return mc_err_set(err, MC_ERR_FORMAT, "model file: two networks named %s", m->net[k]->name);
    }
    if (r.off != r.n) return mc_err_set(err, MC_ERR_FORMAT, "model file: %zu bytes of trailing garbage", r.n - r.off);
    return MC_OK;
}

int mc_nn_model_load_mem(mc_nn_model *m, const uint8_t *buf, size_t len, const mc_key *key, mc_err *err) {
    mc_nn_model_init(m);
    if (len < 8 || memcmp(buf, MC_NN_MODEL_MAGIC, 8))
        return mc_err_set(err, MC_ERR_FORMAT, "not a medcrypt model file (bad magic)");
    if (len < MC_NN_MF_HDR_LEN) return TRUNC("header");
    if (len > MC_NN_MODEL_MAX_BYTES) return mc_err_set(err, MC_ERR_LIMITS, "model file larger than 2 GiB");
    rbuf r = {buf, len, 8, 0};
    uint32_t version = get_u32(&r), flags = get_u32(&r);
    if (version != MC_NN_MODEL_VERSION)
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "model file version %u (this medcrypt reads %u)", version,
                          MC_NN_MODEL_VERSION);
    if (flags > 1) return mc_err_set(err, MC_ERR_FORMAT, "model file: unknown flags 0x%x", flags);
    uint8_t *plain = NULL;
    const uint8_t *body;
    size_t body_len, hdr_len;
    int rc = MC_OK;
    if (flags & 1) {
        if (!key) return mc_err_set(err, MC_ERR_ARG, "model file is encrypted: a key or passphrase is needed");
        char *t = malloc(MC_NN_MF_KDF_TEXT_MAX + 1);
        mc_meta *kdf = calloc(1, sizeof *kdf);
        uint8_t *master = sodium_malloc(MC_KEY_BYTES), sub[MC_KEY_BYTES];
        if (!t || !kdf || !master) {
            free(t), free(kdf);
            if (master) sodium_free(master);
            return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        }
        get_str(&r, t, MC_NN_MF_KDF_TEXT_MAX + 1);
        const uint8_t *nonce = take(&r, 24);
        if (r.bad) rc = TRUNC("encryption header");
        else if (text_meta(kdf, t)) rc = mc_err_set(err, MC_ERR_FORMAT, "model file: bad key metadata");
        else if (!!mc_meta_get(kdf, MC_MK_KDF) != !!mc_key_is_passphrase(key))
            rc = mc_err_set(err, MC_ERR_ARG, "model file is encrypted with a %s: give that instead",
                            mc_meta_get(kdf, MC_MK_KDF) ? "passphrase" : "key file");
        else rc = mc_key_master(key, kdf, 0, master, err);
        hdr_len = r.off;
        if (!rc && len - hdr_len < crypto_aead_xchacha20poly1305_ietf_ABYTES + MC_NN_MF_SUM_LEN) rc = TRUNC("ciphertext");
        if (!rc) {
            mc_subkey(master, MC_NN_MF_SUBKEY, sub);
            plain = malloc(len - hdr_len);
            unsigned long long pl = 0;
            if (!plain) rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
            else if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &pl, NULL, buf + hdr_len, len - hdr_len, buf,
                                                                hdr_len, nonce, sub))
                rc = mc_err_set(err, MC_ERR_AUTH, "model file: wrong key or tampered data");
            body_len = (size_t)pl;
            sodium_memzero(sub, sizeof sub);
        }
        free(t);
        free(kdf);
        sodium_free(master);
        if (rc) {
            free(plain);
            return rc;
        }
        body = plain;
    } else {
        hdr_len = MC_NN_MF_HDR_LEN;
        body = buf + hdr_len;
        body_len = len - hdr_len;
        if (key) { /* a key for a plain model is harmless; say nothing */
        }
    }
    if (body_len < MC_NN_MF_SUM_LEN) {
        free(plain);
        return TRUNC("checksum");
    }
    /* checksum over header || payload */
    uint8_t sum[MC_NN_MF_SUM_LEN];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, MC_NN_MF_SUM_LEN);
    crypto_generichash_update(&st, buf, hdr_len);
    crypto_generichash_update(&st, body, body_len - MC_NN_MF_SUM_LEN);
    crypto_generichash_final(&st, sum, MC_NN_MF_SUM_LEN);
    if (sodium_memcmp(sum, body + body_len - MC_NN_MF_SUM_LEN, MC_NN_MF_SUM_LEN)) {
        free(plain);
        return mc_err_set(err, MC_ERR_FORMAT, "model file: checksum mismatch (corrupt or truncated)");
    }
    rc = parse_payload(m, body, body_len - MC_NN_MF_SUM_LEN, err);
    if (plain) {
        sodium_memzero(plain, body_len);
        free(plain);
    }
    if (rc) mc_nn_model_free(m);
    return rc;
}

int mc_nn_model_read_file(const char *path, uint8_t **out, size_t *len, mc_err *err) {
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return mc_err_set(err, MC_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        fclose(f);
        return mc_err_set(err, MC_ERR_IO, "%s: not a regular file", path);
    }
    if ((unsigned long long)st.st_size > MC_NN_MODEL_MAX_BYTES) {
        fclose(f);
        return mc_err_set(err, MC_ERR_LIMITS, "%s: larger than 2 GiB", path);
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(f);
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    }
    size_t got = fread(buf, 1, n, f);
    fclose(f);
    if (got != n) {
        free(buf);
        return mc_err_set(err, MC_ERR_IO, "%s: read error", path);
    }
    *out = buf;
    *len = n;
    return MC_OK;
}

int mc_nn_model_load(mc_nn_model *m, const char *path, const mc_key *key, mc_err *err) {
    mc_nn_model_init(m);
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc = mc_nn_model_read_file(path, &buf, &n, err);
    if (rc) return rc;
    rc = mc_nn_model_load_mem(m, buf, n, key, err);
    free(buf);
    return rc;
}
