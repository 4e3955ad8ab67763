#!/usr/bin/env bash
# tests/e2e/gen.sh: portrait gen writes the same table contents whatever the
# rank count (np 1 with 2 threads vs np 3 with 1 thread; compared with h5diff,
# data not bytes), with dirty data on; then inspect reads every shard and the
# row counts it reports add up to the counts gen printed.
set -euo pipefail
fail() { echo "e2e_gen: $*" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(gen --customers 600 --period 2024-02 --months-of-billing 2 --seed 7 --dirty-rate 0.02 --shards-per-day 2)

OMP_NUM_THREADS=2 $PORTRAIT_MPIEXEC -np 1 "$PORTRAIT" "${args[@]}" --out "$work/a" >"$work/a.txt"
OMP_NUM_THREADS=1 $PORTRAIT_MPIEXEC -np 3 "$PORTRAIT" "${args[@]}" --out "$work/b" >"$work/b.txt"

# 4 customer files + 2 billing months + 29 days x 2 parts x (usage, web) + 5 weeks x 3 channels.
count_a=$(ls "$work/a/shards" | wc -l)
count_b=$(ls "$work/b/shards" | wc -l)
[ "$count_a" -eq 137 ] || fail "expected 137 shards at np 1, found $count_a"
[ "$count_a" -eq "$count_b" ] || fail "np 1 wrote $count_a shards, np 3 wrote $count_b"
for f in "$work"/a/shards/*.h5 "$work/a/reference.h5" "$work/a/truth.h5"; do
  other="$work/b/${f#"$work/a/"}"
  [ -f "$other" ] || fail "np 3 did not write ${f#"$work/a/"}"
  h5diff -r "$f" "$other" >"$work/diff.txt" 2>&1 || { head -20 "$work/diff.txt" >&2; fail "${f#"$work/a/"} differs between np 1 and np 3"; }
done
grep -v "^gen:" "$work/a.txt" >"$work/a.rows"
grep -v "^gen:" "$work/b.txt" >"$work/b.rows"
diff "$work/a.rows" "$work/b.rows" || fail "row counts differ between np 1 and np 3"

# inspect validates every shard; its per-table row counts add up to gen's.
"$PORTRAIT" inspect "$work"/a/shards/*.h5 "$work/a/reference.h5" >"$work/inspect.txt"
for channel in customers billing usage web service marketing identity; do
  expected=$(awk -v c="$channel" '$1 == "rows" && $2 == c {print $3}' "$work/a.txt")
  seen=$(awk -v c="$channel:" '$1 == "table" && $2 == c {s += $3} END {print s + 0}' "$work/inspect.txt")
  [ "$expected" -gt 0 ] || fail "gen wrote no $channel rows"
  [ "$expected" -eq "$seen" ] || fail "$channel: gen says $expected rows, inspect counts $seen"
done
[ "$(awk '$1 == "rows" && $2 == "customers" {print $3}' "$work/a.txt")" -eq 600 ] || fail "customers table is not 600 rows"
grep -q "dictionary region: 16 codes" "$work/inspect.txt" || fail "reference file lacks the region dictionary"
# Dirty data is present: some customer ids are 0 (the range starts at 0).
grep -E "^    customer_id +int64 +required missing 0 +0 \.\. " "$work/inspect.txt" >/dev/null ||
  fail "no zero customer ids planted at --dirty-rate 0.02"
"$PORTRAIT" inspect "$work/a/truth.h5" | grep -q "600 customers" || fail "inspect does not read the truth file"

# An unwritable output directory fails on every rank, with an error, no hang.
touch "$work/file"
if $PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 10 --period 2024-02 --out "$work/file/sub" 2>"$work/err.txt"; then
  fail "gen into an unwritable directory exits 0"
fi
grep -q "error on rank" "$work/err.txt" || fail "no error message: $(cat "$work/err.txt")"
echo "e2e_gen: ok"
