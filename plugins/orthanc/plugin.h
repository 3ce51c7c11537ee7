/*
 * plugin.h - shared declarations of the medcrypt Orthanc plugin
 * (libOrthancMedcrypt.so; docs/orthanc.md).
 *
 * The plugin links libmedcrypt through its public header only.  Its state is
 * one mcp_state, built by OrthancPluginInitialize from the "Medcrypt" section
 * of Orthanc's configuration and read-only afterwards (except the atomic
 * counters), so every callback may run concurrently.
 */
#ifndef MEDCRYPT_ORTHANC_PLUGIN_H
#define MEDCRYPT_ORTHANC_PLUGIN_H

#include <medcrypt.h>
#include <orthanc/OrthancCPlugin.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define MCP_NAME "medcrypt"
#define MCP_VERSION MC_VERSION
#define MCP_THREADS_MAX 32

/* A loaded key file (raw 256-bit key; mode and owner checked). */
typedef struct mcp_key {
    char *path;
    mc_key *key;
} mcp_key;

/* How instances are encrypted for a destination: the default ("Scheme",
 * "Profile", "Parameters", "KeyFile" of the section) or one of "Rules". */
typedef struct mcp_rule {
    char *modality; /* match: DICOM modality name, "*" = any modality; NULL: no condition */
    char *peer;     /* match: Orthanc peer name, "*" = any peer; NULL: no condition */
    int local;      /* match: encrypted copies stored here, without a destination */
    int refuse;     /* action: refuse to encrypt for this destination */
    char *scheme;
    mc_profile profile;
    char **params;  /* "k=v" */
    size_t nparams;
    size_t key;     /* index in mcp_state.keys */
} mcp_rule;

/* What happens to an incoming medcrypt instance that does not decrypt. */
typedef enum mcp_failure { MCP_KEEP_ENCRYPTED = 0, MCP_REJECT = 1 } mcp_failure;

typedef struct mcp_counters {
    atomic_ullong encrypted;      /* encrypted copies made (REST encrypt) */
    atomic_ullong sent;           /* ... sent to a modality or peer */
    atomic_ullong stored;         /* ... stored here */
    atomic_ullong decrypted;      /* incoming or stored instances decrypted */
    atomic_ullong kept_encrypted; /* incoming ones that failed to decrypt, stored encrypted */
    atomic_ullong rejected;       /* incoming ones that failed to decrypt, refused */
    atomic_ullong passed;         /* incoming instances that were not medcrypt's */
    atomic_ullong errors;         /* requests or instances that failed otherwise */
} mcp_counters;

typedef struct mcp_state {
    OrthancPluginContext *ctx;
    int enabled;              /* a "Medcrypt" section was configured */
    mcp_key *keys;
    size_t nkeys;
    mcp_rule deflt;           /* the section's own scheme / profile / parameters / key */
    mcp_rule *rules;
    size_t nrules;
    int decrypt_incoming;     /* "DecryptIncoming" */
    unsigned origins;         /* bit (1 << OrthancPluginInstanceOrigin) per origin decrypted */
    mcp_failure on_failure;   /* "OnAuthenticationFailure" */
    uint16_t reject_status;   /* DIMSE status of a refused C-STORE */
    size_t threads;           /* "Threads": instances encrypted at once by one request */
    mcp_counters n;
} mcp_state;

/* The one plugin state (NULL before initialisation and after finalisation). */
extern mcp_state *mcp;

/* Logging: one line, prefixed with "medcrypt: ". */
void mcp_log_info(const char *fmt, ...) MC_PRINTF(1, 2);
void mcp_log_warning(const char *fmt, ...) MC_PRINTF(1, 2);
void mcp_log_error(const char *fmt, ...) MC_PRINTF(1, 2);

/* config.c: parse the "Medcrypt" section (a JSON object as text; NULL or
 * absent section: st->enabled stays 0) and load the keys.  On error, one line
 * in err and a negative status; st may be partly filled (mcp_config_free). */
int mcp_config_load(mcp_state *st, const char *orthanc_json, mc_err *err);
void mcp_config_free(mcp_state *st);
/* The rule for a destination: modality (or NULL), peer (or NULL), neither:
 * the encrypted copies are only stored here. */
const mcp_rule *mcp_rule_for(const mcp_state *st, const char *modality, const char *peer);

/* crypt.c: whole DICOM files in memory. */
/* Encrypt a plaintext DICOM file with a rule; *out released by mc_buffer_free. */
int mcp_encrypt_dicom(const mcp_state *st, const mcp_rule *rule, const void *dcm, size_t len, uint8_t **out,
                      size_t *out_len, mc_err *err);
/* Whether a DICOM file may be one of medcrypt's (cheap byte scan; a file
 * without the medcrypt private creator is never decrypted). */
int mcp_maybe_encrypted(const void *dcm, size_t len);
/* Decrypt: 1 and *out (mc_buffer_free) when decrypted with one of the keys,
 * 0 when the file is not medcrypt's (no metadata), 2 when libmedcrypt cannot
 * read it (err says why), a negative status when it is medcrypt's and was not
 * decrypted (MC_ERR_AUTH: no key authenticates it). */
int mcp_decrypt_dicom(const mcp_state *st, const void *dcm, size_t len, uint8_t **out, size_t *out_len,
                      mc_err *err);
/* "SOPInstanceUID (series SeriesInstanceUID)" of a DICOM buffer for logs, or "?" */
void mcp_describe_instance(const void *dcm, size_t len, char *buf, size_t cap);

/* receive.c */
OrthancPluginReceivedInstanceAction mcp_on_received(OrthancPluginMemoryBuffer64 *modified, const void *dcm,
                                                    uint64_t len, OrthancPluginInstanceOrigin origin);
int32_t mcp_on_instance_filter(const OrthancPluginDicomInstance *instance);
int32_t mcp_on_cstore_filter(uint16_t *dimse_status, const OrthancPluginDicomInstance *instance);
/* Around this thread's own POST /instances: the received-instance callback
 * leaves those alone (an encrypted copy stored here stays encrypted). */
void mcp_self_store_begin(void);
void mcp_self_store_end(void);

/* rest.c */
OrthancPluginErrorCode mcp_rest_encrypt(OrthancPluginRestOutput *out, const char *url,
                                        const OrthancPluginHttpRequest *req);
OrthancPluginErrorCode mcp_rest_decrypt(OrthancPluginRestOutput *out, const char *url,
                                        const OrthancPluginHttpRequest *req);
OrthancPluginErrorCode mcp_rest_status(OrthancPluginRestOutput *out, const char *url,
                                       const OrthancPluginHttpRequest *req);

#endif
