// src/parallel/mpi_context.hpp: MPI start-up and shutdown for the portrait
// process, and the communicator every distributed phase runs on.
//
// Threading model: MPI_THREAD_FUNNELED. Only a rank's main thread calls MPI
// and HDF5 (this HDF5 is not thread-safe); OpenMP threads compute only.
#pragma once

#include <mpi.h>

#include <memory>
#include <string>

#include "parallel/transport.hpp"

namespace portrait::parallel {

// Owns MPI_Init_thread / MPI_Finalize for the process. Construct once in
// main(); a second instance (e.g. in a test that already initialised MPI)
// neither initialises nor finalises.
class MpiEnvironment {
 public:
  MpiEnvironment(int* argc, char*** argv);
  ~MpiEnvironment();
  MpiEnvironment(const MpiEnvironment&) = delete;
  MpiEnvironment& operator=(const MpiEnvironment&) = delete;

  int thread_level() const { return provided_; }

 private:
  bool owns_ = false;
  int provided_ = MPI_THREAD_SINGLE;
};

// A view of a group of ranks with the questions every phase asks. Its
// collectives (collectives.hpp) run over MPI, or over an in-process group of
// ranks on threads (local_group.hpp); HDF5 and MPI-IO need the MPI one.
class Comm {
 public:
  // A communicator of the job (not owned).
  explicit Comm(MPI_Comm comm = MPI_COMM_WORLD);
  explicit Comm(std::shared_ptr<const Transport> transport);

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }

  // The MPI communicator, for HDF5 and MPI-IO. Throws portrait::Error on an
  // in-process communicator.
  MPI_Comm raw() const;
  const Transport& transport() const { return *transport_; }

  // Ends every rank of the job now, with `code`. For failures that other
  // ranks cannot learn about collectively (e.g. a rank died mid-collective).
  [[noreturn]] void abort(int code) const;

 private:
  std::shared_ptr<const Transport> transport_;
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
};

// Name of the host this rank runs on.
std::string processor_name();

}  // namespace portrait::parallel
