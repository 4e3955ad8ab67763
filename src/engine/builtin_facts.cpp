// src/engine/builtin_facts.cpp: record counts and sums per customer and channel.
#include "engine/builtin_facts.hpp"

#include <array>

namespace portrait::engine {
namespace {

// Additive measures (money in fen, seconds, bytes, MB, minutes).
constexpr std::array kMeasures{"amount", "charge", "duration_s", "bytes", "data_mb_used", "voice_min_used"};

}  // namespace

Table compute_builtin_facts(const GroupedCustomers& grouped) {
  Table out("customers");
  const std::size_t n = grouped.size();
  out.add("customer_id", ColumnType::Int64).values<std::int64_t>() =
      grouped.customers.values<std::int64_t>("customer_id");
  auto& bucket = out.add("bucket", ColumnType::Int32).values<std::int32_t>();
  for (std::size_t i = 0; i < n; ++i) bucket[i] = static_cast<std::int32_t>(grouped.bucket[i]);

  for (const auto& channel : grouped.channels) {
    const auto& off = channel.offsets;
    auto& count = out.add(channel.channel + "_records", ColumnType::Int64).values<std::int64_t>();
#pragma omp parallel for schedule(static)
    for (std::size_t i = 0; i < n; ++i) count[i] = static_cast<std::int64_t>(off[i + 1] - off[i]);

    for (const char* measure : kMeasures) {
      if (!channel.records.has(measure)) continue;
      const ColumnType type = channel.records.column(measure).type();
      if (type != ColumnType::Int32 && type != ColumnType::Int64) continue;
      auto& sum = out.add(channel.channel + "_" + measure + "_sum", ColumnType::Int64).values<std::int64_t>();
      channel.records.column(measure).visit([&](const auto& values) {
        using T = typename std::decay_t<decltype(values)>::value_type;
        if constexpr (std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t>) {
#pragma omp parallel for schedule(dynamic, 1024)
          for (std::size_t i = 0; i < n; ++i) {
            std::int64_t s = 0;
            for (auto r = off[i]; r < off[i + 1]; ++r) {
              if (!is_missing(values[r])) s += static_cast<std::int64_t>(values[r]);
            }
            sum[i] = s;
          }
        }
      });
    }
  }
  return out;
}

}  // namespace portrait::engine
