// src/models/customer_rows.cpp: the input contract of every model, checked
// collectively, and the row range of each owned bucket.
#include "models/customer_rows.hpp"

#include <fmt/format.h>

#include "parallel/collective_error.hpp"
#include "parallel/collectives.hpp"

namespace portrait::models {

void check_rows(const parallel::Comm& comm, const CustomerRows& rows, const std::string& where) {
  std::string problem;
  const std::size_t n = rows.rows();
  if (rows.id.size() != n) problem = fmt::format("{} ids for {} rows", rows.id.size(), n);
  if (rows.feature_names.size() != rows.dimension()) {
    problem =
        fmt::format("{} feature names for {} feature columns", rows.feature_names.size(), rows.dimension());
  }
  for (std::size_t j = 0; j < rows.dimension() && problem.empty(); ++j) {
    if (rows.features[j].size() != n) {
      problem = fmt::format("feature {} has {} values for {} rows", rows.feature_names[j],
                            rows.features[j].size(), n);
    }
  }
  for (std::size_t i = 0; i < n && problem.empty(); ++i) {
    if (rows.bucket[i] < rows.range.begin || rows.bucket[i] >= rows.range.end) {
      problem = fmt::format("row {} is in bucket {}, outside the owned range [{}, {})", i, rows.bucket[i],
                            rows.range.begin, rows.range.end);
    } else if (i > 0 && rows.bucket[i] < rows.bucket[i - 1]) {
      problem = fmt::format("row {} (bucket {}) comes after bucket {}: rows must be in bucket order", i,
                            rows.bucket[i], rows.bucket[i - 1]);
    }
  }
  const std::uint64_t dims[2] = {parallel::minimum<std::uint64_t>(comm, rows.dimension()),
                                 parallel::maximum<std::uint64_t>(comm, rows.dimension())};
  if (problem.empty() && dims[0] != dims[1]) {
    problem = fmt::format("ranks disagree on the feature count ({} to {})", dims[0], dims[1]);
  }
  parallel::throw_if_any(comm, problem, where, "the engine must pass rows in (bucket, customer id) order");
}

std::vector<std::size_t> bucket_row_offsets(const CustomerRows& rows) {
  std::vector<std::size_t> offsets(rows.range.size() + 1, 0);
  std::size_t row = 0;
  for (std::size_t b = 0; b < rows.range.size(); ++b) {
    offsets[b] = row;
    while (row < rows.rows() && rows.bucket[row] == rows.range.begin + b) ++row;
  }
  offsets[rows.range.size()] = row;
  return offsets;
}

}  // namespace portrait::models
