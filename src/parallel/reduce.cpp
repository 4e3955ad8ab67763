// src/parallel/reduce.cpp: exact, rank-count-independent reductions.
#include "parallel/reduce.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/column.hpp"
#include "core/hash.hpp"
#include "parallel/shuffle.hpp"

namespace portrait::parallel {
std::vector<std::int64_t> kth_smallest(const Comm& comm, std::span<const std::span<const std::int64_t>> local,
                                       std::span<const std::uint64_t> k) {
  const std::size_t groups = local.size();
  // Search for the smallest v with count(x <= v) > k, over the whole int64
  // domain, as an offset from INT64_MIN in unsigned arithmetic.
  std::vector<std::uint64_t> low(groups, 0), high(groups, std::numeric_limits<std::uint64_t>::max());
  std::vector<std::int64_t> counts(groups);
  auto value_of = [](std::uint64_t offset) {
    return static_cast<std::int64_t>(offset ^ (std::uint64_t{1} << 63));
  };
  for (int step = 0; step < 64; ++step) {
    for (std::size_t g = 0; g < groups; ++g) {
      const std::uint64_t mid = low[g] + (high[g] - low[g]) / 2;
      const auto& v = local[g];
      counts[g] = std::upper_bound(v.begin(), v.end(), value_of(mid)) - v.begin();
    }
    counts = sum(comm, counts);
    for (std::size_t g = 0; g < groups; ++g) {
      const std::uint64_t mid = low[g] + (high[g] - low[g]) / 2;
      if (static_cast<std::uint64_t>(counts[g]) > k[g]) {
        high[g] = mid;
      } else {
        low[g] = mid + 1;
      }
    }
  }
  std::vector<std::int64_t> out(groups);
  for (std::size_t g = 0; g < groups; ++g) {
    out[g] = k[g] == std::numeric_limits<std::uint64_t>::max() ? missing<std::int64_t>() : value_of(low[g]);
  }
  return out;
}

std::uint64_t quantile_rank(double q, std::uint64_t n) {
  if (n == 0) return std::numeric_limits<std::uint64_t>::max();
  const auto r = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(n)));
  return r == 0 ? 0 : std::min(r, n) - 1;
}

std::int64_t ordered_bits(double v) {
  std::int64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  // Negative doubles order reversed by their bits: flip all but the sign.
  return bits < 0 ? bits ^ std::numeric_limits<std::int64_t>::max() : bits;
}

double from_ordered_bits(std::int64_t bits) {
  if (bits < 0) bits ^= std::numeric_limits<std::int64_t>::max();
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

std::vector<std::int64_t> distinct_counts(const Comm& comm, std::size_t groups,
                                          std::span<const std::int64_t> group,
                                          std::span<const std::uint64_t> value, std::size_t round_bytes) {
  Table pairs("distinct");
  pairs.add("group", ColumnType::Int64).values<std::int64_t>().assign(group.begin(), group.end());
  pairs.add("value", ColumnType::UInt64).values<std::uint64_t>().assign(value.begin(), value.end());
  std::vector<int> dest(group.size());
  const auto p = static_cast<std::uint64_t>(comm.size());
  for (std::size_t i = 0; i < dest.size(); ++i) {
    dest[i] = static_cast<int>(mix64(value[i] ^ mix64(static_cast<std::uint64_t>(group[i]))) % p);
  }
  Table mine = pairs.empty_like();
  Shuffle shuffle(comm, round_bytes);
  shuffle.exchange(pairs, dest, mine);

  const auto& g = mine.values<std::int64_t>("group");
  const auto& v = mine.values<std::uint64_t>("value");
  std::vector<std::pair<std::int64_t, std::uint64_t>> sorted(g.size());
  for (std::size_t i = 0; i < g.size(); ++i) sorted[i] = {g[i], v[i]};
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::int64_t> counts(groups, 0);
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i == 0 || sorted[i] != sorted[i - 1]) ++counts[static_cast<std::size_t>(sorted[i].first)];
  }
  return sum(comm, counts);
}

}  // namespace portrait::parallel
