// src/io/schema.hpp: the seven input channels and their required columns
// (name, exact type, unit), and the code tables of the coded columns. This is
// the data contract between source systems, the importer, the generator and
// the engine; docs/shard-format.md documents the same in prose.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/column.hpp"
#include "core/period.hpp"
#include "core/types.hpp"

namespace portrait::io {

// The values a coded column may hold besides its missing value: the codes of
// a dictionary (the reference file's of that name, else the standard one), a
// range of codes, or the keys of a reference table.
struct Codes {
  enum class Kind : std::uint8_t { None, Dictionary, Range, ReferenceKey };
  Kind kind = Kind::None;
  std::string name;                // Dictionary: its name; ReferenceKey: the table (cells, domains)
  std::int32_t low = 0, high = 0;  // Range: [low, high]

  static Codes dictionary(std::string name) { return {Kind::Dictionary, std::move(name), 0, 0}; }
  static Codes range(std::int32_t low, std::int32_t high) { return {Kind::Range, {}, low, high}; }
  static Codes reference_key(std::string table) { return {Kind::ReferenceKey, std::move(table), 0, 0}; }
};

// A money, duration or volume: never negative, so a customer's sum over any
// subset of records is at most the sum over all of them.
enum class Sign : std::uint8_t { Any, NonNegative };

struct ColumnSpec {
  std::string name;
  ColumnType type;
  std::string meaning;  // unit and codes, for inspect and the docs
  Codes codes = {};
  Sign sign = Sign::Any;
};

// How a channel's time column places a record in time.
enum class TimeUnit : std::uint8_t {
  None,         // no time column (customers: one row per customer)
  UnixSeconds,  // int64 seconds UTC (usage.ts)
  YearMonth     // int32 YYYYMM: the record belongs to that calendar month (billing.month)
};

// The values [begin, end) of a time column in `unit` that fall in `month`.
struct TimeSpan {
  std::int64_t begin = 0, end = 0;
  bool contains(std::int64_t t) const { return t >= begin && t < end; }
};
TimeSpan month_span(TimeUnit unit, const Period& month);

struct ChannelSchema {
  std::string name;
  std::vector<ColumnSpec> columns;  // required columns, customer_id first
  std::string time_column;          // the column that places a record in time; "" with TimeUnit::None
  TimeUnit time_unit = TimeUnit::None;

  const ColumnSpec* find(std::string_view column) const;
};

// customers, billing, usage, web, service, marketing, identity (in that order).
const std::vector<ChannelSchema>& channel_schemas();
// Throws portrait::Error for unknown names, with a close-name hint.
const ChannelSchema& channel_schema(std::string_view channel);
std::vector<std::string> channel_names();
// An empty Table named after the channel with the required columns.
Table make_channel_table(std::string_view channel);

// A code table: code -> UTF-8 label, e.g. gender 1 -> "male".
struct Dictionary {
  std::string name;
  std::vector<std::pair<std::int32_t, std::string>> entries;
};
// The fixed code tables of the coded columns (gender, contract_type, kind,
// ...). Region and content categories depend on the data and are written to
// the reference file by whoever makes the data.
const std::vector<Dictionary>& standard_dictionaries();

}  // namespace portrait::io
