/* model.c - fuzz target: the model-file reader (mc_nn_model_load_mem, the
 * bytes a caller gives a neural scheme in mc_opts.model).  Each input is
 * loaded as it is (an encrypted one with the fuzz key), then, for a plain
 * model, again with its BLAKE2b checksum made valid, so mutations reach the
 * parser behind the checksum.  A model that loads is run by the scheme named
 * like its architecture: a 16x16 image encrypted and decrypted (paper
 * profile, tile 16) with it. */
#include "fuzz.h"
#include "nn/nn.h"

#include <sodium.h>

static void run_model(const mc_nn_model *m, const uint8_t *bytes, size_t len) {
    if (!mc_scheme_find(m->arch)) return;
    uint8_t kb[MC_KEY_BYTES];
    fuzz_key_bytes(kb);
    mc_key *key = NULL;
    mc_image *img = NULL;
    if (mc_key_from_bytes(&key, kb, NULL) || mc_image_new(&img, 16, 16, 1, 1, 8, 0, NULL, NULL)) goto out;
    for (int i = 0; i < 256; i++) ((uint8_t *)img->pixels)[i] = (uint8_t)(i * 7);
    const char *params[] = {"tile=16"};
    const mc_opts opts = {.flags = MC_DECRYPT_UNAUTHENTICATED, .model = bytes, .model_len = len};
    if (mc_encrypt(img, m->arch, MC_PROFILE_PAPER, params, 1, key, &opts, NULL) == MC_OK) {
        int rc = mc_decrypt(img, key, &opts, NULL);
        FUZZ_CHECK(rc != MC_ERR_INTERNAL, "no internal error");
    }
out:
    mc_image_free(img);
    mc_key_free(key);
}

static void load(const uint8_t *d, size_t n, const mc_key *key, int run) {
    mc_nn_model m;
    if (mc_nn_model_load_mem(&m, d, n, key, NULL) != MC_OK) return;
    FUZZ_CHECK(m.nnets >= 1 && m.nnets <= MC_NN_MAX_NETS, "network count within bounds");
    if (run) run_model(&m, d, n);
    mc_nn_model_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static mc_key *key;
    if (!key) {
        uint8_t kb[MC_KEY_BYTES];
        fuzz_key_bytes(kb);
        if (mc_init() || mc_key_from_bytes(&key, kb, NULL)) abort();
    }
    load(data, size, key, 0);
    /* plain: header (16 bytes) || payload || BLAKE2b-512(header || payload) */
    if (size < 16 + 64 || memcmp(data, MC_NN_MODEL_MAGIC, 8) || mc_nn_model_is_encrypted(data, size) != 0) return 0;
    uint8_t *fixed = malloc(size);
    if (!fixed) return 0;
    memcpy(fixed, data, size);
    crypto_generichash(fixed + size - 64, 64, fixed, size - 64, NULL, 0);
    load(fixed, size, NULL, 1);
    free(fixed);
    return 0;
}
