// src/io/output_file.cpp: collective HDF5 and CSV output.
#include "io/output_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "core/error.hpp"
#include "io/h5.hpp"
#include "io/output_rows.hpp"

namespace portrait::io {
namespace {

// ROMIO and HDF5 1.10 handle at most 2 GiB per rank and call; stay well below.
constexpr std::uint64_t kMaxWriteBytes = std::uint64_t{1} << 30;

hid_t file_type_of(ColumnType t) {
  switch (t) {
    case ColumnType::Int8:
      return H5T_STD_I8LE;
    case ColumnType::Int32:
      return H5T_STD_I32LE;
    case ColumnType::Int64:
      return H5T_STD_I64LE;
    case ColumnType::UInt64:
      return H5T_STD_U64LE;
    case ColumnType::Float64:
      return H5T_IEEE_F64LE;
  }
  return -1;
}

// HDF5 calls return negative ids/codes on failure; every rank takes the same
// collective path, so a failure is the same on all ranks and may throw.
template <class T>
T checked(T result, const std::string& what, const std::string& path) {
  if (result < 0)
    throw Error(what + " failed", path, "check free space and permissions of the output directory");
  return result;
}

void write_string_attribute(hid_t object, const std::string& name, const std::string& value,
                            const std::string& path) {
  const hid_t type = checked(H5Tcopy(H5T_C_S1), "H5Tcopy", path);
  H5Tset_size(type, std::max<std::size_t>(1, value.size()));
  H5Tset_cset(type, H5T_CSET_UTF8);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = checked(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                             "creating attribute " + name, path);
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  H5Awrite(attr, type, padded.data());
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
}

}  // namespace

OutputFile::OutputFile(MPI_Comm comm, const std::string& path) : comm_(comm), path_(path) {
  h5::silence_errors();
  const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
  // Metadata reads and writes collective: one rank touches the file's
  // metadata on behalf of all, instead of every rank at once.
  H5Pset_all_coll_metadata_ops(fapl, true);
  H5Pset_coll_metadata_write(fapl, true);
  file_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  if (file_ < 0)
    throw Error("cannot create the output file", path,
                "check that the output directory exists and is writable");
}

OutputFile::~OutputFile() {
  if (file_ >= 0) H5Fclose(file_);
}

void OutputFile::close() {
  if (file_ >= 0) {
    checked(H5Fclose(file_), "closing", path_);
    file_ = -1;
  }
}

std::uint64_t OutputFile::write_table(const std::string& name, const Table& block,
                                      const std::map<std::string, std::string>& attributes,
                                      const ColumnAttributes& column_attributes) {
  const auto mine = static_cast<std::uint64_t>(block.rows());
  std::uint64_t offset = 0, total = 0;
  MPI_Exscan(&mine, &offset, 1, MPI_UINT64_T, MPI_SUM, comm_);
  int rank = 0;
  MPI_Comm_rank(comm_, &rank);
  if (rank == 0) offset = 0;  // MPI_Exscan leaves rank 0's result undefined
  MPI_Allreduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, comm_);

  // Columns keep their order: links are tracked in creation order.
  const hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
  H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  // No modification times in object headers: the same run gives the same bytes.
  H5Pset_obj_track_times(gcpl, false);
  const hid_t group = checked(H5Gcreate2(file_, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT),
                              "creating table " + name, path_);
  H5Pclose(gcpl);
  for (const auto& [key, value] : attributes) write_string_attribute(group, key, value, path_);
  write_string_attribute(group, "rows", std::to_string(total), path_);

  const hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_obj_track_times(dcpl, false);
  for (std::size_t c = 0; c < block.column_count(); ++c) {
    const Column& column = block.column(c);
    const hsize_t dims = total;
    const hid_t file_space = H5Screate_simple(1, &dims, nullptr);
    const hid_t dataset = checked(H5Dcreate2(group, block.column_name(c).c_str(), file_type_of(column.type()),
                                             file_space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                                  "creating column " + name + "/" + block.column_name(c), path_);
    if (const auto it = column_attributes.find(block.column_name(c)); it != column_attributes.end()) {
      for (const auto& [key, value] : it->second) write_string_attribute(dataset, key, value, path_);
    }
    // Every rank makes the same number of collective calls: the most any rank
    // needs to stay under the per-call size limit.
    const std::uint64_t width = size_of(column.type());
    const std::uint64_t rows_per_call = kMaxWriteBytes / width;
    std::uint64_t calls = (mine + rows_per_call - 1) / rows_per_call;
    MPI_Allreduce(MPI_IN_PLACE, &calls, 1, MPI_UINT64_T, MPI_MAX, comm_);
    for (std::uint64_t call = 0; call < calls; ++call) {
      const std::uint64_t begin = std::min(mine, call * rows_per_call);
      const std::uint64_t end = std::min(mine, begin + rows_per_call);
      hsize_t count = end - begin;
      hsize_t start = offset + begin;
      const hsize_t one = 1;
      const hid_t memory_space = H5Screate_simple(1, count > 0 ? &count : &one, nullptr);
      if (count > 0) {
        H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &start, nullptr, &count, nullptr);
      } else {
        H5Sselect_none(file_space);
        H5Sselect_none(memory_space);
      }
      const auto* data = static_cast<const std::byte*>(column.data()) + begin * width;
      checked(H5Dwrite(dataset, h5::native_type(column.type()), memory_space, file_space, dxpl,
                       count > 0 ? data : nullptr),
              "writing column " + name + "/" + block.column_name(c), path_);
      H5Sclose(memory_space);
    }
    H5Dclose(dataset);
    H5Sclose(file_space);
  }
  H5Pclose(dcpl);
  H5Pclose(dxpl);
  H5Gclose(group);
  return total;
}

Table read_output_table(const std::string& path, const std::string& name) {
  const OutputTableShape shape = output_table_shape(path, name);
  std::vector<std::string> columns;
  for (const auto& c : shape.columns) columns.push_back(c.name);
  return read_output_rows(path, name, columns, 0, shape.rows);
}

namespace {

void append_value(std::string& out, const Column& column, std::size_t i) {
  column.visit([&](const auto& values) {
    const auto v = values[i];
    if (is_missing(v)) return;
    using T = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<T, double>) {
      fmt::format_to(std::back_inserter(out), "{:.17g}", v);
    } else if constexpr (std::is_same_v<T, std::int8_t>) {
      fmt::format_to(std::back_inserter(out), "{}", static_cast<int>(v));
    } else {
      fmt::format_to(std::back_inserter(out), "{}", v);
    }
  });
}

}  // namespace

void write_csv(MPI_Comm comm, const std::string& path, const Table& block) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  std::string text;
  if (rank == 0) {
    for (std::size_t c = 0; c < block.column_count(); ++c) text += (c ? "," : "") + block.column_name(c);
    text += '\n';
  }
  for (std::size_t i = 0; i < block.rows(); ++i) {
    for (std::size_t c = 0; c < block.column_count(); ++c) {
      if (c) text += ',';
      append_value(text, block.column(c), i);
    }
    text += '\n';
  }
  const auto mine = static_cast<std::uint64_t>(text.size());
  std::uint64_t offset = 0;
  MPI_Exscan(&mine, &offset, 1, MPI_UINT64_T, MPI_SUM, comm);
  if (rank == 0) offset = 0;

  MPI_File file;
  if (MPI_File_open(comm, path.c_str(), MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &file) !=
      MPI_SUCCESS) {
    throw Error("cannot create the CSV export", path,
                "check that the output directory exists and is writable");
  }
  MPI_File_set_size(file, 0);
  std::uint64_t calls = (mine + kMaxWriteBytes - 1) / kMaxWriteBytes;
  MPI_Allreduce(MPI_IN_PLACE, &calls, 1, MPI_UINT64_T, MPI_MAX, comm);
  for (std::uint64_t call = 0; call < calls; ++call) {
    const std::uint64_t begin = std::min(mine, call * kMaxWriteBytes);
    const std::uint64_t end = std::min(mine, begin + kMaxWriteBytes);
    MPI_File_write_at_all(file, static_cast<MPI_Offset>(offset + begin), text.data() + begin,
                          static_cast<int>(end - begin), MPI_CHAR, MPI_STATUS_IGNORE);
  }
  MPI_File_close(&file);
}

}  // namespace portrait::io
