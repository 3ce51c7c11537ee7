/*
 * receive.c - the receiving side: every instance Orthanc is about to store
 * passes through mcp_on_received (Orthanc's ReceivedInstanceCallback, from
 * C-STORE, REST, plugins, Lua or WebDAV).
 *
 *   - not medcrypt's (no medcrypt private block): stored as received;
 *   - medcrypt's and one of the configured keys authenticates it: the
 *     decrypted instance is stored instead (Modify);
 *   - medcrypt's and no key authenticates it (wrong key, tampered, a
 *     `paper`-profile instance, which carries no MAC): never decrypted.
 *     "Keep": stored encrypted, as received.  "Reject": not stored, and the
 *     sender is told: a C-STORE is answered with a failure status, any other
 *     store (REST, a peer, WebDAV, Lua, a plugin) fails with an error.  One
 *     warning line names the instance (its UIDs), never the key;
 *   - medcrypt's marker but libmedcrypt cannot read the file: stored as
 *     received (it is not plaintext medcrypt could have made), one line.
 *
 * Orthanc calls the ReceivedInstanceCallback, then the
 * IncomingDicomInstanceFilter and, for C-STORE, the
 * IncomingCStoreInstanceFilter, in the same thread, for the same instance
 * (ServerContext::Store, before anything is written): the callback leaves
 * its verdict in thread-local variables that the filters read.  A rejected
 * instance is passed on unchanged (KeepAsIs) so that a filter can refuse it
 * in a way the sender sees: Discard would answer "success".
 */
#include "plugin.h"

#include <string.h>

static _Thread_local int self_store; /* this thread is storing its own copy */
static _Thread_local int reject;     /* the callback refused this thread's current instance */
static _Thread_local OrthancPluginInstanceOrigin reject_origin;

void mcp_self_store_begin(void) { self_store = 1; }
void mcp_self_store_end(void) { self_store = 0; }

OrthancPluginReceivedInstanceAction mcp_on_received(OrthancPluginMemoryBuffer64 *modified, const void *dcm,
                                                    uint64_t len, OrthancPluginInstanceOrigin origin) {
    reject = 0;
    mcp_state *st = mcp;
    if (!st || !st->enabled || !st->decrypt_incoming || self_store) return OrthancPluginReceivedInstanceAction_KeepAsIs;
    if ((unsigned)origin >= 32 || !(st->origins & (1u << origin))) return OrthancPluginReceivedInstanceAction_KeepAsIs;
    if (!mcp_maybe_encrypted(dcm, len)) {
        atomic_fetch_add(&st->n.passed, 1);
        return OrthancPluginReceivedInstanceAction_KeepAsIs;
    }
    uint8_t *out = NULL;
    size_t out_len = 0;
    mc_err err = {0};
    int rc = mcp_decrypt_dicom(st, dcm, len, &out, &out_len, &err);
    if (rc == 0) { /* not encrypted after all */
        atomic_fetch_add(&st->n.passed, 1);
        return OrthancPluginReceivedInstanceAction_KeepAsIs;
    }
    char who[192];
    if (rc == 1) {
        if (OrthancPluginCreateMemoryBuffer64(st->ctx, modified, out_len) == OrthancPluginErrorCode_Success) {
            memcpy(modified->data, out, out_len);
            mc_buffer_free(out, out_len);
            atomic_fetch_add(&st->n.decrypted, 1);
            return OrthancPluginReceivedInstanceAction_Modify;
        }
        mc_buffer_free(out, out_len);
        rc = mc_err_set(&err, MC_ERR_NOMEM, "Orthanc could not allocate %zu bytes", out_len);
    }
    mcp_describe_instance(dcm, len, who, sizeof who);
    if (rc == 2 || rc == MC_ERR_NOMEM) {
        /* unreadable (or no memory): no plaintext exists; Orthanc stores what came */
        atomic_fetch_add(&st->n.errors, 1);
        mcp_log_warning("instance %s carries the medcrypt marker but was not decrypted (%s): stored as received", who,
                        err.msg);
        return OrthancPluginReceivedInstanceAction_KeepAsIs;
    }
    if (st->on_failure == MCP_REJECT) {
        atomic_fetch_add(&st->n.rejected, 1);
        mcp_log_warning("instance %s failed authentication (%s): rejected", who, err.msg);
        reject = 1; /* the filters below refuse it */
        reject_origin = origin;
        return OrthancPluginReceivedInstanceAction_KeepAsIs;
    }
    atomic_fetch_add(&st->n.kept_encrypted, 1);
    mcp_log_warning("instance %s failed authentication (%s): stored encrypted", who, err.msg);
    return OrthancPluginReceivedInstanceAction_KeepAsIs;
}

int32_t mcp_on_instance_filter(const OrthancPluginDicomInstance *instance) {
    (void)instance;
    if (!reject || reject_origin == OrthancPluginInstanceOrigin_DicomProtocol) return 1; /* C-STORE: next filter */
    reject = 0;
    return -1; /* an error: the REST request (or WebDAV, Lua...) that brought it fails */
}

int32_t mcp_on_cstore_filter(uint16_t *dimse_status, const OrthancPluginDicomInstance *instance) {
    (void)instance;
    if (!reject || !mcp) return 1;
    reject = 0;
    *dimse_status = mcp->reject_status;
    return 0;
}
