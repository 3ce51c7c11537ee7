"""tree.py - directory mode: the walk, the manifest and journal, and the work
on one file, shared by the Dask driver (medcrypt.dask) and run_tree()
below (one process, for tests and small trees).

The formats and rules are the CLI's directory mode (`medcrypt encrypt|decrypt
-r`, README "Directory mode", programs/cmd_tree.c and manifest.c), so that
either tool resumes the other's runs:
- OUT_DIR/medcrypt-manifest.json: one JSON object written at the end
  (temporary file, fsync, rename) whose "files" array holds one object per
  line: input, output, status (ok, resumed, copied, other, skipped, failed),
  exit, bytes_in, bytes, sha256, message;
- OUT_DIR/.medcrypt-journal.jsonl while a run goes on: a {"run": ...} line,
  then one line per finished file (ok, copied), appended;
- a rerun skips the files recorded as complete whose output still has the
  recorded size and SHA-256, and redoes the rest; a rerun with another
  command, scheme, profile or parameters is refused unless force;
- names are bytes; in JSON strings, control characters, quotes,
  backslashes and bytes that are not UTF-8 are written as \\u00XX, meaning
  that byte (so this module reads the lines itself, like the CLI).
"""
import hashlib
import os
import re
import stat
import time

from . import _atomic
from ._ffi import ffi, lib
from .crypto import decrypt, encrypt
from .errors import MedcryptError, MedcryptIOError, UsageError
from .image import read
from .keys import Key

MANIFEST = b"medcrypt-manifest.json"
JOURNAL = b".medcrypt-journal.jsonl"
IMAGE, OTHER, SKIP = 0, 1, 2
STATUSES = ("pending", "ok", "resumed", "copied", "other", "skipped", "failed")
_MSG_SKIP = "not a regular file or directory (links, devices, FIFOs are never opened)"
_MSG_OTHER = "not an image: not copied (--copy-other copies it)"
_MSG_NOPIX = "DICOM object without pixel data: not an image, not copied (--copy-other copies it)"


# ------------------------------------------------------------------ JSON


def jstr(b):
    """A JSON string of the bytes b, escaped as the CLI does."""
    out = ['"']
    i, n = 0, len(b)
    while i < n:
        c = b[i]
        k = 1 if c < 0x80 else 2 if c >> 5 == 6 else 3 if c >> 4 == 14 else 4 if c >> 3 == 30 else 0
        if k > 1 and (i + k > n or any(b[j] & 0xC0 != 0x80 for j in range(i + 1, i + k))):
            k = 0
        if c in (0x22, 0x5C):
            out.append("\\" + chr(c))
            i += 1
        elif c < 0x20 or c == 0x7F or k == 0:
            out.append("\\u%04x" % c)
            i += 1
        else:
            out.append(b[i:i + k].decode("utf-8"))
            i += k
    out.append('"')
    return "".join(out)


def _jstr_get(line, pos):
    """The string at line[pos:] (after its opening quote) as bytes, and the
    position after its closing quote; None if malformed."""
    out = bytearray()
    n = len(line)
    while pos < n and line[pos] != 0x22:
        c = line[pos]
        pos += 1
        if c == 0x5C:
            if pos >= n:
                return None
            c = line[pos]
            pos += 1
            if c == 0x75:  # \u00XX: that byte
                h = line[pos:pos + 4]
                pos += 4
                if len(h) != 4 or not re.fullmatch(rb"00[0-9a-f]{2}", h):
                    return None
                c = int(h, 16)
            elif c not in (0x22, 0x5C, 0x2F):
                return None
        out.append(c)
    if pos >= n:
        return None
    return bytes(out), pos + 1


def field(line, key):
    """The value of "key": in a manifest or journal line (bytes): bytes for
    a string, int for a number, None when absent or malformed."""
    pat = b'"' + key.encode() + b'": '
    i = line.find(pat)
    if i < 0:
        return None
    i += len(pat)
    if line[i:i + 1] == b'"':
        r = _jstr_get(line, i + 1)
        return r[0] if r else None
    m = re.match(rb"\d+", line[i:])
    return int(m.group()) if m else None


def entry_json(e):
    """One entry as the CLI writes it (one line, no newline)."""
    has_out = e["status"] in ("ok", "resumed", "copied")
    s = '{"input": %s, "output": %s, "status": "%s", "exit": %d, "bytes_in": %d, "bytes": %d, "sha256": %s' % (
        jstr(e["rel"]), jstr(e["rel"]) if has_out else "null", e["status"], e["exit"], e["size"],
        e["out_bytes"] if has_out else 0, '"%s"' % e["sha256"] if has_out else "null")
    if e.get("msg"):
        s += ', "message": ' + jstr(e["msg"].encode("utf-8", "surrogateescape"))
    return s + "}"


def run_string(enc, scheme=None, profile=None, params=()):
    """What was run, without the key: "encrypt aead hardened k=v ...",
    "decrypt - -" (or "decrypt - paper" with a profile given)."""
    s = "%s %s %s" % ("encrypt" if enc else "decrypt", scheme if enc else "-",
                      (profile or "hardened") if enc else (profile or "-"))
    return s + "".join(" " + p for p in params)


def load_records(out_dir, run):
    """{rel: (bytes, sha256 hex)} of the complete files recorded in out_dir's
    manifest and journal (the journal's later lines win); UsageError when
    they record another run."""
    recs = {}
    for name in (MANIFEST, JOURNAL):
        path = os.path.join(os.fsencode(out_dir), name)
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            continue
        except OSError as e:
            raise MedcryptIOError("%s: %s" % (os.fsdecode(path), e.strerror)) from None
        with f:
            for line in f:
                r = field(line, "run")
                if r is not None:
                    if r != run.encode():
                        raise UsageError("%s records another run (%s); this one is %s: use another output "
                                         "directory, or force=True to redo it"
                                         % (os.fsdecode(path), r.decode("utf-8", "replace"), run))
                    continue
                rel, st = field(line, "input"), field(line, "status")
                if rel is None or st not in (b"ok", b"resumed", b"copied"):
                    continue
                n, sha = field(line, "bytes"), field(line, "sha256")
                if isinstance(n, int) and isinstance(sha, bytes) and re.fullmatch(rb"[0-9a-f]{64}", sha):
                    recs[rel] = (n, sha.decode())  # a line cut by a crash: that file is simply redone
    return recs


# ------------------------------------------------------------------ walk


def _is_image(path, name):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY)
        try:
            b = os.read(fd, 352)
        finally:
            os.close(fd)
    except OSError:
        b = b""
    if b[:8] == b"\x89PNG\r\n\x1a\n":
        return True
    if len(b) >= 3 and b[0:1] == b"P" and b[1:2] in (b"5", b"6") and b[2:3] in (b" ", b"\n", b"\t", b"\r"):
        return True
    if len(b) >= 132 and b[128:132] == b"DICM":
        return name != b"DICOMDIR"
    if len(b) >= 348 and b[344:348] == b"n+1\0":
        return True
    return lib.mc_format_from_path(name) != lib.MC_FMT_UNKNOWN


def walk(in_dir):
    """(entries sorted by their relative path's bytes, relative
    directories) of the tree under in_dir; nothing is followed."""
    top = os.fsencode(in_dir)
    entries, dirs = [], []

    def add(rel, kind, size=0):
        entries.append({"rel": rel, "kind": kind, "size": size})

    def rec(rel, depth):
        path = os.path.join(top, rel) if rel else top
        try:
            it = os.scandir(path)
        except OSError as e:
            raise MedcryptIOError("%s: %s" % (os.fsdecode(path), e.strerror)) from None
        with it:
            for de in it:
                r = os.path.join(rel, de.name) if rel else de.name
                if not rel and de.name in (MANIFEST, JOURNAL):
                    continue  # an earlier run's
                try:
                    st = de.stat(follow_symlinks=False)
                except OSError:
                    add(r, SKIP)
                    continue
                if stat.S_ISDIR(st.st_mode):
                    if depth >= 64:
                        add(r, SKIP)
                    else:
                        dirs.append(r)
                        rec(r, depth + 1)
                elif stat.S_ISREG(st.st_mode):
                    if de.name.startswith(b".") and b".mctmp-" in de.name:
                        continue  # a medcrypt temporary file
                    add(r, IMAGE if _is_image(os.path.join(path, de.name), de.name) else OTHER, st.st_size)
                else:
                    add(r, SKIP)  # link, device, FIFO, socket: never opened

    rec(b"", 0)
    entries.sort(key=lambda e: e["rel"])
    return entries, dirs


def check_dirs(in_dir, out_dir):
    """IN_DIR is a directory; neither contains the other."""
    ri = os.path.realpath(in_dir)
    if not os.path.isdir(ri):
        raise UsageError("%s is not a directory" % os.fsdecode(in_dir))
    ro = os.path.realpath(out_dir)
    for a, b in ((ri, ro), (ro, ri)):
        if b == a or b.startswith(a.rstrip(os.sep) + os.sep):
            raise UsageError("%s and %s must not contain one another" % (os.fsdecode(in_dir), os.fsdecode(out_dir)))


def prepare_out(out_dir, force):
    """OUT_DIR: created, or empty, or an earlier run's; else force."""
    try:
        os.mkdir(out_dir)
        return
    except FileExistsError:
        pass
    except OSError as e:
        raise MedcryptIOError("%s: %s" % (os.fsdecode(out_dir), e.strerror)) from None
    if not os.path.isdir(out_dir):
        raise UsageError("%s: not a directory" % os.fsdecode(out_dir))
    names = os.listdir(os.fsencode(out_dir))
    if names and MANIFEST not in names and JOURNAL not in names and not force:
        raise UsageError("%s exists and holds no medcrypt manifest (use force=True to write into it)"
                         % os.fsdecode(out_dir))


def severity(code):
    return {3: 4, 4: 3, 2: 2}.get(code, 1 if code else 0)


# ------------------------------------------------------- the work on a file


def _sha256_file(path):
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
    return n, h.hexdigest()


def same_output(out_path, rec):
    """The output exists with the recorded size and SHA-256."""
    try:
        st = os.stat(out_path, follow_symlinks=False)
        if not stat.S_ISREG(st.st_mode) or st.st_size != rec[0]:
            return False
        return _sha256_file(out_path) == tuple(rec)
    except OSError:
        return False


def dicom_without_pixels(path):
    """A DICOM file (magic at 128) without a Pixel Data element anywhere and
    not deflated: a report, structure set, plan...: not an image."""
    le, be, deflated = b"\xe0\x7f\x10\x00", b"\x7f\xe0\x00\x10", b"1.2.840.10008.1.2.1.99"
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
            if len(head) < 132 or head[128:132] != b"DICM":
                return False
            if deflated in head:
                return False
            tail = b""
            b = head
            while b:
                if le in tail + b or be in tail + b:
                    return False
                tail = b[-3:]
                b = f.read(1 << 16)
    except OSError:
        return False
    return True


def copy_file(src, dst):
    """Copy a file as is, atomically; (bytes, sha256 hex)."""
    def chunks():
        with open(src, "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    return
                yield b
    return _atomic.write_file(dst, chunks())


class Inputs:
    """What a run's workers load once from paths they can reach: the key
    (a key file, or a passphrase file for a passphrase key), the key image
    and the model.  Never pickled: only the paths travel."""

    def __init__(self, spec):
        self.key = self.key_image = self.model = None
        try:
            if spec["key_path"]:
                self.key = Key.load(spec["key_path"], passphrase_file=spec["passphrase_file"])
            else:
                from .keys import read_passphrase_file
                self.key = Key.from_passphrase(read_passphrase_file(spec["passphrase_file"]))
            if spec.get("key_image_path"):
                self.key_image = read(spec["key_image_path"])
            if spec.get("model_path"):
                with open(spec["model_path"], "rb") as f:
                    self.model = f.read()
        except BaseException:
            self.close()
            raise

    def close(self):
        for o in (self.key, self.key_image):
            if o is not None:
                o.close()
        self.key = self.key_image = self.model = None


def process_entry(spec, inputs, e, rec):
    """Encrypt, decrypt, copy or report one entry e ({"rel", "kind",
    "size"}); rec: its record from an earlier run or None.  Returns the
    outcome: e plus status, exit, out_bytes, sha256, msg."""
    e = dict(e, status="failed", exit=0, out_bytes=0, sha256=None, msg=None)
    src = os.path.join(os.fsencode(spec["in_dir"]), e["rel"])
    dst = os.path.join(os.fsencode(spec["out_dir"]), e["rel"])
    if e["kind"] == SKIP:
        return dict(e, status="skipped", msg=_MSG_SKIP)
    if e["kind"] == OTHER and not spec["copy_other"]:
        return dict(e, status="other", msg=_MSG_OTHER)
    if rec is not None and same_output(dst, rec):
        return dict(e, status="resumed", out_bytes=rec[0], sha256=rec[1])
    try:
        if e["kind"] == OTHER:
            n, sha = copy_file(src, dst)
            return dict(e, status="copied", out_bytes=n, sha256=sha)
        img = read(os.fsdecode(src))  # a str: bytes would be the file's content
        try:
            if spec["enc"]:
                encrypt(img, spec["scheme"], inputs.key, profile=spec["profile"] or "hardened",
                        key_image=inputs.key_image, model=inputs.model,
                        params=dict(p.split("=", 1) for p in spec["params"]))
            else:
                decrypt(img, inputs.key, profile=spec["profile"], key_image=inputs.key_image, model=inputs.model)
            n, sha = _atomic.write_image(img._ptr, img.channels, dst, lib.MC_FMT_UNKNOWN, force=True,
                                         private=not spec["enc"], sync=False, clean=False, digest=True)
        finally:
            img.close()
        return dict(e, status="ok", out_bytes=n, sha256=sha.hex())
    except MedcryptError as x:
        if x.exit_code == 2 and e["kind"] == IMAGE and dicom_without_pixels(src):
            e["kind"] = OTHER  # not an image after all
            if not spec["copy_other"]:
                return dict(e, status="other", msg=_MSG_NOPIX)
            return process_entry(spec, inputs, e, None)
        msg = x.message
        pre = os.fsdecode(src) + ": "
        if msg.startswith(pre):
            msg = msg[len(pre):]
        return dict(e, status="failed", exit=x.exit_code, msg=msg or "failed")
    except OSError as x:
        return dict(e, status="failed", exit=4, msg=str(x.strerror or x))


# ------------------------------------------------------------- the run


class Run:
    """The client's side of one run: walk, prepare OUT_DIR, journal each
    finished file (record), write the manifest (finish).  The work itself,
    process_entry on each of jobs(), in any order and anywhere, is the
    caller's: run_tree() does it here, medcrypt.dask on a cluster."""

    def __init__(self, enc, in_dir, out_dir, scheme=None, key_path=None, profile=None, params=None,
                 passphrase_file=None, key_image_path=None, model_path=None, copy_other=False, force=False):
        if not enc and scheme is not None:
            raise UsageError("decrypt: the scheme comes from each file")
        if enc and not scheme:
            raise UsageError("encrypt: a scheme is required")
        if key_path is None and passphrase_file is None:
            raise UsageError("a key file (key_path) or a passphrase file (passphrase_file) is required")
        if enc and lib.mc_scheme_find(scheme.encode()) == ffi.NULL:
            raise UsageError("unknown scheme '%s'" % scheme)
        if profile is not None and profile not in ("paper", "hardened"):
            raise UsageError("unknown profile %r (paper or hardened)" % (profile,))
        plist = ["%s=%s" % kv for kv in (params or {}).items()]
        ab = lambda p: os.path.abspath(p) if p is not None else None  # noqa: E731
        self.spec = {"enc": enc, "scheme": scheme, "profile": profile if (enc or profile) else None,
                     "params": plist, "in_dir": ab(in_dir), "out_dir": ab(out_dir), "key_path": ab(key_path),
                     "passphrase_file": ab(passphrase_file), "key_image_path": ab(key_image_path),
                     "model_path": ab(model_path), "copy_other": bool(copy_other)}
        self.in_dir, self.out_dir, self.force = in_dir, out_dir, force
        self.run = run_string(enc, scheme, profile, plist)
        check_dirs(in_dir, out_dir)
        self.entries, self.dirs = walk(in_dir)
        prepare_out(out_dir, force)
        self.recs = {} if force else load_records(out_dir, self.run)
        outb = os.fsencode(out_dir)
        _atomic.clean_stale(outb)
        for d in self.dirs:
            p = os.path.join(outb, d)
            try:
                os.mkdir(p)
            except FileExistsError:
                pass
            except OSError as e:
                raise MedcryptIOError("%s: %s" % (os.fsdecode(p), e.strerror)) from None
            _atomic.clean_stale(p)
        self.started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.jpath = os.path.join(outb, JOURNAL)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC | (os.O_TRUNC if force else 0)
        try:
            self.jfd = os.open(self.jpath, flags, 0o666)
            os.write(self.jfd, ('{"run": %s}\n' % jstr(self.run.encode())).encode())
        except OSError:
            self.jfd = None  # best effort, as the CLI: a lost journal only means a redo
        self.outcomes = {}

    def jobs(self):
        """[(entry, record or None)] for every entry."""
        return [(e, self.recs.get(e["rel"])) for e in self.entries]

    def record(self, out):
        """A finished entry: kept, and journaled when complete."""
        self.outcomes[out["rel"]] = out
        if self.jfd is not None and out["status"] in ("ok", "copied"):
            try:
                os.write(self.jfd, (entry_json(out) + "\n").encode())
            except OSError:
                pass

    def finish(self):
        """Write the manifest (after the caller synced the outputs) and
        return the summary (with "exit", "manifest", "files")."""
        files = [self.outcomes.get(e["rel"], dict(e, status="failed", exit=4, out_bytes=0, sha256=None,
                                                  msg="not processed")) for e in self.entries]
        worst = 0
        for f in files:
            if severity(f["exit"]) > severity(worst):
                worst = f["exit"]
        cnt = {s: 0 for s in STATUSES[1:]}
        for f in files:
            cnt[f["status"]] += 1
        bin_ = sum(f["size"] for f in files if f["kind"] == IMAGE)
        bout = sum(f["out_bytes"] for f in files if f["status"] in ("ok", "resumed", "copied"))
        fin = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        lines = ['{"medcrypt_manifest": 1,', ' "run": %s,' % jstr(self.run.encode()),
                 ' "medcrypt": "%s",' % ffi.string(lib.mc_version_string()).decode(),
                 ' "input_dir": %s,' % jstr(os.fsencode(self.in_dir)),
                 ' "output_dir": %s,' % jstr(os.fsencode(self.out_dir)),
                 ' "started": "%s", "finished": "%s",' % (self.started, fin),
                 ' "summary": {"files": %d%s, "image_bytes_in": %d, "bytes_out": %d, "exit": %d},' % (
                     len(files), "".join(', "%s": %d' % (s, cnt[s]) for s in STATUSES[1:]), bin_, bout, worst),
                 ' "files": [']
        lines += ["  " + entry_json(f) + ("," if i + 1 < len(files) else "") for i, f in enumerate(files)]
        lines.append(" ]}")
        mpath = os.path.join(os.fsencode(self.out_dir), MANIFEST)
        try:
            _atomic.write_file(mpath, ["\n".join(lines).encode("utf-8") + b"\n"], sync=True)
        except OSError as e:
            raise MedcryptIOError("%s: cannot write the manifest: %s" % (os.fsdecode(mpath), e.strerror)) from None
        if self.jfd is not None:
            os.close(self.jfd)
            self.jfd = None
        try:
            os.unlink(self.jpath)
        except OSError:
            pass
        return {"exit": worst, "manifest": os.fsdecode(mpath), "counts": cnt, "files": files,
                "images": sum(1 for f in files if f["kind"] == IMAGE)}

    def close(self):
        if self.jfd is not None:
            os.close(self.jfd)
            self.jfd = None


_TUNED = []


def tune_malloc():
    """Keep image-sized buffers in glibc's heap instead of mmap'ing and
    unmapping them for every file (and trimming thread arenas after each):
    the CLI's directory mode does the same (cmd_tree.c).  Measured on a
    Dask worker thread, 60 files of 512x512 16-bit DICOM: 0.17 s of CPU
    against 1.0 s untuned (docs/scale.md).  Process-wide, once; decrypted
    pixels are wiped before their buffer is freed (Image.close)."""
    if _TUNED:
        return
    _TUNED.append(True)
    import ctypes
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 256 << 20)  # M_TRIM_THRESHOLD
        libc.mallopt(-2, 64 << 20)  # M_TOP_PAD
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


def syncfs(path):
    """Flush the file system holding path (the outputs are written without
    one fsync each, as the CLI's directory mode does)."""
    import ctypes
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            libc.syncfs(fd)
        finally:
            os.close(fd)
    except (OSError, AttributeError):
        os.sync()


def run_tree(enc, in_dir, out_dir, **kw):
    """Directory mode in this process, one file after another (the Dask
    driver spreads the same work over a cluster).  Tunes this process's
    malloc as the CLI's directory mode does (tune_malloc)."""
    r = Run(enc, in_dir, out_dir, **kw)
    tune_malloc()
    try:
        inputs = Inputs(r.spec)
        try:
            for e, rec in r.jobs():
                r.record(process_entry(r.spec, inputs, e, rec))
        finally:
            inputs.close()
        syncfs(r.spec["out_dir"])
        return r.finish()
    finally:
        r.close()
