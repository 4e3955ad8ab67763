// tests/unit/test_error.cpp: portrait::Error carries what, where and hint.
#include <gtest/gtest.h>

#include "core/error.hpp"

namespace portrait {
namespace {

TEST(Error, MessageNamesPlaceProblemAndHint) {
  const Error e("unknown column 'arpu'", "catalog.yaml:12:7", "did you mean 'arpu_fen'?");
  EXPECT_STREQ(e.what(), "catalog.yaml:12:7: unknown column 'arpu'\n  hint: did you mean 'arpu_fen'?");
  EXPECT_EQ(e.problem(), "unknown column 'arpu'");
  EXPECT_EQ(e.where(), "catalog.yaml:12:7");
  EXPECT_EQ(e.hint(), "did you mean 'arpu_fen'?");
}

TEST(Error, EmptyPartsAreLeftOut) {
  EXPECT_STREQ(Error("bad").what(), "bad");
  EXPECT_STREQ(Error("bad", "f.h5").what(), "f.h5: bad");
}

}  // namespace
}  // namespace portrait
