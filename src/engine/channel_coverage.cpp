// src/engine/channel_coverage.cpp: records in the period per channel.
#include "engine/channel_coverage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <type_traits>

#include "core/error.hpp"
#include "io/schema.hpp"

namespace portrait::engine {

std::vector<std::int64_t> records_in_period(const GroupedCustomers& grouped,
                                            const std::vector<std::string>& channels, const Period& period) {
  std::vector<std::int64_t> counts(channels.size(), 0);
  for (std::size_t k = 0; k < channels.size(); ++k) {
    if (channels[k] == "customers") {
      counts[k] = static_cast<std::int64_t>(grouped.size());
      continue;
    }
    const ChannelRecords* c = grouped.find(channels[k]);
    if (c == nullptr) continue;
    const io::ChannelSchema& schema = io::channel_schema(channels[k]);
    const io::TimeSpan span = io::month_span(schema.time_unit, period);
    c->records.column(schema.time_column).visit([&](const auto& times) {
      using T = typename std::decay_t<decltype(times)>::value_type;
      if constexpr (std::is_integral_v<T> && std::is_signed_v<T>)
        counts[k] = std::count_if(times.begin(), times.end(), [&](T t) { return span.contains(t); });
    });
  }
  return counts;
}

std::vector<std::string> check_channel_coverage(const std::vector<std::string>& channels,
                                                const std::vector<std::int64_t>& in_period,
                                                const std::vector<std::string>& expected,
                                                const std::vector<std::string>& required,
                                                const Period& period, const std::string& job_file) {
  const auto listed = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  std::vector<std::string> warnings;
  for (const auto& name : io::channel_names()) {
    if (!listed(expected, name) && !listed(required, name)) continue;
    const auto it = std::find(channels.begin(), channels.end(), name);
    if (it != channels.end() && in_period[static_cast<std::size_t>(it - channels.begin())] > 0) continue;
    const std::string what = it == channels.end()
                                 ? fmt::format("no shard holds channel '{}'", name)
                                 : fmt::format("channel '{}' has no records in {}", name, period.to_string());
    if (listed(required, name)) {
      throw Error(
          what + ", and the job requires it", job_file,
          "check that the period's shards of the channel are complete and matched by 'inputs: shards', "
          "or drop it from 'inputs: require_channels'");
    }
    warnings.push_back(what + ": tags over it are zero or missing for every customer");
  }
  return warnings;
}

}  // namespace portrait::engine
