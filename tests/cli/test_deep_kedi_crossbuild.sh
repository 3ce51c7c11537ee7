#!/usr/bin/env bash
# test_deep_kedi_crossbuild.sh - a deep-kedi cipher made by this build
# decrypts bit-exactly with the binary of the other build of `make test` (gcc
# RelWithDebInfo in build/, clang Debug + sanitizers in build-asan/), and the
# other way round, in both speckle domains; both builds make the same paper
# cipher and the same paper decryption: the generator runs on the engine's
# reference kernels and the ripplet transform and despeckling are fixed
# sequences of IEEE operations (src/dsp/speckle.h), so the bits must not
# depend on the compiler or the optimisation level.  Images: signed CT, MR,
# an 8-bit brain slice and a 16-bit two-frame RGB DICOM.  Skipped (77) when the
# other build is not there (make test-fast builds only one) or the build has
# no built-in ZZ-GAN model.
source "$(dirname "$0")/lib.bash"
other_build # sets $other, the other build's binary (or skips)
"$MC" keygen -o "$T/k.key" 2>/dev/null
"$MC" phantom --bits 16 --size 64 -o "$T/ph16.dcm" 2>/dev/null
if ! "$MC" encrypt -s deep-kedi -k "$T/k.key" "$T/ph16.dcm" -o "$T/probe.dcm" 2>"$T/err"; then
  grep -q "built-in" "$T/err" && { echo "SKIP: $(cat "$T/err")" >&2; exit 77; }
fi
n=0
for rel in dicom/CT_small.dcm dicom/MR_small.dcm itk/BrainT1Slice.png dicom/SC_rgb_rle_16bit_2frame.dcm; do
  in=$(sample "$rel"); [ -n "$in" ] || continue
  ext=${rel##*.}
  for sp in pixel ripplet; do
    # paper: no nonce, so both builds must make the very same cipher and decryption
    expect 0 "$rel $sp: paper encrypt (this build)" -- "$MC" encrypt -s deep-kedi --param speckle=$sp --profile paper -k "$T/k.key" "$in" -o "$T/pm.$ext" -f
    expect 0 "$rel $sp: paper encrypt (other build)" -- "$other" encrypt -s deep-kedi --param speckle=$sp --profile paper -k "$T/k.key" "$in" -o "$T/po.$ext" -f
    same_pixels "$T/pm.$ext" "$T/po.$ext" "$rel $sp: paper ciphers of the two builds"
    expect 0 "$rel $sp: paper decrypt (this build)" -- "$MC" decrypt --profile paper -k "$T/k.key" "$T/pm.$ext" -o "$T/pdm.$ext" -f
    expect 0 "$rel $sp: paper decrypt (other build)" -- "$other" decrypt --profile paper -k "$T/k.key" "$T/pm.$ext" -o "$T/pdo.$ext" -f
    same_pixels "$T/pdm.$ext" "$T/pdo.$ext" "$rel $sp: paper decryptions of the two builds"
    for dir in "$MC>$other" "$other>$MC"; do
      enc=${dir%%>*} dec=${dir##*>} n=$((n + 1))
      expect 0 "$rel $sp: encrypt ($enc)" -- "$enc" encrypt -s deep-kedi --param speckle=$sp -k "$T/k.key" "$in" -o "$T/c$n.$ext"
      expect 0 "$rel $sp: decrypt ($dec)" -- "$dec" decrypt -k "$T/k.key" "$T/c$n.$ext" -o "$T/d$n.$ext"
      same_pixels "$in" "$T/d$n.$ext" "$rel $sp: encrypted by $enc, decrypted by $dec"
    done
  done
done
[ "$n" -gt 0 ] || { echo "SKIP: no held-out sample (scripts/fetch-samples.sh)" >&2; exit 77; }
finish
