/* make_kat.c - writes the known-answer files of tests/kat (docs/known-answers.md).
 *
 *   mc_make_kat DIR [SCHEME...]
 *
 * For every scheme of the registry (or those named), profile, image kind and
 * format it writes DIR/files/SCHEME/PROFILE-KIND.EXT, encrypted by this build,
 * and appends a row to DIR/MANIFEST:
 *
 *   FILE SCHEME PROFILE KEY EXPECTED
 *
 * KEY is `raw` (DIR/keys/raw.key), `wrapped` (DIR/keys/wrapped.key: the same
 * key wrapped under the passphrase of DIR/keys/passphrase.txt) or `pass` (the
 * file's key derived from that passphrase with Argon2id, its small cost
 * written into the file).  EXPECTED is the plaintext (DIR/plain/KIND.EXT) or,
 * for the paper profile of a lossy scheme, the pinned decryption
 * (DIR/expect/SCHEME/paper-KIND.EXT).
 *
 * It never replaces anything: an existing file is kept and its row is not
 * written again, and existing keys are reused.  So running it after a new
 * scheme joins the registry adds exactly that scheme's rows; the files of the
 * schemes already there stay those of the build that first wrote them.  Each
 * new file is read back and decrypted before its row is written.
 *
 * tests/kat/test_kat.c (and test_kat_cli.sh) only read these files; nothing in
 * the test suite runs this program. */
#define _POSIX_C_SOURCE 200809L
#include "medcrypt.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KAT_PASS_OPS 2ULL
#define KAT_PASS_MEM (64ULL << 10)
#define KAT_PASSPHRASE "medcrypt known answers, never regenerated"

typedef struct kat_kind {
    const char *name;
    uint32_t w, h, d;
    unsigned ch, bits, sgn, bits_stored; /* bits_stored 0: all */
} kat_kind;

/* Small images: 48x40 (not a multiple of the TPE blocks, so partial blocks
 * are pinned too); the neural schemes need a whole 256x256 tile. */
static const kat_kind k_kinds[] = {
    {"gray8", 48, 40, 1, 1, 8, 0, 0}, {"ct16", 48, 40, 1, 1, 16, 1, 0}, {"ct12", 48, 40, 1, 1, 16, 1, 12},
    {"mr16", 48, 40, 1, 1, 16, 0, 0}, {"rgb8", 48, 40, 1, 3, 8, 0, 0},  {"vol16", 24, 20, 3, 1, 16, 1, 0},
    {"nn8", 256, 256, 1, 1, 8, 0, 0},
};
/* mr16 (unsigned 16-bit) only in these formats, to keep the folder small */
#define MR16_FORMATS "png dcm"

typedef struct kat_fmt {
    const char *name, *ext, *ext_rgb;
} kat_fmt;
static const kat_fmt k_fmts[] = {
    {"png", "png", "png"}, {"pnm", "pgm", "ppm"},         {"dcm", "dcm", "dcm"},
    {"nii", "nii", "nii"}, {"niigz", "nii.gz", "nii.gz"},
};
#define NFMT (sizeof k_fmts / sizeof k_fmts[0])

static const char *g_dir;
static FILE *g_manifest;
static int g_new_rows;

MC_PRINTF(1, 2) static void die(const char *fmt, ...);
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "mc_make_kat: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static int exists(const char *p) {
    return access(p, F_OK) == 0;
}

static void mkdirs(const char *path) { /* every directory of path's prefix */
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0755) && errno != EEXIST) die("mkdir %s: %s", tmp, strerror(errno));
            *p = '/';
        }
}

static const char *kat_path(char *buf, size_t cap, const char *rel) {
    snprintf(buf, cap, "%s/%s", g_dir, rel);
    mkdirs(buf);
    return buf;
}

/* ----------------------------------------------------------- plaintexts */

/* The phantom with a little deterministic texture, so every bit plane moves. */
static mc_image *synth(const kat_kind *k) {
    mc_err err = {0};
    mc_image *ph = NULL, *img = NULL;
    uint32_t side = k->w > k->h ? k->w : k->h;
    if (mc_phantom(&ph, side, k->d, k->bits, &err) ||
        mc_image_new(&img, k->w, k->h, k->d, k->ch, k->bits, (int)k->sgn, NULL, &err))
        die("%s: %s", k->name, err.msg);
    memcpy(img->spacing, ph->spacing, sizeof img->spacing);
    img->bits_stored = (uint8_t)(k->bits_stored ? k->bits_stored : k->bits);
    uint32_t y0 = (side - k->h) / 2, x0 = (side - k->w) / 2;
    for (uint32_t z = 0; z < k->d; z++)
        for (uint32_t y = 0; y < k->h; y++)
            for (uint32_t x = 0; x < k->w; x++)
                for (unsigned c = 0; c < k->ch; c++) {
                    size_t src = ((size_t)z * side + y + y0) * side + x + x0;
                    size_t dst = (((size_t)z * k->h + y) * k->w + x) * k->ch + c;
                    int t = (int)((x * 7 + y * 13 + z * 5 + c * 3) % 5) - 2;
                    if (k->bits == 8) {
                        int v = ((const uint8_t *)ph->pixels)[src];
                        if (c == 1) v = (int)(x * 5 + y * 3) & 255;
                        if (c == 2) v ^= (int)(x * y) & 255;
                        v += t;
                        ((uint8_t *)img->pixels)[dst] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
                    } else {
                        int v = (int16_t)((const uint16_t *)ph->pixels)[src] + 3 * t + (k->sgn ? 0 : 1024);
                        ((uint16_t *)img->pixels)[dst] = (uint16_t)(int16_t)v;
                    }
                }
    mc_image_free(ph);
    return img;
}

static int same_image(const mc_image *a, const mc_image *b) {
    return a->width == b->width && a->height == b->height && a->depth == b->depth && a->channels == b->channels &&
           a->bits == b->bits && a->is_signed == b->is_signed && a->bits_stored == b->bits_stored &&
           a->nbytes == b->nbytes && !memcmp(a->pixels, b->pixels, a->nbytes);
}

/* DIR/plain/KIND.EXT, written once (NULL: this format cannot hold the kind). */
static const char *plain_file(const kat_kind *k, const kat_fmt *f, char *rel, size_t cap) {
    snprintf(rel, cap, "plain/%s.%s", k->name, k->ch == 3 ? f->ext_rgb : f->ext);
    char path[1024];
    kat_path(path, sizeof path, rel);
    if (exists(path)) return rel;
    static char skipped[4096]; /* "|rel|" of the combinations found impossible */
    char tag[300];
    snprintf(tag, sizeof tag, "|%s|", rel);
    if (strstr(skipped, tag)) return NULL;
    mc_err err = {0};
    mc_image *img = synth(k), *back = NULL;
    int rc = mc_image_write(img, path, MC_FMT_UNKNOWN, &err);
    if (!rc) rc = mc_image_read(path, NULL, &back, &err);
    if (!rc && !same_image(img, back)) rc = mc_err_set(&err, MC_ERR_UNSUPPORTED, "does not read back the same");
    mc_image_free(img);
    mc_image_free(back);
    if (rc) {
        unlink(path);
        printf("skip %s: %s\n", rel, err.msg);
        if (strlen(skipped) + strlen(tag) < sizeof skipped) strcat(skipped, tag);
        return NULL;
    }
    return rel;
}

/* ----------------------------------------------------------------- keys */

static char g_pass[256];
static size_t g_passlen;

static int pass_cb(void *ud, char *buf, size_t cap) {
    (void)ud;
    if (g_passlen >= cap) return MC_ERR_ARG;
    memcpy(buf, g_pass, g_passlen);
    return (int)g_passlen;
}

static void load_keys(mc_key **raw, mc_key **wrapped) {
    char p_raw[1024], p_wrap[1024], p_pass[1024];
    kat_path(p_raw, sizeof p_raw, "keys/raw.key");
    kat_path(p_wrap, sizeof p_wrap, "keys/wrapped.key");
    kat_path(p_pass, sizeof p_pass, "keys/passphrase.txt");
    mc_err err = {0};
    if (!exists(p_pass)) {
        FILE *f = fopen(p_pass, "w");
        if (!f || fprintf(f, "%s\n", KAT_PASSPHRASE) < 0 || fclose(f)) die("%s: cannot write", p_pass);
    }
    FILE *f = fopen(p_pass, "r");
    if (!f || !fgets(g_pass, sizeof g_pass, f)) die("%s: cannot read", p_pass);
    fclose(f);
    g_passlen = strcspn(g_pass, "\r\n");
    if (!exists(p_raw)) {
        mc_key *k = NULL;
        if (exists(p_wrap)) die("%s exists without %s", p_wrap, p_raw);
        if (mc_key_generate(&k, &err) || mc_keyfile_write(k, p_raw, NULL, 0, &err)) die("%s", err.msg);
        mc_key_set_pwhash_cost(k, KAT_PASS_OPS, KAT_PASS_MEM);
        if (mc_keyfile_write(k, p_wrap, g_pass, g_passlen, &err)) die("%s", err.msg);
        mc_key_free(k);
    }
    if (mc_keyfile_read(p_raw, NULL, NULL, raw, NULL, &err) ||
        mc_keyfile_read(p_wrap, pass_cb, NULL, wrapped, NULL, &err))
        die("%s", err.msg);
    uint8_t a[MC_KEY_BYTES], b[MC_KEY_BYTES];
    if (mc_key_master(*raw, NULL, 0, a, &err) || mc_key_master(*wrapped, NULL, 0, b, &err) || memcmp(a, b, sizeof a))
        die("keys/raw.key and keys/wrapped.key hold different keys");
    sodium_memzero(a, sizeof a);
    sodium_memzero(b, sizeof b);
}

/* --------------------------------------------------------------- rows */

typedef struct kat_row {
    const mc_scheme *s;
    mc_profile profile;
    const kat_kind *kind;
    const kat_fmt *fmt;
    const char *keyname; /* raw | wrapped | pass */
    const mc_key *key;
} kat_row;

static char *g_known; /* MANIFEST text: rows already there */

static void row(const kat_row *r) {
    char plain_rel[256], rel[512], path[1024], exp_rel[512];
    const char *prof = !strcmp(r->keyname, "pass") ? "pass" : mc_profile_name(r->profile);
    if (!plain_file(r->kind, r->fmt, plain_rel, sizeof plain_rel)) return;
    const char *ext = strchr(plain_rel, '.') + 1;
    snprintf(rel, sizeof rel, "files/%s/%s-%s.%s", r->s->name, prof, r->kind->name, ext);
    kat_path(path, sizeof path, rel);
    if (exists(path)) return; /* never replaced */
    char needle[600];
    snprintf(needle, sizeof needle, "\n%s ", rel);
    if (strstr(g_known, needle)) die("%s: in MANIFEST but missing", rel);

    mc_err err = {0};
    mc_image *img = NULL, *plain = NULL, *back = NULL;
    char ppath[1024];
    kat_path(ppath, sizeof ppath, plain_rel);
    if (mc_image_read(ppath, NULL, &img, &err) || mc_image_read(ppath, NULL, &plain, &err)) die("%s", err.msg);
    int rc = mc_encrypt(img, r->s->name, r->profile, NULL, 0, r->key, NULL, &err);
    if (rc == MC_ERR_UNSUPPORTED || rc == MC_ERR_LIMITS) {
        printf("skip %s: %s\n", rel, err.msg);
        goto out;
    }
    if (rc || mc_image_write(img, path, MC_FMT_UNKNOWN, &err)) die("%s: %s", rel, err.msg);
    /* read back and decrypt: the row is written only if this build agrees */
    mc_opts opts = {.flags = r->profile == MC_PROFILE_PAPER ? MC_DECRYPT_UNAUTHENTICATED : 0};
    if (mc_image_read(path, NULL, &back, &err) || mc_decrypt(back, r->key, &opts, &err)) die("%s: %s", rel, err.msg);
    if (r->profile == MC_PROFILE_PAPER && (r->s->flags & MC_SCHEME_PAPER_LOSSY)) {
        snprintf(exp_rel, sizeof exp_rel, "expect/%s/paper-%s.%s", r->s->name, r->kind->name, ext);
        char epath[1024];
        kat_path(epath, sizeof epath, exp_rel);
        mc_image *e = NULL;
        if (mc_image_write(back, epath, MC_FMT_UNKNOWN, &err) || mc_image_read(epath, NULL, &e, &err))
            die("%s: %s", exp_rel, err.msg);
        int same = same_image(back, e);
        mc_image_free(e);
        if (!same) die("%s does not read back the same", exp_rel);
    } else {
        snprintf(exp_rel, sizeof exp_rel, "%s", plain_rel);
        if (!same_image(back, plain)) die("%s: does not decrypt to %s", rel, plain_rel);
    }
    fprintf(g_manifest, "%s %s %s %s %s\n", rel, r->s->name, mc_profile_name(r->profile), r->keyname, exp_rel);
    fflush(g_manifest);
    g_new_rows++;
    printf("wrote %s\n", rel);
out:
    mc_image_free(img);
    mc_image_free(plain);
    mc_image_free(back);
}

static int is_neural(const mc_scheme *s) {
    for (size_t i = 0; i < s->nparams; i++)
        if (!strcmp(s->params[i].name, "model")) return 1;
    return 0;
}

static void scheme_rows(const mc_scheme *s, mc_key *raw, mc_key *wrapped, mc_key *pass) {
    const int neural = is_neural(s);
    for (int p = 0; p < 2; p++) {
        mc_profile prof = p ? MC_PROFILE_PAPER : MC_PROFILE_HARDENED;
        if (!(s->profiles & (p ? MC_PROFILES_PAPER : MC_PROFILES_HARDENED))) continue;
        for (size_t k = 0; k < sizeof k_kinds / sizeof k_kinds[0]; k++) {
            const kat_kind *kind = &k_kinds[k];
            if (neural != !strcmp(kind->name, "nn8")) continue;
            for (size_t f = 0; f < NFMT; f++) {
                const kat_fmt *fmt = &k_fmts[f];
                /* the neural schemes: every container of the aux blob in
                 * hardened, PNG in paper (the files are 100 KB each) */
                if (neural && (!strcmp(fmt->name, "niigz") || (prof == MC_PROFILE_PAPER && f > 0))) continue;
                if (!strcmp(kind->name, "mr16") && !strstr(MR16_FORMATS, fmt->name)) continue;
                int use_wrapped = !strcmp(fmt->name, "png");
                kat_row r = {s, prof, kind, fmt, use_wrapped ? "wrapped" : "raw", use_wrapped ? wrapped : raw};
                row(&r);
            }
        }
    }
    /* passphrase-derived files: aead in every format, and one scheme under
     * the framework's MAC (logistic) */
    int is_aead = !strcmp(s->name, "aead");
    if (!is_aead && strcmp(s->name, "logistic")) return;
    for (size_t f = 0; f < NFMT; f++) {
        if (!is_aead && f > 0) break;
        kat_row r = {s, MC_PROFILE_HARDENED, &k_kinds[0], &k_fmts[f], "pass", pass};
        row(&r);
    }
}

int main(int argc, char **argv) {
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: mc_make_kat DIR [SCHEME...]   (adds missing known-answer files; replaces nothing)\n");
        return 1;
    }
    if (mc_init()) die("libsodium initialisation failed");
    g_dir = argv[1];
    mc_key *raw = NULL, *wrapped = NULL, *pass = NULL;
    load_keys(&raw, &wrapped);
    mc_err err = {0};
    if (mc_key_from_passphrase(&pass, g_pass, g_passlen, &err)) die("%s", err.msg);
    mc_key_set_pwhash_cost(pass, KAT_PASS_OPS, KAT_PASS_MEM);

    char mpath[1024];
    kat_path(mpath, sizeof mpath, "MANIFEST");
    size_t mlen = 0;
    FILE *mf = fopen(mpath, "rb");
    g_known = calloc(1, 1 << 20);
    if (!g_known) die("out of memory");
    g_known[0] = '\n';
    if (mf) {
        mlen = fread(g_known + 1, 1, (1 << 20) - 2, mf);
        fclose(mf);
    }
    g_manifest = fopen(mpath, "a");
    if (!g_manifest) die("%s: %s", mpath, strerror(errno));
    if (mlen == 0)
        fprintf(g_manifest,
                "# medcrypt known answers (docs/known-answers.md): written once by mc_make_kat, never regenerated.\n"
                "# FILE SCHEME PROFILE KEY EXPECTED   (KEY: raw = keys/raw.key, wrapped = keys/wrapped.key,\n"
                "# pass = derived from keys/passphrase.txt; both unlock with the passphrase in keys/passphrase.txt)\n");
    for (size_t i = 0; i < mc_scheme_count(); i++) {
        const mc_scheme *s = mc_scheme_at(i);
        int want = argc == 2;
        for (int a = 2; a < argc; a++) want |= !strcmp(argv[a], s->name);
        if (want) scheme_rows(s, raw, wrapped, pass);
    }
    for (int a = 2; a < argc; a++)
        if (!mc_scheme_find(argv[a])) die("unknown scheme '%s'", argv[a]);
    fclose(g_manifest);
    free(g_known);
    mc_key_free(raw);
    mc_key_free(wrapped);
    mc_key_free(pass);
    printf("%d new rows\n", g_new_rows);
    return 0;
}
