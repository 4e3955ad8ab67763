// src/parallel/metadata.hpp: structured metadata between ranks (file lists,
// column layouts, compiled catalogs, statistics objects) with
// Boost.Serialization. For metadata only: records never travel this way.
#pragma once

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "parallel/collectives.hpp"

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
  std::uint64_t size = bytes.size();
  broadcast(comm, size, root);
  bytes.resize(static_cast<std::size_t>(size));
  broadcast(comm, std::span<char>(bytes.data(), bytes.size()), root);
  if (comm.rank() != root) value = from_bytes<T>(bytes);
}

// Collective: every rank gets every rank's `value`, in rank order.
template <class T>
std::vector<T> allgather_objects(const Comm& comm, const T& value) {
  const std::string mine = to_bytes(value);
  std::vector<std::int64_t> sizes;
  const std::vector<char> all = allgatherv(comm, std::span<const char>(mine.data(), mine.size()), &sizes);
  std::vector<T> out;
  out.reserve(sizes.size());
  std::size_t offset = 0;
  for (const std::int64_t size : sizes) {
    out.push_back(from_bytes<T>(std::string(all.data() + offset, static_cast<std::size_t>(size))));
    offset += static_cast<std::size_t>(size);
  }
  return out;
}

}  // namespace portrait::parallel
