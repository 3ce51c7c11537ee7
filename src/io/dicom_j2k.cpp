/*
 * dicom_j2k.cpp - JPEG 2000 Pixel Data through OpenJPEG (libopenjp2), from
 * and to memory.  Debian's DCMTK has no JPEG 2000 codec.
 *
 * Decoding (.90 lossless only, .91 lossless or lossy)
 *   - Frames: one frame: every fragment; several: the Basic Offset Table
 *     when it has one entry per frame, else one fragment per frame when the
 *     counts agree, else fragments up to one that ends with the EOC marker
 *     (FFD9, a padding NUL allowed after it).
 *   - A frame is a raw codestream (FF4F FF51) or a JP2 file (some writers
 *     wrap it); anything else is MC_ERR_FORMAT.  The codestream header is
 *     read first: its size and component count must be the DICOM geometry,
 *     every component full size (no subsampling) with a precision of at
 *     most Bits Allocated, before anything is decoded.
 *   - Samples are the decoded values as stored words: two's complement for
 *     signed components.  When the codestream is unsigned but Pixel
 *     Representation says signed, the values are sign-extended from the
 *     codestream's precision (pydicom's reading of such files, e.g.
 *     J2K_pixelrep_mismatch.dcm).  OpenJPEG applies the inverse colour
 *     transform itself (YBR_RCT / YBR_ICT -> RGB).
 *   - OpenJPEG's messages go nowhere; its error text is not needed for the
 *     one-line errors.
 *
 * Encoding (only to give a decrypted file back as it came): reversible 5/3
 * wavelet, one quality layer, no rate limit (lossless), precision = Bits
 * Stored, signedness = Pixel Representation, the reversible colour
 * transform when the original said YBR_RCT, resolution levels reduced for
 * small images.  One fragment per frame, padded to even length, and a Basic
 * Offset Table.
 */
#include <cstring>
#include <memory>

#include "io/dicom.hpp"

#include "dcmtk/dcmdata/dcpixseq.h"
#include "dcmtk/dcmdata/dcpxitem.h"

#include <openjpeg.h>

namespace mcdcm {

bool is_j2k(E_TransferSyntax x) {
    if (x == EXS_JPEG2000LosslessOnly || x == EXS_JPEG2000 || x == EXS_JPEG2000MulticomponentLosslessOnly ||
        x == EXS_JPEG2000Multicomponent)
        return true;
    const char *id = DcmXfer(x).getXferID();
    /* any other 1.2.840.10008.1.2.4.9x: JPEG 2000 Part 2, JPIP */
    return id && !std::strncmp(id, "1.2.840.10008.1.2.4.9", 21);
}

namespace {

void quiet(const char *, void *) {}

struct InBuf {
    const uint8_t *p;
    size_t n, pos;
};
OPJ_SIZE_T in_read(void *dst, OPJ_SIZE_T n, void *ud) {
    InBuf *b = static_cast<InBuf *>(ud);
    if (b->pos >= b->n) return (OPJ_SIZE_T)-1;
    size_t k = b->n - b->pos < n ? b->n - b->pos : n;
    std::memcpy(dst, b->p + b->pos, k);
    b->pos += k;
    return k;
}
OPJ_OFF_T in_skip(OPJ_OFF_T n, void *ud) {
    InBuf *b = static_cast<InBuf *>(ud);
    if (n < 0) {
        if ((size_t)-n > b->pos) return -1;
        b->pos -= (size_t)-n;
        return n;
    }
    size_t k = b->n - b->pos < (uint64_t)n ? b->n - b->pos : (size_t)n;
    b->pos += k;
    return (OPJ_OFF_T)k;
}
OPJ_BOOL in_seek(OPJ_OFF_T n, void *ud) {
    InBuf *b = static_cast<InBuf *>(ud);
    if (n < 0 || (uint64_t)n > b->n) return OPJ_FALSE;
    b->pos = (size_t)n;
    return OPJ_TRUE;
}

struct OutBuf {
    std::vector<uint8_t> v;
    size_t pos = 0;
};
OPJ_SIZE_T out_write(void *src, OPJ_SIZE_T n, void *ud) {
    OutBuf *b = static_cast<OutBuf *>(ud);
    if (b->pos + n > b->v.size()) b->v.resize(b->pos + n);
    std::memcpy(b->v.data() + b->pos, src, n);
    b->pos += n;
    return n;
}
OPJ_OFF_T out_skip(OPJ_OFF_T n, void *ud) {
    OutBuf *b = static_cast<OutBuf *>(ud);
    if (n < 0 && (size_t)-n > b->pos) return -1;
    b->pos = (size_t)((OPJ_OFF_T)b->pos + n);
    if (b->pos > b->v.size()) b->v.resize(b->pos);
    return n;
}
OPJ_BOOL out_seek(OPJ_OFF_T n, void *ud) {
    OutBuf *b = static_cast<OutBuf *>(ud);
    if (n < 0) return OPJ_FALSE;
    b->pos = (size_t)n;
    if (b->pos > b->v.size()) b->v.resize(b->pos);
    return OPJ_TRUE;
}

struct Codec {
    opj_codec_t *c = nullptr;
    opj_stream_t *s = nullptr;
    opj_image_t *im = nullptr;
    ~Codec() {
        if (im) opj_image_destroy(im);
        if (s) opj_stream_destroy(s);
        if (c) opj_destroy_codec(c);
    }
};

void silence(opj_codec_t *c) {
    opj_set_info_handler(c, quiet, nullptr);
    opj_set_warning_handler(c, quiet, nullptr);
    opj_set_error_handler(c, quiet, nullptr);
}

/* Decode one frame's codestream into frame f of img. */
int decode_frame(const uint8_t *p, size_t n, const Geometry &g, size_t f, mc_image *img, mc_err *err) {
    static const uint8_t j2c[] = {0xFF, 0x4F, 0xFF, 0x51}, jp2[] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' '};
    OPJ_CODEC_FORMAT fmt;
    if (n >= 4 && !std::memcmp(p, j2c, 4)) fmt = OPJ_CODEC_J2K;
    else if (n >= 8 && !std::memcmp(p, jp2, 8)) fmt = OPJ_CODEC_JP2;
    else return mc_err_set(err, MC_ERR_FORMAT, "DICOM JPEG 2000 frame %zu is not a JPEG 2000 codestream", f + 1);
    InBuf in{p, n, 0};
    Codec k;
    k.c = opj_create_decompress(fmt);
    k.s = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE);
    if (!k.c || !k.s) return mc_err_set(err, MC_ERR_NOMEM, "out of memory (OpenJPEG)");
    silence(k.c);
    opj_stream_set_user_data(k.s, &in, nullptr);
    opj_stream_set_user_data_length(k.s, n);
    opj_stream_set_read_function(k.s, in_read);
    opj_stream_set_skip_function(k.s, in_skip);
    opj_stream_set_seek_function(k.s, in_seek);
    opj_dparameters_t dp;
    opj_set_default_decoder_parameters(&dp);
    if (!opj_setup_decoder(k.c, &dp) || !opj_read_header(k.s, k.c, &k.im) || !k.im)
        return mc_err_set(err, MC_ERR_FORMAT, "DICOM JPEG 2000 frame %zu: unreadable codestream header", f + 1);
    /* the codestream must be the image the DICOM header declares, before decoding */
    const opj_image_t *im = k.im;
    if (im->x1 - im->x0 != g.cols || im->y1 - im->y0 != g.rows || im->numcomps != g.spp)
        return mc_err_set(err, MC_ERR_FORMAT, "DICOM JPEG 2000 frame %zu is %ux%u x %u, the header says %ux%u x %u", f + 1,
                          im->x1 - im->x0, im->y1 - im->y0, im->numcomps, g.cols, g.rows, g.spp);
    for (OPJ_UINT32 c = 0; c < im->numcomps; c++) {
        const opj_image_comp_t &cp = im->comps[c];
        if (cp.dx != 1 || cp.dy != 1 || cp.prec < 1 || cp.prec > g.ba)
            return mc_err_set(err, MC_ERR_UNSUPPORTED,
                              "DICOM JPEG 2000 frame %zu: component %u subsampled or %u-bit in %u-bit samples", f + 1, c,
                              cp.prec, g.ba);
    }
    if (!opj_decode(k.c, k.s, k.im) || !opj_end_decompress(k.c, k.s))
        return mc_err_set(err, MC_ERR_FORMAT, "DICOM JPEG 2000 frame %zu: corrupt codestream", f + 1);
    const size_t plane = (size_t)g.rows * g.cols;
    for (OPJ_UINT32 c = 0; c < im->numcomps; c++) {
        const opj_image_comp_t &cp = im->comps[c];
        if (!cp.data || cp.w != g.cols || cp.h != g.rows)
            return mc_err_set(err, MC_ERR_FORMAT, "DICOM JPEG 2000 frame %zu: component %u not decoded", f + 1, c);
        const bool extend = !cp.sgnd && g.pr == 1 && cp.prec < 32;
        const int32_t half = extend ? (int32_t)(1u << (cp.prec - 1)) : 0;
        for (size_t i = 0; i < plane; i++) {
            int32_t v = cp.data[i];
            if (extend && v >= half) v -= 2 * half;
            const size_t at = (f * plane + i) * g.spp + c;
            if (g.ba == 8) static_cast<uint8_t *>(img->pixels)[at] = (uint8_t)v;
            else static_cast<uint16_t *>(img->pixels)[at] = (uint16_t)v;
        }
    }
    return MC_OK;
}

/* Fragment i's value and length (trailing padding NUL ignored by callers). */
bool fragment(DcmPixelSequence *seq, unsigned long i, Uint8 **p, Uint32 *n) {
    DcmPixelItem *it = NULL;
    if (seq->getItem(it, i).bad() || !it) return false;
    *n = it->getLength();
    *p = NULL;
    if (*n == 0) return true;
    return it->getUint8Array(*p).good() && *p;
}

bool ends_with_eoc(const Uint8 *p, Uint32 n) {
    while (n > 2 && p[n - 1] == 0) n--;
    return n >= 2 && p[n - 2] == 0xFF && p[n - 1] == 0xD9;
}

} // namespace

int j2k_decode(DcmElement *pix, E_TransferSyntax xfer, const Geometry &g, mc_image *img, mc_err *err) {
    DcmPixelSequence *seq = NULL;
    DcmPixelData *pd = dynamic_cast<DcmPixelData *>(pix);
    if (!pd || pd->getEncapsulatedRepresentation(xfer, NULL, seq).bad() || !seq)
        return mc_err_set(err, MC_ERR_FORMAT, "DICOM JPEG 2000 Pixel Data is not encapsulated");
    const unsigned long nitems = seq->card();
    if (nitems < 2) return mc_err_set(err, MC_ERR_FORMAT, "DICOM JPEG 2000 Pixel Data has no fragment");
    const unsigned long nfrag = nitems - 1;
    /* the Basic Offset Table, if it has one entry per frame */
    std::vector<Uint32> offsets;
    {
        Uint8 *bot = NULL;
        Uint32 blen = 0;
        if (fragment(seq, 0, &bot, &blen) && blen == 4 * (uint64_t)g.frames && g.frames > 1)
            for (Uint32 i = 0; i < g.frames; i++) {
                const Uint8 *b = bot + 4 * i;
                const Uint32 v = (Uint32)b[0] | (Uint32)b[1] << 8 | (Uint32)b[2] << 16 | (Uint32)b[3] << 24;
                if (i == 0 ? v != 0 : v <= offsets.back()) { /* unusable: fall back */
                    offsets.clear();
                    break;
                }
                offsets.push_back(v);
            }
    }
    std::vector<uint8_t> frame;
    unsigned long next = 1;
    Uint64 pos = 0; /* offset of fragment `next` from the first fragment (item headers included) */
    for (size_t f = 0; f < g.frames; f++) {
        frame.clear();
        for (;;) {
            if (next > nfrag) break;
            if (!offsets.empty() && f + 1 < g.frames && pos >= offsets[f + 1]) break;
            Uint8 *p = NULL;
            Uint32 n = 0;
            if (!fragment(seq, next, &p, &n)) return mc_err_set(err, MC_ERR_FORMAT, "DICOM JPEG 2000 fragment %lu unreadable", next);
            frame.insert(frame.end(), p, p + n);
            next++;
            pos += 8 + (Uint64)n;
            if (g.frames == 1 || !offsets.empty()) continue;
            if (nfrag == g.frames || ends_with_eoc(p, n)) break;
        }
        if (frame.empty()) return mc_err_set(err, MC_ERR_FORMAT, "DICOM JPEG 2000 Pixel Data: frame %zu missing", f + 1);
        int rc = decode_frame(frame.data(), frame.size(), g, f, img, err);
        if (rc) return rc;
    }
    return MC_OK;
}

int j2k_encode_lossless(DcmDataset *ds, const mc_image *img, unsigned bits_stored, bool mct, mc_err *err) {
    const unsigned nc = img->channels, bs = bits_stored ? bits_stored : img->bits;
    const size_t plane = (size_t)img->width * img->height;
    if (img->width > 0x7fffffffu || img->height > 0x7fffffffu || plane > 0x7fffffffu)
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "JPEG 2000: image too large");
    std::unique_ptr<DcmPixelSequence> seq(new DcmPixelSequence(DcmTag(DCM_PixelData, EVR_OB)));
    DcmPixelItem *bot = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
    seq->insert(bot);
    DcmOffsetList offsets;
    unsigned nres = 1;
    while (nres < 6 && (img->width >> nres) >= 1 && (img->height >> nres) >= 1) nres++;
    for (uint32_t f = 0; f < img->depth; f++) {
        opj_image_cmptparm_t cp[3];
        std::memset(cp, 0, sizeof cp);
        for (unsigned c = 0; c < nc; c++) {
            cp[c].dx = cp[c].dy = 1;
            cp[c].w = img->width;
            cp[c].h = img->height;
            cp[c].prec = bs;
            cp[c].sgnd = img->is_signed;
        }
        Codec k;
        k.im = opj_image_create(nc, cp, nc == 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY);
        if (!k.im) return mc_err_set(err, MC_ERR_NOMEM, "out of memory (OpenJPEG)");
        k.im->x0 = k.im->y0 = 0;
        k.im->x1 = img->width;
        k.im->y1 = img->height;
        const uint32_t mask = bs >= 32 ? 0xffffffffu : (1u << bs) - 1;
        for (unsigned c = 0; c < nc; c++) {
            OPJ_INT32 *d = k.im->comps[c].data;
            for (size_t i = 0; i < plane; i++) {
                const size_t at = ((size_t)f * plane + i) * nc + c;
                uint32_t w = img->bits == 8 ? static_cast<const uint8_t *>(img->pixels)[at]
                                            : static_cast<const uint16_t *>(img->pixels)[at];
                w &= mask;
                int32_t v = (int32_t)w;
                if (img->is_signed && (w >> (bs - 1)) & 1) v = (int32_t)w - (int32_t)(mask + 1u);
                d[i] = v;
            }
        }
        opj_cparameters_t p;
        opj_set_default_encoder_parameters(&p);
        p.tcp_numlayers = 1;
        p.tcp_rates[0] = 0;
        p.cp_disto_alloc = 1;
        p.irreversible = 0;
        p.numresolution = (int)nres;
        p.tcp_mct = (char)(mct && nc == 3 ? 1 : 0);
        OutBuf out;
        k.c = opj_create_compress(OPJ_CODEC_J2K);
        k.s = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_FALSE);
        if (!k.c || !k.s) return mc_err_set(err, MC_ERR_NOMEM, "out of memory (OpenJPEG)");
        silence(k.c);
        opj_stream_set_user_data(k.s, &out, nullptr);
        opj_stream_set_write_function(k.s, out_write);
        opj_stream_set_skip_function(k.s, out_skip);
        opj_stream_set_seek_function(k.s, out_seek);
        if (!opj_setup_encoder(k.c, &p, k.im) || !opj_start_compress(k.c, k.im, k.s) || !opj_encode(k.c, k.s) ||
            !opj_end_compress(k.c, k.s))
            return mc_err_set(err, MC_ERR_IO, "JPEG 2000 encoding failed (frame %u)", f + 1);
        if (out.v.size() & 1) out.v.push_back(0);
        if (out.v.size() > 0xFFFFFFF0u) return mc_err_set(err, MC_ERR_UNSUPPORTED, "JPEG 2000 frame too large");
        if (seq->storeCompressedFrame(offsets, out.v.data(), (Uint32)out.v.size(), 0).bad())
            return mc_err_set(err, MC_ERR_NOMEM, "out of memory storing a JPEG 2000 frame");
    }
    if (bot->createOffsetTable(offsets).bad()) return mc_err_set(err, MC_ERR_NOMEM, "out of memory (offset table)");
    std::unique_ptr<DcmPixelData> pd(new DcmPixelData(DcmTag(DCM_PixelData, EVR_OB)));
    pd->putOriginalRepresentation(EXS_JPEG2000LosslessOnly, NULL, seq.release());
    if (ds->insert(pd.get(), OFTrue).bad()) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    pd.release();
    return MC_OK;
}

} // namespace mcdcm
