// tests/mpi/test_models_logistic.cpp: the churn model trained at np = 1..4
// is the same bits as rank 0's single-process training on all customers with
// another thread count, finds the planted signal, and bad labels stop every rank.
#include <gtest/gtest.h>
#include <omp.h>

#include <cstring>
#include <map>

#include "core/error.hpp"
#include "models/logistic.hpp"
#include "models/model_json.hpp"
#include "models_test_data.hpp"

namespace portrait::models {
namespace {

constexpr std::int64_t kCustomers = 20000;
constexpr std::uint32_t kBuckets = 256;
constexpr std::size_t kDimension = 6;

TEST(Logistic, SameBitsForAnyRankAndThreadCount) {
  const parallel::Comm world;
  const auto mine = testing::generate_customers(
      kCustomers, parallel::even_bucket_range(kBuckets, world.size(), world.rank()), kDimension);
  const LogisticModel model = train_logistic(world, mine.rows(), mine.label, LogisticOptions{}, "catalog-1");
  const std::vector<double> scores = score_logistic(model, mine.rows());

  EXPECT_TRUE(model.converged);
  EXPECT_LT(model.iterations, 30);
  EXPECT_GT(model.holdout.auc, 0.75);  // the planted signal is strong
  EXPECT_GT(model.holdout.count, kCustomers / 10);

  if (!world.is_root()) return;
  const auto all =
      testing::generate_customers(kCustomers, parallel::BucketRange{kBuckets, 0, kBuckets}, kDimension);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(3);
  const LogisticModel reference =
      train_logistic(parallel::Comm(MPI_COMM_SELF), all.rows(), all.label, LogisticOptions{}, "catalog-1");
  const std::vector<double> reference_scores = score_logistic(reference, all.rows());
  omp_set_num_threads(threads);
  // The JSON holds every double in its unique shortest exact form.
  EXPECT_EQ(logistic_to_json(model), logistic_to_json(reference));
  std::map<CustomerId, double> by_id;
  for (std::size_t i = 0; i < all.id.size(); ++i) by_id[all.id[i]] = reference_scores[i];
  for (std::size_t i = 0; i < mine.id.size(); ++i) {
    ASSERT_EQ(std::memcmp(&scores[i], &by_id.at(mine.id[i]), sizeof(double)), 0) << "customer " << mine.id[i];
  }
}

TEST(Logistic, PenaltyFollowsC) {
  // Smaller C (stronger penalty) shrinks the weights.
  const parallel::Comm world;
  const auto mine = testing::generate_customers(
      kCustomers, parallel::even_bucket_range(kBuckets, world.size(), world.rank()), kDimension);
  LogisticOptions strong;
  strong.c = 1e-4;
  const LogisticModel loose = train_logistic(world, mine.rows(), mine.label, LogisticOptions{}, "");
  const LogisticModel tight = train_logistic(world, mine.rows(), mine.label, strong, "");
  double loose_norm = 0, tight_norm = 0;
  for (std::size_t j = 0; j < kDimension; ++j) {
    loose_norm += loose.weights[j] * loose.weights[j];
    tight_norm += tight.weights[j] * tight.weights[j];
  }
  EXPECT_LT(tight_norm, 0.5 * loose_norm);
}

TEST(Logistic, PropensityLevelsFollowThresholds) {
  LogisticModel model;
  model.options.level_high = 0.6;
  model.options.level_medium = 0.3;
  const std::vector<double> scores{0.05, 0.3, 0.59, 0.6, 0.99};
  const std::vector<PropensityLevel> levels = propensity_levels(model, scores);
  const std::vector<PropensityLevel> expected{PropensityLevel::Low, PropensityLevel::Medium,
                                              PropensityLevel::Medium, PropensityLevel::High,
                                              PropensityLevel::High};
  EXPECT_EQ(levels, expected);
  EXPECT_EQ(to_string(PropensityLevel::High), "high");
}

TEST(Logistic, BadLabelOnOneRankThrowsOnEveryRank) {
  const parallel::Comm world;
  auto mine = testing::generate_customers(
      kCustomers, parallel::even_bucket_range(kBuckets, world.size(), world.rank()), kDimension);
  if (world.rank() == world.size() - 1) mine.label.back() = 3;
  EXPECT_THROW(train_logistic(world, mine.rows(), mine.label, LogisticOptions{}, ""), Error);
}

TEST(Logistic, RowsOutOfBucketOrderThrowOnEveryRank) {
  const parallel::Comm world;
  auto mine = testing::generate_customers(
      kCustomers, parallel::even_bucket_range(kBuckets, world.size(), world.rank()), kDimension);
  if (world.is_root()) std::swap(mine.bucket.front(), mine.bucket.back());
  EXPECT_THROW(train_logistic(world, mine.rows(), mine.label, LogisticOptions{}, ""), Error);
}

TEST(Logistic, OneClassThrowsOnEveryRank) {
  const parallel::Comm world;
  auto mine = testing::generate_customers(
      kCustomers, parallel::even_bucket_range(kBuckets, world.size(), world.rank()), kDimension);
  for (auto& y : mine.label) y = is_missing(y) ? y : std::int8_t{0};
  EXPECT_THROW(train_logistic(world, mine.rows(), mine.label, LogisticOptions{}, ""), Error);
}

}  // namespace
}  // namespace portrait::models
