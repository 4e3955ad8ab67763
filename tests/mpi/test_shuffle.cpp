// tests/mpi/test_shuffle.cpp: the bounded shuffle delivers every row to the
// owner of its customer, loses and duplicates nothing, and gives the same
// rows with a tiny budget (many rounds) as with a large one; with groups,
// each source's rows arrive in group order.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>
#include <vector>

#include "core/column.hpp"
#include "core/hash.hpp"
#include "parallel/mpi_context.hpp"
#include "parallel/partition.hpp"
#include "parallel/shuffle.hpp"

namespace portrait::parallel {
namespace {

constexpr std::int64_t kGlobalRows = 20011;  // prime: uneven splits at every np

Table make_records() {
  Table t("usage");
  t.add("customer_id", ColumnType::Int64);
  t.add("kind", ColumnType::Int8);
  t.add("duration_s", ColumnType::Int32);
  t.add("peer", ColumnType::UInt64);
  t.add("share", ColumnType::Float64);
  return t;
}

// This rank's slice of a global record set that does not depend on np.
Table local_records(const Comm& comm) {
  Table t = make_records();
  const std::int64_t begin = kGlobalRows * comm.rank() / comm.size();
  const std::int64_t end = kGlobalRows * (comm.rank() + 1) / comm.size();
  for (std::int64_t g = begin; g < end; ++g) {
    KeyedRandom rng(11, static_cast<std::uint64_t>(g));
    t.values<std::int64_t>("customer_id").push_back(1 + static_cast<std::int64_t>(rng.below(997)));
    t.values<std::int8_t>("kind").push_back(static_cast<std::int8_t>(rng.below(3)));
    t.values<std::int32_t>("duration_s").push_back(static_cast<std::int32_t>(g));
    t.values<std::uint64_t>("peer").push_back(rng.next());
    t.values<double>("share").push_back(rng.uniform());
  }
  return t;
}

using Row = std::tuple<std::int64_t, std::int8_t, std::int32_t, std::uint64_t, double>;

std::vector<Row> rows_of(const Table& t) {
  std::vector<Row> rows;
  for (std::size_t i = 0; i < t.rows(); ++i) {
    rows.emplace_back(t.values<std::int64_t>("customer_id")[i], t.values<std::int8_t>("kind")[i],
                      t.values<std::int32_t>("duration_s")[i], t.values<std::uint64_t>("peer")[i],
                      t.values<double>("share")[i]);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::vector<Row> shuffled(const Comm& comm, std::size_t budget, ShuffleStats* stats) {
  const BucketPartition part(64, comm.size());
  const Table out = local_records(comm);
  std::vector<int> dest;
  for (auto id : out.values<std::int64_t>("customer_id")) dest.push_back(part.owner_of(id));
  Table in = out.empty_like();
  Shuffle shuffle(comm, budget);
  shuffle.exchange(out, dest, in);
  for (auto id : in.values<std::int64_t>("customer_id")) EXPECT_EQ(part.owner_of(id), comm.rank());
  *stats = shuffle.stats();
  return rows_of(in);
}

TEST(Shuffle, EveryRowReachesItsOwnerOnce) {
  const Comm world;
  ShuffleStats stats;
  const auto rows = shuffled(world, 64 << 20, &stats);
  std::int64_t received = static_cast<std::int64_t>(rows.size());
  MPI_Allreduce(MPI_IN_PLACE, &received, 1, MPI_INT64_T, MPI_SUM, world.raw());
  EXPECT_EQ(received, kGlobalRows);
  EXPECT_EQ(stats.rounds, 1u);
  // Durations are the global row numbers: none may appear twice.
  std::vector<std::int32_t> mine;
  for (const auto& r : rows) mine.push_back(std::get<2>(r));
  std::sort(mine.begin(), mine.end());
  EXPECT_EQ(std::adjacent_find(mine.begin(), mine.end()), mine.end());
}

TEST(Shuffle, TinyBudgetNeedsManyRoundsAndGivesTheSameRows) {
  const Comm world;
  ShuffleStats large_stats, tiny_stats;
  const auto large = shuffled(world, 64 << 20, &large_stats);
  const auto tiny = shuffled(world, 512, &tiny_stats);  // a few rows per round
  EXPECT_EQ(large, tiny);
  EXPECT_GT(tiny_stats.rounds, 100u);
  EXPECT_EQ(tiny_stats.rows_received, large_stats.rows_received);
}

TEST(Shuffle, WithGroupsEachSourceBlockArrivesInGroupOrder) {
  // One round: `incoming` is the sources' blocks in rank order, each sorted
  // by (bucket, original row). Durations are the global row numbers, which
  // name the source rank.
  const Comm world;
  const BucketPartition part(64, world.size());
  const Table out = local_records(world);
  std::vector<int> dest;
  std::vector<std::uint32_t> bucket;
  for (auto id : out.values<std::int64_t>("customer_id")) {
    bucket.push_back(bucket_of(id, part.buckets()));
    dest.push_back(part.owner_of_bucket(bucket.back()));
  }
  Table in = out.empty_like();
  Shuffle shuffle(world, 64 << 20);
  shuffle.exchange(out, dest, in, bucket, part.buckets());
  const auto source_of = [&](std::int64_t g) {
    int s = 0;
    while (kGlobalRows * (s + 1) / world.size() <= g) ++s;
    return s;
  };
  const auto& id = in.values<std::int64_t>("customer_id");
  const auto& row = in.values<std::int32_t>("duration_s");
  for (std::size_t i = 1; i < in.rows(); ++i) {
    const int a = source_of(row[i - 1]), b = source_of(row[i]);
    ASSERT_LE(a, b) << i;
    if (a == b) {
      EXPECT_LT(std::make_pair(bucket_of(id[i - 1], part.buckets()), row[i - 1]),
                std::make_pair(bucket_of(id[i], part.buckets()), row[i]))
          << i;
    }
  }
  // The same rows as without groups, in many rounds too.
  ShuffleStats stats;
  EXPECT_EQ(rows_of(in), shuffled(world, 64 << 20, &stats));
  Table tiny_in = out.empty_like();
  Shuffle tiny(world, 512);
  tiny.exchange(out, dest, tiny_in, bucket, part.buckets());
  EXPECT_EQ(rows_of(tiny_in), rows_of(in));
}

TEST(Shuffle, EmptyTablesOnSomeRanks) {
  const Comm world;
  Table out = make_records();
  if (world.rank() == 0) {
    out.values<std::int64_t>("customer_id") = {5, 6, 7};
    out.values<std::int8_t>("kind") = {0, 1, 2};
    out.values<std::int32_t>("duration_s") = {1, 2, 3};
    out.values<std::uint64_t>("peer") = {9, 9, 9};
    out.values<double>("share") = {0.5, 0.25, 0.125};
  }
  const BucketPartition part(16, world.size());
  std::vector<int> dest;
  for (auto id : out.values<std::int64_t>("customer_id")) dest.push_back(part.owner_of(id));
  Table in = out.empty_like();
  Shuffle shuffle(world, 1 << 20);
  shuffle.exchange(out, dest, in);
  std::int64_t total = static_cast<std::int64_t>(in.rows());
  MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_INT64_T, MPI_SUM, world.raw());
  EXPECT_EQ(total, 3);
}

}  // namespace
}  // namespace portrait::parallel
