#!/usr/bin/python3
"""test_binding.py - the Python binding (python/medcrypt) over libmedcrypt.

Every sample is read from its path and from its bytes (the same pixels), and
every sample the library reads goes through aead and back bit-exactly, via
bytes and via a file of its format; the small ones through every scheme and
profile.  A wrong key, a tampered pixel, a paper-profile file without
profile="paper" raise AuthenticationError (exit 3) and leave the image as it
was; the other failures raise the exception of their CLI exit status.  Keys:
files (raw and wrapped), passphrases, closing, pickling refused.  Images:
views wiped by close(), from_array, atomic write().  analyze() gives what
`medcrypt analyze --json` gives.
"""
import json
import os
import pickle
import subprocess
import sys

from pyutil import CLI, SANITIZE, Tally, samples, skip, tmpdir

try:
    import numpy as np

    import medcrypt
except ImportError as e:
    skip("medcrypt binding or numpy not importable (%s)" % e)

T = Tally("test_binding")
D = tmpdir()
EXT = {"dicom": ".dcm", "png": ".png", "pnm": ".pgm", "nifti": ".nii.gz"}
SCHEMES = medcrypt.schemes()
NEURAL = tuple(s for s, d in SCHEMES.items() if d["paper_lossy"])  # the neural schemes


def roundtrip(name, path, scheme, profile, key, via_file):
    """Encrypt a fresh read of path, store it (bytes or file), read it back,
    decrypt: the pixels must equal the original's."""
    with medcrypt.read(path) as img:
        orig = img.pixels.copy()
        medcrypt.encrypt(img, scheme, key, profile=profile)
        what = "%s %s/%s%s" % (name, scheme, profile, " (file)" if via_file else "")
        T.check(img.encrypted and img.scheme == scheme and img.profile == profile, what + ": metadata")
        if orig.size >= 64 and scheme != "tpe-h2mwd":  # TPE keeps tiny/flat blocks
            T.check(not np.array_equal(img.pixels, orig), what + ": pixels unchanged by encryption")
        if via_file:
            out = os.path.join(D, "rt" + EXT[img.format])
            img.write(out, force=True)
            back = medcrypt.read(out)
        else:
            back = medcrypt.read(img.to_bytes(), name="x" + EXT[img.format])
    with back:
        medcrypt.decrypt(back, key, profile="paper" if profile == "paper" else None)
        ok = back.pixels.dtype == orig.dtype and back.pixels.shape == orig.shape and np.array_equal(back.pixels, orig)
        lossy = profile == "paper" and SCHEMES[scheme]["paper_lossy"]
        T.check(ok or lossy, what + ": not bit-exact after the round trip")
        T.check(not back.encrypted and back.metadata == {}, what + ": metadata left after decrypt")


def test_samples(key):
    small = []
    for path in samples():
        name = os.path.basename(path)
        try:
            img = medcrypt.read(path)
        except medcrypt.InputError as e:
            T.check(e.exit_code == 2 and e.status in (-2, -3, -4), "%s: InputError status %d" % (name, e.status))
            r = subprocess.run([CLI, "info", path], capture_output=True)
            T.check(r.returncode == 2, "%s: the binding refuses it, `medcrypt info` exits %d" % (name, r.returncode))
            continue
        with img:
            with open(path, "rb") as f:
                with medcrypt.read(f.read(), name=name) as mem:
                    T.check(np.array_equal(mem.pixels, img.pixels) and mem.pixels.dtype == img.pixels.dtype,
                            name + ": read from bytes differs from read from the path")
            T.check(img.pixels.shape == img.shape and img.pixels.nbytes == img.nbytes, name + ": shape/nbytes")
            T.check(img.voxels.shape[0] == img.width and np.shares_memory(img.voxels, img.pixels), name + ": voxels")
            nbytes = img.nbytes
        roundtrip(name, path, "aead", "hardened", key, via_file=False)
        roundtrip(name, path, "aead", "hardened", key, via_file=True)
        if nbytes <= (64 << 10):
            small.append((name, path, nbytes))
    T.check(len(small) >= 5, "fewer than 5 small samples")
    for name, path, nbytes in small:
        for s, d in SCHEMES.items():
            if s == "aead" or (s in NEURAL and (nbytes > (16 << 10) or SANITIZE)):
                continue  # the neural schemes: on the smallest images (cost), not under ASan
            with medcrypt.read(path) as img:
                if img.bits not in d["bits"]:
                    continue
            for prof in d["profiles"]:
                roundtrip(name, path, s, prof, key, via_file=False)


def test_auth(key):
    src = os.path.join(samples()[0].rsplit(os.sep, 2)[0], "dicom", "CT_small.dcm")
    img = medcrypt.read(src)
    orig = img.pixels.copy()
    medcrypt.encrypt(img, "aead", key)
    cipher = img.to_bytes()
    with medcrypt.Key.generate() as other:
        c = medcrypt.read(cipher)
        before = c.pixels.copy()
        T.raises(medcrypt.AuthenticationError, 3, "wrong key", medcrypt.decrypt, c, other)
        T.check(np.array_equal(c.pixels, before) and c.encrypted, "wrong key: image changed")
    c = medcrypt.read(cipher)
    c.pixels[5, 7] ^= 1
    T.raises(medcrypt.AuthenticationError, 3, "tampered pixel", medcrypt.decrypt, c, key)
    c = medcrypt.read(cipher)
    T.raises(medcrypt.AuthenticationError, 3, "hardened file, profile='paper'", medcrypt.decrypt, c, key,
             profile="paper")
    # paper profile: no MAC, refused unless asked for
    p = medcrypt.read(src)
    medcrypt.encrypt(p, "logistic", key, profile="paper")
    pb = p.to_bytes()
    T.raises(medcrypt.AuthenticationError, 3, "paper file without profile='paper'", medcrypt.decrypt,
             medcrypt.read(pb), key)
    q = medcrypt.decrypt(medcrypt.read(pb), key, profile="paper")
    T.check(np.array_equal(q.pixels, orig), "paper file with profile='paper': not the plaintext")
    # statuses of the other failures
    T.raises(medcrypt.MedcryptIOError, 4, "missing file", medcrypt.read, os.path.join(D, "nope.dcm"))
    with open(src, "rb") as f:
        data = f.read()
    T.raises(medcrypt.InputError, 2, "truncated DICOM", medcrypt.read, data[:1000])
    T.raises(medcrypt.InputError, 2, "empty bytes", medcrypt.read, b"")
    T.raises(medcrypt.UsageError, 1, "unknown scheme", medcrypt.encrypt, medcrypt.read(src), "rot13", key)
    T.raises(medcrypt.UsageError, 1, "unknown parameter", medcrypt.encrypt, medcrypt.read(src), "latin", key,
             colour="red")
    r = subprocess.run([CLI, "encrypt", "-s", "latin", "--param", "rounds=0", "-k", os.path.join(D, "raw.key"), src,
                        "-o", os.path.join(D, "never.dcm")], capture_output=True)
    T.raises(medcrypt.MedcryptError, r.returncode, "bad parameter value (the CLI's status)", medcrypt.encrypt,
             medcrypt.read(src), "latin", key, rounds=0)
    T.raises(medcrypt.UsageError, 1, "unknown profile", medcrypt.encrypt, medcrypt.read(src), "aead", key,
             profile="strong")
    T.raises(medcrypt.InputError, 2, "encrypting an encrypted image", medcrypt.encrypt, medcrypt.read(cipher),
             "aead", key)
    T.raises(medcrypt.InputError, 2, "decrypting a plain image", medcrypt.decrypt, medcrypt.read(src), key)
    # parameters as keywords, dashes as underscores
    t = medcrypt.encrypt(medcrypt.read(src), "tpe-h2mwd", key, block=16, rounds=3)
    T.check(t.metadata.get("p.block") == "16" and t.metadata.get("p.rounds") == "3", "tpe-h2mwd parameters")
    z = medcrypt.encrypt(medcrypt.read(src), "zigzag", key, params={"key-image": "derived"}, pattern="v")
    T.check(z.metadata.get("p.pattern") == "v" and z.metadata.get("p.key-image") == "derived",
            "zigzag parameters: %s" % z.metadata)


def test_keys():
    kf = os.path.join(D, "raw.key")
    with medcrypt.Key.generate() as k:
        k.save(kf)
        T.check(os.stat(kf).st_mode & 0o777 == 0o600, "key file mode")
        try:
            k.save(kf)
            T.check(False, "an existing key file was replaced")
        except medcrypt.MedcryptError:
            T.check(True, "")
        img = medcrypt.encrypt(medcrypt.phantom(64), "aead", k)
        try:
            pickle.dumps(k)
            T.check(False, "a Key was pickled")
        except TypeError:
            T.check(True, "")
    T.check(k.closed and repr(k) == "<medcrypt.Key closed>", "with-block did not close the key")
    try:
        medcrypt.decrypt(img, k)
        T.check(False, "a closed key was used")
    except ValueError:
        T.check(True, "")
    with medcrypt.Key.load(kf) as k2:
        T.check(not k2.insecure_mode and not k2.is_passphrase, "loaded key flags")
        medcrypt.decrypt(img, k2)
        T.check(np.array_equal(img.pixels, medcrypt.phantom(64).pixels), "key file round trip")
    # a wrapped key file: the passphrase from an argument or a file
    wf, pf = os.path.join(D, "wrapped.key"), os.path.join(D, "pass.txt")
    with open(pf, "w") as f:
        f.write("correct horse\nsecond line ignored\n")
    with medcrypt.Key.load(kf) as k3:
        k3.save(wf, passphrase=bytearray(b"correct horse"))
    T.raises(medcrypt.UsageError, 1, "wrapped key file without a passphrase", medcrypt.Key.load, wf)
    T.raises(medcrypt.AuthenticationError, 3, "wrapped key file, wrong passphrase", medcrypt.Key.load, wf,
             passphrase="wrong horse")
    secret = bytearray(b"correct horse")
    with medcrypt.Key.load(wf, passphrase=secret) as k4, medcrypt.Key.load(wf, passphrase_file=pf) as k5:
        T.check(secret == bytearray(len(secret)), "the caller's bytearray passphrase was not wiped")
        for kk in (k4, k5):
            c = medcrypt.encrypt(medcrypt.phantom(32), "aead", kk)
            with medcrypt.Key.load(kf) as raw:
                medcrypt.decrypt(c, raw)
    # passphrase keys: Argon2id per image (a low cost keeps the test fast)
    with medcrypt.Key.from_passphrase("tr0ub4dor", ops=1, mem=8 << 20) as pk:
        T.check(pk.is_passphrase, "passphrase key flag")
        c = medcrypt.encrypt(medcrypt.phantom(32, bits=8), "logistic", pk)
        T.check("salt" in " ".join(c.metadata), "no salt in a passphrase image's metadata: %s" % list(c.metadata))
    with medcrypt.Key.from_passphrase("tr0ub4dor") as same, medcrypt.Key.from_passphrase("tr0ub4dur") as other:
        b = c.to_bytes()
        T.raises(medcrypt.AuthenticationError, 3, "wrong passphrase", medcrypt.decrypt, medcrypt.read(b), other)
        d = medcrypt.decrypt(medcrypt.read(b), same)
        T.check(np.array_equal(d.pixels, medcrypt.phantom(32, bits=8).pixels), "passphrase round trip")


def test_images(key):
    img = medcrypt.phantom(64, slices=3)
    T.check(img.pixels.shape == (3, 64, 64) and img.pixels.dtype == np.int16, "phantom shape/dtype")
    T.check(img.voxels.shape == (64, 64, 3) and img.voxels[5, 9, 2] == img.pixels[2, 9, 5], "voxels = x, y, z")
    view = img.pixels
    T.check(view.any(), "phantom is all zeros")
    img.close()
    T.check(not view.any(), "close() did not wipe the pixels a view sees")
    try:
        img.pixels
        T.check(False, "pixels of a closed image")
    except ValueError:
        T.check(True, "")
    try:
        pickle.dumps(medcrypt.phantom(16))
        T.check(False, "an Image was pickled")
    except TypeError:
        T.check(True, "")
    rng = np.random.default_rng(1)
    cases = [(rng.integers(-1024, 3000, (40, 30)).astype(np.int16), "dicom", ".dcm"),
             (rng.integers(0, 255, (4, 20, 24)).astype(np.uint8), "nifti", ".nii.gz"),
             (rng.integers(0, 255, (20, 24, 3)).astype(np.uint8), "png", ".png"),
             (rng.integers(0, 65535, (20, 24)).astype(np.uint16), "pnm", ".pgm")]
    for arr, fmt, ext in cases:
        a = medcrypt.Image.from_array(arr, fmt=fmt)
        T.check(a.pixels.shape == arr.shape and a.pixels.dtype == arr.dtype, "from_array %s %s" % (fmt, arr.shape))
        medcrypt.encrypt(a, "aead", key)
        out = os.path.join(D, "arr" + ext)
        a.write(out, force=True)
        b = medcrypt.decrypt(medcrypt.read(out), key)
        T.check(b.format == fmt and np.array_equal(b.pixels, arr) and b.pixels.dtype == arr.dtype,
                "from_array -> %s file -> decrypt: not the array" % fmt)
    T.raises(medcrypt.UsageError, 1, "from_array float", medcrypt.Image.from_array, np.zeros((4, 4)))
    # write(): never over an existing file without force, never over its source; decrypted: 0600
    p = os.path.join(D, "w.dcm")
    c = medcrypt.encrypt(medcrypt.phantom(32), "aead", key)
    c.write(p)
    T.raises(medcrypt.UsageError, 1, "write over an existing file", c.write, p)
    r = medcrypt.read(p)
    T.raises(medcrypt.UsageError, 1, "write over the file read", r.write, p, force=True)
    medcrypt.decrypt(r, key)
    q = os.path.join(D, "plain.dcm")
    old = os.umask(0o022)
    try:
        r.write(q)
    finally:
        os.umask(old)
    T.check(os.stat(q).st_mode & 0o777 == 0o600, "decrypted image written with mode %o" % (os.stat(q).st_mode & 0o777))
    T.check(os.stat(p).st_mode & 0o777 == 0o644, "cipher image mode %o" % (os.stat(p).st_mode & 0o777))
    T.check(not [f for f in os.listdir(D) if ".mctmp-" in f], "temporary files left: %s" % os.listdir(D))
    T.raises(medcrypt.UsageError, 1, "write to an unknown extension", c.write, os.path.join(D, "x.jpg"))


def test_analyze(key):
    src = os.path.join(D, "ref.dcm")
    medcrypt.phantom(96).write(src)
    enc = os.path.join(D, "enc.dcm")
    medcrypt.encrypt(medcrypt.read(src), "logistic", key).write(enc)
    r = subprocess.run([CLI, "analyze", enc, src, "--json"], capture_output=True, text=True)
    if not T.check(r.returncode == 0, "medcrypt analyze exit %d: %s" % (r.returncode, r.stderr)):
        return
    want = json.loads(r.stdout)
    got = medcrypt.analyze(medcrypt.read(enc), medcrypt.read(src))
    for d in (want["image"], want["reference"]):
        d.pop("path")

    def same(a, b, where):
        if isinstance(a, dict):
            if not T.check(isinstance(b, dict) and set(a) == set(b), "%s: keys %s vs %s" % (
                    where, sorted(a), sorted(b) if isinstance(b, dict) else b)):
                return
            for k in a:
                same(a[k], b[k], where + "." + k)
        elif isinstance(a, list):
            T.check(isinstance(b, list) and len(a) == len(b), where + ": list")
            for i, (x, y) in enumerate(zip(a, b)):
                same(x, y, "%s[%d]" % (where, i))
        elif isinstance(a, float) or isinstance(b, float):
            T.check(b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(a)), "%s: %r vs %r" % (where, a, b))
        else:
            T.check(a == b, "%s: %r vs %r" % (where, a, b))

    same(want, got, "analyze")
    vol = medcrypt.analyze(medcrypt.phantom(48, slices=2))
    T.check(len(vol.get("slices", [])) == 2 and "channels" not in vol, "analyze of a volume: per-slice entries")


def main():
    if not os.access(CLI, os.X_OK):
        skip("$MEDCRYPT (the CLI) is not executable: %s" % CLI)
    test_keys()
    with medcrypt.Key.load(os.path.join(D, "raw.key")) as key:
        test_samples(key)
        test_auth(key)
        test_images(key)
        test_analyze(key)
    T.done()


if __name__ == "__main__":
    sys.exit(main())
