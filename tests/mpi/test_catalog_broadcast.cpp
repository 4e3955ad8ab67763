// tests/mpi/test_catalog_broadcast.cpp: rank 0 reads a catalog, every rank
// receives the same source and compiles the same catalog; a missing file is
// the same error on every rank.
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "catalog/catalog_broadcast.hpp"
#include "catalog/input_schema.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"

namespace portrait::catalog {
namespace {

const char* kText = R"yaml(catalog: bcast
categories:
  - id: c
    name: {zh: 价值, en: Value}
    subcategories:
      - id: s
        tags:
          - {id: b, rule: {expr: "a + 1"}}
          - {id: a, fact: {channel: billing, agg: sum, of: amount}}
          - {id: c, rule: {expr: "b * 2 + a"}}
)yaml";

// A fingerprint of what was compiled: names, types and the evaluation order.
std::uint64_t fingerprint(const Catalog& c) {
  std::uint64_t h = mix64(c.tags.size());
  for (std::size_t i : c.evaluation) {
    for (char ch : c.tags[i].id) h = mix64(h ^ static_cast<unsigned char>(ch));
    h = mix64(h ^ static_cast<std::uint64_t>(c.tags[i].type));
  }
  return h;
}

TEST(CatalogBroadcast, EveryRankCompilesTheSameCatalog) {
  const parallel::Comm world;
  // Only rank 0 has the file: the path is its own.
  const std::string path = "/tmp/portrait_bcast_" + std::to_string(getpid()) + ".yaml";
  if (world.is_root()) std::ofstream(path) << kText;
  const CatalogSource source = broadcast_catalog_source(world, world.is_root() ? path : "/nonexistent");
  if (world.is_root()) std::remove(path.c_str());
  EXPECT_EQ(source.text, kText);
  const Catalog c = compile_catalog(source, input_schema());
  ASSERT_EQ(c.evaluation.size(), 3u);
  EXPECT_EQ(c.tags[c.evaluation[1]].id, "b");
  std::uint64_t mine = fingerprint(c), low = mine, high = mine;
  MPI_Allreduce(&mine, &low, 1, MPI_UINT64_T, MPI_MIN, world.raw());
  MPI_Allreduce(&mine, &high, 1, MPI_UINT64_T, MPI_MAX, world.raw());
  EXPECT_EQ(low, high);
}

TEST(CatalogBroadcast, AMissingFileFailsOnEveryRank) {
  const parallel::Comm world;
  int failed = 0;
  try {
    broadcast_catalog_source(world, "/nonexistent/catalog.yaml");
  } catch (const Error& e) {
    failed = e.where() == "/nonexistent/catalog.yaml" ? 1 : 0;
  }
  int all = 0;
  MPI_Allreduce(&failed, &all, 1, MPI_INT, MPI_SUM, world.raw());
  EXPECT_EQ(all, world.size());
}

}  // namespace
}  // namespace portrait::catalog
