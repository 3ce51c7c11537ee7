# lib.bash - helpers for the CLI tests (sourced).  Each test script ends with
# `finish`, which prints "N passed, N failed" and exits non-zero on failure.
set -u
MC=${MEDCRYPT:?MEDCRYPT must point at the medcrypt binary}
SAMPLES=${MEDCRYPT_SAMPLES:-$(dirname "$0")/../../.cache/samples}
PY=${MEDCRYPT_PYTHON:-/usr/bin/python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/mccli.XXXXXX")
trap 'rm -rf "$T"' EXIT
npass=0
nfail=0
ok() { npass=$((npass + 1)); }
bad() { nfail=$((nfail + 1)); echo "FAIL: $*" >&2; }
# expect STATUS DESCRIPTION -- command...   (stdout/stderr to $T/out, $T/err)
expect() {
  local want=$1 what=$2
  shift 3
  "$@" >"$T/out" 2>"$T/err" </dev/null
  local got=$?
  if [ "$got" -eq "$want" ]; then ok; else bad "$what: exit $got, want $want: $(head -c 300 "$T/err")"; fi
  if [ "$got" -ge 128 ]; then bad "$what: killed by signal $((got - 128))"; fi
}
# the error message must be exactly one line
one_line_err() {
  local n
  n=$(wc -l <"$T/err")
  if [ "$n" -eq 1 ]; then ok; else bad "$1: stderr has $n lines: $(cat "$T/err")"; fi
}
no_file() { if [ -e "$1" ]; then bad "$2: $1 exists"; else ok; fi; }
has_file() { if [ -s "$1" ]; then ok; else bad "$2: $1 missing"; fi; }
no_temp_left() {
  local left
  left=$(find "$1" -maxdepth 1 -name '.*.??????*' | head -3)
  if [ -z "$left" ]; then ok; else bad "$2: temporary files left: $left"; fi
}
same_pixels() { # A B DESCRIPTION
  if "$MC" compare "$1" "$2" >"$T/cmp" 2>&1; then ok; else bad "$3: $(cat "$T/cmp")"; fi
}
sample() { # REL -> path or empty (loud skip message)
  if [ -f "$SAMPLES/$1" ]; then echo "$SAMPLES/$1"; else echo "SKIP: sample $1 missing (scripts/fetch-samples.sh)" >&2; fi
}
# flip one bit at byte OFFSET of FILE (negative: from the end)
flip_byte() {
  "$PY" - "$1" "$2" <<'PYEOF'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, 'rb').read())
b[off] ^= 0x04
open(p, 'wb').write(b)
PYEOF
}
# byte offset of the first occurrence of STRING in FILE (-1 if none)
offset_of() {
  "$PY" -c 'import sys; print(open(sys.argv[1],"rb").read().find(sys.argv[2].encode()))' "$1" "$2"
}
# Cross-build tests: other=the binary of the other build of `make test`
# (build/ or build-asan/, not $MC), built by the other compiler; else a loud
# skip (exit 77).
other_build() {
  local src=${MEDCRYPT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)} mine b vm vo
  mine=$(readlink -f "$MC")
  other=""
  for b in "$src/build/medcrypt" "$src/build-asan/medcrypt"; do
    [ -x "$b" ] && [ "$(readlink -f "$b")" != "$mine" ] && other=$b
  done
  [ -n "$other" ] || { echo "SKIP: no second build beside $mine (make test builds both)" >&2; exit 77; }
  vm=$("$MC" --version) vo=$("$other" --version)
  echo "this build:  $vm"
  echo "other build: $vo"
  [ "${vm#*built with }" != "${vo#*built with }" ] || { echo "SKIP: both builds use the same compiler ($vm)" >&2; exit 77; }
}
finish() {
  echo "$npass passed, $nfail failed"
  [ "$nfail" -eq 0 ]
}
