/* opts.c - the one option parser of the crypto subcommands (encrypt,
 * decrypt, analyze --sensitivity, attack) and the loading of what those
 * options name: the key (key file or passphrase), the key image and the model.
 *
 * The options shared by several subcommands (-s, -k, --passphrase,
 * --passphrase-file, --profile, --param, --key-image, --model, -o, -f, -h) are
 * parsed and checked here, once; a subcommand adds its own through a table
 * and a callback. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    O_PASSPHRASE = 0x100,
    O_PASSFILE,
    O_PROFILE,
    O_PARAM,
    O_KEY_IMAGE,
    O_MODEL,
};

static const struct {
    unsigned set;
    struct option o;
    char shortc; /* 0: long only */
} k_common[] = {
    {CLI_O_SCHEME, {"scheme", required_argument, 0, 's'}, 's'},
    {CLI_O_KEY, {"key", required_argument, 0, 'k'}, 'k'},
    {CLI_O_KEY, {"passphrase", no_argument, 0, O_PASSPHRASE}, 0},
    {CLI_O_KEY, {"passphrase-file", required_argument, 0, O_PASSFILE}, 0},
    {CLI_O_PROFILE, {"profile", required_argument, 0, O_PROFILE}, 0},
    {CLI_O_PARAM, {"param", required_argument, 0, O_PARAM}, 0},
    {CLI_O_INPUTS, {"key-image", required_argument, 0, O_KEY_IMAGE}, 0},
    {CLI_O_INPUTS, {"model", required_argument, 0, O_MODEL}, 0},
    {CLI_O_OUTPUT, {"output", required_argument, 0, 'o'}, 'o'},
    {CLI_O_OUTPUT, {"force", no_argument, 0, 'f'}, 'f'},
};
#define NCOMMON (sizeof k_common / sizeof k_common[0])
#define MAX_LONG 48

static int common_opt(cli_opts *o, int c, const char *arg) {
    switch (c) {
    case 's': o->scheme = arg; return EX_OK_;
    case 'k': o->key.keyfile = arg; return EX_OK_;
    case O_PASSPHRASE: o->key.passphrase = 1; return EX_OK_;
    case O_PASSFILE: o->key.passfile = arg; return EX_OK_;
    case O_PROFILE:
        if (mc_profile_parse(arg, &o->profile))
            return cli_error(EX_USAGE_, "unknown profile '%s' (paper or hardened)", arg);
        o->profile_given = 1;
        return EX_OK_;
    case O_PARAM: {
        const char *eq = strchr(arg, '=');
        if (!eq || eq == arg) return cli_error(EX_USAGE_, "--param '%s': NAME=VALUE expected", arg);
        if (o->np == CLI_MAX_PARAMS) return cli_error(EX_USAGE_, "too many --param (at most %d)", CLI_MAX_PARAMS);
        o->params[o->np++] = arg;
        return EX_OK_;
    }
    case O_KEY_IMAGE: o->key_image = arg; return EX_OK_;
    case O_MODEL: o->model = arg; return EX_OK_;
    case 'o': o->out = arg; return EX_OK_;
    case 'f': o->force = 1; return EX_OK_;
    default: return -1; /* not a common option */
    }
}

int cli_parse(int argc, char **argv, const char *cmd, unsigned sets, const cli_extra *extra, cli_opts *o) {
    struct option lo[MAX_LONG];
    char shorts[64];
    size_t nl = 0, ns = 0;
    memset(o, 0, sizeof *o);
    o->profile = MC_PROFILE_HARDENED;
    shorts[ns++] = ':'; /* missing argument: ':' rather than '?' */
    for (size_t i = 0; i < NCOMMON; i++) {
        if (!(k_common[i].set & sets)) continue;
        lo[nl++] = k_common[i].o;
        if (k_common[i].shortc) {
            shorts[ns++] = k_common[i].shortc;
            if (k_common[i].o.has_arg == required_argument) shorts[ns++] = ':';
        }
    }
    for (const struct option *e = extra ? extra->longs : NULL; e && e->name && nl + 2 < MAX_LONG; e++) lo[nl++] = *e;
    lo[nl++] = (struct option){"help", no_argument, 0, 'h'};
    lo[nl] = (struct option){0, 0, 0, 0};
    for (const char *s = extra && extra->shorts ? extra->shorts : ""; *s && ns + 3 < sizeof shorts; s++)
        shorts[ns++] = *s;
    shorts[ns++] = 'h';
    shorts[ns] = 0;

    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        if (c == 'h') {
            o->help = 1;
            return EX_OK_;
        }
        if (c == '?' || c == ':') {
            const char *bad = argv[optind - 1];
            if (c == ':') return cli_error(EX_USAGE_, "%s: option %s needs a value", cmd, bad);
            if (optopt > 0 && optopt < 0x100 && bad[0] == '-' && bad[1] != '-')
                return cli_error(EX_USAGE_, "%s: unknown option -%c (see: medcrypt %s --help)", cmd, optopt, cmd);
            return cli_error(EX_USAGE_, "%s: unknown option %s, or it takes no value (see: medcrypt %s --help)", cmd,
                             bad, cmd);
        }
        int rc = common_opt(o, c, optarg);
        if (rc < 0) rc = extra && extra->fn ? extra->fn(extra->ud, c, optarg) : cli_error(EX_USAGE_, "%s: bad option", cmd);
        if (rc) return rc;
    }
    o->first_arg = optind;
    return EX_OK_;
}

int cli_flag_opt(void *ud, int code, const char *arg) {
    (void)code;
    (void)arg;
    *(int *)ud = 1;
    return EX_OK_;
}

int cli_need_key(const cli_opts *o, const char *cmd) {
    if (!o->key.keyfile && !o->key.passphrase && !o->key.passfile)
        return cli_error(EX_USAGE_, "%s: a key is required: -k KEY or --passphrase", cmd);
    if (o->key.keyfile && o->key.passphrase)
        return cli_error(EX_USAGE_, "give either -k KEY or --passphrase, not both (for a protected key file, "
                                    "--passphrase-file FILE or MEDCRYPT_PASSPHRASE give its passphrase)");
    return EX_OK_;
}

static int has_param(const mc_scheme *s, const char *name) {
    for (size_t i = 0; i < s->nparams; i++)
        if (!strcmp(s->params[i].name, name)) return 1;
    return 0;
}

int cli_check_scheme(const cli_opts *o, const char *cmd) {
    if (!o->scheme) return cli_error(EX_USAGE_, "%s: -s SCHEME is required (see: medcrypt list)", cmd);
    const mc_scheme *s = mc_scheme_find(o->scheme);
    if (!s) return cli_error(EX_USAGE_, "unknown scheme '%s' (see: medcrypt list)", o->scheme);
    if (o->key_image && !has_param(s, "key-image"))
        return cli_error(EX_USAGE_, "scheme %s takes no key image (--key-image)", s->name);
    if (o->model && !has_param(s, "model")) return cli_error(EX_USAGE_, "scheme %s takes no model (--model)", s->name);
    return EX_OK_;
}

/* The bytes of a model file named on the command line: a regular file of at
 * most 2 GiB (the engine's limit). */
#define MODEL_MAX_BYTES (1ull << 31)
static int read_model(const char *path, uint8_t **out, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return cli_error(EX_IO_, "--model %s: %s", path, strerror(errno));
    struct stat st;
    int rc = EX_OK_;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) rc = cli_error(EX_INPUT_, "--model %s: not a regular file", path);
    else if ((unsigned long long)st.st_size > MODEL_MAX_BYTES) rc = cli_error(EX_INPUT_, "--model %s: larger than 2 GiB", path);
    else if (st.st_size == 0) rc = cli_error(EX_INPUT_, "--model %s: empty file", path);
    uint8_t *b = rc ? NULL : malloc((size_t)st.st_size);
    if (!rc && !b) rc = cli_error(EX_IO_, "out of memory");
    size_t got = 0;
    while (!rc && got < (size_t)st.st_size) {
        ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) rc = cli_error(EX_IO_, "--model %s: read error", path);
        else got += (size_t)r;
    }
    close(fd);
    if (rc) {
        free(b);
        return rc;
    }
    *out = b;
    *len = got;
    return EX_OK_;
}

int cli_inputs_load(const cli_opts *o, int confirm, cli_inputs *in) {
    memset(in, 0, sizeof *in);
    mc_err err = {0};
    int rc = EX_OK_;
    if (o->key_image) {
        if (!strcmp(o->key_image, "-")) return cli_error(EX_USAGE_, "--key-image: a file, not standard input");
        if (mc_image_read(o->key_image, NULL, &in->key_image, &err)) return cli_fail(&err);
        if (in->key_image->has_meta && mc_meta_get(&in->key_image->meta, "scheme")) {
            cli_inputs_free(in);
            return cli_error(EX_INPUT_, "--key-image %s is an encrypted image", o->key_image);
        }
        in->opts.key_image = in->key_image;
    }
    if (o->model) {
        if ((rc = read_model(o->model, &in->model, &in->opts.model_len))) {
            cli_inputs_free(in);
            return rc;
        }
        in->opts.model = in->model;
    }
    if ((rc = cli_load_key(&o->key, confirm, &in->key))) cli_inputs_free(in);
    return rc;
}

void cli_inputs_free(cli_inputs *in) {
    if (in->key_image && in->key_image->pixels) sodium_memzero(in->key_image->pixels, in->key_image->nbytes);
    mc_image_free(in->key_image);
    free(in->model);
    mc_key_free(in->key);
    memset(in, 0, sizeof *in);
}
