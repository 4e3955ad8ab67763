// src/models/gbdt_train.cpp: boosting: per tree, quantised gradients of the
// sampled training rows, the tree grown level by level (or best gain first)
// from histograms summed over ranks, and the margins updated.
#include <fmt/format.h>
#include <omp.h>
#include "parallel/collectives.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "models/gbdt.hpp"
#include "models/gbdt_split.hpp"
#include "models/log_loss.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/reduce.hpp"

namespace portrait::models {
namespace {

const std::string kWhere = "gradient-boosted trees";

// The validation loss of a row in units of 2^-40, capped (only the absurd
// margins of unregularised trees reach it) so the integer cannot overflow.
constexpr double kLossUnit = 0x1p40;
constexpr double kLossCap = 0x1p20;

// Salt of the per-tree feature draw (row draws are keyed by customer id).
constexpr std::uint64_t kColumnDraw = 0x636f6c756d6e73ULL;

std::string check_options(const GbdtOptions& o) {
  if (o.trees < 1 || o.trees > 100000) return fmt::format("trees is {}, expected 1 to 100000", o.trees);
  if (o.max_depth < 1 || o.max_depth > 16)
    return fmt::format("max_depth is {}, expected 1 to 16", o.max_depth);
  if (o.max_leaves != 0 && (o.max_leaves < 2 || o.max_leaves > 65536)) {
    return fmt::format("max_leaves is {}, expected 0 (level by level) or 2 to 65536", o.max_leaves);
  }
  if (!(o.learning_rate > 0 && o.learning_rate <= 1)) {
    return fmt::format("learning_rate is {}, expected above 0 and at most 1", o.learning_rate);
  }
  if (!(o.min_child_weight >= 0) || !(o.lambda >= 0) || !(o.gamma >= 0)) {
    return fmt::format("min_child_weight {}, lambda {} and gamma {} must not be negative", o.min_child_weight,
                       o.lambda, o.gamma);
  }
  if (!(o.subsample > 0 && o.subsample <= 1) || !(o.colsample > 0 && o.colsample <= 1)) {
    return fmt::format("subsample {} and colsample {} must be above 0 and at most 1", o.subsample,
                       o.colsample);
  }
  if (o.max_bins < 2 || o.max_bins > kMaxBins) {
    return fmt::format("max_bins is {}, expected 2 to {}", o.max_bins, kMaxBins);
  }
  const SubsetRule& s = o.subsets;
  if (s.holdout_percent < 0 || s.validation_percent < 0 || s.holdout_percent + s.validation_percent > 90) {
    return fmt::format("holdout {}% and validation {}% must be 0 or more and 90% together at most",
                       s.holdout_percent, s.validation_percent);
  }
  if (o.early_stopping_rounds < 0) return "early_stopping_rounds must not be negative";
  if (o.early_stopping_rounds > 0 && s.validation_percent == 0) {
    return "early stopping needs validation customers: set validation_percent above 0";
  }
  return {};
}

// A node of the tree being grown, in bin codes.
struct GrowingNode {
  std::uint32_t begin = 0;  // its rows: order[begin, end)
  std::uint32_t end = 0;
  std::uint32_t split_point = 0;  // once split: the left child's rows end here
  int depth = 0;
  GradientSums sums;
  NodeSplit split;                      // valid once chosen and taken
  std::int32_t left = -1, right = -1;   // children, once split
  std::vector<GradientSums> histogram;  // while it may still be split
};

// A node's rows are partitioned by all threads from this many on.
constexpr std::uint32_t kThreadedPartition = 65536;

// Moves the rows of [begin, end) that go left to the front, keeping order.
template <class GoesLeft>
std::uint32_t partition_rows(std::uint32_t* rows, std::uint32_t* scratch, std::uint32_t n, bool threaded,
                             GoesLeft goes_left) {
  if (!threaded) {
    std::uint32_t left = 0, right = 0;
    for (std::uint32_t k = 0; k < n; ++k) {
      if (goes_left(rows[k])) {
        rows[left++] = rows[k];
      } else {
        scratch[right++] = rows[k];
      }
    }
    std::copy(scratch, scratch + right, rows + left);
    return left;
  }
  const auto chunks = static_cast<std::uint32_t>(omp_get_max_threads());
  std::vector<std::uint32_t> lefts(chunks + 1, 0);
  auto chunk_begin = [&](std::uint32_t c) {
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(n) * c / chunks);
  };
#pragma omp parallel for schedule(static, 1)
  for (long c = 0; c < static_cast<long>(chunks); ++c) {
    const auto k = static_cast<std::uint32_t>(c);
    std::uint32_t count = 0;
    for (std::uint32_t i = chunk_begin(k); i < chunk_begin(k + 1); ++i) count += goes_left(rows[i]) ? 1 : 0;
    lefts[k + 1] = count;
  }
  for (std::uint32_t c = 0; c < chunks; ++c) lefts[c + 1] += lefts[c];
  const std::uint32_t total_left = lefts[chunks];
#pragma omp parallel for schedule(static, 1)
  for (long c = 0; c < static_cast<long>(chunks); ++c) {
    const auto k = static_cast<std::uint32_t>(c);
    std::uint32_t left = lefts[k];
    std::uint32_t right = total_left + (chunk_begin(k) - lefts[k]);
    for (std::uint32_t i = chunk_begin(k); i < chunk_begin(k + 1); ++i) {
      scratch[goes_left(rows[i]) ? left++ : right++] = rows[i];
    }
  }
#pragma omp parallel for schedule(static)
  for (long i = 0; i < static_cast<long>(n); ++i) rows[i] = scratch[i];
  return total_left;
}

// Everything one training run keeps from tree to tree.
class Booster {
 public:
  Booster(const parallel::Comm& comm, const GbdtOptions& options, const BinnedRows& binned,
          const std::vector<FeatureBins>& bins)
      : comm_(comm), options_(options), binned_(binned), bins_(bins) {}

  // Grows one tree over order[0, rows) (sampled training rows, ascending)
  // with their quantised gradients; afterwards order holds each leaf's rows
  // contiguously.
  std::vector<GrowingNode> grow(std::vector<std::uint32_t>& order, std::uint32_t rows,
                                std::span<const GradientPair> gradient, const GradientSums& local_sums,
                                std::span<const std::uint32_t> features, const SplitRule& rule) {
    gradient_ = gradient;
    features_ = features;
    rule_ = rule;
    order_ = &order;
    scratch_.resize(order.size());
    std::vector<GrowingNode> nodes(1);
    nodes[0].end = rows;
    nodes[0].histogram = take_histogram();
    // The root's histogram and sums in one reduction.
    const HistogramTask task{std::span<const std::uint32_t>(order.data(), rows), nodes[0].histogram};
    build_histograms(binned_, gradient_, features_, std::span<const HistogramTask>(&task, 1), histograms_);
    reduce_.assign(nodes[0].histogram.begin(), nodes[0].histogram.end());
    reduce_.push_back(local_sums);
    allreduce(reduce_);
    std::copy(reduce_.begin(), reduce_.end() - 1, nodes[0].histogram.begin());
    nodes[0].sums = reduce_.back();
    choose_split(nodes[0]);
    if (options_.max_leaves == 0) {
      grow_by_level(nodes);
    } else {
      grow_by_gain(nodes);
    }
    for (auto& node : nodes) give_back(node);
    return nodes;
  }

 private:
  void choose_split(GrowingNode& node) {
    node.split = node.depth < options_.max_depth
                     ? best_split(node.histogram, binned_, bins_, features_, node.sums, rule_)
                     : NodeSplit{};
    if (!node.split.valid) give_back(node);
  }

  // Splits every node of a level at once: one partition pass per node, one
  // reduction for the level's smaller children.
  void grow_by_level(std::vector<GrowingNode>& nodes) {
    std::vector<std::size_t> level{0};
    while (!level.empty()) {
      std::vector<std::size_t> splitting;
      for (const std::size_t k : level) {
        if (nodes[k].split.valid) splitting.push_back(k);
      }
      if (splitting.empty()) break;
      const bool node_per_thread = splitting.size() >= static_cast<std::size_t>(omp_get_max_threads());
      const auto count = static_cast<long>(splitting.size());
#pragma omp parallel for schedule(dynamic, 1) if (node_per_thread)
      for (long s = 0; s < count; ++s)
        partition(nodes[splitting[static_cast<std::size_t>(s)]], !node_per_thread);
      std::vector<std::size_t> next;
      for (const std::size_t k : splitting) {
        add_children(nodes, k);
        next.push_back(static_cast<std::size_t>(nodes[k].left));
        next.push_back(static_cast<std::size_t>(nodes[k].right));
      }
      histograms_of_children(nodes, splitting);
      for (const std::size_t k : next) choose_split(nodes[k]);
      level = std::move(next);
    }
  }

  // Splits the node of the largest gain first (ties to the earlier node)
  // until max_leaves.
  void grow_by_gain(std::vector<GrowingNode>& nodes) {
    int leaves = 1;
    std::vector<std::size_t> open{0};
    while (leaves < options_.max_leaves) {
      std::size_t best = open.size();
      for (std::size_t i = 0; i < open.size(); ++i) {
        const NodeSplit& split = nodes[open[i]].split;
        if (split.valid && (best == open.size() || split.gain > nodes[open[best]].split.gain)) best = i;
      }
      if (best == open.size()) break;
      const std::size_t k = open[best];
      open.erase(open.begin() + static_cast<std::ptrdiff_t>(best));
      partition(nodes[k], true);
      add_children(nodes, k);
      histograms_of_children(nodes, std::vector<std::size_t>{k});
      for (const std::int32_t child : {nodes[k].left, nodes[k].right}) {
        choose_split(nodes[static_cast<std::size_t>(child)]);
        open.push_back(static_cast<std::size_t>(child));
      }
      ++leaves;
    }
    for (const std::size_t k : open) {
      nodes[k].split.valid = false;
      give_back(nodes[k]);
    }
  }

  void partition(GrowingNode& node, bool threaded) {
    const std::uint32_t f = node.split.feature;
    const FeatureBins& feature = bins_[f];
    const NodeSplit& split = node.split;
    const std::size_t d = binned_.features;
    const std::uint8_t* code = binned_.code.data();
    const std::uint32_t n = node.end - node.begin;
    const std::uint32_t left = partition_rows(
        order_->data() + node.begin, scratch_.data() + node.begin, n, threaded && n >= kThreadedPartition,
        [&](std::uint32_t r) { return split.goes_left(code[r * d + f], feature); });
    node.split_point = node.begin + left;
  }

  void add_children(std::vector<GrowingNode>& nodes, std::size_t k) {
    GrowingNode left, right;
    left.begin = nodes[k].begin;
    left.end = nodes[k].split_point;
    right.begin = nodes[k].split_point;
    right.end = nodes[k].end;
    left.depth = right.depth = nodes[k].depth + 1;
    left.sums = nodes[k].split.left;
    right.sums = nodes[k].split.right;
    nodes[k].left = static_cast<std::int32_t>(nodes.size());
    nodes[k].right = static_cast<std::int32_t>(nodes.size() + 1);
    nodes.push_back(std::move(left));
    nodes.push_back(std::move(right));
  }

  // The smaller child (by global hessian, the same choice on every rank) of
  // each split node is built from its rows; the ranks sum them in one
  // reduction; the larger child is the parent minus the smaller.
  void histograms_of_children(std::vector<GrowingNode>& nodes, const std::vector<std::size_t>& parents) {
    const std::size_t slots = binned_.slots();
    std::vector<HistogramTask> tasks;
    std::vector<std::size_t> smaller;
    reduce_.resize(parents.size() * slots);
    for (std::size_t p = 0; p < parents.size(); ++p) {
      const GrowingNode& parent = nodes[parents[p]];
      const auto left = static_cast<std::size_t>(parent.left);
      const auto right = static_cast<std::size_t>(parent.right);
      const std::size_t small = nodes[right].sums.h < nodes[left].sums.h ? right : left;
      smaller.push_back(small);
      tasks.push_back({std::span<const std::uint32_t>(order_->data() + nodes[small].begin,
                                                      nodes[small].end - nodes[small].begin),
                       std::span<GradientSums>(reduce_.data() + p * slots, slots)});
    }
    build_histograms(binned_, gradient_, features_, tasks, histograms_);
    allreduce(reduce_);
    for (std::size_t p = 0; p < parents.size(); ++p) {
      GrowingNode& parent = nodes[parents[p]];
      GrowingNode& small = nodes[smaller[p]];
      GrowingNode& large = nodes[static_cast<std::size_t>(
          smaller[p] == static_cast<std::size_t>(parent.left) ? parent.right : parent.left)];
      small.histogram = take_histogram();
      std::copy(reduce_.begin() + static_cast<std::ptrdiff_t>(p * slots),
                reduce_.begin() + static_cast<std::ptrdiff_t>((p + 1) * slots), small.histogram.begin());
      large.histogram = take_histogram();
      subtract_histogram(parent.histogram, small.histogram, large.histogram);
      give_back(parent);
    }
  }

  // The histograms' exact sums over ranks, as one array of int64.
  void allreduce(std::vector<GradientSums>& sums) {
    flat_.resize(2 * sums.size());
    for (std::size_t k = 0; k < sums.size(); ++k) {
      flat_[2 * k] = sums[k].g;
      flat_[2 * k + 1] = sums[k].h;
    }
    const std::vector<std::int64_t> total = parallel::sum(comm_, std::span<const std::int64_t>(flat_));
    for (std::size_t k = 0; k < sums.size(); ++k) sums[k] = GradientSums{total[2 * k], total[2 * k + 1]};
  }

  // Histogram buffers go round, so their pages stay warm.
  std::vector<GradientSums> take_histogram() {
    std::vector<GradientSums> h;
    if (!spare_.empty()) {
      h = std::move(spare_.back());
      spare_.pop_back();
    }
    h.resize(binned_.slots());
    return h;
  }
  void give_back(GrowingNode& node) {
    if (node.histogram.empty()) return;
    spare_.push_back(std::move(node.histogram));
    node.histogram = {};
  }

  const parallel::Comm& comm_;
  const GbdtOptions& options_;
  const BinnedRows& binned_;
  const std::vector<FeatureBins>& bins_;
  std::span<const GradientPair> gradient_;
  std::span<const std::uint32_t> features_;
  SplitRule rule_;
  std::vector<std::uint32_t>* order_ = nullptr;
  std::vector<std::uint32_t> scratch_;
  std::vector<GradientSums> reduce_;
  std::vector<std::int64_t> flat_;  // reduce_ as int64 pairs for the all-reduce
  HistogramScratch histograms_;
  std::vector<std::vector<GradientSums>> spare_;
};

// The trained tree in raw values: thresholds are the cuts of the split bins.
GbdtTree to_tree(const std::vector<GrowingNode>& grown, const std::vector<FeatureBins>& bins,
                 const SplitRule& rule, double learning_rate) {
  GbdtTree tree;
  tree.nodes.resize(grown.size());
  for (std::size_t k = 0; k < grown.size(); ++k) {
    const GrowingNode& g = grown[k];
    GbdtNode& node = tree.nodes[k];
    node.cover = rule.hessian(g.sums);
    if (g.left < 0) {
      node.value = learning_rate * rule.leaf_weight(g.sums);
      continue;
    }
    const FeatureBins& feature = bins[g.split.feature];
    node.feature = static_cast<std::int32_t>(g.split.feature);
    node.default_left = g.split.default_left;
    node.left = g.left;
    node.right = g.right;
    node.gain = g.split.gain;
    if (feature.categorical) {
      for (std::uint32_t c = 0; c < feature.categories; ++c) {
        if (g.split.goes_left(static_cast<std::uint8_t>(c), feature))
          node.categories.push_back(static_cast<std::int32_t>(c));
      }
    } else {
      node.threshold = feature.cuts[g.split.bin];
    }
  }
  return tree;
}

// The leaf a row reaches, from its bin codes.
std::size_t leaf_of(const std::vector<GrowingNode>& grown, const std::vector<FeatureBins>& bins,
                    const std::uint8_t* code) {
  std::size_t k = 0;
  while (grown[k].left >= 0) {
    const NodeSplit& split = grown[k].split;
    k = static_cast<std::size_t>(split.goes_left(code[split.feature], bins[split.feature]) ? grown[k].left
                                                                                           : grown[k].right);
  }
  return k;
}

// The features of tree t: all, or a draw of round(colsample d) of them.
std::vector<std::uint32_t> tree_features(const GbdtOptions& o, std::size_t d, int t) {
  std::vector<std::uint32_t> all(d);
  for (std::size_t j = 0; j < d; ++j) all[j] = static_cast<std::uint32_t>(j);
  if (o.colsample >= 1) return all;
  const auto keep = static_cast<std::size_t>(
      std::clamp<double>(std::round(o.colsample * static_cast<double>(d)), 1.0, static_cast<double>(d)));
  KeyedRandom random(o.seed ^ kColumnDraw, static_cast<std::uint64_t>(t));
  for (std::size_t j = 0; j < keep; ++j) std::swap(all[j], all[j + random.below(d - j)]);
  all.resize(keep);
  std::sort(all.begin(), all.end());
  return all;
}

}  // namespace

GbdtModel train_gbdt(const parallel::Comm& comm, const CustomerRows& rows, std::span<const std::int8_t> label,
                     const GbdtOptions& options, const std::string& catalog_hash) {
  check_rows(comm, rows, kWhere);
  const std::size_t n = rows.rows();
  const std::size_t d = rows.dimension();
  std::string problem = check_options(options);
  if (problem.empty() && label.size() != n) problem = fmt::format("{} labels for {} rows", label.size(), n);
  if (problem.empty() && !rows.categorical.empty() && rows.categorical.size() != d) {
    problem = fmt::format("{} categorical flags for {} features", rows.categorical.size(), d);
  }
  if (problem.empty() && n >= std::numeric_limits<std::uint32_t>::max()) {
    problem = fmt::format("{} customers on one rank; at most 2^32 - 1 per rank", n);
  }
  for (std::size_t i = 0; i < n && problem.empty(); ++i) {
    if (label[i] != 0 && label[i] != 1 && !is_missing(label[i])) {
      problem = fmt::format("customer {} has label {}, expected 0, 1 or missing", rows.id[i], label[i]);
    }
  }
  parallel::throw_if_any(comm, problem, kWhere);

  GbdtModel model;
  model.features = rows.feature_names;
  model.categorical = rows.categorical.empty() ? std::vector<std::uint8_t>(d, 0) : rows.categorical;
  model.options = options;
  model.catalog_hash = catalog_hash;

  std::vector<Subset> subset(n);
  std::vector<char> training(n, 0);
  std::int64_t counts[3] = {0, 0, 0};  // training rows, training positives, validation rows
  for (std::size_t i = 0; i < n; ++i) {
    subset[i] = options.subsets.of(rows.id[i]);
    if (is_missing(label[i])) continue;
    training[i] = subset[i] == Subset::Training;
    counts[0] += training[i];
    counts[1] += training[i] && label[i] == 1;
    counts[2] += subset[i] == Subset::Validation;
  }
  const std::vector<std::int64_t> global = parallel::sum(comm, std::span<const std::int64_t>(counts));
  model.training_rows = global[0];
  model.validation_rows = global[2];
  if (global[1] == 0 || global[1] == global[0]) {
    throw Error(
        fmt::format("the training set ({} customers, {} positive) lacks a class", global[0], global[1]),
        kWhere, "check the label and the labelled period");
  }
  if (options.early_stopping_rounds > 0 && global[2] == 0) {
    throw Error("early stopping has no labelled validation customers", kWhere,
                "raise validation_percent or turn early stopping off");
  }

  CustomerRows typed = rows;
  typed.categorical = model.categorical;
  const std::vector<FeatureBins> bins = fit_bins(comm, typed, model.categorical, training, options.max_bins);
  const BinnedRows binned = bin_rows(typed, bins);

  model.base_margin = std::log(static_cast<double>(global[1]) / static_cast<double>(global[0] - global[1]));
  // Integer sums of at most n values of magnitude 2^bits stay below 2^62.
  model.gradient_bits =
      std::min(30, 62 - static_cast<int>(std::bit_width(static_cast<std::uint64_t>(global[0]))));
  const double levels = std::ldexp(1.0, model.gradient_bits);
  const SplitRule rule{options.lambda, options.min_child_weight, options.gamma, 1.0 / levels, 0.25 / levels};
  const double g_scale = levels, h_scale = 4.0 * levels;

  std::vector<double> margin(n, model.base_margin);
  std::vector<std::uint32_t> training_rows, order;
  std::vector<std::uint32_t> validation_rows;
  for (std::size_t i = 0; i < n; ++i) {
    if (training[i]) training_rows.push_back(static_cast<std::uint32_t>(i));
    if (!is_missing(label[i]) && subset[i] == Subset::Validation)
      validation_rows.push_back(static_cast<std::uint32_t>(i));
  }
  std::vector<GradientPair> gradient(n);
  std::vector<char> sampled(n, 0);
  Booster booster(comm, options, binned, bins);
  double best_loss = std::numeric_limits<double>::infinity();
  std::size_t best_trees = 0;

  for (int t = 0; t < options.trees; ++t) {
    order.clear();
    for (const std::uint32_t r : training_rows) {
      const bool in =
          options.subsample >= 1 ||
          KeyedRandom(options.seed, static_cast<std::uint64_t>(rows.id[r]), static_cast<std::uint64_t>(t))
                  .uniform() < options.subsample;
      sampled[r] = in;
      if (in) order.push_back(r);
    }
    // Gradients of the log loss in fixed units: |p - y| <= 1, p (1 - p) <= 1/4.
    GradientSums local;
    const auto count = static_cast<long>(order.size());
#pragma omp parallel for schedule(static)
    for (long k = 0; k < count; ++k) {
      const std::uint32_t r = order[static_cast<std::size_t>(k)];
      const double p = sigmoid(margin[r]);
      gradient[r] = GradientPair{static_cast<std::int32_t>(std::nearbyint((p - label[r]) * g_scale)),
                                 static_cast<std::int32_t>(std::nearbyint(p * (1.0 - p) * h_scale))};
    }
    for (const std::uint32_t r : order) local += GradientSums{gradient[r].g, gradient[r].h};

    const std::vector<std::uint32_t> features = tree_features(options, d, t);
    const auto sampled_rows = static_cast<std::uint32_t>(order.size());
    const std::vector<GrowingNode> grown = booster.grow(order, sampled_rows, gradient, local, features, rule);
    GbdtTree tree = to_tree(grown, bins, rule, options.learning_rate);

    // Sampled rows sit in their leaves' ranges of `order`; the others walk the tree.
    for (std::size_t k = 0; k < grown.size(); ++k) {
      if (grown[k].left >= 0) continue;
      const double value = tree.nodes[k].value;
      for (std::uint32_t at = grown[k].begin; at < grown[k].end; ++at) margin[order[at]] += value;
    }
    auto walk = [&](const std::vector<std::uint32_t>& list) {
      const auto size = static_cast<long>(list.size());
#pragma omp parallel for schedule(static)
      for (long k = 0; k < size; ++k) {
        const std::uint32_t r = list[static_cast<std::size_t>(k)];
        if (!sampled[r]) margin[r] += tree.nodes[leaf_of(grown, bins, binned.row(r))].value;
      }
    };
    if (options.subsample < 1) walk(training_rows);
    walk(validation_rows);
    model.trees.push_back(std::move(tree));

    if (model.validation_rows > 0) {
      // Each row's loss in fixed point, summed exactly: one reduction.
      Int128 local_loss = 0;
      for (const std::uint32_t r : validation_rows) {
        local_loss +=
            static_cast<Int128>(std::llround(std::min(log_loss(margin[r], label[r]), kLossCap) * kLossUnit));
      }
      const double loss = static_cast<double>(parallel::sum_exact(comm, local_loss)) / kLossUnit /
                          static_cast<double>(model.validation_rows);
      model.validation_loss.push_back(loss);
      if (loss < best_loss) {
        best_loss = loss;
        best_trees = model.trees.size();
      }
      if (options.early_stopping_rounds > 0 &&
          model.trees.size() - best_trees >= static_cast<std::size_t>(options.early_stopping_rounds)) {
        break;
      }
    }
  }
  model.trees_trained = static_cast<int>(model.trees.size());
  if (options.early_stopping_rounds > 0) model.trees.resize(best_trees);

  model.gain_importance.assign(d, 0.0);
  model.split_count.assign(d, 0);
  for (const GbdtTree& tree : model.trees) {
    for (const GbdtNode& node : tree.nodes) {
      if (node.feature < 0) continue;
      model.gain_importance[static_cast<std::size_t>(node.feature)] += node.gain;
      ++model.split_count[static_cast<std::size_t>(node.feature)];
    }
  }

  const std::vector<double> scores = score_gbdt(model, rows);
  std::vector<ScoredLabel> holdout, validation;
  for (std::size_t i = 0; i < n; ++i) {
    if (is_missing(label[i])) continue;
    if (subset[i] == Subset::Holdout) holdout.push_back(ScoredLabel{scores[i], rows.id[i], label[i]});
    if (subset[i] == Subset::Validation) validation.push_back(ScoredLabel{scores[i], rows.id[i], label[i]});
  }
  model.holdout = binary_metrics(comm, holdout, options.threshold);
  model.validation = binary_metrics(comm, validation, options.threshold);
  return model;
}

}  // namespace portrait::models
