// tests/mpi/test_run.cpp: the whole run on small hand-made shards with dirty
// records, at every rank count and with 1 and 2 threads, against a naive
// sequential reference computed in the test: same facts, (bucket, id) order,
// accounting that adds up with the planted quarantine reasons, the same
// table with a tiny round size (many rounds), and a truncated shard that
// stops every rank with the same error.
#include <gtest/gtest.h>
#include <omp.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/hash.hpp"
#include "engine/run.hpp"
#include "io/output_file.hpp"
#include "io/schema.hpp"
#include "io/shard_writer.hpp"
#include "parallel/collective_error.hpp"

namespace portrait::engine {
namespace {

namespace fs = std::filesystem;
constexpr std::int64_t kCustomers = 300;
constexpr std::uint32_t kBuckets = 16;

struct Expected {
  std::int64_t usage_records = 0, usage_charge = 0, billing_records = 0, billing_amount = 0;
};

struct Fixture {
  fs::path dir;
  std::map<std::int64_t, Expected> expected;  // by customer
  std::int64_t usage_rows = 0;
};

Table usage_rows(const std::vector<std::array<std::int64_t, 3>>& rows) {  // customer, ts, charge
  Table t = io::make_channel_table("usage");
  t.resize(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    t.values<std::int64_t>("customer_id")[i] = rows[i][0];
    t.values<std::int64_t>("ts")[i] = rows[i][1];
    t.values<std::int64_t>("charge")[i] = rows[i][2];
    t.values<std::int32_t>("duration_s")[i] = 60;
    t.values<std::int32_t>("cell_id")[i] = static_cast<std::int32_t>(rows[i][0] % 7);
  }
  return t;
}

// Rank 0 writes the shards; every rank knows the expected result.
Fixture make_fixture(const parallel::Comm& comm) {
  long pid = static_cast<long>(getpid());
  MPI_Bcast(&pid, 1, MPI_LONG, 0, comm.raw());
  Fixture f;
  f.dir = fs::temp_directory_path() / ("portrait_run_" + std::to_string(pid));
  const Period period = parse_period("2026-10");
  const UnixSeconds t0 = period.start();

  std::vector<std::vector<std::array<std::int64_t, 3>>> days(3);
  for (std::int64_t c = 1; c <= kCustomers; ++c) {
    for (std::int64_t d = 0; d < 3; ++d) {
      for (std::int64_t j = 0; j < (c * 7 + d) % 4; ++j) {
        days[static_cast<std::size_t>(d)].push_back({c, t0 + d * 86400 + j * 60 + c, c + j});
        ++f.expected[c].usage_records;
        f.expected[c].usage_charge += c + j;
      }
    }
  }
  // Dirty usage: unknown customer, negative charge, after the period, no
  // time, and an exact duplicate (in another file) of a good record.
  days[0].push_back({9999, t0 + 5, 1});
  days[1].push_back({5, t0 + 7, -3});
  days[2].push_back({6, period.end() + 5, 1});
  days[2].push_back({8, missing<std::int64_t>(), 1});
  days[2].push_back(days[0].front());
  for (const auto& d : days) f.usage_rows += static_cast<std::int64_t>(d.size());

  if (comm.is_root()) {
    fs::create_directories(f.dir);
    const io::ShardAttributes attrs{"test", "2026-10", 0, {}};
    for (int part = 0; part < 2; ++part) {
      Table customers = io::make_channel_table("customers");
      std::vector<std::int64_t> ids;
      for (std::int64_t c = 1 + part * 150; c <= 150 + part * 150; ++c) ids.push_back(c);
      ids.push_back(part == 0 ? 0 : 7);  // an invalid id, a repeated customer
      customers.resize(ids.size());
      customers.values<std::int64_t>("customer_id") = ids;
      io::ShardWriter w((f.dir / fmt::format("customers-{}.h5", part)).string(), attrs);
      w.write(customers);
      w.close();
    }
    for (std::size_t d = 0; d < days.size(); ++d) {
      io::ShardWriter w((f.dir / fmt::format("usage-{}.h5", d)).string(), attrs);
      w.write(usage_rows(days[d]));
      w.close();
    }
    Table billing = io::make_channel_table("billing");
    billing.resize(kCustomers + 1);
    for (std::int64_t c = 1; c <= kCustomers; ++c) {
      billing.values<std::int64_t>("customer_id")[static_cast<std::size_t>(c - 1)] = c;
      billing.values<std::int32_t>("month")[static_cast<std::size_t>(c - 1)] = 202610;
      billing.values<std::int64_t>("amount")[static_cast<std::size_t>(c - 1)] = c * 100;
    }
    billing.values<std::int64_t>("customer_id")[kCustomers] = 3;
    billing.values<std::int32_t>("month")[kCustomers] = 202601;  // before the history window
    io::ShardWriter w((f.dir / "billing.h5").string(), attrs);
    w.write(billing);
    w.close();
  }
  for (std::int64_t c = 1; c <= kCustomers; ++c) {
    f.expected[c].billing_records = 1;
    f.expected[c].billing_amount = c * 100;
  }
  MPI_Barrier(comm.raw());
  return f;
}

JobSpec job_for(const Fixture& f, const std::string& output, std::uint64_t round_bytes) {
  JobSpec job;
  job.file = "test-job.yaml";
  job.period = parse_period("2026-10");
  job.history_months = 1;
  job.shard_patterns = {(f.dir / "*.h5").string()};
  job.output = (f.dir / output).string();
  job.buckets = kBuckets;
  job.memory_budget_bytes = 64 << 20;
  job.round_bytes = round_bytes;
  job.overwrite = true;
  return job;
}

class RunTest : public ::testing::Test {
 protected:
  void SetUp() override { fixture_ = make_fixture(world_); }
  void TearDown() override {
    MPI_Barrier(world_.raw());
    if (world_.is_root()) fs::remove_all(fixture_.dir);
  }
  parallel::Comm world_;
  Fixture fixture_;
};

void expect_reference(const Table& t, const Fixture& f) {
  const auto& id = t.values<std::int64_t>("customer_id");
  ASSERT_EQ(id.size(), static_cast<std::size_t>(kCustomers));
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i > 0) {
      ASSERT_LT(std::make_pair(bucket_of(id[i - 1], kBuckets), id[i - 1]),
                std::make_pair(bucket_of(id[i], kBuckets), id[i]));
    }
    const Expected& e = f.expected.at(id[i]);
    EXPECT_EQ(t.values<std::int64_t>("usage_records")[i], e.usage_records) << id[i];
    EXPECT_EQ(t.values<std::int64_t>("usage_charge_sum")[i], e.usage_charge) << id[i];
    EXPECT_EQ(t.values<std::int64_t>("usage_duration_s_sum")[i], 60 * e.usage_records) << id[i];
    EXPECT_EQ(t.values<std::int64_t>("billing_records")[i], e.billing_records) << id[i];
    EXPECT_EQ(t.values<std::int64_t>("billing_amount_sum")[i], e.billing_amount) << id[i];
  }
}

TEST_F(RunTest, FactsEqualSequentialReferenceForOneAndTwoThreads) {
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    Progress quiet(false);
    const auto manifest = run_job(world_, job_for(fixture_, "out", 0), quiet).manifest;
    if (world_.is_root()) {
      expect_reference(io::read_output_table((fixture_.dir / "out" / "tags.h5").string(), "customers"),
                       fixture_);
      const auto& usage = manifest["accounting"]["usage"];
      EXPECT_EQ(usage["read"].get<std::int64_t>(), fixture_.usage_rows);
      EXPECT_EQ(usage["read"].get<std::int64_t>(),
                usage["used"].get<std::int64_t>() + usage["quarantined"].get<std::int64_t>());
      const auto& why = usage["quarantined_by_reason"];
      EXPECT_EQ(why["unknown_customer"], 1);
      EXPECT_EQ(why["negative_value"], 1);
      EXPECT_EQ(why["outside_period"], 1);
      EXPECT_EQ(why["missing_time"], 1);
      EXPECT_EQ(why["duplicate"], 1);
      const auto& customers = manifest["accounting"]["customers"]["quarantined_by_reason"];
      EXPECT_EQ(customers["invalid_customer_id"], 1);
      EXPECT_EQ(customers["duplicate"], 1);
      EXPECT_EQ(manifest["accounting"]["billing"]["quarantined_by_reason"]["outside_period"], 1);
      EXPECT_TRUE(fs::exists(fixture_.dir / "out" / "manifest.json"));
      const Table q = io::read_output_table((fixture_.dir / "out" / "tags.h5").string(), "quarantine_usage");
      EXPECT_EQ(q.rows(), 5u);
    }
  }
}

TEST_F(RunTest, TinyRoundsGiveTheSameTable) {
  Progress quiet(false);
  const auto large = run_job(world_, job_for(fixture_, "large", 0), quiet).manifest;
  const auto tiny = run_job(world_, job_for(fixture_, "tiny", 2048), quiet).manifest;
  EXPECT_GT(tiny["shuffle"]["rounds"].get<int>(), 10);
  if (world_.is_root()) {
    const Table a = io::read_output_table((fixture_.dir / "large" / "tags.h5").string(), "customers");
    const Table b = io::read_output_table((fixture_.dir / "tiny" / "tags.h5").string(), "customers");
    ASSERT_EQ(a.column_names(), b.column_names());
    for (std::size_t c = 0; c < a.column_count(); ++c) {
      const auto x = a.column(c).bytes(), y = b.column(c).bytes();
      EXPECT_TRUE(std::equal(x.begin(), x.end(), y.begin(), y.end())) << a.column_name(c);
    }
    EXPECT_EQ(large["accounting"], tiny["accounting"]);
  }
}

TEST_F(RunTest, TruncatedShardStopsEveryRankWithTheSameError) {
  if (world_.is_root()) {
    const auto path = fixture_.dir / "usage-1.h5";
    fs::resize_file(path, fs::file_size(path) / 2);
  }
  MPI_Barrier(world_.raw());
  Progress quiet(false);
  try {
    run_job(world_, job_for(fixture_, "out", 0), quiet);
    FAIL() << "a truncated shard did not stop the run";
  } catch (const parallel::RankFailure& e) {
    EXPECT_NE(std::string(e.what()).find("usage-1.h5"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(fixture_.dir / "out" / "manifest.json"));
}

}  // namespace
}  // namespace portrait::engine
