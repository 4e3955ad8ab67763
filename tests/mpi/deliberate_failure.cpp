// tests/mpi/deliberate_failure.cpp: fails on purpose, for the never-hang meta
// test. First a non-fatal failure on rank 1 only, which rank 0 must report;
// then the last rank fails an assertion while every other rank waits in a
// barrier the failing rank never reaches; without the abort in the MPI test
// main this would hang until the timeout. (gtest runs tests in this order.)
#include <gtest/gtest.h>
#include <mpi.h>

TEST(DeliberateFailure, NonFatalFailureOnRankOneIsReportedByRankZero) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  EXPECT_NE(rank, 1) << "deliberate non-fatal failure on rank 1";
  MPI_Barrier(MPI_COMM_WORLD);
}

TEST(DeliberateFailure, OneRankFailsWhileOthersWaitInACollective) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  ASSERT_NE(rank, size - 1) << "deliberate failure on the last rank";
  MPI_Barrier(MPI_COMM_WORLD);
}
