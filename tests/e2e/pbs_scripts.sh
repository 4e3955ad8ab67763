#!/usr/bin/env bash
# tests/e2e/pbs_scripts.sh: the PBS batch scripts in cluster/pbs/ run by bash
# in a simulated PBS job (PBS_O_WORKDIR, a PBS_NODEFILE naming this host,
# PBS_JOBID and PBS's OpenMP variables) on a tiny month. PBS Pro layout:
# monthly.pbs exits 0 with the outputs and the run's lines in its log, and
# non-zero with the error on a broken job file. Torque layout (one nodefile
# line per core, OMP_NUM_THREADS from qsub -v): scaling.pbs runs np1x1 and
# np1x2 and writes the summary.
set -uo pipefail
work=$(mktemp -d -t pbs_scripts.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "pbs_scripts: $*" >&2; exit 1; }
pbs=$PORTRAIT_SOURCE_DIR/cluster/pbs

$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 2000 --period 2026-10 --seed 7 --out "$work/data" >/dev/null ||
  fail "gen failed"
sed -e "s|data/demo/|$work/data/|g; s|out/demo|$work/out|; s|buckets: 4096|buckets: 256|" \
    -e "s|jobs/catalogs/telecom.yaml|$PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml|" \
    "$PORTRAIT_SOURCE_DIR/jobs/telecom-monthly.yaml" >"$work/job.yaml"
sed 's|^period:.*|perod: 2026-10|' "$work/job.yaml" >"$work/broken.yaml"
host=$(hostname)
printf '%s\n%s\n' "$host" "$host" >"$work/nodefile"

# A PBS job's environment: what the server sets, what qsub -v passes. The
# script is started from elsewhere; it must cd to PBS_O_WORKDIR itself.
pbs_job() {  # log, script, VAR=VALUE...: runs the script as a PBS job, sets rc
  local log=$1 script=$2
  shift 2
  rc=0
  (cd / && env -u PBS_NUM_PPN PBS_O_WORKDIR="$work" PBS_NODEFILE="$work/nodefile" TMPDIR="$work" \
    PORTRAIT_BIN="$PORTRAIT" PORTRAIT_ROOT="$PORTRAIT_SOURCE_DIR" "$@" \
    timeout 120 bash "$script") >"$work/$log" 2>&1 || rc=$?
  [ "$rc" -ne 124 ] || { cat "$work/$log"; fail "$log: the job did not end within 120 s"; }
}

# --- PBS Pro: select=1:ncpus=2:mpiprocs=2:ompthreads=1 -----------------------
pbs_job monthly.log "$pbs/monthly.pbs" PBS_JOBID=101.server NCPUS=2 OMP_NUM_THREADS=1 \
  PORTRAIT_JOB=job.yaml PORTRAIT_RUN_OPTIONS="--output $work/out"
[ "$rc" -eq 0 ] || { cat "$work/monthly.log"; fail "monthly: exit status $rc"; }
grep -q "portrait-monthly: job 101.server on 1 host(s) ($host), 2 ranks x 1 threads" "$work/monthly.log" ||
  { cat "$work/monthly.log"; fail "monthly: no start line with 2 ranks x 1 thread"; }
grep -q "^customers: 2000 " "$work/monthly.log" || fail "monthly: the run's lines are not in the log"
grep -q "portrait-monthly: job 101.server done in" "$work/monthly.log" || fail "monthly: no end line"
/usr/bin/python3 - "$work/out" <<'PY' || fail "monthly: wrong outputs"
import json, sys
import h5py
out = sys.argv[1]
assert json.load(open(f"{out}/manifest.json"))["ranks"] == 2
with h5py.File(f"{out}/tags.h5", "r") as f:
    n = f["customers"]["customer_id"].shape[0]
assert n == 2000, f"tags.h5 has {n} customers, not 2000"
PY
ls "$work"/portrait-hosts.* >/dev/null 2>&1 && fail "monthly: the hostfile was left behind"

pbs_job broken.log "$pbs/monthly.pbs" PBS_JOBID=102.server NCPUS=2 OMP_NUM_THREADS=1 \
  PORTRAIT_JOB=broken.yaml PORTRAIT_RUN_OPTIONS="--output $work/broken"
[ "$rc" -ne 0 ] || { cat "$work/broken.log"; fail "broken: exit status 0"; }
grep -q "unknown key 'perod'" "$work/broken.log" || { cat "$work/broken.log"; fail "broken: the error is not in the log"; }
grep -q "portrait-monthly: job 102.server done in" "$work/broken.log" && fail "broken: the job reported success"

pbs_job nojob.log "$pbs/monthly.pbs" PBS_JOBID=103.server OMP_NUM_THREADS=1
[ "$rc" -ne 0 ] || fail "no job file: exit status 0"
grep -q "PORTRAIT_JOB" "$work/nojob.log" || { cat "$work/nojob.log"; fail "no job file: no hint to set PORTRAIT_JOB"; }

# --- Torque: nodes=1:ppn=2, qsub -v OMP_NUM_THREADS=2 ------------------------
pbs_job scaling.log "$pbs/scaling.pbs" PBS_JOBID=104.server PBS_NUM_PPN=2 PBS_NUM_NODES=1 OMP_NUM_THREADS=2 \
  PORTRAIT_JOB=job.yaml PORTRAIT_SCALING_OUT=scaling
[ "$rc" -eq 0 ] || { cat "$work/scaling.log"; fail "scaling: exit status $rc"; }
grep -q "up to 1 ranks x 2 threads" "$work/scaling.log" || { cat "$work/scaling.log"; fail "scaling: not 1 rank x 2 threads"; }
for run in np1x1 np1x2; do
  grep -q "portrait-scaling: $run done in" "$work/scaling.log" || fail "scaling: no line for $run"
  grep -q "^scaling: $run: wall .* speedup" "$work/scaling.log" || fail "scaling: no summary line for $run"
done
cmp "$work/scaling/np1x1/tags.h5" "$work/scaling/np1x2/tags.h5" || fail "scaling: tags.h5 differs between 1 and 2 threads"
[ "$(cut -d, -f1 "$work/scaling/summary.csv" | tr '\n' ' ')" = "run np1x1 np1x2 " ] || fail "scaling: summary.csv"
echo "pbs_scripts: ok"
