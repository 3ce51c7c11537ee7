/*
 * nn_model.c - model files (format in docs/nn.md).
 *
 *   header   "MCNNMDL1", u32 version, u32 flags (1 = encrypted)
 *   [encrypted: u32 n, n bytes of key-derivation metadata text, 24-byte nonce]
 *   body     payload || BLAKE2b-512(header || payload)
 *            (encrypted: XChaCha20-Poly1305(body), associated data = everything
 *            before it)
 *   payload  arch, hyperparameter text, state text, u32 nnets, and per network:
 *            name, u32 in_c, build_h, build_w, u32 nlayers, 48-byte layer
 *            records, u32 ntensors, tensors (name, u32 ndim, u32 dims, f32
 *            data), u32 has_opt [+ optimiser record]
 * All integers little-endian; strings are u32 length + bytes.  The checksum or
 * tag is verified before anything is parsed; then every length is checked
 * against what is left and against the engine's limits, every layer record
 * through mc_nn_spec_check and the shape rules, every tensor against the
 * parameter it fills, and every value must be finite.
 */
#define _DEFAULT_SOURCE 1
#include "nn/nn.h"
#include "core/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HDR_LEN 16u
#define SUM_LEN 64u
#define KDF_TEXT_MAX 4096u
#define NAME_MAX_ 48u
#define TENSORS_MAX 65536u

/* ------------------------------------------------------------- writing */

typedef struct wbuf {
    uint8_t *p;
    size_t n, cap;
    int oom;
} wbuf;

static void put(wbuf *b, const void *src, size_t n) {
    if (b->oom) return;
    if (n > SIZE_MAX - b->n) {
        b->oom = 1;
        return;
    }
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n) {
            if (cap > SIZE_MAX / 2) {
                b->oom = 1;
                return;
            }
            cap *= 2;
        }
        uint8_t *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put_u32(wbuf *b, uint32_t v) {
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}
static void put_u64(wbuf *b, uint64_t v) {
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}
static void put_f32(wbuf *b, float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    put_u32(b, u);
}
static void put_str(wbuf *b, const char *s) {
    size_t n = strlen(s);
    put_u32(b, (uint32_t)n);
    put(b, s, n);
}
static void put_floats(wbuf *b, const float *f, size_t n) {
    for (size_t i = 0; i < n; i++) put_f32(b, f[i]);
}

static void put_tensor(wbuf *b, const char *name, const uint32_t *dims, uint32_t ndim, const float *data) {
    size_t len = 1;
    put_str(b, name);
    put_u32(b, ndim);
    for (uint32_t i = 0; i < ndim; i++) put_u32(b, dims[i]), len *= dims[i];
    put_floats(b, data, len);
}

static int meta_text(const mc_meta *m, char **out) {
    size_t len;
    return mc_meta_to_text(m, out, &len);
}

static int write_payload(const mc_nn_model *m, int with_opt, wbuf *b, mc_err *err) {
    char *hp = NULL, *st = NULL;
    if (meta_text(&m->hp, &hp) || meta_text(&m->state, &st)) {
        free(hp);
        free(st);
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    }
    put_str(b, m->arch);
    put_str(b, hp);
    put_str(b, st);
    free(hp);
    free(st);
    put_u32(b, (uint32_t)m->nnets);
    for (size_t k = 0; k < m->nnets; k++) {
        const mc_nn_net *net = m->net[k];
        put_str(b, net->name);
        put_u32(b, net->in_c);
        put_u32(b, net->build_h);
        put_u32(b, net->build_w);
        put_u32(b, (uint32_t)net->nlayers);
        uint32_t nt = 0;
        for (size_t i = 0; i < net->nlayers; i++) {
            const mc_nn_spec *s = &net->layers[i].s;
            put_u32(b, s->type);
            put_u32(b, (uint32_t)s->in[0]);
            put_u32(b, (uint32_t)s->in[1]);
            put_u32(b, s->out_c);
            put_u32(b, s->k);
            put_u32(b, s->stride);
            put_u32(b, s->pad);
            put_u32(b, s->pad_mode);
            put_u32(b, s->flags);
            put_u32(b, s->factor);
            put_f32(b, s->alpha);
            put_f32(b, s->eps);
            const mc_nn_layer *l = &net->layers[i];
            nt += (uint32_t)l->nparam;
            if (l->sn_u) nt += 2;
            if (with_opt)
                for (size_t p = 0; p < l->nparam; p++) nt += (l->p[p].m != NULL) + (l->p[p].v != NULL);
        }
        put_u32(b, nt);
        for (size_t i = 0; i < net->nlayers; i++) {
            const mc_nn_layer *l = &net->layers[i];
            char name[64];
            for (size_t p = 0; p < l->nparam; p++) {
                snprintf(name, sizeof name, "L%zu.%s", i, l->p[p].name);
                put_tensor(b, name, l->p[p].dims, 4, l->p[p].w);
                if (with_opt && l->p[p].m) {
                    snprintf(name, sizeof name, "L%zu.%s.m", i, l->p[p].name);
                    put_tensor(b, name, l->p[p].dims, 4, l->p[p].m);
                }
                if (with_opt && l->p[p].v) {
                    snprintf(name, sizeof name, "L%zu.%s.v", i, l->p[p].name);
                    put_tensor(b, name, l->p[p].dims, 4, l->p[p].v);
                }
            }
            if (l->sn_u) {
                uint32_t du = l->p[0].dims[0], dv = (uint32_t)(l->p[0].len / du);
                snprintf(name, sizeof name, "L%zu.sn_u", i);
                put_tensor(b, name, &du, 1, l->sn_u);
                snprintf(name, sizeof name, "L%zu.sn_v", i);
                put_tensor(b, name, &dv, 1, l->sn_v);
            }
        }
        put_u32(b, with_opt ? 1u : 0u);
        if (with_opt) {
            const mc_nn_opt *o = &m->opt[k];
            put_u32(b, (uint32_t)o->type);
            put_f32(b, o->lr);
            put_f32(b, o->beta1);
            put_f32(b, o->beta2);
            put_f32(b, o->eps);
            put_f32(b, o->weight_decay);
            put_f32(b, o->momentum);
            put_u32(b, (uint32_t)o->sched);
            put_u64(b, o->decay_start);
            put_u64(b, o->decay_end);
            put_u64(b, o->t);
        }
    }
    return b->oom ? mc_err_set(err, MC_ERR_NOMEM, "out of memory") : MC_OK;
}

static int write_file(const char *path, const uint8_t *p, size_t n, mc_err *err) {
    size_t len = strlen(path) + 16;
    char *tmp = malloc(len);
    if (!tmp) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    snprintf(tmp, len, "%s.tmp%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return mc_err_set(err, MC_ERR_IO, "%s: %s", path, strerror(e));
    }
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, p + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        off += (size_t)w;
    }
    int bad = off != n || fsync(fd) != 0;
    if (close(fd)) bad = 1;
    if (bad || rename(tmp, path)) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return mc_err_set(err, MC_ERR_IO, "%s: cannot write: %s", path, strerror(e));
    }
    free(tmp);
    return MC_OK;
}

int mc_nn_model_save(const mc_nn_model *m, const char *path, const mc_key *key, int with_opt, mc_err *err) {
    if (m->nnets < 1 || m->nnets > MC_NN_MAX_NETS) return mc_err_set(err, MC_ERR_ARG, "model has no network");
    wbuf b = {0};
    put(&b, MC_NN_MODEL_MAGIC, 8);
    put_u32(&b, MC_NN_MODEL_VERSION);
    put_u32(&b, key ? 1u : 0u);
    uint8_t *master = NULL, sub[MC_KEY_BYTES];
    mc_meta *kdf = NULL;
    int rc = MC_OK;
    size_t ad_len = 0;
    if (key) {
        kdf = calloc(1, sizeof *kdf);
        master = sodium_malloc(MC_KEY_BYTES);
        if (!kdf || !master) {
            rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
            goto out;
        }
        if ((rc = mc_key_master(key, kdf, 1, master, err))) goto out;
        mc_subkey(master, "nn-model", sub);
        char *t = NULL;
        if (meta_text(kdf, &t)) {
            rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
            goto out;
        }
        put_str(&b, t);
        free(t);
        uint8_t nonce[24];
        randombytes_buf(nonce, sizeof nonce);
        put(&b, nonce, sizeof nonce);
        ad_len = b.n;
    }
    const size_t body0 = b.n;
    if ((rc = write_payload(m, with_opt, &b, err))) goto out;
    uint8_t sum[SUM_LEN];
    if (b.oom) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    crypto_generichash(sum, SUM_LEN, b.p, b.n, NULL, 0);
    put(&b, sum, SUM_LEN);
    if (b.oom) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (key) {
        const size_t blen = b.n - body0;
        uint8_t *ct = malloc(blen + crypto_aead_xchacha20poly1305_ietf_ABYTES);
        if (!ct) {
            rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
            goto out;
        }
        unsigned long long clen = 0;
        crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &clen, b.p + body0, blen, b.p, ad_len, NULL,
                                                   b.p + ad_len - 24, sub);
        b.n = body0;
        put(&b, ct, (size_t)clen);
        free(ct);
        if (b.oom) {
            rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    if (b.n > MC_NN_MODEL_MAX_BYTES) {
        rc = mc_err_set(err, MC_ERR_LIMITS, "model too large (%zu bytes)", b.n);
        goto out;
    }
    rc = write_file(path, b.p, b.n, err);
out:
    sodium_memzero(sub, sizeof sub);
    if (master) sodium_free(master);
    free(kdf);
    free(b.p);
    return rc;
}

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
    if ((size_t)nl * 48 > r->n - r->off) return TRUNC("layer table");
    mc_nn_net *net = NULL;
    int rc = mc_nn_net_new(&net, name, in_c, bh, bw, err);
    if (rc) return as_format(err, rc);
    net->param_limited = 1; /* every parameter's floats must still be in the file */
    net->param_budget = (r->n - r->off) / 4;
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
    net->param_limited = 0;
    uint32_t nt = get_u32(r);
    if (r->bad) return TRUNC("tensor count");
    if (nt > TENSORS_MAX) return mc_err_set(err, MC_ERR_FORMAT, "model file: %u tensors", nt);
    /* every parameter and spectral-norm vector must be filled exactly once */
    size_t need = 0, seen = 0;
    for (size_t i = 0; i < net->nlayers; i++) need += net->layers[i].nparam + (net->layers[i].sn_u ? 2 : 0);
    uint8_t *filled = calloc(net->nlayers * (MC_NN_MAX_PARAMS + 2) * 4, 1);
    if (!filled) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    for (uint32_t t = 0; t < nt && !rc; t++) {
        char tn[NAME_MAX_];
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
    if (len < HDR_LEN || memcmp(buf, MC_NN_MODEL_MAGIC, 8)) return MC_ERR_FORMAT;
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
    if (len < HDR_LEN) return TRUNC("header");
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
        char *t = malloc(KDF_TEXT_MAX + 1);
        mc_meta *kdf = calloc(1, sizeof *kdf);
        uint8_t *master = sodium_malloc(MC_KEY_BYTES), sub[MC_KEY_BYTES];
        if (!t || !kdf || !master) {
            free(t), free(kdf);
            if (master) sodium_free(master);
            return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        }
        get_str(&r, t, KDF_TEXT_MAX + 1);
        const uint8_t *nonce = take(&r, 24);
        if (r.bad) rc = TRUNC("encryption header");
        else if (text_meta(kdf, t)) rc = mc_err_set(err, MC_ERR_FORMAT, "model file: bad key metadata");
        else if (!!mc_meta_get(kdf, MC_MK_KDF) != !!mc_key_is_passphrase(key))
            rc = mc_err_set(err, MC_ERR_ARG, "model file is encrypted with a %s: give that instead",
                            mc_meta_get(kdf, MC_MK_KDF) ? "passphrase" : "key file");
        else rc = mc_key_master(key, kdf, 0, master, err);
        hdr_len = r.off;
        if (!rc && len - hdr_len < crypto_aead_xchacha20poly1305_ietf_ABYTES + SUM_LEN) rc = TRUNC("ciphertext");
        if (!rc) {
            mc_subkey(master, "nn-model", sub);
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
        hdr_len = HDR_LEN;
        body = buf + hdr_len;
        body_len = len - hdr_len;
        if (key) { /* a key for a plain model is harmless; say nothing */
        }
    }
    if (body_len < SUM_LEN) {
        free(plain);
        return TRUNC("checksum");
    }
    /* checksum over header || payload */
    uint8_t sum[SUM_LEN];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, SUM_LEN);
    crypto_generichash_update(&st, buf, hdr_len);
    crypto_generichash_update(&st, body, body_len - SUM_LEN);
    crypto_generichash_final(&st, sum, SUM_LEN);
    if (sodium_memcmp(sum, body + body_len - SUM_LEN, SUM_LEN)) {
        free(plain);
        return mc_err_set(err, MC_ERR_FORMAT, "model file: checksum mismatch (corrupt or truncated)");
    }
    rc = parse_payload(m, body, body_len - SUM_LEN, err);
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
