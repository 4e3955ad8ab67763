// src/core/column.hpp: columns and tables in memory (structure of arrays).
// Records move through every phase as whole columns; nothing is stored or
// sent one record at a time. Buffers keep their capacity when cleared so a
// phase can reuse them round after round (first touch of fresh pages is slow).
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/types.hpp"

namespace portrait {

class Column {
 public:
  using Storage = std::variant<std::vector<std::int8_t>, std::vector<std::int32_t>, std::vector<std::int64_t>,
                               std::vector<std::uint64_t>, std::vector<double>>;

  explicit Column(ColumnType type = ColumnType::Int64);

  ColumnType type() const { return type_; }
  std::size_t size() const;
  std::size_t byte_size() const { return size() * size_of(type_); }

  // Typed access; the type must match (checked, throws std::logic_error).
  template <class T>
  std::vector<T>& values() {
    check<T>();
    return std::get<std::vector<T>>(storage_);
  }
  template <class T>
  const std::vector<T>& values() const {
    check<T>();
    return std::get<std::vector<T>>(storage_);
  }

  void resize(std::size_t n);
  void reserve(std::size_t n);
  void clear();  // keeps capacity
  void* data();
  const void* data() const;
  // Raw bytes, for packing into shuffle buffers and HDF5 I/O.
  std::span<const std::byte> bytes() const;
  // Appends rows [begin, end) of `other` (same type).
  void append(const Column& other, std::size_t begin, std::size_t end);
  // this[i] = source[index[i]] for every i, resizing to index.size().
  void gather(const Column& source, std::span<const std::uint32_t> index);

  // Calls f(std::vector<T>&) with the storage's element type.
  template <class F>
  decltype(auto) visit(F&& f) {
    return std::visit(std::forward<F>(f), storage_);
  }
  template <class F>
  decltype(auto) visit(F&& f) const {
    return std::visit(std::forward<F>(f), storage_);
  }

 private:
  template <class T>
  void check() const;

  ColumnType type_;
  Storage storage_;
};

// Named columns of equal length: one channel's records, or one table of tags.
class Table {
 public:
  Table() = default;
  explicit Table(std::string name) : name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  std::size_t rows() const { return columns_.empty() ? 0 : columns_.front().size(); }
  std::size_t column_count() const { return columns_.size(); }
  std::size_t byte_size() const;

  // Adds a column as long as the others (filled with zeros); names are
  // unique. References to columns stay valid when more columns are added.
  Column& add(const std::string& name, ColumnType type);
  // Adds `column` itself (no copy, no zero-filled allocation); it must be as
  // long as the other columns.
  Column& add(const std::string& name, Column column);
  bool has(const std::string& name) const { return index_of(name) >= 0; }
  // Throws portrait::Error naming the table and the column when absent.
  Column& column(const std::string& name);
  const Column& column(const std::string& name) const;
  Column& column(std::size_t i) { return columns_[i]; }
  const Column& column(std::size_t i) const { return columns_[i]; }
  const std::string& column_name(std::size_t i) const { return names_[i]; }
  const std::vector<std::string>& column_names() const { return names_; }

  template <class T>
  std::vector<T>& values(const std::string& name) {
    return column(name).values<T>();
  }
  template <class T>
  const std::vector<T>& values(const std::string& name) const {
    return column(name).values<T>();
  }

  void resize(std::size_t rows);
  void reserve(std::size_t rows);
  void clear();  // keeps columns and their capacity
  // Appends rows [begin, end) of `other`, which has the same columns in the same order.
  void append(const Table& other, std::size_t begin, std::size_t end);
  // A table with the same columns (names and types) and no rows.
  Table empty_like() const;

 private:
  long index_of(const std::string& name) const;

  std::string name_;
  std::vector<std::string> names_;
  std::deque<Column> columns_;  // deque: adding a column moves no other
};

}  // namespace portrait
