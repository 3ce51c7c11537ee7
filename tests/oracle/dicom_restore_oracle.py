#!/usr/bin/python3
"""dicom_restore_oracle.py - DICOM files given back as they came, checked by
independent readers.

For each sample: `medcrypt encrypt` (hardened) then `medcrypt decrypt`, and
  1. the encrypted file: Explicit VR Little Endian, new SOP Instance UID (the
     meta header agrees), new Series Instance UID, Study Instance UID kept,
     Image Type DERIVED\\SECONDARY, a Derivation Description naming medcrypt,
     and a restore record in its metadata in which none of the three
     original UIDs can be read;
  2. the decrypted file: every attribute pydicom shows equals the original's
     (file meta included) apart from the documented list (docs/metadata.md,
     "DICOM round trips"): Implementation Class UID / Version Name and the
     group lengths, which the writer recomputes; for lossy originals the
     transfer syntax (uncompressed now) and YBR_FULL_422 -> YBR_FULL;
  3. the decrypted pixels equal the original's bit for bit, both decoded by
     an independent reader: pydicom (numpy, its RLE decoder, Pillow for JPEG
     and JPEG 2000), or where pydicom here has no decoder: opj_decompress
     (OpenJPEG's tool) for JPEG 2000, dcmdjpeg / dcmdjpls (DCMTK's tools) for
     JPEG lossless and JPEG-LS;
  4. medcrypt's own reading of the original (`convert` to uncompressed)
     equals that independent decoding (JPEG 2000, YBR samples).
Besides the samples, four originals are made here with DCMTK's encoders
(JPEG lossless process 14 and JPEG-LS of the signed CT, JPEG-LS and RLE of a
3x3 RGB image).  A paper-profile round trip gets new UIDs and restores
nothing.

Environment: MEDCRYPT (CLI), MEDCRYPT_SAMPLES.  Exit 77 (skip) when the CLI,
the samples, pydicom/numpy or dcmdump are missing.
"""
import os
import shutil
import sys
import tempfile
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from oracle_common import Tally, cli_and_samples, run, skip  # noqa: E402

try:
    import numpy as np
    import pydicom
    from pydicom.encaps import generate_pixel_data_frame
except ImportError as e:  # pragma: no cover
    skip("pydicom/numpy not available (%s)" % e)

warnings.simplefilter("ignore")

EXPLICIT_LE = "1.2.840.10008.1.2.1"
J2K = ("1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91")
JPEG_LS = ("1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81")
JPEG = ("1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70")
LOSSLESS = ("1.2.840.10008.1.2", EXPLICIT_LE, "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.5",
            "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.90")

# (sample, scheme): lossless originals come back in their transfer syntax
CASES = [
    ("CT_small.dcm", "aead"),
    ("MR_small_RLE.dcm", "aead"),
    ("MR_small_jpeg_ls_lossless.dcm", "aead"),
    ("MR_small_jp2klossless.dcm", "aead"),
    ("MR_small_implicit.dcm", "logistic"),
    ("MR_small_bigendian.dcm", "aead"),
    ("image_dfl.dcm", "latin"),
    ("SC_rgb_rle.dcm", "aead"),
    ("SC_rgb_rle_16bit_2frame.dcm", "aead"),
    ("SC_rgb_jpeg_gdcm.dcm", "aead"),            # JPEG lossless, RGB
    ("SC_ybr_full_422_uncompressed.dcm", "aead"),
    ("GDCMJ2K_TextGBR.dcm", "aead"),             # J2K lossless, YBR_RCT
    ("J2K_pixelrep_mismatch.dcm", "aead"),       # J2K unsigned, DICOM signed
    ("ExplVR_BigEnd.dcm", "aead"),               # planar RGB
    # lossy originals: back uncompressed
    ("JPEG2000.dcm", "aead"),
    ("693_J2KI.dcm", "tpe-h2mwd"),
    ("SC_rgb_gdcm_KY.dcm", "aead"),
    ("SC_rgb_dcmtk_+eb+cy+np.dcm", "aead"),      # JPEG baseline, YBR_FULL_422
    ("SC_rgb_jpeg_dcmtk.dcm", "aead"),           # JPEG baseline, YBR_FULL
    ("JPEG-lossy.dcm", "aead"),                  # 12-bit JPEG extended
]

# originals made here with DCMTK's encoders: (name, tool, options, source)
GENERATED = [
    ("CT_small_jpeg14.dcm", "dcmcjpeg", ["+el"], "CT_small.dcm"),        # JPEG lossless .57, signed 16-bit
    ("CT_small_jls.dcm", "dcmcjpls", [], "CT_small.dcm"),                # JPEG-LS lossless, signed
    ("SC_rgb_small_odd_jls.dcm", "dcmcjpls", [], "SC_rgb_small_odd.dcm"),  # JPEG-LS lossless, RGB 3x3
    ("SC_rgb_small_odd_rle.dcm", "dcmcrle", [], "SC_rgb_small_odd.dcm"),   # RLE, RGB 3x3
]

# written by whoever writes the file (DCMTK here), recomputed, or padding
ALWAYS_DIFFERENT = {0x00020000, 0x00020012, 0x00020013}


def opj_frames(ds, tmp):
    """Decode every JPEG 2000 frame with opj_decompress (raw little-endian)."""
    rows, cols, spp = ds.Rows, ds.Columns, ds.SamplesPerPixel
    nf = int(getattr(ds, "NumberOfFrames", 1) or 1)
    signed = ds.PixelRepresentation == 1
    dt = ("<i2" if signed else "<u2") if ds.BitsAllocated == 16 else ("i1" if signed else "u1")
    out = []
    for i, frame in enumerate(generate_pixel_data_frame(ds.PixelData, nf)):
        j2c = os.path.join(tmp, "f%d.j2k" % i)
        raw = os.path.join(tmp, "f%d.rawl" % i)
        with open(j2c, "wb") as f:
            f.write(frame)
        run(["opj_decompress", "-quiet", "-i", j2c, "-o", raw])
        a = np.fromfile(raw, dtype=dt).reshape(spp, rows, cols)
        out.append(np.moveaxis(a, 0, -1) if spp == 3 else a[0])
    arr = np.stack(out)
    return arr[0] if nf == 1 else arr


def decode(path, tmp):
    """(decoder name, array) by a reader independent of medcrypt."""
    ds = pydicom.dcmread(path)
    ts = str(ds.file_meta.TransferSyntaxUID)
    try:
        return "pydicom", ds.pixel_array
    except Exception:
        pass
    if ts in J2K:
        if shutil.which("opj_decompress") is None:
            raise RuntimeError("SKIP opj_decompress (libopenjp2-tools) not installed")
        return "opj_decompress", opj_frames(ds, tmp)
    tool = "dcmdjpls" if ts in JPEG_LS else "dcmdjpeg" if ts in JPEG else None
    if tool is None:
        raise RuntimeError("no independent decoder for %s" % ts)
    out = os.path.join(tmp, "plain.dcm")
    run([tool] + (["+cn"] if tool == "dcmdjpeg" else []) + [path, out])
    return tool, pydicom.dcmread(out).pixel_array


def attribute_diff(a, b, allowed):
    """Tags whose value or VR differ (Pixel Data left to the pixel check)."""
    bad = []
    for da, db in ((a.file_meta, b.file_meta), (a, b)):
        for t in sorted(set(e.tag for e in da) | set(e.tag for e in db)):
            if t == 0x7FE00010 or t in allowed or (t & 0xFFFF) == 0:  # group lengths: recomputed
                continue
            ea, eb = da.get(t), db.get(t)
            if ea is None or eb is None or ea.value != eb.value or ea.VR != eb.VR:
                bad.append("%s %s" % (t, (ea or eb).keyword or "private"))
    return bad


def same(a, b):
    if a.shape != b.shape:
        return "shape %s != %s" % (a.shape, b.shape)
    if not np.array_equal(a, b):
        return "%d samples differ" % int(np.count_nonzero(a != b))
    return None


def check_encrypted(enc, orig_path, orig):
    ds = pydicom.dcmread(enc)
    if str(ds.file_meta.TransferSyntaxUID) != EXPLICIT_LE:
        return "encrypted file not Explicit VR Little Endian"
    if ds.SOPInstanceUID == orig.SOPInstanceUID or ds.file_meta.MediaStorageSOPInstanceUID != ds.SOPInstanceUID:
        return "encrypted SOP Instance UID not new"
    if ds.SeriesInstanceUID == orig.SeriesInstanceUID:
        return "encrypted Series Instance UID not new"
    if ds.StudyInstanceUID != orig.StudyInstanceUID:
        return "encrypted Study Instance UID changed"
    if list(ds.ImageType)[:2] != ["DERIVED", "SECONDARY"]:
        return "encrypted Image Type %s" % list(ds.ImageType)
    if not str(ds.get("DerivationDescription", "")).startswith("Encrypted by medcrypt"):
        return "no Derivation Description"
    meta = [e.value for e in ds if e.tag.is_private and isinstance(e.value, bytes) and e.value.startswith(b"medcrypt=1;")]
    if len(meta) != 1 or b";restore=" not in meta[0]:
        return "no restore record in the medcrypt metadata"
    for uid in (orig.SOPInstanceUID, orig.SeriesInstanceUID, orig.StudyInstanceUID):
        if str(uid).encode() in meta[0] or str(uid).encode().hex().encode() in meta[0]:
            return "original UID %s readable in the medcrypt metadata" % uid
    return None


def one_case(cli, key, samples, name, scheme, tmp):
    src = name if os.path.isabs(name) else os.path.join(samples, name)
    enc, dec, plain = (os.path.join(tmp, x + os.path.basename(name)) for x in ("enc_", "dec_", "plain_"))
    run([cli, "encrypt", "-s", scheme, "-k", key, src, "-o", enc, "-f"])
    run([cli, "decrypt", "-k", key, enc, "-o", dec, "-f"])
    orig = pydicom.dcmread(src)
    why = check_encrypted(enc, src, orig)
    if why:
        return why
    ts = str(orig.file_meta.TransferSyntaxUID)
    back = pydicom.dcmread(dec)
    allowed = set(ALWAYS_DIFFERENT)
    if ts not in LOSSLESS:
        allowed.add(0x00020010)  # lossy: back uncompressed
        if str(back.file_meta.TransferSyntaxUID) != EXPLICIT_LE:
            return "lossy original not written uncompressed"
        if orig.PhotometricInterpretation == "YBR_FULL_422" and back.PhotometricInterpretation == "YBR_FULL":
            allowed.add(0x00280004)
    diff = attribute_diff(orig, back, allowed)
    if diff:
        return "attributes differ: " + ", ".join(diff[:6])
    how, ref = decode(src, tmp)
    how2, got = decode(dec, tmp)
    why = same(ref, got)
    if why:
        return "decrypted pixels (%s) vs original (%s): %s" % (how2, how, why)
    run([cli, "convert", src, "-o", plain, "-f"])
    why = same(ref, pydicom.dcmread(plain).pixel_array)
    if why:
        return "medcrypt's reading vs %s: %s" % (how, why)
    return "ok (%s; pixels by %s)" % (pydicom.uid.UID(str(back.file_meta.TransferSyntaxUID)).name, how)


def paper_case(cli, key, samples, tmp):
    src = os.path.join(samples, "CT_small.dcm")
    enc, dec = os.path.join(tmp, "paper.enc.dcm"), os.path.join(tmp, "paper.dec.dcm")
    run([cli, "encrypt", "-s", "logistic", "--profile", "paper", "-k", key, src, "-o", enc, "-f"])
    run([cli, "decrypt", "--profile", "paper", "-k", key, enc, "-o", dec, "-f"])
    orig, e, d = (pydicom.dcmread(p) for p in (src, enc, dec))
    if "restore" in open(enc, "rb").read().decode("latin-1"):
        return "paper-profile file carries a restore record"
    if d.SOPInstanceUID in (orig.SOPInstanceUID, e.SOPInstanceUID):
        return "paper round trip did not make a new SOP Instance UID"
    if "DerivationDescription" in d:
        return "medcrypt's Derivation Description left on a decrypted file"
    return same(orig.pixel_array, d.pixel_array)


def main():
    cli, samples = cli_and_samples("dicom")
    for tool in ("dcmdjpeg", "dcmdjpls", "dcmcjpeg", "dcmcjpls", "dcmcrle"):
        if shutil.which(tool) is None:
            skip("%s (dcmtk) not installed" % tool)
    t = Tally()
    tmp = tempfile.mkdtemp(prefix="mc-restore-")
    try:
        key = os.path.join(tmp, "k.key")
        run([cli, "keygen", "-o", key])
        for name, scheme in CASES:
            if not os.path.exists(os.path.join(samples, name)):
                print("SKIP: %s (sample missing)" % name)
                continue
            try:
                why = one_case(cli, key, samples, name, scheme, tmp)
            except Exception as e:  # a tool or pydicom failure is a test failure
                why = "%s: %s" % (type(e).__name__, e)
            if why.startswith("ok"):
                t.ok("%s %s: %s" % (name, scheme, why[4:-1]))
            elif "SKIP" in why:
                print("SKIP: %s: %s" % (name, why))
            else:
                t.fail("%s %s: %s" % (name, scheme, why))
        for name, tool, opts, source in GENERATED:
            made = os.path.join(tmp, "made", name)
            os.makedirs(os.path.dirname(made), exist_ok=True)
            try:
                run([tool] + opts + [os.path.join(samples, source), made])
                why = one_case(cli, key, samples, made, "aead", tmp)
            except Exception as e:
                why = "%s: %s" % (type(e).__name__, e)
            if why.startswith("ok"):
                t.ok("%s (%s %s): %s" % (name, tool, " ".join(opts), why[4:-1]))
            else:
                t.fail("%s: %s" % (name, why))
        try:
            why = paper_case(cli, key, samples, tmp)
        except Exception as e:
            why = "%s: %s" % (type(e).__name__, e)
        if why:
            t.fail("paper profile: %s" % why)
        else:
            t.ok("paper profile: new UIDs, nothing restored, pixels exact")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    t.finish()


if __name__ == "__main__":
    main()
