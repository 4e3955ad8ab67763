// tests/unit/test_synthetic.cpp: the generator's model in-process: segment
// shares and persons as planted, parts of a day adding up to the whole day,
// thread count not changing content, dirt at the asked rate, consecutive
// months of one seed relating like real months.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <map>
#include <set>

#include "io/synthetic_channels.hpp"
#include "io/synthetic_dirt.hpp"
#include "io/synthetic_model.hpp"

namespace portrait::io::synthetic {
namespace {

Options small(std::int64_t customers) {
  Options o;
  o.customers = customers;
  o.period = {2024, 3};
  o.seed = 11;
  return o;
}

TEST(Synthetic, PopulationFollowsTheSegmentTableAndPersons) {
  const Options o = small(30000);
  Population p;
  build_population(o, p);
  std::array<int, kSegments> count{};
  for (auto s : p.segment) ++count[static_cast<std::size_t>(s)];
  for (std::size_t s = 0; s < kSegments; ++s) {
    EXPECT_NEAR(count[s] / 30000.0, segment_profiles()[s].population_share, 0.015)
        << segment_profiles()[s].name;
  }
  // About 15% of persons hold two or three numbers.
  std::map<std::int64_t, int> numbers;
  for (auto person : p.person) ++numbers[person];
  int multi = 0;
  int most = 0;
  for (const auto& [person, n] : numbers) {
    multi += n > 1 ? 1 : 0;
    most = std::max(most, n);
  }
  EXPECT_NEAR(static_cast<double>(multi) / static_cast<double>(numbers.size()), 0.15, 0.02);
  EXPECT_EQ(most, 3);
  // Complaint-prone customers are far more common among churners.
  double prone_churners = 0, churners = 0, prone_stayers = 0;
  for (std::size_t i = 0; i < p.churn.size(); ++i) {
    churners += p.churn[i];
    prone_churners += p.churn[i] * p.complaint_prone[i];
    prone_stayers += (1 - p.churn[i]) * p.complaint_prone[i];
  }
  ASSERT_GT(churners, 300);
  EXPECT_GT(prone_churners / churners, 3 * prone_stayers / (30000 - churners));
}

TEST(Synthetic, MovesBetweenSegmentsKeepEveryShare) {
  // The flows between two segments are equal both ways, so the shares of the
  // segment table are the stationary ones; the stable segments move least.
  for (int t = 0; t < kSegments; ++t) {
    double inflow = 0;
    for (int s = 0; s < kSegments; ++s) {
      if (s != t)
        inflow += segment_profiles()[static_cast<std::size_t>(s)].population_share * segment_move_rate(s) *
                  segment_move_share(s, t);
    }
    const double share = segment_profiles()[static_cast<std::size_t>(t)].population_share;
    EXPECT_NEAR(inflow, share * segment_move_rate(t), 1e-12) << t;
    EXPECT_EQ(segment_move_share(t, t), 0.0);
    EXPECT_GT(segment_move_rate(t), 0.01);
    EXPECT_LT(segment_move_rate(t), 0.08);
  }
  EXPECT_LT(segment_move_rate(0), segment_move_rate(2));  // gold is steadier than low-end volatile
}

TEST(Synthetic, ConsecutiveMonthsAreTheSameCustomersMovingAndChurning) {
  Options march = small(30000);
  Options april = march;
  april.period = {2024, 4};
  Population a, b;
  build_population(march, a);
  build_population(april, b);
  std::map<std::int64_t, std::size_t> in_april;
  for (std::size_t i = 0; i < b.id.size(); ++i) in_april[b.id[i]] = i;
  std::size_t kept = 0, moved = 0, churned = 0, churned_present = 0;
  for (std::size_t i = 0; i < a.id.size(); ++i) {
    const auto found = in_april.find(a.id[i]);
    if (a.churn[i] != 0) {
      ++churned;
      churned_present += found != in_april.end() ? 1 : 0;
      continue;
    }
    ASSERT_NE(found, in_april.end()) << "customer " << a.id[i] << " left without churning";
    const std::size_t j = found->second;
    ++(a.segment[i] == b.segment[j] ? kept : moved);
    // What stays with a customer stays, whatever the segment.
    EXPECT_EQ(a.join_date[i], b.join_date[j]);
    EXPECT_EQ(a.region[i], b.region[j]);
    if (a.segment[i] == b.segment[j]) {
      EXPECT_EQ(a.plan[i], b.plan[j]);
    }
  }
  EXPECT_EQ(churned_present, 0U);
  // Every slot of a churned customer holds a new customer (a new id) in April.
  std::set<std::int64_t> in_march(a.id.begin(), a.id.end());
  std::size_t joined = 0;
  for (std::size_t i = 0; i < b.id.size(); ++i) {
    if (in_march.count(b.id[i]) != 0) continue;
    ++joined;
    EXPECT_GE(b.join_date[i], april.period.start());
    EXPECT_LT(b.join_date[i], april.period.end());
  }
  EXPECT_EQ(joined, churned);
  const double churn_rate = static_cast<double>(churned) / 30000.0;
  EXPECT_GT(churn_rate, 0.015);
  EXPECT_LT(churn_rate, 0.05);
  const double move_rate = static_cast<double>(moved) / static_cast<double>(kept + moved);
  EXPECT_GT(move_rate, 0.02);
  EXPECT_LT(move_rate, 0.06);
  // Ids are unique within a month.
  EXPECT_EQ(in_march.size(), a.id.size());
}

TEST(Synthetic, PartsOfADayAddUpToTheDayAndThreadsDoNotMatter) {
  Options whole = small(2000);
  Population p;
  build_population(whole, p);
  Scratch scratch;
  Table day;
  usage_records(whole, p, 9, 0, scratch, day);
  Options cut = whole;
  cut.shards_per_day = 3;
  std::multiset<std::pair<std::int64_t, std::int64_t>> parts;
  for (int part = 0; part < 3; ++part) {
    Table t;
    usage_records(cut, p, 9, part, scratch, t);
    for (std::size_t r = 0; r < t.rows(); ++r) {
      const std::int64_t hour = (t.values<std::int64_t>("ts")[r] - whole.period.start()) % 86400 / 3600;
      EXPECT_TRUE(hour >= 8 * part && hour < 8 * (part + 1));
      parts.emplace(t.values<std::int64_t>("customer_id")[r], t.values<std::int64_t>("ts")[r]);
    }
  }
  std::multiset<std::pair<std::int64_t, std::int64_t>> all;
  for (std::size_t r = 0; r < day.rows(); ++r) {
    all.emplace(day.values<std::int64_t>("customer_id")[r], day.values<std::int64_t>("ts")[r]);
  }
  EXPECT_GT(all.size(), 1000U);
  EXPECT_EQ(parts, all);

  const int threads = omp_get_max_threads();
  omp_set_num_threads(threads == 1 ? 2 : 1);
  Table again;
  usage_records(whole, p, 9, 0, scratch, again);
  omp_set_num_threads(threads);
  ASSERT_EQ(again.rows(), day.rows());
  for (std::size_t c = 0; c < day.column_count(); ++c) {
    const auto a = day.column(c).bytes();
    const auto b = again.column(c).bytes();
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin())) << day.column_name(c);
  }
}

// A month's billing records of `o`'s customers, clean and with dirt
// planted at `rate` in slice `slice`.
std::pair<Table, Table> billing_with_dirt(Options o, double rate, std::uint64_t slice) {
  Population p;
  build_population(o, p);
  Scratch scratch;
  Table clean;
  billing_records(o, p, o.period, scratch, clean);
  Table dirty = clean;
  o.dirty_rate = rate;
  add_dirt(o, slice, dirty);
  return {std::move(clean), std::move(dirty)};
}

TEST(Synthetic, DirtAtTheAskedRate) {
  const auto [clean, dirty] = billing_with_dirt(small(3000), 0.1, 42);
  std::size_t changed = 0, zero_ids = 0, negative = 0;
  for (std::size_t r = 0; r < clean.rows(); ++r) {
    bool differs = false;
    for (std::size_t c = 0; c < clean.column_count(); ++c) {
      clean.column(c).visit([&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        const auto& w = dirty.column(c).values<typename V::value_type>();
        if (!(v[r] == w[r]) && !(is_missing(v[r]) && is_missing(w[r]))) differs = true;
      });
    }
    changed += differs ? 1 : 0;
    zero_ids += dirty.values<std::int64_t>("customer_id")[r] == 0 ? 1 : 0;
    negative += dirty.values<std::int64_t>("amount")[r] < 0 ? 1 : 0;
  }
  const double share = static_cast<double>(changed) / static_cast<double>(clean.rows());
  EXPECT_GT(share,
            0.07);  // a duplicate of an equal neighbour or a missing value in a missing cell changes nothing
  EXPECT_LT(share, 0.11);
  EXPECT_GT(zero_ids, 0U);
  EXPECT_GT(negative, 0U);
}

TEST(Synthetic, UnknownCustomerIdsAreNoCustomerOfAnyMonth) {
  // Customers who join later take ids above the first month's; a record
  // planted with an unknown id must not land on one of them.
  const Options o = small(3000);
  std::set<std::int64_t> ids;
  for (int month = 0; month < 36; ++month) {
    Options m = o;
    m.period = o.period.plus_months(month);
    Population p;
    build_population(m, p);
    ids.insert(p.id.begin(), p.id.end());
  }
  ASSERT_GT(*ids.rbegin(), o.customers);  // new customers joined
  const auto [clean, dirty] = billing_with_dirt(o, 0.5, 7);
  std::size_t unknown = 0;
  const auto& before = clean.values<std::int64_t>("customer_id");
  const auto& after = dirty.values<std::int64_t>("customer_id");
  for (std::size_t r = 0; r < clean.rows(); ++r) {
    if (after[r] == before[r] || after[r] == 0 || (r > 0 && after[r] == after[r - 1]))
      continue;  // kept, zero, a duplicate
    ++unknown;
    EXPECT_EQ(ids.count(after[r]), 0U) << after[r];
  }
  EXPECT_GT(unknown, 100U);
}

}  // namespace
}  // namespace portrait::io::synthetic
