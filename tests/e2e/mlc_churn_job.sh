#!/usr/bin/env bash
# tests/e2e/mlc_churn_job.sh: the real-data churn job end to end: import
# ../shared/data/mlc_churn.csv, run jobs/catalogs/mlc_churn.yaml at np 1 and
# np 3 (2 threads) with the same bytes out, check the printed holdout
# metrics, compare the trained model with scikit-learn, and score a second
# run with the saved model (no training) to the same propensities.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "mlc_churn_job: $*" >&2; exit 1; }
data="$PORTRAIT_SOURCE_DIR/../shared/data/mlc_churn.csv"

"$PORTRAIT" import "$PORTRAIT_SOURCE_DIR/jobs/import/mlc_churn.yaml" --input "$data" --out "$work/shards" >/dev/null
sed -e "s|data/mlc_churn/\*.h5|$work/shards/*.h5|; s|out/mlc_churn|$work/out|" \
    -e "s|jobs/catalogs/mlc_churn.yaml|$PORTRAIT_SOURCE_DIR/jobs/catalogs/mlc_churn.yaml|" \
    "$PORTRAIT_SOURCE_DIR/jobs/mlc-churn.yaml" >"$work/job.yaml"

$PORTRAIT_MPIEXEC -np 1 "$PORTRAIT" run --output "$work/np1" "$work/job.yaml" >"$work/np1.log" 2>&1 ||
  { cat "$work/np1.log"; fail "run at np 1 failed"; }
OMP_NUM_THREADS=2 $PORTRAIT_MPIEXEC -np 3 "$PORTRAIT" run --output "$work/np3" "$work/job.yaml" >"$work/np3.log" 2>&1 ||
  { cat "$work/np3.log"; fail "run at np 3 failed"; }
for f in tags.h5 models/churn.json statistics.json; do
  cmp "$work/np1/$f" "$work/np3/$f" || fail "$f differs between np 1 and np 3"
done
grep -E "churn: logistic regression on 13 features, 4035 training customers.*holdout \(965 customers, 158 positive\): AUC 0\.8" \
  "$work/np3.log" || { cat "$work/np3.log"; fail "no holdout metrics printed"; }
/usr/bin/python3 "$(dirname "$0")/mlc_churn_job.py" "$data" "$work/np3/models/churn.json"

# A later run scores with the saved model instead of training.
sed "s|    label: \"customers.status == 1\"|    model_file: $work/np3/models/churn.json|" \
  "$PORTRAIT_SOURCE_DIR/jobs/catalogs/mlc_churn.yaml" >"$work/scoring.yaml"
sed "s|catalog: .*|catalog: $work/scoring.yaml|" "$work/job.yaml" >"$work/scoring_job.yaml"
$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" run --output "$work/scored" "$work/scoring_job.yaml" >"$work/scored.log" 2>&1 ||
  { cat "$work/scored.log"; fail "scoring with the saved model failed"; }
/usr/bin/python3 - "$work/np3/tags.h5" "$work/scored/tags.h5" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r")["customers"] for p in sys.argv[1:])
assert np.array_equal(a["churn"][:], b["churn"][:]), "propensities from the saved model differ"
assert np.array_equal(a["churn_level"][:], b["churn_level"][:]), "levels from the saved model differ"
PY
[ ! -e "$work/scored/models/churn.json" ] || fail "a scoring run saved a model it did not train"
echo "mlc_churn_job: ok"
