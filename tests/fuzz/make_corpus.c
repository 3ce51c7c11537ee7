/* make_corpus.c - writes the seed corpora of tests/fuzz (docs/fuzzing.md):
 *
 *   mc_make_fuzz_corpus DIR      (DIR/NAME/ for every target NAME)
 *
 * Small files this project makes, no patient data: tiny synthetic images in
 * every format and sample type the readers take (written by the library's
 * writers, plus hand-built PNG and PGM variants the writers never produce:
 * palettes, 1/2/4-bit gray, Adam7, tEXt/zTXt metadata, odd maxvals), the same
 * encrypted by every scheme and profile with the fuzz key (fuzz.h), metadata
 * lines, aux blobs in each container, key files and tiny models.  Existing
 * files are overwritten; libFuzzer's -merge adds its own files (named by
 * their SHA-1) next to these. */
#include "fuzz.h"
#include "nn/nn.h"

#include <errno.h>
#include <nifti1_io.h>
#include <sys/stat.h>
#include <zlib.h>

static const char *g_dir;
static mc_key *g_key;

static void die(const char *what, const char *msg) {
    fprintf(stderr, "mc_make_fuzz_corpus: %s: %s\n", what, msg);
    exit(1);
}

static const char *out_path(const char *target, const char *name) {
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", g_dir, target);
    if (mkdir(path, 0755) && errno != EEXIST) die(path, strerror(errno));
    snprintf(path, sizeof path, "%s/%s/%s", g_dir, target, name);
    return path;
}

static void put_file(const char *target, const char *name, const void *buf, size_t len) {
    const char *p = out_path(target, name);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) die(p, "cannot write");
}

static void put_prefixed(const char *target, const char *name, uint8_t prefix, const void *buf, size_t len) {
    uint8_t *b = malloc(len + 1);
    if (!b) die(name, "out of memory");
    b[0] = prefix;
    memcpy(b + 1, buf, len);
    put_file(target, name, b, len + 1);
    free(b);
}

/* ---------------------------------------------------------------- images */

static mc_image *pattern(uint32_t w, uint32_t h, uint32_t d, unsigned ch, unsigned bits, int sgn, unsigned stored) {
    mc_image *img = NULL;
    mc_err err = {0};
    if (mc_image_new(&img, w, h, d, ch, bits, sgn, NULL, &err)) die("image", err.msg);
    size_t n = mc_image_samples(img);
    for (size_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)(i * 2654435761u >> 7);
        if (bits == 8)
            ((uint8_t *)img->pixels)[i] = (uint8_t)v;
        else
            ((uint16_t *)img->pixels)[i] =
                (uint16_t)(stored < 16 ? (v & ((1u << stored) - 1)) - (sgn ? 1u << (stored - 1) : 0) : v);
    }
    img->bits_stored = (uint8_t)(stored ? stored : bits);
    img->spacing[0] = 0.5, img->spacing[1] = 0.75, img->spacing[2] = d > 1 ? 2.5 : 0;
    return img;
}

/* img written in format fmt into target/name; returns the bytes (caller frees). */
static uint8_t *put_image(const mc_image *img, mc_format fmt, const char *target, const char *name, size_t *len) {
    uint8_t *buf = NULL;
    mc_err err = {0};
    if (mc_image_write_mem(img, fmt, &buf, len, &err)) die(name, err.msg);
    put_file(target, name, buf, *len);
    return buf;
}

typedef struct kind {
    const char *name;
    uint32_t w, h, d;
    unsigned ch, bits, sgn, stored;
} kind;
static const kind k_kinds[] = {
    {"gray8", 12, 10, 1, 1, 8, 0, 0},  {"s16", 12, 10, 1, 1, 16, 1, 0}, {"u16", 9, 7, 1, 1, 16, 0, 0},
    {"ct12", 12, 10, 1, 1, 16, 1, 12}, {"rgb8", 8, 6, 1, 3, 8, 0, 0},   {"rgb16", 5, 4, 1, 3, 16, 0, 0},
    {"vol8", 6, 5, 3, 1, 8, 0, 0},     {"vol16", 6, 5, 2, 1, 16, 1, 0},
};
static const struct {
    const char *target, *ext;
    mc_format fmt;
} k_formats[] = {{"png", "png", MC_FMT_PNG},
                 {"pnm", "pnm", MC_FMT_PNM},
                 {"dicom", "dcm", MC_FMT_DICOM},
                 {"nifti", "nii", MC_FMT_NIFTI}};

static void plain_images(void) {
    for (size_t k = 0; k < sizeof k_kinds / sizeof k_kinds[0]; k++)
        for (size_t f = 0; f < 4; f++) {
            const kind *c = &k_kinds[k];
            mc_image *img = pattern(c->w, c->h, c->d, c->ch, c->bits, (int)c->sgn, c->stored);
            uint8_t *buf = NULL;
            size_t len = 0;
            char name[64];
            snprintf(name, sizeof name, "%s.%s", c->name, k_formats[f].ext);
            if (mc_image_write_mem(img, k_formats[f].fmt, &buf, &len, NULL) == MC_OK)
                put_file(k_formats[f].target, name, buf, len);
            mc_buffer_free(buf, len);
            mc_image_free(img);
        }
}

/* Every scheme and profile on a tiny image in every format: the decrypt
 * corpus, and the readers' files with metadata (and aux blobs). */
static void encrypted_images(void) {
    for (size_t i = 0; i < mc_scheme_count(); i++) {
        const mc_scheme *s = mc_scheme_at(i);
        int neural = 0;
        for (size_t q = 0; q < s->nparams; q++) neural |= !strcmp(s->params[q].name, "tile");
        for (int p = 0; p < 2; p++) {
            if (!(s->profiles & (p ? MC_PROFILES_PAPER : MC_PROFILES_HARDENED))) continue;
            for (size_t f = 0; f < 4; f++) {
                const kind *c = &k_kinds[(i + f) % 4]; /* gray8, s16, u16, ct12 in turn */
                mc_image *img = neural ? pattern(16, 16, 1, 1, 8, 0, 0)
                                       : pattern(c->w, c->h, 1, 1, c->bits, (int)c->sgn, c->stored);
                const char *params[] = {"tile=16", "block=4", "rounds=2"};
                size_t np = neural ? 1 : 0;
                if (strstr(s->name, "tpe")) params[0] = params[1], params[1] = params[2], np = 2;
                mc_err err = {0};
                if (mc_encrypt(img, s->name, p ? MC_PROFILE_PAPER : MC_PROFILE_HARDENED, params, np, g_key, NULL, &err))
                    die(s->name, err.msg);
                char name[96];
                snprintf(name, sizeof name, "%s-%s-%s.%s", s->name, p ? "paper" : "hardened", neural ? "nn" : c->name,
                         k_formats[f].ext);
                size_t len = 0;
                uint8_t *buf = put_image(img, k_formats[f].fmt, "decrypt", name, &len);
                if (!strcmp(s->name, "aead") || (neural && !p)) put_file(k_formats[f].target, name, buf, len);
                if (f == 0) { /* the metadata line, and the aux blob in each container */
                    char text[MC_META_TEXT_MAX];
                    size_t tl = 0;
                    if (mc_meta_serialize(&img->meta, NULL, text, sizeof text, &tl)) die(name, "metadata");
                    put_file("meta", name, text, tl);
                }
                if (img->aux_len && f == 0) {
                    char *b64 = malloc(MC_B64_LEN(img->aux_len > 57 ? 57 : img->aux_len) + 1);
                    mc_b64_encode(b64, img->aux, img->aux_len > 57 ? 57 : img->aux_len);
                    put_prefixed("aux", "b64-aux-line", 0, b64, MC_B64_LEN(img->aux_len > 57 ? 57 : img->aux_len));
                    free(b64);
                    put_prefixed("aux", "png-mcax", 2, img->aux, img->aux_len);
                    uint8_t *ext = calloc(1, 24 + img->aux_len);
                    memcpy(ext, "medcrypt-aux-v1", 16);
                    mc_put_le64(ext + 16, img->aux_len);
                    memcpy(ext + 24, img->aux, img->aux_len);
                    put_prefixed("aux", "nifti-ext", 3, ext, 24 + img->aux_len);
                    free(ext);
                }
                if (img->aux_len && f == 1) { /* the PGM comment block: between "P5\n" and the size */
                    const char *t = (const char *)buf + 3, *end = strstr(t, "\n16 16\n");
                    if (end) put_prefixed("aux", "pgm-comments", 1, t, (size_t)(end - t));
                }
                mc_buffer_free(buf, len);
                mc_image_free(img);
            }
        }
    }
}

/* ----------------------------------------------------- hand-built PNG/PGM */

static void chunk(uint8_t **p, const char *type, const void *data, uint32_t n) {
    uint8_t *q = *p;
    q[0] = (uint8_t)(n >> 24), q[1] = (uint8_t)(n >> 16), q[2] = (uint8_t)(n >> 8), q[3] = (uint8_t)n;
    memcpy(q + 4, type, 4);
    if (n) memcpy(q + 8, data, n);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), q + 4, 4 + n);
    q[8 + n] = (uint8_t)(crc >> 24), q[9 + n] = (uint8_t)(crc >> 16), q[10 + n] = (uint8_t)(crc >> 8);
    q[11 + n] = (uint8_t)crc;
    *p = q + 12 + n;
}

/* A w x h PNG of the given depth and colour type (interlace 1: Adam7), its
 * samples a pattern (all palette indices valid), plus an extra chunk. */
static void raw_png(const char *name, uint32_t w, uint32_t h, int depth, int ctype, int interlace, const char *xtype,
                    const void *xdata, uint32_t xlen) {
    static const int pass[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                   {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
    const int spp = ctype == 2 ? 3 : ctype == 4 ? 2 : ctype == 6 ? 4 : 1;
    uint8_t raw[8192], z[8192], out[16384], *p = out;
    size_t n = 0;
    for (int ps = 0; ps < (interlace ? 7 : 1); ps++) {
        const int *q = interlace ? pass[ps] : (const int[4]){0, 0, 1, 1};
        uint32_t pw = w > (uint32_t)q[0] ? (w - (uint32_t)q[0] + (uint32_t)q[2] - 1) / (uint32_t)q[2] : 0;
        uint32_t ph = h > (uint32_t)q[1] ? (h - (uint32_t)q[1] + (uint32_t)q[3] - 1) / (uint32_t)q[3] : 0;
        for (uint32_t y = 0; pw && y < ph; y++) {
            raw[n++] = 0; /* filter: none */
            for (uint32_t b = 0; b < (pw * (uint32_t)(spp * depth) + 7) / 8; b++) raw[n++] = (uint8_t)(b * 37 + y * 11);
        }
    }
    uLongf zl = sizeof z;
    if (compress(z, &zl, raw, n) != Z_OK) die(name, "zlib");
    memcpy(p, "\x89PNG\r\n\x1a\n", 8), p += 8;
    uint8_t ihdr[13] = {(uint8_t)(w >> 24),
                        (uint8_t)(w >> 16),
                        (uint8_t)(w >> 8),
                        (uint8_t)w,
                        (uint8_t)(h >> 24),
                        (uint8_t)(h >> 16),
                        (uint8_t)(h >> 8),
                        (uint8_t)h,
                        (uint8_t)depth,
                        (uint8_t)ctype,
                        0,
                        0,
                        (uint8_t)interlace};
    chunk(&p, "IHDR", ihdr, 13);
    if (ctype == 3) {
        uint8_t plte[768];
        int gray = xtype && !strcmp(xtype, "gray");
        for (int i = 0; i < 256 * 3; i++) plte[i] = gray ? (uint8_t)(i / 3) : (uint8_t)(i * 7);
        chunk(&p, "PLTE", plte, 3u << depth);
    }
    if (xtype && strcmp(xtype, "gray")) chunk(&p, xtype, xdata, xlen);
    chunk(&p, "IDAT", z, (uint32_t)zl);
    chunk(&p, "IEND", NULL, 0);
    put_file("png", name, out, (size_t)(p - out));
}

static void handmade(void) {
    static const char text[] = "medcrypt\0medcrypt=1;scheme=aead;profile=hardened";
    static const char itext[] = "medcrypt-image\0signed=1";
    uint8_t ztxt[256];
    uLongf zl = sizeof ztxt - 10;
    memcpy(ztxt, "medcrypt\0\0", 10);
    compress(ztxt + 10, &zl, (const Bytef *)"medcrypt=1;scheme=logistic;profile=paper", 40);
    for (int d = 1; d <= 8; d *= 2) {
        char name[64];
        snprintf(name, sizeof name, "pal%d.png", d);
        raw_png(name, 7, 5, d, 3, 0, NULL, NULL, 0);
        snprintf(name, sizeof name, "palgray%d.png", d);
        raw_png(name, 7, 5, d, 3, 0, "gray", NULL, 0);
        snprintf(name, sizeof name, "gray%d.png", d);
        raw_png(name, 9, 3, d, 0, 0, NULL, NULL, 0);
    }
    raw_png("adam7-gray8.png", 9, 9, 8, 0, 1, NULL, NULL, 0);
    raw_png("adam7-rgb16.png", 5, 6, 16, 2, 1, NULL, NULL, 0);
    raw_png("adam7-pal4.png", 5, 6, 4, 3, 1, NULL, NULL, 0);
    raw_png("trns.png", 4, 4, 8, 0, 0, "tRNS", "\0\7", 2);
    raw_png("gray-alpha.png", 4, 4, 8, 4, 0, NULL, NULL, 0);
    raw_png("text-meta.png", 4, 4, 8, 0, 0, "tEXt", text, sizeof text - 1);
    raw_png("ztxt-meta.png", 4, 4, 8, 0, 0, "zTXt", ztxt, (uint32_t)(10 + zl));
    raw_png("signed.png", 4, 4, 16, 0, 0, "tEXt", itext, sizeof itext - 1);
    raw_png("phys.png", 4, 4, 8, 0, 0, "pHYs", "\0\0\x0b\x13\0\0\x0b\x13\1", 9);

#define S(x)                                                                                                           \
    { x, sizeof x - 1 }
    static const struct {
        const char *s;
        size_t n;
    } pgm[] = {
        S("P5\n4 2\n4095\n\x0f\xff\0\1\x08\0\0\2\1\2\3\4\5\6\7\x08"),
        S("P5 # comment\n# medcrypt-image signed=1\n3 1 100 \1\2\3"),
        S("P6\n2 1\n1023\n\3\xff\0\0\1\1\2\2\0\0\1\1"),
        S("P2\n2 2\n255\n1 2\n3 4\n"),
        S("P7\nWIDTH 2\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRAYSCALE\nENDHDR\n\1\2"),
        S("P5\n# medcrypt medcrypt=1;scheme=aead;profile=hardened\n# medcrypt-aux-size 3\n# medcrypt-aux AQID\n2 "
          "1\n255\n\1\2"),
    };
#undef S
    for (size_t i = 0; i < sizeof pgm / sizeof pgm[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "hand%zu.pnm", i);
        put_file("pnm", name, pgm[i].s, pgm[i].n);
    }
}

/* -------------------------------------------------- NIfTI and DICOM extras */

static void extras(void) {
    mc_image *img = pattern(6, 5, 2, 1, 8, 0, 0);
    size_t len = 0;
    uint8_t *buf = put_image(img, MC_FMT_NIFTI, "nifti", "vol8-swapped-hdr.nii", &len);
    /* the same header in the other byte order (8-bit samples need no swap) */
    nifti_1_header h;
    memcpy(&h, buf, sizeof h);
    swap_nifti_header(&h, 1);
    memcpy(buf, &h, sizeof h);
    put_file("nifti", "vol8-swapped-hdr.nii", buf, len);
    /* gzip (.nii.gz) */
    uLongf zl = compressBound(len) + 64;
    uint8_t *z = malloc(zl + 64);
    z_stream zs = {0};
    deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = buf, zs.avail_in = (uInt)len, zs.next_out = z, zs.avail_out = (uInt)zl;
    deflate(&zs, Z_FINISH);
    put_file("nifti", "vol8.nii.gz", z, zs.total_out);
    deflateEnd(&zs);
    free(z);
    mc_buffer_free(buf, len);
    /* DICOM without the 128-byte preamble and "DICM" */
    buf = put_image(img, MC_FMT_DICOM, "dicom", "vol8.dcm", &len);
    put_file("dicom", "vol8-no-preamble.dcm", buf + 132, len - 132);
    mc_buffer_free(buf, len);
    mc_image_free(img);
}

/* --------------------------------------------------- meta, keys, models */

static void meta_lines(void) {
    static const char *const lines[] = {
        "medcrypt=1",
        "medcrypt=1;",
        "medcrypt=2;scheme=aead",
        "medcrypt=1;a=1;a=2",
        "medcrypt=1;k=v v;e=\0\0  \r\n",
        "medcrypt=1;kdf=argon2id;salt=000102030405060708090a0b0c0d0e0f;ops=18446744073709551615;mem=8192",
        "=1",
        "medcrypt=1;;x=1",
        "medcrypt=1;x==",
        "medcrypt=1;UPPER=1",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "edge%zu", i);
        put_file("meta", name, lines[i], i == 4 ? 26 : strlen(lines[i]));
    }
}

static void key_files(void) {
    mc_err err = {0};
    const char *p = out_path("keyfile", "raw.key");
    unlink(p);
    if (mc_keyfile_write(g_key, p, NULL, 0, &err)) die(p, err.msg);
    mc_key *k = NULL;
    uint8_t kb[MC_KEY_BYTES];
    fuzz_key_bytes(kb);
    if (mc_key_from_bytes(&k, kb, &err)) die("key", err.msg);
    mc_key_set_pwhash_cost(k, 1, 8192);
    p = out_path("keyfile", "wrapped.key");
    unlink(p);
    if (mc_keyfile_write(k, p, "fuzz", 4, &err)) die(p, err.msg);
    mc_key_free(k);
    static const char crlf[] =
        "medcrypt-key-v1 raw f0f1f2f3f4f5f6f7f8f9fafbfcfdfeffe0e1e2e3e4e5e6e7e8e9eaebecedeeef\r\n";
    static const char costly[] = "medcrypt-key-v1 argon2id 16 1073741824 00112233445566778899aabbccddeeff "
                                 "000102030405060708090a0b0c0d0e0f1011121314151617 00";
    put_file("keyfile", "crlf.key", crlf, sizeof crlf - 1);
    put_file("keyfile", "costly.key", costly, sizeof costly - 1);
}

static void models(void) {
    for (size_t i = 0; i < mc_nn_arch_count(); i++) {
        const mc_nn_arch *a = mc_nn_arch_at(i);
        for (int variant = 0; variant < 3; variant++) {
            mc_nn_model m;
            mc_nn_model_init(&m);
            snprintf(m.arch, sizeof m.arch, "%s", a->name);
            static const char *const small[] = {"channels=2", "blocks=1", "reduction=1"};
            const char *hp[3];
            size_t nhp = 0;
            for (size_t j = 0; j < 3; j++)
                for (size_t q = 0; q < a->nhp; q++)
                    if (!strncmp(small[j], a->hp[q].name, strlen(a->hp[q].name)) &&
                        small[j][strlen(a->hp[q].name)] == '=')
                        hp[nhp++] = small[j];
            mc_err err = {0};
            if (mc_nn_arch_hp(a, &m, hp, nhp, &err) || a->build(&m, 7, &err)) {
                mc_nn_model_free(&m);
                fprintf(stderr, "skip model %s: %s\n", a->name, err.msg);
                break;
            }
            for (size_t k = 0; variant == 1 && k < m.nnets; k++) mc_nn_opt_default(&m.opt[k], MC_NN_ADAM, 1e-3f);
            m.has_opt = variant == 1;
            char name[96];
            snprintf(name, sizeof name, "%s-%s.mcnn", a->name,
                     variant == 0   ? "tiny"
                     : variant == 1 ? "opt"
                                    : "encrypted");
            const char *p = out_path("model", name);
            if (mc_nn_model_save(&m, p, variant == 2 ? g_key : NULL, variant == 1, &err)) die(p, err.msg);
            mc_nn_model_free(&m);
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: mc_make_fuzz_corpus DIR   (writes DIR/<target>/...)\n");
        return 1;
    }
    g_dir = argv[1];
    if (mkdir(g_dir, 0755) && errno != EEXIST) die(g_dir, strerror(errno));
    uint8_t kb[MC_KEY_BYTES];
    fuzz_key_bytes(kb);
    mc_err err = {0};
    if (mc_init() || mc_key_from_bytes(&g_key, kb, &err)) die("key", err.msg);
    plain_images();
    encrypted_images();
    handmade();
    extras();
    meta_lines();
    key_files();
    models();
    mc_key_free(g_key);
    return 0;
}
