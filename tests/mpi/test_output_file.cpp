// tests/mpi/test_output_file.cpp: collective HDF5 and CSV output hold every
// rank's block in rank order, including ranks with no rows.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/error.hpp"
#include "io/output_file.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::io {
namespace {

// Rank r holds r rows (rank 0 none), global numbers from r*(r-1)/2 on.
Table block_of(int rank) {
  Table t("tags");
  t.add("customer_id", ColumnType::Int64);
  t.add("level", ColumnType::Int8);
  t.add("score", ColumnType::Float64);
  const std::int64_t first = rank * (rank - 1) / 2;
  for (std::int64_t i = 0; i < rank; ++i) {
    t.values<std::int64_t>("customer_id").push_back(first + i);
    t.values<std::int8_t>("level").push_back(i == 0 ? missing<std::int8_t>() : static_cast<std::int8_t>(i));
    t.values<double>("score").push_back(0.1 * static_cast<double>(first + i));
  }
  return t;
}

std::string shared_path(const parallel::Comm& comm, const std::string& name) {
  // Same path on every rank: the pid of rank 0.
  long pid = static_cast<long>(getpid());
  MPI_Bcast(&pid, 1, MPI_LONG, 0, comm.raw());
  return (std::filesystem::temp_directory_path() / ("portrait_out_" + std::to_string(pid) + name)).string();
}

TEST(OutputFile, TableHoldsBlocksInRankOrder) {
  const parallel::Comm world;
  const std::string path = shared_path(world, ".h5");
  {
    OutputFile out(world.raw(), path);
    const auto rows = out.write_table("customers", block_of(world.rank()), {{"period", "2026-10"}});
    const auto n = static_cast<std::uint64_t>(world.size());
    EXPECT_EQ(rows, n * (n - 1) / 2);
    out.close();
  }
  MPI_Barrier(world.raw());
  if (world.is_root()) {
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    const hid_t d = H5Dopen2(f, "customers/customer_id", H5P_DEFAULT);
    const hid_t s = H5Dget_space(d);
    hsize_t dims = 0;
    H5Sget_simple_extent_dims(s, &dims, nullptr);
    std::vector<std::int64_t> ids(dims);
    if (dims > 0) H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, ids.data());
    for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], static_cast<std::int64_t>(i));
    EXPECT_GT(H5Aexists_by_name(f, "customers", "period", H5P_DEFAULT), 0);
    H5Sclose(s);
    H5Dclose(d);
    H5Fclose(f);
    std::filesystem::remove(path);
  }
}

// A failed write stops every rank at the same call, and every object of the
// file is closed on the way out: none is left for HDF5 to close inside
// MPI_Finalize, out of step between ranks (a hang). The file's contents
// are given up (its space goes back before the close).
TEST(OutputFile, FailureClosesEveryObjectOnEveryRank) {
  const parallel::Comm world;
  const std::string path = shared_path(world, "_failed.h5");
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
  Table bad = block_of(world.rank());
  bad.add("no/such/group", ColumnType::Int32);  // cannot be created: its groups do not exist
  std::string message;
  try {
    OutputFile out(world.raw(), path);
    out.write_table("customers", block_of(world.rank()));
    out.write_table("broken", bad, {{"period", "2026-10"}}, {{"customer_id", {{"value_type", "int"}}}});
    out.close();
  } catch (const Error& e) {
    message = e.what();
  }
  EXPECT_NE(message.find("creating column broken/no/such/group failed"), std::string::npos) << message;
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0) << "objects left open on rank " << world.rank();
  MPI_Barrier(world.raw());
  if (world.is_root()) std::filesystem::remove(path);
}

// Reserving more than the disk holds fails on every rank before any data.
TEST(OutputFile, ReservationBeyondTheDiskIsRefused) {
  const parallel::Comm world;
  const std::string path = shared_path(world, "_reserved.h5");
  std::string message;
  try {
    OutputFile out(world.raw(), path);
    out.reserve(std::uint64_t{1} << 60);
    out.write_table("customers", block_of(world.rank()));
    out.close();
  } catch (const Error& e) {
    message = e.what();
  }
  EXPECT_NE(message.find("the output file does not fit: cannot reserve"), std::string::npos) << message;
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
  MPI_Barrier(world.raw());
  if (world.is_root()) std::filesystem::remove(path);
}

TEST(OutputFile, CsvHoldsBlocksInRankOrderWithEmptyMissing) {
  const parallel::Comm world;
  const std::string path = shared_path(world, ".csv");
  write_csv(world.raw(), path, block_of(world.rank()));
  MPI_Barrier(world.raw());
  if (world.is_root()) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "customer_id,level,score");
    std::int64_t expected = 0;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string id, level;
      std::getline(fields, id, ',');
      std::getline(fields, level, ',');
      EXPECT_EQ(std::stoll(id), expected++);
    }
    const auto n = static_cast<std::int64_t>(world.size());
    EXPECT_EQ(expected, n * (n - 1) / 2);
    if (world.size() > 1) {
      std::ifstream again(path);
      std::getline(again, line);
      std::getline(again, line);
      EXPECT_EQ(line, "0,,0");  // rank 1's first row: level missing
    }
    std::filesystem::remove(path);
  }
}

}  // namespace
}  // namespace portrait::io
