// tests/mpi/test_collective_error.cpp: an error on one rank reaches every rank
// as the same RankFailure naming that rank; no error means no throw.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "parallel/collective_error.hpp"

namespace portrait::parallel {
namespace {

TEST(Collectively, SomeRanksFailingAreCounted) {
  const Comm world;
  if (world.size() < 3) GTEST_SKIP() << "needs 3 ranks";
  try {
    collectively(world, [&] {
      if (world.rank() >= 1) throw Error("bad");
    });
    FAIL() << "no rank threw";
  } catch (const RankFailure& e) {
    EXPECT_EQ(e.where(), "rank 1 (and " + std::to_string(world.size() - 2) + " more)");
  }
}

TEST(Collectively, NoErrorNoThrow) {
  const Comm world;
  int ran = 0;
  EXPECT_NO_THROW(collectively(world, [&] { ran = 1; }));
  EXPECT_EQ(ran, 1);
}

TEST(Collectively, ErrorOnLastRankReachesEveryRank) {
  const Comm world;
  const int last = world.size() - 1;
  try {
    collectively(world, [&] {
      if (world.rank() == last) throw Error("shard is truncated", "usage-2026-10-03.h5");
    });
    FAIL() << "no rank threw";
  } catch (const RankFailure& e) {
    EXPECT_EQ(e.failed_rank(), last);
    EXPECT_NE(std::string(e.what()).find("usage-2026-10-03.h5: shard is truncated"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("rank " + std::to_string(last)), std::string::npos) << e.what();
  }
}

TEST(Collectively, LowestFailingRankIsReported) {
  const Comm world;
  try {
    collectively(world,
                 [&] { throw std::runtime_error("rank " + std::to_string(world.rank()) + " failed"); });
    FAIL() << "no rank threw";
  } catch (const RankFailure& e) {
    EXPECT_EQ(e.failed_rank(), 0);
    const std::string expected = world.size() > 1 ? "every rank: rank 0 failed" : "rank 0: rank 0 failed";
    EXPECT_EQ(std::string(e.what()), expected);
  }
}

}  // namespace
}  // namespace portrait::parallel
