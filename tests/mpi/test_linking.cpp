// tests/mpi/test_linking.cpp: probabilistic linking across ranks against a
// single-process reference. A world of customers (some following another's
// usage closely, some sharing an id card) is generated from a seed on every
// rank; each rank takes the customers of its (uneven) bucket range in the
// engine's layout, resolves strong identities and links. Rank 0 gathers
// the written pairs, the person ids of every profile and the report, and
// compares them with blocks, pairs, EM and union-find computed in one
// process from the same signatures: the same pairs with the same patterns,
// the same counts, the same model to the bit, the same person ids, whatever
// the rank count. A block of 50,000 customers is capped and counted.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "core/hash.hpp"
#include "identity/identity_resolution.hpp"
#include "identity/probabilistic_linking.hpp"
#include "identity/union_find.hpp"
#include "parallel/collectives.hpp"

namespace portrait::identity {
namespace {

constexpr std::uint64_t kSeed = 20261201;
constexpr std::uint32_t kBuckets = 64;
constexpr std::int64_t kMonth = 1790000000;  // some month's first second

struct Record {
  std::int64_t ts;
  std::int32_t place;
  std::uint64_t contact;
};

// Every customer of the world, computed alike on every rank.
struct World {
  std::vector<CustomerId> ids;
  std::vector<std::int64_t> home, work;
  std::vector<CustomerId> person;  // strong person: shared id card
  std::vector<std::vector<Record>> records;
};

CustomerId id_of(std::size_t i) { return static_cast<CustomerId>(mix64(kSeed + i) >> 24) + 1; }

std::uint64_t contact_of(std::size_t i, std::uint64_t slot) { return mix64(kSeed ^ (i * 64 + slot)) | 1; }

std::vector<Record> own_records(std::size_t i, const World& w, std::uint64_t records) {
  std::vector<Record> out;
  KeyedRandom r(kSeed, i, 1);
  const std::uint64_t n = records / 2 + r.below(records);
  for (std::uint64_t k = 0; k < n; ++k) {
    const double u = r.uniform();
    const auto place =
        static_cast<std::int32_t>(u < 0.4 ? w.home[i] : (u < 0.7 ? w.work[i] : 1000 + r.below(300)));
    const std::uint64_t slot = std::min(r.below(12), r.below(12));
    out.push_back({kMonth + static_cast<std::int64_t>(r.below(720 * 3600)), place,
                   r.uniform() < 0.6 ? contact_of(i, slot) : 0});
  }
  return out;
}

// n customers on `homes` x `works` places; `followers` of them follow an
// anchor's usage (the same places, 60% of records at the anchor's hours,
// 70% of contacts); every 40th customer shares an id card with the next.
World make_world(std::size_t n, std::size_t followers, std::int64_t homes, std::int64_t works,
                 std::uint64_t records = 30) {
  World w;
  w.ids.resize(n);
  w.home.resize(n);
  w.work.resize(n);
  w.person.resize(n);
  w.records.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    KeyedRandom r(kSeed, i, 2);
    w.ids[i] = id_of(i);
    w.home[i] = 1 + static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(homes)));
    w.work[i] = 1 + static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(works)));
  }
  std::vector<std::int64_t> anchor(n, -1);
  for (std::size_t f = 0; f < followers; ++f) {
    const std::size_t follower = 2 * f + 1, a = 2 * f;  // followers and anchors interleave at the start
    if (follower >= n) break;
    anchor[follower] = static_cast<std::int64_t>(a);
    w.home[follower] = w.home[a];
    w.work[follower] = w.work[a];
  }
  for (std::size_t i = 0; i < n; ++i) {
    w.person[i] = w.ids[i];
    if (i % 40 == 1 && i + 1 < n) w.person[i] = std::min(w.ids[i], w.ids[i + 1]);
    if (i % 40 == 2) w.person[i] = std::min(w.ids[i], w.ids[i - 1]);
  }
  for (std::size_t i = 0; i < n; ++i) w.records[i] = own_records(i, w, records);
  for (std::size_t i = 0; i < n; ++i) {
    if (anchor[i] < 0) continue;
    const auto a = static_cast<std::size_t>(anchor[i]);
    KeyedRandom r(kSeed, i, 3);
    for (Record& rec : w.records[i]) {
      if (r.uniform() < 0.6 && !w.records[a].empty()) {
        const Record& at = w.records[a][r.below(w.records[a].size())];
        rec.ts = at.ts / 3600 * 3600 + static_cast<std::int64_t>(r.below(3600));
        rec.place = at.place;
      }
      if (rec.contact != 0 && r.uniform() < 0.7)
        rec.contact = contact_of(a, std::min(r.below(12), r.below(12)));
    }
  }
  return w;
}

LinkingSettings settings_for_tests(std::int64_t cap) {
  LinkingSettings s;
  BlockingKey cells;
  cells.name = "home+work";
  cells.attributes = {0, 1};
  BlockingKey top;
  top.kind = BlockingKey::Kind::TopContacts;
  top.name = "top_contacts";
  top.count = 2;
  BlockingKey hours;
  hours.kind = BlockingKey::Kind::PresenceHash;
  hours.name = "presence_hash";
  hours.count = 2;
  s.blocks = {cells, top, hours};
  s.max_block_customers = cap;
  Comparison home;
  home.name = "home";
  home.attributes = {0};
  Comparison work = home;
  work.name = "work";
  work.attributes = {1};
  Comparison contacts;
  contacts.kind = Comparison::Kind::ContactJaccard;
  contacts.name = "contacts";
  contacts.bands = {0.1, 0.3};
  Comparison shared;
  shared.kind = Comparison::Kind::SharedHours;
  shared.name = "hours";
  shared.bands = {0.1, 0.3, 0.6};
  s.comparisons = {home, work, contacts, shared};
  s.presence_limit = 24;  // below some customers' presence counts: samples are cut
  s.profiles = {{"loose", 0.5}, {"strict", 0.99}};
  s.write_pairs_above = 0;
  return s;
}

CustomerOwners bucket_owners(const parallel::Comm& comm) {
  const auto total = static_cast<std::uint64_t>(comm.size() * (comm.size() + 1) / 2);
  const auto first = [&](int r) {
    return static_cast<Bucket>(kBuckets * static_cast<std::uint64_t>(r * (r + 1) / 2) / total);
  };
  return CustomerOwners::gather(comm, kBuckets, first(comm.rank()), first(comm.rank() + 1));
}

std::vector<std::int64_t> gather(const parallel::Comm& comm, const std::vector<std::int64_t>& mine) {
  return parallel::gatherv(comm, std::span<const std::int64_t>(mine));
}

// A set of customers (world indices) as LinkingInputs over owned storage.
struct Slice {
  std::vector<std::size_t> index;  // world index of each listed customer
  std::vector<CustomerId> customers, persons;
  std::vector<std::vector<std::int64_t>> attributes{2};
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::int64_t> time;
  std::vector<std::int32_t> place;
  std::vector<std::uint64_t> contact;

  LinkingInputs inputs() const {
    LinkingInputs in{customers, persons, {attributes[0], attributes[1]}, offsets, time, place, contact};
    in.from = kMonth;
    in.to = kMonth + 720 * 3600;
    return in;
  }
};

Slice slice(const World& w, std::vector<std::size_t> index) {
  Slice s;
  s.index = std::move(index);
  for (const std::size_t i : s.index) {
    s.customers.push_back(w.ids[i]);
    s.persons.push_back(w.person[i]);
    s.attributes[0].push_back(w.home[i]);
    s.attributes[1].push_back(w.work[i]);
    for (const Record& r : w.records[i]) {
      s.time.push_back(r.ts);
      s.place.push_back(r.place);
      s.contact.push_back(r.contact);
    }
    s.offsets.push_back(s.time.size());
  }
  return s;
}

// This rank's customers by (bucket, id), with its strong persons and links.
struct RankPart {
  Slice slice;
  std::vector<VertexLink> strong_links;
};

RankPart rank_part(const parallel::Comm& comm, const World& w, const CustomerOwners& owners) {
  std::vector<std::size_t> mine;
  for (std::size_t i = 0; i < w.ids.size(); ++i) {
    if (owners.rank_of(w.ids[i]) == comm.rank()) mine.push_back(i);
  }
  std::sort(mine.begin(), mine.end(), [&](std::size_t a, std::size_t b) {
    return std::pair(bucket_of(w.ids[a], kBuckets), w.ids[a]) <
           std::pair(bucket_of(w.ids[b], kBuckets), w.ids[b]);
  });
  RankPart part{slice(w, mine), {}};
  // Strong identity: one id card record per customer.
  Table cards("identity");
  auto& customer = cards.add("customer_id", ColumnType::Int64).values<std::int64_t>();
  auto& source = cards.add("source", ColumnType::Int8).values<std::int8_t>();
  auto& type = cards.add("id_type", ColumnType::Int8).values<std::int8_t>();
  auto& hash = cards.add("id_hash", ColumnType::UInt64).values<std::uint64_t>();
  auto& ts = cards.add("ts", ColumnType::Int64).values<std::int64_t>();
  for (const std::size_t i : mine) {
    customer.push_back(w.ids[i]);
    source.push_back(0);
    type.push_back(1);
    hash.push_back(static_cast<std::uint64_t>(w.person[i]));
    ts.push_back(kMonth);
  }
  IdentityResolution strong =
      resolve_identities(comm, cards, part.slice.customers, owners, IdentityGuards{}, /*keep_links=*/true);
  EXPECT_EQ(strong.persons, part.slice.persons);
  part.strong_links = std::move(strong.links);
  return part;
}

// --- the single-process reference -------------------------------------------

struct ReferencePair {
  CustomerId customer, other;
  std::uint32_t pattern;
  friend bool operator==(const ReferencePair&, const ReferencePair&) = default;
  friend auto operator<=>(const ReferencePair& a, const ReferencePair& b) {
    return std::tie(a.customer, a.other, a.pattern) <=> std::tie(b.customer, b.other, b.pattern);
  }
};

struct Reference {
  std::vector<ReferencePair> pairs;  // sorted
  BlockingCounts counts;
  FellegiSunterModel model;
  std::vector<std::map<CustomerId, CustomerId>> persons;  // per profile
};

Reference link_sequentially(const World& w, const LinkingSettings& settings) {
  std::vector<std::size_t> all(w.ids.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  const Slice everyone = slice(w, all);
  const LinkingInputs in = everyone.inputs();
  const Signatures sig = compute_signatures(in, settings);
  const PatternSpace space(settings.comparisons);
  Reference ref;
  ref.counts.families.resize(settings.blocks.size());
  std::map<std::uint64_t, std::vector<std::size_t>> blocks;
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (const std::uint64_t k : sig.keys_of(i)) blocks[k].push_back(i);
  }
  // A key is live when its block is within the cap and makes a pair.
  const auto live = [&](std::uint64_t k) {
    const auto n = static_cast<std::int64_t>(blocks[k].size());
    return n >= 2 && n <= settings.max_block_customers;
  };
  const auto side = [&](std::size_t i, std::vector<std::int64_t>& attributes) {
    attributes = {w.home[i], w.work[i]};
    return PairSide{attributes, sig.contacts_of(i), sig.presence_of(i),
                    sig.presence_of(i).size() >= static_cast<std::size_t>(settings.presence_limit)};
  };
  for (const auto& [key, members] : blocks) {
    BlockCounts& f = ref.counts.families[family_of_key(key)];
    const auto n = static_cast<std::int64_t>(members.size());
    f.keys += n;
    if (n > settings.max_block_customers) {
      ++f.blocks_over_cap;
      f.customers_in_blocks_over_cap += n;
      f.pairs_over_cap += n * (n - 1) / 2;
      f.largest_block_over_cap = std::max(f.largest_block_over_cap, n);
      continue;
    }
    if (n < 2) continue;
    ++f.blocks;
    f.pairs_in_blocks += n * (n - 1) / 2;
    f.largest_block = std::max(f.largest_block, n);
    for (std::size_t x = 0; x < members.size(); ++x) {
      for (std::size_t y = x + 1; y < members.size(); ++y) {
        const std::size_t a = members[x], b = members[y];
        if (w.person[a] == w.person[b]) {
          ++ref.counts.pairs_same_person;
          continue;
        }
        std::uint64_t first = UINT64_MAX;
        for (const std::uint64_t k : sig.keys_of(a)) {
          const auto kb = sig.keys_of(b);
          if (live(k) && std::find(kb.begin(), kb.end(), k) != kb.end()) first = std::min(first, k);
        }
        if (first != key) {
          ++ref.counts.pairs_repeated;
          continue;
        }
        ++f.pairs_compared;
        std::vector<std::int64_t> attributes_a, attributes_b;
        const std::uint32_t pattern =
            compare_pair(space, settings.comparisons, side(a, attributes_a), side(b, attributes_b));
        ref.pairs.push_back({std::min(w.ids[a], w.ids[b]), std::max(w.ids[a], w.ids[b]), pattern});
      }
    }
  }
  for (const BlockCounts& f : ref.counts.families) {
    ref.counts.pairs_in_blocks += f.pairs_in_blocks;
    ref.counts.pairs_compared += f.pairs_compared;
    ref.counts.pairs_over_cap += f.pairs_over_cap;
  }
  std::sort(ref.pairs.begin(), ref.pairs.end());
  std::vector<std::int64_t> counts(space.size(), 0);
  for (const ReferencePair& p : ref.pairs) ++counts[p.pattern];
  ref.model = train_fellegi_sunter(space, counts, settings.em);
  std::vector<CustomerId> sorted_ids = w.ids;
  std::sort(sorted_ids.begin(), sorted_ids.end());
  for (const LinkingProfile& profile : settings.profiles) {
    CustomerUnionFind sets(sorted_ids);
    for (std::size_t i = 0; i < w.ids.size(); ++i) sets.unite(w.ids[i], w.person[i]);
    for (const ReferencePair& p : ref.pairs) {
      if (ref.model.probability(space, p.pattern) >= profile.min_probability) sets.unite(p.customer, p.other);
    }
    const std::vector<CustomerId> persons = sets.persons();
    std::map<CustomerId, CustomerId> by_id;
    for (std::size_t k = 0; k < sorted_ids.size(); ++k) by_id[sorted_ids[k]] = persons[k];
    ref.persons.push_back(std::move(by_id));
  }
  return ref;
}

void expect_counts_equal(const BlockingCounts& a, const BlockingCounts& b) {
  ASSERT_EQ(a.families.size(), b.families.size());
  for (std::size_t f = 0; f < a.families.size(); ++f) {
    const BlockCounts &x = a.families[f], &y = b.families[f];
    EXPECT_EQ(std::tie(x.keys, x.blocks, x.blocks_over_cap, x.customers_in_blocks_over_cap, x.pairs_over_cap,
                       x.pairs_in_blocks, x.pairs_compared, x.largest_block, x.largest_block_over_cap),
              std::tie(y.keys, y.blocks, y.blocks_over_cap, y.customers_in_blocks_over_cap, y.pairs_over_cap,
                       y.pairs_in_blocks, y.pairs_compared, y.largest_block, y.largest_block_over_cap))
        << "family " << f;
  }
  EXPECT_EQ(
      std::tie(a.pairs_in_blocks, a.pairs_repeated, a.pairs_same_person, a.pairs_compared, a.pairs_over_cap),
      std::tie(b.pairs_in_blocks, b.pairs_repeated, b.pairs_same_person, b.pairs_compared, b.pairs_over_cap));
}

// Links the world on the ranks, checks everything against the reference on
// rank 0 and returns the report.
LinkingReport check_against_reference(const World& w, const LinkingSettings& settings) {
  const parallel::Comm comm;
  const CustomerOwners owners = bucket_owners(comm);
  const RankPart part = rank_part(comm, w, owners);
  const LinkingResult result =
      link_probabilistically(comm, part.slice.inputs(), settings, owners, part.strong_links, 1000);
  EXPECT_EQ(result.persons.size(), settings.profiles.size());

  const PatternSpace space(settings.comparisons);
  std::vector<std::int64_t> rows;
  const Table& t = result.pairs;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    std::vector<int> levels;
    for (const Comparison& c : settings.comparisons) {
      const std::int8_t l = t.values<std::int8_t>("level." + c.name)[r];
      levels.push_back(is_missing(l) ? -1 : l);
    }
    rows.insert(rows.end(), {t.values<std::int64_t>("customer_id")[r], t.values<std::int64_t>("other_id")[r],
                             static_cast<std::int64_t>(space.encode(levels))});
  }
  const std::vector<std::int64_t> all_rows = gather(comm, rows);
  std::vector<std::vector<std::int64_t>> all_persons;
  for (const auto& persons : result.persons) {
    std::vector<std::int64_t> flat;
    for (std::size_t i = 0; i < persons.size(); ++i)
      flat.insert(flat.end(), {part.slice.customers[i], persons[i]});
    all_persons.push_back(gather(comm, flat));
  }
  if (comm.is_root()) {
    const Reference ref = link_sequentially(w, settings);
    expect_counts_equal(result.report.blocking, ref.counts);
    std::vector<ReferencePair> got;
    for (std::size_t k = 0; k < all_rows.size(); k += 3) {
      got.push_back({all_rows[k], all_rows[k + 1], static_cast<std::uint32_t>(all_rows[k + 2])});
    }
    // Written in (bucket, customer, other) order: rank blocks follow the buckets.
    EXPECT_TRUE(std::is_sorted(got.begin(), got.end(), [](const ReferencePair& a, const ReferencePair& b) {
      return std::tuple(bucket_of(a.customer, kBuckets), a.customer, a.other) <
             std::tuple(bucket_of(b.customer, kBuckets), b.customer, b.other);
    }));
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got.size(), ref.pairs.size());
    EXPECT_TRUE(got == ref.pairs) << "the pairs or their patterns differ";
    EXPECT_EQ(result.report.model.match_share, ref.model.match_share);
    EXPECT_EQ(result.report.model.m, ref.model.m);
    EXPECT_EQ(result.report.model.u, ref.model.u);
    EXPECT_EQ(result.report.model.iterations, ref.model.iterations);
    for (std::size_t p = 0; p < settings.profiles.size(); ++p) {
      std::size_t wrong = 0;
      for (std::size_t k = 0; k < all_persons[p].size(); k += 2) {
        wrong += ref.persons[p].at(all_persons[p][k]) == all_persons[p][k + 1] ? 0 : 1;
      }
      EXPECT_EQ(all_persons[p].size(), 2 * w.ids.size());
      EXPECT_EQ(wrong, 0u) << "profile " << settings.profiles[p].name;
    }
  }
  return result.report;
}

TEST(Linking, SameAsOneProcessAtAnyRankCount) {
  const World w = make_world(3000, 300, 12, 12);
  const LinkingReport report = check_against_reference(w, settings_for_tests(60));
  // The planted followers are found: the strict profile links most of them.
  EXPECT_GT(report.blocking.pairs_compared, 3000);
  EXPECT_GT(report.profiles.at(1).links, 200);
  EXPECT_LT(report.profiles.at(1).links, 360);
  EXPECT_GE(report.profiles.at(0).links, report.profiles.at(1).links);
  EXPECT_GT(report.blocking.pairs_repeated, 0);
  EXPECT_GT(report.blocking.pairs_same_person, 0);
  EXPECT_TRUE(report.model.converged);
}

TEST(Linking, SmallBlocksCappedAndCounted) {
  // 3 x 3 places: (home, work) blocks of about 300, above a cap of 100.
  const World w = make_world(3000, 300, 3, 3);
  const LinkingReport report = check_against_reference(w, settings_for_tests(100));
  EXPECT_EQ(report.blocking.families[0].blocks_over_cap, 9);
  EXPECT_EQ(report.blocking.families[0].blocks, 0);
  EXPECT_EQ(report.blocking.families[0].customers_in_blocks_over_cap, 3000);
}

TEST(Linking, AHugeBlockMakesNoPairsAndIsCounted) {
  // 50,000 customers at one home and work: 1,249,975,000 pairs if not capped.
  const World w = make_world(50000, 2000, 1, 1, 8);
  LinkingSettings settings = settings_for_tests(1000);
  settings.blocks
      .pop_back();  // one cell and hour holds hundreds: its presence hashes make pairs by the million
  settings.write_pairs_above = 0.5;
  const parallel::Comm comm;
  const CustomerOwners owners = bucket_owners(comm);
  const RankPart part = rank_part(comm, w, owners);
  const LinkingResult result =
      link_probabilistically(comm, part.slice.inputs(), settings, owners, part.strong_links, 1000);
  const BlockCounts& cells = result.report.blocking.families[0];
  EXPECT_EQ(cells.blocks_over_cap, 1);
  EXPECT_EQ(cells.customers_in_blocks_over_cap, 50000);
  EXPECT_EQ(cells.largest_block_over_cap, 50000);
  EXPECT_EQ(cells.pairs_over_cap, std::int64_t{50000} * 49999 / 2);
  EXPECT_EQ(cells.pairs_compared, 0);
  // The top contacts still make their pairs (followers call their anchors' contacts).
  EXPECT_GT(result.report.blocking.families[1].pairs_compared, 300);
  EXPECT_LT(result.report.blocking.pairs_compared, 200000);
  EXPECT_EQ(result.report.blocking.pairs_over_cap, cells.pairs_over_cap);
}

}  // namespace
}  // namespace portrait::identity
