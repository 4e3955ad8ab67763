#!/usr/bin/env bash
# scripts/mpirun.sh: mpirun as portrait's scripts use it on one machine:
# allowed as root (containers, CI), more ranks than cores allowed, no binding
# (each rank runs an OpenMP team). Usage: scripts/mpirun.sh -np N cmd...
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
exec mpirun --oversubscribe --bind-to none "$@"
