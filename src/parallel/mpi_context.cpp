// src/parallel/mpi_context.cpp: MPI start-up/shutdown and the Comm view.
#include "parallel/mpi_context.hpp"

#include <cstdlib>

#include "core/error.hpp"
#include "parallel/mpi_transport.hpp"

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

Comm::Comm(MPI_Comm comm) : Comm(std::make_shared<MpiTransport>(comm)) { comm_ = comm; }

Comm::Comm(std::shared_ptr<const Transport> transport)
    : transport_(std::move(transport)), rank_(transport_->rank()), size_(transport_->size()) {}

void Comm::abort(int code) const {
  transport_->abort(code);
  std::_Exit(code);  // the transport does not return; this keeps [[noreturn]] honest
}

MPI_Comm Comm::raw() const {
  if (comm_ == MPI_COMM_NULL) {
    throw Error("this step needs an MPI communicator (HDF5, MPI-IO), not an in-process group of ranks",
                "parallel::Comm", "run it under mpirun");
  }
  return comm_;
}

std::string processor_name() {
  char name[MPI_MAX_PROCESSOR_NAME];
  int len = 0;
  MPI_Get_processor_name(name, &len);
  return std::string(name, static_cast<size_t>(len));
}

}  // namespace portrait::parallel
