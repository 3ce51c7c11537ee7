/* error.c - status codes, messages, exit codes. */
#include "core/internal.h"

#include <stdarg.h>

const char *mc_strerror(int status) {
    switch (status) {
    case MC_OK: return "success";
    case MC_ERR_ARG: return "invalid argument";
    case MC_ERR_FORMAT: return "malformed or truncated input";
    case MC_ERR_UNSUPPORTED: return "unsupported input";
    case MC_ERR_LIMITS: return "image exceeds limits";
    case MC_ERR_NOMEM: return "out of memory";
    case MC_ERR_AUTH: return "authentication failed (wrong key or tampered data)";
    case MC_ERR_IO: return "I/O error";
    case MC_ERR_CRYPTO: return "cryptographic library failure";
    case MC_ERR_INTERNAL: return "internal error";
    default: return "unknown error";
    }
}

int mc_exit_code(int status) {
    switch (status) {
    case MC_OK: return 0;
    case MC_ERR_ARG: return 1;
    case MC_ERR_FORMAT:
    case MC_ERR_UNSUPPORTED:
    case MC_ERR_LIMITS: return 2;
    case MC_ERR_AUTH: return 3;
    default: return 4;
    }
}

int mc_err_set(mc_err *err, int status, const char *fmt, ...) {
    if (err) {
        err->status = status;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        /* one line only */
        for (char *p = err->msg; *p; p++)
            if (*p == '\n' || *p == '\r') *p = ' ';
    }
    return status;
}

const char *mc_basename(const char *path) {
    if (!path) return "";
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

void mc_hex_encode(char *out, const uint8_t *in, size_t len) {
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * len] = 0;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int mc_hex_decode(uint8_t *out, size_t len, const char *hex, size_t hexlen) {
    if (hexlen != 2 * len) return MC_ERR_FORMAT;
    for (size_t i = 0; i < len; i++) {
        int a = hexval(hex[2 * i]), b = hexval(hex[2 * i + 1]);
        if (a < 0 || b < 0) return MC_ERR_FORMAT;
        out[i] = (uint8_t)(a << 4 | b);
    }
    return MC_OK;
}

const char *mc_format_name(mc_format fmt) {
    switch (fmt) {
    case MC_FMT_PNG: return "png";
    case MC_FMT_PNM: return "pnm";
    case MC_FMT_DICOM: return "dicom";
    case MC_FMT_NIFTI: return "nifti";
    default: return "unknown";
    }
}

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    if (a < b) return 0;
    for (size_t i = 0; i < b; i++) {
        char c = s[a - b + i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != suf[i]) return 0;
    }
    return 1;
}

mc_format mc_format_from_path(const char *path) {
    if (!path) return MC_FMT_UNKNOWN;
    if (ends_with(path, ".png")) return MC_FMT_PNG;
    if (ends_with(path, ".pgm") || ends_with(path, ".ppm") || ends_with(path, ".pnm"))
        return MC_FMT_PNM;
    if (ends_with(path, ".dcm") || ends_with(path, ".dicom")) return MC_FMT_DICOM;
    if (ends_with(path, ".nii") || ends_with(path, ".nii.gz")) return MC_FMT_NIFTI;
    return MC_FMT_UNKNOWN;
}

const char *mc_profile_name(mc_profile p) {
    return p == MC_PROFILE_PAPER ? "paper" : "hardened";
}

int mc_profile_parse(const char *s, mc_profile *out) {
    if (!s) return MC_ERR_ARG;
    if (!strcmp(s, "paper")) *out = MC_PROFILE_PAPER;
    else if (!strcmp(s, "hardened")) *out = MC_PROFILE_HARDENED;
    else return MC_ERR_ARG;
    return MC_OK;
}

const char *mc_version_string(void) {
    return MC_VERSION;
}

int mc_version_number(void) {
    return MC_VERSION_NUMBER;
}
