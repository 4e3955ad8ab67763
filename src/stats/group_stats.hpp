// src/stats/group_stats.hpp: statistics over groups of customers (group tags:
// segment x region and the like), computed with collectives so that the
// result is the same, to the bit, for any rank and thread count:
//   count, sum, avg, share of a condition, exact median and p90, distinct count.
// Groups are the distinct combinations of the group-by values over all ranks,
// in ascending order of those values (a missing value is its own group and
// sorts first).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/column.hpp"
#include "parallel/mpi_context.hpp"
#include "parallel/partition.hpp"

namespace portrait::stats {

enum class MeasureKind : std::uint8_t { Count, Sum, Avg, Share, Median, P90, Distinct };

struct MeasureInput {
  std::string id;
  MeasureKind kind = MeasureKind::Count;
  // Per customer: the measured value (sum, avg, median, p90, distinct; missing
  // values are left out) or, for share, the condition as Int8 1/0 (missing
  // counts as not met). Unused for count.
  const Column* values = nullptr;
};

struct GroupStatsInput {
  std::string id;
  std::vector<std::string> group_by;         // names, for the output
  std::vector<const Column*> group_columns;  // per customer: integer codes or values
  std::vector<MeasureInput> measures;
  std::span<const Bucket> bucket;  // per customer, ascending
  parallel::BucketRange range;     // this rank's buckets
};

// One cell of the result. Integers stay exact (sums of int64 in 128 bits).
struct StatValue {
  enum class Kind : std::uint8_t { Missing, Int, Float } kind = Kind::Missing;
  Int128 integer = 0;
  double real = 0.0;
};

struct GroupStats {
  std::string id;
  std::vector<std::string> group_by;
  std::vector<std::string> measures;
  std::vector<std::vector<std::int64_t>> keys;  // per group: the group-by values (missing = INT64_MIN)
  std::vector<std::int64_t> counts;             // customers per group
  std::vector<std::vector<StatValue>> values;   // per group, per measure

  // The group-by value `key` of group-by column `column` as written in the
  // CSV (e.g. a category's label); missing keys are empty fields.
  using KeyLabel = std::function<std::string(std::size_t column, std::int64_t key)>;

  nlohmann::json to_json() const;
  // One line per group: the group-by values (numbers, or `label` of them),
  // customers, then every measure; fields with a comma or quote are quoted.
  std::string to_csv(const KeyLabel& label = {}) const;
};

// Collective. Every rank gets the whole result.
GroupStats compute_group_stats(const parallel::Comm& comm, const GroupStatsInput& input);

}  // namespace portrait::stats
