/*
 * dicom.cpp - DICOM reader and writer (DCMTK), exported as the C functions
 * mc_dicom_read / mc_dicom_write.
 *
 * Reading
 *   - Any transfer syntax DCMTK can read natively (implicit/explicit VR,
 *     little/big endian, deflated) plus the encapsulated ones for which a
 *     decoder is registered: RLE, JPEG (baseline, extended, lossless) and
 *     JPEG-LS.  Decoder registration is process-global in DCMTK; it is done
 *     once, thread-safely (std::call_once), on the first read or write, and
 *     never undone.  JPEG 2000 and every other encapsulated syntax without a
 *     decoder give MC_ERR_UNSUPPORTED.
 *   - The same call_once silences DCMTK's logger "dcmtk" (it would print
 *     parser warnings on stderr); set MEDCRYPT_DCMTK_LOG=1 in the environment
 *     to keep DCMTK's default logging.
 *   - Geometry (Rows, Columns, NumberOfFrames -> depth, SamplesPerPixel,
 *     BitsAllocated 8/16) is checked with mc_check_geometry against the
 *     limits BEFORE anything is decompressed or allocated; the Pixel Data
 *     must hold at least the bytes the geometry needs (extra bytes, e.g.
 *     padding, are ignored).
 *   - mc_image pixels are the raw stored words after decompression: no
 *     rescale, windowing or masking to Bits Stored.  Colour images are
 *     interleaved in memory (Planar Configuration 1 is converted).  JPEG
 *     colour images are delivered by DCMTK as RGB (it converts YBR_FULL and
 *     YBR_FULL_422 and updates Photometric Interpretation); uncompressed
 *     YBR_FULL is kept as is; subsampled uncompressed YBR_* is refused.
 *   - img->src is the whole DcmFileFormat (every other attribute, after
 *     decompression, i.e. with DCMTK's updated Photometric Interpretation),
 *     with Pixel Data removed to save memory.
 *
 * Writing
 *   - From a copy of img->src when img->format == MC_FMT_DICOM, else from a
 *     new Secondary Capture dataset (SC Image Storage; for depth > 1 the
 *     multi-frame SC classes where their pixel constraints allow it, else SC
 *     Image Storage with NumberOfFrames).  Output is always Explicit VR Little
 *     Endian, uncompressed: Pixel Data OB (8-bit) or OW (16-bit).  The image
 *     pixel module (Rows ... PixelRepresentation, PlanarConfiguration,
 *     PhotometricInterpretation, NumberOfFrames) is rewritten from the image;
 *     PlanarConfiguration is 1 only when the source dataset said 1 (pixels are
 *     re-planarised), else 0.  New SOP Instance UID (meta header follows) and
 *     Series Instance UID; the new series UID is 2.25.<BLAKE2b of the old one
 *     and whether the output is encrypted>, so the slices of one series stay
 *     one series when written file by file.  Any other attribute is left alone.
 *
 * medcrypt private block
 *   group 0x0009, private creator "MEDCRYPT 1" in the first free slot
 *   (0009,00xx), xx in 0x10..0xFF (usually (0009,0010));
 *   (0009,xx01) OB = metadata text (mc_meta_to_text, ASCII, no terminator;
 *   DICOM pads OB to even length with one NUL, which the parser ignores).
 *   OB, not LT/UT: no 10240-char LT limit and no trailing-space ambiguity.
 *   The reader looks up the creator in every slot and accepts any VR for the
 *   data element (string VRs, or UN after an implicit-VR round trip through
 *   another tool).  The writer removes every existing MEDCRYPT block first and
 *   writes a new one only if img->has_meta.
 *   (0009,xx02) OB = the aux blob, when img->aux_len > 0: LE u64 length ||
 *   blob (DICOM pads an odd value with one NUL, hence the length).  The file
 *   is first loaded without values over 4 KiB (DCMTK reads those on demand),
 *   so the element's length is checked against MC_AUX_MAX_BYTES
 *   (MC_ERR_LIMITS) before the value is read into memory.  A length prefix
 *   that disagrees with the element, an empty blob, a text VR, are
 *   MC_ERR_AUTH (tampering); the element lives inside the medcrypt block, so
 *   it cannot exist without the metadata element (a block without (xx01) is
 *   MC_ERR_AUTH already).
 */
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/dcmdata/dccodec.h"
#include "dcmtk/dcmdata/dcrledrg.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/oflog/oflog.h"

#include <sodium.h>

extern "C" {
#include "core/internal.h"
}

namespace {

const char kCreator[] = "MEDCRYPT 1";
const Uint16 kPrivGroup = 0x0009;

std::once_flag g_init_once;

void init_dcmtk() {
    std::call_once(g_init_once, [] {
        const char *log = std::getenv("MEDCRYPT_DCMTK_LOG");
        if (!log || !*log || !std::strcmp(log, "0"))
            OFLog::getLogger("dcmtk").setLogLevel(OFLogger::OFF_LOG_LEVEL);
        DcmRLEDecoderRegistration::registerCodecs();
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
    });
}

void free_src(void *p) { delete static_cast<DcmFileFormat *>(p); }

bool is_j2k(E_TransferSyntax x) {
    if (x == EXS_JPEG2000LosslessOnly || x == EXS_JPEG2000 || x == EXS_JPEG2000MulticomponentLosslessOnly ||
        x == EXS_JPEG2000Multicomponent)
        return true;
    const char *id = DcmXfer(x).getXferID();
    /* any other 1.2.840.10008.1.2.4.9x: JPEG 2000 Part 2, JPIP */
    return id && !std::strncmp(id, "1.2.840.10008.1.2.4.9", 21);
}

std::string trim(const OFString &s) {
    std::string t(s.c_str(), s.length());
    size_t b = 0, e = t.size();
    while (b < e && (t[b] == ' ' || t[b] == '\0')) b++;
    while (e > b && (t[e - 1] == ' ' || t[e - 1] == '\0')) e--;
    return t.substr(b, e - b);
}

/* Slot xx of every (0009,00xx) private creator equal to "MEDCRYPT 1". */
std::vector<Uint16> find_creators(DcmItem *ds) {
    std::vector<Uint16> slots;
    for (Uint16 el = 0x10; el <= 0xFF; el++) {
        OFString s;
        if (ds->findAndGetOFString(DcmTagKey(kPrivGroup, el), s).good() && trim(s) == kCreator)
            slots.push_back(el);
    }
    return slots;
}

void remove_medcrypt_blocks(DcmItem *ds) {
    for (Uint16 slot : find_creators(ds)) {
        std::vector<DcmTagKey> kill;
        for (unsigned long i = 0; i < ds->card(); i++) {
            DcmElement *e = ds->getElement(i);
            if (!e) continue;
            const DcmTagKey k = e->getTag().getXTag();
            if (k.getGroup() == kPrivGroup && (k.getElement() >> 8) == slot) kill.push_back(k);
        }
        for (const DcmTagKey &k : kill) ds->findAndDeleteElement(k);
        ds->findAndDeleteElement(DcmTagKey(kPrivGroup, slot));
    }
}

DcmTagKey block_key(Uint16 slot, Uint16 el) { return DcmTagKey(kPrivGroup, (Uint16)((slot << 8) | el)); }

/* The aux element (0009,xx02) of the medcrypt block in `slot`, if any. */
int read_aux(DcmItem *ds, Uint16 slot, mc_image *img, mc_err *err) {
    DcmElement *e = NULL;
    if (ds->findAndGetElement(block_key(slot, 0x02), e).bad() || !e) return MC_OK;
    if (e->isaString()) return mc_err_set(err, MC_ERR_AUTH, "DICOM medcrypt aux element has a text VR (tampered)");
    const Uint32 len = e->getLength();
    if (len == DCM_UndefinedLength || len < 9)
        return mc_err_set(err, MC_ERR_AUTH, "DICOM medcrypt aux element too short (tampered)");
    int rc = mc_aux_check_len((uint64_t)len - 9, img->nbytes, "DICOM", err);
    if (rc) return rc;
    Uint8 *b = NULL;
    if (e->getUint8Array(b).bad() || !b) return mc_err_set(err, MC_ERR_FORMAT, "DICOM medcrypt aux element unreadable");
    const uint64_t n = mc_get_le64(b);
    if (n == 0) return mc_err_set(err, MC_ERR_AUTH, "DICOM medcrypt aux blob is empty (tampered)");
    if ((rc = mc_aux_check_len(n, img->nbytes, "DICOM", err))) return rc;
    const bool exact = (uint64_t)len == 8 + n, padded = (n & 1) && (uint64_t)len == 9 + n && b[len - 1] == 0;
    if (!exact && !padded)
        return mc_err_set(err, MC_ERR_AUTH, "DICOM medcrypt aux length %llu does not match its element (%u bytes, tampered)",
                          (unsigned long long)n, (unsigned)len);
    uint8_t *aux = static_cast<uint8_t *>(std::malloc((size_t)n));
    if (!aux) return mc_err_set(err, MC_ERR_NOMEM, "out of memory allocating a %llu-byte aux blob", (unsigned long long)n);
    std::memcpy(aux, b + 8, (size_t)n);
    mc_image_take_aux(img, aux, (size_t)n);
    return MC_OK;
}

/* Read the medcrypt block if present (metadata, aux blob).  MC_OK with
 * img->has_meta = 0 when absent. */
int read_meta(DcmItem *ds, mc_image *img, mc_err *err) {
    mc_meta *meta = &img->meta;
    img->has_meta = 0;
    std::vector<Uint16> slots = find_creators(ds);
    if (slots.empty()) return MC_OK;
    /* like a second iTXt chunk, comment or extension elsewhere: never pick one silently */
    if (slots.size() > 1)
        return mc_err_set(err, MC_ERR_AUTH, "DICOM has %zu medcrypt private blocks (tampered)", slots.size());
    DcmElement *e = NULL;
    const DcmTagKey key(kPrivGroup, (Uint16)((slots[0] << 8) | 0x01));
    if (ds->findAndGetElement(key, e).bad() || !e)
        return mc_err_set(err, MC_ERR_AUTH, "DICOM medcrypt private block has no data element (tampered)");
    const Uint32 len = e->getLength();
    if (len == 0) return mc_err_set(err, MC_ERR_AUTH, "DICOM medcrypt metadata is empty (tampered)");
    if (len > MC_META_TEXT_MAX)
        return mc_err_set(err, MC_ERR_AUTH, "DICOM medcrypt metadata too long (%u bytes, tampered)", (unsigned)len);
    const char *text = NULL;
    if (e->isaString()) {
        char *s = NULL;
        if (e->getString(s).bad() || !s) return mc_err_set(err, MC_ERR_FORMAT, "DICOM medcrypt metadata unreadable");
        text = s;
    } else {
        Uint8 *b = NULL;
        if (e->getUint8Array(b).bad() || !b) return mc_err_set(err, MC_ERR_FORMAT, "DICOM medcrypt metadata unreadable");
        text = reinterpret_cast<const char *>(b);
    }
    int rc = mc_meta_parse(meta, text, len, err);
    if (rc) return rc;
    img->has_meta = 1;
    return read_aux(ds, slots[0], img, err);
}

/* Insert the medcrypt block (creator + OB metadata [+ OB aux]) in the first
 * free slot. */
int write_meta(DcmItem *ds, const mc_meta *meta, const mc_image *img, mc_err *err) {
    Uint16 slot = 0;
    for (Uint16 el = 0x10; el <= 0xFF && !slot; el++) {
        if (ds->tagExists(DcmTagKey(kPrivGroup, el))) continue;
        bool used = false;
        for (unsigned long i = 0; i < ds->card() && !used; i++) {
            DcmElement *e = ds->getElement(i);
            const DcmTagKey k = e ? e->getTag().getXTag() : DcmTagKey();
            used = k.getGroup() == kPrivGroup && (k.getElement() >> 8) == el;
        }
        if (!used) slot = el;
    }
    if (!slot) return mc_err_set(err, MC_ERR_UNSUPPORTED, "no free private block in DICOM group 0009 for medcrypt metadata");
    char *text = NULL;
    size_t len = 0;
    int rc = mc_meta_to_text(meta, &text, &len);
    if (rc) return mc_err_set(err, rc, "cannot serialise medcrypt metadata");
    std::unique_ptr<char, void (*)(void *)> guard(text, std::free);
    OFCondition c = ds->putAndInsertString(DcmTag(kPrivGroup, slot, EVR_LO), kCreator);
    if (c.good()) {
        DcmTag tag(kPrivGroup, (Uint16)((slot << 8) | 0x01), EVR_OB);
        tag.setPrivateCreator(kCreator);
        std::unique_ptr<DcmOtherByteOtherWord> ob(new DcmOtherByteOtherWord(tag));
        c = ob->putUint8Array(reinterpret_cast<const Uint8 *>(text), (unsigned long)len);
        if (c.good()) {
            c = ds->insert(ob.get(), OFTrue);
            if (c.good()) ob.release();
        }
    }
    if (c.good() && img->aux_len > 0) {
        std::vector<Uint8> v(8 + img->aux_len);
        mc_put_le64(v.data(), (uint64_t)img->aux_len);
        std::memcpy(v.data() + 8, img->aux, img->aux_len);
        DcmTag tag(kPrivGroup, (Uint16)((slot << 8) | 0x02), EVR_OB);
        tag.setPrivateCreator(kCreator);
        std::unique_ptr<DcmOtherByteOtherWord> ob(new DcmOtherByteOtherWord(tag));
        c = ob->putUint8Array(v.data(), (unsigned long)v.size());
        if (c.good()) {
            c = ds->insert(ob.get(), OFTrue);
            if (c.good()) ob.release();
        }
    }
    if (c.bad()) return mc_err_set(err, MC_ERR_IO, "cannot store medcrypt metadata in DICOM dataset: %s", c.text());
    return MC_OK;
}

struct Geometry {
    Uint16 rows = 0, cols = 0, spp = 1, ba = 0, bs = 0, pr = 0, pc = 0;
    Uint32 frames = 1;
    std::string pi;
};

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

/* Before the values are loaded: an aux element longer than the cap of the
 * geometry is refused without reading it.  Geometry errors are left to the
 * reader proper (which reports them with their usual status). */
int precheck_aux(DcmItem *ds, const mc_limits *lim, mc_err *err) {
    for (Uint16 slot : find_creators(ds)) {
        DcmElement *e = NULL;
        if (ds->findAndGetElement(block_key(slot, 0x02), e).bad() || !e) continue;
        const Uint32 len = e->getLength();
        if (len == DCM_UndefinedLength)
            return mc_err_set(err, MC_ERR_AUTH, "DICOM medcrypt aux element of undefined length (tampered)");
        Geometry g;
        size_t nbytes = 0;
        if (read_geometry(ds, &g, NULL) || mc_image_size(g.cols, g.rows, g.frames, g.spp, g.ba, lim, &nbytes)) continue;
        /* len = 8 + n, or 9 + n with the padding NUL */
        if (len > 9) {
            int rc = mc_aux_check_len((uint64_t)len - 9, nbytes, "DICOM", err);
            if (rc) return rc;
        }
    }
    return MC_OK;
}

int check_photometric(const Geometry &g, mc_err *err) {
    const std::string &pi = g.pi;
    if (g.spp == 1) {
        if (pi.empty() || pi == "MONOCHROME1" || pi == "MONOCHROME2" || pi == "PALETTE COLOR") return MC_OK;
    } else {
        if (pi.empty() || pi == "RGB" || pi == "YBR_FULL") return MC_OK;
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

/* Copy the first nbytes of Pixel Data into img (interleaving planar data). */
int extract_pixels(DcmElement *pix, const Geometry &g, E_ByteOrder file_order, mc_image *img, mc_err *err) {
    const DcmEVR vr = pix->getTag().getEVR();
    const bool ow = vr == EVR_OW || vr == EVR_ox;
    const size_t n = img->nbytes;
    std::vector<uint8_t> tmp;
    uint8_t *dst = static_cast<uint8_t *>(img->pixels);
    const bool planar = g.spp == 3 && g.pc == 1;
    if (planar) {
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
    if (planar) {
        const size_t bps = g.ba / 8, plane = (size_t)g.rows * g.cols, frame = plane * 3 * bps;
        uint8_t *out = static_cast<uint8_t *>(img->pixels);
        for (size_t f = 0; f < g.frames; f++) {
            const uint8_t *src = tmp.data() + f * frame;
            uint8_t *o = out + f * frame;
            for (size_t p = 0; p < plane; p++)
                for (size_t s = 0; s < 3; s++) std::memcpy(o + (p * 3 + s) * bps, src + (s * plane + p) * bps, bps);
        }
    }
    return MC_OK;
}

int read_impl(const char *path, const mc_limits *lim, mc_image **out, mc_err *err) {
    init_dcmtk();
    FILE *f = std::fopen(path, "rb");
    if (!f) return mc_err_set(err, MC_ERR_IO, "cannot open %s: %s", mc_basename(path), std::strerror(errno));
    std::fseek(f, 0, SEEK_END);
    const long fsize = std::ftell(f);
    std::fclose(f);
    if (fsize == 0) return mc_err_set(err, MC_ERR_FORMAT, "empty DICOM file");

    std::unique_ptr<DcmFileFormat> ff(new DcmFileFormat());
    /* values over DCM_MaxReadLength (4 KiB) stay on disk until loaded */
    OFCondition c = ff->loadFile(OFFilename(path), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
    if (c.good()) {
        int rc = precheck_aux(ff->getDataset(), lim, err);
        if (rc) return rc;
        c = ff->loadAllDataIntoMemory();
    }
    if (c.bad()) return mc_err_set(err, MC_ERR_FORMAT, "not a valid DICOM file (truncated or corrupt): %s", c.text());
    DcmDataset *ds = ff->getDataset();
    const E_TransferSyntax xfer = ds->getOriginalXfer();
    const DcmXfer xf(xfer);

    DcmElement *pix = NULL;
    if (ds->findAndGetElement(DCM_PixelData, pix).bad() || !pix) {
        if (ds->tagExists(DCM_FloatPixelData) || ds->tagExists(DCM_DoubleFloatPixelData))
            return mc_err_set(err, MC_ERR_UNSUPPORTED, "DICOM float pixel data is not supported");
        return mc_err_set(err, MC_ERR_FORMAT, "DICOM file has no Pixel Data (7FE0,0010)");
    }
    if (xf.isEncapsulated() && is_j2k(xfer))
        return mc_err_set(err, MC_ERR_UNSUPPORTED,
                          "JPEG 2000 transfer syntax is not supported (no free decoder in Debian's DCMTK)");

    Geometry g;
    int rc = read_geometry(ds, &g, err);
    if (rc) return rc;
    size_t nbytes = 0;
    /* before any decompression or allocation */
    rc = mc_check_geometry(g.cols, g.rows, g.frames, g.spp, g.ba, lim, &nbytes, err);
    if (rc) return rc;

    if (xf.isEncapsulated()) {
        if (!DcmCodecList::canChangeCoding(xfer, EXS_LittleEndianExplicit))
            return mc_err_set(err, MC_ERR_UNSUPPORTED, "DICOM transfer syntax %s (%s) is not supported", xf.getXferName(),
                              xf.getXferID());
        c = ds->chooseRepresentation(EXS_LittleEndianExplicit, NULL);
        if (c.bad()) return mc_err_set(err, MC_ERR_FORMAT, "cannot decompress DICOM pixel data: %s", c.text());
        /* decoders may update the pixel module (PhotometricInterpretation...) */
        Geometry g2;
        rc = read_geometry(ds, &g2, err);
        if (rc) return rc;
        if (g2.rows != g.rows || g2.cols != g.cols || g2.frames != g.frames || g2.spp != g.spp || g2.ba != g.ba)
            return mc_err_set(err, MC_ERR_FORMAT, "DICOM geometry changed during decompression");
        g = g2;
        pix = NULL;
        if (ds->findAndGetElement(DCM_PixelData, pix).bad() || !pix)
            return mc_err_set(err, MC_ERR_FORMAT, "DICOM Pixel Data lost during decompression");
    }
    rc = check_photometric(g, err);
    if (rc) return rc;
    const Uint32 have = pix->getLength();
    if (have == DCM_UndefinedLength || have < nbytes)
        return mc_err_set(err, MC_ERR_FORMAT, "DICOM Pixel Data too short: %lu bytes, %ux%ux%u x %u x %u-bit needs %zu",
                          have == DCM_UndefinedLength ? 0UL : (unsigned long)have, g.cols, g.rows, (unsigned)g.frames,
                          g.spp, g.ba, nbytes);

    mc_image *img = NULL;
    rc = mc_image_new(&img, g.cols, g.rows, g.frames, g.spp, g.ba, g.pr, lim, err);
    if (rc) return rc;
    std::unique_ptr<mc_image, void (*)(mc_image *)> ig(img, mc_image_free);
    img->bits_stored = (uint8_t)g.bs;
    img->format = MC_FMT_DICOM;
    get_spacing(ds, img->spacing);
    rc = extract_pixels(pix, g, xf.getByteOrder(), img, err);
    if (rc) return rc;
    rc = read_meta(ds, img, err);
    if (rc) return rc;

    /* keep the header only: the writer inserts fresh Pixel Data */
    delete ds->remove(DCM_PixelData);
    mc_image_set_src(img, ff.release(), free_src);
    *out = ig.release();
    return MC_OK;
}

/* ------------------------------------------------------------------ write */

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

int write_impl(const mc_image *img, const char *path, mc_err *err) {
    if (!img || !path || !img->pixels) return mc_err_set(err, MC_ERR_ARG, "DICOM write: no image");
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
    /* The file meta information is group 0002 only.  A damaged group length
     * lets DCMTK's parser take dataset elements into it, and saving moves them
     * back into the dataset, past the medcrypt block handling below (a
     * creator without its data, or a second block): drop them. */
    if (DcmMetaInfo *mi = ff->getMetaInfo())
        for (unsigned long i = mi->card(); i-- > 0;) {
            DcmElement *e = mi->getElement(i);
            if (e && e->getGTag() != 0x0002) delete mi->remove(e);
        }

    /* what the source said about colour */
    Uint16 src_spp = 0, src_pc = 0;
    std::string src_pi;
    if (from_src) {
        ds->findAndGetUint16(DCM_SamplesPerPixel, src_spp);
        ds->findAndGetUint16(DCM_PlanarConfiguration, src_pc);
        OFString s;
        if (ds->findAndGetOFString(DCM_PhotometricInterpretation, s).good()) src_pi = trim(s);
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

    const bool planar = img->channels == 3 && from_src && src_spp == 3 && src_pc == 1;
    std::string pi;
    if (img->channels == 1)
        pi = (from_src && src_spp == 1 &&
              (src_pi == "MONOCHROME1" || src_pi == "MONOCHROME2" || src_pi == "PALETTE COLOR"))
                 ? src_pi
                 : "MONOCHROME2";
    else
        pi = (from_src && src_spp == 3 && src_pi == "YBR_FULL") ? src_pi : "RGB";

    if (c.good()) c = put_u16(ds, DCM_Rows, img->height);
    if (c.good()) c = put_u16(ds, DCM_Columns, img->width);
    if (c.good()) c = put_u16(ds, DCM_SamplesPerPixel, img->channels);
    if (c.good()) c = ds->putAndInsertString(DCM_PhotometricInterpretation, pi.c_str());
    if (c.good()) c = put_u16(ds, DCM_BitsAllocated, img->bits);
    if (c.good()) c = put_u16(ds, DCM_BitsStored, bs);
    if (c.good()) c = put_u16(ds, DCM_HighBit, bs - 1);
    if (c.good()) c = put_u16(ds, DCM_PixelRepresentation, img->is_signed ? 1 : 0);
    if (c.good()) {
        if (img->channels == 3)
            c = put_u16(ds, DCM_PlanarConfiguration, planar ? 1 : 0);
        else
            delete ds->remove(DCM_PlanarConfiguration);
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

    /* new instance, new series; the series UID is derived from the old one so
     * that the slices of one series, written one file at a time, stay one series */
    char uid[100];
    new_uid(uid, SITE_INSTANCE_UID_ROOT);
    if (c.good()) c = ds->putAndInsertString(DCM_SOPInstanceUID, uid);
    const char *old_series = nullptr;
    if (ds->findAndGetString(DCM_SeriesInstanceUID, old_series).good() && old_series && *old_series)
        derived_series_uid(uid, old_series, img->has_meta ? "encrypted" : "plain");
    else
        new_uid(uid, SITE_SERIES_UID_ROOT);
    if (c.good()) c = ds->putAndInsertString(DCM_SeriesInstanceUID, uid);
    if (c.bad()) return mc_err_set(err, MC_ERR_IO, "cannot build DICOM dataset: %s", c.text());

    remove_medcrypt_blocks(ds);
    if (img->has_meta) {
        int rc = write_meta(ds, &img->meta, img, err);
        if (rc) return rc;
    }

    /* Pixel Data */
    const uint8_t *px = static_cast<const uint8_t *>(img->pixels);
    std::vector<uint8_t> tmp;
    if (planar) {
        const size_t bps = img->bits / 8u, plane = (size_t)img->width * img->height, frame = plane * 3 * bps;
        tmp.resize(img->nbytes);
        for (size_t f = 0; f < img->depth; f++) {
            const uint8_t *s = px + f * frame;
            uint8_t *o = tmp.data() + f * frame;
            for (size_t p = 0; p < plane; p++)
                for (size_t k = 0; k < 3; k++) std::memcpy(o + (k * plane + p) * bps, s + (p * 3 + k) * bps, bps);
        }
        px = tmp.data();
    }
    std::unique_ptr<DcmPixelData> pd(new DcmPixelData(DcmTag(DCM_PixelData, img->bits == 8 ? EVR_OB : EVR_OW)));
    if (img->bits == 8)
        c = pd->putUint8Array(px, (unsigned long)img->nbytes);
    else
        c = pd->putUint16Array(reinterpret_cast<const Uint16 *>(px), (unsigned long)(img->nbytes / 2));
    if (c.good()) c = ds->insert(pd.get(), OFTrue);
    if (c.good()) pd.release();
    tmp.clear();
    tmp.shrink_to_fit();
    if (c.good()) c = ds->chooseRepresentation(EXS_LittleEndianExplicit, NULL);
    if (c.bad()) return mc_err_set(err, MC_ERR_IO, "cannot build DICOM pixel data: %s", c.text());

    c = ff->saveFile(OFFilename(path), EXS_LittleEndianExplicit, EET_ExplicitLength, EGL_recalcGL, EPD_withoutPadding, 0, 0,
                     EWM_updateMeta);
    if (c.bad()) return mc_err_set(err, MC_ERR_IO, "cannot write DICOM file %s: %s", mc_basename(path), c.text());
    return MC_OK;
}

} // namespace

extern "C" int mc_dicom_read(const char *path, const mc_limits *lim, mc_image **out, mc_err *err) {
    if (!out) return mc_err_set(err, MC_ERR_ARG, "DICOM read: no output pointer");
    *out = NULL;
    if (!path) return mc_err_set(err, MC_ERR_ARG, "DICOM read: no path");
    try {
        return read_impl(path, lim, out, err);
    } catch (const std::bad_alloc &) {
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory reading DICOM file");
    } catch (const std::exception &e) {
        return mc_err_set(err, MC_ERR_INTERNAL, "DICOM read failed: %s", e.what());
    } catch (...) {
        return mc_err_set(err, MC_ERR_INTERNAL, "DICOM read failed (unknown exception)");
    }
}

extern "C" int mc_dicom_write(const mc_image *img, const char *path, mc_err *err) {
    try {
        return write_impl(img, path, err);
    } catch (const std::bad_alloc &) {
        return mc_err_set(err, MC_ERR_NOMEM, "out of memory writing DICOM file");
    } catch (const std::exception &e) {
        return mc_err_set(err, MC_ERR_IO, "DICOM write failed: %s", e.what());
    } catch (...) {
        return mc_err_set(err, MC_ERR_IO, "DICOM write failed (unknown exception)");
    }
}
