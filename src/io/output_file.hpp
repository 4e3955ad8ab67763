// src/io/output_file.hpp: one HDF5 output file written by all ranks together
// (MPI-IO driver, collective transfers). Each rank contributes a block of rows
// of every table; blocks land in rank order at offsets from an exclusive
// scan, so a table written in (bucket, customer_id) order by ranks that own
// contiguous bucket ranges is globally in that order, whatever the rank count.
// Main thread only (HDF5 here is not thread-safe).
#pragma once

#include <hdf5.h>
#include <mpi.h>

#include <map>
#include <string>
#include <vector>

#include "core/column.hpp"

namespace portrait::io {

class OutputFile {
 public:
  // Collective. Creates (truncates) `path`.
  OutputFile(MPI_Comm comm, const std::string& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // column name -> its string attributes (e.g. a category tag's labels).
  using ColumnAttributes = std::map<std::string, std::map<std::string, std::string>>;

  // Collective. Writes `block` (this rank's rows; same columns on every rank)
  // as the group `name` holding one 1-D dataset per column, with string
  // attributes on the group and on columns. Returns the table's global row
  // count.
  std::uint64_t write_table(const std::string& name, const Table& block,
                            const std::map<std::string, std::string>& attributes = {},
                            const ColumnAttributes& column_attributes = {});

  // Collective. Closes the file; the destructor does it too.
  void close();

 private:
  MPI_Comm comm_;
  std::string path_;
  hid_t file_ = -1;
};

// Reads a whole table written by OutputFile (one rank, serial HDF5 access):
// for checks, comparisons of runs, and tests. Throws portrait::Error naming
// the file and table.
Table read_output_table(const std::string& path, const std::string& name);

// Collective. Writes `block` of every rank, in rank order, as one CSV file
// with a header line (MPI-IO at offsets from an exclusive scan). Missing
// values are empty fields; float64 is printed with 17 significant digits.
void write_csv(MPI_Comm comm, const std::string& path, const Table& block);

}  // namespace portrait::io
