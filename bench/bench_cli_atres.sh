#!/usr/bin/env bash
# bench_cli_atres.sh - the neural scheme through the command line, as whole
# processes: `medcrypt encrypt -s at-resnet-cm --profile paper` (and the
# hardened profile) of a 512x512 8-bit PNG against `medcrypt encrypt -s
# aead` of the same file, interleaved in one run (process start, reading,
# the model, the networks, writing: everything a user waits for).  Medians
# of REPS runs each; the difference paper - aead is the issue's figure
# (target: at most 60 ms).  JSON on stdout.
#
#   bench/bench_cli_atres.sh [MEDCRYPT [REPS]]      (default build/medcrypt, 15)
set -euo pipefail
MC=${1:-build/medcrypt}
REPS=${2:-15}
[ -x "$MC" ] || { echo "bench_cli_atres: no $MC (build first)" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$MC" phantom -o "$T/p.png" --size 512 --bits 8 >/dev/null
"$MC" keygen -o "$T/k.key" >/dev/null 2>&1

# wall milliseconds of one command ($EPOCHREALTIME: no process of its own)
run_ms() {
  local t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || { echo "bench_cli_atres: failed: $*" >&2; exit 1; }
  local t1=$EPOCHREALTIME
  echo "$(( (${t1/./} - ${t0/./}) / 1000 ))"
}
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

cases=(aead paper hardened)
for c in "${cases[@]}"; do : >"$T/$c"; done
run_ms "$MC" encrypt -s at-resnet-cm --profile paper -k "$T/k.key" "$T/p.png" -o "$T/w.png" -f >/dev/null # warm the page cache
for _ in $(seq "$REPS"); do
  run_ms "$MC" encrypt -s aead -k "$T/k.key" "$T/p.png" -o "$T/a.png" -f >>"$T/aead"
  run_ms "$MC" encrypt -s at-resnet-cm --profile paper -k "$T/k.key" "$T/p.png" -o "$T/b.png" -f >>"$T/paper"
  run_ms "$MC" encrypt -s at-resnet-cm -k "$T/k.key" "$T/p.png" -o "$T/c.png" -f >>"$T/hardened"
done
a=$(median <"$T/aead") p=$(median <"$T/paper") h=$(median <"$T/hardened")
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //; s/["\\]//g')
cat <<EOF
{
  "bench": "cli_atres", "cpu": "$cpu", "online_cpus": $(nproc), "date": "$(date -u +%F)", "reps": $REPS,
  "medcrypt_threads": "${MEDCRYPT_THREADS:-default}",
  "note": "whole processes, 512x512 8-bit PNG phantom, medians in ms, interleaved in one run",
  "aead_encrypt_ms": $a, "at_resnet_cm_paper_encrypt_ms": $p, "at_resnet_cm_hardened_encrypt_ms": $h,
  "paper_minus_aead_ms": $(awk -v p="$p" -v a="$a" 'BEGIN {print p - a}'), "target_ms": 60,
  "met": $(awk -v p="$p" -v a="$a" 'BEGIN {print (p - a <= 60) ? "true" : "false"}')
}
EOF
