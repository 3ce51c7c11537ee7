#!/usr/bin/env bash
# edgnet_stats.sh - the hardened cipher statistics of edg-net with the
# built-in model on held-out 8-bit images (docs/schemes/edg-net.md), beside
# aead's (an ideal cipher: its figures are what the image size allows), and
# the byte entropy of a secret model file.
#
#   bench/edgnet_stats.sh [MEDCRYPT] [SAMPLES] [R]     Markdown on stdout
#
# Held-out images (never seen in training): the Shepp-Logan phantom (8-bit,
# 256 and 512), ITK's BrainT1Slice (8-bit RGB), pydicom's CT_small (16-bit
# signed, stretched min-max to 8 bits here).  Each image is encrypted R times
# (default 9; a fresh nonce each time): median entropy (256 bins), median and
# largest |horizontal correlation| (all pairs), and the entropy an ideal
# cipher of that many samples has on average, 8 - 255 / (2 n ln 2).
set -euo pipefail
MC=${1:-build/medcrypt}
SAMPLES=${2:-.cache/samples}
R=${3:-9}
PY=/usr/bin/python3
T=$(mktemp -d /tmp/edgnet_stats.XXXXXX)
trap 'rm -rf "$T"' EXIT
"$MC" keygen -o "$T/k.key" 2>/dev/null
"$MC" keygen -o "$T/k2.key" 2>/dev/null
"$MC" phantom --bits 8 --size 256 -o "$T/phantom256.png" 2>/dev/null
"$MC" phantom --bits 8 --size 512 -o "$T/phantom512.png" 2>/dev/null
imgs=("$T/phantom256.png" "$T/phantom512.png")
if [ -r "$SAMPLES/itk/BrainT1Slice.png" ]; then imgs+=("$SAMPLES/itk/BrainT1Slice.png"); fi
if [ -r "$SAMPLES/dicom/CT_small.dcm" ]; then
  "$MC" convert "$SAMPLES/dicom/CT_small.dcm" -o "$T/ct16.pgm" >/dev/null 2>&1
  # 16-bit PGM (medcrypt writes signed samples offset by 32768) -> 8-bit PGM
  "$PY" - "$T/ct16.pgm" "$T/CT_small8.pgm" <<'EOF'
import sys
d = open(sys.argv[1], 'rb').read()
fields, i = [], 0
while len(fields) < 4:  # magic, width, height, maxval; '#' comment lines skipped
    while d[i:i+1].isspace(): i += 1
    if d[i:i+1] == b'#':
        i = d.index(b'\n', i) + 1; continue
    j = i
    while not d[j:j+1].isspace(): j += 1
    fields.append(d[i:j]); i = j
i += 1
w, h = int(fields[1]), int(fields[2])
v = [int.from_bytes(d[i + 2 * k:i + 2 * k + 2], 'big') for k in range(w * h)]
lo, hi = min(v), max(v)
out = bytes(int((x - lo) * 255 / (hi - lo) + 0.5) for x in v)
open(sys.argv[2], 'wb').write(b'P5\n%d %d\n255\n' % (w, h) + out)
EOF
  imgs+=("$T/CT_small8.pgm")
fi

stat() { "$MC" analyze "$1" --json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["corr"]["h"], d["entropy"])'; }

echo "R = $R encryptions per image and scheme (fresh nonces), $(date -u +%Y-%m-%d), $("$MC" --version)"
echo
echo "| held-out image (8-bit) | samples | scheme | entropy (median) | \|corr h\| median / largest | runs with \|corr h\| < 0.01 | ideal cipher's entropy |"
echo "|---|---|---|---|---|---|---|"
for in in "${imgs[@]}"; do
  b=$(basename "$in")
  ext=${b##*.}
  for s in edg-net aead; do
    : >"$T/v"
    for r in $(seq "$R"); do
      "$MC" encrypt -s "$s" -k "$T/k.key" "$in" -o "$T/c.$ext" -f 2>/dev/null
      "$MC" decrypt -k "$T/k.key" "$T/c.$ext" -o "$T/d.$ext" -f 2>/dev/null
      "$MC" compare "$in" "$T/d.$ext" >/dev/null || { echo "$s $b: round trip not exact" >&2; exit 1; }
      stat "$T/c.$ext" >>"$T/v"
    done
    n=$("$MC" info "$in" | awk '/^size:/ {print $2 * $4 * $6 * $7}')
    "$PY" - "$T/v" "$b" "$s" "$n" <<'EOF'
import sys, math, statistics as st
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
c = [abs(r[0]) for r in rows]; h = [r[1] for r in rows]; n = int(sys.argv[4])
print("| %s | %d | %s | %.4f | %.4f / %.4f | %d of %d | %.4f |" % (sys.argv[2], n, sys.argv[3], st.median(h),
      st.median(c), max(c), sum(x < 0.01 for x in c), len(c), 8 - 255 / (2 * n * math.log(2))))
EOF
  done
done

# a secret model: trained under a key (one step: the file's bytes do not
# depend on how long it trained), byte entropy, opens only with its key
"$MC" train edg-net --data "$T/phantom256.png" --epochs 1 --steps 1 -k "$T/k.key" -o "$T/secret.mcnn" >/dev/null 2>&1
set +e
"$MC" model info "$T/secret.mcnn" -k "$T/k2.key" >/dev/null 2>&1; wrong=$?
"$MC" model info "$T/secret.mcnn" -k "$T/k.key" >/dev/null 2>&1; right=$?
"$MC" model info "$T/secret.mcnn" >/dev/null 2>&1; none=$?
set -e
"$PY" - "$T/secret.mcnn" "$wrong" "$right" "$none" <<'EOF'
import sys, math, collections, os
d = open(sys.argv[1], 'rb').read(); c = collections.Counter(d)
h = -sum(v / len(d) * math.log2(v / len(d)) for v in c.values())
print("\nsecret model (`medcrypt train edg-net ... -k KEY`): %d bytes, mode %o, byte entropy %.5f; "
      "`model info` exit with its key %s, another key %s, no key %s" %
      (len(d), os.stat(sys.argv[1]).st_mode & 0o777, h, sys.argv[3], sys.argv[2], sys.argv[4]))
EOF
