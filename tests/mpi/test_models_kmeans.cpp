// tests/mpi/test_models_kmeans.cpp: k-means at np = 1..4 is the same bits as
// rank 0's single-process run on all customers with another thread count,
// from k-means++ seeding and from given centres with an empty cluster.
#include <gtest/gtest.h>
#include <omp.h>

#include <cstring>
#include <map>

#include "core/error.hpp"
#include "models/kmeans.hpp"
#include "models_test_data.hpp"

namespace portrait::models {
namespace {

constexpr std::int64_t kCustomers = 12000;
constexpr std::uint32_t kBuckets = 128;
constexpr std::size_t kDimension = 4;

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// Runs `train` on the world and, on rank 0, on MPI_COMM_SELF over every
// customer with three threads; compares everything bit for bit.
template <class Train>
void expect_same_as_single_process(Train train) {
  const parallel::Comm world;
  const auto mine = testing::generate_customers(
      kCustomers, parallel::even_bucket_range(kBuckets, world.size(), world.rank()), kDimension);
  const KMeansResult result = train(world, mine.rows());
  std::int64_t total = 0;
  for (std::size_t c = 0; c < result.k; ++c) {
    total += result.sizes[c];
    EXPECT_GT(result.sizes[c], 0) << "cluster " << c;
    if (c > 0) {
      EXPECT_GE(result.sizes[c - 1], result.sizes[c]) << "ids are ordered by size";
    }
  }
  EXPECT_EQ(total, kCustomers);
  EXPECT_TRUE(result.converged);
  if (!world.is_root()) return;

  const auto all =
      testing::generate_customers(kCustomers, parallel::BucketRange{kBuckets, 0, kBuckets}, kDimension);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(3);
  const KMeansResult reference = train(parallel::Comm(MPI_COMM_SELF), all.rows());
  omp_set_num_threads(threads);
  EXPECT_TRUE(same_bits(result.initial_centres, reference.initial_centres));
  EXPECT_TRUE(same_bits(result.centres, reference.centres));
  EXPECT_TRUE(same_bits({result.inertia}, {reference.inertia}));
  EXPECT_EQ(result.sizes, reference.sizes);
  EXPECT_EQ(result.iterations, reference.iterations);
  std::map<CustomerId, std::int32_t> by_id;
  for (std::size_t i = 0; i < all.id.size(); ++i) by_id[all.id[i]] = reference.cluster[i];
  for (std::size_t i = 0; i < mine.id.size(); ++i) {
    ASSERT_EQ(result.cluster[i], by_id.at(mine.id[i])) << "customer " << mine.id[i];
  }
}

TEST(KMeans, SeededRunIsTheSameForAnyRankAndThreadCount) {
  expect_same_as_single_process([](const parallel::Comm& comm, const CustomerRows& rows) {
    return train_kmeans(comm, rows, KMeansOptions{});
  });
}

TEST(KMeans, EmptyClusterIsReseededTheSameWay) {
  // Two centres far outside the data: both start empty.
  std::vector<double> centres{0, 0, 0, 0, 1, 1, 0, 0, 100, 100, 100, 100, -1, 0, 1, 0, -100, 0, 0, 0};
  expect_same_as_single_process([&](const parallel::Comm& comm, const CustomerRows& rows) {
    return train_kmeans_from(comm, rows, KMeansOptions{}, centres);
  });
}

TEST(KMeans, DifferentSeedsGiveDifferentStarts) {
  const parallel::Comm world;
  const auto mine = testing::generate_customers(
      kCustomers, parallel::even_bucket_range(kBuckets, world.size(), world.rank()), kDimension);
  KMeansOptions other;
  other.seed = 7;
  EXPECT_FALSE(same_bits(train_kmeans(world, mine.rows(), KMeansOptions{}).initial_centres,
                         train_kmeans(world, mine.rows(), other).initial_centres));
}

TEST(KMeans, MoreClustersThanCustomersThrowsOnEveryRank) {
  const parallel::Comm world;
  const auto mine = testing::generate_customers(
      3, parallel::even_bucket_range(kBuckets, world.size(), world.rank()), kDimension);
  KMeansOptions options;
  options.k = 5;
  EXPECT_THROW(train_kmeans(world, mine.rows(), options), Error);
}

TEST(KMeans, WrongCentreCountThrows) {
  const parallel::Comm world;
  const auto mine = testing::generate_customers(
      kCustomers, parallel::even_bucket_range(kBuckets, world.size(), world.rank()), kDimension);
  const std::vector<double> centres(7, 0.0);
  EXPECT_THROW(train_kmeans_from(world, mine.rows(), KMeansOptions{}, centres), Error);
}

}  // namespace
}  // namespace portrait::models
