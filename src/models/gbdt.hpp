// src/models/gbdt.hpp: gradient-boosted decision trees for propensity
// models, trained where the customers are: every rank bins its own rows,
// builds gradient and hessian histograms of each tree node over them, and
// the histograms are summed over ranks; every rank then picks the same best
// split from the same sums. Gradients are quantised to integers before they
// are summed, so every sum is exact whatever the order of rows, threads and
// ranks: the trees are the same bits at any rank and thread count.
//
// Loss: binary log loss (labels 0/1). Each tree adds to the margin
// (log-odds); the score is sigmoid(base_margin + sum of the trees' leaves).
// Split gain and leaf weights are XGBoost's second-order ones:
//   gain = GL^2 / (HL + lambda) + GR^2 / (HR + lambda) - G^2 / (H + lambda)
//   leaf = -learning_rate G / (H + lambda)
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "models/customer_rows.hpp"
#include "models/metrics.hpp"
#include "models/subsets.hpp"

namespace portrait::models {

struct GbdtOptions {
  int trees = 100;
  int max_depth = 6;              // 1 .. 16
  int max_leaves = 0;             // 0: grow level by level; > 0: best gain first, up to this many leaves
  double learning_rate = 0.1;     // (0, 1]
  double min_child_weight = 1.0;  // least hessian sum of a child
  double lambda = 1.0;            // L2 penalty of leaf weights
  double gamma = 0.0;             // least gain of a split
  double subsample = 1.0;         // share of training customers per tree, drawn by customer id
  double colsample = 1.0;         // share of features per tree
  int max_bins = 255;             // value bins per numeric feature (2 .. 255)
  int early_stopping_rounds = 0;  // stop after this many trees without a better validation loss; 0: never
  std::uint64_t seed = 2026;      // row and column sampling
  SubsetRule subsets;             // training / validation / holdout customers
  double threshold = 0.5;         // score >= threshold predicts the positive class
  double level_high = 0.5;        // propensity level bands, as the logistic model's
  double level_medium = 0.2;
};

struct GbdtNode {
  std::int32_t feature = -1;  // -1: a leaf
  double threshold = 0.0;     // numeric split: x <= threshold goes left
  bool default_left = false;  // where missing values go
  std::int32_t left = -1;
  std::int32_t right = -1;
  double value = 0.0;                      // leaf: added to the margin
  double gain = 0.0;                       // split: the loss reduction
  double cover = 0.0;                      // hessian sum of the node's training rows
  std::vector<std::int32_t> categories{};  // categorical split: the codes that go left, ascending
};

struct GbdtTree {
  std::vector<GbdtNode> nodes;  // node 0 is the root
};

struct GbdtModel {
  std::vector<std::string> features;
  std::vector<std::uint8_t> categorical;  // per feature: 1 if its values are category codes
  double base_margin = 0.0;               // log-odds of the training customers' positive share
  std::vector<GbdtTree> trees;
  std::vector<double> gain_importance;    // per feature: the gain of all its splits
  std::vector<std::int64_t> split_count;  // per feature: how many splits use it
  GbdtOptions options;
  int gradient_bits = 0;                // quantisation: |g| and h in units of max / 2^bits
  int trees_trained = 0;                // before early stopping cut back to the best
  std::vector<double> validation_loss;  // mean log loss after each tree trained
  std::int64_t training_rows = 0;
  std::int64_t validation_rows = 0;
  BinaryMetrics validation;  // metrics on labelled validation customers (count 0 without)
  BinaryMetrics holdout;     // on labelled holdout customers
  std::string catalog_hash;
};

// Collective. rows.categorical (per feature, may be empty: all numeric)
// marks category-code features. label: 0 / 1, or missing (INT8_MIN) for
// customers outside the labelled period. Throws portrait::Error on every
// rank for bad input or options.
GbdtModel train_gbdt(const parallel::Comm& comm, const CustomerRows& rows, std::span<const std::int8_t> label,
                     const GbdtOptions& options, const std::string& catalog_hash);

// Local: the margin and the probability of the positive class of every row
// from its raw feature values. Rows must carry the model's features in order.
std::vector<double> gbdt_margins(const GbdtModel& model, const CustomerRows& rows);
std::vector<double> score_gbdt(const GbdtModel& model, const CustomerRows& rows);

}  // namespace portrait::models
