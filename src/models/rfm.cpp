// src/models/rfm.cpp: exact distributed quintiles and RFM scores.
#include "models/rfm.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/types.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/collectives.hpp"

namespace portrait::models {

std::vector<std::int64_t> exact_order_statistics(const parallel::Comm& comm,
                                                 std::span<const std::int64_t> values,
                                                 std::span<const std::int64_t> ranks) {
  std::vector<std::int64_t> sorted;
  for (std::int64_t v : values) {
    if (!is_missing(v)) sorted.push_back(v);
  }
  std::sort(sorted.begin(), sorted.end());
  const std::int64_t count = parallel::sum<std::int64_t>(comm, static_cast<std::int64_t>(sorted.size()));
  std::string problem;
  for (std::int64_t r : ranks) {
    if (r < 0 || r >= count) problem = fmt::format("rank {} of {} values asked for", r, count);
  }
  parallel::throw_if_any(comm, problem, "exact quantiles");
  if (ranks.empty()) return {};
  // Non-missing values lie in (INT64_MIN, INT64_MAX]; the answer for rank r
  // is the smallest v with #{values <= v} > r. Bisection keeps lo < answer <= hi.
  const std::size_t m = ranks.size();
  std::vector<Int128> lo(m, std::numeric_limits<std::int64_t>::min());
  std::vector<Int128> hi(m, std::numeric_limits<std::int64_t>::max());
  while (true) {
    std::vector<std::int64_t> below(m, 0);
    std::vector<Int128> mid(m);
    bool open = false;
    for (std::size_t q = 0; q < m; ++q) {
      mid[q] = lo[q] + (hi[q] - lo[q]) / 2;
      open = open || hi[q] - lo[q] > 1;
      below[q] =
          std::upper_bound(sorted.begin(), sorted.end(), static_cast<std::int64_t>(mid[q])) - sorted.begin();
    }
    if (!open) break;  // same on every rank: lo and hi only change by global counts
    below = parallel::sum(comm, below);
    for (std::size_t q = 0; q < m; ++q) {
      if (hi[q] - lo[q] <= 1) continue;
      (below[q] > ranks[q] ? hi[q] : lo[q]) = mid[q];
    }
  }
  return std::vector<std::int64_t>(hi.begin(), hi.end());
}

QuintileCuts quintile_cuts(const parallel::Comm& comm, std::span<const std::int64_t> values) {
  std::int64_t count = 0;
  for (std::int64_t v : values) count += !is_missing(v);
  count = parallel::sum(comm, count);
  QuintileCuts cuts;
  cuts.fill(missing<std::int64_t>());
  if (count == 0) return cuts;
  std::vector<std::int64_t> ranks;
  for (std::int64_t j = 1; j <= 4; ++j) ranks.push_back((j * count + 4) / 5 - 1);  // ceil(j n / 5) - 1
  const std::vector<std::int64_t> found = exact_order_statistics(comm, values, ranks);
  std::copy(found.begin(), found.end(), cuts.begin());
  return cuts;
}

std::int8_t quintile_score(std::int64_t value, const QuintileCuts& cuts, bool more_is_better) {
  if (is_missing(value) || is_missing(cuts[0])) return missing<std::int8_t>();
  std::int8_t above = 0;
  for (std::int64_t cut : cuts) above = static_cast<std::int8_t>(above + (value > cut ? 1 : 0));
  return static_cast<std::int8_t>(more_is_better ? 1 + above : 5 - above);
}

std::int8_t value_level(std::int8_t recency, std::int8_t frequency, std::int8_t monetary) {
  if (is_missing(recency) || is_missing(frequency) || is_missing(monetary)) return kMissingLevel;
  const int sum = recency + frequency + monetary;
  const ValueLevel level = sum >= 12 ? ValueLevel::High : sum >= 8 ? ValueLevel::Medium : ValueLevel::Low;
  return static_cast<std::int8_t>(level);
}

std::string_view value_level_name(std::int8_t level) {
  switch (level) {
    case static_cast<std::int8_t>(ValueLevel::High):
      return "high";
    case static_cast<std::int8_t>(ValueLevel::Medium):
      return "medium";
    case static_cast<std::int8_t>(ValueLevel::Low):
      return "low";
    default:
      return "missing";
  }
}

RfmScores score_rfm(const parallel::Comm& comm, std::span<const std::int64_t> recency,
                    std::span<const std::int64_t> frequency, std::span<const std::int64_t> monetary) {
  std::string problem;
  if (frequency.size() != recency.size() || monetary.size() != recency.size()) {
    problem = fmt::format("{} recency, {} frequency and {} monetary values", recency.size(), frequency.size(),
                          monetary.size());
  }
  parallel::throw_if_any(comm, problem, "RFM scores", "pass one value of each per customer");
  RfmScores s;
  s.recency_cuts = quintile_cuts(comm, recency);
  s.frequency_cuts = quintile_cuts(comm, frequency);
  s.monetary_cuts = quintile_cuts(comm, monetary);
  const std::size_t n = recency.size();
  s.recency.resize(n);
  s.frequency.resize(n);
  s.monetary.resize(n);
  s.level.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    s.recency[i] = quintile_score(recency[i], s.recency_cuts, false);
    s.frequency[i] = quintile_score(frequency[i], s.frequency_cuts, true);
    s.monetary[i] = quintile_score(monetary[i], s.monetary_cuts, true);
    s.level[i] = value_level(s.recency[i], s.frequency[i], s.monetary[i]);
  }
  return s;
}

}  // namespace portrait::models
