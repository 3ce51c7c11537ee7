/*
 * model_write.c - writing model files (format: src/nn/model_format.h,
 * docs/nn.md): training and checkpoints only, so in the lab.  Files are
 * written to PATH.tmpPID, fsynced, renamed.
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
        mc_subkey(master, MC_NN_MF_SUBKEY, sub);
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
    uint8_t sum[MC_NN_MF_SUM_LEN];
    if (b.oom) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    crypto_generichash(sum, MC_NN_MF_SUM_LEN, b.p, b.n, NULL, 0);
    put(&b, sum, MC_NN_MF_SUM_LEN);
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

