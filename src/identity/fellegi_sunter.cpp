// src/identity/fellegi_sunter.cpp: expectation maximisation over pattern
// counts, match probabilities and weights, the saved form.
#include "identity/fellegi_sunter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace portrait::identity {
namespace {

// Normalises `values` to sum to one; left as is when they sum to zero.
void normalise(std::vector<double>& values) {
  double sum = 0;
  for (const double v : values) sum += v;
  if (sum <= 0) return;
  for (double& v : values) v /= sum;
}

// The shares `sums` give, unless no pair has a level (the shares stay);
// `change` keeps the largest change of a parameter.
void update(std::vector<double>& parameters, const std::vector<double>& sums, double& change) {
  double total = 0;
  for (const double v : sums) total += v;
  if (total <= 0) return;
  for (std::size_t l = 0; l < sums.size(); ++l) {
    const double v = sums[l] / total;
    change = std::max(change, std::abs(v - parameters[l]));
    parameters[l] = v;
  }
}

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

const char* kind_name(Comparison::Kind kind) {
  switch (kind) {
    case Comparison::Kind::Equal:
      return "equal";
    case Comparison::Kind::ContactJaccard:
      return "contact_jaccard";
    case Comparison::Kind::SharedHours:
      return "shared_hours";
    case Comparison::Kind::SharedPlaces:
      return "shared_places";
  }
  return "";
}

const char* kind_name(BlockingKey::Kind kind) {
  switch (kind) {
    case BlockingKey::Kind::Attributes:
      return "attributes";
    case BlockingKey::Kind::TopContacts:
      return "top_contacts";
    case BlockingKey::Kind::PresenceHash:
      return "presence_hash";
  }
  return "";
}

}  // namespace

double FellegiSunterModel::probability(const PatternSpace& space, std::uint32_t pattern) const {
  double pm = match_share, pu = 1 - match_share;
  for (std::size_t c = 0; c < space.comparisons(); ++c) {
    const int l = space.level(pattern, c);
    if (l < 0) continue;
    pm *= m[c][static_cast<std::size_t>(l)];
    pu *= u[c][static_cast<std::size_t>(l)];
  }
  return pm + pu > 0 ? pm / (pm + pu) : 0.0;
}

double FellegiSunterModel::weight(std::size_t c, int level) const {
  const double mv = m[c][static_cast<std::size_t>(level)], uv = u[c][static_cast<std::size_t>(level)];
  if (mv == 0 && uv == 0) return 0;
  if (uv == 0) return std::numeric_limits<double>::infinity();
  if (mv == 0) return -std::numeric_limits<double>::infinity();
  return std::log2(mv / uv);
}

double FellegiSunterModel::match_weight(const PatternSpace& space, std::uint32_t pattern) const {
  double w = 0;
  for (std::size_t c = 0; c < space.comparisons(); ++c) {
    const int l = space.level(pattern, c);
    if (l >= 0) w += weight(c, l);
  }
  return w;
}

FellegiSunterModel train_fellegi_sunter(const PatternSpace& space, std::span<const std::int64_t> counts,
                                        const ExpectationMaximisation& em) {
  const std::size_t comparisons = space.comparisons();
  FellegiSunterModel model;
  model.match_share = em.initial_match_share;
  model.m.resize(comparisons);
  model.u.resize(comparisons);
  // The patterns that occur, with their levels decoded once.
  std::vector<std::uint32_t> seen;
  std::vector<double> n;
  for (std::uint32_t g = 0; g < space.size(); ++g) {
    if (counts[g] > 0) {
      seen.push_back(g);
      n.push_back(static_cast<double>(counts[g]));
      model.pairs += counts[g];
    }
  }
  std::vector<int> levels(seen.size() * comparisons);
  for (std::size_t k = 0; k < seen.size(); ++k) {
    for (std::size_t c = 0; c < comparisons; ++c) levels[k * comparisons + c] = space.level(seen[k], c);
  }
  for (std::size_t c = 0; c < comparisons; ++c) {
    const auto size = static_cast<std::size_t>(space.levels(c));
    model.u[c].assign(size, 0);
    model.m[c].resize(size);
    for (std::size_t l = 0; l < size; ++l) model.m[c][l] = std::pow(4.0, static_cast<double>(l));
    for (std::size_t k = 0; k < seen.size(); ++k) {
      const int l = levels[k * comparisons + c];
      if (l >= 0) model.u[c][static_cast<std::size_t>(l)] += n[k];
    }
    normalise(model.m[c]);
    normalise(model.u[c]);
  }
  if (model.pairs == 0) return model;

  std::vector<double> w(seen.size());
  std::vector<std::vector<double>> m_sum(comparisons), u_sum(comparisons);
  for (int iteration = 0; iteration < em.max_iterations; ++iteration) {
    // E: the probability that the pairs of each pattern are matches.
    double matched = 0;
    for (std::size_t k = 0; k < seen.size(); ++k) {
      w[k] = model.probability(space, seen[k]);
      matched += n[k] * w[k];
    }
    // M: lambda and every level's share among matches and non-matches.
    double change = std::abs(matched / static_cast<double>(model.pairs) - model.match_share);
    model.match_share = matched / static_cast<double>(model.pairs);
    for (std::size_t c = 0; c < comparisons; ++c) {
      m_sum[c].assign(model.m[c].size(), 0);
      u_sum[c].assign(model.u[c].size(), 0);
      for (std::size_t k = 0; k < seen.size(); ++k) {
        const int l = levels[k * comparisons + c];
        if (l < 0) continue;
        m_sum[c][static_cast<std::size_t>(l)] += n[k] * w[k];
        u_sum[c][static_cast<std::size_t>(l)] += n[k] * (1 - w[k]);
      }
      update(model.m[c], m_sum[c], change);
      update(model.u[c], u_sum[c], change);
    }
    model.iterations = iteration + 1;
    if (change < em.tolerance) {
      model.converged = true;
      break;
    }
  }
  return model;
}

nlohmann::json to_json(const FellegiSunterModel& model, const LinkingSettings& settings) {
  nlohmann::json comparisons = nlohmann::json::array();
  for (std::size_t c = 0; c < settings.comparisons.size(); ++c) {
    const Comparison& comparison = settings.comparisons[c];
    nlohmann::json levels = nlohmann::json::array();
    for (int l = 0; l < comparison.levels(); ++l) {
      levels.push_back({{"level", l},
                        {"label", level_label(comparison, l)},
                        {"m", model.m[c][static_cast<std::size_t>(l)]},
                        {"u", model.u[c][static_cast<std::size_t>(l)]},
                        {"weight", finite_or_null(model.weight(c, l))}});
    }
    comparisons.push_back({{"name", comparison.name},
                           {"kind", kind_name(comparison.kind)},
                           {"bands", comparison.bands},
                           {"at_least", comparison.at_least},
                           {"levels", levels}});
  }
  nlohmann::json blocks = nlohmann::json::array();
  for (const BlockingKey& key : settings.blocks) {
    blocks.push_back({{"name", key.name}, {"kind", kind_name(key.kind)}, {"count", key.count}});
  }
  return {{"format", "portrait-fellegi-sunter-1"},
          {"match_share", model.match_share},
          {"comparisons", comparisons},
          {"blocks", blocks},
          {"max_block_customers", settings.max_block_customers},
          {"contact_circle", settings.contact_circle},
          {"presence_limit", settings.presence_limit},
          {"training",
           {{"pairs", model.pairs},
            {"iterations", model.iterations},
            {"converged", model.converged},
            {"max_iterations", settings.em.max_iterations},
            {"tolerance", settings.em.tolerance},
            {"initial_match_share", settings.em.initial_match_share}}}};
}

}  // namespace portrait::identity
