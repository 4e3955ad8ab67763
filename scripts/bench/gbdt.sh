#!/usr/bin/env bash
# scripts/bench/gbdt.sh: the gradient-boosted trees against XGBoost's hist
# method on the same matrix (default 2M customers x 40 features, 200 trees of
# depth 6, learning rate 0.1, 255 bins): portrait at np ranks x 1 thread, then
# XGBoost (Debian's python3-xgboost) with as many threads, same training
# customers. Usage: scripts/bench/gbdt.sh [ranks] [--customers N] [--features F]
#        [--trees T] [--depth D]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${PORTRAIT_BUILD_DIR:-$root/build}
ranks=${1:-2}
shift || true
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPORTRAIT_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$build" -j 2 --target gbdt_bench
matrix=$(mktemp /tmp/gbdt-bench-XXXXXX.bin)
trap 'rm -f "$matrix"' EXIT
uptime
OMP_NUM_THREADS=1 "$root/scripts/mpirun.sh" -np "$ranks" "$build/scripts/bench/gbdt_bench" "$@"
OMP_NUM_THREADS=2 "$root/scripts/mpirun.sh" -np 1 "$build/scripts/bench/gbdt_bench" "$@" --write "$matrix" >/dev/null
/usr/bin/python3 "$root/scripts/bench/gbdt_xgboost.py" "$matrix" "$ranks" "$@"
