// tests/unit/test_core.cpp: core vocabulary: missing values, the bucket mix,
// keyed random streams, columns and tables.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/column.hpp"
#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/sizes.hpp"

namespace portrait {
namespace {

TEST(Missing, SentinelsPerType) {
  EXPECT_TRUE(is_missing(missing<std::int64_t>()));
  EXPECT_TRUE(is_missing(missing<double>()));
  EXPECT_TRUE(is_missing(std::uint64_t{0}));
  EXPECT_FALSE(is_missing(std::int64_t{0}));
  EXPECT_FALSE(is_missing(0.0));
  EXPECT_EQ(missing<std::int8_t>(), -128);
}

TEST(Hash, Mix64IsTheSplitMixFinaliser) {
  // Reference values of the SplitMix64 finaliser; they pin the bucket layout.
  EXPECT_EQ(mix64(0), 0u);
  EXPECT_EQ(mix64(1), 0x5692161d100b05e5ULL);
  EXPECT_EQ(bucket_of(1, 4096), 0x5692161d100b05e5ULL & 4095);
}

TEST(Hash, BucketsOfConsecutiveIdsAreBalanced) {
  constexpr std::uint32_t kBuckets = 64;
  std::vector<int> count(kBuckets);
  for (CustomerId id = 1; id <= 64000; ++id) ++count[bucket_of(id, kBuckets)];
  for (int c : count) EXPECT_NEAR(c, 1000, 150);
}

TEST(Hash, KeyedRandomDependsOnlyOnSeedKeyStream) {
  KeyedRandom a(7, 42), b(7, 42), c(7, 43), d(7, 42, 1);
  const auto x = a.next();
  EXPECT_EQ(x, b.next());
  EXPECT_NE(x, c.next());
  EXPECT_NE(x, d.next());
  KeyedRandom r(1, 2);
  for (int i = 0; i < 1000; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    ASSERT_LT(r.below(10), 10u);
  }
}

TEST(Digest, Sha256OfKnownTexts) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, Xxh3OfKnownInputs) {
  // The reference values of XXH3 (64- and 128-bit) for the empty input.
  EXPECT_EQ(checksum64({}), 0x2D06800538D394C2ULL);
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / "portrait_test_digest_empty.bin";
  std::ofstream(path, std::ios::binary).close();
  EXPECT_EQ(file_checksum(path.string()), "xxh3-128:99aa06d3014798d86001c324468d497f");
}

TEST(Digest, FileChecksumFollowsEveryByte) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / "portrait_test_digest_large.bin";
  // Larger than the 4 MiB read block, so the streaming crosses blocks.
  std::string bytes((std::size_t{5} << 20) + 3, 'a');
  std::ofstream(path, std::ios::binary) << bytes;
  const std::string first = file_checksum(path.string());
  EXPECT_EQ(first, file_checksum(path.string()));
  bytes[(std::size_t{4} << 20) + 1] = 'b';
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_NE(first, file_checksum(path.string()));
  std::filesystem::remove(path);
  EXPECT_THROW(file_checksum(path.string()), Error);
}

TEST(Column, TypedAccessIsChecked) {
  Column c(ColumnType::Int32);
  c.values<std::int32_t>() = {1, 2, 3};
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.byte_size(), 12u);
  EXPECT_THROW(c.values<std::int64_t>(), std::logic_error);
}

TEST(Column, GatherAndAppend) {
  Column src(ColumnType::Float64);
  src.values<double>() = {0.5, 1.5, 2.5};
  Column dst(ColumnType::Float64);
  const std::vector<std::uint32_t> index{2, 0};
  dst.gather(src, index);
  EXPECT_EQ(dst.values<double>(), (std::vector<double>{2.5, 0.5}));
  dst.append(src, 1, 3);
  EXPECT_EQ(dst.values<double>(), (std::vector<double>{2.5, 0.5, 1.5, 2.5}));
}

TEST(Table, ColumnsByNameAndClearKeepsCapacity) {
  Table t("billing");
  t.add("customer_id", ColumnType::Int64);
  t.add("amount", ColumnType::Int64);
  t.resize(100);
  EXPECT_EQ(t.rows(), 100u);
  EXPECT_EQ(t.byte_size(), 1600u);
  const auto* before = t.values<std::int64_t>("amount").data();
  t.clear();
  EXPECT_EQ(t.rows(), 0u);
  t.resize(50);
  EXPECT_EQ(t.values<std::int64_t>("amount").data(), before);
  try {
    t.column("amont");
    FAIL() << "no error for a missing column";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("table 'billing'"), std::string::npos);
  }
  const Table e = t.empty_like();
  EXPECT_EQ(e.column_names(), t.column_names());
  EXPECT_EQ(e.rows(), 0u);
}

TEST(Table, AddingAColumnTakesItsStorage) {
  Table t("tags");
  t.add("customer_id", ColumnType::Int64).values<std::int64_t>() = {1, 2, 3};
  Column score(ColumnType::Float64);
  score.values<double>() = {0.1, 0.2, 0.3};
  const double* storage = score.values<double>().data();
  EXPECT_EQ(t.add("score", std::move(score)).values<double>().data(), storage);
  Column short_column(ColumnType::Int8);
  short_column.values<std::int8_t>() = {1};
  EXPECT_THROW(t.add("flag", std::move(short_column)), std::logic_error);
  EXPECT_THROW(t.add("score", Column(ColumnType::Float64)), std::logic_error);
}

TEST(Table, ColumnReferencesSurviveAddingColumns) {
  Table t("usage");
  auto& id = t.add("customer_id", ColumnType::Int64).values<std::int64_t>();
  for (int i = 0; i < 100; ++i) t.add(std::to_string(i) + "c", ColumnType::Int8);
  id.push_back(7);
  EXPECT_EQ(t.values<std::int64_t>("customer_id").front(), 7);
}

TEST(Sizes, BytesAreShownExactly) {
  EXPECT_EQ(human_bytes(3145728), "3,145,728 bytes (3.0 MiB)");
  EXPECT_EQ(human_bytes(3565158), "3,565,158 bytes (3.4 MiB)");
  EXPECT_EQ(human_bytes(999), "999 bytes");
  EXPECT_EQ(human_bytes(std::uint64_t{5} << 30), "5,368,709,120 bytes (5.0 GiB)");
}

}  // namespace
}  // namespace portrait
