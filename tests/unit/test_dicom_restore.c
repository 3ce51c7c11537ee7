/* test_dicom_restore.c - the restore record (src/core/restore.c, the DICOM
 * reader and writer): sealed by a hardened encryption, authenticated,
 * applied after decryption; absent in the paper profile and in files made
 * before it existed. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/internal.h"
#include "io/io.h"

static const char kCtSop[] = "1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322";
static const char kCtSeries[] = "1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322";

static int contains(const uint8_t *b, size_t n, const char *s) {
    size_t m = strlen(s);
    for (size_t i = 0; i + m <= n; i++)
        if (!memcmp(b + i, s, m)) return 1;
    return 0;
}

static mc_image *read_sample(const char *rel) {
    const char *p = mc_test_sample(rel);
    mc_test_need(p, rel);
    mc_image *img = NULL;
    mc_err err = {0};
    if (mc_image_read(p, NULL, &img, &err)) fail_msg("%s: %s", rel, err.msg);
    return img;
}

/* write to memory and read back (what a file round trip does) */
static mc_image *through_bytes(const mc_image *img, uint8_t **bytes, size_t *n) {
    mc_err err = {0};
    if (mc_image_write_mem(img, MC_FMT_DICOM, bytes, n, &err)) fail_msg("write: %s", err.msg);
    mc_image *r = NULL;
    if (mc_image_read_mem(*bytes, *n, "x.dcm", NULL, &r, &err)) fail_msg("read: %s", err.msg);
    return r;
}

static mc_key *key(void) {
    static const uint8_t k[MC_KEY_BYTES] = {1, 2, 3};
    mc_key *out = NULL;
    assert_int_equal(mc_key_from_bytes(&out, k, NULL), MC_OK);
    return out;
}

/* Encrypt, store, read, decrypt, store: the original UIDs and transfer
 * syntax are back; the encrypted file has neither and is marked. */
static void round_trip(const char *rel, const char *scheme, const char *ts_uid, const char *sop) {
    mc_image *img = read_sample(rel);
    assert_non_null(img->restore);
    assert_int_equal(img->restore_apply, 0);
    uint8_t *orig_rec = malloc(img->restore_len);
    assert_non_null(orig_rec);
    memcpy(orig_rec, img->restore, img->restore_len);
    const size_t orig_len = img->restore_len;
    mc_image *plain = mc_test_clone(img);
    mc_key *k = key();
    mc_err err = {0};
    assert_int_equal(mc_encrypt(img, scheme, MC_PROFILE_HARDENED, NULL, 0, k, NULL, &err), MC_OK);
    assert_null(img->restore); /* sealed: the plaintext is gone */
    const char *sealed = mc_meta_get(&img->meta, MC_MK_RESTORE);
    assert_non_null(sealed);
    assert_int_equal(strlen(sealed), 2 * orig_len);

    uint8_t *eb = NULL, *db = NULL;
    size_t en = 0, dn = 0;
    mc_image *enc = through_bytes(img, &eb, &en);
    assert_false(contains(eb, en, sop));
    assert_true(contains(eb, en, "DERIVED\\SECONDARY"));
    assert_true(contains(eb, en, "Encrypted by medcrypt (scheme "));
    assert_true(contains(eb, en, "1.2.840.10008.1.2.1")); /* Explicit VR Little Endian */
    assert_int_equal(mc_decrypt(enc, k, NULL, &err), MC_OK);
    assert_int_equal(enc->restore_apply, 1);
    assert_int_equal(enc->restore_len, orig_len);
    assert_memory_equal(enc->restore, orig_rec, orig_len);
    assert_memory_equal(enc->pixels, plain->pixels, plain->nbytes);
    mc_image *dec = through_bytes(enc, &db, &dn);
    assert_true(contains(db, dn, sop));
    assert_true(contains(db, dn, ts_uid));
    assert_false(contains(db, dn, "Encrypted by medcrypt"));
    assert_memory_equal(dec->pixels, plain->pixels, plain->nbytes);
    assert_int_equal(dec->bits_stored, plain->bits_stored);

    mc_buffer_free(eb, en);
    mc_buffer_free(db, dn);
    mc_image_free(dec);
    mc_image_free(enc);
    mc_image_free(plain);
    mc_image_free(img);
    mc_key_free(k);
    free(orig_rec);
}

static void test_round_trips(void **state) {
    (void)state;
    round_trip("dicom/CT_small.dcm", "aead", "1.2.840.10008.1.2.1", kCtSop);
    round_trip("dicom/MR_small_RLE.dcm", "logistic", "1.2.840.10008.1.2.5", "1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457");
    round_trip("dicom/MR_small_jpeg_ls_lossless.dcm", "latin", "1.2.840.10008.1.2.4.80",
               "1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457");
    round_trip("dicom/MR_small_jp2klossless.dcm", "aead", "1.2.840.10008.1.2.4.90",
               "1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457");
    round_trip("dicom/JPEG-lossy.dcm", "aead", "1.2.840.10008.1.2.1", "1.3.6.1.4.1.5962.1.1.8.1.5.20040826185059.5457");
}

/* The sealed entries are authenticated like all metadata. */
static void test_tampering(void **state) {
    (void)state;
    static const char *const schemes[] = {"aead", "logistic"};
    for (size_t s = 0; s < 2; s++) {
        mc_image *img = read_sample("dicom/CT_small.dcm");
        mc_key *k = key();
        mc_err err = {0};
        assert_int_equal(mc_encrypt(img, schemes[s], MC_PROFILE_HARDENED, NULL, 0, k, NULL, &err), MC_OK);
        char saved[MC_META_VAL_MAX];
        snprintf(saved, sizeof saved, "%s", mc_meta_get(&img->meta, MC_MK_RESTORE));
        mc_image *cipher = mc_test_clone(img);
        char bad[MC_META_VAL_MAX];
        snprintf(bad, sizeof bad, "%s", saved);
        bad[7] = bad[7] == '0' ? '1' : '0';
        assert_int_equal(mc_meta_set(&img->meta, MC_MK_RESTORE, bad), MC_OK);
        assert_int_equal(mc_decrypt(img, k, NULL, &err), MC_ERR_AUTH);
        bad[3] = 'z'; /* not hex */
        assert_int_equal(mc_meta_set(&img->meta, MC_MK_RESTORE, bad), MC_OK);
        assert_int_equal(mc_decrypt(img, k, NULL, &err), MC_ERR_AUTH);
        assert_int_equal(mc_meta_set(&img->meta, MC_MK_RESTORE, saved), MC_OK);
        assert_int_equal(mc_meta_set(&img->meta, "restore.2", "00"), MC_OK); /* a gap */
        assert_int_equal(mc_decrypt(img, k, NULL, &err), MC_ERR_AUTH);
        assert_int_equal(mc_meta_remove(&img->meta, "restore.2"), MC_OK);
        assert_int_equal(mc_meta_remove(&img->meta, MC_MK_RESTORE), MC_OK); /* record removed */
        assert_int_equal(mc_decrypt(img, k, NULL, &err), MC_ERR_AUTH);
        assert_memory_equal(img->pixels, cipher->pixels, img->nbytes); /* untouched */
        assert_int_equal(mc_meta_set(&img->meta, MC_MK_RESTORE, saved), MC_OK);
        /* put back (after "tag"/"mac", which the MAC leaves out: the same
         * authenticated text): it decrypts, untouched by the refusals */
        assert_int_equal(mc_decrypt(img, k, NULL, &err), MC_OK);
        assert_int_equal(img->restore_apply, 1);
        mc_image_free(cipher);
        mc_image_free(img);
        mc_key_free(k);
    }
}

/* Paper profile: no record in the file; the decrypted file gets new UIDs
 * and loses medcrypt's Derivation Description.  A hardened file without a
 * record (made before records existed) decrypts the same way. */
static void test_without_record(void **state) {
    (void)state;
    for (int paper = 0; paper < 2; paper++) {
        mc_image *img = read_sample("dicom/CT_small.dcm");
        if (!paper) mc_image_drop_restore(img); /* an older medcrypt's reader */
        mc_key *k = key();
        mc_err err = {0};
        assert_int_equal(mc_encrypt(img, "logistic", paper ? MC_PROFILE_PAPER : MC_PROFILE_HARDENED, NULL, 0, k, NULL, &err),
                         MC_OK);
        assert_null(mc_meta_get(&img->meta, MC_MK_RESTORE));
        assert_null(img->restore);
        uint8_t *eb = NULL, *db = NULL;
        size_t en = 0, dn = 0;
        mc_image *enc = through_bytes(img, &eb, &en);
        assert_true(contains(eb, en, "Encrypted by medcrypt (scheme logistic, profile "));
        assert_non_null(enc->restore); /* the reader's: it describes the encrypted file */
        assert_int_equal(mc_decrypt(enc, k, MC_TEST_OPTS, &err), MC_OK);
        assert_null(enc->restore);
        assert_int_equal(enc->restore_apply, 0);
        mc_image *dec = through_bytes(enc, &db, &dn);
        assert_false(contains(db, dn, kCtSop));
        assert_false(contains(db, dn, kCtSeries));
        assert_false(contains(db, dn, "Encrypted by medcrypt"));
        assert_true(contains(db, dn, "DERIVED\\SECONDARY")); /* stays: documented */
        mc_buffer_free(eb, en);
        mc_buffer_free(db, dn);
        mc_image_free(dec);
        mc_image_free(enc);
        mc_image_free(img);
        mc_key_free(k);
    }
}

/* A plain conversion ignores the record (new UIDs, Explicit VR LE); a record
 * from elsewhere (not DICOM) is never applied; an oversized one is refused
 * by the encryption. */
static void test_record_rules(void **state) {
    (void)state;
    mc_image *img = read_sample("dicom/MR_small_RLE.dcm");
    uint8_t *b = NULL;
    size_t n = 0;
    mc_image *conv = through_bytes(img, &b, &n);
    assert_false(contains(b, n, "1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457"));
    assert_false(contains(b, n, "1.2.840.10008.1.2.5"));
    mc_buffer_free(b, n);
    mc_image_free(conv);
    img->restore_apply = 1;
    img->restore[0] ^= 0xff; /* not a DICOM record any more */
    conv = through_bytes(img, &b, &n);
    assert_false(contains(b, n, "1.3.6.1.4.1.5962.1.1.4.1.1.20040826185059.5457"));
    mc_buffer_free(b, n);
    mc_image_free(conv);
    uint8_t *big = calloc(1, MC_RESTORE_MAX_BYTES + 1);
    assert_non_null(big);
    mc_image_take_restore(img, big, MC_RESTORE_MAX_BYTES + 1);
    mc_key *k = key();
    mc_err err = {0};
    assert_int_equal(mc_encrypt(img, "aead", MC_PROFILE_HARDENED, NULL, 0, k, NULL, &err), MC_ERR_LIMITS);
    /* the largest one round-trips through four entries */
    big = calloc(1, MC_RESTORE_MAX_BYTES);
    assert_non_null(big);
    for (size_t i = 0; i < MC_RESTORE_MAX_BYTES; i++) big[i] = (uint8_t)i;
    mc_image_take_restore(img, big, MC_RESTORE_MAX_BYTES);
    assert_int_equal(mc_encrypt(img, "aead", MC_PROFILE_HARDENED, NULL, 0, k, NULL, &err), MC_OK);
    assert_non_null(mc_meta_get(&img->meta, "restore.3"));
    assert_int_equal(mc_decrypt(img, k, NULL, &err), MC_OK);
    assert_int_equal(img->restore_len, MC_RESTORE_MAX_BYTES);
    for (size_t i = 0; i < MC_RESTORE_MAX_BYTES; i++) assert_int_equal(img->restore[i], (uint8_t)i);
    mc_key_free(k);
    mc_image_free(img);
}

int main(void) {
    if (mc_init() != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_tampering),
        cmocka_unit_test(test_without_record),
        cmocka_unit_test(test_record_rules),
    };
    int rc = cmocka_run_group_tests_name("dicom_restore", tests, NULL, NULL);
    mc_test_tmpdir_cleanup();
    return rc;
}
