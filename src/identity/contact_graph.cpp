// src/identity/contact_graph.cpp: the phone directory, partitioned by number
// hash, and the calls resolved through it.
#include "identity/contact_graph.hpp"

#include <algorithm>

#include "core/hash.hpp"
#include "identity/owner_exchange.hpp"
#include "parallel/collectives.hpp"
#include "parallel/reduce.hpp"

namespace portrait::identity {
namespace {

// The directory's answer for a number several customers give.
constexpr std::uint64_t kShared = ~std::uint64_t{0};

int owner_of(std::uint64_t number, int ranks) {
  return static_cast<int>((static_cast<UInt128>(mix64(number)) * static_cast<unsigned>(ranks)) >> 64);
}

}  // namespace

ContactGraph resolve_contacts(const parallel::Comm& comm, const ContactCalls& calls,
                              const PhoneNumbers& phones) {
  const int ranks = comm.size();
  OwnerExchange exchange(comm);
  auto route = [ranks](const OwnerMessage& m) { return owner_of(m.target, ranks); };

  // The directory: (number, customer) pairs, sorted and made unique.
  const auto held = exchange.send(
      phones.number.size(),
      [&](std::size_t k) {
        return OwnerMessage{phones.number[k], static_cast<std::uint64_t>(phones.customer[k])};
      },
      route);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> directory;
  directory.reserve(held.size());
  for (const OwnerMessage& m : held) directory.emplace_back(m.target, m.value);
  std::sort(directory.begin(), directory.end());
  directory.erase(std::unique(directory.begin(), directory.end()), directory.end());
  std::int64_t shared_numbers = 0;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < directory.size();) {
    std::size_t j = i;
    while (j < directory.size() && directory[j].first == directory[i].first) ++j;
    directory[kept++] = {directory[i].first, j - i == 1 ? directory[i].second : kShared};
    shared_numbers += j - i > 1 ? 1 : 0;
    i = j;
  }
  directory.resize(kept);

  // Every call asks the owner of its peer's number.
  const auto asked = exchange.send(
      calls.peer.size(),
      [&](std::size_t k) {
        return OwnerMessage{calls.peer[k], k};
      },
      route);
  std::vector<std::uint64_t>& answers = exchange.answers();
  for (std::size_t q = 0; q < asked.size(); ++q) {
    const auto at =
        std::lower_bound(directory.begin(), directory.end(), std::pair{asked[q].target, std::uint64_t{0}});
    answers[q] = at != directory.end() && at->first == asked[q].target ? at->second : 0;
  }
  ContactGraph graph;
  std::int64_t records[3] = {0, 0, 0};  // resolved, outside, shared
  exchange.reply(
      calls.peer.size(),
      [&](std::size_t k) {
        return OwnerMessage{calls.peer[k], k};
      },
      route,
      [&](std::size_t k, std::uint64_t answer) {
        if (answer == 0) {
          records[1] += calls.records[k];
        } else if (answer == kShared) {
          records[2] += calls.records[k];
        } else {
          records[0] += calls.records[k];
          graph.source.push_back(calls.caller[k]);
          graph.target.push_back(static_cast<CustomerId>(answer));
          graph.records.push_back(calls.records[k]);
        }
      });
  const std::int64_t local[4] = {records[0], records[1], records[2], shared_numbers};
  const std::vector<std::int64_t> total = parallel::sum(comm, std::span<const std::int64_t>(local));
  graph.resolved_records = total[0];
  graph.outside_records = total[1];
  graph.shared_records = total[2];
  graph.shared_numbers = total[3];
  return graph;
}

}  // namespace portrait::identity
