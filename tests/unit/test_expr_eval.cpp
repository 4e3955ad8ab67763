// tests/unit/test_expr_eval.cpp: the batch evaluator: every operator and
// function, missing values, three-valued logic, batches longer than kBatch.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "catalog/expr_compiler.hpp"
#include "catalog/expr_eval.hpp"
#include "core/types.hpp"

namespace portrait::catalog {
namespace {

constexpr std::int64_t M = std::numeric_limits<std::int64_t>::min();  // missing int/bool
const double NaN = std::numeric_limits<double>::quiet_NaN();

// Rows: a, b (int64), x (float64), p, q (bool as int8: 1, 0, missing), s (category int32), t (time).
struct Fixture {
  Table table{"t"};
  NameScope scope;
  Fixture(std::vector<std::int64_t> a, std::vector<std::int64_t> b, std::vector<double> x = {},
          std::vector<std::int8_t> p = {}, std::vector<std::int8_t> q = {}) {
    const std::size_t n = a.size();
    table.add("a", ColumnType::Int64).values<std::int64_t>() = a;
    table.add("b", ColumnType::Int64).values<std::int64_t>() = b;
    x.resize(n, 0.0);
    p.resize(n, 0);
    q.resize(n, 0);
    table.add("x", ColumnType::Float64).values<double>() = x;
    table.add("p", ColumnType::Int8).values<std::int8_t>() = p;
    table.add("q", ColumnType::Int8).values<std::int8_t>() = q;
    scope.add({"a", ValueType::Int, {}});
    scope.add({"b", ValueType::Int, {}});
    scope.add({"x", ValueType::Float, {}});
    scope.add({"p", ValueType::Bool, {}});
    scope.add({"q", ValueType::Bool, {}});
  }

  CompiledExpr compile(const std::string& text, std::int64_t utc_offset = 0) const {
    CompileOptions o;
    o.utc_offset_seconds = utc_offset;
    return compile_expression(text, scope, o);
  }
  std::vector<const Column*> slots(const CompiledExpr& e) const {
    std::vector<const Column*> s;
    for (const auto& name : e.inputs) s.push_back(&table.column(name));
    return s;
  }
  std::vector<std::int64_t> ints(const std::string& text, std::int64_t utc_offset = 0) const {
    const auto e = compile(text, utc_offset);
    EvalScratch scratch;
    const Lanes l = evaluate_batch(e, slots(e), 0, table.rows(), scratch);
    EXPECT_NE(l.ints, nullptr) << text;
    return {l.ints, l.ints + table.rows()};
  }
  std::vector<double> floats(const std::string& text) const {
    const auto e = compile(text);
    EvalScratch scratch;
    const Lanes l = evaluate_batch(e, slots(e), 0, table.rows(), scratch);
    EXPECT_NE(l.floats, nullptr) << text;
    return {l.floats, l.floats + table.rows()};
  }
};

using I = std::vector<std::int64_t>;

// Compares float lanes bit-exactly, treating NaN (missing) as equal to NaN.
void expect_floats(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "row " << i << " got " << got[i];
    } else {
      EXPECT_EQ(got[i], want[i]) << "row " << i;
    }
  }
}

TEST(ExprEval, IntArithmeticWithMissingAndOverflow) {
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  Fixture f({7, -7, M, 5, big, 9}, {2, 2, 1, M, 1, 0});
  EXPECT_EQ(f.ints("a + b"), (I{9, -5, M, M, M, 9}));
  EXPECT_EQ(f.ints("a - b"), (I{5, -9, M, M, big - 1, 9}));
  EXPECT_EQ(f.ints("a * b"), (I{14, -14, M, M, big, 0}));
  EXPECT_EQ(f.ints("a % b"), (I{1, -1, M, M, 0, M}));  // sign of the dividend; % 0 is missing
  EXPECT_EQ(f.ints("-a"), (I{-7, 7, M, -5, -big, -9}));
  EXPECT_EQ(f.ints("abs(a)"), (I{7, 7, M, 5, big, 9}));
  EXPECT_EQ(f.ints("a * 2"), (I{14, -14, M, 10, M, 18}));  // overflow is missing
}

TEST(ExprEval, FloatArithmetic) {
  Fixture f({7, 1, M, 4}, {2, 0, 1, 8}, {0.5, -2.0, 1.0, NaN});
  expect_floats(f.floats("a / b"), {3.5, NaN, NaN, 0.5});  // / is float; / 0 is missing
  expect_floats(f.floats("a + x"), {7.5, -1.0, NaN, NaN});
  expect_floats(f.floats("x - 1"), {-0.5, -3.0, 0.0, NaN});
  expect_floats(f.floats("x * 2"), {1.0, -4.0, 2.0, NaN});
  expect_floats(f.floats("-x"), {-0.5, 2.0, -1.0, NaN});
  expect_floats(f.floats("abs(x)"), {0.5, 2.0, 1.0, NaN});
  expect_floats(f.floats("log(x)"), {std::log(0.5), NaN, 0.0, NaN});  // log of <= 0 is missing
  expect_floats(f.floats("log(a)"), {std::log(7.0), 0.0, NaN, std::log(4.0)});
}

TEST(ExprEval, ComparisonsWithMissing) {
  Fixture f({1, 2, 3, M}, {2, 2, 2, 2}, {1.5, 2.0, NaN, 0.0});
  EXPECT_EQ(f.ints("a == b"), (I{0, 1, 0, M}));
  EXPECT_EQ(f.ints("a != b"), (I{1, 0, 1, M}));
  EXPECT_EQ(f.ints("a < b"), (I{1, 0, 0, M}));
  EXPECT_EQ(f.ints("a <= b"), (I{1, 1, 0, M}));
  EXPECT_EQ(f.ints("a > b"), (I{0, 0, 1, M}));
  EXPECT_EQ(f.ints("a >= b"), (I{0, 1, 1, M}));
  EXPECT_EQ(f.ints("x < a"), (I{0, 0, M, M}));
  EXPECT_EQ(f.ints("x >= 1.5"), (I{1, 1, M, 0}));
}

TEST(ExprEval, ThreeValuedLogicTruthTables) {
  // Every combination of p, q in {true, false, missing}.
  const std::int8_t T = 1, F = 0, N = std::numeric_limits<std::int8_t>::min();
  Fixture f({0, 0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0, 0}, {}, {T, T, T, F, F, F, N, N, N},
            {T, F, N, T, F, N, T, F, N});
  EXPECT_EQ(f.ints("p and q"), (I{1, 0, M, 0, 0, 0, M, 0, M}));
  EXPECT_EQ(f.ints("p or q"), (I{1, 1, 1, 1, 0, M, 1, M, M}));
  EXPECT_EQ(f.ints("not p"), (I{0, 0, 0, 1, 1, 1, M, M, M}));
  EXPECT_EQ(f.ints("p == q"), (I{1, 0, M, 0, 1, M, M, M, M}));
  EXPECT_EQ(f.ints("p == true"), (I{1, 1, 1, 0, 0, 0, M, M, M}));
}

TEST(ExprEval, InAndBetween) {
  Fixture f({1, 2, 5, M, -3}, {0, 0, 0, 0, 0}, {1.0, 2.5, 5.0, NaN, 0.0});
  EXPECT_EQ(f.ints("a in [5, 1, -3]"), (I{1, 0, 1, M, 1}));
  EXPECT_EQ(f.ints("a not in [5, 1]"), (I{0, 1, 0, M, 1}));
  EXPECT_EQ(f.ints("x in [2.5, 5]"), (I{0, 1, 1, M, 0}));
  EXPECT_EQ(f.ints("a in [2.5, 5]"), (I{0, 0, 1, M, 0}));
  EXPECT_EQ(f.ints("a between 1 and 2"), (I{1, 1, 0, M, 0}));
  EXPECT_EQ(f.ints("a not between 1 and 2"), (I{0, 0, 1, M, 1}));
  EXPECT_EQ(f.ints("x between 1 and 2.5"), (I{1, 1, 0, M, 0}));
}

TEST(ExprEval, MinMaxClampCoalesce) {
  Fixture f({1, 9, M, 4}, {3, 2, 5, M}, {0.5, NaN, 7.0, 2.0});
  EXPECT_EQ(f.ints("min(a, b)"), (I{1, 2, M, M}));  // any missing argument gives missing
  EXPECT_EQ(f.ints("max(a, b, 4)"), (I{4, 9, M, M}));
  EXPECT_EQ(f.ints("clamp(a, 2, 5)"), (I{2, 5, M, 4}));
  expect_floats(f.floats("max(a, x)"), {1.0, NaN, NaN, 4.0});
  expect_floats(f.floats("clamp(x, 1, 5)"), {1.0, NaN, 5.0, 2.0});
  EXPECT_EQ(f.ints("coalesce(a, b, 0)"), (I{1, 9, 5, 4}));
  EXPECT_EQ(f.ints("coalesce(b, a)"), (I{3, 2, 5, 4}));
  expect_floats(f.floats("coalesce(x, a)"), {0.5, 9.0, 7.0, 2.0});
  EXPECT_EQ(f.ints("coalesce(a + b, -1)"), (I{4, 11, -1, -1}));
}

TEST(ExprEval, IfAndCaseTakeTheFirstMatchingCondition) {
  Fixture f({1, 5, 10, M}, {0, 0, 0, 0}, {0.0, 0.0, 0.0, 0.0});
  // A missing condition does not match: the else branch is taken.
  EXPECT_EQ(f.ints("if(a > 3, 1, 2)"), (I{2, 1, 1, 2}));
  EXPECT_EQ(f.ints("case(a > 8, 3, a > 3, 2, a > 0, 1)"), (I{1, 2, 3, M}));
  EXPECT_EQ(f.ints("case(a > 3, 2, a > 8, 3, 0)"), (I{0, 2, 2, 0}));
  expect_floats(f.floats("case(a > 3, 0.5)"), {NaN, 0.5, 0.5, NaN});
}

TEST(ExprEval, CategoriesCompareByLabel) {
  Fixture f({0, 1, 2, M}, {0, 0, 0, 0});
  f.table.add("seg", ColumnType::Int32).values<std::int32_t>() = {0, 1, 2,
                                                                  std::numeric_limits<std::int32_t>::min()};
  f.scope.add({"seg", ValueType::Category, {"gold", "silver", "bronze"}});
  EXPECT_EQ(f.ints("seg == \"silver\""), (I{0, 1, 0, M}));
  EXPECT_EQ(f.ints("seg != \"silver\""), (I{1, 0, 1, M}));
  EXPECT_EQ(f.ints("seg in [\"gold\", \"bronze\"]"), (I{1, 0, 1, M}));
  EXPECT_EQ(f.ints("if(a >= 1, seg, \"gold\")"), (I{0, 1, 2, 0}));
}

TEST(ExprEval, CalendarFunctions) {
  // 2024-03-10 23:30:00 UTC is a Sunday; at UTC+8 it is Monday 2024-03-11 07:30.
  const std::int64_t t = 1710113400;
  Fixture f({t, 0, -1, M}, {0, 0, 0, 0});
  EXPECT_EQ(f.ints("hour(a)"), (I{23, 0, 23, M}));
  EXPECT_EQ(f.ints("weekday(a)"), (I{7, 4, 3, M}));  // 1970-01-01 was a Thursday
  EXPECT_EQ(f.ints("day(a)"), (I{10, 1, 31, M}));
  EXPECT_EQ(f.ints("month(a)"), (I{3, 1, 12, M}));
  EXPECT_EQ(f.ints("hour(a)", 8 * 3600), (I{7, 8, 7, M}));
  EXPECT_EQ(f.ints("weekday(a)", 8 * 3600), (I{1, 4, 4, M}));
  EXPECT_EQ(f.ints("day(a)", 8 * 3600), (I{11, 1, 1, M}));
  EXPECT_EQ(days_from_civil(2024, 2, 29), 19782);
}

TEST(ExprEval, RepeatedSubexpressionsAreComputedOnce) {
  // 21:00, 06:00 and 12:00 UTC, and a missing time.
  const std::int64_t day = 1710028800;  // 2024-03-10 00:00 UTC
  Fixture f({day + 21 * 3600, day + 6 * 3600, day + 12 * 3600, M}, {1, 2, 3, 4});
  const auto e = f.compile("hour(a) >= 21 or hour(a) < 7");
  const auto hours = std::count_if(e.code.begin(), e.code.end(),
                                   [](const Instruction& ins) { return ins.code == OpCode::Hour; });
  EXPECT_EQ(hours, 1);
  EXPECT_EQ(f.ints("hour(a) >= 21 or hour(a) < 7"), (I{1, 1, 0, M}));
  // The same operation with another argument or UTC offset is not shared.
  const auto two = f.compile("hour(a) + hour(b) + hour(a)", 3600);
  EXPECT_EQ(std::count_if(two.code.begin(), two.code.end(),
                          [](const Instruction& ins) { return ins.code == OpCode::Hour; }),
            2);
  EXPECT_EQ(f.ints("hour(a) - hour(a)", 3600), (I{0, 0, 0, M}));
  EXPECT_EQ(f.ints("coalesce(a, b) - coalesce(a, b) + coalesce(b, a)"), (I{1, 2, 3, 4}));
}

TEST(ExprEval, ColumnsOfEveryStorageTypeLoadWithTheirMissingValues) {
  Table t("t");
  t.add("i8", ColumnType::Int8).values<std::int8_t>() = {3, std::numeric_limits<std::int8_t>::min()};
  t.add("i32", ColumnType::Int32).values<std::int32_t>() = {4, std::numeric_limits<std::int32_t>::min()};
  t.add("u64", ColumnType::UInt64).values<std::uint64_t>() = {5, 0};
  NameScope s;
  s.add({"i8", ValueType::Int, {}});
  s.add({"i32", ValueType::Int, {}});
  s.add({"u64", ValueType::Int, {}});
  const auto e = compile_expression("coalesce(i8, 10) + coalesce(i32, 100) + coalesce(u64, 1000)", s);
  std::vector<const Column*> slots{&t.column("i8"), &t.column("i32"), &t.column("u64")};
  EvalScratch scratch;
  const Lanes l = evaluate_batch(e, slots, 0, 2, scratch);
  EXPECT_EQ(l.ints[0], 12);
  EXPECT_EQ(l.ints[1], 1110);
}

TEST(ExprEval, EvaluateIntoAndMaskRunOverManyBatches) {
  const std::size_t n = 2 * kBatch + 17;
  std::vector<std::int64_t> a(n), b(n, 0);
  for (std::size_t i = 0; i < n; ++i) a[i] = i % 5 == 0 ? M : static_cast<std::int64_t>(i);
  Fixture f(a, b);
  const auto cond = f.compile("a % 3 == 0");
  EvalScratch scratch;
  std::vector<std::uint8_t> mask;
  evaluate_mask(cond, f.slots(cond), 1, n, scratch, mask);
  ASSERT_EQ(mask.size(), n - 1);
  for (std::size_t i = 1; i < n; ++i) {
    EXPECT_EQ(mask[i - 1], i % 5 != 0 && i % 3 == 0 ? 1 : 0) << i;
  }
  const auto flag = f.compile("a > 100");
  Column out(storage_type(flag.type));
  out.resize(n);
  evaluate_into(flag, f.slots(flag), 0, n, scratch, out);
  const auto& v = out.values<std::int8_t>();
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_EQ(v[i], i % 5 == 0 ? std::numeric_limits<std::int8_t>::min() : (i > 100 ? 1 : 0)) << i;
  }
}

}  // namespace
}  // namespace portrait::catalog
