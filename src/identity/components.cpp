// src/identity/components.cpp: min-label hooking with pointer jumping (a
// Shiloach-Vishkin variant) over the customers of all ranks.
//
// A vertex's parent lives on the rank that lists the customer, at the
// customer's position, so every step is one exchange of messages placed by
// destination rank and answered by indexing. Each iteration: every tree root
// that has a link to a smaller root (in vertex order) hooks onto the
// smallest such root (parents only ever decrease, so no cycles), and a link
// whose high end took its low end as parent, now inside one tree, is
// dropped. While links remain, the hooked roots jump pointers until each
// points at a root, the links are relabelled to their roots, those inside
// one tree are dropped, and the next iteration hooks. Then one exchange
// names the persons: every non-root sends its customer id to its parent.
// When every parent is a root (as after a single iteration of a graph of
// small components), each root now knows its component's size and smallest
// id and answers its members with their person id; otherwise the exchange
// was a pointer-jumping round, and the naming follows once all point at
// roots.
#include "identity/components.hpp"

#include <algorithm>

#include "identity/owner_exchange.hpp"
#include "parallel/collectives.hpp"

namespace portrait::identity {
namespace {

int to_owner(const OwnerMessage& m) { return rank_of_vertex(m.target); }

class ComponentSearch {
 public:
  ComponentSearch(const parallel::Comm& comm, CustomerVertices& vertices)
      : comm_(comm),
        vertices_(vertices),
        exchange_(vertices.exchange()),
        exchanges_before_(exchange_.exchanges()),
        parent_(vertices.customers().size()),
        hooked_(parent_.size(), 0) {
    for (std::size_t i = 0; i < parent_.size(); ++i) parent_[i] = vertices.vertex(i);
    active_.reserve(parent_.size());  // never regrown (and copied) as vertices join
  }

  void run(std::vector<VertexLink>& links) {
    std::int64_t remaining = parallel::sum<std::int64_t>(comm_, static_cast<std::int64_t>(links.size()));
    while (remaining > 0) {
      ++rounds_.iterations;
      hook(links);
      remaining = parallel::sum<std::int64_t>(comm_, static_cast<std::int64_t>(links.size()));
      if (remaining == 0) break;  // the naming flattens the last hooks
      collect_hooked();
      jump();
      relabel(links);
      remaining = parallel::sum<std::int64_t>(comm_, static_cast<std::int64_t>(links.size()));
    }
  }

  // Fills the person of every customer (list order) and the components of
  // 2+ customers rooted here.
  void name_persons(std::int64_t max_component_size, std::vector<CustomerId>& persons,
                    std::vector<ComponentSize>& owned) {
    collect_non_roots();
    while (!name_or_jump(max_component_size, persons)) {
      jump();  // then every parent is a root
      collect_non_roots();
    }
    std::size_t components = 0;
    for (const Tally& t : tally_) components += t.members > 1 ? 1 : 0;
    owned.reserve(components);
    for (const Tally& t : tally_) {
      if (t.members > 1) owned.push_back({t.smallest, t.members});
    }
  }

  ComponentRounds rounds() const {
    ComponentRounds r = rounds_;
    r.exchanges = exchange_.exchanges() - exchanges_before_;
    return r;
  }

 private:
  // At a root: its component's size and smallest customer id, side by side
  // so that a member's message touches one cache line (0 members: not a
  // root).
  struct Tally {
    std::int64_t members;
    CustomerId smallest;
  };

  bool is_root(std::size_t i) const { return parent_[i] == vertices_.vertex(i); }

  void collect_non_roots() {
    active_.clear();
    for (std::size_t i = 0; i < parent_.size(); ++i) {
      if (!is_root(i)) active_.push_back(i);
    }
  }

  // Each root that is the high end of a link takes the smallest low end as
  // parent; links whose high end took their low end are dropped.
  void hook(std::vector<VertexLink>& links) {
    const auto message_of = [&](std::size_t k) { return OwnerMessage{links[k].high, links[k].low}; };
    const std::span<const OwnerMessage> received = exchange_.send(links.size(), message_of, to_owner);
    for (const OwnerMessage& m : received) {
      const std::size_t i = position_of_vertex(m.target);
      if (m.value < parent_[i]) {
        parent_[i] = m.value;
        hooked_[i] = 1;
      }
    }
    std::vector<std::uint64_t>& taken = exchange_.answers();
    for (std::size_t j = 0; j < received.size(); ++j) {
      taken[j] = parent_[position_of_vertex(received[j].target)] == received[j].value ? 1 : 0;
    }
    std::size_t kept = 0;
    exchange_.reply(links.size(), message_of, to_owner, [&](std::size_t k, std::uint64_t was_taken) {
      if (was_taken == 0) links[kept++] = links[k];
    });
    links.resize(kept);
  }

  // The roots hooked in this iteration become the active vertices, in
  // position order.
  void collect_hooked() {
    active_.clear();
    for (std::size_t i = 0; i < hooked_.size(); ++i) {
      if (hooked_[i] != 0) {
        active_.push_back(i);
        hooked_[i] = 0;
      }
    }
  }

  // Pointer jumping of the active vertices until each points at a root.
  void jump() {
    const auto message_of = [&](std::size_t k) { return OwnerMessage{parent_[active_[k]], 0}; };
    while (parallel::sum<std::int64_t>(comm_, static_cast<std::int64_t>(active_.size())) > 0) {
      const std::span<const OwnerMessage> received = exchange_.send(active_.size(), message_of, to_owner);
      std::vector<std::uint64_t>& answers = exchange_.answers();
      for (std::size_t j = 0; j < received.size(); ++j) {
        answers[j] = parent_[position_of_vertex(received[j].target)];
      }
      move_up(message_of);
    }
  }

  // Takes the grandparents answered to a jump round: the active vertices
  // whose parent was not a root move up and stay active.
  template <class MessageOf>
  void move_up(MessageOf message_of) {
    ++rounds_.jump_rounds;
    std::size_t kept = 0;
    exchange_.reply(active_.size(), message_of, to_owner, [&](std::size_t k, std::uint64_t grandparent) {
      const std::size_t v = active_[k];
      if (grandparent != parent_[v]) {
        parent_[v] = grandparent;
        active_[kept++] = v;
      }
    });
    active_.resize(kept);
  }

  // Replaces both ends of every link by their roots; drops the links inside
  // one tree.
  void relabel(std::vector<VertexLink>& links) {
    const auto message_of = [&](std::size_t k) {
      return OwnerMessage{k % 2 == 0 ? links[k / 2].low : links[k / 2].high, 0};
    };
    const std::span<const OwnerMessage> received = exchange_.send(2 * links.size(), message_of, to_owner);
    std::vector<std::uint64_t>& answers = exchange_.answers();
    for (std::size_t j = 0; j < received.size(); ++j) {
      answers[j] = parent_[position_of_vertex(received[j].target)];
    }
    std::size_t kept = 0;
    Vertex low_root = 0;
    exchange_.reply(2 * links.size(), message_of, to_owner, [&](std::size_t k, std::uint64_t root) {
      if (k % 2 == 0) {
        low_root = root;
      } else if (root != low_root) {
        links[kept++] = {std::min(low_root, root), std::max(low_root, root)};
      }
    });
    links.resize(kept);
  }

  // The non-roots (active) send their customer ids to their parents. If
  // every parent is a root, the roots tally their members and answer each
  // with its person id; returns true. Otherwise answers the grandparents as
  // a jump round (the tallies are incomplete) and returns false.
  bool name_or_jump(std::int64_t max_component_size, std::vector<CustomerId>& persons) {
    const std::span<const CustomerId> customers = vertices_.customers();
    const auto message_of = [&](std::size_t k) {
      return OwnerMessage{parent_[active_[k]], static_cast<std::uint64_t>(customers[active_[k]])};
    };
    const std::span<const OwnerMessage> received = exchange_.send(active_.size(), message_of, to_owner);
    // A non-root's tally has no members, so a message to it shows in the
    // same cache line that a root's message updates.
    tally_.clear();
    tally_.reserve(customers.size());
    for (std::size_t i = 0; i < customers.size(); ++i) tally_.push_back({is_root(i) ? 1 : 0, customers[i]});
    std::int64_t below_root = 0;
    for (const OwnerMessage& m : received) {
      Tally& t = tally_[position_of_vertex(m.target)];
      if (t.members == 0) {
        ++below_root;
        continue;
      }
      ++t.members;
      t.smallest = std::min(t.smallest, static_cast<CustomerId>(m.value));
    }
    std::vector<std::uint64_t>& answers = exchange_.answers();
    if (parallel::sum<std::int64_t>(comm_, below_root) > 0) {
      for (std::size_t j = 0; j < received.size(); ++j) {
        answers[j] = parent_[position_of_vertex(received[j].target)];
      }
      move_up(message_of);
      return false;
    }
    for (std::size_t j = 0; j < received.size(); ++j) {
      const Tally& t = tally_[position_of_vertex(received[j].target)];
      answers[j] =
          t.members <= max_component_size ? static_cast<std::uint64_t>(t.smallest) : received[j].value;
    }
    persons.resize(customers.size());
    exchange_.reply(active_.size(), message_of, to_owner, [&](std::size_t k, std::uint64_t person) {
      persons[active_[k]] = static_cast<CustomerId>(person);
    });
    for (std::size_t i = 0; i < persons.size(); ++i) {
      const Tally& t = tally_[i];
      if (t.members > 0) persons[i] = t.members <= max_component_size ? t.smallest : customers[i];
    }
    return true;
  }

  const parallel::Comm& comm_;
  const CustomerVertices& vertices_;
  OwnerExchange& exchange_;
  const int exchanges_before_;  // of the lookups, before the components
  ComponentRounds rounds_;
  std::vector<Vertex> parent_;
  std::vector<std::uint8_t> hooked_;  // hooked in the current iteration
  std::vector<std::size_t> active_;   // positions, ascending
  std::vector<Tally> tally_;
};

// Links with low < high and no self-links, as the hooking expects.
void orient(std::vector<VertexLink>& links) {
  std::size_t kept = 0;
  for (const VertexLink& l : links) {
    if (l.low != l.high) links[kept++] = {std::min(l.low, l.high), std::max(l.low, l.high)};
  }
  links.resize(kept);
}

}  // namespace

Components connected_components(const parallel::Comm& comm, std::vector<VertexLink> links,
                                CustomerVertices& vertices, std::int64_t max_component_size) {
  orient(links);
  ComponentSearch search(comm, vertices);
  search.run(links);
  Components result;
  search.name_persons(max_component_size, result.persons, result.owned);
  result.rounds = search.rounds();
  return result;
}

}  // namespace portrait::identity
