// src/dist/broadcast.hpp: sends structured metadata (file lists, compiled
// catalogs, statistics objects) from one rank to all with Boost.Serialization.
// For metadata only: records never travel this way.
#pragma once

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <sstream>
#include <string>

#include "dist/mpi_context.hpp"

namespace portrait::dist {

// Collective: after the call every rank's `value` equals root's.
template <class T>
void broadcast_object(const Comm& comm, T& value, int root = 0) {
  std::string bytes;
  if (comm.rank() == root) {
    std::ostringstream out;
    {
      boost::archive::binary_oarchive archive(out);
      archive << value;
    }
    bytes = out.str();
  }
  long long size = static_cast<long long>(bytes.size());
  MPI_Bcast(&size, 1, MPI_LONG_LONG, root, comm.raw());
  bytes.resize(static_cast<std::size_t>(size));
  // Metadata is small; MPI_Bcast's int count is checked, not assumed.
  if (size > 0x7fffffff) throw std::length_error("broadcast_object: metadata over 2 GiB");
  MPI_Bcast(bytes.data(), static_cast<int>(size), MPI_BYTE, root, comm.raw());
  if (comm.rank() != root) {
    std::istringstream in(bytes);
    boost::archive::binary_iarchive archive(in);
    archive >> value;
  }
}

}  // namespace portrait::dist
