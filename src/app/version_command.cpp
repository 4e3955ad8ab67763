// src/app/version_command.cpp: `portrait version`: versions of portrait and
// its libraries, then, gathered from every rank, where each rank runs and how
// many OpenMP threads it has (a quick check of a batch allocation).
#include <omp.h>

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "core/version.hpp"
#include "parallel/collectives.hpp"

namespace portrait::app {
namespace {

int run_version(const parallel::Comm& comm) {
  // Fixed-size records keep the gather to one collective.
  constexpr int kHostLen = 64;
  struct RankInfo {
    char host[kHostLen];
    int threads;
  };
  RankInfo mine{};
  const std::string host = parallel::processor_name();
  host.copy(mine.host, kHostLen - 1);
  mine.threads = omp_get_max_threads();

  const std::vector<RankInfo> all = parallel::gatherv(comm, std::span<const RankInfo>(&mine, 1));
  if (!comm.is_root()) return 0;

  for (const auto& [component, version] : build_versions()) {
    std::printf("%-14s %s\n", component.c_str(), version.c_str());
  }
  std::printf("%-14s %d\n", "ranks", comm.size());
  for (int r = 0; r < comm.size(); ++r) {
    std::printf("rank %-9d host %s, %d OpenMP thread(s)\n", r, all[static_cast<size_t>(r)].host,
                all[static_cast<size_t>(r)].threads);
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

void add_version_command(CLI::App& app, const parallel::Comm& comm, int& exit_code) {
  auto* sub = app.add_subcommand(
      "version", "Print versions of portrait and its libraries, and each rank's host and threads");
  sub->callback([&comm, &exit_code] { exit_code = run_version(comm); });
}

}  // namespace portrait::app
