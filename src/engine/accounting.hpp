// src/engine/accounting.hpp: nothing is lost. Every record read is counted,
// and ends either used or quarantined with a reason; the global identity
// read = used + quarantined is checked at the end of every run and written to
// the manifest.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "parallel/mpi_context.hpp"

namespace portrait::engine {

// Why a record was quarantined. Stored as int8 beside the record (column
// `_reason`), 0 meaning good; the order here is the order of reports, and
// codes are never renumbered (quarantine tables of earlier runs keep them).
enum class Reason : std::int8_t {
  kNone = 0,
  kInvalidCustomerId,     // customer_id <= 0 or missing
  kMissingTime,           // the channel's time column is missing
  kOutsidePeriod,         // time before the history window or after the period
  kNegativeValue,         // a money, duration or volume below zero
  kDuplicate,             // identical to an earlier record (or a repeated customer row)
  kUnknownCustomer,       // no row in the customers table
  kOutsideChannelMonths,  // in a history month no shard of its channel is of (see record_checks.hpp)
  kUnknownCode,           // a code outside its dictionary, or a cell or domain not in the reference file
  kSumOverflow,           // among the largest values of a customer whose sum would overflow int64
  kImplausibleDate,       // customers only, never quarantined: see ChannelAccount::set_missing
};
constexpr std::size_t kReasonCount = 11;
std::string_view to_string(Reason r);

struct ChannelAccount {
  std::string channel;
  std::int64_t read = 0;
  std::int64_t used = 0;
  std::array<std::int64_t, kReasonCount> quarantined{};  // by Reason
  // Values set missing in records that are kept, by Reason: a customer row
  // is never quarantined for one bad attribute (that would drop the
  // customer and every record of theirs), the attribute becomes missing.
  std::array<std::int64_t, kReasonCount> set_missing{};

  std::int64_t quarantined_total() const;
  // Every count as one flat list (read, used, quarantined, set_missing), for
  // checkpoints, and adding such a list back.
  std::vector<std::int64_t> counts() const;
  void add_counts(std::span<const std::int64_t> counts);
};

class Accounting {
 public:
  explicit Accounting(const std::vector<std::string>& channels);

  ChannelAccount& channel(std::size_t i) { return accounts_[i]; }
  const std::vector<ChannelAccount>& channels() const { return accounts_; }

  // Collective: the sum over ranks (exact int64), on every rank.
  Accounting global(const parallel::Comm& comm) const;
  // The channels whose counts do not add up (read != used + quarantined).
  std::vector<std::string> unbalanced() const;
  nlohmann::json to_json() const;

 private:
  std::vector<ChannelAccount> accounts_;
};

}  // namespace portrait::engine
