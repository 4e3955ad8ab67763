// src/catalog/input_schema.cpp: the catalog schema from io's channel schema.
#include "catalog/input_schema.hpp"

#include "io/schema.hpp"

namespace portrait::catalog {

CatalogSchema input_schema(const Period& period,
                           const std::map<std::string, std::vector<SchemaColumn>>& extra_columns,
                           std::vector<PreviousTag> previous) {
  CatalogSchema schema;
  schema.previous = std::move(previous);
  for (const auto& channel : io::channel_schemas()) {
    ChannelColumns c;
    c.channel = channel.name;
    for (const auto& column : channel.columns) c.columns.push_back({column.name, column.type});
    if (auto extra = extra_columns.find(channel.name); extra != extra_columns.end()) {
      c.columns.insert(c.columns.end(), extra->second.begin(), extra->second.end());
    }
    c.time_column = channel.time_column;
    c.time_kind = channel.time_unit == io::TimeUnit::YearMonth     ? TimeKind::YearMonth
                  : channel.time_unit == io::TimeUnit::UnixSeconds ? TimeKind::UnixSeconds
                                                                   : TimeKind::None;
    schema.channels.push_back(std::move(c));
  }
  using T = ColumnType;
  // store_id is not in the reference file: the run derives each cell's
  // nearest store from the coordinates (engine/reference_lookups).
  schema.references.push_back(
      {"cells",
       "cell_id",
       {{"cell_id", T::Int32}, {"lat", T::Float64}, {"lon", T::Float64}, {"store_id", T::Int32}}});
  schema.references.push_back(
      {"domains", "domain_id", {{"domain_id", T::Int32}, {"category1", T::Int32}, {"category2", T::Int32}}});
  schema.period_start = period.start();
  schema.period_end = period.end();
  return schema;
}

}  // namespace portrait::catalog
