// src/catalog/expr_compiler.cpp: type checking and code generation of
// catalog expressions. Every error names the offending node's text range.
#include "catalog/expr_compiler.hpp"

#include <algorithm>
#include <bit>
#include <map>
#include <stdexcept>

#include "catalog/catalog_schema.hpp"
#include "catalog/expr_parser.hpp"
#include "core/spelling.hpp"
#include "core/types.hpp"

namespace portrait::catalog {
namespace {

const std::vector<std::string>& function_names() {
  static const std::vector<std::string> names = {"hour", "weekday", "day", "month",    "abs", "min",
                                                 "max",  "clamp",   "log", "coalesce", "if",  "case"};
  return names;
}

// Built by append: GCC 12 warns falsely (-Wrestrict) on "'" + std::string(...).
std::string quoted(std::string_view s) {
  std::string q;
  q.reserve(s.size() + 2);
  q.append(1, '\'').append(s).append(1, '\'');
  return q;
}

bool is_number(ValueType t) { return t == ValueType::Int || t == ValueType::Float; }

bool same_operation(const Instruction& x, const Instruction& y) {
  return x.code == y.code && x.type == y.type && x.cmp == y.cmp && x.a == y.a && x.b == y.b && x.c == y.c &&
         x.slot == y.slot && x.imm_int == y.imm_int &&
         std::bit_cast<std::uint64_t>(x.imm_float) == std::bit_cast<std::uint64_t>(y.imm_float) &&
         x.args == y.args && x.set_int == y.set_int &&
         std::equal(x.set_float.begin(), x.set_float.end(), y.set_float.begin(), y.set_float.end(),
                    [](double u, double v) {
                      return std::bit_cast<std::uint64_t>(u) == std::bit_cast<std::uint64_t>(v);
                    });
}

class Compiler {
 public:
  Compiler(std::string_view text, const NameScope& scope, const CompileOptions& options)
      : text_(text), scope_(scope), options_(options) {}

  CompiledExpr run() {
    const Node root = parse_expression(text_);
    const std::uint32_t result = emit(root);
    if (options_.expected && type(result) != *options_.expected &&
        !(*options_.expected == ValueType::Float && type(result) == ValueType::Int)) {
      fail(
          root,
          "expected a " + std::string(to_string(*options_.expected)) + " expression, got " + describe(result),
          *options_.expected == ValueType::Bool ? "a condition compares values, e.g. x > 0" : "");
    }
    std::uint32_t last = result;
    if (options_.expected == ValueType::Float && type(result) == ValueType::Int)
      last = convert_to_float(result);
    // The evaluator's result is the last instruction. Sharing cannot make
    // the root an earlier instruction (no subexpression equals its whole
    // expression), which this checks.
    if (last + 1 != out_.code.size()) throw std::logic_error("expression compiler: the result is not last");
    CompiledExpr out;
    out.text = std::string(text_);
    out.type = out_.code.back().type;
    out.labels = labels_.back();
    out.inputs = std::move(inputs_);
    out.code = std::move(out_.code);
    return out;
  }

 private:
  [[noreturn]] void fail(const Node& n, std::string problem, std::string hint = {}) const {
    throw ExprError{std::move(problem), n.begin, n.end, std::move(hint)};
  }

  std::string source(const Node& n) const { return std::string(text_.substr(n.begin, n.end - n.begin)); }
  ValueType type(std::uint32_t i) const { return out_.code[i].type; }
  std::string describe(std::uint32_t i) const { return std::string(to_string(type(i))); }

  // Instructions are pure, so an instruction equal to an earlier one (same
  // operation on the same operands, e.g. the second hour(ts) of
  // "hour(ts) >= 21 or hour(ts) < 7") reuses that one's result.
  std::uint32_t push(Instruction ins, std::vector<std::string> labels = {}) {
    for (std::size_t k = 0; k < out_.code.size(); ++k) {
      if (same_operation(out_.code[k], ins) && labels_[k] == labels) return static_cast<std::uint32_t>(k);
    }
    out_.code.push_back(std::move(ins));
    labels_.push_back(std::move(labels));
    return static_cast<std::uint32_t>(out_.code.size() - 1);
  }

  std::uint32_t convert_to_float(std::uint32_t i) {
    if (type(i) == ValueType::Float) return i;
    Instruction ins;
    ins.code = OpCode::ToFloat;
    ins.type = ValueType::Float;
    ins.a = i;
    return push(ins);
  }

  std::uint32_t const_int(std::int64_t v, ValueType t, std::vector<std::string> labels = {}) {
    Instruction ins;
    ins.code = OpCode::ConstInt;
    ins.type = t;
    ins.imm_int = v;
    return push(ins, std::move(labels));
  }

  std::uint32_t emit(const Node& n) {
    switch (n.kind) {
      case NodeKind::IntLit:
        return const_int(n.int_value, ValueType::Int);
      case NodeKind::BoolLit:
        return const_int(n.int_value, ValueType::Bool);
      case NodeKind::FloatLit: {
        Instruction ins;
        ins.code = OpCode::ConstFloat;
        ins.type = ValueType::Float;
        ins.imm_float = n.float_value;
        return push(ins);
      }
      case NodeKind::StringLit:
        fail(n, "a string can only be compared with a categorical tag", "e.g. segment == \"high_value\"");
      case NodeKind::Name:
        return emit_name(n);
      case NodeKind::Unary:
        return emit_unary(n);
      case NodeKind::Binary:
        return emit_binary(n);
      case NodeKind::In:
        return emit_in(n);
      case NodeKind::Between:
        return emit_between(n);
      case NodeKind::Call:
        return emit_call(n);
    }
    fail(n, "unsupported expression");
  }

  std::uint32_t emit_name(const Node& n) {
    for (const auto& [name, value] : options_.constants) {
      if (name == n.text) return const_int(value, ValueType::Int);
    }
    const NameInfo* info = scope_.find(n.text);
    if (info == nullptr) {
      std::vector<std::string> names = scope_.spellings();
      const bool previous_known = std::any_of(names.begin(), names.end(), [](const std::string& name) {
        return name.starts_with(kPreviousPrefix);
      });
      if (n.text.starts_with(kPreviousPrefix) && !previous_known) {
        fail(n, "unknown name '" + n.text + "': last month's tags are not available",
             "'prev.<tag>' reads last month's run: name it in the job (inputs: previous: <its output "
             "directory>, or portrait run --previous DIR)");
      }
      std::string kinds = "names are facts, rules, other tags or customers.<column>";
      for (const auto& constant : options_.constants) {
        names.push_back(constant.first);
        kinds += ", or " + constant.first;
      }
      fail(n, "unknown name '" + n.text + "'", name_hint(n.text, names, kinds));
    }
    auto it = std::find(inputs_.begin(), inputs_.end(), info->name);
    if (it == inputs_.end()) it = inputs_.insert(inputs_.end(), info->name);
    Instruction ins;
    ins.code = OpCode::Load;
    ins.type = info->type;
    ins.slot = static_cast<std::uint32_t>(it - inputs_.begin());
    return push(ins, info->labels);
  }

  // A string literal where a number or condition is needed: said as such,
  // not as a failed comparison.
  void refuse_string(const Node& n, const std::string& needed) {
    if (n.kind == NodeKind::StringLit) {
      fail(n, needed + ", got a string '" + source(n) + "'",
           "strings are labels of categories: compare them with a categorical tag, e.g. segment == \"gold\"");
    }
  }

  std::uint32_t emit_bool(const Node& n) {
    refuse_string(n, "expected a condition (bool)");
    const std::uint32_t i = emit(n);
    if (type(i) != ValueType::Bool)
      fail(n, "expected a condition (bool), got " + describe(i) + " '" + source(n) + "'");
    return i;
  }

  std::uint32_t emit_number(const Node& n, const std::string& context) {
    refuse_string(n, context + " needs a number");
    const std::uint32_t i = emit(n);
    if (!is_number(type(i))) {
      fail(n, context + " needs a number, got " + describe(i) + " '" + source(n) + "'");
    }
    return i;
  }

  std::uint32_t emit_unary(const Node& n) {
    Instruction ins;
    if (n.op == Op::Not) {
      ins.code = OpCode::Not;
      ins.type = ValueType::Bool;
      ins.a = emit_bool(n.children[0]);
      return push(ins);
    }
    ins.a = emit_number(n.children[0], "unary '-'");
    ins.type = type(ins.a);
    ins.code = ins.type == ValueType::Int ? OpCode::NegInt : OpCode::NegFloat;
    return push(ins);
  }

  // The code of label `s` of a categorical value, or an error naming the labels.
  std::int64_t label_code(const Node& s, const std::vector<std::string>& labels, const std::string& of) {
    const auto it = std::find(labels.begin(), labels.end(), s.text);
    if (it == labels.end()) {
      std::string all;
      for (const auto& l : labels) all += (all.empty() ? "" : ", ") + l;
      fail(s, "'" + s.text + "' is not a value of " + of,
           name_hint(s.text, labels, "the values are: " + all));
    }
    return it - labels.begin();
  }

  // Compiles a group of values that must share one type (branches of if/case,
  // arguments of coalesce, the two sides of == and !=): int and float mix to
  // float; a string literal takes the labels of a categorical partner.
  std::vector<std::uint32_t> emit_same_type(const std::vector<const Node*>& nodes,
                                            const std::string& context) {
    std::vector<std::uint32_t> out(nodes.size(), UINT32_MAX);
    const Node* category_source = nullptr;
    std::vector<std::string> labels;
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      if (nodes[k]->kind == NodeKind::StringLit) continue;
      out[k] = emit(*nodes[k]);
      if (type(out[k]) == ValueType::Category && category_source == nullptr) {
        category_source = nodes[k];
        labels = labels_[out[k]];
      }
    }
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      if (out[k] != UINT32_MAX) continue;
      if (category_source == nullptr) {
        fail(*nodes[k], "a string can only be compared with a categorical tag",
             "e.g. segment == \"high_value\"");
      }
      out[k] = const_int(label_code(*nodes[k], labels, quoted(source(*category_source))), ValueType::Category,
                         labels);
    }
    const bool any_float =
        std::any_of(out.begin(), out.end(), [&](auto i) { return type(i) == ValueType::Float; });
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      const ValueType t = type(out[k]), first = type(out[0]);
      if (is_number(t) && is_number(first)) {
        if (any_float) out[k] = convert_to_float(out[k]);
        continue;
      }
      if (t != first) {
        fail(*nodes[k], context + " mixes " + describe(out[0]) + " '" + source(*nodes[0]) + "' with " +
                            describe(out[k]) + " '" + source(*nodes[k]) + "'");
      }
      if (t == ValueType::Category && labels_[out[k]] != labels_[out[0]]) {
        fail(*nodes[k], context + " mixes categories with different values: '" + source(*nodes[0]) +
                            "' and '" + source(*nodes[k]) + "'");
      }
    }
    return out;
  }

  static Cmp to_cmp(Op op) {
    switch (op) {
      case Op::Eq:
        return Cmp::Eq;
      case Op::Ne:
        return Cmp::Ne;
      case Op::Lt:
        return Cmp::Lt;
      case Op::Le:
        return Cmp::Le;
      case Op::Gt:
        return Cmp::Gt;
      default:
        return Cmp::Ge;
    }
  }

  std::uint32_t emit_compare(const Node& n, Cmp cmp, const Node& lhs, const Node& rhs) {
    const std::string context = quoted(op_symbol(n.op));
    const auto ops = emit_same_type({&lhs, &rhs}, "comparison " + context);
    const ValueType t = type(ops[0]);
    if ((t == ValueType::Bool || t == ValueType::Category) && cmp != Cmp::Eq && cmp != Cmp::Ne) {
      fail(n, "comparison " + context + " needs numbers, got " + describe(ops[0]),
           "bool and category values compare only with == and !=");
    }
    Instruction ins;
    ins.code = t == ValueType::Float ? OpCode::CmpFloat : OpCode::CmpInt;
    ins.type = ValueType::Bool;
    ins.cmp = cmp;
    ins.a = ops[0];
    ins.b = ops[1];
    return push(ins);
  }

  std::uint32_t emit_binary(const Node& n) {
    const Node& lhs = n.children[0];
    const Node& rhs = n.children[1];
    Instruction ins;
    switch (n.op) {
      case Op::And:
      case Op::Or:
        ins.code = n.op == Op::And ? OpCode::And : OpCode::Or;
        ins.type = ValueType::Bool;
        ins.a = emit_bool(lhs);
        ins.b = emit_bool(rhs);
        return push(ins);
      case Op::Eq:
      case Op::Ne:
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge:
        return emit_compare(n, to_cmp(n.op), lhs, rhs);
      default:
        break;
    }
    const std::string context = quoted(op_symbol(n.op));
    ins.a = emit_number(lhs, context);
    ins.b = emit_number(rhs, context);
    const bool as_float =
        n.op == Op::Div || type(ins.a) == ValueType::Float || type(ins.b) == ValueType::Float;
    if (n.op == Op::Mod && as_float) fail(n, "'%' needs two ints", "use it on whole numbers, e.g. month % 3");
    if (as_float) {
      ins.a = convert_to_float(ins.a);
      ins.b = convert_to_float(ins.b);
    }
    ins.type = as_float ? ValueType::Float : ValueType::Int;
    switch (n.op) {
      case Op::Add:
        ins.code = as_float ? OpCode::AddFloat : OpCode::AddInt;
        break;
      case Op::Sub:
        ins.code = as_float ? OpCode::SubFloat : OpCode::SubInt;
        break;
      case Op::Mul:
        ins.code = as_float ? OpCode::MulFloat : OpCode::MulInt;
        break;
      case Op::Div:
        ins.code = OpCode::DivFloat;
        break;
      default:
        ins.code = OpCode::ModInt;
        break;
    }
    return push(ins);
  }

  std::uint32_t negate_if(bool negated, std::uint32_t i) {
    if (!negated) return i;
    Instruction ins;
    ins.code = OpCode::Not;
    ins.type = ValueType::Bool;
    ins.a = i;
    return push(ins);
  }

  std::uint32_t emit_in(const Node& n) {
    const Node& value = n.children[0];
    Instruction ins;
    ins.a = emit(value);
    ins.type = ValueType::Bool;
    const ValueType t = type(ins.a);
    if (t == ValueType::Bool)
      fail(value, "'in' needs a number or a category, got bool '" + source(value) + "'");
    const bool as_float =
        t == ValueType::Float || std::any_of(n.children.begin() + 1, n.children.end(),
                                             [](const Node& c) { return c.kind == NodeKind::FloatLit; });
    if (as_float) ins.a = convert_to_float(ins.a);
    ins.code = as_float ? OpCode::InFloat : OpCode::InInt;
    for (auto it = n.children.begin() + 1; it != n.children.end(); ++it) {
      const Node& item = *it;
      if (t == ValueType::Category) {
        if (item.kind != NodeKind::StringLit) fail(item, "the list of a category holds \"labels\" only");
        ins.set_int.push_back(label_code(item, labels_[ins.a], quoted(source(value))));
      } else if (item.kind == NodeKind::IntLit) {
        ins.set_int.push_back(item.int_value);
        ins.set_float.push_back(static_cast<double>(item.int_value));
      } else if (item.kind == NodeKind::FloatLit) {
        ins.set_float.push_back(item.float_value);
      } else {
        fail(item, "an 'in' list holds number literals only, got '" + source(item) + "'",
             "compare with other values using == and or");
      }
    }
    std::sort(ins.set_int.begin(), ins.set_int.end());
    std::sort(ins.set_float.begin(), ins.set_float.end());
    return negate_if(n.negated, push(ins));
  }

  std::uint32_t emit_between(const Node& n) {
    // x between lo and hi == (x >= lo and x <= hi): three-valued logic carries missing through.
    Node ge, le;
    ge.kind = le.kind = NodeKind::Binary;
    ge.op = Op::Ge;
    le.op = Op::Le;
    ge.begin = le.begin = n.begin;
    ge.end = le.end = n.end;
    const std::uint32_t low = emit_compare(ge, Cmp::Ge, n.children[0], n.children[1]);
    const std::uint32_t high = emit_compare(le, Cmp::Le, n.children[0], n.children[2]);
    Instruction ins;
    ins.code = OpCode::And;
    ins.type = ValueType::Bool;
    ins.a = low;
    ins.b = high;
    return negate_if(n.negated, push(ins));
  }

  void arity(const Node& n, std::size_t low, std::size_t high, const char* shape) {
    if (n.children.size() < low || n.children.size() > high) {
      fail(n, n.text + "() takes " + shape + ", got " + std::to_string(n.children.size()),
           "write " + n.text + "(" + (n.text == "case" ? "cond1, value1, ..., default" : "...") + ")");
    }
  }

  std::uint32_t emit_select(std::uint32_t cond, std::uint32_t a, std::uint32_t b) {
    Instruction ins;
    ins.type = type(a);
    ins.code = ins.type == ValueType::Float ? OpCode::SelectFloat : OpCode::SelectInt;
    ins.a = cond;
    ins.b = a;
    ins.c = b;
    return push(ins, labels_[a]);
  }

  std::uint32_t emit_variadic(OpCode int_code, OpCode float_code, const std::vector<std::uint32_t>& args) {
    Instruction ins;
    ins.type = type(args[0]);
    ins.code = ins.type == ValueType::Float ? float_code : int_code;
    ins.args = args;
    return push(ins, labels_[args[0]]);
  }

  std::uint32_t emit_call(const Node& n) {
    const std::string& f = n.text;
    std::vector<const Node*> args;
    for (const auto& c : n.children) args.push_back(&c);
    Instruction ins;
    if (f == "hour" || f == "weekday" || f == "day" || f == "month") {
      arity(n, 1, 1, "1 argument (a time in Unix seconds)");
      ins.a = emit(n.children[0]);
      if (type(ins.a) != ValueType::Int)
        fail(n.children[0], f + "() needs a time (int), got " + describe(ins.a));
      ins.code = f == "hour"      ? OpCode::Hour
                 : f == "weekday" ? OpCode::Weekday
                 : f == "day"     ? OpCode::Day
                                  : OpCode::Month;
      ins.type = ValueType::Int;
      ins.imm_int = options_.utc_offset_seconds;
      return push(ins);
    }
    if (f == "abs" || f == "log") {
      arity(n, 1, 1, "1 argument");
      ins.a = emit_number(n.children[0], f + "()");
      if (f == "log") {
        ins.a = convert_to_float(ins.a);
        ins.code = OpCode::Log;
      } else {
        ins.code = type(ins.a) == ValueType::Float ? OpCode::AbsFloat : OpCode::AbsInt;
      }
      ins.type = type(ins.a);
      return push(ins);
    }
    if (f == "min" || f == "max" || f == "clamp") {
      if (f == "clamp") {
        arity(n, 3, 3, "3 arguments (value, low, high)");
      } else {
        arity(n, 2, 64, "2 or more arguments");
      }
      const auto ops = emit_same_type(args, f + "()");
      for (std::size_t k = 0; k < ops.size(); ++k) {
        if (!is_number(type(ops[k]))) fail(*args[k], f + "() needs numbers, got " + describe(ops[k]));
      }
      if (f == "clamp") {
        const std::uint32_t low = emit_variadic(OpCode::MaxInt, OpCode::MaxFloat, {ops[0], ops[1]});
        return emit_variadic(OpCode::MinInt, OpCode::MinFloat, {low, ops[2]});
      }
      return f == "min" ? emit_variadic(OpCode::MinInt, OpCode::MinFloat, ops)
                        : emit_variadic(OpCode::MaxInt, OpCode::MaxFloat, ops);
    }
    if (f == "coalesce") {
      arity(n, 2, 64, "2 or more arguments");
      return emit_variadic(OpCode::CoalesceInt, OpCode::CoalesceFloat, emit_same_type(args, "coalesce()"));
    }
    if (f == "if") {
      arity(n, 3, 3, "3 arguments (condition, then, else)");
      const std::uint32_t cond = emit_bool(n.children[0]);
      const auto ops = emit_same_type({args[1], args[2]}, "if()");
      return emit_select(cond, ops[0], ops[1]);
    }
    if (f == "case") {
      arity(n, 2, 128, "condition/value pairs and an optional default");
      std::vector<std::uint32_t> conds;
      std::vector<const Node*> values;
      for (std::size_t k = 0; k + 1 < args.size(); k += 2) {
        conds.push_back(emit_bool(*args[k]));
        values.push_back(args[k + 1]);
      }
      const bool has_default = args.size() % 2 == 1;
      if (has_default) values.push_back(args.back());
      auto ops = emit_same_type(values, "case()");
      std::uint32_t result;
      if (has_default) {
        result = ops.back();
      } else if (type(ops[0]) == ValueType::Float) {
        Instruction none;
        none.code = OpCode::ConstFloat;
        none.type = ValueType::Float;
        none.imm_float = missing<double>();
        result = push(none);
      } else {
        result = const_int(missing<std::int64_t>(), type(ops[0]), labels_[ops[0]]);
      }
      // The first matching condition wins: build the selects from the last pair backwards.
      for (std::size_t k = conds.size(); k-- > 0;) result = emit_select(conds[k], ops[k], result);
      return result;
    }
    fail(n, "unknown function '" + f + "'",
         name_hint(f, function_names(),
                   "functions are hour, weekday, day, month, abs, min, max, clamp, log, coalesce, if, case"));
  }

  std::string_view text_;
  const NameScope& scope_;
  const CompileOptions& options_;
  CompiledExpr out_;
  std::vector<std::vector<std::string>> labels_;
  std::vector<std::string> inputs_;
};

}  // namespace

CompiledExpr compile_expression(std::string_view text, const NameScope& scope,
                                const CompileOptions& options) {
  return Compiler(text, scope, options).run();
}

}  // namespace portrait::catalog
