// src/io/shard_writer.cpp: ShardWriter: one group per channel, one chunked,
// extendible 1-D dataset per column.
#include "io/shard_writer.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/period.hpp"
#include "io/schema.hpp"

namespace portrait::io {

ShardWriter::ShardWriter(const std::string& path, ShardAttributes attrs)
    : path_(path), attrs_(std::move(attrs)) {
  h5::silence_errors();
  const Period period = parse_period(attrs_.period, path_);
  if (!attrs_.first_period.empty() && parse_period(attrs_.first_period, path_).yyyymm() > period.yyyymm()) {
    throw Error("first_period " + attrs_.first_period + " is after the period " + attrs_.period, path_,
                "first_period names the earliest month of the records, period the latest");
  }
  if (attrs_.compression < 0 || attrs_.compression > 9) {
    throw Error("bad compression level " + std::to_string(attrs_.compression), path_, "use 0 (none) to 9");
  }
  file_ = h5::Handle(
      h5::check(H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                "cannot create the shard file", path_, "check that the directory exists and is writable"),
      H5Fclose);
  h5::write_attribute(file_.get(), kAttrFormat, kFormatName);
  h5::write_attribute(file_.get(), kAttrFormatVersion, kShardFormatVersion);
  h5::write_attribute(file_.get(), kAttrProducer, attrs_.producer);
  h5::write_attribute(file_.get(), kAttrPeriod, attrs_.period);
  if (!attrs_.first_period.empty()) h5::write_attribute(file_.get(), kAttrFirstPeriod, attrs_.first_period);
}

ShardWriter::~ShardWriter() { file_.reset(); }

void ShardWriter::close() {
  if (!file_.valid()) return;
  const hid_t id = file_.get();
  h5::check(H5Fflush(id, H5F_SCOPE_LOCAL), "cannot flush the shard file", path_, "check free disk space");
  file_.reset();
}

void ShardWriter::write(const Table& table) {
  if (!file_.valid()) throw Error("shard already closed", path_);
  const std::string where = path_ + ": table '" + table.name() + "'";
  const ChannelSchema& schema = channel_schema(table.name());
  for (const auto& spec : schema.columns) {
    if (!table.has(spec.name)) throw Error("missing required column '" + spec.name + "'", where);
    if (table.column(spec.name).type() != spec.type) {
      throw Error("column '" + spec.name + "' is " + std::string(to_string(table.column(spec.name).type())) +
                      ", the channel requires " + std::string(to_string(spec.type)),
                  where);
    }
  }
  if (H5Lexists(file_.get(), table.name().c_str(), H5P_DEFAULT) > 0) {
    append_table(table, where);
  } else {
    create_table(table, where);
  }
}

void ShardWriter::create_table(const Table& table, const std::string& where) {
  const h5::Handle group(
      h5::check(H5Gcreate2(file_.get(), table.name().c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                "cannot create group", where),
      H5Gclose);
  h5::write_attribute(group.get(), kAttrChannel, table.name());
  h5::write_attribute(group.get(), kAttrRows, static_cast<std::int64_t>(table.rows()));

  const hsize_t rows = table.rows();
  const hsize_t max_rows = H5S_UNLIMITED;
  const hsize_t chunk = std::clamp<hsize_t>(rows, 1, kChunkRows);
  const h5::Handle space(h5::check(H5Screate_simple(1, &rows, &max_rows), "cannot create dataspace", where),
                         H5Sclose);
  const h5::Handle props(h5::check(H5Pcreate(H5P_DATASET_CREATE), "cannot create properties", where),
                         H5Pclose);
  H5Pset_chunk(props.get(), 1, &chunk);
  if (attrs_.compression > 0) {
    H5Pset_shuffle(props.get());
    H5Pset_deflate(props.get(), static_cast<unsigned>(attrs_.compression));
  }
  for (std::size_t i = 0; i < table.column_count(); ++i) {
    const Column& column = table.column(i);
    const std::string& name = table.column_name(i);
    const hid_t type = h5::native_type(column.type());
    const h5::Handle dataset(h5::check(H5Dcreate2(group.get(), name.c_str(), type, space.get(), H5P_DEFAULT,
                                                  props.get(), H5P_DEFAULT),
                                       "cannot create dataset for column '" + name + "'", where),
                             H5Dclose);
    if (rows > 0) {
      h5::check(H5Dwrite(dataset.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, column.data()),
                "cannot write column '" + name + "'", where, "check free disk space");
    }
  }
}

void ShardWriter::append_table(const Table& table, const std::string& where) {
  const h5::Handle group = h5::open_group(file_.get(), table.name(), where);
  const auto old_rows = static_cast<hsize_t>(h5::read_int_attribute(group.get(), kAttrRows, where));
  H5G_info_t info{};
  H5Gget_info(group.get(), &info);
  if (info.nlinks != table.column_count()) {
    throw Error("appended block has " + std::to_string(table.column_count()) + " columns, the table has " +
                    std::to_string(info.nlinks),
                where);
  }
  const hsize_t added = table.rows();
  const hsize_t new_rows = old_rows + added;
  for (std::size_t i = 0; i < table.column_count(); ++i) {
    const Column& column = table.column(i);
    const std::string& name = table.column_name(i);
    if (H5Lexists(group.get(), name.c_str(), H5P_DEFAULT) <= 0) {
      throw Error("appended block has column '" + name + "' that the table lacks", where);
    }
    const h5::Handle dataset = h5::open_dataset(group.get(), name, where);
    if (h5::column_type_of_dataset(dataset.get()) != column.type()) {
      throw Error("appended column '" + name + "' differs in type from the table", where);
    }
    h5::check(H5Dset_extent(dataset.get(), &new_rows), "cannot extend column '" + name + "'", where);
    if (added == 0) continue;
    const h5::Handle file_space(H5Dget_space(dataset.get()), H5Sclose);
    H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &old_rows, nullptr, &added, nullptr);
    const h5::Handle memory_space(H5Screate_simple(1, &added, nullptr), H5Sclose);
    const hid_t type = h5::native_type(column.type());
    h5::check(H5Dwrite(dataset.get(), type, memory_space.get(), file_space.get(), H5P_DEFAULT, column.data()),
              "cannot write column '" + name + "'", where, "check free disk space");
  }
  h5::write_attribute(group.get(), kAttrRows, static_cast<std::int64_t>(new_rows));
}

}  // namespace portrait::io
