// tests/mpi/test_identity_components.cpp: distributed identity resolution
// against a single-process union-find. Every scenario is generated from a
// seed, independent of the rank count; each rank takes an arbitrary slice of
// the records and of the customers; rank 0 gathers the records, resolves
// them with a plain map + union-find and compares every person id and the
// report.
#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "identity/identity_resolution.hpp"
#include "identity/union_find.hpp"

namespace portrait::identity {
namespace {

struct Record {
  CustomerId customer;
  std::int64_t id_type;
  std::uint64_t id_hash;
};

struct Scenario {
  std::vector<CustomerId> customers;  // all customers, any order
  std::vector<Record> records;        // all records
  IdentityGuards guards;
};

constexpr std::uint64_t kSeed = 20261124;

// --- generated graphs --------------------------------------------------------

// Customer ids are scattered (not 1..n) so that the smallest id is nowhere in
// particular along a chain or a star.
CustomerId customer_id(std::uint64_t i) { return static_cast<CustomerId>(mix64(kSeed + i) >> 20) + 1; }

Scenario with_customers(std::uint64_t n) {
  Scenario s;
  for (std::uint64_t i = 0; i < n; ++i) s.customers.push_back(customer_id(i));
  return s;
}

// One long path: customer i and i+1 share a phone.
Scenario chain(std::uint64_t n) {
  Scenario s = with_customers(n);
  for (std::uint64_t i = 0; i + 1 < n; ++i) {
    s.records.push_back({s.customers[i], 0, 1000 + i});
    s.records.push_back({s.customers[i + 1], 0, 1000 + i});
  }
  return s;
}

// Hubs, each linked to its leaves by a separate device per leaf.
Scenario stars(std::uint64_t hubs, std::uint64_t leaves) {
  Scenario s = with_customers(hubs * (leaves + 1));
  for (std::uint64_t h = 0; h < hubs; ++h) {
    const std::uint64_t hub = h * (leaves + 1);
    for (std::uint64_t l = 1; l <= leaves; ++l) {
      s.records.push_back({s.customers[hub], 2, hub * 100000 + l});
      s.records.push_back({s.customers[hub + l], 2, hub * 100000 + l});
    }
  }
  return s;
}

// Identifiers, each shared by 1-4 random customers, of random id types.
Scenario random_graph(std::uint64_t n, std::uint64_t identifiers) {
  Scenario s = with_customers(n);
  for (std::uint64_t k = 0; k < identifiers; ++k) {
    KeyedRandom rng(kSeed, k, 1);
    const std::uint64_t members = 1 + rng.below(4);
    const auto type = static_cast<std::int64_t>(rng.below(5));
    for (std::uint64_t m = 0; m < members; ++m) s.records.push_back({s.customers[rng.below(n)], type, 1 + k});
  }
  return s;
}

// --- slicing over ranks ------------------------------------------------------

int rank_of_record(std::size_t i, int ranks) { return static_cast<int>(mix64(kSeed ^ (i * 7 + 3)) % ranks); }

constexpr std::uint32_t kBuckets = 64;

// Uneven contiguous bucket ranges: rank r's share grows with r.
CustomerOwners bucket_owners(const parallel::Comm& comm) {
  const auto total = static_cast<std::uint64_t>(comm.size() * (comm.size() + 1) / 2);
  const auto first = [&](int r) {
    return static_cast<Bucket>(kBuckets * static_cast<std::uint64_t>(r * (r + 1) / 2) / total);
  };
  return CustomerOwners::gather(comm, kBuckets, first(comm.rank()), first(comm.rank() + 1));
}

// The records of the given indices, in that order.
Table records_table(const Scenario& s, const std::vector<std::size_t>& indices) {
  Table t("identity");
  // Columns first: adding a column may move the others.
  t.add("customer_id", ColumnType::Int64);
  t.add("source", ColumnType::Int8);
  t.add("id_type", ColumnType::Int8);
  t.add("id_hash", ColumnType::UInt64);
  t.add("ts", ColumnType::Int64);
  auto& customer = t.values<std::int64_t>("customer_id");
  auto& source = t.values<std::int8_t>("source");
  auto& id_type = t.values<std::int8_t>("id_type");
  auto& id_hash = t.values<std::uint64_t>("id_hash");
  auto& ts = t.values<std::int64_t>("ts");
  for (const std::size_t i : indices) {
    customer.push_back(s.records[i].customer);
    source.push_back(static_cast<std::int8_t>(i % 5));
    id_type.push_back(static_cast<std::int8_t>(s.records[i].id_type));
    id_hash.push_back(s.records[i].id_hash);
    ts.push_back(1700000000 + static_cast<std::int64_t>(i));
  }
  return t;
}

Table slice_records(const Scenario& s, const parallel::Comm& comm) {
  std::vector<std::size_t> mine;
  for (std::size_t i = 0; i < s.records.size(); ++i) {
    if (rank_of_record(i, comm.size()) == comm.rank()) mine.push_back(i);
  }
  return records_table(s, mine);
}

std::vector<CustomerId> slice_customers(const Scenario& s, const parallel::Comm& comm,
                                        const CustomerOwners& owners) {
  std::vector<CustomerId> mine;
  for (const CustomerId c : s.customers) {
    if (owners.rank_of(c) == comm.rank()) mine.push_back(c);
  }
  return mine;
}

// How records and customers are spread over the ranks.
enum class Layout {
  kScattered,               // records on any rank, customers in scenario order
  kEngine,                  // as the engine groups them: each rank its own customers by
                            // (bucket, id) and their records in that order
  kEngineButRank0Reversed,  // rank 0's records in reverse: it looks its
                            // customers up while the others walk their lists
};

std::vector<CustomerId> engine_customers(const Scenario& s, const parallel::Comm& comm,
                                         const CustomerOwners& owners) {
  std::vector<CustomerId> mine = slice_customers(s, comm, owners);
  std::sort(mine.begin(), mine.end(), [](CustomerId a, CustomerId b) {
    return std::pair(bucket_of(a, kBuckets), a) < std::pair(bucket_of(b, kBuckets), b);
  });
  return mine;
}

// The records of this rank's customers, in the order of its list.
Table engine_records(const Scenario& s, const std::vector<CustomerId>& customers, bool reversed) {
  std::map<CustomerId, std::size_t> position;
  for (std::size_t p = 0; p < customers.size(); ++p) position[customers[p]] = p;
  std::vector<std::size_t> mine;
  for (std::size_t i = 0; i < s.records.size(); ++i) {
    if (position.count(s.records[i].customer) > 0) mine.push_back(i);
  }
  std::stable_sort(mine.begin(), mine.end(), [&](std::size_t a, std::size_t b) {
    return position[s.records[a].customer] < position[s.records[b].customer];
  });
  if (reversed) std::reverse(mine.begin(), mine.end());
  return records_table(s, mine);
}

// Gathers variable-length vectors of int64 to rank 0.
std::vector<std::int64_t> gather(const parallel::Comm& comm, const std::vector<std::int64_t>& mine) {
  int n = static_cast<int>(mine.size());
  std::vector<int> counts(static_cast<std::size_t>(comm.size())), displs(counts.size(), 0);
  MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm.raw());
  for (std::size_t r = 1; r < counts.size(); ++r) displs[r] = displs[r - 1] + counts[r - 1];
  std::vector<std::int64_t> all(comm.is_root() ? static_cast<std::size_t>(displs.back() + counts.back()) : 0);
  MPI_Gatherv(mine.data(), n, MPI_INT64_T, all.data(), counts.data(), displs.data(), MPI_INT64_T, 0,
              comm.raw());
  return all;
}

// --- the single-process reference -------------------------------------------

struct Reference {
  std::map<CustomerId, CustomerId> persons;
  IdentityReport report;
};

Reference resolve_sequentially(const std::vector<CustomerId>& customer_list,
                               const std::vector<Record>& records, const IdentityGuards& guards) {
  std::vector<CustomerId> customers = customer_list;
  std::sort(customers.begin(), customers.end());
  CustomerUnionFind sets(customers);
  Reference ref;
  IdentityReport& rep = ref.report;
  rep.records = static_cast<std::int64_t>(records.size());
  std::map<std::pair<std::int64_t, std::uint64_t>, std::set<CustomerId>> identifiers;
  for (const Record& r : records) {
    if (r.id_hash == 0) {
      ++rep.drops.records_missing_hash;
    } else if (r.id_type < 0 || r.id_type >= kIdTypeCount) {
      ++rep.drops.records_unknown_type;
    } else if (!guards.by_type[static_cast<std::size_t>(r.id_type)].links) {
      ++rep.drops.records_type_not_linking;
    } else {
      identifiers[{r.id_type, r.id_hash}].insert(r.customer);
    }
  }
  for (const auto& [identifier, members] : identifiers) {
    const IdTypeGuard& guard = guards.by_type[static_cast<std::size_t>(identifier.first)];
    if (std::count(guard.blocked_hashes.begin(), guard.blocked_hashes.end(), identifier.second) > 0) {
      ++rep.drops.identifiers_blocked;
    } else if (static_cast<std::int64_t>(members.size()) > guard.max_customers) {
      ++rep.drops.identifiers_over_customer_cap;
    } else {
      ++rep.identifiers;
      rep.shared_identifiers += members.size() > 1 ? 1 : 0;
      rep.links += static_cast<std::int64_t>(members.size()) - 1;
      for (const CustomerId c : members) sets.unite(*members.begin(), c);
    }
  }
  const std::vector<CustomerId> labels = sets.persons();
  std::map<CustomerId, std::int64_t> sizes;
  for (const CustomerId label : labels) ++sizes[label];
  rep.customers = static_cast<std::int64_t>(customers.size());
  rep.max_component_size = guards.max_component_size;
  const std::vector<std::pair<const char*, std::int64_t>> bins{
      {"1", 1}, {"2", 2}, {"3", 3}, {"4-10", 10}, {"11-100", 100}, {"101-1000", 1000}, {">1000", INT64_MAX}};
  for (const auto& [label, max_size] : bins) rep.size_histogram.push_back({label, 0, 0});
  for (const auto& [component, size] : sizes) {
    std::size_t b = 0;
    while (size > bins[b].second) ++b;
    ++rep.size_histogram[b].components;
    rep.size_histogram[b].customers += size;
    const bool merged = size <= guards.max_component_size;
    if (!merged) {
      ++rep.components_over_cap;
      rep.customers_in_components_over_cap += size;
    }
    rep.persons += merged ? 1 : size;
    if (size > 1) rep.largest.push_back({component, size, merged});
  }
  std::sort(rep.largest.begin(), rep.largest.end(), [](const LargestComponent& a, const LargestComponent& b) {
    return a.size != b.size ? a.size > b.size : a.component < b.component;
  });
  if (rep.largest.size() > 10) rep.largest.resize(10);
  for (std::size_t i = 0; i < customers.size(); ++i) {
    ref.persons[customers[i]] = sizes[labels[i]] <= guards.max_component_size ? labels[i] : customers[i];
  }
  return ref;
}

// --- the comparison ----------------------------------------------------------

// Resolves the scenario on the ranks, checks it against the reference on
// rank 0, and returns the (global) report for scenario-specific checks.
IdentityResolution check_against_union_find(const Scenario& s, Layout layout = Layout::kScattered) {
  const parallel::Comm world;
  const CustomerOwners owners = bucket_owners(world);
  const std::vector<CustomerId> customers =
      layout == Layout::kScattered ? slice_customers(s, world, owners) : engine_customers(s, world, owners);
  const Table records =
      layout == Layout::kScattered
          ? slice_records(s, world)
          : engine_records(s, customers, layout == Layout::kEngineButRank0Reversed && world.is_root());
  IdentityResolution resolved = resolve_identities(world, records, customers, owners, s.guards);
  EXPECT_EQ(resolved.persons.size(), customers.size());

  // Rank 0 rebuilds the full record set from the slices the ranks hold.
  std::vector<std::int64_t> flat_records, flat_persons;
  const auto& c = records.values<std::int64_t>("customer_id");
  const auto& t = records.values<std::int8_t>("id_type");
  const auto& h = records.values<std::uint64_t>("id_hash");
  for (std::size_t i = 0; i < records.rows(); ++i) {
    flat_records.insert(flat_records.end(), {c[i], t[i], static_cast<std::int64_t>(h[i])});
  }
  for (std::size_t i = 0; i < customers.size(); ++i) {
    flat_persons.insert(flat_persons.end(), {customers[i], resolved.persons[i]});
  }
  const std::vector<std::int64_t> all_records = gather(world, flat_records);
  const std::vector<std::int64_t> all_persons = gather(world, flat_persons);
  const std::vector<std::int64_t> all_customers = gather(world, customers);
  if (world.is_root()) {
    std::vector<Record> gathered;
    for (std::size_t i = 0; i < all_records.size(); i += 3) {
      gathered.push_back(
          {all_records[i], all_records[i + 1], static_cast<std::uint64_t>(all_records[i + 2])});
    }
    EXPECT_EQ(gathered.size(), s.records.size());
    const Reference ref = resolve_sequentially(all_customers, gathered, s.guards);
    EXPECT_EQ(all_persons.size(), 2 * ref.persons.size());
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < all_persons.size(); i += 2) {
      const auto it = ref.persons.find(all_persons[i]);
      if (it == ref.persons.end() || it->second != all_persons[i + 1]) {
        if (++mismatches <= 5) {
          ADD_FAILURE() << "customer " << all_persons[i] << ": person " << all_persons[i + 1]
                        << ", reference " << (it == ref.persons.end() ? -1 : it->second);
        }
      }
    }
    EXPECT_EQ(mismatches, 0U);
    EXPECT_EQ(to_json(resolved.report).dump(1), to_json(ref.report).dump(1));
  }
  return resolved;
}

TEST(IdentityComponents, ChainAcrossRanks) {
  Scenario s = chain(3000);
  s.guards.max_component_size = 5000;
  const IdentityResolution r = check_against_union_find(s);
  EXPECT_EQ(r.report.persons, 1);
  EXPECT_EQ(r.report.largest.at(0).size, 3000);
}

TEST(IdentityComponents, Stars) {
  const IdentityResolution r = check_against_union_find(stars(20, 150));
  EXPECT_EQ(r.report.persons, 20);
  EXPECT_EQ(r.report.size_histogram.at(5).components, 20);  // 101-1000
}

TEST(IdentityComponents, RandomGraph) {
  // Big enough (~75k records) for the two-pass grouping of identifiers.
  const IdentityResolution r = check_against_union_find(random_graph(50000, 30000));
  EXPECT_GT(r.report.customers, r.report.persons);
  EXPECT_GT(r.report.size_histogram.at(3).components, 0);  // 4-10
}

TEST(IdentityComponents, ManySingletons) {
  const IdentityResolution r = check_against_union_find(random_graph(30000, 300));
  EXPECT_GT(r.report.size_histogram.at(0).components, 29000);
}

TEST(IdentityComponents, NoRecordsAtAll) {
  const IdentityResolution r = check_against_union_find(with_customers(100));
  EXPECT_EQ(r.report.persons, 100);
  EXPECT_TRUE(r.report.largest.empty());
}

TEST(IdentityComponents, GiantComponentAboveTheCapIsNotMerged) {
  Scenario s = chain(500);
  // Plus small pairs that stay under the cap.
  for (std::uint64_t i = 0; i < 40; ++i) {
    s.customers.push_back(customer_id(10000 + 2 * i));
    s.customers.push_back(customer_id(10001 + 2 * i));
    s.records.push_back({customer_id(10000 + 2 * i), 1, 77000 + i});
    s.records.push_back({customer_id(10001 + 2 * i), 1, 77000 + i});
  }
  s.guards.max_component_size = 100;
  const IdentityResolution r = check_against_union_find(s);
  EXPECT_EQ(r.report.components_over_cap, 1);
  EXPECT_EQ(r.report.customers_in_components_over_cap, 500);
  EXPECT_EQ(r.report.persons, 500 + 40);
  EXPECT_FALSE(r.report.largest.at(0).merged);
  EXPECT_TRUE(r.report.largest.at(1).merged);
}

TEST(IdentityComponents, SwitchboardIdentifierDoesNotMergeItsCallers) {
  Scenario s = with_customers(4000);
  // Planted people: customers 2k and 2k+1 share an id card.
  for (std::uint64_t k = 0; k < 1000; ++k) {
    s.records.push_back({s.customers[2 * k], 1, 5000 + k});
    s.records.push_back({s.customers[2 * k + 1], 1, 5000 + k});
  }
  // One switchboard number seen with 3000 customers.
  for (std::uint64_t i = 0; i < 3000; ++i) s.records.push_back({s.customers[i], 0, 999});
  s.guards.by_type[0].max_customers = 50;
  const IdentityResolution r = check_against_union_find(s);
  EXPECT_EQ(r.report.drops.identifiers_over_customer_cap, 1);
  EXPECT_EQ(r.report.persons, 4000 - 1000);
  EXPECT_EQ(r.report.largest.at(0).size, 2);
}

TEST(IdentityComponents, GuardsDropBlockedMissingUnknownAndNonLinkingIdentifiers) {
  Scenario s = with_customers(600);
  for (std::uint64_t k = 0; k < 100; ++k) {
    const CustomerId a = s.customers[2 * k], b = s.customers[2 * k + 1];
    const auto type = static_cast<std::int64_t>(k % 7);    // 5 and 6 are unknown types
    const std::uint64_t hash = k % 10 == 0 ? 0 : 100 + k;  // every tenth is missing
    s.records.push_back({a, type, hash});
    s.records.push_back({b, type, hash});
  }
  s.guards.by_type[3].links = false;                   // email does not link
  s.guards.by_type[0].blocked_hashes = {107, 114, 9};  // 107 and 114 are phones here
  const IdentityResolution r = check_against_union_find(s);
  EXPECT_EQ(r.report.drops.identifiers_blocked, 2);
  EXPECT_GT(r.report.drops.records_missing_hash, 0);
  EXPECT_GT(r.report.drops.records_unknown_type, 0);
  EXPECT_GT(r.report.drops.records_type_not_linking, 0);
  EXPECT_GT(r.report.persons, 500);
}

TEST(IdentityComponents, RecordOfACustomerNoRankOwnsFailsOnEveryRank) {
  const parallel::Comm world;
  Scenario s = chain(50);
  const CustomerOwners owners = bucket_owners(world);
  std::vector<CustomerId> customers = slice_customers(s, world, owners);
  // Customer chain[0] is dropped from its owner's list but keeps its records.
  std::erase(customers, s.customers[0]);
  EXPECT_THROW(resolve_identities(world, slice_records(s, world), customers, owners, s.guards), Error);
}

TEST(IdentityComponents, EngineLayoutWalksTheCustomerLists) {
  const IdentityResolution r = check_against_union_find(random_graph(50000, 30000), Layout::kEngine);
  EXPECT_GT(r.report.customers, r.report.persons);
  Scenario chained = chain(3000);
  chained.guards.max_component_size = 5000;
  EXPECT_EQ(check_against_union_find(chained, Layout::kEngine).report.persons, 1);
  check_against_union_find(stars(20, 150), Layout::kEngine);
}

TEST(IdentityComponents, OneRankOutOfListOrderLooksUpWhileTheOthersWalk) {
  const IdentityResolution r =
      check_against_union_find(random_graph(50000, 30000), Layout::kEngineButRank0Reversed);
  EXPECT_GT(r.report.size_histogram.at(3).components, 0);  // 4-10
  Scenario capped = chain(500);
  capped.guards.max_component_size = 100;
  EXPECT_EQ(check_against_union_find(capped, Layout::kEngineButRank0Reversed).report.components_over_cap, 1);
}

TEST(IdentityComponents, EngineLayoutRecordOfAnUnlistedCustomerFailsOnEveryRank) {
  const parallel::Comm world;
  Scenario s = chain(50);
  const CustomerOwners owners = bucket_owners(world);
  std::vector<CustomerId> customers = engine_customers(s, world, owners);
  const Table records = engine_records(s, customers, false);
  std::erase(customers, s.customers[0]);
  EXPECT_THROW(resolve_identities(world, records, customers, owners, s.guards), Error);
}

TEST(IdentityComponents, CustomerListedTwiceFailsOnEveryRank) {
  const parallel::Comm world;
  Scenario s = chain(500);
  const CustomerOwners owners = bucket_owners(world);
  std::vector<CustomerId> customers = engine_customers(s, world, owners);
  const Table records = engine_records(s, customers, false);
  EXPECT_FALSE(customers.empty());
  if (world.is_root() && !customers.empty()) customers.insert(customers.begin(), customers.front());
  EXPECT_THROW(resolve_identities(world, records, customers, owners, s.guards), Error);
}

TEST(IdentityComponents, CustomerListedByARankThatDoesNotOwnItFailsOnEveryRank) {
  const parallel::Comm world;
  Scenario s = chain(50);
  const CustomerOwners owners = bucket_owners(world);
  std::vector<CustomerId> customers = slice_customers(s, world, owners);
  if (world.size() == 1) GTEST_SKIP() << "one rank owns every bucket";
  // Rank 0 also lists a customer that another rank owns (and lists).
  if (world.is_root()) {
    for (const CustomerId c : s.customers) {
      if (owners.rank_of(c) != 0) {
        customers.push_back(c);
        break;
      }
    }
  }
  EXPECT_THROW(resolve_identities(world, slice_records(s, world), customers, owners, s.guards), Error);
}

TEST(IdentityComponents, BucketRangesMustCoverEveryBucket) {
  EXPECT_THROW(CustomerOwners(64, {0, 32}), Error);
  EXPECT_THROW(CustomerOwners(64, {0, 40, 32, 64}), Error);
  EXPECT_THROW(CustomerOwners(48, {0, 48}), Error);
  const CustomerOwners one(64, {0, 64});
  EXPECT_EQ(one.rank_of(12345), 0);
}

}  // namespace
}  // namespace portrait::identity
