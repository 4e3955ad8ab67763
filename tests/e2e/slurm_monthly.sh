#!/usr/bin/env bash
# tests/e2e/slurm_monthly.sh: the Slurm batch scripts on a real one-node
# Slurm (cluster/local/start.sh) in a private directory: monthly.sbatch at
# 2 tasks x 1 cpu completes with exit code 0, writes tags.h5 with every
# customer, manifest.json and a log with the run's lines; the same script on
# a broken job file makes `sbatch --wait` fail and Slurm record the job as
# FAILED with a non-zero exit code; scaling.sbatch runs np1x1 and np2x1 and
# summarises them. The daemons are stopped even when a check fails, and none
# is left behind.
set -euo pipefail
work=$(mktemp -d -t slurm_monthly.XXXXXX)
cluster=$work/slurm
local_dir=$PORTRAIT_SOURCE_DIR/cluster/local
daemons=""  # "name pid" lines, kept here too in case $cluster/pids is lost
running() {  # name pid: the process runs that daemon (and is no zombie)
  local stat
  stat=$(cat "/proc/$2/stat" 2>/dev/null) || return 1
  [[ $stat == "$2 ($1) "[!Z]* ]]
}
cleanup() {
  "$local_dir/stop.sh" "$cluster"
  local name pid
  while read -r name pid; do
    if [ -n "$pid" ] && running "$name" "$pid"; then kill -KILL "$pid"; fi
  done <<<"$daemons"
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "slurm_monthly: $*" >&2; exit 1; }

for tool in sbatch scontrol slurmctld slurmd munged; do
  command -v "$tool" >/dev/null || fail "$tool is not installed: run scripts/setup.sh (it installs slurm-wlm and munge)"
done
# slurmd loads its cgroup plugin even with proctrack/linuxproc and stops
# without a cgroup file system under /sys/fs/cgroup, which every booted
# machine has and a bare chroot lacks: there the test is skipped (exit 77,
# counted as skipped by ctest) and says why.
if ! awk '$2 ~ "^/sys/fs/cgroup" && $3 ~ /^cgroup2?$/ { found = 1 } END { exit !found }' /proc/self/mounts; then
  echo "slurm_monthly: skipped: no cgroup file system is mounted under /sys/fs/cgroup, which slurmd needs" >&2
  exit 77
fi

$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 2000 --period 2026-10 --seed 7 --out "$work/data" >/dev/null
sed -e "s|data/demo/|$work/data/|g; s|out/demo|$work/out|; s|buckets: 4096|buckets: 256|" \
    -e "s|jobs/catalogs/telecom.yaml|$PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml|" \
    "$PORTRAIT_SOURCE_DIR/jobs/telecom-monthly.yaml" >"$work/job.yaml"
sed 's|^period:.*|perod: 2026-10|' "$work/job.yaml" >"$work/broken.yaml"

eval "$("$local_dir/start.sh" "$cluster")" || fail "the local Slurm did not start"
[ -n "${SLURM_CONF:-}" ] || fail "start.sh printed no SLURM_CONF"
daemons=$(cat "$cluster/pids")
# Jobs are submitted from the work directory (logs/ must exist there) and run
# this build's portrait.
cd "$work"
mkdir logs
export PORTRAIT_BIN=$PORTRAIT PORTRAIT_ROOT=$PORTRAIT_SOURCE_DIR

submit() {  # name, sbatch arguments...: sets job_id and rc
  local name=$1
  shift
  rc=0
  job_id=$(timeout 90 sbatch --wait --parsable --ntasks=2 --cpus-per-task=1 "$@") || rc=$?
  [ "$rc" -ne 124 ] || fail "$name: sbatch --wait did not return within 90 s"
  job_id=${job_id%%;*}
  [ -n "$job_id" ] || fail "$name: sbatch printed no job id"
}
job_field() {  # job id, field of `scontrol show job`
  scontrol show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# --- a good month -------------------------------------------------------------
submit monthly "$PORTRAIT_SOURCE_DIR/cluster/slurm/monthly.sbatch" "$work/job.yaml" --output "$work/out"
log=logs/portrait-monthly-$job_id.out
[ "$rc" -eq 0 ] || { cat "$log" || true; fail "monthly: sbatch --wait exited $rc"; }
[ "$(job_field "$job_id" JobState)" = COMPLETED ] || fail "monthly: job state $(job_field "$job_id" JobState)"
[ "$(job_field "$job_id" ExitCode)" = 0:0 ] || fail "monthly: exit code $(job_field "$job_id" ExitCode)"
grep -q "portrait-monthly: job $job_id on 1 node(s) .*, 2 ranks x 1 threads" "$log" || fail "monthly: no start line in $log"
grep -q "portrait-monthly: job $job_id done in" "$log" || fail "monthly: no end line in $log"
grep -q "^customers: 2000 " "$log" || { cat "$log"; fail "monthly: the run's lines are not in $log"; }
[ -s "$work/out/manifest.json" ] || fail "monthly: no manifest.json"
/usr/bin/python3 - "$work/out" <<'PY'
import json, sys
import h5py
out = sys.argv[1]
manifest = json.load(open(f"{out}/manifest.json"))
assert manifest["ranks"] == 2, manifest["ranks"]
with h5py.File(f"{out}/tags.h5", "r") as f:
    n = f["customers"]["customer_id"].shape[0]
assert n == 2000, f"tags.h5 has {n} customers, not 2000"
PY

# --- a broken job file --------------------------------------------------------
submit broken "$PORTRAIT_SOURCE_DIR/cluster/slurm/monthly.sbatch" "$work/broken.yaml" --output "$work/broken"
[ "$rc" -ne 0 ] || fail "broken: sbatch --wait exited 0"
[ "$(job_field "$job_id" JobState)" = FAILED ] || fail "broken: job state $(job_field "$job_id" JobState), not FAILED"
code=$(job_field "$job_id" ExitCode)
[ "${code%%:*}" -ne 0 ] || fail "broken: Slurm records exit code $code"
grep -q "unknown key 'perod'" "logs/portrait-monthly-$job_id.out" || fail "broken: the error is not in the log"

# --- the scaling series -------------------------------------------------------
submit scaling "$PORTRAIT_SOURCE_DIR/cluster/slurm/scaling.sbatch" "$work/job.yaml" "$work/scaling"
log=logs/portrait-scaling-$job_id.out
[ "$rc" -eq 0 ] || { cat "$log" || true; fail "scaling: sbatch --wait exited $rc"; }
for run in np1x1 np2x1; do
  grep -q "portrait-scaling: $run done in" "$log" || fail "scaling: no line for $run in $log"
  [ -s "$work/scaling/$run/manifest.json" ] || fail "scaling: no manifest for $run"
done
cmp "$work/scaling/np1x1/tags.h5" "$work/scaling/np2x1/tags.h5" || fail "scaling: tags.h5 differs between np1x1 and np2x1"
[ "$(cut -d, -f1 "$work/scaling/summary.csv" | tr '\n' ' ')" = "run np1x1 np2x1 " ] ||
  fail "scaling: summary.csv lists $(cut -d, -f1 "$work/scaling/summary.csv" | tr '\n' ' ')"
/usr/bin/python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); assert [r["ranks"] for r in s["runs"]] == [1, 2]' \
  "$work/scaling/summary.json" || fail "scaling: summary.json does not list the runs"

# --- nothing left behind ----------------------------------------------------
"$local_dir/stop.sh" "$cluster"
while read -r name pid; do
  ! running "$name" "$pid" || fail "$name ($pid) still runs after stop.sh"
done <<<"$daemons"
echo "slurm_monthly: ok"
