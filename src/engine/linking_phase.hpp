// src/engine/linking_phase.hpp: the probabilistic linking phase of a run,
// after the tags (its blocking keys and comparisons read them) and before
// the records are released (it compares the records of the catalog's
// linking channel): one person id column per profile of the job,
// `person_id.<profile>`, the report, the saved model and the written pairs.
#pragma once

#include <nlohmann/json.hpp>

#include <span>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "core/column.hpp"
#include "engine/grouped_customers.hpp"
#include "engine/job.hpp"
#include "identity/customer_owners.hpp"
#include "identity/identity_graph.hpp"
#include "identity/linking_settings.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::engine {

struct LinkingOutcome {
  // (column name, person id of each of the rank's customers), one per profile.
  std::vector<std::pair<std::string, std::vector<CustomerId>>> person_columns;
  nlohmann::json report;             // the manifest's `linking`
  std::string model_json;            // models/linking.json
  Table pairs;                       // tags.h5 table linking_pairs: this rank's rows
  std::vector<std::string> summary;  // printable lines
};

// The column of a profile's person ids.
std::string profile_person_column(const std::string& profile);

// The settings the identity layer runs with: the catalog's section with its
// tags as attribute indices into `attributes` (filled, in first-use order),
// and the job's profiles.
identity::LinkingSettings linking_settings(const catalog::LinkingSpec& spec,
                                           const std::vector<identity::LinkingProfile>& profiles,
                                           std::vector<std::string>& attributes);

// Collective. `tags`: the rank's tags with customer_id and person_id, in the
// order of `grouped.customers`; `strong_links`: this rank's links of the
// identity graph. Throws parallel::RankFailure on every rank when the linking
// channel's records are not loaded.
LinkingOutcome link_customers(const parallel::Comm& comm, const JobSpec& job, const catalog::Catalog& catalog,
                              const GroupedCustomers& grouped, const Table& tags,
                              std::span<const identity::VertexLink> strong_links,
                              const identity::CustomerOwners& owners);

}  // namespace portrait::engine
