#!/usr/bin/env bash
# tests/e2e/faults_output.sh: where a run writes, and what it reads, fail
# cleanly: a shard that cannot be read (a dangling link, a directory) stops
# the run naming it; a read-only output and an output under a regular file
# stop in the plan phase; a second run on an output that a run is writing
# is refused naming the first, which completes; a disk that fills while
# tags.h5, the statistics or a checkpoint is written stops every rank
# (never a hang), leaves nothing that looks complete and frees the disk.
# Every run is inside a timeout and leaves no process behind. Needs root
# (tmpfs mounts).
set -uo pipefail
work=$(mktemp -d)
background=""
cleanup() {
  [ -n "$background" ] && kill -9 "$background" 2>/dev/null
  for m in "$work"/mnt/*; do mountpoint -q "$m" 2>/dev/null && umount -l "$m"; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "faults_output: $*" >&2; exit 1; }
export OMP_NUM_THREADS=1

# A small file system of SIZE at $work/mnt/NAME (remounted empty when it exists).
tmpfs() {  # tmpfs NAME SIZE [ro]
  local dir=$work/mnt/$1
  mountpoint -q "$dir" && umount "$dir"
  mkdir -p "$dir"
  mount -t tmpfs -o "size=$2${3:+,$3}" tmpfs "$dir" || fail "cannot mount a tmpfs (the test needs root)"
}

# No process of this test may outlive its run.
no_process_left() {  # no_process_left WHAT
  local left
  left=$(pgrep -f -- "$work" | grep -v "^$$\$" || true)
  if [ -n "$left" ]; then
    ps -o pid,args -p "$(echo $left | tr ' ' ',')" >&2
    kill -9 $left 2>/dev/null
    fail "$1: processes were left running"
  fi
}

# run NAME NP ARGS...: portrait run inside a timeout; rc in $rc, log in $work/NAME.log.
run() {
  local name=$1 np=$2
  shift 2
  timeout -k 5 90 $PORTRAIT_MPIEXEC -np "$np" "$PORTRAIT" run "$@" >"$work/$name.log" 2>&1
  rc=$?
  [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || { cat "$work/$name.log"; fail "$name: the run hung"; }
  [ -n "$background" ] || no_process_left "$name"
}

# expect_failure NAME PATTERN NP ARGS...: the run fails with one message matching PATTERN.
expect_failure() {
  local name=$1 pattern=$2
  shift 2
  run "$name" "$@"
  [ "$rc" -ne 0 ] || { cat "$work/$name.log"; fail "$name: the run exited 0"; }
  grep -qE -- "$pattern" "$work/$name.log" || { cat "$work/$name.log"; fail "$name: no message like '$pattern'"; }
  [ "$(grep -c 'portrait run: error' "$work/$name.log")" -eq 1 ] || fail "$name: not exactly one error message"
}

$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 3000 --period 2026-10 --seed 23 --dirty-rate 0.01 \
  --out "$work/data" >/dev/null || fail "gen failed"
# No catalog: the built-in facts keep each run short; the output is written
# by the same collective code as the telecom catalog's.
cat >"$work/job.yaml" <<YAML
period: 2026-10
inputs:
  shards: $work/data/shards/*.h5
  reference: $work/data/reference.h5
output: $work/out
buckets: 256
memory_budget_mb: 256
YAML

# --- shards that cannot be read ------------------------------------------------
ln -s "$work/unmounted/usage_2026-10-32_1.h5" "$work/data/shards/usage_2026-10-32_1.h5"
expect_failure dangling "shard '$work/data/shards/usage_2026-10-32_1.h5' .*cannot be read: it is a symbolic link to '$work/unmounted/usage_2026-10-32_1.h5', which does not exist" \
  2 "$work/job.yaml" --quiet --output "$work/out_dangling"
rm "$work/data/shards/usage_2026-10-32_1.h5"
mkdir "$work/data/shards/web_extra.h5"
expect_failure directory "web_extra.h5' .*cannot be read: it is a directory" 2 "$work/job.yaml" --quiet \
  --output "$work/out_directory"
rmdir "$work/data/shards/web_extra.h5"

# --- the output's place, checked in the plan phase ---------------------------------
tmpfs ro 1m ro
expect_failure read_only "cannot create the output's lock file: Read-only file system" \
  2 "$work/job.yaml" --output "$work/mnt/ro/out"
grep -q "hint: the output is on a read-only file system" "$work/read_only.log" || fail "read_only: no hint"
grep -q "read+shuffle" "$work/read_only.log" && fail "read_only: the run read the shards before failing"
: >"$work/file.h5"
expect_failure under_file "under '$work/file.h5', which is a file" 2 "$work/job.yaml" --output "$work/file.h5/out"
grep -q "read+shuffle" "$work/under_file.log" && fail "under_file: the run read the shards before failing"

# The sizes of a whole output, for the full-disk cases below: its tables'
# bytes and tags.h5 (the tables and HDF5's metadata), in KiB.
run reference 2 "$work/job.yaml" --quiet --no-checkpoints --output "$work/ref"
[ "$rc" -eq 0 ] || { cat "$work/reference.log"; fail "the reference run failed"; }
read -r tables_kb tags_kb < <(/usr/bin/python3 - "$work/ref" <<'PY'
import os, sys, h5py
out = sys.argv[1]
raw = []
h5py.File(os.path.join(out, "tags.h5"), "r").visititems(
    lambda name, o: raw.append(o.nbytes) if isinstance(o, h5py.Dataset) else None)
kib = lambda n: (n + 1023) // 1024
print(kib(sum(raw)), kib(os.path.getsize(os.path.join(out, "tags.h5"))))
PY
)

# --- two runs on one output ----------------------------------------------------------
# The first run reads in 4 KiB rounds, so it is still running when the second starts.
sed -e "s|^memory_budget_mb:.*|round_kb: 4|" "$work/job.yaml" >"$work/slow.yaml"
grep -q "round_kb: 4" "$work/slow.yaml" || fail "the slow job was not made"
timeout -k 5 120 $PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" run --quiet --overwrite --output "$work/shared" "$work/slow.yaml" \
  >"$work/first.log" 2>&1 &
background=$!
for _ in $(seq 200); do grep -q "pid" "$work/shared.lock" 2>/dev/null && break; sleep 0.1; done
grep -q "pid" "$work/shared.lock" || fail "the first run never took the output's lock"
kill -0 "$background" 2>/dev/null || fail "the first run ended before the second started: make it slower"
expect_failure second "another run is writing this output: host [^,]+, pid [0-9]+, started 20[0-9-]+T[0-9:]+Z, job $work/slow.yaml" \
  2 "$work/job.yaml" --quiet --overwrite --output "$work/shared"
wait "$background"
first_rc=$?
background=""
[ "$first_rc" -eq 0 ] || { cat "$work/first.log"; fail "the first run failed (rc $first_rc) next to the refused one"; }
for f in tags.h5 manifest.json; do
  [ -s "$work/shared/$f" ] || fail "the first run's output lacks $f"
done
/usr/bin/python3 - "$work/ref/manifest.json" "$work/shared/manifest.json" <<'PY' || fail "the first run's results differ from a lone run's"
import json, sys
ref, shared = (json.load(open(p)) for p in sys.argv[1:])
assert ref["accounting"] == shared["accounting"] and ref["totals"] == shared["totals"]
PY
no_process_left "two runs"

# --- a disk that fills while the output is written -------------------------------------
# Free space (the lock file takes a page) below the tables' bytes, a little
# over them (short of tags.h5's metadata) and just short of tags.h5: the
# space tags.h5 needs is reserved before its first byte, so each run stops
# there, never inside HDF5's collective writes (where a failed write on one
# rank left the others waiting: the hang, in about half of the tries);
# room for the reservation: the run completes. Each size is tried twice,
# and once at 3 ranks.
full_disk_case() {  # full_disk_case SIZE_KB TRY NP
  local name=full_$1_$2
  tmpfs full "${1}k"
  run "$name" "$3" "$work/job.yaml" --quiet --no-checkpoints --output "$work/mnt/full/out"
  echo "faults_output: $name: rc $rc $(grep -m1 'portrait run: error' "$work/$name.log" | cut -c1-140)"
  if [ "$rc" -eq 0 ]; then
    [ -s "$work/mnt/full/out/manifest.json" ] && [ -s "$work/mnt/full/out/tags.h5" ] || fail "$name: exit 0 without the whole output"
    umount "$work/mnt/full" || fail "$name: the file system is still in use after the run"
    return
  fi
  grep -q "the output file does not fit: cannot reserve .* No space left on device (the file system has" \
    "$work/$name.log" || { cat "$work/$name.log"; fail "$name: did not stop at the reservation"; }
  [ "$(grep -c 'portrait run: error' "$work/$name.log")" -eq 1 ] || { cat "$work/$name.log"; fail "$name: not one error message"; }
  [ ! -e "$work/mnt/full/out" ] || fail "$name: a failed run left an output directory"
  [ ! -e "$work/mnt/full/out.partial" ] || fail "$name: a failed run left its partial output filling the disk"
  umount "$work/mnt/full" || fail "$name: the file system is still in use after the run"
}
for size in $((tables_kb / 2)) $((tables_kb + 12)) $((tags_kb - 4)); do
  for try in 1 2; do full_disk_case "$size" "$try" 2; done
done
full_disk_case $((tables_kb + 12)) 3 3
reserved_kb=$(($(grep -om1 'cannot reserve [0-9,]* bytes' "$work/full_$((tables_kb / 2))_1.log" | tr -dc 0-9) / 1024 + 1))
full_disk_case $((reserved_kb + 8)) 1 2
[ "$rc" -eq 0 ] || fail "a disk with room for the reservation (${reserved_kb} KiB for tags.h5 of ${tags_kb} KiB) refused the run"

# A disk that fills at the checkpoint: no .ckpt.tmp nor incomplete stage is left.
tmpfs ckpt "$((tags_kb * 2))k"
expect_failure checkpoint "cannot write the checkpoint|cannot flush the checkpoint" 2 "$work/job.yaml" --quiet \
  --output "$work/mnt/ckpt/out"
left=$(find "$work/mnt/ckpt" -type f ! -name out.lock)
[ -z "$left" ] || fail "a checkpoint that failed on a full disk left files: $left"
echo "faults_output: ok"
