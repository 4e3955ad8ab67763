// src/io/csv_reader.cpp: CSV splitting.
#include "io/csv_reader.hpp"

#include "core/error.hpp"

namespace portrait::io {

CsvReader::CsvReader(const std::string& path) : path_(path), in_(path, std::ios::binary) {
  if (!in_) throw Error("cannot open the CSV file", path_, "check the path (--input or the mapping's input)");
}

bool CsvReader::next() {
  while (std::getline(in_, line_)) {
    ++line_number_;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (line_.empty()) continue;
    split();
    return true;
  }
  if (in_.bad()) throw Error("read error", path_ + ":" + std::to_string(line_number_ + 1));
  return false;
}

void CsvReader::split() {
  fields_.clear();
  quoting_problem_.clear();
  // Unquoted text of every field, back to back; reserve so views stay valid.
  unquoted_.clear();
  unquoted_.reserve(line_.size());
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  // The first quoting fault of the record, by field number (1 = first).
  const auto problem = [&](const char* what) {
    if (quoting_problem_.empty())
      quoting_problem_ = std::string(what) + " in field " + std::to_string(spans.size() + 1);
  };
  std::size_t i = 0;
  while (true) {
    const std::size_t start = unquoted_.size();
    if (i < line_.size() && line_[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line_.size()) {
        if (line_[i] == '"') {
          if (i + 1 < line_.size() && line_[i + 1] == '"') {
            unquoted_.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        unquoted_.push_back(line_[i++]);
      }
      if (!closed) problem("unterminated quote");
      if (i < line_.size() && line_[i] != ',') problem("text after the closing quote");
      while (i < line_.size() && line_[i] != ',') unquoted_.push_back(line_[i++]);
    } else {
      for (; i < line_.size() && line_[i] != ','; ++i) {
        if (line_[i] == '"') problem("a quote inside an unquoted field");
        unquoted_.push_back(line_[i]);
      }
    }
    spans.emplace_back(start, unquoted_.size() - start);
    if (i >= line_.size()) break;
    ++i;  // the comma
  }
  for (const auto& [start, length] : spans) fields_.emplace_back(unquoted_.data() + start, length);
}

std::string csv_quote(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

}  // namespace portrait::io
