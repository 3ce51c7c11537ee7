#!/usr/bin/python3
"""test_cdef.py - the binding's C declarations (python/medcrypt/_ffi.py)
against the real headers.

cffi's ABI mode lays structs out from the declarations it is given, so a
header change the binding misses would silently corrupt memory.  This test
compiles a C program with include/medcrypt.h and include/medcrypt_lab.h in
which every function prototype of the binding is declared again (a
prototype that differs from the header's is a compile error) and which
prints the size of every struct and the offset of every field the binding
declares, every #define and every enum value; each must equal cffi's view.
"""
import os
import re
import shutil
import subprocess
import sys

from pyutil import SRC, Tally, skip, tmpdir

try:
    from medcrypt import _ffi
except ImportError as e:
    skip("medcrypt binding not importable (%s)" % e)

T = Tally("test_cdef")


def prototypes(cdef):
    """The top-level function declarations of a cdef (brace-aware)."""
    out, cur, depth = [], "", 0
    for ch in re.sub(r"#define[^\n]*\n", "", cdef):
        cur += ch
        depth += ch == "{"
        depth -= ch == "}"
        if ch == ";" and depth == 0:
            s = " ".join(cur.split())
            cur = ""
            if s.startswith("typedef") or "(" not in s:
                continue
            out.append(s)
    return out


def defines(cdef):
    return re.findall(r"#define\s+(\w+)\s+(-?\d+)", cdef)


def main():
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        skip("no C compiler")
    inc = os.path.join(SRC, "include")
    ffi = _ffi.lab_ffi  # includes the crypto library's declarations
    lines = ["#include <stdio.h>", "#include <stddef.h>", '#include "medcrypt.h"', '#include "medcrypt_lab.h"']
    protos = prototypes(_ffi.CDEF) + prototypes(_ffi.LAB_CDEF)
    T.check(len(protos) >= 30, "only %d prototypes found in the cdef" % len(protos))
    lines += protos
    lines.append("int main(void) {")
    want = {}
    structs = dict(_ffi.CHECKED_STRUCTS, **_ffi.CHECKED_LAB_STRUCTS)
    for name, fields in structs.items():
        lines.append('printf("size %s %%zu\\n", sizeof(%s));' % (name, name))
        want["size " + name] = ffi.sizeof(name)
        declared = [f for f, _ in ffi.typeof(name).fields]
        T.check(declared == fields, "%s: cdef fields %s, CHECKED %s" % (name, declared, fields))
        for f in declared:
            lines.append('printf("off %s.%s %%zu\\n", offsetof(%s, %s));' % (name, f, name, f))
            want["off %s.%s" % (name, f)] = ffi.offsetof(name, f)
    for name, val in defines(_ffi.CDEF) + defines(_ffi.LAB_CDEF):
        lines.append('printf("def %s %%lld\\n", (long long)(%s));' % (name, name))
        want["def " + name] = int(val)
    for enum in ("mc_status", "mc_format", "mc_profile"):
        for name, val in ffi.typeof(enum).relements.items():
            lines.append('printf("enum %s %%lld\\n", (long long)(%s));' % (name, name))
            want["enum " + name] = val
    lines += ["return 0;", "}"]
    d = tmpdir()
    c, exe = os.path.join(d, "cdef.c"), os.path.join(d, "cdef")
    with open(c, "w") as f:
        f.write("\n".join(lines) + "\n")
    r = subprocess.run([cc, "-std=c11", "-Wall", "-Werror", "-I", inc, c, "-o", exe], capture_output=True, text=True)
    if not T.check(r.returncode == 0, "the binding's prototypes do not match the headers:\n" + r.stderr[-3000:]):
        T.done()
    got = dict(line.rsplit(" ", 1) for line in subprocess.run([exe], capture_output=True, text=True,
                                                                 check=True).stdout.splitlines())
    for k, v in want.items():
        T.check(int(got.get(k, -999)) == v, "%s: header %s, binding %d" % (k, got.get(k), v))
    print("checked %d prototypes, %d sizes/offsets/constants" % (len(protos), len(want)))
    T.done()


if __name__ == "__main__":
    sys.exit(main())
