// src/io/truth.hpp: the planted truth of a synthetic data set (truth.h5
// beside the shards, never read by the monthly job): each customer's
// natural person, planted segment, churn and complaint proneness, so tests
// can score identity linking, segmentation and churn models.
#pragma once

#include <string>

#include "core/column.hpp"

namespace portrait::io {

// customer_id i64, person_id i64, segment i8 (0 gold, 1 potential, 2 low-end
// volatile, 3 tidal, 4 high-risk retention, 5 high-end volatile), churn i8,
// complaint_prone i8.
Table make_truth_table();
void write_truth(const std::string& path, const Table& truth);
Table read_truth(const std::string& path);

}  // namespace portrait::io
