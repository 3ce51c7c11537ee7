#!/usr/bin/env bash
# test_layout.sh - the structural rules of the source tree (issue 12), checked
# on the tree so they stay true:
#  1. nothing under src/core includes anything from src/schemes, src/nn or
#     src/io (every #include resolved as the compiler would: the file's own
#     folder, then include/, then src/);
#  2. no hand-written .c/.cpp/.h/.hpp under src/ or programs/ is longer than
#     800 lines (a file whose first lines say "generated ... do not edit" is
#     not hand-written);
#  3. one option parser: getopt/getopt_long only in programs/opts.c;
#  4. CPU features only in src/core/cpu.c (cpuid, __builtin_cpu_*, getauxval,
#     MEDCRYPT_CPU read);
#  5. libmedcrypt's sources (src/core, io, dsp, schemes, nn/*.c) include no
#     cairo, fontconfig, BLAS or OpenMP header and have no OpenMP pragma (the
#     ldd side is test_exports.sh);
#  6. models embedded by glob: cmake/embed_models.cmake fails on an empty or
#     missing model file and embeds a good one; every models/*.mcnn is in the
#     build's builtin_models.c with its size.
# Each rule is also run on a scratch tree that breaks it, so the checks can
# fail.
. "$(dirname "$0")/lib.bash"
SRC=${MEDCRYPT_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${MEDCRYPT_BUILD:-}

cat >"$T/layout.py" <<'PYEOF'
import os, re, sys

root = sys.argv[1]
problems = []

def files(top, exts):
    base = os.path.join(root, top)
    for d, dirs, fs in os.walk(base):
        dirs.sort()
        for f in sorted(fs):
            if f.endswith(exts):
                yield os.path.join(d, f)

def rel(p):
    return os.path.relpath(p, root)

INC = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')

def resolve(path, kind, name):
    """The file an #include names, as gcc -Iinclude -Isrc finds it, or None
    (a system header)."""
    dirs = ([os.path.dirname(path)] if kind == '"' else []) + [os.path.join(root, 'include'), os.path.join(root, 'src')]
    for d in dirs:
        p = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(p):
            return p
    return None

# 1. src/core includes nothing from src/schemes, src/nn, src/io
forbidden = [os.path.join(root, 'src', x) + os.sep for x in ('schemes', 'nn', 'io')]
for p in files('src/core', ('.c', '.h', '.cpp', '.hpp')):
    for n, line in enumerate(open(p, errors='replace'), 1):
        m = INC.match(line)
        if not m:
            continue
        kind, name = m.groups()
        r = resolve(p, kind, name)
        top = name.replace('\\', '/').lstrip('./').split('/')[0]
        if (r and any(r.startswith(f) for f in forbidden)) or (not r and top in ('schemes', 'nn', 'io')):
            problems.append(f'{rel(p)}:{n}: src/core includes {name}')

# 2. no hand-written source file over 800 lines
GEN = re.compile(r'generated\b.*do not edit', re.I)
for top in ('src', 'programs'):
    for p in files(top, ('.c', '.h', '.cpp', '.hpp', '.inc')):
        lines = open(p, errors='replace').read().split('\n')
        if lines and lines[-1] == '':
            lines.pop()
        if any(GEN.search(l) for l in lines[:5]):
            continue
        if len(lines) > 800:
            problems.append(f'{rel(p)}: {len(lines)} lines (at most 800 for a hand-written file)')

CODE = ('.c', '.h', '.cpp', '.hpp')
def grep(tops, pattern, allowed):
    rx = re.compile(pattern)
    for top in tops:
        for p in files(top, CODE):
            if rel(p) in allowed:
                continue
            for n, line in enumerate(open(p, errors='replace'), 1):
                code = line.split('//')[0]
                if rx.search(code) and not code.lstrip().startswith(('*', '/*')):
                    yield f'{rel(p)}:{n}: {line.strip()[:100]}'

# 3. one option parser
for hit in grep(['programs'], r'\bgetopt(_long(_only)?)?\s*\(', {'programs/opts.c'}):
    problems.append(hit + '  (options are parsed by programs/opts.c only)')
# 4. CPU features in one module
for hit in grep(['src', 'programs'], r'__builtin_cpu_(supports|init|is)|<cpuid\.h>|__get_cpuid|__cpuid|_xgetbv|\bgetauxval\s*\(|getenv\s*\(\s*"MEDCRYPT_CPU"',
                {'src/core/cpu.c', 'src/core/cpu.h'}):
    problems.append(hit + '  (CPU features: src/core/cpu.h only)')
# 5. libmedcrypt without the lab's dependencies
lib_tops = ['src/core', 'src/io', 'src/dsp', 'src/schemes']
lab_dep = r'#\s*include\s*<(cairo|fontconfig|cblas|openblas|omp)[^>]*>|#\s*pragma\s+omp\b'
for hit in grep(lib_tops, lab_dep, set()):
    problems.append(hit + '  (libmedcrypt needs no cairo/fontconfig/BLAS/OpenMP)')
nn = os.path.join(root, 'src', 'nn')
if os.path.isdir(nn):
    for f in sorted(os.listdir(nn)):
        p = os.path.join(nn, f)
        if os.path.isfile(p) and f.endswith(CODE):
            for n, line in enumerate(open(p, errors='replace'), 1):
                if re.search(lab_dep, line):
                    problems.append(f'src/nn/{f}:{n}: {line.strip()[:100]}  (libmedcrypt needs no cairo/fontconfig/BLAS/OpenMP)')

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
PYEOF

# --- the tree as it is -------------------------------------------------------
if "$PY" "$T/layout.py" "$SRC" >"$T/out" 2>&1; then ok; else bad "layout rules broken: $(head -20 "$T/out")"; fi

# --- each rule can fail: a scratch tree that breaks it ------------------------
scratch() { # a minimal copy: the real src/core, include/, programs/opts.c, empty src/{io,nn,schemes}
  rm -rf "$T/s"
  mkdir -p "$T/s/src/io" "$T/s/src/nn" "$T/s/src/schemes" "$T/s/programs"
  cp -r "$SRC/src/core" "$T/s/src/core"
  cp -r "$SRC/include" "$T/s/include"
  cp "$SRC/programs/opts.c" "$T/s/programs/"
  echo '/* io.h */' >"$T/s/src/io/io.h"
  echo '/* nn.h */' >"$T/s/src/nn/nn.h"
  echo '/* schemes.h */' >"$T/s/src/schemes/schemes.h"
}
breaks() { # DESCRIPTION EXPECTED-TEXT: the scratch tree must fail, naming it
  if "$PY" "$T/layout.py" "$T/s" >"$T/out" 2>&1; then bad "$1: not detected"
  elif grep -q -- "$2" "$T/out"; then ok
  else bad "$1: wrong report: $(head -3 "$T/out")"; fi
}
scratch
if "$PY" "$T/layout.py" "$T/s" >"$T/out" 2>&1; then ok; else bad "scratch tree: $(head -5 "$T/out")"; fi
for inc in '"io/io.h"' '"../nn/nn.h"' '<schemes/schemes.h>' '"nn/missing.h"'; do
  scratch
  printf '#include %s\n' "$inc" >>"$T/s/src/core/error.c"
  breaks "src/core includes $inc" "src/core includes"
done
scratch
printf '/* x */\n#include "internal.h"\n#include <stdio.h>\n#include "medcrypt.h"\n' >"$T/s/src/core/ok_extra.c"
if "$PY" "$T/layout.py" "$T/s" >"$T/out" 2>&1; then ok; else bad "allowed includes reported: $(head -3 "$T/out")"; fi
scratch
seq 801 | sed 's|^|// line |' >"$T/s/programs/long.c"
breaks "801 lines" "programs/long.c: 801 lines"
scratch
seq 800 | sed 's|^|// line |' >"$T/s/programs/long.c"
if "$PY" "$T/layout.py" "$T/s" >"$T/out" 2>&1; then ok; else bad "800 lines reported: $(head -3 "$T/out")"; fi
scratch
{ echo '/* generated by cmake/x.cmake: do not edit */'; seq 900 | sed 's|^|// line |'; } >"$T/s/src/core/gen.c"
if "$PY" "$T/layout.py" "$T/s" >"$T/out" 2>&1; then ok; else bad "generated file reported: $(head -3 "$T/out")"; fi
scratch
printf 'int f(int c, char **v) { return getopt_long(c, v, "h", 0, 0); }\n' >"$T/s/programs/cmd_x.c"
breaks "getopt outside opts.c" "programs/cmd_x.c:1"
scratch
printf 'int f(void) { return __builtin_cpu_supports("avx2"); }\n' >"$T/s/src/schemes/x.c"
breaks "CPU features outside cpu.c" "src/schemes/x.c:1"
scratch
printf '#include <omp.h>\n' >"$T/s/src/nn/x.c"
breaks "OpenMP in libmedcrypt" "src/nn/x.c:1"
scratch
printf 'void f(void) {\n#pragma omp parallel\n}\n' >"$T/s/src/io/x.c"
breaks "OpenMP pragma in libmedcrypt" "src/io/x.c:2"

# --- models embedded by glob -----------------------------------------------------
if command -v cmake >/dev/null; then
  E="$SRC/cmake/embed_models.cmake"
  mkdir -p "$T/m"
  : >"$T/m/empty.mcnn"
  printf 'MCNN\001\002' >"$T/m/good-one.mcnn"
  ln -s "$T/m/nowhere.mcnn" "$T/m/dangling.mcnn"
  expect 1 "embed an empty model" -- cmake "-DOUT=$T/m/e.c" "-DFILES=$T/m/good-one.mcnn;$T/m/empty.mcnn" -P "$E"
  grep -q "empty.mcnn is empty" "$T/err" && ok || bad "empty model message: $(cat "$T/err")"
  no_file "$T/m/e.c" "no output for an empty model"
  expect 1 "embed a missing model" -- cmake "-DOUT=$T/m/e.c" "-DFILES=$T/m/dangling.mcnn" -P "$E"
  grep -q "is missing" "$T/err" && ok || bad "missing model message: $(cat "$T/err")"
  no_file "$T/m/e.c" "no output for a missing model"
  expect 0 "embed a good model" -- cmake "-DOUT=$T/m/g.c" "-DFILES=$T/m/good-one.mcnn" -P "$E"
  grep -q 'mc_builtin_model_good_one\[\] = {' "$T/m/g.c" && grep -q '0x4d,0x43,0x4e,0x4e,0x01,0x02,' "$T/m/g.c" &&
    grep -q 'mc_builtin_model_good_one_len = 6;' "$T/m/g.c" && grep -q '{"good-one", mc_builtin_model_good_one, 6}' "$T/m/g.c" &&
    ok || bad "embedded model: $(head -c 400 "$T/m/g.c")"
else
  echo "SKIP: cmake not found: the embedding checks" >&2
fi
if [ -n "$B" ] && [ -f "$B/builtin_models.c" ]; then
  n=0
  for f in "$SRC"/models/*.mcnn; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .mcnn)
    size=$(stat -c %s "$f")
    n=$((n + 1))
    grep -qF "{\"$name\", mc_builtin_model_${name//-/_}, $size}," "$B/builtin_models.c" && ok || bad "models/$name.mcnn ($size bytes) is not embedded in $B/builtin_models.c"
  done
  grep -q "mc_builtin_model_count = $n;" "$B/builtin_models.c" && ok || bad "builtin_models.c does not hold exactly the $n models of models/"
else
  echo "SKIP: no build directory with builtin_models.c (MEDCRYPT_BUILD): the embedded set not compared with models/" >&2
fi
finish
