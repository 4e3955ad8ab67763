// src/parallel/collective_error.hpp: every rank learns of any rank's error, so a
// bad file on rank 2 stops all ranks cleanly instead of leaving them waiting in
// the next collective. Each phase runs its rank-local work through
// `collectively`; afterwards all ranks either go on or throw the same error.
#pragma once

#include <functional>
#include <string>

#include "core/error.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::parallel {

// The error every rank throws when some rank failed. what() names the lowest
// failing rank and its message; rank 0 prints it.
class RankFailure : public Error {
 public:
  RankFailure(int rank, int failed_ranks, int ranks, const std::string& message);
  int failed_rank() const { return rank_; }

 private:
  int rank_;
};

// Runs `local_work` on this rank, then agrees with every rank of `comm`
// (one allreduce, plus a gather only on failure). Throws RankFailure on every
// rank if any rank's work threw. `local_work` must not call collectives on
// `comm` (a rank that threw would not reach them).
void collectively(const Comm& comm, const std::function<void()>& local_work);

// Collective. The check form of `collectively`: `local_problem` is empty when
// this rank found nothing wrong; otherwise every rank throws RankFailure with
// the lowest such rank's problem, placed at `where`, with `hint`.
void throw_if_any(const Comm& comm, const std::string& local_problem, const std::string& where,
                  const std::string& hint = {});

}  // namespace portrait::parallel
