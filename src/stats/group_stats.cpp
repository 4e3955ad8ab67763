// src/stats/group_stats.cpp: distributed group statistics.
#include "stats/group_stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/serialization/vector.hpp>
#include <limits>
#include <stdexcept>

#include "parallel/bucket_reduce.hpp"
#include "parallel/metadata.hpp"
#include "parallel/reduce.hpp"

namespace portrait::stats {
namespace {

using Key = std::vector<std::int64_t>;

std::int64_t key_value(const Column& column, std::size_t i) {
  return column.visit([i](const auto& v) -> std::int64_t {
    using T = typename std::decay_t<decltype(v)>::value_type;
    if constexpr (std::is_floating_point_v<T>) {
      throw std::logic_error("group statistics: a float64 column cannot group customers");
    } else {
      return is_missing(v[i]) ? missing<std::int64_t>() : static_cast<std::int64_t>(v[i]);
    }
  });
}

bool is_integral(const Column& c) { return c.type() != ColumnType::Float64; }

// Per-customer value as int64 (integers) or as order-preserving bits
// (floats), and whether it is present.
bool value_at(const Column& c, std::size_t i, std::int64_t& out) {
  return c.visit([&](const auto& v) {
    using T = typename std::decay_t<decltype(v)>::value_type;
    if (is_missing(v[i])) return false;
    if constexpr (std::is_floating_point_v<T>) {
      out = parallel::ordered_bits(v[i]);
    } else {
      out = static_cast<std::int64_t>(v[i]);
    }
    return true;
  });
}

double real_at(const Column& c, std::size_t i) {
  return c.visit([i](const auto& v) { return static_cast<double>(v[i]); });
}

StatValue integer(Int128 v) { return {StatValue::Kind::Int, v, 0.0}; }
StatValue real(double v) { return {StatValue::Kind::Float, 0, v}; }

nlohmann::json cell_json(const StatValue& v) {
  switch (v.kind) {
    case StatValue::Kind::Missing:
      return nullptr;
    case StatValue::Kind::Float:
      return v.real;
    case StatValue::Kind::Int:
      if (v.integer >= std::numeric_limits<std::int64_t>::min() &&
          v.integer <= std::numeric_limits<std::int64_t>::max()) {
        return static_cast<std::int64_t>(v.integer);
      }
      return fmt::format("{}", static_cast<double>(v.integer));
  }
  return nullptr;
}

std::string cell_text(const StatValue& v) {
  switch (v.kind) {
    case StatValue::Kind::Missing:
      return "";
    case StatValue::Kind::Float:
      return fmt::format("{:.17g}", v.real);
    case StatValue::Kind::Int:
      return cell_json(v).dump();
  }
  return "";
}

}  // namespace

GroupStats compute_group_stats(const parallel::Comm& comm, const GroupStatsInput& input) {
  const std::size_t n = input.bucket.size();
  const std::size_t k = input.group_columns.size();
  // One value per row everywhere: a column of another table must not be
  // read against these rows.
  for (const Column* c : input.group_columns) {
    if (c->size() != n)
      throw std::logic_error("group statistics '" + input.id + "': a group-by column has another length");
  }
  for (const auto& m : input.measures) {
    if (m.values != nullptr && m.values->size() != n) {
      throw std::logic_error("group statistics '" + input.id + "': measure '" + m.id +
                             "' has another length");
    }
  }

  // Groups: the union over ranks of the local key combinations, sorted.
  std::vector<Key> customer_key(n, Key(k));
  std::vector<Key> local;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t c = 0; c < k; ++c) customer_key[i][c] = key_value(*input.group_columns[c], i);
    local.push_back(customer_key[i]);
  }
  std::sort(local.begin(), local.end());
  local.erase(std::unique(local.begin(), local.end()), local.end());
  std::vector<Key> keys;
  for (auto& from_rank : parallel::allgather_objects(comm, local))
    keys.insert(keys.end(), from_rank.begin(), from_rank.end());
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  const std::size_t groups = keys.size();
  std::vector<std::size_t> group_of(n);
  for (std::size_t i = 0; i < n; ++i) {
    group_of[i] =
        static_cast<std::size_t>(std::lower_bound(keys.begin(), keys.end(), customer_key[i]) - keys.begin());
  }

  GroupStats out;
  out.id = input.id;
  out.group_by = input.group_by;
  out.keys = keys;
  out.counts.assign(groups, 0);
  for (std::size_t i = 0; i < n; ++i) ++out.counts[group_of[i]];
  out.counts = parallel::sum<std::int64_t>(comm, out.counts);
  out.values.assign(groups, std::vector<StatValue>(input.measures.size()));

  for (std::size_t m = 0; m < input.measures.size(); ++m) {
    const MeasureInput& measure = input.measures[m];
    out.measures.push_back(measure.id);
    auto set = [&](std::size_t g, StatValue v) { out.values[g][m] = v; };
    if (measure.kind == MeasureKind::Count) {
      for (std::size_t g = 0; g < groups; ++g) set(g, integer(out.counts[g]));
      continue;
    }
    if (measure.values == nullptr)
      throw std::logic_error("group statistics: measure '" + measure.id + "' has no values");
    const Column& values = *measure.values;

    if (measure.kind == MeasureKind::Share) {
      std::vector<std::int64_t> met(groups, 0);
      const auto& condition = values.values<std::int8_t>();
      for (std::size_t i = 0; i < n; ++i) met[group_of[i]] += condition[i] == 1 ? 1 : 0;
      met = parallel::sum<std::int64_t>(comm, met);
      for (std::size_t g = 0; g < groups; ++g) {
        if (out.counts[g] > 0) set(g, real(static_cast<double>(met[g]) / static_cast<double>(out.counts[g])));
      }
      continue;
    }

    // Present (non-missing) values per group.
    std::vector<std::int64_t> present(groups, 0);
    for (std::size_t i = 0; i < n; ++i) {
      std::int64_t v;
      if (value_at(values, i, v)) ++present[group_of[i]];
    }
    present = parallel::sum<std::int64_t>(comm, present);

    if (measure.kind == MeasureKind::Sum || measure.kind == MeasureKind::Avg) {
      std::vector<Int128> int_sum(groups, 0);
      std::vector<double> float_sum(groups, 0.0);
      if (is_integral(values)) {
        for (std::size_t i = 0; i < n; ++i) {
          std::int64_t v;
          if (value_at(values, i, v)) int_sum[group_of[i]] += v;
        }
        int_sum = parallel::sum_exact(comm, int_sum);
      } else {
        // Per bucket, in customer order; then the fixed bucket tree.
        std::vector<double> partials(input.range.size() * groups, 0.0);
        for (std::size_t i = 0; i < n; ++i) {
          const double v = real_at(values, i);
          if (is_missing(v)) continue;
          partials[(input.bucket[i] - input.range.begin) * groups + group_of[i]] += v;
        }
        float_sum = parallel::bucket_reduce(comm, input.range, partials, groups);
      }
      for (std::size_t g = 0; g < groups; ++g) {
        if (present[g] == 0) continue;
        const bool ints = is_integral(values);
        if (measure.kind == MeasureKind::Sum) {
          set(g, ints ? integer(int_sum[g]) : real(float_sum[g]));
        } else {
          const double total = ints ? static_cast<double>(int_sum[g]) : float_sum[g];
          set(g, real(total / static_cast<double>(present[g])));
        }
      }
      continue;
    }

    if (measure.kind == MeasureKind::Median || measure.kind == MeasureKind::P90) {
      std::vector<std::vector<std::int64_t>> sorted(groups);
      for (std::size_t i = 0; i < n; ++i) {
        std::int64_t v;
        if (value_at(values, i, v)) sorted[group_of[i]].push_back(v);
      }
      std::vector<std::span<const std::int64_t>> spans;
      std::vector<std::uint64_t> rank;
      const double q = measure.kind == MeasureKind::Median ? 0.5 : 0.9;
      for (std::size_t g = 0; g < groups; ++g) {
        std::sort(sorted[g].begin(), sorted[g].end());
        spans.emplace_back(sorted[g]);
        rank.push_back(parallel::quantile_rank(q, static_cast<std::uint64_t>(present[g])));
      }
      const auto found = parallel::kth_smallest(comm, spans, rank);
      for (std::size_t g = 0; g < groups; ++g) {
        if (present[g] == 0) continue;
        set(g, is_integral(values) ? integer(found[g]) : real(parallel::from_ordered_bits(found[g])));
      }
      continue;
    }

    // Distinct values per group.
    std::vector<std::int64_t> group_ids;
    std::vector<std::uint64_t> bits;
    for (std::size_t i = 0; i < n; ++i) {
      std::int64_t v;
      if (!value_at(values, i, v)) continue;
      group_ids.push_back(static_cast<std::int64_t>(group_of[i]));
      bits.push_back(static_cast<std::uint64_t>(v));
    }
    const auto distinct = parallel::distinct_counts(comm, groups, group_ids, bits, std::size_t{16} << 20);
    for (std::size_t g = 0; g < groups; ++g) set(g, integer(distinct[g]));
  }
  return out;
}

nlohmann::json GroupStats::to_json() const {
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t g = 0; g < keys.size(); ++g) {
    nlohmann::json row;
    for (std::size_t c = 0; c < group_by.size(); ++c) {
      row[group_by[c]] = is_missing(keys[g][c]) ? nlohmann::json(nullptr) : nlohmann::json(keys[g][c]);
    }
    row["customers"] = counts[g];
    for (std::size_t m = 0; m < measures.size(); ++m) row[measures[m]] = cell_json(values[g][m]);
    rows.push_back(row);
  }
  return {{"id", id}, {"group_by", group_by}, {"measures", measures}, {"groups", rows}};
}

std::string GroupStats::to_csv() const {
  std::string text;
  for (const auto& g : group_by) fmt::format_to(std::back_inserter(text), "{},", g);
  text += "customers";
  for (const auto& m : measures) fmt::format_to(std::back_inserter(text), ",{}", m);
  text += '\n';
  for (std::size_t g = 0; g < keys.size(); ++g) {
    for (std::size_t c = 0; c < group_by.size(); ++c) {
      if (!is_missing(keys[g][c])) fmt::format_to(std::back_inserter(text), "{}", keys[g][c]);
      text += ',';
    }
    fmt::format_to(std::back_inserter(text), "{}", counts[g]);
    for (const auto& v : values[g]) fmt::format_to(std::back_inserter(text), ",{}", cell_text(v));
    text += '\n';
  }
  return text;
}

}  // namespace portrait::stats
