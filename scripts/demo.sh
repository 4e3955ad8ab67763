#!/usr/bin/env bash
# scripts/demo.sh: the main job on this machine from a fresh checkout:
# install, build, then run portrait under mpirun on 2 ranks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
portrait=${PORTRAIT_BUILD_DIR:-$root/build}/src/portrait
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} "$root/scripts/mpirun.sh" -np 2 "$portrait" version
