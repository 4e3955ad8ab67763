// src/catalog/rule_reader.cpp: a tag's `rule:` (an expression, or
// categorical values each with a condition), and the resolution of every
// rule: the tags each one reads, a topological order (a cycle is an error
// naming its path, pointing into the expression that closes it), then
// compilation in that order so every rule knows the types of what it reads.
#include <algorithm>
#include <functional>

#include "catalog/catalog_reading.hpp"
#include "catalog/expr_parser.hpp"
#include "core/error.hpp"

namespace portrait::catalog {
namespace {

// Every Name node of an expression, in source order.
void collect_names(const Node& n, std::vector<const Node*>& out) {
  if (n.kind == NodeKind::Name) out.push_back(&n);
  for (const auto& c : n.children) collect_names(c, out);
}

// Offset of the name `id` as a whole word in `text`.
std::size_t find_name(const std::string& text, const std::string& id) {
  const auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  };
  for (std::size_t at = text.find(id); at != std::string::npos; at = text.find(id, at + 1)) {
    const bool starts = at == 0 || !word(text[at - 1]);
    const bool ends = at + id.size() >= text.size() || !word(text[at + id.size()]);
    if (starts && ends) return at;
  }
  return 0;
}

[[noreturn]] void report_cycle(const CatalogReading& r, const std::vector<std::size_t>& path,
                               std::size_t back_to) {
  const auto& tags = r.cat.tags;
  const auto from = std::find(path.begin(), path.end(), back_to);
  std::string cycle;
  for (auto it = from; it != path.end(); ++it) cycle += tags[*it].id + " -> ";
  cycle += tags[back_to].id;
  // Point at where the last tag of the path uses the first.
  const PendingRule& last = r.pending_rules.at(path.back());
  for (const auto& [j, expr] : last.uses) {
    if (j != back_to) continue;
    const std::size_t at = find_name(expr->Scalar(), tags[back_to].id);
    r.src.fail_in(*expr, ExprError{"dependency cycle: " + cycle, static_cast<std::uint32_t>(at),
                                   static_cast<std::uint32_t>(at + tags[back_to].id.size()),
                                   "a rule cannot depend on itself through other rules; break the cycle"});
  }
  throw Error("dependency cycle: " + cycle, tags[back_to].location.to_string());
}

// The names rules read besides other rules: customer columns (also without
// the `customers.` prefix), facts, and last month's tags as prev.<tag>.
void add_rule_inputs(CatalogReading& r) {
  for (const auto& c : r.customers->columns) {
    r.rule_scope.add({"customers." + c.name, value_type_of(c.type), {}});
    r.rule_scope.add_alias(c.name, "customers." + c.name);
  }
  for (const auto& t : r.cat.tags) {
    if (t.kind == TagKind::Fact) r.rule_scope.add({t.id, t.type, {}});
  }
  // A category keeps this catalog's labels when it has a category tag of
  // that id (the run maps the codes by label), so that
  // `prev.segment != segment` compares like with like.
  for (const auto& p : r.schema.previous) {
    std::vector<std::string> labels = p.labels;
    for (const auto& t : r.cat.tags) {
      if (t.id == p.name && p.type == ValueType::Category && t.type == ValueType::Category) labels = t.labels;
    }
    r.rule_scope.add({std::string(kPreviousPrefix) + p.name, p.type, std::move(labels)});
  }
}

// The tags each pending rule's expressions mention; rules among them are
// its dependencies (rule index -> rule indices).
std::map<std::size_t, std::vector<std::size_t>> rule_dependencies(CatalogReading& r) {
  std::map<std::size_t, std::vector<std::size_t>> deps;
  auto& tags = r.cat.tags;
  for (auto& [index, pending] : r.pending_rules) {
    std::vector<const YAML::Node*> exprs;
    if (pending.expr.IsScalar()) exprs.push_back(&pending.expr);
    for (const auto& w : pending.whens) {
      if (w.IsScalar()) exprs.push_back(&w);
    }
    for (const YAML::Node* e : exprs) {
      Node tree;
      try {
        tree = parse_expression(e->Scalar());
      } catch (const ExprError& err) {
        r.src.fail_in(*e, err);
      }
      std::vector<const Node*> names;
      collect_names(tree, names);
      for (const Node* n : names) {
        for (std::size_t j = 0; j < tags.size(); ++j) {
          if (tags[j].id != n->text) continue;
          Tag& tag = tags[index];
          if (tags[j].state == TagState::Offline && tag.state != TagState::Offline) {
            r.src.fail_in(*e, ExprError{"'" + n->text + "' is offline and not computed", n->begin, n->end,
                                        "set its state to draft or online, or stop using it"});
          }
          if (std::find(tag.depends_on.begin(), tag.depends_on.end(), n->text) == tag.depends_on.end()) {
            tag.depends_on.push_back(n->text);
            if (tags[j].kind == TagKind::Rule) {
              deps[index].push_back(j);
              pending.uses.emplace_back(j, e);
            }
          }
        }
      }
    }
  }
  return deps;
}

void compile_rule(CatalogReading& r, std::size_t index) {
  Tag& tag = r.cat.tags[index];
  const PendingRule& pending = r.pending_rules.at(index);
  if (pending.expr.IsScalar()) {
    CompileOptions options;
    options.utc_offset_seconds = r.cat.utc_offset_seconds;
    tag.rule.expr = r.compile(pending.expr, r.rule_scope, options);
    tag.type = tag.rule.expr->type;
    tag.labels = tag.rule.expr->labels;
  } else {
    for (std::size_t k = 0; k < pending.whens.size(); ++k) {
      if (pending.whens[k].IsScalar()) tag.rule.values[k].when = r.compile_condition(pending.whens[k]);
    }
  }
  r.rule_scope.add({tag.id, tag.type, tag.labels});
}

}  // namespace

void read_rule(CatalogReading& r, const YAML::Node& node, Tag& tag) {
  const YamlSource& src = r.src;
  src.require_map(node, "'rule'");
  src.check_keys(node, {"expr", "values"});
  PendingRule pending;
  if (node["expr"] && node["values"]) src.fail(node["values"], "a rule has 'expr' or 'values', not both");
  if (node["expr"]) {
    pending.expr = src.scalar_node(node, "expr");
  } else if (node["values"]) {
    const YAML::Node values = node["values"];
    src.require_sequence(values, "'values'");
    if (values.size() == 0) src.fail(values, "a categorical rule needs at least one value");
    for (std::size_t k = 0; k < values.size(); ++k) {
      const YAML::Node v = values[k];
      src.require_map(v, "a value");
      src.check_keys(v, {"value", "name", "when"});
      TagValue tv;
      const YAML::Node label = src.scalar_node(v, "value");
      tv.label = label.Scalar();
      if (std::find(tag.labels.begin(), tag.labels.end(), tv.label) != tag.labels.end()) {
        src.fail(label, "value '" + tv.label + "' is listed twice in tag '" + tag.id + "'");
      }
      tv.name = r.read_name(v);
      if (!v["when"] && k + 1 != values.size()) {
        src.fail(v, "only the last value may omit 'when' (it is the default)",
                 "add 'when: <condition>' or move this value to the end");
      }
      pending.whens.push_back(v["when"] ? src.scalar_node(v, "when") : YAML::Node());
      tag.labels.push_back(tv.label);
      tag.rule.values.push_back(std::move(tv));
    }
    tag.type = ValueType::Category;
  } else {
    src.fail(node, "a rule needs 'expr' or 'values'", "e.g. rule: {expr: \"arpu >= 10000\"}");
  }
  r.pending_rules[r.cat.tags.size()] = std::move(pending);
}

void resolve_rules(CatalogReading& r) {
  add_rule_inputs(r);
  auto deps = rule_dependencies(r);
  // Depth-first in declaration order: the order is the same on every rank.
  std::vector<int> mark(r.cat.tags.size(), 0);  // 0 new, 1 on the path, 2 done
  std::vector<std::size_t> path;
  std::function<void(std::size_t)> visit = [&](std::size_t i) {
    mark[i] = 1;
    path.push_back(i);
    for (std::size_t j : deps[i]) {
      if (mark[j] == 1) report_cycle(r, path, j);
      if (mark[j] == 0) visit(j);
    }
    path.pop_back();
    mark[i] = 2;
    r.rule_order.push_back(i);
  };
  for (const auto& entry : r.pending_rules) {
    if (mark[entry.first] == 0) visit(entry.first);
  }
  for (std::size_t i : r.rule_order) compile_rule(r, i);
}

}  // namespace portrait::catalog
