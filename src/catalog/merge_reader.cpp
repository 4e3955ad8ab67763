// src/catalog/merge_reader.cpp: each tag's `merge:` policy for the merged
// profiles of persons, checked against the tag's type once every tag's type
// is known:
//   merge: sum | min | max | any | all | most_frequent | {policy: latest, by: <tag>}
//          | {policy: channel_priority, channels: [<channel>, ...]}
#include <algorithm>

#include "catalog/catalog_reading.hpp"

namespace portrait::catalog {
namespace {

// channels: [billing, usage, web]: the channels with records that rank a
// person's members, most trusted first. Each channel named by any policy
// gets one record count over the period in Catalog::merge_record_counts.
void read_merge_channels(CatalogReading& r, const YAML::Node& node, Tag& tag) {
  const YamlSource& src = r.src;
  std::vector<std::string> names;  // for hints
  for (const auto& c : r.schema.channels) {
    if (&c != r.customers) names.push_back(c.channel);
  }
  const std::string listing = "channels: " + CatalogReading::join(names);
  if (!node.IsMap() || !node["channels"]) {
    src.fail(
        node,
        "merge 'channel_priority' needs 'channels': the channels that rank the members, most trusted first",
        "e.g. merge: {policy: channel_priority, channels: [billing, usage, web]}");
  }
  const YAML::Node list = node["channels"];
  src.require_sequence(list, "'channels'");
  if (list.size() == 0) src.fail(list, "'channels' lists no channel", listing);
  std::vector<YAML::Node> listed;
  for (const auto& item : list) {
    if (!item.IsScalar()) src.fail(item, "a channel is a name", listing);
    const std::string channel = item.Scalar();
    const ChannelColumns* columns = r.schema.channel(channel);
    if (columns == r.customers) {
      src.fail(item, "'customers' has one row per customer: it ranks no member above another",
               "list channels with records: " + CatalogReading::join(names));
    }
    if (columns == nullptr)
      src.fail(item, "unknown channel '" + channel + "'", name_hint(channel, names, listing));
    for (const auto& first : listed) {
      if (first.Scalar() == channel) {
        src.fail(item, "channel '" + channel + "' is listed twice",
                 "the first is at " + src.location(first).to_string());
      }
    }
    listed.push_back(item);
    tag.merge_channels.push_back(channel);
    auto& counts = r.cat.merge_record_counts;
    if (std::none_of(counts.begin(), counts.end(), [&](const FactSpec& f) { return f.channel == channel; })) {
      FactSpec count;  // agg count, window the period: every record of the month
      count.channel = channel;
      count.time_column = columns->time_column;
      count.time_kind = columns->time_kind;
      counts.push_back(std::move(count));
    }
  }
}

// The policy a node names; `none` is the absence of a policy, not one.
MergePolicy read_policy(const CatalogReading& r, const YAML::Node& policy_node) {
  std::vector<std::string> policies = value_names<MergePolicy>();
  std::erase(policies, std::string(to_string(MergePolicy::None)));
  const auto policy = from_name<MergePolicy>(policy_node.Scalar());
  if (!policy || *policy == MergePolicy::None) {
    r.src.fail(policy_node, "unknown merge policy '" + policy_node.Scalar() + "'",
               name_hint(policy_node.Scalar(), policies, "policies: " + CatalogReading::join(policies)));
  }
  return *policy;
}

// The tag types a policy can merge.
void check_policy_type(const CatalogReading& r, const YAML::Node& policy_node, const Tag& tag) {
  const YamlSource& src = r.src;
  const std::string policy = policy_node.Scalar();
  const bool number = tag.type == ValueType::Int || tag.type == ValueType::Float;
  switch (tag.merge) {
    case MergePolicy::Sum:
    case MergePolicy::Min:
    case MergePolicy::Max:
      if (!number) {
        src.fail(
            policy_node,
            "merge '" + policy + "' needs a number; '" + tag.id + "' is " + std::string(to_string(tag.type)),
            "use most_frequent or latest");
      }
      break;
    case MergePolicy::Any:
    case MergePolicy::All:
      if (tag.type != ValueType::Bool) {
        src.fail(policy_node, "merge '" + policy + "' needs a bool; '" + tag.id + "' is " +
                                  std::string(to_string(tag.type)));
      }
      break;
    case MergePolicy::MostFrequent:
      if (tag.type == ValueType::Float) {
        src.fail(policy_node, "most_frequent needs whole values; '" + tag.id + "' is a float",
                 "use min, max, sum or latest");
      }
      break;
    case MergePolicy::None:
    case MergePolicy::Latest:
    case MergePolicy::ChannelPriority:
      break;
  }
}

void read_merge(CatalogReading& r, const YAML::Node& node, Tag& tag) {
  const YamlSource& src = r.src;
  if (node.IsMap()) {
    src.check_keys(node, {"policy", "by", "channels"});
  } else if (!node.IsScalar()) {
    src.fail(node,
             "'merge' is a policy, {policy: latest, by: <tag>} or "
             "{policy: channel_priority, channels: [<channel>, ...]}");
  }
  // Initialised once: assigning to a YAML::Node writes into the node it refers to.
  const YAML::Node policy_node = node.IsMap() ? src.scalar_node(node, "policy") : node;
  tag.merge = read_policy(r, policy_node);
  check_policy_type(r, policy_node, tag);
  if (tag.merge == MergePolicy::Latest) {
    if (!node.IsMap() || !node["by"]) {
      src.fail(node, "merge 'latest' needs 'by': the tag that orders the members in time",
               "e.g. merge: {policy: latest, by: last_activity}");
    }
    const YAML::Node by = node["by"];
    const Tag* order = r.cat.find(by.Scalar());
    if (order == nullptr || !(order->type == ValueType::Int || order->type == ValueType::Float)) {
      src.fail(by, "'by' must name a number tag, not '" + by.Scalar() + "'", "e.g. a last-activity time");
    }
    tag.merge_by = order->id;
  } else if (node.IsMap() && node["by"]) {
    src.fail(
        node["by"], "only merge 'latest' takes 'by'",
        tag.merge == MergePolicy::ChannelPriority ? "channel_priority ranks the members by 'channels'" : "");
  }
  if (tag.merge == MergePolicy::ChannelPriority) {
    read_merge_channels(r, node, tag);
  } else if (node.IsMap() && node["channels"]) {
    src.fail(node["channels"], "only merge 'channel_priority' takes 'channels'");
  }
  if (tag.state == TagState::Offline)
    src.fail(policy_node, "tag '" + tag.id + "' is offline and not computed");
}

}  // namespace

void read_merges(CatalogReading& r) {
  for (const auto& [index, node] : r.pending_merges) read_merge(r, node, r.cat.tags[index]);
}

}  // namespace portrait::catalog
