// scripts/bench/identity_bench.cpp: identity resolution at scale. Generates
// identity records in-process per rank (default 10M customers, ~15.6M
// identifiers, ~20M records), times the distributed graph + components at
// this rank count, and on rank 0 a single-thread union-find over the same
// records in the same run; checks both give the same persons. Then prints
// the round counts of the components on chains, a star and a random graph.
// Usage: mpirun -np N identity_bench [--customers N] [--shape-size N]
#include <mpi.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "core/hash.hpp"
#include "identity/components.hpp"
#include "identity/customer_vertices.hpp"
#include "identity/identity_graph.hpp"
#include "identity/identity_report.hpp"
#include "identity/union_find.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::identity {
namespace {

constexpr std::uint32_t kBuckets = 4096;
constexpr std::uint64_t kSeed = 0x1de5;

struct Options {
  std::int64_t customers = 10'000'000;
  std::int64_t shape_size = 1'000'000;
};

// The identity records of customer c (ids 1..n): an own phone; the id card
// of the person (customers 2k+1 and 2k+2 are one person) or, one time in
// ten, a device shared at random with other households; every 5000th
// customer also called a switchboard number.
template <class Emit>
void records_of(CustomerId c, std::int64_t n, Emit&& emit) {
  const auto u = static_cast<std::uint64_t>(c);
  emit(std::int8_t{0}, mix64(u ^ kSeed) | 1);
  KeyedRandom rng(kSeed, u);
  if (rng.uniform() < 0.9) {
    emit(std::int8_t{1}, mix64(((u - 1) / 2 + (1ULL << 40)) ^ kSeed) | 1);
  } else {
    emit(std::int8_t{2}, mix64((rng.below(static_cast<std::uint64_t>(n) / 10) + (2ULL << 40)) ^ kSeed) | 1);
  }
  if (c % 5000 == 0) emit(std::int8_t{0}, 42);
}

double max_over_ranks(const parallel::Comm& comm, double seconds) {
  MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, comm.raw());
  return seconds;
}

std::uint64_t person_checksum(CustomerId customer, CustomerId person) {
  return mix64(static_cast<std::uint64_t>(customer) * 0x9e3779b97f4a7c15ULL +
               static_cast<std::uint64_t>(person));
}

// --- single-thread baseline over all records (rank 0) ----------------------

struct IdentifierSlot {
  std::uint64_t key = 0;
  std::int32_t id_type = -1;  // -1: empty slot
  std::uint32_t first = 0;    // index of the first customer seen
  std::uint32_t count = 0;    // records seen
};

struct BaselineResult {
  double group_seconds = 0, union_seconds = 0, label_seconds = 0;
  std::uint64_t checksum = 0;
  std::int64_t persons = 0;
};

// Customers are 1..n, so index = id - 1 (no id map: an advantage the
// distributed code does not get). The per-identifier cap counts records:
// the generator never repeats a (customer, identifier) pair, so records
// equal distinct customers here.
BaselineResult single_thread_union_find(std::int64_t n, const IdentityGuards& guards) {
  std::vector<std::uint32_t> customer;
  std::vector<std::int8_t> type;
  std::vector<std::uint64_t> hash;
  for (CustomerId c = 1; c <= n; ++c) {
    records_of(c, n, [&](std::int8_t t, std::uint64_t h) {
      customer.push_back(static_cast<std::uint32_t>(c - 1));
      type.push_back(t);
      hash.push_back(h);
    });
  }
  BaselineResult result;
  std::size_t capacity = 1;
  while (capacity < customer.size() * 3 / 2) capacity *= 2;
  std::vector<IdentifierSlot> table(capacity);
  std::vector<std::uint32_t> slot_of(customer.size());
  double t0 = MPI_Wtime();
  for (std::size_t i = 0; i < customer.size(); ++i) {
    const std::uint64_t key = identifier_key(type[i], hash[i]);
    std::size_t s = key & (capacity - 1);
    while (table[s].id_type != -1 && (table[s].key != key || table[s].id_type != type[i]))
      s = (s + 1) & (capacity - 1);
    if (table[s].id_type == -1) table[s] = {key, type[i], customer[i], 0};
    ++table[s].count;
    slot_of[i] = static_cast<std::uint32_t>(s);
  }
  double t1 = MPI_Wtime();
  UnionFind sets(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < customer.size(); ++i) {
    const IdentifierSlot& slot = table[slot_of[i]];
    if (slot.count <=
        static_cast<std::uint32_t>(guards.of(static_cast<std::int8_t>(slot.id_type)).max_customers)) {
      sets.unite(slot.first, customer[i]);
    }
  }
  double t2 = MPI_Wtime();
  std::vector<CustomerId> ids(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<CustomerId>(i) + 1;
  const std::vector<CustomerId> labels = sets.min_labels(ids);
  std::vector<std::int64_t> size(static_cast<std::size_t>(n), 0);
  for (const CustomerId label : labels) ++size[static_cast<std::size_t>(label - 1)];
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const bool merged = size[static_cast<std::size_t>(labels[i] - 1)] <= guards.max_component_size;
    const CustomerId person = merged ? labels[i] : ids[i];
    result.checksum += person_checksum(ids[i], person);
    result.persons += person == ids[i] ? 1 : 0;
  }
  double t3 = MPI_Wtime();
  result.group_seconds = t1 - t0;
  result.union_seconds = t2 - t1;
  result.label_seconds = t3 - t2;
  return result;
}

// --- the distributed run -----------------------------------------------------

void run_identity(const parallel::Comm& comm, const Options& options) {
  const std::int64_t n = options.customers;
  IdentityGuards guards;
  BaselineResult baseline;
  if (comm.is_root()) baseline = single_thread_union_find(n, guards);

  // This rank's customers: its contiguous range of buckets, in (bucket, id) order.
  const auto lo = static_cast<Bucket>(static_cast<std::uint64_t>(kBuckets) * comm.rank() / comm.size());
  const auto hi = static_cast<Bucket>(static_cast<std::uint64_t>(kBuckets) * (comm.rank() + 1) / comm.size());
  std::vector<std::int64_t> bucket_start(kBuckets + 1, 0);
  for (CustomerId c = 1; c <= n; ++c) ++bucket_start[bucket_of(c, kBuckets) + 1];
  for (std::size_t b = 1; b < bucket_start.size(); ++b) bucket_start[b] += bucket_start[b - 1];
  const std::int64_t first = bucket_start[lo];
  std::vector<CustomerId> customers(static_cast<std::size_t>(bucket_start[hi] - first));
  for (CustomerId c = 1; c <= n; ++c) {
    const Bucket b = bucket_of(c, kBuckets);
    if (b >= lo && b < hi) customers[static_cast<std::size_t>(bucket_start[b]++ - first)] = c;
  }
  Table records("identity");
  records.add("customer_id", ColumnType::Int64);
  records.add("source", ColumnType::Int8);
  records.add("id_type", ColumnType::Int8);
  records.add("id_hash", ColumnType::UInt64);
  records.add("ts", ColumnType::Int64);
  const std::size_t expected = customers.size() * 2 + customers.size() / 4000 + 1;
  for (std::size_t i = 0; i < records.column_count(); ++i) records.column(i).reserve(expected);
  auto& rc = records.values<std::int64_t>("customer_id");
  auto& rs = records.values<std::int8_t>("source");
  auto& rt = records.values<std::int8_t>("id_type");
  auto& rh = records.values<std::uint64_t>("id_hash");
  auto& rts = records.values<std::int64_t>("ts");
  for (const CustomerId c : customers) {
    records_of(c, n, [&](std::int8_t t, std::uint64_t h) {
      rc.push_back(c);
      rs.push_back(0);
      rt.push_back(t);
      rh.push_back(h);
      rts.push_back(1700000000);
    });
  }

  const CustomerOwners owners = CustomerOwners::gather(comm, kBuckets, lo, hi);
  MPI_Barrier(comm.raw());
  const double t0 = MPI_Wtime();
  CustomerVertices vertices(comm, customers, owners);
  IdentityGraph graph = build_identity_graph(comm, records, vertices, guards);
  const double t1 = MPI_Wtime();
  const Components components =
      connected_components(comm, std::move(graph.links), vertices, guards.max_component_size);
  const double t2 = MPI_Wtime();
  const IdentityReport report = make_identity_report(
      comm, graph, components, static_cast<std::int64_t>(customers.size()), guards.max_component_size);
  const double t3 = MPI_Wtime();
  const double graph_seconds = max_over_ranks(comm, t1 - t0);
  const double components_seconds = max_over_ranks(comm, t2 - t1);
  const double total_seconds = max_over_ranks(comm, t3 - t0);

  std::uint64_t checksum = 0;
  for (std::size_t i = 0; i < customers.size(); ++i)
    checksum += person_checksum(customers[i], components.persons[i]);
  MPI_Allreduce(MPI_IN_PLACE, &checksum, 1, MPI_UINT64_T, MPI_SUM, comm.raw());

  if (comm.is_root()) {
    const double baseline_seconds = baseline.group_seconds + baseline.union_seconds + baseline.label_seconds;
    const auto rate = [&](double s) { return static_cast<double>(report.records) / s / 1e6; };
    fmt::print(
        "identity: {} ranks, {} customers, {} records, {} identifiers ({} shared), {} links, {} dropped over "
        "cap\n",
        comm.size(), report.customers, report.records, report.identifiers, report.shared_identifiers,
        report.links, report.drops.identifiers_over_customer_cap);
    fmt::print(
        "distributed: total {:.3f} s ({:.2f} M records/s) = graph {:.3f} s + components {:.3f} s + report "
        "{:.3f} s\n",
        total_seconds, rate(total_seconds), graph_seconds, components_seconds,
        total_seconds - graph_seconds - components_seconds);
    fmt::print("distributed rounds: {} iterations, {} jump rounds, {} all-to-all-v exchanges\n",
               components.rounds.iterations, components.rounds.jump_rounds, components.rounds.exchanges);
    fmt::print(
        "single-thread union-find: total {:.3f} s ({:.2f} M records/s) = group {:.3f} s + union {:.3f} s + "
        "labels {:.3f} s\n",
        baseline_seconds, rate(baseline_seconds), baseline.group_seconds, baseline.union_seconds,
        baseline.label_seconds);
    fmt::print("persons {} / {}; results {}; speed-up {:.2f}x\n", report.persons, report.customers,
               checksum == baseline.checksum ? "identical" : "DIFFER", baseline_seconds / total_seconds);
  }
}

// --- round counts on graph shapes -------------------------------------------

// Two linked customers by id.
struct IdPair {
  CustomerId a;
  CustomerId b;
};

void run_shape(const parallel::Comm& comm, const std::string& name, std::int64_t n,
               CustomerId (*node)(std::int64_t i), IdPair (*link)(std::int64_t i, std::int64_t n)) {
  const CustomerOwners owners = CustomerOwners::gather(
      comm, kBuckets, static_cast<Bucket>(static_cast<std::uint64_t>(kBuckets) * comm.rank() / comm.size()),
      static_cast<Bucket>(static_cast<std::uint64_t>(kBuckets) * (comm.rank() + 1) / comm.size()));
  // This rank's customers listed as the engine lists them, by (bucket, id).
  std::vector<CustomerId> customers;
  for (std::int64_t i = 0; i < n; ++i) {
    if (owners.rank_of(node(i)) == comm.rank()) customers.push_back(node(i));
  }
  std::sort(customers.begin(), customers.end(), [](CustomerId a, CustomerId b) {
    return std::pair(bucket_of(a, kBuckets), a) < std::pair(bucket_of(b, kBuckets), b);
  });
  std::vector<CustomerId> ends;
  for (std::int64_t i = comm.rank(); i < n - 1; i += comm.size()) {
    const auto [a, b] = link(i, n);
    ends.insert(ends.end(), {a, b});
  }
  CustomerVertices vertices(comm, customers, owners);
  std::vector<Vertex> end_vertices;
  vertices.lookup(ends, end_vertices);
  vertices.check();
  std::vector<VertexLink> links(end_vertices.size() / 2);
  for (std::size_t k = 0; k < links.size(); ++k) links[k] = {end_vertices[2 * k], end_vertices[2 * k + 1]};
  MPI_Barrier(comm.raw());
  const double t0 = MPI_Wtime();
  const Components c = connected_components(comm, std::move(links), vertices, INT64_MAX);
  const double seconds = max_over_ranks(comm, MPI_Wtime() - t0);
  if (comm.is_root()) {
    fmt::print("shape {:<16} n={:<9} iterations {:>2}, jump rounds {:>2}, exchanges {:>3}, {:.3f} s\n", name,
               n, c.rounds.iterations, c.rounds.jump_rounds, c.rounds.exchanges, seconds);
  }
}

CustomerId scrambled(std::int64_t i) {
  return static_cast<CustomerId>(mix64(static_cast<std::uint64_t>(i)) >> 2) + 1;
}

CustomerId dense(std::int64_t i) { return i + 1; }

void run_shapes(const parallel::Comm& comm, std::int64_t n) {
  run_shape(comm, "chain", n, dense, [](std::int64_t i, std::int64_t) { return IdPair{i + 1, i + 2}; });
  run_shape(comm, "chain-scrambled", n, scrambled, [](std::int64_t i, std::int64_t) {
    return IdPair{scrambled(i), scrambled(i + 1)};
  });
  run_shape(comm, "star", n, dense, [](std::int64_t i, std::int64_t m) { return IdPair{i + 1, m}; });
  run_shape(comm, "random", n, dense, [](std::int64_t i, std::int64_t m) {
    KeyedRandom rng(kSeed, static_cast<std::uint64_t>(i), 9);
    const auto nodes = static_cast<std::uint64_t>(m);
    return IdPair{static_cast<CustomerId>(rng.below(nodes)) + 1,
                  static_cast<CustomerId>(rng.below(nodes)) + 1};
  });
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::int64_t value = std::atoll(argv[i + 1]);
    if (flag == "--customers") options.customers = value;
    if (flag == "--shape-size") options.shape_size = value;
  }
  return options;
}

}  // namespace
}  // namespace portrait::identity

int main(int argc, char** argv) {
  portrait::parallel::MpiEnvironment mpi(&argc, &argv);
  const portrait::parallel::Comm world;
  const portrait::identity::Options options = portrait::identity::parse(argc, argv);
  portrait::identity::run_identity(world, options);
  portrait::identity::run_shapes(world, options.shape_size);
  return 0;
}
