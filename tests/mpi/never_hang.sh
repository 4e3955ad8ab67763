#!/usr/bin/env bash
# tests/mpi/never_hang.sh: meta test. Runs a deliberately failing MPI test at
# np=3 and checks that the job ends quickly (not by a timeout), with a
# non-zero exit, naming the rank that failed.
set -u
binary=$1
log=$(mktemp)
trap 'rm -f "$log"' EXIT

start=$(date +%s)
timeout 60 $PORTRAIT_MPIEXEC -np 3 "$binary" >"$log" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))
cat "$log"

fail() { echo "never_hang: $*" >&2; exit 1; }
[ "$rc" -ne 124 ] || fail "the failing MPI test hung (killed by timeout after ${elapsed}s)"
[ "$rc" -ne 0 ] || fail "the deliberately failing MPI test exited 0"
grep -q "^\[rank 2\] .*deliberate_failure.cpp:[0-9]*: " "$log" || fail "the failure message does not name rank 2 and the place"
grep -q "deliberate failure on the last rank" "$log" || fail "the assertion's message is lost"
grep -q "FAILED  \] DeliberateFailure.NonFatalFailureOnRankOneIsReportedByRankZero on rank 1" "$log" ||
  fail "rank 0 did not report the non-fatal failure of rank 1"
grep -q "aborting all ranks" "$log" || fail "the failing rank did not abort the communicator"
echo "never_hang: failure on rank 2 ended the job in ${elapsed}s with exit code $rc"
