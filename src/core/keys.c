/* keys.c - master keys, passphrases (Argon2id), key files, sub-keys.
 *
 * Every secret lives in sodium_malloc'ed memory (guard pages, mlock'ed,
 * excluded from core dumps where the OS allows) and is wiped by sodium_free.
 * Stack copies of secrets are wiped with sodium_memzero on every exit path. */
#define _POSIX_C_SOURCE 200809L
#include "core/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define MC_PASS_MAX 1024

struct mc_key {
    int is_pass;
    uint8_t key[MC_KEY_BYTES];
    size_t passlen;
    char pass[MC_PASS_MAX];
    uint64_t ops, mem;
};

int mc_init(void) {
    return sodium_init() < 0 ? MC_ERR_CRYPTO : MC_OK;
}

static int key_alloc(mc_key **out, mc_err *err) {
    if (sodium_init() < 0) return mc_err_set(err, MC_ERR_CRYPTO, "libsodium initialisation failed");
    mc_key *k = sodium_malloc(sizeof *k);
    if (!k) return mc_err_set(err, MC_ERR_NOMEM, "cannot allocate guarded memory for a key");
    sodium_memzero(k, sizeof *k);
    k->ops = MC_PWHASH_OPS_DEFAULT;
    k->mem = MC_PWHASH_MEM_DEFAULT;
    *out = k;
    return MC_OK;
}

void mc_key_free(mc_key *k) {
    if (k) sodium_free(k); /* sodium_free wipes before unmapping */
}

int mc_key_generate(mc_key **out, mc_err *err) {
    int rc = key_alloc(out, err);
    if (rc) return rc;
    randombytes_buf((*out)->key, MC_KEY_BYTES);
    return MC_OK;
}

int mc_key_from_bytes(mc_key **out, const uint8_t key[MC_KEY_BYTES], mc_err *err) {
    int rc = key_alloc(out, err);
    if (rc) return rc;
    memcpy((*out)->key, key, MC_KEY_BYTES);
    return MC_OK;
}

int mc_key_from_passphrase(mc_key **out, const char *pass, size_t len, mc_err *err) {
    if (len == 0) return mc_err_set(err, MC_ERR_ARG, "empty passphrase");
    if (len >= MC_PASS_MAX)
        return mc_err_set(err, MC_ERR_ARG, "passphrase longer than %d bytes", MC_PASS_MAX - 1);
    int rc = key_alloc(out, err);
    if (rc) return rc;
    (*out)->is_pass = 1;
    memcpy((*out)->pass, pass, len);
    (*out)->passlen = len;
    return MC_OK;
}

int mc_key_is_passphrase(const mc_key *k) {
    return k->is_pass;
}

void mc_key_set_pwhash_cost(mc_key *k, uint64_t ops, uint64_t mem) {
    k->ops = ops;
    k->mem = mem;
}

/* Argon2id.  The cost is checked against [libsodium's minimum, 4x the
 * defaults] first: from a file (create 0) that is bad input, MC_ERR_FORMAT,
 * so a forged file cannot make one attempt cost more than 4x an honest one;
 * from mc_key_set_pwhash_cost (create 1) it is the caller's MC_ERR_ARG. */
static int pwhash(uint8_t out[MC_KEY_BYTES], const char *pass, size_t passlen,
                  const uint8_t salt[MC_SALT_BYTES], uint64_t ops, uint64_t mem, int create, mc_err *err) {
    if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > MC_PWHASH_OPS_MAX || mem < crypto_pwhash_MEMLIMIT_MIN ||
        mem > MC_PWHASH_MEM_MAX)
        return mc_err_set(err, create ? MC_ERR_ARG : MC_ERR_FORMAT,
                          "Argon2id cost out of range (ops %" PRIu64 ", mem %" PRIu64 "; at most ops %llu, mem %llu)",
                          ops, mem, (unsigned long long)MC_PWHASH_OPS_MAX, (unsigned long long)MC_PWHASH_MEM_MAX);
    if (crypto_pwhash(out, MC_KEY_BYTES, pass, passlen, salt, ops, (size_t)mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0)
        return mc_err_set(err, MC_ERR_NOMEM, "Argon2id failed (not enough memory for %" PRIu64 " bytes?)", mem);
    return MC_OK;
}

int mc_key_master(const mc_key *k, mc_meta *meta, int create, uint8_t out[MC_KEY_BYTES], mc_err *err) {
    if (!k->is_pass) {
        memcpy(out, k->key, MC_KEY_BYTES);
        return MC_OK;
    }
    uint8_t salt[MC_SALT_BYTES];
    uint64_t ops, mem;
    int rc;
    if (create) {
        randombytes_buf(salt, sizeof salt);
        ops = k->ops;
        mem = k->mem;
        if ((rc = mc_meta_set(meta, MC_MK_KDF, "argon2id")) || (rc = mc_meta_set_hex(meta, MC_MK_SALT, salt, sizeof salt)) ||
            (rc = mc_meta_set_u64(meta, MC_MK_OPS, ops)) || (rc = mc_meta_set_u64(meta, MC_MK_MEM, mem)))
            return mc_err_set(err, rc, "cannot store key-derivation metadata");
    } else {
        const char *kdf = mc_meta_get(meta, MC_MK_KDF);
        if (!kdf)
            return mc_err_set(err, MC_ERR_ARG,
                              "this file was encrypted with a key file, not a passphrase: use -k KEY");
        if (strcmp(kdf, "argon2id"))
            return mc_err_set(err, MC_ERR_UNSUPPORTED, "unknown key derivation '%s'", kdf);
        if (mc_meta_get_hex(meta, MC_MK_SALT, salt, sizeof salt) || mc_meta_get_u64(meta, MC_MK_OPS, &ops) ||
            mc_meta_get_u64(meta, MC_MK_MEM, &mem))
            return mc_err_set(err, MC_ERR_FORMAT, "malformed key-derivation metadata");
    }
    return pwhash(out, k->pass, k->passlen, salt, ops, mem, create, err);
}

int mc_subkey(const uint8_t master[MC_KEY_BYTES], const char *purpose, uint8_t out[MC_KEY_BYTES]) {
    static const char label[] = "medcrypt/v1/subkey/";
    crypto_generichash_state st;
    if (crypto_generichash_init(&st, master, MC_KEY_BYTES, MC_KEY_BYTES) ||
        crypto_generichash_update(&st, (const uint8_t *)label, sizeof label - 1) ||
        crypto_generichash_update(&st, (const uint8_t *)purpose, strlen(purpose)) ||
        crypto_generichash_final(&st, out, MC_KEY_BYTES)) {
        sodium_memzero(&st, sizeof st);
        return MC_ERR_CRYPTO;
    }
    sodium_memzero(&st, sizeof st);
    return MC_OK;
}

/* ----------------------------------------------------------- key files */

#define KF_MAGIC "medcrypt-key-v1"
#define KF_WRAP_AD "medcrypt-key-v1 argon2id"

int mc_keyfile_write(const mc_key *k, const char *path, const char *pass, size_t passlen, mc_err *err) {
    if (k->is_pass) return mc_err_set(err, MC_ERR_ARG, "a passphrase is not a key file");
    /* line: magic, kind, ..., hex; max ~ 40 + 3*2*64 */
    char *line = sodium_malloc(512);
    if (!line) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    int rc = MC_OK;
    if (!pass) {
        char hex[2 * MC_KEY_BYTES + 1];
        mc_hex_encode(hex, k->key, MC_KEY_BYTES);
        snprintf(line, 512, "%s raw %s\n", KF_MAGIC, hex);
        sodium_memzero(hex, sizeof hex);
    } else {
        uint8_t salt[MC_SALT_BYTES], nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
        uint8_t ct[MC_KEY_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES];
        uint8_t *wk = sodium_malloc(MC_KEY_BYTES);
        if (!wk) {
            sodium_free(line);
            return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        }
        randombytes_buf(salt, sizeof salt);
        randombytes_buf(nonce, sizeof nonce);
        rc = pwhash(wk, pass, passlen, salt, k->ops, k->mem, 1, err);
        if (!rc) {
            unsigned long long ctlen;
            crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &ctlen, k->key, MC_KEY_BYTES,
                                                       (const uint8_t *)KF_WRAP_AD, sizeof KF_WRAP_AD - 1,
                                                       NULL, nonce, wk);
            char hs[2 * sizeof salt + 1], hn[2 * sizeof nonce + 1], hc[2 * sizeof ct + 1];
            mc_hex_encode(hs, salt, sizeof salt);
            mc_hex_encode(hn, nonce, sizeof nonce);
            mc_hex_encode(hc, ct, sizeof ct);
            snprintf(line, 512, "%s argon2id %" PRIu64 " %" PRIu64 " %s %s %s\n", KF_MAGIC, k->ops,
                     k->mem, hs, hn, hc);
        }
        sodium_free(wk);
    }
    if (rc) {
        sodium_free(line);
        return rc;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        sodium_free(line);
        return mc_err_set(err, e == EEXIST ? MC_ERR_ARG : MC_ERR_IO, "%s: %s", path,
                          e == EEXIST ? "exists (key files are never overwritten)" : strerror(e));
    }
    size_t len = strlen(line), off = 0;
    while (off < len) {
        ssize_t w = write(fd, line + off, len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            rc = mc_err_set(err, MC_ERR_IO, "%s: write failed: %s", path, strerror(errno));
            break;
        }
        off += (size_t)w;
    }
    if (!rc && fsync(fd) != 0) rc = mc_err_set(err, MC_ERR_IO, "%s: fsync failed: %s", path, strerror(errno));
    if (close(fd) != 0 && !rc) rc = mc_err_set(err, MC_ERR_IO, "%s: close failed", path);
    if (rc) unlink(path);
    sodium_free(line);
    return rc;
}

/* Split a line into at most n space-separated fields (in place). */
static size_t split(char *s, char **f, size_t n) {
    size_t c = 0;
    char *p = s;
    while (*p && c < n) {
        while (*p == ' ') p++;
        if (!*p) break;
        f[c++] = p;
        while (*p && *p != ' ') p++;
        if (*p) *p++ = 0;
    }
    while (*p == ' ') p++;
    return *p ? n + 1 : c; /* too many fields -> n+1 */
}

static int parse_u64(const char *s, uint64_t *v) {
    uint64_t x = 0;
    if (!*s || strlen(s) > 20) return MC_ERR_FORMAT;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return MC_ERR_FORMAT;
        unsigned d = (unsigned)(*s - '0');
        if (x > (UINT64_MAX - d) / 10) return MC_ERR_FORMAT;
        x = x * 10 + d;
    }
    *v = x;
    return MC_OK;
}

int mc_keyfile_read(const char *path, mc_pass_cb pass_cb, void *ud, mc_key **out, int *insecure_mode,
                    mc_err *err) {
    *out = NULL;
    /* O_NONBLOCK: a FIFO named as a key must not hang the open */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return mc_err_set(err, MC_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return mc_err_set(err, MC_ERR_FORMAT, "%s: not a key file (not a regular file)", path);
    }
    if (insecure_mode) *insecure_mode = (st.st_mode & 077) != 0;
    char *buf = sodium_malloc(600);
    if (!buf) {
        close(fd);
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    }
    ssize_t n = read(fd, buf, 599);
    close(fd);
    int rc = MC_OK;
    if (n < 0) rc = mc_err_set(err, MC_ERR_IO, "%s: read failed", path);
    else if (n == 599) rc = mc_err_set(err, MC_ERR_FORMAT, "%s: not a medcrypt key file (too long)", path);
    if (rc) goto done;
    buf[n] = 0;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = 0;
    char *f[8];
    size_t nf = split(buf, f, 7);
    if (nf < 2 || strcmp(f[0], KF_MAGIC)) {
        rc = mc_err_set(err, MC_ERR_FORMAT, "%s: not a medcrypt key file", path);
        goto done;
    }
    if (!strcmp(f[1], "raw") && nf == 3) {
        uint8_t *kb = sodium_malloc(MC_KEY_BYTES);
        if (!kb) {
            rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
            goto done;
        }
        if (mc_hex_decode(kb, MC_KEY_BYTES, f[2], strlen(f[2])))
            rc = mc_err_set(err, MC_ERR_FORMAT, "%s: malformed key", path);
        else
            rc = mc_key_from_bytes(out, kb, err);
        sodium_free(kb);
    } else if (!strcmp(f[1], "argon2id") && nf == 7) {
        uint64_t ops, mem;
        uint8_t salt[MC_SALT_BYTES], nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
        uint8_t ct[MC_KEY_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES];
        if (parse_u64(f[2], &ops) || parse_u64(f[3], &mem) || mc_hex_decode(salt, sizeof salt, f[4], strlen(f[4])) ||
            mc_hex_decode(nonce, sizeof nonce, f[5], strlen(f[5])) || mc_hex_decode(ct, sizeof ct, f[6], strlen(f[6]))) {
            rc = mc_err_set(err, MC_ERR_FORMAT, "%s: malformed wrapped key", path);
            goto done;
        }
        if (!pass_cb) {
            rc = mc_err_set(err, MC_ERR_ARG, "%s: key file is passphrase-protected", path);
            goto done;
        }
        char *pass = sodium_malloc(MC_PASS_MAX);
        uint8_t *wk = sodium_malloc(MC_KEY_BYTES), *kb = sodium_malloc(MC_KEY_BYTES);
        if (!pass || !wk || !kb) {
            rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        } else {
            int pl = pass_cb(ud, pass, MC_PASS_MAX);
            if (pl < 0) rc = mc_err_set(err, pl, "no passphrase for key file %s", path);
            else if (!(rc = pwhash(wk, pass, (size_t)pl, salt, ops, mem, 0, err))) {
                if (crypto_aead_xchacha20poly1305_ietf_decrypt(kb, NULL, NULL, ct, sizeof ct,
                                                               (const uint8_t *)KF_WRAP_AD, sizeof KF_WRAP_AD - 1,
                                                               nonce, wk) != 0)
                    rc = mc_err_set(err, MC_ERR_AUTH, "%s: wrong passphrase or damaged key file", path);
                else
                    rc = mc_key_from_bytes(out, kb, err);
            }
        }
        if (pass) sodium_free(pass);
        if (wk) sodium_free(wk);
        if (kb) sodium_free(kb);
    } else {
        rc = mc_err_set(err, MC_ERR_FORMAT, "%s: unknown key file kind", path);
    }
done:
    sodium_free(buf);
    return rc;
}
