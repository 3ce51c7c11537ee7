#!/usr/bin/python3
"""Oracle test for the PNG / PGM-PPM / NIfTI readers and writers.

`medcrypt convert` output is checked against independent decoders:
scikit-image (PIL/imageio) for PNG and PNM, and plain gzip + numpy parsing of
the 348-byte NIfTI-1 header for NIfTI.  Needs $MEDCRYPT (the CLI); exits 77
(skip) when it is missing.  Sample-based checks skip themselves when
$MEDCRYPT_SAMPLES lacks the files; the synthetic ones always run.
"""
import gzip
import os
import struct
import subprocess
import sys
import tempfile
import zlib

try:
    import numpy as np
    import skimage.io
except ImportError as e:  # pragma: no cover
    print(f"SKIP: {e}")
    sys.exit(77)

MEDCRYPT = os.environ.get("MEDCRYPT", "")
if not MEDCRYPT or not os.access(MEDCRYPT, os.X_OK):
    print("SKIP: $MEDCRYPT is unset or not executable")
    sys.exit(77)
SAMPLES = os.environ.get("MEDCRYPT_SAMPLES", os.path.join(os.path.dirname(__file__), "../../.cache/samples"))

passed = failed = skipped = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name} {detail}")


def convert(src, dst):
    r = subprocess.run([MEDCRYPT, "convert", src, "-o", dst, "-f"], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"convert {os.path.basename(src)} -> {os.path.basename(dst)}: "
                           f"exit {r.returncode}: {r.stderr.strip()}")


def read_pnm(path):
    """Minimal independent P5/P6 parser (no comments inside tokens)."""
    d = open(path, "rb").read()
    toks, i = [], 0
    while len(toks) < 4:
        while d[i:i + 1].isspace():
            i += 1
        if d[i:i + 1] == b"#":
            while d[i:i + 1] not in (b"\n", b"\r"):
                i += 1
            continue
        j = i
        while not d[j:j + 1].isspace():
            j += 1
        toks.append(d[i:j])
        i = j
    i += 1  # single whitespace
    magic, w, h, maxval = toks[0], int(toks[1]), int(toks[2]), int(toks[3])
    ch = 3 if magic == b"P6" else 1
    dt = np.dtype(">u2") if maxval > 255 else np.dtype("u1")
    a = np.frombuffer(d[i:], dtype=dt, count=w * h * ch)
    return (a.reshape(h, w, ch) if ch == 3 else a.reshape(h, w)), maxval, d[:i]


def write_png(path, a, bit_depth):
    """Minimal independent PNG encoder (gray or RGB, filter 0)."""
    h, w = a.shape[:2]
    ctype = 2 if a.ndim == 3 else 0
    raw = b"".join(b"\0" + a[y].astype(">u2" if bit_depth == 16 else "u1").tobytes() for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, ctype, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    open(path, "wb").write(png)


def read_png_own(path):
    """Minimal independent PNG decoder (gray/RGB 8/16-bit, non-interlaced, all
    five filters): PIL reduces 16-bit RGB to 8 bits, so it cannot judge those."""
    d = open(path, "rb").read()
    assert d[:8] == b"\x89PNG\r\n\x1a\n"
    i, idat = 8, b""
    while i < len(d):
        n, t = struct.unpack(">I4s", d[i:i + 8])
        body = d[i + 8:i + 8 + n]
        assert zlib.crc32(t + body) & 0xFFFFFFFF == struct.unpack(">I", d[i + 8 + n:i + 12 + n])[0]
        if t == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif t == b"IDAT":
            idat += body
        i += 12 + n
    assert interlace == 0 and ctype in (0, 2) and depth in (8, 16)
    ch = 3 if ctype == 2 else 1
    bpp = ch * depth // 8
    stride = w * bpp
    raw = zlib.decompress(idat)
    out = bytearray(h * stride)
    prev = bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out[y * stride:(y + 1) * stride] = line
        prev = line
    a = np.frombuffer(bytes(out), dtype=">u2" if depth == 16 else "u1")
    return a.reshape(h, w, ch) if ch == 3 else a.reshape(h, w)


def nifti_parse(path):
    d = open(path, "rb").read()
    if d[:2] == b"\x1f\x8b":
        d = gzip.decompress(d)
    e = "<" if struct.unpack("<i", d[:4])[0] == 348 else ">"
    dim = struct.unpack(e + "8h", d[40:56])
    dtype, bitpix = struct.unpack(e + "hh", d[70:74])
    pixdim = struct.unpack(e + "8f", d[76:108])
    vox = int(struct.unpack(e + "f", d[108:112])[0])
    qf, sf = struct.unpack(e + "hh", d[252:256])
    npdt = {2: "u1", 4: e + "i2", 512: e + "u2"}[dtype]
    n = 1
    for k in range(1, dim[0] + 1):
        n *= dim[k]
    vals = np.frombuffer(d[vox:], dtype=npdt, count=n)
    return dict(raw=d, dim=dim, dtype=dtype, bitpix=bitpix, pixdim=pixdim, vox=vox, qform=qf, sform=sf,
                data=vals)


def main():
    global skipped
    tmp = tempfile.mkdtemp(prefix="mcoracle.")
    try:
        # --- ITK PNG samples -> PNM -> PNG, compared with skimage
        for name in ["BrainMidSagittalSlice.png", "BrainProtonDensitySlice.png",
                     "BrainProtonDensitySlice256x256.png", "BrainProtonDensitySliceBorder20.png",
                     "BrainT1Slice.png"]:
            src = os.path.join(SAMPLES, "itk", name)
            if not os.path.exists(src):
                print(f"SKIP: sample itk/{name} missing")
                skipped += 1
                continue
            ref = skimage.io.imread(src)
            pnm = os.path.join(tmp, name[:-4] + ".pnm")
            back = os.path.join(tmp, name[:-4] + ".back.png")
            convert(src, pnm)
            got, maxval, _ = read_pnm(pnm)
            check(f"{name} -> pnm (own parser)", got.shape == ref.shape and np.array_equal(got, ref))
            check(f"{name} -> pnm (skimage)", np.array_equal(skimage.io.imread(pnm), ref))
            check(f"{name} maxval", maxval == 255, f"maxval {maxval}")
            convert(pnm, back)
            check(f"{name} -> pnm -> png", np.array_equal(skimage.io.imread(back), ref))
            check(f"{name} -> pnm -> png (own decoder)", np.array_equal(read_png_own(back), ref))

        # --- synthetic 16-bit PNGs (byte order in both directions)
        rng = np.random.default_rng(1234)
        for ch in (1, 3):
            shape = (23, 37, 3) if ch == 3 else (23, 37)
            a = rng.integers(0, 65536, size=shape, dtype=np.uint16)
            a.flat[0] = 0x1234
            src = os.path.join(tmp, f"syn16_{ch}.png")
            write_png(src, a, 16)
            check(f"own 16-bit PNG ({ch} ch) decodes", np.array_equal(read_png_own(src), a))
            if ch == 1:  # PIL reduces 16-bit RGB to 8 bits
                check("own 16-bit PNG readable by skimage", np.array_equal(skimage.io.imread(src), a))
            pnm = os.path.join(tmp, f"syn16_{ch}.pnm")
            convert(src, pnm)
            got, maxval, _ = read_pnm(pnm)
            check(f"16-bit PNG ({ch} ch) -> pnm", maxval == 65535 and np.array_equal(got, a))
            back = os.path.join(tmp, f"syn16_{ch}.back.png")
            convert(pnm, back)
            check(f"16-bit pnm ({ch} ch) -> png (own decoder)", np.array_equal(read_png_own(back), a))
            if ch == 1:
                check("16-bit pnm -> png (skimage)", np.array_equal(skimage.io.imread(back), a))
            if ch == 1:
                nii = os.path.join(tmp, "syn16.nii.gz")
                convert(back, nii)
                n = nifti_parse(nii)
                check("16-bit png -> nii.gz dtype", n["dtype"] == 512 and n["dim"][:3] == (2, 37, 23),
                      f"{n['dtype']} {n['dim']}")
                check("16-bit png -> nii.gz voxels", np.array_equal(n["data"].reshape(23, 37), a))

        # --- NIfTI sample: header and voxels kept exactly
        src = os.path.join(SAMPLES, "nifti", "ch2.nii.gz")
        if os.path.exists(src):
            orig = gzip.decompress(open(src, "rb").read())
            out = os.path.join(tmp, "ch2.nii")
            convert(src, out)
            got = open(out, "rb").read()
            check("ch2.nii.gz -> .nii header bytes", got[:352] == orig[:352])
            check("ch2.nii.gz -> .nii voxels", got[352:] == orig[352:])
            out2 = os.path.join(tmp, "ch2.back.nii.gz")
            convert(out, out2)
            check("ch2 .nii -> .nii.gz identical content", gzip.decompress(open(out2, "rb").read()) == orig)
        else:
            print("SKIP: sample nifti/ch2.nii.gz missing")
            skipped += 1

        # --- synthetic big-endian signed volume -> .nii.gz
        v = rng.integers(-32768, 32768, size=(3, 5, 7), dtype=np.int16)  # z, y, x
        h = bytearray(352)
        struct.pack_into(">i", h, 0, 348)
        struct.pack_into(">8h", h, 40, 3, 7, 5, 3, 1, 1, 1, 1)
        struct.pack_into(">hh", h, 70, 4, 16)
        struct.pack_into(">8f", h, 76, 1.0, 0.5, 0.75, 2.5, 1, 1, 1, 1)
        struct.pack_into(">f", h, 108, 352.0)
        h[123] = 2
        struct.pack_into(">hh", h, 252, 1, 0)
        h[344:348] = b"n+1\0"
        src = os.path.join(tmp, "be.nii")
        open(src, "wb").write(bytes(h) + v.astype(">i2").tobytes())
        out = os.path.join(tmp, "be_out.nii.gz")
        convert(src, out)
        n = nifti_parse(out)
        check("big-endian int16 -> nii.gz dtype/dims", n["dtype"] == 4 and n["dim"][:4] == (3, 7, 5, 3))
        check("big-endian int16 -> nii.gz pixdim", n["pixdim"][1:4] == (0.5, 0.75, 2.5), str(n["pixdim"]))
        check("big-endian int16 -> nii.gz qform code", n["qform"] == 1)
        check("big-endian int16 -> nii.gz voxels", np.array_equal(n["data"].reshape(3, 5, 7), v))
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a failed convert is a test failure, not a crash
        failed += 1
        print(f"FAIL: {e}")
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    sys.exit(1 if failed else 0)
