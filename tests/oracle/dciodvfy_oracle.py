#!/usr/bin/python3
"""dciodvfy_oracle.py - David Clunie's dciodvfy (Debian package dicom3tools)
finds nothing in the files medcrypt writes that it does not find in the
original: for each sample, every "Error" and "Warning" line dciodvfy prints
for the encrypted file (hardened) and for the decrypted file must also be
printed for the original (or, for an original dciodvfy cannot read, such
as a deflated one, for the original re-encoded by DCMTK's dcmconv +te).

Environment: MEDCRYPT (CLI), MEDCRYPT_SAMPLES.  Exit 77 (skip, loudly) when
dciodvfy, the CLI or the samples are missing.
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from oracle_common import Tally, cli_and_samples, run, skip  # noqa: E402

SAMPLES = [
    "CT_small.dcm", "MR_small.dcm", "MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm", "MR_small_jp2klossless.dcm",
    "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "image_dfl.dcm", "SC_rgb_rle_2frame.dcm", "SC_rgb_jpeg_gdcm.dcm",
    "SC_ybr_full_422_uncompressed.dcm", "SC_rgb_dcmtk_+eb+cy+np.dcm", "GDCMJ2K_TextGBR.dcm", "JPEG2000.dcm",
    "693_J2KI.dcm", "J2K_pixelrep_mismatch.dcm", "JPEG-lossy.dcm", "ExplVR_BigEnd.dcm",
]


def findings(path):
    r = subprocess.run(["dciodvfy", path], capture_output=True, text=True, errors="replace")
    lines = (r.stdout + r.stderr).splitlines()
    return set(l.strip() for l in lines if l.startswith("Error") or l.startswith("Warning"))


def main():
    if shutil.which("dciodvfy") is None:
        skip("dciodvfy not installed (Debian package dicom3tools; scripts/install-deps.sh installs it)")
    cli, samples = cli_and_samples("dicom")
    t = Tally()
    tmp = tempfile.mkdtemp(prefix="mc-dciodvfy-")
    try:
        key = os.path.join(tmp, "k.key")
        run([cli, "keygen", "-o", key])
        for name in SAMPLES:
            src = os.path.join(samples, name)
            if not os.path.exists(src):
                print("SKIP: %s (sample missing)" % name)
                continue
            enc, dec = os.path.join(tmp, "enc.dcm"), os.path.join(tmp, "dec.dcm")
            try:
                run([cli, "encrypt", "-s", "aead", "-k", key, src, "-o", enc, "-f"])
                run([cli, "decrypt", "-k", key, enc, "-o", dec, "-f"])
                base = findings(src)
                if any("Dicom dataset read failed" in m for m in base):
                    # dciodvfy cannot read it (deflated): the same data
                    # re-encoded by DCMTK's dcmconv is the baseline too
                    plain = os.path.join(tmp, "plain.dcm")
                    run(["dcmconv", "+te", src, plain])
                    base |= findings(plain)
                new = ["encrypted: " + m for m in sorted(findings(enc) - base)]
                new += ["decrypted: " + m for m in sorted(findings(dec) - base)]
            except Exception as e:
                new = ["%s: %s" % (type(e).__name__, e)]
            if new:
                t.fail("%s: %s" % (name, " | ".join(new[:4])))
            else:
                t.ok("%s (%d findings, all in the original too)" % (name, len(base)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    t.finish()


if __name__ == "__main__":
    main()
