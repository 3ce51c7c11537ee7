#!/usr/bin/env bash
# test_tree.sh - directory mode (encrypt/decrypt -r IN_DIR -o OUT_DIR -j N):
# a round trip of the sample tree plus a 500-file DICOM series is bit-exact
# for every image (pixels, and for DICOM every attribute pydicom shows but
# the documented ones), the series stays one series, the manifest lists
# every file with the SHA-256 of its output, other files are reported (copied
# with --copy-other), links and FIFOs are never opened, one file's failure
# stops nothing and sets the exit status, a run killed halfway (SIGKILL) and
# rerun completes with no partial output, and a rerun skips what is done.
. "$(dirname "$0")/lib.bash"
cd "$T"
san=${MEDCRYPT_SANITIZE:-0}
nser=500
size=64
[ "$san" = 1 ] && nser=200 # the sanitizer build is slower; the logic is the same
"$MC" keygen -o k >/dev/null 2>&1 && ok || bad keygen
"$MC" keygen -o k2 >/dev/null 2>&1 && ok || bad keygen2

# --- the input tree: samples, a series, other files, a link, a FIFO -------------
mkdir -p in/notes
if [ -d "$SAMPLES" ]; then cp -r "$SAMPLES/." in/samples; else echo "SKIP: samples missing: series only (scripts/fetch-samples.sh)" >&2; fi
"$MC" phantom --size $size --slices $nser --split -o in/series >/dev/null 2>&1 && ok || bad "phantom --split"
n=$(ls in/series | wc -l)
[ "$n" -eq $nser ] && ok || bad "phantom --split wrote $n files, want $nser"
echo "a report" >in/notes/report.txt
ln -s ../notes/report.txt in/notes/link.txt
mkfifo in/notes/fifo
"$MC" phantom --size 32 --bits 8 -o in/notes/slice.png >/dev/null 2>&1 && ok || bad "png"

# pydicom: one series UID in a directory of DICOM files
series_uids() { "$PY" -c 'import pydicom, sys, glob; print(len({pydicom.dcmread(f).SeriesInstanceUID for f in glob.glob(sys.argv[1] + "/*.dcm")}))' "$1"; }
[ "$(series_uids in/series)" = 1 ] && ok || bad "phantom --split: not one series"

# --- encrypt the tree -------------------------------------------------------------
expect_any() { # DESCRIPTION -- command: exit status in $st, output in $T/out, $T/err
  local what=$1; shift 2
  "$@" >"$T/out" 2>"$T/err" </dev/null
  st=$?
  [ $st -lt 128 ] && ok || bad "$what: killed by signal $((st - 128))"
}
expect_any "encrypt -r" -- timeout 600 "$MC" encrypt -s aead -k k -r in -o enc -j 2 --progress lines
[ $st -eq 0 ] || [ $st -eq 2 ] && ok || bad "encrypt -r: exit $st: $(tail -3 "$T/err")"
grep -q "manifest enc/medcrypt-manifest.json" "$T/err" && ok || bad "encrypt -r: no summary line: $(tail -2 "$T/err")"
# the manifest: every entry of the tree, SHA-256 of every output
"$PY" - enc/medcrypt-manifest.json in enc $st $nser <<'PYEOF' && ok || bad "manifest check"
import hashlib, json, os, sys
man, src, out, st, nser = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
m = json.load(open(man))
files = {f["input"]: f for f in m["files"]}
want = set()
for d, dirs, fs in os.walk(src):
    for f in fs:
        want.add(os.path.relpath(os.path.join(d, f), src))
assert set(files) == want, (want - set(files), set(files) - want)
worst = 0
for rel, f in files.items():
    if f["status"] in ("ok", "copied"):
        p = os.path.join(out, f["output"])
        b = open(p, "rb").read()
        assert len(b) == f["bytes"] and hashlib.sha256(b).hexdigest() == f["sha256"], rel
    else:
        assert f["output"] is None and f["sha256"] is None, rel
        assert not os.path.exists(os.path.join(out, rel)), rel
    if f["status"] == "failed":
        assert f["exit"] in (2, 3, 4) and f["message"], f
        worst = max(worst, f["exit"])
    else:
        assert f["exit"] == 0, f
assert files["notes/report.txt"]["status"] == "other"
assert files["notes/link.txt"]["status"] == "skipped" and files["notes/fifo"]["status"] == "skipped"
assert files["notes/slice.png"]["status"] == "ok"
assert m["summary"]["exit"] == st == worst, (m["summary"], st, worst)
assert sum(1 for f in files.values() if f["status"] == "ok") >= nser + 1, "too few images encrypted"
PYEOF
[ -e enc/.medcrypt-journal.jsonl ] && bad "journal left after a complete run" || ok
[ -z "$(find enc -name '.*mctmp*')" ] && ok || bad "temporary files left: $(find enc -name '.*mctmp*' | head -3)"
[ "$(series_uids enc/series)" = 1 ] && ok || bad "encrypted series: not one series"
# every failure is one the single-file command also refuses, with the same status
"$PY" -c 'import json,sys; [print(f["exit"], f["input"]) for f in json.load(open(sys.argv[1]))["files"] if f["status"] == "failed"]' enc/medcrypt-manifest.json >failed.txt
while read -r code rel; do
  "$MC" encrypt -s aead -k k "in/$rel" -o one.dcm >/dev/null 2>&1
  s1=$?
  [ "$s1" = "$code" ] && ok || bad "$rel: tree exit $code, single-file exit $s1"
  rm -f one.dcm
done <failed.txt

# --- decrypt the tree: bit-exact, attributes kept -----------------------------------
expect 0 "decrypt -r" -- timeout 600 "$MC" decrypt -k k -r enc -o dec -j 2 --progress none
"$PY" -c 'import json,sys; [print(f["input"]) for f in json.load(open(sys.argv[1]))["files"] if f["status"] == "ok"]' enc/medcrypt-manifest.json >okfiles.txt
# the series (uncompressed) by pydicom in one process, the rest by medcrypt compare
same_series() { # A_DIR B_DIR: Pixel Data bytes equal for every file of A
  "$PY" -c 'import glob, os, sys, pydicom
fs = sorted(glob.glob(sys.argv[1] + "/*.dcm")); bad = [f for f in fs if pydicom.dcmread(f).PixelData != pydicom.dcmread(os.path.join(sys.argv[2], os.path.basename(f))).PixelData]
print(len(fs), len(bad)); sys.exit(1 if bad or not fs else 0)' "$1" "$2"
}
same_series in/series dec/series >"$T/cmp" 2>&1 && ok || bad "series not bit-exact after the round trip: $(cat "$T/cmp")"
nbad=0
while read -r rel; do
  case "$rel" in series/*) continue ;; esac
  "$MC" compare "in/$rel" "dec/$rel" >/dev/null 2>&1 || { nbad=$((nbad + 1)); echo "FAIL: pixels differ: $rel" >&2; }
done <okfiles.txt
[ $nbad -eq 0 ] && ok || bad "$nbad images not bit-exact after the round trip"
[ "$(stat -c %a dec/notes/slice.png)" = 600 ] && ok || bad "decrypted tree output mode $(stat -c %a dec/notes/slice.png)"
# DICOM attributes: every element pydicom shows comes back but the ones
# docs/metadata.md ("The decrypted file") lists: the file meta group, group
# lengths, the encoding of Pixel Data (the decoded arrays are compared above),
# trailing padding, and for lossy originals the transfer syntax and JPEG's
# YBR_FULL_422 -> YBR_FULL.  UIDs come back (the restore record).
"$PY" - in dec okfiles.txt <<'PYEOF' && ok || bad "DICOM attributes changed by the round trip"
import sys, pydicom
src, dec, lst = sys.argv[1:]
allowed = {"PixelData", "DataSetTrailingPadding"}
bad = 0
for rel in open(lst).read().split():
    if not rel.endswith(".dcm"):
        continue
    a, b = pydicom.dcmread(f"{src}/{rel}"), pydicom.dcmread(f"{dec}/{rel}")
    lossy = a.file_meta.TransferSyntaxUID.is_compressed and not a.file_meta.TransferSyntaxUID in (
        "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70",
        "1.2.840.10008.1.2.4.90")
    for el in a:
        if el.keyword in allowed or el.tag.element == 0:
            continue
        if (el.keyword == "PhotometricInterpretation" and lossy and el.value == "YBR_FULL_422"
                and b.get("PhotometricInterpretation") == "YBR_FULL"):
            continue
        if el.tag not in b or b[el.tag].value != el.value:
            print(f"{rel}: {el.keyword or el.tag} changed", file=sys.stderr)
            bad += 1
            break
    if not lossy and a.file_meta.TransferSyntaxUID != b.file_meta.TransferSyntaxUID:
        print(f"{rel}: lossless transfer syntax {a.file_meta.TransferSyntaxUID} not restored", file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
PYEOF
[ "$(series_uids dec/series)" = 1 ] && ok || bad "decrypted series: not one series"

# --- a rerun skips what is complete; a damaged output is redone -----------------------
expect_any "rerun" -- "$MC" encrypt -s aead -k k -r in -o enc -j 2 --progress none
grep -q "([0-9]* done before)" "$T/err" && ok || bad "rerun: no resume count: $(cat "$T/err")"
done_before=$(sed -n 's/.*(\([0-9]*\) done before).*/\1/p' "$T/err")
[ "${done_before:-0}" -ge $((nser + 1)) ] && ok || bad "rerun redid work: $done_before done before"
truncate -s 100 enc/series/phantom-0007.dcm
expect_any "rerun after damage" -- "$MC" encrypt -s aead -k k -r in -o enc -j 2 --progress none
"$PY" -c 'import json,sys; f={x["input"]: x for x in json.load(open(sys.argv[1]))["files"]}; assert f["series/phantom-0007.dcm"]["status"] == "ok" and f["series/phantom-0008.dcm"]["status"] == "resumed"' enc/medcrypt-manifest.json && ok || bad "damaged output not redone"
"$MC" decrypt -k k enc/series/phantom-0007.dcm -o p7.dcm >/dev/null 2>&1 && ok || bad "redone output does not decrypt"
expect 1 "another run into the same directory" -- "$MC" encrypt -s zigzag -k k -r in -o enc
grep -q "another run" "$T/err" && ok || bad "another run message: $(cat "$T/err")"

# --- killed halfway (SIGKILL), rerun: complete, no partial output ----------------------
"$MC" encrypt -s aead -k k -r in/series -o kill -j 1 --progress none 2>/dev/null &
pid=$!
for _ in $(seq 1 600); do
  [ -f kill/.medcrypt-journal.jsonl ] && [ "$(wc -l <kill/.medcrypt-journal.jsonl)" -ge 60 ] && break
  sleep 0.05
done
{ kill -KILL $pid && wait $pid; } 2>/dev/null
nk=$(ls kill | grep -c '^phantom')
[ "$nk" -gt 0 ] && [ "$nk" -lt $nser ] && ok || bad "kill: $nk of $nser outputs (want a partial run)"
[ -f kill/medcrypt-manifest.json ] && bad "a killed run wrote its final manifest" || ok
# no partial output: every output under its final name is a complete DICOM file
if command -v dcmftest >/dev/null; then
  notok=$(dcmftest kill/phantom-*.dcm 2>&1 | grep -vc '^yes:')
  [ "$notok" -eq 0 ] && ok || bad "kill: $notok incomplete outputs"
fi
# a temporary file as SIGKILL leaves it, of a dead writer of this host
tag=$("$PY" -c 'import hashlib, socket; print(hashlib.blake2b(socket.gethostname().encode(), digest_size=4).hexdigest())')
: >"kill/.phantom-9999.dcm.mctmp-$tag-$pid-QwErTy.dcm"
expect 0 "rerun after SIGKILL" -- "$MC" encrypt -s aead -k k -r in/series -o kill -j 2 --progress none
done_before=$(sed -n 's/.*(\([0-9]*\) done before).*/\1/p' "$T/err")
[ "${done_before:-0}" -ge 50 ] && ok || bad "rerun after SIGKILL: $done_before done before"
[ -z "$(find kill -name '.*mctmp*')" ] && ok || bad "temporary files left after the rerun: $(find kill -name '.*mctmp*' | head -3)"
"$PY" -c 'import json,sys; m=json.load(open(sys.argv[1])); f=m["files"]; assert len(f) == int(sys.argv[2]) and all(x["status"] in ("ok", "resumed") for x in f), m["summary"]' kill/medcrypt-manifest.json $nser && ok || bad "manifest after the rerun"
expect 0 "decrypt the resumed tree" -- "$MC" decrypt -k k -r kill -o kill-dec -j 2 --progress none
same_series in/series kill-dec >"$T/cmp" 2>&1 && ok || bad "the resumed run is not bit-exact: $(cat "$T/cmp")"

# --- other files, links, FIFOs, failures, wrong key, bad directories ------------------
expect 0 "--copy-other" -- timeout 60 "$MC" encrypt -s aead -k k -r in/notes -o notes-enc --copy-other
cmp -s in/notes/report.txt notes-enc/report.txt && ok || bad "--copy-other: not copied"
[ -e notes-enc/link.txt ] || [ -e notes-enc/fifo ] && bad "a link or FIFO was copied" || ok
mkdir -p bad
cp in/series/phantom-0001.dcm in/series/phantom-0002.dcm bad/
head -c 2000 in/series/phantom-0003.dcm >bad/cut.dcm
expect 2 "one corrupt file" -- "$MC" encrypt -s aead -k k -r bad -o bad-enc -j 2
has_file bad-enc/phantom-0001.dcm "the others are done"
has_file bad-enc/phantom-0002.dcm "the others are done"
no_file bad-enc/cut.dcm "corrupt file"
expect 3 "decrypt -r with a wrong key" -- "$MC" decrypt -k k2 -r bad-enc -o bad-dec
no_file bad-dec/phantom-0001.dcm "wrong key"
mkdir full && echo x >full/x
expect 1 "OUT_DIR not empty, not ours" -- "$MC" encrypt -s aead -k k -r bad -o full
expect 1 "OUT_DIR inside IN_DIR" -- "$MC" encrypt -s aead -k k -r bad -o bad/sub
expect 1 "-j 0" -- "$MC" encrypt -s aead -k k -r bad -o x -j 0
expect 1 "-j without -r" -- "$MC" encrypt -s aead -k k -j 2 bad/phantom-0001.dcm -o x.dcm
finish
