#!/usr/bin/env bash
# cluster/local/stop-hosts.sh: stops the multi-host test cluster that
# cluster/local/start-hosts.sh made in DIR, and only that: cancels its
# unfinished Slurm jobs, sends TERM to the processes recorded in DIR/pids and
# to every process still in one of the cluster's network namespaces (job
# steps, orted and ranks started over ssh: all of them began on the
# cluster's hosts), KILLs what is left after 10 s, then deletes the
# namespaces and links recorded in DIR/made. Safe to call twice, and on a
# cluster that never fully started.
# Usage: cluster/local/stop-hosts.sh [DIR]   (default /tmp/portrait-hosts-$UID)
set -uo pipefail
dir=${1:-/tmp/portrait-hosts-$(id -u)}
[ -f "$dir/pids" ] || [ -f "$dir/made" ] || exit 0
touch "$dir/pids" "$dir/made"

# A recorded PID counts only while it still runs the program it was recorded
# for (after it exits the number may be someone else's); a zombie has ended.
alive() {  # pid command-name
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  [[ $stat == "$1 ($2) "[!Z]* ]]
}
expected_comm() {  # recorded name -> the process's command name
  case $1 in
    host-*) echo sleep ;;
    *) echo "${1%%-*}" ;;
  esac
}
# Processes in the cluster's network namespaces, whatever their name.
namespaced() {
  local kind name
  while read -r kind name; do
    [ "$kind" = netns ] && ip netns pids "$name" 2>/dev/null
  done <"$dir/made"
}
recorded() {  # prints the live recorded PIDs
  local name pid
  while read -r name pid; do
    alive "$pid" "$(expected_comm "$name")" && echo "$pid"
  done <"$dir/pids"
}

if [ -f "$dir/slurm.conf" ] && grep -q "^slurmctld-h1 " "$dir/pids"; then
  export SLURM_CONF=$dir/slurm.conf
  jobs=$(timeout 10 squeue -h -o %i 2>/dev/null)
  if [ -n "$jobs" ]; then
    echo "cluster/local/stop-hosts.sh: cancelling job(s) $(echo $jobs)" >&2
    timeout 10 scancel $jobs
    for _ in $(seq 100); do
      [ -z "$(timeout 10 squeue -h -t running,completing -o %i 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
fi

left() { { recorded; namespaced; } | sort -u; }
pids=$(left)
[ -z "$pids" ] || kill -TERM $pids 2>/dev/null
for _ in $(seq 100); do
  pids=$(left)
  [ -z "$pids" ] && break
  sleep 0.1
done
if [ -n "$pids" ]; then
  echo "cluster/local/stop-hosts.sh: killing what ignored TERM: $(echo $pids)" >&2
  kill -KILL $pids 2>/dev/null
  for _ in $(seq 50); do
    [ -z "$(left)" ] && break
    sleep 0.1
  done
fi

# Namespaces (their veth ends go with them), then the links.
status=0
while read -r kind name; do
  if [ "$kind" = netns ] && ip netns list | grep -q "^$name\b"; then
    ip netns delete "$name" || status=1
  fi
done <"$dir/made"
while read -r kind name; do
  if [ "$kind" = link ] && ip link show "$name" >/dev/null 2>&1; then
    ip link delete "$name" || status=1
  fi
done <"$dir/made"
[ -z "$(left)" ] || { echo "cluster/local/stop-hosts.sh: processes outlived KILL: $(left | tr '\n' ' ')" >&2; status=1; }
[ "$status" -ne 0 ] || rm -f "$dir/pids" "$dir/made"
exit "$status"
