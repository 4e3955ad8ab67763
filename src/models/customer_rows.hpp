// src/models/customer_rows.hpp: what a model sees of a rank's customers: the
// owned bucket range, each row's bucket and id in (bucket, id) order, and
// float64 feature columns (NaN = missing). The engine fills it; models only read.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "parallel/bucket_reduce.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::models {

struct CustomerRows {
  parallel::BucketRange range;
  std::span<const Bucket> bucket;                 // one per row, non-decreasing, inside range
  std::span<const CustomerId> id;                 // one per row
  std::vector<std::span<const double>> features;  // one column per feature, one value per row
  std::vector<std::string> feature_names;         // one per feature
  std::vector<std::uint8_t> categorical{};        // per feature, 1: category codes; empty: all numeric

  std::size_t rows() const { return bucket.size(); }
  std::size_t dimension() const { return features.size(); }
};

// Collective check of the contract above (sizes, order, range, the same
// feature count everywhere); throws portrait::Error on every rank.
void check_rows(const parallel::Comm& comm, const CustomerRows& rows, const std::string& where);

// offsets[b] .. offsets[b + 1] are the rows of the b-th owned bucket.
std::vector<std::size_t> bucket_row_offsets(const CustomerRows& rows);

// One partial row of `width` per owned bucket, each filled by
// fill(bucket_rows_begin, bucket_rows_end, partial) on one OpenMP thread in
// row order, so the partials do not depend on the thread count.
template <class Fill>
std::vector<double> per_bucket_partials(const std::vector<std::size_t>& offsets, std::size_t width,
                                        Fill fill) {
  const std::size_t buckets = offsets.size() - 1;
  std::vector<double> partials(buckets * width, 0.0);
  const auto count = static_cast<long>(buckets);
#pragma omp parallel for schedule(dynamic, 8)
  for (long b = 0; b < count; ++b) {
    const auto i = static_cast<std::size_t>(b);
    fill(offsets[i], offsets[i + 1], partials.data() + i * width);
  }
  return partials;
}

}  // namespace portrait::models
