"""_atomic.py - atomic output, with the CLI's conventions (programs/output.c
on the `cli` branch) so that either tool cleans up after the other.

An output OUT is written to a temporary file beside it, named
".OUT.mctmp-HOST-PID-XXXXXXXX.EXT" (HOST: 8 hex digits of BLAKE2b-32 of the
host name, PID: the writer's process id), created mode 0600, optionally
fsynced, then renamed (or hard-linked when OUT must not be replaced).  A
writer killed outright leaves its temporary file; clean_stale() removes those
of this host whose writer is no longer alive.
"""
import errno
import hashlib
import os
import socket
import tempfile

from ._ffi import ffi, lib
from .errors import MedcryptError, MedcryptIOError, UsageError, check

_EXT_BY_FMT = {lib.MC_FMT_PNG: b".png", lib.MC_FMT_DICOM: b".dcm", lib.MC_FMT_NIFTI: b".nii.gz"}


def host_tag():
    """b"mctmp-HOST-" of this host."""
    h = hashlib.blake2b(socket.gethostname().encode("utf-8", "surrogateescape"), digest_size=4).hexdigest()
    return ("mctmp-%s-" % h).encode()


def clean_stale(directory):
    """Remove this host's temporary files in directory whose writer is dead;
    returns how many.  Never raises."""
    tag = host_tag()
    n = 0
    try:
        names = os.listdir(os.fsencode(directory))
    except OSError:
        return 0
    for name in names:
        if not name.startswith(b".") or tag not in name:
            continue
        rest = name[name.index(tag) + len(tag):]
        digits = rest.split(b"-", 1)
        if len(digits) != 2 or not digits[0].isdigit() or len(digits[1]) < 6:
            continue
        pid = int(digits[0])
        if pid <= 0:
            continue
        try:
            os.kill(pid, 0)
            continue  # alive (or not ours to judge)
        except ProcessLookupError:
            pass
        except OSError:
            continue
        try:
            os.unlink(os.path.join(os.fsencode(directory), name))
            n += 1
        except OSError:
            pass
    return n


def umask():
    """The process umask, read without changing it (threads may be creating
    files); the classic set-and-restore only where /proc does not say."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    m = os.umask(0o077)
    os.umask(m)
    return m


def ext_of(out_path, fmt, channels):
    """The extension a temporary file needs so the writer picks the format
    (and gzip for .nii.gz)."""
    p = os.fsencode(out_path)
    if p.lower().endswith(b".nii.gz"):
        return b".nii.gz"
    base = os.path.basename(p)
    dot = base.rfind(b".")
    if dot > 0 and lib.mc_format_from_path(p) != lib.MC_FMT_UNKNOWN:
        return base[dot:]
    if fmt == lib.MC_FMT_PNM:
        return b".ppm" if channels == 3 else b".pgm"
    return _EXT_BY_FMT.get(fmt, b"")


def check_output(out_path, force, in_path=None):
    """The CLI's rules: OUT is never IN, never a directory, replaced only
    with force."""
    try:
        so = os.stat(out_path)
    except FileNotFoundError:
        return
    if in_path is not None:
        try:
            si = os.stat(in_path)
            if (si.st_dev, si.st_ino) == (so.st_dev, so.st_ino):
                raise UsageError("output %s is the input file: refusing to overwrite it" % os.fsdecode(out_path))
        except FileNotFoundError:
            pass
    if os.path.isdir(out_path):
        raise UsageError("output %s is a directory" % os.fsdecode(out_path))
    if not force:
        raise UsageError("output %s exists (use force=True to overwrite)" % os.fsdecode(out_path))


def mkstemp_beside(out_path, suffix=b""):
    """(fd, path) of a new temporary file (mode 0600) beside out_path, with
    the CLI's name."""
    out = os.fsencode(out_path)
    prefix = b"." + os.path.basename(out)[:64] + b"." + host_tag() + str(os.getpid()).encode() + b"-"
    return tempfile.mkstemp(suffix=suffix, prefix=prefix, dir=os.path.dirname(out) or b".")


def discard(tmp):
    """Remove a temporary file if there is one (None: nothing)."""
    if tmp is not None:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def write_file(out_path, chunks, private=False, sync=False):
    """Write the byte chunks to out_path atomically (temporary file beside
    it, optional fsync, rename over whatever is there); returns (bytes,
    sha256 hex).  OSError on failure, with nothing left behind."""
    fd, tmp = mkstemp_beside(out_path)
    h, n = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as f:
            for b in chunks:
                f.write(b)
                h.update(b)
                n += len(b)
            f.flush()
            if sync:
                os.fsync(f.fileno())
            if not private:
                try:
                    os.fchmod(f.fileno(), 0o666 & ~umask())
                except OSError:
                    pass  # best effort: it stays 0600
        os.replace(tmp, out_path)
        tmp = None
    finally:
        discard(tmp)
    return n, h.hexdigest()


def _sha256_fd(fd):
    h = hashlib.sha256()
    n = 0
    os.lseek(fd, 0, os.SEEK_SET)
    while True:
        b = os.read(fd, 1 << 20)
        if not b:
            break
        h.update(b)
        n += len(b)
    return n, h.digest()


def write_image(img_ptr, channels, out_path, fmt, force=False, private=False, sync=True, clean=True,
                in_path=None, digest=False):
    """Write the mc_image at img_ptr to out_path atomically.  fmt: a
    mc_format (MC_FMT_UNKNOWN: from the extension, else the image's).
    private: the file stays mode 0600 (plaintext); else 0666 less the umask.
    sync: fsync the file and its directory.  Returns (bytes, sha256) of the
    output when digest, else None."""
    out = os.fsencode(out_path)
    check_output(out, force, in_path)
    if fmt == lib.MC_FMT_UNKNOWN:
        fmt = lib.mc_format_from_path(out)
    if fmt == lib.MC_FMT_UNKNOWN:
        raise UsageError("%s: unknown output format (use .png .pgm .ppm .dcm .nii .nii.gz)" % os.fsdecode(out))
    directory = os.path.dirname(out) or b"."
    if clean:
        clean_stale(directory)
    try:
        fd, tmp = mkstemp_beside(out, ext_of(out, fmt, channels))
    except OSError as e:
        raise MedcryptIOError("cannot create a temporary file in %s: %s" % (os.fsdecode(directory), e.strerror)) from None
    os.close(fd)
    result = None
    try:
        err = ffi.new("mc_err *")
        check(lib.mc_image_write(img_ptr, tmp, fmt, err), err)
        fd = os.open(tmp, os.O_RDONLY | os.O_CLOEXEC)
        try:
            if sync:
                os.fsync(fd)
            if digest:
                result = _sha256_fd(fd)
            if not private:
                try:
                    os.fchmod(fd, 0o666 & ~umask())
                except OSError:
                    pass  # best effort: it stays 0600
        finally:
            os.close(fd)
        if not force:
            try:
                os.link(tmp, out)  # never replaces: no race between the check and now
            except FileExistsError:
                raise UsageError("output %s exists (use force=True to overwrite)" % os.fsdecode(out)) from None
            except OSError as e:
                if e.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                    raise
                os.rename(tmp, out)  # a file system without hard links
            else:
                os.unlink(tmp)
        else:
            os.replace(tmp, out)
        tmp = None
    except MedcryptError:
        raise
    except OSError as e:
        raise MedcryptIOError("%s: %s" % (os.fsdecode(out), e.strerror or e)) from None
    finally:
        discard(tmp)
    if sync:
        try:
            dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass
    return result
