// src/io/output_rows.hpp: reading part of a table that a run wrote
// (tags.h5 `customers`): its columns, and the rows of a range of buckets, so
// each rank of a comparison or report reads only the buckets it owns. Rows of
// such a table are in (bucket, customer_id) order with a `bucket` column.
// Serial HDF5 access on the calling rank; main thread only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/column.hpp"

namespace portrait::io {

struct OutputColumn {
  std::string name;
  ColumnType type = ColumnType::Int64;
  // A tag column's `value_type` (bool, int, float, category) and, for a
  // category, `labels` (a JSON array its codes index), as the run wrote them.
  std::map<std::string, std::string> attributes;
};

// The columns of table `name` in `path`, in creation order, and its row count.
struct OutputTableShape {
  std::vector<OutputColumn> columns;
  std::uint64_t rows = 0;
};
OutputTableShape output_table_shape(const std::string& path, const std::string& name);

// Rows [first, end) of the table holding buckets [bucket_begin, bucket_end),
// found by bisection of its `bucket` column (which must be ascending).
std::pair<std::uint64_t, std::uint64_t> output_bucket_rows(const std::string& path, const std::string& name,
                                                           std::uint32_t bucket_begin,
                                                           std::uint32_t bucket_end);

// Rows [first, end) of the given columns. Throws portrait::Error naming the
// file, table and column.
Table read_output_rows(const std::string& path, const std::string& name,
                       const std::vector<std::string>& columns, std::uint64_t first, std::uint64_t end);

}  // namespace portrait::io
