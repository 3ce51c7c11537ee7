#!/usr/bin/env bash
# kedi_table.sh - the Deep-KEDI reproduction tables of
# docs/schemes/deep-kedi.md, beside the paper's Tables 1, 2, 3 and 5:
#  keys   the key images of N keys (default 20; fixed keys: key i is
#         SHA-256("deep-kedi-table/i"), so the paper rows are the same on
#         every machine) at 256x256, the paper's size: entropy and horizontal
#         correlation of each, NPCR / UACI between the key images of keys i
#         and i+1 with the Wu-Noonan-Agaian critical values (alpha 0.05); the
#         generator's own output (`paper`, and `hardened --raw` with a fixed
#         nonce) and the whitened hardened key image; what uniform random
#         bytes give;
#  images held-out images (brain MR slices, CT_small, the phantoms): the paper
#         profile's decryption (PSNR / SSIM / MSE against the plaintext) in
#         both speckle domains, and with no noise (variance 0: what the
#         despeckling alone costs), the cipher's entropy and
#         NPCR / UACI against the plaintext (paper, hardened), whether the
#         hardened round trip is exact, the residual's size, the time of a
#         hardened encrypt + decrypt (two CLI processes).
# Usage: scripts/kedi_table.sh [MEDCRYPT] [SAMPLES_DIR] [NKEYS]
set -euo pipefail
M=${1:-build/medcrypt}
S=${2:-.cache/samples}
N=${3:-20}
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
keyfile() { # I -> $T/kI.key
  "$PY" -c 'import hashlib,sys; print("medcrypt-key-v1 raw " + hashlib.sha256(("deep-kedi-table/" + sys.argv[1]).encode()).hexdigest())' "$1" >"$T/k$1.key"
  chmod 600 "$T/k$1.key"
}
# analyze IMAGE [REF] -> "entropy corr_h npcr uaci mse psnr ssim npcr_crit uaci_lo uaci_hi"
stats() {
  "$M" analyze "$@" --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
g = lambda k: d.get(k)
f = lambda v: "-" if v is None else ("inf" if v == float("inf") else "%.4f" % v)
iv = (d.get("uaci_interval") or {}).get("05") or [None, None]
nc = (d.get("npcr_critical") or {}).get("05")
print(" ".join(f(v) for v in (g("entropy"), d["corr"]["h"], g("npcr"), g("uaci"), g("mse"), g("psnr"), g("ssim"),
                              nc, iv[0], iv[1])))'
}
# `info --json` on stdin -> "AUX_BYTES (P% of the pixel bytes)"
residual_cell() {
  "$PY" -c '
import json, sys
i = json.load(sys.stdin)
aux, px = i.get("aux_bytes", 0), i["width"] * i["height"] * i["depth"] * i["channels"] * i["bits"] // 8
print("%d (%.1f%%)" % (aux, 100.0 * aux / px))'
}
mean() { "$PY" -c 'import sys; v=[float(x) for x in sys.argv[1:]]; print("%.4f (min %.4f, max %.4f)" % (sum(v)/len(v), min(v), max(v)))' "$@"; }

echo "## Key images: $N keys, 256x256, 8-bit"
echo
"$PY" -c 'import math; n = 256 * 256; print("(uniform random bytes, %d samples: expected entropy %.4f, NPCR %.4f%%, UACI %.4f%%)" % (n, 8 - 255 / (2 * n * math.log(2)), 100 * 255 / 256, 100 * 257 / 768))'
echo
for i in $(seq 1 "$N"); do keyfile "$i"; done
# the paper profile's seed stream is the hardened one with an all-zero nonce:
# the raw rows use another nonce so that they are not the paper rows again
nonce=$("$PY" -c 'print("5a" * 24)')
for kind in paper raw hardened; do
  ents=() cors=() npcrs=() uacis=() crit="" ulo="" uhi="" pass=0 hi=0
  for i in $(seq 1 "$N"); do
    case $kind in
      paper) "$M" keyimage --profile paper --size 256x256 -k "$T/k$i.key" -o "$T/$kind$i.png" -f ;;
      raw) "$M" keyimage --raw --nonce "$nonce" --size 256x256 -k "$T/k$i.key" -o "$T/$kind$i.png" -f ;;
      hardened) "$M" keyimage --nonce "$nonce" --size 256x256 -k "$T/k$i.key" -o "$T/$kind$i.png" -f ;;
    esac
    read -r e c _ <<<"$(stats "$T/$kind$i.png")"
    ents+=("$e") cors+=("$c")
    "$PY" -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 7.99 else 1)" "$e" && hi=$((hi + 1))
    if [ "$i" -gt 1 ]; then
      read -r _ _ np ua _ _ _ crit ulo uhi <<<"$(stats "$T/$kind$i.png" "$T/$kind$((i - 1)).png")"
      npcrs+=("$np") uacis+=("$ua")
      "$PY" -c "import sys; n,u,c,a,b=map(float,sys.argv[1:]); sys.exit(0 if n>=c and a<=u<=b else 1)" "$np" "$ua" "$crit" "$ulo" "$uhi" && pass=$((pass + 1))
    fi
  done
  echo "- $kind: entropy $(mean "${ents[@]}"), $hi of $N at or above 7.99; corr h $(mean "${cors[@]}"); NPCR % between keys $(mean "${npcrs[@]}") (critical $crit); UACI % $(mean "${uacis[@]}") (interval $ulo-$uhi); pairs passing both: $pass of $((N - 1))"
done
echo

echo "## Images"
echo
keyfile 0
"$M" phantom --bits 8 --size 256 -o "$T/phantom256-8bit.png" 2>/dev/null
"$M" phantom --bits 16 --size 512 -o "$T/phantom512-16bit.dcm" 2>/dev/null
imgs=("$T/phantom256-8bit.png" "$T/phantom512-16bit.dcm")
for rel in itk/BrainT1Slice.png dicom/CT_small.dcm; do
  if [ -f "$S/$rel" ]; then imgs+=("$S/$rel"); else echo "kedi_table: $rel missing (scripts/fetch-samples.sh)" >&2; fi
done
now() { date +%s.%N; }
echo "| image | speckle | decrypted PSNR dB, variance 0 | decrypted PSNR dB / SSIM / MSE (paper) | cipher H (paper) | NPCR / UACI % vs plain (paper) | cipher H (hardened) | hardened exact | residual bytes (% of pixels) | hardened enc + dec s |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for img in "${imgs[@]}"; do
  name=$(basename "$img")
  ext=${name#*.}
  for sp in pixel ripplet; do
    "$M" encrypt -s deep-kedi --param speckle=$sp --profile paper -k "$T/k0.key" "$img" -o "$T/p.$ext" -f
    read -r ch _ np ua _ <<<"$(stats "$T/p.$ext" "$img")"
    "$M" decrypt --profile paper -k "$T/k0.key" "$T/p.$ext" -o "$T/pd.$ext" -f 2>/dev/null
    read -r _ _ _ _ mse psnr ssim _ <<<"$(stats "$T/pd.$ext" "$img")"
    # no noise: what the despeckling alone costs
    "$M" encrypt -s deep-kedi --param speckle=$sp --param variance=0 --profile paper -k "$T/k0.key" "$img" -o "$T/z.$ext" -f
    "$M" decrypt --profile paper -k "$T/k0.key" "$T/z.$ext" -o "$T/zd.$ext" -f 2>/dev/null
    read -r _ _ _ _ _ zpsnr _ <<<"$(stats "$T/zd.$ext" "$img")"
    t0=$(now)
    "$M" encrypt -s deep-kedi --param speckle=$sp -k "$T/k0.key" "$img" -o "$T/h.$ext" -f
    "$M" decrypt -k "$T/k0.key" "$T/h.$ext" -o "$T/hd.$ext" -f
    t1=$(now)
    read -r hh _ <<<"$(stats "$T/h.$ext")"
    exact=no
    "$M" compare "$img" "$T/hd.$ext" >/dev/null 2>&1 && exact=yes
    res=$("$M" info "$T/h.$ext" --json | residual_cell)
    echo "| $name | $sp | $zpsnr | $psnr / $ssim / $mse | $ch | $np / $ua | $hh | $exact | $res | $("$PY" -c "print('%.2f' % ($t1 - $t0))") |"
  done
done
