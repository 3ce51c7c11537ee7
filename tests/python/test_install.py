#!/usr/bin/python3
"""test_install.py - `make install` installs the Python binding where
Debian's python3 finds it, wired to the installed library.

cmake --install into a temporary prefix: medcrypt imports there from a clean
environment (no source tree, no build tree on any path), loads the
prefix's libmedcrypt, round-trips an image, analyze() finds the installed
libmedcrypt_lab, and `python3 -m medcrypt.dask --help` runs.  With DESTDIR
and prefix /usr/local the package lands in
/usr/local/lib/python3.X/dist-packages under DESTDIR, and
medcrypt/_install.py points at /usr/local/lib relative to itself.
"""
import os
import shutil
import subprocess
import sys

from pyutil import BUILD, SANITIZE, Tally, skip, tmpdir

T = Tally("test_install")
PROBE = r"""
import os, sys, numpy as np, medcrypt
prefix = sys.argv[1]
assert medcrypt.__file__.startswith(prefix), medcrypt.__file__
assert medcrypt.LIBRARY_PATH.startswith(prefix), medcrypt.LIBRARY_PATH
img = medcrypt.phantom(64)
ref = img.pixels.copy()
with medcrypt.Key.generate() as k:
    b = medcrypt.encrypt(img, "aead", k).to_bytes()
    out = medcrypt.decrypt(medcrypt.read(b), k)
assert np.array_equal(out.pixels, ref)
a = medcrypt.analyze(medcrypt.phantom(64))
assert a["entropy"] > 0
print("ok", medcrypt.__version__, medcrypt.LIBRARY_PATH)
"""


def clean_env(pythonpath):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDCRYPT") and k not in ("PYTHONPATH", "LD_PRELOAD")}
    env["PYTHONPATH"] = pythonpath
    return env


def main():
    if SANITIZE:
        skip("install test runs in the plain build only (this one is sanitized)")
    if not shutil.which("cmake"):
        skip("cmake not found")
    d = tmpdir("mc-pyinst-")
    prefix = os.path.join(d, "prefix")
    r = subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], capture_output=True, text=True)
    if not T.check(r.returncode == 0, "cmake --install: %s" % r.stderr[-500:]):
        T.done()
    ver = "%d.%d" % sys.version_info[:2]
    site = os.path.join(prefix, "lib", "python" + ver, "site-packages")
    for f in ("medcrypt/__init__.py", "medcrypt/_install.py", "medcrypt/dask/__init__.py", "medcrypt/dask/__main__.py"):
        T.check(os.path.isfile(os.path.join(site, f)), "not installed: %s" % f)
    T.check(not any("__pycache__" in dp for dp, _, _ in os.walk(site)), "__pycache__ installed")
    r = subprocess.run([sys.executable, "-c", PROBE, prefix], capture_output=True, text=True, cwd=d,
                       env=clean_env(site))
    T.check(r.returncode == 0 and r.stdout.startswith("ok"), "installed binding: %s %s" % (r.stdout, r.stderr[-800:]))
    r = subprocess.run([sys.executable, "-m", "medcrypt.dask", "--help"], capture_output=True, text=True, cwd=d,
                       env=clean_env(site))
    T.check(r.returncode == 0 and "encrypt" in r.stdout, "python3 -m medcrypt.dask --help: %s" % r.stderr[-300:])
    # DESTDIR, prefix /usr/local: Debian's dist-packages, library path relative to the package
    dest = os.path.join(d, "dest")
    env = dict(os.environ, DESTDIR=dest)
    r = subprocess.run(["cmake", "--install", BUILD, "--prefix", "/usr/local"], capture_output=True, text=True,
                       env=env)
    pkg = os.path.join(dest, "usr/local/lib/python%s/dist-packages/medcrypt" % ver)
    T.check(r.returncode == 0 and os.path.isfile(os.path.join(pkg, "__init__.py")),
            "DESTDIR install: %s %s" % (r.stderr[-300:], os.listdir(dest) if os.path.isdir(dest) else "-"))
    if os.path.isfile(os.path.join(pkg, "_install.py")):
        ns = {}
        with open(os.path.join(pkg, "_install.py")) as f:
            exec(f.read(), ns)
        libdir = os.path.normpath(os.path.join("/usr/local/lib/python%s/dist-packages/medcrypt" % ver, ns["LIBDIR"]))
        T.check(os.path.isfile(os.path.join(dest + libdir, "libmedcrypt.so.0")),
                "_install.py LIBDIR %r -> %s: no libmedcrypt.so.0 there" % (ns["LIBDIR"], libdir))
    T.done()


if __name__ == "__main__":
    sys.exit(main())
