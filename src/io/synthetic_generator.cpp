// src/io/synthetic_generator.cpp: shard plan, one rank's writing, reference
// and truth files.
#include "io/synthetic_generator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "io/reference.hpp"
#include "io/schema.hpp"
#include "io/shard_writer.hpp"
#include "io/synthetic_channels.hpp"
#include "io/synthetic_dirt.hpp"
#include "io/synthetic_linking.hpp"
#include "io/synthetic_propensity.hpp"
#include "io/truth.hpp"

namespace portrait::io::synthetic {
namespace {

constexpr int kCustomerFiles = 4;

std::string day_name(const Options& o, int day) {
  return fmt::format("{}-{:02d}", o.period.to_string(), day + 1);
}

std::size_t channel_index(const std::string& channel) {
  const auto& schemas = channel_schemas();
  for (std::size_t i = 0; i < schemas.size(); ++i) {
    if (schemas[i].name == channel) return i;
  }
  return 0;
}

}  // namespace

std::vector<ShardJob> plan_shards(const Options& o) {
  std::vector<ShardJob> jobs;
  auto add = [&jobs](std::string file, std::string channel, int slice, int part) {
    int index = 0;
    for (const auto& j : jobs) index += j.channel == channel ? 1 : 0;
    jobs.push_back({std::move(file), std::move(channel), slice, part, index});
  };
  const int customer_files = static_cast<int>(std::min<std::int64_t>(kCustomerFiles, o.customers));
  for (int f = 0; f < customer_files; ++f) add(fmt::format("customers_{}.h5", f), "customers", f, 0);
  for (int m = 0; m < o.months_of_billing; ++m) {
    const Period month = o.period.plus_months(m - o.months_of_billing + 1);
    add(fmt::format("billing_{}.h5", month.to_string()), "billing", m, 0);
  }
  for (int d = 0; d < o.period.days(); ++d) {
    for (int q = 0; q < o.shards_per_day; ++q) {
      add(fmt::format("usage_{}_{}.h5", day_name(o, d), q), "usage", d, q);
      add(fmt::format("web_{}_{}.h5", day_name(o, d), q), "web", d, q);
    }
  }
  for (int w = 0; w < weeks_in(o.period); ++w) {
    add(fmt::format("service_{}_w{}.h5", o.period.to_string(), w + 1), "service", w, 0);
    add(fmt::format("marketing_{}_w{}.h5", o.period.to_string(), w + 1), "marketing", w, 0);
    add(fmt::format("identity_{}_w{}.h5", o.period.to_string(), w + 1), "identity", w, 0);
  }
  return jobs;
}

WriteCounts write_rank_shards(const Options& o, const Population& p, const std::string& dir, int rank,
                              int ranks) {
  const std::filesystem::path shards = std::filesystem::path(dir) / "shards";
  std::error_code ec;
  std::filesystem::create_directories(shards, ec);
  if (!std::filesystem::is_directory(shards)) {
    throw Error("cannot create the output directory", shards.string(), "check the path and permissions");
  }
  WriteCounts counts;
  Scratch scratch;
  // One table per channel, reused shard after shard (fresh pages are slow).
  std::array<Table, 7> tables;
  const std::vector<ShardJob> jobs = plan_shards(o);
  for (const auto& job : jobs) {
    if (!rank_writes(job, rank, ranks)) continue;
    const std::size_t c = channel_index(job.channel);
    Table& table = tables[c];
    Period shard_period = o.period;
    if (job.channel == "customers") {
      const auto files = static_cast<std::int64_t>(std::min<std::int64_t>(kCustomerFiles, o.customers));
      const std::int64_t first = 1 + o.customers * job.slice / files;
      const std::int64_t end = 1 + o.customers * (job.slice + 1) / files;
      customers_records(o, p, first, end, table);
      add_propensity_labels(o, p, first, table);
    } else if (job.channel == "billing") {
      shard_period = o.period.plus_months(job.slice - o.months_of_billing + 1);
      billing_records(o, p, shard_period, scratch, table);
    } else if (job.channel == "usage") {
      usage_records(o, p, job.slice, job.part, scratch, table);
    } else if (job.channel == "web") {
      web_records(o, p, job.slice, job.part, scratch, table);
    } else if (job.channel == "service") {
      service_records(o, p, job.slice, scratch, table);
    } else if (job.channel == "marketing") {
      marketing_records(o, p, job.slice, scratch, table);
    } else {
      identity_records(o, p, job.slice, scratch, table);
    }
    add_dirt(o, (c << 32) + static_cast<std::uint64_t>(job.index_in_channel), table);
    ShardWriter writer((shards / job.file).string(),
                       {"portrait gen", shard_period.to_string(), o.compression, {}});
    writer.write(table);
    writer.close();
    counts.rows[c] += table.rows();
    ++counts.shards;
  }
  return counts;
}

void write_synthetic_reference(const Options& o, const std::string& path) {
  static const char* const kRegionNames[kRegions] = {"北京", "上海", "广州", "深圳", "杭州", "南京",
                                                     "成都", "武汉", "西安", "重庆", "天津", "苏州",
                                                     "长沙", "郑州", "青岛", "沈阳"};
  static const double kRegionLat[kRegions] = {39.90, 31.23, 23.13, 22.54, 30.27, 32.06, 30.57, 30.59,
                                              34.34, 29.56, 39.13, 31.30, 28.23, 34.75, 36.07, 41.81};
  static const double kRegionLon[kRegions] = {116.41, 121.47, 113.26, 114.06, 120.16, 118.80, 104.07, 114.31,
                                              108.94, 106.55, 117.20, 120.59, 112.94, 113.63, 120.38, 123.43};
  static const char* const kCategories[kContentCategories] = {
      "news", "shopping", "games", "video", "social", "music", "finance", "travel", "education", "sports"};
  Reference ref = Reference::empty();
  Dictionary region{"region", {}};
  Dictionary category1{"content_category1", {}};
  Dictionary category2{"content_category2", {}};
  Dictionary segment{"segment", {}};
  for (int r = 0; r < kRegions; ++r) region.entries.emplace_back(r + 1, kRegionNames[r]);
  for (int c = 0; c < kContentCategories; ++c) {
    category1.entries.emplace_back(c + 1, kCategories[c]);
    for (int k = 1; k <= 5; ++k)
      category2.entries.emplace_back((c + 1) * 100 + k, fmt::format("{} {}", kCategories[c], k));
  }
  for (int s = 0; s < kSegments; ++s)
    segment.entries.emplace_back(s, segment_profiles()[static_cast<std::size_t>(s)].name);

  auto place = [&o](Table& t, const char* id_name, int per_region, std::uint64_t stream) {
    t.resize(static_cast<std::size_t>(kRegions * per_region));
    for (int r = 0; r < kRegions; ++r) {
      for (int k = 0; k < per_region; ++k) {
        const auto row = static_cast<std::size_t>(r * per_region + k);
        KeyedRandom random(o.seed, row, stream);
        t.values<std::int32_t>(id_name)[row] = static_cast<std::int32_t>(row) + 1;
        // Within about 20 km of the city centre.
        t.values<double>("lat")[row] = kRegionLat[r] + (random.uniform() - 0.5) * 0.36;
        t.values<double>("lon")[row] = kRegionLon[r] + (random.uniform() - 0.5) * 0.44;
      }
    }
  };
  place(ref.cells, "cell_id", kCellsPerRegion, kCells);
  place(ref.stores, "store_id", kStoresPerRegion, kStores);
  ref.domains.resize(kContentCategories * kDomainsPerCategory);
  for (int c = 0; c < kContentCategories; ++c) {
    for (int k = 0; k < kDomainsPerCategory; ++k) {
      const auto row = static_cast<std::size_t>(c * kDomainsPerCategory + k);
      ref.domains.values<std::int32_t>("domain_id")[row] = static_cast<std::int32_t>(row) + 1;
      ref.domains.values<std::int32_t>("category1")[row] = c + 1;
      ref.domains.values<std::int32_t>("category2")[row] = (c + 1) * 100 + 1 + k % 5;
    }
  }
  ref.dictionaries = standard_dictionaries();
  ref.dictionaries.push_back(std::move(region));
  ref.dictionaries.push_back(std::move(category1));
  ref.dictionaries.push_back(std::move(category2));
  ref.dictionaries.push_back(std::move(segment));
  write_reference(path, ref);
}

void write_synthetic_truth(const Population& p, const std::string& path) {
  Table truth = make_truth_table();
  truth.resize(static_cast<std::size_t>(p.customers));
  truth.values<std::int64_t>("customer_id") = p.id;
  truth.values<std::int64_t>("person_id") = p.person;
  truth.values<std::int8_t>("segment") = p.segment;
  truth.values<std::int8_t>("churn") = p.churn;
  truth.values<std::int8_t>("complaint_prone") = p.complaint_prone;
  write_truth(path, truth);
  write_planted_links(p, path);
}

}  // namespace portrait::io::synthetic
