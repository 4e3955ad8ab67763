// src/dist/collective_check.hpp: turns a problem found on some ranks into the
// same portrait::Error on every rank, so no rank waits in a collective that
// the others have left.
#pragma once

#include <string>

#include "dist/mpi_context.hpp"

namespace portrait::dist {

// Collective. `local_problem` is empty when this rank found nothing wrong.
// When any rank found a problem, every rank throws portrait::Error with the
// problem of the lowest such rank; `where` gets " (rank r)" appended.
void throw_if_any(const Comm& comm, const std::string& local_problem, const std::string& where,
                  const std::string& hint = {});

}  // namespace portrait::dist
