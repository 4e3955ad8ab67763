#!/usr/bin/env bash
# scripts/bench/identity.sh: builds and runs the identity resolution
# benchmark under mpirun. Usage: scripts/bench/identity.sh [ranks] [args...]
# e.g. scripts/bench/identity.sh 2 --customers 10000000
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${PORTRAIT_BUILD_DIR:-$root/build}
ranks=${1:-2}
shift || true
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPORTRAIT_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$build" -j 2 --target identity_bench
OMP_NUM_THREADS=1 "$root/scripts/mpirun.sh" -np "$ranks" "$build/scripts/bench/identity_bench" "$@"
