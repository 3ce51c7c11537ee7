/* cmd_attack.c - medcrypt attack kpa|cpa: the plaintext attacks that break the
 * paper profiles of the keystream schemes (docs/attacks.md). */
#include "medcrypt_lab.h"
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS CLI_MAX_PARAMS

static void help_attack(FILE *f) {
    fprintf(f,
            "Usage: medcrypt attack kpa [-s SCHEME] [--profile P] --known PLAIN KNOWN_CIPHER TARGET_CIPHER\n"
            "                           -o RECOVERED [--truth PLAIN2] [-f]\n"
            "       medcrypt attack cpa [-s SCHEME] (-k KEY | --passphrase) [--profile P] [--param k=v]...\n"
            "                           TARGET_CIPHER -o RECOVERED [--truth PLAIN2] [-f]\n"
            "       medcrypt attack surrogate --plain P --cipher C ... TARGET_CIPHER -o RECOVERED\n"
            "                           (a network trained on known pairs: attack surrogate --help)\n\n"
            "kpa: known-plaintext attack.  From one known pair (PLAIN, KNOWN_CIPHER) made with\n"
            "     the same key, recover the keystream (cipher = order(plain) XOR keystream) and\n"
            "     apply it to TARGET_CIPHER.\n"
            "cpa: chosen-plaintext attack.  The key only drives the encryption oracle: it\n"
            "     encrypts an all-zero image of the target's geometry (scheme, profile and\n"
            "     parameters from TARGET_CIPHER's metadata unless given), and the attack uses\n"
            "     that cipher alone.\n"
            "Schemes: logistic, zigzag, deep-kedi, aead (XOR-keystream model).  The paper\n"
            "profiles fall to one plaintext; hardened ones leave only chance (1/256 per\n"
            "8-bit sample).  deep-kedi: the recovered speckled image is despeckled as its\n"
            "decryption does; cpa's all-zero image has no speckle, so the key image and\n"
            "the paper decryption come back exactly (kpa: where the known image is flat).\n"
            "cpa also covers at-resnet-cm and resnet-cm: the XOR of the target cipher with\n"
            "the all-zero image's cipher, shown as the position of its highest set bit,\n"
            "draws the plaintext in the paper profile (an estimate: see the correlation\n"
            "that --truth prints); in hardened it draws noise.\n\n"
            "  -s, --scheme SCHEME     default: the target's metadata\n"
            "  --profile PROFILE       expected profile of the ciphers (checked against them)\n"
            "  --known PLAIN           kpa: the plaintext of KNOWN_CIPHER\n"
            "  -k, --key KEY           cpa: the victim's key, used by the oracle only\n"
            "  --passphrase, --passphrase-file FILE   cpa: the oracle's key as a passphrase\n"
            "  --param NAME=VALUE      cpa: oracle parameter (default: the target's)\n"
            "  --key-image FILE, --model FILE   cpa: the oracle's key image or model\n"
            "  --truth PLAIN2          score: print the fraction of samples recovered exactly\n"
            "                          and the correlation of the recovered image with PLAIN2\n"
            "  -o, --output RECOVERED  the recovered image\n"
            "  -f, --force             overwrite RECOVERED if it exists\n\n"
            "Exit status: 0 ok, 1 usage, 2 bad input or unsupported scheme, 4 I/O.\n");
}

typedef struct oracle_ud {
    const char *scheme;
    mc_profile profile;
    const char *const *params;
    size_t nparams;
    const mc_key *key;
    const mc_opts *opts;
} oracle_ud;

static int cli_oracle(void *ud, mc_image *img, mc_err *err) {
    const oracle_ud *o = ud;
    return mc_encrypt(img, o->scheme, o->profile, o->params, o->nparams, o->key, o->opts, err);
}

static int read_img(const char *path, mc_image **out) {
    mc_err err = {0};
    if (mc_image_read(path, NULL, out, &err)) return cli_fail(&err);
    return EX_OK_;
}

typedef struct attack_opts {
    const char *known, *truth;
} attack_opts;

static int attack_opt(void *ud, int c, const char *arg) {
    attack_opts *a = ud;
    if (c == 'K') a->known = arg;
    else if (c == 't') a->truth = arg;
    else return cli_error(EX_USAGE_, "attack: bad option");
    return EX_OK_;
}

int cmd_attack(int argc, char **argv) {
    static const struct option lo[] = {{"known", required_argument, 0, 'K'}, {"truth", required_argument, 0, 't'}, {0, 0, 0, 0}};
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        help_attack(argc < 2 ? stderr : stdout);
        return argc < 2 ? EX_USAGE_ : EX_OK_;
    }
    const char *mode = argv[1];
    if (!strcmp(mode, "surrogate")) return cmd_attack_surrogate(argc - 1, argv + 1);
    int kpa = !strcmp(mode, "kpa");
    if (!kpa && strcmp(mode, "cpa"))
        return cli_error(EX_USAGE_, "attack: unknown attack '%s' (kpa, cpa or surrogate; see --help)", mode);
    attack_opts ao = {0};
    cli_extra ex = {lo, NULL, attack_opt, &ao};
    cli_opts o;
    int rc = cli_parse(argc - 1, argv + 1, "attack",
                       CLI_O_SCHEME | CLI_O_KEY | CLI_O_PROFILE | CLI_O_PARAM | CLI_O_INPUTS | CLI_O_OUTPUT, &ex, &o);
    if (rc) return rc;
    if (o.help) {
        help_attack(stdout);
        return EX_OK_;
    }
    argc--;
    argv++;
    const int first = o.first_arg;
    const char *scheme = o.scheme, *known = ao.known, *truth = ao.truth, *out = o.out;
    const char *const *params = o.params;
    size_t np = o.np;
    int force = o.force, profile_given = o.profile_given;
    mc_profile profile = o.profile;
    int npos = argc - first;
    if (kpa && (npos != 2 || !known))
        return cli_error(EX_USAGE_, "attack kpa: needs --known PLAIN, KNOWN_CIPHER and TARGET_CIPHER");
    if (!kpa && npos != 1) return cli_error(EX_USAGE_, "attack cpa: needs exactly one TARGET_CIPHER");
    if (kpa && (o.key.keyfile || o.key.passphrase || o.key.passfile || np || o.key_image || o.model))
        return cli_error(EX_USAGE_, "attack kpa: uses no key, no parameters, no key image or model (they come from the ciphers)");
    if (!kpa && (rc = cli_need_key(&o, "attack cpa"))) return rc;
    if (!out) return cli_error(EX_USAGE_, "attack: -o RECOVERED is required");
    if (scheme && !mc_scheme_find(scheme)) return cli_error(EX_USAGE_, "unknown scheme '%s' (see: medcrypt list)", scheme);
    const char *target_path = argv[argc - 1];
    if ((rc = cli_check_output(target_path, out, force))) return rc;

    mc_image *kp = NULL, *kc = NULL, *tc = NULL, *rec = NULL, *tr = NULL;
    cli_inputs inputs = {0};
    mc_err err = {0};
    if ((rc = read_img(target_path, &tc))) goto out;
    if (kpa && ((rc = read_img(known, &kp)) || (rc = read_img(argv[first], &kc)))) goto out;
    if (truth && (rc = read_img(truth, &tr))) goto out;
    /* scheme and profile: given, or the target's metadata; the ciphers must agree */
    const char *ms = tc->has_meta ? mc_meta_get(&tc->meta, "scheme") : NULL;
    if (!scheme) scheme = ms;
    if (!scheme) {
        rc = cli_error(EX_INPUT_, "%s: no medcrypt metadata: name the scheme with -s", target_path);
        goto out;
    }
    const mc_image *cs[2] = {tc, kc};
    const char *cn[2] = {target_path, kpa ? argv[first] : NULL};
    for (int i = 0; i < 2; i++) {
        if (!cs[i] || !cs[i]->has_meta) continue;
        const char *s = mc_meta_get(&cs[i]->meta, "scheme"), *p = mc_meta_get(&cs[i]->meta, "profile");
        if (s && strcmp(s, scheme)) {
            rc = cli_error(EX_INPUT_, "%s was encrypted with scheme %s, not %s", cn[i], s, scheme);
            goto out;
        }
        if (p && profile_given && strcmp(p, mc_profile_name(profile))) {
            rc = cli_error(EX_INPUT_, "%s has profile %s, not %s", cn[i], p, mc_profile_name(profile));
            goto out;
        }
        if (p && !profile_given && i == 0 && mc_profile_parse(p, &profile) == MC_OK) profile_given = 1;
    }
    if (kpa) {
        if (mc_attack_kpa(scheme, kp, kc, tc, &rec, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
    } else {
        /* oracle parameters: given, else the target's p.* entries (public),
         * but for the identifiers of a key image or model, which come from
         * --key-image / --model */
        const char *tparams[MAX_PARAMS];
        char pbuf[MAX_PARAMS][MC_META_KEY_MAX + MC_META_VAL_MAX];
        size_t tn = 0;
        if (!np && tc->has_meta)
            for (size_t i = 0; i < tc->meta.n && tn < MAX_PARAMS; i++)
                if (!strncmp(tc->meta.e[i].key, "p.", 2) && strcmp(tc->meta.e[i].key, "p.key-image") &&
                    strcmp(tc->meta.e[i].key, "p.model")) {
                    snprintf(pbuf[tn], sizeof pbuf[tn], "%s=%s", tc->meta.e[i].key + 2, tc->meta.e[i].val);
                    tparams[tn] = pbuf[tn];
                    tn++;
                }
        if ((rc = cli_inputs_load(&o, 0, &inputs))) goto out;
        oracle_ud od = {scheme, profile, np ? params : tparams, np ? np : tn, inputs.key, &inputs.opts};
        if (mc_attack_cpa(scheme, cli_oracle, &od, tc, &rec, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
    }
    FILE *rep = strcmp(out, "-") ? stdout : stderr; /* the image may be going to stdout */
    fprintf(rep, "attack %s on %s (%s): %zu samples recovered\n", mode, scheme, mc_profile_name(profile),
           mc_image_samples(rec));
    if (tr) {
        size_t m = 0, n = 0;
        if (mc_attack_score(rec, tr, &m, &n, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
        double r = 0;
        if (mc_attack_corr(rec, tr, &r, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
        fprintf(rep, "exact: %.4f%% (%zu of %zu samples; chance: %.4f%%)\n", n ? 100.0 * (double)m / (double)n : 0.0, m, n,
               100.0 / (double)(1u << rec->bits));
        fprintf(rep, "correlation with the truth: %.4f (chance: 0)\n", r);
    }
    fflush(rep);
    rc = cli_write_image(rec, target_path, out, force, CLI_OUT_PRIVATE); /* recovered plaintext */
out:
    cli_inputs_free(&inputs);
    mc_image_free(kp);
    mc_image_free(kc);
    mc_image_free(tc);
    mc_image_free(rec);
    mc_image_free(tr);
    return rc;
}
