// src/models/kmeans.hpp: k-means segments (e.g. the five service-customer
// groups) on standardized features: deterministic k-means++ seeding, Lloyd
// iterations with bucket-ordered centroid sums, deterministic empty-cluster
// re-seeding and cluster ids, the same bits for any rank and thread count.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "models/customer_rows.hpp"
#include "models/standardize.hpp"

namespace portrait::models {

struct KMeansOptions {
  int k = 5;
  int max_iterations = 300;
  // Stop when the sum over centres of the squared shift (standardized
  // units) is <= tolerance; 0 means "until no centre moves".
  double tolerance = 1e-8;
  std::uint64_t seed = 2026;  // of the k-means++ seeding
};

struct KMeansResult {
  std::vector<std::string> features;
  Scaling scaling;
  std::size_t k = 0;
  std::vector<double> initial_centres;  // k x d standardized, in seeding order
  std::vector<double> centres;          // k x d standardized, by cluster id
  std::vector<std::int64_t> sizes;      // customers per cluster id
  double inertia = 0.0;                 // sum of squared distances to the own centre
  int iterations = 0;
  bool converged = false;
  std::vector<std::int32_t> cluster;  // cluster id of each local row
};

// Collective: standardize, seed with k-means++ and iterate. Cluster ids are
// ordered by size (largest first), ties by centre coordinates ascending.
KMeansResult train_kmeans(const parallel::Comm& comm, const CustomerRows& rows, const KMeansOptions& options);

// Collective: the same from given initial centres (k x d, standardized
// units, identical on every rank), e.g. to compare with another library.
KMeansResult train_kmeans_from(const parallel::Comm& comm, const CustomerRows& rows,
                               const KMeansOptions& options, std::span<const double> initial_centres);

}  // namespace portrait::models
