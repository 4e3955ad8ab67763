// src/identity/identity_graph.cpp: shuffle of identifier observations to
// their owners, guards, and star links per identifier.
//
// The sender places each observation by (owner rank, top bits of its key)
// in one counting pass, so the owner receives them already split into digit
// groups of some ten thousand and sorts one group at a time in cache (a
// radix pass on the next bits, then sorts of short runs) instead of sorting
// all it received in passes over memory. The observations a rank owns
// itself never travel: it reads them where it placed them.
#include "identity/identity_graph.hpp"

#include <algorithm>
#include <array>

#include "parallel/alltoallv.hpp"
#include "parallel/collectives.hpp"

namespace portrait::identity {
namespace {

// One (identifier, customer) observation is a message to the identifier's
// owner: the target is the identifier's key, the value id_type <<
// kTypeShift | the customer's vertex. Ordered by both words, an
// identifier's observations are adjacent and its customers in vertex order.
using Observation = OwnerMessage;
constexpr int kTypeShift = kVertexPositionBits + kVertexRankBits;
static_assert(kTypeShift + 8 <= 64, "the id_type must fit above the vertex");
constexpr std::uint64_t kVertexMask = (std::uint64_t{1} << kTypeShift) - 1;

bool by_identifier(const Observation& a, const Observation& b) {
  return a.target != b.target ? a.target < b.target : a.value < b.value;
}

// The owner of an identifier, from the low half of its key (the digit
// groups use the top bits): a multiply-shift instead of a division.
int owner_of(std::uint64_t key, int ranks) {
  return static_cast<int>(((key & 0xffffffffULL) * static_cast<std::uint64_t>(ranks)) >> 32);
}

// The top bits of a key name its digit group. Their number follows from the
// global record count, the same on every rank, so that an owner's group
// holds at most about kGroupSize observations (256 KiB): small enough to
// sort in a core's cache, and few enough groups for the placement to write
// to.
class DigitGroups {
 public:
  static constexpr int kSubBits = 11;  // the radix digit that sorts inside a group

  DigitGroups(const parallel::Comm& comm, std::int64_t records) {
    constexpr std::int64_t kGroupSize = 16384;
    constexpr int kMaxBits = 16;
    const std::int64_t per_owner = parallel::sum<std::int64_t>(comm, records) / comm.size();
    while (bits_ < kMaxBits && (per_owner >> bits_) > kGroupSize) ++bits_;
  }
  std::size_t count() const { return std::size_t{1} << bits_; }
  std::size_t of(std::uint64_t key) const {
    return bits_ == 0 ? 0 : static_cast<std::size_t>(key >> (64 - bits_));
  }
  std::size_t sub_digit(std::uint64_t key) const {
    return static_cast<std::size_t>(key >> (64 - bits_ - kSubBits)) & ((std::size_t{1} << kSubBits) - 1);
  }

 private:
  int bits_ = 0;
};

// The records' columns, with the guards' verdict and the key of each record.
class RecordScan {
 public:
  RecordScan(const Table& records, const IdentityGuards& guards)
      : customers_(records.values<std::int64_t>("customer_id")),
        types_(records.values<std::int8_t>("id_type")),
        hashes_(records.values<std::uint64_t>("id_hash")),
        guards_(guards) {
    for (int t = 0; t < kIdTypeCount; ++t) {
      salts_[static_cast<std::size_t>(t)] = identifier_salt(static_cast<std::int8_t>(t));
    }
  }

  std::size_t size() const { return customers_.size(); }
  CustomerId customer(std::size_t i) const { return customers_[i]; }
  std::int8_t type(std::size_t i) const { return types_[i]; }
  bool linkable(std::size_t i) const {
    return !is_missing(hashes_[i]) && IdentityGuards::known_type(types_[i]) && guards_.of(types_[i]).links;
  }
  // identifier_key of a linkable record, with the salt of its type looked up.
  std::uint64_t key(std::size_t i) const {
    return mix64(hashes_[i] ^ salts_[static_cast<std::size_t>(types_[i])]);
  }
  void count_drop(std::size_t i, IdentifierDrops& drops) const {
    if (is_missing(hashes_[i])) {
      ++drops.records_missing_hash;
    } else if (!IdentityGuards::known_type(types_[i])) {
      ++drops.records_unknown_type;
    } else {
      ++drops.records_type_not_linking;
    }
  }

 private:
  const std::vector<std::int64_t>& customers_;
  const std::vector<std::int8_t>& types_;
  const std::vector<std::uint64_t>& hashes_;
  const IdentityGuards& guards_;
  std::array<std::uint64_t, kIdTypeCount> salts_{};
};

// Positions of the customers of records that follow the customer list (a
// customer's records together, customers in list order): one forward pass.
class ListWalk {
 public:
  explicit ListWalk(std::span<const CustomerId> customers) : customers_(customers) {}
  // Position of `id` at or after the previous answer; the list size if none.
  std::size_t next(CustomerId id) {
    while (at_ < customers_.size() && customers_[at_] != id) ++at_;
    return at_;
  }

 private:
  std::span<const CustomerId> customers_;
  std::size_t at_ = 0;
};

using BlockedKeys = std::array<std::vector<std::uint64_t>, kIdTypeCount>;

BlockedKeys blocked_keys(const IdentityGuards& guards) {
  BlockedKeys keys;
  for (int t = 0; t < kIdTypeCount; ++t) {
    for (const std::uint64_t hash : guards.by_type[static_cast<std::size_t>(t)].blocked_hashes) {
      keys[static_cast<std::size_t>(t)].push_back(identifier_key(static_cast<std::int8_t>(t), hash));
    }
    std::sort(keys[static_cast<std::size_t>(t)].begin(), keys[static_cast<std::size_t>(t)].end());
  }
  return keys;
}

// Counts the drops and the linkable observations per (owner, digit group);
// returns whether the records follow the customer list.
bool count_observations(const RecordScan& scan, const DigitGroups& digits, int ranks,
                        std::span<const CustomerId> customers, std::vector<std::int64_t>& slot_counts,
                        IdentifierDrops& drops) {
  slot_counts.assign(static_cast<std::size_t>(ranks) * digits.count(), 0);
  ListWalk walk(customers);
  bool in_list_order = true;
  for (std::size_t i = 0; i < scan.size(); ++i) {
    if (!scan.linkable(i)) {
      scan.count_drop(i, drops);
      continue;
    }
    const std::uint64_t key = scan.key(i);
    ++slot_counts[static_cast<std::size_t>(owner_of(key, ranks)) * digits.count() + digits.of(key)];
    in_list_order = in_list_order && walk.next(scan.customer(i)) < customers.size();
  }
  return in_list_order;
}

// Places the linkable observations by (owner, digit group), the blocks of
// the other ranks in rank order and this rank's own block last. The
// customers' vertices come from walking the list, or from `looked_up` (one
// per linkable record) when the records do not follow it.
void place_observations(const RecordScan& scan, const DigitGroups& digits, const parallel::Comm& comm,
                        const CustomerVertices& vertices, bool in_list_order,
                        std::span<const Vertex> looked_up, std::span<const std::int64_t> slot_counts,
                        std::vector<Observation>& send) {
  const int ranks = comm.size();
  std::vector<std::int64_t> next(slot_counts.size());
  std::int64_t at = 0;
  for (int r = 0; r <= ranks; ++r) {
    if (r == comm.rank()) continue;
    const auto owner = static_cast<std::size_t>(r == ranks ? comm.rank() : r);
    for (std::size_t d = 0; d < digits.count(); ++d) {
      next[owner * digits.count() + d] = at;
      at += slot_counts[owner * digits.count() + d];
    }
  }
  send.resize(static_cast<std::size_t>(at));
  ListWalk walk(vertices.customers());
  std::size_t linkable = 0;
  for (std::size_t i = 0; i < scan.size(); ++i) {
    if (!scan.linkable(i)) continue;
    const std::uint64_t key = scan.key(i);
    const Vertex vertex = in_list_order ? vertices.vertex(walk.next(scan.customer(i))) : looked_up[linkable];
    ++linkable;
    const std::size_t slot = static_cast<std::size_t>(owner_of(key, ranks)) * digits.count() + digits.of(key);
    send[static_cast<std::size_t>(next[slot]++)] = {
        key, static_cast<std::uint64_t>(scan.type(i)) << kTypeShift | vertex};
  }
}

// Sorts one digit group, gathered from each source's block, into `group`.
void sort_group(std::span<const std::span<const Observation>> sources, const DigitGroups& digits,
                std::vector<Observation>& group) {
  std::array<std::size_t, std::size_t{1} << DigitGroups::kSubBits> next{};
  std::size_t size = 0;
  for (const auto& source : sources) {
    for (const Observation& o : source) ++next[digits.sub_digit(o.target)];
    size += source.size();
  }
  std::size_t at = 0;
  for (std::size_t& n : next) {
    const std::size_t here = n;
    n = at;
    at += here;
  }
  group.resize(size);
  for (const auto& source : sources) {
    for (const Observation& o : source) group[next[digits.sub_digit(o.target)]++] = o;
  }
  // Each sub-digit holds a few observations: insertion sort unless many
  // share it (one identifier seen with many customers).
  std::size_t begin = 0;
  for (const std::size_t end : next) {
    if (end - begin > 16) {
      std::sort(group.begin() + static_cast<long>(begin), group.begin() + static_cast<long>(end),
                by_identifier);
    } else {
      for (std::size_t i = begin + 1; i < end; ++i) {
        const Observation o = group[i];
        std::size_t j = i;
        for (; j > begin && by_identifier(o, group[j - 1]); --j) group[j] = group[j - 1];
        group[j] = o;
      }
    }
    begin = end;
  }
}

// Applies the guards to the identifiers of a sorted group and adds a star
// of links for each identifier that passes.
void link_identifiers(std::span<const Observation> group, const BlockedKeys& blocked,
                      const IdentityGuards& guards, std::vector<Vertex>& members, IdentityGraph& graph) {
  for (std::size_t begin = 0; begin < group.size();) {
    const Observation& first = group[begin];
    const auto type = static_cast<std::int8_t>(first.value >> kTypeShift);
    members.clear();
    std::size_t end = begin;
    for (; end < group.size() && group[end].target == first.target &&
           (group[end].value >> kTypeShift) == (first.value >> kTypeShift);
         ++end) {
      const Vertex vertex = group[end].value & kVertexMask;
      if (members.empty() || members.back() != vertex) members.push_back(vertex);
    }
    begin = end;
    const auto& blocked_here = blocked[static_cast<std::size_t>(type)];
    if (std::binary_search(blocked_here.begin(), blocked_here.end(), first.target)) {
      ++graph.drops.identifiers_blocked;
    } else if (static_cast<std::int64_t>(members.size()) > guards.of(type).max_customers) {
      ++graph.drops.identifiers_over_customer_cap;
    } else {
      ++graph.identifiers;
      if (members.size() > 1) ++graph.shared_identifiers;
      for (std::size_t m = 1; m < members.size(); ++m) graph.links.push_back({members.front(), members[m]});
    }
  }
}

}  // namespace

IdentityGraph build_identity_graph(const parallel::Comm& comm, const Table& records,
                                   CustomerVertices& vertices, const IdentityGuards& guards) {
  guards.validate();
  const int ranks = comm.size();
  IdentityGraph graph;
  const RecordScan scan(records, guards);
  const DigitGroups digits(comm, static_cast<std::int64_t>(scan.size()));

  std::vector<std::int64_t> slot_counts;
  const bool in_list_order =
      count_observations(scan, digits, ranks, vertices.customers(), slot_counts, graph.drops);
  std::vector<Vertex> looked_up;
  if (parallel::sum<std::int64_t>(comm, in_list_order ? 0 : 1) >
      0) {  // collective: a rank that walks asks nothing
    std::vector<CustomerId> ids;
    if (!in_list_order) {
      for (std::size_t i = 0; i < scan.size(); ++i) {
        if (scan.linkable(i)) ids.push_back(scan.customer(i));
      }
    }
    vertices.lookup(ids, looked_up);
  }
  vertices.check();

  OwnerExchange& exchange = vertices.exchange();
  std::vector<Observation>& outbox = exchange.outbox();
  std::vector<Observation>& inbox = exchange.inbox();
  place_observations(scan, digits, comm, vertices, in_list_order, looked_up, slot_counts, outbox);
  std::vector<Vertex>().swap(looked_up);
  // Every owner learns the sizes of its digit groups from each source.
  std::vector<std::int64_t> group_counts(slot_counts.size());
  comm.transport().alltoall(slot_counts.data(), digits.count() * sizeof(std::int64_t), group_counts.data());
  const auto block_size = [&](const std::vector<std::int64_t>& counts, std::size_t r) {
    std::int64_t size = 0;
    for (std::size_t d = 0; d < digits.count(); ++d) size += counts[r * digits.count() + d];
    return r == static_cast<std::size_t>(comm.rank()) ? 0 : size;
  };
  std::vector<std::int64_t> send_counts(static_cast<std::size_t>(ranks)), recv_counts(send_counts.size());
  std::int64_t received = 0, sent = 0;
  for (std::size_t r = 0; r < send_counts.size(); ++r) {
    send_counts[r] = block_size(slot_counts, r);
    recv_counts[r] = block_size(group_counts, r);
    sent += send_counts[r];
    received += recv_counts[r];
  }
  inbox.resize(static_cast<std::size_t>(received));
  parallel::alltoallv_raw(comm, outbox.data(), sizeof(Observation), send_counts, inbox.data(), recv_counts);

  const BlockedKeys blocked = blocked_keys(guards);
  graph.links.reserve(inbox.size() + outbox.size() - static_cast<std::size_t>(sent));  // no regrowth
  // Where each source's next digit group starts: this rank's own block is
  // the tail of the outbox, the others' blocks are in the inbox.
  std::vector<const Observation*> source_next(static_cast<std::size_t>(ranks));
  const Observation* in = inbox.data();
  for (std::size_t r = 0; r < source_next.size(); ++r) {
    source_next[r] = in;
    in += recv_counts[r];
  }
  source_next[static_cast<std::size_t>(comm.rank())] = outbox.data() + sent;
  std::vector<std::span<const Observation>> sources(static_cast<std::size_t>(ranks));
  std::vector<Observation> group;
  std::vector<Vertex> members;
  for (std::size_t d = 0; d < digits.count(); ++d) {
    for (std::size_t r = 0; r < sources.size(); ++r) {
      const auto size = static_cast<std::size_t>(group_counts[r * digits.count() + d]);
      sources[r] = std::span<const Observation>(source_next[r], size);
      source_next[r] += size;
    }
    sort_group(sources, digits, group);
    link_identifiers(group, blocked, guards, members, graph);
  }

  std::array<std::int64_t, 9> totals{static_cast<std::int64_t>(records.rows()),
                                     graph.identifiers,
                                     graph.shared_identifiers,
                                     static_cast<std::int64_t>(graph.links.size()),
                                     graph.drops.records_missing_hash,
                                     graph.drops.records_unknown_type,
                                     graph.drops.records_type_not_linking,
                                     graph.drops.identifiers_blocked,
                                     graph.drops.identifiers_over_customer_cap};
  const std::vector<std::int64_t> summed = parallel::sum(comm, std::span<const std::int64_t>(totals));
  std::copy(summed.begin(), summed.end(), totals.begin());
  graph.records = totals[0];
  graph.identifiers = totals[1];
  graph.shared_identifiers = totals[2];
  graph.links_total = totals[3];
  graph.drops = {totals[4], totals[5], totals[6], totals[7], totals[8]};
  return graph;
}

}  // namespace portrait::identity
