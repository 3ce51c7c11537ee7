#!/usr/bin/env bash
# test_cli_hygiene.sh - what a hostile or odd environment cannot do to the CLI:
# files named inside an input file are never opened (a FIFO, /dev/stdin,
# /etc/passwd as a key image or a model: exit 2 at once, and strace shows no
# access), '-' creates no file under $TMPDIR, an inherited "ignore SIGHUP" is
# kept while the output is written, bad values read from a file are exit 2
# (or 3), decrypted output is mode 0600, Argon2 costs from a file are capped,
# and temporary files of dead writers are removed by the next run.
. "$(dirname "$0")/lib.bash"
cd "$T"
if ! command -v strace >/dev/null || ! strace -o /dev/null true 2>/dev/null; then
  echo "SKIP: strace is missing or cannot trace here (scripts/install-deps.sh installs it)" >&2
  exit 77
fi
# runs the command under strace; $T/trace gets every file-related call
# (LeakSanitizer cannot run under ptrace: off for traced commands)
export NOLEAK="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
traced() { ASAN_OPTIONS=$NOLEAK strace -f -qq -e trace=%file -o "$T/trace" "$@"; }
# "at once": 1 s (3 s in the sanitizer build, slow to start under strace)
lim=1000
[ "${MEDCRYPT_SANITIZE:-0}" = 1 ] && lim=3000
# now in milliseconds
ms() { date +%s%3N; }

"$MC" keygen -o k >/dev/null 2>&1 && ok || bad keygen
"$MC" phantom --size 64 --bits 8 -o ph8.pgm >/dev/null 2>&1 && ok || bad phantom
"$MC" phantom --size 64 --bits 8 -o key8.pgm >/dev/null 2>&1 && ok || bad "key image"
mkfifo fifo

# --- nothing named by the file is opened ------------------------------------------
# set KEY=VALUE in the metadata comment of a PGM (paper profile: no MAC)
set_meta() { # FILE KEY VALUE
  "$PY" - "$@" <<'PYEOF'
import re, sys
p, k, v = sys.argv[1:]
b = open(p, 'rb').read()
b2 = re.sub(rb'(?<=[;= ])' + re.escape(k.encode()) + rb'=[^;\n]*', (k + '=' + v).encode().replace(b'\\', b'\\\\'), b, count=1)
assert b2 != b, "no " + k
open(p, 'wb').write(b2)
PYEOF
}
"$MC" encrypt -s zigzag --profile paper -k k --key-image key8.pgm ph8.pgm -o zk.pgm 2>/dev/null && ok || bad "zigzag paper"
"$MC" encrypt -s at-resnet-cm --profile paper --param tile=16 -k k ph8.pgm -o at.pgm 2>/dev/null
have_at=$?
for target in "$T/fifo" /dev/stdin /etc/passwd; do
  for f in zk at; do
    [ $f = at ] && [ $have_at -ne 0 ] && { echo "SKIP: no built-in model: at-resnet-cm part" >&2; continue; }
    cp $f.pgm evil-$f.pgm
    if [ $f = zk ]; then set_meta evil-$f.pgm p.key-image "$target"; opt=--key-image; else set_meta evil-$f.pgm p.model "$target"; opt=--model; fi
    t0=$(ms)
    expect 2 "$f names $target" -- timeout 10 env ASAN_OPTIONS=$NOLEAK strace -f -qq -e trace=%file -o "$T/trace" "$MC" decrypt --profile paper -k k evil-$f.pgm -o evil.pgm
    t1=$(ms)
    [ $((t1 - t0)) -lt $lim ] && ok || bad "$f names $target: took $((t1 - t0)) ms"
    grep -q -- "$opt" "$T/err" && ok || bad "$f names $target: message does not name $opt: $(cat "$T/err")"
    grep -F "\"$target\"" "$T/trace" >/dev/null && bad "$f names $target: it was accessed: $(grep -F "$target" "$T/trace" | head -2)" || ok
    no_file evil.pgm "$f names $target"
  done
done

# --- '-' creates no file under TMPDIR ------------------------------------------------
mkdir wtmp
export TMPDIR="$T/wtmp"
traced "$MC" encrypt -s aead -k k - -o - <ph8.pgm >s.pgm 2>"$T/err" && ok || bad "encrypt - -o -: $(cat "$T/err")"
grep -F "$T/wtmp" "$T/trace" >/dev/null && bad "encrypt - -o - touched TMPDIR: $(grep -F "$T/wtmp" "$T/trace" | head -2)" || ok
traced "$MC" decrypt -k k - -o - <s.pgm >s-dec.pgm 2>"$T/err" && ok || bad "decrypt - -o -: $(cat "$T/err")"
grep -F "$T/wtmp" "$T/trace" >/dev/null && bad "decrypt - -o - touched TMPDIR: $(grep -F "$T/wtmp" "$T/trace" | head -2)" || ok
grep -E 'O_CREAT|creat\(' "$T/trace" | grep -v '"/proc/self/fd/' >/dev/null && bad "decrypt - -o - created a file: $(grep O_CREAT "$T/trace" | head -2)" || ok
same_pixels ph8.pgm s-dec.pgm "stdin/stdout round trip"
[ -z "$(ls -A wtmp)" ] && ok || bad "TMPDIR not empty: $(ls -A wtmp)"
unset TMPDIR

# --- an inherited SIG_IGN for SIGHUP is kept while writing ------------------------
"$MC" phantom --size 1024 --slices 24 -o big.nii >/dev/null 2>&1 && ok || bad "big phantom"
for run in 1 2 3; do
  rm -f big-enc.nii.gz
  trap '' HUP # inherited by the child as SIG_IGN, like nohup
  "$MC" encrypt -s aead -k k big.nii -o big-enc.nii.gz 2>"$T/err" &
  pid=$!
  trap - HUP
  while kill -0 $pid 2>/dev/null; do kill -HUP $pid 2>/dev/null; sleep 0.005; done
  wait $pid
  st=$?
  [ $st -eq 0 ] && ok || bad "HUP during a 'trap '' HUP' run ($run): exit $st: $(cat "$T/err")"
done
"$MC" decrypt -k k big-enc.nii.gz -o big-dec.nii >/dev/null 2>&1 && ok || bad "decrypt the HUP run's output"
same_pixels big.nii big-dec.nii "HUP run round trip"
# without SIG_IGN, a HUP during the write removes the temporary file
rm -f big-enc2.nii.gz
"$MC" encrypt -s aead -k k big.nii -o big-enc2.nii.gz 2>/dev/null &
pid=$!
sleep 0.3
kill -HUP $pid 2>/dev/null
wait $pid
st=$?
if [ $st -eq 129 ]; then no_file big-enc2.nii.gz "killed by HUP"; else echo "note: the run ended ($st) before the HUP" >&2; fi
no_temp_left . "killed by HUP"

# --- decrypted output is 0600 whatever the umask -------------------------------------
(umask 022; "$MC" encrypt -s aead -k k ph8.pgm -o m.pgm 2>/dev/null; "$MC" decrypt -k k m.pgm -o m-dec.pgm 2>/dev/null)
[ "$(stat -c %a m-dec.pgm)" = 600 ] && ok || bad "decrypted output mode $(stat -c %a m-dec.pgm)"
[ "$(stat -c %a m.pgm)" = 644 ] && ok || bad "encrypted output mode $(stat -c %a m.pgm) (umask 022)"

# --- exit status of bad values read from a file: 2 (3 when authentication fails) ------
expect 2 "-k /dev/zero" -- "$MC" decrypt -k /dev/zero m.pgm -o x.pgm
one_line_err "-k /dev/zero"
expect 2 "-k a FIFO (no hang)" -- timeout 5 "$MC" decrypt -k fifo m.pgm -o x.pgm
expect 2 "-k a directory" -- "$MC" decrypt -k . m.pgm -o x.pgm
printf 'not a key\n' >notakey
expect 2 "-k not a key file" -- "$MC" decrypt -k notakey m.pgm -o x.pgm
if [ $have_at -eq 0 ]; then
  cp at.pgm tile.pgm
  set_meta tile.pgm p.tile 8
  expect 2 "p.tile out of range in a file" -- "$MC" decrypt --profile paper -k k tile.pgm -o x.pgm
  one_line_err "p.tile out of range"
fi
"$MC" encrypt -s latin --profile paper -k k ph8.pgm -o lat.pgm 2>/dev/null && ok || bad "latin paper"
set_meta lat.pgm p.rounds 0
expect 2 "p.rounds=0 in a file" -- "$MC" decrypt --profile paper -k k lat.pgm -o x.pgm
no_file x.pgm "bad values"

# --- Argon2 costs from a file are capped (4x the defaults) -----------------------------
export MEDCRYPT_PASSPHRASE="pass"
"$MC" encrypt -s aead --passphrase ph8.pgm -o pw.pgm 2>/dev/null && ok || bad "passphrase encrypt"
cp pw.pgm pw-ops.pgm
set_meta pw-ops.pgm ops 16
t0=$(ms)
expect 3 "ops 16 in a file" -- "$MC" decrypt --passphrase pw-ops.pgm -o x.pgm
t1=$(ms)
[ $((t1 - t0)) -lt $lim ] && ok || bad "ops 16 refused in $((t1 - t0)) ms"
cp pw.pgm pw-mem.pgm
set_meta pw-mem.pgm mem 1073741824
expect 3 "mem 1 GiB in a file" -- "$MC" decrypt --passphrase pw-mem.pgm -o x.pgm
grep -q "out of range\|tampered" "$T/err" && ok || bad "cost message: $(cat "$T/err")"
"$MC" keygen --passphrase -o kw >/dev/null 2>&1 && ok || bad "wrapped key"
sed -i 's/ argon2id 3 67108864 / argon2id 16 67108864 /' kw
expect 2 "wrapped key file with ops 16" -- "$MC" decrypt -k kw pw.pgm -o x.pgm
"$MC" keygen --passphrase -o kw2 >/dev/null 2>&1 && ok || bad "wrapped key 2"
unset MEDCRYPT_PASSPHRASE
if ! (exec </dev/tty) 2>/dev/null; then # no terminal to ask on
  expect 1 "wrapped key, no passphrase anywhere" -- "$MC" decrypt -k kw2 m.pgm -o x.pgm
  one_line_err "wrapped key, no passphrase anywhere"
fi

# --- temporary files of dead writers are removed by the next run -------------------------
tag=$("$PY" -c 'import hashlib, socket; print(hashlib.blake2b(socket.gethostname().encode(), digest_size=4).hexdigest())')
dead=$(sh -c 'echo $$')
mkdir odir
: >"odir/.x.pgm.mctmp-$tag-$dead-AbCdEf.pgm"
: >"odir/.y.pgm.mctmp-$tag-$$-AbCdEf.pgm" # this shell: alive
: >"odir/.z.pgm.mctmp-00000000-$dead-AbCdEf.pgm" # another host
"$MC" encrypt -s aead -k k ph8.pgm -o odir/e.pgm 2>/dev/null && ok || bad "encrypt into odir/"
no_file "odir/.x.pgm.mctmp-$tag-$dead-AbCdEf.pgm" "dead writer's temporary file"
has_file_any() { if [ -e "$1" ]; then ok; else bad "$2: $1 removed"; fi; }
has_file_any "odir/.y.pgm.mctmp-$tag-$$-AbCdEf.pgm" "live writer's temporary file"
has_file_any "odir/.z.pgm.mctmp-00000000-$dead-AbCdEf.pgm" "another host's temporary file"

# --- one option parser: one-line usage errors ----------------------------------------------
for c in "encrypt --frobnicate" "decrypt -Z" "analyze --pairs" "attack cpa --nope" "convert --force=1" "info --json=x"; do
  expect 1 "medcrypt $c" -- "$MC" $c
  one_line_err "medcrypt $c"
done
expect 1 "--param without =" -- "$MC" encrypt -s aead -k k --param rounds ph8.pgm -o x.pgm
one_line_err "--param without ="
finish
