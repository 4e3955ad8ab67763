// src/catalog/rule_eval.cpp: rule evaluation: expression rules write their
// value; categorical rules assign the first matching value's code.
#include "catalog/rule_eval.hpp"

#include <set>

#include <algorithm>
#include <limits>
#include <string>

#include "core/error.hpp"

namespace portrait::catalog {

const Column& input_column(const std::string& name, const Table& customers, const Table& tags) {
  constexpr std::string_view kPrefix = "customers.";
  if (name.compare(0, kPrefix.size(), kPrefix) == 0) return customers.column(name.substr(kPrefix.size()));
  // Last month's tags ride with the customers, under their `prev.` names.
  if (name.compare(0, kPreviousPrefix.size(), kPreviousPrefix) == 0) return customers.column(name);
  return tags.column(name);
}

std::vector<std::string> previous_tags_read(const Catalog& catalog) {
  std::set<std::string> names;
  const auto collect = [&](const CompiledExpr& expr) {
    for (const auto& name : expr.inputs) {
      if (name.compare(0, kPreviousPrefix.size(), kPreviousPrefix) == 0)
        names.insert(name.substr(kPreviousPrefix.size()));
    }
  };
  for (const auto& tag : catalog.tags) {
    if (tag.rule.expr) collect(*tag.rule.expr);
    for (const auto& value : tag.rule.values) {
      if (value.when) collect(*value.when);
    }
  }
  return {names.begin(), names.end()};
}

std::vector<const Column*> bind_rule_inputs(const CompiledExpr& expr, const Table& customers,
                                            const Table& tags) {
  std::vector<const Column*> slots;
  for (const auto& name : expr.inputs) slots.push_back(&input_column(name, customers, tags));
  return slots;
}

void evaluate_rule(const Tag& tag, const Table& customers, const Table& tags, std::size_t begin,
                   std::size_t end, EvalScratch& scratch, Column& out) {
  if (tag.rule.expr) {
    evaluate_into(*tag.rule.expr, bind_rule_inputs(*tag.rule.expr, customers, tags), begin, end, scratch,
                  out);
    return;
  }
  auto& codes = out.values<std::int32_t>();
  constexpr std::int32_t kUnset = std::numeric_limits<std::int32_t>::min();  // also the missing code
  std::fill(codes.begin() + static_cast<std::ptrdiff_t>(begin),
            codes.begin() + static_cast<std::ptrdiff_t>(end), kUnset);
  auto& mask = scratch.mask;
  for (std::size_t k = 0; k < tag.rule.values.size(); ++k) {
    const auto code = static_cast<std::int32_t>(k);
    const auto& when = tag.rule.values[k].when;
    if (!when) {  // the default: every row not yet decided
      for (std::size_t r = begin; r < end; ++r) codes[r] = codes[r] == kUnset ? code : codes[r];
      continue;
    }
    evaluate_mask(*when, bind_rule_inputs(*when, customers, tags), begin, end, scratch, mask);
    for (std::size_t r = begin; r < end; ++r) {
      if (codes[r] == kUnset && mask[r - begin] != 0) codes[r] = code;
    }
  }
}

void evaluate_rules(const Catalog& catalog, const Table& customers, Table& tags) {
  evaluate_rules(catalog, catalog.evaluation, customers, tags);
}

void evaluate_rules(const Catalog& catalog, std::span<const std::size_t> order, const Table& customers,
                    Table& tags) {
  const std::size_t rows = customers.rows();
  for (std::size_t index : order) {
    const Tag& tag = catalog.tags[index];
    if (tag.kind != TagKind::Rule) continue;
    Column& out = tags.has(tag.id) ? tags.column(tag.id) : tags.add(tag.id, storage_type(tag.type));
    if (out.type() != storage_type(tag.type)) {
      throw Error("tag column '" + tag.id + "' has type " + std::string(to_string(out.type())), "tag table");
    }
    out.resize(rows);
    // Bind once here: a missing column throws on this thread, not inside the parallel region.
    if (tag.rule.expr) bind_rule_inputs(*tag.rule.expr, customers, tags);
    for (const auto& v : tag.rule.values) {
      if (v.when) bind_rule_inputs(*v.when, customers, tags);
    }
    const auto ranges = static_cast<std::int64_t>((rows + kBatch - 1) / kBatch);
#pragma omp parallel
    {
      EvalScratch scratch;
#pragma omp for schedule(dynamic, 1)
      for (std::int64_t k = 0; k < ranges; ++k) {
        const std::size_t begin = static_cast<std::size_t>(k) * kBatch;
        evaluate_rule(tag, customers, tags, begin, std::min(rows, begin + kBatch), scratch, out);
      }
    }
  }
}

}  // namespace portrait::catalog
