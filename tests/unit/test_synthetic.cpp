// tests/unit/test_synthetic.cpp: the generator's model in-process: segment
// shares and persons as planted, parts of a day adding up to the whole day,
// thread count not changing content, dirt at the asked rate.
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

TEST(Synthetic, DirtAtTheAskedRate) {
  Options o = small(3000);
  Population p;
  build_population(o, p);
  Scratch scratch;
  Table clean;
  billing_records(o, p, o.period, scratch, clean);
  Table dirty = clean;
  o.dirty_rate = 0.1;
  add_dirt(o, 42, dirty);
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

}  // namespace
}  // namespace portrait::io::synthetic
