#!/bin/bash
# test_classical.sh - CLI contract of the classical schemes (logistic, zigzag,
# latin) and `medcrypt attack`: bad parameters and key images exit 2 with one
# line, attacks recover 100% under paper and chance under hardened, and the
# logistic keystream is bit-identical across gcc/clang at -O0/-O2/-O3 and the
# library.
. "$(dirname "$0")/lib.bash"
SRC=${MEDCRYPT_SRC:-$(dirname "$0")/../..}
cd "$T"
"$MC" keygen -o k >/dev/null 2>&1 && ok || bad "keygen"
"$MC" phantom -o ph8.pgm --size 64 --bits 8 >/dev/null 2>&1 && ok || bad "phantom 8"
"$MC" phantom -o ph16.pgm --size 64 --bits 16 >/dev/null 2>&1 && ok || bad "phantom 16"

# --- bad parameters: exit 2, one line ----------------------------------------
for p in mu=4 mu=3.98 mu=abc x0=0 x0=1.5 transient=10; do
  expect 2 "logistic $p" -- "$MC" encrypt -s logistic -k k --profile paper --param "$p" ph8.pgm -o bad.pgm
  one_line_err "logistic $p"
done
expect 1 "logistic pinned mu in hardened" -- "$MC" encrypt -s logistic -k k --param mu=3.995 ph8.pgm -o bad.pgm
for p in pattern=x pattern=; do
  expect 2 "zigzag $p" -- "$MC" encrypt -s zigzag -k k --param "$p" ph8.pgm -o bad.pgm
  one_line_err "zigzag $p"
done
for p in rounds=0 rounds=65 rounds=x; do
  expect 2 "latin $p" -- "$MC" encrypt -s latin -k k --param "$p" ph8.pgm -o bad.pgm
  one_line_err "latin $p"
done
no_file bad.pgm "bad parameters"

# --- zigzag key image ----------------------------------------------------------
"$MC" phantom -o key8.pgm --size 64 --bits 8 >/dev/null 2>&1 && ok || bad "key image"
"$MC" phantom -o key48.pgm --size 48 --bits 8 >/dev/null 2>&1 && ok || bad "key image 48"
expect 2 "key image wrong size" -- "$MC" encrypt -s zigzag -k k --key-image key48.pgm ph8.pgm -o bad.pgm
one_line_err "key image wrong size"
grep -q "48x48" "$T/err" && ok || bad "size message: $(cat "$T/err")"
expect 2 "key image wrong bit depth" -- "$MC" encrypt -s zigzag -k k --key-image key8.pgm ph16.pgm -o bad.pgm
one_line_err "key image wrong bit depth"
expect 4 "key image missing" -- "$MC" encrypt -s zigzag -k k --key-image nope.pgm ph8.pgm -o bad.pgm
expect 1 "key image as a parameter" -- "$MC" encrypt -s zigzag -k k --param key-image=key8.pgm ph8.pgm -o bad.pgm
grep -q -- "--key-image" "$T/err" && ok || bad "parameter message: $(cat "$T/err")"
expect 1 "key image for a scheme without one" -- "$MC" encrypt -s aead -k k --key-image key8.pgm ph8.pgm -o bad.pgm
no_file bad.pgm "bad key images"
for prof in paper hardened; do
  expect 0 "zigzag key image $prof" -- "$MC" encrypt -s zigzag -k k --profile $prof --key-image key8.pgm --param pattern=v ph8.pgm -o zk-$prof.pgm
  grep -q "key8" zk-$prof.pgm && bad "zigzag $prof: the key image's name is in the file" || ok
  expect 2 "zigzag key image $prof: decrypt without it" -- "$MC" decrypt -k k --profile $prof zk-$prof.pgm -o zk-$prof.dec.pgm
  grep -q -- "--key-image" "$T/err" && ok || bad "missing key image message: $(cat "$T/err")"
  no_file zk-$prof.dec.pgm "zigzag $prof without key image"
  expect 0 "zigzag key image $prof decrypt" -- "$MC" decrypt -k k --profile $prof --key-image key8.pgm zk-$prof.pgm -o zk-$prof.dec.pgm
  same_pixels ph8.pgm zk-$prof.dec.pgm "zigzag key image $prof"
done
cp key8.pgm key8b.pgm
flip_byte key8b.pgm -100
expect 3 "hardened: changed key image" -- "$MC" decrypt -k k --key-image key8b.pgm zk-hardened.pgm -o zk-x.pgm
no_file zk-x.pgm "changed key image"
expect 3 "paper: changed key image" -- "$MC" decrypt -k k --profile paper --key-image key8b.pgm zk-paper.pgm -o zk-x.pgm
no_file zk-x.pgm "changed key image (paper)"

# --- attacks -----------------------------------------------------------------------
"$PY" - <<'PYEOF'
# a second plaintext unlike the phantom: a gradient, P5 8-bit 64x64
open("p2.pgm", "wb").write(b"P5\n64 64\n255\n" + bytes((x * 3 + y * 7) % 256 for y in range(64) for x in range(64)))
PYEOF
pct() { sed -n 's/^exact: \([0-9.]*\)%.*/\1/p' "$T/out"; }
for s in logistic zigzag; do
  for prof in paper hardened; do
    "$MC" encrypt -s $s -k k --profile $prof ph8.pgm -o c1-$s-$prof.pgm 2>/dev/null && ok || bad "encrypt c1 $s"
    "$MC" encrypt -s $s -k k --profile $prof p2.pgm -o c2-$s-$prof.pgm 2>/dev/null && ok || bad "encrypt c2 $s"
    expect 0 "kpa $s $prof" -- "$MC" attack kpa -s $s --profile $prof --known ph8.pgm c1-$s-$prof.pgm c2-$s-$prof.pgm -o r-$s-$prof.pgm --truth p2.pgm
    k=$(pct)
    expect 0 "cpa $s $prof" -- "$MC" attack cpa -k k c2-$s-$prof.pgm -o rc-$s-$prof.pgm --truth p2.pgm
    c=$(pct)
    if [ $prof = paper ]; then
      [ "$k" = "100.0000" ] && [ "$c" = "100.0000" ] && ok || bad "$s paper: kpa $k% cpa $c%, want 100%"
      same_pixels p2.pgm r-$s-$prof.pgm "kpa recovered image $s"
    else
      awk -v k="$k" -v c="$c" 'BEGIN { exit !(k != "" && c != "" && k < 1.5 && c < 1.5) }' && ok || bad "$s hardened: kpa $k% cpa $c%, want chance (~0.39%)"
    fi
  done
done
"$MC" encrypt -s latin -k k --profile paper ph8.pgm -o cl.pgm 2>/dev/null
expect 2 "kpa on latin" -- "$MC" attack kpa --known ph8.pgm cl.pgm cl.pgm -o rl.pgm
one_line_err "kpa on latin"
expect 2 "kpa scheme mismatch" -- "$MC" attack kpa -s zigzag --known ph8.pgm c1-logistic-paper.pgm c2-logistic-paper.pgm -o rl.pgm
expect 2 "kpa geometry mismatch" -- "$MC" attack kpa --known key48.pgm c1-logistic-paper.pgm c2-logistic-paper.pgm -o rl.pgm
expect 1 "kpa without --known" -- "$MC" attack kpa c1-logistic-paper.pgm c2-logistic-paper.pgm -o rl.pgm
expect 1 "attack unknown" -- "$MC" attack dpa x -o y
no_file rl.pgm "failed attacks"

# --- the logistic keystream: gcc and clang, -O0/-O2/-O3, and the library -------
cat > ks.c <<'CEOF'
#include "schemes/logistic_core.h"
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) { /* mu x0 transient n bits -> raw keystream, big-endian 16-bit */
    double mu = strtod(argv[1], NULL), x = strtod(argv[2], NULL);
    size_t n = (size_t)strtoull(argv[4], NULL, 10);
    int bits = atoi(argv[5]);
    x = mc_logistic_skip(mu, x, strtoull(argv[3], NULL, 10));
    for (size_t i = 0; i < n; i++) {
        if (bits == 8) { uint8_t b = 0; mc_logistic_xor8(mu, &x, &b, 1); putchar(b); }
        else { uint16_t v = 0; mc_logistic_xor16(mu, &x, &v, 1); putchar(v >> 8); putchar(v & 255); }
    }
    return 0;
}
CEOF
ccs="gcc"
if command -v clang >/dev/null 2>&1; then ccs="gcc clang"; else echo "SKIP: clang not found: keystream compared across gcc optimisation levels only" >&2; fi
MU=3.99731 X0=0.3141592653 TR=2000 N=65536
for bits in 8 16; do
  ref=""
  for cc in $ccs; do
    for o in -O0 -O2 -O3; do
      exe=ks-$cc$o
      if $cc -std=c11 $o -ffp-contract=off -I"$SRC/src" ks.c -o $exe 2>"$T/err"; then ok; else bad "$cc $o: $(head -3 "$T/err")"; continue; fi
      ./$exe $MU $X0 $TR $N $bits > ks$bits-$cc$o.bin
      h=$(sha256sum < ks$bits-$cc$o.bin)
      if [ -z "$ref" ]; then ref=$h; elif [ "$h" = "$ref" ]; then ok; else bad "$bits-bit keystream of $cc $o differs"; fi
    done
  done
  # the library: the paper-profile cipher of an all-zero 256x256 image is the keystream
  maxv=255; [ $bits = 16 ] && maxv=65535
  "$PY" -c "import sys; n=$N*($bits//8); sys.stdout.buffer.write(b'P5\n256 256\n$maxv\n' + bytes(n))" > z$bits.pgm
  expect 0 "logistic pinned $bits-bit" -- "$MC" encrypt -s logistic -k k --profile paper --param mu=$MU --param x0=$X0 --param transient=$TR z$bits.pgm -o zc$bits.pgm
  tail -c $((N * bits / 8)) zc$bits.pgm > lib$bits.bin
  [ "$(sha256sum < lib$bits.bin)" = "$ref" ] && ok || bad "$bits-bit: library keystream differs from the compiled ones"
  # and a plain Python double-precision model of the same map
  "$PY" - $MU $X0 $TR $N $bits lib$bits.bin <<'PYEOF' && ok || bad "$bits-bit keystream differs from the Python model"
import sys
mu, x, tr, n, bits = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
for _ in range(tr):
    x = mu * x * (1.0 - x)
out = bytearray()
for _ in range(n):
    x = mu * x * (1.0 - x)
    k = int(x * 1e14) & ((1 << bits) - 1)
    out += bytes([k]) if bits == 8 else k.to_bytes(2, "big")
sys.exit(0 if bytes(out) == open(sys.argv[6], "rb").read() else 1)
PYEOF
done
finish
