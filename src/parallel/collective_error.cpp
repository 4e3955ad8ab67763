// src/parallel/collective_error.cpp: agreement on failures between ranks.
#include "parallel/collective_error.hpp"

#include <fmt/format.h>

#include <exception>
#include <vector>

namespace portrait::parallel {

namespace {

std::string which_ranks(int rank, int failed_ranks, int ranks) {
  if (failed_ranks == ranks && ranks > 1) return "every rank";
  if (failed_ranks > 1) return fmt::format("rank {} (and {} more)", rank, failed_ranks - 1);
  return fmt::format("rank {}", rank);
}

}  // namespace

RankFailure::RankFailure(int rank, int failed_ranks, int ranks, const std::string& message)
    : Error(message, which_ranks(rank, failed_ranks, ranks)), rank_(rank) {}

void collectively(const Comm& comm, const std::function<void()>& local_work) {
  std::string message;
  try {
    local_work();
  } catch (const std::exception& e) {
    message = e.what();
    if (message.empty()) message = "unknown error";
  } catch (...) {
    message = "unknown error";
  }
  // Lowest failing rank, or size when none failed.
  int mine = message.empty() ? comm.size() : comm.rank();
  int first = 0;
  int failed = message.empty() ? 0 : 1;
  int failed_total = 0;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm.raw());
  if (first == comm.size()) return;
  MPI_Allreduce(&failed, &failed_total, 1, MPI_INT, MPI_SUM, comm.raw());
  // The first failing rank's message goes to everyone, so every rank throws
  // the same error and rank 0 can print it.
  int length = comm.rank() == first ? static_cast<int>(message.size()) : 0;
  MPI_Bcast(&length, 1, MPI_INT, first, comm.raw());
  std::string text(static_cast<std::size_t>(length), '\0');
  if (comm.rank() == first) text = message;
  MPI_Bcast(text.data(), length, MPI_CHAR, first, comm.raw());
  throw RankFailure(first, failed_total, comm.size(), text);
}

void throw_if_any(const Comm& comm, const std::string& local_problem, const std::string& where,
                  const std::string& hint) {
  collectively(comm, [&] {
    if (!local_problem.empty()) throw Error(local_problem, where, hint);
  });
}

}  // namespace portrait::parallel
