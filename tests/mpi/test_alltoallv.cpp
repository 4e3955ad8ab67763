// tests/mpi/test_alltoallv.cpp: the all-to-all-v of plain structs delivers
// every block to its rank in order, in one call and in rounds.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "parallel/alltoallv.hpp"

namespace portrait::parallel {
namespace {

struct Item {
  std::int64_t from;
  std::int64_t to;
  std::int64_t index;
};

// Rank s sends (s + 2 * d + index) % 7 items to rank d: uneven, some empty.
std::int64_t count_between(int from, int to) { return (from + 2 * to + 3) % 7; }

void check_exchange(std::int64_t max_round_elements, int expected_min_rounds) {
  const Comm world;
  std::vector<std::int64_t> send_counts;
  std::vector<Item> send;
  for (int to = 0; to < world.size(); ++to) {
    send_counts.push_back(count_between(world.rank(), to));
    for (std::int64_t i = 0; i < send_counts.back(); ++i) send.push_back({world.rank(), to, i});
  }
  std::vector<Item> recv;
  std::vector<std::int64_t> recv_counts;
  const int rounds = alltoallv<Item>(world, send, send_counts, recv, recv_counts, max_round_elements);
  EXPECT_GE(rounds, expected_min_rounds);
  std::size_t at = 0;
  for (int from = 0; from < world.size(); ++from) {
    ASSERT_EQ(recv_counts[static_cast<std::size_t>(from)], count_between(from, world.rank()));
    for (std::int64_t i = 0; i < recv_counts[static_cast<std::size_t>(from)]; ++i, ++at) {
      ASSERT_LT(at, recv.size());
      EXPECT_EQ(recv[at].from, from);
      EXPECT_EQ(recv[at].to, world.rank());
      EXPECT_EQ(recv[at].index, i);
    }
  }
  EXPECT_EQ(at, recv.size());
}

TEST(Alltoallv, DeliversBlocksInOneCall) { check_exchange(kMaxRoundElements, 1); }

TEST(Alltoallv, DeliversBlocksInRounds) {
  const Comm world;
  // Every rank sends at least 3 items in total, so a limit of ranks + 1
  // leaves one element per round and forces several rounds.
  check_exchange(world.size() + 1, 2);
}

TEST(Alltoallv, RejectsALimitBelowTheRankCount) {
  const Comm world;
  std::vector<std::int64_t> counts(static_cast<std::size_t>(world.size()), 0);
  std::vector<Item> recv;
  std::vector<std::int64_t> recv_counts;
  EXPECT_ANY_THROW(alltoallv<Item>(world, {}, counts, recv, recv_counts, world.size()));
}

}  // namespace
}  // namespace portrait::parallel
