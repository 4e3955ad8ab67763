// tests/mpi/test_models_pagerank.cpp: the contact-graph PageRank at np =
// 1..4 is the same bits as one process's, matches a plain power iteration
// written out here (networkx's formula) to 1e-12, and bad edges stop every
// rank.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "models/pagerank.hpp"

namespace portrait::models {
namespace {

constexpr std::int64_t kCustomers = 3000;
constexpr std::uint32_t kBuckets = 64;

struct Graph {
  std::vector<Bucket> bucket;
  std::vector<CustomerId> id;
  ContactEdges edges;
};

// Customers 1..kCustomers of `range` and their calls: a few customers are
// called by many (hubs 1..20), about 5% call nobody (dangling), some calls
// go to numbers that are no customer (ids above kCustomers), some repeat.
Graph graph(const parallel::BucketRange& range) {
  Graph g;
  std::vector<std::pair<Bucket, CustomerId>> keys;
  for (CustomerId c = 1; c <= kCustomers; ++c) {
    if (range.contains(bucket_of(c, range.buckets))) keys.emplace_back(bucket_of(c, range.buckets), c);
  }
  std::sort(keys.begin(), keys.end());
  for (const auto& [b, c] : keys) {
    g.bucket.push_back(b);
    g.id.push_back(c);
    KeyedRandom random(11, static_cast<std::uint64_t>(c));
    if (random.uniform() < 0.05) continue;
    const auto calls = 1 + random.below(12);
    for (std::uint64_t k = 0; k < calls; ++k) {
      const double u = random.uniform();
      const CustomerId target = u < 0.3    ? static_cast<CustomerId>(1 + random.below(20))
                                : u < 0.35 ? kCustomers + 1 + static_cast<CustomerId>(random.below(100))
                                           : static_cast<CustomerId>(1 + random.below(kCustomers));
      g.edges.source.push_back(c);
      g.edges.target.push_back(target);
      g.edges.weight.push_back(static_cast<std::int64_t>(1 + random.below(5)));
    }
  }
  return g;
}

// The formula, on one process, indexed by id.
std::vector<double> power_iteration(const Graph& all, double damping, double tolerance) {
  const auto n = static_cast<std::size_t>(kCustomers);
  std::map<std::pair<CustomerId, CustomerId>, double> weight;
  std::vector<double> out_weight(n + 1, 0.0);
  for (std::size_t e = 0; e < all.edges.source.size(); ++e) {
    if (all.edges.target[e] > kCustomers) continue;
    weight[{all.edges.source[e], all.edges.target[e]}] += static_cast<double>(all.edges.weight[e]);
    out_weight[static_cast<std::size_t>(all.edges.source[e])] += static_cast<double>(all.edges.weight[e]);
  }
  std::vector<double> x(n + 1, 1.0 / static_cast<double>(n));
  for (int iteration = 0; iteration < 1000; ++iteration) {
    std::vector<double> next(n + 1, 0.0);
    for (const auto& [edge, w] : weight) {
      next[static_cast<std::size_t>(edge.second)] +=
          x[static_cast<std::size_t>(edge.first)] * w / out_weight[static_cast<std::size_t>(edge.first)];
    }
    double dangling = 0.0, change = 0.0;
    for (std::size_t c = 1; c <= n; ++c) dangling += out_weight[c] == 0 ? x[c] : 0.0;
    for (std::size_t c = 1; c <= n; ++c) {
      next[c] =
          damping * (next[c] + dangling / static_cast<double>(n)) + (1.0 - damping) / static_cast<double>(n);
      change += std::abs(next[c] - x[c]);
    }
    x.swap(next);
    if (change < static_cast<double>(n) * tolerance) break;
  }
  return x;
}

TEST(PageRank, SameBitsForAnyRankCountAndTheFormula) {
  const parallel::Comm world;
  const parallel::BucketRange range = parallel::even_bucket_range(kBuckets, world.size(), world.rank());
  const Graph mine = graph(range);
  PageRankOptions options;
  options.tolerance = 1e-13;
  const PageRankResult result = pagerank(world, range, mine.bucket, mine.id, mine.edges, options);
  EXPECT_TRUE(result.converged);
  EXPECT_EQ(result.customers, kCustomers);
  EXPECT_GT(result.dropped_edges, 0);

  const Graph all = graph(parallel::BucketRange{kBuckets, 0, kBuckets});
  const PageRankResult alone =
      pagerank(parallel::Comm(MPI_COMM_SELF), parallel::BucketRange{kBuckets, 0, kBuckets}, all.bucket,
               all.id, all.edges, options);
  EXPECT_EQ(alone.iterations, result.iterations);
  EXPECT_EQ(alone.edges, result.edges);
  std::map<CustomerId, double> by_id;
  for (std::size_t i = 0; i < all.id.size(); ++i) by_id[all.id[i]] = alone.rank[i];
  const std::vector<double> formula = power_iteration(all, options.damping, options.tolerance);
  double largest_gap = 0.0;
  for (std::size_t i = 0; i < mine.id.size(); ++i) {
    ASSERT_EQ(std::memcmp(&result.rank[i], &by_id.at(mine.id[i]), sizeof(double)), 0)
        << "customer " << mine.id[i];
    largest_gap =
        std::max(largest_gap, std::abs(result.rank[i] - formula[static_cast<std::size_t>(mine.id[i])]));
  }
  EXPECT_LT(largest_gap, 1e-12);
  // Hubs rank high: customer 1 is called by about 30% / 20 of all callers.
  if (range.contains(bucket_of(1, kBuckets))) {
    const auto at = std::find(mine.id.begin(), mine.id.end(), 1) - mine.id.begin();
    EXPECT_GT(result.rank[static_cast<std::size_t>(at)] * kCustomers, 5.0);
  }
}

TEST(PageRank, AnEdgeFromAnotherRanksCustomerThrowsOnEveryRank) {
  const parallel::Comm world;
  const parallel::BucketRange range = parallel::even_bucket_range(kBuckets, world.size(), world.rank());
  Graph mine = graph(range);
  if (world.rank() == world.size() - 1) {
    mine.edges.source.push_back(kCustomers + 7);
    mine.edges.target.push_back(1);
    mine.edges.weight.push_back(1);
  }
  EXPECT_THROW(pagerank(world, range, mine.bucket, mine.id, mine.edges, PageRankOptions{}), Error);
}

}  // namespace
}  // namespace portrait::models
