/*
 * config.c - the "Medcrypt" section of Orthanc's configuration, and the keys.
 *
 *   "Medcrypt": {
 *     "KeyFile": "/etc/orthanc/medcrypt.key",   raw key file, mode 0600 (or 0400),
 *                                                owned by the user Orthanc runs as
 *     "Scheme": "aead", "Profile": "hardened",   how instances are encrypted
 *     "Parameters": { "name": value },           the scheme's parameters
 *     "Rules": [ { "Modality" | "Peer": name or "*", "Local": true,
 *                  "Scheme", "Profile", "Parameters", "KeyFile", "Refuse": true } ],
 *     "DecryptIncoming": true,                   decrypt received medcrypt instances
 *     "DecryptOrigins": [ "DicomProtocol", "RestApi", "Plugin", "Lua", "WebDav", "Unknown" ],
 *     "DecryptionKeys": [ "/path/other.key" ],   more keys tried on received instances
 *     "OnAuthenticationFailure": "Keep",         or "Reject"
 *     "Threads": 4                               instances one request encrypts at once
 *                                                (default: online CPUs, at most 4)
 *   }
 *
 * Anything else in the section is an error (a misspelt option is not
 * silently ignored).  Every rule is tried once at start-up on a small
 * phantom, so a bad scheme, profile or parameter stops Orthanc there, not
 * at the first transfer.
 */
#define _GNU_SOURCE
#include "plugin.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dupstr(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* Load (or find, when already loaded) a key file; its index in *idx. */
static int load_key(mcp_state *st, const char *path, size_t *idx, mc_err *err) {
    for (size_t i = 0; i < st->nkeys; i++)
        if (!strcmp(st->keys[i].path, path)) {
            *idx = i;
            return MC_OK;
        }
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return mc_err_set(err, MC_ERR_IO, "key file %s: %s", path, strerror(errno));
    struct stat sb;
    int rc = MC_OK;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        rc = mc_err_set(err, MC_ERR_ARG, "key file %s: not a regular file", path);
    else if (sb.st_uid != geteuid())
        rc = mc_err_set(err, MC_ERR_ARG, "key file %s: owned by uid %lu, not by the user Orthanc runs as (uid %lu)",
                        path, (unsigned long)sb.st_uid, (unsigned long)geteuid());
    else if ((sb.st_mode & 0777) != 0600 && (sb.st_mode & 0777) != 0400)
        rc = mc_err_set(err, MC_ERR_ARG, "key file %s: mode %03o, must be 0600 (or 0400)", path,
                        (unsigned)(sb.st_mode & 0777));
    mc_key *key = NULL;
    if (!rc) {
        /* read what was checked: the same open file, not the path again */
        char fdpath[64];
        snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
        mc_err e = {0};
        rc = mc_keyfile_read(fdpath, NULL, NULL, &key, NULL, &e);
        if (rc == MC_ERR_ARG && strstr(e.msg, "passphrase"))
            rc = mc_err_set(err, rc, "key file %s is passphrase-protected: the plugin takes raw key files", path);
        else if (rc) {
            const char *why = strncmp(e.msg, fdpath, strlen(fdpath)) ? e.msg : e.msg + strlen(fdpath);
            while (*why == ':' || *why == ' ') why++;
            rc = mc_err_set(err, rc, "key file %s: %s", path, why);
        }
    }
    close(fd);
    if (rc) return rc;
    mcp_key *nk = realloc(st->keys, (st->nkeys + 1) * sizeof *nk);
    char *p = dupstr(path);
    if (!nk || !p) {
        if (nk) st->keys = nk;
        free(p);
        mc_key_free(key);
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    }
    st->keys = nk;
    st->keys[st->nkeys] = (mcp_key){.path = p, .key = key};
    *idx = st->nkeys++;
    return MC_OK;
}

static int is_one_of(const char *k, const char *const *names) {
    for (; *names; names++)
        if (!strcmp(k, *names)) return 1;
    return 0;
}

/* Refuse members that are not in `names`. */
static int check_members(json_t *obj, const char *what, const char *const *names, mc_err *err) {
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        (void)v;
        if (!is_one_of(k, names)) return mc_err_set(err, MC_ERR_ARG, "%s: unknown option \"%.64s\"", what, k);
    }
    return MC_OK;
}

static int get_string(json_t *obj, const char *name, const char *what, const char **out, mc_err *err) {
    json_t *v = json_object_get(obj, name);
    if (!v) return MC_OK;
    if (!json_is_string(v) || !*json_string_value(v))
        return mc_err_set(err, MC_ERR_ARG, "%s: \"%s\" must be a non-empty string", what, name);
    *out = json_string_value(v);
    return MC_OK;
}

static int get_bool(json_t *obj, const char *name, const char *what, int *out, mc_err *err) {
    json_t *v = json_object_get(obj, name);
    if (!v) return MC_OK;
    if (!json_is_boolean(v)) return mc_err_set(err, MC_ERR_ARG, "%s: \"%s\" must be true or false", what, name);
    *out = json_is_true(v);
    return MC_OK;
}

static void free_params(char **p, size_t n) {
    for (size_t i = 0; i < n; i++) free(p[i]);
    free(p);
}

/* "Parameters": {"k": "v" | number | bool} -> "k=v" strings */
static int get_params(json_t *obj, const char *what, char ***out, size_t *n, mc_err *err) {
    json_t *ps = json_object_get(obj, "Parameters");
    if (!ps) return MC_OK;
    if (!json_is_object(ps)) return mc_err_set(err, MC_ERR_ARG, "%s: \"Parameters\" must be an object", what);
    size_t cnt = json_object_size(ps), i = 0;
    char **p = calloc(cnt ? cnt : 1, sizeof *p);
    if (!p) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    const char *k;
    json_t *v;
    json_object_foreach(ps, k, v) {
        char val[128];
        if (json_is_string(v)) snprintf(val, sizeof val, "%s", json_string_value(v));
        else if (json_is_integer(v)) snprintf(val, sizeof val, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        else if (json_is_real(v)) snprintf(val, sizeof val, "%.17g", json_real_value(v));
        else if (json_is_boolean(v)) snprintf(val, sizeof val, "%s", json_is_true(v) ? "1" : "0");
        else {
            free_params(p, i);
            return mc_err_set(err, MC_ERR_ARG, "%s: parameter \"%.64s\" must be a string, number or boolean", what, k);
        }
        size_t len = strlen(k) + strlen(val) + 2;
        if (!(p[i] = malloc(len))) {
            free_params(p, i);
            return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        }
        snprintf(p[i++], len, "%s=%s", k, val);
    }
    *out = p;
    *n = i;
    return MC_OK;
}

/* Encrypt a small phantom with the rule (and decrypt it): a wrong scheme,
 * profile or parameter is found here, at start-up. */
static int try_rule(const mcp_state *st, const mcp_rule *r, const char *what, mc_err *err) {
    const mc_scheme *s = mc_scheme_find(r->scheme);
    if (!s) return mc_err_set(err, MC_ERR_ARG, "%s: unknown scheme \"%.64s\" (medcrypt list)", what, r->scheme);
    unsigned need = r->profile == MC_PROFILE_PAPER ? MC_PROFILES_PAPER : MC_PROFILES_HARDENED;
    if (!(s->profiles & need))
        return mc_err_set(err, MC_ERR_ARG, "%s: scheme %s has no %s profile", what, r->scheme, mc_profile_name(r->profile));
    mc_image *img = NULL;
    mc_err e = {0};
    int rc = mc_phantom(&img, 64, 1, (s->bits & MC_BITS_16) ? 16 : 8, &e);
    if (!rc)
        rc = mc_encrypt(img, r->scheme, r->profile, (const char *const *)r->params, r->nparams,
                        st->keys[r->key].key, NULL, &e);
    mc_image_free(img);
    if (rc) return mc_err_set(err, MC_ERR_ARG, "%s: scheme %s: %s", what, r->scheme, e.msg);
    return MC_OK;
}

/* Scheme, profile, parameters and key of a rule (or of the section); what a
 * rule leaves out comes from `base` (NULL: the built-in defaults). */
static int parse_action(mcp_state *st, json_t *obj, const mcp_rule *base, mcp_rule *r, const char *what, mc_err *err) {
    const char *scheme = base ? base->scheme : "aead", *profile = NULL, *keyfile = NULL;
    int rc;
    if ((rc = get_string(obj, "Scheme", what, &scheme, err)) || (rc = get_string(obj, "Profile", what, &profile, err)) ||
        (rc = get_string(obj, "KeyFile", what, &keyfile, err)))
        return rc;
    if (!(r->scheme = dupstr(scheme))) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    r->profile = base ? base->profile : MC_PROFILE_HARDENED;
    if (profile && mc_profile_parse(profile, &r->profile))
        return mc_err_set(err, MC_ERR_ARG, "%s: profile \"%.32s\" is neither hardened nor paper", what, profile);
    if (json_object_get(obj, "Parameters")) {
        if ((rc = get_params(obj, what, &r->params, &r->nparams, err))) return rc;
    } else if (base && base->nparams && !strcmp(r->scheme, base->scheme)) {
        /* the section's parameters belong to the section's scheme */
        if (!(r->params = calloc(base->nparams, sizeof *r->params))) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < base->nparams; i++, r->nparams++)
            if (!(r->params[i] = dupstr(base->params[i]))) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    }
    if (keyfile) return load_key(st, keyfile, &r->key, err);
    if (!base) return mc_err_set(err, MC_ERR_ARG, "%s: \"KeyFile\" is required", what);
    r->key = base->key;
    return MC_OK;
}

static int parse_rule(mcp_state *st, json_t *obj, mcp_rule *r, size_t i, mc_err *err) {
    static const char *const names[] = {"Modality", "Peer", "Local", "Refuse", "Scheme",
                                        "Profile",  "Parameters", "KeyFile", NULL};
    char what[48];
    snprintf(what, sizeof what, "Medcrypt.Rules[%zu]", i);
    if (!json_is_object(obj)) return mc_err_set(err, MC_ERR_ARG, "%s: must be an object", what);
    int rc = check_members(obj, what, names, err);
    const char *modality = NULL, *peer = NULL;
    if (!rc) rc = get_string(obj, "Modality", what, &modality, err);
    if (!rc) rc = get_string(obj, "Peer", what, &peer, err);
    if (!rc) rc = get_bool(obj, "Local", what, &r->local, err);
    if (!rc) rc = get_bool(obj, "Refuse", what, &r->refuse, err);
    if (rc) return rc;
    if (!!modality + !!peer + r->local > 1)
        return mc_err_set(err, MC_ERR_ARG, "%s: at most one of \"Modality\", \"Peer\" and \"Local\"", what);
    if ((modality && !(r->modality = dupstr(modality))) || (peer && !(r->peer = dupstr(peer))))
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    if ((rc = parse_action(st, obj, &st->deflt, r, what, err))) return rc;
    return r->refuse ? MC_OK : try_rule(st, r, what, err);
}

static int parse_origins(mcp_state *st, json_t *v, mc_err *err) {
    static const struct {
        const char *name;
        OrthancPluginInstanceOrigin o;
    } map[] = {{"Unknown", OrthancPluginInstanceOrigin_Unknown}, {"DicomProtocol", OrthancPluginInstanceOrigin_DicomProtocol},
               {"RestApi", OrthancPluginInstanceOrigin_RestApi}, {"Plugin", OrthancPluginInstanceOrigin_Plugin},
               {"Lua", OrthancPluginInstanceOrigin_Lua},         {"WebDav", OrthancPluginInstanceOrigin_WebDav}};
    if (!json_is_array(v)) return mc_err_set(err, MC_ERR_ARG, "Medcrypt: \"DecryptOrigins\" must be an array of strings");
    st->origins = 0;
    size_t i;
    json_t *o;
    json_array_foreach(v, i, o) {
        size_t j = 0, n = sizeof map / sizeof map[0];
        while (j < n && !(json_is_string(o) && !strcmp(json_string_value(o), map[j].name))) j++;
        if (j == n)
            return mc_err_set(err, MC_ERR_ARG, "Medcrypt: \"DecryptOrigins\"[%zu] is none of Unknown, DicomProtocol, "
                              "RestApi, Plugin, Lua, WebDav", i);
        st->origins |= 1u << map[j].o;
    }
    return MC_OK;
}

int mcp_config_load(mcp_state *st, const char *orthanc_json, mc_err *err) {
    static const char *const names[] = {"KeyFile", "Scheme", "Profile", "Parameters", "Rules", "DecryptIncoming",
                                        "DecryptOrigins", "DecryptionKeys", "OnAuthenticationFailure", "Threads", NULL};
    st->decrypt_incoming = 1;
    st->origins = ~0u;
    st->on_failure = MCP_KEEP_ENCRYPTED;
    st->reject_status = 0x0124; /* PS3.7 C.4: Refused: Not Authorized */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    st->threads = cpus < 1 ? 1 : cpus > 4 ? 4 : (size_t)cpus;
    if (!orthanc_json) return MC_OK;
    json_error_t jerr;
    json_t *root = json_loads(orthanc_json, 0, &jerr);
    if (!root) return mc_err_set(err, MC_ERR_FORMAT, "Orthanc configuration is not JSON: %.80s", jerr.text);
    json_t *sec = json_object_get(root, "Medcrypt");
    int rc = MC_OK;
    if (!sec) goto done;
    if (!json_is_object(sec)) {
        rc = mc_err_set(err, MC_ERR_ARG, "\"Medcrypt\" must be an object");
        goto done;
    }
    st->enabled = 1;
    if ((rc = check_members(sec, "Medcrypt", names, err))) goto done;
    if ((rc = parse_action(st, sec, NULL, &st->deflt, "Medcrypt", err))) goto done;
    if ((rc = try_rule(st, &st->deflt, "Medcrypt", err))) goto done;
    json_t *rules = json_object_get(sec, "Rules");
    if (rules) {
        if (!json_is_array(rules)) {
            rc = mc_err_set(err, MC_ERR_ARG, "Medcrypt: \"Rules\" must be an array");
            goto done;
        }
        size_t n = json_array_size(rules);
        if (n && !(st->rules = calloc(n, sizeof *st->rules))) {
            rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < n; i++, st->nrules++)
            if ((rc = parse_rule(st, json_array_get(rules, i), &st->rules[i], i, err))) {
                st->nrules++; /* freed with the rest */
                goto done;
            }
    }
    if ((rc = get_bool(sec, "DecryptIncoming", "Medcrypt", &st->decrypt_incoming, err))) goto done;
    json_t *v = json_object_get(sec, "DecryptOrigins");
    if (v && (rc = parse_origins(st, v, err))) goto done;
    if ((v = json_object_get(sec, "DecryptionKeys"))) {
        size_t i, idx;
        json_t *k;
        if (!json_is_array(v)) {
            rc = mc_err_set(err, MC_ERR_ARG, "Medcrypt: \"DecryptionKeys\" must be an array of paths");
            goto done;
        }
        json_array_foreach(v, i, k) {
            if (!json_is_string(k)) {
                rc = mc_err_set(err, MC_ERR_ARG, "Medcrypt: \"DecryptionKeys\"[%zu] must be a path", i);
                goto done;
            }
            if ((rc = load_key(st, json_string_value(k), &idx, err))) goto done;
        }
    }
    if ((v = json_object_get(sec, "Threads"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > MCP_THREADS_MAX) {
            rc = mc_err_set(err, MC_ERR_ARG, "Medcrypt: \"Threads\" must be an integer from 1 to %d", MCP_THREADS_MAX);
            goto done;
        }
        st->threads = (size_t)json_integer_value(v);
    }
    const char *fail = NULL;
    if ((rc = get_string(sec, "OnAuthenticationFailure", "Medcrypt", &fail, err))) goto done;
    if (fail && !strcmp(fail, "Reject")) st->on_failure = MCP_REJECT;
    else if (fail && strcmp(fail, "Keep"))
        rc = mc_err_set(err, MC_ERR_ARG, "Medcrypt: \"OnAuthenticationFailure\" is \"Keep\" or \"Reject\"");
done:
    json_decref(root);
    return rc;
}

static void free_rule(mcp_rule *r) {
    free(r->modality);
    free(r->peer);
    free(r->scheme);
    free_params(r->params, r->nparams);
}

void mcp_config_free(mcp_state *st) {
    for (size_t i = 0; i < st->nrules; i++) free_rule(&st->rules[i]);
    free(st->rules);
    free_rule(&st->deflt);
    for (size_t i = 0; i < st->nkeys; i++) {
        mc_key_free(st->keys[i].key);
        free(st->keys[i].path);
    }
    free(st->keys);
    st->rules = NULL;
    st->keys = NULL;
    st->nrules = st->nkeys = 0;
}

static int name_matches(const char *pattern, const char *name) {
    return pattern && name && (!strcmp(pattern, "*") || !strcmp(pattern, name));
}

const mcp_rule *mcp_rule_for(const mcp_state *st, const char *modality, const char *peer) {
    for (size_t i = 0; i < st->nrules; i++) {
        const mcp_rule *r = &st->rules[i];
        int unconditional = !r->modality && !r->peer && !r->local;
        if (unconditional || name_matches(r->modality, modality) || name_matches(r->peer, peer) ||
            (r->local && !modality && !peer))
            return r;
    }
    return &st->deflt;
}
