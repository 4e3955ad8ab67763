// tests/unit/test_job.cpp: job files: settings, defaults, and errors that name
// file, line and column.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "engine/job.hpp"

namespace portrait::engine {
namespace {

// ctest runs every test as its own process, several at once: each test's
// files carry its name, so two tests never write one file.
std::string write_job(const std::string& name, const std::string& text) {
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const auto path = std::filesystem::temp_directory_path() / ("portrait_test_" + test + "_" + name + ".yaml");
  std::ofstream(path) << text;
  return path.string();
}

std::string error_of(const std::string& text) {
  const auto path = write_job("bad", text);
  try {
    load_job(path);
  } catch (const Error& e) {
    return std::string(e.what()).substr(path.size());
  }
  return "no error";
}

TEST(Job, ReadsSettingsAndDefaults) {
  const auto path = write_job("good",
                              "period: 2026-10\n"
                              "inputs:\n"
                              "  shards: [data/a/*.h5, data/b.h5]\n"
                              "  reference: data/reference.h5\n"
                              "output: out/demo\n"
                              "memory_budget_mb: 256\n");
  const JobSpec job = load_job(path);
  EXPECT_EQ(job.period.to_string(), "2026-10");
  EXPECT_EQ(job.shard_patterns, (std::vector<std::string>{"data/a/*.h5", "data/b.h5"}));
  EXPECT_EQ(job.reference, "data/reference.h5");
  EXPECT_EQ(job.output, "out/demo");
  EXPECT_EQ(job.buckets, 4096u);
  EXPECT_EQ(job.memory_budget_bytes, 256u << 20);
  EXPECT_EQ(job.history_months, 2);
  EXPECT_EQ(job.history_start(), parse_period("2026-08", "t").start());
  EXPECT_FALSE(job.write_csv);
}

TEST(Job, PreviousRunCheckpointsAndOutputWithoutTrailingSlash) {
  const JobSpec job = load_job(write_job("month_over_month",
                                         "period: 2026-10\n"
                                         "inputs:\n"
                                         "  shards: data/*.h5\n"
                                         "  previous: out/2026-09\n"
                                         "output: out/2026-10//\n"
                                         "checkpoints: false\n"));
  EXPECT_EQ(job.previous, "out/2026-09");
  EXPECT_EQ(job.output, "out/2026-10");
  EXPECT_FALSE(job.checkpoints);
  EXPECT_FALSE(job.resume);
  EXPECT_FALSE(job.stop_after.has_value());
  EXPECT_EQ(output_directory("/"), "/");
}

TEST(Job, CheckpointsOnTheSharedFileSystemOrNodeLocalWithPartnerCopies) {
  const std::string base = "period: 2026-10\ninputs:\n  shards: x.h5\noutput: out/2026-10\n";
  const JobSpec shared = load_job(write_job("ckpt_shared", base));
  EXPECT_TRUE(shared.checkpoints);
  const CheckpointPlace beside = checkpoint_place(shared);
  EXPECT_EQ(beside.dir, "out/2026-10.checkpoints");
  EXPECT_TRUE(beside.local.empty());
  EXPECT_FALSE(beside.partner);

  const JobSpec local = load_job(write_job("ckpt_local", base + "checkpoints: {local: /local/scratch/}\n"));
  const CheckpointPlace node = checkpoint_place(local);
  EXPECT_TRUE(local.checkpoints);
  EXPECT_EQ(node.dir, "out/2026-10.checkpoints");
  EXPECT_EQ(node.local, "/local/scratch");
  EXPECT_TRUE(node.partner) << "a partner copy is the default on node-local disks";

  const JobSpec chosen = load_job(write_job(
      "ckpt_chosen", base + "checkpoints:\n  dir: /gpfs/ckpt\n  local: /tmp/x\n  partner: false\n"));
  EXPECT_EQ(checkpoint_place(chosen).dir, "/gpfs/ckpt");
  EXPECT_FALSE(checkpoint_place(chosen).partner);

  EXPECT_EQ(
      error_of(base + "checkpoints: {partner: true}\n"),
      ":5:24: a partner copy is made of node-local checkpoint files, but 'local' is not set\n  hint: set "
      "'local' to a node-local directory, or leave 'partner' out for the shared file system");
  EXPECT_EQ(error_of(base + "checkpoints: {lokal: /tmp}\n"),
            ":5:15: unknown key 'lokal' in 'checkpoints'\n  hint: did you mean 'local'?");
  EXPECT_EQ(
      error_of(base + "checkpoints: sometimes\n"),
      ":5:14: 'checkpoints' must be true, false or a map of 'dir', 'local', 'partner', not 'sometimes'");
}

TEST(Job, ErrorsPointIntoTheFile) {
  const std::string base = "inputs:\n  shards: x.h5\noutput: out\n";
  EXPECT_EQ(error_of("period: 2026-13\n" + base),
            ":1:9: bad period '2026-13'\n  hint: write the period as YYYY-MM, e.g. 2024-03");
  EXPECT_EQ(error_of("period: 2026-10\n" + base + "bucket: 64\n"),
            ":5:1: unknown key 'bucket'\n  hint: did you mean 'buckets'?");
  EXPECT_EQ(error_of("period: 2026-10\n" + base + "buckets: 100\n").substr(0, 41),
            ":5:10: 'buckets' is 100, not a power of t");
  EXPECT_EQ(error_of("period: 2026-10\n" + base + "memory_budget_mb: lots\n"),
            ":5:19: 'memory_budget_mb' must be a number of MiB, not 'lots'");
  EXPECT_EQ(error_of("period: 2026-10\noutput: out\n"), ": missing required key 'inputs'");
  EXPECT_EQ(error_of("period: [2026\n").substr(0, 20), ":2:1: YAML syntax er");
}

TEST(Job, LinkingProfilesAndTheirErrors) {
  const std::string head =
      "period: 2026-10\ninputs:\n  shards: x.h5\noutput: out\ncatalog: c.yaml\nidentity:\n  "
      "max_component_size: 50\n";
  const JobSpec job = load_job(write_job("linking", head + "linking:\n"
                                                           "  profiles:\n"
                                                           "    recommendation: {min_probability: 0.8}\n"
                                                           "    notification: {min_probability: 0.99}\n"));
  ASSERT_EQ(job.linking_profiles.size(), 2u);
  EXPECT_EQ(job.linking_profiles[0].name, "recommendation");
  EXPECT_EQ(job.linking_profiles[0].min_probability, 0.8);
  EXPECT_EQ(job.linking_profiles[1].name, "notification");
  EXPECT_EQ(job.linking_profiles[1].min_probability, 0.99);
  EXPECT_TRUE(load_job(write_job("no_linking", head)).linking_profiles.empty());

  EXPECT_EQ(error_of(head + "linking:\n  profiles:\n    sms: {min_probability: 1.5}\n"),
            ":10:28: min_probability of 'sms' is 1.5, not within (0, 1]\n"
            "  hint: a pair links at or above this match probability");
  EXPECT_EQ(error_of(head + "linking:\n  profiles:\n    sms: {min_prob: 0.9}\n").substr(0, 46),
            ":10:10: linking profile 'sms' needs min_probab");
  EXPECT_EQ(error_of(head + "linking:\n  profiles:\n    SMS: {min_probability: 0.9}\n").substr(0, 53),
            ":10:5: linking profile name 'SMS' is not a valid name");
  EXPECT_EQ(error_of(head + "linking:\n  profile: {}\n"),
            ":9:3: unknown key 'profile' in 'linking'\n  hint: did you mean 'profiles'?");
  const std::string no_identity = "period: 2026-10\ninputs:\n  shards: x.h5\noutput: out\ncatalog: c.yaml\n";
  EXPECT_EQ(error_of(no_identity + "linking:\n  profiles:\n    sms: {min_probability: 0.9}\n").substr(0, 62),
            ":7:3: the job links probabilistically but resolves no identiti");
}

// The job is identified by its bytes, not by how its path is spelt: the same
// file read by a relative and an absolute path has one checksum.
TEST(Job, RequiredChannelsAndTheJobsChecksum) {
  const std::string text =
      "period: 2026-10\n"
      "inputs:\n"
      "  shards: data/*.h5\n"
      "  require_channels: [billing, usage]\n"
      "output: out\n";
  const auto path = write_job("required", text);
  const JobSpec job = load_job(path);
  EXPECT_EQ(job.required_channels, (std::vector<std::string>{"billing", "usage"}));
  const auto relative = std::filesystem::relative(path).string();
  EXPECT_NE(relative, path);
  EXPECT_EQ(load_job(relative).sha256, job.sha256);
  EXPECT_EQ(job.sha256.size(), 64u);
  EXPECT_NE(load_job(write_job("required2", text + "buckets: 64\n")).sha256, job.sha256);
  EXPECT_EQ(error_of("period: 2026-10\ninputs:\n  shards: x.h5\n  require_channels: [biling]\noutput: out\n"),
            ":4:22: unknown channel 'biling' in 'require_channels'\n  hint: did you mean 'billing'?");
}

TEST(Job, MissingFileSaysSo) {
  try {
    load_job("/nonexistent/job.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "/nonexistent/job.yaml");
    EXPECT_EQ(e.problem(), "cannot open the job file");
  }
}

}  // namespace
}  // namespace portrait::engine
