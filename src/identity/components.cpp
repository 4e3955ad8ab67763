// src/identity/components.cpp: min-label hooking with pointer jumping (a
// Shiloach-Vishkin variant) over the customers of all ranks.
//
// Vertices are the customers, each kept on the rank that owns its bucket.
// Each iteration: every tree root that has a link to a smaller root hooks
// onto the smallest such root (parents only ever decrease, so no cycles);
// the hooked roots jump pointers until each points at a root; the links are
// relabelled to their roots, and links inside one tree are dropped. When no
// link is left, one more pointer jumping pass flattens every vertex onto its
// root, which is the smallest id of its component: the smallest vertex can
// never hook, and at the end each component has a single root.
#include "identity/components.hpp"

#include <mpi.h>

#include <algorithm>
#include <string>

#include "core/error.hpp"

#include "identity/radix_sort.hpp"
#include "identity/vertex_table.hpp"

namespace portrait::identity {
namespace {

std::int64_t global_sum(const dist::Comm& comm, std::int64_t value) {
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT64_T, MPI_SUM, comm.raw());
  return value;
}

// Links sorted by (high, low), distinct, no self-links.
void normalise_links(std::vector<CustomerLink>& links, std::vector<CustomerLink>& scratch) {
  for (CustomerLink& l : links) {
    if (l.low > l.high) std::swap(l.low, l.high);
  }
  std::erase_if(links, [](const CustomerLink& l) { return l.low == l.high; });
  radix_sort(links, scratch, [](const CustomerLink& l) { return radix_key(l.low); });
  radix_sort(links, scratch, [](const CustomerLink& l) { return radix_key(l.high); });
  links.erase(std::unique(links.begin(), links.end(),
                          [](const CustomerLink& a, const CustomerLink& b) {
                            return a.low == b.low && a.high == b.high;
                          }),
              links.end());
}

class ComponentSearch {
 public:
  ComponentSearch(const dist::Comm& comm, const CustomerOwners& owners) : comm_(comm), table_(comm, owners) {}

  // Each root that is the high end of a link hooks onto its smallest low end.
  void hook(const std::vector<CustomerLink>& links) {
    updates_.clear();
    for (std::size_t i = 0; i < links.size(); ++i) {
      if (i == 0 || links[i].high != links[i - 1].high) updates_.push_back({links[i].high, links[i].low});
    }
    table_.hook(updates_, active_);
  }

  // Pointer jumping of the active vertices until each points at a root.
  void jump() {
    std::vector<CustomerId>& parent = table_.parent();
    while (global_sum(comm_, static_cast<std::int64_t>(active_.size())) > 0) {
      ++rounds_.jump_rounds;
      queries_.resize(active_.size());
      for (std::size_t k = 0; k < active_.size(); ++k) queries_[k] = {parent[active_[k]], k};
      radix_sort(queries_, query_scratch_, [](const VertexQuery& q) { return radix_key(q.id); });
      answers_.resize(active_.size());
      table_.lookup(queries_, VertexTable::Field::Parent, answers_);
      std::size_t kept = 0;
      for (std::size_t k = 0; k < active_.size(); ++k) {
        const std::uint32_t v = active_[k];
        if (answers_[k] != parent[v]) {
          parent[v] = answers_[k];
          active_[kept++] = v;
        }
      }
      active_.resize(kept);
    }
  }

  // Replaces both ends of every link by their roots.
  void relabel(std::vector<CustomerLink>& links) {
    queries_.resize(links.size() * 2);
    for (std::size_t i = 0; i < links.size(); ++i) {
      queries_[2 * i] = {links[i].low, 2 * i};
      queries_[2 * i + 1] = {links[i].high, 2 * i + 1};
    }
    radix_sort(queries_, query_scratch_, [](const VertexQuery& q) { return radix_key(q.id); });
    answers_.resize(queries_.size());
    table_.lookup(queries_, VertexTable::Field::Parent, answers_);
    for (std::size_t i = 0; i < links.size(); ++i) links[i] = {answers_[2 * i], answers_[2 * i + 1]};
    normalise_links(links, link_scratch_);
  }

  void run(std::vector<CustomerLink>& links, std::span<const CustomerId> customers) {
    normalise_links(links, link_scratch_);
    table_.assign(customers);
    while (global_sum(comm_, static_cast<std::int64_t>(links.size())) > 0) {
      ++rounds_.iterations;
      hook(links);
      jump();
      relabel(links);
      // A link to a customer nobody owns could never close; the first
      // relabel has looked up every end, so stop here with an error.
      check_customers();
    }
    // Vertices hooked in earlier iterations may point at roots hooked later.
    const auto ids = table_.ids();
    active_.clear();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (table_.parent()[i] != ids[i]) active_.push_back(static_cast<std::uint32_t>(i));
    }
    jump();
  }

  // Counts members per root at the roots' owners; returns this rank's
  // components of 2+ members.
  std::vector<ComponentSize> count_members() {
    const auto ids = table_.ids();
    const std::vector<CustomerId>& parent = table_.parent();
    std::vector<CustomerId> roots, scratch;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (parent[i] != ids[i]) roots.push_back(parent[i]);
    }
    radix_sort(roots, scratch, [](CustomerId id) { return radix_key(id); });
    updates_.clear();
    for (const CustomerId root : roots) {
      if (updates_.empty() || updates_.back().id != root) updates_.push_back({root, 0});
      ++updates_.back().value;
    }
    table_.add_members(updates_);
    std::vector<ComponentSize> owned;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (table_.members()[i] > 1) owned.push_back({ids[i], table_.members()[i]});
    }
    return owned;
  }

  // Members of components above the cap become their own person again.
  void split_over_cap(std::int64_t max_component_size, const std::vector<ComponentSize>& owned) {
    const auto over = std::count_if(owned.begin(), owned.end(),
                                    [&](const ComponentSize& c) { return c.size > max_component_size; });
    if (global_sum(comm_, over) == 0) return;  // the usual case: no exchange
    const auto ids = table_.ids();
    std::vector<CustomerId>& parent = table_.parent();
    active_.clear();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (parent[i] != ids[i]) active_.push_back(static_cast<std::uint32_t>(i));
    }
    queries_.resize(active_.size());
    for (std::size_t k = 0; k < active_.size(); ++k) queries_[k] = {parent[active_[k]], k};
    radix_sort(queries_, query_scratch_, [](const VertexQuery& q) { return radix_key(q.id); });
    answers_.resize(queries_.size());
    table_.lookup(queries_, VertexTable::Field::Members, answers_);
    for (std::size_t k = 0; k < active_.size(); ++k) {
      if (answers_[k] > max_component_size) parent[active_[k]] = ids[active_[k]];
    }
  }

  std::vector<CustomerId> persons_of(std::span<const CustomerId> customers) const {
    std::vector<CustomerId> persons(customers.size());
    table_.write_parents(persons);
    return persons;
  }

  // Throws on every rank when some rank saw a customer it does not own.
  void check_customers() const {
    const std::int64_t unknown = global_sum(comm_, table_.unknown_ids());
    if (unknown > 0) {
      throw Error(std::to_string(unknown) +
                      " customer ids of identity links or customer lists are not customers " +
                      "of the rank that owns their bucket (or are listed twice)",
                  "identity components", "pass each rank its own customers, once, and only their records");
    }
  }

  ComponentRounds rounds() const {
    ComponentRounds r = rounds_;
    r.exchanges = table_.exchanges();
    return r;
  }

 private:
  const dist::Comm& comm_;
  VertexTable table_;
  ComponentRounds rounds_;
  std::vector<std::uint32_t> active_;
  std::vector<VertexUpdate> updates_;
  std::vector<VertexQuery> queries_, query_scratch_;
  std::vector<CustomerId> answers_;
  std::vector<CustomerLink> link_scratch_;
};

}  // namespace

Components connected_components(const dist::Comm& comm, std::span<const CustomerLink> links,
                                std::span<const CustomerId> customers, const CustomerOwners& owners,
                                std::int64_t max_component_size) {
  std::vector<CustomerLink> work(links.begin(), links.end());
  ComponentSearch search(comm, owners);
  search.run(work, customers);
  search.check_customers();
  Components result;
  result.owned = search.count_members();
  search.split_over_cap(max_component_size, result.owned);
  result.persons = search.persons_of(customers);
  result.rounds = search.rounds();
  return result;
}

}  // namespace portrait::identity
