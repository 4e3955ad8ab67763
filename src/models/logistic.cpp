// src/models/logistic.cpp: Newton / IRLS training of L2 logistic regression
// with per-bucket partial sums, and scoring.
#include "models/logistic.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "models/cholesky.hpp"
#include "models/log_loss.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/collectives.hpp"

namespace portrait::models {

namespace {

struct NewtonSystem {
  double objective = 0.0;
  std::vector<double> gradient;  // p = d + 1, intercept first
  std::vector<double> hessian;   // p x p, full
};

// One pass over the training rows: objective, gradient and Hessian at beta.
// Partial layout per bucket: loss, gradient (p), Hessian upper triangle.
NewtonSystem evaluate(const parallel::Comm& comm, const CustomerRows& rows,
                      const std::vector<std::size_t>& offsets, const std::vector<double>& x,
                      const std::vector<char>& trains, std::span<const std::int8_t> label,
                      const std::vector<double>& beta, double c) {
  const std::size_t d = rows.dimension();
  const std::size_t p = d + 1;
  const std::size_t width = 1 + p + p * (p + 1) / 2;
  std::vector<double> partials =
      per_bucket_partials(offsets, width, [&](std::size_t begin, std::size_t end, double* partial) {
        std::vector<double> augmented(p);
        augmented[0] = 1.0;
        for (std::size_t i = begin; i < end; ++i) {
          if (!trains[i]) continue;
          double z = beta[0];
          for (std::size_t j = 0; j < d; ++j) {
            augmented[j + 1] = x[i * d + j];
            z += beta[j + 1] * augmented[j + 1];
          }
          const double y = label[i];
          const double prob = sigmoid(z);
          const double residual = prob - y;
          const double curvature = prob * (1.0 - prob);
          partial[0] += log_loss(z, y);
          double* gradient = partial + 1;
          double* hessian = partial + 1 + p;
          for (std::size_t a = 0; a < p; ++a) {
            gradient[a] += residual * augmented[a];
            const double scaled = curvature * augmented[a];
            for (std::size_t b = a; b < p; ++b) *hessian++ += scaled * augmented[b];
          }
        }
      });
  const std::vector<double> total = parallel::bucket_reduce(comm, rows.range, partials, width);
  NewtonSystem system;
  system.gradient.resize(p);
  system.hessian.assign(p * p, 0.0);
  double penalty = 0.0;
  for (std::size_t j = 1; j < p; ++j) penalty += beta[j] * beta[j];
  system.objective = 0.5 * penalty + c * total[0];
  std::size_t at = 1 + p;
  for (std::size_t a = 0; a < p; ++a) {
    system.gradient[a] = c * total[1 + a] + (a > 0 ? beta[a] : 0.0);
    for (std::size_t b = a; b < p; ++b) {
      const double h = c * total[at++] + (a == b && a > 0 ? 1.0 : 0.0);
      system.hessian[a * p + b] = h;
      system.hessian[b * p + a] = h;
    }
  }
  return system;
}

}  // namespace

bool in_holdout(CustomerId id, std::uint64_t salt, int percent) {
  return SubsetRule{percent, 0, salt}.of(id) == Subset::Holdout;
}

LogisticModel train_logistic(const parallel::Comm& comm, const CustomerRows& rows,
                             std::span<const std::int8_t> label, const LogisticOptions& options,
                             const std::string& catalog_hash) {
  const std::string where = "churn/propensity training";
  check_rows(comm, rows, where);
  std::string problem;
  if (label.size() != rows.rows()) problem = fmt::format("{} labels for {} rows", label.size(), rows.rows());
  for (std::size_t i = 0; i < label.size() && problem.empty(); ++i) {
    if (label[i] != 0 && label[i] != 1 && !is_missing(label[i])) {
      problem = fmt::format("customer {} has label {}, expected 0, 1 or missing", rows.id[i], label[i]);
    }
  }
  if (!(options.c > 0) || options.holdout_percent < 0 || options.validation_percent < 0 ||
      options.holdout_percent + options.validation_percent >= 100 || options.max_iterations < 1) {
    problem = fmt::format(
        "bad options: C {} (must be > 0), holdout {}% and validation {}% (0..99 together), {} iterations (>= "
        "1)",
        options.c, options.holdout_percent, options.validation_percent, options.max_iterations);
  }
  parallel::throw_if_any(comm, problem, where);

  LogisticModel model;
  model.features = rows.feature_names;
  model.options = options;
  model.catalog_hash = catalog_hash;
  model.scaling = fit_scaling(comm, rows);
  const std::vector<double> x = standardize(rows, model.scaling);
  const std::size_t d = rows.dimension();
  const std::size_t p = d + 1;

  std::vector<char> trains(rows.rows(), 0);
  Int128 counts[2] = {0, 0};  // training rows, training positives
  const SubsetRule subsets{options.holdout_percent, options.validation_percent, options.holdout_salt};
  for (std::size_t i = 0; i < rows.rows(); ++i) {
    trains[i] = !is_missing(label[i]) && subsets.of(rows.id[i]) == Subset::Training;
    counts[0] += trains[i];
    counts[1] += trains[i] && label[i] == 1;
  }
  const std::vector<Int128> global = parallel::sum_exact(comm, std::span<const Int128>(counts, 2));
  model.training_rows = static_cast<std::int64_t>(global[0]);
  if (global[1] == 0 || global[1] == global[0]) {
    throw Error(fmt::format("the training set ({} customers, {} positive) lacks a class", model.training_rows,
                            static_cast<std::int64_t>(global[1])),
                where, "check the label and the labelled period");
  }

  const std::vector<std::size_t> offsets = bucket_row_offsets(rows);
  std::vector<double> beta(p, 0.0), accepted(p, 0.0), step(p, 0.0);
  double accepted_objective = 0.0;
  double step_length = 1.0;
  for (model.iterations = 1; model.iterations <= options.max_iterations; ++model.iterations) {
    const NewtonSystem system = evaluate(comm, rows, offsets, x, trains, label, beta, options.c);
    if (model.iterations > 1 &&
        system.objective > accepted_objective + 1e-12 * std::abs(accepted_objective)) {
      // The full step overshot: halve it from the last accepted point.
      step_length *= 0.5;
      for (std::size_t a = 0; a < p; ++a) beta[a] = accepted[a] - step_length * step[a];
      continue;
    }
    accepted = beta;
    accepted_objective = system.objective;
    step = cholesky_solve(system.hessian, system.gradient, p);
    step_length = 1.0;
    double largest_step = 0.0, largest_coefficient = 0.0;
    for (std::size_t a = 0; a < p; ++a) {
      beta[a] -= step[a];
      largest_step = std::max(largest_step, std::abs(step[a]));
      largest_coefficient = std::max(largest_coefficient, std::abs(beta[a]));
    }
    if (largest_step <= options.tolerance * (1.0 + largest_coefficient)) {
      model.converged = true;
      break;
    }
  }
  model.iterations = std::min(model.iterations, options.max_iterations);
  model.objective = accepted_objective;
  model.intercept = beta[0];
  model.weights.assign(beta.begin() + 1, beta.end());

  const std::vector<double> scores = score_logistic(model, rows);
  std::vector<ScoredLabel> holdout;
  for (std::size_t i = 0; i < rows.rows(); ++i) {
    if (!is_missing(label[i]) && subsets.of(rows.id[i]) == Subset::Holdout) {
      holdout.push_back(ScoredLabel{scores[i], rows.id[i], label[i]});
    }
  }
  model.holdout = binary_metrics(comm, holdout, options.threshold);
  return model;
}

std::vector<double> score_logistic(const LogisticModel& model, const CustomerRows& rows) {
  if (rows.feature_names != model.features) {
    throw Error(fmt::format("the rows carry {} features, the model {} (or in another order)",
                            rows.dimension(), model.features.size()),
                "churn/propensity scoring", "score with the features the model was trained on");
  }
  const std::vector<double> x = standardize(rows, model.scaling);
  const std::size_t d = model.weights.size();
  std::vector<double> scores(rows.rows());
  const auto count = static_cast<long>(rows.rows());
#pragma omp parallel for schedule(static)
  for (long r = 0; r < count; ++r) {
    const auto i = static_cast<std::size_t>(r);
    double z = model.intercept;
    for (std::size_t j = 0; j < d; ++j) z += model.weights[j] * x[i * d + j];
    scores[i] = sigmoid(z);
  }
  return scores;
}

std::string_view to_string(PropensityLevel level) {
  switch (level) {
    case PropensityLevel::High:
      return "high";
    case PropensityLevel::Medium:
      return "medium";
    case PropensityLevel::Low:
      break;
  }
  return "low";
}

std::vector<PropensityLevel> propensity_levels(std::span<const double> scores, double high, double medium) {
  std::vector<PropensityLevel> levels(scores.size());
  for (std::size_t i = 0; i < scores.size(); ++i) {
    levels[i] = scores[i] >= high     ? PropensityLevel::High
                : scores[i] >= medium ? PropensityLevel::Medium
                                      : PropensityLevel::Low;
  }
  return levels;
}

std::vector<PropensityLevel> propensity_levels(const LogisticModel& model, std::span<const double> scores) {
  return propensity_levels(scores, model.options.level_high, model.options.level_medium);
}

}  // namespace portrait::models
