/*
 * rest.c - the plugin's REST routes (docs/orthanc.md):
 *
 *   POST /medcrypt/encrypt  {"Resources": [ids], "Modality": name | "Peer": name, "Store": bool}
 *       Each instance of the resources (instances, series, studies or
 *       patients) is encrypted in memory by the rule for that destination and
 *       sent by C-STORE to the modality, or to the Orthanc peer over HTTP
 *       ("Threads" instances at a time, one association each);
 *       "Store" (the default without a destination) also keeps the encrypted
 *       copy here.  The plaintext never leaves: an instance that cannot be
 *       encrypted is listed under "Failed" and not sent.
 *   POST /medcrypt/decrypt  {"Resources": [ids], "KeepEncrypted": bool}
 *       Instances stored encrypted are decrypted with the configured keys and
 *       stored; the encrypted one is then deleted unless "KeepEncrypted".
 *   GET /medcrypt/status
 *       Version, configuration summary and counters.
 *
 * The body may also be a bare array of identifiers or one identifier
 * (like Orthanc's own /modalities/{id}/store).
 */
#define _GNU_SOURCE
#include "plugin.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ answers */

static void answer(OrthancPluginRestOutput *out, uint16_t http, json_t *j) {
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!s) {
        OrthancPluginSendHttpStatusCode(mcp->ctx, out, 500);
        return;
    }
    if (http == 200)
        OrthancPluginAnswerBuffer(mcp->ctx, out, s, (uint32_t)strlen(s), "application/json");
    else
        OrthancPluginSendHttpStatus(mcp->ctx, out, http, s, (uint32_t)strlen(s));
    free(s);
}

static OrthancPluginErrorCode fail(OrthancPluginRestOutput *out, uint16_t http, const char *msg) {
    if (http >= 500) atomic_fetch_add(&mcp->n.errors, 1);
    answer(out, http, json_pack("{s:s}", "Error", msg));
    return OrthancPluginErrorCode_Success;
}

/* ------------------------------------------------------ Orthanc's REST */

/* Orthanc identifiers and modality / peer names are put in URIs: only
 * characters that need no escaping and cannot climb the URI tree. */
static int safe_name(const char *s, int id) {
    size_t n = strlen(s);
    if (n == 0 || n > 64 || !strcmp(s, ".") || !strcmp(s, "..")) return 0;
    for (; *s; s++) {
        int c = (unsigned char)*s;
        int ok = id ? ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-')
                    : ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
                       c == '_' || c == '.');
        if (!ok) return 0;
    }
    return 1;
}

static json_t *get_json(const char *uri) {
    OrthancPluginMemoryBuffer buf = {0};
    if (OrthancPluginRestApiGet(mcp->ctx, &buf, uri) != OrthancPluginErrorCode_Success) return NULL;
    json_t *j = json_loadb(buf.data, buf.size, 0, NULL);
    OrthancPluginFreeMemoryBuffer(mcp->ctx, &buf);
    return j;
}

static void add_unique(json_t *ids, json_t *id) {
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) if (json_equal(v, id)) return;
    json_array_append(ids, id);
}

/* Append the instances of resource `id` (any level) to `ids`; 0 if unknown. */
static int add_instances(json_t *ids, const char *id) {
    char uri[128];
    snprintf(uri, sizeof uri, "/instances/%s", id);
    json_t *j = get_json(uri);
    if (json_is_object(j)) {
        json_t *s = json_string(id);
        add_unique(ids, s);
        json_decref(s);
        json_decref(j);
        return 1;
    }
    json_decref(j);
    static const char *const levels[] = {"series", "studies", "patients"};
    for (size_t l = 0; l < 3; l++) {
        snprintf(uri, sizeof uri, "/%s/%s/instances", levels[l], id);
        if (!(j = get_json(uri))) continue;
        size_t i;
        json_t *inst;
        json_array_foreach(j, i, inst) {
            json_t *iid = json_object_get(inst, "ID");
            if (json_is_string(iid)) add_unique(ids, iid);
        }
        json_decref(j);
        return 1;
    }
    return 0;
}

/* The request body: an object (its "Resources" is the list), an array or a
 * string; *body keeps it for the caller's options.  The identifiers of the
 * instances it names, each once, go to *ids.  On error the answer is sent and
 * -1 returned. */
static int parse_request(OrthancPluginRestOutput *out, const OrthancPluginHttpRequest *req, json_t **body,
                         json_t **ids) {
    *ids = NULL;
    *body = json_loadb(req->body, req->bodySize, JSON_DECODE_ANY, NULL);
    json_t *res = json_is_object(*body) ? json_object_get(*body, "Resources") : *body;
    if (json_is_string(res)) res = json_pack("[O]", res);
    else json_incref(res);
    if (!json_is_array(res) || json_array_size(res) == 0) {
        json_decref(res);
        fail(out, 400, "the body must name resources: {\"Resources\": [ids]}, [ids] or \"id\"");
        return -1;
    }
    *ids = json_array();
    size_t i;
    json_t *r;
    char msg[160] = "";
    uint16_t http = 400;
    json_array_foreach(res, i, r) {
        if (!json_is_string(r) || !safe_name(json_string_value(r), 1)) {
            snprintf(msg, sizeof msg, "Resources[%zu] is not an Orthanc identifier", i);
            break;
        }
        if (!add_instances(*ids, json_string_value(r))) {
            snprintf(msg, sizeof msg, "unknown resource %.64s", json_string_value(r));
            http = 404;
            break;
        }
    }
    json_decref(res);
    if (!msg[0] && json_array_size(*ids) == 0) snprintf(msg, sizeof msg, "the resources hold no instance");
    if (msg[0]) {
        json_decref(*ids);
        *ids = NULL;
        fail(out, http, msg);
        return -1;
    }
    return 0;
}

static int post(const char *uri, const void *body, size_t len, json_t **reply) {
    OrthancPluginMemoryBuffer buf = {0};
    if (len > UINT32_MAX) return -1;
    OrthancPluginErrorCode e = OrthancPluginRestApiPost(mcp->ctx, &buf, uri, body, (uint32_t)len);
    if (e != OrthancPluginErrorCode_Success) return -1;
    if (reply) *reply = json_loadb(buf.data, buf.size, 0, NULL);
    OrthancPluginFreeMemoryBuffer(mcp->ctx, &buf);
    return 0;
}

/* Store a DICOM buffer here; its new Orthanc identifier (a JSON string) or NULL. */
static json_t *store_here(const uint8_t *dcm, size_t len) {
    json_t *reply = NULL, *id = NULL;
    mcp_self_store_begin();
    int rc = post("/instances", dcm, len, &reply);
    mcp_self_store_end();
    if (!rc) id = json_incref(json_object_get(reply, "ID"));
    json_decref(reply);
    if (id && !json_is_string(id)) {
        json_decref(id);
        id = NULL;
    }
    return id;
}

/* GET /instances/{id}/file, wiped when released */
static int fetch_instance(const char *id, OrthancPluginMemoryBuffer *buf) {
    char uri[128];
    snprintf(uri, sizeof uri, "/instances/%s/file", id);
    return OrthancPluginRestApiGet(mcp->ctx, buf, uri) == OrthancPluginErrorCode_Success ? 0 : -1;
}

static void release_instance(OrthancPluginMemoryBuffer *buf) {
    if (buf->data) explicit_bzero(buf->data, buf->size);
    OrthancPluginFreeMemoryBuffer(mcp->ctx, buf);
}

static void add_failure(json_t *failed, const char *id, const char *msg) {
    json_array_append_new(failed, json_pack("{s:s,s:s}", "ID", id, "Error", msg));
}

/* ---------------------------------------------------- encryption job */

/* One POST /medcrypt/encrypt: mcp->threads workers take the instances in
 * turn (fetch, encrypt, send, store); the first failed send stops them all. */
typedef struct job {
    json_t *ids;
    const mcp_rule *rule;
    const char *send_uri; /* "" when nothing is sent */
    int store;
    atomic_size_t next;
    atomic_int stop;       /* a send failed */
    pthread_mutex_t lock;  /* guards what follows */
    json_t *stored, *failed;
    size_t n_enc, n_sent;
} job;

static void encrypt_one(job *jb, const char *id) {
    OrthancPluginMemoryBuffer plain = {0};
    if (fetch_instance(id, &plain)) {
        pthread_mutex_lock(&jb->lock);
        add_failure(jb->failed, id, "cannot read the instance");
        pthread_mutex_unlock(&jb->lock);
        return;
    }
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    mc_err err = {0};
    int rc = mcp_encrypt_dicom(mcp, jb->rule, plain.data, plain.size, &enc, &enc_len, &err);
    release_instance(&plain);
    if (rc) {
        atomic_fetch_add(&mcp->n.errors, 1);
        pthread_mutex_lock(&jb->lock);
        add_failure(jb->failed, id, err.msg);
        pthread_mutex_unlock(&jb->lock);
        return;
    }
    atomic_fetch_add(&mcp->n.encrypted, 1);
    int sent = 0;
    if (jb->send_uri[0] && !atomic_load(&jb->stop)) {
        if (post(jb->send_uri, enc, enc_len, NULL)) {
            atomic_store(&jb->stop, 1);
        } else {
            sent = 1;
            atomic_fetch_add(&mcp->n.sent, 1);
        }
    }
    json_t *sid = NULL;
    if (jb->store && (sent || !jb->send_uri[0])) {
        if ((sid = store_here(enc, enc_len))) atomic_fetch_add(&mcp->n.stored, 1);
    }
    mc_buffer_free(enc, enc_len);
    pthread_mutex_lock(&jb->lock);
    jb->n_enc++;
    jb->n_sent += (size_t)sent;
    if (sid) json_array_append_new(jb->stored, sid);
    else if (jb->store && (sent || !jb->send_uri[0])) add_failure(jb->failed, id, "cannot store the encrypted copy");
    pthread_mutex_unlock(&jb->lock);
}

static void *worker(void *arg) {
    job *jb = arg;
    size_t n = json_array_size(jb->ids), i;
    while (!atomic_load(&jb->stop) && (i = atomic_fetch_add(&jb->next, 1)) < n)
        encrypt_one(jb, json_string_value(json_array_get(jb->ids, i)));
    return NULL;
}

static void run_job(job *jb) {
    pthread_mutex_init(&jb->lock, NULL);
    size_t n = json_array_size(jb->ids), nt = mcp->threads < n ? mcp->threads : n, started = 0;
    pthread_t th[MCP_THREADS_MAX];
    while (started + 1 < nt && !pthread_create(&th[started], NULL, worker, jb)) started++;
    worker(jb); /* this thread works too */
    for (size_t t = 0; t < started; t++) pthread_join(th[t], NULL);
    pthread_mutex_destroy(&jb->lock);
}

/* --------------------------------------------------------- the routes */

/* -1: present but not a string, else 0 and *out (NULL when absent) */
static int opt_string(json_t *body, const char *name, const char **out) {
    json_t *v = json_is_object(body) ? json_object_get(body, name) : NULL;
    *out = json_is_string(v) ? json_string_value(v) : NULL;
    return v && !*out ? -1 : 0;
}

/* -1: wrong type, else the boolean or dflt */
static int opt_bool(json_t *body, const char *name, int dflt) {
    json_t *v = json_is_object(body) ? json_object_get(body, name) : NULL;
    if (!v) return dflt;
    return json_is_boolean(v) ? json_is_true(v) : -1;
}

/* What both POST routes do first: the method, the plugin's state, the body.
 * 0: go on with *body and *ids; -1: answered already. */
static int begin_post(OrthancPluginRestOutput *out, const OrthancPluginHttpRequest *req, json_t **body, json_t **ids) {
    if (req->method != OrthancPluginHttpMethod_Post) {
        OrthancPluginSendMethodNotAllowed(mcp->ctx, out, "POST");
        return -1;
    }
    if (!mcp->enabled) {
        fail(out, 503, "medcrypt is not configured (no \"Medcrypt\" section)");
        return -1;
    }
    if (parse_request(out, req, body, ids)) {
        json_decref(*body);
        return -1;
    }
    return 0;
}

OrthancPluginErrorCode mcp_rest_encrypt(OrthancPluginRestOutput *out, const char *url,
                                        const OrthancPluginHttpRequest *req) {
    (void)url;
    json_t *body = NULL, *ids = NULL;
    if (begin_post(out, req, &body, &ids)) return OrthancPluginErrorCode_Success;
    const char *modality = NULL, *peer = NULL;
    int bad_type = opt_string(body, "Modality", &modality) | opt_string(body, "Peer", &peer);
    int store = opt_bool(body, "Store", !modality && !peer);
    char msg[256];
    const mcp_rule *rule = NULL;
    if (bad_type) snprintf(msg, sizeof msg, "\"Modality\" and \"Peer\" are names (strings)");
    else if (modality && peer) snprintf(msg, sizeof msg, "give \"Modality\" or \"Peer\", not both");
    else if ((modality && !safe_name(modality, 0)) || (peer && !safe_name(peer, 0)))
        snprintf(msg, sizeof msg, "not a modality or peer name");
    else if (store < 0) snprintf(msg, sizeof msg, "\"Store\" must be true or false");
    else if (!modality && !peer && !store) snprintf(msg, sizeof msg, "nothing to do: no destination and \"Store\": false");
    else if ((rule = mcp_rule_for(mcp, modality, peer))->refuse) {
        snprintf(msg, sizeof msg, "a rule refuses encryption for %s %.64s", modality ? "modality" : peer ? "peer" : "local",
                 modality ? modality : peer ? peer : "storage");
        json_decref(body);
        json_decref(ids);
        return fail(out, 403, msg);
    } else
        msg[0] = 0;
    if (msg[0]) {
        json_decref(body);
        json_decref(ids);
        return fail(out, 400, msg);
    }
    char send_uri[128] = "";
    if (modality) snprintf(send_uri, sizeof send_uri, "/modalities/%s/store-straight", modality);
    if (peer) snprintf(send_uri, sizeof send_uri, "/peers/%s/store-straight", peer);

    job jb = {.ids = ids, .rule = rule, .send_uri = send_uri, .store = store, .stored = json_array(),
              .failed = json_array()};
    run_job(&jb);
    json_t *stored = jb.stored, *failed = jb.failed;
    size_t n_enc = jb.n_enc, n_sent = jb.n_sent;
    int send_error = atomic_load(&jb.stop);
    json_t *res = json_pack("{s:s,s:s,s:I,s:I,s:I,s:o,s:o}", "Scheme", rule->scheme, "Profile",
                            mc_profile_name(rule->profile), "Instances", (json_int_t)json_array_size(ids), "Encrypted",
                            (json_int_t)n_enc, "Sent", (json_int_t)n_sent, "Stored", stored, "Failed", failed);
    if (modality) json_object_set_new(res, "Modality", json_string(modality));
    if (peer) json_object_set_new(res, "Peer", json_string(peer));
    uint16_t http = 200;
    if (send_error) {
        atomic_fetch_add(&mcp->n.errors, 1);
        snprintf(msg, sizeof msg, "sending to %s %s failed after %zu instance(s)", modality ? "modality" : "peer",
                 modality ? modality : peer, n_sent);
        json_object_set_new(res, "Error", json_string(msg));
        mcp_log_error("%s", msg);
        http = 502;
    }
    json_decref(body);
    json_decref(ids);
    answer(out, http, res);
    return OrthancPluginErrorCode_Success;
}

OrthancPluginErrorCode mcp_rest_decrypt(OrthancPluginRestOutput *out, const char *url,
                                        const OrthancPluginHttpRequest *req) {
    (void)url;
    json_t *body = NULL, *ids = NULL;
    if (begin_post(out, req, &body, &ids)) return OrthancPluginErrorCode_Success;
    int keep = opt_bool(body, "KeepEncrypted", 0);
    json_decref(body);
    if (keep < 0) {
        json_decref(ids);
        return fail(out, 400, "\"KeepEncrypted\" must be true or false");
    }
    json_t *done = json_array(), *failed = json_array(), *skipped = json_array();
    size_t i;
    json_t *jid;
    json_array_foreach(ids, i, jid) {
        const char *id = json_string_value(jid);
        OrthancPluginMemoryBuffer enc = {0};
        if (fetch_instance(id, &enc)) {
            add_failure(failed, id, "cannot read the instance");
            continue;
        }
        uint8_t *dec = NULL;
        size_t dec_len = 0;
        mc_err err = {0};
        int rc = mcp_maybe_encrypted(enc.data, enc.size) ? mcp_decrypt_dicom(mcp, enc.data, enc.size, &dec, &dec_len, &err)
                                                         : 0;
        if (rc != 1) {
            if (rc == 0) json_array_append(skipped, jid);
            else add_failure(failed, id, err.msg);
            if (rc < 0) mcp_log_warning("instance %s failed authentication (%s): left encrypted", id, err.msg);
            release_instance(&enc);
            continue;
        }
        release_instance(&enc);
        json_t *nid = store_here(dec, dec_len);
        mc_buffer_free(dec, dec_len);
        if (!nid) {
            add_failure(failed, id, "cannot store the decrypted instance");
            continue;
        }
        atomic_fetch_add(&mcp->n.decrypted, 1);
        json_array_append_new(done, json_pack("{s:s,s:o}", "Encrypted", id, "Instance", nid));
        if (!keep) {
            char uri[128];
            snprintf(uri, sizeof uri, "/instances/%s", id);
            if (OrthancPluginRestApiDelete(mcp->ctx, uri) != OrthancPluginErrorCode_Success)
                mcp_log_warning("decrypted instance %s, but could not delete the encrypted copy", id);
        }
    }
    json_decref(ids);
    answer(out, 200, json_pack("{s:o,s:o,s:o}", "Decrypted", done, "Failed", failed, "Skipped", skipped));
    return OrthancPluginErrorCode_Success;
}

OrthancPluginErrorCode mcp_rest_status(OrthancPluginRestOutput *out, const char *url,
                                       const OrthancPluginHttpRequest *req) {
    (void)url;
    if (req->method != OrthancPluginHttpMethod_Get) {
        OrthancPluginSendMethodNotAllowed(mcp->ctx, out, "GET");
        return OrthancPluginErrorCode_Success;
    }
    const mcp_counters *n = &mcp->n;
    json_t *c = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "Encrypted", (json_int_t)atomic_load(&n->encrypted),
                          "Sent", (json_int_t)atomic_load(&n->sent), "Stored", (json_int_t)atomic_load(&n->stored),
                          "Decrypted", (json_int_t)atomic_load(&n->decrypted), "KeptEncrypted",
                          (json_int_t)atomic_load(&n->kept_encrypted), "Rejected", (json_int_t)atomic_load(&n->rejected),
                          "NotEncrypted", (json_int_t)atomic_load(&n->passed), "Errors",
                          (json_int_t)atomic_load(&n->errors));
    json_t *res = json_pack("{s:s,s:s,s:s,s:b,s:o}", "Name", MCP_NAME, "Version", MCP_VERSION, "Library",
                            mc_version_string(), "Enabled", mcp->enabled, "Counters", c);
    if (mcp->enabled) {
        json_object_set_new(res, "Scheme", json_string(mcp->deflt.scheme));
        json_object_set_new(res, "Profile", json_string(mc_profile_name(mcp->deflt.profile)));
        json_object_set_new(res, "Rules", json_integer((json_int_t)mcp->nrules));
        json_object_set_new(res, "Keys", json_integer((json_int_t)mcp->nkeys));
        json_object_set_new(res, "Threads", json_integer((json_int_t)mcp->threads));
        json_object_set_new(res, "DecryptIncoming", json_boolean(mcp->decrypt_incoming));
        json_object_set_new(res, "OnAuthenticationFailure",
                            json_string(mcp->on_failure == MCP_REJECT ? "Reject" : "Keep"));
    }
    answer(out, 200, res);
    return OrthancPluginErrorCode_Success;
}
