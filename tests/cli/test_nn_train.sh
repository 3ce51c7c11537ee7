#!/usr/bin/env bash
# test_nn_train.sh - `medcrypt train` and `medcrypt model info`: a short
# training run writes a model, a CSV log and a checkpoint; resume continues;
# encrypted models need their key (key file, passphrase file, protected key
# file: the shared option parser's key options); option errors are one line;
# corrupt and truncated files fail cleanly.
source "$(dirname "$0")/lib.bash"
mkdir -p "$T/data/sub"
expect 0 "phantom 8-bit" -- "$MC" phantom -o "$T/data/a.pgm" --size 64
expect 0 "phantom 16-bit" -- "$MC" phantom -o "$T/data/sub/b.png" --size 48 --bits 16
echo "not an image" >"$T/data/notes.txt"
common=(--data "$T/data" --steps 5 --batch 4 --patch 32 --hp channels=4 --hp blocks=1 --seed 3)
expect 0 "train" -- "$MC" train denoise "${common[@]}" --epochs 2 -o "$T/m.mcnn" --log "$T/log.csv" --checkpoint "$T/ck.mcnn"
has_file "$T/m.mcnn" "model written"
has_file "$T/ck.mcnn" "checkpoint written"
if [ "$(wc -l <"$T/log.csv")" -eq 11 ] && head -1 "$T/log.csv" | grep -q '^epoch,step,loss,lr,seconds$'; then ok; else bad "log: $(head -3 "$T/log.csv")"; fi
if grep -q 'training denoise on 2 images (1 files skipped)' "$T/err"; then ok; else bad "train message: $(cat "$T/err")"; fi
if grep -q $'\r' "$T/err"; then bad "progress bar drawn on a non-terminal"; else ok; fi
expect 0 "model info" -- "$MC" model info "$T/m.mcnn"
if grep -q '^arch: *denoise' "$T/out" && grep -q 'epoch=2' "$T/out" && grep -q 'network denoiser' "$T/out"; then ok; else bad "info: $(cat "$T/out")"; fi
expect 0 "model info --json" -- "$MC" model info "$T/m.mcnn" --json
if "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["arch"]=="denoise" and d["networks"][0]["parameters"]>0' "$T/out"; then ok; else bad "json: $(head -c 300 "$T/out")"; fi
# resume from the checkpoint to 3 epochs
expect 0 "resume" -- "$MC" train denoise --data "$T/data" --steps 5 --batch 4 --patch 32 --epochs 3 --resume "$T/ck.mcnn" -o "$T/m3.mcnn"
expect 0 "info resumed" -- "$MC" model info "$T/m3.mcnn"
if grep -q 'epoch=3' "$T/out"; then ok; else bad "resumed epoch: $(grep state "$T/out")"; fi
expect 1 "resume a final model (no optimiser state)" -- "$MC" train denoise --data "$T/data" --epochs 3 --resume "$T/m.mcnn" -o "$T/x.mcnn"
# usage errors
expect 1 "unknown arch" -- "$MC" train nosuch --data "$T/data" -o "$T/x.mcnn"
expect 1 "unknown hyperparameter" -- "$MC" train denoise "${common[@]}" --hp nope=1 -o "$T/x.mcnn"
one_line_err "unknown hyperparameter"
expect 1 "exists without -f" -- "$MC" train denoise "${common[@]}" -o "$T/m.mcnn"
expect 1 "no usable data" -- "$MC" train denoise --data "$T/data" --patch 200 -o "$T/x.mcnn"
no_file "$T/x.mcnn" "no model after failures"
# encrypted at rest
expect 0 "keygen" -- "$MC" keygen -o "$T/k"
expect 0 "keygen 2" -- "$MC" keygen -o "$T/k2"
expect 0 "train encrypted" -- "$MC" train denoise "${common[@]}" --epochs 1 -k "$T/k" -o "$T/e.mcnn"
expect 1 "info without key" -- "$MC" model info "$T/e.mcnn"
one_line_err "info without key"
expect 3 "info wrong key" -- "$MC" model info "$T/e.mcnn" -k "$T/k2"
expect 0 "info right key" -- "$MC" model info "$T/e.mcnn" -k "$T/k"
# the key options are the shared parser's (programs/opts.c), as for encrypt:
# a passphrase from a file, a protected key file with its passphrase file
printf 'train pass\n' >"$T/pf"
printf 'wrong pass\n' >"$T/pfx"
expect 0 "train, passphrase file" -- "$MC" train denoise "${common[@]}" --epochs 1 --passphrase-file "$T/pf" -o "$T/pp.mcnn"
expect 0 "info, passphrase file" -- "$MC" model info "$T/pp.mcnn" --passphrase-file "$T/pf"
expect 3 "info, wrong passphrase" -- "$MC" model info "$T/pp.mcnn" --passphrase-file "$T/pfx"
one_line_err "info, wrong passphrase"
MEDCRYPT_PASSPHRASE="key pass" expect 0 "keygen protected" -- "$MC" keygen --passphrase -o "$T/kw"
printf 'key pass\n' >"$T/kwpass"
expect 0 "train, protected key file" -- "$MC" train denoise "${common[@]}" --epochs 1 -k "$T/kw" --passphrase-file "$T/kwpass" -o "$T/kw.mcnn"
expect 0 "info, protected key file" -- "$MC" model info -k "$T/kw" --passphrase-file "$T/kwpass" "$T/kw.mcnn"
expect 3 "info, protected key file, wrong passphrase" -- "$MC" model info -k "$T/kw" --passphrase-file "$T/pfx" "$T/kw.mcnn"
expect 1 "train -k with --passphrase" -- "$MC" train denoise "${common[@]}" -k "$T/k" --passphrase -o "$T/x.mcnn"
one_line_err "train -k with --passphrase"
expect 1 "model info -k with --passphrase" -- "$MC" model info -k "$T/k" --passphrase "$T/e.mcnn"
one_line_err "model info -k with --passphrase"
# option errors: exit 1, one line, nothing written
for args in "--epochs 0" "--epochs x" "--batch 4097" "--seed -1" "--steps" "--nope" "-z" "--no-flip=1"; do
  # shellcheck disable=SC2086
  expect 1 "train $args" -- "$MC" train denoise --data "$T/data" -o "$T/x.mcnn" $args
  one_line_err "train $args"
done
expect 1 "model info --nope" -- "$MC" model info --nope "$T/m.mcnn"
one_line_err "model info --nope"
expect 1 "model info, two files" -- "$MC" model info "$T/m.mcnn" "$T/m3.mcnn"
expect 1 "model frobnicate" -- "$MC" model frobnicate "$T/m.mcnn"
expect 0 "model info -j" -- "$MC" model info -j "$T/m.mcnn"
if "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out"; then ok; else bad "model info -j: not JSON"; fi
expect 0 "train --help" -- "$MC" train --help
if grep -q '^Usage: medcrypt train' "$T/out"; then ok; else bad "train --help: $(head -2 "$T/out")"; fi
expect 0 "model info --help" -- "$MC" model info --help
# corruption: a flipped byte, a truncation, not a model at all
cp "$T/m.mcnn" "$T/bad.mcnn"
flip_byte "$T/bad.mcnn" 300
expect 2 "flipped byte" -- "$MC" model info "$T/bad.mcnn"
if grep -q checksum "$T/err"; then ok; else bad "flip message: $(cat "$T/err")"; fi
head -c 500 "$T/m.mcnn" >"$T/trunc.mcnn"
expect 2 "truncated" -- "$MC" model info "$T/trunc.mcnn"
one_line_err "truncated"
expect 2 "not a model" -- "$MC" model info "$T/data/a.pgm"
expect 4 "missing file" -- "$MC" model info "$T/nope.mcnn"
finish
