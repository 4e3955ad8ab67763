#!/usr/bin/env bash
# tests/build/exhaustive_dispatch.sh: see exhaustive_dispatch.py.
set -euo pipefail
exec python3 "$(dirname "$0")/exhaustive_dispatch.py" "$PORTRAIT_BUILD_DIR" "$PORTRAIT_SOURCE_DIR"
