// src/parallel/collective_error.cpp: agreement on failures between ranks.
#include "parallel/collective_error.hpp"

#include "parallel/collectives.hpp"

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
  const std::int32_t first = minimum(comm, message.empty() ? comm.size() : comm.rank());
  if (first == comm.size()) return;
  const std::int32_t failed_total = sum(comm, message.empty() ? 0 : 1);
  // The first failing rank's message goes to everyone, so every rank throws
  // the same error and rank 0 can print it.
  std::uint64_t length = comm.rank() == first ? message.size() : 0;
  broadcast(comm, length, first);
  std::string text(static_cast<std::size_t>(length), '\0');
  if (comm.rank() == first) text = message;
  broadcast(comm, std::span<char>(text.data(), text.size()), first);
  throw RankFailure(first, failed_total, comm.size(), text);
}

void throw_if_any(const Comm& comm, const std::string& local_problem, const std::string& where,
                  const std::string& hint) {
  collectively(comm, [&] {
    if (!local_problem.empty()) throw Error(local_problem, where, hint);
  });
}

}  // namespace portrait::parallel
