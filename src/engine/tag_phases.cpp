// src/engine/tag_phases.cpp: the phases that make the tag table: last
// month's tags for prev.<tag>, person ids from the identity graph, the
// catalog's facts and rules (or, without a catalog, the built-in facts), the
// person id column, the models, and the rules that read model outputs.
#include <fmt/format.h>

#include "catalog/rule_eval.hpp"
#include "core/error.hpp"
#include "engine/builtin_facts.hpp"
#include "engine/run_state.hpp"
#include "engine/tag_phase.hpp"
#include "identity/identity_resolution.hpp"
#include "parallel/collective_error.hpp"

namespace portrait::engine {

void attach_previous(RunState& s) {
  const auto names = catalog::previous_tags_read(*s.catalog);
  attach_previous_tags(s.comm, *s.previous, names, *s.catalog, s.partition, s.round_bytes(),
                       s.grouped.customers);
}

void resolve_identities(RunState& s) {
  const ChannelRecords* records = s.grouped.find("identity");
  parallel::collectively(s.comm, [&] {
    if (records == nullptr) {
      throw Error("the job resolves identities, but no shard holds an identity table", s.job.file,
                  "add the identity channel's shards to 'inputs: shards', or remove the 'identity' section");
    }
  });
  const auto owners = identity::CustomerOwners::gather(s.comm, s.job.buckets, s.range.begin, s.range.end);
  auto resolution = identity::resolve_identities(
      s.comm, records->records, s.grouped.customers.values<std::int64_t>("customer_id"), owners,
      s.job.identity_guards, !s.job.linking_profiles.empty());
  s.persons = std::move(resolution.persons);
  s.strong_links = std::move(resolution.links);
  s.identity_report = identity::to_json(resolution.report);
  const auto& r = resolution.report;
  s.progress.note(
      fmt::format("{} customers are {} persons; {} identifiers, {} links, {} component(s) over the cap",
                  r.customers, r.persons, r.identifiers, r.links, r.components_over_cap));
}

void compute_tags(RunState& s) {
  parallel::collectively(s.comm, [&] {
    s.tags = s.catalog ? compute_catalog_tags(*s.catalog, s.grouped, s.lookups, s.job.period)
                       : compute_builtin_facts(s.grouped);
    if (s.catalog && s.job.resolve_identity) count_channel_records(*s.catalog, s.grouped, s.job.period);
    if (s.catalog) s.model_records = collect_model_records(*s.catalog, s.grouped, s.job.period);
  });
  // The records are not needed past the tags (linking compares them after
  // the person ids, and releases them).
  if (s.job.linking_profiles.empty()) s.grouped.channels.clear();
}

void join_person_ids(RunState& s) {
  // person_id follows customer_id and bucket.
  Table out(s.tags.name());
  for (const char* key : {"customer_id", "bucket"}) out.add(key, std::move(s.tags.column(key)));
  Column person(ColumnType::Int64);
  person.values<std::int64_t>() = std::move(s.persons);
  out.add("person_id", std::move(person));
  for (std::size_t c = 0; c < s.tags.column_count(); ++c) {
    const std::string& name = s.tags.column_name(c);
    if (name != "customer_id" && name != "bucket") out.add(name, std::move(s.tags.column(c)));
  }
  s.tags = std::move(out);
}

void train_models(RunState& s) {
  s.models = apply_catalog_models(s.comm, *s.catalog, s.grouped.customers, s.tags, s.grouped.bucket, s.range,
                                  s.model_records, s.catalog_sha256);
  s.model_records.clear();
  for (const auto& line : s.models.summary) s.progress.note(line);
}

void evaluate_rules_after_models(RunState& s) {
  parallel::collectively(s.comm, [&] {
    catalog::evaluate_rules(*s.catalog, s.catalog->after_models, s.grouped.customers, s.tags);
  });
}

}  // namespace portrait::engine
