"""crypto.py - encrypt / decrypt an Image in place, and the scheme registry.

Both call the library (mc_encrypt, mc_decrypt); the rules are the CLI's:
decryption authenticates or fails, and a `paper`-profile file (which carries
no MAC) is decrypted only when the caller passes profile="paper".
"""
import os

from ._ffi import ffi, lib
from .errors import AuthenticationError, InputError, UsageError, check
from .image import Image
from .keys import Key


def schemes():
    """Every scheme: {name: {"title", "paper", "bits": [8, 16], "profiles":
    [...], "params": {name: {"default", "help"}}, "paper_lossy": bool}}."""
    out = {}
    for i in range(lib.mc_scheme_count()):
        s = lib.mc_scheme_at(i)
        params = {}
        for j in range(s.nparams):
            d = s.params[j]
            params[ffi.string(d.name).decode()] = {
                "default": ffi.string(d.default_value).decode() if d.default_value != ffi.NULL else None,
                "help": ffi.string(d.help).decode() if d.help != ffi.NULL else ""}
        profiles = [n for f, n in ((lib.MC_PROFILES_HARDENED, "hardened"), (lib.MC_PROFILES_PAPER, "paper"))
                    if s.profiles & f]
        out[ffi.string(s.name).decode()] = {
            "title": ffi.string(s.title).decode(), "paper": ffi.string(s.paper).decode(),
            "bits": [b for b, f in ((8, lib.MC_BITS_8), (16, lib.MC_BITS_16)) if s.bits & f], "profiles": profiles,
            "params": params, "paper_lossy": bool(s.flags & lib.MC_SCHEME_PAPER_LOSSY)}
    return out


def _profile(name):
    p = ffi.new("mc_profile *")
    if not isinstance(name, str) or lib.mc_profile_parse(name.encode(), p) != 0:
        raise UsageError("unknown profile %r (paper or hardened)" % (name,))
    return p[0]


def _param_strings(scheme, params, kw):
    """"k=v" strings; a keyword argument's underscores are the parameter's
    dashes when the scheme has such a parameter (key_image -> key-image)."""
    s = lib.mc_scheme_find(scheme.encode())
    names = set()
    if s != ffi.NULL:
        names = {ffi.string(s.params[j].name).decode() for j in range(s.nparams)}
    items = list((params or {}).items())
    for k, v in kw.items():
        dashed = k.replace("_", "-")
        items.append((dashed if k not in names and dashed in names else k, v))
    return ["%s=%s" % (k, v) for k, v in items]


def _opts(flags, key_image, model):
    """mc_opts and the objects it points into (kept alive by the caller)."""
    o = ffi.new("mc_opts *")
    o.flags = flags
    keep = [o]
    if key_image is not None:
        if not isinstance(key_image, Image):
            raise UsageError("key_image: a medcrypt.Image (medcrypt.read(path))")
        o.key_image = key_image._ptr
    if model is not None:
        if isinstance(model, (str, os.PathLike)):
            with open(model, "rb") as f:
                model = f.read()
        buf = ffi.from_buffer(model)
        keep.append(buf)
        o.model = ffi.cast("const uint8_t *", buf)
        o.model_len = len(buf)
    return o, keep


def _key(key):
    if not isinstance(key, Key):
        raise UsageError("key: a medcrypt.Key (Key.load, Key.generate, Key.from_passphrase)")
    return key._ptr


def encrypt(img, scheme, key, profile="hardened", key_image=None, model=None, params=None, **kw):
    """Encrypt img in place with scheme under key and return it.  Parameters
    as keywords (tpe-h2mwd: block=16, rounds=10) or params={"name": value};
    key_image (zigzag: an Image) and model (the neural schemes: a model
    file's bytes or path) come from the caller, the file records their hash.
    Raises UsageError (unknown scheme, profile, parameter), InputError
    (unsupported image, already encrypted)."""
    if not isinstance(img, Image):
        raise UsageError("encrypt: img is a medcrypt.Image (medcrypt.read)")
    strs = [s.encode() for s in _param_strings(scheme, params, kw)]
    cstrs = [ffi.new("char[]", s) for s in strs]
    arr = ffi.new("const char *[]", cstrs if cstrs else 1)
    o, keep = _opts(0, key_image, model)
    err = ffi.new("mc_err *")
    check(lib.mc_encrypt(img._ptr, scheme.encode(), _profile(profile), arr, len(cstrs), _key(key), o, err), err)
    img._private = False
    del keep
    return img


def decrypt(img, key, profile=None, key_image=None, model=None):
    """Decrypt img in place and return it; scheme and parameters come from
    its metadata.  Hardened files are authenticated before any pixel
    changes: a wrong key or any tampering raises AuthenticationError and img
    is unchanged.  A paper-profile file carries no MAC: it is refused
    (AuthenticationError) unless profile="paper"; with a profile given, a
    file of the other profile is refused too (as the CLI's --profile)."""
    if not isinstance(img, Image):
        raise UsageError("decrypt: img is a medcrypt.Image (medcrypt.read)")
    p = img._ptr
    if not p.has_meta:
        raise InputError("%s: no medcrypt metadata: not encrypted by medcrypt" % _name(img), -2, 2)
    want = _profile(profile) if profile is not None else None
    fp = ffi.new("mc_profile *")
    pr = lib.mc_meta_get(ffi.addressof(p.meta), b"profile")
    known = pr != ffi.NULL and lib.mc_profile_parse(pr, fp) == 0
    if known and fp[0] == lib.MC_PROFILE_PAPER and want != lib.MC_PROFILE_PAPER:
        raise AuthenticationError("%s: paper-profile file, not authenticated: pass profile=\"paper\" to decrypt it "
                                  "anyway" % _name(img), lib.MC_ERR_AUTH, 3)
    if known and want is not None and fp[0] != want:
        raise AuthenticationError("%s: file says profile %s, expected %s" % (
            _name(img), ffi.string(lib.mc_profile_name(fp[0])).decode(), profile), lib.MC_ERR_AUTH, 3)
    flags = lib.MC_DECRYPT_UNAUTHENTICATED if want == lib.MC_PROFILE_PAPER else 0
    o, keep = _opts(flags, key_image, model)
    err = ffi.new("mc_err *")
    check(lib.mc_decrypt(p, _key(key), o, err), err)
    img._private = True
    del keep
    return img


def _name(img):
    return os.fsdecode(img.path) if img.path else "image"
