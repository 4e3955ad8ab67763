// tests/unit/test_checkpoint_partner.cpp: where partner copies go and which
// copy a resume reads: every partner is on another host, every rank is some
// rank's partner when the hosts run as many ranks each, and a resume reads a
// lost host's files from their partner copies, on hosts of its own, at
// other rank counts, and refuses when both copies are gone.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/error.hpp"
#include "engine/checkpoint_partner.hpp"
#include "parallel/partition.hpp"

namespace portrait::engine {
namespace {

std::vector<std::string> hosts_of(std::initializer_list<std::pair<const char*, int>> layout) {
  std::vector<std::string> hosts;
  for (const auto& [host, ranks] : layout) hosts.insert(hosts.end(), static_cast<std::size_t>(ranks), host);
  return hosts;
}

TEST(PartnerRanks, OnAnotherHostAndEveryRankOnce) {
  for (const auto& hosts : {hosts_of({{"h1", 2}, {"h2", 2}, {"h3", 2}}), hosts_of({{"a", 1}, {"b", 1}}),
                            hosts_of({{"a", 4}, {"b", 4}, {"c", 4}, {"d", 4}})}) {
    const auto partner = partner_ranks(hosts);
    ASSERT_EQ(partner.size(), hosts.size());
    std::multiset<int> chosen(partner.begin(), partner.end());
    for (std::size_t r = 0; r < hosts.size(); ++r) {
      ASSERT_GE(partner[r], 0);
      EXPECT_NE(hosts[static_cast<std::size_t>(partner[r])], hosts[r]) << "rank " << r;
      EXPECT_EQ(chosen.count(static_cast<int>(r)), 1u) << "rank " << r << " holds one copy";
    }
  }
  // The ring: h1's ranks to h2's, h2's to h3's, h3's to h1's, position kept.
  EXPECT_EQ(partner_ranks(hosts_of({{"h1", 2}, {"h2", 2}, {"h3", 2}})), (std::vector<int>{2, 3, 4, 5, 0, 1}));
}

TEST(PartnerRanks, HostsInterleavedAndUneven) {
  // Ranks placed round-robin (--map-by node) and hosts of 3, 1 and 2 ranks.
  const std::vector<std::string> hosts{"x", "y", "z", "x", "z", "x"};
  const auto partner = partner_ranks(hosts);
  for (std::size_t r = 0; r < hosts.size(); ++r) {
    EXPECT_NE(hosts[static_cast<std::size_t>(partner[r])], hosts[r]) << "rank " << r;
  }
  // x's ranks 0, 3, 5 go to y's only rank; y's to z's first; z's to x's.
  EXPECT_EQ(partner, (std::vector<int>{1, 2, 0, 1, 3, 1}));
}

TEST(PartnerRanks, NoneOnOneHost) {
  EXPECT_EQ(partner_ranks(hosts_of({{"only", 3}})), (std::vector<int>{-1, -1, -1}));
  EXPECT_TRUE(is_host_leader({"a", "b", "a", "b"}, 1));
  EXPECT_FALSE(is_host_leader({"a", "b", "a", "b"}, 2));
}

constexpr std::uint32_t kBuckets = 64;

// The files a run of `hosts` writes: one per rank, even bucket ranges, each
// with its partner's host.
std::vector<CheckpointFile> files_of(const std::vector<std::string>& hosts) {
  const auto partner = partner_ranks(hosts);
  const parallel::BucketPartition partition(kBuckets, static_cast<int>(hosts.size()));
  std::vector<CheckpointFile> files;
  for (int r = 0; r < static_cast<int>(hosts.size()); ++r) {
    const auto range = partition.range_of(r);
    files.push_back({"rank-" + std::to_string(r), range.begin, range.end, 100, 1,
                     hosts[static_cast<std::size_t>(r)],
                     partner[static_cast<std::size_t>(r)] < 0
                         ? ""
                         : hosts[static_cast<std::size_t>(partner[static_cast<std::size_t>(r)])]});
  }
  return files;
}

// The copies left when `lost` hosts' disks are gone.
std::vector<FileCopies> copies_without(const std::vector<CheckpointFile>& files,
                                       const std::set<std::string>& lost) {
  std::vector<FileCopies> copies(files.size());
  for (std::size_t f = 0; f < files.size(); ++f) {
    if (!lost.count(files[f].host)) copies[f].primary.push_back(files[f].host);
    if (!files[f].partner_host.empty() && !lost.count(files[f].partner_host)) {
      copies[f].partner.push_back(files[f].partner_host);
    }
  }
  return copies;
}

// Every destination's buckets are covered exactly once by its reads, in
// bucket order, and every reader's host holds the copy it reads.
void expect_covering(const std::vector<CheckpointRead>& reads, const std::vector<CheckpointFile>& files,
                     const std::vector<FileCopies>& copies, const std::vector<std::string>& hosts) {
  const parallel::BucketPartition partition(kBuckets, static_cast<int>(hosts.size()));
  std::map<int, Bucket> next;  // destination -> next bucket expected
  for (int d = 0; d < static_cast<int>(hosts.size()); ++d) next[d] = partition.range_of(d).begin;
  for (const auto& r : reads) {
    const auto range = partition.range_of(r.destination);
    const CheckpointFile& file = files[r.file];
    EXPECT_EQ(std::max(file.begin, range.begin), next[r.destination]) << "destination " << r.destination;
    next[r.destination] = std::min(file.end, range.end);
    const auto& holders =
        r.copy == CheckpointCopy::kPartner ? copies[r.file].partner : copies[r.file].primary;
    EXPECT_EQ(r.host, hosts[static_cast<std::size_t>(r.reader)]);
    EXPECT_NE(std::find(holders.begin(), holders.end(), r.host), holders.end())
        << file.name << " read from a " << to_string(r.copy) << " copy on " << r.host << " that holds none";
  }
  for (int d = 0; d < static_cast<int>(hosts.size()); ++d) EXPECT_EQ(next[d], partition.range_of(d).end);
}

TEST(LocalReads, SamePlacementReadsOwnPrimaries) {
  const auto hosts = hosts_of({{"h1", 2}, {"h2", 2}, {"h3", 2}});
  const auto files = files_of(hosts);
  const auto copies = copies_without(files, {});
  const auto reads = plan_local_reads(files, copies, hosts, kBuckets);
  ASSERT_EQ(reads.size(), 6u);
  for (const auto& r : reads) {
    EXPECT_EQ(r.reader, r.destination);
    EXPECT_EQ(r.copy, CheckpointCopy::kPrimary);
    EXPECT_EQ(static_cast<int>(r.file), r.destination);
  }
}

TEST(LocalReads, LostHostIsReadFromPartnerCopiesOnFewerRanks) {
  // Written at 3 hosts x 2 ranks; h3 and its disk are lost; resumed on h1
  // and h2 at 2 ranks each.
  const auto files = files_of(hosts_of({{"h1", 2}, {"h2", 2}, {"h3", 2}}));
  const auto copies = copies_without(files, {"h3"});
  const auto resumed = hosts_of({{"h1", 2}, {"h2", 2}});
  const auto reads = plan_local_reads(files, copies, resumed, kBuckets);
  expect_covering(reads, files, copies, resumed);
  // h3's files (ranks 4 and 5) had their partner copies on h1.
  for (const auto& r : reads) {
    if (files[r.file].host == "h3") {
      EXPECT_EQ(r.copy, CheckpointCopy::kPartner);
      EXPECT_EQ(r.host, "h1");
    } else {
      EXPECT_EQ(r.copy, CheckpointCopy::kPrimary);
    }
  }
  // Files 4 and 5 cover buckets 42..63, which ranks 2 and 3 on h2 own: the
  // ranks of h1 read them and send the rows, both taking their share.
  std::set<int> readers, destinations;
  for (const auto& r : reads) {
    if (r.file >= 4) {
      destinations.insert(r.destination);
      readers.insert(r.reader);
    }
  }
  EXPECT_EQ(destinations, (std::set<int>{2, 3}));
  EXPECT_EQ(readers, (std::set<int>{0, 1}));
}

TEST(LocalReads, MoreRanksThanWrittenAndOneHostAlone) {
  const auto files = files_of(hosts_of({{"a", 1}, {"b", 1}}));
  const auto copies = copies_without(files, {"b"});
  const auto resumed = hosts_of({{"a", 4}});
  expect_covering(plan_local_reads(files, copies, resumed, kBuckets), files, copies, resumed);
}

TEST(LocalReads, BothCopiesLostIsRefusedWithTheHosts) {
  const auto files = files_of(hosts_of({{"h1", 2}, {"h2", 2}, {"h3", 2}}));
  const auto copies = copies_without(files, {"h1", "h3"});
  try {
    plan_local_reads(files, copies, hosts_of({{"h2", 2}}), kBuckets);
    ADD_FAILURE() << "a file without copies was planned";
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("rank-4 has no copy on the hosts of this run: it was written on h3, its "
                                   "partner copy on h1"),
        std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace portrait::engine
