// src/io/import_mapping.hpp: the mapping file of `portrait import` (YAML in
// jobs/import/): which CSV columns fill which channel columns, with types,
// unit conversions, code tables and identifier hashing. Loading checks it
// completely (every required column mapped, names and types known) and
// names the mapping file and line in every error.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "io/identifier_hash.hpp"

namespace portrait::io {

enum class Unit { None, YuanToFen, MinutesToSeconds, HoursToSeconds, KbToBytes, MbToBytes, DaysBeforePeriod };

struct FieldMapping {
  enum class Source { Csv, Sum, RowNumber, Constant, Missing };
  std::string column;  // output column
  ColumnType type = ColumnType::Int64;
  Source source = Source::Missing;
  std::vector<std::string> csv_columns;  // `from` (one) or `sum` (several)
  std::int64_t constant_int = 0;
  double constant_float = 0;
  Unit unit = Unit::None;
  std::string code_table;
  std::optional<IdentifierKind> identifier;
  bool missing_ok = false;  // an empty field becomes the missing value instead of a reject
  int line = 0;             // in the mapping file
};

struct TableMapping {
  std::string channel;
  std::string file;  // shard file name in the output directory
  std::vector<FieldMapping> fields;
};

struct ImportMapping {
  std::string path;
  std::string input;  // CSV path (relative paths resolved against the mapping's folder)
  std::string period;
  std::string first_period;  // empty, or the earliest month of an export of several months
  std::string producer;
  std::string key_env;   // environment variable holding the identifier key
  std::string key_file;  // or a file holding it
  std::size_t block_rows = 65536;
  int compression = 0;
  std::map<std::string, std::map<std::string, std::int64_t>> code_tables;
  std::vector<TableMapping> tables;
};

ImportMapping load_import_mapping(const std::string& path);

}  // namespace portrait::io
