// src/engine/record_checks.hpp: the checks a record passes on the rank that
// reads it, before it travels: a valid customer id, a time inside the months
// its channel may hold, no negative money, duration or volume, and codes
// inside their dictionaries. A failing record is marked with its Reason in
// the `_reason` column and travels on to its customer's owner like any
// other, so quarantined records are kept and written in the same
// deterministic order as the rest.
//
// Which months a channel's records may belong to: the period, and those of
// the job's history months that some shard of the channel is of (its
// `period` attribute). Billing shards of the lookback months make billing's
// history; a usage or marketing record dated in August, found in October's
// shards, is a shifted record (outside_channel_months), not history.
//
// A customer row is never quarantined for an attribute: an implausible one
// (a code outside its dictionary, a negative plan fee, a join date after the
// period, a contract that ends before the join, a birth year more than 120
// years back or after the period) is set missing and counted in the
// accounting (values_set_missing_by_reason).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/column.hpp"
#include "engine/accounting.hpp"
#include "engine/job.hpp"
#include "io/reference.hpp"

namespace portrait::engine {

// The codes a coded column may hold.
class CodeSet {
 public:
  CodeSet() = default;
  explicit CodeSet(std::vector<std::int32_t> codes);
  bool contains(std::int64_t code) const {
    if (!sparse_.empty()) return contains_sparse(code);
    const auto k = static_cast<std::uint64_t>(code - low_);
    return k / 64 < bits_.size() && ((bits_[k / 64] >> (k % 64)) & 1) != 0;
  }

 private:
  bool contains_sparse(std::int64_t code) const;

  std::int64_t low_ = 0;
  std::vector<std::uint64_t> bits_;   // bit k: code low_ + k
  std::vector<std::int32_t> sparse_;  // sorted, when the codes span too wide for bits
};

class RecordChecks {
 public:
  // `shard_months`: per channel, the periods ("YYYY-MM") its shards are of.
  // `reference`: the job's reference file (dictionaries, cells, domains); an
  // empty table or an absent dictionary leaves its columns unchecked.
  RecordChecks(const JobSpec& job, const std::map<std::string, std::set<std::string>>& shard_months,
               const io::Reference& reference);

  // Marks failing rows of `records` (which has a `_reason` column, 0 = good)
  // with the first failing check's Reason; rows already marked stay as they
  // are. For the customers channel, sets implausible values missing and
  // counts them in `account.set_missing`.
  void check(const std::string& channel, Table& records, ChannelAccount& account) const;

  // The months (YYYYMM, ascending) whose records `channel` may hold.
  const std::vector<int>& months_of(const std::string& channel) const;
  // One line for the log: each channel with history and its months.
  std::string describe_history() const;

 private:
  struct CodedColumn {
    std::string column;
    CodeSet codes;
  };
  // Where a channel's records may lie, in its time column's unit.
  struct TimeWindow {
    std::string column;
    io::TimeSpan whole;               // the history window's first month to the period's end
    std::vector<io::TimeSpan> spans;  // the channel's months, adjacent ones joined
  };
  void check_customers(Table& records, ChannelAccount& account) const;

  Period period_;
  std::map<std::string, std::vector<int>> months_;  // by channel, YYYYMM ascending
  std::map<std::string, TimeWindow> windows_;       // by channel with a time column
  std::map<std::string, std::vector<CodedColumn>> coded_;
};

}  // namespace portrait::engine
