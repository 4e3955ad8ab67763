// src/dist/collective_check.cpp: agreement on a local problem, then the same
// error on every rank.
#include "dist/collective_check.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace portrait::dist {

void throw_if_any(const Comm& comm, const std::string& local_problem, const std::string& where,
                  const std::string& hint) {
  int first = local_problem.empty() ? comm.size() : comm.rank();
  MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm.raw());
  if (first == comm.size()) return;
  int length = comm.rank() == first ? static_cast<int>(local_problem.size()) : 0;
  MPI_Bcast(&length, 1, MPI_INT, first, comm.raw());
  std::string problem =
      comm.rank() == first ? local_problem : std::string(static_cast<std::size_t>(length), ' ');
  MPI_Bcast(problem.data(), length, MPI_CHAR, first, comm.raw());
  throw Error(problem, fmt::format("{} (rank {})", where, first), hint);
}

}  // namespace portrait::dist
