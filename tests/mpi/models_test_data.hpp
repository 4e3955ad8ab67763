// tests/mpi/models_test_data.hpp: generated customers for the model tests:
// the same customers whatever the rank count, each rank holding its buckets
// in (bucket, id) order, with a planted churn signal and some missing values.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "core/types.hpp"
#include "models/customer_rows.hpp"

namespace portrait::models::testing {

struct GeneratedCustomers {
  std::vector<Bucket> bucket;
  std::vector<CustomerId> id;
  std::vector<std::vector<double>> columns;
  std::vector<std::string> names;
  std::vector<std::int8_t> label;
  parallel::BucketRange range;

  CustomerRows rows() const {
    CustomerRows r{range, bucket, id, {}, names};
    for (const auto& column : columns) r.features.emplace_back(column);
    return r;
  }
};

// Roughly normal, from four uniforms of the customer's own random stream.
inline double bell(KeyedRandom& random) {
  return (random.uniform() + random.uniform() + random.uniform() + random.uniform() - 2.0) * std::sqrt(3.0);
}

// Customers 1..count whose bucket lies in `range`; `dimension` features on
// different scales, 3% missing; churn = 1 with probability
// sigmoid(-1.5 + 1.2 z0 - 0.8 z1 + 0.4 z2), label missing for 10%.
inline GeneratedCustomers generate_customers(std::int64_t count, const parallel::BucketRange& range,
                                             std::size_t dimension) {
  GeneratedCustomers g;
  g.range = range;
  std::vector<std::pair<Bucket, CustomerId>> keys;
  for (CustomerId id = 1; id <= count; ++id) {
    const Bucket b = bucket_of(id, range.buckets);
    if (b >= range.begin && b < range.end) keys.emplace_back(b, id);
  }
  std::sort(keys.begin(), keys.end());
  g.columns.assign(dimension, {});
  for (std::size_t j = 0; j < dimension; ++j) g.names.push_back("feature_" + std::to_string(j));
  for (const auto& [b, id] : keys) {
    g.bucket.push_back(b);
    g.id.push_back(id);
    KeyedRandom random(2026, static_cast<std::uint64_t>(id));
    double z[3] = {0, 0, 0};
    for (std::size_t j = 0; j < dimension; ++j) {
      const double value = bell(random);
      if (j < 3) z[j] = value;
      const bool absent = random.below(100) < 3;
      g.columns[j].push_back(absent ? missing<double>()
                                    : 50.0 * static_cast<double>(j) + value * (1.0 + static_cast<double>(j)));
    }
    const double p = 1.0 / (1.0 + std::exp(-(-1.5 + 1.2 * z[0] - 0.8 * z[1] + 0.4 * z[2])));
    const bool churned = random.uniform() < p;
    g.label.push_back(random.below(10) == 0 ? missing<std::int8_t>() : static_cast<std::int8_t>(churned));
  }
  return g;
}

}  // namespace portrait::models::testing
