// src/stats/run_comparison.hpp: month over month: the customers of two runs
// (an earlier and a later month) compared tag by tag. For categorical tags a
// migration matrix (customers in both runs by their value in each), new and
// lost customers by value; for categorical and boolean tags the share of each
// value in each run; for numeric tags count, mean and median in each run.
// Counting is local and pure (count_blocks, testable without MPI); the
// driver (compare_runs) reads each rank's buckets of both runs and reduces
// the counts exactly, so results are the same at any rank count.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/column.hpp"
#include "core/types.hpp"
#include "parallel/mpi_context.hpp"
#include "parallel/partition.hpp"
#include "stats/run_output.hpp"

namespace portrait::stats {

// The value a missing (or unknown) code counts as: its own row and column.
inline constexpr const char* kMissingValue = "(missing)";

enum class TagShape : std::uint8_t { Categorical, Boolean, Numeric };

// One compared tag and how each run's stored codes map to its values.
struct ComparedTag {
  std::string id;
  TagShape shape = TagShape::Numeric;
  bool integer = false;    // Numeric: an integer column (exact sums)
  bool migration = false;  // Categorical/Boolean: gets a migration matrix
  // Categorical/Boolean: labels of run A, then those only in run B, then kMissingValue.
  std::vector<std::string> values;
  std::vector<std::size_t> index_a;  // code of run A -> index into values
  std::vector<std::size_t> index_b;
  // Index into values of a stored code of run A (b false) or B; missing or
  // unknown codes give the last value (kMissingValue).
  std::size_t value_index(bool b, std::int64_t code) const;
};

// A Categorical tag from each run's labels (code = position).
ComparedTag categorical_tag(const std::string& id, const std::vector<std::string>& labels_a,
                            const std::vector<std::string>& labels_b, bool migration);
ComparedTag boolean_tag(const std::string& id, bool migration);
ComparedTag numeric_tag(const std::string& id, bool integer);

// Counts of the Categorical/Boolean tags over some customers, all int64.
struct ValueCounts {
  std::vector<std::int64_t> a, b;      // customers of each run by value
  std::vector<std::int64_t> matrix;    // migration: values x values, row = value in A, column = in B
  std::vector<std::int64_t> added_by;  // migration: new customers (in B only) by value in B
  std::vector<std::int64_t> lost_by;   // migration: lost customers (in A only) by value in A
};

struct BlockCounts {
  std::int64_t customers_a = 0;
  std::int64_t customers_b = 0;
  std::int64_t both = 0;
  std::int64_t added = 0;         // in B, not in A
  std::int64_t lost = 0;          // in A, not in B
  std::vector<ValueCounts> tags;  // one per compared tag (empty for numeric ones)

  // Every count in a fixed order, for an exact reduction, and back.
  std::vector<std::int64_t> flat() const;
  void assign_flat(const std::vector<std::int64_t>& values);
};

// Each row's index into tag.values of a Categorical/Boolean tag's column of
// run A (b false) or run B.
std::vector<std::uint32_t> value_indexes(const ComparedTag& tag, bool b, const Column& column);

// Counts over the rows of both runs in one range of buckets: `a` and `b` hold
// customer_id, bucket and every compared tag's column, in (bucket,
// customer_id) order; customers are matched by id.
BlockCounts count_blocks(const Table& a, const Table& b, const std::vector<ComparedTag>& tags);

// One numeric column's values on this rank, gathered for exact summaries
// over all ranks (summarize_values).
struct LocalValues {
  bool integer = true;               // an integer column (exact sums); else float64
  std::vector<std::int64_t> sorted;  // the values, ascending (floats as parallel::ordered_bits)
  std::int64_t missing = 0;
  Int128 sum = 0;                   // integer columns
  std::vector<double> bucket_sums;  // float columns: per bucket of the rank's range, in row order
  double value(std::int64_t sorted_value) const;  // an entry of `sorted` as a number
};
// `bucket` holds each row's bucket, all within `range`.
LocalValues local_values(const Column& column, std::span<const std::int32_t> bucket,
                         const parallel::BucketRange& range);

struct ValueSummary {
  std::int64_t count = 0;  // with a value
  std::int64_t missing = 0;
  std::optional<double> mean;
  std::vector<double> quantiles;  // nearest-rank, as asked; empty without values
};
// Collective. Count, missing, mean and `quantiles` of each group over all
// ranks, the same bits at any rank count: integer sums exact, float sums per
// bucket along the fixed tree, quantiles exact.
std::vector<ValueSummary> summarize_values(const parallel::Comm& comm, const parallel::BucketRange& range,
                                           const std::vector<LocalValues>& groups,
                                           const std::vector<double>& quantiles);

struct NumericSummary {
  std::int64_t count = 0;  // customers with a value
  std::optional<double> mean;
  std::optional<double> median;  // nearest-rank lower median, exact
};

struct TagChange {
  ComparedTag tag;
  ValueCounts counts;        // Categorical/Boolean
  NumericSummary numeric_a;  // Numeric
  NumericSummary numeric_b;
};

struct RunComparison {
  std::string run_a, run_b;
  std::string period_a, period_b;
  std::int64_t customers_a = 0;
  std::int64_t customers_b = 0;
  std::int64_t both = 0;
  std::int64_t added = 0;
  std::int64_t lost = 0;
  std::vector<TagChange> tags;
  std::vector<std::string> warnings;  // mismatched catalogs, tags in one run only
};

// The tags compared between two opened runs: every tag column both runs
// hold (warnings name the others); migration matrices for `migration_tags`,
// or when empty for the categorical tags the catalog's statistics group by.
// Throws portrait::Error for a requested tag missing in a run or not categorical.
std::vector<ComparedTag> compared_tags(const RunOutput& a, const RunOutput& b,
                                       const std::vector<std::string>& migration_tags,
                                       std::vector<std::string>& warnings);

// Collective. Each rank reads its buckets of both runs; every rank returns
// the same comparison. Errors (a run incomplete, different bucket counts, a
// tag missing) are thrown on every rank.
RunComparison compare_runs(const parallel::Comm& comm, const std::string& run_a, const std::string& run_b,
                           const std::vector<std::string>& migration_tags);

// Share in percent of `count` in `total` (0 when total is 0).
double share_percent(std::int64_t count, std::int64_t total);

// The output files (CSV and JSON) of a comparison; see docs/month-over-month.md.
std::string migration_csv(const RunComparison& c);
std::string shares_csv(const RunComparison& c);
std::string numeric_csv(const RunComparison& c);
std::string new_lost_csv(const RunComparison& c);
std::string comparison_json(const RunComparison& c);
// The summary printed by `portrait compare`.
std::string comparison_text(const RunComparison& c);

}  // namespace portrait::stats
