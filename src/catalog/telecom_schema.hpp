// src/catalog/telecom_schema.hpp: the built-in telecom channel schema that
// `portrait check` compiles catalogs against until the io layer's shard
// schema is wired in its place.
#pragma once

#include "catalog/catalog_schema.hpp"

namespace portrait::catalog {

const CatalogSchema& telecom_schema();

}  // namespace portrait::catalog
