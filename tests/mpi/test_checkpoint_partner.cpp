// tests/mpi/test_checkpoint_partner.cpp: checkpoints on node-local disks with
// partner copies. The ranks of one machine play hosts ("host-0", "host-1",
// round-robin), each host with a local directory of its own. Every file's
// partner copy lands, byte for byte, on another host's disk; after host-1's
// disk is wiped, the surviving ranks (fewer than wrote, on host-0 and a new
// host-2 with an empty disk) get every row back exactly once with the saved
// accounting, the lost host's files from their partner copies; with every
// copy of a file gone the resume is refused on every rank; a partner copy
// that cannot be written stops every rank, none left waiting for another.
#include <gtest/gtest.h>
#include <mpi.h>

#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "engine/checkpoint.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/metadata.hpp"

namespace portrait::engine {
namespace {

constexpr std::uint32_t kBuckets = 64;
constexpr std::int64_t kCustomers = 2503;

Table customers_of(const parallel::BucketRange& range) {
  std::vector<std::pair<Bucket, CustomerId>> ids;
  for (CustomerId id = 1; id <= kCustomers; ++id) {
    if (range.contains(bucket_of(id, kBuckets))) ids.emplace_back(bucket_of(id, kBuckets), id);
  }
  std::sort(ids.begin(), ids.end());
  Table customers("customers");
  auto& cid = customers.add("customer_id", ColumnType::Int64).values<std::int64_t>();
  auto& value = customers.add("value", ColumnType::Float64).values<double>();
  for (const auto& [b, id] : ids) {
    cid.push_back(id);
    value.push_back(static_cast<double>(id) * 0.25);
  }
  return customers;
}

std::string host_of(int rank, int hosts) { return "host-" + std::to_string(rank % hosts); }

std::vector<std::string> hosts_of(int ranks, int hosts) {
  std::vector<std::string> h;
  for (int r = 0; r < ranks; ++r) h.push_back(host_of(r, hosts));
  return h;
}

std::filesystem::path test_root(const parallel::Comm& comm) {
  std::string dir;
  if (comm.is_root()) {
    dir = (std::filesystem::temp_directory_path() /
           ("portrait_test_checkpoint_partner_" + std::to_string(::getpid())))
              .string();
    std::filesystem::remove_all(dir);
  }
  parallel::broadcast_object(comm, dir);
  return dir;
}

// The place of a run whose rank `rank` is on hosts[rank]: the shared marker
// directory, and that host's own "local disk".
CheckpointPlace place_of(const std::filesystem::path& root, const std::vector<std::string>& hosts, int rank) {
  return {root / "shared" / "out.checkpoints", root / hosts[static_cast<std::size_t>(rank)], true, hosts};
}

std::string contents(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Accounting saved_accounting(int rank) {
  Accounting a({"customers"});
  a.channel(0).read = 1000 + rank;
  a.channel(0).used = 990 + rank;
  a.channel(0).quarantined[2] = 10;
  return a;
}

// Each primary has its partner copy, the same bytes, on another host.
void expect_partner_copies(const std::filesystem::path& root, const std::vector<std::string>& hosts,
                           const CheckpointInfo& info) {
  const auto partners = partner_ranks(hosts);
  const bool one_host = std::all_of(hosts.begin(), hosts.end(), [&](const auto& h) { return h == hosts[0]; });
  for (std::size_t r = 0; r < hosts.size(); ++r) {
    const auto& file = info.files[r];
    const auto primary = root / hosts[r] / "out.checkpoints" / "tagged" / file.name;
    ASSERT_TRUE(std::filesystem::exists(primary)) << primary;
    EXPECT_EQ(file.host, hosts[r]);
    if (one_host) {
      EXPECT_EQ(partners[r], -1);
      EXPECT_EQ(file.partner_host, "");
      continue;
    }
    const auto& partner_host = hosts[static_cast<std::size_t>(partners[r])];
    EXPECT_NE(partner_host, file.host);
    EXPECT_EQ(file.partner_host, partner_host);
    const auto copy = root / partner_host / "out.checkpoints" / "tagged" / "partner" / file.name;
    EXPECT_EQ(contents(copy), contents(primary)) << copy;
  }
}

TEST(CheckpointPartner, LostDiskIsResumedFromPartnerCopies) {
  const parallel::Comm world;
  const auto root = test_root(world);
  const int host_count = std::min(world.size(), 2);
  const auto hosts = hosts_of(world.size(), host_count);
  const nlohmann::json fingerprint = {{"period", "2026-10"}};
  const Checkpoints written(place_of(root, hosts, world.rank()), fingerprint, kBuckets);
  const auto range = parallel::even_bucket_range(kBuckets, world.size(), world.rank());
  const Table customers = customers_of(range);
  written.save(world, CheckpointStage::kTagged, range, {{"customers", &customers}},
               saved_accounting(world.rank()), {{"models", 1}});

  const auto info = written.latest(world);
  ASSERT_TRUE(info.has_value());
  ASSERT_TRUE(info->local);
  if (world.is_root()) expect_partner_copies(root, hosts, *info);
  if (world.is_root()) {
    // host-1 is lost with its disk.
    std::filesystem::remove_all(root / "host-1");
  }
  MPI_Barrier(MPI_COMM_WORLD);

  // The survivors: the ranks that were not on host-1, now on host-0 and on a
  // new host-2 whose disk is empty.
  const bool survivor = host_count == 1 || world.rank() % host_count != 1;
  MPI_Comm survivors_raw;
  MPI_Comm_split(MPI_COMM_WORLD, survivor ? 0 : MPI_UNDEFINED, world.rank(), &survivors_raw);
  if (survivor) {
    const parallel::Comm survivors(survivors_raw);
    std::vector<std::string> now;
    for (int r = 0; r < survivors.size(); ++r) now.push_back(r % 2 == 0 ? "host-0" : "host-2");
    const Checkpoints resumed(place_of(root, now, survivors.rank()), fingerprint, kBuckets);
    if (host_count == 1) {
      // One host has no partner for its files: once its disk is gone too,
      // the resume is refused.
      std::filesystem::remove_all(root / "host-0");
      MPI_Barrier(survivors.raw());
      try {
        resumed.latest(survivors);
        ADD_FAILURE() << "a checkpoint without copies was planned";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("has no copy on the hosts of this run"), std::string::npos)
            << e.what();
      }
    } else {
      const auto back_info = resumed.latest(survivors);
      ASSERT_TRUE(back_info.has_value());
      const auto mine = parallel::even_bucket_range(kBuckets, survivors.size(), survivors.rank());
      Accounting back({"customers"});
      const auto tables = resumed.restore(survivors, *back_info, mine, back);
      ASSERT_EQ(tables.size(), 1u);
      const Table expected = customers_of(mine);
      EXPECT_EQ(tables[0].second.values<std::int64_t>("customer_id"),
                expected.values<std::int64_t>("customer_id"));
      EXPECT_EQ(tables[0].second.values<double>("value"), expected.values<double>("value"));
      // The accounting of every written file, each added once.
      Accounting all({"customers"});
      for (int r = 0; r < world.size(); ++r) {
        auto a = saved_accounting(r);
        all.channel(0).read += a.channel(0).read;
        all.channel(0).used += a.channel(0).used;
        all.channel(0).quarantined[2] += a.channel(0).quarantined[2];
      }
      EXPECT_EQ(back.global(survivors).to_json(), all.to_json());
      // The lost host's files came from partner copies, and the log says so.
      const auto json = back_info->to_json();
      EXPECT_EQ(json.at("place"), "local");
      for (const auto& c : json.at("copies")) {
        const std::string copy = c.at("written_on") == "host-1" ? "partner" : "primary";
        for (const auto& used : c.at("read_from")) EXPECT_EQ(used.at("copy"), copy) << c.dump();
      }
      const int lost_files = world.size() / 2;
      EXPECT_NE(back_info->describe().find(fmt::format("{} from a partner copy", lost_files)),
                std::string::npos)
          << back_info->describe();
      resumed.remove(survivors);
    }
    MPI_Comm_free(&survivors_raw);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (world.is_root()) std::filesystem::remove_all(root);
}

// A local directory so deep that a rank's own file can be written but not a
// partner copy (8 characters deeper): its path would pass PATH_MAX.
std::filesystem::path too_deep_for_partner_copies(const std::filesystem::path& host_dir) {
  const std::string own_file = "/out.checkpoints/tagged/rank-000000.ckpt.tmp";
  std::string path = host_dir.string();
  const std::size_t target = PATH_MAX - 6;  // own file: PATH_MAX - 6; partner copy: PATH_MAX + 2
  while (path.size() + own_file.size() < target) {
    const std::size_t room = target - path.size() - own_file.size() - 1;
    path += '/';
    path.append(std::min<std::size_t>(room, 200), 'd');
  }
  return path;
}

TEST(CheckpointPartner, FailedPartnerCopyStopsEveryRankWithoutAHang) {
  const parallel::Comm world;
  if (world.size() == 1) GTEST_SKIP() << "one host: no partner copy is made";
  const auto root = test_root(world);
  const auto hosts = hosts_of(world.size(), 2);
  CheckpointPlace place = place_of(root, hosts, world.rank());
  place.local = too_deep_for_partner_copies(place.local);
  const Checkpoints checkpoints(place, {{"period", "2026-10"}}, kBuckets);
  const auto range = parallel::even_bucket_range(kBuckets, world.size(), world.rank());
  const Table customers = customers_of(range);
  try {
    checkpoints.save(world, CheckpointStage::kTagged, range, {{"customers", &customers}}, saved_accounting(0),
                     {});
    ADD_FAILURE() << "a partner copy that cannot be written was not noticed";
  } catch (const parallel::RankFailure& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create the checkpoint file"), std::string::npos) << e.what();
  }
  // The own files were written: only the copies failed.
  EXPECT_TRUE(std::filesystem::exists(place.local / "out.checkpoints" / "tagged" /
                                      fmt::format("rank-{:06d}.ckpt", world.rank())));
  MPI_Barrier(MPI_COMM_WORLD);
  if (world.is_root()) std::filesystem::remove_all(root);
}

TEST(CheckpointPartner, ResumeAtTheSamePlacementReadsOwnDisks) {
  const parallel::Comm world;
  const auto root = test_root(world);
  const auto hosts = hosts_of(world.size(), std::min(world.size(), 3));
  const Checkpoints checkpoints(place_of(root, hosts, world.rank()), {{"period", "2026-10"}}, kBuckets);
  const auto range = parallel::even_bucket_range(kBuckets, world.size(), world.rank());
  const Table customers = customers_of(range);
  checkpoints.save(world, CheckpointStage::kGrouped, range, {{"customers", &customers}}, saved_accounting(0),
                   {});
  const auto info = checkpoints.latest(world);
  ASSERT_TRUE(info.has_value());
  for (const auto& r : info->reads) {
    EXPECT_EQ(r.reader, r.destination);
    EXPECT_EQ(r.copy, CheckpointCopy::kPrimary);
  }
  Accounting back({"customers"});
  const auto tables = checkpoints.restore(world, *info, range, back);
  EXPECT_EQ(tables.at(0).second.values<std::int64_t>("customer_id"),
            customers.values<std::int64_t>("customer_id"));
  EXPECT_NE(info->describe().find(
                fmt::format("{} file(s) from their primary copy, 0 from a partner copy", world.size())),
            std::string::npos)
      << info->describe();
  // Removing the checkpoints empties every host's local directory too.
  checkpoints.remove(world);
  if (world.is_root()) {
    for (const auto& h : hosts) EXPECT_FALSE(std::filesystem::exists(root / h / "out.checkpoints")) << h;
    std::filesystem::remove_all(root);
  }
}

}  // namespace
}  // namespace portrait::engine
