// src/parallel/mpi_context.cpp: MPI start-up/shutdown and the Comm view.
#include "parallel/mpi_context.hpp"

#include <cstdlib>
#include <stdexcept>

namespace portrait::parallel {

MpiEnvironment::MpiEnvironment(int* argc, char*** argv) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) {
    MPI_Query_thread(&provided_);
    return;
  }
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided_);
  owns_ = true;
  if (provided_ < MPI_THREAD_FUNNELED) {
    // OpenMP regions run beside MPI; a library that cannot promise FUNNELED
    // would make every later phase undefined.
    MPI_Abort(MPI_COMM_WORLD, 3);
  }
  // Errors come back as codes; portrait turns them into messages and stops
  // all ranks itself rather than dying inside the library.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

MpiEnvironment::~MpiEnvironment() {
  if (!owns_) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

Comm::Comm(MPI_Comm comm) : comm_(comm) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

void Comm::abort(int code) const {
  MPI_Abort(comm_, code);
  std::_Exit(code);  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

std::string processor_name() {
  char name[MPI_MAX_PROCESSOR_NAME];
  int len = 0;
  MPI_Get_processor_name(name, &len);
  return std::string(name, static_cast<size_t>(len));
}

}  // namespace portrait::parallel
