// scripts/bench/raw_read.cpp: the raw-read baseline of the recompute
// benchmark (scripts/bench/recompute.sh). Reads the same HDF5 datasets as
// `portrait run` with the same read plan (engine::list_shard_files +
// engine::assign_read_units) and the same reader (io::ShardReader::read over
// each unit's row ranges of every table, in chunks of at most --chunk-rows
// rows, into one reused table per channel), and nothing else. Prints one JSON
// object: ranks, seconds (max over ranks), bytes and rows read (summed).
// Usage: mpirun -np N raw_read [--chunk-rows R] SHARD_GLOB...
// The default chunk is the run's at memory_budget_mb 8192: a round of budget
// / 8 bytes read in chunks of round / 64 rows.
#include <mpi.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/read_plan.hpp"
#include "io/shard_reader.hpp"
#include "parallel/mpi_context.hpp"

namespace {

using namespace portrait;

struct Totals {
  std::uint64_t bytes = 0;
  std::uint64_t rows = 0;
};

Totals read_units(const std::vector<engine::ShardFile>& files, const std::vector<engine::ReadUnit>& units,
                  std::uint64_t chunk_rows) {
  Totals totals;
  std::map<std::string, Table> buffers;
  std::unique_ptr<io::ShardReader> reader;
  std::uint32_t open_file = UINT32_MAX;
  for (const auto& u : units) {
    if (u.file != open_file) {
      reader = std::make_unique<io::ShardReader>(files[u.file].path);
      open_file = u.file;
    }
    for (const auto& info : reader->tables()) {
      const auto [begin, end] = engine::unit_rows(u, info.rows);
      Table& buffer = buffers[info.channel];
      for (std::uint64_t from = begin; from < end; from += chunk_rows) {
        const std::uint64_t to = std::min(end, from + chunk_rows);
        reader->read(info.channel, from, to, buffer);
        totals.bytes += buffer.byte_size();
        totals.rows += to - from;
      }
    }
  }
  return totals;
}

int run(const parallel::Comm& comm, int argc, char** argv) {
  std::uint64_t chunk_rows = (8192ULL << 20) / 8 / 64;
  std::vector<std::string> patterns;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--chunk-rows" && i + 1 < argc) {
      chunk_rows = std::max<std::uint64_t>(1, std::strtoull(argv[++i], nullptr, 10));
    } else {
      patterns.push_back(arg);
    }
  }
  if (patterns.empty()) {
    if (comm.is_root()) std::fprintf(stderr, "usage: raw_read [--chunk-rows R] SHARD_GLOB...\n");
    return 2;
  }
  const auto files = engine::list_shard_files(patterns, "raw_read");
  const auto plan = engine::assign_read_units(files, comm.size());

  MPI_Barrier(comm.raw());
  const double start = MPI_Wtime();
  const Totals mine = read_units(files, plan[static_cast<std::size_t>(comm.rank())], chunk_rows);
  double seconds = MPI_Wtime() - start;
  MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, comm.raw());
  std::uint64_t sums[2] = {mine.bytes, mine.rows};
  MPI_Allreduce(MPI_IN_PLACE, sums, 2, MPI_UINT64_T, MPI_SUM, comm.raw());
  if (comm.is_root()) {
    fmt::print("{{\"ranks\": {}, \"files\": {}, \"seconds\": {:.6f}, \"bytes\": {}, \"rows\": {}}}\n",
               comm.size(), files.size(), seconds, sums[0], sums[1]);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  portrait::parallel::MpiEnvironment mpi(&argc, &argv);
  const portrait::parallel::Comm comm;
  try {
    return run(comm, argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "raw_read: error on rank %d: %s\n", comm.rank(), e.what());
    comm.abort(1);
  }
}
