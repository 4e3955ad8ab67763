// src/parallel/metadata.hpp: structured metadata between ranks (file lists,
// column layouts, compiled catalogs, statistics objects) with
// Boost.Serialization. For metadata only: records never travel this way.
#pragma once

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "parallel/mpi_context.hpp"

namespace portrait::parallel {

template <class T>
std::string to_bytes(const T& value) {
  std::ostringstream out;
  {
    boost::archive::binary_oarchive archive(out);
    archive << value;
  }
  return out.str();
}

template <class T>
T from_bytes(const std::string& bytes) {
  std::istringstream in(bytes);
  boost::archive::binary_iarchive archive(in);
  T value;
  archive >> value;
  return value;
}

// Collective: after the call every rank's `value` equals root's.
template <class T>
void broadcast_object(const Comm& comm, T& value, int root = 0) {
  std::string bytes = comm.rank() == root ? to_bytes(value) : std::string();
  long long size = static_cast<long long>(bytes.size());
  MPI_Bcast(&size, 1, MPI_LONG_LONG, root, comm.raw());
  // Metadata is small; MPI's int count is checked, not assumed.
  if (size > 0x7fffffff) throw std::length_error("broadcast_object: metadata over 2 GiB");
  bytes.resize(static_cast<std::size_t>(size));
  MPI_Bcast(bytes.data(), static_cast<int>(size), MPI_BYTE, root, comm.raw());
  if (comm.rank() != root) value = from_bytes<T>(bytes);
}

// Collective: every rank gets every rank's `value`, in rank order.
template <class T>
std::vector<T> allgather_objects(const Comm& comm, const T& value) {
  const std::string mine = to_bytes(value);
  const int n = comm.size();
  int size = static_cast<int>(mine.size());
  std::vector<int> sizes(static_cast<std::size_t>(n)), offsets(static_cast<std::size_t>(n));
  MPI_Allgather(&size, 1, MPI_INT, sizes.data(), 1, MPI_INT, comm.raw());
  long long total = 0;
  for (int r = 0; r < n; ++r) {
    offsets[static_cast<std::size_t>(r)] = static_cast<int>(total);
    total += sizes[static_cast<std::size_t>(r)];
  }
  if (total > 0x7fffffff) throw std::length_error("allgather_objects: metadata over 2 GiB");
  std::string all(static_cast<std::size_t>(total), '\0');
  MPI_Allgatherv(mine.data(), size, MPI_BYTE, all.data(), sizes.data(), offsets.data(), MPI_BYTE, comm.raw());
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r) {
    out.push_back(from_bytes<T>(all.substr(static_cast<std::size_t>(offsets[static_cast<std::size_t>(r)]),
                                           static_cast<std::size_t>(sizes[static_cast<std::size_t>(r)]))));
  }
  return out;
}

}  // namespace portrait::parallel
