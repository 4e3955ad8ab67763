// src/identity/identity_graph.cpp: shuffle of identifier observations to
// their owners, guards, and star links per identifier.
#include "identity/identity_graph.hpp"

#include <mpi.h>

#include <algorithm>
#include <array>

#include "core/hash.hpp"
#include "dist/alltoallv.hpp"
#include "identity/radix_sort.hpp"

namespace portrait::identity {
namespace {

// One (identifier, customer) observation as it travels to the identifier's owner.
struct Observation {
  std::uint64_t key;
  CustomerId customer;
  std::int32_t id_type;
  std::uint32_t unused;
};

int owner_of(std::uint64_t key, int ranks) {
  return static_cast<int>(key % static_cast<std::uint64_t>(ranks));
}

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

// Packs the linkable observations by owner rank and counts the rest.
void pack_observations(const Table& records, const IdentityGuards& guards, int ranks,
                       std::vector<Observation>& send, std::vector<std::int64_t>& send_counts,
                       IdentifierDrops& drops) {
  const auto& customers = records.values<std::int64_t>("customer_id");
  const auto& types = records.values<std::int8_t>("id_type");
  const auto& hashes = records.values<std::uint64_t>("id_hash");
  const std::size_t n = customers.size();
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(ranks) + 1, 0);
  send_counts.assign(static_cast<std::size_t>(ranks), 0);
  auto linkable = [&](std::size_t i) {
    return !is_missing(hashes[i]) && IdentityGuards::known_type(types[i]) && guards.of(types[i]).links;
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (is_missing(hashes[i])) {
      ++drops.records_missing_hash;
    } else if (!IdentityGuards::known_type(types[i])) {
      ++drops.records_unknown_type;
    } else if (!guards.of(types[i]).links) {
      ++drops.records_type_not_linking;
    } else {
      ++send_counts[static_cast<std::size_t>(owner_of(identifier_key(types[i], hashes[i]), ranks))];
    }
  }
  for (int r = 0; r < ranks; ++r) offsets[static_cast<std::size_t>(r) + 1] = offsets[r] + send_counts[r];
  send.resize(static_cast<std::size_t>(offsets.back()));
  for (std::size_t i = 0; i < n; ++i) {
    if (!linkable(i)) continue;
    const std::uint64_t key = identifier_key(types[i], hashes[i]);
    send[static_cast<std::size_t>(offsets[static_cast<std::size_t>(owner_of(key, ranks))]++)] = {
        key, customers[i], types[i], 0};
  }
}

// Sorts observations by (key, id_type, customer). One or two radix passes
// on the top bits of the (uniform) key leave short runs of equal prefix,
// about two identifiers each, which a comparison sort finishes in cache.
void group_observations(std::vector<Observation>& obs, std::vector<Observation>& scratch) {
  const int prefix_bits = obs.size() < (std::size_t{1} << 16) ? 11 : 22;
  const int shift = 64 - prefix_bits;
  radix_sort(
      obs, scratch, [shift](const Observation& o) { return o.key >> shift; }, prefix_bits);
  const auto order = [](const Observation& a, const Observation& b) {
    if (a.key != b.key) return a.key < b.key;
    return a.id_type != b.id_type ? a.id_type < b.id_type : a.customer < b.customer;
  };
  for (std::size_t begin = 0; begin < obs.size();) {
    std::size_t end = begin + 1;
    while (end < obs.size() && (obs[end].key >> shift) == (obs[begin].key >> shift)) ++end;
    if (end - begin > 1)
      std::sort(obs.begin() + static_cast<long>(begin), obs.begin() + static_cast<long>(end), order);
    begin = end;
  }
}

}  // namespace

std::uint64_t identifier_key(std::int8_t id_type, std::uint64_t id_hash) {
  return mix64(id_hash ^ mix64(0x6964656e74697479ULL + static_cast<std::uint64_t>(id_type)));
}

IdentityGraph build_identity_graph(const dist::Comm& comm, const Table& records,
                                   const IdentityGuards& guards) {
  guards.validate();
  IdentityGraph graph;
  std::vector<Observation> send, obs;
  std::vector<std::int64_t> send_counts, recv_counts;
  pack_observations(records, guards, comm.size(), send, send_counts, graph.drops);
  dist::alltoallv<Observation>(comm, send, send_counts, obs, recv_counts);
  group_observations(obs, send);
  std::vector<Observation>().swap(send);

  const BlockedKeys blocked = blocked_keys(guards);
  std::vector<CustomerId> members;
  for (std::size_t begin = 0; begin < obs.size();) {
    const Observation& first = obs[begin];
    members.clear();
    std::size_t end = begin;
    for (; end < obs.size() && obs[end].key == first.key && obs[end].id_type == first.id_type; ++end) {
      if (members.empty() || members.back() != obs[end].customer) members.push_back(obs[end].customer);
    }
    begin = end;
    const auto type = static_cast<std::int8_t>(first.id_type);
    const auto& blocked_here = blocked[static_cast<std::size_t>(type)];
    if (std::binary_search(blocked_here.begin(), blocked_here.end(), first.key)) {
      ++graph.drops.identifiers_blocked;
    } else if (static_cast<std::int64_t>(members.size()) > guards.of(type).max_customers) {
      ++graph.drops.identifiers_over_customer_cap;
    } else {
      ++graph.identifiers;
      if (members.size() > 1) ++graph.shared_identifiers;
      for (std::size_t m = 1; m < members.size(); ++m) graph.links.push_back({members.front(), members[m]});
    }
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
  MPI_Allreduce(MPI_IN_PLACE, totals.data(), static_cast<int>(totals.size()), MPI_INT64_T, MPI_SUM,
                comm.raw());
  graph.records = totals[0];
  graph.identifiers = totals[1];
  graph.shared_identifiers = totals[2];
  graph.links_total = totals[3];
  graph.drops = {totals[4], totals[5], totals[6], totals[7], totals[8]};
  return graph;
}

}  // namespace portrait::identity
