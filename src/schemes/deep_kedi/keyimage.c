/* keyimage.c - deep-kedi's key image (docs/schemes/deep-kedi.md): the ZZ-GAN
 * generator (the DeepKeyGen architecture, src/nn/arch_zzgan.c) run on a seed
 * image drawn from the key, and in `hardened` whitened by a keyed stream;
 * and mc_key_image, the public way to look at it.
 *
 * Seed: a gh x gw plane (w and h rounded up to multiples of 4, at least 16:
 * the generator halves the size twice and doubles it twice), one byte b of
 * the keyed stream "deep-kedi/seed" (sub-key; and the nonce in hardened) per
 * value in raster order, value b / 127.5 - 1 in [-1, 1].
 * Key image: the generator's tanh output y of the first h rows and w
 * columns, quantised to k = floor((y + 1) 2^(bits-1)) clamped to [0, 2^bits
 * - 1]: 2^bits bins of equal width on [-1, 1), the inverse of how training
 * spreads the transformation-domain bytes over [-1, 1) (float operations,
 * each exact or correctly rounded).  The network
 * runs on the engine's reference kernels: the same bits on every build. */
#include "core/internal.h"
#include "nn/builtin_models.h"
#include "nn/nn.h"
#include "schemes/classical.h"
#include "schemes/deep_kedi/deep_kedi.h"

#include <sodium.h>
#include <stdlib.h>

/* The generator: from opts or built in; id = BLAKE2b-128 of the bytes. */
static int load_gen(const mc_opts *opts, mc_nn_model *m, mc_nn_net **gen, uint8_t id[16], mc_err *err) {
    const uint8_t *bytes = opts ? opts->model : NULL;
    size_t len = opts ? opts->model_len : 0;
    mc_nn_model_init(m);
    if (!bytes) {
        const mc_builtin_model *b = mc_builtin_model_find(MC_DK_ARCH);
        if (!b || !b->len)
            return mc_err_set(err, MC_ERR_UNSUPPORTED,
                              "deep-kedi: this build has no built-in ZZ-GAN model (models/zz-gan.mcnn was missing): "
                              "run `make train-models`, or give a model");
        bytes = b->data, len = b->len;
    }
    crypto_generichash(id, 16, bytes, len, NULL, 0);
    int rc = mc_nn_model_load_mem(m, bytes, len, NULL, err);
    if (rc == MC_ERR_ARG) rc = mc_err_set(err, MC_ERR_UNSUPPORTED, "deep-kedi: an encrypted model file cannot be used");
    if (rc) return rc;
    mc_nn_net *g = mc_nn_model_net(m, MC_DK_NET);
    if (strcmp(m->arch, MC_DK_ARCH) || !g || g->in_c != 1 || !g->nlayers || g->layers[g->nlayers - 1].c != 1) {
        mc_nn_model_free(m);
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "deep-kedi: the model is not a ZZ-GAN model (arch '%s')", m->arch);
    }
    for (size_t i = 0; i < g->nlayers; i++)
        if (g->layers[i].s.type == MC_NN_LINEAR) {
            mc_nn_model_free(m);
            return mc_err_set(err, MC_ERR_UNSUPPORTED, "deep-kedi: the generator is not fully convolutional");
        }
    g->be = &mc_nn_backend_ref; /* bit-identical everywhere */
    if ((rc = mc_nn_set_training(g, 0, 0, err))) {
        mc_nn_model_free(m);
        return rc;
    }
    *gen = g;
    return MC_OK;
}

/* The generator's activations hold the key image and what led to it: wipe
 * them before the network is freed (the engine frees without wiping). */
static void wipe_net(mc_nn_net *g) {
    for (size_t i = 0; i < g->nlayers; i++) {
        mc_nn_layer *l = &g->layers[i];
        if (l->out) sodium_memzero(l->out, (size_t)g->n * l->c * l->h * l->w * sizeof *l->out);
        if (l->aux) sodium_memzero(l->aux, l->aux_len * sizeof *l->aux);
        if (l->aux2) sodium_memzero(l->aux2, l->aux2_len * sizeof *l->aux2);
    }
    if (g->ws.p) sodium_memzero(g->ws.p, g->ws.cap * sizeof *g->ws.p);
}

static uint32_t round_up4(uint32_t v) {
    v = v < 16 ? 16 : v;
    return v + (4 - v % 4) % 4;
}

int mc_dk_gan_key(const uint8_t key[MC_KEY_BYTES], const uint8_t *nonce, uint32_t w, uint32_t h, unsigned bits,
                  const mc_opts *opts, uint32_t *k, uint8_t id[16], mc_err *err) {
    mc_nn_model m;
    mc_nn_net *gen = NULL;
    int rc = load_gen(opts, &m, &gen, id, err);
    if (rc) return rc;
    const uint32_t gw = round_up4(w), gh = round_up4(h);
    const size_t n = (size_t)gw * gh;
    float *seed = malloc(n * sizeof *seed);
    uint8_t *b = malloc(n);
    if (!seed || !b) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    mc_stream st;
    mc_stream_init(&st, key, nonce, "deep-kedi/seed", 0, 0);
    mc_stream_bytes(&st, b, n);
    mc_stream_wipe(&st);
    for (size_t i = 0; i < n; i++) seed[i] = (float)b[i] / 127.5f - 1.0f;
    if ((rc = mc_nn_net_resize(gen, 1, gh, gw, err)) || (rc = mc_nn_forward(gen, seed, err))) goto out;
    const mc_nn_layer *o = mc_nn_output(gen);
    if (o->c != 1 || o->h != gh || o->w != gw) {
        rc = mc_err_set(err, MC_ERR_UNSUPPORTED, "deep-kedi: the generator maps %ux%u to %ux%u, not to its own size", gw,
                        gh, o->w, o->h);
        goto out;
    }
    const float maxv = bits == 8 ? 255.0f : 65535.0f, half = bits == 8 ? 128.0f : 32768.0f;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            float v = o->out[(size_t)y * gw + x] + 1.0f;
            v = v * half;
            k[(size_t)y * w + x] = !(v >= 0.0f) ? 0 : v >= maxv ? (uint32_t)maxv : (uint32_t)v;
        }
out:
    if (b) sodium_memzero(b, n);
    if (seed) sodium_memzero(seed, n * sizeof *seed);
    free(b);
    free(seed);
    wipe_net(gen);
    mc_nn_model_free(&m);
    return rc;
}

void mc_dk_slice_key(const uint8_t key[MC_KEY_BYTES], const uint8_t *nonce, const uint32_t *k, size_t npx,
                     unsigned ch, unsigned bits, uint32_t z, void *out) {
    uint8_t *o8 = out;
    uint16_t *o16 = out;
    for (size_t i = 0; i < npx; i++)
        for (unsigned c = 0; c < ch; c++) {
            if (bits == 8) o8[i * ch + c] = (uint8_t)k[i];
            else o16[i * ch + c] = (uint16_t)k[i];
        }
    if (!nonce) return;
    const size_t nb = npx * ch * (bits / 8);
    mc_stream st;
    mc_stream_init(&st, key, nonce, "deep-kedi/whiten", z, 0);
    if (bits == 16) mc_swap16_le(out, nb);
    mc_stream_xor(&st, out, nb);
    if (bits == 16) mc_swap16_le(out, nb);
    mc_stream_wipe(&st);
}

/* ------------------------------------------------------------- public */

int mc_key_image(const char *scheme, mc_profile profile, uint32_t width, uint32_t height, unsigned bits,
                 const uint8_t *nonce, const mc_meta *meta, const mc_key *key, unsigned flags, const mc_opts *opts,
                 mc_image **out, mc_err *err) {
    *out = NULL;
    if (!scheme || strcmp(scheme, "deep-kedi"))
        return mc_err_set(err, MC_ERR_ARG, "scheme '%s' has no key image (deep-kedi has)", scheme ? scheme : "");
    if (!key || (bits != 8 && bits != 16) || !width || !height)
        return mc_err_set(err, MC_ERR_ARG, "key image: a key, a size and 8 or 16 bits are needed");
    if (profile == MC_PROFILE_HARDENED && !nonce)
        return mc_err_set(err, MC_ERR_ARG, "key image: the hardened profile's key image needs the file's nonce");
    if (mc_key_is_passphrase(key) && !meta)
        return mc_err_set(err, MC_ERR_ARG, "key image: a passphrase key needs the encrypted file (its salt)");
    mc_image *img = NULL;
    int rc = mc_image_new(&img, width, height, 1, 1, bits, 0, NULL, err);
    if (rc) return rc;
    const size_t npx = (size_t)width * height;
    uint32_t *k = malloc(npx * sizeof *k);
    uint8_t secs[2 * MC_KEY_BYTES], id[16], want[16]; /* master key, sub-key */
    mc_meta *m = meta ? malloc(sizeof *m) : NULL;
    sodium_mlock(secs, sizeof secs);
    if (!k || (meta && !m)) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (m) memcpy(m, meta, sizeof *m); /* mc_key_master takes a mutable one */
    if ((rc = mc_key_master(key, m, 0, secs, err))) goto out;
    if (mc_subkey(secs, "scheme/deep-kedi", secs + MC_KEY_BYTES)) {
        rc = mc_err_set(err, MC_ERR_CRYPTO, "sub-key derivation failed");
        goto out;
    }
    const uint8_t *nc = profile == MC_PROFILE_HARDENED ? nonce : NULL;
    if ((rc = mc_dk_gan_key(secs + MC_KEY_BYTES, nc, width, height, bits, opts, k, id, err))) goto out;
    if (meta && mc_meta_get(meta, MC_DK_META_MODEL) &&
        (mc_meta_get_hex(meta, MC_DK_META_MODEL, want, sizeof want) || sodium_memcmp(want, id, sizeof id))) {
        rc = mc_err_set(err, MC_ERR_AUTH, "key image: the file was encrypted with another ZZ-GAN model");
        goto out;
    }
    mc_dk_slice_key(secs + MC_KEY_BYTES, (flags & MC_KEY_IMAGE_RAW) ? NULL : nc, k, npx, 1, bits, 0, img->pixels);
    img->bits_stored = (uint8_t)bits;
    img->format = MC_FMT_PNG;
out:
    sodium_munlock(secs, sizeof secs);
    if (k) sodium_memzero(k, npx * sizeof *k);
    free(k);
    if (m) sodium_memzero(m, sizeof *m);
    free(m);
    if (rc) mc_image_free(img);
    else *out = img;
    return rc;
}
