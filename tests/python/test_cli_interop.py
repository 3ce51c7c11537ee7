#!/usr/bin/python3
"""test_cli_interop.py - files made by the binding decrypt with the CLI and
the reverse, for several schemes, formats and kinds of keys.

Python encrypts -> `medcrypt decrypt` -> `medcrypt compare` with the
original: identical; `medcrypt encrypt` -> Python decrypts -> the original
pixels.  Also: a key file from `medcrypt keygen` (raw and wrapped) loads in
Python and a key file saved by Python works with the CLI; passphrase keys
both ways (MEDCRYPT_PASSPHRASE); a wrong key is exit 3 in the CLI and
AuthenticationError in Python; a paper-profile file needs --profile paper /
profile="paper" in both.
"""
import os
import subprocess
import sys

from pyutil import CLI, SAMPLES, Tally, skip, tmpdir

try:
    import numpy as np

    import medcrypt
except ImportError as e:
    skip("medcrypt binding or numpy not importable (%s)" % e)

T = Tally("test_cli_interop")
D = tmpdir()
CASES = ["dicom/CT_small.dcm", "dicom/MR_small_RLE.dcm", "dicom/SC_rgb_rle_16bit_2frame.dcm", "itk/BrainT1Slice.png",
         "itk/BrainProtonDensitySlice.png"]
SCHEMES = [("aead", "hardened"), ("logistic", "hardened"), ("latin", "hardened"), ("zigzag", "hardened"),
           ("tpe-h2mwd", "hardened"), ("tpe-pair", "hardened"), ("logistic", "paper")]
PW = "interop passphrase"


def cli(*args, env=None):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([CLI] + list(args), capture_output=True, text=True, env=e)


def ext(path):
    return ".nii.gz" if path.endswith(".nii.gz") else os.path.splitext(path)[1]


def py_to_cli(src, scheme, profile, key, keyargs, env=None):
    what = "python %s/%s -> CLI: %s" % (scheme, profile, os.path.basename(src))
    enc, dec = os.path.join(D, "p2c" + ext(src)), os.path.join(D, "p2c.dec" + ext(src))
    for p in (enc, dec):
        if os.path.exists(p):
            os.unlink(p)
    with medcrypt.read(src) as img:
        medcrypt.encrypt(img, scheme, key, profile=profile)
        img.write(enc)
    prof = ["--profile", "paper"] if profile == "paper" else []
    r = cli("decrypt", *keyargs, *prof, enc, "-o", dec, env=env)
    if T.check(r.returncode == 0, "%s: decrypt exit %d: %s" % (what, r.returncode, r.stderr.strip())):
        r = cli("compare", src, dec)
        T.check(r.returncode == 0, "%s: not identical: %s" % (what, r.stdout.strip() + r.stderr.strip()))
    if profile == "paper":
        r = cli("decrypt", *keyargs, enc, "-o", dec + ".x" + ext(src), env=env)
        T.check(r.returncode == 3, "%s: CLI decrypted a paper file without --profile paper (exit %d)"
                % (what, r.returncode))


def cli_to_py(src, scheme, profile, key, keyargs, env=None):
    what = "CLI %s/%s -> python: %s" % (scheme, profile, os.path.basename(src))
    enc = os.path.join(D, "c2p" + ext(src))
    if os.path.exists(enc):
        os.unlink(enc)
    r = cli("encrypt", "-s", scheme, "--profile", profile, *keyargs, src, "-o", enc, env=env)
    if not T.check(r.returncode == 0, "%s: encrypt exit %d: %s" % (what, r.returncode, r.stderr.strip())):
        return
    with medcrypt.read(src) as orig, medcrypt.read(enc) as img:
        if profile == "paper":
            T.raises(medcrypt.AuthenticationError, 3, what + ": paper file without profile", medcrypt.decrypt, img,
                     key)
        medcrypt.decrypt(img, key, profile="paper" if profile == "paper" else None)
        T.check(img.pixels.dtype == orig.pixels.dtype and np.array_equal(img.pixels, orig.pixels),
                what + ": not the original pixels")


def main():
    if not os.access(CLI, os.X_OK):
        skip("$MEDCRYPT (the CLI) is not executable: %s" % CLI)
    srcs = [os.path.join(SAMPLES, c) for c in CASES]
    if not all(os.path.exists(s) for s in srcs):
        skip("samples missing in %s (scripts/fetch-samples.sh)" % SAMPLES)
    kf = os.path.join(D, "cli.key")
    r = cli("keygen", "-o", kf)
    T.check(r.returncode == 0, "keygen: %s" % r.stderr)
    with medcrypt.Key.load(kf) as key:
        for src in srcs:
            for scheme, profile in SCHEMES:
                py_to_cli(src, scheme, profile, key, ["-k", kf])
                cli_to_py(src, scheme, profile, key, ["-k", kf])
        # wrong keys, both ways
        other = os.path.join(D, "other.key")
        cli("keygen", "-o", other)
        enc = os.path.join(D, "w.dcm")
        medcrypt.encrypt(medcrypt.read(srcs[0]), "aead", key).write(enc)
        r = cli("decrypt", "-k", other, enc, "-o", os.path.join(D, "never.dcm"))
        T.check(r.returncode == 3 and not os.path.exists(os.path.join(D, "never.dcm")),
                "CLI, wrong key on a Python file: exit %d" % r.returncode)
        enc2 = os.path.join(D, "w2.dcm")
        cli("encrypt", "-s", "aead", "-k", other, srcs[0], "-o", enc2)
        T.raises(medcrypt.AuthenticationError, 3, "Python, wrong key on a CLI file", medcrypt.decrypt,
                 medcrypt.read(enc2), key)
    # a key file saved by Python, raw and wrapped, used by the CLI
    pk = os.path.join(D, "py.key")
    wk = os.path.join(D, "pyw.key")
    pf = os.path.join(D, "pass.txt")
    with open(pf, "w") as f:
        f.write(PW + "\n")
    with medcrypt.Key.generate() as k:
        k.save(pk)
        k.save(wk, passphrase=PW)
        py_to_cli(srcs[0], "aead", "hardened", k, ["-k", pk])
        py_to_cli(srcs[3], "logistic", "hardened", k, ["-k", wk, "--passphrase-file", pf])
    # a wrapped key file made by the CLI, loaded by Python
    cw = os.path.join(D, "cliw.key")
    r = cli("keygen", "-o", cw, "--passphrase", env={"MEDCRYPT_PASSPHRASE": PW})
    if T.check(r.returncode == 0, "keygen --passphrase: %s" % r.stderr.strip()):
        with medcrypt.Key.load(cw, passphrase=PW) as k:
            cli_to_py(srcs[1], "aead", "hardened", k, ["-k", cw], env={"MEDCRYPT_PASSPHRASE": PW})
    # passphrase keys (Argon2id per image), both ways
    env = {"MEDCRYPT_PASSPHRASE": PW}
    with medcrypt.Key.from_passphrase(PW) as k:
        py_to_cli(srcs[1], "aead", "hardened", k, ["--passphrase"], env=env)
        cli_to_py(srcs[1], "latin", "hardened", k, ["--passphrase"], env=env)
    T.done()


if __name__ == "__main__":
    sys.exit(main())
