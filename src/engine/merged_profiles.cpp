// src/engine/merged_profiles.cpp: merged profiles of persons.
#include "engine/merged_profiles.hpp"

#include <algorithm>
#include <map>
#include <numeric>

#include "core/hash.hpp"
#include "dist/shuffle.hpp"

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

void merge_values(MergePolicy policy, const Column& column, const Column* by, std::size_t begin,
                  std::size_t end, Column& out) {
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
          const double t = by->visit([i](const auto& b) {
            return is_missing(b[i]) ? missing<double>() : static_cast<double>(b[i]);
          });
          if (is_missing(t) || (found && t <= latest)) continue;
          latest = t;
          found = true;
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

MergedProfiles merge_profiles(const dist::Comm& comm, const catalog::Catalog& catalog, const Table& customers,
                              const dist::BucketPartition& partition, std::size_t round_bytes) {
  const auto tags = merged_tags(catalog);
  // What travels: person, customer, every merged tag and every `by` tag.
  Table outgoing("profiles");
  std::vector<std::string> columns{"person_id", "customer_id"};
  for (const auto* tag : tags) {
    if (std::find(columns.begin(), columns.end(), tag->id) == columns.end()) columns.push_back(tag->id);
    if (!tag->merge_by.empty() && std::find(columns.begin(), columns.end(), tag->merge_by) == columns.end()) {
      columns.push_back(tag->merge_by);
    }
  }
  for (const auto& name : columns) outgoing.add(name, customers.column(name));
  std::vector<int> dest(customers.rows());
  const auto& person = outgoing.values<std::int64_t>("person_id");
  for (std::size_t i = 0; i < dest.size(); ++i) dest[i] = partition.owner_of(person[i]);
  Table incoming = outgoing.empty_like();
  dist::Shuffle shuffle(comm, round_bytes);
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
  for (const auto* tag : tags) out.persons.add(tag->id, sorted.column(tag->id).type());
  out.members.add("person_id", ColumnType::Int64).values<std::int64_t>() =
      sorted.values<std::int64_t>("person_id");
  out.members.add("customer_id", ColumnType::Int64).values<std::int64_t>() =
      sorted.values<std::int64_t>("customer_id");

  const auto& sp = sorted.values<std::int64_t>("person_id");
  for (std::size_t begin = 0; begin < sp.size();) {
    std::size_t end = begin + 1;
    while (end < sp.size() && sp[end] == sp[begin]) ++end;
    person_id.push_back(sp[begin]);
    bucket.push_back(static_cast<std::int32_t>(bucket_of(sp[begin], buckets)));
    members.push_back(static_cast<std::int64_t>(end - begin));
    for (const auto* tag : tags) {
      const Column* by = tag->merge_by.empty() ? nullptr : &sorted.column(tag->merge_by);
      merge_values(tag->merge, sorted.column(tag->id), by, begin, end, out.persons.column(tag->id));
    }
    begin = end;
  }
  return out;
}

}  // namespace portrait::engine
