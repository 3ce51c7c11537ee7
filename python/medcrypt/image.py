"""image.py - Image: an mc_image owned from Python, its pixels as numpy.

Layout (medcrypt.h): width x height x depth samples of `channels`
interleaved samples, row-major, slice after slice; 8-bit samples uint8 (int8
when signed), 16-bit ones host-endian uint16 (int16 when signed: CT
Hounsfield units).  Hence:
  Image.pixels  shape (rows, columns), (slices, rows, columns), with a last
                axis of 3 for RGB: numpy's C order, as pydicom's pixel_array;
  Image.voxels  the same memory as (x, y, z) (2D: (x, y)), as nibabel's
                dataobj of a NIfTI file.
Both are views of the library's buffer, not copies: encrypt() and decrypt()
work in place and the views see it.  close() (or the end of a `with` block)
wipes the pixels; views taken earlier then read zeros, and the memory itself
is released when the last view is gone.
"""
import os

import numpy as np

from . import _atomic
from ._ffi import ffi, lib
from .errors import InputError, UsageError, check

_FORMATS = {"png": lib.MC_FMT_PNG, "pnm": lib.MC_FMT_PNM, "pgm": lib.MC_FMT_PNM, "ppm": lib.MC_FMT_PNM,
            "dicom": lib.MC_FMT_DICOM, "dcm": lib.MC_FMT_DICOM, "nifti": lib.MC_FMT_NIFTI, "nii": lib.MC_FMT_NIFTI}


def format_code(fmt):
    """A format name ("png", "pnm", "dicom", "nifti", or an extension) as
    mc_format; None means unknown (the writer decides)."""
    if fmt is None:
        return lib.MC_FMT_UNKNOWN
    try:
        return _FORMATS[str(fmt).lower().lstrip(".")]
    except KeyError:
        raise UsageError("unknown format %r (png, pnm, dicom, nifti)" % (fmt,)) from None


def _wipe(ptr, n):
    if ptr != ffi.NULL and n:
        ffi.memmove(ptr, bytes(n), n)  # plain stores the compiler cannot drop


class _Handle:
    """Owns one mc_image*: wiped and freed when the last reference goes."""
    __slots__ = ("ptr", "__weakref__")

    def __init__(self, ptr):
        self.ptr = ptr

    def wipe(self):
        p = self.ptr
        if p is not None:
            _wipe(p.pixels, p.nbytes)

    def __del__(self):
        p, self.ptr = self.ptr, None
        if p is not None:
            _wipe(p.pixels, p.nbytes)
            lib.mc_image_free(p)


class _ArrayView:
    """numpy's __array_interface__ over the pixel buffer; the array keeps this
    object (and so the handle) alive."""

    def __init__(self, handle, shape, strides, dtype):
        p = handle.ptr
        self._handle = handle
        self.__array_interface__ = {"version": 3, "shape": shape, "strides": strides,
                                    "typestr": np.dtype(dtype).str,
                                    "data": (int(ffi.cast("uintptr_t", p.pixels)), False)}


class Image:
    """An image read by medcrypt (read()), made from an array (from_array())
    or a phantom (phantom()).  Use as a context manager, or close()."""

    def __init__(self, ptr, path=None):
        self._h = _Handle(ptr)
        self.path = path  # where it was read from (None: memory)
        self._private = False  # plaintext from decrypt(): files written 0600

    # ---------------------------------------------------------- lifetime
    @property
    def _ptr(self):
        h = self._h
        if h is None:
            raise ValueError("image is closed")
        return h.ptr

    def close(self):
        """Wipe the pixels and let the memory go (views read zeros)."""
        h, self._h = self._h, None
        if h is not None:
            h.wipe()

    @property
    def closed(self):
        return self._h is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __reduce__(self):
        raise TypeError("medcrypt.Image is not picklable; send the path or to_bytes()")

    # -------------------------------------------------------- geometry
    width = property(lambda self: self._ptr.width)
    height = property(lambda self: self._ptr.height)
    depth = property(lambda self: self._ptr.depth)
    channels = property(lambda self: self._ptr.channels)
    bits = property(lambda self: self._ptr.bits)
    bits_stored = property(lambda self: self._ptr.bits_stored)
    signed = property(lambda self: bool(self._ptr.is_signed))
    nbytes = property(lambda self: self._ptr.nbytes)

    @property
    def spacing(self):
        """(x, y, z) in mm; 0 where unknown."""
        return tuple(self._ptr.spacing[i] for i in range(3))

    @property
    def format(self):
        """"png", "pnm", "dicom", "nifti" (what it was read from), or "unknown"."""
        return ffi.string(lib.mc_format_name(self._ptr.format)).decode()

    @property
    def dtype(self):
        p = self._ptr
        return np.dtype(("i" if p.is_signed else "u") + str(p.bits // 8))

    @property
    def shape(self):
        """numpy shape of pixels: (slices,) rows, columns (, 3)."""
        p = self._ptr
        s = (p.height, p.width) if p.depth == 1 else (p.depth, p.height, p.width)
        return s + (3,) if p.channels == 3 else s

    @property
    def pixels(self):
        """The samples as a writable numpy view (C order, pydicom's shape)."""
        dt = self.dtype
        return np.asarray(_ArrayView(self._h, self.shape, None, dt))

    @property
    def voxels(self):
        """The samples as (x, y[, z][, 3]): nibabel's view of a NIfTI file."""
        a = self.pixels
        if self._ptr.channels == 3:
            return a.transpose(tuple(range(a.ndim - 2, -1, -1)) + (a.ndim - 1,))
        return a.T

    # -------------------------------------------------------- metadata
    @property
    def encrypted(self):
        """True when the image carries medcrypt metadata naming a scheme."""
        p = self._ptr
        return bool(p.has_meta) and lib.mc_meta_get(ffi.addressof(p.meta), b"scheme") != ffi.NULL

    @property
    def metadata(self):
        """medcrypt's metadata entries (scheme, profile, p.NAME, nonce,
        mac...) as an ordered dict; empty for a plain image."""
        p = self._ptr
        if not p.has_meta:
            return {}
        m = p.meta
        return {ffi.string(m.e[i].key).decode(): ffi.string(m.e[i].val).decode("ascii", "replace")
                for i in range(m.n)}

    @property
    def scheme(self):
        return self.metadata.get("scheme")

    @property
    def profile(self):
        return self.metadata.get("profile")

    def __repr__(self):
        if self._h is None:
            return "<medcrypt.Image closed>"
        extra = " %s/%s" % (self.scheme, self.profile) if self.encrypted else ""
        return "<medcrypt.Image %s %s %s%s>" % (self.format, "x".join(map(str, self.shape)), self.dtype, extra)

    # ------------------------------------------------------------ output
    def to_bytes(self, fmt=None):
        """The file in format fmt (None: the format it was read from; NIfTI
        uncompressed) as bytes.  Nothing touches the file system."""
        code = format_code(fmt)
        if code == lib.MC_FMT_UNKNOWN and self._ptr.format == lib.MC_FMT_UNKNOWN:
            raise UsageError("to_bytes: the image has no format of its own: give one (png, pnm, dicom, nifti)")
        err = ffi.new("mc_err *")
        out = ffi.new("uint8_t **")
        n = ffi.new("size_t *")
        check(lib.mc_image_write_mem(self._ptr, code, out, n, err), err)
        try:
            return ffi.buffer(out[0], n[0])[:]
        finally:
            lib.mc_buffer_free(out[0], n[0])

    def write(self, path, fmt=None, force=False, private=None, sync=True):
        """Write to path atomically (temporary file beside it, fsync,
        rename).  fmt: None = from the extension, else the image's.  An
        existing file is replaced only with force; the file the image was
        read from never.  private (default: True after decrypt()) keeps the
        file mode 0600."""
        priv = self._private if private is None else bool(private)
        _atomic.write_image(self._ptr, self.channels, path, format_code(fmt), force=force, private=priv, sync=sync,
                            in_path=self.path)

    # ------------------------------------------------------ constructors
    @classmethod
    def from_array(cls, array, fmt="dicom", rgb=None, spacing=None, bits_stored=None):
        """A new plain image holding a copy of array: uint8, int8, uint16 or
        int16, shaped (rows, cols), (slices, rows, cols), (rows, cols, 3) or
        (slices, rows, cols, 3) (rgb=None: a last axis of 3 on a 3D array
        means RGB).  fmt: the format it will be written in by default."""
        a = np.asarray(array)
        if a.dtype.kind not in "iu" or a.dtype.itemsize not in (1, 2):
            raise UsageError("from_array: dtype %s (uint8, int8, uint16 or int16)" % a.dtype)
        if rgb is None:
            rgb = a.ndim == 4 or (a.ndim == 3 and a.shape[-1] == 3)
        geo = a.shape[:-1] if rgb else a.shape
        if (rgb and a.shape[-1] != 3) or len(geo) not in (2, 3):
            raise UsageError("from_array: shape %s (rows, cols[, 3]) or (slices, rows, cols[, 3])" % (a.shape,))
        d, h, w = (1,) + geo if len(geo) == 2 else geo
        bits = 8 * a.dtype.itemsize
        ptr = ffi.new("mc_image **")
        err = ffi.new("mc_err *")
        check(lib.mc_image_new(ptr, w, h, d, 3 if rgb else 1, bits, 1 if a.dtype.kind == "i" else 0, ffi.NULL, err),
              err)
        img = cls(ptr[0])
        img.pixels[...] = a
        p = img._ptr
        p.format = format_code(fmt)
        if bits_stored is not None:
            if not 1 <= bits_stored <= bits:
                raise UsageError("from_array: bits_stored %d out of 1..%d" % (bits_stored, bits))
            p.bits_stored = bits_stored
        if spacing is not None:
            for i, v in enumerate(tuple(spacing)[:3]):
                p.spacing[i] = float(v)
        return img


def _limits(limits):
    if limits is None:
        return ffi.NULL
    lim = ffi.new("mc_limits *")
    lib.mc_limits_default(lim)
    for k, v in dict(limits).items():
        if k not in ("max_width", "max_height", "max_depth", "max_bytes"):
            raise UsageError("unknown limit %r" % k)
        setattr(lim, k, int(v))
    return lim


def read(source, name=None, limits=None):
    """Read an image: source is a path (str, bytes, os.PathLike) or the file's
    bytes (bytes-like: bytes, bytearray, memoryview; name, optional, is a
    file name whose extension helps when the content has no magic bytes).
    limits: {"max_width", "max_height", "max_depth", "max_bytes"}."""
    ptr = ffi.new("mc_image **")
    err = ffi.new("mc_err *")
    if isinstance(source, (str, os.PathLike)):
        path = os.fsencode(source)
        check(lib.mc_image_read(path, _limits(limits), ptr, err), err)
        return Image(ptr[0], path=path)
    try:
        buf = ffi.from_buffer(source)
    except TypeError:
        raise UsageError("read: a path or the bytes of a file, not %s" % type(source).__name__) from None
    if len(buf) == 0:
        raise InputError("%s: empty input" % (name or "input"), -2, 2)
    hint = os.fsencode(name) if name is not None else ffi.NULL
    check(lib.mc_image_read_mem(buf, len(buf), hint, _limits(limits), ptr, err), err)
    return Image(ptr[0])


def phantom(size=256, slices=1, bits=16, fmt="dicom"):
    """The modified Shepp-Logan head (medcrypt phantom): 16-bit signed CT-like
    values, or 8-bit; slices > 1 gives a volume.  fmt: the format to_bytes()
    and write() use by default (DICOM, as the CLI's `phantom -o -`)."""
    ptr = ffi.new("mc_image **")
    err = ffi.new("mc_err *")
    check(lib.mc_phantom(ptr, size, slices, bits, err), err)
    img = Image(ptr[0])
    img._ptr.format = format_code(fmt)
    return img
