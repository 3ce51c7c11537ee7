"""errors.py - the library's statuses as exceptions.

Every exception carries `status` (the library's negative mc_status, or 0 for
a failure detected in Python), `exit_code` (what the CLI would exit with: 1
usage, 2 bad or unsupported input, 3 authentication failed, 4 I/O or other)
and the library's one-line message, which never holds secrets.
"""
from ._ffi import ffi, lib


class MedcryptError(Exception):
    """Base class; `status`, `exit_code`, `message`."""
    exit_code = 4

    def __init__(self, message, status=0, exit_code=None):
        super().__init__(message)
        self.message = message
        self.status = status
        if exit_code is not None:
            self.exit_code = exit_code

    def __reduce__(self):  # raised on a Dask worker, re-raised on the client
        return (self.__class__, (self.message, self.status, self.exit_code))


class UsageError(MedcryptError, ValueError):
    """Exit 1: a bad argument (unknown scheme, profile or parameter, wrong
    kind of key, an output that exists)."""
    exit_code = 1


class InputError(MedcryptError):
    """Exit 2: a corrupt, truncated or unsupported input, beyond the limits,
    not encrypted by medcrypt (decrypt) or already encrypted (encrypt)."""
    exit_code = 2


class AuthenticationError(MedcryptError):
    """Exit 3: wrong key or passphrase, or tampered pixels or metadata;
    nothing was decrypted."""
    exit_code = 3


class MedcryptIOError(MedcryptError, OSError):
    """Exit 4: I/O error, out of memory, crypto library or internal error."""
    exit_code = 4


_BY_EXIT = {1: UsageError, 2: InputError, 3: AuthenticationError, 4: MedcryptIOError}


def error_for(status, message=None):
    """The exception for a library status (and message)."""
    code = lib.mc_exit_code(status)
    if message is None:
        message = ffi.string(lib.mc_strerror(status)).decode("utf-8", "replace")
    return _BY_EXIT.get(code, MedcryptError)(message, status, code)


def check(rc, err):
    """Raise the exception for rc (a library return value) with err's message."""
    if rc == 0:
        return
    msg = ffi.string(err.msg).decode("utf-8", "replace") if err is not None else ""
    if not msg:
        msg = ffi.string(lib.mc_strerror(rc)).decode("utf-8", "replace")
    raise error_for(rc, msg)
