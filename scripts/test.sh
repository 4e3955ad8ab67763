#!/usr/bin/env bash
# scripts/test.sh: the whole test suite from a fresh machine: install, check
# the format, build (warnings are errors), run every test with ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
"$root/scripts/format.sh"
cd "${PORTRAIT_BUILD_DIR:-$root/build}"
ctest --output-on-failure -j "$(nproc)"
