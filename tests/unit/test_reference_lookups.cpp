// tests/unit/test_reference_lookups.cpp: the nearest store of each cell.
#include <gtest/gtest.h>

#include "engine/reference_lookups.hpp"

namespace portrait::engine {
namespace {

Table places(const char* name, const char* key, std::vector<std::int32_t> ids, std::vector<double> lat,
             std::vector<double> lon) {
  Table t(name);
  t.add(key, ColumnType::Int32).values<std::int32_t>() = std::move(ids);
  t.add("lat", ColumnType::Float64).values<double>() = std::move(lat);
  t.add("lon", ColumnType::Float64).values<double>() = std::move(lon);
  return t;
}

TEST(ReferenceLookups, NearestStoreByGreatCircleWithTiesToSmallerId) {
  // Shanghai-like coordinates: store 7 near cell 1, stores 3 and 9 equally
  // far from cell 2 (same point), store 5 far away.
  const Table stores = places("stores", "store_id", {9, 5, 7, 3}, {31.30, 40.0, 31.20, 31.30},
                              {121.50, 116.4, 121.40, 121.50});
  const Table cells =
      places("cells", "cell_id", {1, 2, 3}, {31.201, 31.299, 39.9}, {121.401, 121.501, 116.3});
  EXPECT_EQ(nearest_stores(cells, stores), (std::vector<std::int32_t>{7, 3, 5}));
  const Table no_stores = places("stores", "store_id", {}, {}, {});
  EXPECT_TRUE(is_missing(nearest_stores(cells, no_stores)[0]));
}

TEST(ReferenceLookups, WithoutAFileTablesAreEmptyWithTheirColumns) {
  const ReferenceLookups r = load_reference_lookups("");
  EXPECT_EQ(r.cells.rows(), 0u);
  EXPECT_TRUE(r.cells.has("store_id"));
  EXPECT_TRUE(r.domains.has("category1"));
}

}  // namespace
}  // namespace portrait::engine
