#!/usr/bin/env bash
# tests/e2e/inspect.sh: portrait inspect prints channels, row counts, column
# types, time ranges and missing counts; a bad file fails with its name.
set -euo pipefail
fail() { echo "e2e_inspect: $*" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PORTRAIT" gen --customers 50 --period 2024-03 --months-of-billing 1 --out "$work/d" >/dev/null
shard="$work/d/shards/service_2024-03_w1.h5"
out=$("$PORTRAIT" inspect "$shard")
grep -q "^shard $shard" <<<"$out" || fail "no shard header: $out"
grep -q "period 2024-03, producer 'portrait gen'" <<<"$out" || fail "no period/producer: $out"
grep -qE "^  table service: [0-9]+ rows" <<<"$out" || fail "no table line: $out"
# satisfaction is missing for some contacts (about a third).
grep -qE "^    satisfaction +int8 +required missing [1-9]" <<<"$out" || fail "no missing satisfaction: $out"
# The first week of March 2024, during the day.
grep -qE "^    ts +int64 +required missing 0 +2024-03-0[1-7]T[0-9:]+Z \.\. 2024-03-0[1-7]T" <<<"$out" ||
  fail "no time range in the first week: $out"

echo "not a shard" >"$work/bad.h5"
if "$PORTRAIT" inspect "$shard" "$work/bad.h5" >"$work/out.txt" 2>"$work/err.txt"; then fail "a bad file exits 0"; fi
grep -q "$work/bad.h5: not an HDF5 file" "$work/err.txt" || fail "error does not name the file: $(cat "$work/err.txt")"
grep -q "1 of 2 file(s) failed" "$work/err.txt" || fail "no failure count: $(cat "$work/err.txt")"
grep -q "^shard $shard" "$work/out.txt" || fail "the good file was not inspected after the bad one"
echo "e2e_inspect: ok"
