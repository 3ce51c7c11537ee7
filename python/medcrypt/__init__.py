"""medcrypt - medical image encryption (Python binding of libmedcrypt).

    import medcrypt
    img = medcrypt.read("ct.dcm")                 # or the file's bytes
    img.pixels                                    # numpy view, int16 for CT
    with medcrypt.Key.load("my.key") as key:
        medcrypt.encrypt(img, "aead", key)        # in place
        img.write("ct.enc.dcm")
        medcrypt.decrypt(medcrypt.read("ct.enc.dcm"), key)

Everything is done by the C library (libmedcrypt, libmedcrypt_lab for
analyze); docs/python.md describes the API, docs/scale.md the Dask driver
(medcrypt.dask, python3 -m medcrypt.dask).
"""
from ._ffi import LIBRARY_PATH, ffi as _cffi, lib as _lib
from .analyze import analyze
from .crypto import decrypt, encrypt, schemes
from .errors import AuthenticationError, InputError, MedcryptError, MedcryptIOError, UsageError
from .image import Image, phantom, read
from .keys import Key

__version__ = _cffi.string(_lib.mc_version_string()).decode()

__all__ = ["read", "phantom", "Image", "Key", "encrypt", "decrypt", "analyze", "schemes", "MedcryptError",
           "UsageError", "InputError", "AuthenticationError", "MedcryptIOError", "LIBRARY_PATH", "__version__"]
