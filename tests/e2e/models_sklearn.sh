#!/usr/bin/env bash
# tests/e2e/models_sklearn.sh: cross-check of the models on the real
# mlc_churn data against scikit-learn and XGBoost: same features, scaling,
# holdout split and C for the churn model (holdout AUC within 0.005,
# coefficients within 1e-4), k-means from the same initial centres (inertia
# within 0.1%), the gradient-boosted trees against XGBoost's hist method
# (holdout AUC within 0.01, and above the logistic model's); and the same
# output bytes at np 1 and 3.
set -euo pipefail
fail() { echo "e2e_models_sklearn: $*" >&2; exit 1; }

data="$PORTRAIT_SOURCE_DIR/../shared/data/mlc_churn.csv"
[ -f "$data" ] || fail "mlc_churn.csv not found"
driver="$PORTRAIT_BUILD_DIR/tests/e2e/models_mlc_churn_driver"
[ -x "$driver" ] || fail "driver $driver is not built"
python=/usr/bin/python3
here="$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" "$here/models_sklearn.py" prepare "$data" "$work/matrix.txt"
$PORTRAIT_MPIEXEC -np 1 "$driver" "$work/matrix.txt" "$work/np1.json"
OMP_NUM_THREADS=2 $PORTRAIT_MPIEXEC -np 3 "$driver" "$work/matrix.txt" "$work/np3.json" | tee "$work/np3.out"
cmp "$work/np1.json" "$work/np3.json" || fail "the models differ between np 1 and np 3"
grep -q "holdout AUC" "$work/np3.out" || fail "the driver does not print the holdout metrics"
"$python" "$here/models_sklearn.py" compare "$work/matrix.txt" "$work/np3.json" || fail "scikit-learn disagrees"
"$python" "$here/gbdt_xgboost.py" "$work/matrix.txt" "$work/np3.json" || fail "XGBoost disagrees"
