#!/usr/bin/env bash
# tests/e2e/checkpoint_resume.sh: checkpoints and --resume. A run stopped
# after each checkpoint and resumed at other rank counts, and a run with one
# rank killed by SIGKILL and then resumed, give the same bytes as an
# uninterrupted run; every rank of the killed run exits non-zero and promptly;
# a damaged checkpoint and changed inputs are refused with a clear error.
set -euo pipefail
work=$(mktemp -d)
mpirun_pid=""
cleanup() {
  [ -n "$mpirun_pid" ] && kill -9 "$mpirun_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "checkpoint_resume: $*" >&2; exit 1; }
export OMP_NUM_THREADS=1

$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 3000 --period 2026-10 --seed 31 --dirty-rate 0.01 \
  --out "$work/data" >/dev/null
sed -e "s|data/demo/|$work/data/|g; s|out/demo|$work/out|; s|buckets: 4096|buckets: 256|" \
    -e "s|jobs/catalogs/telecom.yaml|$PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml|" \
    "$PORTRAIT_SOURCE_DIR/jobs/telecom-monthly.yaml" >"$work/job.yaml"
run() {  # run NP OUTPUT ARGS...: portrait run, log kept in $work/<output>.log
  local np=$1 out=$2
  shift 2
  $PORTRAIT_MPIEXEC -np "$np" "$PORTRAIT" run --output "$work/$out" "$@" "$work/job.yaml" \
    >>"$work/$out.log" 2>&1 || { cat "$work/$out.log"; fail "run $out at np $np failed"; }
}
same_output() {  # same_output DIR: the same results as the uninterrupted run
  cmp "$work/ref/tags.h5" "$work/$1/tags.h5" || fail "$1: tags.h5 differs from the uninterrupted run"
  diff -r "$work/ref/statistics" "$work/$1/statistics" >/dev/null || fail "$1: statistics differ"
  diff -r "$work/ref/models" "$work/$1/models" >/dev/null || fail "$1: saved models differ"
  [ ! -e "$work/$1.checkpoints" ] || fail "$1: checkpoints were left behind after the run completed"
  [ ! -e "$work/$1.partial" ] || fail "$1: a partial output was left behind"
}

run 2 ref --quiet
[ ! -e "$work/ref.checkpoints" ] || fail "a complete run left its checkpoints"

# Stopped after each stage, resumed at other rank counts.
run 2 staged --stop-after grouped
[ -f "$work/staged.checkpoints/grouped/complete.json" ] || fail "no complete 'grouped' checkpoint"
[ ! -e "$work/staged" ] || fail "a run stopped at a checkpoint wrote an output directory"
grep -q "stopped after the 'grouped' checkpoint" "$work/staged.log" || fail "no stop message"
run 3 staged --resume --stop-after tagged
grep -q "resuming from the 'grouped' checkpoint written by 2 rank(s)" "$work/staged.log" ||
  fail "the second part did not resume from the grouped checkpoint"
[ -f "$work/staged.checkpoints/tagged/complete.json" ] || fail "no complete 'tagged' checkpoint"
run 1 staged --resume
grep -q "resuming from the 'tagged' checkpoint written by 3 rank(s)" "$work/staged.log" ||
  fail "the last part did not resume from the tagged checkpoint"
same_output staged
/usr/bin/python3 - "$work/staged/manifest.json" "$work/ref/manifest.json" <<'PY'
import json, sys
resumed, ref = (json.load(open(p)) for p in sys.argv[1:])
assert resumed["resumed_from"] == {"stage": "tagged", "ranks": 3, "place": "shared"}, resumed.get("resumed_from")
assert resumed["accounting"] == ref["accounting"], "the accounting of the resumed run differs"
assert resumed["identity"] == ref["identity"] and resumed["models"] == ref["models"]
assert all(i["checksum"].startswith("xxh3-128:") and len(i["checksum"]) == 41 for i in ref["inputs"])
assert ref["reference_checksum"].startswith("xxh3-128:")
PY

# One rank killed with SIGKILL after the first checkpoint.
$PORTRAIT_MPIEXEC -np 3 "$PORTRAIT" run --output "$work/killed" "$work/job.yaml" >"$work/killed.log" 2>&1 &
mpirun_pid=$!
marker="$work/killed.checkpoints/grouped/complete.json"
for _ in $(seq 1 3000); do
  [ -f "$marker" ] && break
  kill -0 "$mpirun_pid" 2>/dev/null || break
  sleep 0.01
done
[ -f "$marker" ] || { cat "$work/killed.log"; fail "the run ended before its first checkpoint"; }
ranks=$(pgrep -P "$mpirun_pid" || true)
[ -n "$ranks" ] || fail "the run's ranks were gone before the kill"
# Freeze every rank so the kill lands mid-run, kill rank 1, let the others go on.
kill -STOP $ranks
victim=""
for pid in $ranks; do
  tr '\0' '\n' <"/proc/$pid/environ" | grep -qx "OMPI_COMM_WORLD_RANK=1" && victim=$pid
done
[ -n "$victim" ] || fail "rank 1 not found among the run's processes"
[ ! -e "$work/killed/manifest.json" ] || fail "the run completed before the kill: make the month larger"
kill -9 "$victim"
kill -CONT $ranks 2>/dev/null || true
killed_at=$(date +%s)
status=0
wait "$mpirun_pid" || status=$?
mpirun_pid=""
elapsed=$(($(date +%s) - killed_at))
[ "$status" -ne 0 ] || fail "mpirun exited 0 although a rank was killed"
[ "$elapsed" -le 30 ] || fail "the ranks took ${elapsed}s to stop after one was killed (a hang)"
for pid in $ranks; do
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
  [ -z "$state" ] || [ "$state" = Z ] || fail "rank process $pid (state $state) outlived the killed run"
done
[ ! -e "$work/killed/manifest.json" ] || fail "the killed run left an output that looks complete"
run 2 killed --resume
grep -Eq "resuming from the '(grouped|tagged)' checkpoint written by 3 rank\(s\)" "$work/killed.log" ||
  fail "the run after the kill did not resume from a checkpoint"
same_output killed

# A damaged checkpoint file is refused on every rank, without a hang.
run 2 damaged --stop-after grouped
file="$work/damaged.checkpoints/grouped/rank-000001.ckpt"
/usr/bin/python3 -c "
import sys
with open(sys.argv[1], 'r+b') as f:
    f.seek(-100, 2); b = f.read(1); f.seek(-100, 2); f.write(bytes([b[0] ^ 0x5a]))" "$file"
if $PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" run --output "$work/damaged" --resume "$work/job.yaml" \
  >"$work/damaged2.log" 2>&1; then
  fail "a damaged checkpoint was resumed"
fi
grep -q "does not match its checksum" "$work/damaged2.log" || { cat "$work/damaged2.log"; fail "no checksum error"; }

# Changed inputs: the checkpoint belongs to another computation.
printf 'x' >>"$work/data/reference.h5"
if $PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" run --output "$work/damaged" --resume "$work/job.yaml" \
  >"$work/changed.log" 2>&1; then
  fail "a checkpoint of other inputs was resumed"
fi
grep -q "written for another computation (it differs in: reference)" "$work/changed.log" ||
  { cat "$work/changed.log"; fail "the changed reference file was not named"; }
echo "checkpoint_resume: ok"
