// src/catalog/yaml_source.hpp: a parsed YAML file that keeps its text, so
// that every error can name file:line:column, quote the offending line or
// expression, and suggest a fix.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.hpp"
#include "catalog/expr_ast.hpp"

namespace portrait::catalog {

class YamlSource {
 public:
  // Throws portrait::Error on a YAML syntax error.
  YamlSource(std::string_view text, std::string file);

  const YAML::Node& root() const { return root_; }
  const std::string& file() const { return file_; }

  SourceLocation location(const YAML::Node& node) const;
  // Where byte `offset` of a scalar's value lies in the file (quoted, plain
  // and block scalars).
  SourceLocation location_in(const YAML::Node& scalar, std::uint32_t offset) const;

  // Error at a node, quoting its source line.
  [[noreturn]] void fail(const YAML::Node& node, const std::string& problem,
                         const std::string& hint = {}) const;
  // Error inside an expression scalar, quoting the expression with carets under the offending text.
  [[noreturn]] void fail_in(const YAML::Node& scalar, const ExprError& error) const;

  // A map node, or an error saying `what` must be a map.
  void require_map(const YAML::Node& node, const std::string& what) const;
  void require_sequence(const YAML::Node& node, const std::string& what) const;
  // Every key of `map` must be one of `allowed` (hint: the closest one).
  void check_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed) const;
  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed) const;
  // A scalar child; `parent` is the map (used for the location when absent).
  std::string text(const YAML::Node& parent, const char* key) const;  // required
  std::optional<std::string> optional_text(const YAML::Node& parent, const char* key) const;
  std::int64_t integer(const YAML::Node& node, const std::string& what) const;
  // The scalar child as a node (for expression locations); required.
  YAML::Node scalar_node(const YAML::Node& parent, const char* key) const;

 private:
  std::string line_text(int line) const;  // 1-based

  std::string text_;
  std::string file_;
  YAML::Node root_;
};

}  // namespace portrait::catalog
