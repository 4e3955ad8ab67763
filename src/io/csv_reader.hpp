// src/io/csv_reader.hpp: streams a CSV file record by record (RFC 4180
// quoting with "" escapes; a record is one line: quoted fields may not span
// lines). Buffers are reused; nothing beyond the current line is held.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace portrait::io {

class CsvReader {
 public:
  explicit CsvReader(const std::string& path);  // throws portrait::Error if unreadable

  // Reads the next non-empty record; false at end of file. Fields view into
  // the reader's buffer and stay valid until the next call. A record whose
  // quoting breaks RFC 4180 (an unterminated quote, a quote inside an
  // unquoted field, text after a closing quote) is `malformed`, and
  // `quoting_problem` says which field and how.
  bool next();
  const std::vector<std::string_view>& fields() const { return fields_; }
  const std::string& line() const { return line_; }  // the raw record, without the line end
  std::uint64_t line_number() const { return line_number_; }
  bool malformed() const { return !quoting_problem_.empty(); }
  const std::string& quoting_problem() const { return quoting_problem_; }
  const std::string& path() const { return path_; }

 private:
  void split();

  std::string path_;
  std::ifstream in_;
  std::string line_;
  std::string unquoted_;
  std::vector<std::string_view> fields_;
  std::uint64_t line_number_ = 0;
  std::string quoting_problem_;
};

// The record quoted for writing back to a CSV file.
std::string csv_quote(std::string_view text);

}  // namespace portrait::io
