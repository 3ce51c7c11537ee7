/*
 * dicom_write.cpp - DICOM writer (DCMTK), exported as the C functions
 * mc_dicom_write_mem / mc_dicom_write.
 *
 *   - From a copy of img->src when img->format == MC_FMT_DICOM, else from a
 *     new Secondary Capture dataset (SC Image Storage; for depth > 1 the
 *     multi-frame SC classes where their pixel constraints allow it, else SC
 *     Image Storage with NumberOfFrames).
 *   - The image pixel module (Rows ... PixelRepresentation,
 *     PlanarConfiguration, PhotometricInterpretation, NumberOfFrames) is
 *     rewritten from the image; PlanarConfiguration is 1 only when the
 *     dataset said 1 (pixels are re-planarised), else 0.  Photometric
 *     Interpretation: grey ones and PALETTE COLOR are kept; colour is RGB,
 *     YBR_FULL when the dataset said YBR_FULL or YBR_FULL_422, and
 *     YBR_FULL_422 (stored subsampled: Y0 Y1 Cb Cr per pixel pair) when the
 *     dataset said so and every pixel pair shares its Cb and Cr (a cipher
 *     image never does: it is stored YBR_FULL).
 *   - Three kinds of output:
 *       encrypted (img->has_meta): Explicit VR Little Endian, uncompressed;
 *         new SOP Instance UID (the meta header follows) and a Series
 *         Instance UID 2.25.<BLAKE2b of the old one and "encrypted"> (the
 *         slices of one series, written file by file, stay one series); the
 *         Study Instance UID is kept; Image Type DERIVED\SECONDARY and a
 *         Derivation Description say what it is (dicom_restore.cpp); the
 *         medcrypt private block (dicom_meta.cpp).
 *       restored (no metadata, img->restore_apply and a DICOM restore
 *         record, i.e. after mc_decrypt of a hardened file, written from a
 *         DICOM source): the record's UIDs, Image Type, Derivation
 *         Description, Planar Configuration, High Bit and Photometric
 *         Interpretation; the original transfer syntax when it was
 *         lossless (uncompressed, deflated, RLE, JPEG-LS lossless, JPEG
 *         lossless through DCMTK, JPEG 2000 lossless through OpenJPEG), else
 *         Explicit VR Little Endian (lossy originals come back
 *         uncompressed).  Should an encoder fail, the file is written
 *         uncompressed.
 *       anything else (a plain conversion; a decrypted file without a
 *         record: paper profile, or encrypted before records existed):
 *         Explicit VR Little Endian; new SOP Instance UID, Series Instance
 *         UID 2.25.<BLAKE2b of the old one and "plain">; medcrypt's
 *         Derivation Description removed (Image Type stays DERIVED).
 *     Pixel Data OB (8-bit) or OW (16-bit) when uncompressed.  Any other
 *     attribute is left alone.
 */
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>

#include "io/dicom.hpp"

#include "dcmtk/dcmdata/dcrlerp.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk/dcmjpeg/djrplol.h"
#include "dcmtk/dcmjpls/djrparam.h"

#include <sodium.h>

namespace mcdcm {
namespace {

std::string fmt_ds(double v) {
    char buf[32];
    for (int prec = 10; prec >= 1; prec--) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (std::strlen(buf) <= 16) break;
    }
    return buf;
}

bool differs(double a, double b) { return std::fabs(a - b) > 1e-9 * std::fmax(1.0, std::fabs(b)); }

OFCondition put_u16(DcmItem *ds, const DcmTagKey &k, unsigned v) { return ds->putAndInsertUint16(k, (Uint16)v); }

void new_uid(char *buf, const char *root) { dcmGenerateUniqueIdentifier(buf, root); }

/* "2.25." + the decimal value of 120 bits of BLAKE2b("medcrypt-series-v1" ||
 * old UID || what): the same old series gives the same new series. */
void derived_series_uid(char *buf, const char *old_uid, const char *what) {
    static const char label[] = "medcrypt-series-v1";
    uint8_t h[15];
    crypto_generichash_state st;
    crypto_generichash_init(&st, nullptr, 0, sizeof h);
    crypto_generichash_update(&st, reinterpret_cast<const uint8_t *>(label), sizeof label);
    crypto_generichash_update(&st, reinterpret_cast<const uint8_t *>(old_uid), std::strlen(old_uid) + 1);
    crypto_generichash_update(&st, reinterpret_cast<const uint8_t *>(what), std::strlen(what));
    crypto_generichash_final(&st, h, sizeof h);
    h[0] |= 0x80; /* 37 digits, never a leading zero */
    char dig[48];
    int nd = 0;
    for (;;) { /* repeated division of the big-endian number by 10 */
        unsigned rem = 0, nonzero = 0;
        for (auto &b : h) {
            unsigned cur = rem * 256 + b;
            b = static_cast<uint8_t>(cur / 10);
            rem = cur % 10;
            nonzero |= b;
        }
        dig[nd++] = static_cast<char>('0' + rem);
        if (!nonzero) break;
    }
    std::strcpy(buf, "2.25.");
    for (int i = 0; i < nd; i++) buf[5 + i] = dig[nd - 1 - i];
    buf[5 + nd] = 0;
}

/* A minimal Secondary Capture dataset (patient, study, series, equipment). */
OFCondition build_sc(DcmDataset *ds, const mc_image *img) {
    const char *cls = UID_SecondaryCaptureImageStorage;
    const unsigned bs = img->bits_stored ? img->bits_stored : img->bits;
    bool mf = false;
    if (img->depth > 1) {
        if (img->channels == 1 && img->bits == 8 && !img->is_signed && bs == 8) {
            cls = UID_MultiframeGrayscaleByteSecondaryCaptureImageStorage;
            mf = true;
        } else if (img->channels == 1 && img->bits == 16 && !img->is_signed && bs >= 9) {
            cls = UID_MultiframeGrayscaleWordSecondaryCaptureImageStorage;
            mf = true;
        } else if (img->channels == 3 && img->bits == 8 && bs == 8) {
            cls = UID_MultiframeTrueColorSecondaryCaptureImageStorage;
            mf = true;
        }
    }
    char uid[100];
    OFCondition c = ds->putAndInsertString(DCM_SOPClassUID, cls);
    new_uid(uid, SITE_STUDY_UID_ROOT);
    if (c.good()) c = ds->putAndInsertString(DCM_StudyInstanceUID, uid);
    const struct {
        DcmTagKey k;
        const char *v;
    } attrs[] = {
        {DCM_PatientName, ""},         {DCM_PatientID, ""},       {DCM_PatientBirthDate, ""},
        {DCM_PatientSex, ""},          {DCM_StudyDate, ""},       {DCM_StudyTime, ""},
        {DCM_ReferringPhysicianName, ""}, {DCM_StudyID, ""},      {DCM_AccessionNumber, ""},
        {DCM_Modality, "OT"},          {DCM_SeriesNumber, ""},    {DCM_InstanceNumber, "1"},
        {DCM_ConversionType, "WSD"},   {DCM_PatientOrientation, ""}, {DCM_ImageType, "DERIVED\\SECONDARY"},
        {DCM_BurnedInAnnotation, "NO"},
    };
    for (const auto &a : attrs)
        if (c.good()) c = ds->putAndInsertString(a.k, a.v);
    if (c.good() && mf) {
        /* frames are slices: Frame Increment Pointer -> Slice Location Vector */
        c = ds->putAndInsertTagKey(DCM_FrameIncrementPointer, DCM_SliceLocationVector);
        std::string v;
        const double dz = img->spacing[2] > 0 ? img->spacing[2] : 1.0;
        for (uint32_t i = 0; i < img->depth; i++) {
            if (i) v += '\\';
            v += fmt_ds(i * dz);
        }
        if (c.good()) c = ds->putAndInsertString(DCM_SliceLocationVector, v.c_str());
    }
    return c;
}

/* Every pixel pair of every row shares Cb and Cr (even width). */
bool pairs_share_chroma(const mc_image *img) {
    if (img->channels != 3 || img->width % 2) return false;
    const size_t bps = img->bits / 8u, n = (size_t)img->width * img->height * img->depth;
    const uint8_t *p = static_cast<const uint8_t *>(img->pixels);
    for (size_t i = 0; i < n; i += 2, p += 6 * bps)
        if (std::memcmp(p + bps, p + 4 * bps, 2 * bps)) return false;
    return true;
}

/* The Pixel Data bytes in the stored order (planar, or subsampled 422). */
const uint8_t *stored_pixels(const mc_image *img, bool planar, bool ybr422, std::vector<uint8_t> &tmp, size_t *len) {
    const uint8_t *px = static_cast<const uint8_t *>(img->pixels);
    *len = img->nbytes;
    if (!planar && !ybr422) return px;
    const size_t bps = img->bits / 8u, plane = (size_t)img->width * img->height, frame = plane * 3 * bps;
    tmp.resize(ybr422 ? img->nbytes / 3 * 2 : img->nbytes);
    for (size_t f = 0; f < img->depth; f++) {
        const uint8_t *s = px + f * frame;
        if (ybr422) {
            uint8_t *o = tmp.data() + f * (frame / 3 * 2);
            for (size_t p = 0; p < plane; p += 2, s += 6 * bps, o += 4 * bps) {
                std::memcpy(o, s, bps);                 /* Y0 */
                std::memcpy(o + bps, s + 3 * bps, bps); /* Y1 */
                std::memcpy(o + 2 * bps, s + bps, 2 * bps); /* Cb Cr */
            }
        } else {
            uint8_t *o = tmp.data() + f * frame;
            for (size_t p = 0; p < plane; p++)
                for (size_t k = 0; k < 3; k++) std::memcpy(o + (k * plane + p) * bps, s + (p * 3 + k) * bps, bps);
        }
    }
    *len = tmp.size();
    return tmp.data();
}

/* Encapsulate the uncompressed Pixel Data of ds in xfer with DCMTK's codec. */
OFCondition encode_with_dcmtk(DcmDataset *ds, E_TransferSyntax xfer) {
    if (xfer == EXS_RLELossless) {
        DcmRLERepresentationParameter rp;
        return ds->chooseRepresentation(xfer, &rp);
    }
    if (xfer == EXS_JPEGLSLossless) {
        DJLSRepresentationParameter rp(0, OFTrue);
        return ds->chooseRepresentation(xfer, &rp);
    }
    if (xfer == EXS_JPEGProcess14SV1 || xfer == EXS_JPEGProcess14) {
        DJ_RPLossless rp(1, 0);
        return ds->chooseRepresentation(xfer, &rp);
    }
    return ds->chooseRepresentation(xfer, NULL);
}

int write_impl(const mc_image *img, mc_membuf *out, mc_err *err) {
    if (!img || !img->pixels) return mc_err_set(err, MC_ERR_ARG, "DICOM write: no image");
    if ((img->channels != 1 && img->channels != 3) || (img->bits != 8 && img->bits != 16))
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "DICOM write: %u channels, %u bits not supported", img->channels, img->bits);
    if (img->width == 0 || img->height == 0 || img->depth == 0)
        return mc_err_set(err, MC_ERR_ARG, "DICOM write: empty image");
    if (img->width > 65535 || img->height > 65535 || img->depth > 0x7fffffffu)
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "DICOM write: %ux%ux%u exceeds DICOM's Rows/Columns/NumberOfFrames range",
                          img->width, img->height, img->depth);
    const uint64_t need = (uint64_t)img->width * img->height * img->depth * img->channels * (img->bits / 8u);
    if (need != img->nbytes) return mc_err_set(err, MC_ERR_ARG, "DICOM write: pixel buffer size does not match geometry");
    if (need > 0xFFFFFFFEull)
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "DICOM write: %llu bytes of pixels exceed DICOM's 4 GiB element limit",
                          (unsigned long long)need);
    const unsigned bs = img->bits_stored ? img->bits_stored : img->bits;
    if (bs > img->bits) return mc_err_set(err, MC_ERR_ARG, "DICOM write: bits_stored %u > bits %u", bs, img->bits);
    int arc = mc_aux_check_write(img, "DICOM write", err);
    if (arc) return arc;

    init_dcmtk();
    const bool from_src = img->format == MC_FMT_DICOM && img->src;
    std::unique_ptr<DcmFileFormat> ff(from_src ? new DcmFileFormat(*static_cast<const DcmFileFormat *>(img->src))
                                               : new DcmFileFormat());
    DcmDataset *ds = ff->getDataset();
    OFCondition c = EC_Normal;

    /* after a hardened decryption: the file as it came */
    Record rec;
    const bool restore = !img->has_meta && img->restore_apply && from_src &&
                         parse_record(img->restore, img->restore_len, &rec);
    E_TransferSyntax xfer = restore ? restore_xfer(rec) : EXS_LittleEndianExplicit;

    /* what the source said about colour */
    Uint16 src_spp = 0;
    std::string src_pi;
    if (from_src) {
        ds->findAndGetUint16(DCM_SamplesPerPixel, src_spp);
        src_pi = restore ? rec.pi : get_pi(ds);
        if (!ds->tagExistsWithValue(DCM_SOPClassUID)) c = ds->putAndInsertString(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
        if (c.good() && !ds->tagExistsWithValue(DCM_StudyInstanceUID)) {
            char uid[100];
            new_uid(uid, SITE_STUDY_UID_ROOT);
            c = ds->putAndInsertString(DCM_StudyInstanceUID, uid);
        }
    } else {
        c = build_sc(ds, img);
    }

    /* pixel data and everything that only makes sense with the old encoding */
    delete ds->remove(DCM_PixelData);
    delete ds->remove(DCM_ExtendedOffsetTable);
    delete ds->remove(DCM_ExtendedOffsetTableLengths);

    std::string pi;
    bool ybr422 = false, mct = false;
    if (img->channels == 1) {
        pi = (from_src && src_spp == 1 &&
              (src_pi == "MONOCHROME1" || src_pi == "MONOCHROME2" || src_pi == "PALETTE COLOR"))
                 ? src_pi
                 : "MONOCHROME2";
    } else if (from_src && src_spp == 3 && (src_pi == "YBR_FULL" || src_pi == "YBR_FULL_422")) {
        ybr422 = src_pi == "YBR_FULL_422" && pairs_share_chroma(img);
        pi = ybr422 ? "YBR_FULL_422" : "YBR_FULL";
    } else {
        pi = "RGB";
        /* JPEG 2000 lossless with the reversible colour transform, as it came */
        mct = restore && xfer == EXS_JPEG2000LosslessOnly && src_pi == "YBR_RCT";
        if (mct) pi = "YBR_RCT";
    }
    /* an encoder gets what it can take; anything else is written uncompressed */
    if (restore && ybr422 && xfer != EXS_LittleEndianImplicit && xfer != EXS_LittleEndianExplicit &&
        xfer != EXS_BigEndianExplicit && xfer != EXS_DeflatedLittleEndianExplicit)
        xfer = EXS_LittleEndianExplicit;

    if (c.good()) c = put_u16(ds, DCM_Rows, img->height);
    if (c.good()) c = put_u16(ds, DCM_Columns, img->width);
    if (c.good()) c = put_u16(ds, DCM_SamplesPerPixel, img->channels);
    if (c.good()) c = ds->putAndInsertString(DCM_PhotometricInterpretation, pi.c_str());
    if (c.good()) c = put_u16(ds, DCM_BitsAllocated, img->bits);
    if (c.good()) c = put_u16(ds, DCM_BitsStored, bs);
    if (c.good()) c = put_u16(ds, DCM_HighBit, bs - 1);
    if (c.good()) c = put_u16(ds, DCM_PixelRepresentation, img->is_signed ? 1 : 0);
    Uint16 pc = 0;
    if (c.good()) {
        if (img->channels == 3) {
            ds->findAndGetUint16(DCM_PlanarConfiguration, pc);
            c = put_u16(ds, DCM_PlanarConfiguration, pc == 1 && from_src && src_spp == 3 && !ybr422 ? 1 : 0);
        } else {
            delete ds->remove(DCM_PlanarConfiguration);
        }
    }
    if (c.good() && (img->depth > 1 || ds->tagExists(DCM_NumberOfFrames))) {
        char nf[16];
        std::snprintf(nf, sizeof nf, "%u", (unsigned)img->depth);
        c = ds->putAndInsertString(DCM_NumberOfFrames, nf);
    }

    /* spacing: only touched where it changed (keeps the source's formatting) */
    if (c.good() && img->spacing[0] > 0 && img->spacing[1] > 0) {
        Float64 y = 0, x = 0;
        if (ds->findAndGetFloat64(DCM_PixelSpacing, y, 0).bad() || ds->findAndGetFloat64(DCM_PixelSpacing, x, 1).bad() ||
            differs(y, img->spacing[1]) || differs(x, img->spacing[0]))
            c = ds->putAndInsertString(DCM_PixelSpacing, (fmt_ds(img->spacing[1]) + "\\" + fmt_ds(img->spacing[0])).c_str());
    }
    if (c.good() && img->spacing[2] > 0) {
        Float64 z = 0;
        const bool has_sbs = ds->findAndGetFloat64(DCM_SpacingBetweenSlices, z).good() && z > 0;
        if (has_sbs) {
            if (differs(z, img->spacing[2])) c = ds->putAndInsertString(DCM_SpacingBetweenSlices, fmt_ds(img->spacing[2]).c_str());
        } else if (ds->findAndGetFloat64(DCM_SliceThickness, z).good()) {
            if (differs(z, img->spacing[2])) c = ds->putAndInsertString(DCM_SliceThickness, fmt_ds(img->spacing[2]).c_str());
        } else {
            c = ds->putAndInsertString(img->depth > 1 ? DCM_SpacingBetweenSlices : DCM_SliceThickness,
                                       fmt_ds(img->spacing[2]).c_str());
        }
    }

    if (restore) {
        /* UIDs, Image Type, Derivation Description, Planar Configuration, High Bit */
        if (c.good()) c = apply_record(ds, rec);
    } else {
        /* new instance, new series; the series UID is derived from the old
         * one so that the slices of one series, written one file at a time,
         * stay one series */
        char uid[100];
        new_uid(uid, SITE_INSTANCE_UID_ROOT);
        if (c.good()) c = ds->putAndInsertString(DCM_SOPInstanceUID, uid);
        const char *old_series = nullptr;
        if (ds->findAndGetString(DCM_SeriesInstanceUID, old_series).good() && old_series && *old_series)
            derived_series_uid(uid, old_series, img->has_meta ? "encrypted" : "plain");
        else
            new_uid(uid, SITE_SERIES_UID_ROOT);
        if (c.good()) c = ds->putAndInsertString(DCM_SeriesInstanceUID, uid);
        if (c.good() && img->has_meta) c = mark_encrypted(ds, &img->meta);
        if (c.good() && !img->has_meta) unmark_encrypted(ds);
    }
    if (c.bad()) return mc_err_set(err, MC_ERR_IO, "cannot build DICOM dataset: %s", c.text());

    remove_medcrypt_blocks(ds);
    if (img->has_meta) {
        int rc = write_meta(ds, img, err);
        if (rc) return rc;
    }

    /* Pixel Data */
    pc = 0;
    if (img->channels == 3) ds->findAndGetUint16(DCM_PlanarConfiguration, pc);
    const bool planar = img->channels == 3 && pc == 1 && !ybr422;
    if (xfer == EXS_JPEG2000LosslessOnly) {
        if (img->channels == 3 && planar) xfer = EXS_LittleEndianExplicit;
        else if (j2k_encode_lossless(ds, img, bs, mct, NULL) != MC_OK) {
            xfer = EXS_LittleEndianExplicit;
            delete ds->remove(DCM_PixelData);
        }
        if (xfer != EXS_JPEG2000LosslessOnly && mct) ds->putAndInsertString(DCM_PhotometricInterpretation, "RGB");
    }
    if (xfer != EXS_JPEG2000LosslessOnly) {
        std::vector<uint8_t> tmp;
        size_t plen = 0;
        const uint8_t *px = stored_pixels(img, planar, ybr422, tmp, &plen);
        std::unique_ptr<DcmPixelData> pd(new DcmPixelData(DcmTag(DCM_PixelData, img->bits == 8 ? EVR_OB : EVR_OW)));
        if (img->bits == 8)
            c = pd->putUint8Array(px, (unsigned long)plen);
        else
            c = pd->putUint16Array(reinterpret_cast<const Uint16 *>(px), (unsigned long)(plen / 2));
        if (c.good()) c = ds->insert(pd.get(), OFTrue);
        if (c.good()) pd.release();
        sodium_memzero(tmp.data(), tmp.size());
        if (c.good()) c = ds->chooseRepresentation(EXS_LittleEndianExplicit, NULL);
        if (c.bad()) return mc_err_set(err, MC_ERR_IO, "cannot build DICOM pixel data: %s", c.text());
        if (DcmXfer(xfer).isEncapsulated()) {
            if (encode_with_dcmtk(ds, xfer).bad()) {
                xfer = EXS_LittleEndianExplicit; /* lossless either way */
                c = ds->chooseRepresentation(xfer, NULL);
            }
            /* DCMTK's encoders add a Derivation Description even when lossless */
            if (c.good()) c = apply_record(ds, rec);
            if (c.bad()) return mc_err_set(err, MC_ERR_IO, "cannot build DICOM pixel data: %s", c.text());
        }
    }
    return write_buffer(ff.get(), xfer, out, err);
}

} // namespace
} // namespace mcdcm

extern "C" int mc_dicom_write_mem(const mc_image *img, uint8_t **out, size_t *len, mc_err *err) {
    if (!out || !len) return mc_err_set(err, MC_ERR_ARG, "DICOM write: no output pointer");
    *out = NULL;
    *len = 0;
    mc_membuf mb = {};
    int rc;
    try {
        rc = mcdcm::write_impl(img, &mb, err);
    } catch (const std::bad_alloc &) {
        rc = mc_err_set(err, MC_ERR_NOMEM, "out of memory writing DICOM file");
    } catch (const std::exception &e) {
        rc = mc_err_set(err, MC_ERR_IO, "DICOM write failed: %s", e.what());
    } catch (...) {
        rc = mc_err_set(err, MC_ERR_IO, "DICOM write failed (unknown exception)");
    }
    if (rc) mc_membuf_free(&mb);
    else mc_membuf_take(&mb, out, len);
    return rc;
}

extern "C" int mc_dicom_write(const mc_image *img, const char *path, mc_err *err) {
    return mc_write_path_with(img, path, mc_dicom_write_mem, err);
}
