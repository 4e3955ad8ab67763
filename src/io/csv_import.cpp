// src/io/csv_import.cpp: the import loop and per-field conversion.
#include "io/csv_import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>

#include "core/error.hpp"
#include "core/period.hpp"
#include "core/spelling.hpp"
#include "io/csv_reader.hpp"
#include "io/schema.hpp"
#include "io/shard_writer.hpp"

namespace portrait::io {
namespace {

constexpr Int128 kMicro = 1000000;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Int128 unit_factor(Unit unit) {
  switch (unit) {
    case Unit::YuanToFen:
      return 100;
    case Unit::MinutesToSeconds:
      return 60;
    case Unit::HoursToSeconds:
      return 3600;
    case Unit::KbToBytes:
      return 1024;
    case Unit::MbToBytes:
      return 1048576;
    case Unit::None:
    case Unit::DaysBeforePeriod:
      return 1;
  }
  return 1;
}

// Rounds millionths to an integer, halves away from zero.
Int128 round_micro(Int128 micro) {
  return micro >= 0 ? (micro + kMicro / 2) / kMicro : -((-micro + kMicro / 2) / kMicro);
}

template <class T>
bool store_integer(Column& column, std::size_t row, Int128 value) {
  if (value <= static_cast<Int128>(std::numeric_limits<T>::min()) ||
      value > static_cast<Int128>(std::numeric_limits<T>::max())) {
    return false;  // the minimum is the missing value
  }
  column.values<T>()[row] = static_cast<T>(value);
  return true;
}

bool store(Column& column, std::size_t row, Int128 value) {
  switch (column.type()) {
    case ColumnType::Int8:
      return store_integer<std::int8_t>(column, row, value);
    case ColumnType::Int32:
      return store_integer<std::int32_t>(column, row, value);
    case ColumnType::Int64:
      return store_integer<std::int64_t>(column, row, value);
    case ColumnType::UInt64:
      if (value <= 0 || value > static_cast<Int128>(std::numeric_limits<std::uint64_t>::max())) return false;
      column.values<std::uint64_t>()[row] = static_cast<std::uint64_t>(value);
      return true;
    case ColumnType::Float64:
      column.values<double>()[row] = static_cast<double>(value);
      return true;
  }
  return false;
}

void store_missing(Column& column, std::size_t row) {
  column.visit([row](auto& values) {
    using V = typename std::decay_t<decltype(values)>::value_type;
    values[row] = missing<V>();
  });
}

struct Reject {
  std::string column;
  std::string reason;
};

// One mapped table during the import: its block and its writer.
struct TableState {
  const TableMapping* mapping;
  std::vector<std::size_t> first_csv_index;  // per field: index of its first CSV column
  std::vector<std::vector<std::size_t>> csv_index;
  Table block;
  std::unique_ptr<ShardWriter> writer;
  std::uint64_t rows = 0;
};

class Converter {
 public:
  Converter(const ImportMapping& mapping, std::string key) : mapping_(mapping), key_(std::move(key)) {
    period_start_ = parse_period(mapping.period).start();
  }

  // Converts field `f` of the record into column at `row`; a reject on failure.
  std::optional<Reject> convert(const FieldMapping& f, const std::vector<std::size_t>& index,
                                const std::vector<std::string_view>& fields, std::uint64_t record,
                                Column& column, std::size_t row) const {
    using Source = FieldMapping::Source;
    switch (f.source) {
      case Source::Missing:
        store_missing(column, row);
        return std::nullopt;
      case Source::RowNumber:
        store(column, row, static_cast<Int128>(record));
        return std::nullopt;
      case Source::Constant:
        if (column.type() == ColumnType::Float64) {
          column.values<double>()[row] = f.constant_float;
        } else if (!store(column, row, f.constant_int)) {
          return Reject{f.column, "constant out of range for " + std::string(to_string(column.type()))};
        }
        return std::nullopt;
      case Source::Csv:
      case Source::Sum:
        break;
    }
    for (std::size_t k = 0; k < index.size(); ++k) {
      if (index[k] >= fields.size()) {
        return Reject{f.csv_columns[k],
                      "missing field (the record has " + std::to_string(fields.size()) + " fields)"};
      }
    }
    const std::string_view first = trim(fields[index[0]]);
    if (f.identifier) {
      const std::string normal = normalise_identifier(*f.identifier, first);
      if (normal.empty()) {
        if (f.missing_ok) {
          store_missing(column, row);
          return std::nullopt;
        }
        return Reject{f.csv_columns[0], "empty identifier"};
      }
      column.values<std::uint64_t>()[row] = keyed_identifier_hash(key_, *f.identifier, normal);
      return std::nullopt;
    }
    if (!f.code_table.empty()) {
      const auto& codes = mapping_.code_tables.at(f.code_table);
      const auto it = codes.find(std::string(first));
      if (it == codes.end()) {
        if (first.empty() && f.missing_ok) {
          store_missing(column, row);
          return std::nullopt;
        }
        return Reject{f.csv_columns[0], fmt::format("'{}' is not in code table '{}'", first, f.code_table)};
      }
      if (!store(column, row, it->second)) return Reject{f.csv_columns[0], "code out of range"};
      return std::nullopt;
    }
    if (column.type() == ColumnType::Float64 && f.unit == Unit::None && index.size() == 1) {
      if (first.empty()) return empty_field(f, f.csv_columns[0], column, row);
      double v = 0;
      const auto [end, error] = std::from_chars(first.data(), first.data() + first.size(), v);
      if (error != std::errc() || end != first.data() + first.size()) {
        return Reject{f.csv_columns[0], fmt::format("'{}' is not a number", first)};
      }
      column.values<double>()[row] = v;
      return std::nullopt;
    }
    // Exact decimal arithmetic in millionths: sums and unit factors never round
    // until the one final rounding to the column's integer unit.
    Int128 micro = 0;
    for (std::size_t k = 0; k < index.size(); ++k) {
      const std::string_view text = trim(fields[index[k]]);
      if (text.empty()) return empty_field(f, f.csv_columns[k], column, row);
      const auto v = parse_micro(text);
      if (!v) return Reject{f.csv_columns[k], fmt::format("'{}' is not a number", text)};
      micro += *v;
    }
    micro *= unit_factor(f.unit);
    if (column.type() == ColumnType::Float64) {
      column.values<double>()[row] = static_cast<double>(micro) / 1e6;
      return std::nullopt;
    }
    Int128 value = round_micro(micro);
    if (f.unit == Unit::DaysBeforePeriod) value = period_start_ - value * kSecondsPerDay;
    if (!store(column, row, value)) {
      return Reject{f.csv_columns[0], "value out of range for " + std::string(to_string(column.type()))};
    }
    return std::nullopt;
  }

 private:
  static std::optional<Reject> empty_field(const FieldMapping& f, const std::string& csv_column,
                                           Column& column, std::size_t row) {
    if (!f.missing_ok) return Reject{csv_column, "empty field"};
    store_missing(column, row);
    return std::nullopt;
  }

  const ImportMapping& mapping_;
  std::string key_;
  UnixSeconds period_start_ = 0;
};

std::string load_key(const ImportMapping& m) {
  bool needs_key = false;
  for (const auto& t : m.tables) {
    for (const auto& f : t.fields) needs_key = needs_key || f.identifier.has_value();
  }
  if (!needs_key) return {};
  std::string key;
  if (!m.key_env.empty()) {
    const char* value = std::getenv(m.key_env.c_str());
    if (value != nullptr) key = value;
    if (key.empty()) {
      throw Error("the identifier key is not set", m.path + ": key.env " + m.key_env,
                  "export " + m.key_env + " with the secret key (never commit it)");
    }
  } else if (!m.key_file.empty()) {
    std::ifstream in(m.key_file, std::ios::binary);
    std::getline(in, key);
    if (key.empty())
      throw Error("the identifier key file is missing or empty", m.key_file, "write the secret key there");
  } else {
    throw Error("identifier columns need a key", m.path, "add key: {env: VARIABLE} or key: {file: PATH}");
  }
  return key;
}

}  // namespace

std::optional<Int128> parse_micro(std::string_view text) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  Int128 whole = 0;
  std::size_t digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
    if (digits >= 24) return std::nullopt;
    whole = whole * 10 + (text[i] - '0');
  }
  Int128 fraction = 0;
  std::size_t decimals = 0;
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++decimals) {
      if (decimals >= 6) return std::nullopt;
      fraction = fraction * 10 + (text[i] - '0');
    }
  }
  if (i != text.size() || digits + decimals == 0) return std::nullopt;
  for (std::size_t d = decimals; d < 6; ++d) fraction *= 10;
  const Int128 micro = whole * kMicro + fraction;
  return negative ? -micro : micro;
}

ImportCounts import_csv(const ImportMapping& mapping, const std::string& input, const std::string& out_dir) {
  const std::string key = load_key(mapping);
  CsvReader csv(input);
  if (!csv.next()) throw Error("the CSV file is empty (no header)", input);
  std::vector<std::string> header;
  for (const auto& f : csv.fields()) header.emplace_back(trim(f));

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  std::vector<TableState> tables;
  for (const auto& t : mapping.tables) {
    TableState state{&t, {}, {}, Table(t.channel), nullptr, 0};
    for (const auto& f : t.fields) {
      std::vector<std::size_t> index;
      for (const auto& name : f.csv_columns) {
        const auto it = std::find(header.begin(), header.end(), name);
        if (it == header.end()) {
          throw Error("CSV column '" + name + "' is not in the header of " + input,
                      mapping.path + ":" + std::to_string(f.line), name_hint(name, header));
        }
        index.push_back(static_cast<std::size_t>(it - header.begin()));
      }
      state.csv_index.push_back(std::move(index));
      state.block.add(f.column, f.type);
    }
    state.writer = std::make_unique<ShardWriter>(
        (std::filesystem::path(out_dir) / t.file).string(),
        ShardAttributes{mapping.producer, mapping.period, mapping.compression, mapping.first_period});
    tables.push_back(std::move(state));
  }
  const std::string rejects_path = (std::filesystem::path(out_dir) / "rejects.csv").string();
  std::ofstream rejects(rejects_path);
  if (!rejects) throw Error("cannot write the reject file", rejects_path);
  rejects << "line,column,reason,record\n";

  const Converter converter(mapping, key);
  auto flush = [&tables] {
    for (auto& t : tables) {
      t.writer->write(t.block);
      t.rows += t.block.rows();
      t.block.clear();
    }
  };
  ImportCounts counts;
  std::size_t pending = 0;  // records in the current blocks (the same in every table)
  while (csv.next()) {
    ++counts.read;
    std::optional<Reject> reject;
    if (csv.malformed()) {
      reject = Reject{"", "bad quoting: " + csv.quoting_problem() +
                              " (a field with a quote is quoted whole, its quotes doubled: \"a \"\"b\"\"\")"};
    } else if (csv.fields().size() > header.size()) {
      // A shifted or unescaped separator: the values no longer line up with
      // the header's columns.
      reject = Reject{"", fmt::format("{} fields, the header has {}", csv.fields().size(), header.size())};
    }
    for (std::size_t t = 0; t < tables.size() && !reject; ++t) {
      TableState& state = tables[t];
      state.block.resize(pending + 1);
      for (std::size_t f = 0; f < state.mapping->fields.size() && !reject; ++f) {
        reject = converter.convert(state.mapping->fields[f], state.csv_index[f], csv.fields(), counts.read,
                                   state.block.column(f), pending);
      }
    }
    if (reject) {
      // All or nothing: take the record back out of every table.
      for (auto& state : tables) state.block.resize(pending);
      ++counts.rejected;
      rejects << csv.line_number() << ',' << csv_quote(reject->column) << ',' << csv_quote(reject->reason)
              << ',' << csv_quote(csv.line()) << '\n';
      continue;
    }
    ++counts.imported;
    if (++pending >= mapping.block_rows) {
      flush();
      pending = 0;
    }
  }
  flush();
  for (auto& t : tables) t.writer->close();
  rejects.close();
  if (!rejects) throw Error("cannot write the reject file", rejects_path, "check free disk space");
  return counts;
}

}  // namespace portrait::io
