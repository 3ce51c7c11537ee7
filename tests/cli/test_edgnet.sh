#!/usr/bin/env bash
# test_edgnet.sh - edg-net through the CLI: with the built-in model, hardened
# round trips of held-out images (never seen in training) through every
# format and bit depth, a held-out 512x512 8-bit image's hardened cipher
# statistics (|horizontal correlation| < 0.01, entropy >= 7.99), two
# encryptions of one image unrelated; a secret model from `medcrypt train`
# (mode 0600, byte entropy >= 7.99, opens only with its key); wrong key,
# wrong model, missing model, tampered residual; the paper profile; and the
# surrogate attack's command.  Skipped (77) without a built-in model.
source "$(dirname "$0")/lib.bash"
"$MC" keygen -o "$T/k.key" 2>/dev/null
"$MC" keygen -o "$T/k2.key" 2>/dev/null
"$MC" phantom --bits 8 --size 64 -o "$T/p64.png" 2>/dev/null
if ! "$MC" encrypt -s edg-net -k "$T/k.key" "$T/p64.png" -o "$T/probe.png" 2>"$T/err"; then
  if grep -q "built-in model" "$T/err"; then echo "SKIP: $(cat "$T/err")" >&2; exit 77; fi
fi
san=${MEDCRYPT_SANITIZE:-0}
big=512
[ "$san" = 1 ] && big=256 # the sanitizer build runs the networks unoptimised
"$MC" phantom --bits 8 --size $big -o "$T/ph8.png" 2>/dev/null
"$MC" phantom --bits 16 --size 96 -o "$T/ph16.dcm" 2>/dev/null
"$MC" phantom --bits 16 --size 64 --slices 3 -o "$T/vol16.nii.gz" 2>/dev/null
inputs=("$T/ph8.png" "$T/ph16.dcm" "$T/vol16.nii.gz")
for rel in itk/BrainT1Slice.png dicom/CT_small.dcm; do
  p=$(sample "$rel"); [ -n "$p" ] && inputs+=("$p")
done

# hardened: exact through files of every format the image fits
for in in "${inputs[@]}"; do
  b=$(basename "$in")
  for ext in png dcm nii.gz pgm; do
    case "$b:$ext" in BrainT1Slice*:nii.gz | BrainT1Slice*:pgm | vol16*:png | vol16*:pgm) continue ;; esac
    out="$T/e-$b.$ext"
    expect 0 "$b -> .$ext: encrypt" -- "$MC" encrypt -s edg-net -k "$T/k.key" "$in" -o "$out"
    expect 0 "$b -> .$ext: decrypt" -- "$MC" decrypt -k "$T/k.key" "$out" -o "$T/dec.$ext" -f
    same_pixels "$in" "$T/dec.$ext" "edg-net $b via .$ext"
  done
done

# the held-out 512x512 8-bit image: a fresh nonce makes the correlation a
# random variable (sd 1/511 for an ideal cipher): bound 0.01 (5 sd)
cstat() { "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["corr"]["h"], d["entropy"])'; }
expect 0 "hardened encrypt ${big}x$big" -- "$MC" encrypt -s edg-net -k "$T/k.key" "$T/ph8.png" -o "$T/h1.png"
expect 0 "hardened encrypt ${big}x$big again" -- "$MC" encrypt -s edg-net -k "$T/k.key" "$T/ph8.png" -o "$T/h2.png"
read -r corr ent < <("$MC" analyze "$T/h1.png" --json | cstat)
echo "edg-net hardened ${big}x$big 8-bit cipher: corr h $corr, entropy $ent"
if [ "$big" = 512 ]; then
  "$PY" -c "import sys; c, h = map(float, sys.argv[1:]); sys.exit(0 if abs(c) < 0.01 and h >= 7.99 else 1)" "$corr" "$ent" &&
    ok || bad "hardened cipher corr h $corr, entropy $ent (want |corr h| < 0.01, H >= 7.99)"
fi
# two encryptions of one image: unrelated (equal samples at about chance, 1/256)
"$PY" - "$T/h1.png" "$T/h2.png" <<'PYEOF' && ok || bad "two hardened ciphers of one image are related"
import sys, zlib, struct
def pixels(p):  # 8-bit gray PNG, filter bytes kept: compare rows after the filter byte
    d = open(p, 'rb').read(); i = 8; idat = b''
    while i < len(d):
        n, t = struct.unpack('>I4s', d[i:i+8]); i += 8
        if t == b'IDAT': idat += d[i:i+n]
        if t == b'IHDR': w = struct.unpack('>I', d[i:i+4])[0]
        i += n + 4
    raw = zlib.decompress(idat); rows = [raw[r*(w+1)+1:(r+1)*(w+1)] for r in range(len(raw)//(w+1))]
    return rows
a, b = pixels(sys.argv[1]), pixels(sys.argv[2])
same = sum(x == y for ra, rb in zip(a, b) for x, y in zip(ra, rb)); n = sum(len(r) for r in a)
sys.exit(0 if same < 3 * n / 256 else 1)
PYEOF

# wrong key, tampered residual: exit 3, no output
expect 3 "wrong key" -- "$MC" decrypt -k "$T/k2.key" "$T/h1.png" -o "$T/w.png"
no_file "$T/w.png" "wrong key"
"$MC" info "$T/e-ph16.dcm.dcm" --json | grep -q '"aux_bytes": [1-9]' && ok || bad "hardened DICOM without the residual"
# one base64 character of the residual changed (PGM comment lines carry no
# checksum of their own, so only the MAC can tell)
expect 0 "convert png -> pgm" -- "$MC" convert "$T/e-ph16.dcm.png" -o "$T/t.pgm"
"$PY" - "$T/t.pgm" <<'PYEOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
i = b.index(b'# medcrypt-aux ') + len(b'# medcrypt-aux ') + 20
b[i] = ord('A') if b[i] != ord('A') else ord('B')
open(p, 'wb').write(b)
PYEOF
expect 3 "tampered residual" -- "$MC" decrypt -k "$T/k.key" "$T/t.pgm" -o "$T/w.pgm"
one_line_err "tampered residual"
no_file "$T/w.pgm" "tampered residual"

# a secret model: trained under a key, 0600, high byte entropy, opens with its key only
expect 0 "train a secret model" -- "$MC" train edg-net --data "$T/ph8.png" --epochs 1 --steps 1 -k "$T/k.key" -o "$T/secret.mcnn"
[ "$(stat -c %a "$T/secret.mcnn")" = 600 ] && ok || bad "secret model mode $(stat -c %a "$T/secret.mcnn"), want 600"
"$PY" - "$T/secret.mcnn" <<'PYEOF' && ok || bad "secret model byte entropy below 7.99"
import sys, math, collections
d = open(sys.argv[1], 'rb').read(); c = collections.Counter(d)
h = -sum(v / len(d) * math.log2(v / len(d)) for v in c.values())
print("secret model: %d bytes, byte entropy %.4f" % (len(d), h)); sys.exit(0 if h >= 7.99 else 1)
PYEOF
expect 3 "model info with another key" -- "$MC" model info "$T/secret.mcnn" -k "$T/k2.key"
expect 0 "model info with its key" -- "$MC" model info "$T/secret.mcnn" -k "$T/k.key"
expect 0 "encrypt with the secret model" -- "$MC" encrypt -s edg-net -k "$T/k.key" --model "$T/secret.mcnn" "$T/p64.png" -o "$T/s.png"
grep -q "secret.mcnn" "$T/s.png" && bad "the cipher names the model file" || ok
expect 0 "decrypt with the secret model" -- "$MC" decrypt -k "$T/k.key" --model "$T/secret.mcnn" "$T/s.png" -o "$T/sd.png"
same_pixels "$T/p64.png" "$T/sd.png" "secret-model round trip"
expect 3 "secret model, another key" -- "$MC" encrypt -s edg-net --profile paper -k "$T/k2.key" --model "$T/secret.mcnn" "$T/p64.png" -o "$T/x.png"
expect 2 "decrypt without the model" -- "$MC" decrypt -k "$T/k.key" "$T/s.png" -o "$T/x.png"
grep -q -- "--model" "$T/err" && ok || bad "the error does not name --model: $(cat "$T/err")"
expect 0 "train another secret model" -- "$MC" train edg-net --data "$T/ph8.png" --epochs 1 --steps 1 --seed 2 -k "$T/k.key" -o "$T/secret2.mcnn"
expect 3 "decrypt with another model" -- "$MC" decrypt -k "$T/k.key" --model "$T/secret2.mcnn" "$T/s.png" -o "$T/x.png"
no_file "$T/x.png" "wrong model"
expect 1 "a model named by a parameter" -- "$MC" encrypt -s edg-net -k "$T/k.key" --param model="$T/secret.mcnn" "$T/p64.png" -o "$T/x.png"

# paper: refused without --profile paper, deterministic, lossy
expect 0 "paper encrypt" -- "$MC" encrypt -s edg-net --profile paper -k "$T/k.key" "$T/p64.png" -o "$T/pa.png"
expect 0 "paper encrypt again" -- "$MC" encrypt -s edg-net --profile paper -k "$T/k2.key" "$T/p64.png" -o "$T/pb.png"
same_pixels "$T/pa.png" "$T/pb.png" "paper with the built-in model: the key plays no part"
expect 3 "paper decrypt without --profile paper" -- "$MC" decrypt -k "$T/k.key" "$T/pa.png" -o "$T/pd.png"
expect 0 "paper decrypt" -- "$MC" decrypt --profile paper -k "$T/k.key" "$T/pa.png" -o "$T/pd.png"

# the surrogate attack's command (a few steps: the command, not the result)
mkdir -p "$T/sp" "$T/sc"
for i in 1 2 3; do
  "$MC" phantom --bits 8 --size $((64 + 16 * i)) -o "$T/sp/$i.png" 2>/dev/null
  "$MC" encrypt -s edg-net --profile paper -k "$T/k.key" "$T/sp/$i.png" -o "$T/sc/$i.png" 2>/dev/null
done
expect 0 "attack surrogate" -- "$MC" attack surrogate --plain "$T/sp" --cipher "$T/sc" --steps 3 --batch 2 "$T/pa.png" -o "$T/rec.png" --truth "$T/p64.png"
grep -q "trained on 3 pairs" "$T/out" && grep -q "PSNR" "$T/out" && ok || bad "attack surrogate output: $(cat "$T/out")"
has_file "$T/rec.png" "attack surrogate"
expect 1 "attack surrogate without pairs" -- "$MC" attack surrogate "$T/pa.png" -o "$T/rec2.png"
finish
