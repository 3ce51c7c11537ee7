#!/usr/bin/env bash
# atres_table.sh - the AT-ResNet-CM / ResNet-CM reproduction table of
# docs/schemes/at-resnet-cm.md, beside the paper's Tables 2, 3 and 5: for
# held-out images (never seen in training: `make train-models` trains on ch2,
# two ITK slices and MR_small), the plain image's horizontal correlation and
# entropy, the cipher's (paper and hardened profiles), the paper profile's
# decryption PSNR / SSIM, whether the hardened round trip is bit-exact, the
# residual's size, and the time of encrypt + decrypt (CLI, whole process).
# Usage: scripts/atres_table.sh [MEDCRYPT] [SAMPLES_DIR]
set -euo pipefail
M=${1:-build/medcrypt}
S=${2:-.cache/samples}
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# a fixed key, as scripts/classical_table.sh: the paper rows are reproducible to
# the digit on every machine (bit-exact networks); hardened rows change with
# the nonce
echo "medcrypt-key-v1 raw 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" >"$T/k.key"
chmod 600 "$T/k.key"
"$M" phantom --bits 8 --size 512 -o "$T/phantom512-8bit.png" 2>/dev/null
"$M" phantom --bits 16 --size 512 -o "$T/phantom512-16bit.dcm" 2>/dev/null
imgs=("$T/phantom512-8bit.png" "$T/phantom512-16bit.dcm")
for rel in itk/BrainT1Slice.png dicom/CT_small.dcm; do
  if [ -f "$S/$rel" ]; then imgs+=("$S/$rel"); else echo "atres_table: $rel missing (scripts/fetch-samples.sh)" >&2; fi
done
# analyze IMAGE [REF] -> "corr_h entropy psnr ssim"
stats() {
  "$M" analyze "$@" --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
f = lambda v: "inf" if v is None else ("%.4f" % v)
print("%.4f %.4f %s %s" % (d["corr"]["h"], d["entropy"], f(d.get("psnr", 0)), f(d.get("ssim", 0))))'
}
now() { date +%s.%N; }
echo "| image | scheme | plain corr h | plain H | cipher corr h (paper) | cipher H (paper) | decrypted PSNR dB / SSIM (paper) | cipher corr h (hardened) | cipher H (hardened) | hardened exact | residual bytes (% of pixels) | hardened enc + dec s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for img in "${imgs[@]}"; do
  name=$(basename "$img")
  ext=${name##*.}
  read -r pc ph _ _ < <(stats "$img")
  for s in at-resnet-cm resnet-cm; do
    "$M" encrypt -s "$s" --profile paper -k "$T/k.key" "$img" -o "$T/p.$ext" -f
    read -r cc ch _ _ < <(stats "$T/p.$ext")
    "$M" decrypt --profile paper -k "$T/k.key" "$T/p.$ext" -o "$T/pd.$ext" -f 2>/dev/null
    read -r _ _ psnr ssim < <(stats "$T/pd.$ext" "$img")
    t0=$(now)
    "$M" encrypt -s "$s" -k "$T/k.key" "$img" -o "$T/h.$ext" -f
    "$M" decrypt -k "$T/k.key" "$T/h.$ext" -o "$T/hd.$ext" -f
    t1=$(now)
    read -r hc hh _ _ < <(stats "$T/h.$ext")
    exact=no
    "$M" compare "$img" "$T/hd.$ext" >/dev/null 2>&1 && exact=yes
    read -r aux px < <("$M" info "$T/h.$ext" --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(d.get("aux_bytes", 0), d["width"] * d["height"] * d["depth"] * d["channels"] * d["bits"] // 8)')
    pct=$("$PY" -c "print('%.1f' % (100.0 * $aux / $px))")
    secs=$("$PY" -c "print('%.2f' % ($t1 - $t0))")
    echo "| $name | $s | $pc | $ph | $cc | $ch | $psnr / $ssim | $hc | $hh | $exact | $aux ($pct%) | $secs |"
  done
done
