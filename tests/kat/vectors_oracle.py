#!/usr/bin/python3
"""vectors_oracle.py - recompute the pinned vectors of tests/unit/test_kat_vectors.c
independently of libsodium (Python's hashlib BLAKE2b, Poly1305 from RFC 8439,
the documented byte layouts of docs/metadata.md) and compare them with the
constants pinned there.  The Argon2id vectors need an Argon2 implementation,
which Debian's python3 lacks: they are pinned by the C test only.

Exit 0 if every recomputed vector equals its pinned value, 1 otherwise."""
import hashlib
import os
import re
import struct
import sys

SRC = os.environ.get("MEDCRYPT_SRC") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
C_FILE = os.path.join(SRC, "tests", "unit", "test_kat_vectors.c")


def pinned():
    text = open(C_FILE, encoding="ascii").read()
    table = text.split("k_vectors[] = {", 1)[1].split("};", 1)[0]
    out = {}
    for name, value in re.findall(r'\{"((?:[^"\\]|\\.)*)", "((?:[^"\\]|\\.)*)"\}', table):
        out[name] = value.replace("\\n", "\n")
    return out


def subkey(master, purpose):
    return hashlib.blake2b(b"medcrypt/v1/subkey/" + purpose.encode(), key=master, digest_size=32).digest()


def poly1305(key, msg):
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s = int.from_bytes(key[16:32], "little")
    p = (1 << 130) - 5
    acc = 0
    for i in range(0, len(msg), 16):
        block = msg[i:i + 16] + b"\x01"
        acc = (acc + int.from_bytes(block, "little")) * r % p
    return ((acc + s) % (1 << 128)).to_bytes(16, "little")


def image_mac(master, w, h, d, ch, bits, signed, meta_no_mac, pixels, aux=b""):
    label = b"medcrypt-mac-v2"
    nonce = bytes.fromhex(dict(e.split("=", 1) for e in meta_no_mac.split(";"))["nonce"])
    otk = hashlib.blake2b(label + nonce, key=subkey(master, "mac"), digest_size=32).digest()
    hdr = struct.pack("<7I", w, h, d, ch, bits, signed, len(meta_no_mac))
    msg = label + hdr + meta_no_mac.encode() + pixels
    if aux:
        msg += struct.pack("<Q", len(aux)) + aux
    return poly1305(otk, msg)


def tiny_pixels(w, h, d, ch, bits):
    n = w * h * d * ch
    if bits == 8:
        return bytes((i * 17 + 3) & 0xFF for i in range(n))
    return b"".join(struct.pack("<H", (0x8001 + i * 0x0102) & 0xFFFF) for i in range(n))


def tiny_meta(scheme):
    nonce = bytes(range(0x40, 0x40 + 24)).hex()
    return f"medcrypt=1;scheme={scheme};profile=hardened;p.transient=1000;nonce={nonce}"


def main():
    pin = pinned()
    got = {}
    m = bytes(range(32))
    for purpose in ["mac", "scheme/aead", "scheme/logistic", "scheme/tpe-h2mwd", "scheme/at-resnet-cm", "nn-model", ""]:
        got[f"subkey 00..1f '{purpose}'"] = subkey(m, purpose).hex()
    got["subkey ff..ff 'mac'"] = subkey(b"\xff" * 32, "mac").hex()
    got["mac gray8 5x3"] = image_mac(m, 5, 3, 1, 1, 8, 0, tiny_meta("logistic"), tiny_pixels(5, 3, 1, 1, 8)).hex()
    got["mac rgb8 3x2"] = image_mac(m, 3, 2, 1, 3, 8, 0, tiny_meta("zigzag"), tiny_pixels(3, 2, 1, 3, 8)).hex()
    px16 = tiny_pixels(3, 2, 2, 1, 16)
    got["mac s16 3x2x2"] = image_mac(m, 3, 2, 2, 1, 16, 1, tiny_meta("latin"), px16).hex()
    got["mac s16 3x2x2 + aux"] = image_mac(m, 3, 2, 2, 1, 16, 1, tiny_meta("latin"), px16, b"aux blob bytes").hex()
    got["key file raw 00..1f"] = "medcrypt-key-v1 raw " + m.hex() + "\n"
    nonce = bytes(range(0xE0, 0xE0 + 24)).hex()
    tag = bytes(range(0x10, 0x20)).hex()
    body = ("medcrypt=1;scheme=tpe-h2mwd;profile=hardened;p.block=16;p.note=a value, with spaces & (symbols) ~!;"
            f"p.empty=;bits_stored=12;mem=67108864;nonce={nonce}")
    got["meta serialize without mac"] = body
    got["meta serialize"] = got["meta as the writers store it"] = body + ";mac=" + tag

    bad = 0
    for name, value in got.items():
        if name not in pin:
            print(f"FAIL: {name}: not pinned in {C_FILE}")
            bad += 1
        elif pin[name] != value:
            print(f"FAIL: {name}:\n  independent {value!r}\n  pinned      {pin[name]!r}")
            bad += 1
    left = sorted(set(pin) - set(got))
    print(f"{len(got) - bad} of {len(got)} vectors recomputed independently; C test only: {', '.join(left)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
