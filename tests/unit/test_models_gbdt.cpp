// tests/unit/test_models_gbdt.cpp: the pieces of the gradient-boosted trees
// on hand-worked cases: bin codes, histograms (threads and subtraction),
// split search (numeric cut, missing direction, categorical order, the
// rules a split must meet), scoring a hand-made tree, the saved form.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "models/gbdt_split.hpp"
#include "models/model_json.hpp"

namespace portrait::models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(GbdtBins, CodesFollowTheCuts) {
  FeatureBins numeric;
  numeric.cuts = {1.0, 2.5, 7.0};
  EXPECT_EQ(numeric.bin_of(-5.0), 0);
  EXPECT_EQ(numeric.bin_of(1.0), 0);  // a value on a cut is in the lower bin
  EXPECT_EQ(numeric.bin_of(1.5), 1);
  EXPECT_EQ(numeric.bin_of(7.0), 2);
  EXPECT_EQ(numeric.bin_of(99.0), 2);  // above the last cut: the last bin
  EXPECT_EQ(numeric.bin_of(kNaN), 3);
  FeatureBins category;
  category.categorical = true;
  category.categories = 5;
  EXPECT_EQ(category.bin_of(4.0), 4);
  EXPECT_EQ(category.bin_of(kNaN), 5);
}

// Two features: a numeric one with 4 value bins, a categorical one with 3.
struct Fixture {
  std::vector<FeatureBins> bins;
  BinnedRows binned;
  Fixture() {
    bins.resize(2);
    bins[0].cuts = {1, 2, 3, 4};
    bins[1].categorical = true;
    bins[1].categories = 3;
    binned.features = 2;
    binned.offset = {0, 5, 9};
  }
};

TEST(GbdtHistogram, AnyThreadCountAndSubtractionGiveTheSameSums) {
  Fixture f;
  const std::size_t rows = 200000;
  f.binned.rows = rows;
  std::vector<GradientPair> gradient(rows);
  std::vector<std::uint32_t> all(rows), odd;
  for (std::size_t i = 0; i < rows; ++i) {
    KeyedRandom r(3, i);
    f.binned.code.push_back(static_cast<std::uint8_t>(r.below(5)));
    f.binned.code.push_back(static_cast<std::uint8_t>(r.below(4)));
    gradient[i] = {static_cast<std::int32_t>(r.below(2000)) - 1000, static_cast<std::int32_t>(r.below(1000))};
    all[i] = static_cast<std::uint32_t>(i);
    if (i % 2) odd.push_back(static_cast<std::uint32_t>(i));
  }
  const std::vector<std::uint32_t> features{0, 1};
  auto build = [&](const std::vector<std::uint32_t>& rows_of, int threads) {
    std::vector<GradientSums> out(f.binned.slots());
    HistogramScratch scratch;
    const HistogramTask task{rows_of, out};
    omp_set_num_threads(threads);
    build_histograms(f.binned, gradient, features, std::span<const HistogramTask>(&task, 1), scratch);
    return out;
  };
  const auto one = build(all, 1);
  EXPECT_EQ(one, build(all, 2));
  EXPECT_EQ(one, build(all, 4));
  // By hand, slot by slot.
  std::vector<GradientSums> expected(f.binned.slots());
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < 2; ++j) {
      expected[f.binned.offset[j] + f.binned.code[i * 2 + j]] += {gradient[i].g, gradient[i].h};
    }
  }
  EXPECT_EQ(one, expected);
  std::vector<std::uint32_t> even;
  for (std::size_t i = 0; i < rows; i += 2) even.push_back(static_cast<std::uint32_t>(i));
  std::vector<GradientSums> derived(f.binned.slots());
  subtract_histogram(one, build(odd, 2), derived);
  EXPECT_EQ(derived, build(even, 1));
}

GradientSums sums_of(std::span<const GradientSums> slots) {
  GradientSums s;
  for (const auto& x : slots) s += x;
  return s;
}

TEST(GbdtSplit, NumericCutAndMissingDirection) {
  Fixture f;
  // Feature 0: bins 0-1 negative gradients, 2-3 positive; the missing rows
  // are positive too, so they go right with bins 2-3. Feature 1 is empty.
  std::vector<GradientSums> histogram(f.binned.slots());
  histogram[0] = {-40, 10};
  histogram[1] = {-30, 10};
  histogram[2] = {35, 10};
  histogram[3] = {25, 10};
  histogram[4] = {20, 5};  // missing
  const GradientSums node = sums_of(std::span(histogram).subspan(0, 5));
  SplitRule rule;
  const std::vector<std::uint32_t> features{0, 1};
  const NodeSplit split = best_split(histogram, f.binned, f.bins, features, node, rule);
  ASSERT_TRUE(split.valid);
  EXPECT_EQ(split.feature, 0U);
  EXPECT_EQ(split.bin, 1);
  EXPECT_FALSE(split.default_left);
  EXPECT_EQ(split.left, (GradientSums{-70, 20}));
  EXPECT_EQ(split.right, (GradientSums{80, 25}));
  const double gain = 70.0 * 70 / 21 + 80.0 * 80 / 26 - 10.0 * 10 / 46;
  EXPECT_DOUBLE_EQ(split.gain, gain);
  // Missing rows that look like the left side go left.
  histogram[4] = {-20, 5};
  const NodeSplit left =
      best_split(histogram, f.binned, f.bins, features, sums_of(std::span(histogram).subspan(0, 5)), rule);
  EXPECT_EQ(left.bin, 1);
  EXPECT_TRUE(left.default_left);
  EXPECT_TRUE(left.goes_left(f.bins[0].missing_bin(), f.bins[0]));
  EXPECT_TRUE(left.goes_left(1, f.bins[0]));
  EXPECT_FALSE(left.goes_left(2, f.bins[0]));
}

TEST(GbdtSplit, RulesAChildMustMeet) {
  Fixture f;
  std::vector<GradientSums> histogram(f.binned.slots());
  histogram[0] = {-40, 2};
  histogram[3] = {40, 30};
  const GradientSums node = sums_of(std::span(histogram).subspan(0, 5));
  const std::vector<std::uint32_t> features{0};
  SplitRule rule;
  EXPECT_TRUE(best_split(histogram, f.binned, f.bins, features, node, rule).valid);
  rule.min_child_weight = 3;  // the left child holds hessian 2
  EXPECT_FALSE(best_split(histogram, f.binned, f.bins, features, node, rule).valid);
  rule.min_child_weight = 1;
  rule.gamma = 1e6;  // no split gains that much
  EXPECT_FALSE(best_split(histogram, f.binned, f.bins, features, node, rule).valid);
  // Units scale the integer sums: hessians x 0.25 put the left child below 1.
  rule.gamma = 0;
  rule.h_unit = 0.25;
  EXPECT_FALSE(best_split(histogram, f.binned, f.bins, features, node, rule).valid);
}

TEST(GbdtSplit, CategoriesOrderedByWeight) {
  Fixture f;
  // Categories 0 and 2 lean negative, 1 positive: {0, 2} against {1}.
  std::vector<GradientSums> histogram(f.binned.slots());
  histogram[5] = {-30, 10};
  histogram[6] = {50, 10};
  histogram[7] = {-25, 10};
  const GradientSums node = sums_of(std::span(histogram).subspan(5, 4));
  const std::vector<std::uint32_t> features{1};
  const NodeSplit split = best_split(histogram, f.binned, f.bins, features, node, SplitRule{});
  ASSERT_TRUE(split.valid);
  EXPECT_EQ(split.feature, 1U);
  // The prefix of the order (the highest leaf weights -G / (H + lambda)
  // first) goes left: {0, 2}.
  EXPECT_TRUE(split.goes_left(0, f.bins[1]));
  EXPECT_TRUE(split.goes_left(2, f.bins[1]));
  EXPECT_FALSE(split.goes_left(1, f.bins[1]));
  EXPECT_EQ(split.left, (GradientSums{-55, 20}));
}

GbdtModel hand_model() {
  GbdtModel model;
  model.features = {"minutes", "region"};
  model.categorical = {0, 1};
  model.base_margin = -1.0;
  GbdtTree tree;
  tree.nodes.resize(5);
  tree.nodes[0] = {0, 100.0, true, 1, 2, 0, 5, 40, {}};
  tree.nodes[1] = {-1, 0, false, -1, -1, -0.25, 0, 20, {}};
  tree.nodes[2] = {1, 0, false, 3, 4, 0, 2, 20, {2, 5}};
  tree.nodes[3] = {-1, 0, false, -1, -1, 0.75, 0, 8, {}};
  tree.nodes[4] = {-1, 0, false, -1, -1, 0.125, 0, 12, {}};
  model.trees = {tree, tree};
  model.trees[1].nodes[0].threshold = -std::numeric_limits<double>::infinity();
  model.gain_importance = {10, 4};
  model.split_count = {2, 2};
  return model;
}

TEST(GbdtScore, WalksEveryTreeFromTheRawValues) {
  const GbdtModel model = hand_model();
  const std::vector<double> minutes{50, 100, 150, kNaN, 150};
  const std::vector<double> region{0, 2, 5, 5, kNaN};
  const std::vector<Bucket> bucket(minutes.size(), 0);
  CustomerRows rows{parallel::BucketRange{}, bucket,         {},
                    {minutes, region},       model.features, model.categorical};
  const std::vector<double> margins = gbdt_margins(model, rows);
  // Tree 2 sends every present value right (threshold -inf), missing left.
  EXPECT_DOUBLE_EQ(margins[0], -1.0 - 0.25 + 0.125);  // left; right, region 0 not in {2, 5}
  EXPECT_DOUBLE_EQ(margins[1], -1.0 - 0.25 + 0.75);   // 100 <= 100 left; right, region 2
  EXPECT_DOUBLE_EQ(margins[2], -1.0 + 0.75 + 0.75);
  EXPECT_DOUBLE_EQ(margins[3], -1.0 - 0.25 - 0.25);    // missing goes left
  EXPECT_DOUBLE_EQ(margins[4], -1.0 + 0.125 + 0.125);  // missing region goes right
  const std::vector<double> scores = score_gbdt(model, rows);
  EXPECT_DOUBLE_EQ(scores[2], 1.0 / (1.0 + std::exp(-0.5)));
  CustomerRows swapped = rows;
  swapped.feature_names = {"region", "minutes"};
  EXPECT_THROW(gbdt_margins(model, swapped), Error);
}

TEST(GbdtJson, RoundTripsAndRefusesDamage) {
  GbdtModel model = hand_model();
  model.validation_loss = {0.5, 1.0 / 3.0};
  model.trees_trained = 2;
  model.holdout = BinaryMetrics{1000, 140, 0.5, 0.9123456789, 0.7114, 0.6244, 4.5, 7.0, 6.0, 0.3};
  model.holdout.calibration.push_back(CalibrationBin{100, 60, 0.55});
  const std::string text = gbdt_to_json(model);
  const GbdtModel back = gbdt_from_json(text, "memory");
  EXPECT_EQ(gbdt_to_json(back), text);
  EXPECT_EQ(back.trees[0].nodes[2].categories, (std::vector<std::int32_t>{2, 5}));
  EXPECT_TRUE(std::isinf(back.trees[1].nodes[0].threshold));
  EXPECT_EQ(back.holdout.calibration, model.holdout.calibration);
  EXPECT_NE(text.find("\"share\""), std::string::npos);

  std::string damaged = text;
  const std::string child = "\"left\": [\n        1,";
  ASSERT_NE(damaged.find(child), std::string::npos);
  damaged.replace(damaged.find(child), child.size(), "\"left\": [\n        0,");
  EXPECT_THROW(gbdt_from_json(damaged, "damaged.json"), Error);
  EXPECT_THROW(gbdt_from_json("{\"format\": \"portrait-logistic-1\"}", "other.json"), Error);
  EXPECT_THROW(gbdt_from_json("{", "cut.json"), Error);
}

}  // namespace
}  // namespace portrait::models
