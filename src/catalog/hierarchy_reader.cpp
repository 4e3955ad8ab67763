// src/catalog/hierarchy_reader.cpp: the `categories:` section: first-level
// categories, their subcategories and the tags in them, each with its id,
// display name, state and its fact or rule (read by their own readers).
#include "catalog/catalog_reading.hpp"

namespace portrait::catalog {
namespace {

std::string read_tag(CatalogReading& r, const YAML::Node& node, const std::string& category,
                     const std::string& subcategory) {
  const YamlSource& src = r.src;
  src.require_map(node, "a tag");
  src.check_keys(node, {"id", "name", "description", "state", "fact", "rule", "merge"});
  Tag tag;
  tag.id = r.read_id(node, "tag");
  tag.location = src.location(node["id"]);
  for (const char* keyword :
       {"and", "or", "not", "in", "between", "true", "false", "period_start", "period_end"}) {
    if (tag.id == keyword) src.fail(node["id"], "tag id '" + tag.id + "' is a reserved name of expressions");
  }
  if (const Tag* other = r.cat.find(tag.id)) {
    src.fail(node["id"], "tag '" + tag.id + "' is defined twice",
             "the first is at " + other->location.to_string());
  }
  if (tag.id == "bucket" || tag.id == "person_id") {
    src.fail(node["id"], "tag id '" + tag.id + "' is a key column of the tag table", "rename the tag");
  }
  if (r.customers->find(tag.id) != nullptr) {
    src.fail(node["id"], "tag '" + tag.id + "' has the name of a customer attribute",
             "rename the tag; customers." + tag.id + " is already a name");
  }
  tag.name = r.read_name(node);
  tag.category = category;
  tag.subcategory = subcategory;
  if (node["state"]) {
    tag.state =
        r.read_enum<TagState>(src.scalar_node(node, "state"), "state", "a tag is draft, online or offline");
  }
  if (node["fact"] && node["rule"]) src.fail(node["rule"], "tag '" + tag.id + "' has both 'fact' and 'rule'");
  if (node["fact"]) {
    tag.kind = TagKind::Fact;
    read_fact(r, node["fact"], tag);
  } else if (node["rule"]) {
    tag.kind = TagKind::Rule;
    read_rule(r, node["rule"], tag);
  } else {
    src.fail(
        node, "tag '" + tag.id + "' has neither 'fact' nor 'rule'",
        "a fact aggregates a channel (fact: {channel, agg, ...}); a rule is an expression (rule: {expr})");
  }
  if (node["merge"]) r.pending_merges.emplace_back(r.cat.tags.size(), node["merge"]);
  r.cat.tags.push_back(std::move(tag));
  return r.cat.tags.back().id;
}

void read_category(CatalogReading& r, const YAML::Node& node) {
  const YamlSource& src = r.src;
  src.require_map(node, "a category");
  src.check_keys(node, {"id", "name", "description", "subcategories"});
  Category category;
  category.id = r.read_id(node, "category");
  category.name = r.read_name(node);
  const YAML::Node subs = node["subcategories"];
  if (!subs) src.fail(node, "category '" + category.id + "' has no 'subcategories'");
  src.require_sequence(subs, "'subcategories'");
  for (const auto& s : subs) {
    src.require_map(s, "a subcategory");
    src.check_keys(s, {"id", "name", "description", "tags"});
    Subcategory sub;
    sub.id = r.read_id(s, "subcategory");
    sub.name = r.read_name(s);
    if (!s["tags"]) src.fail(s, "subcategory '" + sub.id + "' has no 'tags'");
    src.require_sequence(s["tags"], "'tags'");
    for (const auto& t : s["tags"]) sub.tags.push_back(read_tag(r, t, category.id, sub.id));
    category.subcategories.push_back(std::move(sub));
  }
  r.cat.categories.push_back(std::move(category));
}

}  // namespace

void read_hierarchy(CatalogReading& r, const YAML::Node& categories) {
  r.src.require_sequence(categories, "'categories'");
  for (const auto& c : categories) read_category(r, c);
}

}  // namespace portrait::catalog
