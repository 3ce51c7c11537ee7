#!/usr/bin/python3
"""aux_oracle.py - the aux blob's storage (docs/metadata.md) against
independent encoders and decoders.

Files carrying metadata and an aux blob are built here in every format
without medcrypt (PNG chunks by hand, DICOM with pydicom, NIfTI-1 and PGM
with struct), then `medcrypt info --json` must report the blob's size and
`medcrypt convert` must carry it into every format, where it is read back
here independently: the PNG "mcAX" chunk (after IDAT, CRC checked, the file
still decoded by PIL), the PGM comment lines (PIL decodes the image), the
DICOM (0009,xx02) element in the "MEDCRYPT 1" block (pydicom reads the file
and its pixels; dcmdump loads it), the NIfTI extension with ecode 0.  Damaged
encodings must give exit status 3.

Environment: MEDCRYPT (CLI).  Exit 77 (skip) when the CLI, numpy, PIL or
pydicom are missing.
"""
import base64
import gzip
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


try:
    import numpy as np
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid
    from PIL import Image
except ImportError as e:  # pragma: no cover
    skip("numpy/pydicom/PIL not available (%s)" % e)

MEDCRYPT = os.environ.get("MEDCRYPT", "")
if not MEDCRYPT or not os.access(MEDCRYPT, os.X_OK):
    skip("$MEDCRYPT is unset or not executable")

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL: %s %s" % (name, detail))


META = ("medcrypt=1;scheme=logistic;profile=hardened;p.mu=key;p.x0=key;p.transient=1000;"
        "nonce=" + "ab" * 24 + ";mac=" + "cd" * 16)
NII_MAGIC = b"medcrypt-aux-v1\0"

# ------------------------------------------------------------- encoders


def png_chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)


def write_png(path, a, meta, aux, aux_type=b"mcAX"):
    h, w = a.shape
    raw = b"".join(b"\0" + a[y].astype(">u2").tobytes() for y in range(h))
    png = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 0, 0, 0, 0))
    if meta is not None:
        png += png_chunk(b"iTXt", b"medcrypt\0\0\0\0\0" + meta.encode())
    png += png_chunk(b"IDAT", zlib.compress(raw))
    if aux is not None:
        png += png_chunk(aux_type, aux)
    png += png_chunk(b"IEND", b"")
    open(path, "wb").write(png)


def pgm_aux_lines(aux):
    out = b"# medcrypt-aux-size %d\n" % len(aux)
    for i in range(0, len(aux), 57):
        out += b"# medcrypt-aux " + base64.b64encode(aux[i:i + 57]) + b"\n"
    return out


def write_pgm(path, a, meta, aux_lines):
    h, w = a.shape
    hdr = b"P5\n"
    if meta is not None:
        hdr += b"# medcrypt " + meta.encode() + b"\n"
    hdr += aux_lines + b"%d %d\n65535\n" % (w, h)
    open(path, "wb").write(hdr + a.astype(">u2").tobytes())


def write_dcm(path, a, meta, aux):
    h, w = a.shape
    fm = FileMetaDataset()
    fm.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    fm.MediaStorageSOPInstanceUID = generate_uid()
    fm.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = fm
    ds.SOPClassUID = fm.MediaStorageSOPClassUID
    ds.SOPInstanceUID = fm.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "OT"
    ds.Rows, ds.Columns = h, w
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    blk = ds.private_block(0x0009, "MEDCRYPT 1", create=True)
    blk.add_new(0x01, "OB", meta.encode())
    blk.add_new(0x02, "OB", struct.pack("<Q", len(aux)) + aux)
    ds.PixelData = a.astype("<u2").tobytes()
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(path, write_like_original=False)


def nii_ext(ecode, content):
    esize = (len(content) + 8 + 15) // 16 * 16
    return struct.pack("<ii", esize, ecode) + content + b"\0" * (esize - 8 - len(content))


def write_nii(path, a, meta, aux):
    h, w = a.shape
    exts = nii_ext(6, meta.encode()) + nii_ext(0, NII_MAGIC + struct.pack("<Q", len(aux)) + aux)
    hdr = bytearray(348)
    struct.pack_into("<i", hdr, 0, 348)
    struct.pack_into("<8h", hdr, 40, 2, w, h, 1, 1, 1, 1, 1)
    struct.pack_into("<hh", hdr, 70, 512, 16)  # DT_UINT16
    struct.pack_into("<8f", hdr, 76, 1, 1, 1, 1, 1, 1, 1, 1)
    struct.pack_into("<f", hdr, 108, 352 + len(exts))
    struct.pack_into("<f", hdr, 112, 1.0)  # scl_slope
    hdr[123] = 2  # xyzt_units: mm
    hdr[344:348] = b"n+1\0"
    open(path, "wb").write(bytes(hdr) + b"\1\0\0\0" + exts + a.astype("<u2").tobytes())


# ------------------------------------------------------------- decoders


def png_aux(path):
    """(aux or None, pixels via PIL); every CRC checked, mcAX after IDAT."""
    d = open(path, "rb").read()
    i, seen_idat, aux = 8, False, None
    while i < len(d):
        n, t = struct.unpack(">I4s", d[i:i + 8])
        body = d[i + 8:i + 8 + n]
        assert zlib.crc32(t + body) & 0xFFFFFFFF == struct.unpack(">I", d[i + 8 + n:i + 12 + n])[0], t
        if t == b"IDAT":
            seen_idat = True
        if t == b"mcAX":
            assert aux is None and seen_idat, "second mcAX, or mcAX before IDAT"
            aux = body
        i += 12 + n
    assert t == b"IEND"
    with Image.open(path) as im:
        im.load()
        px = np.array(im)
    return aux, px


def pgm_aux(path):
    d = open(path, "rb").read()
    size, data = None, b""
    for line in d.split(b"\n"):
        if line.startswith(b"# medcrypt-aux-size "):
            size = int(line.split()[2])
        elif line.startswith(b"# medcrypt-aux "):
            assert size is not None
            enc = line[len(b"# medcrypt-aux "):]
            assert 4 <= len(enc) <= 76 and len(enc) % 4 == 0
            data += base64.b64decode(enc, validate=True)
        elif line[:1] != b"#" and line[:1] != b"P":
            break
    with Image.open(path) as im:
        im.load()
        px = np.array(im)
    if size is None:
        return None, px
    assert len(data) == size
    return data, px


def dcm_aux(path):
    ds = pydicom.dcmread(path)
    px = ds.pixel_array
    try:
        blk = ds.private_block(0x0009, "MEDCRYPT 1")
    except KeyError:
        return None, px
    if 0x02 not in blk:
        return None, px
    v = blk[0x02].value
    n = struct.unpack("<Q", v[:8])[0]
    assert len(v) in (8 + n, 9 + n) and (len(v) == 8 + n or v[-1] == 0)
    r = subprocess.run(["dcmdump", "-q", path], capture_output=True) if shutil.which("dcmdump") else None
    assert r is None or r.returncode == 0, "dcmdump failed"
    return v[8:8 + n], px


def nii_aux(path):
    d = open(path, "rb").read()
    if d[:2] == b"\x1f\x8b":
        d = gzip.decompress(d)
    assert struct.unpack("<i", d[:4])[0] == 348 and d[344:348] == b"n+1\0"
    dim = struct.unpack("<8h", d[40:56])
    vo = int(struct.unpack("<f", d[108:112])[0])
    i, aux = 352, None
    while d[348] and i + 8 <= vo:
        esize, ecode = struct.unpack("<ii", d[i:i + 8])
        assert esize % 16 == 0 and esize >= 16
        body = d[i + 8:i + esize]
        if ecode == 0 and body[:16] == NII_MAGIC:
            assert aux is None
            n = struct.unpack("<Q", body[16:24])[0]
            aux = body[24:24 + n]
            assert len(aux) == n and not body[24 + n:].strip(b"\0")
        i += esize
    px = np.frombuffer(d[vo:], dtype="<u2", count=dim[1] * dim[2]).reshape(dim[2], dim[1])
    return aux, px


DECODE = {"png": png_aux, "pgm": pgm_aux, "dcm": dcm_aux, "nii": nii_aux, "nii.gz": nii_aux}


def run(*args):
    return subprocess.run([MEDCRYPT] + list(args), capture_output=True, text=True)


def main():
    tmp = tempfile.mkdtemp(prefix="mc-aux-")
    rng = random.Random(1234)
    try:
        arr = np.array([[rng.randrange(65536) for _ in range(20)] for _ in range(12)], dtype=np.uint16)
        for size in (1, 57, 300 * 1024 + 5):
            aux = bytes(rng.randrange(256) for _ in range(size))
            inputs = {}
            p = os.path.join(tmp, "in%d.png" % size)
            write_png(p, arr, META, aux)
            inputs["png"] = p
            p = os.path.join(tmp, "in%d.pgm" % size)
            write_pgm(p, arr, META, pgm_aux_lines(aux))
            inputs["pgm"] = p
            p = os.path.join(tmp, "in%d.dcm" % size)
            write_dcm(p, arr, META, aux)
            inputs["dcm"] = p
            p = os.path.join(tmp, "in%d.nii" % size)
            write_nii(p, arr, META, aux)
            inputs["nii"] = p
            for src, path in inputs.items():
                name = "%s/%d" % (src, size)
                r = run("info", "--json", path)
                if r.returncode != 0:
                    check(name + " info", False, r.stderr.strip())
                    continue
                info = json.loads(r.stdout)
                check(name + " info aux_bytes", info.get("aux_bytes") == size, str(info.get("aux_bytes")))
                check(name + " info metadata", info.get("metadata", {}).get("mac") == "cd" * 16)
                r = run("info", path)
                check(name + " info text", ("aux:       %d bytes" % size) in r.stdout, r.stdout[-200:])
                for dst in DECODE:
                    out = os.path.join(tmp, "out%d_%s.%s" % (size, src, dst))
                    r = run("convert", path, "-o", out, "-f")
                    if r.returncode != 0:
                        check("%s -> %s" % (name, dst), False, r.stderr.strip())
                        continue
                    try:
                        got, px = DECODE[dst](out)
                        check("%s -> %s aux" % (name, dst), got == aux,
                              "got %s bytes" % (None if got is None else len(got)))
                        check("%s -> %s pixels" % (name, dst), np.array_equal(px.astype(np.int64), arr.astype(np.int64)))
                    except Exception as e:  # a decoder failure is a test failure
                        check("%s -> %s" % (name, dst), False, "%s: %s" % (type(e).__name__, e))
            # a fake MAC: decryption fails authentication (exit 3)
            key = os.path.join(tmp, "k%d.key" % size)
            run("keygen", "-o", key)
            r = run("decrypt", "-k", key, inputs["png"], "-o", os.path.join(tmp, "dec%d.png" % size))
            check("decrypt fake mac exit 3", r.returncode == 3, "%d %s" % (r.returncode, r.stderr.strip()))

        # damaged encodings: exit 3 (tampered), 2 (corrupt or over the cap)
        aux = bytes(range(200))
        bad = []
        p = os.path.join(tmp, "b1.png")
        write_png(p, arr, None, aux)  # aux without metadata
        bad.append((p, 3))
        p = os.path.join(tmp, "b2.png")
        write_png(p, arr, META, aux)
        d = bytearray(open(p, "rb").read())
        d[d.find(b"mcAX") + 10] ^= 1  # CRC mismatch
        open(p, "wb").write(bytes(d))
        bad.append((p, 2))
        p = os.path.join(tmp, "b3.png")
        write_png(p, arr, META, bytes(2 * arr.nbytes + (1 << 20) + 1))  # over the cap
        bad.append((p, 2))
        lines = pgm_aux_lines(aux)
        p = os.path.join(tmp, "b4.pgm")
        write_pgm(p, arr, META, lines.replace(b"# medcrypt-aux A", b"# medcrypt-aux *", 1))
        bad.append((p, 3))
        p = os.path.join(tmp, "b5.pgm")
        write_pgm(p, arr, META, lines + lines)  # twice
        bad.append((p, 3))
        p = os.path.join(tmp, "b6.pgm")
        write_pgm(p, arr, None, lines)
        bad.append((p, 3))
        p = os.path.join(tmp, "b7.pgm")
        write_pgm(p, arr, META, b"# medcrypt-aux-size 300\n" + lines.split(b"\n", 1)[1])
        bad.append((p, 3))
        p = os.path.join(tmp, "b8.dcm")
        write_dcm(p, arr, META, aux)
        ds = pydicom.dcmread(p)
        blk = ds.private_block(0x0009, "MEDCRYPT 1")
        blk[0x02].value = struct.pack("<Q", 201) + aux  # length mismatch
        ds.save_as(p)
        bad.append((p, 3))
        p = os.path.join(tmp, "b9.nii")
        write_nii(p, arr, META, aux)
        d = bytearray(open(p, "rb").read())
        d[d.find(NII_MAGIC) + 16] ^= 0x40  # length mismatch
        open(p, "wb").write(bytes(d))
        bad.append((p, 3))
        for p, want in bad:
            r = run("info", p)
            ok = r.returncode == want and r.stderr.count("\n") == 1
            check("damaged %s: exit %d" % (os.path.basename(p), want), ok, "%d %s" % (r.returncode, r.stderr.strip()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
