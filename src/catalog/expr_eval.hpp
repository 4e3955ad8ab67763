// src/catalog/expr_eval.hpp: vectorised evaluation of compiled expressions
// over columns, in batches of kBatch rows with missing handled per value.
//
// One instruction runs over a whole batch before the next (no per-row
// dispatch, no per-row allocation). All mutable state is in the caller's
// EvalScratch: give each OpenMP thread its own and evaluation is thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "catalog/expr_program.hpp"
#include "core/column.hpp"

namespace portrait::catalog {

inline constexpr std::size_t kBatch = 2048;

// Registers of one thread, reused batch after batch.
struct EvalScratch {
  std::vector<std::int64_t> ints;
  std::vector<double> floats;
  std::vector<std::uint32_t> registers;
  std::vector<std::uint8_t> mask;  // for callers of evaluate_mask
};

// The result of one batch: `ints` for bool/int/category (INT64_MIN missing,
// bool 0/1), `floats` for float (NaN missing). Valid until the next call.
struct Lanes {
  const std::int64_t* ints = nullptr;
  const double* floats = nullptr;
};

// `slots[k]` is the column bound to expr.inputs[k]; all have at least
// `row + count` rows. count <= kBatch.
Lanes evaluate_batch(const CompiledExpr& expr, std::span<const Column* const> slots, std::size_t row,
                     std::size_t count, EvalScratch& scratch);

// The column type a value of `type` is stored in: bool Int8 (0/1), int Int64,
// float Float64, category Int32 (code into the labels).
ColumnType storage_type(ValueType type);

// Writes rows [begin, end) of `out` (already sized, of storage_type(expr.type)).
void evaluate_into(const CompiledExpr& expr, std::span<const Column* const> slots, std::size_t begin,
                   std::size_t end, EvalScratch& scratch, Column& out);

// mask[i - begin] = 1 where the condition is true; false and missing give 0
// (a `when`/`where` keeps only rows known to match). Resizes mask.
void evaluate_mask(const CompiledExpr& condition, std::span<const Column* const> slots, std::size_t begin,
                   std::size_t end, EvalScratch& scratch, std::vector<std::uint8_t>& mask);

// Calendar fields of a Unix time shifted by utc_offset seconds: hour 0-23,
// ISO weekday 1 (Monday) - 7, day of month 1-31, month 1-12.
std::int64_t hour_of(std::int64_t t, std::int64_t utc_offset);
std::int64_t weekday_of(std::int64_t t, std::int64_t utc_offset);
std::int64_t day_of(std::int64_t t, std::int64_t utc_offset);
std::int64_t month_of(std::int64_t t, std::int64_t utc_offset);
// Days since 1970-01-01 of a civil date, and back (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d);

}  // namespace portrait::catalog
