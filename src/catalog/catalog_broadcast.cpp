// src/catalog/catalog_broadcast.cpp: the catalog source travels as one
// Boost-serialised buffer (length first, then bytes) from rank 0.
#include "catalog/catalog_broadcast.hpp"

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <cstdint>
#include <sstream>

#include "core/error.hpp"
#include "parallel/collectives.hpp"

namespace portrait::catalog {
namespace {

struct Envelope {
  CatalogSource source;
  std::string error_what, error_where, error_hint;  // set when rank 0 could not read
  bool failed = false;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& source;
    archive& failed;
    archive& error_what;
    archive& error_where;
    archive& error_hint;
  }
};

}  // namespace

CatalogSource broadcast_catalog_source(const parallel::Comm& comm, const std::string& path) {
  std::string bytes;
  if (comm.is_root()) {
    Envelope envelope;
    try {
      envelope.source = read_catalog_source(path);
    } catch (const Error& e) {
      envelope.failed = true;
      envelope.error_what = e.problem();
      envelope.error_where = e.where();
      envelope.error_hint = e.hint();
    }
    std::ostringstream out;
    {
      boost::archive::binary_oarchive archive(out);
      archive << envelope;
    }
    bytes = out.str();
  }
  std::uint64_t size = bytes.size();
  parallel::broadcast(comm, size);
  bytes.resize(size);
  parallel::broadcast(comm, std::span<char>(bytes.data(), bytes.size()));
  Envelope envelope;
  std::istringstream in(bytes);
  {
    boost::archive::binary_iarchive archive(in);
    archive >> envelope;
  }
  if (envelope.failed) throw Error(envelope.error_what, envelope.error_where, envelope.error_hint);
  return envelope.source;
}

}  // namespace portrait::catalog
