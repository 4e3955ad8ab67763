// tests/unit/test_read_plan.cpp: shard listing and the balanced assignment of
// read units to ranks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "core/error.hpp"
#include "engine/read_plan.hpp"

namespace portrait::engine {
namespace {

std::uint64_t covered_bytes(const std::vector<std::vector<ReadUnit>>& plan) {
  std::uint64_t n = 0;
  for (const auto& r : plan)
    for (const auto& u : r) n += u.bytes;
  return n;
}

TEST(ReadPlan, EveryRowOfEveryFileIsReadExactlyOnce) {
  std::vector<ShardFile> files;
  for (int i = 0; i < 30; ++i)
    files.push_back({"day" + std::to_string(i), 1000 + 37u * static_cast<unsigned>(i)});
  files.push_back({"huge", 100000});
  for (int ranks : {1, 2, 3, 4, 7}) {
    const auto plan = assign_read_units(files, ranks);
    ASSERT_EQ(plan.size(), static_cast<std::size_t>(ranks));
    // For a table of 1001 rows in each file, the parts' row ranges tile it.
    std::map<std::uint32_t, std::uint64_t> rows_read;
    for (const auto& mine : plan) {
      for (const auto& u : mine) {
        const auto [b, e] = unit_rows(u, 1001);
        rows_read[u.file] += e - b;
      }
    }
    ASSERT_EQ(rows_read.size(), files.size());
    for (const auto& [file, rows] : rows_read)
      EXPECT_EQ(rows, 1001u) << "file " << file << " ranks " << ranks;
    std::uint64_t total = 0;
    for (const auto& f : files) total += f.bytes;
    EXPECT_EQ(covered_bytes(plan), total);
  }
}

TEST(ReadPlan, LargeFileIsSplitAndLoadIsBalanced) {
  std::vector<ShardFile> files{{"a", 100}, {"b", 100}, {"giant", 10000}};
  const auto plan = assign_read_units(files, 4);
  int giant_parts = 0;
  for (const auto& mine : plan) {
    std::uint64_t load = 0;
    for (const auto& u : mine) {
      load += u.bytes;
      if (u.file == 2) ++giant_parts;
    }
    EXPECT_LE(load, 2600u);
  }
  EXPECT_EQ(giant_parts, 4);
  EXPECT_EQ(assign_read_units(files, 4), plan);  // deterministic
}

TEST(ReadPlan, ListingSortsGlobsAndNamesPatternsThatMatchNothing) {
  const auto dir = std::filesystem::temp_directory_path() / "portrait_read_plan";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const char* name : {"b.h5", "a.h5", "c.txt"}) std::ofstream(dir / name) << "x";
  const auto files = list_shard_files({(dir / "*.h5").string(), (dir / "a.h5").string()}, "job.yaml");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, (dir / "a.h5").string());
  EXPECT_EQ(files[1].path, (dir / "b.h5").string());
  try {
    list_shard_files({(dir / "*.parquet").string()}, "job.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no shard file matches"), std::string::npos);
    EXPECT_EQ(e.where(), "job.yaml");
  }
}

// A shard on storage that is not mounted shows as a dangling link: listing
// it must stop the run, not drop the shard's records from the month.
TEST(ReadPlan, MatchesThatCannotBeReadAreErrors) {
  const auto dir = std::filesystem::temp_directory_path() / "portrait_read_plan_unreadable";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a.h5") << "x";
  const auto expect_error = [&](const std::string& pattern, const std::string& needle) {
    try {
      list_shard_files({pattern}, "job.yaml");
      ADD_FAILURE() << pattern << " was listed";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_EQ(e.where(), "job.yaml");
    }
  };
  std::filesystem::create_symlink(dir / "gone" / "b.h5", dir / "b.h5");
  expect_error((dir / "*.h5").string(),
               "is a symbolic link to '" + (dir / "gone" / "b.h5").string() + "', which does not exist");
  std::filesystem::remove(dir / "b.h5");
  std::filesystem::create_symlink(dir / "c.h5", dir / "c.h5");  // a loop
  expect_error((dir / "*.h5").string(), "shard '" + (dir / "c.h5").string() + "'");
  std::filesystem::remove(dir / "c.h5");
  std::filesystem::create_directories(dir / "d.h5");
  expect_error((dir / "*.h5").string(), "is a directory");
  std::filesystem::remove(dir / "d.h5");
  EXPECT_EQ(list_shard_files({(dir / "*.h5").string()}, "job.yaml").size(), 1u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace portrait::engine
