#!/usr/bin/env bash
# test_deep_kedi.sh - deep-kedi through the CLI with the built-in ZZ-GAN:
# hardened round trips of held-out images (never seen in training) through
# every format and bit depth (8/16, signed CT, RGB 8/16-bit in DICOM, PNG and
# PPM, a volume) and both speckle domains; wrong key, tampered pixels and residual (exit 3, no output); the
# paper profile (needs --profile paper, deterministic, lossy); the key image
# (`keyimage`) is what the paper profile XORs a zero image with, and the
# hardened one what a file's nonce gives; its statistics (entropy > 7.99 for
# the hardened key image of a 512x512 slice); attack cpa (paper: the
# decryption comes back exactly; hardened: chance); analyze --sensitivity.
# Skipped (77) when the build has no built-in model.
source "$(dirname "$0")/lib.bash"
"$MC" keygen -o "$T/k.key" 2>/dev/null
"$MC" keygen -o "$T/k2.key" 2>/dev/null
echo "medcrypt-key-v1 raw 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" >"$T/fixed.key"
chmod 600 "$T/fixed.key"
"$MC" phantom --bits 8 --size 256 -o "$T/p8.png" 2>/dev/null
if ! "$MC" encrypt -s deep-kedi -k "$T/k.key" "$T/p8.png" -o "$T/probe.png" 2>"$T/err"; then
  if grep -q "built-in" "$T/err"; then echo "SKIP: $(cat "$T/err")" >&2; exit 77; fi
  bad "probe encryption: $(cat "$T/err")"
fi
san=${MEDCRYPT_SANITIZE:-0}
big=512
[ "$san" = 1 ] && big=256 # the sanitizer build runs the generator unoptimised
"$MC" phantom --bits 16 --size 128 -o "$T/ph16.dcm" 2>/dev/null
"$MC" phantom --bits 16 --size 64 --slices 3 -o "$T/vol.nii" 2>/dev/null
inputs=("$T/p8.png" "$T/ph16.dcm" "$T/vol.nii")
for rel in itk/BrainT1Slice.png dicom/CT_small.dcm nifti/ch2bet.nii.gz; do
  p=$(sample "$rel"); [ -n "$p" ] && inputs+=("$p")
done

# hardened: exact through files of every format the image fits
for in in "${inputs[@]}"; do
  b=$(basename "$in")
  for ext in png dcm nii.gz pgm; do
    case "$b:$ext" in
      BrainT1Slice*:nii.gz | BrainT1Slice*:pgm | vol.nii:png | vol.nii:pgm | ch2bet*:png | ch2bet*:pgm | ch2bet*:dcm) continue ;;
    esac
    for sp in pixel ripplet; do
      [ "$sp" = ripplet ] && [ "$ext" != png ] && [ "$ext" != nii.gz ] && continue
      out="$T/hd-$b-$sp.$ext"
      expect 0 "$b -> .$ext ($sp): encrypt" -- "$MC" encrypt -s deep-kedi --param speckle=$sp -k "$T/k.key" "$in" -o "$out"
      expect 0 "$b -> .$ext ($sp): decrypt" -- "$MC" decrypt -k "$T/k.key" "$out" -o "$T/dec.$ext" -f
      same_pixels "$in" "$T/dec.$ext" "$b via .$ext ($sp)"
    done
  done
done

# RGB: 8-bit (DICOM, and converted to PNG and PPM) and 16-bit two-frame
# DICOM (RGB, 16 bits and a volume at once), channel by channel
rgb=$(sample dicom/SC_rgb_rle.dcm)
if [ -n "$rgb" ]; then
  expect 0 "SC_rgb_rle -> png" -- "$MC" convert "$rgb" -o "$T/rgb.png"
  expect 0 "SC_rgb_rle -> ppm" -- "$MC" convert "$rgb" -o "$T/rgb.ppm"
fi
for in in "$rgb" "$T/rgb.png" "$T/rgb.ppm" "$(sample dicom/SC_rgb_rle_16bit_2frame.dcm)"; do
  [ -n "$in" ] && [ -f "$in" ] || continue
  b=$(basename "$in") ext=${in##*.}
  expect 0 "$b (RGB): encrypt" -- "$MC" encrypt -s deep-kedi -k "$T/k.key" "$in" -o "$T/rgbc-$b"
  expect 0 "$b (RGB): decrypt" -- "$MC" decrypt -k "$T/k.key" "$T/rgbc-$b" -o "$T/rgbd.$ext" -f
  same_pixels "$in" "$T/rgbd.$ext" "$b (RGB)"
  expect 3 "$b (RGB): wrong key" -- "$MC" decrypt -k "$T/k2.key" "$T/rgbc-$b" -o "$T/w.$ext"
  no_file "$T/w.$ext" "$b (RGB): wrong key"
done

# wrong key, tampered pixels, tampered residual: exit 3, one line, no output
c="$T/hd-p8.png-pixel.png"
expect 3 "wrong key" -- "$MC" decrypt -k "$T/k2.key" "$c" -o "$T/w.png"
one_line_err "wrong key"
no_file "$T/w.png" "wrong key"
expect 0 "convert to pgm" -- "$MC" convert "$c" -o "$T/t.pgm"
cp "$T/t.pgm" "$T/tp.pgm"
flip_byte "$T/tp.pgm" -100
expect 3 "tampered pixel" -- "$MC" decrypt -k "$T/k.key" "$T/tp.pgm" -o "$T/w.pgm"
no_file "$T/w.pgm" "tampered pixel"
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

# paper: refused without --profile paper, deterministic, lossy
for i in 1 2; do
  expect 0 "paper encrypt $i" -- "$MC" encrypt -s deep-kedi --profile paper -k "$T/fixed.key" "$T/p8.png" -o "$T/pp$i.png"
done
same_pixels "$T/pp1.png" "$T/pp2.png" "paper: no nonce, the same cipher"
expect 3 "paper without --profile paper" -- "$MC" decrypt -k "$T/fixed.key" "$T/pp1.png" -o "$T/pd.png"
no_file "$T/pd.png" "paper refused"
expect 0 "paper decrypt" -- "$MC" decrypt --profile paper -k "$T/fixed.key" "$T/pp1.png" -o "$T/pd.png"
expect 1 "paper decryption is lossy" -- "$MC" compare "$T/p8.png" "$T/pd.png"
expect 0 "analyze paper decryption" -- "$MC" analyze "$T/pd.png" "$T/p8.png" --json
psnr=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["psnr"])' "$T/out")
echo "paper decryption of the 256x256 phantom: PSNR $psnr dB"
"$PY" -c "import sys; sys.exit(0 if float(sys.argv[1]) > 20 else 1)" "$psnr" && ok || bad "paper PSNR $psnr <= 20 dB"

# the key image: the paper cipher of a zero image is the key image; the
# hardened key image is the one of the file's nonce
"$PY" - "$T/zero.pgm" <<'PYEOF'
import sys
open(sys.argv[1], 'wb').write(b'P5 256 256 255\n' + bytes(256 * 256))
PYEOF
expect 0 "encrypt zero (paper)" -- "$MC" encrypt -s deep-kedi --profile paper -k "$T/fixed.key" "$T/zero.pgm" -o "$T/zc.pgm"
expect 0 "keyimage paper" -- "$MC" keyimage --profile paper --size 256x256 -k "$T/fixed.key" -o "$T/kp.png"
same_pixels "$T/zc.pgm" "$T/kp.png" "paper: cipher of the zero image = keyimage"
expect 0 "encrypt zero (hardened)" -- "$MC" encrypt -s deep-kedi -k "$T/k.key" "$T/zero.pgm" -o "$T/zh.pgm"
expect 0 "keyimage --from" -- "$MC" keyimage --from "$T/zh.pgm" -k "$T/k.key" -o "$T/kh.png"
same_pixels "$T/zh.pgm" "$T/kh.png" "hardened: cipher of the zero image = keyimage --from"
expect 0 "keyimage --from --raw" -- "$MC" keyimage --from "$T/zh.pgm" -k "$T/k.key" --raw -o "$T/kr.png"
expect 1 "the raw generator output is not the whitened key" -- "$MC" compare "$T/kh.png" "$T/kr.png"
expect 1 "keyimage: --from and --size" -- "$MC" keyimage --from "$T/zh.pgm" --size 8x8 -k "$T/k.key" -o "$T/x.png"
expect 1 "keyimage: bad size" -- "$MC" keyimage --size 0x8 -k "$T/k.key" -o "$T/x.png"
expect 1 "keyimage: paper with a nonce" -- "$MC" keyimage --profile paper --nonce 00 --size 8x8 -k "$T/k.key" -o "$T/x.png"
expect 2 "keyimage --from a plain image" -- "$MC" keyimage --from "$T/p8.png" -k "$T/k.key" -o "$T/x.png"
no_file "$T/x.png" "keyimage errors"
expect 0 "keyimage ${big}x$big hardened" -- "$MC" keyimage --size ${big}x$big -k "$T/k.key" -o "$T/kb.png"
read -r ent corr < <("$MC" analyze "$T/kb.png" --json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["entropy"], d["corr"]["h"])')
echo "hardened key image ${big}x$big: entropy $ent, corr h $corr"
"$PY" -c "import sys; e,c=map(float,sys.argv[1:]); sys.exit(0 if e > 7.99 and abs(c) < 0.02 else 1)" "$ent" "$corr" &&
  ok || bad "hardened key image: entropy $ent, corr $corr"
expect 0 "keyimage ${big}x$big paper" -- "$MC" keyimage --profile paper --size ${big}x$big -k "$T/k.key" -o "$T/kbp.png"
read -r ent corr < <("$MC" analyze "$T/kbp.png" --json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["entropy"], d["corr"]["h"])')
echo "paper key image (the generator's output) ${big}x$big: entropy $ent, corr h $corr (paper: 7.45)"

# attack cpa: paper falls to the zero image (its decryption comes back
# exactly); hardened leaves chance
expect 0 "attack cpa paper" -- "$MC" attack cpa -k "$T/fixed.key" "$T/pp1.png" -o "$T/rec.png" --truth "$T/pd.png"
grep -q "^exact: 100.0000%" "$T/out" && ok || bad "attack cpa paper: $(head -3 "$T/out")"
expect 0 "attack cpa hardened" -- "$MC" attack cpa -k "$T/k.key" "$c" -o "$T/rec2.png" --truth "$T/p8.png"
x=$(sed -n 's/^exact: \([0-9.]*\)%.*/\1/p' "$T/out")
"$PY" -c "import sys; sys.exit(0 if float(sys.argv[1]) < 2 else 1)" "${x:-100}" && ok || bad "attack cpa hardened: exact $x%"

# key sensitivity
expect 0 "analyze --sensitivity" -- "$MC" analyze --sensitivity -s deep-kedi -k "$T/k.key" "$T/p8.png" --json
has_file "$T/out" "sensitivity output"

# errors
expect 1 "bad pattern" -- "$MC" encrypt -s deep-kedi --param pattern=q -k "$T/k.key" "$T/p8.png" -o "$T/x.png"
expect 1 "bad variance" -- "$MC" encrypt -s deep-kedi --param variance=2 -k "$T/k.key" "$T/p8.png" -o "$T/x.png"
one_line_err "bad variance"
no_file "$T/x.png" "failed encryptions leave no file"
finish
