#!/usr/bin/env bash
# scripts/build.sh: installs what is missing (setup.sh), configures and builds
# portrait into build/ (or $PORTRAIT_BUILD_DIR). Extra arguments go to cmake,
# e.g. scripts/build.sh -DPORTRAIT_SANITIZE=ON.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
build=${PORTRAIT_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${PORTRAIT_BUILD_TYPE:-Release}" \
      -DPORTRAIT_WARNINGS_AS_ERRORS=ON "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
