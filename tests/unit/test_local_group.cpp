// tests/unit/test_local_group.cpp: the in-process communicator (ranks on
// threads) and, over it, the distributed code at several rank counts without
// mpirun: every typed collective against a sequential computation, failures
// that stop every rank, the shuffle, the bucket-ordered reduction, the
// models (same model at every rank count) and identity resolution (against
// a single-process union-find).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "../mpi/models_test_data.hpp"
#include "core/column.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "identity/identity_resolution.hpp"
#include "identity/union_find.hpp"
#include "models/kmeans.hpp"
#include "models/logistic.hpp"
#include "models/model_json.hpp"
#include "models/rfm.hpp"
#include "parallel/bucket_reduce.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/collectives.hpp"
#include "parallel/local_group.hpp"
#include "parallel/metadata.hpp"
#include "parallel/partition.hpp"
#include "parallel/shuffle.hpp"

namespace portrait::parallel {
namespace {

constexpr int kMaxRanks = 5;

// Runs `body` at every rank count 1..kMaxRanks.
template <class Body>
void at_every_size(Body body) {
  for (int ranks = 1; ranks <= kMaxRanks; ++ranks) {
    SCOPED_TRACE("ranks " + std::to_string(ranks));
    run_local_group(ranks, [&](const Comm& comm) { body(comm); });
  }
}

// What rank 0 saw, kept by rank 0 of each run.
template <class T>
struct Collected {
  std::mutex mutex;
  std::vector<T> runs;
  void add(const Comm& comm, T value) {
    if (!comm.is_root()) return;
    std::lock_guard lock(mutex);
    runs.push_back(std::move(value));
  }
};

TEST(LocalGroup, ReductionsEqualSequentialOnes) {
  at_every_size([](const Comm& comm) {
    const auto r = static_cast<std::int64_t>(comm.rank());
    const auto n = static_cast<std::int64_t>(comm.size());
    const std::vector<std::int64_t> mine{r, -r, r * r, INT64_MAX / 8};
    const auto total = sum(comm, mine);
    EXPECT_EQ(total[0], n * (n - 1) / 2);
    EXPECT_EQ(total[1], -n * (n - 1) / 2);
    EXPECT_EQ(total[2], (n - 1) * n * (2 * n - 1) / 6);
    EXPECT_EQ(total[3], n * (INT64_MAX / 8));
    EXPECT_EQ(minimum(comm, 10.5 - static_cast<double>(r)), 10.5 - static_cast<double>(n - 1));
    EXPECT_EQ(maximum<std::uint32_t>(comm, static_cast<std::uint32_t>(r * 3)),
              static_cast<std::uint32_t>(3 * (n - 1)));
    EXPECT_EQ(sum_exact(comm, Int128{INT64_MAX} * 4), Int128{INT64_MAX} * 4 * n);
    EXPECT_EQ(exclusive_scan_sum<std::int64_t>(comm, r + 1), r * (r + 1) / 2);
  });
}

TEST(LocalGroup, GathersKeepRankOrder) {
  at_every_size([](const Comm& comm) {
    const int r = comm.rank();
    std::vector<std::int32_t> mine(static_cast<std::size_t>(r + 1), r);  // rank r gives r+1 copies of r
    std::vector<std::int64_t> counts;
    const auto all = allgatherv(comm, std::span<const std::int32_t>(mine), &counts);
    std::vector<std::int32_t> expected;
    for (int k = 0; k < comm.size(); ++k) expected.insert(expected.end(), static_cast<std::size_t>(k + 1), k);
    EXPECT_EQ(all, expected);
    EXPECT_EQ(counts.size(), static_cast<std::size_t>(comm.size()));
    const auto at_root = gatherv(comm, std::span<const std::int32_t>(mine));
    EXPECT_EQ(at_root, comm.is_root() ? expected : std::vector<std::int32_t>{});
    const auto ones = allgather(comm, r * 10);
    for (int k = 0; k < comm.size(); ++k) EXPECT_EQ(ones[static_cast<std::size_t>(k)], k * 10);
    std::string text = comm.is_root() ? std::string("from rank 0") : std::string();
    broadcast_object(comm, text);
    EXPECT_EQ(text, "from rank 0");
    const auto objects = allgather_objects(comm, std::to_string(r));
    for (int k = 0; k < comm.size(); ++k) EXPECT_EQ(objects[static_cast<std::size_t>(k)], std::to_string(k));
  });
}

TEST(LocalGroup, AlltoallDeliversEachBlockToItsRank) {
  at_every_size([](const Comm& comm) {
    std::vector<std::int64_t> send;
    for (int d = 0; d < comm.size(); ++d) send.push_back(comm.rank() * 100 + d);
    const auto got = alltoall(comm, std::span<const std::int64_t>(send));
    for (int s = 0; s < comm.size(); ++s) EXPECT_EQ(got[static_cast<std::size_t>(s)], s * 100 + comm.rank());
  });
}

TEST(LocalGroup, AFailingRankStopsEveryRank) {
  for (int ranks = 1; ranks <= kMaxRanks; ++ranks) {
    std::atomic<int> reached_after{0};
    try {
      run_local_group(ranks, [&](const Comm& comm) {
        if (comm.rank() == ranks - 1) throw std::runtime_error("rank failed on purpose");
        barrier(comm);  // the others wait here for a rank that never comes
        ++reached_after;
      });
      FAIL() << "no exception at " << ranks << " ranks";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "rank failed on purpose");
    }
    EXPECT_EQ(reached_after.load(), 0);
  }
}

TEST(LocalGroup, CollectivelyNamesTheLowestFailingRank) {
  at_every_size([](const Comm& comm) {
    try {
      collectively(comm, [&] {
        if (comm.rank() >= comm.size() / 2) throw Error("bad shard on rank " + std::to_string(comm.rank()));
      });
      ADD_FAILURE() << "collectively did not throw";
    } catch (const RankFailure& e) {
      EXPECT_EQ(e.failed_rank(), comm.size() / 2);
      EXPECT_NE(std::string(e.what()).find("bad shard on rank " + std::to_string(comm.size() / 2)),
                std::string::npos);
    }
  });
}

TEST(LocalGroup, HasNoMpiCommunicator) {
  run_local_group(2, [](const Comm& comm) { EXPECT_THROW(static_cast<void>(comm.raw()), Error); });
}

// ---- the distributed code over the group ------------------------------------

constexpr std::int64_t kRows = 5003;

TEST(LocalGroup, ShuffleDeliversEveryRowToItsOwnerOnce) {
  for (const std::size_t budget : {std::size_t{256}, std::size_t{64} << 20}) {
    at_every_size([&](const Comm& comm) {
      const BucketPartition part(64, comm.size());
      Table out("usage");
      out.add("customer_id", ColumnType::Int64);
      out.add("duration_s", ColumnType::Int32);
      for (std::int64_t g = kRows * comm.rank() / comm.size(); g < kRows * (comm.rank() + 1) / comm.size();
           ++g) {
        out.values<std::int64_t>("customer_id").push_back(1 + static_cast<std::int64_t>(mix64(g) % 997));
        out.values<std::int32_t>("duration_s").push_back(static_cast<std::int32_t>(g));
      }
      std::vector<int> dest;
      for (auto id : out.values<std::int64_t>("customer_id")) dest.push_back(part.owner_of(id));
      Table in = out.empty_like();
      Shuffle shuffle(comm, budget);
      shuffle.exchange(out, dest, in);
      for (auto id : in.values<std::int64_t>("customer_id")) EXPECT_EQ(part.owner_of(id), comm.rank());
      // Every row once: the durations are 0..kRows-1 over all ranks.
      std::vector<std::int32_t> durations = in.values<std::int32_t>("duration_s");
      const auto all = allgatherv(comm, std::span<const std::int32_t>(durations));
      std::vector<std::int32_t> sorted(all.begin(), all.end());
      std::sort(sorted.begin(), sorted.end());
      std::vector<std::int32_t> expected(static_cast<std::size_t>(kRows));
      std::iota(expected.begin(), expected.end(), 0);
      EXPECT_EQ(sorted, expected);
    });
  }
}

TEST(LocalGroup, BucketReduceIsTheSameBitsAtEveryRankCount) {
  constexpr std::uint32_t kBuckets = 256;
  std::vector<double> partials(kBuckets * 2);
  for (std::size_t i = 0; i < partials.size(); ++i)
    partials[i] = 1.0 / (1.0 + static_cast<double>(mix64(i) % 1000));
  const auto reference = tree_reduce_sequential(kBuckets, partials, 2);
  at_every_size([&](const Comm& comm) {
    const BucketRange range = even_bucket_range(kBuckets, comm.size(), comm.rank());
    const std::span<const double> mine(partials.data() + range.begin * 2, range.size() * 2);
    EXPECT_EQ(bucket_reduce(comm, range, mine, 2), reference);
  });
}

TEST(LocalGroup, ModelsAreTheSameAtEveryRankCount) {
  constexpr std::int64_t kCustomers = 3000;
  constexpr std::uint32_t kBuckets = 128;
  Collected<std::string> logistic;
  Collected<std::vector<std::int32_t>> clusters;
  Collected<std::vector<std::int8_t>> rfm;
  for (int ranks = 1; ranks <= 4; ++ranks) {
    run_local_group(ranks, [&](const Comm& comm) {
      const auto data = models::testing::generate_customers(
          kCustomers, even_bucket_range(kBuckets, comm.size(), comm.rank()), 4);
      const auto model =
          models::train_logistic(comm, data.rows(), data.label, models::LogisticOptions{}, "c");
      logistic.add(comm, models::logistic_to_json(model));
      models::KMeansOptions options;
      options.k = 3;
      const auto result = models::train_kmeans(comm, data.rows(), options);
      clusters.add(comm, allgatherv(comm, std::span<const std::int32_t>(result.cluster)));
      std::vector<std::int64_t> recency, frequency, monetary;
      for (std::size_t i = 0; i < data.id.size(); ++i) {
        recency.push_back(static_cast<std::int64_t>(mix64(static_cast<std::uint64_t>(data.id[i])) % 90));
        frequency.push_back(data.id[i] % 17);
        monetary.push_back((data.id[i] * 7919) % 100000);
      }
      const auto scores = models::score_rfm(comm, recency, frequency, monetary);
      rfm.add(comm, allgatherv(comm, std::span<const std::int8_t>(scores.level)));
    });
  }
  ASSERT_EQ(logistic.runs.size(), 4U);
  for (std::size_t k = 1; k < 4; ++k) {
    EXPECT_EQ(logistic.runs[k], logistic.runs[0]) << "logistic model at " << k + 1 << " ranks";
    EXPECT_EQ(clusters.runs[k], clusters.runs[0]) << "k-means clusters at " << k + 1 << " ranks";
    EXPECT_EQ(rfm.runs[k], rfm.runs[0]) << "RFM levels at " << k + 1 << " ranks";
  }
}

TEST(LocalGroup, IdentityResolutionEqualsUnionFind) {
  constexpr std::uint32_t kBuckets = 64;
  constexpr std::uint64_t kCustomers = 2000;
  std::vector<CustomerId> customers;
  for (std::uint64_t i = 0; i < kCustomers; ++i)
    customers.push_back(static_cast<CustomerId>(mix64(77 + i) >> 20) + 1);
  struct Link {
    CustomerId customer;
    std::uint64_t id_hash;
  };
  std::vector<Link> records;
  for (std::uint64_t k = 0; k < 1500; ++k) {
    KeyedRandom rng(5, k);
    const std::uint64_t members = 1 + rng.below(3);
    for (std::uint64_t m = 0; m < members; ++m) records.push_back({customers[rng.below(kCustomers)], 1 + k});
  }
  // The reference: every customer's person is the smallest id of its set.
  std::vector<CustomerId> sorted = customers;
  std::sort(sorted.begin(), sorted.end());
  identity::CustomerUnionFind sets(sorted);
  std::map<std::uint64_t, CustomerId> first_of;
  for (const Link& l : records) {
    const auto [it, inserted] = first_of.emplace(l.id_hash, l.customer);
    if (!inserted) sets.unite(it->second, l.customer);
  }
  const std::vector<CustomerId> persons = sets.persons();
  std::map<CustomerId, CustomerId> expected;
  for (std::size_t i = 0; i < sorted.size(); ++i) expected[sorted[i]] = persons[i];

  identity::IdentityGuards guards;
  guards.max_component_size = 1 << 20;
  for (auto& g : guards.by_type) g.max_customers = 1 << 20;
  for (int ranks = 1; ranks <= 4; ++ranks) {
    SCOPED_TRACE("ranks " + std::to_string(ranks));
    run_local_group(ranks, [&](const Comm& comm) {
      const BucketRange range = even_bucket_range(kBuckets, comm.size(), comm.rank());
      const auto owners = identity::CustomerOwners::gather(comm, kBuckets, range.begin, range.end);
      std::vector<CustomerId> mine;
      for (const CustomerId c : customers) {
        if (owners.rank_of(c) == comm.rank()) mine.push_back(c);
      }
      std::sort(mine.begin(), mine.end(), [](CustomerId a, CustomerId b) {
        return std::pair(bucket_of(a, 64), a) < std::pair(bucket_of(b, 64), b);
      });
      Table t("identity");
      for (const char* c : {"customer_id", "ts"}) t.add(c, ColumnType::Int64);
      t.add("source", ColumnType::Int8);
      t.add("id_type", ColumnType::Int8);
      t.add("id_hash", ColumnType::UInt64);
      for (std::size_t i = static_cast<std::size_t>(comm.rank()); i < records.size();
           i += static_cast<std::size_t>(comm.size())) {
        t.values<std::int64_t>("customer_id").push_back(records[i].customer);
        t.values<std::int64_t>("ts").push_back(0);
        t.values<std::int8_t>("source").push_back(0);
        t.values<std::int8_t>("id_type").push_back(0);
        t.values<std::uint64_t>("id_hash").push_back(records[i].id_hash);
      }
      const auto resolution = identity::resolve_identities(comm, t, mine, owners, guards);
      ASSERT_EQ(resolution.persons.size(), mine.size());
      for (std::size_t i = 0; i < mine.size(); ++i) EXPECT_EQ(resolution.persons[i], expected.at(mine[i]));
    });
  }
}

}  // namespace
}  // namespace portrait::parallel
