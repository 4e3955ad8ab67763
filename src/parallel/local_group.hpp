// src/parallel/local_group.hpp: an in-process group of ranks on threads
// behind parallel::Comm, as Thrill's mock network: the code of shuffle,
// models and identity runs unchanged on N threads of one process, so unit
// tests cover it at several rank counts without mpirun (the MPI tests stay).
// Collectives meet at a barrier, read each other's buffers, and meet again
// before anyone reuses them. HDF5 and MPI-IO need MPI (Comm::raw throws).
#pragma once

#include <functional>

#include "parallel/mpi_context.hpp"

namespace portrait::parallel {

// Runs `rank_body` on `ranks` threads, each with its rank's Comm of the
// group, and returns when every rank has returned. When a rank throws, the
// others' pending and later collectives throw too (no rank waits forever),
// and the lowest failing rank's exception is rethrown here. A collective
// that some ranks never reach fails after a timeout instead of hanging.
void run_local_group(int ranks, const std::function<void(const Comm&)>& rank_body);

}  // namespace portrait::parallel
