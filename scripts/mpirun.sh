#!/usr/bin/env bash
# scripts/mpirun.sh: mpirun as portrait's scripts use it on one machine:
# allowed as root (containers, CI), more ranks than cores allowed, no binding
# (each rank runs an OpenMP team), and a rank waiting in MPI yields its core
# (with more ranks than free cores, spinning ranks keep the others from
# running). Usage: scripts/mpirun.sh -np N cmd...
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_mpi_yield_when_idle=${OMPI_MCA_mpi_yield_when_idle:-1}
exec mpirun --oversubscribe --bind-to none "$@"
