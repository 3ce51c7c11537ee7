/* test_tpe_golden.c - the exact TPE schemes' ciphers are a format promise: a
 * file encrypted today must decrypt with tomorrow's build.  Every case below
 * encrypts a deterministic image under a fixed 32-byte sub-key and (for the
 * hardened profile) a fixed nonce by calling the scheme's encrypt function
 * directly (mc_scheme_find(name)->encrypt with a hand-made mc_scheme_ctx), and
 * compares BLAKE2b-256 (crypto_generichash, no key) of the cipher's samples
 * (16-bit ones as little-endian bytes) with the constant recorded here; then
 * decrypts and checks the plaintext comes back.
 *
 * How the constants were produced: with the byte-per-bit implementation of
 * tpe-h2mwd (and the tpe-pair / tpe2 code) of commit b11efef, before the
 * bit-sliced rewrite, by running this test with MC_GOLDEN_PRINT=1 in the
 * environment (it then prints one "hash" line per case and does not compare).
 * Never regenerate them to make a failing test pass: a change of any hash is a
 * change of the cipher format. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct golden_case {
    const char *scheme;
    uint32_t w, h, d;
    unsigned ch, bits;
    int sgn;
    int smooth;        /* 0: random samples, 1: gradient + small noise */
    unsigned block, rounds;
    int hardened;      /* 1: fixed nonce, 0: paper profile (no nonce) */
    const char *hash;  /* BLAKE2b-256 of the cipher, hex */
} golden_case;

static const golden_case k_cases[] = {
    /* tpe-h2mwd: gray, RGB, 16-bit, odd sizes, blocks 8/16/32/64 and more */
    {"tpe-h2mwd", 75, 70, 1, 1, 8, 0, 0, 32, 10, 0, "f8a2fae79c55084794ad5c107bb1ff861399604642ceb8d144d9825de339f8a8"},
    {"tpe-h2mwd", 75, 70, 1, 1, 8, 0, 1, 32, 10, 1, "56f64bca6f148bd68c805cff1318120855ac703bce7f89612f1603eb126dbacb"},
    {"tpe-h2mwd", 75, 70, 1, 1, 8, 0, 1, 8, 10, 1, "d89c4c803d23e441758b451d57b361ea50a2b0a918529c67e68480f7cad633a8"},
    {"tpe-h2mwd", 70, 67, 1, 3, 8, 0, 1, 16, 10, 1, "3e5ae02788c8942724ecfee16e56f254618654ce1584764c9b67043be3cd3ce1"},
    {"tpe-h2mwd", 70, 67, 1, 3, 8, 0, 0, 16, 10, 0, "69896942f624749067206215bf4010495553d54dcca6e9d1d9cfd5d2c151f7fe"},
    {"tpe-h2mwd", 128, 96, 1, 3, 8, 0, 1, 32, 10, 1, "9cb2bbcdbe3d4bc3e64da5cc9dc7cb4f26c43e52248ae585bb7851655948dbaf"},
    {"tpe-h2mwd", 130, 131, 1, 1, 8, 0, 0, 64, 10, 0, "a14a2d77be29d843787d28f5c2add57b8a057832cbbe5ce17adf22ab006da2eb"},
    {"tpe-h2mwd", 130, 131, 1, 1, 8, 0, 1, 64, 3, 1, "b72b4bda786a887a716d4bf6e2c8f6439f174906de886bcf85737a8aa77a70cb"},
    {"tpe-h2mwd", 67, 75, 1, 1, 16, 0, 1, 8, 10, 0, "1c6372d0b5314118f36d871d31f6444774baf8736b7c60189fe723afc1cd0be0"},
    {"tpe-h2mwd", 69, 66, 2, 1, 16, 1, 1, 64, 10, 1, "250629b6d3b824bbf611792789638914b1f11c204ff0b2ab9a29459668340ec4"},
    {"tpe-h2mwd", 69, 66, 1, 3, 16, 1, 0, 32, 4, 1, "2d06118c204f79269b9e5c8295165753010bc28dc07647129cb3ffef04a704a7"},
    {"tpe-h2mwd", 45, 37, 1, 1, 8, 0, 0, 7, 3, 1, "6a0a19bccd1eb19ab225a386c10cd91818f747038c95a6eab93ead518e8cadbf"},
    {"tpe-h2mwd", 45, 37, 1, 3, 8, 1, 1, 5, 5, 0, "ce571d3e961a1ecbc12826c606e6c6b634c4d98ccfce8c9fa3f6da74cc0e42af"},
    {"tpe-h2mwd", 41, 39, 1, 1, 16, 0, 0, 13, 2, 1, "be6b266883051985b51a4725606f11727dccfa537dd7f760d1f9f55e937f2ca3"},
    {"tpe-h2mwd", 40, 40, 1, 1, 8, 0, 0, 2, 4, 1, "1aa844f68c8c15bbff40c2f668fbe402506a9c52c8362eeabd44d97ffd670b5e"},
    {"tpe-h2mwd", 3, 1, 1, 1, 8, 0, 0, 2, 10, 1, "0fdb709a669f70965adade10deef0bfee17af5a033be7aa1e0aed468bcc7c7be"},
    {"tpe-h2mwd", 1, 1, 1, 3, 16, 0, 0, 32, 10, 1, "9ae9d6b79a09ca4afe10ce9cbbdd1f3e18dbaa27c66f9f1af92aefca7757d8ee"},
    {"tpe-h2mwd", 150, 140, 1, 1, 8, 0, 1, 100, 2, 1, "3e827f90ee9e4dd492cc836cc43ef0b12c485ab1092de29e7cedb5d0f70fc2eb"},
    {"tpe-h2mwd", 130, 70, 1, 1, 16, 1, 0, 65, 2, 0, "3f2a6acbb5c81719890fd3d3b7b70c8daf286011ffb49914b84aa46eb6eccd18"},
    {"tpe-h2mwd", 260, 257, 1, 1, 8, 0, 0, 256, 1, 1, "864b0575d902c5ed2463a99ff58fc400198d3e4ce0363bd907b21625eec66d69"},
    {"tpe-h2mwd", 99, 64, 1, 1, 8, 0, 0, 33, 3, 1, "132e4741c0e5aee68b20717cd7de3ecfce2bd1a37f92b59e77d2cec4551f9568"},
    {"tpe-h2mwd", 64, 99, 1, 1, 8, 0, 1, 63, 3, 0, "e2ab9fd82c6d4a59b10847527ca1cc0022fad116d3d6da4a60188e2b6b0119c4"},
    /* the baselines */
    {"tpe-pair", 75, 70, 1, 1, 8, 0, 0, 32, 10, 1, "b57221271899451340f1ca7029354de0c3e93c5d0fe4a643c91dd28b61ddf6b0"},
    {"tpe-pair", 70, 67, 1, 3, 8, 0, 1, 16, 10, 0, "dc06a19a7c28c41203764e2b4106782738635e4136fa6659302c7e98f5ffd4f5"},
    {"tpe-pair", 69, 66, 2, 1, 16, 1, 1, 8, 5, 1, "837bc60bf1168e447e61f35d88e36c73d85f80db36b1fa26b3aaec0be2a62658"},
    {"tpe-pair", 45, 37, 1, 1, 8, 0, 0, 7, 3, 0, "1a46466721bfbc0918e5f576064000a95c3cb277328752841d3117e2ed2e0e8f"},
    {"tpe2", 75, 70, 1, 1, 8, 0, 0, 32, 7, 1, "cace6bb9f454767aa932e97f9315312913ea6e26c7d7138296d8f39eaa807b94"},
    {"tpe2", 70, 67, 1, 3, 8, 0, 1, 16, 7, 0, "d003001d3dfa8c51a68b274fe460b2598b1b0c506c7bc008b78b5e6ac04fdb55"},
    {"tpe2", 69, 66, 2, 1, 16, 1, 1, 8, 4, 1, "113a4906daede557e1de60c73ebd7ea92ed95df1727f7991a569bec6a3cbcee0"},
    {"tpe2", 45, 37, 1, 1, 8, 0, 0, 7, 3, 0, "79d43e5186309de264c8a9970a62de4924b23b9e74206c59ccf709018cd2f0b6"},
};
#define NCASES (sizeof k_cases / sizeof k_cases[0])

/* splitmix64: the images must not depend on any other generator's state */
static uint64_t mix(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static mc_image *golden_image(const golden_case *c, uint64_t seed) {
    mc_image *img = NULL;
    assert_int_equal(mc_image_new(&img, c->w, c->h, c->d, c->ch, c->bits, c->sgn, NULL, NULL), MC_OK);
    const size_t n = mc_image_samples(img);
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = mix(&s);
        uint32_t v;
        if (c->smooth) {
            uint32_t x = (uint32_t)(i / c->ch % c->w), y = (uint32_t)(i / c->ch / c->w % c->h);
            v = (x * 3 + y * 2) % 200 + (uint32_t)(r % 16);
            if (c->bits == 16) v = v * 97 + (c->sgn ? 0xfc00u : 0);
        } else {
            v = (uint32_t)r;
        }
        if (c->bits == 8) ((uint8_t *)img->pixels)[i] = (uint8_t)v;
        else ((uint16_t *)img->pixels)[i] = (uint16_t)v;
    }
    return img;
}

static void hash_pixels(const mc_image *img, char hex[2 * 32 + 1]) {
    crypto_generichash_state st;
    uint8_t out[32];
    crypto_generichash_init(&st, NULL, 0, sizeof out);
    const size_t n = mc_image_samples(img);
    if (img->bits == 8) {
        crypto_generichash_update(&st, img->pixels, n);
    } else {
        const uint16_t *p = img->pixels;
        for (size_t i = 0; i < n; i++) {
            uint8_t le[2] = {(uint8_t)(p[i] & 0xff), (uint8_t)(p[i] >> 8)};
            crypto_generichash_update(&st, le, 2);
        }
    }
    crypto_generichash_final(&st, out, sizeof out);
    sodium_bin2hex(hex, 2 * 32 + 1, out, sizeof out);
}

static void test_golden(void **st) {
    (void)st;
    const int print = getenv("MC_GOLDEN_PRINT") != NULL;
    mc_meta *meta = calloc(1, sizeof *meta);
    assert_non_null(meta);
    uint8_t key[32], nonce[MC_NONCE_BYTES];
    for (unsigned i = 0; i < sizeof key; i++) key[i] = (uint8_t)(0xa0 + 7 * i);
    for (unsigned i = 0; i < sizeof nonce; i++) nonce[i] = (uint8_t)(0x31 * i + 5);
    int bad = 0;
    for (size_t k = 0; k < NCASES; k++) {
        const golden_case *c = &k_cases[k];
        const mc_scheme *s = mc_scheme_find(c->scheme);
        assert_non_null(s);
        char v[16];
        mc_meta_clear(meta);
        snprintf(v, sizeof v, "%u", c->block);
        assert_int_equal(mc_meta_set(meta, "p.block", v), MC_OK);
        snprintf(v, sizeof v, "%u", c->rounds);
        assert_int_equal(mc_meta_set(meta, "p.rounds", v), MC_OK);
        mc_scheme_ctx ctx = {.key = key,
                             .nonce = c->hardened ? nonce : NULL,
                             .profile = c->hardened ? MC_PROFILE_HARDENED : MC_PROFILE_PAPER,
                             .meta = meta};
        mc_image *plain = golden_image(c, 1000 + k), *img = golden_image(c, 1000 + k);
        mc_err err = {0};
        assert_int_equal(s->encrypt(&ctx, img, &err), MC_OK);
        char hex[2 * 32 + 1];
        hash_pixels(img, hex);
        if (print) {
            printf("    case %zu: \"%s\"\n", k, hex);
        } else if (strcmp(hex, c->hash)) {
            fprintf(stderr, "golden case %zu (%s %ux%ux%u c%u %u-bit%s block %u rounds %u %s): cipher hash %s, "
                            "expected %s\n",
                    k, c->scheme, c->w, c->h, c->d, c->ch, c->bits, c->sgn ? " signed" : "", c->block, c->rounds,
                    c->hardened ? "hardened" : "paper", hex, c->hash);
            bad++;
        }
        assert_int_equal(s->decrypt(&ctx, img, &err), MC_OK);
        assert_memory_equal(img->pixels, plain->pixels, plain->nbytes);
        mc_image_free(img);
        mc_image_free(plain);
    }
    free(meta);
    assert_int_equal(bad, 0);
}

int main(void) {
    if (mc_init() != MC_OK) return 1;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_golden)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
