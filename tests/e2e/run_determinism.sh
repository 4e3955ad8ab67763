#!/usr/bin/env bash
# tests/e2e/run_determinism.sh: the same job gives the same bytes whatever the
# rank and thread counts: generate a dirty month, run it at np = 1, 2, 3, 4
# and with 2 threads, and compare tags.h5 and tags.csv byte for byte; the
# accounting balances. Then a run over its memory budget and a truncated
# shard each stop every rank cleanly.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "run_determinism: $*" >&2; exit 1; }

$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 3000 --period 2026-10 --seed 11 --dirty-rate 0.02 \
  --out "$work/data" >/dev/null
cat >"$work/job.yaml" <<YAML
period: 2026-10
inputs:
  shards: $work/data/shards/*.h5
output: $work/out
buckets: 256
memory_budget_mb: 64
round_kb: 256
csv: true
YAML

run() {  # ranks threads
  OMP_NUM_THREADS=$2 timeout 120 $PORTRAIT_MPIEXEC -np "$1" "$PORTRAIT" run --quiet --output "$work/out_$1_$2" \
    "$work/job.yaml" >"$work/run_$1_$2.log" 2>&1 || { cat "$work/run_$1_$2.log"; fail "run at np=$1 threads=$2 failed"; }
}
run 1 1
for config in "2 1" "3 1" "4 1" "2 2"; do
  set -- $config
  run "$1" "$2"
  cmp "$work/out_1_1/tags.h5" "$work/out_$1_$2/tags.h5" || fail "tags.h5 differs at np=$1 threads=$2"
  cmp "$work/out_1_1/tags.csv" "$work/out_$1_$2/tags.csv" || fail "tags.csv differs at np=$1 threads=$2"
done

/usr/bin/python3 - "$work/out_1_1/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for channel, a in m["accounting"].items():
    assert a["read"] == a["used"] + a["quarantined"], channel
    assert a["balanced"], channel
assert m["accounting"]["usage"]["quarantined"] > 0, "dirty data was not quarantined"
assert m["customers"] == m["output_rows"] > 2900, m["customers"]
PY

# An existing output is never replaced unless asked, and a finished run
# leaves no partial directory behind.
[ ! -e "$work/out_1_1.partial" ] || fail "a finished run left its .partial directory"
before=$(sha256sum "$work/out_1_1/tags.h5")
if $PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" run --quiet --output "$work/out_1_1" "$work/job.yaml" >"$work/again.log" 2>&1; then
  fail "a run replaced an existing output without --overwrite"
fi
grep -q "the output directory exists" "$work/again.log" || fail "no message about the existing output"
[ "$(sha256sum "$work/out_1_1/tags.h5")" = "$before" ] || fail "a refused run changed the existing output"
$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" run --quiet --overwrite --output "$work/out_1_1" "$work/job.yaml" >/dev/null 2>&1 ||
  fail "--overwrite did not replace the output"
[ "$(sha256sum "$work/out_1_1/tags.h5")" = "$before" ] || fail "the replaced output differs"

# Records that do not fit the memory budget stop the run with advice.
set +e
timeout 60 $PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" run --quiet --memory-budget-mb 1 --output "$work/out_small" \
  "$work/job.yaml" >"$work/small.log" 2>&1
rc=$?
set -e
cat "$work/small.log"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "a run over its memory budget did not stop cleanly (exit $rc)"
grep -q "records take [0-9,]* bytes (.*), over its memory budget of 1,048,576 bytes (1.0 MiB)" "$work/small.log" || fail "no memory budget message"
grep -q "raise 'memory_budget_mb'" "$work/small.log" || fail "no advice in the memory budget message"

# A truncated shard: every rank exits non-zero, quickly, with one message.
shard=$(ls "$work"/data/shards/usage_* | head -1)
truncate -s 5000 "$shard"
set +e
timeout 60 $PORTRAIT_MPIEXEC -np 3 "$PORTRAIT" run --quiet --output "$work/out_bad" "$work/job.yaml" >"$work/bad.log" 2>&1
rc=$?
set -e
cat "$work/bad.log"
[ "$rc" -ne 124 ] || fail "the run with a truncated shard hung"
[ "$rc" -ne 0 ] || fail "the run with a truncated shard exited 0"
grep -q "portrait run: error: rank [0-9].*$(basename "$shard")" "$work/bad.log" || fail "the message does not name the shard"
[ ! -e "$work/out_bad" ] || fail "a failed run left an output directory"
echo "run_determinism: ok"
