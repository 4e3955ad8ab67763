// src/parallel/mpi_context.hpp: MPI start-up and shutdown for the portrait process
// and the communicator every distributed phase runs on.
//
// Threading model: MPI_THREAD_FUNNELED. Only a rank's main thread calls MPI
// and HDF5 (this HDF5 is not thread-safe); OpenMP threads compute only.
#pragma once

#include <mpi.h>

#include <string>

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

// A non-owning view of a communicator with the questions every phase asks.
class Comm {
 public:
  explicit Comm(MPI_Comm comm = MPI_COMM_WORLD);

  MPI_Comm raw() const { return comm_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }

  // Ends every rank of the job now, with `code`. For failures that other
  // ranks cannot learn about collectively (e.g. a rank died mid-collective).
  [[noreturn]] void abort(int code) const;

 private:
  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
};

// Name of the host this rank runs on.
std::string processor_name();

}  // namespace portrait::parallel
