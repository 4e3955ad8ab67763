// src/stats/run_output.hpp: a completed run's output directory as the month
// over month commands read it: manifest.json, the columns of tags.h5
// `customers` with each tag's type and labels, the catalog it ran (for tag
// names and the statistics' groupings, when it is still there), and the rows
// of the buckets one rank owns.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "core/column.hpp"
#include "io/output_rows.hpp"
#include "parallel/partition.hpp"

namespace portrait::stats {

struct RunOutput {
  std::string dir;
  nlohmann::json manifest;
  std::string period;
  std::uint32_t buckets = 0;
  std::optional<catalog::Catalog> catalog;  // absent for a run without a catalog
  io::OutputTableShape customers;           // tags.h5 `customers`
  std::vector<std::string> warnings;        // e.g. the catalog changed since the run

  std::string tags_path() const { return dir + "/tags.h5"; }
  bool has_column(const std::string& name) const;
  const io::OutputColumn* column(const std::string& name) const;  // nullptr when absent
  // A tag's value type and a category's labels as tags.h5 records them;
  // from the catalog for outputs written before tags.h5 recorded them.
  catalog::ValueType tag_type(const std::string& name) const;
  std::vector<std::string> tag_labels(const std::string& name) const;
};

// Opens a completed run: throws portrait::Error when the directory is
// missing, only `<dir>.partial` exists or manifest.json is absent (the run did
// not complete), or when tags.h5 or the catalog cannot be read.
RunOutput open_run_output(const std::string& dir);

// The rows of the run's `customers` table in the buckets of `range` (the
// run's own bucket count), with the given columns.
Table read_customer_rows(const RunOutput& run, const parallel::BucketRange& range,
                         const std::vector<std::string>& columns);

// Columns of `customers` that are not tags.
bool is_key_column(const std::string& name);

}  // namespace portrait::stats
