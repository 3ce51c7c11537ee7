#!/usr/bin/env bash
# test_aux.sh - the aux blob through the CLI: `info` reports its size (text
# and --json), `convert` carries it through every format and back to the
# same PGM comment lines, standard input works, `decrypt` of a file whose MAC
# does not cover it fails with exit 3 and writes nothing, damaged aux lines
# are exit 3 with a one-line message.  The PGM input is built here with
# printf and coreutils' base64 (no scheme sets an aux blob yet).
source "$(dirname "$0")/lib.bash"
command -v base64 >/dev/null || { echo "SKIP: base64 (coreutils) not found" >&2; exit 77; }
cd "$T" || exit 1

META="medcrypt=1;scheme=logistic;profile=hardened;p.mu=key;p.x0=key;p.transient=1000;nonce=$(printf 'ab%.0s' {1..24});mac=$(printf 'cd%.0s' {1..16})"
head -c 5000 /dev/urandom >aux.bin
# a 16x8 8-bit PGM: metadata comment, aux size, aux lines of 76 characters
mkpgm() { # OUT [EXTRA-HEADER-LINES]
  {
    printf 'P5\n# medcrypt %s\n# medcrypt-aux-size %d\n' "$META" "$(stat -c %s aux.bin)"
    base64 -w 76 aux.bin | sed 's/^/# medcrypt-aux /'
    printf '%s16 8\n255\n' "${2:-}"
    head -c 128 /dev/zero
  } >"$1"
}
mkpgm in.pgm

expect 0 "info" -- "$MC" info in.pgm
grep -q '^aux:       5000 bytes$' "$T/out" && ok || bad "info text: $(cat "$T/out")"
expect 0 "info --json" -- "$MC" info --json in.pgm
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["aux_bytes"]==5000 and d["encrypted"], d' "$T/out" && ok || bad "info json aux_bytes"
# a file without one: aux_bytes 0, no aux line
"$MC" phantom -o plain.pgm --size 16 >/dev/null 2>&1 || bad "phantom"
expect 0 "info plain" -- "$MC" info plain.pgm
grep -q '^aux:' "$T/out" && bad "aux line for a plain file" || ok
expect 0 "info --json plain" -- "$MC" info --json plain.pgm
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["aux_bytes"]==0, d' "$T/out" && ok || bad "plain aux_bytes"

# convert: pgm -> png -> dcm -> nii.gz -> nii -> pgm keeps the blob bit for bit
prev=in.pgm
for ext in png dcm nii.gz nii pgm; do
  expect 0 "convert to $ext" -- "$MC" convert "$prev" -o "c.$ext"
  expect 0 "info $ext" -- "$MC" info --json "c.$ext"
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["aux_bytes"]==5000, d' "$T/out" && ok || bad "$ext: aux_bytes"
  prev=c.$ext
done
grep -a '^# medcrypt-aux ' c.pgm | cut -c16- | base64 -d >back.bin 2>/dev/null
cmp -s aux.bin back.bin && ok || bad "aux changed through the conversions"
# standard input
expect 0 "info stdin" -- sh -c "\"$MC\" info - <c.dcm"
grep -q '^aux:       5000 bytes$' "$T/out" && ok || bad "stdin: $(cat "$T/out")"

# the MAC in META is made up: exit 3, nothing written
"$MC" keygen -o k.key >/dev/null 2>&1 || bad "keygen"
for f in in.pgm c.png c.dcm c.nii.gz; do
  expect 3 "decrypt $f" -- "$MC" decrypt -k k.key "$f" -o "dec.${f#*.}"
  one_line_err "decrypt $f"
  no_file "dec.${f#*.}" "decrypt $f"
done

# damaged: a character outside base64, a line dropped, a second size line
sed '0,/^# medcrypt-aux [A-Za-z0-9]/s//# medcrypt-aux */' in.pgm >bad1.pgm
sed '5d' in.pgm >bad2.pgm
mkpgm bad3.pgm "# medcrypt-aux-size 5000
"
sed 's/^# medcrypt medcrypt=1/# other medcrypt=1/' in.pgm >bad4.pgm
for f in bad1.pgm bad2.pgm bad3.pgm bad4.pgm; do
  expect 3 "$f" -- "$MC" info "$f"
  one_line_err "$f"
done
# over the cap (2 x 128 pixel bytes + 1 MiB): exit 2
sed 's/^# medcrypt-aux-size 5000$/# medcrypt-aux-size 2000000/' in.pgm >big.pgm
expect 2 "over the cap" -- "$MC" info big.pgm
one_line_err "over the cap"
finish
