"""keys.py - Key: a medcrypt key in the library's guarded memory.

The key bytes never enter Python objects: a Key holds only the library's
mc_key pointer (sodium_malloc'ed, mlock'ed, excluded from core dumps) and
close() (or the end of a `with` block, or garbage collection) wipes and
frees it.  A Key cannot be pickled, so it never travels in a Dask task graph:
workers load keys from paths (medcrypt.dask).

Passphrases given as str or bytes are immutable Python objects that Python
cannot wipe; pass a bytearray to have it wiped by from_passphrase(), or
keep passphrases in files (Key.load with passphrase_file).
"""
import os

from ._ffi import ffi, lib
from .errors import UsageError, check


def _secret_buf(secret):
    """A C copy of a passphrase; wiped by the caller with _wipe."""
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not isinstance(secret, (bytes, bytearray, memoryview)):
        raise UsageError("a passphrase is str or bytes-like, not %s" % type(secret).__name__)
    n = len(secret)
    buf = ffi.new("char[]", max(n, 1))
    ffi.memmove(buf, secret, n)
    return buf, n


def _wipe(buf, n):
    ffi.memmove(buf, bytes(max(n, 1)), max(n, 1))


def _wipe_caller(secret):
    if isinstance(secret, bytearray):
        secret[:] = bytes(len(secret))


def read_passphrase_file(path):
    """The first line of a file (without its newline), as the CLI reads
    --passphrase-file, into a bytearray the caller can wipe."""
    with open(path, "rb") as f:
        data = bytearray(f.read(4096))
    line = bytearray(data.split(b"\n", 1)[0].rstrip(b"\r"))
    data[:] = bytes(len(data))
    return line


class Key:
    """A 256-bit key or a passphrase (Argon2id per image)."""

    def __init__(self, ptr):
        self._p = ffi.gc(ptr, lib.mc_key_free)
        self.insecure_mode = False  # Key.load: the file was readable by others

    @property
    def _ptr(self):
        if self._p is None:
            raise ValueError("key is closed")
        return self._p

    @classmethod
    def generate(cls):
        """A fresh random 256-bit key."""
        out = ffi.new("mc_key **")
        err = ffi.new("mc_err *")
        check(lib.mc_key_generate(out, err), err)
        return cls(out[0])

    @classmethod
    def from_passphrase(cls, passphrase, ops=None, mem=None):
        """A passphrase key: each encrypted image gets its own Argon2id
        derivation (fresh salt, stored in the image).  ops/mem: the Argon2id
        cost for new images (defaults 3 and 64 MiB)."""
        buf, n = _secret_buf(passphrase)
        out = ffi.new("mc_key **")
        err = ffi.new("mc_err *")
        try:
            check(lib.mc_key_from_passphrase(out, buf, n, err), err)
        finally:
            _wipe(buf, n)
            _wipe_caller(passphrase)
        k = cls(out[0])
        if ops is not None or mem is not None:
            lib.mc_key_set_pwhash_cost(k._ptr, int(ops or 3), int(mem or (64 << 20)))
        return k

    @classmethod
    def load(cls, path, passphrase=None, passphrase_file=None):
        """Read a key file (`medcrypt keygen`).  A passphrase-protected one
        needs passphrase (str, bytes-like, or a callable returning one) or
        passphrase_file (its first line)."""
        if passphrase is None and passphrase_file is not None:
            passphrase = read_passphrase_file(passphrase_file)
        asked = []

        @ffi.callback("int(void *, char *, size_t)")
        def cb(ud, buf, cap):
            try:
                pw = passphrase() if callable(passphrase) else passphrase
                if pw is None:
                    return lib.MC_ERR_ARG
                if isinstance(pw, str):
                    pw = pw.encode("utf-8")
                if len(pw) > cap:
                    return lib.MC_ERR_ARG
                ffi.memmove(buf, pw, len(pw))
                asked.append(pw)
                return len(pw)
            except Exception:
                return lib.MC_ERR_INTERNAL

        out = ffi.new("mc_key **")
        insecure = ffi.new("int *")
        err = ffi.new("mc_err *")
        try:
            check(lib.mc_keyfile_read(os.fsencode(path), cb, ffi.NULL, out, insecure, err), err)
        finally:
            for pw in asked:
                _wipe_caller(pw)
            _wipe_caller(passphrase)
        k = cls(out[0])
        k.insecure_mode = bool(insecure[0])
        return k

    def save(self, path, passphrase=None):
        """Write a key file (created exclusively, mode 0600; an existing file
        is never replaced).  With passphrase, the key is stored wrapped."""
        err = ffi.new("mc_err *")
        if passphrase is None:
            check(lib.mc_keyfile_write(self._ptr, os.fsencode(path), ffi.NULL, 0, err), err)
            return
        buf, n = _secret_buf(passphrase)
        try:
            check(lib.mc_keyfile_write(self._ptr, os.fsencode(path), buf, n, err), err)
        finally:
            _wipe(buf, n)
            _wipe_caller(passphrase)

    @property
    def is_passphrase(self):
        return bool(lib.mc_key_is_passphrase(self._ptr))

    def close(self):
        """Wipe and free the key now."""
        p, self._p = self._p, None
        if p is not None:
            ffi.release(p)

    @property
    def closed(self):
        return self._p is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __reduce__(self):
        raise TypeError("medcrypt.Key is never pickled: give workers the key file's path")

    def __repr__(self):
        if self._p is None:
            return "<medcrypt.Key closed>"
        return "<medcrypt.Key %s>" % ("passphrase" if self.is_passphrase else "256-bit")
