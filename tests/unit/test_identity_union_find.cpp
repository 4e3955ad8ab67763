// tests/unit/test_identity_union_find.cpp: the sequential union-find that is
// the reference of the distributed components, and the identity guards.
#include <gtest/gtest.h>

#include <vector>

#include "core/error.hpp"
#include "identity/identity_guards.hpp"
#include "identity/union_find.hpp"

namespace portrait::identity {
namespace {

TEST(UnionFind, SingletonsAreTheirOwnLabel) {
  UnionFind sets(3);
  const std::vector<CustomerId> ids{30, 10, 20};
  EXPECT_EQ(sets.min_labels(ids), (std::vector<CustomerId>{30, 10, 20}));
}

TEST(UnionFind, LabelIsSmallestIdWhateverTheUnionOrder) {
  const std::vector<CustomerId> ids{50, 40, 30, 20, 10, 99};
  UnionFind forward(ids.size());
  UnionFind backward(ids.size());
  for (std::uint32_t i = 0; i + 2 < ids.size(); ++i) forward.unite(i, i + 1);
  for (std::uint32_t i = 4; i > 0; --i) backward.unite(i, i - 1);
  const std::vector<CustomerId> expected{10, 10, 10, 10, 10, 99};
  EXPECT_EQ(forward.min_labels(ids), expected);
  EXPECT_EQ(backward.min_labels(ids), expected);
}

TEST(UnionFind, UniteReportsWhetherSetsMerged) {
  UnionFind sets(4);
  EXPECT_TRUE(sets.unite(0, 1));
  EXPECT_TRUE(sets.unite(2, 3));
  EXPECT_FALSE(sets.unite(1, 0));
  EXPECT_TRUE(sets.unite(1, 3));
  EXPECT_FALSE(sets.unite(0, 2));
  EXPECT_EQ(sets.find(0), sets.find(3));
}

TEST(UnionFind, ResetMakesSingletonsAgain) {
  UnionFind sets(2);
  sets.unite(0, 1);
  sets.reset(3);
  EXPECT_NE(sets.find(0), sets.find(1));
  EXPECT_EQ(sets.size(), 3U);
}

TEST(CustomerUnionFind, LinksByCustomerId) {
  CustomerUnionFind sets({3, 7, 11, 15, 20});
  sets.unite(20, 11);
  sets.unite(15, 7);
  EXPECT_EQ(sets.persons(), (std::vector<CustomerId>{3, 7, 11, 7, 11}));
}

TEST(CustomerUnionFind, RejectsUnknownCustomersAndUnsortedLists) {
  CustomerUnionFind sets({1, 2});
  EXPECT_THROW(sets.unite(1, 5), Error);
  EXPECT_THROW(CustomerUnionFind({2, 1}), Error);
  EXPECT_THROW(CustomerUnionFind({1, 1}), Error);
}

TEST(IdentityGuards, DefaultsAreValid) {
  IdentityGuards guards;
  EXPECT_NO_THROW(guards.validate());
  EXPECT_TRUE(guards.of(static_cast<std::int8_t>(IdType::IdCard)).links);
}

TEST(IdentityGuards, RejectsCapsBelowTwo) {
  IdentityGuards guards;
  guards.by_type[2].max_customers = 1;
  EXPECT_THROW(guards.validate(), Error);
  IdentityGuards small_components;
  small_components.max_component_size = 1;
  EXPECT_THROW(small_components.validate(), Error);
}

TEST(IdentityGuards, KnowsTheFiveIdTypes) {
  EXPECT_TRUE(IdentityGuards::known_type(0));
  EXPECT_TRUE(IdentityGuards::known_type(4));
  EXPECT_FALSE(IdentityGuards::known_type(5));
  EXPECT_FALSE(IdentityGuards::known_type(-1));
  EXPECT_EQ(to_string(IdType::Device), "device");
}

}  // namespace
}  // namespace portrait::identity
