#!/usr/bin/env bash
# tests/e2e/run_failures.sh: `portrait run` under mpirun stops cleanly on a
# bad job file and on shards that do not exist: every rank exits non-zero
# (so mpirun does), well inside a timeout, and rank 0 prints one message that
# names the file and the cause.
set -u
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "run_failures: $*" >&2; exit 1; }

expect_failure() {  # name, expected message pattern, job file
  local name=$1 pattern=$2 job=$3 rc
  timeout 60 $PORTRAIT_MPIEXEC -np 3 "$PORTRAIT" run --quiet "$job" >"$work/$name.log" 2>&1
  rc=$?
  cat "$work/$name.log"
  [ "$rc" -ne 124 ] || fail "$name: the run hung"
  [ "$rc" -ne 0 ] || fail "$name: the run exited 0"
  grep -qE "$pattern" "$work/$name.log" || fail "$name: message does not match '$pattern'"
  [ "$(grep -c 'portrait run: error' "$work/$name.log")" -eq 1 ] || fail "$name: not exactly one error message"
}

cat >"$work/typo.yaml" <<YAML
period: 2026-10
inputs:
  shards: $work/*.h5
output: $work/out
bukets: 64
YAML
expect_failure typo "error: every rank: .*typo.yaml:5:1: unknown key 'bukets'" "$work/typo.yaml"
grep -q "did you mean 'buckets'" "$work/typo.log" || fail "typo: no hint"

cat >"$work/period.yaml" <<YAML
period: October
inputs: {shards: $work/*.h5}
output: $work/out
YAML
expect_failure period "period.yaml:1:9: bad period 'October'" "$work/period.yaml"

cat >"$work/missing.yaml" <<YAML
period: 2026-10
inputs:
  shards: [$work/no-such-dir/*.h5]
output: $work/out
YAML
expect_failure missing "rank 0: .*missing.yaml: no shard file matches '$work/no-such-dir/\*.h5'" "$work/missing.yaml"

expect_failure nofile "cannot open the job file" "$work/does-not-exist.yaml"
[ ! -e "$work/out/manifest.json" ] || fail "a failed run left a manifest"
echo "run_failures: ok"
