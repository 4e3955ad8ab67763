// src/engine/checkpoint_partner.hpp: checkpoints on node-local disks that
// survive the loss of a node (SCR's partner scheme). Each rank writes its
// checkpoint file to its own node's disk and a copy to the disk of a partner
// rank on another host; a resume reads every file from a copy on a host of the
// resuming run, and ranks whose buckets lie in a file that no disk of their
// own host holds get those rows sent by a rank of a host that does.
//
// The placement and the read plan are plain functions of the hosts, so they
// are tested without MPI; the transfers are point-to-point messages of at most
// kTransferChunk bytes (MPI's int counts), posted without blocking on the
// sending side so that a ring of partners cannot deadlock.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::engine {

// One rank file of a complete stage: its bucket range, its size and the
// checksum of its header (a copy must match both), the host that wrote it and
// the host of its partner copy (empty: none).
struct CheckpointFile {
  std::string name;
  Bucket begin = 0, end = 0;
  std::uint64_t bytes = 0;
  std::uint64_t header_checksum = 0;
  std::string host, partner_host;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& name& begin& end& bytes& header_checksum& host& partner_host;
  }
};

// The partner of every rank: the rank at the same position among its host's
// ranks on the next host (hosts ordered by their lowest rank, the last host's
// next is the first); on a next host with fewer ranks, the position modulo
// that host's rank count. -1 for every rank when all ranks share one host: a
// copy on the same disk would not survive that disk.
std::vector<int> partner_ranks(const std::vector<std::string>& host_of_rank);

// The lowest rank of `rank`'s host: the one that prepares and cleans that
// host's node-local directories.
bool is_host_leader(const std::vector<std::string>& host_of_rank, int rank);

enum class CheckpointCopy : int { kShared = 0, kPrimary = 1, kPartner = 2 };
const char* to_string(CheckpointCopy copy);

// Where the copies of one checkpoint file are: the hosts of the resuming run
// whose node-local disk holds its primary copy or its partner copy.
struct FileCopies {
  std::vector<std::string> primary, partner;
};

// One rank's rows of one file: `reader` reads them from `copy` on `host`'s disk
// and, unless it is `destination` itself, sends them there.
struct CheckpointRead {
  std::size_t file = 0;  // index in the stage's files, which are in bucket order
  int destination = 0;
  int reader = 0;
  CheckpointCopy copy = CheckpointCopy::kPrimary;
  std::string host;
};

// The reads of a resume from node-local copies. A destination reads a file
// itself when its own host holds a copy (the primary preferred); otherwise a
// rank of a host holding the primary (else the partner copy) reads it for
// it, the rank of that host with the fewest reads so far (then the lowest).
// `files` in bucket order, `copies[f]` those of files[f]. In (file,
// destination) order. Throws portrait::Error naming the file, the host that
// wrote it and its partner when a file a destination needs has no copy on
// any host.
std::vector<CheckpointRead> plan_local_reads(const std::vector<CheckpointFile>& files,
                                             const std::vector<FileCopies>& copies,
                                             const std::vector<std::string>& host_of_rank,
                                             std::uint32_t buckets);

// Messages of at most this many bytes.
inline constexpr std::size_t kTransferChunk = std::size_t{1} << 26;

// Nonblocking sends of byte ranges, each split into messages of at most
// kTransferChunk; the ranges must stay alive until wait() returns. The
// destructor waits too, so no send outlives its buffer.
class Transfers {
 public:
  explicit Transfers(const parallel::Comm& comm) : comm_(comm) {}
  Transfers(const Transfers&) = delete;
  Transfers& operator=(const Transfers&) = delete;
  ~Transfers() { wait(); }

  void send(int destination, int tag, std::span<const std::byte> bytes);
  void wait();

 private:
  const parallel::Comm& comm_;
  std::vector<MPI_Request> pending_;
};

// Receives exactly into.size() bytes sent by one Transfers::send.
void receive_into(const parallel::Comm& comm, int source, int tag, std::span<std::byte> into);
// Receives one message of any size up to kTransferChunk into `buffer`
// (resized, capacity kept); returns its bytes.
std::span<const std::byte> receive_message(const parallel::Comm& comm, int source, int tag,
                                           std::vector<std::byte>& buffer);

}  // namespace portrait::engine
