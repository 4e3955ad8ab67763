// src/engine/tag_phase.cpp: catalog tags and statistics of a run.
#include "engine/tag_phase.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "catalog/rule_eval.hpp"
#include "engine/customer_view.hpp"
#include "engine/facts.hpp"

namespace portrait::engine {
namespace {

// The condition of a share measure, per customer: 1 met, 0 not (or missing).
Column condition_column(const catalog::CompiledExpr& when, const Table& customers, const Table& tags,
                        std::size_t rows) {
  const auto slots = catalog::bind_rule_inputs(when, customers, tags);
  Column out(ColumnType::Int8);
  auto& met = out.values<std::int8_t>();
  met.resize(rows);
  catalog::EvalScratch scratch;
  for (std::size_t begin = 0; begin < rows; begin += catalog::kBatch) {
    const std::size_t end = std::min(rows, begin + catalog::kBatch);
    catalog::evaluate_mask(when, slots, begin, end, scratch, scratch.mask);
    for (std::size_t i = begin; i < end; ++i) met[i] = static_cast<std::int8_t>(scratch.mask[i - begin]);
  }
  return out;
}

stats::MeasureKind measure_kind(catalog::MeasureKind k) {
  switch (k) {
    case catalog::MeasureKind::Count:
      return stats::MeasureKind::Count;
    case catalog::MeasureKind::Sum:
      return stats::MeasureKind::Sum;
    case catalog::MeasureKind::Avg:
      return stats::MeasureKind::Avg;
    case catalog::MeasureKind::Share:
      return stats::MeasureKind::Share;
    case catalog::MeasureKind::Median:
      return stats::MeasureKind::Median;
    case catalog::MeasureKind::P90:
      return stats::MeasureKind::P90;
    case catalog::MeasureKind::Distinct:
      return stats::MeasureKind::Distinct;
  }
  return stats::MeasureKind::Count;
}

const catalog::StatisticSpec& spec_of(const catalog::Catalog& catalog, const std::string& id) {
  for (const auto& s : catalog.statistics) {
    if (s.id == id) return s;
  }
  throw std::logic_error("no statistic " + id);
}

// Label of group value `code` of group-by `name` (a category tag), else the number.
std::string group_label(const catalog::Catalog& catalog, const std::string& name, std::int64_t code) {
  if (is_missing(code)) return "(missing)";
  if (const catalog::Tag* tag = catalog.find(name); tag != nullptr &&
                                                    tag->type == catalog::ValueType::Category && code >= 0 &&
                                                    static_cast<std::size_t>(code) < tag->labels.size()) {
    return tag->labels[static_cast<std::size_t>(code)];
  }
  return std::to_string(code);
}

std::string cell(const stats::StatValue& v, catalog::MeasureKind kind) {
  switch (v.kind) {
    case stats::StatValue::Kind::Missing:
      return "-";
    case stats::StatValue::Kind::Int:
      return fmt::format("{}", static_cast<long long>(v.integer));
    case stats::StatValue::Kind::Float:
      return kind == catalog::MeasureKind::Share ? fmt::format("{:.1f}%", 100.0 * v.real)
                                                 : fmt::format("{:.2f}", v.real);
  }
  return "";
}

std::string title(const catalog::DisplayName& name, const std::string& id) {
  if (!name.en.empty() && !name.zh.empty()) return name.zh + " " + name.en;
  if (!name.en.empty()) return name.en;
  return name.zh.empty() ? id : name.zh;
}

}  // namespace

Table compute_catalog_tags(const catalog::Catalog& catalog, const GroupedCustomers& grouped,
                           const ReferenceLookups& lookups, const Period& period) {
  CustomerBlock block = customer_block(grouped, period);
  block.references = lookups.tables();

  Table computed("tags");
  compute_facts(catalog, block, computed);
  catalog::evaluate_rules(catalog, grouped.customers, computed);

  Table out("customers");
  out.add("customer_id", ColumnType::Int64).values<std::int64_t>() =
      grouped.customers.values<std::int64_t>("customer_id");
  auto& bucket = out.add("bucket", ColumnType::Int32).values<std::int32_t>();
  for (std::size_t i = 0; i < grouped.size(); ++i) bucket[i] = static_cast<std::int32_t>(grouped.bucket[i]);
  for (const auto& tag : catalog.tags) {
    if (!computed.has(tag.id)) continue;
    out.add(tag.id, std::move(computed.column(tag.id)));
  }
  return out;
}

std::vector<stats::GroupStats> compute_catalog_statistics(
    const parallel::Comm& comm, const catalog::Catalog& catalog, const Table& customers, const Table& tags,
    std::span<const Bucket> bucket, const parallel::BucketRange& range, const Table* persons) {
  std::vector<stats::GroupStats> out;
  const Table no_customers("customers");
  std::vector<Bucket> person_bucket;
  if (persons != nullptr) {
    for (auto b : persons->values<std::int32_t>("bucket")) person_bucket.push_back(static_cast<Bucket>(b));
  }
  for (const auto& spec : catalog.statistics) {
    if (spec.persons && persons == nullptr) continue;  // the run merged no profiles
    // Person-level statistics read merged tags only (checked by the catalog).
    const Table& rows = spec.persons ? no_customers : customers;
    const Table& values = spec.persons ? *persons : tags;
    std::vector<Column> conditions;  // share conditions, alive during the computation
    conditions.reserve(spec.measures.size());
    stats::GroupStatsInput input;
    input.id = spec.id;
    input.group_by = spec.group_by;
    for (const auto& name : spec.group_by)
      input.group_columns.push_back(&catalog::input_column(name, rows, values));
    for (const auto& m : spec.measures) {
      stats::MeasureInput measure{m.id, measure_kind(m.kind), nullptr};
      if (m.kind == catalog::MeasureKind::Share) {
        conditions.push_back(condition_column(*m.when, rows, values, values.rows()));
        measure.values = &conditions.back();
      } else if (m.kind != catalog::MeasureKind::Count) {
        measure.values = &catalog::input_column(m.of, rows, values);
      }
      input.measures.push_back(measure);
    }
    input.bucket = spec.persons ? std::span<const Bucket>(person_bucket) : bucket;
    input.range = range;
    out.push_back(stats::compute_group_stats(comm, input));
  }
  return out;
}

nlohmann::json statistics_json(const catalog::Catalog& catalog,
                               const std::vector<stats::GroupStats>& statistics) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : statistics) {
    const auto& spec = spec_of(catalog, s.id);
    nlohmann::json j = s.to_json();
    j["name"] = {{"zh", spec.name.zh}, {"en", spec.name.en}};
    for (std::size_t g = 0; g < s.keys.size(); ++g) {
      for (std::size_t c = 0; c < s.group_by.size(); ++c) {
        j["groups"][g][s.group_by[c]] = group_label(catalog, s.group_by[c], s.keys[g][c]);
      }
    }
    out.push_back(j);
  }
  return out;
}

std::string statistics_csv(const catalog::Catalog& catalog, const stats::GroupStats& s) {
  return s.to_csv(
      [&](std::size_t column, std::int64_t key) { return group_label(catalog, s.group_by[column], key); });
}

std::string statistics_text(const catalog::Catalog& catalog, const stats::GroupStats& s) {
  const auto& spec = spec_of(catalog, s.id);
  std::int64_t total = 0;
  for (auto n : s.counts) total += n;
  std::vector<std::string> group_names;
  for (std::size_t g = 0; g < s.keys.size(); ++g) {
    std::string name;
    for (std::size_t c = 0; c < s.group_by.size(); ++c) {
      name += (c ? " / " : "") + group_label(catalog, s.group_by[c], s.keys[g][c]);
    }
    group_names.push_back(name);
  }
  // Rows: customers, their share, then each measure.
  std::vector<std::pair<std::string, std::vector<std::string>>> rows;
  const std::string unit = spec.persons ? "persons" : "customers";
  rows.push_back({unit, {}});
  rows.push_back({"share of " + unit, {}});
  for (std::size_t g = 0; g < s.keys.size(); ++g) {
    rows[0].second.push_back(std::to_string(s.counts[g]));
    rows[1].second.push_back(total > 0 ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(s.counts[g]) /
                                                                    static_cast<double>(total))
                                       : "-");
  }
  for (std::size_t m = 0; m < s.measures.size(); ++m) {
    const auto& measure = spec.measures[m];
    std::vector<std::string> cells;
    for (std::size_t g = 0; g < s.keys.size(); ++g) cells.push_back(cell(s.values[g][m], measure.kind));
    rows.push_back({measure.name.en.empty() ? measure.id : measure.name.en, std::move(cells)});
  }

  std::string text = fmt::format("{} ({} {})\n", title(spec.name, spec.id), total, unit);
  constexpr std::size_t kMaxColumns = 8;
  if (s.keys.size() <= kMaxColumns) {
    std::size_t label_width = 0;
    for (const auto& [label, cells] : rows) label_width = std::max(label_width, label.size());
    std::size_t width = 10;
    for (const auto& g : group_names) width = std::max(width, g.size());
    text += fmt::format("  {:<{}}", "", label_width);
    for (const auto& g : group_names) text += fmt::format(" {:>{}}", g, width);
    text += '\n';
    for (const auto& [label, cells] : rows) {
      text += fmt::format("  {:<{}}", label, label_width);
      for (const auto& c : cells) text += fmt::format(" {:>{}}", c, width);
      text += '\n';
    }
    return text;
  }
  text += "  group";
  for (const auto& [label, cells] : rows) text += " | " + label;
  text += '\n';
  for (std::size_t g = 0; g < s.keys.size(); ++g) {
    text += "  " + group_names[g];
    for (const auto& [label, cells] : rows) text += " | " + cells[g];
    text += '\n';
  }
  return text;
}

}  // namespace portrait::engine
