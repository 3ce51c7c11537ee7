#!/usr/bin/env bash
# test_tpe.sh - the exact thumbnail-preserving schemes through the CLI, as a
# user sees them: encrypt a real sample, `medcrypt analyze --block B` says the
# thumbnails are identical (PSNR inf, SSIM 1 where the thumbnail is at least
# 11x11), an independent reader (numpy over pydicom / scikit-image) finds the
# same block sums in the cipher file, and decryption gives the pixels back.
. "$(dirname "$0")/lib.bash"
cd "$T"

png=$(sample itk/BrainProtonDensitySlice.png) # 181 x 217 gray 8-bit: no block divides it
ct=$(sample dicom/CT_small.dcm)                # 128 x 128 signed 16-bit CT
rgb=$(sample dicom/SC_rgb_rle.dcm)             # 100 x 100 RGB 8-bit
if [ -z "$png" ] || [ -z "$ct" ] || [ -z "$rgb" ]; then exit 77; fi
expect 0 "keygen" -- "$MC" keygen -o key

# independent check of the block sums of (plain, cipher, block) lines (signed values for signed images)
cat >sums.py <<'PYEOF'
import sys
import numpy as np
def load(p):
    if p.endswith('.dcm'):
        import pydicom
        a = pydicom.dcmread(p).pixel_array
    else:
        import skimage.io
        a = skimage.io.imread(p)
    a = np.asarray(a).astype(np.int64)
    return a if a.ndim == 3 else a[:, :, None]
fails = 0
for line in open(sys.argv[1]):
    plain, cipher, b = line.split()
    b = int(b)
    x, y = load(plain), load(cipher)
    assert x.shape == y.shape, (x.shape, y.shape)
    h, w = x.shape[:2]
    bad = 0
    for r in range(0, h, b):
        for c in range(0, w, b):
            bad += int(np.any(x[r:r + b, c:c + b].sum(axis=(0, 1)) != y[r:r + b, c:c + b].sum(axis=(0, 1))))
    changed = float(np.mean(x != y))
    if bad or changed < 0.3:
        print(f"{cipher}: {bad} blocks differ, {changed:.3f} of the samples changed")
        fails += 1
print(f"{fails} failed")
sys.exit(1 if fails else 0)
PYEOF

thumb_ok() { # ANALYZE_JSON -> exit 0 when PSNR is inf and SSIM is 1 (or undefined: thumbnail < 11x11)
  "$PY" -c '
import json, math, sys
d = json.load(open(sys.argv[1]))
t = d["thumb"]
ok = math.isinf(t["psnr"]) and (t["ssim"] is None or abs(t["ssim"] - 1) < 1e-12)
sys.exit(0 if ok else 1)' "$1"
}

run() { # SCHEME FILE EXT BLOCK
  local s=$1 f=$2 ext=$3 b=$4 what="$1 block $4 $(basename "$2")"
  expect 0 "$what: encrypt" -- "$MC" encrypt -s "$s" -k key --param "block=$b" "$f" -o "c.$ext" -f
  expect 0 "$what: analyze" -- "$MC" analyze "c.$ext" "$f" --block "$b" --json
  thumb_ok "$T/out" && ok || bad "$what: thumbnail not identical: $(grep -o '"thumb": {[^}]*}' "$T/out")"
  n=$((n + 1))
  cp "c.$ext" "c$n.$ext"
  echo "$f c$n.$ext $b" >>pairs.txt
  expect 0 "$what: decrypt" -- "$MC" decrypt -k key "c.$ext" -o "p.$ext" -f
  same_pixels "$f" "p.$ext" "$what: round trip"
}

n=0
: >pairs.txt
for s in tpe-h2mwd tpe-pair tpe2; do
  for b in 8 16 32 64; do
    run "$s" "$png" png "$b"
    run "$s" "$ct" dcm "$b"
  done
  run "$s" "$rgb" dcm 16
done
"$PY" sums.py pairs.txt >"$T/py" 2>&1 && ok || bad "independent block sums: $(tail -5 "$T/py")"

# out-of-range parameters: exit 2, one line, nothing written
for p in block=1 block=300 rounds=0 block=x; do
  expect 2 "tpe-h2mwd --param $p" -- "$MC" encrypt -s tpe-h2mwd -k key --param "$p" "$png" -o bad.png
  one_line_err "tpe-h2mwd --param $p"
  no_file bad.png "tpe-h2mwd --param $p"
done
finish
