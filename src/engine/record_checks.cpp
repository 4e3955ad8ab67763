// src/engine/record_checks.cpp: per-record checks on read.
#include "engine/record_checks.hpp"

#include <array>

#include "engine/accounting.hpp"
#include "io/schema.hpp"

namespace portrait::engine {
namespace {

// Columns that hold money, durations or volumes, which are never negative.
constexpr std::array kNonNegative{"amount", "charge",       "duration_s",
                                  "bytes",  "data_mb_used", "voice_min_used"};

template <class T>
void mark_where(std::vector<std::int8_t>& reason, const std::vector<T>& values, Reason why, auto&& bad) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (reason[i] == 0 && bad(values[i])) reason[i] = static_cast<std::int8_t>(why);
  }
}

}  // namespace

void mark_bad_records(const std::string& channel, const JobSpec& job, Table& records) {
  auto& reason = records.values<std::int8_t>("_reason");
  mark_where(reason, records.values<std::int64_t>("customer_id"), Reason::kInvalidCustomerId,
             [](std::int64_t id) { return is_missing(id) || id <= 0; });

  const std::string& time = io::channel_schema(channel).time_column;
  if (time == "ts") {
    const UnixSeconds from = job.history_start(), to = job.period.end();
    const auto& ts = records.values<std::int64_t>("ts");
    mark_where(reason, ts, Reason::kMissingTime, [](std::int64_t t) { return is_missing(t); });
    mark_where(reason, ts, Reason::kOutsidePeriod, [&](std::int64_t t) { return t < from || t >= to; });
  } else if (time == "month") {
    const int from = job.period.plus_months(-job.history_months).yyyymm(), to = job.period.yyyymm();
    const auto& month = records.values<std::int32_t>("month");
    mark_where(reason, month, Reason::kMissingTime, [](std::int32_t m) { return is_missing(m); });
    mark_where(reason, month, Reason::kOutsidePeriod, [&](std::int32_t m) { return m < from || m > to; });
  }

  for (const char* name : kNonNegative) {
    if (!records.has(name)) continue;
    records.column(name).visit([&](const auto& values) {
      using T = typename std::decay_t<decltype(values)>::value_type;
      if constexpr (std::is_signed_v<T>) {
        mark_where(reason, values, Reason::kNegativeValue, [](T v) { return !is_missing(v) && v < 0; });
      }
    });
  }
}

}  // namespace portrait::engine
