// src/models/kmeans.cpp: distributed Lloyd iterations and k-means++ seeding.
//
// Seeding picks each centre with probability proportional to the weight w
// (1 for the first, then the squared distance to the nearest chosen centre)
// by the exponential-key method: every customer draws -log(U) / w with U from
// its own KeyedRandom(seed, id, step) and the smallest key wins (ties: the
// smaller id). No floating-point sum is involved, so the choice is the same
// for any rank count.
#include "models/kmeans.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/collectives.hpp"

namespace portrait::models {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

double squared_distance(const double* a, const double* b, std::size_t d) {
  double sum = 0.0;
  for (std::size_t j = 0; j < d; ++j) {
    const double diff = a[j] - b[j];
    sum += diff * diff;
  }
  return sum;
}

// A customer offered by a rank: ranking key, id, coordinates.
struct Candidate {
  double key = kInfinity;
  CustomerId id = std::numeric_limits<CustomerId>::max();
  std::vector<double> point;
};

// Every rank offers up to `count` candidates (better first: smaller key, then
// smaller id); every rank returns the best `count` overall, in order.
std::vector<Candidate> best_candidates(const parallel::Comm& comm, std::vector<Candidate> local,
                                       std::size_t count, std::size_t d) {
  const std::size_t stride = 2 + d;
  std::vector<double> mine(count * stride, kInfinity);
  for (std::size_t c = 0; c < count; ++c) {
    // The id travels in a double's bits: exact, and compared as an integer below.
    CustomerId id = std::numeric_limits<CustomerId>::max();
    if (c < local.size()) {
      mine[c * stride] = local[c].key;
      id = local[c].id;
      std::copy(local[c].point.begin(), local[c].point.end(),
                mine.begin() + static_cast<std::ptrdiff_t>(c * stride + 2));
    }
    std::memcpy(&mine[c * stride + 1], &id, sizeof(id));
  }
  const std::vector<double> all = parallel::allgatherv(comm, std::span<const double>(mine));
  std::vector<Candidate> merged;
  for (std::size_t at = 0; at < all.size(); at += stride) {
    Candidate candidate;
    candidate.key = all[at];
    std::memcpy(&candidate.id, &all[at + 1], sizeof(CustomerId));
    candidate.point.assign(all.begin() + static_cast<std::ptrdiff_t>(at + 2),
                           all.begin() + static_cast<std::ptrdiff_t>(at + stride));
    merged.push_back(std::move(candidate));
  }
  std::sort(merged.begin(), merged.end(), [](const Candidate& a, const Candidate& b) {
    return a.key != b.key ? a.key < b.key : a.id < b.id;
  });
  merged.resize(count);
  return merged;
}

std::vector<double> seed_plus_plus(const parallel::Comm& comm, const CustomerRows& rows,
                                   const std::vector<double>& x, const KMeansOptions& options) {
  const std::size_t d = rows.dimension();
  const std::size_t k = static_cast<std::size_t>(options.k);
  std::vector<double> weight(rows.rows(), 1.0);
  std::vector<double> centres;
  for (std::size_t step = 0; step < k; ++step) {
    Candidate local;
    for (std::size_t i = 0; i < rows.rows(); ++i) {
      KeyedRandom random(options.seed, static_cast<std::uint64_t>(rows.id[i]), step);
      const double key = weight[i] > 0 ? -std::log1p(-random.uniform()) / weight[i] : kInfinity;
      if (key < local.key || (key == local.key && rows.id[i] < local.id)) {
        local.key = key;
        local.id = rows.id[i];
        local.point.assign(x.begin() + static_cast<std::ptrdiff_t>(i * d),
                           x.begin() + static_cast<std::ptrdiff_t>((i + 1) * d));
      }
    }
    const std::vector<Candidate> chosen = best_candidates(comm, {local}, 1, d);
    centres.insert(centres.end(), chosen[0].point.begin(), chosen[0].point.end());
    const double* centre = centres.data() + step * d;
    for (std::size_t i = 0; i < rows.rows(); ++i) {
      const double distance = squared_distance(x.data() + i * d, centre, d);
      weight[i] = step == 0 ? distance : std::min(weight[i], distance);
    }
  }
  return centres;
}

// Nearest centre of every row (ties: the lower index) and its squared distance.
void assign(const std::vector<double>& x, std::size_t d, const std::vector<double>& centres, std::size_t k,
            std::vector<std::int32_t>& cluster, std::vector<double>& distance) {
  const auto n = static_cast<long>(cluster.size());
#pragma omp parallel for schedule(static)
  for (long r = 0; r < n; ++r) {
    const auto i = static_cast<std::size_t>(r);
    double best = kInfinity;
    std::int32_t best_c = 0;
    for (std::size_t c = 0; c < k; ++c) {
      const double dist = squared_distance(x.data() + i * d, centres.data() + c * d, d);
      if (dist < best) {
        best = dist;
        best_c = static_cast<std::int32_t>(c);
      }
    }
    cluster[i] = best_c;
    distance[i] = best;
  }
}

// Per cluster: count, coordinate sums; then the inertia. Bucket-ordered.
std::vector<double> cluster_sums(const parallel::Comm& comm, const CustomerRows& rows,
                                 const std::vector<std::size_t>& offsets, const std::vector<double>& x,
                                 std::size_t k, const std::vector<std::int32_t>& cluster,
                                 const std::vector<double>& distance) {
  const std::size_t d = rows.dimension();
  const std::size_t width = k * (d + 1) + 1;
  return parallel::bucket_reduce(
      comm, rows.range,
      per_bucket_partials(offsets, width,
                          [&](std::size_t begin, std::size_t end, double* partial) {
                            for (std::size_t i = begin; i < end; ++i) {
                              double* own = partial + static_cast<std::size_t>(cluster[i]) * (d + 1);
                              own[0] += 1.0;
                              for (std::size_t j = 0; j < d; ++j) own[j + 1] += x[i * d + j];
                              partial[width - 1] += distance[i];
                            }
                          }),
      width);
}

KMeansResult lloyd(const parallel::Comm& comm, const CustomerRows& rows, const KMeansOptions& options,
                   KMeansResult result, const std::vector<double>& x) {
  const std::size_t d = rows.dimension();
  const std::size_t k = result.k;
  const std::vector<std::size_t> offsets = bucket_row_offsets(rows);
  std::vector<double> centres = result.initial_centres;
  std::vector<std::int32_t> cluster(rows.rows());
  std::vector<double> distance(rows.rows());
  for (result.iterations = 1; result.iterations <= options.max_iterations; ++result.iterations) {
    assign(x, d, centres, k, cluster, distance);
    const std::vector<double> sums = cluster_sums(comm, rows, offsets, x, k, cluster, distance);
    std::vector<double> next(k * d);
    std::vector<std::size_t> empty;
    for (std::size_t c = 0; c < k; ++c) {
      const double count = sums[c * (d + 1)];
      if (count == 0) empty.push_back(c);
      for (std::size_t j = 0; j < d; ++j)
        next[c * d + j] = count > 0 ? sums[c * (d + 1) + 1 + j] / count : 0.0;
    }
    if (!empty.empty()) {
      // Re-seed each empty cluster at one of the points farthest from their
      // own centre (key: minus the distance, ties to the smaller id). Points
      // sitting on their centre cannot help; a cluster left without a point
      // keeps its centre and stays empty (fewer distinct points than k).
      std::vector<std::size_t> order;
      for (std::size_t i = 0; i < rows.rows(); ++i) {
        if (distance[i] > 0) order.push_back(i);
      }
      const std::size_t m = std::min(empty.size(), order.size());
      std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(m), order.end(),
                        [&](std::size_t a, std::size_t b) {
                          return distance[a] != distance[b] ? distance[a] > distance[b]
                                                            : rows.id[a] < rows.id[b];
                        });
      std::vector<Candidate> local;
      for (std::size_t t = 0; t < m; ++t) {
        const std::size_t i = order[t];
        local.push_back(Candidate{-distance[i], rows.id[i],
                                  std::vector<double>(x.begin() + static_cast<std::ptrdiff_t>(i * d),
                                                      x.begin() + static_cast<std::ptrdiff_t>((i + 1) * d))});
      }
      const std::vector<Candidate> far = best_candidates(comm, std::move(local), empty.size(), d);
      std::vector<std::size_t> still_empty;
      for (std::size_t e = 0; e < empty.size(); ++e) {
        if (far[e].key == kInfinity) {
          std::copy(centres.begin() + static_cast<std::ptrdiff_t>(empty[e] * d),
                    centres.begin() + static_cast<std::ptrdiff_t>((empty[e] + 1) * d),
                    next.begin() + static_cast<std::ptrdiff_t>(empty[e] * d));
          continue;
        }
        std::copy(far[e].point.begin(), far[e].point.end(),
                  next.begin() + static_cast<std::ptrdiff_t>(empty[e] * d));
        still_empty.push_back(empty[e]);
      }
      empty = std::move(still_empty);  // the re-seeded ones: not converged yet
    }
    double shift = 0.0;
    for (std::size_t c = 0; c < k; ++c)
      shift += squared_distance(next.data() + c * d, centres.data() + c * d, d);
    centres = std::move(next);
    if (empty.empty() && shift <= options.tolerance) {
      result.converged = true;
      break;
    }
  }
  result.iterations = std::min(result.iterations, options.max_iterations);

  // Final assignment against the final centres; inertia and sizes from it.
  assign(x, d, centres, k, cluster, distance);
  const std::vector<double> sums = cluster_sums(comm, rows, offsets, x, k, cluster, distance);
  result.inertia = sums[k * (d + 1)];
  std::vector<std::size_t> order(k);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (sums[a * (d + 1)] != sums[b * (d + 1)]) return sums[a * (d + 1)] > sums[b * (d + 1)];
    return std::lexicographical_compare(centres.begin() + static_cast<std::ptrdiff_t>(a * d),
                                        centres.begin() + static_cast<std::ptrdiff_t>((a + 1) * d),
                                        centres.begin() + static_cast<std::ptrdiff_t>(b * d),
                                        centres.begin() + static_cast<std::ptrdiff_t>((b + 1) * d));
  });
  std::vector<std::int32_t> id_of(k);
  for (std::size_t rank = 0; rank < k; ++rank) {
    const std::size_t c = order[rank];
    id_of[c] = static_cast<std::int32_t>(rank);
    result.sizes.push_back(static_cast<std::int64_t>(sums[c * (d + 1)]));
    result.centres.insert(result.centres.end(), centres.begin() + static_cast<std::ptrdiff_t>(c * d),
                          centres.begin() + static_cast<std::ptrdiff_t>((c + 1) * d));
  }
  result.cluster.resize(rows.rows());
  for (std::size_t i = 0; i < rows.rows(); ++i)
    result.cluster[i] = id_of[static_cast<std::size_t>(cluster[i])];
  return result;
}

KMeansResult prepare(const parallel::Comm& comm, const CustomerRows& rows, const KMeansOptions& options) {
  check_rows(comm, rows, "k-means");
  std::string problem;
  if (options.k < 1 || options.max_iterations < 1 || !(options.tolerance >= 0)) {
    problem = fmt::format("bad options: k {} (>= 1), {} iterations (>= 1), tolerance {} (>= 0)", options.k,
                          options.max_iterations, options.tolerance);
  }
  parallel::throw_if_any(comm, problem, "k-means");
  const Int128 customers = parallel::sum_exact(comm, static_cast<Int128>(rows.rows()));
  if (customers < options.k) {
    throw Error(fmt::format("{} customers for {} clusters", static_cast<std::int64_t>(customers), options.k),
                "k-means", "lower k or add customers");
  }
  KMeansResult result;
  result.features = rows.feature_names;
  result.k = static_cast<std::size_t>(options.k);
  result.scaling = fit_scaling(comm, rows);
  return result;
}

}  // namespace

KMeansResult train_kmeans(const parallel::Comm& comm, const CustomerRows& rows,
                          const KMeansOptions& options) {
  KMeansResult result = prepare(comm, rows, options);
  const std::vector<double> x = standardize(rows, result.scaling);
  result.initial_centres = seed_plus_plus(comm, rows, x, options);
  return lloyd(comm, rows, options, std::move(result), x);
}

KMeansResult train_kmeans_from(const parallel::Comm& comm, const CustomerRows& rows,
                               const KMeansOptions& options, std::span<const double> initial_centres) {
  KMeansResult result = prepare(comm, rows, options);
  if (initial_centres.size() != result.k * rows.dimension()) {
    throw Error(fmt::format("{} initial centre values for {} clusters of {} features", initial_centres.size(),
                            result.k, rows.dimension()),
                "k-means", "pass k x features values, row by row");
  }
  result.initial_centres.assign(initial_centres.begin(), initial_centres.end());
  const std::vector<double> x = standardize(rows, result.scaling);
  return lloyd(comm, rows, options, std::move(result), x);
}

}  // namespace portrait::models
