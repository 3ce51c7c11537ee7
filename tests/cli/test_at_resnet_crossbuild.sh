#!/usr/bin/env bash
# test_at_resnet_crossbuild.sh - a cipher of the neural schemes (at-resnet-cm,
# resnet-cm, edg-net) made by this
# build decrypts bit-exactly with the binary of the other build of `make
# test` (gcc RelWithDebInfo in build/, clang Debug + sanitizers in
# build-asan/), and the other way round, and both builds make the same paper
# cipher: the networks run on the engine's reference kernels, which must give
# the same bits whatever the compiler and optimisation level.  Skipped (77) when the other build is not
# there (make test-fast builds only one).
source "$(dirname "$0")/lib.bash"
other_build # sets $other, the other build's binary (or skips)
"$MC" keygen -o "$T/k.key" 2>/dev/null
n=0
for rel in dicom/CT_small.dcm dicom/MR_small.dcm itk/BrainT1Slice.png; do
  in=$(sample "$rel"); [ -n "$in" ] || continue
  ext=${rel##*.}
  for s in at-resnet-cm resnet-cm edg-net; do
    # paper: no nonce, so both builds must make the very same cipher
    expect 0 "$s $rel: paper encrypt (this build)" -- "$MC" encrypt -s "$s" --profile paper -k "$T/k.key" "$in" -o "$T/pm.$ext" -f
    expect 0 "$s $rel: paper encrypt (other build)" -- "$other" encrypt -s "$s" --profile paper -k "$T/k.key" "$in" -o "$T/po.$ext" -f
    same_pixels "$T/pm.$ext" "$T/po.$ext" "$s $rel: paper ciphers of the two builds"
    for dir in "$MC>$other" "$other>$MC"; do
      enc=${dir%%>*} dec=${dir##*>} n=$((n + 1))
      expect 0 "$s $rel: encrypt ($enc)" -- "$enc" encrypt -s "$s" -k "$T/k.key" "$in" -o "$T/c$n.$ext"
      expect 0 "$s $rel: decrypt ($dec)" -- "$dec" decrypt -k "$T/k.key" "$T/c$n.$ext" -o "$T/d$n.$ext"
      same_pixels "$in" "$T/d$n.$ext" "$s $rel: encrypted by $enc, decrypted by $dec"
    done
  done
done
[ "$n" -gt 0 ] || { echo "SKIP: no held-out sample (scripts/fetch-samples.sh)" >&2; exit 77; }
finish
