/*
 * test_plugin_host.c - libOrthancMedcrypt.so inside a small stand-in for
 * Orthanc: the plugin is dlopen'ed and given an OrthancPluginContext whose
 * InvokeService answers the services it uses (configuration, logs, REST
 * registration, an in-memory instance store, modalities that record what
 * they receive).  This runs the shipped module under ASan/UBSan (Debian's
 * Orthanc cannot host a sanitized plugin) and reaches what two real servers
 * cannot easily show: refused configurations, paper-profile and tampered
 * instances, truncated and mangled input, REST bodies of every wrong shape,
 * and the C-STORE filter's verdict.
 *
 * Usage: test_plugin_host PLUGIN.so   (exit 0 when every check passes)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <jansson.h>
#include <medcrypt.h>
#include <orthanc/OrthancCPlugin.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int npass, nfail;
#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        if (cond) npass++;                                                                                             \
        else {                                                                                                         \
            nfail++;                                                                                                   \
            fprintf(stderr, "FAIL (line %d): ", __LINE__);                                                            \
            fprintf(stderr, __VA_ARGS__);                                                                              \
            fputc('\n', stderr);                                                                                       \
        }                                                                                                              \
    } while (0)

/* ------------------------------------------------------------ the host */

#define MAXI 64
typedef struct {
    char id[16];
    uint8_t *data;
    size_t len;
} inst;

typedef struct {
    uint16_t status;
    char body[4096];
} reply;

static struct {
    const char *config;
    char log[1 << 16];
    size_t loglen;
    OrthancPluginRestCallback rest[8];
    char rest_path[8][64];
    int nrest;
    OrthancPluginReceivedInstanceCallback received;
    OrthancPluginIncomingCStoreInstanceFilter filter;
    OrthancPluginIncomingDicomInstanceFilter ifilter;
    inst store[MAXI];
    int nstore, next_id;
    inst sent[MAXI]; /* what modality "M" received */
    int nsent;
} host;

static void host_reset(const char *config) {
    for (int i = 0; i < host.nstore; i++) free(host.store[i].data);
    for (int i = 0; i < host.nsent; i++) free(host.sent[i].data);
    memset(&host, 0, sizeof host);
    host.config = config;
}

static void *dupmem(const void *p, size_t n) {
    void *d = malloc(n ? n : 1);
    memcpy(d, p, n);
    return d;
}

static void set_buffer(OrthancPluginMemoryBuffer *b, const void *p, size_t n) {
    b->data = dupmem(p, n);
    b->size = (uint32_t)n;
}

static inst *find(const char *id) {
    for (int i = 0; i < host.nstore; i++)
        if (!strcmp(host.store[i].id, id)) return &host.store[i];
    return NULL;
}

/* Orthanc's store path: the received-instance callback, then storage */
static const char *host_store(const void *data, size_t len, OrthancPluginInstanceOrigin origin) {
    OrthancPluginMemoryBuffer64 mod = {0};
    OrthancPluginReceivedInstanceAction a =
        host.received ? host.received(&mod, data, len, origin) : OrthancPluginReceivedInstanceAction_KeepAsIs;
    if (a == OrthancPluginReceivedInstanceAction_Discard || host.nstore == MAXI) return NULL;
    uint16_t st = 0;
    if (host.ifilter && host.ifilter(NULL) != 1) return NULL;
    if (origin == OrthancPluginInstanceOrigin_DicomProtocol && host.filter && host.filter(&st, NULL) != 1) return NULL;
    inst *s = &host.store[host.nstore++];
    snprintf(s->id, sizeof s->id, "%08x", ++host.next_id);
    if (a == OrthancPluginReceivedInstanceAction_Modify) {
        s->data = mod.data;
        s->len = mod.size;
    } else {
        s->data = dupmem(data, len);
        s->len = len;
    }
    return s->id;
}

static OrthancPluginErrorCode rest_get(const char *uri, OrthancPluginMemoryBuffer *t) {
    char id[64], rest[64] = "";
    if (sscanf(uri, "/instances/%63[^/]%63s", id, rest) >= 1) {
        inst *s = find(id);
        if (!s) return OrthancPluginErrorCode_UnknownResource;
        if (!strcmp(rest, "/file")) set_buffer(t, s->data, s->len);
        else if (!rest[0]) set_buffer(t, "{}", 2);
        else return OrthancPluginErrorCode_UnknownResource;
        return OrthancPluginErrorCode_Success;
    }
    if (!strcmp(uri, "/series/ffff/instances")) { /* a series holding everything stored */
        json_t *a = json_array();
        for (int i = 0; i < host.nstore; i++) json_array_append_new(a, json_pack("{s:s}", "ID", host.store[i].id));
        char *s = json_dumps(a, 0);
        set_buffer(t, s, strlen(s));
        free(s);
        json_decref(a);
        return OrthancPluginErrorCode_Success;
    }
    return OrthancPluginErrorCode_UnknownResource;
}

static OrthancPluginErrorCode rest_post(const _OrthancPluginRestApiPostPut *p) {
    if (!strcmp(p->uri, "/instances")) {
        const char *id = host_store(p->body, p->bodySize, OrthancPluginInstanceOrigin_Plugin);
        if (!id) return OrthancPluginErrorCode_Plugin;
        char js[64];
        snprintf(js, sizeof js, "{\"ID\":\"%s\"}", id);
        set_buffer(p->target, js, strlen(js));
        return OrthancPluginErrorCode_Success;
    }
    if (!strcmp(p->uri, "/modalities/M/store-straight") && host.nsent < MAXI) {
        host.sent[host.nsent].data = dupmem(p->body, p->bodySize);
        host.sent[host.nsent++].len = p->bodySize;
        set_buffer(p->target, "{}", 2);
        return OrthancPluginErrorCode_Success;
    }
    return OrthancPluginErrorCode_NetworkProtocol; /* "DOWN" and the rest */
}

static pthread_mutex_t rest_lock; /* recursive: the plugin's workers call REST at once, and logs from callbacks */
static OrthancPluginErrorCode invoke_locked(OrthancPluginContext *ctx, _OrthancPluginService service,
                                            const void *params);

static OrthancPluginErrorCode invoke(OrthancPluginContext *ctx, _OrthancPluginService service, const void *params) {
    int rest = service == _OrthancPluginService_RestApiGet || service == _OrthancPluginService_RestApiPost ||
               service == _OrthancPluginService_RestApiDelete || service == _OrthancPluginService_LogWarning ||
               service == _OrthancPluginService_LogError || service == _OrthancPluginService_LogInfo;
    if (rest) pthread_mutex_lock(&rest_lock);
    OrthancPluginErrorCode e = invoke_locked(ctx, service, params);
    if (rest) pthread_mutex_unlock(&rest_lock);
    return e;
}

static OrthancPluginErrorCode invoke_locked(OrthancPluginContext *ctx, _OrthancPluginService service,
                                            const void *params) {
    (void)ctx;
    switch ((int)service) {
    case _OrthancPluginService_LogInfo:
    case _OrthancPluginService_LogWarning:
    case _OrthancPluginService_LogError: {
        int n = snprintf(host.log + host.loglen, sizeof host.log - host.loglen, "%s\n", (const char *)params);
        if (n > 0 && host.loglen + (size_t)n < sizeof host.log) host.loglen += (size_t)n;
        return OrthancPluginErrorCode_Success;
    }
    case _OrthancPluginService_SetPluginProperty:
        return OrthancPluginErrorCode_Success;
    case _OrthancPluginService_GetConfiguration: {
        const _OrthancPluginRetrieveDynamicString *p = params;
        *p->result = strdup(host.config);
        return OrthancPluginErrorCode_Success;
    }
    case _OrthancPluginService_RegisterRestCallbackNoLock: {
        const _OrthancPluginRestCallback *p = params;
        snprintf(host.rest_path[host.nrest], sizeof host.rest_path[0], "%s", p->pathRegularExpression);
        host.rest[host.nrest++] = p->callback;
        return OrthancPluginErrorCode_Success;
    }
    case _OrthancPluginService_RegisterReceivedInstanceCallback:
        host.received = *(const OrthancPluginReceivedInstanceCallback *)params;
        return OrthancPluginErrorCode_Success;
    case _OrthancPluginService_RegisterIncomingDicomInstanceFilter:
        host.ifilter = ((const _OrthancPluginIncomingDicomInstanceFilter *)params)->callback;
        return OrthancPluginErrorCode_Success;
    case _OrthancPluginService_RegisterIncomingCStoreInstanceFilter:
        host.filter = ((const _OrthancPluginIncomingCStoreInstanceFilter *)params)->callback;
        return OrthancPluginErrorCode_Success;
    case _OrthancPluginService_CreateMemoryBuffer64: {
        const _OrthancPluginCreateMemoryBuffer64 *p = params;
        p->target->data = malloc(p->size ? p->size : 1);
        p->target->size = p->size;
        return OrthancPluginErrorCode_Success;
    }
    case _OrthancPluginService_RestApiGet: {
        const _OrthancPluginRestApiGet *p = params;
        return rest_get(p->uri, p->target);
    }
    case _OrthancPluginService_RestApiPost:
        return rest_post(params);
    case _OrthancPluginService_RestApiDelete: {
        inst *s = find(params);
        if (!s) {
            const char *u = params;
            if (strncmp(u, "/instances/", 11) || !(s = find(u + 11))) return OrthancPluginErrorCode_UnknownResource;
        }
        free(s->data);
        *s = host.store[--host.nstore];
        return OrthancPluginErrorCode_Success;
    }
    case _OrthancPluginService_AnswerBuffer: {
        const _OrthancPluginAnswerBuffer *p = params;
        reply *r = (reply *)p->output;
        r->status = 200;
        snprintf(r->body, sizeof r->body, "%.*s", (int)p->answerSize, (const char *)p->answer);
        return OrthancPluginErrorCode_Success;
    }
    case _OrthancPluginService_SendHttpStatus: {
        const _OrthancPluginSendHttpStatus *p = params;
        reply *r = (reply *)p->output;
        r->status = p->status;
        snprintf(r->body, sizeof r->body, "%.*s", (int)p->bodySize, p->body);
        return OrthancPluginErrorCode_Success;
    }
    case _OrthancPluginService_SendHttpStatusCode:
        ((reply *)((const _OrthancPluginSendHttpStatusCode *)params)->output)->status =
            ((const _OrthancPluginSendHttpStatusCode *)params)->status;
        return OrthancPluginErrorCode_Success;
    case _OrthancPluginService_SendMethodNotAllowed:
        ((reply *)((const _OrthancPluginOutputPlusArgument *)params)->output)->status = 405;
        return OrthancPluginErrorCode_Success;
    default: /* DicomBufferToJson and the rest: not offered */
        return OrthancPluginErrorCode_NotImplemented;
    }
}

static OrthancPluginContext ctx = {NULL, "1.10.1", free, invoke};
static int32_t (*plugin_init)(OrthancPluginContext *);
static void (*plugin_fini)(void);

static reply call(const char *path, OrthancPluginHttpMethod method, const char *body) {
    reply r = {0};
    OrthancPluginHttpRequest req = {0};
    req.method = method;
    req.body = body;
    req.bodySize = body ? (uint32_t)strlen(body) : 0;
    for (int i = 0; i < host.nrest; i++)
        if (!strcmp(host.rest_path[i], path)) host.rest[i]((OrthancPluginRestOutput *)&r, path, &req);
    return r;
}

static json_t *counters(void) {
    reply r = call("/medcrypt/status", OrthancPluginHttpMethod_Get, NULL);
    json_t *j = json_loads(r.body, 0, NULL);
    json_t *c = json_incref(json_object_get(j, "Counters"));
    json_decref(j);
    return c;
}

static long long counter(const char *name) {
    json_t *c = counters();
    long long v = json_integer_value(json_object_get(c, name));
    json_decref(c);
    return v;
}

/* ------------------------------------------------------------ the data */

static char dir[] = "/tmp/mcplughost.XXXXXX";
static char K[256], W[256];
static mc_key *kK, *kW;
static uint8_t *plain, *encK, *encW, *paperK;
static size_t plain_len, encK_len, encW_len, paperK_len;
static mc_image *orig;

static void encrypt_buf(const char *scheme, mc_profile prof, mc_key *k, uint8_t **out, size_t *len) {
    mc_image *img = NULL;
    if (mc_image_read_mem(plain, plain_len, NULL, NULL, &img, NULL) ||
        mc_encrypt(img, scheme, prof, NULL, 0, k, NULL, NULL) || mc_image_write_mem(img, MC_FMT_DICOM, out, len, NULL)) {
        fprintf(stderr, "cannot make test data (%s)\n", scheme);
        exit(1);
    }
    mc_image_free(img);
}

static int same_pixels(const void *dcm, size_t len) {
    mc_image *img = NULL;
    if (mc_image_read_mem(dcm, len, NULL, NULL, &img, NULL)) return 0;
    int same = !img->has_meta && img->nbytes == orig->nbytes && !memcmp(img->pixels, orig->pixels, orig->nbytes);
    mc_image_free(img);
    return same;
}

static void make_data(void) {
    if (!mkdtemp(dir) || mc_init()) exit(1);
    snprintf(K, sizeof K, "%s/k.key", dir);
    snprintf(W, sizeof W, "%s/w.key", dir);
    if (mc_key_generate(&kK, NULL) || mc_key_generate(&kW, NULL) || mc_keyfile_write(kK, K, NULL, 0, NULL) ||
        mc_keyfile_write(kW, W, NULL, 0, NULL) || mc_phantom(&orig, 64, 1, 16, NULL) ||
        mc_image_write_mem(orig, MC_FMT_DICOM, &plain, &plain_len, NULL))
        exit(1);
    encrypt_buf("aead", MC_PROFILE_HARDENED, kK, &encK, &encK_len);
    encrypt_buf("aead", MC_PROFILE_HARDENED, kW, &encW, &encW_len);
    encrypt_buf("logistic", MC_PROFILE_PAPER, kK, &paperK, &paperK_len);
}

static int start(const char *config) {
    host_reset(config);
    return plugin_init(&ctx);
}

/* ----------------------------------------------------------- the tests */

static void test_refused_configurations(void) {
    char cfg[1024], path[300];
    struct {
        const char *section, *why;
    } cases[] = {
        {"{\"KeyFile\": \"%s\", \"Sheme\": \"aead\"}", "unknown option"},
        {"{\"Scheme\": \"aead\"}", "\"KeyFile\" is required"},
        {"{\"KeyFile\": \"%s/none.key\"}", "No such file"},
        {"{\"KeyFile\": \"%s\", \"Scheme\": \"nope\"}", "unknown scheme"},
        {"{\"KeyFile\": \"%s\", \"Profile\": \"weak\"}", "neither hardened nor paper"},
        {"{\"KeyFile\": \"%s\", \"Parameters\": {\"bogus\": 1}}", "scheme aead"},
        {"{\"KeyFile\": \"%s\", \"Parameters\": [1]}", "must be an object"},
        {"{\"KeyFile\": \"%s\", \"Rules\": {}}", "must be an array"},
        {"{\"KeyFile\": \"%s\", \"Rules\": [{\"Modality\": \"A\", \"Peer\": \"B\"}]}", "at most one"},
        {"{\"KeyFile\": \"%s\", \"Rules\": [{\"Target\": \"A\"}]}", "unknown option"},
        {"{\"KeyFile\": \"%s\", \"Rules\": [7]}", "must be an object"},
        {"{\"KeyFile\": \"%s\", \"DecryptOrigins\": [\"Mars\"]}", "DecryptOrigins"},
        {"{\"KeyFile\": \"%s\", \"DecryptionKeys\": [3]}", "must be a path"},
        {"{\"KeyFile\": \"%s\", \"OnAuthenticationFailure\": \"Maybe\"}", "\"Keep\" or \"Reject\""},
        {"{\"KeyFile\": \"%s\", \"DecryptIncoming\": \"yes\"}", "true or false"},
        {"{\"KeyFile\": \"%s\", \"Threads\": 0}", "from 1 to"},
        {"[]", "must be an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char sec[512];
        const char *at = strstr(cases[i].section, "%s"); /* the key file's place */
        if (at)
            snprintf(sec, sizeof sec, "%.*s%s%s", (int)(at - cases[i].section), cases[i].section,
                     strstr(cases[i].section, "none.key") ? dir : K, at + 2);
        else
            snprintf(sec, sizeof sec, "%s", cases[i].section);
        snprintf(cfg, sizeof cfg, "{\"Name\": \"x\", \"Medcrypt\": %s}", sec);
        int rc = start(cfg);
        if (rc == 0) plugin_fini();
        CHECK(rc != 0, "configuration %zu (%s) refused", i, cases[i].why);
        CHECK(strstr(host.log, "medcrypt: configuration refused") && strstr(host.log, cases[i].why),
              "refusal %zu names \"%s\": %s", i, cases[i].why, host.log);
        CHECK(host.received == NULL, "nothing registered after a refusal");
    }
    CHECK(start("not json") != 0 && strstr(host.log, "not JSON"), "a configuration that is not JSON is refused");

    /* key files: group-readable, symbolic link, wrapped under a passphrase */
    snprintf(path, sizeof path, "%s/open.key", dir);
    if (mc_keyfile_write(kK, path, NULL, 0, NULL) || chmod(path, 0640)) exit(1);
    snprintf(cfg, sizeof cfg, "{\"Medcrypt\": {\"KeyFile\": \"%s\"}}", path);
    CHECK(start(cfg) != 0 && strstr(host.log, "mode 640"), "a group-readable key file is refused: %s", host.log);
    snprintf(path, sizeof path, "%s/link.key", dir);
    if (symlink(K, path)) exit(1);
    snprintf(cfg, sizeof cfg, "{\"Medcrypt\": {\"KeyFile\": \"%s\"}}", path);
    CHECK(start(cfg) != 0 && strstr(host.log, "link.key"), "a key file reached through a symbolic link is refused");
    snprintf(path, sizeof path, "%s/pass.key", dir);
    mc_key_set_pwhash_cost(kK, 1, 8 << 20);
    if (mc_keyfile_write(kK, path, "secret", 6, NULL)) exit(1);
    snprintf(cfg, sizeof cfg, "{\"Medcrypt\": {\"KeyFile\": \"%s\"}}", path);
    CHECK(start(cfg) != 0 && strstr(host.log, "passphrase-protected"), "a wrapped key file is refused: %s", host.log);
    CHECK(!strstr(host.log, "secret"), "no passphrase in the log");
}

static void test_inactive(void) {
    CHECK(start("{\"Name\": \"x\"}") == 0, "no section: Orthanc starts");
    CHECK(strstr(host.log, "inactive") != NULL, "no section: one warning");
    CHECK(host.received == NULL, "no section: no received-instance callback");
    reply r = call("/medcrypt/status", OrthancPluginHttpMethod_Get, NULL);
    CHECK(r.status == 200 && strstr(r.body, "\"Enabled\":false"), "status says inactive: %s", r.body);
    r = call("/medcrypt/encrypt", OrthancPluginHttpMethod_Post, "[\"x\"]");
    CHECK(r.status == 503, "encrypt while inactive: 503 (%u)", r.status);
    plugin_fini();
}

static void test_receive(const char *failure) {
    char cfg[512];
    snprintf(cfg, sizeof cfg, "{\"Medcrypt\": {\"KeyFile\": \"%s\", \"OnAuthenticationFailure\": \"%s\"}}", K, failure);
    int reject = !strcmp(failure, "Reject");
    CHECK(start(cfg) == 0, "start (%s): %s", failure, host.log);
    CHECK(host.received && host.filter, "callbacks registered");
    OrthancPluginMemoryBuffer64 mod = {0};
    uint16_t st = 0;

    CHECK(host.received(&mod, plain, plain_len, OrthancPluginInstanceOrigin_DicomProtocol) ==
              OrthancPluginReceivedInstanceAction_KeepAsIs, "plain: kept as is");
    CHECK(host.filter(&st, NULL) == 1, "plain: the C-STORE succeeds");
    CHECK(counter("NotEncrypted") == 1, "plain counted");

    CHECK(host.received(&mod, encK, encK_len, OrthancPluginInstanceOrigin_DicomProtocol) ==
              OrthancPluginReceivedInstanceAction_Modify, "right key: decrypted");
    CHECK(mod.data && same_pixels(mod.data, mod.size), "right key: the original pixels");
    free(mod.data);
    mod = (OrthancPluginMemoryBuffer64){0};
    CHECK(host.filter(&st, NULL) == 1, "right key: the C-STORE succeeds");

    size_t before = host.loglen;
    OrthancPluginReceivedInstanceAction a = host.received(&mod, encW, encW_len, OrthancPluginInstanceOrigin_DicomProtocol);
    CHECK(a == OrthancPluginReceivedInstanceAction_KeepAsIs && !mod.data, "wrong key over C-STORE: stored as received or refused by the filter");
    st = 0;
    CHECK(host.ifilter(NULL) == 1, "wrong key over C-STORE: the generic filter leaves it to the C-STORE filter");
    int32_t f = host.filter(&st, NULL);
    CHECK(reject ? (f == 0 && st == 0x0124) : f == 1, "wrong key: C-STORE %s (filter %d, status 0x%04x)",
          reject ? "refused" : "accepted (kept encrypted)", f, st);
    CHECK(host.filter(&st, NULL) == 1, "the verdict is used once");
    CHECK(strstr(host.log + before, "failed authentication") &&
              strstr(host.log + before, reject ? ": rejected" : "stored encrypted"),
          "wrong key: one line: %s", host.log + before);
    a = host.received(&mod, encW, encW_len, OrthancPluginInstanceOrigin_RestApi);
    f = host.ifilter(NULL);
    CHECK(a == OrthancPluginReceivedInstanceAction_KeepAsIs && f == (reject ? -1 : 1),
          "wrong key over REST: %s (filter %d)", reject ? "the store fails" : "kept", f);
    CHECK(host.ifilter(NULL) == 1, "the verdict is used once");
    /* through the host's store path: nothing stored when rejected */
    int n0 = host.nstore;
    host_store(encW, encW_len, OrthancPluginInstanceOrigin_DicomProtocol);
    host_store(encW, encW_len, OrthancPluginInstanceOrigin_WebDav);
    CHECK(host.nstore == n0 + (reject ? 0 : 2), "stored: %d (%s)", host.nstore - n0, failure);
    for (int i = n0; i < host.nstore; i++)
        CHECK(memmem(host.store[i].data, host.store[i].len, "MEDCRYPT", 8), "kept instances are encrypted");
    CHECK(counter(reject ? "Rejected" : "KeptEncrypted") == 4, "failures counted");

    /* a paper-profile instance carries no MAC: never decrypted, even with the right key */
    a = host.received(&mod, paperK, paperK_len, OrthancPluginInstanceOrigin_RestApi);
    CHECK(a != OrthancPluginReceivedInstanceAction_Modify && !mod.data, "paper profile: not decrypted");

    /* one flipped bit anywhere after the preamble: never plaintext */
    uint8_t *t = dupmem(encK, encK_len);
    size_t step = encK_len / 97 + 1, modified = 0;
    for (size_t off = 132; off < encK_len; off += step) {
        t[off] ^= 0x10;
        a = host.received(&mod, t, encK_len, OrthancPluginInstanceOrigin_Plugin);
        if (a == OrthancPluginReceivedInstanceAction_Modify) {
            /* a flip outside what medcrypt covers (e.g. the patient's name) may decrypt: pixels must be right */
            CHECK(same_pixels(mod.data, mod.size), "a tampered file decrypts only to the original pixels (offset %zu)",
                  off);
            modified++;
            free(mod.data);
            mod = (OrthancPluginMemoryBuffer64){0};
        }
        t[off] ^= 0x10;
    }
    CHECK(modified < 97 / 2, "most flips are refused (%zu decrypted)", modified);
    /* truncated: never a crash, never a decryption */
    for (size_t n = 0; n < encK_len; n += encK_len / 61 + 1) {
        a = host.received(&mod, encK, n, OrthancPluginInstanceOrigin_DicomProtocol);
        CHECK(a != OrthancPluginReceivedInstanceAction_Modify && !mod.data, "truncated at %zu: not decrypted", n);
        host.filter(&st, NULL);
    }
    free(t);
    /* the medcrypt marker in a file that is no DICOM at all */
    static const char junk[] = "DICM....MEDCRYPT 1....garbage";
    CHECK(host.received(&mod, junk, sizeof junk, OrthancPluginInstanceOrigin_RestApi) ==
              OrthancPluginReceivedInstanceAction_KeepAsIs, "junk with the marker: stored as received");
    char hex[65];
    FILE *kf = fopen(K, "r");
    CHECK(kf && fscanf(kf, "%*s %*s %64s", hex) == 1, "read the key file");
    if (kf) fclose(kf);
    CHECK(!strstr(host.log, hex), "no key in the log");
    plugin_fini();
}

static void test_rest(void) {
    char cfg[512];
    snprintf(cfg, sizeof cfg,
             "{\"Medcrypt\": {\"KeyFile\": \"%s\", \"Threads\": 4, \"Rules\": [{\"Modality\": \"X\", \"Refuse\": true}]}}",
             K);
    CHECK(start(cfg) == 0, "start: %s", host.log);
    const char *p1 = host_store(plain, plain_len, OrthancPluginInstanceOrigin_RestApi);
    const char *p2 = host_store(plain, plain_len, OrthancPluginInstanceOrigin_RestApi);
    char id1[16], body[256];
    snprintf(id1, sizeof id1, "%s", p1);
    (void)p2;

    reply r = call("/medcrypt/encrypt", OrthancPluginHttpMethod_Post, "{\"Resources\": [\"ffff\"], \"Modality\": \"M\"}");
    CHECK(r.status == 200 && host.nsent == 2, "encrypt a series to M: %u %s", r.status, r.body);
    for (int i = 0; i < host.nsent; i++) {
        mc_image *img = NULL;
        int ok = !mc_image_read_mem(host.sent[i].data, host.sent[i].len, NULL, NULL, &img, NULL) && img->has_meta &&
                 memcmp(img->pixels, orig->pixels, orig->nbytes) && !mc_decrypt(img, kK, NULL, NULL) &&
                 !memcmp(img->pixels, orig->pixels, orig->nbytes);
        CHECK(ok, "sent instance %d is ciphertext that decrypts with the key", i);
        mc_image_free(img);
    }
    snprintf(body, sizeof body, "{\"Resources\": [\"ffff\", \"%s\"], \"Modality\": \"M\"}", id1);
    r = call("/medcrypt/encrypt", OrthancPluginHttpMethod_Post, body);
    CHECK(r.status == 200 && host.nsent == 4, "an instance named twice is sent once: %d %s", host.nsent, r.body);
    r = call("/medcrypt/encrypt", OrthancPluginHttpMethod_Post, "{\"Resources\": \"ffff\", \"Modality\": \"DOWN\"}");
    CHECK(r.status == 502 && strstr(r.body, "\"Sent\":0"), "unreachable modality: 502 %s", r.body);
    r = call("/medcrypt/encrypt", OrthancPluginHttpMethod_Post, "{\"Resources\": [\"ffff\"], \"Modality\": \"X\"}");
    CHECK(r.status == 403, "a rule refuses modality X (%u)", r.status);

    /* a copy stored here stays encrypted; REST decrypt brings back the original */
    snprintf(body, sizeof body, "{\"Resources\": [\"%s\"], \"Store\": true}", id1);
    r = call("/medcrypt/encrypt", OrthancPluginHttpMethod_Post, body);
    json_t *j = json_loads(r.body, 0, NULL);
    const char *enc = json_string_value(json_array_get(json_object_get(j, "Stored"), 0));
    inst *s = enc ? find(enc) : NULL;
    CHECK(r.status == 200 && s && memmem(s->data, s->len, "MEDCRYPT", 8), "the stored copy is encrypted: %s", r.body);
    char encid[16] = "";
    if (enc) snprintf(encid, sizeof encid, "%s", enc);
    json_decref(j);
    snprintf(body, sizeof body, "[\"%s\"]", encid);
    r = call("/medcrypt/decrypt", OrthancPluginHttpMethod_Post, body);
    j = json_loads(r.body, 0, NULL);
    const char *dec = json_string_value(json_object_get(json_array_get(json_object_get(j, "Decrypted"), 0), "Instance"));
    s = dec ? find(dec) : NULL;
    CHECK(r.status == 200 && s && same_pixels(s->data, s->len), "REST decrypt: %s", r.body);
    CHECK(!find(encid), "the encrypted copy is deleted");
    json_decref(j);
    snprintf(body, sizeof body, "{\"Resources\": [\"%s\"]}", id1);
    r = call("/medcrypt/decrypt", OrthancPluginHttpMethod_Post, body);
    CHECK(r.status == 200 && strstr(r.body, "\"Skipped\":[\"") != NULL, "a plain instance is skipped: %s", r.body);

    /* bodies of every wrong shape */
    static const char *const bad[] = {
        "", "nul", "{", "[]", "{}", "3", "[3]", "[\"../etc\"]", "[\"ABCDEF\"]", "{\"Resources\": 5}",
        "[\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0\"]", "[\"nothere\"]",
        "{\"Resources\": [\"ffff\"], \"KeepEncrypted\": \"no\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (int d = 0; d < 2; d++) {
            r = call(d ? "/medcrypt/decrypt" : "/medcrypt/encrypt", OrthancPluginHttpMethod_Post, bad[i]);
            int ok = r.status == 400 || r.status == 404 || (!d && strstr(bad[i], "KeepEncrypted") && r.status == 200);
            CHECK(ok, "%s body \"%s\": 400/404 (%u %s)", d ? "decrypt" : "encrypt", bad[i], r.status, r.body);
        }
    }
    static const char *const bad_encrypt[] = {
        "{\"Resources\": [\"ffff\"], \"Modality\": \"M\", \"Peer\": \"P\"}",
        "{\"Resources\": [\"ffff\"], \"Modality\": 5, \"Store\": 1}",
        "{\"Resources\": [\"ffff\"], \"Modality\": 5}",
        "{\"Resources\": [\"ffff\"], \"Peer\": null}",
        "{\"Resources\": [\"ffff\"], \"Modality\": \"a/b\"}",
        "{\"Resources\": [\"ffff\"], \"Peer\": \"..\"}",
        "{\"Resources\": [\"ffff\"], \"Store\": false}",
    };
    for (size_t i = 0; i < sizeof bad_encrypt / sizeof bad_encrypt[0]; i++) {
        r = call("/medcrypt/encrypt", OrthancPluginHttpMethod_Post, bad_encrypt[i]);
        CHECK(r.status == 400, "encrypt body \"%s\": 400 (%u %s)", bad_encrypt[i], r.status, r.body);
    }
    r = call("/medcrypt/encrypt", OrthancPluginHttpMethod_Get, NULL);
    CHECK(r.status == 405, "GET encrypt: 405");
    r = call("/medcrypt/status", OrthancPluginHttpMethod_Post, "{}");
    CHECK(r.status == 405, "POST status: 405");
    CHECK(counter("Sent") == 4 && counter("Encrypted") >= 5 && counter("Decrypted") == 1, "counters");
    plugin_fini();
}

int main(int argc, char **argv) {
    const char *so = argc > 1 ? argv[1] : getenv("MEDCRYPT_ORTHANC_PLUGIN");
    if (!so || access(so, R_OK)) {
        printf("SKIP: the Orthanc plugin was not built\n");
        return 77;
    }
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&rest_lock, &ma);
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "FAIL: dlopen %s: %s\n", so, dlerror());
        return 1;
    }
    *(void **)&plugin_init = dlsym(h, "OrthancPluginInitialize");
    *(void **)&plugin_fini = dlsym(h, "OrthancPluginFinalize");
    const char *(*name)(void);
    *(void **)&name = dlsym(h, "OrthancPluginGetName");
    CHECK(plugin_init && plugin_fini && name && !strcmp(name(), "medcrypt"), "the four entry points");
    if (!plugin_init || !plugin_fini) return 1;
    make_data();
    test_refused_configurations();
    test_inactive();
    test_receive("Keep");
    test_receive("Reject");
    test_rest();
    host_reset(NULL);
    mc_key_free(kK);
    mc_key_free(kW);
    mc_image_free(orig);
    mc_buffer_free(plain, plain_len);
    mc_buffer_free(encK, encK_len);
    mc_buffer_free(encW, encW_len);
    mc_buffer_free(paperK, paperK_len);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", dir);
    printf("%d passed, %d failed\n", npass, nfail);
    return nfail ? 1 : 0;
}
