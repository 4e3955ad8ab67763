#!/usr/bin/env bash
# tests/e2e/catalog_check.sh: `portrait check` accepts a good catalog with a
# summary, and rejects bad ones (unknown name, cycle, YAML syntax, missing
# file) with a non-zero exit and file:line:column, on 1 and 2 ranks.
set -euo pipefail
fail() { echo "e2e_catalog_check: $*" >&2; exit 1; }
data="$PORTRAIT_SOURCE_DIR/tests/data/catalog"

out=$("$PORTRAIT" check "$data/good.yaml") || fail "good.yaml is rejected: $out"
[ "$out" = "ok: 25 tags (16 facts, 9 rules), 1 statistics" ] || fail "unexpected summary: $out"

out=$($PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" check "$data/good.yaml") || fail "good.yaml is rejected on 2 ranks: $out"
[ "$out" = "ok: 25 tags (16 facts, 9 rules), 1 statistics" ] || fail "rank 0 alone must print the summary: $out"

expect_error() {  # file, expected location, expected text
  local err
  if err=$("$PORTRAIT" check "$data/$1" 2>&1); then fail "$1 is accepted"; fi
  grep -qF "$2" <<<"$err" || fail "$1: no location '$2' in: $err"
  grep -qF "$3" <<<"$err" || fail "$1: no '$3' in: $err"
}
expect_error bad_name.yaml "bad_name.yaml:12:57: unknown name 'arpu_avg'" "hint: did you mean 'arpu'?"
expect_error cycle.yaml "cycle.yaml:14:27: dependency cycle: a -> b -> c_tag -> a" "a - 1"
expect_error syntax.yaml "syntax.yaml:10:1: YAML syntax error" "hint:"
expect_error no_such_file.yaml "no_such_file.yaml: cannot read the catalog file" "hint:"

# Under mpirun every rank fails, and only rank 0 prints.
if err=$($PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" check "$data/cycle.yaml" 2>&1); then fail "cycle.yaml accepted on 2 ranks"; fi
[ "$(grep -c 'dependency cycle' <<<"$err")" = 1 ] || fail "the error must be printed once: $err"
# The telecom catalog reads the generated months' label columns: named with --column it compiles.
telecom="$PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml"
labels=(--column customers.handset_change:int8 --column customers.data_order:int8
  --column customers.false_identity:int8)
out=$("$PORTRAIT" check "$telecom" "${labels[@]}") || fail "telecom.yaml is rejected with its label columns: $out"
echo "$out" | grep -q "6 models" || fail "telecom.yaml: unexpected summary: $out"
if err=$("$PORTRAIT" check "$telecom" 2>&1); then fail "telecom.yaml is accepted without its label columns"; fi
echo "$err" | grep -q "unknown name 'customers.handset_change'" || fail "telecom.yaml without labels: $err"
if err=$("$PORTRAIT" check "$telecom" --column customers.x:int9 2>&1); then fail "a bad --column is accepted"; fi
echo "$err" | grep -q "give channel.name:type" || fail "bad --column: $err"
echo "e2e_catalog_check: ok"
