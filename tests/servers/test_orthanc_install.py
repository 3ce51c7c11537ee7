#!/usr/bin/python3
"""test_orthanc_install.py - `make install` puts the Orthanc plugin where
Orthanc looks for plugins (PREFIX/share/orthanc/plugins), with the example
configuration, and Debian's Orthanc loads the installed copy, which finds the
installed libmedcrypt (not the build tree's), accepts the installed example
configuration (comments and all) and answers /medcrypt/status.
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orthanc_harness as H  # noqa: E402


def main():
    if os.environ.get("MEDCRYPT_SANITIZE") == "1":
        print("SKIP: the install test runs in the plain build only (this one is sanitized)")
        return 77
    build = os.environ.get("MEDCRYPT_BUILD")
    if not os.environ.get("MEDCRYPT_ORTHANC_PLUGIN") or not build:
        print("SKIP: the Orthanc plugin was not built")
        return 77
    if not H.orthanc_binary():
        print("SKIP: Orthanc is not installed")
        return 77
    fails = []
    tmp = tempfile.mkdtemp(prefix="mcorthinst.")
    cl = H.Cluster(tmp)
    try:
        prefix = os.path.join(tmp, "prefix")
        r = subprocess.run(["cmake", "--install", build, "--prefix", prefix], capture_output=True, text=True)
        if r.returncode:
            print("FAIL: cmake --install: " + r.stderr[-500:])
            return 1
        so = os.path.join(prefix, "share", "orthanc", "plugins", "libOrthancMedcrypt.so")
        example = os.path.join(prefix, "share", "doc", "medcrypt", "medcrypt-orthanc.json")
        for f in (so, example):
            if not os.path.isfile(f):
                fails.append("not installed: " + f)
        if os.path.isfile(so):
            ldd = subprocess.run(["ldd", so], capture_output=True, text=True).stdout
            line = [ln for ln in ldd.splitlines() if "libmedcrypt.so" in ln]
            if not line or prefix not in line[0]:
                fails.append("the installed plugin does not find the installed libmedcrypt: %s" % line)
            # the installed example configuration, with this key and this plugin path
            key = H.make_key(os.path.join(tmp, "k.key"))
            text = open(example).read()
            for old, new in (("/usr/local/share/orthanc/plugins/libOrthancMedcrypt.so", so),
                             ("/etc/orthanc/medcrypt.key", key)):
                if old not in text:
                    fails.append("the example no longer says %s" % old)
                text = text.replace(old, new)
            s = cl.add("inst", "INSTALLED", extra_files={"medcrypt.json": text})
            if cl.start():
                fails.append("Orthanc does not start with the installed plugin: " + s.log()[-800:])
            else:
                st = s.get("/medcrypt/status")
                if not (st.get("Enabled") and st.get("Scheme") == "aead"):
                    fails.append("status of the installed plugin: %s" % st)
    finally:
        cl.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    for f in fails:
        print("FAIL: " + f, file=sys.stderr)
    print("%d failed" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
