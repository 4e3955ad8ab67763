# cluster/pbs/allocation.sh: sourced by the PBS scripts in cluster/pbs/ to
# turn the PBS allocation into an MPI layout, for PBS Pro and Torque alike.
# Sets: threads (OpenMP threads per rank), ranks (MPI ranks in all),
# hostfile (an Open MPI hostfile: each host once with its rank slots; removed
# when the job's shell exits) and exports OMP_NUM_THREADS, OMP_PLACES,
# OMP_PROC_BIND.
#
# PBS Pro writes one $PBS_NODEFILE line per MPI rank (mpiprocs) and sets
# OMP_NUM_THREADS from ompthreads. Torque writes one line per core (ppn) and
# sets no OpenMP variable, so there the threads come from
# `qsub -v OMP_NUM_THREADS=T` and a host's ranks are its lines / T.
: "${PBS_NODEFILE:?not inside a PBS job: PBS_NODEFILE is not set}"
threads=${OMP_NUM_THREADS:-1}
if [ -n "${PBS_NUM_PPN:-}" ]; then
  lines_per_rank=$threads # Torque
else
  lines_per_rank=1 # PBS Pro
fi
hostfile=$(mktemp "${TMPDIR:-/tmp}/portrait-hosts.XXXXXX")
trap 'rm -f "$hostfile"' EXIT
# Hosts in the order PBS lists them, each with its share of ranks.
awk -v per="$lines_per_rank" '
  { if (!($1 in n)) order[++hosts] = $1; n[$1]++ }
  END { for (i = 1; i <= hosts; ++i) if (int(n[order[i]] / per) > 0) print order[i], "slots=" int(n[order[i]] / per) }
' "$PBS_NODEFILE" >"$hostfile"
ranks=$(awk -F'slots=' '{ s += $2 } END { print s + 0 }' "$hostfile")
if [ "$ranks" -lt 1 ]; then
  echo "portrait: $PBS_NODEFILE gives no MPI rank at $threads threads per rank" \
    "(Torque: ppn must be a multiple of OMP_NUM_THREADS)" >&2
  exit 2
fi
export OMP_NUM_THREADS=$threads OMP_PLACES=cores OMP_PROC_BIND=close
