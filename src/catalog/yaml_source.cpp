// src/catalog/yaml_source.cpp: YAML parsing with located, quoted errors.
#include "catalog/yaml_source.hpp"

#include <algorithm>
#include <vector>

#include "catalog/expr_types.hpp"
#include "core/error.hpp"
#include "core/spelling.hpp"

namespace portrait::catalog {

std::string SourceLocation::to_string() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

YamlSource::YamlSource(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {
  try {
    root_ = YAML::Load(text_);
  } catch (const YAML::ParserException& e) {
    const SourceLocation where{file_, e.mark.line + 1, e.mark.column + 1};
    const std::string line = line_text(where.line);
    throw Error("YAML syntax error: " + e.msg + (line.empty() ? "" : "\n    " + line), where.to_string(),
                "check the indentation and the ':' after each key on that line or the one before");
  }
  if (!root_.IsMap()) {
    throw Error("a catalog is a YAML map (catalog:, categories:, statistics:)", file_ + ":1:1",
                "start the file with 'catalog: <name>'");
  }
}

std::string YamlSource::line_text(int line) const {
  std::size_t begin = 0;
  for (int l = 1; l < line && begin != std::string::npos; ++l) {
    begin = text_.find('\n', begin);
    if (begin != std::string::npos) ++begin;
  }
  if (begin == std::string::npos || begin >= text_.size()) return {};
  const std::size_t end = text_.find('\n', begin);
  std::string s = text_.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  const std::size_t first = s.find_first_not_of(' ');
  return first == std::string::npos ? std::string() : s.substr(first);
}

SourceLocation YamlSource::location(const YAML::Node& node) const {
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return {file_, 1, 1};
  return {file_, m.line + 1, m.column + 1};
}

SourceLocation YamlSource::location_in(const YAML::Node& scalar, std::uint32_t offset) const {
  const YAML::Mark m = scalar.Mark();
  SourceLocation at = location(scalar);
  if (m.is_null() || static_cast<std::size_t>(m.pos) >= text_.size()) return at;
  const char first = text_[static_cast<std::size_t>(m.pos)];
  if (first == '|' || first == '>') {
    // Block scalar: the value starts on the next line, after its indentation.
    const std::string& value = scalar.Scalar();
    const std::size_t line_start = value.rfind('\n', offset == 0 ? 0 : offset - 1);
    int newlines = 0;
    for (std::size_t i = 0; i < offset && i < value.size(); ++i) newlines += value[i] == '\n';
    std::size_t content = text_.find('\n', static_cast<std::size_t>(m.pos));
    content = content == std::string::npos ? text_.size() : content + 1;
    const std::size_t indent = text_.find_first_not_of(' ', content) - content;
    at.line += 1 + newlines;
    const std::size_t in_line =
        offset == 0 || line_start == std::string::npos || newlines == 0 ? offset : offset - line_start - 1;
    at.column = static_cast<int>(indent + in_line + 1);
    return at;
  }
  if (first != '"' && first != '\'') {
    at.column += static_cast<int>(offset);
    return at;
  }
  // Quoted: walk the source, where an escape (\" in double quotes, '' in
  // single quotes) is two bytes for one byte of the value.
  std::size_t src = static_cast<std::size_t>(m.pos) + 1;
  for (std::uint32_t k = 0; k < offset && src < text_.size() && text_[src] != '\n'; ++k) {
    const bool escape = first == '"'
                            ? text_[src] == '\\'
                            : (text_[src] == '\'' && src + 1 < text_.size() && text_[src + 1] == '\'');
    src += escape ? 2 : 1;
  }
  at.column += static_cast<int>(src - static_cast<std::size_t>(m.pos));
  return at;
}

void YamlSource::fail(const YAML::Node& node, const std::string& problem, const std::string& hint) const {
  const SourceLocation at = location(node);
  throw Error(problem + "\n    " + line_text(at.line), at.to_string(), hint);
}

void YamlSource::fail_in(const YAML::Node& scalar, const ExprError& error) const {
  const std::string& expr = scalar.Scalar();
  const SourceLocation at = location_in(scalar, error.begin);
  // Quote the expression line holding the error, with carets under the offending text.
  const std::size_t line_begin = expr.rfind('\n', error.begin == 0 ? 0 : error.begin - 1);
  const std::size_t from = line_begin == std::string::npos || error.begin == 0 ? 0 : line_begin + 1;
  const std::size_t line_end = expr.find('\n', error.begin);
  const std::string line =
      expr.substr(from, line_end == std::string::npos ? std::string::npos : line_end - from);
  const std::size_t end = std::min<std::size_t>(std::max(error.end, error.begin + 1), from + line.size() + 1);
  const std::string carets = std::string(error.begin - from, ' ') + std::string(end - error.begin, '^');
  throw Error(error.problem + "\n    " + line + "\n    " + carets, at.to_string(), error.hint);
}

void YamlSource::require_map(const YAML::Node& node, const std::string& what) const {
  if (!node.IsMap()) fail(node, what + " must be a map of key: value");
}

void YamlSource::require_sequence(const YAML::Node& node, const std::string& what) const {
  if (!node.IsSequence()) fail(node, what + " must be a list (items starting with '- ')");
}

void YamlSource::check_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed) const {
  check_keys(map, std::vector<std::string>(allowed.begin(), allowed.end()));
}

void YamlSource::check_keys(const YAML::Node& map, const std::vector<std::string>& allowed) const {
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string all;
    for (const auto& n : allowed) all += (all.empty() ? "" : ", ") + n;
    fail(entry.first, "unknown key '" + key + "'", name_hint(key, allowed, "known keys: " + all));
  }
}

YAML::Node YamlSource::scalar_node(const YAML::Node& parent, const char* key) const {
  const YAML::Node node = parent[key];
  if (!node) fail(parent, std::string("missing '") + key + "'", std::string("add '") + key + ": ...'");
  if (!node.IsScalar()) fail(node, std::string("'") + key + "' must be a single value");
  return node;
}

std::string YamlSource::text(const YAML::Node& parent, const char* key) const {
  return scalar_node(parent, key).Scalar();
}

std::optional<std::string> YamlSource::optional_text(const YAML::Node& parent, const char* key) const {
  if (!parent[key]) return std::nullopt;
  return text(parent, key);
}

std::int64_t YamlSource::integer(const YAML::Node& node, const std::string& what) const {
  std::int64_t value = 0;
  if (!node.IsScalar() || !YAML::convert<std::int64_t>::decode(node, value)) {
    fail(node, what + " must be a whole number");
  }
  return value;
}

}  // namespace portrait::catalog
