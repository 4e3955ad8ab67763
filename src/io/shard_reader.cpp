// src/io/shard_reader.cpp: ShardReader: validation on open, row-range reads.
#include "io/shard_reader.hpp"

#include <algorithm>
#include <filesystem>

#include "core/error.hpp"
#include "core/period.hpp"
#include "core/spelling.hpp"
#include "io/schema.hpp"
#include "io/shard_format.hpp"

namespace portrait::io {
namespace {

const std::string kFormatHint =
    "shards follow docs/shard-format.md; write them with portrait gen or portrait import";

herr_t collect_link(hid_t /*group*/, const char* name, const H5L_info_t* /*info*/, void* names) {
  static_cast<std::vector<std::string>*>(names)->emplace_back(name);
  return 0;
}

std::vector<std::string> link_names(hid_t group, const std::string& where) {
  std::vector<std::string> names;
  hsize_t index = 0;
  h5::check(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, collect_link, &names),
            "cannot list the contents", where, "the file is damaged; copy it again from its source");
  return names;
}

}  // namespace

ShardReader::ShardReader(const std::string& path) : path_(path) {
  h5::silence_errors();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path_, ec)) {
    throw Error("no such shard file", path_, "check the path and the job's input list");
  }
  if (H5Fis_hdf5(path_.c_str()) <= 0) {
    throw Error("not an HDF5 file", path_, kFormatHint);
  }
  file_ = h5::Handle(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file_.valid()) {
    throw Error("cannot open the HDF5 file: it is truncated or damaged", path_,
                "copy the file again from its source (an interrupted transfer leaves a short file)");
  }
  if (!h5::has_attribute(file_.get(), kAttrFormatVersion)) {
    throw Error("not a portrait shard: no '" + kAttrFormatVersion + "' attribute", path_, kFormatHint);
  }
  const std::int64_t version = h5::read_int_attribute(file_.get(), kAttrFormatVersion, path_);
  if (version != kShardFormatVersion) {
    throw Error("shard format version " + std::to_string(version) + ", this portrait reads version " +
                    std::to_string(kShardFormatVersion),
                path_, "convert the file or use the portrait release that matches its format version");
  }
  period_ = h5::read_string_attribute(file_.get(), kAttrPeriod, path_);
  const Period period = parse_period(period_, path_ + ": attribute '" + kAttrPeriod + "'");
  first_period_ = period_;
  if (h5::has_attribute(file_.get(), kAttrFirstPeriod)) {
    first_period_ = h5::read_string_attribute(file_.get(), kAttrFirstPeriod, path_);
    const std::string where = path_ + ": attribute '" + kAttrFirstPeriod + "'";
    if (parse_period(first_period_, where).yyyymm() > period.yyyymm()) {
      throw Error("first_period " + first_period_ + " is after the period " + period_, where,
                  "write the shard again: first_period names the earliest month of its records");
    }
  }
  producer_ = h5::has_attribute(file_.get(), kAttrProducer)
                  ? h5::read_string_attribute(file_.get(), kAttrProducer, path_)
                  : std::string();
  for (const auto& name : link_names(file_.get(), path_)) validate_table(name);
}

void ShardReader::validate_table(const std::string& name) {
  const std::string where = path_ + ": table '" + name + "'";
  H5O_info_t object{};
  h5::check(H5Oget_info_by_name(file_.get(), name.c_str(), &object, H5P_DEFAULT), "cannot inspect the object",
            where);
  if (object.type != H5O_TYPE_GROUP) throw Error("is not a group of columns", where, kFormatHint);
  const std::vector<std::string> channels = channel_names();
  const bool known = std::find(channels.begin(), channels.end(), name) != channels.end();
  if (!known) throw Error("unknown channel '" + name + "'", path_, name_hint(name, channels));
  const ChannelSchema& schema = channel_schema(name);

  const h5::Handle group = h5::open_group(file_.get(), name, where);
  const std::int64_t rows = h5::read_int_attribute(group.get(), kAttrRows, where);
  if (rows < 0) throw Error("negative row count " + std::to_string(rows), where);

  TableLayout layout;
  std::uint64_t bytes = 0;
  const std::vector<std::string> columns = link_names(group.get(), where);
  for (const auto& spec : schema.columns) {
    if (std::find(columns.begin(), columns.end(), spec.name) == columns.end()) {
      throw Error("missing required column '" + spec.name + "' (" + std::string(to_string(spec.type)) + ", " +
                      spec.meaning + ")",
                  where, "the producer must write every column of docs/shard-format.md");
    }
  }
  // Required columns first in schema order, then extra columns by name: the
  // same order whatever order the producer wrote them in.
  std::vector<std::string> ordered;
  for (const auto& spec : schema.columns) ordered.push_back(spec.name);
  for (const auto& c : columns) {
    if (schema.find(c) == nullptr) ordered.push_back(c);
  }
  for (const auto& column : ordered) {
    const std::string column_where = where + ", column '" + column + "'";
    const h5::Handle dataset = h5::open_dataset(group.get(), column, column_where);
    const auto type = h5::column_type_of_dataset(dataset.get());
    const ColumnSpec* spec = schema.find(column);
    if (!type || (spec != nullptr && *type != spec->type)) {
      throw Error("stored as " + h5::describe_type(dataset.get()) + ", expected " +
                      (spec != nullptr ? std::string(to_string(spec->type))
                                       : "int8, int32, int64, uint64 or float64"),
                  column_where, "write the column with the exact type of docs/shard-format.md");
    }
    const h5::Handle space(H5Dget_space(dataset.get()), H5Sclose);
    if (H5Sget_simple_extent_ndims(space.get()) != 1) {
      throw Error("is not a 1-D dataset", column_where, "columns are 1-D datasets of one value per row");
    }
    hsize_t length = 0;
    H5Sget_simple_extent_dims(space.get(), &length, nullptr);
    if (length != static_cast<hsize_t>(rows)) {
      throw Error("has " + std::to_string(length) + " rows, the table has " + std::to_string(rows) +
                      " (columns of different lengths)",
                  column_where, "the producer stopped mid-table; write the shard again");
    }
    bytes += H5Dget_storage_size(dataset.get());
    layout.columns.emplace_back(column, *type);
  }
  tables_.push_back({path_, name, static_cast<std::uint64_t>(rows), bytes, period_, first_period_});
  layouts_.push_back(std::move(layout));
}

bool ShardReader::has(const std::string& channel) const {
  for (const auto& t : tables_) {
    if (t.channel == channel) return true;
  }
  return false;
}

std::size_t ShardReader::index_of(const std::string& channel) const {
  for (std::size_t i = 0; i < tables_.size(); ++i) {
    if (tables_[i].channel == channel) return i;
  }
  std::vector<std::string> present;
  for (const auto& t : tables_) present.push_back(t.channel);
  throw Error("the shard has no table '" + channel + "'", path_, name_hint(channel, present));
}

Table ShardReader::empty_table(const std::string& channel) const {
  const TableLayout& layout = layouts_[index_of(channel)];
  Table table(channel);
  for (const auto& [name, type] : layout.columns) table.add(name, type);
  return table;
}

void ShardReader::read(const std::string& channel, std::uint64_t begin, std::uint64_t end, Table& out) {
  const std::size_t t = index_of(channel);
  const std::string where = path_ + ": table '" + channel + "'";
  if (begin > end || end > tables_[t].rows) {
    throw Error("row range [" + std::to_string(begin) + ", " + std::to_string(end) +
                    ") outside the table's " + std::to_string(tables_[t].rows) + " rows",
                where);
  }
  const TableLayout& layout = layouts_[t];
  bool same = out.name() == channel && out.column_count() == layout.columns.size();
  for (std::size_t i = 0; same && i < layout.columns.size(); ++i) {
    same = out.column_name(i) == layout.columns[i].first && out.column(i).type() == layout.columns[i].second;
  }
  if (!same) out = empty_table(channel);
  out.clear();
  const hsize_t count = end - begin;
  out.resize(count);
  if (count == 0) return;

  const h5::Handle group = h5::open_group(file_.get(), channel, where);
  const h5::Handle memory_space(H5Screate_simple(1, &count, nullptr), H5Sclose);
  const hsize_t start = begin;
  for (std::size_t i = 0; i < layout.columns.size(); ++i) {
    const auto& [name, type] = layout.columns[i];
    const std::string column_where = where + ", column '" + name + "'";
    const h5::Handle dataset = h5::open_dataset(group.get(), name, column_where);
    const h5::Handle file_space(H5Dget_space(dataset.get()), H5Sclose);
    H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr);
    h5::check(H5Dread(dataset.get(), h5::native_type(type), memory_space.get(), file_space.get(), H5P_DEFAULT,
                      out.column(i).data()),
              "cannot read rows " + std::to_string(begin) + ".." + std::to_string(end), column_where,
              "the file is damaged; copy it again from its source");
  }
}

}  // namespace portrait::io
