// src/stats/run_comparison.cpp: counting, reducing and writing a comparison
// of two runs.
#include "stats/run_comparison.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.hpp"
#include "core/types.hpp"
#include "io/csv_reader.hpp"
#include "parallel/bucket_reduce.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/reduce.hpp"

namespace portrait::stats {
namespace {

std::vector<std::size_t> indexes_of(const std::vector<std::string>& labels,
                                    const std::vector<std::string>& values) {
  std::vector<std::size_t> index;
  for (const auto& label : labels)
    index.push_back(
        static_cast<std::size_t>(std::find(values.begin(), values.end(), label) - values.begin()));
  return index;
}

bool has_values(const ComparedTag& tag) { return tag.shape != TagShape::Numeric; }

void size_counts(const ComparedTag& tag, ValueCounts& counts) {
  if (!has_values(tag)) return;
  const std::size_t n = tag.values.size();
  counts.a.assign(n, 0);
  counts.b.assign(n, 0);
  if (!tag.migration) return;
  counts.matrix.assign(n * n, 0);
  counts.added_by.assign(n, 0);
  counts.lost_by.assign(n, 0);
}

// Quoted only when it has to be, so plain labels stay plain.
std::string csv_field(const std::string& text) {
  return text.find_first_of(",\"\r\n") == std::string::npos ? text : io::csv_quote(text);
}

std::string number(const std::optional<double>& v) { return v ? fmt::format("{:.10g}", *v) : std::string(); }

std::optional<double> change(const std::optional<double>& a, const std::optional<double>& b) {
  if (!a || !b) return std::nullopt;
  return *b - *a;
}

nlohmann::ordered_json json_number(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

std::string shape_name(TagShape shape) {
  switch (shape) {
    case TagShape::Categorical:
      return "categorical";
    case TagShape::Boolean:
      return "boolean";
    case TagShape::Numeric:
      break;
  }
  return "numeric";
}

}  // namespace

std::size_t ComparedTag::value_index(bool b, std::int64_t code) const {
  const auto& index = b ? index_b : index_a;
  if (is_missing(code) || code < 0 || static_cast<std::size_t>(code) >= index.size())
    return values.size() - 1;
  return index[static_cast<std::size_t>(code)];
}

ComparedTag categorical_tag(const std::string& id, const std::vector<std::string>& labels_a,
                            const std::vector<std::string>& labels_b, bool migration) {
  ComparedTag tag;
  tag.id = id;
  tag.shape = TagShape::Categorical;
  tag.migration = migration;
  tag.values = labels_a;
  for (const auto& label : labels_b) {
    if (std::find(tag.values.begin(), tag.values.end(), label) == tag.values.end())
      tag.values.push_back(label);
  }
  tag.values.emplace_back(kMissingValue);
  tag.index_a = indexes_of(labels_a, tag.values);
  tag.index_b = indexes_of(labels_b, tag.values);
  return tag;
}

ComparedTag boolean_tag(const std::string& id, bool migration) {
  ComparedTag tag = categorical_tag(id, {"false", "true"}, {"false", "true"}, migration);
  tag.shape = TagShape::Boolean;
  return tag;
}

ComparedTag numeric_tag(const std::string& id, bool integer) {
  ComparedTag tag;
  tag.id = id;
  tag.integer = integer;
  return tag;
}

std::vector<std::int64_t> BlockCounts::flat() const {
  std::vector<std::int64_t> out = {customers_a, customers_b, both, added, lost};
  for (const auto& t : tags) {
    for (const auto* part : {&t.a, &t.b, &t.matrix, &t.added_by, &t.lost_by})
      out.insert(out.end(), part->begin(), part->end());
  }
  return out;
}

void BlockCounts::assign_flat(const std::vector<std::int64_t>& values) {
  std::size_t at = 0;
  for (auto* total : {&customers_a, &customers_b, &both, &added, &lost}) *total = values.at(at++);
  for (auto& t : tags) {
    for (auto* part : {&t.a, &t.b, &t.matrix, &t.added_by, &t.lost_by}) {
      for (auto& v : *part) v = values.at(at++);
    }
  }
}

std::vector<std::uint32_t> value_indexes(const ComparedTag& tag, bool b, const Column& column) {
  std::vector<std::uint32_t> out(column.size());
  column.visit([&](const auto& values) {
    for (std::size_t r = 0; r < values.size(); ++r) {
      const auto v = values[r];
      out[r] = static_cast<std::uint32_t>(
          tag.value_index(b, is_missing(v) ? missing<std::int64_t>() : static_cast<std::int64_t>(v)));
    }
  });
  return out;
}

BlockCounts count_blocks(const Table& a, const Table& b, const std::vector<ComparedTag>& tags) {
  BlockCounts counts;
  counts.tags.resize(tags.size());
  counts.customers_a = static_cast<std::int64_t>(a.rows());
  counts.customers_b = static_cast<std::int64_t>(b.rows());
  // Each row's value of every Categorical/Boolean tag, once per run.
  std::vector<std::vector<std::uint32_t>> value_a(tags.size()), value_b(tags.size());
  for (std::size_t t = 0; t < tags.size(); ++t) {
    size_counts(tags[t], counts.tags[t]);
    if (!has_values(tags[t])) continue;
    value_a[t] = value_indexes(tags[t], false, a.column(tags[t].id));
    value_b[t] = value_indexes(tags[t], true, b.column(tags[t].id));
    for (const auto v : value_a[t]) ++counts.tags[t].a[v];
    for (const auto v : value_b[t]) ++counts.tags[t].b[v];
  }
  // Both blocks are in (bucket, customer_id) order: one merge pass matches them.
  const auto& id_a = a.values<std::int64_t>("customer_id");
  const auto& id_b = b.values<std::int64_t>("customer_id");
  const auto& bucket_a = a.values<std::int32_t>("bucket");
  const auto& bucket_b = b.values<std::int32_t>("bucket");
  std::size_t i = 0, j = 0;
  while (i < a.rows() || j < b.rows()) {
    const bool a_first =
        j == b.rows() || (i < a.rows() && std::pair(bucket_a[i], id_a[i]) < std::pair(bucket_b[j], id_b[j]));
    const bool b_first =
        !a_first && (i == a.rows() || std::pair(bucket_b[j], id_b[j]) < std::pair(bucket_a[i], id_a[i]));
    for (std::size_t t = 0; t < tags.size(); ++t) {
      if (!tags[t].migration) continue;
      ValueCounts& c = counts.tags[t];
      if (a_first) {
        ++c.lost_by[value_a[t][i]];
      } else if (b_first) {
        ++c.added_by[value_b[t][j]];
      } else {
        ++c.matrix[value_a[t][i] * tags[t].values.size() + value_b[t][j]];
      }
    }
    if (a_first) {
      ++counts.lost;
      ++i;
    } else if (b_first) {
      ++counts.added;
      ++j;
    } else {
      ++counts.both;
      ++i;
      ++j;
    }
  }
  return counts;
}

std::vector<ComparedTag> compared_tags(const RunOutput& a, const RunOutput& b,
                                       const std::vector<std::string>& migration_tags,
                                       std::vector<std::string>& warnings) {
  const std::string sha_a = a.manifest.contains("catalog") ? a.manifest["catalog"].value("sha256", "") : "";
  const std::string sha_b = b.manifest.contains("catalog") ? b.manifest["catalog"].value("sha256", "") : "";
  if (sha_a != sha_b)
    warnings.push_back(
        "the runs used different catalogs (SHA-256 differs); only the tags both runs hold are compared");
  for (const auto& c : a.customers.columns) {
    if (!is_key_column(c.name) && !b.has_column(c.name))
      warnings.push_back(fmt::format("tag {} is only in {} ({}); not compared", c.name, a.dir, a.period));
  }
  for (const auto& c : b.customers.columns) {
    if (!is_key_column(c.name) && !a.has_column(c.name))
      warnings.push_back(fmt::format("tag {} is only in {} ({}); not compared", c.name, b.dir, b.period));
  }
  for (const auto& id : migration_tags) {
    for (const RunOutput* run : {&a, &b}) {
      if (!run->has_column(id))
        throw Error(fmt::format("tag {} is not in the run's customers table", id), run->dir,
                    "name a tag both runs computed (--tag)");
    }
  }
  std::vector<std::string> migrating = migration_tags;
  if (migrating.empty() && a.catalog) {
    // The tags the catalog's statistics group customers by: the segments managers read.
    std::set<std::string> grouped;
    for (const auto& s : a.catalog->statistics) grouped.insert(s.group_by.begin(), s.group_by.end());
    for (const auto& tag : a.catalog->tags) {
      if (grouped.count(tag.id) != 0 && a.tag_type(tag.id) == catalog::ValueType::Category &&
          b.has_column(tag.id))
        migrating.push_back(tag.id);
    }
  }
  std::vector<ComparedTag> tags;
  for (const auto& column : a.customers.columns) {
    if (is_key_column(column.name) || !b.has_column(column.name)) continue;
    const auto type_a = a.tag_type(column.name);
    const auto type_b = b.tag_type(column.name);
    const bool migration = std::find(migrating.begin(), migrating.end(), column.name) != migrating.end();
    const bool category_a = type_a == catalog::ValueType::Category;
    const bool category_b = type_b == catalog::ValueType::Category;
    if (category_a != category_b) {
      if (migration) throw Error(fmt::format("tag {} is categorical in one run only", column.name), b.dir);
      warnings.push_back(fmt::format("tag {} is categorical in one run only; not compared", column.name));
      continue;
    }
    if (category_a) {
      tags.push_back(
          categorical_tag(column.name, a.tag_labels(column.name), b.tag_labels(column.name), migration));
    } else if (type_a == catalog::ValueType::Bool && type_b == catalog::ValueType::Bool) {
      tags.push_back(boolean_tag(column.name, migration));
    } else {
      if (migration)
        throw Error(
            fmt::format("tag {} is not categorical; a migration matrix needs a categorical or boolean tag",
                        column.name),
            a.dir, "name a tag with values (a `values:` rule) or a boolean tag");
      ColumnType type_in_b = ColumnType::Float64;
      for (const auto& c : b.customers.columns) {
        if (c.name == column.name) type_in_b = c.type;
      }
      tags.push_back(
          numeric_tag(column.name, column.type != ColumnType::Float64 && type_in_b != ColumnType::Float64));
    }
  }
  return tags;
}

RunComparison compare_runs(const parallel::Comm& comm, const std::string& run_a, const std::string& run_b,
                           const std::vector<std::string>& migration_tags) {
  RunOutput a, b;
  std::vector<ComparedTag> tags;
  RunComparison result;
  parallel::collectively(comm, [&] {
    a = open_run_output(run_a);
    b = open_run_output(run_b);
    result.warnings = a.warnings;
    result.warnings.insert(result.warnings.end(), b.warnings.begin(), b.warnings.end());
    if (a.buckets != b.buckets)
      throw Error(fmt::format("the runs have different bucket counts ({} in {}, {} in {})", a.buckets, a.dir,
                              b.buckets, b.dir),
                  b.dir,
                  fmt::format("rerun the job of {} with `buckets: {}` in its job file", a.period, b.buckets));
    if (static_cast<std::uint32_t>(comm.size()) > a.buckets)
      throw Error(fmt::format("{} ranks for {} buckets", comm.size(), a.buckets), a.dir,
                  "run with at most as many ranks as buckets");
    tags = compared_tags(a, b, migration_tags, result.warnings);
  });
  const parallel::BucketRange range = parallel::even_bucket_range(a.buckets, comm.size(), comm.rank());
  Table rows_a, rows_b;
  parallel::collectively(comm, [&] {
    std::vector<std::string> columns = {"customer_id", "bucket"};
    for (const auto& t : tags) columns.push_back(t.id);
    rows_a = read_customer_rows(a, range, columns);
    rows_b = read_customer_rows(b, range, columns);
  });

  // Categorical counts: local, then one exact sum.
  BlockCounts counts = count_blocks(rows_a, rows_b, tags);
  counts.assign_flat(parallel::sum<std::int64_t>(comm, counts.flat()));

  // Numeric tags: count, mean and median of each run, exact.
  std::vector<std::size_t> numeric;
  std::vector<LocalValues> local;  // per numeric tag: run A, run B
  for (std::size_t t = 0; t < tags.size(); ++t) {
    if (tags[t].shape != TagShape::Numeric) continue;
    numeric.push_back(t);
    for (const Table* rows : {&rows_a, &rows_b})
      local.push_back(local_values(rows->column(tags[t].id), rows->values<std::int32_t>("bucket"), range));
  }
  const auto summaries = summarize_values(comm, range, local, {0.5});
  const auto numeric_summary = [](const ValueSummary& s) {
    return NumericSummary{s.count, s.mean,
                          s.quantiles.empty() ? std::nullopt : std::optional<double>(s.quantiles[0])};
  };

  result.run_a = a.dir;
  result.run_b = b.dir;
  result.period_a = a.period;
  result.period_b = b.period;
  result.customers_a = counts.customers_a;
  result.customers_b = counts.customers_b;
  result.both = counts.both;
  result.added = counts.added;
  result.lost = counts.lost;
  for (std::size_t t = 0; t < tags.size(); ++t) {
    TagChange change;
    change.tag = tags[t];
    change.counts = counts.tags[t];
    const auto k = static_cast<std::size_t>(std::find(numeric.begin(), numeric.end(), t) - numeric.begin());
    if (k < numeric.size()) {
      change.numeric_a = numeric_summary(summaries[k * 2]);
      change.numeric_b = numeric_summary(summaries[k * 2 + 1]);
    }
    result.tags.push_back(std::move(change));
  }
  return result;
}

double LocalValues::value(std::int64_t sorted_value) const {
  return integer ? static_cast<double>(sorted_value) : parallel::from_ordered_bits(sorted_value);
}

LocalValues local_values(const Column& column, std::span<const std::int32_t> bucket,
                         const parallel::BucketRange& range) {
  LocalValues out;
  column.visit([&](const auto& values) {
    using T = typename std::decay_t<decltype(values)>::value_type;
    out.integer = !std::is_floating_point_v<T>;
    if constexpr (std::is_floating_point_v<T>) out.bucket_sums.assign(range.size(), 0.0);
    for (std::size_t r = 0; r < values.size(); ++r) {
      const T v = values[r];
      if (is_missing(v)) {
        ++out.missing;
      } else if constexpr (std::is_floating_point_v<T>) {
        out.sorted.push_back(parallel::ordered_bits(v));
        out.bucket_sums[static_cast<std::size_t>(bucket[r]) - range.begin] += v;
      } else {
        out.sorted.push_back(static_cast<std::int64_t>(v));
        out.sum += static_cast<Int128>(v);
      }
    }
  });
  std::sort(out.sorted.begin(), out.sorted.end());
  return out;
}

std::vector<ValueSummary> summarize_values(const parallel::Comm& comm, const parallel::BucketRange& range,
                                           const std::vector<LocalValues>& groups,
                                           const std::vector<double>& quantiles) {
  const std::size_t n = groups.size();
  std::vector<std::int64_t> counts(n * 2);
  std::vector<Int128> sums(n);
  std::vector<std::size_t> float_at(n, 0);
  std::size_t floats = 0;
  for (std::size_t g = 0; g < n; ++g) {
    counts[g * 2] = static_cast<std::int64_t>(groups[g].sorted.size());
    counts[g * 2 + 1] = groups[g].missing;
    sums[g] = groups[g].sum;
    if (!groups[g].integer) float_at[g] = floats++;
  }
  // The float groups' bucket sums side by side, bucket by bucket.
  std::vector<double> partials(range.size() * floats, 0.0);
  for (std::size_t g = 0; g < n; ++g) {
    if (groups[g].integer) continue;
    for (std::size_t b = 0; b < range.size(); ++b)
      partials[b * floats + float_at[g]] = groups[g].bucket_sums[b];
  }
  const auto total_counts = parallel::sum<std::int64_t>(comm, counts);
  const auto total_sums = parallel::sum_exact(comm, sums);
  const auto float_sums =
      floats == 0 ? std::vector<double>() : parallel::bucket_reduce(comm, range, partials, floats);
  std::vector<std::span<const std::int64_t>> spans;
  std::vector<std::uint64_t> ranks;
  for (std::size_t g = 0; g < n; ++g) {
    for (const double q : quantiles) {
      spans.emplace_back(groups[g].sorted);
      ranks.push_back(parallel::quantile_rank(q, static_cast<std::uint64_t>(total_counts[g * 2])));
    }
  }
  const auto values = parallel::kth_smallest(comm, spans, ranks);

  std::vector<ValueSummary> out(n);
  for (std::size_t g = 0; g < n; ++g) {
    ValueSummary& s = out[g];
    s.count = total_counts[g * 2];
    s.missing = total_counts[g * 2 + 1];
    if (s.count == 0) continue;
    const double sum = groups[g].integer ? static_cast<double>(total_sums[g]) : float_sums[float_at[g]];
    s.mean = sum / static_cast<double>(s.count);
    for (std::size_t q = 0; q < quantiles.size(); ++q)
      s.quantiles.push_back(groups[g].value(values[g * quantiles.size() + q]));
  }
  return out;
}

double share_percent(std::int64_t count, std::int64_t total) {
  return total == 0 ? 0.0 : 100.0 * static_cast<double>(count) / static_cast<double>(total);
}

std::string migration_csv(const RunComparison& c) {
  std::string out = "tag,from,to,customers\n";
  for (const auto& t : c.tags) {
    if (!t.tag.migration) continue;
    const std::size_t n = t.tag.values.size();
    for (std::size_t from = 0; from < n; ++from) {
      for (std::size_t to = 0; to < n; ++to) {
        out += fmt::format("{},{},{},{}\n", csv_field(t.tag.id), csv_field(t.tag.values[from]),
                           csv_field(t.tag.values[to]), t.counts.matrix[from * n + to]);
      }
    }
  }
  return out;
}

std::string shares_csv(const RunComparison& c) {
  std::string out = "tag,value,customers_a,customers_b,share_a,share_b,change_points\n";
  for (const auto& t : c.tags) {
    if (t.tag.shape == TagShape::Numeric) continue;
    for (std::size_t v = 0; v < t.tag.values.size(); ++v) {
      const double share_a = share_percent(t.counts.a[v], c.customers_a);
      const double share_b = share_percent(t.counts.b[v], c.customers_b);
      out +=
          fmt::format("{},{},{},{},{:.4f},{:.4f},{:.4f}\n", csv_field(t.tag.id), csv_field(t.tag.values[v]),
                      t.counts.a[v], t.counts.b[v], share_a, share_b, share_b - share_a);
    }
  }
  return out;
}

std::string numeric_csv(const RunComparison& c) {
  std::string out = "tag,customers_a,customers_b,mean_a,mean_b,mean_change,median_a,median_b,median_change\n";
  for (const auto& t : c.tags) {
    if (t.tag.shape != TagShape::Numeric) continue;
    const auto& a = t.numeric_a;
    const auto& b = t.numeric_b;
    out += fmt::format("{},{},{},{},{},{},{},{},{}\n", csv_field(t.tag.id), a.count, b.count, number(a.mean),
                       number(b.mean), number(change(a.mean, b.mean)), number(a.median), number(b.median),
                       number(change(a.median, b.median)));
  }
  return out;
}

std::string new_lost_csv(const RunComparison& c) {
  std::string out = "tag,value,new,lost\n";
  out += fmt::format(",(all),{},{}\n", c.added, c.lost);
  for (const auto& t : c.tags) {
    if (!t.tag.migration) continue;
    for (std::size_t v = 0; v < t.tag.values.size(); ++v) {
      out += fmt::format("{},{},{},{}\n", csv_field(t.tag.id), csv_field(t.tag.values[v]),
                         t.counts.added_by[v], t.counts.lost_by[v]);
    }
  }
  return out;
}

std::string comparison_json(const RunComparison& c) {
  using Json = nlohmann::ordered_json;
  Json root;
  root["run_a"] = c.run_a;
  root["run_b"] = c.run_b;
  root["period_a"] = c.period_a;
  root["period_b"] = c.period_b;
  root["customers"] = {
      {"a", c.customers_a}, {"b", c.customers_b}, {"both", c.both}, {"new", c.added}, {"lost", c.lost}};
  Json migrations = Json::array();
  Json shares = Json::array();
  Json numeric = Json::array();
  for (const auto& t : c.tags) {
    const std::size_t n = t.tag.values.size();
    if (t.tag.migration) {
      Json matrix = Json::array();
      std::int64_t stayed = 0, moved = 0;
      for (std::size_t from = 0; from < n; ++from) {
        Json row = Json::array();
        for (std::size_t to = 0; to < n; ++to) {
          row.push_back(t.counts.matrix[from * n + to]);
          (from == to ? stayed : moved) += t.counts.matrix[from * n + to];
        }
        matrix.push_back(row);
      }
      migrations.push_back({{"tag", t.tag.id},
                            {"values", t.tag.values},
                            {"matrix", matrix},
                            {"stayed", stayed},
                            {"moved", moved},
                            {"new", t.counts.added_by},
                            {"lost", t.counts.lost_by}});
    }
    if (t.tag.shape != TagShape::Numeric) {
      Json values = Json::array();
      for (std::size_t v = 0; v < n; ++v) {
        const double share_a = share_percent(t.counts.a[v], c.customers_a);
        const double share_b = share_percent(t.counts.b[v], c.customers_b);
        values.push_back({{"value", t.tag.values[v]},
                          {"a", t.counts.a[v]},
                          {"b", t.counts.b[v]},
                          {"share_a", share_a},
                          {"share_b", share_b},
                          {"change_points", share_b - share_a}});
      }
      shares.push_back({{"tag", t.tag.id}, {"kind", shape_name(t.tag.shape)}, {"values", values}});
    } else {
      auto side = [](const NumericSummary& s) {
        return Json{{"count", s.count}, {"mean", json_number(s.mean)}, {"median", json_number(s.median)}};
      };
      numeric.push_back({{"tag", t.tag.id},
                         {"integer", t.tag.integer},
                         {"a", side(t.numeric_a)},
                         {"b", side(t.numeric_b)},
                         {"mean_change", json_number(change(t.numeric_a.mean, t.numeric_b.mean))},
                         {"median_change", json_number(change(t.numeric_a.median, t.numeric_b.median))}});
    }
  }
  root["migrations"] = migrations;
  root["shares"] = shares;
  root["numeric"] = numeric;
  root["warnings"] = c.warnings;
  return root.dump(2) + "\n";
}

std::string comparison_text(const RunComparison& c) {
  std::string out = fmt::format("compare: {} ({}) -> {} ({})\n", c.period_a, c.run_a, c.period_b, c.run_b);
  out += fmt::format("customers: {} -> {}; in both {}, new {}, lost {}\n", c.customers_a, c.customers_b,
                     c.both, c.added, c.lost);
  for (const auto& t : c.tags) {
    if (!t.tag.migration) continue;
    const std::size_t n = t.tag.values.size();
    std::size_t label_width = 4;
    for (const auto& v : t.tag.values) label_width = std::max(label_width, v.size());
    out += fmt::format("\nmigration of {} (rows: {}, columns: {})\n", t.tag.id, c.period_a, c.period_b);
    out += fmt::format("{:<{}}", "", label_width);
    for (std::size_t to = 0; to < n; ++to) out += fmt::format(" {:>{}}", t.tag.values[to], label_width);
    out += fmt::format(" {:>{}}\n", "lost", label_width);
    for (std::size_t from = 0; from < n; ++from) {
      out += fmt::format("{:<{}}", t.tag.values[from], label_width);
      for (std::size_t to = 0; to < n; ++to)
        out += fmt::format(" {:>{}}", t.counts.matrix[from * n + to], label_width);
      out += fmt::format(" {:>{}}\n", t.counts.lost_by[from], label_width);
    }
    out += fmt::format("{:<{}}", "new", label_width);
    for (std::size_t to = 0; to < n; ++to) out += fmt::format(" {:>{}}", t.counts.added_by[to], label_width);
    out += "\n";
  }
  std::size_t categorical = 0, numeric = 0;
  for (const auto& t : c.tags) ++(t.tag.shape == TagShape::Numeric ? numeric : categorical);
  out += fmt::format("\n{} categorical or boolean tags and {} numeric tags compared\n", categorical, numeric);
  for (const auto& w : c.warnings) out += "warning: " + w + "\n";
  return out;
}

}  // namespace portrait::stats
