// src/engine/accounting.cpp: per-channel record accounting.
#include "engine/accounting.hpp"

#include <numeric>

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
  }
  return "?";
}

std::int64_t ChannelAccount::quarantined_total() const {
  return std::accumulate(quarantined.begin(), quarantined.end(), std::int64_t{0});
}

Accounting::Accounting(const std::vector<std::string>& channels) {
  for (const auto& c : channels) accounts_.push_back({c, 0, 0, {}});
}

Accounting Accounting::global(const parallel::Comm& comm) const {
  std::vector<std::int64_t> flat;
  for (const auto& a : accounts_) {
    flat.push_back(a.read);
    flat.push_back(a.used);
    flat.insert(flat.end(), a.quarantined.begin(), a.quarantined.end());
  }
  const auto sum = parallel::sum<std::int64_t>(comm, flat);
  Accounting out = *this;
  std::size_t k = 0;
  for (auto& a : out.accounts_) {
    a.read = sum[k++];
    a.used = sum[k++];
    for (auto& q : a.quarantined) q = sum[k++];
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
  }
  return out;
}

}  // namespace portrait::engine
