// src/catalog/catalog_broadcast.hpp: gives every rank the catalog source that
// rank 0 read, so each rank compiles the same catalog (compilation is
// deterministic; no compiled code crosses the wire).
#pragma once

#include <string>

#include "catalog/catalog.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::catalog {

// Collective. Rank 0 reads `path`; every rank returns its source. A read
// failure on rank 0 is thrown as the same portrait::Error on every rank.
CatalogSource broadcast_catalog_source(const parallel::Comm& comm, const std::string& path);

}  // namespace portrait::catalog
