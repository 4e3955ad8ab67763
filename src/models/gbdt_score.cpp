// src/models/gbdt_score.cpp: scoring rows with trained trees from their raw
// feature values (no bins): what a run with a saved model does, and what the
// training run reports, so both give the same bits.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "models/gbdt.hpp"
#include "models/log_loss.hpp"

namespace portrait::models {

std::vector<double> gbdt_margins(const GbdtModel& model, const CustomerRows& rows) {
  if (rows.feature_names != model.features) {
    throw Error(fmt::format("the rows carry {} features, the model {} (or in another order)",
                            rows.dimension(), model.features.size()),
                "gradient-boosted trees: scoring", "score with the features the model was trained on");
  }
  std::vector<double> margin(rows.rows());
  const auto count = static_cast<long>(rows.rows());
#pragma omp parallel for schedule(static)
  for (long r = 0; r < count; ++r) {
    const auto i = static_cast<std::size_t>(r);
    double z = model.base_margin;
    for (const GbdtTree& tree : model.trees) {
      std::size_t k = 0;
      while (tree.nodes[k].feature >= 0) {
        const GbdtNode& node = tree.nodes[k];
        const double x = rows.features[static_cast<std::size_t>(node.feature)][i];
        bool left = node.default_left;
        if (!std::isnan(x)) {
          left = model.categorical[static_cast<std::size_t>(node.feature)]
                     ? std::binary_search(node.categories.begin(), node.categories.end(),
                                          static_cast<std::int32_t>(x))
                     : x <= node.threshold;
        }
        k = static_cast<std::size_t>(left ? node.left : node.right);
      }
      z += tree.nodes[k].value;
    }
    margin[i] = z;
  }
  return margin;
}

std::vector<double> score_gbdt(const GbdtModel& model, const CustomerRows& rows) {
  std::vector<double> scores = gbdt_margins(model, rows);
  for (double& s : scores) s = sigmoid(s);
  return scores;
}

}  // namespace portrait::models
