// tests/mpi/test_checkpoint.cpp: checkpoints written by np ranks are read
// back by np ranks and by one rank alone (another rank count): every row of
// every table comes back exactly once, in (bucket, customer_id) order, and
// the accounting adds up to the saved one; a damaged column and another
// computation's fingerprint are refused on every rank.
#include <gtest/gtest.h>
#include <mpi.h>

#include <unistd.h>
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/hash.hpp"
#include "engine/checkpoint.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/metadata.hpp"

namespace portrait::engine {
namespace {

constexpr std::uint32_t kBuckets = 64;
constexpr std::int64_t kCustomers = 3001;

// Customers of `range` in bucket order, with values from the id only; and
// two records per customer with an even id.
std::pair<Table, Table> make(const parallel::BucketRange& range) {
  std::vector<std::pair<Bucket, CustomerId>> ids;
  for (CustomerId id = 1; id <= kCustomers; ++id) {
    if (range.contains(bucket_of(id, kBuckets))) ids.emplace_back(bucket_of(id, kBuckets), id);
  }
  std::sort(ids.begin(), ids.end());
  Table customers("customers"), records("usage");
  auto& cid = customers.add("customer_id", ColumnType::Int64).values<std::int64_t>();
  auto& score = customers.add("score", ColumnType::Float64).values<double>();
  auto& rid = records.add("customer_id", ColumnType::Int64).values<std::int64_t>();
  auto& bytes = records.add("bytes", ColumnType::Int32).values<std::int32_t>();
  for (const auto& [b, id] : ids) {
    cid.push_back(id);
    score.push_back(static_cast<double>(id) / 7.0);
    for (int k = 0; id % 2 == 0 && k < 2; ++k) {
      rid.push_back(id);
      bytes.push_back(static_cast<std::int32_t>(id * 10 + k));
    }
  }
  return {std::move(customers), std::move(records)};
}

std::filesystem::path shared_dir(const parallel::Comm& comm, const std::string& name) {
  std::string dir;
  if (comm.is_root()) {
    dir = (std::filesystem::temp_directory_path() /
           ("portrait_test_checkpoint_" + name + "_" + std::to_string(::getpid())))
              .string();
    std::filesystem::remove_all(dir);
  }
  parallel::broadcast_object(comm, dir);
  return dir;
}

Accounting saved_accounting(const parallel::Comm& comm) {
  Accounting a({"customers", "usage"});
  a.channel(0).read = 100 + comm.rank();
  a.channel(0).used = 90 + comm.rank();
  a.channel(0).quarantined[1] = 10;
  a.channel(1).read = 7;
  a.channel(1).used = 7;
  return a;
}

void expect_tables_of(const parallel::BucketRange& range,
                      const std::vector<std::pair<std::string, Table>>& got) {
  const auto [customers, records] = make(range);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].first, "customers");
  EXPECT_EQ(got[1].first, "usage");
  EXPECT_EQ(got[0].second.values<std::int64_t>("customer_id"), customers.values<std::int64_t>("customer_id"));
  EXPECT_EQ(got[0].second.values<double>("score"), customers.values<double>("score"));
  EXPECT_EQ(got[1].second.values<std::int64_t>("customer_id"), records.values<std::int64_t>("customer_id"));
  EXPECT_EQ(got[1].second.values<std::int32_t>("bytes"), records.values<std::int32_t>("bytes"));
}

TEST(Checkpoint, ReadBackAtThisAndAnotherRankCount) {
  const parallel::Comm world;
  const auto dir = shared_dir(world, "roundtrip");
  const nlohmann::json fingerprint = {{"period", "2026-10"}};
  const Checkpoints checkpoints(dir, fingerprint, kBuckets);
  const auto range = parallel::even_bucket_range(kBuckets, world.size(), world.rank());
  const auto [customers, records] = make(range);
  checkpoints.save(world, CheckpointStage::kGrouped, range, {{"customers", &customers}, {"usage", &records}},
                   saved_accounting(world), {{"models", 3}});

  const auto info = checkpoints.latest(world);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->stage, CheckpointStage::kGrouped);
  EXPECT_EQ(info->ranks, world.size());
  EXPECT_EQ(info->shared.at("models"), 3);
  Accounting back({"customers", "usage"});
  expect_tables_of(range, checkpoints.restore(world, *info, range, back));
  const Accounting total = back.global(world), expected = saved_accounting(world).global(world);
  EXPECT_EQ(total.to_json(), expected.to_json());

  // One rank alone reads what every rank wrote.
  MPI_Comm alone_raw;
  MPI_Comm_split(MPI_COMM_WORLD, world.rank(), 0, &alone_raw);
  {
    const parallel::Comm alone(alone_raw);
    if (world.is_root()) {
      const parallel::BucketRange all{kBuckets, 0, kBuckets};
      Accounting one({"customers", "usage"});
      expect_tables_of(all, checkpoints.restore(alone, *info, all, one));
      EXPECT_EQ(one.to_json(), expected.to_json());
    }
  }
  MPI_Comm_free(&alone_raw);
  MPI_Barrier(MPI_COMM_WORLD);
  checkpoints.remove(world);
  EXPECT_FALSE(checkpoints.latest(world).has_value());
}

TEST(Checkpoint, DamageAndOtherComputationsAreRefusedEverywhere) {
  const parallel::Comm world;
  const auto dir = shared_dir(world, "refused");
  const Checkpoints checkpoints(dir, {{"period", "2026-10"}}, kBuckets);
  const auto range = parallel::even_bucket_range(kBuckets, world.size(), world.rank());
  const auto [customers, records] = make(range);
  checkpoints.save(world, CheckpointStage::kTagged, range, {{"customers", &customers}, {"usage", &records}},
                   saved_accounting(world), nlohmann::json::object());

  const Checkpoints other(dir, {{"period", "2026-11"}}, kBuckets);
  try {
    other.latest(world);
    ADD_FAILURE() << "a checkpoint of another month was accepted";
  } catch (const parallel::RankFailure& e) {
    EXPECT_NE(std::string(e.what()).find("it differs in: period"), std::string::npos) << e.what();
  }

  // Flip one byte of the last rank's last column.
  const auto info = checkpoints.latest(world);
  ASSERT_TRUE(info.has_value());
  if (world.is_root()) {
    const auto path = std::filesystem::path(dir) / "tagged" / info->files.back().name;
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(-1, std::ios::end);
    const char c = static_cast<char>(f.get());
    f.seekp(-1, std::ios::end);
    f.put(static_cast<char>(c ^ 0x21));
  }
  MPI_Barrier(MPI_COMM_WORLD);
  Accounting back({"customers", "usage"});
  try {
    checkpoints.restore(world, *info, range, back);
    ADD_FAILURE() << "a damaged checkpoint was restored";
  } catch (const parallel::RankFailure& e) {
    EXPECT_NE(std::string(e.what()).find("does not match its checksum"), std::string::npos) << e.what();
  }
  checkpoints.remove(world);
}

}  // namespace
}  // namespace portrait::engine
