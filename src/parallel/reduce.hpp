// src/parallel/reduce.hpp: global statistics whose results do not depend on
// the rank count: exact quantiles by bisection of the value domain, and
// exact distinct counts by hashing values to owner ranks. Sums, minima and
// maxima are in collectives.hpp; floating-point partials are reduced in
// bucket order (bucket_reduce.hpp), never in arrival order.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/types.hpp"
#include "parallel/collectives.hpp"

namespace portrait::parallel {

// For each group g: the k[g]-th smallest (0-based) of the union over ranks of
// the group's values; local[g] must be sorted ascending on every rank and
// k[g] < global size of the group (groups with k = UINT64_MAX are skipped and
// give missing). 64 allreduce rounds of one vector, whatever the data size.
std::vector<std::int64_t> kth_smallest(const Comm& comm, std::span<const std::span<const std::int64_t>> local,
                                       std::span<const std::uint64_t> k);

// The nearest-rank quantile used across portrait: the value at 0-based rank
// ceil(q * n) - 1 (the lower median for q = 0.5 and even n); none for n = 0.
std::uint64_t quantile_rank(double q, std::uint64_t n);

// Order-preserving map of doubles to int64, so quantiles of float64 use the
// same exact machinery (NaN must be excluded by the caller).
std::int64_t ordered_bits(double v);
double from_ordered_bits(std::int64_t v);

// For each group g in [0, groups): the number of distinct values over all
// ranks of the (group, value) pairs given. Exact: pairs travel to an owner
// rank chosen by hash, which sorts and counts them.
std::vector<std::int64_t> distinct_counts(const Comm& comm, std::size_t groups,
                                          std::span<const std::int64_t> group,
                                          std::span<const std::uint64_t> value, std::size_t round_bytes);

}  // namespace portrait::parallel
