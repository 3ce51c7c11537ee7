#!/usr/bin/env bash
# tree_bench.sh - directory mode throughput (issue 15): a tree of 500 DICOM
# files (a 16-bit CT series of the phantom, 512x512 single-slice files, plus
# every pydicom sample that medcrypt reads) encrypted with `aead` by
# `medcrypt encrypt -r` with -j 1 and -j 2, beside, in the same run, `cp -r`
# of the tree and `age` (Debian package) encrypting each file whole, one
# process per file (-j 1: in turn; -j 2: two at a time through xargs -P 2).
# Reps are interleaved (cp, age -j1, age -j2, medcrypt -j1, medcrypt -j2, then
# again); medians of REPS (default 5) of the wall time, and of the CPU time
# (user + system, children included), which a busy machine distorts less;
# the 1-minute load average at the end tells how busy it was.  Every medcrypt
# output must be valid DICOM (dcmftest).  JSON on stdout.
# Usage: bench/tree_bench.sh [MEDCRYPT] [SAMPLES_DIR]   (REPS, BENCH_DIR from the environment)
set -euo pipefail
MC=${1:-build/medcrypt}
SAMPLES=${2:-.cache/samples}
REPS=${REPS:-5}
for tool in age age-keygen dcmftest; do
  command -v $tool >/dev/null || { echo "tree_bench: $tool missing (scripts/install-deps.sh)" >&2; exit 77; }
done
MC=$(realpath "$MC")
W=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/mctree.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W"

# the tree: samples medcrypt reads (DICOM only), then the series up to 500 files
mkdir -p in/samples
nsamp=0
for f in "$SAMPLES"/dicom/*.dcm; do
  [ -f "$f" ] || continue
  if "$MC" info "$f" >/dev/null 2>&1; then cp "$f" in/samples/; nsamp=$((nsamp + 1)); fi
done
nser=$((500 - nsamp))
"$MC" phantom --size 512 --slices $nser --split -o in/series >/dev/null
nfiles=$(find in -type f | wc -l)
bytes=$(find in -type f -printf '%s\n' | awk '{s += $1} END {print s}')
"$MC" keygen -o k >/dev/null 2>&1
age-keygen -o age.key 2>/dev/null
recip=$(age-keygen -y age.key)
find in -type f | sort >list.txt
sed 's#^in/#age1/#' list.txt | xargs -n1 dirname | sort -u >dirs.txt

# each run: "wall cpu" seconds (cpu: user + system of the command and its
# children, which a loaded machine inflates less than the wall time)
timed() { /usr/bin/time -f "%e %U %S" -o "$W/time.txt" "$@" >/dev/null && awk '{print $1 "/" $2 + $3}' "$W/time.txt"; }
run_cp() { rm -rf cp; timed cp -r in cp; }
age_all() { # JOBS RECIPIENT
  if [ "$1" = 1 ]; then
    while read -r f; do age -r "$2" -o "age1/${f#in/}.age" "$f"; done <list.txt
  else
    xargs -P "$1" -I{} sh -c 'f={}; age -r "$0" -o "age1/${f#in/}.age" "$f"' "$2" <list.txt
  fi
}
export -f age_all
run_age() { rm -rf age1; xargs mkdir -p <dirs.txt; timed bash -c 'age_all "$@"' _ "$1" "$recip"; }
run_mc() { rm -rf mc; timed "$MC" encrypt -s aead -k k -r in -o mc -j "$1" --progress none; }
declare -A T
for r in $(seq 1 "$REPS"); do
  T[cp]+="$(run_cp) "
  T[age_j1]+="$(run_age 1) "
  T[age_j2]+="$(run_age 2) "
  T[medcrypt_j1]+="$(run_mc 1 2>/dev/null) "
  T[medcrypt_j2]+="$(run_mc 2 2>/dev/null) "
done
# outputs: every file encrypted, valid DICOM
nok=$(/usr/bin/python3 -c 'import json,sys; print(sum(f["status"] == "ok" for f in json.load(open(sys.argv[1]))["files"]))' mc/medcrypt-manifest.json)
valid=0
while read -r f; do dcmftest "mc/${f#in/}" >/dev/null 2>&1 && valid=$((valid + 1)); done <list.txt

/usr/bin/python3 - "$nfiles" "$bytes" "$nsamp" "$nok" "$valid" "$REPS" \
  "${T[cp]}" "${T[age_j1]}" "${T[age_j2]}" "${T[medcrypt_j1]}" "${T[medcrypt_j2]}" <<'PYEOF'
import json, os, statistics, sys, datetime
nfiles, nbytes, nsamp, nok, valid, reps = map(int, sys.argv[1:7])
names = ["cp", "age_j1", "age_j2", "medcrypt_j1", "medcrypt_j2"]
res = {}
for n, s in zip(names, sys.argv[7:12]):
    runs = [tuple(map(float, x.split("/"))) for x in s.split()]
    t, c = [w for w, _ in runs], [u for _, u in runs]
    m = statistics.median(t)
    res[n] = {"seconds_median": round(m, 4), "seconds": [round(x, 4) for x in t],
              "cpu_seconds_median": round(statistics.median(c), 4),
              "files_per_s": round(nfiles / m, 1), "MB_per_s": round(nbytes / m / 1e6, 1)}
cpu = "unknown"
try:
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
except Exception:
    pass
r = lambda a, b, k="seconds_median": round(res[b][k] / res[a][k], 3)
print(json.dumps({
    "bench": "tree", "date": datetime.date.today().isoformat(), "cpu": cpu,
    "tree": {"files": nfiles, "bytes": nbytes, "series_files": nfiles - nsamp, "sample_files": nsamp,
             "series": "phantom 512x512 16-bit, one slice per file"},
    "reps": reps, "results": res,
    "outputs": {"encrypted": nok, "valid_dicom": valid},
    "ratios": {"medcrypt_j1_over_age_j1": r("medcrypt_j1", "age_j1"),
               "medcrypt_j2_over_age_j2": r("medcrypt_j2", "age_j2"),
               "medcrypt_j2_over_j1": r("medcrypt_j2", "medcrypt_j1"),
               "medcrypt_j1_over_cp": r("medcrypt_j1", "cp"),
               "medcrypt_j1_over_age_j1_cpu": r("medcrypt_j1", "age_j1", "cpu_seconds_median")},
    "load_average_1min": float(open("/proc/loadavg").read().split()[0]), "online_cpus": len(os.sched_getaffinity(0)),
    "targets": {"medcrypt_over_age": ">= 0.8", "j2_over_j1": ">= 1.7"}}, indent=1))
PYEOF
