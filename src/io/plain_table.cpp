// src/io/plain_table.cpp: plain column-group tables.
#include "io/plain_table.hpp"

#include "core/error.hpp"
#include "io/h5.hpp"
#include "io/shard_format.hpp"

namespace portrait::io {
namespace {

hsize_t length_of(hid_t dataset) {
  const h5::Handle space(H5Dget_space(dataset), H5Sclose);
  hsize_t n = 0;
  if (H5Sget_simple_extent_ndims(space.get()) == 1) H5Sget_simple_extent_dims(space.get(), &n, nullptr);
  return n;
}

}  // namespace

void write_plain_table(hid_t file, const Table& table, const std::string& path) {
  const std::string where = path + ": table '" + table.name() + "'";
  const h5::Handle group(
      h5::check(H5Gcreate2(file, table.name().c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                "cannot create group", where),
      H5Gclose);
  h5::write_attribute(group.get(), kAttrRows, static_cast<std::int64_t>(table.rows()));
  const hsize_t n = table.rows();
  const h5::Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  for (std::size_t i = 0; i < table.column_count(); ++i) {
    const std::string& name = table.column_name(i);
    const hid_t type = h5::native_type(table.column(i).type());
    const h5::Handle dataset(h5::check(H5Dcreate2(group.get(), name.c_str(), type, space.get(), H5P_DEFAULT,
                                                  H5P_DEFAULT, H5P_DEFAULT),
                                       "cannot create column '" + name + "'", where),
                             H5Dclose);
    if (n > 0) {
      h5::check(H5Dwrite(dataset.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, table.column(i).data()),
                "cannot write column '" + name + "'", where, "check free disk space");
    }
  }
}

void read_plain_table(hid_t file, Table& table, const std::string& path) {
  const std::string where = path + ": table '" + table.name() + "'";
  if (H5Lexists(file, table.name().c_str(), H5P_DEFAULT) <= 0) throw Error("missing table", where);
  const h5::Handle group = h5::open_group(file, table.name(), where);
  const auto rows = static_cast<std::size_t>(h5::read_int_attribute(group.get(), kAttrRows, where));
  table.resize(rows);
  for (std::size_t i = 0; i < table.column_count(); ++i) {
    const std::string& name = table.column_name(i);
    const std::string column_where = where + ", column '" + name + "'";
    if (H5Lexists(group.get(), name.c_str(), H5P_DEFAULT) <= 0) throw Error("missing column", column_where);
    const h5::Handle dataset = h5::open_dataset(group.get(), name, column_where);
    if (h5::column_type_of_dataset(dataset.get()) != table.column(i).type()) {
      throw Error("stored as " + h5::describe_type(dataset.get()) + ", expected " +
                      std::string(to_string(table.column(i).type())),
                  column_where);
    }
    if (length_of(dataset.get()) != rows) throw Error("length differs from the table's rows", column_where);
    if (rows > 0) {
      h5::check(H5Dread(dataset.get(), h5::native_type(table.column(i).type()), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                        table.column(i).data()),
                "cannot read", column_where);
    }
  }
}

}  // namespace portrait::io
