/*
 * dicom_read.cpp - DICOM reader (DCMTK, OpenJPEG), exported as the C
 * functions mc_dicom_read_mem / mc_dicom_read.
 *
 *   - The file is parsed from memory (dicom_codec.cpp); mc_dicom_read reads
 *     the file into memory first (io.h).
 *   - Any transfer syntax DCMTK reads natively (implicit/explicit VR,
 *     little/big endian, deflated), the encapsulated ones DCMTK decodes (RLE,
 *     JPEG baseline/extended/lossless, JPEG-LS), and JPEG 2000 (lossless and
 *     lossy, .90/.91, 8-16 bits, signed or not) through OpenJPEG
 *     (dicom_j2k.cpp).  Every other encapsulated syntax: MC_ERR_UNSUPPORTED.
 *   - Geometry (Rows, Columns, NumberOfFrames -> depth, SamplesPerPixel,
 *     BitsAllocated 8/16) is checked with mc_check_geometry against the
 *     limits BEFORE anything is decompressed or allocated; the Pixel Data
 *     must hold at least the bytes the geometry needs (extra bytes, e.g.
 *     padding, are ignored).
 *   - mc_image pixels are the raw stored words after decompression: no
 *     rescale, windowing or masking to Bits Stored.  Colour images are
 *     interleaved in memory (Planar Configuration 1 is converted).
 *   - Colour: RGB and YBR_FULL are kept as stored; JPEG YCbCr stays YCbCr
 *     (DCMTK decodes without colour conversion and says YBR_FULL);
 *     uncompressed YBR_FULL_422 (two Y, one Cb, one Cr per pixel pair) is
 *     expanded to three samples per pixel (each Cb/Cr for both pixels of its
 *     pair, what pydicom shows); the writer stores it subsampled again
 *     whenever every pair still shares its chroma.  JPEG 2000 YBR_RCT and
 *     YBR_ICT decode to RGB (OpenJPEG undoes the colour transform), and the
 *     carried header says RGB.
 *   - img->src is the whole DcmFileFormat (every other attribute, after
 *     decompression, i.e. with the decoder's updated Photometric
 *     Interpretation), with Pixel Data removed to save memory.
 *   - img->restore: the restore record of the file as read (before decoding:
 *     dicom_restore.cpp), restore_apply = 0.
 */
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "io/dicom.hpp"

#include "dcmtk/dcmdata/dccodec.h"

namespace mcdcm {

/* Image pixel module attributes; errors are one-line messages. */
int read_geometry(DcmItem *ds, Geometry *g, mc_err *err) {
    if (ds->findAndGetUint16(DCM_Rows, g->rows).bad())
        return mc_err_set(err, MC_ERR_FORMAT, "DICOM Rows (0028,0010) missing or invalid");
    if (ds->findAndGetUint16(DCM_Columns, g->cols).bad())
        return mc_err_set(err, MC_ERR_FORMAT, "DICOM Columns (0028,0011) missing or invalid");
    if (ds->findAndGetUint16(DCM_BitsAllocated, g->ba).bad())
        return mc_err_set(err, MC_ERR_FORMAT, "DICOM BitsAllocated (0028,0100) missing or invalid");
    if (ds->tagExistsWithValue(DCM_SamplesPerPixel) && ds->findAndGetUint16(DCM_SamplesPerPixel, g->spp).bad())
        return mc_err_set(err, MC_ERR_FORMAT, "DICOM SamplesPerPixel (0028,0002) invalid");
    g->bs = g->ba;
    if (ds->tagExistsWithValue(DCM_BitsStored) && ds->findAndGetUint16(DCM_BitsStored, g->bs).bad())
        return mc_err_set(err, MC_ERR_FORMAT, "DICOM BitsStored (0028,0101) invalid");
    if (ds->tagExistsWithValue(DCM_PixelRepresentation) && ds->findAndGetUint16(DCM_PixelRepresentation, g->pr).bad())
        return mc_err_set(err, MC_ERR_FORMAT, "DICOM PixelRepresentation (0028,0103) invalid");
    if (ds->tagExistsWithValue(DCM_PlanarConfiguration) && ds->findAndGetUint16(DCM_PlanarConfiguration, g->pc).bad())
        return mc_err_set(err, MC_ERR_FORMAT, "DICOM PlanarConfiguration (0028,0006) invalid");
    if (ds->tagExistsWithValue(DCM_NumberOfFrames)) {
        Sint32 nf = 0;
        if (ds->findAndGetSint32(DCM_NumberOfFrames, nf).bad() || nf < 1)
            return mc_err_set(err, MC_ERR_FORMAT, "DICOM NumberOfFrames (0028,0008) invalid");
        g->frames = (Uint32)nf;
    }
    OFString pi;
    if (ds->findAndGetOFString(DCM_PhotometricInterpretation, pi).good()) g->pi = trim(pi);

    if (g->ba == 0) return mc_err_set(err, MC_ERR_FORMAT, "DICOM BitsAllocated is 0");
    if (g->ba != 8 && g->ba != 16)
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "DICOM BitsAllocated %u is not supported (8 or 16 only)", g->ba);
    if (g->bs == 0 || g->bs > g->ba)
        return mc_err_set(err, MC_ERR_FORMAT, "DICOM BitsStored %u invalid for BitsAllocated %u", g->bs, g->ba);
    if (g->pr > 1) return mc_err_set(err, MC_ERR_FORMAT, "DICOM PixelRepresentation %u invalid", g->pr);
    if (g->spp != 1 && g->spp != 3)
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "DICOM SamplesPerPixel %u is not supported (1 or 3 only)", g->spp);
    if (g->spp == 3 && g->pc > 1) return mc_err_set(err, MC_ERR_FORMAT, "DICOM PlanarConfiguration %u invalid", g->pc);
    return MC_OK;
}

namespace {

void free_src(void *p) { delete static_cast<DcmFileFormat *>(p); }

int check_photometric(const Geometry &g, bool encapsulated, mc_err *err) {
    const std::string &pi = g.pi;
    if (g.spp == 1) {
        if (pi.empty() || pi == "MONOCHROME1" || pi == "MONOCHROME2" || pi == "PALETTE COLOR") return MC_OK;
    } else {
        if (pi.empty() || pi == "RGB" || pi == "YBR_FULL") return MC_OK;
        if (pi == "YBR_FULL_422" && !encapsulated) {
            if (g.cols % 2) return mc_err_set(err, MC_ERR_FORMAT, "DICOM YBR_FULL_422 with an odd number of columns (%u)", g.cols);
            if (g.pc != 0) return mc_err_set(err, MC_ERR_FORMAT, "DICOM YBR_FULL_422 with Planar Configuration %u", g.pc);
            return MC_OK;
        }
    }
    return mc_err_set(err, MC_ERR_UNSUPPORTED, "DICOM PhotometricInterpretation %s with %u sample(s) per pixel is not supported",
                      pi.c_str(), g.spp);
}

void get_spacing(DcmItem *ds, double sp[3]) {
    auto ok = [](double v) { return std::isfinite(v) && v > 0 ? v : 0.0; };
    Float64 v = 0;
    if (ds->findAndGetFloat64(DCM_PixelSpacing, v, 0).good()) sp[1] = ok(v); /* row spacing */
    v = 0;
    if (ds->findAndGetFloat64(DCM_PixelSpacing, v, 1).good()) sp[0] = ok(v); /* column spacing */
    v = 0;
    if (ds->findAndGetFloat64(DCM_SpacingBetweenSlices, v).good() && ok(v) > 0)
        sp[2] = v;
    else if (ds->findAndGetFloat64(DCM_SliceThickness, v).good())
        sp[2] = ok(v);
}

/* Stored bytes of the Pixel Data the geometry needs (YBR_FULL_422: two
 * samples per pixel). */
size_t stored_bytes(const Geometry &g, size_t nbytes) { return g.pi == "YBR_FULL_422" ? nbytes / 3 * 2 : nbytes; }

/* Stored order -> the image's interleaved samples: planar data interleaved,
 * YBR_FULL_422 pairs (Y0 Y1 Cb Cr) expanded to (Y0 Cb Cr)(Y1 Cb Cr). */
void layout_pixels(const uint8_t *src, const Geometry &g, mc_image *img) {
    const size_t bps = g.ba / 8, plane = (size_t)g.rows * g.cols, frame = plane * 3 * bps;
    uint8_t *out = static_cast<uint8_t *>(img->pixels);
    const bool ybr422 = g.pi == "YBR_FULL_422";
    for (size_t f = 0; f < g.frames; f++) {
        uint8_t *o = out + f * frame;
        if (ybr422) {
            const uint8_t *s = src + f * (frame / 3 * 2);
            for (size_t p = 0; p < plane; p += 2, s += 4 * bps, o += 6 * bps) {
                std::memcpy(o, s, bps);                  /* Y0 */
                std::memcpy(o + bps, s + 2 * bps, bps);  /* Cb */
                std::memcpy(o + 2 * bps, s + 3 * bps, bps); /* Cr */
                std::memcpy(o + 3 * bps, s + bps, bps);  /* Y1 */
                std::memcpy(o + 4 * bps, s + 2 * bps, 2 * bps);
            }
        } else {
            const uint8_t *s = src + f * frame;
            for (size_t p = 0; p < plane; p++)
                for (size_t k = 0; k < 3; k++) std::memcpy(o + (p * 3 + k) * bps, s + (k * plane + p) * bps, bps);
        }
    }
}

/* Copy the Pixel Data the geometry needs into img. */
int extract_pixels(DcmElement *pix, const Geometry &g, E_ByteOrder file_order, mc_image *img, mc_err *err) {
    const DcmEVR vr = pix->getTag().getEVR();
    const bool ow = vr == EVR_OW || vr == EVR_ox;
    const size_t n = stored_bytes(g, img->nbytes);
    std::vector<uint8_t> tmp;
    uint8_t *dst = static_cast<uint8_t *>(img->pixels);
    const bool relayout = g.spp == 3 && (g.pc == 1 || g.pi == "YBR_FULL_422");
    if (relayout) {
        tmp.resize(n);
        dst = tmp.data();
    }
    if (g.ba == 16 && ow) {
        Uint16 *w = NULL;
        OFCondition c = pix->getUint16Array(w);
        if (c.bad() || !w) return mc_err_set(err, MC_ERR_FORMAT, "cannot access DICOM Pixel Data: %s", c.text());
        std::memcpy(dst, w, n);
    } else {
        Uint8 *b = NULL;
        OFCondition c = pix->getUint8Array(b);
        if (c.bad() || !b) return mc_err_set(err, MC_ERR_FORMAT, "cannot access DICOM Pixel Data: %s", c.text());
        if (g.ba == 8) {
            std::memcpy(dst, b, n);
            /* 8-bit data in an OW element is held as host-order words; the
             * pixel stream is the little-endian byte order of those words */
            if (ow && !mc_host_le())
                for (size_t i = 0; i + 1 < n; i += 2) std::swap(dst[i], dst[i + 1]);
        } else {
            /* 16-bit data in OB/UN: bytes in the file's byte order */
            uint16_t *d = reinterpret_cast<uint16_t *>(dst);
            const bool be = file_order == EBO_BigEndian;
            for (size_t i = 0; i < n / 2; i++)
                d[i] = be ? (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]) : (uint16_t)(b[2 * i + 1] << 8 | b[2 * i]);
        }
    }
    if (relayout) layout_pixels(tmp.data(), g, img);
    return MC_OK;
}

int read_impl(const uint8_t *buf, size_t len, const mc_limits *lim, mc_image **out, mc_err *err) {
    init_dcmtk();
    std::unique_ptr<DcmFileFormat> ff(new DcmFileFormat());
    int rc = parse_buffer(buf, len, ff.get(), err);
    if (rc) return rc;
    DcmDataset *ds = ff->getDataset();
    if ((rc = precheck_aux(ds, lim, err))) return rc;
    const E_TransferSyntax xfer = ds->getOriginalXfer();
    const DcmXfer xf(xfer);

    DcmElement *pix = NULL;
    if (ds->findAndGetElement(DCM_PixelData, pix).bad() || !pix) {
        if (ds->tagExists(DCM_FloatPixelData) || ds->tagExists(DCM_DoubleFloatPixelData))
            return mc_err_set(err, MC_ERR_UNSUPPORTED, "DICOM float pixel data is not supported");
        return mc_err_set(err, MC_ERR_FORMAT, "DICOM file has no Pixel Data (7FE0,0010)");
    }
    const bool encaps = xf.isEncapsulated(), j2k = encaps && is_j2k(xfer);
    if (j2k && xfer != EXS_JPEG2000LosslessOnly && xfer != EXS_JPEG2000)
        return mc_err_set(err, MC_ERR_UNSUPPORTED, "DICOM transfer syntax %s (%s) is not supported", xf.getXferName(),
                          xf.getXferID());

    Geometry g;
    if ((rc = read_geometry(ds, &g, err))) return rc;
    size_t nbytes = 0;
    /* before any decompression or allocation */
    if ((rc = mc_check_geometry(g.cols, g.rows, g.frames, g.spp, g.ba, lim, &nbytes, err))) return rc;
    std::vector<uint8_t> record = make_record(ds, xfer); /* the file as it came */

    if (encaps && !j2k) {
        if (!DcmCodecList::canChangeCoding(xfer, EXS_LittleEndianExplicit))
            return mc_err_set(err, MC_ERR_UNSUPPORTED, "DICOM transfer syntax %s (%s) is not supported", xf.getXferName(),
                              xf.getXferID());
        OFCondition c = ds->chooseRepresentation(EXS_LittleEndianExplicit, NULL);
        if (c.bad()) return mc_err_set(err, MC_ERR_FORMAT, "cannot decompress DICOM pixel data: %s", c.text());
        /* decoders may update the pixel module (PhotometricInterpretation...) */
        Geometry g2;
        if ((rc = read_geometry(ds, &g2, err))) return rc;
        if (g2.rows != g.rows || g2.cols != g.cols || g2.frames != g.frames || g2.spp != g.spp || g2.ba != g.ba)
            return mc_err_set(err, MC_ERR_FORMAT, "DICOM geometry changed during decompression");
        g = g2;
        pix = NULL;
        if (ds->findAndGetElement(DCM_PixelData, pix).bad() || !pix)
            return mc_err_set(err, MC_ERR_FORMAT, "DICOM Pixel Data lost during decompression");
    }
    if (j2k && g.spp == 3 && (g.pi == "YBR_RCT" || g.pi == "YBR_ICT")) {
        /* OpenJPEG undoes the colour transform: the samples are RGB */
        g.pi = "RGB";
        if (ds->putAndInsertString(DCM_PhotometricInterpretation, "RGB").bad())
            return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
    }
    if ((rc = check_photometric(g, encaps, err))) return rc;
    if (!j2k) {
        const Uint32 have = pix->getLength();
        const size_t need = stored_bytes(g, nbytes);
        if (have == DCM_UndefinedLength || have < need)
            return mc_err_set(err, MC_ERR_FORMAT, "DICOM Pixel Data too short: %lu bytes, %ux%ux%u x %u x %u-bit needs %zu",
                              have == DCM_UndefinedLength ? 0UL : (unsigned long)have, g.cols, g.rows, (unsigned)g.frames,
                              g.spp, g.ba, need);
    }

    mc_image *img = NULL;
    if ((rc = mc_image_new(&img, g.cols, g.rows, g.frames, g.spp, g.ba, g.pr, lim, err))) return rc;
    std::unique_ptr<mc_image, void (*)(mc_image *)> ig(img, mc_image_free);
    img->bits_stored = (uint8_t)g.bs;
    img->format = MC_FMT_DICOM;
    get_spacing(ds, img->spacing);
    rc = j2k ? j2k_decode(pix, xfer, g, img, err) : extract_pixels(pix, g, xf.getByteOrder(), img, err);
    if (rc) return rc;
    if ((rc = read_meta(ds, img, err))) return rc;
    if (!record.empty()) {
        uint8_t *r = static_cast<uint8_t *>(std::malloc(record.size()));
        if (!r) return mc_err_set(err, MC_ERR_NOMEM, "out of memory");
        std::memcpy(r, record.data(), record.size());
        mc_image_take_restore(img, r, record.size());
    }

    /* keep the header only: the writer inserts fresh Pixel Data */
    delete ds->remove(DCM_PixelData);
    mc_image_set_src(img, ff.release(), free_src);
    *out = ig.release();
    return MC_OK;
}

} // namespace
} // namespace mcdcm

extern "C" int mc_dicom_read_mem(const uint8_t *buf, size_t len, const mc_limits *lim, mc_image **out, mc_err *err) {
    if (!out) return mc_err_set(err, MC_ERR_ARG, "DICOM read: no output pointer");
    *out = NULL;
    try {
        return mcdcm::read_impl(buf, len, lim, out, err);
    } catch (const std::bad_alloc &) {
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory reading DICOM file");
    } catch (const std::exception &e) {
        return mc_err_set(err, MC_ERR_INTERNAL, "DICOM read failed: %s", e.what());
    } catch (...) {
        return mc_err_set(err, MC_ERR_INTERNAL, "DICOM read failed (unknown exception)");
    }
}

extern "C" int mc_dicom_read(const char *path, const mc_limits *lim, mc_image **out, mc_err *err) {
    if (!out) return mc_err_set(err, MC_ERR_ARG, "DICOM read: no output pointer");
    return mc_read_path_with(path, lim, mc_dicom_read_mem, out, err);
}
