// src/engine/contact_phase.cpp: "opinion leaders": the PageRank of the
// contact graph. Each customer's contact records of the period give calls to
// numbers (collected in the compute phase, while the records are held); the
// identity channel's phone records say whose numbers they are; the
// distributed PageRank ranks every customer, and the top leader_percent are
// the leaders.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "catalog/expr_eval.hpp"
#include "engine/model_kinds.hpp"
#include "identity/contact_graph.hpp"
#include "identity/identity_guards.hpp"
#include "models/pagerank.hpp"
#include "parallel/collectives.hpp"
#include "parallel/reduce.hpp"

namespace portrait::engine {
namespace {

// Each customer's calls of the period that the filter keeps, one per
// (caller, number) with its record count.
identity::ContactCalls contact_calls(const catalog::ModelSpec& spec, const GroupedCustomers& grouped,
                                     const Period& period) {
  identity::ContactCalls calls;
  const ChannelRecords* channel = grouped.find(spec.contact_channel);
  if (channel == nullptr) return calls;
  const Table& records = channel->records;
  const auto& ids = grouped.customers.values<std::int64_t>("customer_id");
  const auto& peer = records.values<std::uint64_t>(spec.peer);
  const auto& ts = records.values<std::int64_t>(spec.contact_time);
  std::vector<std::uint8_t> keep;
  if (spec.contact_where) {
    std::vector<const Column*> slots;
    for (const auto& name : spec.contact_where->inputs) slots.push_back(&records.column(name));
    catalog::EvalScratch scratch;
    catalog::evaluate_mask(*spec.contact_where, slots, 0, records.rows(), scratch, keep);
  }
  std::vector<std::uint64_t> numbers;
  for (std::size_t i = 0; i < grouped.size(); ++i) {
    numbers.clear();
    for (std::uint64_t r = channel->offsets[i]; r < channel->offsets[i + 1]; ++r) {
      if (peer[r] == 0 || ts[r] < period.start() || ts[r] >= period.end() || (!keep.empty() && !keep[r]))
        continue;
      numbers.push_back(peer[r]);
    }
    std::sort(numbers.begin(), numbers.end());
    for (std::size_t k = 0; k < numbers.size();) {
      std::size_t j = k;
      while (j < numbers.size() && numbers[j] == numbers[k]) ++j;
      calls.caller.push_back(ids[i]);
      calls.peer.push_back(numbers[k]);
      calls.records.push_back(static_cast<std::int64_t>(j - k));
      k = j;
    }
  }
  return calls;
}

// The phone numbers the identity channel gives each customer.
identity::PhoneNumbers phone_numbers(const GroupedCustomers& grouped) {
  identity::PhoneNumbers phones;
  const ChannelRecords* channel = grouped.find("identity");
  if (channel == nullptr) return phones;
  const auto& ids = grouped.customers.values<std::int64_t>("customer_id");
  const auto& type = channel->records.values<std::int8_t>("id_type");
  const auto& hash = channel->records.values<std::uint64_t>("id_hash");
  for (std::size_t i = 0; i < grouped.size(); ++i) {
    for (std::uint64_t r = channel->offsets[i]; r < channel->offsets[i + 1]; ++r) {
      if (type[r] != static_cast<std::int8_t>(identity::IdType::Phone) || hash[r] == 0) continue;
      phones.customer.push_back(ids[i]);
      phones.number.push_back(hash[r]);
    }
  }
  return phones;
}

}  // namespace

ModelRecords collect_model_records(const catalog::Catalog& catalog, const GroupedCustomers& grouped,
                                   const Period& period) {
  ModelRecords records;
  for (const auto& spec : catalog.models) {
    if (spec.kind != catalog::ModelKind::PageRank) continue;
    ContactRecords& r = records[spec.id];
    r.calls = contact_calls(spec, grouped, period);
    r.phones = phone_numbers(grouped);
  }
  return records;
}

void apply_pagerank(const parallel::Comm& comm, const catalog::ModelSpec& spec, const ContactRecords& records,
                    std::span<const CustomerId> ids, std::span<const Bucket> bucket,
                    const parallel::BucketRange& range, Table& tags, ModelOutcome& out) {
  identity::ContactGraph graph = identity::resolve_contacts(comm, records.calls, records.phones);
  models::ContactEdges edges{std::move(graph.source), std::move(graph.target), std::move(graph.records)};
  models::PageRankOptions options;
  options.damping = spec.damping;
  options.tolerance = spec.tolerance;
  const models::PageRankResult result = models::pagerank(comm, range, bucket, ids, edges, options);

  // Scaled so the average customer has 1; leaders from the exact order statistic.
  auto& score = tags.add(spec.id, ColumnType::Float64).values<double>();
  std::vector<std::int64_t> sorted(result.rank.size());
  for (std::size_t i = 0; i < result.rank.size(); ++i) {
    score[i] = result.rank[i] * static_cast<double>(result.customers);
    sorted[i] = parallel::ordered_bits(score[i]);
  }
  std::sort(sorted.begin(), sorted.end());
  const auto n = static_cast<std::uint64_t>(result.customers);
  const auto leaders =
      static_cast<std::uint64_t>(std::ceil(spec.leader_percent / 100.0 * static_cast<double>(n)));
  const std::span<const std::int64_t> groups[1] = {sorted};
  const std::uint64_t rank[1] = {n == 0 ? std::uint64_t{0} : n - std::min(leaders, n)};
  const double cut =
      n == 0 ? 0.0 : parallel::from_ordered_bits(parallel::kth_smallest(comm, groups, rank)[0]);
  auto& leader = tags.add(spec.id + "_leader", ColumnType::Int8).values<std::int8_t>();
  std::int64_t local_leaders = 0;
  for (std::size_t i = 0; i < score.size(); ++i) {
    leader[i] = static_cast<std::int8_t>(n > 0 && score[i] >= cut);
    local_leaders += leader[i];
  }
  const std::int64_t total_leaders = parallel::sum(comm, local_leaders);
  out.manifest[spec.id] = {{"kind", "pagerank"},
                           {"contacts", spec.contact_channel},
                           {"damping", spec.damping},
                           {"customers", result.customers},
                           {"edges", result.edges},
                           {"resolved_records", graph.resolved_records},
                           {"outside_records", graph.outside_records},
                           {"shared_number_records", graph.shared_records},
                           {"shared_numbers", graph.shared_numbers},
                           {"iterations", result.iterations},
                           {"converged", result.converged},
                           {"residual", result.residual},
                           {"leader_cut", cut},
                           {"leaders", total_leaders}};
  out.summary.push_back(
      fmt::format("{}: PageRank of {} customers over {} contact pairs ({} records to customers, {} to other "
                  "numbers, {} to "
                  "{} shared numbers), {} iterations{}; {} leaders (score >= {:.3f})",
                  spec.id, result.customers, result.edges, graph.resolved_records, graph.outside_records,
                  graph.shared_records, graph.shared_numbers, result.iterations,
                  result.converged ? "" : " (not converged)", total_leaders, cut));
}

}  // namespace portrait::engine
