// tests/unit/test_contact_graph.cpp: calls resolved through the phone
// directory at 1-4 in-process ranks: a number one customer holds becomes an
// edge to that customer, a number several customers hold and a number no
// customer holds become none, and the counts are those of the whole graph.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <tuple>

#include "identity/contact_graph.hpp"
#include "parallel/collectives.hpp"
#include "parallel/local_group.hpp"

namespace portrait::identity {
namespace {

constexpr CustomerId kCustomers = 30;
constexpr std::uint64_t kShared = 999;    // customers 5 and 6 both give it
constexpr std::uint64_t kOutside = 5555;  // another operator's subscriber

std::uint64_t number_of(CustomerId c) { return 1000 + static_cast<std::uint64_t>(c); }
CustomerId callee_of(CustomerId c) { return c * 7 % kCustomers + 1; }

using Edge = std::tuple<CustomerId, CustomerId, std::int64_t>;

TEST(ContactGraph, NumbersOfOneCustomerBecomeEdgesAtAnyRankCount) {
  std::vector<Edge> expected;
  for (CustomerId c = 1; c <= kCustomers; ++c) expected.emplace_back(c, callee_of(c), c % 3 + 1);
  std::sort(expected.begin(), expected.end());
  for (int ranks = 1; ranks <= 4; ++ranks) {
    std::mutex mutex;
    std::vector<Edge> edges;
    std::vector<std::int64_t> counts;
    parallel::run_local_group(ranks, [&](const parallel::Comm& comm) {
      ContactCalls calls;
      PhoneNumbers phones;
      for (CustomerId c = 1; c <= kCustomers; ++c) {
        if (c % ranks != comm.rank()) continue;
        phones.customer.push_back(c);
        phones.number.push_back(number_of(c));
        if (c == 5 || c == 6) {
          phones.customer.push_back(c);
          phones.number.push_back(kShared);
          phones.customer.push_back(c);  // the same record twice counts once
          phones.number.push_back(kShared);
        }
        for (const auto& [peer, records] : {std::pair{number_of(callee_of(c)), c % 3 + 1},
                                            std::pair{kShared, std::int64_t{2}}, std::pair{kOutside, c}}) {
          calls.caller.push_back(c);
          calls.peer.push_back(peer);
          calls.records.push_back(records);
        }
      }
      const ContactGraph graph = resolve_contacts(comm, calls, phones);
      std::lock_guard lock(mutex);
      for (std::size_t k = 0; k < graph.source.size(); ++k) {
        EXPECT_EQ(graph.source[k] % ranks, comm.rank()) << "an edge stays with its caller's rank";
        edges.emplace_back(graph.source[k], graph.target[k], graph.records[k]);
      }
      if (comm.is_root()) {
        counts = {graph.resolved_records, graph.outside_records, graph.shared_records, graph.shared_numbers};
      }
    });
    std::sort(edges.begin(), edges.end());
    EXPECT_EQ(edges, expected) << ranks << " ranks";
    std::int64_t resolved = 0;
    for (const auto& e : expected) resolved += std::get<2>(e);
    EXPECT_EQ(counts,
              (std::vector<std::int64_t>{resolved, kCustomers * (kCustomers + 1) / 2, 2 * kCustomers, 1}))
        << ranks << " ranks";
  }
}

}  // namespace
}  // namespace portrait::identity
