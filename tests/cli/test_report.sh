#!/usr/bin/env bash
# test_report.sh - `medcrypt report`: the claims table (55 numeric claims:
# AT-ResNet-CM 34, TPE-H2MWD 4, Deep-KEDI 13, EDG-Net 4), a --quick report
# (every claim has a row with a status, computed rows for every scheme this
# build has, pending only for schemes it lacks, valid PNG figures, no
# JavaScript or external resource, demo.key mode 0600), and the output
# contract (usage errors, OUT_DIR never overwritten without -f, nothing left
# behind by a failure or an interrupt).  The rendering check in Chromium is
# test_report_render.sh.
. "$(dirname "$0")/lib.bash"
cd "$T"

expect 0 "report --help" -- "$MC" report --help
grep -q "Usage: medcrypt report OUT_DIR" "$T/out" && ok || bad "report --help text"

# --- the claims table
expect 0 "report --claims --json" -- "$MC" report --claims --json
cp "$T/out" claims.json
"$PY" - claims.json <<'PYEOF' && ok || bad "claims table: 55 counted claims, 34/4/13/4, unique ids, a method each"
import json, sys, collections
c = json.load(open(sys.argv[1]))
n = collections.Counter(x["paper"] for x in c if x["counted"])
assert n == {"at-resnet-cm": 34, "tpe-h2mwd": 4, "deep-kedi": 13, "edg-net": 4}, n
ids = [x["id"] for x in c]
assert len(ids) == len(set(ids)), "duplicate ids"
for x in c:
    assert x["paper_value"] and x["quantity"] and x["where"] and x["method"], x["id"]
    if not x["reproducible"]:
        assert x["method"].startswith("not reproducible"), x["id"]
# the values the issue names are there
vals = {x["paper_value"] for x in c}
for v in ("7.9965", "0.0010", "7.45", "0.618", "25.32 dB", "1.43", "+inf"):
    assert v in vals, v
PYEOF
expect 0 "report --claims (text)" -- "$MC" report --claims
[ "$(grep -c '^[ASTKE][0-9A-Z][0-9]' "$T/out")" -ge 55 ] && ok || bad "report --claims lists every claim"

# --- usage and output contract
expect 1 "no OUT_DIR" -- "$MC" report
expect 1 "two OUT_DIRs" -- "$MC" report a b
expect 1 "--json without --claims" -- "$MC" report r --json
one_line_err "--json without --claims"
expect 2 "--samples not a directory" -- "$MC" report r --samples /nonexistent/dir
one_line_err "--samples not a directory"
no_file r "bad --samples"
echo keep >afile
expect 1 "OUT_DIR is a file" -- "$MC" report afile --quick
grep -q keep afile && ok || bad "a file named as OUT_DIR was changed"
mkdir full && echo mine >full/notes.txt
expect 1 "OUT_DIR not empty" -- "$MC" report full --quick -f
[ "$(cat full/notes.txt)" = mine ] && [ "$(ls full | wc -l)" = 1 ] && ok || bad "a non-empty directory was touched"

# --- a quick report, into an empty directory (allowed)
mkdir rep
expect 0 "report --quick" -- "$MC" report rep/ --quick
for f in index.html claims.json demo.key tables/at-resnet-cm.md tables/tpe-h2mwd.md tables/classical.md \
  tables/attacks.md tables/speed.md fig/speed.png fig/tpe-thumbs.png; do
  has_file "rep/$f" "report file"
done
[ "$(stat -c %a rep/demo.key)" = 600 ] && ok || bad "demo.key mode $(stat -c %a rep/demo.key)"
grep -q '^medcrypt-key-v1 raw 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f$' rep/demo.key \
  && ok || bad "demo.key is not the documented demo key"
no_temp_left . "after a report"
ls -a | grep -q '\.tmp-' && bad "temporary directory left: $(ls -a | grep tmp)" || ok
"$MC" list --json >schemes.json
"$PY" - rep schemes.json <<'PYEOF' && ok || bad "claims.json: a row per claim, computed where the scheme exists"
import json, os, sys
d = sys.argv[1]
j = json.load(open(os.path.join(d, "claims.json")))
assert j["quick"] is True
schemes = {s["name"] for s in json.load(open(sys.argv[2]))}
rows = j["claims"]
assert sum(r["counted"] for r in rows) == 55
allowed = {"measured", "stand-in", "not-reproducible", "pending", "not-run"}
for r in rows:
    assert r["status"] in allowed, (r["id"], r["status"])
    if r["status"] in ("measured", "stand-in"):
        assert r["ours"] and r["images"] and r["command"], r["id"]
    if r["status"] == "not-reproducible":
        assert r["reading"], r["id"]
    # pending only for a scheme this build does not have or cannot run (no built-in model)
    if r["status"] == "pending":
        assert r["paper"] not in schemes or "cannot run" in r["reading"], (r["id"], "pending though", r["paper"], "is built")
# what the quick report always computes with the schemes on main
by = {r["id"]: r for r in rows}
for i in ("A04", "A10", "A29", "A31", "A33", "A34", "T01", "T02", "T03", "T04"):
    assert by[i]["status"] == "measured", (i, by[i])
assert by["T01"]["ours"] == "inf" and by["T02"]["ours"] == "inf", (by["T01"], by["T02"])
assert by["T03"]["ours"] == "1.0000" and by["T04"]["ours"] == "1.0000", (by["T03"], by["T04"])
# cipher statistics of the paper profile are those of a random image (loose: a 128x128 phantom)
assert abs(float(by["A29"]["ours"])) < 0.05 and float(by["A31"]["ours"]) > 7.98, (by["A29"], by["A31"])
PYEOF
"$PY" - rep <<'PYEOF' && ok || bad "index.html: self-contained, every figure present and a readable PNG"
import os, re, sys
from PIL import Image
d = sys.argv[1]
h = open(os.path.join(d, "index.html"), encoding="utf-8").read()
assert "<script" not in h.lower(), "JavaScript"
srcs = re.findall(r'(?:src|href)="([^"#]+)"', h)
assert srcs, "no figure"
for s in srcs:
    assert not re.match(r"[a-z]+:", s), "external reference " + s
    assert os.path.isfile(os.path.join(d, s)), "missing " + s
figs = [s for s in srcs if s.endswith(".png")]
assert len(figs) >= 10, len(figs)
for f in set(figs):
    im = Image.open(os.path.join(d, f))
    assert im.format == "PNG" and im.size[0] >= 400 and im.size[1] >= 200, (f, im.size)
    # not blank: some ink on the white background
    g = im.convert("L").resize((200, 100))
    dark = sum(1 for p in g.getdata() if p < 200)
    assert dark > 100, (f, "looks blank")
for sec in ("at-resnet-cm", "tpe-h2mwd", "deep-kedi", "edg-net", "classical", "speed"):
    assert 'id="%s"' % sec in h, sec
assert len(re.findall(r'<tr id="claim-[ATKE][0-9]{2}"', h)) == 55
# a step that failed shows as a problem in the page: none may
assert 'class="problem"' not in h, re.findall(r'class="problem">([^<]*)', h)
PYEOF

# an existing report: refused without -f, replaced with it
expect 1 "report again without -f" -- "$MC" report rep --quick
grep -q "earlier report" "$T/err" && ok || bad "message names -f: $(cat "$T/err")"
touch -d '2000-01-01' rep/index.html
expect 0 "report -f" -- "$MC" report rep --quick -f
[ rep/index.html -nt claims.json ] && ok || bad "-f did not replace the report"
ls -a | grep -q '\.tmp-\|\.old-' && bad "left behind: $(ls -a | grep -e tmp -e old)" || ok

# an interrupt while the report is being written leaves nothing
"$MC" report intr --quick >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 200); do # until its temporary directory exists and has figures
  ls .intr.tmp-*/fig/*.png >/dev/null 2>&1 && break
  sleep 0.05
done
if ls -d .intr.tmp-* >/dev/null 2>&1; then
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
  st=$?
  [ "$st" -ne 0 ] && ok || bad "an interrupted report exited 0"
  no_file intr "interrupted report"
  ls -a | grep -q '^\.intr\.tmp-' && bad "interrupted: temporary directory left" || ok
else
  wait "$pid"
  echo "note: the report finished before it could be interrupted; interrupt check not run" >&2
fi
finish
