// src/catalog/rule_eval.hpp: vectorised evaluation of rule tags over the
// customer table and the tag columns computed before them.
#pragma once

#include <span>

#include "catalog/catalog.hpp"
#include "catalog/expr_eval.hpp"
#include "core/column.hpp"

namespace portrait::catalog {

// The column of a name in the rule scope: customers.<column> from
// `customers`, anything else (a tag) from `tags`.
const Column& input_column(const std::string& name, const Table& customers, const Table& tags);

// The last month's tags the catalog's rules read (`prev.<tag>` names without
// the prefix), sorted, each once.
std::vector<std::string> previous_tags_read(const Catalog& catalog);

// The columns a rule's expression reads: customers.<column> from
// `customers`, tags from `tags` (same rows, same order).
std::vector<const Column*> bind_rule_inputs(const CompiledExpr& expr, const Table& customers,
                                            const Table& tags);

// Rows [begin, end) of one rule tag into `out` (sized, of storage_type(tag.type)).
// A categorical rule takes the first value whose `when` is true (missing
// counts as false), else its default value, else missing.
void evaluate_rule(const Tag& tag, const Table& customers, const Table& tags, std::size_t begin,
                   std::size_t end, EvalScratch& scratch, Column& out);

// Every computed rule tag, in dependency order, into the column of `tags`
// named by its id (facts must be there already). OpenMP over kBatch-row
// ranges; each row is computed by one thread, so any thread count gives the
// same columns.
void evaluate_rules(const Catalog& catalog, const Table& customers, Table& tags);
// The rule tags of `order` (indices into catalog.tags, e.g.
// catalog.after_models), the same way.
void evaluate_rules(const Catalog& catalog, std::span<const std::size_t> order, const Table& customers,
                    Table& tags);

}  // namespace portrait::catalog
