#!/usr/bin/env bash
# test_cli.sh - the CLI contract: usage, keys, round trips in every format,
# wrong key, tampering, truncation, absurd input, overwrite and data safety.
. "$(dirname "$0")/lib.bash"
cd "$T"

# --- usage and help --------------------------------------------------------
expect 0 "help" -- "$MC" --help
expect 1 "no args" -- "$MC"
expect 1 "unknown command" -- "$MC" frobnicate
for c in keygen encrypt decrypt info list convert phantom compare; do
  expect 0 "$c --help" -- "$MC" $c --help
  grep -q "Usage: medcrypt $c" "$T/out" && ok || bad "$c --help text"
done
expect 1 "encrypt without scheme" -- "$MC" encrypt -k x in.pgm -o out.pgm
one_line_err "encrypt without scheme"
expect 1 "encrypt unknown scheme" -- "$MC" encrypt -s nosuch -k x in.pgm -o out.pgm
expect 0 "list" -- "$MC" list
grep -q '^aead' "$T/out" && ok || bad "list shows aead"
expect 0 "list --json" -- "$MC" list --json
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(s["name"]=="aead" for s in d)' "$T/out" && ok || bad "list --json parses"

# --- keys -----------------------------------------------------------------
expect 0 "keygen" -- "$MC" keygen -o k1
[ "$(stat -c %a k1)" = 600 ] && ok || bad "key mode $(stat -c %a k1)"
grep -qE '^medcrypt-key-v1 raw [0-9a-f]{64}$' k1 && ok || bad "key file format"
cp k1 k1.before
expect 1 "keygen refuses to overwrite" -- "$MC" keygen -o k1
cmp -s k1 k1.before && ok || bad "key file changed"
expect 1 "keygen to stdout refused" -- "$MC" keygen -o -
expect 0 "keygen 2" -- "$MC" keygen -o k2
cmp -s k1 k2 && bad "two keygens gave the same key" || ok
MEDCRYPT_PASSPHRASE="open sesame" expect 0 "keygen wrapped" -- "$MC" keygen -o kw --passphrase
grep -q '^medcrypt-key-v1 argon2id ' kw && ok || bad "wrapped key format"
grep -q "open sesame" kw && bad "passphrase in key file" || ok

# --- round trips in every format ---------------------------------------------
expect 0 "phantom 16-bit dcm" -- "$MC" phantom --size 128 -o ph16.dcm
expect 0 "phantom 8-bit png" -- "$MC" phantom --size 128 --bits 8 -o ph8.png
expect 0 "phantom 16-bit pgm" -- "$MC" phantom --size 64 -o ph16.pgm
expect 0 "phantom volume nii" -- "$MC" phantom --size 64 --slices 16 -o vol.nii
expect 0 "phantom volume nii.gz" -- "$MC" phantom --size 64 --slices 16 -o vol.nii.gz
inputs="ph16.dcm ph8.png ph16.pgm vol.nii vol.nii.gz"
for rel in dicom/CT_small.dcm dicom/MR_small_RLE.dcm dicom/MR_small_jpeg_ls_lossless.dcm \
           dicom/MR_small_bigendian.dcm dicom/SC_rgb_rle_2frame.dcm itk/BrainProtonDensitySlice.png \
           nifti/ch2.nii.gz; do
  p=$(sample $rel); [ -n "$p" ] && inputs="$inputs $p"
done
i=0
for in in $inputs; do
  i=$((i + 1))
  base=$(basename "$in"); ext=${base#*.}; [ "$ext" = "${base}" ] && ext=dcm
  expect 0 "encrypt $base" -- "$MC" encrypt -s aead -k k1 "$in" -o "enc$i.$ext"
  has_file "enc$i.$ext" "encrypt $base"
  "$MC" compare "$in" "enc$i.$ext" >/dev/null 2>&1 && bad "$base: cipher equals plain" || ok
  expect 0 "info encrypted $base" -- "$MC" info --json "enc$i.$ext"
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["encrypted"] and d["metadata"]["scheme"]=="aead", d' "$T/out" && ok || bad "info json $base"
  expect 0 "decrypt $base" -- "$MC" decrypt -k k1 "enc$i.$ext" -o "dec$i.$ext"
  same_pixels "$in" "dec$i.$ext" "round trip $base"
  expect 0 "info decrypted $base" -- "$MC" info --json "dec$i.$ext"
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert not d["encrypted"], d' "$T/out" && ok || bad "decrypted still marked encrypted: $base"
  # wrong key: exit 3, no output, no temporary file
  expect 3 "wrong key $base" -- "$MC" decrypt -k k2 "enc$i.$ext" -o "wrong$i.$ext"
  one_line_err "wrong key $base"
  no_file "wrong$i.$ext" "wrong key $base"
  no_temp_left . "wrong key $base"
done

# --- passphrases -------------------------------------------------------------
export MEDCRYPT_PASSPHRASE="correct horse battery staple"
expect 0 "encrypt passphrase" -- "$MC" encrypt -s aead --passphrase ph16.dcm -o pp.dcm
"$MC" info --json pp.dcm | grep -q '"kdf": "argon2id"' && ok || bad "kdf recorded"
expect 0 "decrypt passphrase" -- "$MC" decrypt --passphrase pp.dcm -o pp-dec.dcm
same_pixels ph16.dcm pp-dec.dcm "passphrase round trip"
expect 1 "passphrase file with key file" -- "$MC" decrypt -k k1 pp.dcm -o x.dcm
MEDCRYPT_PASSPHRASE="wrong" expect 3 "wrong passphrase" -- "$MC" decrypt --passphrase pp.dcm -o x.dcm
no_file x.dcm "wrong passphrase"
printf 'correct horse battery staple\n' > pf
unset MEDCRYPT_PASSPHRASE
expect 0 "passphrase file" -- "$MC" decrypt --passphrase-file pf pp.dcm -o pp-dec2.dcm
same_pixels ph16.dcm pp-dec2.dcm "passphrase-file round trip"
expect 1 "no terminal, no passphrase" -- "$MC" decrypt --passphrase pp.dcm -o x2.dcm
# wrapped key file
MEDCRYPT_PASSPHRASE="open sesame" expect 0 "encrypt wrapped key" -- "$MC" encrypt -s aead -k kw ph8.png -o kw.png
MEDCRYPT_PASSPHRASE="open sesame" expect 0 "decrypt wrapped key" -- "$MC" decrypt -k kw kw.png -o kw-dec.png
same_pixels ph8.png kw-dec.png "wrapped key round trip"
MEDCRYPT_PASSPHRASE="nope" expect 3 "wrapped key wrong passphrase" -- "$MC" decrypt -k kw kw.png -o kw-x.png
no_file kw-x.png "wrapped key wrong passphrase"
printf 'open sesame\n' > kwpass
expect 0 "wrapped key, passphrase file" -- "$MC" decrypt -k kw --passphrase-file kwpass kw.png -o kw-dec2.png
same_pixels ph8.png kw-dec2.png "wrapped key + passphrase file"
expect 1 "-k with --passphrase" -- "$MC" decrypt -k kw --passphrase kw.png -o kw-x.png

# --- profile downgrade: an edited profile cannot skip authentication ---------
"$MC" encrypt -s aead -k k1 ph16.pgm -o dg.pgm && ok || bad "encrypt dg.pgm"
sed -i 's/profile=hardened/profile=paper/' dg.pgm
expect 3 "profile edited to paper" -- "$MC" decrypt -k k1 dg.pgm -o dg-dec.pgm
grep -q "profile paper" "$T/err" && ok || bad "downgrade message: $(cat "$T/err")"
expect 3 "profile edited, --profile paper" -- "$MC" decrypt -k k1 --profile paper dg.pgm -o dg-dec.pgm
no_file dg-dec.pgm "profile downgrade"
"$MC" encrypt -s aead -k k1 ph16.pgm -o dg2.pgm && ok || bad "encrypt dg2.pgm"
expect 3 "expected profile mismatch" -- "$MC" decrypt -k k1 --profile paper dg2.pgm -o dg-dec.pgm
expect 0 "expected profile matches" -- "$MC" decrypt -k k1 --profile hardened dg2.pgm -o dg-dec.pgm

# --- DICOM: slices of one series stay one series ------------------------------
p=$(sample dicom/CT_small.dcm)
if [ -n "$p" ]; then
  series() { dcmdump +P SeriesInstanceUID "$1" | sed 's/.*\[\(.*\)\].*/\1/'; }
  "$MC" encrypt -s aead -k k1 "$p" -o s1.dcm && "$MC" encrypt -s aead -k k1 "$p" -o s2.dcm && ok || bad "encrypt series"
  [ "$(series s1.dcm)" = "$(series s2.dcm)" ] && ok || bad "encrypted slices of one series got different series UIDs"
  [ "$(series s1.dcm)" != "$(series "$p")" ] && ok || bad "encrypted series UID equals the original"
  [ "$(dcmdump +P SOPInstanceUID s1.dcm)" != "$(dcmdump +P SOPInstanceUID s2.dcm)" ] && ok || bad "SOP Instance UIDs must differ"
  # a second medcrypt private block (say, an attacker's) is tampering, not a choice
  "$PY" - s1.dcm s1dup.dcm <<'PYEOF' && ok || bad "pydicom could not add a second block"
import sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
slot = next(el.tag.element for el in ds.group_dataset(0x0009) if el.tag.element <= 0xFF and el.value == "MEDCRYPT 1")
data = ds[0x0009, (slot << 8) | 0x01].value
ds.add_new((0x0009, 0x00F0), "LO", "MEDCRYPT 1")
ds.add_new((0x0009, 0xF001), "OB", data)
ds.save_as(sys.argv[2])
PYEOF
  expect 3 "two medcrypt blocks in a DICOM" -- "$MC" decrypt -k k1 s1dup.dcm -o s1dup-dec.dcm
  no_file s1dup-dec.dcm "two medcrypt blocks"
fi

# --- tampering: a flipped bit in pixels or in metadata gives exit 3 ---------
# One row per case: EXIT INPUT WHAT WHERE.  INPUT is encrypted (aead, key k1)
# once into t.EXT, copied to tt.EXT, one bit is flipped, and decrypt must exit
# EXIT and write nothing.  WHERE: -N = N bytes before the end; NAME=+N = N
# bytes after the first "NAME=" (the metadata text); via-pgm:W = flip at W in a
# PGM conversion of tt.EXT and convert back (PNG: a direct flip breaks a chunk
# CRC, which is the exit-2 row).
tamper_cases=(
  "3 ph16.pgm pixel       -100"
  "3 ph16.pgm meta-nonce  nonce=+10"
  "3 ph16.pgm meta-tag    tag=+5"
  "3 ph16.pgm meta-scheme scheme=+8"
  "3 ph16.dcm pixel       -3"
  "3 ph16.dcm meta-nonce  nonce=+9"
  "3 vol.nii  pixel       -7"
  "3 vol.nii  meta-tag    tag=+6"
  "3 ph8.png  pixel       via-pgm:-1"
  "2 ph8.png  broken-crc  -20"
)
for row in "${tamper_cases[@]}"; do
  read -r want in what where extra <<<"$row"
  ext=${in#*.}
  case="$ext tampered $what"
  if [ -z "$where" ] || [ -n "$extra" ]; then bad "$case: malformed row '$row'"; continue; fi
  if [ ! -f "t.$ext" ]; then
    "$MC" encrypt -s aead -k k1 "$in" -o "t.$ext" && ok || { bad "encrypt t.$ext"; continue; }
  fi
  cp "t.$ext" "tt.$ext"
  file=tt.$ext
  case $where in
    via-pgm:*) rm -f tt-as.pgm; "$MC" convert "tt.$ext" -o tt-as.pgm && ok || { bad "$case: convert to pgm"; continue; }
               file=tt-as.pgm; where=${where#via-pgm:} ;;
  esac
  case $where in
    -[0-9]*) off=$where ;;
    *=+[0-9]*) at=$(offset_of "$file" "${where%+*}")
               if [ "$at" -lt 0 ]; then bad "$case: no '${where%+*}' in $file"; continue; fi
               off=$((at + ${where#*=+})) ;;
    *) bad "$case: bad WHERE '$where'"; continue ;;
  esac
  flip_byte "$file" "$off" || { bad "$case: flip at $off"; continue; }
  if [ "$file" != "tt.$ext" ]; then
    rm -f "tt.$ext"
    "$MC" convert "$file" -o "tt.$ext" && ok || { bad "$case: convert back"; continue; }
  fi
  expect "$want" "$case" -- "$MC" decrypt -k k1 "tt.$ext" -o "tt-dec.$ext"
  [ "$want" = 2 ] && one_line_err "$case"
  no_file "tt-dec.$ext" "$case"
done

# --- encrypted files survive format conversion ---------------------------------
expect 0 "convert encrypted dcm -> nii" -- "$MC" convert t.dcm -o t-conv.nii
expect 0 "decrypt converted" -- "$MC" decrypt -k k1 t-conv.nii -o t-conv-dec.dcm
same_pixels ph16.dcm t-conv-dec.dcm "decrypt after conversion"

# --- stdin / stdout ------------------------------------------------------------
"$MC" encrypt -s aead -k k1 - -o - < ph16.pgm > s.pgm 2>"$T/err" && ok || bad "stdin/stdout encrypt: $(cat "$T/err")"
"$MC" decrypt -k k1 - -o - < s.pgm > s-dec.pgm 2>"$T/err" && ok || bad "stdin/stdout decrypt: $(cat "$T/err")"
same_pixels ph16.pgm s-dec.pgm "stdin/stdout round trip"
"$MC" convert - -o - < vol.nii.gz > s.nii.gz 2>"$T/err" && ok || bad "stdin gz: $(cat "$T/err")"
same_pixels vol.nii.gz s.nii.gz "stdin/stdout nifti"

# --- overwrite and data safety ---------------------------------------------------
cp ph8.png exists.png
expect 1 "refuse overwrite" -- "$MC" encrypt -s aead -k k1 ph16.dcm -o exists.png
cmp -s ph8.png exists.png && ok || bad "refused overwrite changed the file"
expect 0 "overwrite with -f" -- "$MC" convert ph8.png -o exists.png -f
expect 1 "output is input" -- "$MC" convert ph8.png -o ph8.png -f
expect 1 "output is input via path" -- "$MC" encrypt -s aead -k k1 ph8.png -o ./ph8.png -f
cmp -s ph8.png exists.png && ok || bad "input damaged"
expect 1 "unknown output extension" -- "$MC" convert ph8.png -o out.jpg
no_file out.jpg "unknown extension"
expect 2 "volume into png" -- "$MC" convert vol.nii -o vol.png
no_file vol.png "volume into png"
no_temp_left . "after failures"
expect 4 "missing input" -- "$MC" info does-not-exist.dcm
one_line_err "missing input"
expect 4 "output dir missing" -- "$MC" convert ph8.png -o no/such/dir/x.png
expect 2 "decrypt a plain file" -- "$MC" decrypt -k k1 ph8.png -o x.png
no_file x.png "decrypt plain"
expect 1 "aead has no paper profile" -- "$MC" encrypt -s aead --profile paper -k k1 ph8.png -o x.png
expect 1 "unknown param" -- "$MC" encrypt -s aead --param rounds=3 -k k1 ph8.png -o x.png
no_file x.png "param"
expect 2 "encrypt twice" -- "$MC" encrypt -s aead -k k1 t.png -o tt2.png
grep -q "already encrypted" "$T/err" && ok || bad "encrypt twice message: $(cat "$T/err")"

# --- truncated, corrupt and absurd files: exit 2, one line, no crash -------------------
for f in t.pgm ph16.pgm t.dcm ph16.dcm t.png ph8.png t.nii vol.nii vol.nii.gz; do
  size=$(stat -c %s "$f")
  for cut in 1 8 20 100 300 $((size / 2)) $((size - 1)); do
    [ "$cut" -lt "$size" ] || continue
    head -c $cut "$f" > cut.bin; mv cut.bin "cut.${f#*.}"
    expect 2 "truncated $f at $cut" -- "$MC" info "cut.${f#*.}"
    one_line_err "truncated $f at $cut"
  done
done
printf 'P5\n99999999 99999999\n255\n' > absurd.pgm
expect 2 "absurd pgm" -- "$MC" info absurd.pgm
printf 'P5\n60000 60000\n65535\nxx' > big.pgm
expect 2 "big pgm, short data" -- "$MC" info big.pgm
: > empty.dcm
expect 2 "empty file" -- "$MC" info empty.dcm
head -c 5000 /dev/urandom > noise.bin
expect 2 "noise" -- "$MC" info noise.bin
p=$(sample dicom/JPEG2000.dcm)
if [ -n "$p" ]; then
  # JPEG 2000 is read (OpenJPEG); a 32-bit RLE image is still refused
  expect 0 "jpeg2000 read" -- "$MC" info "$p"
  p32=$(sample dicom/SC_rgb_rle_32bit.dcm)
  if [ -n "$p32" ]; then
    expect 2 "32-bit refused" -- "$MC" info "$p32"
    grep -q "BitsAllocated 32" "$T/err" && ok || bad "32-bit message: $(cat "$T/err")"
  fi
fi
finish
