// src/catalog/linking_reader.cpp: the `linking:` section: the channel whose
// records show the person behind a number (time, place and contact
// columns), the blocking keys (tags together, top contacts, presence
// min-hashes), the block cap, the comparisons with their bands, and the EM.
// Linking runs after the facts and rules, before the models: it reads
// neither model outputs nor the rules that read them.
#include <fmt/format.h>

#include <algorithm>

#include "catalog/catalog_reading.hpp"

namespace portrait::catalog {
namespace {

constexpr std::int64_t kMaxKeysPerCustomer = 16;
// Comparison patterns (levels and missing of every comparison together),
// as identity::PatternSpace allows.
constexpr std::int64_t kMaxPatterns = 1 << 16;

// A column of the linking channel, of the type linking reads it as.
std::string channel_column(const CatalogReading& r, const YAML::Node& node, const char* key,
                           const ChannelColumns& channel, const std::string& fallback, ColumnType type) {
  const YAML::Node value = node[key];
  const std::string name = value ? value.Scalar() : fallback;
  const SchemaColumn* column = channel.find(name);
  std::vector<std::string> names;
  for (const auto& c : channel.columns) names.push_back(c.name);
  const YAML::Node& where = value ? value : node;
  if (column == nullptr) {
    r.src.fail(where, fmt::format("channel '{}' has no column '{}'", channel.channel, name),
               name_hint(name, names, "columns: " + CatalogReading::join(names)));
  }
  if (column->type != type) {
    r.src.fail(where, fmt::format("linking reads '{}' ({}) as {}, and it is {}", name, key, to_string(type),
                                  to_string(column->type)));
  }
  return name;
}

// A tag (or customers.<column>) with whole values, computed before linking.
std::string attribute(const CatalogReading& r, const YAML::Node& node, const std::string& what) {
  const NameInfo* info = r.resolve(node, what);
  if (info->type == ValueType::Float) {
    r.src.fail(node, "linking compares '" + node.Scalar() + "', a float",
               "compare bool, int or category tags");
  }
  if (const Tag* tag = r.cat.find(info->name)) {
    const auto index = static_cast<std::size_t>(tag - r.cat.tags.data());
    const bool after_models =
        std::find(r.cat.after_models.begin(), r.cat.after_models.end(), index) != r.cat.after_models.end();
    if (tag->kind == TagKind::Model || after_models) {
      r.src.fail(node,
                 "'" + info->name + "' is computed from model outputs, and linking runs before the models",
                 "link by facts, rules and customer attributes");
    }
  }
  return info->name;
}

int keys_per_customer(const CatalogReading& r, const YAML::Node& node, const std::string& what) {
  const std::int64_t n = r.src.integer(node, what);
  if (n < 1 || n > kMaxKeysPerCustomer) {
    r.src.fail(node, fmt::format("{} is {}, not 1..{}", what, n, kMaxKeysPerCustomer));
  }
  return static_cast<int>(n);
}

LinkingBlockSpec read_block(const CatalogReading& r, const YAML::Node& node) {
  const YamlSource& src = r.src;
  src.require_map(node, "a blocking key");
  src.check_keys(node, {"tags", "top_contacts", "presence_hash"});
  if (node.size() != 1) {
    src.fail(node, "a blocking key is one of tags, top_contacts or presence_hash",
             "write each family of keys as its own item");
  }
  LinkingBlockSpec b;
  if (const YAML::Node tags = node["tags"]) {
    b.kind = LinkingBlockSpec::Kind::Tags;
    src.require_sequence(tags, "'tags'");
    if (tags.size() == 0) src.fail(tags, "'tags' needs at least one tag");
    for (const auto& t : tags) b.tags.push_back(attribute(r, t, "a blocking key"));
    b.name = "tags:" + CatalogReading::join(b.tags);
  } else if (const YAML::Node top = node["top_contacts"]) {
    b.kind = LinkingBlockSpec::Kind::TopContacts;
    b.count = keys_per_customer(r, top, "top_contacts");
    b.name = fmt::format("top_contacts:{}", b.count);
  } else {
    b.kind = LinkingBlockSpec::Kind::PresenceHash;
    b.count = keys_per_customer(r, node["presence_hash"], "presence_hash");
    b.name = fmt::format("presence_hash:{}", b.count);
  }
  return b;
}

std::vector<double> read_bands(const CatalogReading& r, const YAML::Node& node, const std::string& what) {
  r.src.require_sequence(node, "the bands of '" + what + "'");
  std::vector<double> bands;
  for (const auto& b : node) {
    const double v = r.real(b, "a band");
    if (!(v > 0 && v <= 1) || (!bands.empty() && !(v > bands.back()))) {
      r.src.fail(b, fmt::format("the bands of '{}' must ascend within (0, 1]; {} does not", what, v),
                 "e.g. [0.1, 0.3, 0.5]: levels below 0.1, 0.1-0.3, 0.3-0.5, 0.5 and above");
    }
    bands.push_back(v);
  }
  if (bands.empty()) r.src.fail(node, "'" + what + "' needs at least one band");
  return bands;
}

// Bands of counts: ascending whole numbers from 1.
std::vector<double> read_count_bands(const CatalogReading& r, const YAML::Node& node,
                                     const std::string& what) {
  r.src.require_sequence(node, "the bands of '" + what + "'");
  std::vector<double> bands;
  for (const auto& b : node) {
    const std::int64_t v = r.src.integer(b, "a band");
    if (v < 1 || v > 4096 || (!bands.empty() && !(static_cast<double>(v) > bands.back()))) {
      r.src.fail(b,
                 fmt::format("the bands of '{}' are place counts ascending from 1; {} does not fit", what, v),
                 "e.g. [1, 2, 3]: no place, one, two, three or more");
    }
    bands.push_back(static_cast<double>(v));
  }
  if (bands.empty()) r.src.fail(node, "'" + what + "' needs at least one band");
  return bands;
}

LinkingComparisonSpec read_comparison(const CatalogReading& r, const YAML::Node& node) {
  using Kind = LinkingComparisonSpec::Kind;
  const YamlSource& src = r.src;
  src.require_map(node, "a comparison");
  src.check_keys(node, {"equal", "contacts", "shared_hours", "shared_places", "at_least"});
  std::size_t kinds = 0;
  for (const char* kind : {"equal", "contacts", "shared_hours", "shared_places"}) kinds += node[kind] ? 1 : 0;
  if (kinds != 1) src.fail(node, "a comparison is one of equal, contacts, shared_hours or shared_places");
  LinkingComparisonSpec c;
  if (const YAML::Node tag = node["equal"]) {
    c.kind = Kind::Equal;
    if (tag.IsSequence()) {
      if (tag.size() == 0) src.fail(tag, "'equal' needs at least one tag");
      for (const auto& t : tag) c.tags.push_back(attribute(r, t, "a comparison"));
    } else {
      c.tags.push_back(attribute(r, tag, "a comparison"));
    }
    c.name = c.tags.front();
    for (std::size_t k = 1; k < c.tags.size(); ++k) c.name += "+" + c.tags[k];
  } else if (const YAML::Node contacts = node["contacts"]) {
    c.kind = Kind::ContactJaccard;
    c.name = "contacts";
    c.bands = read_bands(r, contacts, c.name);
  } else if (const YAML::Node hours = node["shared_hours"]) {
    c.kind = Kind::SharedHours;
    c.name = "shared_hours";
    c.bands = read_bands(r, hours, c.name);
  } else {
    c.kind = Kind::SharedPlaces;
    c.name = "shared_places";
    c.bands = read_count_bands(r, node["shared_places"], c.name);
  }
  if (const YAML::Node at_least = node["at_least"]) {
    if (c.kind == Kind::Equal)
      src.fail(at_least, "'equal' takes no at_least",
               "at_least is the least circle or presence set compared");
    c.at_least = src.integer(at_least, "at_least");
    if (c.at_least < 1 || c.at_least > 4096)
      src.fail(at_least, fmt::format("at_least is {}, not 1..4096", c.at_least));
  }
  return c;
}

std::int64_t bounded(const CatalogReading& r, const YAML::Node& node, const char* what, std::int64_t low,
                     std::int64_t high) {
  const std::int64_t v = r.src.integer(node, what);
  if (v < low || v > high) r.src.fail(node, fmt::format("{} is {}, not {}..{}", what, v, low, high));
  return v;
}

}  // namespace

void read_linking(CatalogReading& r, const YAML::Node& node) {
  const YamlSource& src = r.src;
  src.require_map(node, "'linking'");
  src.check_keys(node, {"channel", "time", "place", "contact", "blocks", "max_block_customers", "compare",
                        "contact_circle", "presence_limit", "em", "write_pairs_above"});
  LinkingSpec spec;
  spec.location = src.location(node).to_string();
  if (const YAML::Node c = node["channel"]) spec.channel = c.Scalar();
  const ChannelColumns* channel = r.schema.channel(spec.channel);
  if (channel == nullptr || channel == r.customers) {
    std::vector<std::string> names;
    for (const auto& c : r.schema.channels) {
      if (&c != r.customers) names.push_back(c.channel);
    }
    src.fail(node["channel"] ? node["channel"] : node,
             fmt::format("linking compares the records of '{}', which is no record channel", spec.channel),
             name_hint(spec.channel, names, "channels: " + CatalogReading::join(names)));
  }
  spec.time_column = channel_column(r, node, "time", *channel, channel->time_column, ColumnType::Int64);
  spec.place_column = channel_column(r, node, "place", *channel, spec.place_column, ColumnType::Int32);
  spec.contact_column = channel_column(r, node, "contact", *channel, spec.contact_column, ColumnType::UInt64);

  if (!node["blocks"])
    src.fail(node, "'linking' needs 'blocks'", "e.g. blocks: [{top_contacts: 3}, {presence_hash: 2}]");
  src.require_sequence(node["blocks"], "'blocks'");
  for (const auto& b : node["blocks"]) spec.blocks.push_back(read_block(r, b));
  if (spec.blocks.empty()) src.fail(node["blocks"], "'blocks' needs at least one family of keys");
  if (const YAML::Node m = node["max_block_customers"])
    spec.max_block_customers = bounded(r, m, "max_block_customers", 2, std::int64_t{1} << 20);

  if (!node["compare"])
    src.fail(node, "'linking' needs 'compare'", "e.g. compare: [{equal: home_cell}, {contacts: [0.1, 0.3]}]");
  src.require_sequence(node["compare"], "'compare'");
  for (const auto& c : node["compare"]) {
    spec.comparisons.push_back(read_comparison(r, c));
    for (std::size_t k = 0; k + 1 < spec.comparisons.size(); ++k) {
      if (spec.comparisons[k].name == spec.comparisons.back().name)
        src.fail(c, "'" + spec.comparisons.back().name + "' is compared twice");
    }
  }
  if (spec.comparisons.empty()) src.fail(node["compare"], "'compare' needs at least one comparison");
  std::int64_t patterns = 1;
  for (const auto& c : spec.comparisons)
    patterns *=
        c.kind == LinkingComparisonSpec::Kind::Equal ? 3 : static_cast<std::int64_t>(c.bands.size()) + 2;
  if (patterns > kMaxPatterns) {
    src.fail(node["compare"],
             fmt::format("the comparisons make {} patterns, more than {}", patterns, kMaxPatterns),
             "use fewer comparisons or fewer bands");
  }
  if (const YAML::Node c = node["contact_circle"])
    spec.contact_circle = bounded(r, c, "contact_circle", 1, 256);
  if (const YAML::Node p = node["presence_limit"])
    spec.presence_limit = bounded(r, p, "presence_limit", 1, 4096);
  if (const YAML::Node em = node["em"]) {
    src.require_map(em, "'em'");
    src.check_keys(em, {"max_iterations", "tolerance", "initial_match_share"});
    if (em["max_iterations"])
      spec.max_iterations = bounded(r, em["max_iterations"], "max_iterations", 1, 100000);
    if (em["tolerance"]) {
      spec.tolerance = r.real(em["tolerance"], "tolerance");
      if (!(spec.tolerance > 0)) src.fail(em["tolerance"], "tolerance must be above 0");
    }
    if (em["initial_match_share"]) {
      spec.initial_match_share = r.real(em["initial_match_share"], "initial_match_share");
      if (!(spec.initial_match_share > 0 && spec.initial_match_share < 1))
        src.fail(em["initial_match_share"], "initial_match_share must lie strictly between 0 and 1");
    }
  }
  if (const YAML::Node w = node["write_pairs_above"]) {
    spec.write_pairs_above = r.real(w, "write_pairs_above");
    if (!(spec.write_pairs_above >= 0 && spec.write_pairs_above <= 1))
      src.fail(w, "write_pairs_above is a match probability, 0..1");
  }
  r.cat.linking = std::move(spec);
}

}  // namespace portrait::catalog
