#!/usr/bin/env bash
# scripts/demo.sh: the main job on this machine from a fresh checkout:
# install and build, generate the demo month (once; kept in data/demo), run
# the monthly recompute under mpirun on 2 ranks, print its results.
# Environment: DEMO_CUSTOMERS (default 200000), OMP_NUM_THREADS (default 1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
portrait=${PORTRAIT_BUILD_DIR:-$root/build}/src/portrait
cd "$root"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

customers=${DEMO_CUSTOMERS:-200000}
if [ ! -f data/demo/.complete ] || [ "$(cat data/demo/.complete)" != "$customers" ]; then
  echo "demo: generating $customers customers for 2026-10 in data/demo"
  rm -rf data/demo
  scripts/mpirun.sh -np 2 "$portrait" gen --customers "$customers" --period 2026-10 --seed 2026 \
    --dirty-rate 0.01 --out data/demo
  echo "$customers" > data/demo/.complete
fi

echo "demo: monthly recompute on 2 ranks x $OMP_NUM_THREADS thread(s)"
scripts/mpirun.sh -np 2 "$portrait" run --overwrite jobs/telecom-monthly.yaml
