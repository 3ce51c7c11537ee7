/* test_io_mem.c - every format from and to memory (io.c, membuf.c and the
 * _mem readers/writers): read from memory equals read from the file, the
 * memory writer's output equals the file writer's (bytes, or for DICOM,
 * whose every write has a new SOP Instance UID, the image read back), and
 * the path reader's size cap. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "core/internal.h"
#include "io/io.h"

/* restore: compare the restore records too (not for two DICOM writes of one
 * image: each has its own new UIDs, which its record holds) */
static void assert_same(const mc_image *a, const mc_image *b, int restore) {
    assert_int_equal(a->width, b->width);
    assert_int_equal(a->height, b->height);
    assert_int_equal(a->depth, b->depth);
    assert_int_equal(a->channels, b->channels);
    assert_int_equal(a->bits, b->bits);
    assert_int_equal(a->bits_stored, b->bits_stored);
    assert_int_equal(a->is_signed, b->is_signed);
    assert_int_equal(a->format, b->format);
    assert_memory_equal(a->pixels, b->pixels, a->nbytes);
    assert_int_equal(a->has_meta, b->has_meta);
    if (a->has_meta) {
        char ta[4096], tb[4096];
        size_t la, lb;
        assert_int_equal(mc_meta_serialize(&a->meta, NULL, ta, sizeof ta, &la), MC_OK);
        assert_int_equal(mc_meta_serialize(&b->meta, NULL, tb, sizeof tb, &lb), MC_OK);
        assert_int_equal(la, lb);
        assert_memory_equal(ta, tb, la);
    }
    assert_int_equal(a->aux_len, b->aux_len);
    if (a->aux_len) assert_memory_equal(a->aux, b->aux, a->aux_len);
    if (!restore) return;
    assert_int_equal(a->restore_len, b->restore_len);
    if (a->restore_len) assert_memory_equal(a->restore, b->restore, a->restore_len);
}

/* read(path) and read_mem(bytes of path): same status, same image */
static void read_both(const char *path) {
    size_t n = 0;
    uint8_t *b = mc_test_slurp(path, &n);
    assert_non_null(b);
    mc_image *a = NULL, *m = NULL;
    mc_err ea = {0}, em = {0};
    int ra = mc_image_read(path, NULL, &a, &ea);
    int rm = mc_image_read_mem(b, n, path, NULL, &m, &em);
    if (ra != rm) fprintf(stderr, "%s: path %d (%s), memory %d (%s)\n", path, ra, ea.msg, rm, em.msg);
    assert_int_equal(ra, rm);
    if (ra == MC_OK) assert_same(a, m, 1);
    else assert_string_equal(ea.msg, em.msg);
    mc_image_free(a);
    mc_image_free(m);
    free(b);
}

static void test_samples(void **state) {
    (void)state;
    static const char *const dirs[] = {"dicom", "itk", "nifti"};
    unsigned seen = 0;
    for (size_t d = 0; d < 3; d++) {
        const char *dir = mc_test_sample(dirs[d]);
        if (!dir) continue;
        char base[4096];
        snprintf(base, sizeof base, "%s", dir);
        DIR *dp = opendir(base);
        assert_non_null(dp);
        struct dirent *de;
        while ((de = readdir(dp))) {
            if (de->d_name[0] == '.') continue;
            char p[4096 + 256];
            snprintf(p, sizeof p, "%s/%s", base, de->d_name);
            read_both(p);
            seen++;
        }
        closedir(dp);
    }
    if (!seen) {
        fprintf(stderr, "SKIP: no samples (run scripts/fetch-samples.sh)\n");
        skip();
    }
    fprintf(stderr, "%u sample files read from paths and from memory\n", seen);
}

/* An image with metadata and an aux blob, like an encrypted one. */
static mc_image *tagged_image(unsigned channels, unsigned bits, int sgn) {
    mc_image *img = mc_test_random_image(37, 23, channels, bits, sgn);
    img->spacing[0] = 0.5;
    img->spacing[1] = 0.75;
    assert_int_equal(mc_meta_set(&img->meta, "medcrypt", "1"), MC_OK);
    assert_int_equal(mc_meta_set(&img->meta, "scheme", "aead"), MC_OK);
    assert_int_equal(mc_meta_set(&img->meta, "tag", "00112233"), MC_OK);
    img->has_meta = 1;
    uint8_t aux[301];
    for (size_t i = 0; i < sizeof aux; i++) aux[i] = (uint8_t)mc_test_rand();
    assert_int_equal(mc_image_set_aux(img, aux, sizeof aux, NULL), MC_OK);
    return img;
}

static void test_writers(void **state) {
    (void)state;
    static const struct {
        mc_format fmt;
        const char *name;
        unsigned ch, bits;
        int sgn, same_bytes;
    } cases[] = {
        {MC_FMT_PNG, "w.png", 1, 16, 1, 1}, {MC_FMT_PNG, "w.png", 3, 8, 0, 1},  {MC_FMT_PNM, "w.pgm", 1, 16, 0, 1},
        {MC_FMT_PNM, "w.ppm", 3, 8, 1, 1},  {MC_FMT_NIFTI, "w.nii", 1, 16, 1, 1}, {MC_FMT_DICOM, "w.dcm", 3, 16, 0, 0},
        {MC_FMT_DICOM, "w.dcm", 1, 8, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mc_image *img = tagged_image(cases[i].ch, cases[i].bits, cases[i].sgn);
        if (cases[i].fmt == MC_FMT_NIFTI) assert_int_equal(mc_image_set_aux(img, NULL, 0, NULL), MC_OK);
        const char *p = mc_test_path(cases[i].name);
        mc_err err = {0};
        assert_int_equal(mc_image_write(img, p, cases[i].fmt, &err), MC_OK);
        uint8_t *m = NULL;
        size_t mn = 0, fn = 0;
        assert_int_equal(mc_image_write_mem(img, cases[i].fmt, &m, &mn, &err), MC_OK);
        uint8_t *f = mc_test_slurp(p, &fn);
        assert_non_null(f);
        if (cases[i].same_bytes) {
            assert_int_equal(fn, mn);
            assert_memory_equal(f, m, mn);
        }
        mc_image *a = NULL, *b = NULL;
        assert_int_equal(mc_image_read(p, NULL, &a, &err), MC_OK);
        assert_int_equal(mc_image_read_mem(m, mn, NULL, NULL, &b, &err), MC_OK);
        assert_same(a, b, cases[i].same_bytes);
        assert_memory_equal(a->pixels, img->pixels, img->nbytes);
        assert_int_equal(a->aux_len, img->aux_len);
        mc_image_free(a);
        mc_image_free(b);
        free(f);
        mc_buffer_free(m, mn);
        mc_image_free(img);
    }
}

/* A file larger than 2 x max_bytes + 256 MiB is refused before reading (a
 * sparse file: nothing is allocated by the test either). */
static void test_size_cap(void **state) {
    (void)state;
    mc_limits lim;
    mc_limits_default(&lim);
    lim.max_bytes = 1024;
    assert_true(mc_input_cap(&lim) == 2048 + ((uint64_t)256 << 20));
    const char *p = mc_test_path("huge.png");
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "\x89PNG\r\n\x1a\n", 8), 8);
    assert_int_equal(ftruncate(fd, (off_t)mc_input_cap(&lim) + 1), 0);
    close(fd);
    mc_image *img = NULL;
    mc_err err = {0};
    assert_int_equal(mc_image_read(p, &lim, &img, &err), MC_ERR_LIMITS);
    assert_null(img);
    unlink(p);
    /* NULL and empty buffers */
    assert_int_equal(mc_image_read_mem(NULL, 4, NULL, NULL, &img, &err), MC_ERR_ARG);
    assert_int_equal(mc_image_read_mem("", 0, NULL, NULL, &img, &err), MC_ERR_FORMAT);
    assert_int_equal(mc_image_write_mem(NULL, MC_FMT_PNG, NULL, NULL, &err), MC_ERR_ARG);
}

/* the growable buffer: appends, printf, take */
static void test_membuf(void **state) {
    (void)state;
    mc_membuf b = {0};
    for (int i = 0; i < 5000; i++) assert_int_equal(mc_membuf_printf(&b, "%04d,", i), MC_OK);
    assert_int_equal(b.len, 25000);
    assert_memory_equal(b.p + 5 * 4321, "4321,", 5);
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(mc_membuf_printf(&b, "%s", big), MC_OK);
    assert_int_equal(b.len, 25999);
    uint8_t *out = NULL;
    size_t n = 0;
    mc_membuf_take(&b, &out, &n);
    assert_null(b.p);
    assert_int_equal(n, 25999);
    assert_int_equal(out[25998], 'x');
    mc_buffer_free(out, n);
    mc_membuf_free(&b);
}

int main(void) {
    if (mc_init() != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_writers),
        cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_membuf),
    };
    int rc = cmocka_run_group_tests_name("io_mem", tests, NULL, NULL);
    mc_test_tmpdir_cleanup();
    return rc;
}
