// tests/mpi/mpi_gtest_main.cpp: GoogleTest main for tests run under mpirun.
//
// - MPI_Init_thread with MPI_THREAD_FUNNELED, as the portrait executable does.
// - Only rank 0 prints gtest's usual output. Every failure on every rank is
//   gathered to rank 0 at the end of each test and printed with its rank, so
//   a failure on rank 3 is seen and fails the run.
// - A fatal failure (ASSERT_*) makes that rank leave the test body while the
//   others may be waiting in a collective: the failing rank prints its message
//   and aborts the whole communicator, so the job ends instead of hanging.
// - The exit code is the maximum over ranks.
#include <gtest/gtest.h>
#include <mpi.h>

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

int world_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int world_size() {
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

class RankFailureListener : public testing::EmptyTestEventListener {
 public:
  // Remembered here because UnitTest::current_test_info() takes gtest's lock,
  // which is held while OnTestPartResult runs.
  void OnTestStart(const testing::TestInfo& info) override {
    current_test_ = fmt::format("{}.{}", info.test_suite_name(), info.name());
  }

  void OnTestPartResult(const testing::TestPartResult& result) override {
    if (!result.failed()) return;
    const std::string where =
        result.file_name() ? fmt::format("{}:{}", result.file_name(), result.line_number()) : "unknown";
    std::string message = fmt::format("[rank {}] {}: {}", world_rank(), where, result.summary());
    if (result.fatally_failed()) {
      std::fprintf(stderr, "%s\n[rank %d] fatal failure in %s: aborting all ranks so none waits forever\n",
                   message.c_str(), world_rank(), current_test_.c_str());
      std::fflush(stderr);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    failures_ += message + "\n";
  }

  // Collective: every rank reaches the end of every test, since only fatal
  // failures change control flow and those abort above.
  void OnTestEnd(const testing::TestInfo& info) override {
    const int n = world_size();
    int length = static_cast<int>(failures_.size());
    std::vector<int> lengths(static_cast<size_t>(n));
    MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    std::vector<int> offsets(static_cast<size_t>(n), 0);
    int total = 0;
    for (int r = 0; r < n; ++r) {
      offsets[static_cast<size_t>(r)] = total;
      total += lengths[static_cast<size_t>(r)];
    }
    std::string all(static_cast<size_t>(world_rank() == 0 ? total : 0), '\0');
    MPI_Gatherv(failures_.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0,
                MPI_COMM_WORLD);
    failures_.clear();
    if (world_rank() != 0) return;
    // Rank 0's own failures were already printed by gtest's printer.
    for (int r = 1; r < n; ++r) {
      const auto len = static_cast<size_t>(lengths[static_cast<size_t>(r)]);
      if (len == 0) continue;
      std::fprintf(stderr, "[  FAILED  ] %s.%s on rank %d:\n%s", info.test_suite_name(), info.name(), r,
                   all.substr(static_cast<size_t>(offsets[static_cast<size_t>(r)]), len).c_str());
    }
    std::fflush(stderr);
  }

 private:
  std::string current_test_;
  std::string failures_;
};

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  testing::InitGoogleTest(&argc, argv);

  auto& listeners = testing::UnitTest::GetInstance()->listeners();
  if (world_rank() != 0) delete listeners.Release(listeners.default_result_printer());
  listeners.Append(new RankFailureListener);

  const int local = RUN_ALL_TESTS();
  int global = 0;
  MPI_Allreduce(&local, &global, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (world_rank() == 0 && global != local) {
    std::fprintf(stderr, "[  FAILED  ] tests failed on other ranks (see above)\n");
  }
  MPI_Finalize();
  return global;
}
