// tests/mpi/test_models_gbdt.cpp: the gradient-boosted trees trained at
// np = 1..4 (1 and 2 threads) are the same bytes as rank 0's single-process
// training on all customers with 2 threads; they learn a planted non-linear
// signal with a categorical feature and informative missing values better
// than the logistic model; bad input stops every rank.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <map>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "models/gbdt.hpp"
#include "models/logistic.hpp"
#include "models/model_json.hpp"
#include "models_test_data.hpp"

namespace portrait::models {
namespace {

constexpr std::int64_t kCustomers = 12000;
constexpr std::uint32_t kBuckets = 128;

// Features: x0, x1 normal; x2 uniform; region a category 0..5; x4 missing
// for 15% (the missing ones churn more); x5 noise. Churn needs x0 high AND
// x1 low, or regions 1 and 4: a logistic model sees only part of it.
struct Interactions {
  std::vector<Bucket> bucket;
  std::vector<CustomerId> id;
  std::vector<std::vector<double>> columns = std::vector<std::vector<double>>(6);
  std::vector<std::int8_t> label;
  parallel::BucketRange range;

  CustomerRows rows() const {
    CustomerRows r{range, bucket, id, {}, {"x0", "x1", "x2", "region", "x4", "x5"}, {0, 0, 0, 1, 0, 0}};
    for (const auto& column : columns) r.features.emplace_back(column);
    return r;
  }
};

Interactions interactions(std::int64_t count, const parallel::BucketRange& range) {
  Interactions g;
  g.range = range;
  std::vector<std::pair<Bucket, CustomerId>> keys;
  for (CustomerId id = 1; id <= count; ++id) {
    if (range.contains(bucket_of(id, range.buckets))) keys.emplace_back(bucket_of(id, range.buckets), id);
  }
  std::sort(keys.begin(), keys.end());
  for (const auto& [b, id] : keys) {
    KeyedRandom random(7, static_cast<std::uint64_t>(id));
    const double x0 = testing::bell(random), x1 = testing::bell(random), x2 = random.uniform();
    const double region = static_cast<double>(random.below(6));
    const bool absent = random.uniform() < 0.15;
    const double x4 = testing::bell(random), x5 = testing::bell(random);
    const double z = -2.0 + 2.5 * (x0 > 0.3 && x1 < 0.0) + 1.8 * (region == 1 || region == 4) +
                     0.9 * std::sin(6.0 * x2) + (absent ? 1.2 : 0.4 * x4);
    g.bucket.push_back(b);
    g.id.push_back(id);
    g.columns[0].push_back(x0);
    g.columns[1].push_back(x1);
    g.columns[2].push_back(x2);
    g.columns[3].push_back(region);
    g.columns[4].push_back(absent ? missing<double>() : x4);
    g.columns[5].push_back(x5);
    const bool positive = random.uniform() < 1.0 / (1.0 + std::exp(-z));
    g.label.push_back(random.below(20) == 0 ? missing<std::int8_t>() : static_cast<std::int8_t>(positive));
  }
  return g;
}

GbdtOptions sampled_options() {
  GbdtOptions o;
  o.trees = 24;
  o.max_depth = 4;
  o.learning_rate = 0.2;
  o.subsample = 0.8;
  o.colsample = 0.7;
  o.max_bins = 32;
  o.subsets.validation_percent = 15;
  o.early_stopping_rounds = 6;
  return o;
}

void expect_same_scores(const std::vector<double>& scores, const Interactions& mine,
                        const std::vector<double>& reference, const Interactions& all) {
  std::map<CustomerId, double> by_id;
  for (std::size_t i = 0; i < all.id.size(); ++i) by_id[all.id[i]] = reference[i];
  for (std::size_t i = 0; i < mine.id.size(); ++i) {
    ASSERT_EQ(std::memcmp(&scores[i], &by_id.at(mine.id[i]), sizeof(double)), 0) << "customer " << mine.id[i];
  }
}

// The same text on every rank (compared by digest).
bool same_on_every_rank(const parallel::Comm& comm, const std::string& text) {
  std::uint64_t digest = 0;
  for (const char c : text) digest = mix64(digest ^ static_cast<unsigned char>(c));
  std::uint64_t range[2] = {digest, ~digest};
  MPI_Allreduce(MPI_IN_PLACE, range, 2, MPI_UINT64_T, MPI_MAX, comm.raw());
  return range[0] == digest && range[1] == ~digest;
}

TEST(Gbdt, SameBytesForAnyRankAndThreadCount) {
  const parallel::Comm world;
  const auto mine =
      interactions(kCustomers, parallel::even_bucket_range(kBuckets, world.size(), world.rank()));
  GbdtOptions best_first = sampled_options();
  best_first.max_leaves = 12;
  best_first.max_depth = 6;
  for (const GbdtOptions& options : {sampled_options(), best_first}) {
    const int threads = omp_get_max_threads();
    const GbdtModel one_thread = train_gbdt(world, mine.rows(), mine.label, options, "catalog-1");
    omp_set_num_threads(2);
    const GbdtModel two_threads = train_gbdt(world, mine.rows(), mine.label, options, "catalog-1");
    omp_set_num_threads(threads);
    const std::string text = gbdt_to_json(one_thread);
    EXPECT_EQ(text, gbdt_to_json(two_threads));
    EXPECT_TRUE(same_on_every_rank(world, text));
    EXPECT_GT(one_thread.trees.size(), 5U);
    EXPECT_EQ(one_thread.validation_loss.size(), static_cast<std::size_t>(one_thread.trees_trained));
    if (!world.is_root()) continue;
    const auto all = interactions(kCustomers, parallel::BucketRange{kBuckets, 0, kBuckets});
    omp_set_num_threads(2);
    const GbdtModel reference =
        train_gbdt(parallel::Comm(MPI_COMM_SELF), all.rows(), all.label, options, "catalog-1");
    omp_set_num_threads(threads);
    EXPECT_EQ(text, gbdt_to_json(reference));
    expect_same_scores(score_gbdt(one_thread, mine.rows()), mine, score_gbdt(reference, all.rows()), all);
  }
}

TEST(Gbdt, LearnsWhatTheLogisticModelMisses) {
  const parallel::Comm world;
  const auto mine =
      interactions(kCustomers, parallel::even_bucket_range(kBuckets, world.size(), world.rank()));
  GbdtOptions options;
  options.trees = 80;
  options.max_depth = 3;
  const GbdtModel trees = train_gbdt(world, mine.rows(), mine.label, options, "");
  CustomerRows numeric = mine.rows();
  numeric.categorical.clear();
  LogisticModel linear = train_logistic(world, numeric, mine.label, LogisticOptions{}, "");
  EXPECT_GT(trees.holdout.auc, linear.holdout.auc + 0.04)
      << "gbdt " << trees.holdout.auc << ", logistic " << linear.holdout.auc;
  EXPECT_GT(trees.holdout.auc, 0.8);
  // The planted features carry the gain; the noise feature little.
  const auto& gain = trees.gain_importance;
  EXPECT_GT(gain[0], gain[5] * 3);
  EXPECT_GT(gain[3], gain[5] * 3);
  // Regions 1 and 4 go together in the first split on the region.
  for (const GbdtTree& tree : trees.trees) {
    for (const GbdtNode& node : tree.nodes) {
      if (node.feature != 3) continue;
      const bool one = std::binary_search(node.categories.begin(), node.categories.end(), 1);
      const bool four = std::binary_search(node.categories.begin(), node.categories.end(), 4);
      EXPECT_EQ(one, four);
      return;
    }
  }
  ADD_FAILURE() << "no tree splits on the region";
}

TEST(Gbdt, MissingValuesLearnTheirDirection) {
  const parallel::Comm world;
  const auto mine =
      interactions(kCustomers, parallel::even_bucket_range(kBuckets, world.size(), world.rank()));
  GbdtOptions options;
  options.trees = 1;
  options.max_depth = 1;
  // Only x4 (missing for 15%, and then churning more) may be split on.
  CustomerRows rows = mine.rows();
  std::vector<std::span<const double>> only_x4{rows.features[4]};
  rows.features = only_x4;
  rows.feature_names = {"x4"};
  rows.categorical = {0};
  const GbdtModel stump = train_gbdt(world, rows, mine.label, options, "");
  ASSERT_EQ(stump.trees.size(), 1U);
  const GbdtNode& root = stump.trees[0].nodes[0];
  ASSERT_EQ(root.feature, 0);
  // Missing values join the side with the higher churn.
  const double missing_side =
      stump.trees[0].nodes[static_cast<std::size_t>(root.default_left ? root.left : root.right)].value;
  const double other_side =
      stump.trees[0].nodes[static_cast<std::size_t>(root.default_left ? root.right : root.left)].value;
  EXPECT_GT(missing_side, other_side);
}

TEST(Gbdt, EarlyStoppingKeepsTheBestTrees) {
  const parallel::Comm world;
  const auto mine =
      interactions(kCustomers, parallel::even_bucket_range(kBuckets, world.size(), world.rank()));
  GbdtOptions options;
  options.trees = 300;
  options.max_depth = 6;
  options.learning_rate = 0.5;  // overfits quickly
  options.min_child_weight = 0;
  options.lambda = 0;
  options.subsets.validation_percent = 20;
  options.early_stopping_rounds = 10;
  const GbdtModel model = train_gbdt(world, mine.rows(), mine.label, options, "");
  ASSERT_LT(model.trees_trained, 300);
  EXPECT_EQ(static_cast<std::size_t>(model.trees_trained), model.trees.size() + 10);
  const auto best = std::min_element(model.validation_loss.begin(), model.validation_loss.end());
  EXPECT_EQ(static_cast<std::size_t>(best - model.validation_loss.begin()) + 1, model.trees.size());
}

TEST(Gbdt, SavedModelScoresTheSameBits) {
  const parallel::Comm world;
  const auto mine =
      interactions(kCustomers, parallel::even_bucket_range(kBuckets, world.size(), world.rank()));
  const GbdtModel model = train_gbdt(world, mine.rows(), mine.label, sampled_options(), "catalog-2");
  const std::string text = gbdt_to_json(model);
  const GbdtModel loaded = gbdt_from_json(text, "test.json");
  EXPECT_EQ(gbdt_to_json(loaded), text);
  const std::vector<double> a = score_gbdt(model, mine.rows()), b = score_gbdt(loaded, mine.rows());
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0);
}

TEST(Gbdt, BadInputThrowsOnEveryRank) {
  const parallel::Comm world;
  auto mine = interactions(kCustomers, parallel::even_bucket_range(kBuckets, world.size(), world.rank()));
  GbdtOptions no_validation;
  no_validation.early_stopping_rounds = 5;
  EXPECT_THROW(train_gbdt(world, mine.rows(), mine.label, no_validation, ""), Error);
  GbdtOptions deep;
  deep.max_depth = 40;
  EXPECT_THROW(train_gbdt(world, mine.rows(), mine.label, deep, ""), Error);
  // A category code that is not a small whole number, on the last rank only.
  if (world.rank() == world.size() - 1 && !mine.columns[3].empty()) mine.columns[3].back() = 2.5;
  EXPECT_THROW(train_gbdt(world, mine.rows(), mine.label, GbdtOptions{}, ""), Error);
  mine = interactions(kCustomers, parallel::even_bucket_range(kBuckets, world.size(), world.rank()));
  if (world.rank() == world.size() - 1 && !mine.label.empty()) mine.label.back() = 3;
  EXPECT_THROW(train_gbdt(world, mine.rows(), mine.label, GbdtOptions{}, ""), Error);
}

}  // namespace
}  // namespace portrait::models
