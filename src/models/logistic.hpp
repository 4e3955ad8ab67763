// src/models/logistic.hpp: propensity models (churn first): L2-regularised
// logistic regression on standardized features, trained by Newton's method
// with bucket-ordered gradient and Hessian sums, so the model is the same
// bits for any rank and thread count.
//
// Objective (scikit-learn's, with C): 0.5 ||w||^2 + C sum_i logloss(y_i, b + x_i.w);
// the intercept b is not penalised. Train / holdout by customer id hash.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "models/customer_rows.hpp"
#include "models/metrics.hpp"
#include "models/standardize.hpp"
#include "models/subsets.hpp"

namespace portrait::models {

struct LogisticOptions {
  double c = 1.0;              // inverse regularisation strength, > 0
  int max_iterations = 50;     // Newton steps (including halved ones)
  double tolerance = 1e-10;    // stop when max |step| <= tolerance (1 + max |coefficient|)
  int holdout_percent = 20;    // customers with in_holdout() are not trained on
  int validation_percent = 0;  // nor the validation customers (SubsetRule), kept to compare candidates
  std::uint64_t holdout_salt = SubsetRule{}.salt;
  double threshold = 0.5;     // score >= threshold predicts the positive class
  double level_high = 0.5;    // propensity level: score >= level_high is high,
  double level_medium = 0.2;  // >= level_medium medium, else low
};

struct LogisticModel {
  std::vector<std::string> features;
  Scaling scaling;
  double intercept = 0.0;
  std::vector<double> weights;  // on standardized features
  LogisticOptions options;
  int iterations = 0;
  bool converged = false;
  double objective = 0.0;  // at the start of the last (converged) Newton step
  std::int64_t training_rows = 0;
  BinaryMetrics holdout;     // metrics on labelled holdout customers
  std::string catalog_hash;  // of the catalog the features come from
};

// The holdout rule: mix64(id ^ salt) % 100 < percent.
bool in_holdout(CustomerId id, std::uint64_t salt, int percent);

// Collective. label: one per row, 0 / 1, or missing (INT8_MIN) for customers
// outside the labelled period. Throws portrait::Error on every rank for bad
// input (sizes, labels other than 0/1/missing, a class absent from training).
LogisticModel train_logistic(const parallel::Comm& comm, const CustomerRows& rows,
                             std::span<const std::int8_t> label, const LogisticOptions& options,
                             const std::string& catalog_hash);

// Local: probability of the positive class for every row (missing features
// take the training mean). Rows must carry the model's features in order.
std::vector<double> score_logistic(const LogisticModel& model, const CustomerRows& rows);

enum class PropensityLevel : std::int8_t { Low = 0, Medium = 1, High = 2 };
std::string_view to_string(PropensityLevel level);

// Local: the level tag of each score: >= high is high, >= medium medium, else low.
std::vector<PropensityLevel> propensity_levels(std::span<const double> scores, double high, double medium);
std::vector<PropensityLevel> propensity_levels(const LogisticModel& model, std::span<const double> scores);

}  // namespace portrait::models
