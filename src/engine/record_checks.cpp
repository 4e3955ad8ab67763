// src/engine/record_checks.cpp: per-record checks on read.
#include "engine/record_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "core/error.hpp"
#include "io/schema.hpp"

namespace portrait::engine {
namespace {

// Codes spanning up to this many values are held as a bitmap (16 MiB at
// most); wider, sparse ones (28-bit cell identities, say) as a sorted list.
constexpr std::int64_t kMaxBitmapSpan = std::int64_t{1} << 27;

template <class T>
void mark_where(std::vector<std::int8_t>& reason, const std::vector<T>& values, Reason why, auto&& bad) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (reason[i] == 0 && bad(values[i])) reason[i] = static_cast<std::int8_t>(why);
  }
}

// Sets values of good rows failing `bad` missing and counts them under `why`.
template <class T>
void clear_where(const std::vector<std::int8_t>& reason, std::vector<T>& values, Reason why,
                 ChannelAccount& account, auto&& bad) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (reason[i] != 0 || is_missing(values[i]) || !bad(values[i])) continue;
    values[i] = missing<T>();
    ++account.set_missing[static_cast<std::size_t>(why)];
  }
}

std::vector<std::int32_t> dictionary_codes(const io::Dictionary& d) {
  std::vector<std::int32_t> codes;
  for (const auto& [code, label] : d.entries) codes.push_back(code);
  return codes;
}

// The codes a column may hold, or nullopt when nothing says (a dictionary
// neither the reference file nor the standard tables have, an empty table).
std::optional<std::vector<std::int32_t>> allowed_codes(const io::Codes& codes,
                                                       const io::Reference& reference) {
  using Kind = io::Codes::Kind;
  switch (codes.kind) {
    case Kind::None:
      return std::nullopt;
    case Kind::Dictionary:
      for (const auto& d : reference.dictionaries) {
        if (d.name == codes.name) return dictionary_codes(d);
      }
      for (const auto& d : io::standard_dictionaries()) {
        if (d.name == codes.name) return dictionary_codes(d);
      }
      return std::nullopt;
    case Kind::Range: {
      std::vector<std::int32_t> all;
      for (std::int32_t c = codes.low; c <= codes.high; ++c) all.push_back(c);
      return all;
    }
    case Kind::ReferenceKey: {
      const Table& table = codes.name == "cells" ? reference.cells : reference.domains;
      if (table.rows() == 0) return std::nullopt;
      return table.column(0).values<std::int32_t>();  // the key: cell_id, domain_id
    }
  }
  return std::nullopt;
}

// Every value of a signed integer column, as int64, for code checks.
template <class Visit>
void visit_integers(Column& column, Visit&& visit) {
  column.visit([&](auto& values) {
    using T = typename std::decay_t<decltype(values)>::value_type;
    if constexpr (std::is_signed_v<T> && std::is_integral_v<T>) visit(values);
  });
}

}  // namespace

CodeSet::CodeSet(std::vector<std::int32_t> codes) {
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  if (codes.empty()) return;
  const std::int64_t span = std::int64_t{codes.back()} - codes.front() + 1;
  if (span > kMaxBitmapSpan) {
    sparse_ = std::move(codes);
    return;
  }
  low_ = codes.front();
  bits_.assign(static_cast<std::size_t>((span + 63) / 64), 0);
  for (const auto c : codes) {
    const auto k = static_cast<std::uint64_t>(c - low_);
    bits_[k / 64] |= std::uint64_t{1} << (k % 64);
  }
}

bool CodeSet::contains_sparse(std::int64_t code) const {
  return std::binary_search(sparse_.begin(), sparse_.end(), code,
                            [](std::int64_t a, std::int64_t b) { return a < b; });
}

RecordChecks::RecordChecks(const JobSpec& job,
                           const std::map<std::string, std::set<std::string>>& shard_months,
                           const io::Reference& reference)
    : period_(job.period) {
  for (const auto& schema : io::channel_schemas()) {
    std::vector<int>& months = months_[schema.name];
    const auto declared = shard_months.find(schema.name);
    std::vector<Period> allowed;
    for (int back = job.history_months; back >= 1; --back) {
      const Period m = job.period.plus_months(-back);
      if (declared != shard_months.end() && declared->second.count(m.to_string()) != 0) allowed.push_back(m);
    }
    allowed.push_back(job.period);
    if (schema.time_unit != io::TimeUnit::None) {
      TimeWindow& w = windows_[schema.name];
      w.column = schema.time_column;
      w.whole = {io::month_span(schema.time_unit, job.period.plus_months(-job.history_months)).begin,
                 io::month_span(schema.time_unit, job.period).end};
      for (const Period& m : allowed) {
        const io::TimeSpan span = io::month_span(schema.time_unit, m);
        if (!w.spans.empty() && w.spans.back().end == span.begin) {
          w.spans.back().end = span.end;
        } else {
          w.spans.push_back(span);
        }
      }
    }
    for (const Period& m : allowed) months.push_back(m.yyyymm());
    for (const auto& column : schema.columns) {
      if (auto codes = allowed_codes(column.codes, reference))
        coded_[schema.name].push_back({column.name, CodeSet(*codes)});
    }
  }
}

const std::vector<int>& RecordChecks::months_of(const std::string& channel) const {
  const auto it = months_.find(channel);
  if (it == months_.end()) throw std::logic_error("no months for channel '" + channel + "'");
  return it->second;
}

std::string RecordChecks::describe_history() const {
  std::string text;
  for (const auto& schema : io::channel_schemas()) {
    if (schema.time_column.empty()) continue;
    const auto& months = months_.at(schema.name);
    if (months.size() < 2) continue;
    text += fmt::format("{}{} {}..{}", text.empty() ? "" : ", ", schema.name, months.front(), months.back());
  }
  return text.empty() ? "no channel keeps history months" : "history months: " + text;
}

void RecordChecks::check(const std::string& channel, Table& records, ChannelAccount& account) const {
  auto& reason = records.values<std::int8_t>("_reason");
  mark_where(reason, records.values<std::int64_t>("customer_id"), Reason::kInvalidCustomerId,
             [](std::int64_t id) { return is_missing(id) || id <= 0; });
  if (channel == "customers") {
    check_customers(records, account);
    return;
  }

  const io::ChannelSchema& schema = io::channel_schema(channel);
  if (const auto it = windows_.find(channel); it != windows_.end()) {
    const TimeWindow& w = it->second;
    // Records in a history month the channel's shards are not of are
    // shifted records; with every month of the window allowed there is
    // nothing to look up.
    const bool every_month = w.spans.size() == 1 && w.spans[0].begin == w.whole.begin;
    visit_integers(records.column(w.column), [&](const auto& times) {
      mark_where(reason, times, Reason::kMissingTime, [](auto t) { return is_missing(t); });
      mark_where(reason, times, Reason::kOutsidePeriod, [&](auto t) { return !w.whole.contains(t); });
      if (every_month) return;
      mark_where(reason, times, Reason::kOutsideChannelMonths, [&](auto t) {
        return std::none_of(w.spans.begin(), w.spans.end(),
                            [t](const io::TimeSpan& s) { return s.contains(t); });
      });
    });
  }

  for (const auto& column : schema.columns) {
    if (column.sign != io::Sign::NonNegative || !records.has(column.name)) continue;
    visit_integers(records.column(column.name), [&](const auto& values) {
      mark_where(reason, values, Reason::kNegativeValue, [](auto v) { return !is_missing(v) && v < 0; });
    });
  }
  if (const auto it = coded_.find(channel); it != coded_.end()) {
    for (const auto& coded : it->second) {
      if (!records.has(coded.column)) continue;
      visit_integers(records.column(coded.column), [&](const auto& values) {
        mark_where(reason, values, Reason::kUnknownCode,
                   [&](auto v) { return !is_missing(v) && !coded.codes.contains(v); });
      });
    }
  }
}

void RecordChecks::check_customers(Table& records, ChannelAccount& account) const {
  const auto& reason = records.values<std::int8_t>("_reason");
  for (const auto& column : io::channel_schema("customers").columns) {
    if (column.sign != io::Sign::NonNegative || !records.has(column.name)) continue;
    visit_integers(records.column(column.name), [&](auto& values) {
      clear_where(reason, values, Reason::kNegativeValue, account, [](auto v) { return v < 0; });
    });
  }
  if (const auto it = coded_.find("customers"); it != coded_.end()) {
    for (const auto& coded : it->second) {
      if (!records.has(coded.column)) continue;
      visit_integers(records.column(coded.column), [&](auto& values) {
        clear_where(reason, values, Reason::kUnknownCode, account,
                    [&](auto v) { return !coded.codes.contains(v); });
      });
    }
  }
  // Dates: a customer joins before the end of the period (the table is the
  // period's end snapshot), a contract ends after the join, and a birth year
  // is within 120 years before the period.
  if (!records.has("join_date") || !records.has("contract_end") || !records.has("birth_year")) return;
  const UnixSeconds end = period_.end();
  auto& join = records.values<std::int64_t>("join_date");
  auto& contract_end = records.values<std::int64_t>("contract_end");
  for (std::size_t i = 0; i < join.size(); ++i) {
    if (reason[i] == 0 && !is_missing(join[i]) && !is_missing(contract_end[i]) && join[i] < end &&
        contract_end[i] < join[i]) {
      contract_end[i] = missing<std::int64_t>();
      ++account.set_missing[static_cast<std::size_t>(Reason::kImplausibleDate)];
    }
  }
  clear_where(reason, join, Reason::kImplausibleDate, account, [end](std::int64_t t) { return t >= end; });
  clear_where(reason, records.values<std::int32_t>("birth_year"), Reason::kImplausibleDate, account,
              [this](std::int32_t y) { return y < period_.year - 120 || y > period_.year; });
}

}  // namespace portrait::engine
