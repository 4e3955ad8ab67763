// tests/mpi/test_models_comparison.cpp: champion and challenger at np =
// 1..4: every candidate measured on the same validation and holdout
// customers as one process measures them, the champion chosen by the named
// metric (ties to the earlier candidate), the table's CSV forms, and no
// validation customers stopping every rank.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/enum_names.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "models/model_comparison.hpp"
#include "parallel/partition.hpp"

namespace portrait::models {
namespace {

constexpr std::int64_t kCustomers = 5000;
constexpr std::uint32_t kBuckets = 64;

struct Scored {
  std::vector<CustomerId> id;
  std::vector<std::int8_t> label;
  std::vector<std::vector<double>> score = std::vector<std::vector<double>>(3);
};

// Candidate 0 sees the truth through some noise, 1 through more, 2 is the
// overconfident copy of 0 (same order, so the same AUC, worse log loss).
Scored scored(const parallel::BucketRange& range) {
  Scored s;
  for (CustomerId c = 1; c <= kCustomers; ++c) {
    if (!range.contains(bucket_of(c, kBuckets))) continue;
    KeyedRandom random(5, static_cast<std::uint64_t>(c));
    const double truth = random.uniform();
    s.id.push_back(c);
    s.label.push_back(random.below(10) == 0 ? missing<std::int8_t>()
                                            : static_cast<std::int8_t>(random.uniform() < truth));
    const double good = std::clamp(truth + 0.2 * (random.uniform() - 0.5), 0.01, 0.99);
    s.score[0].push_back(good);
    s.score[1].push_back(std::clamp(truth + 0.9 * (random.uniform() - 0.5), 0.01, 0.99));
    s.score[2].push_back(good > 0.5 ? 0.999 - (1 - good) * 1e-3 : good * 1e-3);
  }
  return s;
}

std::vector<CandidateScores> candidates(const Scored& s) {
  return {{"logistic", "logistic", s.score[0]},
          {"gbdt_shallow", "gbdt", s.score[1]},
          {"gbdt_deep", "gbdt", s.score[2]}};
}

TEST(ModelComparison, SameMetricsAsOneProcessAndTheChampion) {
  const parallel::Comm world;
  const Scored mine = scored(parallel::even_bucket_range(kBuckets, world.size(), world.rank()));
  SubsetRule rule;
  rule.validation_percent = 30;
  const auto list = candidates(mine);
  const ModelComparison by_auc =
      compare_candidates(world, mine.id, mine.label, rule, list, catalog::ModelMetric::Auc, 0.5);
  ASSERT_EQ(by_auc.candidates.size(), 3U);
  // 0 and 2 rank customers alike: the tie goes to the earlier.
  EXPECT_EQ(by_auc.candidates[0].validation.auc, by_auc.candidates[2].validation.auc);
  EXPECT_EQ(by_auc.champion, 0U);
  const ModelComparison by_loss =
      compare_candidates(world, mine.id, mine.label, rule, list, catalog::ModelMetric::LogLoss, 0.5);
  EXPECT_EQ(by_loss.champion, 0U);
  EXPECT_GT(by_loss.candidates[2].validation.log_loss, by_loss.candidates[0].validation.log_loss);

  // One process over all customers, measured directly.
  const Scored all = scored(parallel::BucketRange{kBuckets, 0, kBuckets});
  for (std::size_t k = 0; k < 3; ++k) {
    std::vector<ScoredLabel> validation, holdout;
    for (std::size_t i = 0; i < all.id.size(); ++i) {
      if (is_missing(all.label[i])) continue;
      const Subset subset = rule.of(all.id[i]);
      if (subset == Subset::Training) continue;
      (subset == Subset::Validation ? validation : holdout)
          .push_back({all.score[k][i], all.id[i], all.label[i]});
    }
    const BinaryMetrics v = binary_metrics(validation, 0.5), h = binary_metrics(holdout, 0.5);
    EXPECT_EQ(by_auc.candidates[k].validation.auc, v.auc);
    EXPECT_EQ(by_auc.candidates[k].validation.log_loss, v.log_loss);
    EXPECT_EQ(by_auc.candidates[k].holdout.count, h.count);
    EXPECT_EQ(by_auc.candidates[k].holdout.lift_top_5_percent, h.lift_top_5_percent);
    EXPECT_EQ(by_auc.candidates[k].holdout.calibration, h.calibration);
  }

  const std::string table = comparison_csv(by_auc);
  EXPECT_EQ(
      table.substr(0, table.find('\n')),
      "candidate,kind,champion,subset,customers,positives,auc,log_loss,threshold,precision,recall,lift_top_1,"
      "lift_top_5,lift_top_10");
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 1 + 3 * 2);
  EXPECT_NE(table.find("\n\"logistic\",logistic,1,validation,"), std::string::npos);
  const std::string calibration = calibration_csv(by_auc);
  EXPECT_EQ(std::count(calibration.begin(), calibration.end(), '\n'), 1 + 3 * 2 * 10);
  const nlohmann::json json = comparison_to_json("churn", by_auc);
  EXPECT_EQ(json["champion"], "logistic");
  EXPECT_EQ(json["metric"], "auc");
  EXPECT_EQ(json["candidates"][1]["holdout"]["calibration"].size(), 10U);
}

// Every metric a catalog can name selects a field of the metrics, and only
// the log loss is better when lower.
TEST(ModelComparison, EveryCatalogMetricHasItsValue) {
  BinaryMetrics m;
  m.auc = 1;
  m.log_loss = 2;
  m.precision = 3;
  m.recall = 4;
  m.lift_top_percent = 5;
  m.lift_top_5_percent = 6;
  m.lift_top_decile = 7;
  std::vector<double> values;
  for (const auto metric : named_values<catalog::ModelMetric>()) {
    values.push_back(metric_value(m, metric));
    EXPECT_EQ(higher_is_better(metric), metric != catalog::ModelMetric::LogLoss) << to_string(metric);
  }
  EXPECT_EQ(values, (std::vector<double>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(metric_value(m, catalog::ModelMetric::LiftTop5), 6);
}

TEST(ModelComparison, NoValidationCustomersThrowOnEveryRank) {
  const parallel::Comm world;
  const Scored mine = scored(parallel::even_bucket_range(kBuckets, world.size(), world.rank()));
  EXPECT_THROW(compare_candidates(world, mine.id, mine.label, SubsetRule{}, candidates(mine),
                                  catalog::ModelMetric::Auc, 0.5),
               Error);
}

}  // namespace
}  // namespace portrait::models
