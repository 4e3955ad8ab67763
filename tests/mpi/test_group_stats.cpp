// tests/mpi/test_group_stats.cpp: group statistics at np = 1..4 equal a
// sequential computation on rank 0 over all customers, to the bit: counts,
// exact integer sums, float sums through the fixed bucket tree, averages,
// shares, exact median and p90, distinct counts; missing values left out.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/hash.hpp"
#include "parallel/bucket_reduce.hpp"
#include "parallel/reduce.hpp"
#include "stats/group_stats.hpp"

namespace portrait::stats {
namespace {

constexpr std::uint32_t kBuckets = 64;
constexpr std::int64_t kCustomers = 5003;

struct Customers {
  std::vector<Bucket> bucket;
  Column region{ColumnType::Int32}, segment{ColumnType::Int8}, arpu{ColumnType::Int64},
      saturation{ColumnType::Float64}, contract{ColumnType::Int8}, handset{ColumnType::Int32};
};

// Customers of buckets in `range`, in bucket order; values depend on the id only.
Customers make(const parallel::BucketRange& range) {
  std::vector<std::pair<Bucket, CustomerId>> ids;
  for (CustomerId id = 1; id <= kCustomers; ++id) {
    if (range.contains(bucket_of(id, kBuckets))) ids.emplace_back(bucket_of(id, kBuckets), id);
  }
  std::sort(ids.begin(), ids.end());
  Customers c;
  for (const auto& [b, id] : ids) {
    KeyedRandom rng(9, static_cast<std::uint64_t>(id));
    c.bucket.push_back(b);
    c.region.values<std::int32_t>().push_back(rng.below(20) == 0 ? missing<std::int32_t>()
                                                                 : static_cast<std::int32_t>(rng.below(4)));
    c.segment.values<std::int8_t>().push_back(static_cast<std::int8_t>(1 + rng.below(6)));
    c.arpu.values<std::int64_t>().push_back(static_cast<std::int64_t>(rng.below(30000)) *
                                            static_cast<std::int64_t>(1 + rng.below(3)));
    c.saturation.values<double>().push_back(rng.below(10) == 0 ? missing<double>() : rng.uniform() * 2.5);
    c.contract.values<std::int8_t>().push_back(static_cast<std::int8_t>(rng.below(3) == 0));
    c.handset.values<std::int32_t>().push_back(static_cast<std::int32_t>(1 + rng.below(7)));
  }
  return c;
}

GroupStats compute(const parallel::Comm& comm, const Customers& c, const parallel::BucketRange& range) {
  GroupStatsInput in;
  in.id = "segments";
  in.group_by = {"segment", "region"};
  in.group_columns = {&c.segment, &c.region};
  in.measures = {{"n", MeasureKind::Count, nullptr},
                 {"arpu_sum", MeasureKind::Sum, &c.arpu},
                 {"arpu_avg", MeasureKind::Avg, &c.arpu},
                 {"arpu_median", MeasureKind::Median, &c.arpu},
                 {"arpu_p90", MeasureKind::P90, &c.arpu},
                 {"saturation_sum", MeasureKind::Sum, &c.saturation},
                 {"saturation_avg", MeasureKind::Avg, &c.saturation},
                 {"saturation_median", MeasureKind::Median, &c.saturation},
                 {"contract_share", MeasureKind::Share, &c.contract},
                 {"handsets", MeasureKind::Distinct, &c.handset}};
  in.bucket = c.bucket;
  in.range = range;
  return compute_group_stats(comm, in);
}

TEST(GroupStats, EqualsSequentialReferenceToTheBit) {
  const parallel::Comm world;
  const auto range = parallel::even_bucket_range(kBuckets, world.size(), world.rank());
  const GroupStats got = compute(world, make(range), range);
  if (!world.is_root()) return;

  const parallel::BucketRange everything{kBuckets, 0, kBuckets};
  const Customers all = make(everything);
  const std::size_t n = all.bucket.size();
  std::map<std::vector<std::int64_t>, std::vector<std::size_t>> members;
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = all.region.values<std::int32_t>()[i];
    members[{all.segment.values<std::int8_t>()[i], is_missing(r) ? missing<std::int64_t>() : r}].push_back(i);
  }
  ASSERT_EQ(got.keys.size(), members.size());
  std::size_t g = 0;
  std::vector<double> partials(kBuckets * members.size(), 0.0);
  for (const auto& [key, rows] : members) {
    for (auto i : rows) {
      const double s = all.saturation.values<double>()[i];
      if (!is_missing(s)) partials[all.bucket[i] * members.size() + g] += s;
    }
    ++g;
  }
  const auto tree = parallel::tree_reduce_sequential(kBuckets, partials, members.size());

  g = 0;
  for (const auto& [key, rows] : members) {
    SCOPED_TRACE(::testing::Message() << "group " << g);
    EXPECT_EQ(got.keys[g], key);
    EXPECT_EQ(got.counts[g], static_cast<std::int64_t>(rows.size()));
    std::vector<std::int64_t> arpu;
    std::vector<double> saturation;
    std::int64_t contracts = 0;
    std::set<std::int32_t> handsets;
    for (auto i : rows) {
      arpu.push_back(all.arpu.values<std::int64_t>()[i]);
      if (!is_missing(all.saturation.values<double>()[i]))
        saturation.push_back(all.saturation.values<double>()[i]);
      contracts += all.contract.values<std::int8_t>()[i];
      handsets.insert(all.handset.values<std::int32_t>()[i]);
    }
    std::sort(arpu.begin(), arpu.end());
    std::sort(saturation.begin(), saturation.end());
    Int128 total = 0;
    for (auto v : arpu) total += v;
    const auto& v = got.values[g];
    EXPECT_TRUE(v[1].integer == total);
    EXPECT_EQ(v[2].real, static_cast<double>(total) / static_cast<double>(arpu.size()));
    EXPECT_TRUE(v[3].integer == arpu[parallel::quantile_rank(0.5, arpu.size())]);
    EXPECT_TRUE(v[4].integer == arpu[parallel::quantile_rank(0.9, arpu.size())]);
    if (saturation.empty()) {
      EXPECT_EQ(v[5].kind, StatValue::Kind::Missing);
    } else {
      EXPECT_EQ(v[5].real, tree[g]);
      EXPECT_EQ(v[6].real, tree[g] / static_cast<double>(saturation.size()));
      EXPECT_EQ(v[7].real, saturation[parallel::quantile_rank(0.5, saturation.size())]);
    }
    EXPECT_EQ(v[8].real, static_cast<double>(contracts) / static_cast<double>(rows.size()));
    EXPECT_TRUE(v[9].integer == static_cast<Int128>(handsets.size()));
    ++g;
  }
  const auto json = got.to_json();
  EXPECT_EQ(json["groups"].size(), members.size());
  EXPECT_NE(got.to_csv().find("segment,region,customers,n,arpu_sum"), std::string::npos);
}

}  // namespace
}  // namespace portrait::stats
