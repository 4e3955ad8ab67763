#!/usr/bin/env bash
# tests/e2e/multihost.sh: the monthly job on a real 3-host cluster on this
# machine (cluster/local/start-hosts.sh: network namespaces with sshd, munged
# and slurmd each), and the loss of a node.
#   - `mpirun --hostfile` over ssh at 3 hosts x 2 ranks gives tags.h5,
#     statistics and models byte-identical to np 1 on one host;
#   - `sbatch -N 3` over srun starts 2 ranks on every host, checkpoints on
#     each node's local disk with partner copies; host h3 is cut off and every
#     one of its processes killed during the compute phase, its disk wiped:
#     every surviving rank ends within 60 s, nothing looks complete, Slurm
#     requeues the job; resubmitted with --resume on h1 and h2 (4 ranks) it
#     completes with the same bytes, h3's files read from their partner
#     copies, as the manifest and the log say;
#   - every namespace, link and process the cluster made is gone afterwards,
#     also when a check fails.
# Without the rights to make namespaces (no CAP_NET_ADMIN) the test exits 77,
# which ctest counts as skipped, and says why.
set -euo pipefail
fail() { echo "multihost: $*" >&2; exit 1; }
if [ "$(id -u)" -ne 0 ]; then
  echo "multihost: skipped: making network namespaces needs root (CAP_NET_ADMIN)" >&2
  exit 77
fi
work=$(mktemp -d -t multihost.XXXXXX)
cluster=$work/cluster
local_dir=$PORTRAIT_SOURCE_DIR/cluster/local
cleanup() {
  local status=$?
  if [ -f "$cluster/made" ]; then
    local made
    made=$(cat "$cluster/made")
    "$local_dir/stop-hosts.sh" "$cluster" || status=1
    # Nothing of the cluster is left: no namespace, no link, no process.
    while read -r kind name; do
      case $kind in
        netns) ! ip netns list | grep -q "^$name\b" || { echo "multihost: namespace $name left behind" >&2; status=1; } ;;
        link) ! ip link show "$name" >/dev/null 2>&1 || { echo "multihost: link $name left behind" >&2; status=1; } ;;
      esac
    done <<<"$made"
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM INT  # a ctest timeout cleans up too

status=0
"$local_dir/start-hosts.sh" "$cluster" 3 >"$work/env" 2>"$work/start.log" || status=$?
if [ "$status" -eq 77 ]; then
  echo "multihost: skipped: $(cat "$work/start.log")" >&2
  exit 77
fi
[ "$status" -eq 0 ] || { cat "$work/start.log" >&2; fail "the cluster did not start"; }
# shellcheck disable=SC1091
source "$work/env"
tag=$(sed -n 's/^link pt\(.....\)br$/\1/p' "$cluster/made")
portraits_on() {  # host: PIDs of portrait processes on it
  local pid
  for pid in $(ip netns pids "pt$tag-$1"); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = portrait ] && echo "$pid"
  done
  return 0
}

# --- a small month, checkpoints on each node's disk with partner copies ------
export OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 3000 --period 2026-10 --seed 31 --dirty-rate 0.01 \
  --out "$work/data" >/dev/null
sed -e "s|data/demo/|$work/data/|g; s|out/demo|$work/out|; s|buckets: 4096|buckets: 256|" \
    -e "s|jobs/catalogs/telecom.yaml|$PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml|" \
    -e "/^csv:/a checkpoints: {local: $cluster/node/scratch, partner: true}" \
    "$PORTRAIT_SOURCE_DIR/jobs/telecom-monthly.yaml" >"$work/job.yaml"
grep -q "^checkpoints: {local:" "$work/job.yaml" || fail "the job file has no checkpoints line"
same_output() {  # DIR: the same results as np 1 on one host
  cmp "$work/ref/tags.h5" "$work/$1/tags.h5" || fail "$1: tags.h5 differs from np 1"
  diff -r "$work/ref/statistics" "$work/$1/statistics" >/dev/null || fail "$1: statistics differ from np 1"
  diff -r "$work/ref/models" "$work/$1/models" >/dev/null || fail "$1: saved models differ from np 1"
}
$PORTRAIT_MPIEXEC -np 1 "$PORTRAIT" run --quiet --output "$work/ref" "$work/job.yaml" >"$work/ref.log" 2>&1 ||
  { cat "$work/ref.log"; fail "the np 1 run failed"; }

# --- mpirun over ssh, 3 hosts x 2 ranks ---------------------------------------
cd "$work"
timeout 60 "$cluster/bin/on" h1 mpirun --hostfile "$cluster/hostfile" -np 6 --map-by slot --bind-to none -x OMP_NUM_THREADS \
  "$PORTRAIT" version >"$work/version.log" 2>&1 || { cat "$work/version.log"; fail "mpirun over ssh failed"; }
for k in 1 2 3; do
  [ "$(grep -c "host h$k," "$work/version.log")" -eq 2 ] || { cat "$work/version.log"; fail "not 2 ranks on h$k"; }
done
timeout 180 "$cluster/bin/on" h1 mpirun --hostfile "$cluster/hostfile" -np 6 --map-by slot --bind-to none -x OMP_NUM_THREADS \
  "$PORTRAIT" run --quiet --output "$work/ssh" "$work/job.yaml" >"$work/ssh.log" 2>&1 ||
  { cat "$work/ssh.log"; fail "the run over ssh failed"; }
same_output ssh
/usr/bin/python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["ranks"] == 6' "$work/ssh/manifest.json" ||
  fail "the run over ssh did not have 6 ranks"

# --- sbatch -N 3, and h3 lost during the compute phase ------------------------
# Every rank stops itself once the grouped checkpoint is complete
# (PORTRAIT_STOP_AFTER_STAGE), so the loss lands in the compute phase however
# fast the machine is.
mkdir -p logs
export PORTRAIT_BIN=$PORTRAIT PORTRAIT_ROOT=$PORTRAIT_SOURCE_DIR
job=$(PORTRAIT_STOP_AFTER_STAGE=grouped sbatch --parsable -N 3 --ntasks-per-node=2 --cpus-per-task=1 \
  "$PORTRAIT_SOURCE_DIR/cluster/slurm/monthly.sbatch" "$work/job.yaml" --output "$work/lost")
job=${job%%;*}
stopped() {  # PIDs: are all of them stopped?
  local pid
  for pid in "$@"; do
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = T ] || return 1
  done
}
ranks=""
for i in $(seq 1800); do
  ranks="$(portraits_on h1) $(portraits_on h2) $(portraits_on h3)"
  # shellcheck disable=SC2086
  [ "$(echo $ranks | wc -w)" -eq 6 ] && stopped $ranks && break
  if [ $((i % 20)) -eq 0 ] && [ -z "$(squeue -h -j "$job" -o %i 2>/dev/null)" ]; then break; fi
  sleep 0.1
done
for k in 1 2 3; do
  n=$(portraits_on "h$k" | wc -w)
  [ "$n" -eq 2 ] || { cat "logs/portrait-monthly-$job.out" || true; fail "h$k runs $n ranks, not 2"; }
done
# shellcheck disable=SC2086
stopped $ranks || { cat "logs/portrait-monthly-$job.out"; fail "the ranks did not stop after the grouped checkpoint"; }
[ -f "$work/lost.checkpoints/grouped/complete.json" ] || fail "the ranks stopped before the grouped checkpoint was complete"
[ ! -e "$work/lost.checkpoints/tagged" ] || fail "the run was past the compute phase"
ip link set "pt${tag}h3" down               # h3 goes silent: no FIN, no RST
kill -KILL $(ip netns pids "pt$tag-h3")     # and everything on it dies
rm -rf "$cluster/nodes/h3/scratch"          # with its disk
killed_at=$(date +%s)
kill -CONT $ranks 2>/dev/null || true
survivors="$(portraits_on h1) $(portraits_on h2)"
while [ -n "$(echo $(portraits_on h1) $(portraits_on h2))" ]; do
  [ $(($(date +%s) - killed_at)) -le 60 ] || fail "ranks$(echo " $survivors") still run 60 s after h3 was lost"
  sleep 0.2
done
echo "multihost: the last surviving rank ended $(($(date +%s) - killed_at)) s after h3 was lost"
for _ in $(seq 100); do
  [ "$(scontrol show job "$job" | grep -o 'Restarts=[0-9]*')" = Restarts=1 ] && break
  sleep 0.2
done
scontrol show job "$job" | grep -q "Restarts=1" || { scontrol show job "$job"; fail "the job was not requeued"; }
grep -q "Node failure on h3\|DUE TO NODE FAILURE" "logs/portrait-monthly-$job.out" ||
  { cat "logs/portrait-monthly-$job.out"; fail "the log does not name the node failure"; }
[ ! -e "$work/lost" ] || fail "the lost run left an output directory that looks complete"
# The requeued job waits for 3 nodes; it is replaced by one on the 2 left.
scancel "$job"

# --- resubmitted with --resume on h1 and h2 -----------------------------------
rc=0
job=$(timeout 150 sbatch --wait --parsable -N 2 --ntasks-per-node=2 --cpus-per-task=1 \
  "$PORTRAIT_SOURCE_DIR/cluster/slurm/monthly.sbatch" "$work/job.yaml" --output "$work/lost" --resume) || rc=$?
job=${job%%;*}
log=logs/portrait-monthly-$job.out
[ "$rc" -eq 0 ] || { cat "$log" || true; fail "the resumed job exited $rc"; }
same_output lost
grep -q "resuming from the 'grouped' checkpoint written by 6 rank(s) on node-local disks: 4 file(s) from their primary copy, 2 from a partner copy (rank-000004.ckpt of h3 from its partner copy on h1, rank-000005.ckpt of h3 from its partner copy on h1)" "$log" ||
  { cat "$log"; fail "the log does not say which copies the resume used"; }
/usr/bin/python3 - "$work/lost/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
r = m["resumed_from"]
assert m["ranks"] == 4, m["ranks"]
assert (r["stage"], r["ranks"], r["place"]) == ("grouped", 6, "local"), r
for c in r["copies"]:
    want = "partner" if c["written_on"] == "h3" else "primary"
    assert {u["copy"] for u in c["read_from"]} == {want}, c
    if want == "partner":
        assert {u["host"] for u in c["read_from"]} == {"h1"}, c
PY
# Done: no checkpoint is left on the shared file system or on a node's disk.
[ ! -e "$work/lost.checkpoints" ] || fail "the resumed run left its markers"
for k in 1 2; do
  [ -z "$(ls -A "$cluster/nodes/h$k/scratch")" ] || fail "h$k's disk keeps $(ls "$cluster/nodes/h$k/scratch")"
done
echo "multihost: ok"
