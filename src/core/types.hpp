// src/core/types.hpp: the exact scalar types of portrait and their missing
// values. Money is int64 fen, times int64 Unix seconds UTC, durations int64
// seconds, volumes int64 bytes, counts int64: global sums are exact.
//
// Missing values are a reserved sentinel per type, never a silent 0:
//   int8 / int32 / int64 : the type's minimum (INT8_MIN, INT32_MIN, INT64_MIN)
//   uint64 (hashes)      : 0 (a keyed hash that comes out 0 is stored as 1)
//   float64              : quiet NaN
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

namespace portrait {

using CustomerId = std::int64_t;  // valid ids are > 0
using Fen = std::int64_t;         // 1 yuan = 100 fen
using UnixSeconds = std::int64_t;
using Bucket = std::uint32_t;
// 128-bit integers for exact sums of int64 over billions of records
// (__extension__ keeps -Wpedantic quiet about the GNU type).
__extension__ using Int128 = __int128;
__extension__ using UInt128 = unsigned __int128;

enum class ColumnType : std::uint8_t { Int8, Int32, Int64, UInt64, Float64 };

// "int8", "int32", ...; "" for a value without a name (core/enum_names.hpp).
std::string_view to_string(ColumnType type);

template <class T>
struct Missing;
template <>
struct Missing<std::int8_t> {
  static constexpr std::int8_t value = std::numeric_limits<std::int8_t>::min();
};
template <>
struct Missing<std::int32_t> {
  static constexpr std::int32_t value = std::numeric_limits<std::int32_t>::min();
};
template <>
struct Missing<std::int64_t> {
  static constexpr std::int64_t value = std::numeric_limits<std::int64_t>::min();
};
template <>
struct Missing<std::uint64_t> {
  static constexpr std::uint64_t value = 0;
};
template <>
struct Missing<double> {
  static constexpr double value = std::numeric_limits<double>::quiet_NaN();
};

template <class T>
constexpr T missing() {
  return Missing<T>::value;
}

template <class T>
constexpr bool is_missing(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(v);
  } else {
    return v == Missing<T>::value;
  }
}

// The C++ type of each ColumnType, and back.
template <ColumnType>
struct ColumnValue;
template <>
struct ColumnValue<ColumnType::Int8> {
  using type = std::int8_t;
};
template <>
struct ColumnValue<ColumnType::Int32> {
  using type = std::int32_t;
};
template <>
struct ColumnValue<ColumnType::Int64> {
  using type = std::int64_t;
};
template <>
struct ColumnValue<ColumnType::UInt64> {
  using type = std::uint64_t;
};
template <>
struct ColumnValue<ColumnType::Float64> {
  using type = double;
};

template <class T>
constexpr ColumnType column_type_of();
template <>
constexpr ColumnType column_type_of<std::int8_t>() {
  return ColumnType::Int8;
}
template <>
constexpr ColumnType column_type_of<std::int32_t>() {
  return ColumnType::Int32;
}
template <>
constexpr ColumnType column_type_of<std::int64_t>() {
  return ColumnType::Int64;
}
template <>
constexpr ColumnType column_type_of<std::uint64_t>() {
  return ColumnType::UInt64;
}
template <>
constexpr ColumnType column_type_of<double>() {
  return ColumnType::Float64;
}

std::size_t size_of(ColumnType type);

}  // namespace portrait
