// src/models/rfm.hpp: RFM value tags: recency, frequency and monetary scores
// 1..5 by exact global quintiles of int64 values, and a combined value level.
//
// Cuts: q_j is the value of 0-based rank ceil(j n / 5) - 1 in the sorted
// global values (n non-missing values), j = 1..4: an exact order statistic.
// Score of v: 1 + #{j : v > q_j} for frequency and monetary (more is better),
// 5 - #{j : v > q_j} for recency (fewer days since the last activity is
// better). Ties: equal values always get the same score, and a value equal to
// a cut falls in the lower bin, so with many ties a bin holds more than 20%.
// Missing values (INT64_MIN) are left out of the cuts and score missing.
// Level from the sum s of the three scores: high s >= 12, medium 8..11, low <= 7,
// missing when any score is missing.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "parallel/mpi_context.hpp"

namespace portrait::models {

using QuintileCuts = std::array<std::int64_t, 4>;

// Collective: the values of the given 0-based global ranks (each < the global
// count of non-missing values) among every rank's non-missing values. Exact:
// a bisection on the value range with exact global counts.
std::vector<std::int64_t> exact_order_statistics(const parallel::Comm& comm,
                                                 std::span<const std::int64_t> values,
                                                 std::span<const std::int64_t> ranks);

// Collective: the four cuts; all missing when there are no values.
QuintileCuts quintile_cuts(const parallel::Comm& comm, std::span<const std::int64_t> values);

// Local: the score 1..5 of one value (missing for a missing value or cuts).
std::int8_t quintile_score(std::int64_t value, const QuintileCuts& cuts, bool more_is_better);

enum class ValueLevel : std::int8_t { Low = 0, Medium = 1, High = 2 };
constexpr std::int8_t kMissingLevel = std::numeric_limits<std::int8_t>::min();
// The level code (a ValueLevel, or kMissingLevel) of three scores.
std::int8_t value_level(std::int8_t recency, std::int8_t frequency, std::int8_t monetary);
std::string_view value_level_name(std::int8_t level);  // "low", "medium", "high", "missing"

struct RfmScores {
  QuintileCuts recency_cuts{}, frequency_cuts{}, monetary_cuts{};
  std::vector<std::int8_t> recency, frequency, monetary;  // 1..5 or INT8_MIN, one per local row
  std::vector<std::int8_t> level;                         // value_level of the row
};

// Collective. recency: days (or seconds) since the last activity; frequency:
// a count; monetary: fen. One value per local customer in each.
RfmScores score_rfm(const parallel::Comm& comm, std::span<const std::int64_t> recency,
                    std::span<const std::int64_t> frequency, std::span<const std::int64_t> monetary);

}  // namespace portrait::models
