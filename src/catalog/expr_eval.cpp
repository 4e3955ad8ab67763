// src/catalog/expr_eval.cpp: the batch evaluator. Each case below is one
// tight loop over the batch; missing operands give missing results except
// where three-valued logic or coalesce say otherwise.
#include "catalog/expr_eval.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/types.hpp"

namespace portrait::catalog {
namespace {

constexpr std::int64_t kNone = missing<std::int64_t>();
constexpr std::int64_t kDay = 86400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

template <class T>
void load_int(const std::vector<T>& v, std::size_t row, std::size_t n, std::int64_t* out) {
  for (std::size_t i = 0; i < n; ++i) {
    const T x = v[row + i];
    if constexpr (std::is_same_v<T, std::uint64_t>) {
      out[i] = x == 0 ? kNone : static_cast<std::int64_t>(x);  // hashes: only equality is meaningful
    } else {
      out[i] = is_missing(x) ? kNone : static_cast<std::int64_t>(x);
    }
  }
}

template <class T>
void load_float(const std::vector<T>& v, std::size_t row, std::size_t n, double* out) {
  for (std::size_t i = 0; i < n; ++i) {
    const T x = v[row + i];
    out[i] = is_missing(x) ? missing<double>() : static_cast<double>(x);
  }
}

bool compare(Cmp cmp, auto a, auto b) {
  switch (cmp) {
    case Cmp::Eq:
      return a == b;
    case Cmp::Ne:
      return a != b;
    case Cmp::Lt:
      return a < b;
    case Cmp::Le:
      return a <= b;
    case Cmp::Gt:
      return a > b;
    case Cmp::Ge:
      return a >= b;
  }
  return false;
}

template <class F>
void int_binary(const std::int64_t* a, const std::int64_t* b, std::int64_t* r, std::size_t n, F f) {
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t out = kNone;
    if (a[i] != kNone && b[i] != kNone && !f(a[i], b[i], out)) out = kNone;
    r[i] = out;
  }
}

}  // namespace

std::int64_t hour_of(std::int64_t t, std::int64_t utc_offset) {
  const std::int64_t s = t + utc_offset;
  return (s - floor_div(s, kDay) * kDay) / 3600;
}
std::int64_t weekday_of(std::int64_t t, std::int64_t utc_offset) {
  const std::int64_t days = floor_div(t + utc_offset, kDay);
  return (days + 3) - floor_div(days + 3, 7) * 7 + 1;  // 1970-01-01 was a Thursday
}
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm.
  y -= m <= 2;
  const std::int64_t era = floor_div(y, 400);
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}
std::int64_t day_of(std::int64_t t, std::int64_t utc_offset) {
  std::int64_t y;
  unsigned m, d;
  civil_from_days(floor_div(t + utc_offset, kDay), y, m, d);
  return d;
}
std::int64_t month_of(std::int64_t t, std::int64_t utc_offset) {
  std::int64_t y;
  unsigned m, d;
  civil_from_days(floor_div(t + utc_offset, kDay), y, m, d);
  return m;
}

ColumnType storage_type(ValueType type) {
  switch (type) {
    case ValueType::Bool:
      return ColumnType::Int8;
    case ValueType::Int:
      return ColumnType::Int64;
    case ValueType::Float:
      return ColumnType::Float64;
    case ValueType::Category:
      return ColumnType::Int32;
  }
  return ColumnType::Int64;
}

Lanes evaluate_batch(const CompiledExpr& expr, std::span<const Column* const> slots, std::size_t row,
                     std::size_t n, EvalScratch& scratch) {
  if (slots.size() != expr.inputs.size()) throw std::logic_error("evaluate: slots do not match the inputs");
  if (n > kBatch) throw std::logic_error("evaluate: batch larger than kBatch");
  // Float results and the rest live in separate register files.
  auto& reg = scratch.registers;
  reg.resize(expr.code.size());
  std::size_t n_int = 0, n_float = 0;
  for (std::size_t k = 0; k < expr.code.size(); ++k) {
    reg[k] = static_cast<std::uint32_t>(expr.code[k].type == ValueType::Float ? n_float++ : n_int++);
  }
  if (scratch.ints.size() < n_int * kBatch) scratch.ints.resize(n_int * kBatch);
  if (scratch.floats.size() < n_float * kBatch) scratch.floats.resize(n_float * kBatch);
  const auto I = [&](std::uint32_t k) { return scratch.ints.data() + reg[k] * kBatch; };
  const auto F = [&](std::uint32_t k) { return scratch.floats.data() + reg[k] * kBatch; };

  for (std::size_t k = 0; k < expr.code.size(); ++k) {
    const Instruction& ins = expr.code[k];
    const auto self = static_cast<std::uint32_t>(k);
    std::int64_t* ri = ins.type == ValueType::Float ? nullptr : I(self);
    double* rf = ins.type == ValueType::Float ? F(self) : nullptr;
    switch (ins.code) {
      case OpCode::Load: {
        const Column& col = *slots[ins.slot];
        if (rf != nullptr) {
          col.visit([&](const auto& v) { load_float(v, row, n, rf); });
        } else if (col.type() == ColumnType::Float64) {
          throw std::logic_error("evaluate: '" + expr.inputs[ins.slot] + "' is bound to a float64 column");
        } else {
          col.visit([&](const auto& v) {
            if constexpr (!std::is_same_v<std::decay_t<decltype(v)>, std::vector<double>>)
              load_int(v, row, n, ri);
          });
        }
        break;
      }
      case OpCode::ConstInt:
        std::fill(ri, ri + n, ins.imm_int);
        break;
      case OpCode::ConstFloat:
        std::fill(rf, rf + n, ins.imm_float);
        break;
      case OpCode::ToFloat: {
        const std::int64_t* a = I(ins.a);
        for (std::size_t i = 0; i < n; ++i)
          rf[i] = a[i] == kNone ? missing<double>() : static_cast<double>(a[i]);
        break;
      }
      // Overflow of int arithmetic gives missing rather than a wrapped value.
      case OpCode::AddInt:
        int_binary(I(ins.a), I(ins.b), ri, n,
                   [](auto a, auto b, auto& r) { return !__builtin_add_overflow(a, b, &r) && r != kNone; });
        break;
      case OpCode::SubInt:
        int_binary(I(ins.a), I(ins.b), ri, n,
                   [](auto a, auto b, auto& r) { return !__builtin_sub_overflow(a, b, &r) && r != kNone; });
        break;
      case OpCode::MulInt:
        int_binary(I(ins.a), I(ins.b), ri, n,
                   [](auto a, auto b, auto& r) { return !__builtin_mul_overflow(a, b, &r) && r != kNone; });
        break;
      case OpCode::ModInt:
        int_binary(I(ins.a), I(ins.b), ri, n, [](auto a, auto b, auto& r) {
          if (b == 0) return false;
          r = a % b;
          return true;
        });
        break;
      case OpCode::NegInt:
      case OpCode::AbsInt: {
        const std::int64_t* a = I(ins.a);
        const bool neg = ins.code == OpCode::NegInt;
        for (std::size_t i = 0; i < n; ++i)
          ri[i] = a[i] == kNone ? kNone : (neg ? -a[i] : (a[i] < 0 ? -a[i] : a[i]));
        break;
      }
      case OpCode::AddFloat: {
        const double *a = F(ins.a), *b = F(ins.b);
        for (std::size_t i = 0; i < n; ++i) rf[i] = a[i] + b[i];
        break;
      }
      case OpCode::SubFloat: {
        const double *a = F(ins.a), *b = F(ins.b);
        for (std::size_t i = 0; i < n; ++i) rf[i] = a[i] - b[i];
        break;
      }
      case OpCode::MulFloat: {
        const double *a = F(ins.a), *b = F(ins.b);
        for (std::size_t i = 0; i < n; ++i) rf[i] = a[i] * b[i];
        break;
      }
      case OpCode::DivFloat: {
        const double *a = F(ins.a), *b = F(ins.b);
        for (std::size_t i = 0; i < n; ++i) rf[i] = b[i] == 0.0 ? missing<double>() : a[i] / b[i];
        break;
      }
      case OpCode::NegFloat: {
        const double* a = F(ins.a);
        for (std::size_t i = 0; i < n; ++i) rf[i] = -a[i];
        break;
      }
      case OpCode::AbsFloat: {
        const double* a = F(ins.a);
        for (std::size_t i = 0; i < n; ++i) rf[i] = std::fabs(a[i]);
        break;
      }
      case OpCode::Log: {
        const double* a = F(ins.a);
        for (std::size_t i = 0; i < n; ++i) rf[i] = a[i] > 0.0 ? std::log(a[i]) : missing<double>();
        break;
      }
      case OpCode::CmpInt: {
        const std::int64_t *a = I(ins.a), *b = I(ins.b);
        for (std::size_t i = 0; i < n; ++i)
          ri[i] = a[i] == kNone || b[i] == kNone ? kNone : compare(ins.cmp, a[i], b[i]);
        break;
      }
      case OpCode::CmpFloat: {
        const double *a = F(ins.a), *b = F(ins.b);
        for (std::size_t i = 0; i < n; ++i) {
          ri[i] = std::isnan(a[i]) || std::isnan(b[i]) ? kNone : compare(ins.cmp, a[i], b[i]);
        }
        break;
      }
      case OpCode::And: {
        const std::int64_t *a = I(ins.a), *b = I(ins.b);
        for (std::size_t i = 0; i < n; ++i)
          ri[i] = a[i] == 0 || b[i] == 0 ? 0 : (a[i] == 1 && b[i] == 1 ? 1 : kNone);
        break;
      }
      case OpCode::Or: {
        const std::int64_t *a = I(ins.a), *b = I(ins.b);
        for (std::size_t i = 0; i < n; ++i)
          ri[i] = a[i] == 1 || b[i] == 1 ? 1 : (a[i] == 0 && b[i] == 0 ? 0 : kNone);
        break;
      }
      case OpCode::Not: {
        const std::int64_t* a = I(ins.a);
        for (std::size_t i = 0; i < n; ++i) ri[i] = a[i] == kNone ? kNone : 1 - a[i];
        break;
      }
      case OpCode::InInt: {
        const std::int64_t* a = I(ins.a);
        for (std::size_t i = 0; i < n; ++i) {
          ri[i] = a[i] == kNone ? kNone : std::binary_search(ins.set_int.begin(), ins.set_int.end(), a[i]);
        }
        break;
      }
      case OpCode::InFloat: {
        const double* a = F(ins.a);
        for (std::size_t i = 0; i < n; ++i) {
          ri[i] =
              std::isnan(a[i]) ? kNone : std::binary_search(ins.set_float.begin(), ins.set_float.end(), a[i]);
        }
        break;
      }
      case OpCode::Hour:
      case OpCode::Weekday:
      case OpCode::Day:
      case OpCode::Month: {
        const std::int64_t* a = I(ins.a);
        // One loop per field: the field function inlines (its divisions by
        // constants become multiplications) instead of a call per row.
        const auto apply = [&](auto field) {
          for (std::size_t i = 0; i < n; ++i) ri[i] = a[i] == kNone ? kNone : field(a[i], ins.imm_int);
        };
        switch (ins.code) {
          case OpCode::Hour:
            apply([](std::int64_t t, std::int64_t offset) { return hour_of(t, offset); });
            break;
          case OpCode::Weekday:
            apply([](std::int64_t t, std::int64_t offset) { return weekday_of(t, offset); });
            break;
          case OpCode::Day:
            apply([](std::int64_t t, std::int64_t offset) { return day_of(t, offset); });
            break;
          default:
            apply([](std::int64_t t, std::int64_t offset) { return month_of(t, offset); });
            break;
        }
        break;
      }
      case OpCode::MinInt:
      case OpCode::MaxInt: {
        const bool is_min = ins.code == OpCode::MinInt;
        std::copy_n(I(ins.args[0]), n, ri);
        for (std::size_t j = 1; j < ins.args.size(); ++j) {
          const std::int64_t* b = I(ins.args[j]);
          for (std::size_t i = 0; i < n; ++i) {
            ri[i] = ri[i] == kNone || b[i] == kNone
                        ? kNone
                        : (is_min ? std::min(ri[i], b[i]) : std::max(ri[i], b[i]));
          }
        }
        break;
      }
      case OpCode::MinFloat:
      case OpCode::MaxFloat: {
        const bool is_min = ins.code == OpCode::MinFloat;
        std::copy_n(F(ins.args[0]), n, rf);
        for (std::size_t j = 1; j < ins.args.size(); ++j) {
          const double* b = F(ins.args[j]);
          for (std::size_t i = 0; i < n; ++i) {
            rf[i] = std::isnan(rf[i]) || std::isnan(b[i])
                        ? missing<double>()
                        : (is_min ? std::min(rf[i], b[i]) : std::max(rf[i], b[i]));
          }
        }
        break;
      }
      case OpCode::CoalesceInt: {
        std::copy_n(I(ins.args[0]), n, ri);
        for (std::size_t j = 1; j < ins.args.size(); ++j) {
          const std::int64_t* b = I(ins.args[j]);
          for (std::size_t i = 0; i < n; ++i) ri[i] = ri[i] == kNone ? b[i] : ri[i];
        }
        break;
      }
      case OpCode::CoalesceFloat: {
        std::copy_n(F(ins.args[0]), n, rf);
        for (std::size_t j = 1; j < ins.args.size(); ++j) {
          const double* b = F(ins.args[j]);
          for (std::size_t i = 0; i < n; ++i) rf[i] = std::isnan(rf[i]) ? b[i] : rf[i];
        }
        break;
      }
      case OpCode::SelectInt: {
        const std::int64_t *c = I(ins.a), *a = I(ins.b), *b = I(ins.c);
        for (std::size_t i = 0; i < n; ++i) ri[i] = c[i] == 1 ? a[i] : b[i];
        break;
      }
      case OpCode::SelectFloat: {
        const std::int64_t* c = I(ins.a);
        const double *a = F(ins.b), *b = F(ins.c);
        for (std::size_t i = 0; i < n; ++i) rf[i] = c[i] == 1 ? a[i] : b[i];
        break;
      }
    }
  }
  const auto last = static_cast<std::uint32_t>(expr.code.size() - 1);
  Lanes out;
  if (expr.type == ValueType::Float) {
    out.floats = F(last);
  } else {
    out.ints = I(last);
  }
  return out;
}

void evaluate_into(const CompiledExpr& expr, std::span<const Column* const> slots, std::size_t begin,
                   std::size_t end, EvalScratch& scratch, Column& out) {
  if (out.type() != storage_type(expr.type) || out.size() < end) {
    throw std::logic_error("evaluate_into: output column of the wrong type or size");
  }
  for (std::size_t row = begin; row < end; row += kBatch) {
    const std::size_t n = std::min(kBatch, end - row);
    const Lanes lanes = evaluate_batch(expr, slots, row, n, scratch);
    out.visit([&](auto& v) {
      using T = typename std::decay_t<decltype(v)>::value_type;
      if constexpr (std::is_same_v<T, double>) {
        std::copy_n(lanes.floats, n, v.begin() + static_cast<std::ptrdiff_t>(row));
      } else {
        for (std::size_t i = 0; i < n; ++i) {
          v[row + i] = lanes.ints[i] == kNone ? missing<T>() : static_cast<T>(lanes.ints[i]);
        }
      }
    });
  }
}

void evaluate_mask(const CompiledExpr& condition, std::span<const Column* const> slots, std::size_t begin,
                   std::size_t end, EvalScratch& scratch, std::vector<std::uint8_t>& mask) {
  if (condition.type != ValueType::Bool) throw std::logic_error("evaluate_mask: not a condition");
  mask.resize(end - begin);
  for (std::size_t row = begin; row < end; row += kBatch) {
    const std::size_t n = std::min(kBatch, end - row);
    const Lanes lanes = evaluate_batch(condition, slots, row, n, scratch);
    for (std::size_t i = 0; i < n; ++i) mask[row - begin + i] = lanes.ints[i] == 1 ? 1 : 0;
  }
}

}  // namespace portrait::catalog
