// src/io/synthetic_dirt.cpp: planting dirty records.
#include "io/synthetic_dirt.hpp"

#include "io/schema.hpp"

namespace portrait::io::synthetic {
namespace {

enum Dirt : std::uint64_t {
  kUnknownId,
  kZeroId,
  kNegativeMoney,
  kOutsidePeriod,
  kDuplicate,
  kMissingValue,
  kKinds
};

void set_missing(Column& column, std::size_t row) {
  column.visit([row](auto& values) {
    using V = typename std::decay_t<decltype(values)>::value_type;
    values[row] = missing<V>();
  });
}

void copy_row(Table& table, std::size_t from, std::size_t to) {
  for (std::size_t c = 0; c < table.column_count(); ++c) {
    table.column(c).visit([from, to](auto& values) { values[to] = values[from]; });
  }
}

// Ids of records whose customer does not exist. Customer ids are
// generation x customers + slot + 1, and a slot gets a new generation at
// most once a month, so no customer of any plausible size and month reaches
// this (2^52: a billion customers over four million months).
constexpr std::int64_t kUnknownIdBase = std::int64_t{1} << 52;

const char* money_column(const std::string& channel) {
  if (channel == "billing") return "amount";
  if (channel == "usage") return "charge";
  if (channel == "customers") return "plan_fee";
  return nullptr;
}

}  // namespace

void add_dirt(const Options& options, std::uint64_t slice, Table& table) {
  if (options.dirty_rate <= 0) return;
  const std::string& channel = table.name();
  const char* money = money_column(channel);
  const bool has_ts = table.has("ts");
  const std::size_t schema_columns = channel_schema(channel).columns.size();
  auto& ids = table.values<std::int64_t>("customer_id");
  for (std::size_t row = 0; row < table.rows(); ++row) {
    KeyedRandom r(options.seed, slice_key(static_cast<std::int64_t>(slice), static_cast<std::int64_t>(row)),
                  kDirt);
    if (r.uniform() >= options.dirty_rate) continue;
    Dirt kind = static_cast<Dirt>(r.below(kKinds));
    // Where a fault does not fit the channel, the record gets a missing value.
    if ((kind == kUnknownId && channel == "customers") || (kind == kNegativeMoney && money == nullptr) ||
        (kind == kDuplicate && row == 0)) {
      kind = kMissingValue;
    }
    switch (kind) {
      case kUnknownId:
        ids[row] = kUnknownIdBase + static_cast<std::int64_t>(r.below(1000000));
        break;
      case kZeroId:
        ids[row] = 0;
        break;
      case kNegativeMoney: {
        auto& v = table.values<std::int64_t>(money)[row];
        v = -(v < 0 ? -v : v) - 1 - static_cast<std::int64_t>(r.below(10000));
        break;
      }
      case kOutsidePeriod:
        if (has_ts) {
          table.values<std::int64_t>("ts")[row] -=
              (40 + static_cast<std::int64_t>(r.below(300))) * kSecondsPerDay;
        } else if (channel == "billing") {
          table.values<std::int32_t>("month")[row] = options.period.plus_months(1).yyyymm();
        } else {
          table.values<std::int64_t>("join_date")[row] = options.period.end() + 40 * kSecondsPerDay;
        }
        break;
      case kDuplicate:
        copy_row(table, row - 1, row);
        break;
      case kMissingValue:
      case kKinds:
        // A required column: extra columns (the planted labels) stay clean.
        set_missing(table.column(1 + r.below(schema_columns - 1)), row);
        break;
    }
  }
}

}  // namespace portrait::io::synthetic
