// src/io/csv_import.hpp: CSV to shards by an import mapping. Streams the CSV
// in blocks of mapping.block_rows records (never the whole file), converts
// every mapped column exactly (decimals as integers, no floating point for
// money), and quarantines bad records to rejects.csv with line, column and
// reason. A record goes into every mapped table or into none, so
// read = imported + rejected. Main thread of one rank.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/types.hpp"
#include "io/import_mapping.hpp"

namespace portrait::io {

struct ImportCounts {
  std::uint64_t read = 0;
  std::uint64_t imported = 0;
  std::uint64_t rejected = 0;
};

// Writes out_dir/<table file> per mapped table and out_dir/rejects.csv.
ImportCounts import_csv(const ImportMapping& mapping, const std::string& input, const std::string& out_dir);

// Parses a plain decimal ("-12.345", no exponent, at most 6 decimals) as
// millionths; nullopt when it is not one.
std::optional<Int128> parse_micro(std::string_view text);

}  // namespace portrait::io
