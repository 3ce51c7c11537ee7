#!/usr/bin/python3
"""test_oracle.py - Image.pixels against pydicom, Image.voxels against
nibabel, and (PNG) against Pillow, on the same files.

For every DICOM sample both medcrypt and pydicom decode, pixels must have
pydicom's pixel_array shape and dtype (kind and size: a big-endian file
decodes as '>i2' in pydicom, host order here) and, for lossless transfer
syntaxes, its values.  For every NIfTI sample, voxels must have nibabel's
dataobj shape, dtype and unscaled values.  The same holds for the files the
binding writes: the encrypted file (shape and dtype) and the decrypted one
(values too).
"""
import os
import sys

from pyutil import Tally, samples, skip, tmpdir

try:
    import numpy as np

    import medcrypt
except ImportError as e:
    skip("medcrypt binding or numpy not importable (%s)" % e)
try:
    import nibabel
    import pydicom
except ImportError as e:
    skip("pydicom or nibabel missing (%s): scripts/install-deps.sh" % e)

T = Tally("test_oracle")
D = tmpdir()
LOSSY = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.91"}


def same_kind(a, b):
    return a.kind == b.kind and a.itemsize == b.itemsize


def check_dicom(path, name, img, values):
    try:
        ds = pydicom.dcmread(path)
        ref = ds.pixel_array
    except Exception as e:  # noqa: BLE001 (no decoder in pydicom for this one)
        print("note: %s: pydicom cannot decode it (%s: %s)" % (name, type(e).__name__, str(e)[:80]))
        return False
    a = img.pixels
    T.check(a.shape == ref.shape, "%s: shape %s, pydicom %s" % (name, a.shape, ref.shape))
    T.check(same_kind(a.dtype, ref.dtype), "%s: dtype %s, pydicom %s" % (name, a.dtype, ref.dtype))
    if values and a.shape == ref.shape:
        T.check(np.array_equal(a, ref), "%s: %d samples differ from pydicom's" % (name, int(np.count_nonzero(a != ref))))
    return True


def check_nifti(path, name, img, values):
    n = nibabel.load(path)
    ref = n.dataobj.get_unscaled() if hasattr(n.dataobj, "get_unscaled") else np.asanyarray(n.dataobj)
    v = img.voxels
    T.check(v.shape == ref.shape, "%s: voxels shape %s, nibabel %s" % (name, v.shape, ref.shape))
    T.check(same_kind(v.dtype, n.get_data_dtype()), "%s: dtype %s, nibabel %s" % (name, v.dtype, n.get_data_dtype()))
    if values and v.shape == ref.shape:
        T.check(np.array_equal(v, ref), "%s: voxels differ from nibabel's" % name)


def check_png(path, name, img, values):
    try:
        from PIL import Image as PILImage
    except ImportError:
        return
    ref = np.asarray(PILImage.open(path))
    a = img.pixels
    T.check(a.shape == ref.shape and same_kind(a.dtype, ref.dtype),
            "%s: %s %s, Pillow %s %s" % (name, a.shape, a.dtype, ref.shape, ref.dtype))
    if values and a.shape == ref.shape:
        T.check(np.array_equal(a, ref), "%s: pixels differ from Pillow's" % name)


CHECK = {"dicom": check_dicom, "nifti": check_nifti, "png": check_png}
EXT = {"dicom": ".dcm", "nifti": ".nii.gz", "png": ".png"}


def main():
    counts = {"dicom": 0, "nifti": 0, "png": 0}
    with medcrypt.Key.generate() as key:
        for path in samples():
            name = os.path.basename(path)
            try:
                img = medcrypt.read(path)
            except medcrypt.InputError:
                continue
            with img:
                fmt = img.format
                if fmt not in CHECK:
                    continue
                lossless = True
                if fmt == "dicom":
                    ts = str(pydicom.dcmread(path, stop_before_pixels=True).file_meta.get("TransferSyntaxUID", ""))
                    lossless = ts not in LOSSY
                if CHECK[fmt](path, name, img, lossless) is False:
                    continue
                counts[fmt] += 1
                orig = img.pixels.copy()
                # the binding's own files: cipher (shape, dtype), then plain (values)
                medcrypt.encrypt(img, "aead", key)
                enc = os.path.join(D, "enc" + EXT[fmt])
                img.write(enc, force=True)
                CHECK[fmt](enc, name + " (encrypted)", img, True)
            with medcrypt.decrypt(medcrypt.read(enc), key) as dec:
                T.check(np.array_equal(dec.pixels, orig), name + ": round trip")
                out = os.path.join(D, "dec" + EXT[fmt])
                dec.write(out, force=True)
                CHECK[fmt](out, name + " (decrypted)", dec, True)
    print("compared: %s" % counts)
    T.check(counts["dicom"] >= 10 and counts["nifti"] >= 3, "too few files compared: %s" % counts)
    T.done()


if __name__ == "__main__":
    sys.exit(main())
