#!/usr/bin/env bash
# test_exports.sh - the libraries are sealed: libmedcrypt.so exports exactly
# the functions medcrypt.h declares with MC_API, libmedcrypt_lab.so exactly
# the MC_LAB_API functions and data of medcrypt_lab.h, and libmedcrypt needs
# none of the lab's dependencies (cairo, fontconfig, OpenBLAS, OpenMP: its
# threads are its own, src/nn/nn_workers.c).
. "$(dirname "$0")/lib.bash"
B=${MEDCRYPT_BUILD:?}
SRC=${MEDCRYPT_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v nm >/dev/null || { echo "SKIP: nm not installed" >&2; exit 77; }
# documented names: the identifier before the first '(' or '[' on each
# MC_API / MC_LAB_API declaration line
declared() { # HEADER MACRO
  grep -E "^$2 " "$1" | sed -E 's/\(.*//; s/\[.*//; s/;.*//; s/.*[ *]([A-Za-z_][A-Za-z0-9_]*)$/\1/' | sort -u
}
exported() { # LIB
  nm -D --defined-only "$1" | awk '$2 ~ /^[TDRBVW]$/ {print $3}' | sed 's/@.*//' | sort -u
}
check() { # LIB HEADER MACRO
  declared "$2" "$3" >"$T/want"
  exported "$1" >"$T/got"
  [ -s "$T/want" ] || { bad "no $3 declarations found in $2"; return; }
  if cmp -s "$T/want" "$T/got"; then ok; else
    bad "$(basename "$1") exports differ from $(basename "$2"): $(diff "$T/want" "$T/got" | grep '^[<>]' | head -8 | tr '\n' ' ')"
  fi
}
check "$B/libmedcrypt.so" "$SRC/include/medcrypt.h" MC_API
check "$B/libmedcrypt_lab.so" "$SRC/include/medcrypt_lab.h" MC_LAB_API
# the check can fail: a symbol list with one name removed differs
declared "$SRC/include/medcrypt.h" MC_API | sed 1d >"$T/fewer"
exported "$B/libmedcrypt.so" >"$T/got"
if cmp -s "$T/fewer" "$T/got"; then bad "a shorter list compares equal"; else ok; fi
# no tpe_* or other unprefixed names anywhere
if exported "$B/libmedcrypt.so" | grep -qv '^mc_'; then bad "unprefixed export: $(exported "$B/libmedcrypt.so" | grep -v '^mc_' | head -3)"; else ok; fi
# the crypto library does not need the lab's dependencies
if ldd "$B/libmedcrypt.so" | grep -Ei 'cairo|fontconfig|openblas|blas' >"$T/deps"; then
  bad "libmedcrypt.so needs lab dependencies: $(tr '\n' ' ' <"$T/deps")"
else ok; fi
if ldd "$B/libmedcrypt.so" | grep -Ei 'lib(g|i)?omp' >"$T/omp"; then
  bad "libmedcrypt.so needs OpenMP: $(tr '\n' ' ' <"$T/omp")"
else ok; fi
# (the check can fail: the lab library does link OpenMP when it was found)
if grep -q 'OpenMP_C_FOUND:INTERNAL=TRUE\|OpenMP_C_FLAGS:STRING=-fopenmp' "$B/CMakeCache.txt" 2>/dev/null; then
  if ldd "$B/libmedcrypt_lab.so" | grep -qEi 'lib(g|i)?omp'; then ok; else bad "libmedcrypt_lab.so: no OpenMP seen by the check"; fi
fi
finish
