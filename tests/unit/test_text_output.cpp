// tests/unit/test_text_output.cpp: a text output (statistics.json, the
// manifest) that cannot be written whole is an error, never a short file
// that looks complete. A file size limit stands in for a full disk.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "io/output_file.hpp"

namespace portrait::io {
namespace {

TEST(TextOutput, ShortWriteIsAnError) {
  const auto path =
      (std::filesystem::temp_directory_path() / ("portrait_text_" + std::to_string(::getpid()) + ".json"))
          .string();
  write_text_file(path, "{}\n");
  EXPECT_EQ(std::filesystem::file_size(path), 3u);

  rlimit before{};
  getrlimit(RLIMIT_FSIZE, &before);
  rlimit small = before;
  small.rlim_cur = 1000;
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  setrlimit(RLIMIT_FSIZE, &small);
  bool refused = false;
  try {
    write_text_file(path, std::string(70000, 'x'));
  } catch (const Error& e) {
    refused = e.where() == path;
  }
  setrlimit(RLIMIT_FSIZE, &before);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_TRUE(refused);
  std::filesystem::remove(path);
  EXPECT_THROW(write_text_file("/nonexistent-dir/x.json", "{}"), Error);
}

}  // namespace
}  // namespace portrait::io
