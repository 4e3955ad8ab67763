// src/io/plain_table.hpp: a Table stored as an HDF5 group of equal-length
// 1-D column datasets with a "rows" attribute, without the channel schema:
// the storage of the reference and truth files.
#pragma once

#include <hdf5.h>

#include <string>

#include "core/column.hpp"

namespace portrait::io {

// Writes /<table.name()> under `file` (`path` is for errors only).
void write_plain_table(hid_t file, const Table& table, const std::string& path);
// Fills `table`, whose columns (names, types) say what to read.
void read_plain_table(hid_t file, Table& table, const std::string& path);

}  // namespace portrait::io
