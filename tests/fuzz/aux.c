/* aux.c - fuzz target: the aux blob's parsers, with the input as the blob's
 * container and the rest of the file fixed.  The first byte picks one:
 *   0  strict base64 (mc_b64_decode): what decodes must re-encode to exactly
 *      the same text (one blob, one text)
 *   1  the PGM header comment block ("# medcrypt ..." / "# medcrypt-aux-size"
 *      / "# medcrypt-aux" lines) of a 4x4 PGM
 *   2  the data of an "mcAX" chunk (CRC made valid) in a 4x4 PNG with metadata
 *   3  the content of a NIfTI extension with ecode 0 (the aux blob's:
 *      "medcrypt-aux-v1\0" || LE u64 length || blob) in a 4x4 .nii with
 *      metadata
 * Modes 1-3 then go through fuzz_read_image (read, write, read back). */
#include "fuzz.h"

#include <zlib.h>

static uint8_t *g_png, *g_nii;
static size_t g_png_len, g_nii_len;

static void make_templates(void) {
    mc_image *img = NULL;
    if (mc_init() || mc_image_new(&img, 4, 4, 1, 1, 8, 0, NULL, NULL)) abort();
    for (int i = 0; i < 16; i++) ((uint8_t *)img->pixels)[i] = (uint8_t)(i * 16);
    if (mc_meta_set(&img->meta, "medcrypt", "1") || mc_meta_set(&img->meta, "scheme", "aead")) abort();
    img->has_meta = 1;
    if (mc_image_write_mem(img, MC_FMT_PNG, &g_png, &g_png_len, NULL) ||
        mc_image_write_mem(img, MC_FMT_NIFTI, &g_nii, &g_nii_len, NULL))
        abort();
    mc_image_free(img);
}

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void fuzz_b64(const uint8_t *d, size_t n) {
    size_t cap = n / 4 * 3 + 3, got = 0;
    uint8_t *out = malloc(cap);
    char *again = malloc(n + 4);
    if (out && again && mc_b64_decode(out, cap, (const char *)d, n, &got) == MC_OK) {
        FUZZ_CHECK(MC_B64_LEN(got) == n, "decoded length matches the text");
        mc_b64_encode(again, out, got);
        FUZZ_CHECK(!memcmp(again, d, n), "base64 is canonical: decode then encode gives the same text");
    }
    free(out);
    free(again);
}

static void fuzz_pgm(const uint8_t *d, size_t n) {
    static const char head[] = "P5\n", tail[] = "\n4 4\n255\n";
    size_t len = sizeof head - 1 + n + sizeof tail - 1 + 16;
    uint8_t *b = malloc(len), *p = b;
    if (!b) return;
    memcpy(p, head, sizeof head - 1), p += sizeof head - 1;
    memcpy(p, d, n), p += n;
    memcpy(p, tail, sizeof tail - 1), p += sizeof tail - 1;
    for (int i = 0; i < 16; i++) *p++ = (uint8_t)(i * 16);
    fuzz_read_image(b, len, "x.pgm");
    free(b);
}

static void fuzz_png(const uint8_t *d, size_t n) {
    /* the template ends with the 12-byte IEND chunk: insert before it */
    if (n > UINT32_MAX - 16 || g_png_len < 20) return;
    size_t len = g_png_len + 12 + n;
    uint8_t *b = malloc(len), *p = b;
    if (!b) return;
    memcpy(p, g_png, g_png_len - 12), p += g_png_len - 12;
    put_be32(p, (uint32_t)n), memcpy(p + 4, "mcAX", 4);
    memcpy(p + 8, d, n);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), p + 4, (uInt)(4 + n));
    put_be32(p + 8 + n, (uint32_t)crc), p += 12 + n;
    memcpy(p, g_png + g_png_len - 12, 12);
    fuzz_read_image(b, len, "x.png");
    free(b);
}

static void fuzz_nii(const uint8_t *d, size_t n) {
    /* a new extension (esize, ecode 0, content padded to 16) at vox_offset */
    float vf;
    memcpy(&vf, g_nii + 108, 4);
    size_t vox = (size_t)vf, esize = (8 + n + 15) / 16 * 16;
    if (vox < 352 || vox > g_nii_len || esize > (1u << 24)) return;
    size_t len = g_nii_len + esize;
    uint8_t *b = calloc(1, len);
    if (!b) return;
    memcpy(b, g_nii, vox);
    int32_t es = (int32_t)esize, ec = 0;
    memcpy(b + vox, &es, 4), memcpy(b + vox + 4, &ec, 4), memcpy(b + vox + 8, d, n);
    memcpy(b + vox + esize, g_nii + vox, g_nii_len - vox);
    vf = (float)(vox + esize);
    memcpy(b + 108, &vf, 4);
    fuzz_read_image(b, len, "x.nii");
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!g_png) make_templates();
    if (size < 1) return 0;
    switch (data[0] % 4) {
    case 0: fuzz_b64(data + 1, size - 1); break;
    case 1: fuzz_pgm(data + 1, size - 1); break;
    case 2: fuzz_png(data + 1, size - 1); break;
    default: fuzz_nii(data + 1, size - 1); break;
    }
    return 0;
}
