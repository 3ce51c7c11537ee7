"""oracle_common.py - what the DICOM oracle tests share (not a test itself:
ctest runs tests/oracle/*.py only).

skip(why): print "SKIP: why" and exit 77.
run(args): run a tool; RuntimeError with its message when it fails.
cli_and_samples(sub): $MEDCRYPT and $MEDCRYPT_SAMPLES/sub, or skip.
Tally: ok / fail lines, then the summary and the exit status (77 when
nothing ran).
"""
import os
import subprocess
import sys


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def run(args):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s exit %d: %s" % (os.path.basename(args[0]), r.returncode, (r.stderr or r.stdout).strip()))


def cli_and_samples(sub="dicom"):
    cli = os.environ.get("MEDCRYPT")
    if not cli or not os.access(cli, os.X_OK):
        skip("$MEDCRYPT (the medcrypt CLI) is not set or not executable")
    samples = os.path.join(os.environ.get("MEDCRYPT_SAMPLES", ".cache/samples"), sub)
    if not os.path.isdir(samples):
        skip("samples missing in %s (run scripts/fetch-samples.sh)" % samples)
    return cli, samples


class Tally:
    def __init__(self):
        self.passed = self.failed = 0

    def ok(self, what):
        self.passed += 1
        print("ok: " + what)

    def fail(self, what):
        self.failed += 1
        print("FAIL: " + what)

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        if self.passed == 0 and self.failed == 0:
            sys.exit(77)
        sys.exit(1 if self.failed else 0)
