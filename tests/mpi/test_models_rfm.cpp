// tests/mpi/test_models_rfm.cpp: exact distributed order statistics equal
// rank 0's sort of every value, and RFM scores at np = 1..4 equal the
// single-process scores.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "models/rfm.hpp"

namespace portrait::models {
namespace {

constexpr std::int64_t kCustomers = 10000;

// Customer c's values: many ties (recency in days), a huge range with
// negatives and extremes (monetary), some missing.
std::int64_t recency_of(std::int64_t c) { return static_cast<std::int64_t>(KeyedRandom(9, c, 0).below(40)); }
std::int64_t frequency_of(std::int64_t c) {
  KeyedRandom random(9, c, 1);
  return random.below(20) == 0 ? missing<std::int64_t>() : static_cast<std::int64_t>(random.below(1000));
}
std::int64_t monetary_of(std::int64_t c) {
  if (c == 1) return std::numeric_limits<std::int64_t>::max();
  if (c == 2) return std::numeric_limits<std::int64_t>::min() + 1;
  return static_cast<std::int64_t>(KeyedRandom(9, c, 2).next());
}

// Customers of this rank: a round-robin split, unlike any bucket split.
std::vector<std::int64_t> my_customers(const parallel::Comm& comm) {
  std::vector<std::int64_t> ids;
  for (std::int64_t c = 1 + comm.rank(); c <= kCustomers; c += comm.size()) ids.push_back(c);
  return ids;
}

TEST(ExactQuantiles, EqualTheSortedValues) {
  const parallel::Comm world;
  std::vector<std::int64_t> mine, every;
  for (std::int64_t c : my_customers(world)) mine.push_back(monetary_of(c));
  for (std::int64_t c = 1; c <= kCustomers; ++c) every.push_back(monetary_of(c));
  std::sort(every.begin(), every.end());
  const std::vector<std::int64_t> ranks{0, 1, 2, 2500, 4999, 5000, 9998, 9999};
  const std::vector<std::int64_t> found = exact_order_statistics(world, mine, ranks);
  for (std::size_t q = 0; q < ranks.size(); ++q) {
    EXPECT_EQ(found[q], every[static_cast<std::size_t>(ranks[q])]) << "rank " << ranks[q];
  }
}

TEST(ExactQuantiles, RankOutOfRangeThrowsOnEveryRank) {
  const parallel::Comm world;
  const std::vector<std::int64_t> mine{1, 2};
  const std::vector<std::int64_t> ranks{2 * static_cast<std::int64_t>(world.size())};
  EXPECT_THROW(exact_order_statistics(world, mine, ranks), Error);
}

TEST(Rfm, DistinctValuesFillEachQuintileExactly) {
  const parallel::Comm world;
  std::vector<std::int64_t> distinct;
  for (std::int64_t c : my_customers(world)) distinct.push_back(c * 7);
  const RfmScores s = score_rfm(world, distinct, distinct, distinct);
  std::array<long long, 5> per_score{};
  for (std::int8_t score : s.monetary) per_score[static_cast<std::size_t>(score - 1)] += 1;
  MPI_Allreduce(MPI_IN_PLACE, per_score.data(), 5, MPI_LONG_LONG, MPI_SUM, world.raw());
  for (long long count : per_score) EXPECT_EQ(count, kCustomers / 5);
  EXPECT_EQ(s.monetary_cuts, (QuintileCuts{2000 * 7, 4000 * 7, 6000 * 7, 8000 * 7}));
}

TEST(Rfm, SameScoresForAnyRankCount) {
  const parallel::Comm world;
  const std::vector<std::int64_t> ids = my_customers(world);
  std::vector<std::int64_t> r, f, m;
  for (std::int64_t c : ids) {
    r.push_back(recency_of(c));
    f.push_back(frequency_of(c));
    m.push_back(monetary_of(c));
  }
  const RfmScores s = score_rfm(world, r, f, m);
  if (!world.is_root()) return;
  std::vector<std::int64_t> all_r, all_f, all_m;
  for (std::int64_t c = 1; c <= kCustomers; ++c) {
    all_r.push_back(recency_of(c));
    all_f.push_back(frequency_of(c));
    all_m.push_back(monetary_of(c));
  }
  const RfmScores reference = score_rfm(parallel::Comm(MPI_COMM_SELF), all_r, all_f, all_m);
  EXPECT_EQ(s.recency_cuts, reference.recency_cuts);
  EXPECT_EQ(s.frequency_cuts, reference.frequency_cuts);
  EXPECT_EQ(s.monetary_cuts, reference.monetary_cuts);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto at = static_cast<std::size_t>(ids[i] - 1);
    ASSERT_EQ(s.recency[i], reference.recency[at]);
    ASSERT_EQ(s.frequency[i], reference.frequency[at]);
    ASSERT_EQ(s.monetary[i], reference.monetary[at]);
    ASSERT_EQ(s.level[i], reference.level[at]);
  }
  // Missing frequency gives a missing level; every level occurs.
  std::map<std::string_view, int> levels;
  for (std::int8_t level : reference.level) levels[value_level_name(level)] += 1;
  EXPECT_GT(levels["missing"], 0);
  EXPECT_GT(levels["low"], 0);
  EXPECT_GT(levels["medium"], 0);
  EXPECT_GT(levels["high"], 0);
}

}  // namespace
}  // namespace portrait::models
