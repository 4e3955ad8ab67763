// tests/mpi/test_checkpoint_full_disk.cpp: a checkpoint that cannot be
// written (the disk full on one rank, here a file size limit there) stops
// every rank with one error and leaves nothing on disk: no `.ckpt.tmp`, no
// rank file of the incomplete stage, while an earlier complete stage stays.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>

#include "core/hash.hpp"
#include "engine/checkpoint.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/metadata.hpp"

namespace portrait::engine {
namespace {

constexpr std::uint32_t kBuckets = 64;

// A customers table of `range` large enough to pass a 64 KiB file limit.
Table customers_of(const parallel::BucketRange& range) {
  std::vector<std::pair<Bucket, CustomerId>> ids;
  for (CustomerId id = 1; id <= 40000; ++id) {
    if (range.contains(bucket_of(id, kBuckets))) ids.emplace_back(bucket_of(id, kBuckets), id);
  }
  std::sort(ids.begin(), ids.end());
  Table customers("customers");
  auto& cid = customers.add("customer_id", ColumnType::Int64).values<std::int64_t>();
  for (const auto& [b, id] : ids) cid.push_back(id);
  return customers;
}

std::size_t files_under(const std::filesystem::path& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); ++it) {
    n += it->is_regular_file() ? 1 : 0;
  }
  return n;
}

TEST(CheckpointFullDisk, FailedStageLeavesNoFilesAndEveryRankStops) {
  const parallel::Comm comm;
  std::string dir;
  if (comm.is_root()) {
    dir = (std::filesystem::temp_directory_path() / ("portrait_test_ckpt_full_" + std::to_string(::getpid())))
              .string();
    std::filesystem::remove_all(dir);
  }
  parallel::broadcast_object(comm, dir);
  const parallel::BucketPartition partition(kBuckets, comm.size());
  const parallel::BucketRange range = partition.range_of(comm.rank());
  const Table customers = customers_of(range);
  const Checkpoints checkpoints(dir, {{"run", 1}}, kBuckets);
  const Accounting accounting({"customers"});
  checkpoints.save(comm, CheckpointStage::kGrouped, range, {{"customers", &customers}}, accounting, {});
  const std::size_t grouped_files = comm.is_root() ? files_under(dir) : 0;

  // The last rank may write 4 KiB per file: its rank file of the next stage fails.
  const bool limited = comm.rank() == comm.size() - 1;
  rlimit before{};
  getrlimit(RLIMIT_FSIZE, &before);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  if (limited) {
    rlimit small = before;
    small.rlim_cur = 4096;
    setrlimit(RLIMIT_FSIZE, &small);
  }
  std::string message;
  try {
    checkpoints.save(comm, CheckpointStage::kTagged, range, {{"customers", &customers}}, accounting, {});
  } catch (const parallel::RankFailure& e) {
    message = e.what();
  }
  if (limited) setrlimit(RLIMIT_FSIZE, &before);
  std::signal(SIGXFSZ, old_handler);

  EXPECT_NE(message.find("cannot write the checkpoint"), std::string::npos) << message;
  MPI_Barrier(comm.raw());
  if (comm.is_root()) {
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(dir) / "tagged"));
    EXPECT_EQ(files_under(dir), grouped_files);  // the complete grouped stage is untouched
  }
  const auto latest = checkpoints.latest(comm);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->stage, CheckpointStage::kGrouped);
  checkpoints.remove(comm);
}

}  // namespace
}  // namespace portrait::engine
