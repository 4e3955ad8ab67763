// src/io/output_file.hpp: one HDF5 output file written by all ranks together
// (MPI-IO driver, collective transfers). Each rank contributes a block of rows
// of every table; blocks land in rank order at offsets from an exclusive
// scan, so a table written in (bucket, customer_id) order by ranks that own
// contiguous bucket ranges is globally in that order, whatever the rank count.
// A full disk must stop every rank cleanly: the file's space is reserved
// before the first table (reserve), every HDF5 call's outcome is agreed
// between the ranks before anyone throws, so a failure stops every rank at
// the same call, and on that path rank 0 first gives the file's space back,
// then the objects opened so far are closed in step: nothing is left for
// HDF5 to close inside MPI_Finalize, and no metadata flush fails on one rank
// only (either would leave ranks waiting for each other).
// Main thread only (HDF5 here is not thread-safe).
#pragma once

#include <hdf5.h>
#include <mpi.h>

#include <map>
#include <string>
#include <vector>

#include "core/column.hpp"
#include "io/h5.hpp"

namespace portrait::io {

class OutputFile {
 public:
  // Collective. Creates (truncates) `path`.
  OutputFile(MPI_Comm comm, const std::string& path);
  // Collective: closes the file if still open (as after a failure, when
  // every rank unwinds from the same call).
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

  // Collective, before the first table: reserves `bytes` of disk for the
  // file, so that a disk too full for it stops every rank here, before any
  // data, and not inside HDF5's collective writes or the metadata flush at
  // close, where one rank's failed write leaves the others waiting. A file
  // system that cannot reserve (no fallocate) writes unreserved.
  void reserve(std::uint64_t bytes);

  // Collective. Closes the file, flushing it, and gives back what the
  // reservation held beyond its end; throws on every rank when that fails
  // on any.
  void close();

 private:
  // Collective: throws Error(what, path, hint) on every rank when `failed`
  // holds on any rank, after rank 0 has given back the file's disk space
  // (its contents are lost anyway), so that closing it can flush.
  void agree(bool failed, const std::string& what, const std::string& hint) const;
  void write_string_attribute(hid_t object, const std::string& name, const std::string& value) const;

  MPI_Comm comm_;
  std::string path_;
  h5::Handle file_;
  std::uint64_t reserved_ = 0;  // rank 0: bytes reserved for the file
};

// Reads a whole table written by OutputFile (one rank, serial HDF5 access):
// for checks, comparisons of runs, and tests. Throws portrait::Error naming
// the file and table.
Table read_output_table(const std::string& path, const std::string& name);

// Collective. Writes `block` of every rank, in rank order, as one CSV file
// with a header line (MPI-IO at offsets from an exclusive scan). Missing
// values are empty fields; float64 is printed with 17 significant digits.
// A failed or short write on any rank throws on every rank.
void write_csv(MPI_Comm comm, const std::string& path, const Table& block);

// Writes `text` to `path` (one rank), flushed and checked: a full disk
// throws portrait::Error instead of leaving a short file behind.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace portrait::io
