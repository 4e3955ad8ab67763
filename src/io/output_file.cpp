// src/io/output_file.cpp: collective HDF5 and CSV output.
#include "io/output_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "core/error.hpp"
#include "core/sizes.hpp"
#include "io/h5.hpp"
#include "io/output_rows.hpp"

namespace portrait::io {
namespace {

// ROMIO and HDF5 1.10 handle at most 2 GiB per rank and call; stay well below.
constexpr std::uint64_t kMaxWriteBytes = std::uint64_t{1} << 30;

constexpr const char* kSpaceHint = "check free space and permissions of the output directory";

// Collective: whether `failed` holds on any rank of `comm`.
bool any_rank(MPI_Comm comm, bool failed) {
  int any = failed ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_MAX, comm);
  return any != 0;
}

int rank_of(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  return rank;
}

// Rank 0 reserves `bytes` of disk for `path` (fallocate without changing
// its size) and says why it could not; empty on success, on other ranks,
// and where the file system cannot reserve (the writes then take their
// chances). Collective writes are where a full disk must not show: one
// rank's failed write inside MPI-IO or HDF5 leaves the others waiting.
std::string reserve_on_rank0(MPI_Comm comm, const std::string& path, std::uint64_t bytes) {
  if (rank_of(comm) != 0 || bytes == 0) return {};
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fmt::format("cannot open it to reserve space: {}", std::strerror(errno));
  const int status = ::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(bytes));
  const int error = errno;
  ::close(fd);
  if (status == 0 || error == EOPNOTSUPP || error == ENOSYS) return {};
  std::string problem = fmt::format("cannot reserve {} for it: {}", human_bytes(bytes), std::strerror(error));
  struct statvfs fs {};
  if (::statvfs(std::filesystem::path(path).parent_path().c_str(), &fs) == 0) {
    problem += fmt::format(" (the file system has {} free)",
                           human_bytes(static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize));
  }
  return problem;
}

// Rank 0 gives back every block of `path` (written or reserved), and every
// rank waits for it: on the error path, before anything is closed, since
// closing flushes metadata collectively and a flush that fails on one rank
// only (the disk still full) leaves the others waiting in it.
void release_space(MPI_Comm comm, const std::string& path) {
  if (rank_of(comm) == 0) ::truncate(path.c_str(), 0);
  MPI_Barrier(comm);
}

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

}  // namespace

OutputFile::OutputFile(MPI_Comm comm, const std::string& path) : comm_(comm), path_(path) {
  h5::silence_errors();
  const h5::Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_mpio(fapl.get(), comm, MPI_INFO_NULL);
  // Metadata reads and writes collective: one rank touches the file's
  // metadata on behalf of all, instead of every rank at once.
  H5Pset_all_coll_metadata_ops(fapl.get(), true);
  H5Pset_coll_metadata_write(fapl.get(), true);
  file_ = h5::Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
  agree(!file_.valid(), "cannot create the output file",
        "check that the output directory exists and is writable");
}

// Every rank gets here at the same point: each failure is agreed before it
// throws, so all ranks unwind from the same call with the same objects open,
// and their handles (closed on the way out) leave only the file to close.
// A file left open would be closed by HDF5 inside MPI_Finalize, out of step
// between ranks: a hang.
OutputFile::~OutputFile() { file_.reset(); }

void OutputFile::reserve(std::uint64_t bytes) {
  std::string problem = reserve_on_rank0(comm_, path_, bytes);
  int length = static_cast<int>(problem.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, comm_);
  problem.resize(static_cast<std::size_t>(length));
  MPI_Bcast(problem.data(), length, MPI_CHAR, 0, comm_);
  agree(!problem.empty(), "the output file does not fit: " + problem,
        "free space on the output's file system, or choose an 'output' (or --output) elsewhere");
  reserved_ = rank_of(comm_) == 0 ? bytes : 0;
}

void OutputFile::close() {
  if (!file_.valid()) return;
  // The close flushes the metadata; the reservation keeps it from meeting a
  // full disk (HDF5 1.10 cannot close a file again after a failed close).
  const herr_t status = H5Fclose(file_.release());
  agree(status < 0, "closing the output file failed", kSpaceHint);
  // What the reservation held beyond the file's end goes back.
  if (reserved_ == 0) return;
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
  struct stat st {};
  if (fd >= 0 && ::fstat(fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) < reserved_) {
    ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, st.st_size,
                static_cast<off_t>(reserved_) - st.st_size);
  }
  if (fd >= 0) ::close(fd);
}

void OutputFile::agree(bool failed, const std::string& what, const std::string& hint) const {
  if (!any_rank(comm_, failed)) return;
  release_space(comm_, path_);
  throw Error(what, path_, hint);
}

void OutputFile::write_string_attribute(hid_t object, const std::string& name,
                                        const std::string& value) const {
  const h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), std::max<std::size_t>(1, value.size()));
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  const h5::Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  const h5::Handle attr(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                        H5Aclose);
  agree(!attr.valid(), "creating attribute " + name + " failed", kSpaceHint);
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  agree(H5Awrite(attr.get(), type.get(), padded.data()) < 0, "writing attribute " + name + " failed",
        kSpaceHint);
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
  const h5::Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  // No modification times in object headers: the same run gives the same bytes.
  H5Pset_obj_track_times(gcpl.get(), false);
  const h5::Handle group(H5Gcreate2(file_.get(), name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
                         H5Gclose);
  agree(!group.valid(), "creating table " + name + " failed", kSpaceHint);
  for (const auto& [key, value] : attributes) write_string_attribute(group.get(), key, value);
  write_string_attribute(group.get(), "rows", std::to_string(total));

  const h5::Handle dxpl(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE);
  const h5::Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(dcpl.get(), false);
  for (std::size_t c = 0; c < block.column_count(); ++c) {
    const Column& column = block.column(c);
    const std::string column_path = name + "/" + block.column_name(c);
    const hsize_t dims = total;
    const h5::Handle file_space(H5Screate_simple(1, &dims, nullptr), H5Sclose);
    const h5::Handle dataset(
        H5Dcreate2(group.get(), block.column_name(c).c_str(), file_type_of(column.type()), file_space.get(),
                   H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
        H5Dclose);
    agree(!dataset.valid(), "creating column " + column_path + " failed", kSpaceHint);
    if (const auto it = column_attributes.find(block.column_name(c)); it != column_attributes.end()) {
      for (const auto& [key, value] : it->second) write_string_attribute(dataset.get(), key, value);
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
      const h5::Handle memory_space(H5Screate_simple(1, count > 0 ? &count : &one, nullptr), H5Sclose);
      if (count > 0) {
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr);
      } else {
        H5Sselect_none(file_space.get());
        H5Sselect_none(memory_space.get());
      }
      const auto* data = static_cast<const std::byte*>(column.data()) + begin * width;
      const herr_t status = H5Dwrite(dataset.get(), h5::native_type(column.type()), memory_space.get(),
                                     file_space.get(), dxpl.get(), count > 0 ? data : nullptr);
      agree(status < 0, "writing column " + column_path + " failed", kSpaceHint);
    }
  }
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

  // Every rank makes every call, whatever failed before, so no rank is left
  // waiting in one; the failures are agreed at the end.
  MPI_File file;
  bool failed = MPI_File_open(comm, path.c_str(), MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &file) !=
                MPI_SUCCESS;
  if (any_rank(comm, failed)) {
    if (!failed) MPI_File_close(&file);
    throw Error("cannot create the CSV export", path,
                "check that the output directory exists and is writable");
  }
  std::uint64_t total = 0;
  MPI_Allreduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, comm);
  failed = MPI_File_set_size(file, 0) != MPI_SUCCESS;
  // The exact size is known: reserved before the collective writes.
  const std::string problem = reserve_on_rank0(comm, path, total);
  if (any_rank(comm, failed || !problem.empty())) {
    MPI_File_close(&file);
    release_space(comm, path);
    throw Error("the CSV export does not fit" + (problem.empty() ? std::string() : ": " + problem), path,
                kSpaceHint);
  }
  std::uint64_t calls = (mine + kMaxWriteBytes - 1) / kMaxWriteBytes;
  MPI_Allreduce(MPI_IN_PLACE, &calls, 1, MPI_UINT64_T, MPI_MAX, comm);
  for (std::uint64_t call = 0; call < calls; ++call) {
    const std::uint64_t begin = std::min(mine, call * kMaxWriteBytes);
    const std::uint64_t end = std::min(mine, begin + kMaxWriteBytes);
    MPI_Status status;
    int written = 0;
    failed |= MPI_File_write_at_all(file, static_cast<MPI_Offset>(offset + begin), text.data() + begin,
                                    static_cast<int>(end - begin), MPI_CHAR, &status) != MPI_SUCCESS ||
              MPI_Get_count(&status, MPI_CHAR, &written) != MPI_SUCCESS ||
              written != static_cast<int>(end - begin);
  }
  failed |= MPI_File_close(&file) != MPI_SUCCESS;
  if (any_rank(comm, failed)) {
    release_space(comm, path);
    throw Error("writing the CSV export failed", path, kSpaceHint);
  }
}

void write_text_file(const std::string& path, const std::string& text) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) throw Error(fmt::format("cannot create: {}", std::strerror(errno)), path, kSpaceHint);
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  const int error = errno;
  if (std::fclose(file) != 0 || !written) {
    throw Error(fmt::format("cannot write: {}", std::strerror(written ? errno : error)), path, kSpaceHint);
  }
}

}  // namespace portrait::io
