/*
 * plugin.c - entry points of libOrthancMedcrypt.so (Orthanc >= 1.10.0).
 *
 * Start-up reads the "Medcrypt" section of Orthanc's configuration
 * (config.c).  Without the section the plugin stays inactive (one warning;
 * /medcrypt/status says "Enabled": false); a section with an error (unknown
 * option, bad scheme or parameter, key file missing, not a raw key, group- or
 * world-accessible, not owned by the user Orthanc runs as) stops Orthanc with
 * one error line.
 */
#include "plugin.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

mcp_state *mcp = NULL;

MC_PRINTF(2, 0)
static void log_line(void (*sink)(OrthancPluginContext *, const char *), const char *fmt, va_list ap) {
    char line[512];
    int n = snprintf(line, sizeof line, "medcrypt: ");
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    if (mcp) sink(mcp->ctx, line);
}

void mcp_log_info(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    log_line(OrthancPluginLogInfo, fmt, ap);
    va_end(ap);
}

void mcp_log_warning(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    log_line(OrthancPluginLogWarning, fmt, ap);
    va_end(ap);
}

void mcp_log_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    log_line(OrthancPluginLogError, fmt, ap);
    va_end(ap);
}

static void state_free(mcp_state *st) {
    if (!st) return;
    mcp_config_free(st);
    free(st);
}

ORTHANC_PLUGINS_API int32_t OrthancPluginInitialize(OrthancPluginContext *ctx) {
    /* the received-instance callback exists since Orthanc 1.10.0 */
    if (!OrthancPluginCheckVersionAdvanced(ctx, 1, 10, 0)) {
        OrthancPluginLogError(ctx, "medcrypt: this plugin needs Orthanc 1.10.0 or later");
        return -1;
    }
    mcp_state *st = calloc(1, sizeof *st);
    if (!st || mc_init()) {
        OrthancPluginLogError(ctx, "medcrypt: cannot initialise (out of memory, or libsodium failed)");
        free(st);
        return -1;
    }
    st->ctx = ctx;
    mcp = st;
    OrthancPluginSetDescription(ctx, "Encrypts DICOM instances with medcrypt before they leave, decrypts those that "
                                     "arrive (authenticated, or not stored as plaintext).");
    char *conf = OrthancPluginGetConfiguration(ctx);
    mc_err err = {0};
    int rc = mcp_config_load(st, conf, &err);
    OrthancPluginFreeString(ctx, conf);
    if (rc) {
        mcp_log_error("configuration refused: %s", err.msg);
        mcp = NULL;
        state_free(st);
        return -1;
    }
    OrthancPluginRegisterRestCallbackNoLock(ctx, "/medcrypt/status", mcp_rest_status);
    OrthancPluginRegisterRestCallbackNoLock(ctx, "/medcrypt/encrypt", mcp_rest_encrypt);
    OrthancPluginRegisterRestCallbackNoLock(ctx, "/medcrypt/decrypt", mcp_rest_decrypt);
    if (!st->enabled) {
        mcp_log_warning("no \"Medcrypt\" section in the configuration: inactive (docs/orthanc.md)");
        return 0;
    }
    if (OrthancPluginRegisterReceivedInstanceCallback(ctx, mcp_on_received) != OrthancPluginErrorCode_Success ||
        OrthancPluginRegisterIncomingDicomInstanceFilter(ctx, mcp_on_instance_filter) != OrthancPluginErrorCode_Success ||
        OrthancPluginRegisterIncomingCStoreInstanceFilter(ctx, mcp_on_cstore_filter) != OrthancPluginErrorCode_Success) {
        mcp_log_error("cannot register the received-instance callback (another plugin holds it?)");
        mcp = NULL;
        state_free(st);
        return -1;
    }
    if (st->deflt.profile == MC_PROFILE_PAPER)
        mcp_log_warning("profile paper: instances carry no MAC; no receiving medcrypt plugin decrypts them");
    mcp_log_warning("library %s; scheme %s, profile %s; %zu rule(s), %zu key(s), %zu thread(s); incoming instances "
                    "%s, failures %s",
                    mc_version_string(), st->deflt.scheme, mc_profile_name(st->deflt.profile), st->nrules, st->nkeys,
                    st->threads, st->decrypt_incoming ? "decrypted" : "left alone",
                    st->on_failure == MCP_REJECT ? "rejected" : "kept");
    return 0;
}

ORTHANC_PLUGINS_API void OrthancPluginFinalize(void) {
    mcp_state *st = mcp;
    mcp = NULL;
    state_free(st);
}

ORTHANC_PLUGINS_API const char *OrthancPluginGetName(void) { return MCP_NAME; }

ORTHANC_PLUGINS_API const char *OrthancPluginGetVersion(void) { return MCP_VERSION; }
