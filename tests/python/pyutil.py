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
