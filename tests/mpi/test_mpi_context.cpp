// tests/mpi/test_mpi_context.cpp: the MPI environment portrait relies on:
// FUNNELED threading, a world communicator, collectives that agree.
#include <gtest/gtest.h>
#include <mpi.h>

#include <numeric>

#include "parallel/mpi_context.hpp"

namespace portrait::parallel {
namespace {

TEST(MpiContext, ProvidesFunneledThreading) {
  int provided = 0;
  MPI_Query_thread(&provided);
  EXPECT_GE(provided, MPI_THREAD_FUNNELED);
}

TEST(MpiContext, CommSeesEveryRank) {
  const Comm world;
  long long sum_of_ranks = world.rank();
  MPI_Allreduce(MPI_IN_PLACE, &sum_of_ranks, 1, MPI_LONG_LONG, MPI_SUM, world.raw());
  const long long n = world.size();
  EXPECT_EQ(sum_of_ranks, n * (n - 1) / 2);
  EXPECT_EQ(world.is_root(), world.rank() == 0);
}

TEST(MpiContext, ProcessorNameIsNotEmpty) { EXPECT_FALSE(processor_name().empty()); }

}  // namespace
}  // namespace portrait::parallel
