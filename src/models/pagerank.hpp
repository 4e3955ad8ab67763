// src/models/pagerank.hpp: PageRank over the contact graph of the
// customers ("opinion leaders": customers many others call, and whose
// contacts are called much themselves). Distributed where the customers are:
// each rank holds its customers' outgoing edges; a power iteration sends each
// customer's rank to the ranks owning its contacts, once per destination
// rank, and every customer's new rank is a sum over its incoming edges in
// the order of the callers' ids, so the result is the same bits at any rank
// count.
//
// As networkx.pagerank with edge weights: with out-weights W(u),
//   x'(v) = (1 - d) / N + d (sum_{u -> v} x(u) w(u, v) / W(u) + D / N),
// D the rank of customers without outgoing edges (dangling), x = 1 / N at
// the start; stops when sum |x' - x| < N tolerance.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/types.hpp"
#include "parallel/mpi_context.hpp"
#include "parallel/partition.hpp"

namespace portrait::models {

// This rank's edges; every source is one of its customers. Edges to the
// same target add up; targets that are no customer of the run are dropped.
struct ContactEdges {
  std::vector<CustomerId> source;
  std::vector<CustomerId> target;
  std::vector<std::int64_t> weight;  // > 0: e.g. calls and messages
};

struct PageRankOptions {
  double damping = 0.85;
  double tolerance = 1e-10;
  int max_iterations = 200;
};

struct PageRankResult {
  std::vector<double> rank;  // per customer row; the ranks of all customers sum to 1
  int iterations = 0;
  bool converged = false;
  double residual = 0.0;           // sum |x' - x| of the last iteration
  std::int64_t customers = 0;      // over all ranks
  std::int64_t edges = 0;          // distinct (source, target) pairs kept
  std::int64_t dropped_edges = 0;  // pairs whose target is no customer
};

// Collective. `bucket` and `id` list this rank's customers in (bucket, id)
// order, inside `range` (ranks own contiguous ranges in rank order).
// Throws portrait::Error on every rank for bad input (an edge from a customer
// this rank does not hold, a weight <= 0, bad options).
PageRankResult pagerank(const parallel::Comm& comm, const parallel::BucketRange& range,
                        std::span<const Bucket> bucket, std::span<const CustomerId> id,
                        const ContactEdges& edges, const PageRankOptions& options);

}  // namespace portrait::models
