// src/io/output_rows.cpp: partial reads of a run's output tables by hyperslab.
#include "io/output_rows.hpp"

#include <fmt/format.h>
#include <hdf5.h>

#include "core/error.hpp"
#include "io/h5.hpp"

namespace portrait::io {
namespace {

h5::Handle open_file(const std::string& path) {
  h5::silence_errors();
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0)
    throw Error("cannot open the output file", path, "check that the run directory holds a complete run");
  return h5::Handle(file, H5Fclose);
}

std::uint64_t dataset_rows(hid_t dataset) {
  const h5::Handle space(H5Dget_space(dataset), H5Sclose);
  hsize_t rows = 0;
  H5Sget_simple_extent_dims(space.get(), &rows, nullptr);
  return rows;
}

// Reads rows [first, end) of a 1-D dataset into `out` (already sized).
void read_rows(hid_t dataset, hid_t memory_type, std::uint64_t first, std::uint64_t end, void* out,
               const std::string& where) {
  if (end <= first) return;
  const h5::Handle file_space(H5Dget_space(dataset), H5Sclose);
  const hsize_t start = first;
  const hsize_t count = end - first;
  H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr);
  const h5::Handle memory_space(H5Screate_simple(1, &count, nullptr), H5Sclose);
  h5::check(H5Dread(dataset, memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, out),
            "cannot read the rows", where, "the file may be truncated; rerun the job");
}

}  // namespace

OutputTableShape output_table_shape(const std::string& path, const std::string& name) {
  const h5::Handle file = open_file(path);
  const std::string where = path + ":" + name;
  const h5::Handle group = h5::open_group(file.get(), name, path);
  OutputTableShape shape;
  H5G_info_t info{};
  H5Gget_info(group.get(), &info);
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    char column_name[256];
    H5Lget_name_by_idx(group.get(), ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, column_name, sizeof column_name,
                       H5P_DEFAULT);
    const h5::Handle dataset = h5::open_dataset(group.get(), column_name, where);
    const auto type = h5::column_type_of_dataset(dataset.get());
    if (!type) throw Error(fmt::format("column '{}' has an unsupported type", column_name), where);
    OutputColumn column{column_name, *type, {}};
    for (const char* key : {"value_type", "labels"}) {
      if (h5::has_attribute(dataset.get(), key))
        column.attributes[key] = h5::read_string_attribute(dataset.get(), key, where + "/" + column_name);
    }
    shape.columns.push_back(std::move(column));
    shape.rows = dataset_rows(dataset.get());
  }
  return shape;
}

std::pair<std::uint64_t, std::uint64_t> output_bucket_rows(const std::string& path, const std::string& name,
                                                           std::uint32_t bucket_begin,
                                                           std::uint32_t bucket_end) {
  const h5::Handle file = open_file(path);
  const std::string where = path + ":" + name + "/bucket";
  const h5::Handle group = h5::open_group(file.get(), name, path);
  const h5::Handle dataset = h5::open_dataset(group.get(), "bucket", where);
  const std::uint64_t rows = dataset_rows(dataset.get());
  // The first row whose bucket is not below `bucket`: log2(rows) one-value reads.
  auto lower_bound = [&](std::uint32_t bucket) {
    std::uint64_t low = 0, high = rows;
    while (low < high) {
      const std::uint64_t mid = low + (high - low) / 2;
      std::int64_t value = 0;
      read_rows(dataset.get(), H5T_NATIVE_INT64, mid, mid + 1, &value, where);
      if (value < static_cast<std::int64_t>(bucket)) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  };
  return {lower_bound(bucket_begin), lower_bound(bucket_end)};
}

Table read_output_rows(const std::string& path, const std::string& name,
                       const std::vector<std::string>& columns, std::uint64_t first, std::uint64_t end) {
  const h5::Handle file = open_file(path);
  const h5::Handle group = h5::open_group(file.get(), name, path);
  Table table(name);
  for (const auto& column_name : columns) {
    const std::string where = path + ":" + name + "/" + column_name;
    const h5::Handle dataset = h5::open_dataset(group.get(), column_name, where);
    const auto type = h5::column_type_of_dataset(dataset.get());
    if (!type) throw Error("the column has an unsupported type", where);
    if (end > dataset_rows(dataset.get()))
      throw Error(fmt::format("rows up to {} asked, the column has {}", end, dataset_rows(dataset.get())),
                  where, "the file may be truncated; rerun the job");
    Column& column = table.add(column_name, *type);
    column.resize(end - first);
    read_rows(dataset.get(), h5::native_type(*type), first, end, column.data(), where);
  }
  return table;
}

}  // namespace portrait::io
