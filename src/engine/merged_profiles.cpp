// src/engine/merged_profiles.cpp: merged profiles of persons, and the record
// counts that rank their members for channel_priority merges.
#include "engine/merged_profiles.hpp"

#include <algorithm>
#include <map>
#include <numeric>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "engine/customer_view.hpp"
#include "engine/facts.hpp"
#include "parallel/shuffle.hpp"

namespace portrait::engine {
namespace {

using catalog::MergePolicy;

std::vector<const catalog::Tag*> merged_tags(const catalog::Catalog& catalog) {
  std::vector<const catalog::Tag*> out;
  for (const auto& tag : catalog.tags) {
    if (tag.merge != MergePolicy::None) out.push_back(&tag);
  }
  return out;
}

}  // namespace

bool has_merged_profiles(const catalog::Catalog& catalog) { return !merged_tags(catalog).empty(); }

std::string channel_records_column(const std::string& channel) { return "records." + channel; }

void count_channel_records(const catalog::Catalog& catalog, GroupedCustomers& grouped, const Period& period) {
  const CustomerBlock block = customer_block(grouped, period);
  for (const auto& spec : catalog.merge_record_counts) {
    if (grouped.find(spec.channel) == nullptr) {
      throw Error("no '" + spec.channel + "' records were loaded, and a channel_priority merge ranks by them",
                  catalog.file, "give the job an input for the channel " + spec.channel);
    }
    // The count as a fact tag, so that it sees the records as facts do.
    catalog::Tag count;
    count.id = channel_records_column(spec.channel);
    count.kind = catalog::TagKind::Fact;
    count.type = catalog::ValueType::Int;
    count.fact = spec;
    Column records(ColumnType::Int64);  // an int tag's storage, which merge_values reads
    compute_fact(count, block, records);
    grouped.customers.add(count.id, std::move(records));
  }
}

void merge_values(MergePolicy policy, const Column& column, std::span<const Column* const> by,
                  std::size_t begin, std::size_t end, Column& out) {
  column.visit([&](const auto& v) {
    using T = typename std::decay_t<decltype(v)>::value_type;
    auto& result = out.values<T>();
    T merged = missing<T>();
    switch (policy) {
      case MergePolicy::Sum:
      case MergePolicy::Min:
      case MergePolicy::Max:
        for (std::size_t i = begin; i < end; ++i) {
          if (is_missing(v[i])) continue;
          if (is_missing(merged)) {
            merged = v[i];
          } else if (policy == MergePolicy::Sum) {
            merged = static_cast<T>(merged + v[i]);
          } else {
            merged = policy == MergePolicy::Min ? std::min(merged, v[i]) : std::max(merged, v[i]);
          }
        }
        break;
      case MergePolicy::Any:
      case MergePolicy::All: {
        // Over the known values: any true / all true; missing when none is known.
        bool seen = false, any = false, all = true;
        for (std::size_t i = begin; i < end; ++i) {
          if (is_missing(v[i])) continue;
          seen = true;
          any = any || v[i] == 1;
          all = all && v[i] == 1;
        }
        if (seen) merged = static_cast<T>(policy == MergePolicy::Any ? any : all);
        break;
      }
      case MergePolicy::MostFrequent: {
        std::map<T, std::int64_t> counts;  // ordered: ties go to the smallest value
        for (std::size_t i = begin; i < end; ++i) {
          if (!is_missing(v[i])) ++counts[v[i]];
        }
        std::int64_t best = 0;
        for (const auto& [value, n] : counts) {
          if (n > best) {
            best = n;
            merged = value;
          }
        }
        break;
      }
      case MergePolicy::Latest: {
        // The member with the greatest `by` value; ties to the smaller customer id.
        double latest = 0.0;
        bool found = false;
        for (std::size_t i = begin; i < end; ++i) {
          const double t = by[0]->visit([i](const auto& b) {
            return is_missing(b[i]) ? missing<double>() : static_cast<double>(b[i]);
          });
          if (is_missing(t) || (found && t <= latest)) continue;
          latest = t;
          found = true;
          merged = v[i];
        }
        break;
      }
      case MergePolicy::ChannelPriority: {
        // The known value of the best-ranked member; ties to the smaller customer id.
        std::size_t best = by.size() + 1;  // worse than any rank
        for (std::size_t i = begin; i < end; ++i) {
          if (is_missing(v[i])) continue;
          std::size_t rank = 0;  // by.size(): no record in any listed channel
          while (rank < by.size() && by[rank]->values<std::int64_t>()[i] <= 0) ++rank;
          if (rank >= best) continue;
          best = rank;
          merged = v[i];
        }
        break;
      }
      case MergePolicy::None:
        break;
    }
    result.push_back(merged);
  });
}

MergedProfiles merge_profiles(const parallel::Comm& comm, const catalog::Catalog& catalog, const Table& tags,
                              const Table& customers, const parallel::BucketPartition& partition,
                              std::size_t round_bytes, const std::string& person_column) {
  const auto merged = merged_tags(catalog);
  // What travels: person, customer, every merged tag, every `by` tag and the
  // record counts that channel_priority ranks by.
  Table outgoing("profiles");
  std::vector<std::string> columns{"person_id", "customer_id"};
  for (const auto* tag : merged) {
    if (std::find(columns.begin(), columns.end(), tag->id) == columns.end()) columns.push_back(tag->id);
    if (!tag->merge_by.empty() && std::find(columns.begin(), columns.end(), tag->merge_by) == columns.end()) {
      columns.push_back(tag->merge_by);
    }
  }
  for (const auto& name : columns)
    outgoing.add(name, tags.column(name == "person_id" ? person_column : name));
  for (const auto& spec : catalog.merge_record_counts) {
    const std::string name = channel_records_column(spec.channel);
    outgoing.add(name, customers.column(name));
  }
  std::vector<int> dest(tags.rows());
  const auto& person = outgoing.values<std::int64_t>("person_id");
  for (std::size_t i = 0; i < dest.size(); ++i) dest[i] = partition.owner_of(person[i]);
  Table incoming = outgoing.empty_like();
  parallel::Shuffle shuffle(comm, round_bytes);
  shuffle.exchange(outgoing, dest, incoming);

  // Members in (bucket of person, person, customer) order.
  const auto& p = incoming.values<std::int64_t>("person_id");
  const auto& c = incoming.values<std::int64_t>("customer_id");
  const std::uint32_t buckets = partition.buckets();
  std::vector<std::uint32_t> order(p.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return std::make_tuple(bucket_of(p[a], buckets), p[a], c[a]) <
           std::make_tuple(bucket_of(p[b], buckets), p[b], c[b]);
  });
  Table sorted = incoming.empty_like();
  for (std::size_t k = 0; k < incoming.column_count(); ++k)
    sorted.column(k).gather(incoming.column(k), order);

  MergedProfiles out;
  auto& person_id = out.persons.add("person_id", ColumnType::Int64).values<std::int64_t>();
  auto& bucket = out.persons.add("bucket", ColumnType::Int32).values<std::int32_t>();
  auto& members = out.persons.add("members", ColumnType::Int64).values<std::int64_t>();
  for (const auto* tag : merged) out.persons.add(tag->id, sorted.column(tag->id).type());
  out.members.add("person_id", ColumnType::Int64).values<std::int64_t>() =
      sorted.values<std::int64_t>("person_id");
  out.members.add("customer_id", ColumnType::Int64).values<std::int64_t>() =
      sorted.values<std::int64_t>("customer_id");

  // Each merged tag's ordering columns (see merge_values).
  std::vector<std::vector<const Column*>> by(merged.size());
  for (std::size_t t = 0; t < merged.size(); ++t) {
    if (!merged[t]->merge_by.empty()) by[t].push_back(&sorted.column(merged[t]->merge_by));
    for (const auto& channel : merged[t]->merge_channels)
      by[t].push_back(&sorted.column(channel_records_column(channel)));
  }
  const auto& sp = sorted.values<std::int64_t>("person_id");
  for (std::size_t begin = 0; begin < sp.size();) {
    std::size_t end = begin + 1;
    while (end < sp.size() && sp[end] == sp[begin]) ++end;
    person_id.push_back(sp[begin]);
    bucket.push_back(static_cast<std::int32_t>(bucket_of(sp[begin], buckets)));
    members.push_back(static_cast<std::int64_t>(end - begin));
    for (std::size_t t = 0; t < merged.size(); ++t) {
      merge_values(merged[t]->merge, sorted.column(merged[t]->id), by[t], begin, end,
                   out.persons.column(merged[t]->id));
    }
    begin = end;
  }
  return out;
}

}  // namespace portrait::engine
