// tests/unit/test_expr_compiler.cpp: the type checker: name resolution with
// hints, operand types, arity, and the type of each result.
#include <gtest/gtest.h>

#include "catalog/expr_compiler.hpp"

namespace portrait::catalog {
namespace {

NameScope scope() {
  NameScope s;
  s.add({"arpu_month", ValueType::Int, {}});
  s.add({"data_ratio", ValueType::Float, {}});
  s.add({"is_5g", ValueType::Bool, {}});
  s.add({"segment", ValueType::Category, {"high_value", "stable", "churn_risk"}});
  s.add({"level", ValueType::Category, {"low", "high"}});
  s.add({"customers.region", ValueType::Int, {}});
  s.add_alias("region", "customers.region");
  return s;
}

ExprError error_of(const std::string& text, CompileOptions options = {}) {
  try {
    compile_expression(text, scope(), options);
  } catch (const ExprError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for: " << text;
  return {};
}

ValueType type_of(const std::string& text) { return compile_expression(text, scope()).type; }

TEST(ExprCompiler, ResultTypes) {
  EXPECT_EQ(type_of("arpu_month + 1"), ValueType::Int);
  EXPECT_EQ(type_of("arpu_month + 1.5"), ValueType::Float);
  EXPECT_EQ(type_of("arpu_month / 2"), ValueType::Float);
  EXPECT_EQ(type_of("arpu_month % 7"), ValueType::Int);
  EXPECT_EQ(type_of("arpu_month > 3 and not is_5g"), ValueType::Bool);
  EXPECT_EQ(type_of("segment"), ValueType::Category);
  EXPECT_EQ(type_of("if(is_5g, \"high\", level)"), ValueType::Category);
  EXPECT_EQ(type_of("case(arpu_month > 5, 1, 2.0)"), ValueType::Float);
  EXPECT_EQ(type_of("coalesce(arpu_month, 0)"), ValueType::Int);
  EXPECT_EQ(type_of("log(arpu_month)"), ValueType::Float);
  EXPECT_EQ(type_of("abs(data_ratio)"), ValueType::Float);
  EXPECT_EQ(type_of("clamp(arpu_month, 0, 10)"), ValueType::Int);
  EXPECT_EQ(type_of("hour(arpu_month)"), ValueType::Int);
  EXPECT_EQ(type_of("segment in [\"stable\", \"churn_risk\"]"), ValueType::Bool);
}

TEST(ExprCompiler, InputsAreCanonicalAndDistinct) {
  const auto e = compile_expression("region + customers.region + arpu_month + region", scope());
  EXPECT_EQ(e.inputs, (std::vector<std::string>{"customers.region", "arpu_month"}));
}

TEST(ExprCompiler, UnknownNameHasLocationAndClosestName) {
  auto e = error_of("arpu_mnth > 100");
  EXPECT_EQ(e.problem, "unknown name 'arpu_mnth'");
  EXPECT_EQ(e.begin, 0u);
  EXPECT_EQ(e.end, 9u);
  EXPECT_EQ(e.hint, "did you mean 'arpu_month'?");
  e = error_of("1 + regoin");
  EXPECT_EQ(e.begin, 4u);
  EXPECT_EQ(e.hint, "did you mean 'region'?");
  e = error_of("zzzzzzzzzz");
  EXPECT_EQ(e.hint, "names are facts, rules, other tags or customers.<column>");
}

TEST(ExprCompiler, LastMonthsTagsWithoutThePreviousRunNameTheJobSetting) {
  auto e = error_of("prev.arpu_month > arpu_month");
  EXPECT_EQ(e.problem, "unknown name 'prev.arpu_month': last month's tags are not available");
  EXPECT_NE(e.hint.find("inputs: previous"), std::string::npos) << e.hint;
  EXPECT_NE(e.hint.find("--previous"), std::string::npos) << e.hint;
  // With last month's tags in scope, a misspelt one gets the closest name.
  NameScope with_previous = scope();
  with_previous.add({"prev.arpu_month", ValueType::Int, {}});
  try {
    compile_expression("prev.arpu_mnth > arpu_month", with_previous, {});
    ADD_FAILURE() << "no error";
  } catch (const ExprError& error) {
    EXPECT_EQ(error.problem, "unknown name 'prev.arpu_mnth'");
    EXPECT_EQ(error.hint, "did you mean 'prev.arpu_month'?");
  }
}

TEST(ExprCompiler, UnknownFunctionAndArity) {
  auto e = error_of("hours(arpu_month)");
  EXPECT_EQ(e.problem, "unknown function 'hours'");
  EXPECT_EQ(e.hint, "did you mean 'hour'?");
  e = error_of("1 + hour(1, 2)");
  EXPECT_EQ(e.problem, "hour() takes 1 argument (a time in Unix seconds), got 2");
  EXPECT_EQ(e.begin, 4u);
  EXPECT_EQ(e.end, 14u);
  e = error_of("max(1)");
  EXPECT_EQ(e.problem, "max() takes 2 or more arguments, got 1");
  e = error_of("clamp(1, 2)");
  EXPECT_EQ(e.problem, "clamp() takes 3 arguments (value, low, high), got 2");
  e = error_of("if(is_5g, 1)");
  EXPECT_EQ(e.problem, "if() takes 3 arguments (condition, then, else), got 2");
}

TEST(ExprCompiler, TypeMismatches) {
  auto e = error_of("arpu_month + is_5g");
  EXPECT_EQ(e.problem, "'+' needs a number, got bool 'is_5g'");
  EXPECT_EQ(e.begin, 13u);
  e = error_of("arpu_month and is_5g");
  EXPECT_EQ(e.problem, "expected a condition (bool), got int 'arpu_month'");
  EXPECT_EQ(e.end, 10u);
  e = error_of("data_ratio % 2");
  EXPECT_EQ(e.problem, "'%' needs two ints");
  e = error_of("segment == arpu_month");
  EXPECT_EQ(e.problem, "comparison '==' mixes category 'segment' with int 'arpu_month'");
  EXPECT_EQ(e.begin, 11u);
  e = error_of("segment == level");
  EXPECT_EQ(e.problem, "comparison '==' mixes categories with different values: 'segment' and 'level'");
  e = error_of("segment < \"stable\"");
  EXPECT_EQ(e.problem, "comparison '<' needs numbers, got category");
  e = error_of("hour(data_ratio)");
  EXPECT_EQ(e.problem, "hour() needs a time (int), got float");
  e = error_of("not arpu_month");
  EXPECT_EQ(e.begin, 4u);
  e = error_of("if(arpu_month, 1, 2)");
  EXPECT_EQ(e.problem, "expected a condition (bool), got int 'arpu_month'");
  e = error_of("min(1, is_5g)");
  EXPECT_EQ(e.problem, "min() mixes int '1' with bool 'is_5g'");
  // A string in arithmetic or logic names the operation, not a comparison.
  e = error_of("arpu_month + \"x\"");
  EXPECT_EQ(e.problem, "'+' needs a number, got a string '\"x\"'");
  EXPECT_EQ(e.begin, 13u);
  e = error_of("-\"x\"");
  EXPECT_EQ(e.problem, "unary '-' needs a number, got a string '\"x\"'");
  e = error_of("is_5g and \"yes\"");
  EXPECT_EQ(e.problem, "expected a condition (bool), got a string '\"yes\"'");
}

TEST(ExprCompiler, StringsAreLabelsOfCategories) {
  auto e = error_of("segment == \"stabel\"");
  EXPECT_EQ(e.problem, "'stabel' is not a value of 'segment'");
  EXPECT_EQ(e.begin, 11u);
  EXPECT_EQ(e.end, 19u);
  EXPECT_EQ(e.hint, "did you mean 'stable'?");
  e = error_of("segment in [\"stable\", \"gold\"]");
  EXPECT_EQ(e.problem, "'gold' is not a value of 'segment'");
  EXPECT_EQ(e.hint, "the values are: high_value, stable, churn_risk");
  e = error_of("arpu_month == \"x\"");
  EXPECT_EQ(e.problem, "a string can only be compared with a categorical tag");
  EXPECT_EQ(e.begin, 14u);
  e = error_of("arpu_month in [1, region]");
  EXPECT_EQ(e.problem, "an 'in' list holds number literals only, got 'region'");
  e = error_of("is_5g in [1]");
  EXPECT_EQ(e.problem, "'in' needs a number or a category, got bool 'is_5g'");
}

TEST(ExprCompiler, ExpectedType) {
  CompileOptions want_bool;
  want_bool.expected = ValueType::Bool;
  const auto e = error_of("arpu_month + 1", want_bool);
  EXPECT_EQ(e.problem, "expected a bool expression, got int");
  EXPECT_EQ(e.hint, "a condition compares values, e.g. x > 0");
  CompileOptions want_float;
  want_float.expected = ValueType::Float;
  EXPECT_EQ(compile_expression("arpu_month", scope(), want_float).type, ValueType::Float);
}

}  // namespace
}  // namespace portrait::catalog
