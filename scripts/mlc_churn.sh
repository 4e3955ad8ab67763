#!/usr/bin/env bash
# scripts/mlc_churn.sh: the churn model on the real MLC++ data: build,
# import ../shared/data/mlc_churn.csv, run jobs/mlc-churn.yaml on 2 ranks
# (training, scoring, holdout metrics, statistics by propensity level).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
portrait=${PORTRAIT_BUILD_DIR:-$root/build}/src/portrait
cd "$root"
rm -rf data/mlc_churn
"$portrait" import jobs/import/mlc_churn.yaml --input ../shared/data/mlc_churn.csv --out data/mlc_churn
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} scripts/mpirun.sh -np 2 "$portrait" run --overwrite jobs/mlc-churn.yaml
