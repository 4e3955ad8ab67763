// tests/unit/test_reference.cpp: the reference file round trip, periods and
// close-name hints.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <limits>

#include "core/error.hpp"
#include "core/period.hpp"
#include "core/spelling.hpp"
#include "io/reference.hpp"

namespace portrait::io {
namespace {

TEST(Reference, RoundTripKeepsTablesAndUtf8Dictionaries) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("portrait_ref_" + std::to_string(::getpid()) + ".h5"))
          .string();
  Reference ref = Reference::empty();
  ref.cells.resize(2);
  ref.cells.values<std::int32_t>("cell_id") = {11, 12};
  ref.cells.values<double>("lat") = {31.2, 31.25};
  ref.cells.values<double>("lon") = {121.4, 121.45};
  ref.domains.resize(1);
  ref.domains.values<std::int32_t>("domain_id") = {5};
  ref.domains.values<std::int32_t>("category1") = {2};
  ref.domains.values<std::int32_t>("category2") = {201};
  ref.dictionaries = standard_dictionaries();
  ref.dictionaries.push_back({"region", {{1, "上海"}, {2, "北京"}}});
  write_reference(path, ref);
  const Reference back = read_reference(path);
  std::filesystem::remove(path);

  EXPECT_EQ(back.cells.values<std::int32_t>("cell_id"), ref.cells.values<std::int32_t>("cell_id"));
  EXPECT_EQ(back.cells.values<double>("lat")[1], 31.25);
  EXPECT_EQ(back.cells.values<double>("lon")[1], 121.45);
  EXPECT_EQ(back.stores.rows(), 0U);
  EXPECT_EQ(back.domains.values<std::int32_t>("category2")[0], 201);
  ASSERT_EQ(back.dictionaries.size(), ref.dictionaries.size());
  EXPECT_EQ(back.dictionary("region").entries[0].second, "上海");
  EXPECT_EQ(back.dictionary("gender").entries[1], (std::pair<std::int32_t, std::string>{2, "female"}));
  EXPECT_THROW(back.dictionary("regoin"), Error);
}

// A NaN or infinite coordinate would pick some store as a cell's nearest
// (every distance compares false): the file is refused, naming the row.
TEST(Reference, CoordinatesThatAreNoNumbersAreRefused) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("portrait_ref_nan_" + std::to_string(::getpid()) + ".h5"))
          .string();
  for (const double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity(), 91.0}) {
    for (const bool store : {false, true}) {
      Reference ref = Reference::empty();
      Table& t = store ? ref.stores : ref.cells;
      t.resize(3);
      t.values<std::int32_t>(store ? "store_id" : "cell_id") = {7, 8, 9};
      t.values<double>("lat") = {31.2, 31.25, bad};
      t.values<double>("lon") = {121.4, 121.45, 121.5};
      ref.dictionaries = standard_dictionaries();
      write_reference(path, ref);
      try {
        read_reference(path);
        ADD_FAILURE() << "a latitude of " << bad << " was accepted";
      } catch (const Error& e) {
        EXPECT_EQ(e.where(), path + ": table '" + (store ? "stores" : "cells") + "', row 2");
        EXPECT_NE(e.problem().find(std::string("lat of ") + (store ? "store_id" : "cell_id") + " 9 is"),
                  std::string::npos)
            << e.problem();
      }
    }
  }
  std::filesystem::remove(path);
}

TEST(Period, ParsesAndSpansTheMonth) {
  const Period p = parse_period("2024-02");
  EXPECT_EQ(p.start(), 1706745600);  // 2024-02-01T00:00:00Z
  EXPECT_EQ(p.days(), 29);
  EXPECT_EQ(p.yyyymm(), 202402);
  EXPECT_EQ(p.plus_months(-2).to_string(), "2023-12");
  EXPECT_EQ(p.plus_months(11).to_string(), "2025-01");
  EXPECT_EQ(format_utc(p.start() + 86399), "2024-02-01T23:59:59Z");
  EXPECT_EQ(format_utc(p.end()), "2024-03-01T00:00:00Z");
  EXPECT_THROW(parse_period("2024-13"), Error);
  EXPECT_THROW(parse_period("24-03"), Error);
}

TEST(Spelling, SuggestsOnlyCloseNames) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3U);
  EXPECT_EQ(edit_distance("form", "from"), 1U);
  EXPECT_EQ(closest_name("custmers", {"customers", "usage"}), "customers");
  EXPECT_EQ(closest_name("zzz", {"customers", "usage"}), "");
  EXPECT_EQ(name_hint("zzz", {"a", "b"}), "expected one of: a, b");
}

}  // namespace
}  // namespace portrait::io
