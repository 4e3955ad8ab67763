#!/usr/bin/env bash
# cluster/local/start-hosts.sh: starts a multi-host test cluster on this one
# machine: N hosts h1..hN (default 3), each a network namespace with its own
# address on a private bridge (veth pairs), its own hostname (UTS namespace)
# and its own mount namespace, in which DIR/node is that host's node-local
# directory (scratch, munge, Slurm spool and logs), /etc/hosts names the
# cluster's hosts, and /run and /dev/shm are the host's own. Everything else -
# the checkout, the build, /tmp - is shared, as a cluster shares its parallel
# file system. Each host runs what a real node runs: sshd (host and user keys
# made for this cluster only, in DIR/ssh) for Open MPI's ssh launcher, munged
# (one key for the cluster, in DIR) and slurmd; h1 also runs slurmctld. The
# machine itself (the root namespace, address .254 on the bridge) is the login
# node: sbatch, squeue and mpirun work from there with the printed environment.
#
# Nothing is written to the machine's /etc or ~/.ssh. Every PID started is
# recorded in DIR/pids, every namespace and link made in DIR/made;
# cluster/local/stop-hosts.sh DIR ends those processes (and every process left
# in the cluster's namespaces) and removes those namespaces and links only.
#
#   eval "$(cluster/local/start-hosts.sh /tmp/my-hosts)"
#   mpirun --hostfile /tmp/my-hosts/hostfile -np 6 hostname     # over ssh
#   sbatch -N 3 --ntasks-per-node=2 cluster/slurm/monthly.sbatch JOB.yaml
#   /tmp/my-hosts/bin/on h2 CMD...    # run CMD on host h2
#   cluster/local/stop-hosts.sh /tmp/my-hosts
# Usage: cluster/local/start-hosts.sh [DIR] [HOSTS]   (default /tmp/portrait-hosts-$UID, 3)
# Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN): exits 77 with the reason when
# namespaces cannot be made here.
set -euo pipefail
dir=${1:-/tmp/portrait-hosts-$(id -u)}
hosts=${2:-3}
fail() { echo "cluster/local/start-hosts.sh: $*" >&2; exit 1; }
cannot() { echo "cluster/local/start-hosts.sh: cannot make hosts here: $*" >&2; exit 77; }

[[ $hosts =~ ^[0-9]+$ ]] && [ "$hosts" -ge 1 ] && [ "$hosts" -le 16 ] || fail "HOSTS must be 1 to 16, not '$hosts'"
for tool in ip nsenter unshare ssh ssh-keygen /usr/sbin/sshd munged slurmctld slurmd sinfo orted; do
  command -v "$tool" >/dev/null ||
    fail "$tool is not installed; run scripts/setup.sh (openssh-server, openssh-client, iproute2, slurm-wlm, munge, openmpi-bin)"
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[ ! -s "$dir/pids" ] && [ ! -s "$dir/made" ] ||
  fail "$dir holds a running cluster; stop it with cluster/local/stop-hosts.sh $dir"

# Names of this cluster's namespaces and links come from the directory, so
# that clusters in other directories never share one (link names have at most
# 15 characters: "pt" + 5 hex digits + a suffix).
tag=$(printf '%05x' $(($(cksum <<<"$dir" | cut -d' ' -f1) % 1048576)))
bridge=pt${tag}br
# A /24 of its own: 10.213.X.0 with X from the tag, the next free one if that
# is in use on this machine.
in_use=$(ip -o -4 addr show | awk '{print $4}')
octet=$((16#$tag % 250 + 1))
for _ in $(seq 250); do
  grep -q "^10\.213\.$octet\." <<<"$in_use" || break
  octet=$((octet % 250 + 1))
done
subnet=10.213.$octet
address() { echo "$subnet.$((10 + $1))"; }  # host k's address

# Can namespaces and links be made here at all? (Without CAP_NET_ADMIN this
# fails first, before anything is left to clean up.)
probe=pt${tag}pr
ip netns add "$probe" 2>/dev/null || cannot "'ip netns add' failed (no CAP_NET_ADMIN: run as root, outside a restricted container)"
ip netns delete "$probe"
unshare --uts --mount true 2>/dev/null || cannot "'unshare --uts --mount' failed (no CAP_SYS_ADMIN)"

rm -rf "$dir/ctld/state"  # a fresh controller: job ids from 1
mkdir -p "$dir"/{bin,ssh,ctld/state,ctld/log,node}
: >"$dir/pids"
: >"$dir/made"
here=$(cd "$(dirname "$0")" && pwd)
# From here on a failure stops whatever was started.
trap 'status=$?; [ "$status" -eq 0 ] || "$here/stop-hosts.sh" "$dir" >&2' EXIT
started() { echo "$1 $2" >>"$dir/pids"; }  # name pid

# --- keys: ssh host keys per host, one user key, one munge key ---------------
rm -f "$dir"/ssh/* "$dir/munge.key"  # fresh keys for every start
chmod 0700 "$dir/ssh"
ssh-keygen -q -t ed25519 -N '' -C "portrait-hosts user key" -f "$dir/ssh/id_ed25519"
cp "$dir/ssh/id_ed25519.pub" "$dir/ssh/authorized_keys"
: >"$dir/ssh/known_hosts"
{
  echo "127.0.0.1 localhost"
  echo "$subnet.254 login"
} >"$dir/hosts"
: >"$dir/hostfile"
for k in $(seq "$hosts"); do
  ssh-keygen -q -t ed25519 -N '' -C "h$k" -f "$dir/ssh/h$k-host_ed25519_key"
  echo "h$k,$(address "$k") $(cut -d' ' -f1,2 "$dir/ssh/h$k-host_ed25519_key.pub")" >>"$dir/ssh/known_hosts"
  echo "$(address "$k") h$k" >>"$dir/hosts"
  echo "h$k slots=2" >>"$dir/hostfile"
  mkdir -p "$dir/nodes/h$k"/{scratch,munge,spool,log,run,tmp}
done
mkdir -p "$dir/node"/{scratch,munge,spool,log,run,tmp}  # the login node's own
dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none
chmod 0400 "$dir/munge.key"

# The ssh client of the cluster: its keys and known hosts only (-F: neither
# ~/.ssh/config nor /etc/ssh/ssh_config is read). ServerAlive*: a session to
# a host that went silent ends after 3 x 5 s.
{
  echo "# Generated by cluster/local/start-hosts.sh for the cluster in $dir."
  for k in $(seq "$hosts"); do printf 'Host h%s\n  HostName %s\n' "$k" "$(address "$k")"; done
  cat <<CONF
Host *
  User $(id -un)
  IdentityFile $dir/ssh/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $dir/ssh/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 10
  ServerAliveInterval 5
  ServerAliveCountMax 3
  LogLevel ERROR
CONF
} >"$dir/ssh/config"
cat >"$dir/bin/ssh" <<SH
#!/bin/sh
# ssh with the cluster's own configuration (Open MPI's plm_rsh_agent).
exec /usr/bin/ssh -F $dir/ssh/config "\$@"
SH
chmod +x "$dir/bin/ssh"

# --- slurm.conf: h1 runs the controller, every host a slurmd ------------------
hw=$(slurmd -C | head -1 | sed 's/^NodeName=[^ ]* //')
{
  cat <<CONF
# Generated by cluster/local/start-hosts.sh: $hosts hosts in $dir.
ClusterName=portrait-hosts
SlurmctldHost=h1($(address 1))
SlurmctldPort=6817
SlurmdPort=6818
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
CredType=cred/munge
# Each host's own munged (DIR/node is the host's node-local directory).
AuthInfo=socket=$dir/node/munge/munge.socket
StateSaveLocation=$dir/ctld/state
SlurmctldPidFile=$dir/ctld/slurmctld.pid
SlurmctldLogFile=$dir/ctld/log/slurmctld.log
SlurmdSpoolDir=$dir/node/spool
SlurmdPidFile=$dir/node/run/slurmd.pid
SlurmdLogFile=$dir/node/log/slurmd.log
# Node-local temporary files (mpi/pmix puts its per-step directories there;
# in the shared /tmp the hosts' steps would collide).
TmpFS=$dir/node/tmp
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/ctld/log/jobcomp.txt
MpiDefault=none
SchedulerType=sched/builtin
MinJobAge=300
InactiveLimit=0
# A lost node: the controller pings every SlurmdTimeout/3 s, each ping
# waiting MessageTimeout s; a node silent for SlurmdTimeout s is DOWN and its
# jobs are killed on the other nodes (KillWait s from TERM to KILL), or
# requeued when they asked for --requeue. ReturnToService=2: a node that
# registers again is back in service.
SlurmdTimeout=10
MessageTimeout=5
KillWait=5
SlurmctldTimeout=30
ReturnToService=2
CONF
  for k in $(seq "$hosts"); do echo "NodeName=h$k NodeAddr=$(address "$k") NodeHostname=h$k $hw State=UNKNOWN"; done
  echo "PartitionName=hosts Nodes=h[1-$hosts] Default=YES MaxTime=INFINITE State=UP"
} >"$dir/slurm.conf"

# --- the bridge and the hosts -------------------------------------------------
ip link add "$bridge" type bridge
echo "link $bridge" >>"$dir/made"
ip addr add "$subnet.254/24" dev "$bridge"
ip link set "$bridge" up
holder() { sed -n "s/^host-h$1 //p" "$dir/pids"; }
for k in $(seq "$hosts"); do
  ns=pt$tag-h$k
  ip netns add "$ns"
  echo "netns $ns" >>"$dir/made"
  ip link add "pt${tag}h$k" type veth peer name "pt${tag}h${k}x"
  echo "link pt${tag}h$k" >>"$dir/made"
  ip link set "pt${tag}h${k}x" netns "$ns"
  ip -n "$ns" link set "pt${tag}h${k}x" name eth0
  ip -n "$ns" addr add "$(address "$k")/24" dev eth0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  ip link set "pt${tag}h$k" master "$bridge" up
  # The host's holder process: it makes the host's UTS and mount namespaces
  # and keeps them while the host lives; every daemon joins them (nsenter).
  # The chain nsenter -> unshare -> bash -> sleep execs in place, so $! is
  # it. (nsenter, not `ip netns exec`: that mounts a fresh /sys without the
  # cgroup file systems slurmd needs.)
  nsenter --net="/run/netns/$ns" unshare --uts --mount --propagation private -- /bin/bash -c "
    set -e
    hostname h$k
    mount --bind '$dir/hosts' /etc/hosts
    mount -t tmpfs -o mode=0755 tmpfs /run && mkdir -m 0755 /run/sshd
    mount -t tmpfs -o mode=1777 tmpfs /dev/shm
    mount --bind '$dir/nodes/h$k' '$dir/node'
    exec sleep infinity" </dev/null >>"$dir/nodes/h$k/log/holder.log" 2>&1 &
  started "host-h$k" $!
done
for k in $(seq "$hosts"); do
  for _ in $(seq 100); do
    [ "$(cat "/proc/$(holder "$k")/comm" 2>/dev/null)" = sleep ] && break
    kill -0 "$(holder "$k")" 2>/dev/null || fail "host h$k did not start: $(cat "$dir/nodes/h$k/log/holder.log")"
    sleep 0.05
  done
done
# on HOST CMD...: runs CMD in that host's namespaces (its network, hostname
# and mounts), with the caller's environment and working directory.
cat >"$dir/bin/on" <<SH
#!/bin/sh
# Generated by cluster/local/start-hosts.sh: run a command on one host of $dir.
host=\$1; shift
pid=\$(sed -n "s/^host-\$host //p" "$dir/pids")
[ -n "\$pid" ] || { echo "on: no host '\$host' in $dir" >&2; exit 2; }
exec nsenter --target "\$pid" --net --uts --mount --wdns="\$PWD" -- "\$@"
SH
chmod +x "$dir/bin/on"

# --- daemons: munged and sshd on every host, slurmctld on h1, slurmd ----------
daemon() {  # name host cmd...: starts cmd on host (or the login node) in the background
  local name=$1 host=$2
  shift 2
  if [ "$host" = login ]; then
    "$@" </dev/null >>"$dir/node/log/$name.out" 2>&1 &
  else
    nsenter --target "$(holder "${host#h}")" --net --uts --mount -- "$@" \
      </dev/null >>"$dir/nodes/$host/log/$name.out" 2>&1 &
  fi
  started "$name-$host" $!
}
munge_up() {  # socket: munged answers there
  for _ in $(seq 50); do
    munge --socket="$1" -n </dev/null >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
for host in login $(seq -f 'h%g' "$hosts"); do
  node_dir=$dir/node
  [ "$host" = login ] || node_dir=$dir/nodes/$host
  daemon munged "$host" munged --foreground --force --socket="$dir/node/munge/munge.socket" \
    --key-file="$dir/munge.key" --pid-file="$dir/node/run/munged.pid" --seed-file="$dir/node/munge/seed"
  munge_up "$node_dir/munge/munge.socket" || fail "munged on $host did not start; see $node_dir/log/munged.out"
done
for k in $(seq "$hosts"); do
  cat >"$dir/ssh/sshd_config.h$k" <<CONF
# Generated by cluster/local/start-hosts.sh: sshd of host h$k.
ListenAddress $(address "$k"):22
HostKey $dir/ssh/h$k-host_ed25519_key
PidFile none
AuthorizedKeysFile $dir/ssh/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# The keys live in a directory of the cluster (under /tmp), not in a home.
StrictModes no
# A client that went silent (its host lost) is dropped after 3 x 5 s.
ClientAliveInterval 5
ClientAliveCountMax 3
LogLevel ERROR
CONF
  daemon sshd "h$k" /usr/sbin/sshd -D -e -f "$dir/ssh/sshd_config.h$k"
done
export SLURM_CONF=$dir/slurm.conf
daemon slurmctld h1 slurmctld -D -i -f "$SLURM_CONF"
for k in $(seq "$hosts"); do daemon slurmd "h$k" slurmd -D -N "h$k" -f "$SLURM_CONF"; done

# --- ready when ssh answers on every host and every node is idle -------------
for k in $(seq "$hosts"); do
  ok=""
  for _ in $(seq 100); do
    [ "$("$dir/bin/ssh" "h$k" hostname 2>/dev/null)" = "h$k" ] && { ok=1; break; }
    sleep 0.1
  done
  [ -n "$ok" ] || fail "ssh to h$k does not answer; see $dir/nodes/h$k/log/sshd.out"
done
idle=""
for _ in $(seq 150); do
  idle=$(sinfo -h -t idle -o %D 2>/dev/null || true)
  [ "${idle:-0}" = "$hosts" ] && break
  sleep 0.2
done
if [ "${idle:-0}" != "$hosts" ]; then
  echo "cluster/local/start-hosts.sh: ${idle:-no} of $hosts nodes idle after 30 s:" >&2
  sinfo -N >&2 || true
  tail -n 5 "$dir"/ctld/log/*.log "$dir"/nodes/*/log/*.log >&2 || true
  exit 1
fi

# --- the environment for the login node ---------------------------------------
# Open MPI: ranks on one host talk through shared memory (vader), ranks on
# different hosts through TCP on the cluster's subnet only (btl_tcp_if_include,
# and the runtime's out-of-band channel likewise); orted is started over the
# cluster's ssh. The hosts share this machine's cores, so a waiting rank
# yields its core (mpi_yield_when_idle) instead of spinning. Keepalives on the runtime's connections: a host that went
# silent is declared lost after 5 + 3 x 2 s, and mpirun then ends the job.
cat >"$dir/env" <<ENV
export SLURM_CONF=$dir/slurm.conf
export PORTRAIT_HOSTS_DIR=$dir
export OMPI_MCA_plm_rsh_agent=$dir/bin/ssh
export OMPI_MCA_btl=self,vader,tcp
export OMPI_MCA_mpi_yield_when_idle=1
export OMPI_MCA_btl_tcp_if_include=$subnet.0/24
export OMPI_MCA_oob_tcp_if_include=$subnet.0/24
export OMPI_MCA_oob_tcp_keepalive_time=5
export OMPI_MCA_oob_tcp_keepalive_intvl=2
export OMPI_MCA_oob_tcp_keepalive_probes=3
ENV
cat "$dir/env"
echo "# hosts: h1..h$hosts on $subnet.0/24 (bridge $bridge), nodes idle; stop with cluster/local/stop-hosts.sh $dir" >&2
