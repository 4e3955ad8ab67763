#!/usr/bin/env bash
# scripts/format.sh: checks (default) or applies (--fix) the C++ format of
# .clang-format to every tracked source file.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'scripts/*.cpp' 'scripts/*.hpp')
[ ${#files[@]} -gt 0 ] || exit 0
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
else
  clang-format --dry-run --Werror "${files[@]}" || {
    echo "format.sh: files are not formatted; run scripts/format.sh --fix" >&2
    exit 1
  }
fi
