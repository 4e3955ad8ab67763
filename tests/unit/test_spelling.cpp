// tests/unit/test_spelling.cpp: edit distance and "did you mean" hints.
#include <gtest/gtest.h>

#include "core/spelling.hpp"

namespace portrait {
namespace {

TEST(Spelling, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("arpu", "arpu"), 0u);
  EXPECT_EQ(edit_distance("arpu", "apru"), 1u);  // a swap of neighbours is one edit
  EXPECT_EQ(edit_distance("bucket", "buckets"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Spelling, HintsCloseNamesOrListsChoices) {
  const std::vector<std::string> keys{"period", "inputs", "buckets", "output"};
  EXPECT_EQ(closest_name("bucket", keys), "buckets");
  EXPECT_EQ(closest_name("xyz", keys), "");
  EXPECT_EQ(name_hint("perod", keys), "did you mean 'period'?");
  EXPECT_EQ(name_hint("zzzzzz", keys), "expected one of: period, inputs, buckets, output");
}

}  // namespace
}  // namespace portrait
