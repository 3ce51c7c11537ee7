/*
 * dicom_meta.cpp - the medcrypt private block of a DICOM dataset.
 *
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
 *   blob (DICOM pads an odd value with one NUL, hence the length).  Its
 *   length is checked against MC_AUX_MAX_BYTES (MC_ERR_LIMITS) before the
 *   blob is copied.  A length prefix that disagrees with the element, an
 *   empty blob, a text VR, are MC_ERR_AUTH (tampering); the element lives
 *   inside the medcrypt block, so it cannot exist without the metadata
 *   element (a block without (xx01) is MC_ERR_AUTH already).
 */
#include <cstdlib>
#include <cstring>
#include <memory>

#include "io/dicom.hpp"

namespace mcdcm {

namespace {

const char kCreator[] = "MEDCRYPT 1";
const Uint16 kPrivGroup = 0x0009;

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

} // namespace

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
int write_meta(DcmItem *ds, const mc_image *img, mc_err *err) {
    const mc_meta *meta = &img->meta;
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

} // namespace mcdcm
