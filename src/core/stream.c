/* stream.c - keyed pseudo-random streams for the schemes' keyed choices.
 *
 * A stream is XChaCha20's keystream under a per-purpose key
 *   k_s = BLAKE2b-256(key = scheme sub-key, "medcrypt/v1/stream/" || label || LE64(a) || LE64(b))
 * with the image nonce (hardened) or 24 zero bytes (paper) as the XChaCha20
 * nonce.  So (key, nonce, label, a, b) -> an independent stream; a and b are
 * free indices (channel, block, round...).  Integers in [0, n) are drawn by
 * rejection, without modulo bias. */
#include "core/internal.h"

#include <sodium.h>

void mc_stream_init(mc_stream *s, const uint8_t key[MC_KEY_BYTES], const uint8_t *nonce, const char *label,
                    uint64_t a, uint64_t b) {
    static const char pre[] = "medcrypt/v1/stream/";
    uint8_t idx[16];
    for (int i = 0; i < 8; i++) {
        idx[i] = (uint8_t)(a >> (8 * i));
        idx[8 + i] = (uint8_t)(b >> (8 * i));
    }
    crypto_generichash_state st;
    crypto_generichash_init(&st, key, MC_KEY_BYTES, sizeof s->key);
    crypto_generichash_update(&st, (const uint8_t *)pre, sizeof pre - 1);
    crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
    crypto_generichash_update(&st, idx, sizeof idx);
    crypto_generichash_final(&st, s->key, sizeof s->key);
    sodium_memzero(&st, sizeof st);
    if (nonce) memcpy(s->nonce, nonce, sizeof s->nonce);
    else memset(s->nonce, 0, sizeof s->nonce);
    s->block = 0;
    s->pos = s->len = 0;
}

static void refill(mc_stream *s) {
    memset(s->buf, 0, sizeof s->buf);
    crypto_stream_xchacha20_xor_ic(s->buf, s->buf, sizeof s->buf, s->nonce, s->block, s->key);
    s->block += sizeof s->buf / 64;
    s->pos = 0;
    s->len = sizeof s->buf;
}

void mc_stream_bytes(mc_stream *s, uint8_t *out, size_t n) {
    if (s->pos == s->len && n >= sizeof s->buf) {
        /* bulk: straight into the output, block-aligned */
        size_t whole = n / 64 * 64;
        memset(out, 0, whole);
        crypto_stream_xchacha20_xor_ic(out, out, whole, s->nonce, s->block, s->key);
        s->block += whole / 64;
        out += whole;
        n -= whole;
    }
    while (n > 0) {
        if (s->pos == s->len) refill(s);
        size_t c = s->len - s->pos < n ? s->len - s->pos : n;
        memcpy(out, s->buf + s->pos, c);
        s->pos += c;
        out += c;
        n -= c;
    }
}

void mc_stream_xor_to(mc_stream *s, uint8_t *out, const uint8_t *in, size_t n) {
    while (n > 0 && s->pos < s->len) {
        *out++ = *in++ ^ s->buf[s->pos++];
        n--;
    }
    size_t whole = n / 64 * 64;
    if (whole) {
        crypto_stream_xchacha20_xor_ic(out, in, whole, s->nonce, s->block, s->key);
        s->block += whole / 64;
        out += whole;
        in += whole;
        n -= whole;
    }
    while (n > 0) {
        if (s->pos == s->len) refill(s);
        *out++ = *in++ ^ s->buf[s->pos++];
        n--;
    }
}

void mc_stream_xor(mc_stream *s, uint8_t *buf, size_t n) {
    mc_stream_xor_to(s, buf, buf, n);
}

uint32_t mc_stream_u32(mc_stream *s) {
    uint8_t b[4];
    mc_stream_bytes(s, b, 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

uint64_t mc_stream_u64(mc_stream *s) {
    uint64_t lo = mc_stream_u32(s);
    return lo | (uint64_t)mc_stream_u32(s) << 32;
}

uint32_t mc_stream_uniform(mc_stream *s, uint32_t n) {
    if (n <= 1) return 0;
    uint32_t lim = (uint32_t)(0x100000000ULL - (0x100000000ULL % n)); /* largest multiple of n, as 2^32 - r */
    for (;;) {
        uint32_t x = mc_stream_u32(s);
        if (lim == 0 || x < lim) return x % n;
    }
}

double mc_stream_unit(mc_stream *s) {
    return (double)(mc_stream_u64(s) >> 11) * (1.0 / 9007199254740992.0);
}

void mc_stream_wipe(mc_stream *s) {
    sodium_memzero(s, sizeof *s);
}
