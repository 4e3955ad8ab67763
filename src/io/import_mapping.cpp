// src/io/import_mapping.cpp: parsing and checking the import mapping YAML.
#include "io/import_mapping.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "core/enum_names.hpp"
#include "core/error.hpp"
#include "core/period.hpp"
#include "core/spelling.hpp"
#include "io/schema.hpp"

namespace portrait::io {
namespace {

std::string at(const std::string& path, const YAML::Node& node) {
  return path + ":" + std::to_string(node.Mark().line + 1);
}

const std::vector<std::pair<std::string, Unit>>& units() {
  static const std::vector<std::pair<std::string, Unit>> table = {
      {"yuan_to_fen", Unit::YuanToFen},           {"minutes_to_seconds", Unit::MinutesToSeconds},
      {"hours_to_seconds", Unit::HoursToSeconds}, {"kb_to_bytes", Unit::KbToBytes},
      {"mb_to_bytes", Unit::MbToBytes},           {"days_before_period", Unit::DaysBeforePeriod},
  };
  return table;
}

ColumnType parse_type(const std::string& text, const std::string& where) {
  if (const auto type = from_name<ColumnType>(text)) return *type;
  throw Error("unknown type '" + text + "'", where, name_hint(text, value_names<ColumnType>()));
}

template <class T>
T scalar(const YAML::Node& node, const std::string& path, const std::string& what) {
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    throw Error("'" + what + "' has the wrong form", at(path, node));
  }
}

FieldMapping parse_field(const std::string& path, const std::string& name, const YAML::Node& node,
                         const ImportMapping& mapping, const ChannelSchema& schema) {
  const std::string where = at(path, node) + ": column '" + name + "'";
  if (!node.IsMap()) throw Error("expected a map like {from: csv_column}", where);
  FieldMapping f;
  f.column = name;
  f.line = node.Mark().line + 1;
  static const std::vector<std::string> keys = {"from", "sum",  "row_number", "constant",   "missing",
                                                "type", "unit", "code_table", "identifier", "missing_ok"};
  for (const auto& kv : node) {
    const auto key = kv.first.as<std::string>();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      throw Error("unknown key '" + key + "'", at(path, kv.first), name_hint(key, keys));
    }
  }
  const ColumnSpec* spec = schema.find(name);
  if (node["type"]) {
    f.type = parse_type(scalar<std::string>(node["type"], path, "type"), at(path, node["type"]));
    if (spec != nullptr && spec->type != f.type) {
      throw Error("type " + std::string(to_string(f.type)) + " differs from the channel's " +
                      std::string(to_string(spec->type)),
                  where, "leave the type out for required columns");
    }
  } else if (spec != nullptr) {
    f.type = spec->type;
  } else {
    throw Error("extra column needs a type", where, "add type: int8, int32, int64, uint64 or float64");
  }
  int sources = 0;
  if (node["from"]) {
    f.source = FieldMapping::Source::Csv;
    f.csv_columns.push_back(scalar<std::string>(node["from"], path, "from"));
    ++sources;
  }
  if (node["sum"]) {
    f.source = FieldMapping::Source::Sum;
    if (!node["sum"].IsSequence() || node["sum"].size() == 0)
      throw Error("sum needs a list of CSV columns", where);
    for (const auto& c : node["sum"]) f.csv_columns.push_back(scalar<std::string>(c, path, "sum"));
    ++sources;
  }
  if (node["row_number"]) {
    f.source = FieldMapping::Source::RowNumber;
    ++sources;
  }
  if (node["constant"]) {
    f.source = FieldMapping::Source::Constant;
    if (f.type == ColumnType::Float64) {
      f.constant_float = scalar<double>(node["constant"], path, "constant");
    } else {
      f.constant_int = scalar<std::int64_t>(node["constant"], path, "constant");
    }
    ++sources;
  }
  if (node["missing"]) {
    f.source = FieldMapping::Source::Missing;
    ++sources;
  }
  if (sources != 1) {
    throw Error("needs exactly one of from, sum, row_number, constant, missing", where);
  }
  if (node["unit"]) {
    const auto unit = scalar<std::string>(node["unit"], path, "unit");
    std::vector<std::string> names;
    for (const auto& [n, u] : units()) {
      names.push_back(n);
      if (n == unit) f.unit = u;
    }
    if (f.unit == Unit::None)
      throw Error("unknown unit '" + unit + "'", at(path, node["unit"]), name_hint(unit, names));
  }
  if (node["code_table"]) {
    f.code_table = scalar<std::string>(node["code_table"], path, "code_table");
    if (mapping.code_tables.count(f.code_table) == 0) {
      std::vector<std::string> names;
      for (const auto& [n, t] : mapping.code_tables) names.push_back(n);
      throw Error("no code table '" + f.code_table + "'", at(path, node["code_table"]),
                  name_hint(f.code_table, names));
    }
    if (f.source != FieldMapping::Source::Csv) throw Error("a code table needs 'from'", where);
  }
  if (node["identifier"]) {
    const auto kind = scalar<std::string>(node["identifier"], path, "identifier");
    f.identifier = identifier_kind(kind);
    if (!f.identifier) {
      throw Error("unknown identifier kind '" + kind + "'", at(path, node["identifier"]),
                  name_hint(kind, {"phone", "id_card", "device", "email", "account"}));
    }
    if (f.type != ColumnType::UInt64 || f.source != FieldMapping::Source::Csv) {
      throw Error("an identifier column is uint64 and needs 'from'", where);
    }
  }
  if (node["missing_ok"]) f.missing_ok = scalar<bool>(node["missing_ok"], path, "missing_ok");
  return f;
}

}  // namespace

ImportMapping load_import_mapping(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw Error("cannot read the mapping file", path, "check the path");
  } catch (const YAML::ParserException& e) {
    throw Error("YAML syntax error: " + e.msg, path + ":" + std::to_string(e.mark.line + 1));
  }
  if (!root.IsMap()) throw Error("expected a YAML map", path, "see jobs/import/mlc_churn.yaml");
  ImportMapping m;
  m.path = path;
  static const std::vector<std::string> keys = {"input",      "period",      "producer",    "key",
                                                "block_rows", "compression", "code_tables", "tables"};
  for (const auto& kv : root) {
    const auto key = kv.first.as<std::string>();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      throw Error("unknown key '" + key + "'", at(path, kv.first), name_hint(key, keys));
    }
  }
  if (!root["period"]) throw Error("missing 'period' (YYYY-MM)", path);
  m.period = scalar<std::string>(root["period"], path, "period");
  parse_period(m.period, at(path, root["period"]));
  m.producer = root["producer"] ? scalar<std::string>(root["producer"], path, "producer") : "portrait import";
  if (root["input"]) {
    const std::filesystem::path input = scalar<std::string>(root["input"], path, "input");
    m.input =
        input.is_absolute() ? input.string() : (std::filesystem::path(path).parent_path() / input).string();
  }
  if (root["key"]) {
    const YAML::Node key = root["key"];
    if (key["env"]) m.key_env = scalar<std::string>(key["env"], path, "key.env");
    if (key["file"]) m.key_file = scalar<std::string>(key["file"], path, "key.file");
    if (m.key_env.empty() == m.key_file.empty()) {
      throw Error("key needs exactly one of env: VARIABLE or file: PATH", at(path, key));
    }
  }
  if (root["block_rows"]) m.block_rows = scalar<std::size_t>(root["block_rows"], path, "block_rows");
  if (m.block_rows == 0) throw Error("block_rows must be positive", at(path, root["block_rows"]));
  if (root["compression"]) m.compression = scalar<int>(root["compression"], path, "compression");
  if (const YAML::Node tables = root["code_tables"]) {
    for (const auto& table : tables) {
      auto& codes = m.code_tables[table.first.as<std::string>()];
      for (const auto& entry : table.second) {
        codes[entry.first.as<std::string>()] = scalar<std::int64_t>(entry.second, path, "code");
      }
    }
  }
  const YAML::Node tables = root["tables"];
  if (!tables || !tables.IsMap() || tables.size() == 0) throw Error("missing 'tables'", path);
  for (const auto& table : tables) {
    const auto channel = table.first.as<std::string>();
    const std::string where = at(path, table.first);
    const std::vector<std::string> channels = channel_names();
    if (std::find(channels.begin(), channels.end(), channel) == channels.end()) {
      throw Error("unknown channel '" + channel + "'", where, name_hint(channel, channels));
    }
    const ChannelSchema& schema = channel_schema(channel);
    TableMapping t;
    t.channel = channel;
    t.file = table.second["file"] ? scalar<std::string>(table.second["file"], path, "file") : channel + ".h5";
    const YAML::Node columns = table.second["columns"];
    if (!columns || !columns.IsMap()) throw Error("table needs 'columns'", where);
    for (const auto& column : columns) {
      t.fields.push_back(parse_field(path, column.first.as<std::string>(), column.second, m, schema));
    }
    for (const auto& spec : schema.columns) {
      const bool mapped =
          std::any_of(t.fields.begin(), t.fields.end(), [&](const auto& f) { return f.column == spec.name; });
      if (!mapped) {
        throw Error("required column '" + spec.name + "' of " + channel + " is not mapped", where,
                    "map it, or write '" + spec.name + ": {missing: true}' if the source lacks it");
      }
    }
    m.tables.push_back(std::move(t));
  }
  return m;
}

}  // namespace portrait::io
