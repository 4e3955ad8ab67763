// src/engine/linking_phase.cpp: from the catalog's linking section and the
// grouped records to the identity layer's inputs, and back to columns.
#include "engine/linking_phase.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"
#include "engine/run_state.hpp"
#include "identity/probabilistic_linking.hpp"
#include "parallel/collective_error.hpp"

namespace portrait::engine {
namespace {

std::size_t attribute_index(std::vector<std::string>& attributes, const std::string& name) {
  const auto it = std::find(attributes.begin(), attributes.end(), name);
  if (it != attributes.end()) return static_cast<std::size_t>(it - attributes.begin());
  attributes.push_back(name);
  return attributes.size() - 1;
}

// A tag (or customers.<column>) as int64 values with INT64_MIN for missing.
std::vector<std::int64_t> attribute_values(const std::string& name, const Table& tags,
                                           const Table& customers) {
  const std::string prefix = "customers.";
  const Column& column =
      name.rfind(prefix, 0) == 0 ? customers.column(name.substr(prefix.size())) : tags.column(name);
  std::vector<std::int64_t> out(column.size());
  column.visit([&](const auto& values) {
    using T = typename std::decay_t<decltype(values)>::value_type;
    if constexpr (std::is_integral_v<T>) {
      for (std::size_t i = 0; i < values.size(); ++i)
        out[i] = is_missing(values[i]) ? missing<std::int64_t>() : static_cast<std::int64_t>(values[i]);
    } else {
      throw Error("linking compares '" + name + "', which holds no whole numbers", "catalog linking",
                  "compare int, bool or category tags");
    }
  });
  return out;
}

}  // namespace

std::string profile_person_column(const std::string& profile) { return "person_id." + profile; }

identity::LinkingSettings linking_settings(const catalog::LinkingSpec& spec,
                                           const std::vector<identity::LinkingProfile>& profiles,
                                           std::vector<std::string>& attributes) {
  identity::LinkingSettings s;
  for (const auto& b : spec.blocks) {
    identity::BlockingKey key;
    key.name = b.name;
    key.count = b.count;
    switch (b.kind) {
      case catalog::LinkingBlockSpec::Kind::Tags:
        key.kind = identity::BlockingKey::Kind::Attributes;
        for (const auto& tag : b.tags) key.attributes.push_back(attribute_index(attributes, tag));
        break;
      case catalog::LinkingBlockSpec::Kind::TopContacts:
        key.kind = identity::BlockingKey::Kind::TopContacts;
        break;
      case catalog::LinkingBlockSpec::Kind::PresenceHash:
        key.kind = identity::BlockingKey::Kind::PresenceHash;
        break;
    }
    s.blocks.push_back(std::move(key));
  }
  for (const auto& c : spec.comparisons) {
    identity::Comparison comparison;
    comparison.name = c.name;
    comparison.bands = c.bands;
    comparison.at_least = static_cast<std::size_t>(c.at_least);
    switch (c.kind) {
      case catalog::LinkingComparisonSpec::Kind::Equal:
        comparison.kind = identity::Comparison::Kind::Equal;
        for (const auto& tag : c.tags) comparison.attributes.push_back(attribute_index(attributes, tag));
        break;
      case catalog::LinkingComparisonSpec::Kind::ContactJaccard:
        comparison.kind = identity::Comparison::Kind::ContactJaccard;
        break;
      case catalog::LinkingComparisonSpec::Kind::SharedHours:
        comparison.kind = identity::Comparison::Kind::SharedHours;
        break;
      case catalog::LinkingComparisonSpec::Kind::SharedPlaces:
        comparison.kind = identity::Comparison::Kind::SharedPlaces;
        break;
    }
    s.comparisons.push_back(std::move(comparison));
  }
  s.max_block_customers = spec.max_block_customers;
  s.contact_circle = static_cast<int>(spec.contact_circle);
  s.presence_limit = static_cast<int>(spec.presence_limit);
  s.em = {static_cast<int>(spec.max_iterations), spec.tolerance, spec.initial_match_share};
  s.profiles = profiles;
  s.write_pairs_above = spec.write_pairs_above;
  return s;
}

LinkingOutcome link_customers(const parallel::Comm& comm, const JobSpec& job, const catalog::Catalog& catalog,
                              const GroupedCustomers& grouped, const Table& tags,
                              std::span<const identity::VertexLink> strong_links,
                              const identity::CustomerOwners& owners) {
  identity::LinkingSettings settings;
  std::vector<std::string> attribute_names;
  std::vector<std::vector<std::int64_t>> attributes;
  const ChannelRecords* records = nullptr;
  parallel::collectively(comm, [&] {
    if (!catalog.linking) {
      throw Error("the job links probabilistically, but its catalog has no 'linking' section",
                  job.linking_file_position,
                  "add a 'linking' section to " + catalog.file + " (docs/identity.md)");
    }
    settings = linking_settings(*catalog.linking, job.linking_profiles, attribute_names);
    try {
      settings.validate(attribute_names.size());
    } catch (const Error& e) {
      throw Error(e.problem(), catalog.linking->location + " (" + e.where() + ")", e.hint());
    }
    records = grouped.find(catalog.linking->channel);
    if (records == nullptr) {
      throw Error(
          fmt::format("linking compares the '{}' records, and none were loaded", catalog.linking->channel),
          catalog.linking->location, "add the channel's shards to 'inputs: shards' of " + job.file);
    }
    for (const auto& name : attribute_names)
      attributes.push_back(attribute_values(name, tags, grouped.customers));
  });
  const catalog::LinkingSpec& spec = *catalog.linking;
  identity::LinkingInputs inputs;
  inputs.customers = tags.values<std::int64_t>("customer_id");
  inputs.persons = tags.values<std::int64_t>("person_id");
  for (const auto& a : attributes) inputs.attributes.emplace_back(a);
  inputs.offsets = records->offsets;
  inputs.time = records->records.values<std::int64_t>(spec.time_column);
  inputs.place = records->records.values<std::int32_t>(spec.place_column);
  inputs.contact = records->records.values<std::uint64_t>(spec.contact_column);
  inputs.from = job.period.start();
  inputs.to = job.period.end();

  identity::LinkingResult result = identity::link_probabilistically(
      comm, inputs, settings, owners, strong_links, job.identity_guards.max_component_size);
  LinkingOutcome out;
  for (std::size_t p = 0; p < settings.profiles.size(); ++p) {
    out.person_columns.emplace_back(profile_person_column(settings.profiles[p].name),
                                    std::move(result.persons[p]));
  }
  out.report = identity::to_json(result.report, settings);
  out.model_json = identity::to_json(result.report.model, settings).dump(2);
  out.pairs = std::move(result.pairs);
  const auto& b = result.report.blocking;
  out.summary.push_back(fmt::format(
      "linking: {} candidate pairs compared ({} repeated, {} of one person, {} not made "
      "in {} block(s) over the cap); EM {} iterations, match share {:.4f}",
      b.pairs_compared, b.pairs_repeated, b.pairs_same_person, b.pairs_over_cap,
      [&] {
        std::int64_t n = 0;
        for (const auto& f : b.families) n += f.blocks_over_cap;
        return n;
      }(),
      result.report.model.iterations, result.report.model.match_share));
  for (const auto& p : result.report.profiles) {
    out.summary.push_back(fmt::format("linking profile {} (p >= {}): {} links, {} persons", p.profile.name,
                                      p.profile.min_probability, p.links, p.components.persons));
  }
  return out;
}

void link_persons(RunState& s) {
  const auto owners = identity::CustomerOwners::gather(s.comm, s.job.buckets, s.range.begin, s.range.end);
  LinkingOutcome outcome =
      link_customers(s.comm, s.job, *s.catalog, s.grouped, s.tags, s.strong_links, owners);
  std::vector<identity::VertexLink>().swap(s.strong_links);
  s.grouped.channels.clear();  // the records are not needed past the linking
  // The profiles' person ids follow person_id.
  Table out(s.tags.name());
  for (std::size_t c = 0; c < s.tags.column_count(); ++c) {
    const std::string name = s.tags.column_name(c);
    out.add(name, std::move(s.tags.column(c)));
    if (name != "person_id") continue;
    for (auto& [column, persons] : outcome.person_columns) {
      Column values(ColumnType::Int64);
      values.values<std::int64_t>() = std::move(persons);
      out.add(column, std::move(values));
    }
  }
  s.tags = std::move(out);
  outcome.person_columns.clear();
  for (const auto& line : outcome.summary) s.progress.note(line);
  s.linking = std::move(outcome);
}

}  // namespace portrait::engine
