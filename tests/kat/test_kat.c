/* test_kat.c - the known answers (tests/kat/MANIFEST, docs/known-answers.md):
 * every committed file, written once by an earlier build, must decrypt with
 * the committed key to exactly the committed expected image.  One cmocka test
 * per manifest row.  Per row it also checks what the file claims (scheme,
 * profile), that a paper-profile file is refused without
 * MC_DECRYPT_UNAUTHENTICATED, and that a hardened one refuses a wrong key.
 *
 * The files are never regenerated to make this pass: a failure means the
 * container format, a key derivation, the MAC or a scheme changed, and every
 * file already written by medcrypt would be orphaned the same way. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MC_KAT_DIR
#error "MC_KAT_DIR must name tests/kat"
#endif

typedef struct kat_row {
    int line;
    char file[256], scheme[64], profile[16], key[16], expect[256];
} kat_row;

static mc_key *g_raw, *g_wrapped, *g_pass, *g_wrong_raw, *g_wrong_pass;
static char g_pass_text[256];
static size_t g_passlen;

static const char *kat_path(const char *rel) {
    static char buf[4][1024];
    static int slot;
    slot = (slot + 1) % 4;
    snprintf(buf[slot], sizeof buf[slot], "%s/%s", MC_KAT_DIR, rel);
    return buf[slot];
}

static int load_keys(void **state) {
    (void)state;
    mc_err err = {0};
    FILE *f = fopen(kat_path("keys/passphrase.txt"), "r");
    if (!f || !fgets(g_pass_text, sizeof g_pass_text, f)) {
        fprintf(stderr, "cannot read %s\n", kat_path("keys/passphrase.txt"));
        if (f) fclose(f);
        return -1;
    }
    fclose(f);
    g_passlen = strcspn(g_pass_text, "\r\n");
    g_pass_text[g_passlen] = 0;
    static const uint8_t wrong[MC_KEY_BYTES] = {1, 2, 3};
    int insecure = 0;
    if (mc_init() || mc_keyfile_read(kat_path("keys/raw.key"), NULL, NULL, &g_raw, &insecure, &err) ||
        mc_keyfile_read(kat_path("keys/wrapped.key"), mc_test_pass_cb, g_pass_text, &g_wrapped, NULL, &err) ||
        mc_key_from_passphrase(&g_pass, g_pass_text, g_passlen, &err) || mc_key_from_bytes(&g_wrong_raw, wrong, &err) ||
        mc_key_from_passphrase(&g_wrong_pass, "not the passphrase", 18, &err)) {
        fprintf(stderr, "keys: %s\n", err.msg);
        return -1;
    }
    /* the wrapped key file holds the raw key */
    uint8_t a[MC_KEY_BYTES], b[MC_KEY_BYTES];
    if (mc_key_master(g_raw, NULL, 0, a, &err) || mc_key_master(g_wrapped, NULL, 0, b, &err) ||
        memcmp(a, b, sizeof a)) {
        fprintf(stderr, "keys/raw.key and keys/wrapped.key do not hold the same key\n");
        return -1;
    }
    /* a wrong passphrase does not unwrap it */
    mc_key *k = NULL;
    if (mc_keyfile_read(kat_path("keys/wrapped.key"), mc_test_pass_cb, "wrong", &k, NULL, &err) != MC_ERR_AUTH) {
        fprintf(stderr, "keys/wrapped.key opened with a wrong passphrase\n");
        mc_key_free(k);
        return -1;
    }
    return 0;
}

static int free_keys(void **state) {
    (void)state;
    mc_key_free(g_raw);
    mc_key_free(g_wrapped);
    mc_key_free(g_pass);
    mc_key_free(g_wrong_raw);
    mc_key_free(g_wrong_pass);
    return 0;
}

static mc_image *read_ok(const char *rel) {
    mc_err err = {0};
    mc_image *img = NULL;
    int rc = mc_image_read(kat_path(rel), NULL, &img, &err);
    if (rc) fail_msg("%s: %s", rel, err.msg);
    return img;
}

/* Bit-exact: geometry, sample type, Bits Stored, spacing and every sample. */
static void assert_same(const kat_row *r, const mc_image *got, const mc_image *want) {
    if (got->width != want->width || got->height != want->height || got->depth != want->depth ||
        got->channels != want->channels || got->bits != want->bits || got->is_signed != want->is_signed)
        fail_msg("%s: decrypts to %ux%ux%u c%u %u-bit%s, %s is %ux%ux%u c%u %u-bit%s", r->file, got->width, got->height,
                 got->depth, got->channels, got->bits, got->is_signed ? " signed" : "", r->expect, want->width,
                 want->height, want->depth, want->channels, want->bits, want->is_signed ? " signed" : "");
    if (got->bits_stored != want->bits_stored)
        fail_msg("%s: bits_stored %u, %s has %u", r->file, got->bits_stored, r->expect, want->bits_stored);
    for (int i = 0; i < 3; i++)
        if (got->spacing[i] != want->spacing[i])
            fail_msg("%s: spacing[%d] %.17g, %s has %.17g", r->file, i, got->spacing[i], r->expect, want->spacing[i]);
    assert_int_equal(got->nbytes, want->nbytes);
    if (memcmp(got->pixels, want->pixels, got->nbytes)) {
        size_t n = mc_image_samples(got), diff = 0, first = 0;
        for (size_t i = 0; i < n; i++) {
            int d = got->bits == 8 ? ((const uint8_t *)got->pixels)[i] != ((const uint8_t *)want->pixels)[i]
                                   : ((const uint16_t *)got->pixels)[i] != ((const uint16_t *)want->pixels)[i];
            if (d && !diff++) first = i;
        }
        fail_msg("%s: %zu of %zu samples differ from %s (first: sample %zu)", r->file, diff, n, r->expect, first);
    }
}

static void test_row(void **state) {
    const kat_row *r = *state;
    mc_err err = {0};
    const int paper = !strcmp(r->profile, "paper");
    const mc_key *key = !strcmp(r->key, "raw") ? g_raw : !strcmp(r->key, "wrapped") ? g_wrapped
                      : !strcmp(r->key, "pass") ? g_pass : NULL;
    if (!key) fail_msg("MANIFEST line %d: unknown key kind '%s'", r->line, r->key);

    mc_image *img = read_ok(r->file);
    assert_true(img->has_meta);
    assert_non_null(mc_meta_get(&img->meta, "scheme"));
    assert_string_equal(mc_meta_get(&img->meta, "scheme"), r->scheme);
    assert_string_equal(mc_meta_get(&img->meta, "profile"), r->profile);
    assert_int_equal(mc_meta_get(&img->meta, "kdf") != NULL, !strcmp(r->key, "pass"));

    if (paper) {
        /* no MAC: refused unless the caller says so */
        assert_int_equal(mc_decrypt(img, key, NULL, &err), MC_ERR_AUTH);
    } else {
        /* authenticated: a wrong key is detected */
        const mc_key *wrong = !strcmp(r->key, "pass") ? g_wrong_pass : g_wrong_raw;
        assert_int_equal(mc_decrypt(img, wrong, NULL, &err), MC_ERR_AUTH);
        mc_image_free(img);
        img = read_ok(r->file);
    }
    const mc_opts opts = {.flags = paper ? MC_DECRYPT_UNAUTHENTICATED : 0};
    int rc = mc_decrypt(img, key, &opts, &err);
    if (rc) fail_msg("%s: %s", r->file, err.msg);
    assert_false(img->has_meta);
    mc_image *want = read_ok(r->expect);
    assert_same(r, img, want);
    mc_image_free(want);
    mc_image_free(img);
}

static kat_row *g_rows;
static size_t g_nrows;

/* Every scheme of the registry, in each of its profiles, has known answers
 * (a new scheme: build/tests/mc_make_kat tests/kat NAME adds its rows). */
static void test_coverage(void **state) {
    (void)state;
    int missing = 0;
    for (size_t i = 0; i < mc_scheme_count(); i++) {
        const mc_scheme *s = mc_scheme_at(i);
        for (int p = 0; p < 2; p++) {
            if (!(s->profiles & (p ? MC_PROFILES_PAPER : MC_PROFILES_HARDENED))) continue;
            const char *prof = p ? "paper" : "hardened";
            size_t k = 0;
            while (k < g_nrows && (strcmp(g_rows[k].scheme, s->name) || strcmp(g_rows[k].profile, prof))) k++;
            if (k == g_nrows) {
                fprintf(stderr, "no known answers for %s %s: run build/tests/mc_make_kat tests/kat %s\n", s->name,
                        prof, s->name);
                missing++;
            }
        }
    }
    assert_int_equal(missing, 0);
}

static kat_row *load_manifest(size_t *n) {
    FILE *f = fopen(kat_path("MANIFEST"), "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", kat_path("MANIFEST"));
        exit(1);
    }
    size_t cap = 64;
    kat_row *rows = calloc(cap, sizeof *rows);
    char line[1024];
    int ln = 0;
    *n = 0;
    while (rows && fgets(line, sizeof line, f)) {
        ln++;
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == 0) continue;
        if (*n == cap) {
            kat_row *nr = realloc(rows, 2 * cap * sizeof *rows);
            if (!nr) break;
            rows = nr, cap *= 2;
        }
        kat_row *r = &rows[*n];
        memset(r, 0, sizeof *r);
        r->line = ln;
        char extra[2];
        if (sscanf(line, "%255s %63s %15s %15s %255s %1s", r->file, r->scheme, r->profile, r->key, r->expect, extra) !=
            5) {
            fprintf(stderr, "MANIFEST line %d: want FILE SCHEME PROFILE KEY EXPECTED\n", ln);
            exit(1);
        }
        (*n)++;
    }
    fclose(f);
    if (!rows) exit(1);
    return rows;
}

int main(void) {
    size_t n = 0;
    kat_row *rows = load_manifest(&n);
    if (n == 0) {
        fprintf(stderr, "MANIFEST has no rows\n");
        return 1;
    }
    g_rows = rows, g_nrows = n;
    struct CMUnitTest *tests = calloc(n + 1, sizeof *tests);
    if (!tests) return 1;
    tests[0].name = "coverage";
    tests[0].test_func = test_coverage;
    for (size_t i = 0; i < n; i++) {
        tests[i + 1].name = rows[i].file;
        tests[i + 1].test_func = test_row;
        tests[i + 1].initial_state = &rows[i];
    }
    int failed = _cmocka_run_group_tests("kat", tests, n + 1, load_keys, free_keys);
    free(tests);
    free(rows);
    return failed ? 1 : 0;
}
