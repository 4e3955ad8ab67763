// tests/unit/test_output_lock.cpp: one run at a time on an output (the lock
// file names the running holder), and the output's place checked before any
// work: a regular file on the way, an output that is a file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "engine/output_lock.hpp"

namespace portrait::engine {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("portrait_lock_" + std::to_string(::getpid()) + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(OutputLock, SecondRunIsRefusedNamingTheFirst) {
  const fs::path dir = scratch("a");
  const std::string output = (dir / "out").string();
  {
    const OutputLock first(output, "jobs/first.yaml");
    EXPECT_TRUE(first.warning().empty());
    EXPECT_EQ(first.path(), output + ".lock");
    try {
      const OutputLock second(output, "jobs/second.yaml");
      ADD_FAILURE() << "a second lock on one output was granted";
    } catch (const Error& e) {
      const std::string what = e.problem();
      EXPECT_NE(what.find("another run is writing this output: host "), std::string::npos) << what;
      EXPECT_NE(what.find("pid " + std::to_string(::getpid()) + ", started 20"), std::string::npos) << what;
      EXPECT_NE(what.find("job jobs/first.yaml"), std::string::npos) << what;
      EXPECT_EQ(e.where(), output);
    }
  }
  // Released with the first run: the next one takes it, and says who it is.
  const OutputLock again(output, "jobs/second.yaml");
  std::string holder;
  std::getline(std::ifstream(output + ".lock"), holder);
  EXPECT_NE(holder.find("job jobs/second.yaml"), std::string::npos) << holder;
  fs::remove_all(dir);
}

TEST(OutputLock, OutputPlaceIsCheckedBeforeTheRun) {
  const fs::path dir = scratch("b");
  std::ofstream(dir / "file.h5") << "x";
  try {
    prepare_output_location((dir / "file.h5" / "month" / "out").string());
    ADD_FAILURE() << "an output under a regular file was accepted";
  } catch (const Error& e) {
    EXPECT_NE(e.problem().find("under '" + (dir / "file.h5").string() + "', which is a file"),
              std::string::npos)
        << e.problem();
  }
  try {
    prepare_output_location((dir / "file.h5").string());
    ADD_FAILURE() << "an output that is a file was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.problem(), "the output exists and is not a directory");
  }
  prepare_output_location((dir / "new" / "deeper" / "out").string());
  EXPECT_TRUE(fs::is_directory(dir / "new" / "deeper"));
  EXPECT_FALSE(fs::exists(dir / "new" / "deeper" / "out"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace portrait::engine
