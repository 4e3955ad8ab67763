// src/engine/accounting.cpp: per-channel record accounting.
#include "engine/accounting.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "parallel/collectives.hpp"

namespace portrait::engine {

std::string_view to_string(Reason r) {
  switch (r) {
    case Reason::kNone:
      return "none";
    case Reason::kInvalidCustomerId:
      return "invalid_customer_id";
    case Reason::kMissingTime:
      return "missing_time";
    case Reason::kOutsidePeriod:
      return "outside_period";
    case Reason::kNegativeValue:
      return "negative_value";
    case Reason::kDuplicate:
      return "duplicate";
    case Reason::kUnknownCustomer:
      return "unknown_customer";
    case Reason::kOutsideChannelMonths:
      return "outside_channel_months";
    case Reason::kUnknownCode:
      return "unknown_code";
    case Reason::kSumOverflow:
      return "sum_overflow";
    case Reason::kImplausibleDate:
      return "implausible_date";
  }
  return "?";
}

std::int64_t ChannelAccount::quarantined_total() const {
  return std::accumulate(quarantined.begin(), quarantined.end(), std::int64_t{0});
}

std::vector<std::int64_t> ChannelAccount::counts() const {
  std::vector<std::int64_t> out{read, used};
  out.insert(out.end(), quarantined.begin(), quarantined.end());
  out.insert(out.end(), set_missing.begin(), set_missing.end());
  return out;
}

void ChannelAccount::add_counts(std::span<const std::int64_t> counts) {
  if (counts.size() != 2 + 2 * kReasonCount) throw std::logic_error("accounting counts of another layout");
  read += counts[0];
  used += counts[1];
  for (std::size_t r = 0; r < kReasonCount; ++r) {
    quarantined[r] += counts[2 + r];
    set_missing[r] += counts[2 + kReasonCount + r];
  }
}

Accounting::Accounting(const std::vector<std::string>& channels) {
  for (const auto& c : channels) accounts_.push_back({c, 0, 0, {}, {}});
}

Accounting Accounting::global(const parallel::Comm& comm) const {
  std::vector<std::int64_t> flat;
  for (const auto& a : accounts_) {
    const auto counts = a.counts();
    flat.insert(flat.end(), counts.begin(), counts.end());
  }
  const auto sum = parallel::sum<std::int64_t>(comm, flat);
  Accounting out(std::vector<std::string>{});
  const std::size_t width = sum.size() / std::max<std::size_t>(1, accounts_.size());
  for (std::size_t k = 0; k < accounts_.size(); ++k) {
    out.accounts_.push_back({accounts_[k].channel, 0, 0, {}, {}});
    out.accounts_.back().add_counts(std::span(sum).subspan(k * width, width));
  }
  return out;
}

std::vector<std::string> Accounting::unbalanced() const {
  std::vector<std::string> bad;
  for (const auto& a : accounts_) {
    if (a.read != a.used + a.quarantined_total()) bad.push_back(a.channel);
  }
  return bad;
}

nlohmann::json Accounting::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& a : accounts_) {
    nlohmann::json reasons = nlohmann::json::object();
    for (std::size_t r = 1; r < kReasonCount; ++r) {
      if (a.quarantined[r] != 0) reasons[std::string(to_string(static_cast<Reason>(r)))] = a.quarantined[r];
    }
    out[a.channel] = {{"read", a.read},
                      {"used", a.used},
                      {"quarantined", a.quarantined_total()},
                      {"quarantined_by_reason", reasons},
                      {"balanced", a.read == a.used + a.quarantined_total()}};
    nlohmann::json set_missing = nlohmann::json::object();
    for (std::size_t r = 1; r < kReasonCount; ++r) {
      if (a.set_missing[r] != 0)
        set_missing[std::string(to_string(static_cast<Reason>(r)))] = a.set_missing[r];
    }
    if (!set_missing.empty()) out[a.channel]["values_set_missing_by_reason"] = set_missing;
  }
  return out;
}

}  // namespace portrait::engine
