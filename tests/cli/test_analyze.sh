#!/usr/bin/env bash
# test_analyze.sh - `medcrypt analyze`: plain vs cipher with --json --plots,
# stable JSON keys, readable PNG plots, sensitivity with aead, bad input.
. "$(dirname "$0")/lib.bash"
cd "$T"

expect 0 "analyze --help" -- "$MC" analyze --help
grep -q "Usage: medcrypt analyze" "$T/out" && ok || bad "analyze --help text"

# plain (an 8-bit phantom, PNG) and its aead cipher
expect 0 "phantom" -- "$MC" phantom -o plain.png --size 256 --bits 8
expect 0 "keygen" -- "$MC" keygen -o k
expect 0 "encrypt" -- "$MC" encrypt -s aead -k k plain.png -o cipher.png

expect 0 "analyze plain cipher --json --plots" -- "$MC" analyze plain.png cipher.png --json --plots plots
cp "$T/out" a.json
"$PY" - a.json <<'PYEOF' && ok || bad "analyze --json keys and values"
import json, math, sys
j = json.load(open(sys.argv[1]))
for k in ("entropy", "entropy_high_byte", "local_entropy", "chi2", "corr", "corr_sampled", "mse", "psnr", "ssim",
          "npcr", "uaci", "npcr_pass_05", "uaci_pass_05", "thumb", "expansion", "reference"):
    assert k in j, k
assert set(j["corr"]) == {"h", "v", "d", "ad"} and set(j["corr_sampled"]) == {"h", "v", "d", "ad"}
assert {"mean", "pass_05"} <= set(j["local_entropy"]) and {"stat", "p"} <= set(j["chi2"])
assert {"block", "psnr", "ssim"} <= set(j["thumb"])
# IMAGE = plain: structured; REFERENCE = cipher: noise-like
assert j["corr"]["h"] > 0.8 and abs(j["reference"]["corr"]["h"]) < 0.05, (j["corr"], j["reference"]["corr"])
assert j["reference"]["entropy"] > 7.99 and j["entropy"] < 7.5
assert j["npcr"] > 99 and j["ssim"] < 0.1 and j["expansion"] < 1
PYEOF
for p in plots/histogram.png plots/scatter.png; do
  has_file "$p" "plot"
  "$PY" -c 'import sys; from PIL import Image; im = Image.open(sys.argv[1]); assert im.format == "PNG" and im.size[0] >= 800, im.size' "$p" \
    && ok || bad "$p is not a readable PNG"
done

# identical images: PSNR inf (a JSON number that parses as inf), SSIM 1, NPCR 0
expect 0 "analyze identical" -- "$MC" analyze plain.png plain.png --json --block 16
"$PY" -c 'import json,sys,math; j=json.load(open(sys.argv[1])); assert math.isinf(j["psnr"]) and j["ssim"] == 1 and j["npcr"] == 0 and math.isinf(j["thumb"]["psnr"]) and j["thumb"]["ssim"] == 1' "$T/out" \
  && ok || bad "identical images"

# human table
expect 0 "analyze table" -- "$MC" analyze cipher.png
grep -q "entropy (bits)" "$T/out" && grep -q "correlation horizontal" "$T/out" && ok || bad "table rows"

# a volume: per-slice entries
expect 0 "phantom volume" -- "$MC" phantom -o vol.nii.gz --size 64 --slices 3 --bits 16
expect 0 "analyze volume" -- "$MC" analyze vol.nii.gz --json
"$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); assert len(j["slices"]) == 3 and j["slices"][2]["slice"] == 2' "$T/out" \
  && ok || bad "volume slices"

# sensitivity with aead (hardened only): key flip, wrong key refused by the MAC
expect 0 "sensitivity" -- "$MC" analyze --sensitivity -s aead -k k plain.png --json
"$PY" - "$T/out" <<'PYEOF' && ok || bad "sensitivity json"
import json, sys
j = json.load(open(sys.argv[1]))
p = j["profiles"]
assert [x["profile"] for x in p] == ["hardened"]
assert p[0]["key"]["npcr"] > 99 and p[0]["plaintext"]["npcr"] > 99
assert p[0]["wrong_key_decrypt"]["status"] == "refused"
PYEOF
expect 0 "sensitivity table" -- "$MC" analyze --sensitivity -s aead -k k plain.png
grep -q "key bit" "$T/out" && ok || bad "sensitivity table"

# bad input: clear one-line errors, documented exit statuses
expect 1 "no image" -- "$MC" analyze
expect 1 "bad --pairs" -- "$MC" analyze plain.png --pairs x
one_line_err "bad --pairs"
expect 1 "bad --block" -- "$MC" analyze plain.png --block 0
one_line_err "bad --block"
expect 1 "sensitivity without scheme" -- "$MC" analyze --sensitivity -k k plain.png
one_line_err "sensitivity without scheme"
expect 1 "sensitivity unknown scheme" -- "$MC" analyze --sensitivity -s nosuch -k k plain.png
expect 1 "key without sensitivity" -- "$MC" analyze -k k plain.png
expect 2 "geometry mismatch" -- "$MC" analyze plain.png vol.nii.gz
one_line_err "geometry mismatch"
expect 4 "missing file" -- "$MC" analyze nosuch.png
printf 'P5\n4 4\n255\nab' > trunc.pgm
expect 2 "truncated input" -- "$MC" analyze trunc.pgm
one_line_err "truncated input"
expect 2 "sensitivity on a cipher" -- "$MC" analyze --sensitivity -s aead -k k cipher.png
finish
