// src/catalog/catalog_schema.hpp: the channels and reference tables a catalog
// is compiled against, given as data (tables may carry extra columns, e.g. an
// imported CSV's features), so the same compiler serves any input schema.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/expr_types.hpp"
#include "core/types.hpp"

namespace portrait::catalog {

struct SchemaColumn {
  std::string name;
  ColumnType type = ColumnType::Int64;
};

// How a channel's records are placed in time, for windows and first/last.
enum class TimeKind : std::uint8_t {
  None,         // no time column (customers)
  UnixSeconds,  // e.g. usage.ts
  YearMonth     // e.g. billing.month, YYYYMM: the record belongs to that calendar month
};

struct ChannelColumns {
  std::string channel;
  std::vector<SchemaColumn> columns;  // customer_id first
  std::string time_column;            // empty when time_kind is None
  TimeKind time_kind = TimeKind::None;

  const SchemaColumn* find(std::string_view name) const {
    for (const auto& c : columns) {
      if (c.name == name) return &c;
    }
    return nullptr;
  }
};

// A lookup table keyed by one integer column, e.g. cells: cell_id -> store_id.
struct ReferenceColumns {
  std::string table;
  std::string key;
  std::vector<SchemaColumn> columns;  // the key first

  const SchemaColumn* find(std::string_view name) const {
    for (const auto& c : columns) {
      if (c.name == name) return &c;
    }
    return nullptr;
  }
};

// Rules read last month's tag `x` as `prev.x`.
inline constexpr std::string_view kPreviousPrefix = "prev.";

// A tag of the previous month's run (the job's `inputs: previous`), which
// rules read as `prev.<name>`; a customer new this month has it missing.
struct PreviousTag {
  std::string name;
  ColumnType column_type = ColumnType::Int64;
  ValueType type = ValueType::Int;
  std::vector<std::string> labels;  // Category only: the previous run's labels
};

struct CatalogSchema {
  std::vector<ChannelColumns> channels;  // includes "customers"
  std::vector<ReferenceColumns> references;
  std::vector<PreviousTag> previous;
  // The month being computed, [period_start, period_end) in Unix seconds:
  // expressions read them as the constants `period_start` and `period_end`.
  std::int64_t period_start = 0;
  std::int64_t period_end = 0;

  const ChannelColumns* channel(std::string_view name) const {
    for (const auto& c : channels) {
      if (c.channel == name) return &c;
    }
    return nullptr;
  }
  const ReferenceColumns* reference(std::string_view name) const {
    for (const auto& r : references) {
      if (r.table == name) return &r;
    }
    return nullptr;
  }
};

}  // namespace portrait::catalog
