"""pyutil.py - what the Python tests share: the environment ctest sets
(tests/CMakeLists.txt), loud skips, and a pass/fail tally.

Environment: MEDCRYPT (the CLI), MEDCRYPT_SAMPLES, MEDCRYPT_SRC, MEDCRYPT_BUILD;
PYTHONPATH holds the source tree's python/ directory.  Run by hand:
  MEDCRYPT_BUILD=build PYTHONPATH=python /usr/bin/python3 tests/python/test_binding.py
"""
import atexit
import glob
import os
import shutil
import sys
import tempfile

SRC = os.environ.get("MEDCRYPT_SRC", os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD = os.environ.get("MEDCRYPT_BUILD", os.path.join(SRC, "build"))
CLI = os.environ.get("MEDCRYPT", os.path.join(BUILD, "medcrypt"))
SAMPLES = os.environ.get("MEDCRYPT_SAMPLES", os.path.join(SRC, ".cache", "samples"))
SANITIZE = os.environ.get("MEDCRYPT_SANITIZE", "0") in ("1", "ON", "TRUE", "true")
sys.path.insert(0, os.path.join(SRC, "python"))
if os.environ.get("MEDCRYPT_PY_PRELOAD"):
    # sanitizer build: this interpreter has the ASan runtime preloaded; the
    # instrumented CLI it runs carries its own
    os.environ.pop("LD_PRELOAD", None)


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def tmpdir(prefix="mc-py-"):
    d = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, d, True)
    return d


def samples(require=True):
    """Every sample file (sorted), or a loud skip when they are missing."""
    files = sorted(glob.glob(os.path.join(SAMPLES, "*", "*")))
    if not files and require:
        skip("samples missing in %s (scripts/fetch-samples.sh)" % SAMPLES)
    return files


class Tally:
    """ok()/bad() counters; done() prints the totals and exits 1 on a failure."""

    def __init__(self, name):
        self.name, self.passed, self.failed = name, 0, 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: %s" % what, flush=True)
        return cond

    def raises(self, exc, exit_code, what, f, *a, **kw):
        """f(*a, **kw) must raise exc carrying exit_code."""
        try:
            f(*a, **kw)
        except exc as e:
            return self.check(getattr(e, "exit_code", None) == exit_code,
                              "%s: exit_code %r, want %r (%s)" % (what, getattr(e, "exit_code", None), exit_code, e))
        except Exception as e:  # noqa: BLE001 (the wrong exception is the failure reported)
            return self.check(False, "%s: raised %s: %s, want %s" % (what, type(e).__name__, e, exc.__name__))
        return self.check(False, "%s: no exception, want %s" % (what, exc.__name__))

    def done(self):
        print("%s: %d passed, %d failed" % (self.name, self.passed, self.failed))
        sys.exit(1 if self.failed else 0)


def make_tree(root, n_images, seed=1):
    """A tree of n_images small images of every writable format (DICOM
    int16 slices of a phantom, PNG RGB and grey, 16-bit PGM, NIfTI volumes)
    in subdirectories, plus a text file and a symbolic link; returns the
    relative paths of the images."""
    import numpy as np

    import medcrypt
    rng = np.random.default_rng(seed)
    vol = medcrypt.phantom(64, slices=max(1, n_images // 2)).pixels.copy()
    kinds = [("series", ".dcm", lambda i: vol[i % len(vol)], "dicom"),
             ("photos", ".png", lambda i: rng.integers(0, 256, (24, 32, 3), dtype=np.uint8), "png"),
             ("grey", ".png", lambda i: rng.integers(0, 256, (40, 30), dtype=np.uint8), "png"),
             ("raw", ".pgm", lambda i: rng.integers(0, 65536, (20, 24), dtype=np.uint16), "pnm"),
             ("vols", ".nii.gz", lambda i: rng.integers(0, 256, (3, 16, 16), dtype=np.uint8), "nifti")]
    share = [n_images // 2, n_images // 8, n_images // 8, n_images // 8]
    share.append(n_images - sum(share))
    rels = []
    for (sub, ext, make, fmt), count in zip(kinds, share):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
        for i in range(count):
            rel = os.path.join(sub, "img_%03d%s" % (i, ext))
            with medcrypt.Image.from_array(make(i), fmt=fmt) as img:
                img.write(os.path.join(root, rel), sync=False)
            rels.append(rel)
    with open(os.path.join(root, "README.txt"), "w") as f:
        f.write("not an image\n")
    os.symlink("README.txt", os.path.join(root, "link.txt"))
    return sorted(rels)


def same_images(a_root, b_root, rels):
    """Relative paths whose images differ (pixels, dtype, shape) between two
    trees."""
    import numpy as np

    import medcrypt
    bad = []
    for rel in rels:
        with medcrypt.read(os.path.join(a_root, rel)) as a, medcrypt.read(os.path.join(b_root, rel)) as b:
            if a.pixels.dtype != b.pixels.dtype or not np.array_equal(a.pixels, b.pixels):
                bad.append(rel)
    return bad


def check_manifest(T, out_root, n_ok, statuses=("ok",)):
    """The manifest of out_root: every image has one of statuses and its
    output the recorded size and SHA-256; no journal and no temporary file
    is left.  Returns the manifest."""
    import hashlib
    import json

    from medcrypt import tree
    path = os.path.join(out_root, "medcrypt-manifest.json")
    with open(path) as f:
        m = json.load(f)
    good = 0
    with open(path, "rb") as f:  # names as bytes: the manifest's \u00XX are raw bytes
        lines = [ln for ln in f if tree.field(ln, "input") is not None]
    T.check(len(lines) == len(m["files"]), "manifest: one line per file")
    for ln in lines:
        rel, st = tree.field(ln, "input"), tree.field(ln, "status").decode()
        if st in ("ok", "resumed", "copied"):
            T.check(tree.field(ln, "output") == rel, "manifest: output %r" % rel)
            with open(os.path.join(os.fsencode(out_root), rel), "rb") as f:
                data = f.read()
            T.check(len(data) == tree.field(ln, "bytes") and
                    hashlib.sha256(data).hexdigest() == tree.field(ln, "sha256").decode(),
                    "manifest: %r: size or SHA-256 differ from the output" % rel)
            good += st in statuses
    T.check(good == n_ok, "manifest: %d files %s, want %d (%s)" % (good, "/".join(statuses), n_ok, m["summary"]))
    T.check(not os.path.exists(os.path.join(out_root, ".medcrypt-journal.jsonl")), "journal left after the run")
    left = [os.path.join(d, f) for d, _, fs in os.walk(out_root) for f in fs if ".mctmp-" in f]
    T.check(not left, "temporary files left: %s" % left[:3])
    return m
