// tests/unit/test_models_metrics.cpp: binary metrics on hand-worked cases
// (ties in AUC and at the lift cut), and the Cholesky solve of Newton steps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "models/cholesky.hpp"
#include "models/metrics.hpp"

namespace portrait::models {
namespace {

std::vector<ScoredLabel> hand_case() {
  // Pairs (pos, neg): 0.9 beats 3; 0.8 ties one (0.5) and beats 2; 0.3 beats 1.
  return {{0.9, 1, 1}, {0.8, 2, 0}, {0.8, 3, 1}, {0.5, 4, 0}, {0.3, 5, 1}, {0.1, 6, 0}};
}

TEST(BinaryMetrics, AucCountsTiesAsHalf) {
  const BinaryMetrics m = binary_metrics(hand_case(), 0.5);
  EXPECT_EQ(m.count, 6);
  EXPECT_EQ(m.positives, 3);
  EXPECT_DOUBLE_EQ(m.auc, 6.5 / 9.0);
}

TEST(BinaryMetrics, AucDoesNotDependOnRowOrder) {
  std::vector<ScoredLabel> reversed = hand_case();
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_EQ(binary_metrics(reversed, 0.5).auc, binary_metrics(hand_case(), 0.5).auc);
}

TEST(BinaryMetrics, AllTiedScoresGiveOneHalf) {
  const std::vector<ScoredLabel> rows{{0.4, 1, 1}, {0.4, 2, 0}, {0.4, 3, 0}, {0.4, 4, 1}};
  EXPECT_DOUBLE_EQ(binary_metrics(rows, 0.5).auc, 0.5);
}

TEST(BinaryMetrics, OneClassHasNoAuc) {
  const std::vector<ScoredLabel> rows{{0.4, 1, 0}, {0.7, 2, 0}};
  const BinaryMetrics m = binary_metrics(rows, 0.5);
  EXPECT_TRUE(std::isnan(m.auc));
  EXPECT_EQ(m.recall, 0.0);
  EXPECT_EQ(m.lift_top_decile, 0.0);
}

TEST(BinaryMetrics, PrecisionAndRecallAtThreshold) {
  // score >= 0.5: 0.9 (pos), 0.8 (neg), 0.8 (pos), 0.5 (neg).
  const BinaryMetrics m = binary_metrics(hand_case(), 0.5);
  EXPECT_DOUBLE_EQ(m.precision, 0.5);
  EXPECT_DOUBLE_EQ(m.recall, 2.0 / 3.0);
  const BinaryMetrics none = binary_metrics(hand_case(), 0.95);
  EXPECT_EQ(none.precision, 0.0);
  EXPECT_EQ(none.recall, 0.0);
}

TEST(BinaryMetrics, LiftOfTheTopRows) {
  // 20 rows, 4 positives: the top decile (2 rows) holds 2 positives: lift 5.
  std::vector<ScoredLabel> rows;
  for (int i = 0; i < 20; ++i) {
    rows.push_back(ScoredLabel{1.0 - i * 0.01, i + 1, static_cast<std::int8_t>(i < 2 || i == 10 || i == 15)});
  }
  const BinaryMetrics m = binary_metrics(rows, 0.5);
  EXPECT_DOUBLE_EQ(m.lift_top_decile, 5.0);
  EXPECT_DOUBLE_EQ(m.lift_top_percent, 5.0);  // ceil(0.2) = 1 row, a positive
}

TEST(BinaryMetrics, TiesAtTheLiftCutGoToTheSmallerId) {
  // Ten rows, one in the top decile; ids 7 (negative) and 3 (positive) tie on top.
  std::vector<ScoredLabel> rows{{0.9, 7, 0}, {0.9, 3, 1}};
  for (int i = 0; i < 8; ++i) rows.push_back(ScoredLabel{0.1, 20 + i, static_cast<std::int8_t>(i == 0)});
  EXPECT_DOUBLE_EQ(binary_metrics(rows, 0.5).lift_top_decile, 5.0);  // 1/1 over 2/10
  rows[1].id = 8;
  EXPECT_DOUBLE_EQ(binary_metrics(rows, 0.5).lift_top_decile, 0.0);
}

TEST(BinaryMetrics, LogLossLiftAtFivePercentAndCalibration) {
  // 40 rows, scores falling from 0.975; the first 4 and every 5th are positive.
  std::vector<ScoredLabel> rows;
  double loss = 0.0;
  for (int i = 0; i < 40; ++i) {
    const double score = 0.975 - i * 0.025;
    const bool positive = i < 4 || i % 5 == 0;
    rows.push_back(ScoredLabel{score, 100 - i, static_cast<std::int8_t>(positive)});
    loss -= positive ? std::log(score) : std::log(1.0 - score);
  }
  const BinaryMetrics m = binary_metrics(rows, 0.5);
  EXPECT_EQ(m.positives, 11);
  EXPECT_NEAR(m.log_loss, loss / 40, 1e-15);
  EXPECT_DOUBLE_EQ(m.lift_top_5_percent, 40.0 / 11.0);  // 2 rows, both positive
  ASSERT_EQ(m.calibration.size(), 10U);
  EXPECT_EQ(m.calibration[0],
            (CalibrationBin{4, 4, (rows[0].score + rows[1].score + rows[2].score + rows[3].score) / 4}));
  EXPECT_EQ(m.calibration[1].positives, 1);  // rows 4-7: row 5
  EXPECT_EQ(m.calibration[8].positives, 1);  // rows 32-35: row 35
  EXPECT_EQ(m.calibration[9].count, 4);
  EXPECT_EQ(m.calibration[9].positives, 0);
  std::int64_t counted = 0;
  for (const auto& bin : m.calibration) counted += bin.count;
  EXPECT_EQ(counted, 40);
  // A score of exactly 0 or 1 on the wrong side is clipped, not infinite.
  const BinaryMetrics clipped = binary_metrics({{1.0, 1, 0}, {0.0, 2, 1}}, 0.5);
  EXPECT_DOUBLE_EQ(clipped.log_loss, (-std::log1p(-(1.0 - 1e-15)) - std::log(1e-15)) / 2);
}

TEST(Cholesky, SolvesASymmetricPositiveDefiniteSystem) {
  // a = l l^T with l = [[2,0,0],[1,3,0],[-1,2,1]]; x = (1, -2, 3).
  const std::vector<double> a{4, 2, -2, 2, 10, 5, -2, 5, 6};
  const std::vector<double> x{1, -2, 3};
  std::vector<double> b(3, 0.0);
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t k = 0; k < 3; ++k) b[i] += a[i * 3 + k] * x[k];
  }
  const std::vector<double> solved = cholesky_solve(a, b, 3);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(solved[i], x[i], 1e-12);
}

TEST(Cholesky, RejectsAnIndefiniteMatrix) {
  const std::vector<double> a{1, 2, 2, 1};
  EXPECT_THROW(cholesky_solve(a, {1, 1}, 2), Error);
}

}  // namespace
}  // namespace portrait::models
