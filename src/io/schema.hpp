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
#include "core/types.hpp"

namespace portrait::io {

struct ColumnSpec {
  std::string name;
  ColumnType type;
  std::string meaning;  // unit and codes, for inspect and the docs
};

struct ChannelSchema {
  std::string name;
  std::vector<ColumnSpec> columns;  // required columns, customer_id first
  // The column that places a record in time: "ts" (Unix seconds), "month"
  // (YYYYMM, billing) or "" (customers: one row per customer).
  std::string time_column;

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
