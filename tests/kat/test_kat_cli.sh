#!/usr/bin/env bash
# test_kat_cli.sh - the known answers through the CLI (docs/known-answers.md):
# every row of tests/kat/MANIFEST decrypted by `medcrypt decrypt` with the
# committed key file (the wrapped one and passphrase-derived files unlock with
# --passphrase-file keys/passphrase.txt) must give the expected image
# (`medcrypt compare`); a paper-profile file is refused (exit 3) without
# --profile paper.  To keep `make test` short this takes the gray8 rows
# (every scheme, profile, format and key kind) and the neural schemes' PNG
# rows, and in the sanitizer build (a process start costs more there) only
# the PNG and passphrase ones of these; test_kat.c checks every row in the
# library, more strictly (Bits Stored, spacing, wrong keys).
. "$(dirname "$0")/../cli/lib.bash"
KAT=$(cd "$(dirname "$0")" && pwd)
PASSFILE=$KAT/keys/passphrase.txt
rows=0
while read -r file scheme profile key expect; do
  case $file in '#'* | '') continue ;; esac
  base=${file##*/}
  kind=${base#*-}
  kind=${kind%%.*}
  case $kind:$base in gray8:* | nn8:*.png) ;; *) continue ;; esac
  if [ "${MEDCRYPT_SANITIZE:-0}" = 1 ]; then
    case $base in *.png | pass-*) ;; *) continue ;; esac
  fi
  rows=$((rows + 1))
  case $key in
    raw) kopt=(-k "$KAT/keys/raw.key") ;;
    wrapped) kopt=(-k "$KAT/keys/wrapped.key" --passphrase-file "$PASSFILE") ;;
    pass) kopt=(--passphrase-file "$PASSFILE") ;;
    *) bad "$file: unknown key kind $key"; continue ;;
  esac
  ext=${expect#*.}
  out=$T/out.$ext
  rm -f "$out"
  if [ "$profile" = paper ]; then
    expect 3 "$file: paper file without --profile paper" -- "$MC" decrypt "${kopt[@]}" "$KAT/$file" -o "$out"
    no_file "$out" "$file: refused paper file"
    popt=(--profile paper)
  else
    popt=()
  fi
  expect 0 "$file ($scheme $profile, $key key)" -- "$MC" decrypt "${kopt[@]}" "${popt[@]}" "$KAT/$file" -o "$out"
  same_pixels "$out" "$KAT/$expect" "$file: decrypted vs $expect"
done <"$KAT/MANIFEST"
if [ "$rows" -lt 1 ]; then bad "no rows in $KAT/MANIFEST"; fi
echo "$rows rows"
finish
