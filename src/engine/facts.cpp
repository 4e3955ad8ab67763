// src/engine/facts.cpp: the fact kernels. The facts of one channel are
// computed in one pass: per work item, evaluate each distinct where (and
// share's when) mask over the item's records in batches, compute the record
// times, then aggregate each customer's rows in order for every fact.
#include "engine/facts.hpp"

#include <omp.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <string>

#include "catalog/expr_eval.hpp"
#include "core/error.hpp"

namespace portrait::engine {
namespace {

using catalog::FactAgg;
using catalog::FactSpec;

constexpr std::int64_t kNone = missing<std::int64_t>();

// A work item's per-record inputs of one fact, indexed by r - r0, and a
// thread's scratch for count_distinct / most_frequent.
struct ItemRecords {
  std::uint64_t r0 = 0;
  const std::int64_t* times = nullptr;
  const std::uint8_t* where = nullptr;  // nullptr: every record
  const std::uint8_t* when = nullptr;   // share's numerator
  std::vector<std::int64_t>* values = nullptr;
};

// A column value as int64 lanes see it: uint64 hashes bit-cast (0 is missing).
template <class T>
std::int64_t as_int(T v) {
  if constexpr (std::is_same_v<T, std::uint64_t>) {
    return v == 0 ? kNone : static_cast<std::int64_t>(v);
  } else if constexpr (std::is_same_v<T, double>) {
    return kNone;  // not reached: float columns aggregate as floats
  } else {
    return is_missing(v) ? kNone : static_cast<std::int64_t>(v);
  }
}

std::int64_t month_start(std::int64_t yyyymm) {
  const std::int64_t y = yyyymm / 100, m = yyyymm % 100;
  if (m < 1 || m > 12) return kNone;
  return catalog::days_from_civil(y, static_cast<unsigned>(m), 1) * 86400;
}

const GroupedChannel& channel_of(const CustomerBlock& block, const catalog::Tag& tag) {
  const auto it = block.channels.find(tag.fact.channel);
  if (it == block.channels.end() || it->second.records == nullptr) {
    throw Error("no '" + tag.fact.channel + "' records were loaded", "fact '" + tag.id + "'",
                "give the job an input for the channel " + tag.fact.channel);
  }
  if (it->second.offsets.size() != block.size() + 1) {
    throw Error("the '" + tag.fact.channel + "' index does not match the customers", "fact '" + tag.id + "'");
  }
  return it->second;
}

// A reference table's key column as sorted int64 keys. When the keys are
// dense (cell and domain codes are), a direct index maps a key to its row,
// so a lookup is one load instead of a binary search.
class ReferenceKeys {
 public:
  ReferenceKeys(const Table& ref, const std::string& table, const std::string& key_column,
                const std::string& tag_id) {
    keys_.resize(ref.rows());
    ref.column(key_column).visit([&](const auto& v) {
      for (std::size_t i = 0; i < v.size(); ++i) keys_[i] = as_int(v[i]);
    });
    if (!std::is_sorted(keys_.begin(), keys_.end())) {
      throw Error("reference table '" + table + "' is not sorted by " + key_column, "fact '" + tag_id + "'");
    }
    const auto known = std::upper_bound(keys_.begin(), keys_.end(), kNone);  // missing keys sort first
    if (known == keys_.end()) return;
    first_ = *known;
    const auto span = static_cast<std::uint64_t>(keys_.back()) - static_cast<std::uint64_t>(first_);
    if (span > kDenseFactor * keys_.size() + kDenseSlack) return;
    dense_.assign(span + 1, -1);
    // Ascending: equal keys keep their first row, as a binary search finds it.
    for (auto it = keys_.end(); it != known;) {
      --it;
      dense_[static_cast<std::size_t>(*it - first_)] = static_cast<std::int32_t>(it - keys_.begin());
    }
  }

  // The first row with `key`, or -1.
  std::int64_t row_of(std::int64_t key) const {
    if (key == kNone) return -1;
    if (!dense_.empty()) {
      if (key < first_ || static_cast<std::uint64_t>(key - first_) >= dense_.size()) return -1;
      return dense_[static_cast<std::size_t>(key - first_)];
    }
    const auto pos = std::lower_bound(keys_.begin(), keys_.end(), key);
    return pos != keys_.end() && *pos == key ? pos - keys_.begin() : -1;
  }

 private:
  // A direct index is kept when it has at most this many slots per key.
  static constexpr std::uint64_t kDenseFactor = 8;
  static constexpr std::uint64_t kDenseSlack = 4096;
  std::vector<std::int64_t> keys_;
  std::int64_t first_ = 0;
  std::vector<std::int32_t> dense_;
};

// The looked-up value of every record (missing when the key is missing or unknown).
Column look_up(const FactSpec& f, const CustomerBlock& block, const Table& records,
               const std::string& tag_id) {
  const auto it = block.references.find(f.lookup->table);
  if (it == block.references.end() || it->second == nullptr) {
    throw Error("reference table '" + f.lookup->table + "' was not loaded", "fact '" + tag_id + "'");
  }
  const Table& ref = *it->second;
  if (ref.rows() >= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    throw Error("reference table '" + f.lookup->table + "' has over 2 billion rows", "fact '" + tag_id + "'");
  }
  const ReferenceKeys keys(ref, f.lookup->table, f.of, tag_id);
  const Column& values = ref.column(f.lookup->value);
  const Column& record_keys = records.column(f.of);
  Column out(values.type());
  out.resize(records.rows());
  out.visit([&](auto& dst) {
    using V = typename std::decay_t<decltype(dst)>::value_type;
    const auto& src = values.values<V>();
    record_keys.visit([&](const auto& k) {
      const auto n = static_cast<std::int64_t>(k.size());
#pragma omp parallel for schedule(static)
      for (std::int64_t r = 0; r < n; ++r) {
        const std::int64_t row = keys.row_of(as_int(k[static_cast<std::size_t>(r)]));
        dst[static_cast<std::size_t>(r)] = row < 0 ? missing<V>() : src[static_cast<std::size_t>(row)];
      }
    });
  });
  return out;
}

// Looked-up columns of one block, each computed once per (channel, reference
// table, key column, value column): the facts of a catalog often read the
// same one (seven telecom facts read domains.category1 of every web record).
class LookedUpColumns {
 public:
  const Column& of(const FactSpec& f, const CustomerBlock& block, const Table& records,
                   const std::string& tag_id) {
    std::string key = f.channel;
    for (const std::string* part : {&f.lookup->table, &f.of, &f.lookup->value}) {
      key += '\0';
      key += *part;
    }
    auto it = columns_.find(key);
    if (it == columns_.end()) it = columns_.emplace(std::move(key), look_up(f, block, records, tag_id)).first;
    return it->second;
  }

 private:
  std::map<std::string, Column> columns_;
};

std::vector<const Column*> bind(const catalog::CompiledExpr& e, const Table& records, const FactSpec& f,
                                const Column* looked_up) {
  std::vector<const Column*> slots;
  for (const auto& name : e.inputs) {
    slots.push_back(f.lookup && name == f.lookup->table + "." + f.lookup->value ? looked_up
                                                                                : &records.column(name));
  }
  return slots;
}

// Aggregates one customer's kept rows. T is the aggregated column's element
// type (std::int64_t with no column for count and share).
template <class T>
struct Aggregator {
  const FactSpec& f;
  const T* values;  // nullptr for count / share
  std::int64_t* out_int;
  double* out_float;

  // Returns false when an int64 sum overflows.
  bool run(std::size_t c, std::uint64_t begin, std::uint64_t end, const ItemRecords& s,
           std::int64_t window_start, std::int64_t window_end) const {
    const std::uint64_t r0 = s.r0;
    const auto kept = [&](std::uint64_t r) {
      const std::int64_t t = s.times[r - r0];
      return t != kNone && t >= window_start && t < window_end &&
             (s.where == nullptr || s.where[r - r0] != 0);
    };
    switch (f.agg) {
      case FactAgg::Count:
      case FactAgg::Share: {
        std::int64_t n = 0, hits = 0;
        for (auto r = begin; r < end; ++r) {
          if (!kept(r)) continue;
          ++n;
          if (f.agg == FactAgg::Share) hits += s.when[r - r0];
        }
        if (f.agg == FactAgg::Count) {
          out_int[c] = n;
        } else {
          out_float[c] = n == 0 ? missing<double>() : static_cast<double>(hits) / static_cast<double>(n);
        }
        return true;
      }
      case FactAgg::Sum:
      case FactAgg::Avg: {
        std::int64_t n = 0;
        if constexpr (std::is_same_v<T, double>) {
          double sum = 0.0;  // record order: fixed for a customer whatever the threads
          for (auto r = begin; r < end; ++r) {
            if (!kept(r) || is_missing(values[r])) continue;
            sum += values[r];
            ++n;
          }
          if (f.agg == FactAgg::Sum) {
            out_float[c] = sum;
          } else {
            out_float[c] = n == 0 ? missing<double>() : sum / static_cast<double>(n);
          }
        } else {
          Int128 sum = 0;
          for (auto r = begin; r < end; ++r) {
            if (!kept(r)) continue;
            const std::int64_t v = as_int(values[r]);
            if (v == kNone) continue;
            sum += v;
            ++n;
          }
          if (f.agg == FactAgg::Sum) {
            if (sum > std::numeric_limits<std::int64_t>::max() ||
                sum <= std::numeric_limits<std::int64_t>::min()) {
              out_int[c] = kNone;
              return false;
            }
            out_int[c] = static_cast<std::int64_t>(sum);
          } else {
            out_float[c] = n == 0 ? missing<double>() : static_cast<double>(sum) / static_cast<double>(n);
          }
        }
        return true;
      }
      case FactAgg::Min:
      case FactAgg::Max: {
        const bool is_min = f.agg == FactAgg::Min;
        if constexpr (std::is_same_v<T, double>) {
          double best = missing<double>();
          for (auto r = begin; r < end; ++r) {
            if (!kept(r) || is_missing(values[r])) continue;
            if (std::isnan(best) || (is_min ? values[r] < best : values[r] > best)) best = values[r];
          }
          out_float[c] = best;
        } else {
          std::int64_t best = kNone;
          for (auto r = begin; r < end; ++r) {
            const std::int64_t v = kept(r) ? as_int(values[r]) : kNone;
            if (v == kNone) continue;
            if (best == kNone || (is_min ? v < best : v > best)) best = v;
          }
          out_int[c] = best;
        }
        return true;
      }
      case FactAgg::First:
      case FactAgg::Last: {
        // Earliest (latest) time; among equal times the first (last) record.
        std::uint64_t pick = end;
        for (auto r = begin; r < end; ++r) {
          if (!kept(r) || is_missing(values[r])) continue;
          const std::int64_t t = s.times[r - r0];
          if (pick == end || (f.agg == FactAgg::First ? t < s.times[pick - r0] : t >= s.times[pick - r0]))
            pick = r;
        }
        if constexpr (std::is_same_v<T, double>) {
          out_float[c] = pick == end ? missing<double>() : values[pick];
        } else {
          out_int[c] = pick == end ? kNone : as_int(values[pick]);
        }
        return true;
      }
      case FactAgg::CountDistinct:
      case FactAgg::MostFrequent: {
        if constexpr (std::is_same_v<T, double>) {
          return true;  // refused by the catalog compiler
        } else {
          auto& v = *s.values;
          v.clear();
          for (auto r = begin; r < end; ++r) {
            const std::int64_t x = kept(r) ? as_int(values[r]) : kNone;
            if (x != kNone) v.push_back(x);
          }
          std::sort(v.begin(), v.end());
          std::int64_t distinct = 0, best = kNone, best_count = 0;
          for (std::size_t i = 0; i < v.size();) {
            std::size_t j = i;
            while (j < v.size() && v[j] == v[i]) ++j;
            ++distinct;
            // Sorted ascending and only a strictly larger count replaces: ties keep the smallest value.
            if (static_cast<std::int64_t>(j - i) > best_count) {
              best_count = static_cast<std::int64_t>(j - i);
              best = v[i];
            }
            i = j;
          }
          out_int[c] = f.agg == FactAgg::CountDistinct ? distinct : best;
        }
        return true;
      }
    }
    return true;
  }
};

// The facts of one channel, computed in one pass over its records: each
// work item's records are read from memory once and stay in cache for every
// fact, and the masks and record times that several facts share are
// computed once per item.
class ChannelPass {
 public:
  explicit ChannelPass(const GroupedChannel& channel) : channel_(&channel) {}

  // Binds a fact of this channel (and sizes `out`) for run().
  void add(const catalog::Tag& tag, const CustomerBlock& block, Column& out) {
    const FactSpec& f = tag.fact;
    const Table& records = *channel_->records;
    Fact fact;
    fact.tag = &tag;
    fact.range = catalog::window_range(f.window, block.period_start, block.period_end);
    const Column* looked_up = f.lookup ? &lookups_.of(f, block, records, tag.id) : nullptr;
    fact.values = looked_up != nullptr ? looked_up : f.of.empty() ? nullptr : &records.column(f.of);
    fact.times = times_index(records.column(f.time_column), f.time_kind);
    if (f.where) fact.where = mask_index(*f.where, bind(*f.where, records, f, looked_up));
    if (f.when) fact.when = mask_index(*f.when, bind(*f.when, records, f, looked_up));
    if (out.type() != catalog::storage_type(tag.type)) out = Column(catalog::storage_type(tag.type));
    out.resize(block.size());
    if (tag.type == catalog::ValueType::Float) {
      fact.out_float = out.values<double>().data();
    } else {
      fact.out_int = out.values<std::int64_t>().data();
    }
    fact.first_overflow = block.size();
    facts_.push_back(std::move(fact));
  }

  // Computes every bound fact for all customers; OpenMP threads take work
  // items of kFactCustomers customers.
  void run(std::size_t customers) {
    const auto items = static_cast<std::int64_t>((customers + kFactCustomers - 1) / kFactCustomers);
#pragma omp parallel
    {
      Scratch s;
      s.masks.resize(masks_.size());
      s.times.resize(times_.size());
#pragma omp for schedule(dynamic, 1)
      for (std::int64_t item = 0; item < items; ++item) {
        const std::size_t c0 = static_cast<std::size_t>(item) * kFactCustomers;
        const std::size_t c1 = std::min(customers, c0 + kFactCustomers);
        run_item(c0, c1, s);
      }
    }
  }

  // The tag and first overflowing customer of each bound fact (customers when none).
  std::vector<std::pair<const catalog::Tag*, std::size_t>> overflows() const {
    std::vector<std::pair<const catalog::Tag*, std::size_t>> out;
    for (const Fact& fact : facts_) out.emplace_back(fact.tag, fact.first_overflow);
    return out;
  }

 private:
  struct Fact {
    const catalog::Tag* tag = nullptr;
    catalog::TimeRange range;
    const Column* values = nullptr;          // nullptr for count / share
    std::size_t times = 0;                   // into times_
    std::optional<std::size_t> where, when;  // into masks_
    std::int64_t* out_int = nullptr;
    double* out_float = nullptr;
    std::size_t first_overflow = 0;
  };
  struct Mask {
    const catalog::CompiledExpr* condition;
    std::vector<const Column*> slots;
  };
  struct Times {
    const Column* column;
    catalog::TimeKind kind;
  };
  // Each thread's buffers, reused from work item to work item.
  struct Scratch {
    catalog::EvalScratch eval;
    std::vector<std::vector<std::uint8_t>> masks;
    std::vector<std::vector<std::int64_t>> times;
    std::vector<std::int64_t> values;
  };

  // The same condition text over the same columns is evaluated once.
  std::size_t mask_index(const catalog::CompiledExpr& condition, std::vector<const Column*> slots) {
    for (std::size_t i = 0; i < masks_.size(); ++i) {
      if (masks_[i].condition->text == condition.text && masks_[i].slots == slots) return i;
    }
    masks_.push_back({&condition, std::move(slots)});
    return masks_.size() - 1;
  }

  std::size_t times_index(const Column& column, catalog::TimeKind kind) {
    for (std::size_t i = 0; i < times_.size(); ++i) {
      if (times_[i].column == &column && times_[i].kind == kind) return i;
    }
    times_.push_back({&column, kind});
    return times_.size() - 1;
  }

  void run_item(std::size_t c0, std::size_t c1, Scratch& s) {
    const std::uint64_t r0 = channel_->offsets[c0], r1 = channel_->offsets[c1];
    for (std::size_t m = 0; m < masks_.size(); ++m) {
      catalog::evaluate_mask(*masks_[m].condition, masks_[m].slots, r0, r1, s.eval, s.masks[m]);
    }
    for (std::size_t k = 0; k < times_.size(); ++k) {
      auto& times = s.times[k];
      times.resize(r1 - r0);
      const bool months = times_[k].kind == catalog::TimeKind::YearMonth;
      times_[k].column->visit([&](const auto& t) {
        for (auto r = r0; r < r1; ++r) {
          const std::int64_t v = as_int(t[r]);
          times[r - r0] = months && v != kNone ? month_start(v) : v;
        }
      });
    }
    for (Fact& fact : facts_) {
      const ItemRecords records{r0, s.times[fact.times].data(),
                                fact.where ? s.masks[*fact.where].data() : nullptr,
                                fact.when ? s.masks[*fact.when].data() : nullptr, &s.values};
      const auto aggregate = [&](const auto* values) {
        using T = std::remove_const_t<std::remove_pointer_t<decltype(values)>>;
        const Aggregator<T> aggregator{fact.tag->fact, values, fact.out_int, fact.out_float};
        for (std::size_t c = c0; c < c1; ++c) {
          if (!aggregator.run(c, channel_->offsets[c], channel_->offsets[c + 1], records, fact.range.start,
                              fact.range.end)) {
#pragma omp critical(portrait_fact_overflow)
            fact.first_overflow = std::min(fact.first_overflow, c);
          }
        }
      };
      if (fact.values == nullptr) {
        aggregate(static_cast<const std::int64_t*>(nullptr));
      } else {
        fact.values->visit([&](const auto& v) { aggregate(v.data()); });
      }
    }
  }

  const GroupedChannel* channel_;
  LookedUpColumns lookups_;  // released with the pass
  std::vector<Mask> masks_;
  std::vector<Times> times_;
  std::vector<Fact> facts_;
};

// Throws for the first fact (in the order given) whose int64 sum overflowed.
void check_overflows(const std::vector<std::pair<const catalog::Tag*, std::size_t>>& overflows,
                     const CustomerBlock& block) {
  for (const auto& [tag, first_overflow] : overflows) {
    if (first_overflow >= block.size()) continue;
    std::string id = "row " + std::to_string(first_overflow);
    if (block.customers->has("customer_id")) {
      id = "customer " + std::to_string(block.customers->values<std::int64_t>("customer_id")[first_overflow]);
    }
    const FactSpec& f = tag->fact;
    throw Error("the sum of " + f.channel + "." + f.of + " overflows int64", "fact '" + tag->id + "', " + id,
                "check the input for corrupt amounts");
  }
}

}  // namespace

void compute_fact(const catalog::Tag& tag, const CustomerBlock& block, Column& out) {
  ChannelPass pass(channel_of(block, tag));
  pass.add(tag, block, out);
  pass.run(block.size());
  check_overflows(pass.overflows(), block);
}

void compute_facts(const catalog::Catalog& catalog, const CustomerBlock& block, Table& out) {
  // The facts of each channel, channels in the order of their first fact.
  std::vector<std::pair<const GroupedChannel*, std::vector<const catalog::Tag*>>> by_channel;
  std::vector<const catalog::Tag*> facts;
  for (std::size_t index : catalog.evaluation) {
    const catalog::Tag& tag = catalog.tags[index];
    if (tag.kind != catalog::TagKind::Fact) continue;
    const GroupedChannel* channel = &channel_of(block, tag);
    auto it =
        std::find_if(by_channel.begin(), by_channel.end(), [&](const auto& c) { return c.first == channel; });
    if (it == by_channel.end()) it = by_channel.insert(it, {channel, {}});
    it->second.push_back(&tag);
    facts.push_back(&tag);
  }
  // One pass at a time, so only one channel's looked-up columns are held.
  std::map<const catalog::Tag*, std::size_t> first_overflow;
  for (const auto& [channel, tags] : by_channel) {
    ChannelPass pass(*channel);
    for (const catalog::Tag* tag : tags) {
      pass.add(*tag, block,
               out.has(tag->id) ? out.column(tag->id) : out.add(tag->id, catalog::storage_type(tag->type)));
    }
    pass.run(block.size());
    for (const auto& [tag, customer] : pass.overflows()) first_overflow[tag] = customer;
  }
  // Reported for the first overflowing fact in evaluation order, whatever
  // the order of the passes.
  std::vector<std::pair<const catalog::Tag*, std::size_t>> overflows;
  for (const catalog::Tag* tag : facts) overflows.emplace_back(tag, first_overflow.at(tag));
  check_overflows(overflows, block);
}

}  // namespace portrait::engine
