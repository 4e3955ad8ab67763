#!/usr/bin/env bash
# tests/e2e/telecom_crosscheck.sh: the telecom catalog's tags are right and
# the same at any rank and thread count. Generate a clean month, run the
# telecom catalog at np=1, np=3 (1 thread) and np=2 (2 threads), require
# byte-identical tags.h5, tags.csv, statistics.json, statistics/*.csv and
# models/* (the trained models and comparison tables), then
# recompute every fact tag and a chain of rule tags for every customer
# straight from the shards in Python (telecom_crosscheck.py) and compare
# exactly. Two extra marketing shards tie records in time across files.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "telecom_crosscheck: $*" >&2; exit 1; }
py=/usr/bin/python3  # the one with h5py, numpy and yaml

$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 3000 --period 2026-10 --seed 5 \
  --out "$work/data" >"$work/gen.log" 2>&1 || { cat "$work/gen.log"; fail "gen failed"; }
"$py" "$PORTRAIT_SOURCE_DIR/tests/e2e/telecom_crosscheck.py" --add-ties "$work/data" || fail "adding the tie shards failed"
cat >"$work/job.yaml" <<YAML
period: 2026-10
history_months: 2
inputs:
  shards: $work/data/shards/*.h5
  reference: $work/data/reference.h5
output: $work/out
buckets: 256
memory_budget_mb: 256
catalog: $PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml
csv: true
YAML

run() {  # ranks threads
  OMP_NUM_THREADS=$2 timeout 120 $PORTRAIT_MPIEXEC -np "$1" "$PORTRAIT" run --quiet --output "$work/out_$1_$2" \
    "$work/job.yaml" >"$work/run_$1_$2.log" 2>&1 || { cat "$work/run_$1_$2.log"; fail "run at np=$1 threads=$2 failed"; }
}
run 1 1
ref="$work/out_1_1"
[ -s "$ref/statistics.json" ] || fail "the run wrote no statistics.json"
stats=$(cd "$ref" && ls statistics/*.csv)
[ "$(echo "$stats" | wc -l)" -eq 3 ] || fail "expected 3 statistics tables, got: $stats"
models=$(cd "$ref" && ls models/*)  # trained models, comparison tables, calibration
[ "$(echo "$models" | wc -l)" -ge 10 ] || fail "expected the models and their tables, got: $models"
for config in "3 1" "2 2"; do
  set -- $config
  run "$1" "$2"
  for f in tags.h5 tags.csv statistics.json $stats $models; do
    cmp "$ref/$f" "$work/out_$1_$2/$f" || fail "$f differs between np=1 threads=1 and np=$1 threads=$2"
  done
  [ "$(cd "$work/out_$1_$2" && ls statistics/*.csv)" = "$stats" ] || fail "other statistics tables at np=$1 threads=$2"
done

"$py" "$PORTRAIT_SOURCE_DIR/tests/e2e/telecom_crosscheck.py" "$work/data" "$ref/tags.h5" \
  "$PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml" "$ref/manifest.json" || fail "the cross-check failed"

# The churn model finds the generator's planted precursors on held-out customers.
"$py" - "$ref/manifest.json" <<'PY' || fail "the churn model does not find the planted signal"
import json, sys
holdout = json.load(open(sys.argv[1]))["models"]["churn_propensity"]["holdout"]
print(f"telecom_crosscheck: churn propensity holdout AUC {holdout['auc']:.4f} on {holdout['count']} customers")
assert holdout["positives"] > 10 and holdout["auc"] > 0.75, holdout
PY
echo "telecom_crosscheck: ok"
