/*
 * dicom_restore.cpp - what DICOM needs to give a decrypted file back as it
 * came (the restore record), and the markers of an encrypted instance.
 *
 * The record (bytes, little-endian), made by the reader from the file as
 * read, before any decoding:
 *     "MCDR" || version 1 || u8 length || transfer syntax UID
 *     || u8 count || count x ( u16 group || u16 element || u8 present
 *                              || u16 length || value )
 * The values are the raw (unnormalised) strings of the attributes medcrypt
 * changes when it writes an encrypted file, or may change when it writes a
 * decrypted one:
 *     SOP Instance UID, Series Instance UID, Study Instance UID   (only
 *         when present: an absent one stays the one the writer makes)
 *     Image Type, Derivation Description                          (present
 *         or absent: absent ones are removed again)
 *     Photometric Interpretation, Planar Configuration, High Bit
 * about 300 bytes.  The core seals it into the metadata of a hardened file
 * (src/core/restore.c); the writer applies it after decryption.
 *
 * Markers (issue 15 item 5; PS3.3 C.7.6.1.1.2 and C.7.6.1.1.3): an
 * encrypted instance gets Image Type values 1 and 2 DERIVED\SECONDARY
 * (later values kept; "DERIVED\SECONDARY" when it had none) and a Derivation
 * Description (0008,2111) "Encrypted by medcrypt (scheme S, profile P): the
 * pixel data is ciphertext, not an image to read".
 */
#include <cstring>

#include "io/dicom.hpp"

namespace mcdcm {

namespace {

const char kMagic[4] = {'M', 'C', 'D', 'R'};
const char kDerivedPrefix[] = "Encrypted by medcrypt";

struct Tracked {
    DcmTagKey tag;
    bool keep_absent; /* record "absent" too (else only present values) */
};
const Tracked kTracked[] = {
    {DCM_SOPInstanceUID, false},   {DCM_SeriesInstanceUID, false},     {DCM_StudyInstanceUID, false},
    {DCM_ImageType, true},         {DCM_DerivationDescription, true},  {DCM_PhotometricInterpretation, true},
    {DCM_PlanarConfiguration, true}, {DCM_HighBit, true},
};

void put16(std::vector<uint8_t> &v, unsigned x) {
    v.push_back((uint8_t)x);
    v.push_back((uint8_t)(x >> 8));
}
unsigned get16(const uint8_t *p) { return (unsigned)p[0] | (unsigned)p[1] << 8; }

} // namespace

std::vector<uint8_t> make_record(DcmDataset *ds, E_TransferSyntax xfer) {
    std::vector<uint8_t> r(kMagic, kMagic + 4);
    r.push_back(1);
    const char *ts = DcmXfer(xfer).getXferID();
    const size_t tl = ts ? std::strlen(ts) : 0;
    if (tl == 0 || tl > 64) return std::vector<uint8_t>();
    r.push_back((uint8_t)tl);
    r.insert(r.end(), ts, ts + tl);
    const size_t count_at = r.size();
    r.push_back(0);
    unsigned n = 0;
    for (const Tracked &t : kTracked) {
        bool present = false;
        std::string v = get_raw(ds, t.tag, &present);
        if (!present && !t.keep_absent) continue;
        if (v.size() > 1024) return std::vector<uint8_t>(); /* nothing medcrypt writes is that long */
        put16(r, t.tag.getGroup());
        put16(r, t.tag.getElement());
        r.push_back(present ? 1 : 0);
        put16(r, (unsigned)v.size());
        r.insert(r.end(), v.begin(), v.end());
        n++;
    }
    r[count_at] = (uint8_t)n;
    return r;
}

bool parse_record(const uint8_t *p, size_t n, Record *rec) {
    if (!p || n < 7 || std::memcmp(p, kMagic, 4) || p[4] != 1) return false;
    size_t o = 5;
    const size_t tl = p[o++];
    if (n - o < tl + 1) return false;
    const std::string ts(reinterpret_cast<const char *>(p + o), tl);
    o += tl;
    rec->xfer = DcmXfer(ts.c_str()).getXfer();
    const unsigned count = p[o++];
    rec->entries.clear();
    rec->pi.clear();
    for (unsigned i = 0; i < count; i++) {
        if (n - o < 7) return false;
        RecordEntry e;
        e.tag = DcmTagKey((Uint16)get16(p + o), (Uint16)get16(p + o + 2));
        e.present = p[o + 4] != 0;
        const size_t vl = get16(p + o + 5);
        o += 7;
        if (n - o < vl) return false;
        e.value.assign(reinterpret_cast<const char *>(p + o), vl);
        o += vl;
        if (e.tag == DCM_PhotometricInterpretation) rec->pi = trim(OFString(e.value.c_str(), e.value.size()));
        rec->entries.push_back(e);
    }
    return o == n;
}

OFCondition apply_record(DcmDataset *ds, const Record &rec) {
    OFCondition c = EC_Normal;
    for (const RecordEntry &e : rec.entries) {
        if (e.tag == DCM_PhotometricInterpretation) continue; /* the writer's choice, from rec.pi */
        if (!e.present) {
            ds->findAndDeleteElement(e.tag);
            continue;
        }
        c = ds->putAndInsertString(e.tag, e.value.c_str(), (Uint32)e.value.size());
        if (c.bad()) break;
    }
    return c;
}

E_TransferSyntax restore_xfer(const Record &rec) {
    switch (rec.xfer) {
    case EXS_LittleEndianImplicit:
    case EXS_LittleEndianExplicit:
    case EXS_BigEndianExplicit:
    case EXS_DeflatedLittleEndianExplicit:
    case EXS_RLELossless:
    case EXS_JPEGLSLossless:
    case EXS_JPEGProcess14:
    case EXS_JPEGProcess14SV1:
    case EXS_JPEG2000LosslessOnly: return rec.xfer;
    default: return EXS_LittleEndianExplicit; /* lossy originals come back uncompressed */
    }
}

OFCondition mark_encrypted(DcmDataset *ds, const mc_meta *meta) {
    std::string it = "DERIVED\\SECONDARY";
    DcmElement *e = NULL;
    if (ds->findAndGetElement(DCM_ImageType, e).good() && e) {
        const unsigned long vm = e->getVM();
        for (unsigned long i = 2; i < vm; i++) {
            OFString v;
            if (e->getOFString(v, i).good()) it += "\\" + std::string(v.c_str(), v.length());
        }
    }
    OFCondition c = ds->putAndInsertOFStringArray(DCM_ImageType, it.c_str());
    if (c.bad()) return c;
    const char *scheme = mc_meta_get(meta, "scheme"), *profile = mc_meta_get(meta, "profile");
    std::string d = std::string(kDerivedPrefix) + " (scheme " + (scheme ? scheme : "?") + ", profile " +
                    (profile ? profile : "?") + "): the pixel data is ciphertext, not an image to read";
    return ds->putAndInsertString(DCM_DerivationDescription, d.c_str());
}

void unmark_encrypted(DcmDataset *ds) {
    OFString d;
    if (ds->findAndGetOFStringArray(DCM_DerivationDescription, d).good() &&
        !std::strncmp(d.c_str(), kDerivedPrefix, sizeof kDerivedPrefix - 1))
        ds->findAndDeleteElement(DCM_DerivationDescription);
}

} // namespace mcdcm
