/* cmd_keyimage.c - medcrypt keyimage: write the key image of a key-image
 * scheme (deep-kedi) so that anyone can measure it (mc_key_image). */
#include "cli.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *f) {
    fprintf(f, "Usage: medcrypt keyimage [-s deep-kedi] (-k KEY | --passphrase) -o OUT [-f]\n"
               "         (--size WxH [--bits 8|16] [--profile paper|hardened] [--nonce HEX] | --from FILE)\n"
               "         [--raw]\n\n"
               "Write the key image the scheme XORs with the zigzag-ordered pixels of a\n"
               "slice (deep-kedi: the ZZ-GAN's output for the key), as a one-channel image,\n"
               "e.g. to measure it with `medcrypt analyze OUT`.  It is secret: whoever has\n"
               "it decrypts every paper-profile file of that key and size.\n\n"
               "  -s, --scheme SCHEME     deep-kedi (default)\n"
               "  -k, --key KEY           key file\n"
               "  --passphrase            a passphrase (needs --from: the file's salt)\n"
               "  --passphrase-file FILE  read the passphrase from FILE's first line\n"
               "  --size WxH              the image size (the key image depends on it)\n"
               "  --bits 8|16             sample size (default 8)\n"
               "  --profile PROFILE       hardened (default: for --nonce, whitened by the keyed\n"
               "                          stream) or paper (the key alone: one key image for\n"
               "                          every image of that size)\n"
               "  --nonce HEX             hardened: the nonce (48 hex digits); default: a fresh\n"
               "                          one, printed on standard error\n"
               "  --from FILE             the key image of an encrypted file: its size, bits,\n"
               "                          profile, nonce and model\n"
               "  --raw                   hardened: the generator's output before whitening\n"
               "  -o, --output OUT        output image (format from the extension, else PNG)\n"
               "  -f, --force             overwrite OUT if it exists\n\n"
               "Exit status: 0 ok, 1 usage, 2 bad input, 3 authentication, 4 I/O.\n");
}

static int parse_size(const char *s, uint32_t *w, uint32_t *h) {
    char *e;
    unsigned long a = strtoul(s, &e, 10);
    if (s[0] == '-' || e == s || (*e != 'x' && *e != 'X')) return -1;
    const char *t = e + 1;
    unsigned long b = strtoul(t, &e, 10);
    if (t[0] == '-' || e == t || *e || !a || !b || a > 65535 || b > 65535) return -1;
    *w = (uint32_t)a, *h = (uint32_t)b;
    return 0;
}

static int hexval(int c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int parse_nonce(const char *s, uint8_t out[MC_NONCE_BYTES]) {
    if (strlen(s) != 2 * MC_NONCE_BYTES) return -1;
    for (size_t i = 0; i < MC_NONCE_BYTES; i++) {
        int a = hexval(s[2 * i]), b = hexval(s[2 * i + 1]);
        if (a < 0 || b < 0) return -1;
        out[i] = (uint8_t)(a << 4 | b);
    }
    return 0;
}

typedef struct ki_args {
    uint32_t w, h;
    unsigned bits, flags;
    int have_size, have_bits;
    const char *from, *nonce_hex;
} ki_args;

enum { O_SIZE = 0x200, O_BITS, O_NONCE, O_FROM, O_RAW };

static int ki_opt(void *ud, int code, const char *arg) {
    ki_args *a = ud;
    switch (code) {
    case O_SIZE:
        if (parse_size(arg, &a->w, &a->h))
            return cli_error(EX_USAGE_, "keyimage: --size wants WxH (1..65535), not '%s'", arg);
        a->have_size = 1;
        return EX_OK_;
    case O_BITS:
        if (strcmp(arg, "8") && strcmp(arg, "16")) return cli_error(EX_USAGE_, "keyimage: --bits is 8 or 16");
        a->bits = (unsigned)atoi(arg), a->have_bits = 1;
        return EX_OK_;
    case O_NONCE: a->nonce_hex = arg; return EX_OK_;
    case O_FROM: a->from = arg; return EX_OK_;
    case O_RAW: a->flags |= MC_KEY_IMAGE_RAW; return EX_OK_;
    default: return EX_USAGE_;
    }
}

int cmd_keyimage(int argc, char **argv) {
    static const struct option lo[] = {{"size", required_argument, 0, O_SIZE},
                                        {"bits", required_argument, 0, O_BITS},
                                        {"nonce", required_argument, 0, O_NONCE},
                                        {"from", required_argument, 0, O_FROM},
                                        {"raw", no_argument, 0, O_RAW},
                                        {0, 0, 0, 0}};
    ki_args a = {.bits = 8};
    cli_extra ex = {lo, NULL, ki_opt, &a};
    cli_opts o;
    int c = cli_parse(argc, argv, "keyimage", CLI_O_SCHEME | CLI_O_KEY | CLI_O_PROFILE | CLI_O_OUTPUT, &ex, &o);
    if (c) return c;
    if (o.help) {
        help(stdout);
        return EX_OK_;
    }
    const char *scheme = o.scheme ? o.scheme : "deep-kedi", *out = o.out, *from = a.from, *nonce_hex = a.nonce_hex;
    uint32_t w = a.w, h = a.h;
    unsigned bits = a.bits, flags = a.flags;
    int force = o.force, have_size = a.have_size, have_bits = a.have_bits, have_profile = o.profile_given;
    mc_profile profile = o.profile_given ? o.profile : MC_PROFILE_HARDENED;
    cli_keyopts ko = o.key;
    if (o.first_arg != argc) return cli_error(EX_USAGE_, "keyimage: unexpected argument '%s'", argv[o.first_arg]);
    if (!out) return cli_error(EX_USAGE_, "keyimage: -o OUT is required");
    if (!from && !have_size) return cli_error(EX_USAGE_, "keyimage: give --size WxH or --from FILE");
    if (from && (have_size || have_bits || have_profile || nonce_hex))
        return cli_error(EX_USAGE_, "keyimage: --from takes size, bits, profile and nonce from the file");
    if (nonce_hex && profile == MC_PROFILE_PAPER) return cli_error(EX_USAGE_, "keyimage: the paper profile has no nonce");
    if (!ko.keyfile && !ko.passphrase) return cli_error(EX_USAGE_, "keyimage: a key is required: -k KEY or --passphrase");
    if (ko.passphrase && !from) return cli_error(EX_USAGE_, "keyimage: a passphrase key needs --from FILE (its salt)");
    int rc = cli_check_output(from, out, force);
    if (rc) return rc;

    uint8_t nonce[MC_NONCE_BYTES];
    mc_err err = {0};
    mc_image *src = NULL, *ki = NULL;
    mc_key *key = NULL;
    if (from) {
        if (mc_image_read(from, NULL, &src, &err)) return cli_fail(&err);
        const char *s = src->has_meta ? mc_meta_get(&src->meta, "scheme") : NULL;
        const char *pr = src->has_meta ? mc_meta_get(&src->meta, "profile") : NULL;
        if (!s || !pr || mc_profile_parse(pr, &profile)) {
            rc = cli_error(EX_INPUT_, "%s: not encrypted by medcrypt", from);
            goto out;
        }
        if (profile == MC_PROFILE_HARDENED &&
            mc_meta_get_hex(&src->meta, "nonce", nonce, sizeof nonce)) {
            rc = cli_error(EX_INPUT_, "%s: hardened file without a valid nonce", from);
            goto out;
        }
        scheme = s, w = src->width, h = src->height, bits = src->bits;
    } else if (profile == MC_PROFILE_HARDENED) {
        if (nonce_hex && parse_nonce(nonce_hex, nonce)) {
            rc = cli_error(EX_USAGE_, "keyimage: --nonce wants %d hex digits", 2 * MC_NONCE_BYTES);
            goto out;
        }
        if (!nonce_hex) {
            randombytes_buf(nonce, sizeof nonce);
            fprintf(stderr, "%s: nonce ", g_prog);
            for (size_t i = 0; i < sizeof nonce; i++) fprintf(stderr, "%02x", nonce[i]);
            fputc('\n', stderr);
        }
    }
    if ((rc = cli_load_key(&ko, 0, &key))) goto out;
    if (mc_key_image(scheme, profile, w, h, bits, profile == MC_PROFILE_HARDENED ? nonce : NULL,
                     src ? &src->meta : NULL, key, flags, NULL, &ki, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    ki->format = mc_format_from_path(out);
    if (ki->format == MC_FMT_UNKNOWN) ki->format = MC_FMT_PNG;
    rc = cli_write_image(ki, from, out, force, CLI_OUT_PRIVATE); /* secret */
out:
    mc_key_free(key);
    mc_image_free(ki);
    mc_image_free(src);
    return rc;
}
