/*
 * dicom_codec.cpp - DCMTK set-up and DICOM bytes in and out of memory.
 *
 * Codec registration is process-global in DCMTK; it is done once,
 * thread-safely (std::call_once), on the first read or write, and never
 * undone:
 *   decoders  RLE; JPEG (baseline, extended, lossless) without colour
 *             conversion (YCbCr samples stay YCbCr; DCMTK then says
 *             YBR_FULL, as the decompressed data is no longer subsampled);
 *             JPEG-LS.
 *   encoders  RLE, JPEG lossless, JPEG-LS lossless: used only to give a
 *             decrypted file back in its original lossless transfer syntax;
 *             none of them makes a new SOP Instance UID.
 * If the host program registered DCMTK codecs with other settings first,
 * DCMTK keeps those.  The same call_once silences DCMTK's logger "dcmtk"
 * (it would print parser warnings on stderr); MEDCRYPT_DCMTK_LOG=1 in the
 * environment keeps DCMTK's default logging.
 *
 * Reading parses the caller's buffer with DcmInputBufferStream (every value
 * is copied into DCMTK's dataset; nothing is loaded later from a file);
 * writing streams DcmFileFormat::write into a DcmOutputBufferStream and
 * appends each filled block to an mc_membuf.
 */
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "io/dicom.hpp"

#include "dcmtk/dcmdata/dcistrmb.h"
#include "dcmtk/dcmdata/dcostrmb.h"
#include "dcmtk/dcmdata/dcwcache.h"
#include "dcmtk/dcmdata/dcrledrg.h"
#include "dcmtk/dcmdata/dcrleerg.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpeg/djencode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/dcmjpls/djencode.h"
#include "dcmtk/oflog/oflog.h"

namespace mcdcm {

namespace {
std::once_flag g_init_once;
}

void init_dcmtk() {
    std::call_once(g_init_once, [] {
        const char *log = std::getenv("MEDCRYPT_DCMTK_LOG");
        if (!log || !*log || !std::strcmp(log, "0")) OFLog::getLogger("dcmtk").setLogLevel(OFLogger::OFF_LOG_LEVEL);
        DcmRLEDecoderRegistration::registerCodecs();
        DJDecoderRegistration::registerCodecs(EDC_never);
        DJLSDecoderRegistration::registerCodecs();
        DcmRLEEncoderRegistration::registerCodecs(OFFalse /* no new UID */);
        /* lossless JPEG from the stored samples (pRealLossless), no new UID */
        DJEncoderRegistration::registerCodecs(ECC_lossyYCbCr, EUC_never, OFFalse, 0, 0, 0, OFTrue, ESS_422, OFTrue,
                                              OFFalse, 0, 0, 0.0, 0.0, 0, 0, 0, 0, OFTrue, OFFalse, OFFalse, OFFalse,
                                              OFTrue);
        /* raw encoding: the stored samples as they are (cooked would go through
         * DicomImage, which needs dcmimage for colour) */
        DJLSEncoderRegistration::registerCodecs(0, 0, 0, 0, OFFalse, 0, OFTrue, EJLSUC_never);
    });
}

int parse_buffer(const uint8_t *buf, size_t len, DcmFileFormat *ff, mc_err *err) {
    if (!buf || len == 0) return mc_err_set(err, MC_ERR_FORMAT, "empty DICOM file");
    DcmInputBufferStream in;
    in.setBuffer(buf, (offile_off_t)len);
    in.setEos();
    ff->transferInit();
    OFCondition c = ff->read(in, EXS_Unknown, EGL_noChange, DCM_MaxReadLength);
    ff->transferEnd();
    /* a cut file leaves DCMTK waiting for more data (EC_StreamNotifyClient) */
    if (c.bad()) return mc_err_set(err, MC_ERR_FORMAT, "not a valid DICOM file (truncated or corrupt): %s", c.text());
    return MC_OK;
}

int write_buffer(DcmFileFormat *ff, E_TransferSyntax xfer, mc_membuf *out, mc_err *err) {
    std::vector<Uint8> block(1 << 16);
    DcmOutputBufferStream os(block.data(), (offile_off_t)block.size());
    DcmWriteCache wcache;
    ff->transferInit();
    OFCondition c;
    for (;;) {
        c = ff->write(os, xfer, EET_ExplicitLength, &wcache, EGL_recalcGL, EPD_noChange, 0, 0, 0, EWM_updateMeta);
        if (c != EC_StreamNotifyClient) break;
        void *p = NULL;
        offile_off_t n = 0;
        os.flushBuffer(p, n);
        if (n > 0 && mc_membuf_append(out, p, (size_t)n)) break;
    }
    ff->transferEnd();
    if (c.good()) {
        os.flush();
        void *p = NULL;
        offile_off_t n = 0;
        os.flushBuffer(p, n);
        if (n > 0) mc_membuf_append(out, p, (size_t)n);
    }
    std::memset(block.data(), 0, block.size());
    if (out->failed) return mc_err_set(err, MC_ERR_NOMEM, "out of memory writing DICOM");
    if (c.bad()) return mc_err_set(err, MC_ERR_IO, "cannot write DICOM: %s", c.text());
    return MC_OK;
}

std::string trim(const OFString &s) {
    std::string t(s.c_str(), s.length());
    size_t b = 0, e = t.size();
    while (b < e && (t[b] == ' ' || t[b] == '\0')) b++;
    while (e > b && (t[e - 1] == ' ' || t[e - 1] == '\0')) e--;
    return t.substr(b, e - b);
}

std::string get_raw(DcmItem *ds, const DcmTagKey &k, bool *present) {
    DcmElement *e = NULL;
    *present = ds->findAndGetElement(k, e).good() && e;
    if (!*present) return std::string();
    OFString v;
    if (e->getOFStringArray(v, OFFalse).bad()) return std::string();
    return std::string(v.c_str(), v.length());
}

std::string get_pi(DcmItem *ds) {
    OFString pi;
    if (ds->findAndGetOFString(DCM_PhotometricInterpretation, pi).good()) return trim(pi);
    return std::string();
}

} // namespace mcdcm
