// src/io/synthetic_channels.hpp: the records of one shard of each channel
// (a slice of time, or a range of ids) for the synthetic population. A slice
// depends only on (seed, customer, slice), so any rank can make any shard.
#pragma once

#include <cstdint>
#include <vector>

#include "core/column.hpp"
#include "io/synthetic_model.hpp"

namespace portrait::io::synthetic {

// Per-customer record counts and offsets, reused from shard to shard.
struct Scratch {
  std::vector<std::uint64_t> offsets;
};

// Each fills `out` (replaced by the channel's table, buffers reused when it
// already is one) with the records of the slice, ordered by customer slot
// then time. customers_records takes the 1-based slots [first_slot, end_slot).
void customers_records(const Options& o, const Population& p, std::int64_t first_slot, std::int64_t end_slot,
                       Table& out);
void billing_records(const Options& o, const Population& p, Period month, Scratch& scratch, Table& out);
// day 0.. of the period; part 0..shards_per_day-1 cuts the day by hour.
void usage_records(const Options& o, const Population& p, int day, int part, Scratch& scratch, Table& out);
void web_records(const Options& o, const Population& p, int day, int part, Scratch& scratch, Table& out);
// week 0.. of the period (7-day windows from the period's first day).
void service_records(const Options& o, const Population& p, int week, Scratch& scratch, Table& out);
void marketing_records(const Options& o, const Population& p, int week, Scratch& scratch, Table& out);
void identity_records(const Options& o, const Population& p, int week, Scratch& scratch, Table& out);

// Weeks of the period (the last may be shorter).
int weeks_in(const Period& period);

}  // namespace portrait::io::synthetic
