// src/core/column.cpp: Column and Table.
#include "core/column.hpp"

#include <cstring>
#include <stdexcept>

#include "core/error.hpp"

namespace portrait {

std::string_view to_string(ColumnType type) {
  switch (type) {
    case ColumnType::Int8:
      return "int8";
    case ColumnType::Int32:
      return "int32";
    case ColumnType::Int64:
      return "int64";
    case ColumnType::UInt64:
      return "uint64";
    case ColumnType::Float64:
      return "float64";
  }
  return "";
}

std::size_t size_of(ColumnType type) {
  switch (type) {
    case ColumnType::Int8:
      return 1;
    case ColumnType::Int32:
      return 4;
    case ColumnType::Int64:
    case ColumnType::UInt64:
    case ColumnType::Float64:
      return 8;
  }
  return 0;
}

namespace {

Column::Storage make_storage(ColumnType type) {
  switch (type) {
    case ColumnType::Int8:
      return std::vector<std::int8_t>{};
    case ColumnType::Int32:
      return std::vector<std::int32_t>{};
    case ColumnType::Int64:
      return std::vector<std::int64_t>{};
    case ColumnType::UInt64:
      return std::vector<std::uint64_t>{};
    case ColumnType::Float64:
      return std::vector<double>{};
  }
  throw std::logic_error("unknown column type");
}

}  // namespace

Column::Column(ColumnType type) : type_(type), storage_(make_storage(type)) {}

template <class T>
void Column::check() const {
  if (column_type_of<T>() != type_) {
    throw std::logic_error("column of type " + std::string(to_string(type_)) + " accessed as " +
                           std::string(to_string(column_type_of<T>())));
  }
}
template void Column::check<std::int8_t>() const;
template void Column::check<std::int32_t>() const;
template void Column::check<std::int64_t>() const;
template void Column::check<std::uint64_t>() const;
template void Column::check<double>() const;

std::size_t Column::size() const {
  return std::visit([](const auto& v) { return v.size(); }, storage_);
}
void Column::resize(std::size_t n) {
  std::visit([n](auto& v) { v.resize(n); }, storage_);
}
void Column::reserve(std::size_t n) {
  std::visit([n](auto& v) { v.reserve(n); }, storage_);
}
void Column::clear() {
  std::visit([](auto& v) { v.clear(); }, storage_);
}
void* Column::data() {
  return std::visit([](auto& v) -> void* { return v.data(); }, storage_);
}
const void* Column::data() const {
  return std::visit([](const auto& v) -> const void* { return v.data(); }, storage_);
}
std::span<const std::byte> Column::bytes() const {
  return {static_cast<const std::byte*>(data()), byte_size()};
}

void Column::append(const Column& other, std::size_t begin, std::size_t end) {
  if (other.type_ != type_) throw std::logic_error("Column::append: type mismatch");
  std::visit(
      [&](auto& v) {
        using V = std::decay_t<decltype(v)>;
        const auto& src = std::get<V>(other.storage_);
        v.insert(v.end(), src.begin() + static_cast<std::ptrdiff_t>(begin),
                 src.begin() + static_cast<std::ptrdiff_t>(end));
      },
      storage_);
}

void Column::gather(const Column& source, std::span<const std::uint32_t> index) {
  if (source.type_ != type_) throw std::logic_error("Column::gather: type mismatch");
  std::visit(
      [&](auto& v) {
        using V = std::decay_t<decltype(v)>;
        const auto& src = std::get<V>(source.storage_);
        v.resize(index.size());
        const auto n = static_cast<std::int64_t>(index.size());
#pragma omp parallel for schedule(static) if (n > (std::int64_t{1} << 16))
        for (std::int64_t i = 0; i < n; ++i) {
          v[static_cast<std::size_t>(i)] = src[index[static_cast<std::size_t>(i)]];
        }
      },
      storage_);
}

std::size_t Table::byte_size() const {
  std::size_t n = 0;
  for (const auto& c : columns_) n += c.byte_size();
  return n;
}

Column& Table::add(const std::string& name, ColumnType type) {
  if (has(name)) throw std::logic_error("table '" + name_ + "' already has a column '" + name + "'");
  names_.push_back(name);
  columns_.emplace_back(type);
  if (columns_.size() > 1) columns_.back().resize(columns_.front().size());
  return columns_.back();
}

Column& Table::add(const std::string& name, Column column) {
  if (has(name)) throw std::logic_error("table '" + name_ + "' already has a column '" + name + "'");
  if (!columns_.empty() && column.size() != columns_.front().size()) {
    throw std::logic_error("column '" + name + "' is not as long as table '" + name_ + "'");
  }
  names_.push_back(name);
  columns_.push_back(std::move(column));
  return columns_.back();
}

long Table::index_of(const std::string& name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<long>(i);
  }
  return -1;
}

Column& Table::column(const std::string& name) {
  const long i = index_of(name);
  if (i < 0) throw Error("no column '" + name + "'", "table '" + name_ + "'");
  return columns_[static_cast<std::size_t>(i)];
}
const Column& Table::column(const std::string& name) const {
  const long i = index_of(name);
  if (i < 0) throw Error("no column '" + name + "'", "table '" + name_ + "'");
  return columns_[static_cast<std::size_t>(i)];
}

void Table::resize(std::size_t rows) {
  for (auto& c : columns_) c.resize(rows);
}
void Table::reserve(std::size_t rows) {
  for (auto& c : columns_) c.reserve(rows);
}
void Table::clear() {
  for (auto& c : columns_) c.clear();
}

void Table::append(const Table& other, std::size_t begin, std::size_t end) {
  if (other.names_ != names_) throw std::logic_error("Table::append: tables differ in columns");
  for (std::size_t i = 0; i < columns_.size(); ++i) columns_[i].append(other.columns_[i], begin, end);
}

Table Table::empty_like() const {
  Table t(name_);
  for (std::size_t i = 0; i < columns_.size(); ++i) t.add(names_[i], columns_[i].type());
  return t;
}

}  // namespace portrait
