/* dicom.hpp - what the DICOM reader and writer files share (internal).
 *
 *   dicom_read.cpp     parse from memory, geometry, limits, decoding, pixels
 *   dicom_write.cpp    dataset, pixel module, UIDs, re-encoding, to memory
 *   dicom_meta.cpp     the medcrypt private block (metadata, aux blob)
 *   dicom_restore.cpp  the restore record, the derived-instance markers
 *   dicom_j2k.cpp      JPEG 2000 through OpenJPEG (decode; lossless encode)
 *   dicom_codec.cpp    DCMTK set-up, buffers in and out, small helpers
 */
#ifndef MC_DICOM_HPP
#define MC_DICOM_HPP

#include <cstdint>
#include <string>
#include <vector>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"

extern "C" {
#include "io/io.h"
}

namespace mcdcm {

/* ------------------------------------------------------- dicom_codec.cpp */

/* Once per process (std::call_once): silence DCMTK's logger (unless
 * MEDCRYPT_DCMTK_LOG is set and not "0"), register the RLE, JPEG and JPEG-LS
 * decoders (JPEG: no colour conversion, YCbCr stays YCbCr) and encoders
 * (lossless ones never make new UIDs). */
void init_dcmtk();
/* Parse a whole file from memory; MC_ERR_FORMAT when it is not DICOM or is
 * cut short. */
int parse_buffer(const uint8_t *buf, size_t len, DcmFileFormat *ff, mc_err *err);
/* Write ff in transfer syntax xfer (meta header updated) into out. */
int write_buffer(DcmFileFormat *ff, E_TransferSyntax xfer, mc_membuf *out, mc_err *err);
/* Strip spaces and NULs at both ends. */
std::string trim(const OFString &s);
/* Whole value of a string or number attribute, unnormalised (multiple values
 * joined by '\'); *present says whether the attribute exists. */
std::string get_raw(DcmItem *ds, const DcmTagKey &k, bool *present);
/* PhotometricInterpretation, trimmed ("" when absent). */
std::string get_pi(DcmItem *ds);

/* -------------------------------------------------------- dicom_meta.cpp */

std::vector<Uint16> find_creators(DcmItem *ds);
void remove_medcrypt_blocks(DcmItem *ds);
/* Before the values are loaded: an aux element over the cap is refused. */
int precheck_aux(DcmItem *ds, const mc_limits *lim, mc_err *err);
/* Metadata and aux blob of the medcrypt block (has_meta = 0 without one). */
int read_meta(DcmItem *ds, mc_image *img, mc_err *err);
int write_meta(DcmItem *ds, const mc_image *img, mc_err *err);

/* -------------------------------------------------------- dicom_read.cpp */

struct Geometry {
    Uint16 rows = 0, cols = 0, spp = 1, ba = 0, bs = 0, pr = 0, pc = 0;
    Uint32 frames = 1;
    std::string pi;
};
int read_geometry(DcmItem *ds, Geometry *g, mc_err *err);

/* --------------------------------------------------------- dicom_j2k.cpp */

bool is_j2k(E_TransferSyntax x);
/* Decode every frame of the encapsulated JPEG 2000 Pixel Data into img
 * (geometry already checked and allocated from g).  Samples are the decoded
 * values as stored words: two's complement for signed data; unsigned
 * codestream samples of a signed image are sign-extended from their
 * precision (what pydicom does). */
int j2k_decode(DcmElement *pix, E_TransferSyntax xfer, const Geometry &g, mc_image *img, mc_err *err);
/* Lossless JPEG 2000 (reversible 5/3, one layer) of every frame of img,
 * inserted as encapsulated Pixel Data for EXS_JPEG2000LosslessOnly; mct:
 * the reversible colour transform (Photometric Interpretation YBR_RCT). */
int j2k_encode_lossless(DcmDataset *ds, const mc_image *img, unsigned bits_stored, bool mct, mc_err *err);

/* ----------------------------------------------------- dicom_restore.cpp */

/* The restore record of a dataset as read (before any decoding). */
std::vector<uint8_t> make_record(DcmDataset *ds, E_TransferSyntax xfer);
struct RecordEntry {
    DcmTagKey tag;
    bool present = false;
    std::string value;
};
struct Record {
    E_TransferSyntax xfer = EXS_Unknown;
    std::string pi;
    std::vector<RecordEntry> entries;
};
/* false when the bytes are not a DICOM restore record */
bool parse_record(const uint8_t *buf, size_t len, Record *rec);
/* The attributes of the record (UIDs, ImageType, ...) onto ds. */
OFCondition apply_record(DcmDataset *ds, const Record &rec);
/* The transfer syntax a restored file is written in: the original one when
 * it is lossless and medcrypt can encode it, else Explicit VR Little Endian. */
E_TransferSyntax restore_xfer(const Record &rec);
/* Mark an encrypted instance as derived by medcrypt: ImageType values 1 and
 * 2 DERIVED\SECONDARY, Derivation Description saying what it is. */
OFCondition mark_encrypted(DcmDataset *ds, const mc_meta *meta);
/* Remove medcrypt's Derivation Description (a decrypted file without a
 * restore record). */
void unmark_encrypted(DcmDataset *ds);

} // namespace mcdcm

#endif
