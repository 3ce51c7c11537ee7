#!/usr/bin/python3
"""pydicom_roundtrip.py - `medcrypt convert IN -o OUT.dcm` checked by pydicom
(a plain conversion: the restore record is not applied; encrypt/decrypt
round trips are dicom_restore_oracle.py's).

For each sample, the output must decode in pydicom to exactly the same array
(shape, dtype kind and size, values) as the input, be Explicit VR Little
Endian, carry a new SOP Instance UID (in the dataset and the meta header) and
load in `dcmdump`.  pydicom here has no JPEG-LS decoder, so the JPEG-LS
sample is compared with MR_small.dcm (the same image, uncompressed).  A
synthetic PGM -> DICOM conversion checks the Secondary Capture path.

Environment: MEDCRYPT (CLI), MEDCRYPT_SAMPLES.  Exit 77 (skip) when the CLI,
the samples, pydicom/numpy or dcmdump are missing.
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from oracle_common import Tally, cli_and_samples, skip  # noqa: E402

try:
    import numpy as np
    import pydicom
except ImportError as e:  # pragma: no cover
    skip("pydicom/numpy not available (%s)" % e)

EXPLICIT_LE = "1.2.840.10008.1.2.1"

# (input, reference whose pixel_array the output must equal)
CASES = [
    ("CT_small.dcm", "CT_small.dcm"),
    ("MR_small_RLE.dcm", "MR_small_RLE.dcm"),
    ("MR_small_jpeg_ls_lossless.dcm", "MR_small.dcm"),
    ("MR_small_bigendian.dcm", "MR_small_bigendian.dcm"),
    ("SC_rgb_rle_2frame.dcm", "SC_rgb_rle_2frame.dcm"),
    ("ExplVR_BigEnd.dcm", "ExplVR_BigEnd.dcm"),
]


def same_array(a, b):
    """Exact equality; dtype compared by kind and size (a big-endian input
    decodes as '>i2', the little-endian output as '<i2')."""
    if a.shape != b.shape:
        return "shape %s != %s" % (a.shape, b.shape)
    if a.dtype.kind != b.dtype.kind or a.dtype.itemsize != b.dtype.itemsize:
        return "dtype %s != %s" % (a.dtype, b.dtype)
    if not np.array_equal(a, b):
        return "%d samples differ" % int(np.count_nonzero(a != b))
    return None


def run_convert(cli, src, dst):
    r = subprocess.run([cli, "convert", src, "-o", dst, "-f"], capture_output=True, text=True)
    if r.returncode != 0:
        return "convert exit %d: %s" % (r.returncode, (r.stderr or r.stdout).strip())
    return None


def check_output(out, ref_arr, old_uid):
    ds = pydicom.dcmread(out)
    ts = str(ds.file_meta.TransferSyntaxUID)
    if ts != EXPLICIT_LE:
        return "TransferSyntaxUID %s, expected %s" % (ts, EXPLICIT_LE)
    if old_uid is not None:
        if str(ds.SOPInstanceUID) == old_uid:
            return "SOPInstanceUID unchanged"
        if str(ds.file_meta.MediaStorageSOPInstanceUID) != str(ds.SOPInstanceUID):
            return "MediaStorageSOPInstanceUID does not match SOPInstanceUID"
    why = same_array(ref_arr, ds.pixel_array)
    if why:
        return "pixels: " + why
    r = subprocess.run(["dcmdump", "-q", out], capture_output=True)
    if r.returncode != 0:
        return "dcmdump exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace").strip()[:200])
    return None


def main():
    cli, samples = cli_and_samples("dicom")
    if shutil.which("dcmdump") is None:
        skip("dcmdump (dcmtk) not installed")

    t = Tally()
    tmp = tempfile.mkdtemp(prefix="mc-pydicom-")
    try:
        for name, ref in CASES:
            src = os.path.join(samples, name)
            if not os.path.exists(src) or not os.path.exists(os.path.join(samples, ref)):
                print("SKIP: %s (sample missing)" % name)
                continue
            out = os.path.join(tmp, "out_" + name)
            why = run_convert(cli, src, out)
            if not why:
                try:
                    ref_arr = pydicom.dcmread(os.path.join(samples, ref)).pixel_array
                    old_uid = str(pydicom.dcmread(src, stop_before_pixels=True).SOPInstanceUID)
                    why = check_output(out, ref_arr, old_uid)
                except Exception as e:  # pydicom failure is a test failure
                    why = "%s: %s" % (type(e).__name__, e)
            if why:
                t.fail("%s: %s" % (name, why))
            else:
                t.ok(name)

        # synthetic: PGM (16-bit) -> new Secondary Capture dataset
        h, w = 7, 9
        arr = (np.arange(h * w, dtype=np.uint32) * 997 % 65536).astype(">u2").reshape(h, w)
        pgm = os.path.join(tmp, "synth.pgm")
        with open(pgm, "wb") as f:
            f.write(b"P5\n%d %d\n65535\n" % (w, h))
            f.write(arr.tobytes())
        out = os.path.join(tmp, "synth.dcm")
        why = run_convert(cli, pgm, out)
        if not why:
            try:
                why = check_output(out, arr, None)
                if not why:
                    ds = pydicom.dcmread(out)
                    if not str(ds.SOPClassUID).startswith("1.2.840.10008.5.1.4.1.1.7"):
                        why = "SOPClassUID %s is not Secondary Capture" % ds.SOPClassUID
            except Exception as e:
                why = "%s: %s" % (type(e).__name__, e)
        if why:
            t.fail("synthetic PGM: %s" % why)
        else:
            t.ok("synthetic PGM -> DICOM")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    t.finish()


if __name__ == "__main__":
    main()
