#!/usr/bin/env bash
# cluster/local/stop.sh: stops the local Slurm that cluster/local/start.sh
# started in DIR: cancels its unfinished jobs, sends TERM to the daemons
# whose PIDs it recorded in DIR/pids (and to no other process), waits for
# them, KILLs what is left after 10 s. Safe to call twice or on a cluster that never fully started.
# Usage: cluster/local/stop.sh [DIR]   (default /tmp/portrait-slurm-$UID)
set -uo pipefail
dir=${1:-/tmp/portrait-slurm-$(id -u)}
pids_file=$dir/pids
[ -f "$pids_file" ] || exit 0

# A recorded PID counts only while it still runs the daemon it was recorded
# for: after the daemon exits the number may belong to someone else. A
# zombie (state Z, waiting for init to reap it) has ended.
alive() {  # name pid
  local stat
  stat=$(cat "/proc/$2/stat" 2>/dev/null) || return 1
  [[ $stat == "$2 ($1) "[!Z]* ]]
}
# Jobs still running are cancelled through Slurm first, so that their
# processes (slurmstepd and the tasks) end with them and none is orphaned.
export SLURM_CONF=$dir/slurm.conf
while read -r n pid; do
  [ "$n" = slurmctld ] && alive "$n" "$pid" || continue
  jobs=$(timeout 10 squeue -h -o %i 2>/dev/null)
  [ -n "$jobs" ] || break
  echo "cluster/local/stop.sh: cancelling job(s) $(echo $jobs)" >&2
  timeout 10 scancel $jobs
  for _ in $(seq 150); do
    [ -z "$(timeout 10 squeue -h -o %i 2>/dev/null)" ] && break
    sleep 0.1
  done
done <"$pids_file"
# slurmd first (it ends its job steps), munged last (the others use it).
for name in slurmd slurmctld munged; do
  while read -r n pid; do
    [ "$n" = "$name" ] && alive "$n" "$pid" && kill -TERM "$pid" 2>/dev/null
  done <"$pids_file"
done
for _ in $(seq 100); do
  left=0
  while read -r n pid; do alive "$n" "$pid" && left=1; done <"$pids_file"
  [ "$left" -eq 0 ] && break
  sleep 0.1
done
while read -r n pid; do
  if alive "$n" "$pid"; then
    echo "cluster/local/stop.sh: $n ($pid) ignored TERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
done <"$pids_file"
rm -f "$pids_file"
