#!/usr/bin/env bash
# tests/e2e/cli.sh: the CLI skeleton: help lists the commands, version names
# every library, and under mpirun every rank reports its host and threads.
set -euo pipefail
fail() { echo "e2e_cli: $*" >&2; exit 1; }

help=$("$PORTRAIT" --help)
grep -q "version" <<<"$help" || fail "--help does not list the version command"

out=$("$PORTRAIT" version)
for component in portrait commit compiler mpi hdf5 boost; do
  grep -qE "^$component " <<<"$out" || fail "version does not print $component: $out"
done
grep -q "(parallel)" <<<"$out" || fail "HDF5 is not the parallel build: $out"

out=$(OMP_NUM_THREADS=2 $PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" version)
grep -qE "^ranks +2$" <<<"$out" || fail "version under mpirun -np 2 does not see 2 ranks: $out"
grep -qE "^rank 1 +host .*, 2 OpenMP thread" <<<"$out" || fail "rank 1 does not report its threads: $out"

if "$PORTRAIT" no-such-command >/dev/null 2>&1; then fail "an unknown command exits 0"; fi
echo "e2e_cli: ok"
