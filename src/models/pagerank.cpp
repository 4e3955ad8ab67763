// src/models/pagerank.cpp: the distributed power iteration. Set-up sends
// every edge once to its target's owner; each iteration sends every
// customer's rank once to each rank that holds some of its contacts.
#include "models/pagerank.hpp"

#include <fmt/format.h>
#include "parallel/collectives.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "core/hash.hpp"
#include "models/customer_rows.hpp"
#include "parallel/alltoallv.hpp"
#include "parallel/bucket_reduce.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/reduce.hpp"

namespace portrait::models {
namespace {

constexpr std::size_t kAbsent = std::numeric_limits<std::size_t>::max();

// An edge on its way to the owner of its target.
struct SentEdge {
  CustomerId target;
  CustomerId source;
  std::int64_t weight;
};

// An edge at its target's owner.
struct IncomingEdge {
  std::size_t target_row;
  CustomerId source;
  double weight;
  std::size_t value;  // where x(u) / W(u) of the source arrives in each iteration
};

// Row of a customer in a rank's (bucket, id) order, or kAbsent.
std::size_t row_of(std::span<const Bucket> bucket, std::span<const CustomerId> id, std::uint32_t buckets,
                   CustomerId customer) {
  const Bucket b = bucket_of(customer, buckets);
  std::size_t low = 0, high = id.size();
  while (low < high) {
    const std::size_t mid = low + (high - low) / 2;
    if (bucket[mid] < b || (bucket[mid] == b && id[mid] < customer)) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low < id.size() && id[low] == customer ? low : kAbsent;
}

}  // namespace

PageRankResult pagerank(const parallel::Comm& comm, const parallel::BucketRange& range,
                        std::span<const Bucket> bucket, std::span<const CustomerId> id,
                        const ContactEdges& edges, const PageRankOptions& options) {
  const std::string where = "contact graph PageRank";
  const std::size_t n = id.size();
  const auto ranks = static_cast<std::size_t>(comm.size());
  std::string problem;
  if (!(options.damping > 0 && options.damping < 1) || !(options.tolerance > 0) ||
      options.max_iterations < 1) {
    problem = fmt::format("damping {} (between 0 and 1), tolerance {} (above 0), {} iterations (at least 1)",
                          options.damping, options.tolerance, options.max_iterations);
  } else if (bucket.size() != n || edges.target.size() != edges.source.size() ||
             edges.weight.size() != edges.source.size()) {
    problem = fmt::format("{} buckets for {} customers; {} sources, {} targets, {} weights", bucket.size(), n,
                          edges.source.size(), edges.target.size(), edges.weight.size());
  }
  // The edges of each source row, (row, target, weight), merged by target.
  std::vector<std::tuple<std::size_t, CustomerId, std::int64_t>> out;
  for (std::size_t e = 0; e < edges.source.size() && problem.empty(); ++e) {
    const std::size_t row = row_of(bucket, id, range.buckets, edges.source[e]);
    if (row == kAbsent) {
      problem = fmt::format("an edge from customer {}, who is not on this rank", edges.source[e]);
    } else if (edges.weight[e] <= 0) {
      problem =
          fmt::format("the edge {} -> {} has weight {}", edges.source[e], edges.target[e], edges.weight[e]);
    } else {
      out.emplace_back(row, edges.target[e], edges.weight[e]);
    }
  }
  parallel::throw_if_any(comm, problem, where, "edges start at the rank's own customers and weigh above 0");
  std::sort(out.begin(), out.end());
  std::size_t merged = 0;
  for (std::size_t e = 0; e < out.size(); ++e) {
    if (merged > 0 && std::get<0>(out[merged - 1]) == std::get<0>(out[e]) &&
        std::get<1>(out[merged - 1]) == std::get<1>(out[e])) {
      std::get<2>(out[merged - 1]) += std::get<2>(out[e]);
    } else {
      out[merged++] = out[e];
    }
  }
  out.resize(merged);

  // Which rank owns each bucket.
  const std::vector<std::uint32_t> begins = parallel::allgather(comm, range.begin);
  std::vector<int> owner(range.buckets, 0);
  for (std::size_t r = 0; r < ranks; ++r) {
    const std::uint32_t end = r + 1 < ranks ? begins[r + 1] : range.buckets;
    for (std::uint32_t b = begins[r]; b < end; ++b) owner[b] = static_cast<int>(r);
  }
  auto owner_of = [&](CustomerId c) { return owner[bucket_of(c, range.buckets)]; };

  // Every edge once to its target's owner, grouped by owner in (row, target) order.
  std::vector<std::int64_t> edge_counts(ranks, 0);
  for (const auto& e : out) ++edge_counts[static_cast<std::size_t>(owner_of(std::get<1>(e)))];
  std::vector<std::int64_t> next(ranks, 0);
  for (std::size_t r = 1; r < ranks; ++r) next[r] = next[r - 1] + edge_counts[r - 1];
  std::vector<SentEdge> sent(out.size());
  std::vector<std::size_t> sent_row(out.size());
  for (const auto& [row, target, weight] : out) {
    const auto at = static_cast<std::size_t>(next[static_cast<std::size_t>(owner_of(target))]++);
    sent[at] = SentEdge{target, id[row], weight};
    sent_row[at] = row;
  }
  std::vector<SentEdge> received;
  std::vector<std::int64_t> received_counts;
  parallel::alltoallv<SentEdge>(comm, sent, edge_counts, received, received_counts);

  // The owner keeps the edges to its customers and tells the senders which.
  std::vector<std::uint8_t> kept(received.size()), kept_sent;
  std::vector<std::size_t> target_row(received.size());
  std::int64_t counted[2] = {0, 0};  // kept, dropped
  for (std::size_t e = 0; e < received.size(); ++e) {
    target_row[e] = row_of(bucket, id, range.buckets, received[e].target);
    kept[e] = target_row[e] != kAbsent;
    ++counted[kept[e] ? 0 : 1];
  }
  std::vector<std::int64_t> returned_counts;
  parallel::alltoallv<std::uint8_t>(comm, kept, received_counts, kept_sent, returned_counts);

  // Out-weights over the kept edges; a customer whose contacts are all
  // outside the run is dangling. Each iteration sends x(u) / W(u) once to
  // every rank holding a kept contact of u, in row order.
  std::vector<std::int64_t> out_weight(n, 0);
  std::vector<std::size_t> send_rows;
  std::vector<std::int64_t> send_counts(ranks, 0);
  std::size_t at = 0;
  for (std::size_t r = 0; r < ranks; ++r) {
    const std::size_t first = send_rows.size();
    for (std::int64_t k = 0; k < edge_counts[r]; ++k, ++at) {
      if (!kept_sent[at]) continue;
      out_weight[sent_row[at]] += sent[at].weight;
      if (send_rows.size() == first || send_rows.back() != sent_row[at]) send_rows.push_back(sent_row[at]);
    }
    send_counts[r] = static_cast<std::int64_t>(send_rows.size() - first);
  }

  // The sender's row order is (bucket, id): the receiver finds each source's
  // place among the values a rank sends by the same order.
  std::vector<IncomingEdge> incoming;
  std::vector<std::int64_t> value_counts(ranks, 0);
  std::size_t value_base = 0;
  at = 0;
  for (std::size_t r = 0; r < ranks; ++r) {
    const std::size_t block_begin = at;
    at += static_cast<std::size_t>(received_counts[r]);
    std::vector<std::pair<Bucket, CustomerId>> sources;
    for (std::size_t e = block_begin; e < at; ++e) {
      if (kept[e]) sources.emplace_back(bucket_of(received[e].source, range.buckets), received[e].source);
    }
    std::sort(sources.begin(), sources.end());
    sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
    for (std::size_t e = block_begin; e < at; ++e) {
      if (!kept[e]) continue;
      const SentEdge& edge = received[e];
      const auto place = std::lower_bound(sources.begin(), sources.end(),
                                          std::pair{bucket_of(edge.source, range.buckets), edge.source}) -
                         sources.begin();
      incoming.push_back(IncomingEdge{target_row[e], edge.source, static_cast<double>(edge.weight),
                                      value_base + static_cast<std::size_t>(place)});
    }
    value_counts[r] = static_cast<std::int64_t>(sources.size());
    value_base += sources.size();
  }
  std::sort(incoming.begin(), incoming.end(), [](const IncomingEdge& a, const IncomingEdge& b) {
    return a.target_row != b.target_row ? a.target_row < b.target_row : a.source < b.source;
  });
  std::vector<std::size_t> first_in(n + 1, 0);
  for (const IncomingEdge& e : incoming) ++first_in[e.target_row + 1];
  for (std::size_t i = 0; i < n; ++i) first_in[i + 1] += first_in[i];

  PageRankResult result;
  const std::int64_t totals[3] = {static_cast<std::int64_t>(n), counted[0], counted[1]};
  const std::vector<std::int64_t> global = parallel::sum(comm, std::span<const std::int64_t>(totals));
  result.customers = global[0];
  result.edges = global[1];
  result.dropped_edges = global[2];
  if (result.customers == 0) return result;

  // Per iteration one bucket-ordered reduction: the change and the next
  // iteration's dangling rank.
  const CustomerRows rows{range, bucket, id, {}, {}, {}};
  const std::vector<std::size_t> offsets = bucket_row_offsets(rows);
  const auto customers = static_cast<double>(result.customers);
  const double d = options.damping;
  std::vector<double> x(n, 1.0 / customers), x_next(n), send(send_rows.size()), values(value_base);
  auto reduce = [&](const std::vector<double>& before, const std::vector<double>& after) {
    const std::vector<double> partials =
        per_bucket_partials(offsets, 2, [&](std::size_t b, std::size_t e, double* partial) {
          for (std::size_t i = b; i < e; ++i) {
            partial[0] += std::abs(after[i] - before[i]);
            partial[1] += out_weight[i] == 0 ? after[i] : 0.0;
          }
        });
    return parallel::bucket_reduce(comm, range, partials, 2);
  };
  double dangling = reduce(x, x)[1];
  for (result.iterations = 1; result.iterations <= options.max_iterations; ++result.iterations) {
    for (std::size_t k = 0; k < send_rows.size(); ++k) {
      send[k] = x[send_rows[k]] / static_cast<double>(out_weight[send_rows[k]]);
    }
    parallel::alltoallv_raw(comm, send.data(), sizeof(double), send_counts, values.data(), value_counts);
    const auto count = static_cast<long>(n);
#pragma omp parallel for schedule(static)
    for (long v = 0; v < count; ++v) {
      const auto i = static_cast<std::size_t>(v);
      double in = 0.0;
      for (std::size_t e = first_in[i]; e < first_in[i + 1]; ++e)
        in += incoming[e].weight * values[incoming[e].value];
      x_next[i] = (1.0 - d) / customers + d * (in + dangling / customers);
    }
    const std::vector<double> sums = reduce(x, x_next);
    result.residual = sums[0];
    dangling = sums[1];
    x.swap(x_next);
    if (result.residual < customers * options.tolerance) {
      result.converged = true;
      break;
    }
  }
  result.iterations = std::min(result.iterations, options.max_iterations);
  result.rank = std::move(x);
  return result;
}

}  // namespace portrait::models
