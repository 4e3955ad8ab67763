// src/models/standardize.cpp: feature scaling from bucket-ordered reductions.
#include "models/standardize.hpp"

#include <cmath>

namespace portrait::models {

Scaling fit_scaling(const parallel::Comm& comm, const CustomerRows& rows) {
  const std::size_t d = rows.dimension();
  const std::vector<std::size_t> offsets = bucket_row_offsets(rows);
  // Counts are integers below 2^53: exact in doubles, whatever the order.
  const std::vector<double> count_and_sum =
      parallel::bucket_reduce(comm, rows.range,
                              per_bucket_partials(offsets, 2 * d,
                                                  [&](std::size_t begin, std::size_t end, double* partial) {
                                                    for (std::size_t i = begin; i < end; ++i) {
                                                      for (std::size_t j = 0; j < d; ++j) {
                                                        const double x = rows.features[j][i];
                                                        if (std::isnan(x)) continue;
                                                        partial[2 * j] += 1.0;
                                                        partial[2 * j + 1] += x;
                                                      }
                                                    }
                                                  }),
                              2 * d);
  Scaling scaling{std::vector<double>(d, 0.0), std::vector<double>(d, 1.0)};
  for (std::size_t j = 0; j < d; ++j) {
    if (count_and_sum[2 * j] > 0) scaling.mean[j] = count_and_sum[2 * j + 1] / count_and_sum[2 * j];
  }
  const std::vector<double> squares =
      parallel::bucket_reduce(comm, rows.range,
                              per_bucket_partials(offsets, d,
                                                  [&](std::size_t begin, std::size_t end, double* partial) {
                                                    for (std::size_t i = begin; i < end; ++i) {
                                                      for (std::size_t j = 0; j < d; ++j) {
                                                        const double x = rows.features[j][i];
                                                        if (std::isnan(x)) continue;
                                                        const double deviation = x - scaling.mean[j];
                                                        partial[j] += deviation * deviation;
                                                      }
                                                    }
                                                  }),
                              d);
  for (std::size_t j = 0; j < d; ++j) {
    const double deviation = count_and_sum[2 * j] > 0 ? std::sqrt(squares[j] / count_and_sum[2 * j]) : 0.0;
    if (deviation > 0) scaling.scale[j] = deviation;
  }
  return scaling;
}

std::vector<double> standardize(const CustomerRows& rows, const Scaling& scaling) {
  const std::size_t n = rows.rows();
  const std::size_t d = rows.dimension();
  std::vector<double> matrix(n * d);
  const auto count = static_cast<long>(n);
#pragma omp parallel for schedule(static)
  for (long r = 0; r < count; ++r) {
    const auto i = static_cast<std::size_t>(r);
    for (std::size_t j = 0; j < d; ++j) {
      const double x = rows.features[j][i];
      matrix[i * d + j] = std::isnan(x) ? 0.0 : (x - scaling.mean[j]) / scaling.scale[j];
    }
  }
  return matrix;
}

}  // namespace portrait::models
