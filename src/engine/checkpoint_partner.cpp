// src/engine/checkpoint_partner.cpp: partner placement, the read plan of a
// resume from node-local copies, and the byte transfers (see
// checkpoint_partner.hpp).
#include "engine/checkpoint_partner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <map>
#include <stdexcept>

#include "core/error.hpp"
#include "parallel/partition.hpp"

namespace portrait::engine {
namespace {

// The ranks of every host, hosts in order of their lowest rank.
std::vector<std::vector<int>> ranks_by_host(const std::vector<std::string>& host_of_rank) {
  std::vector<std::vector<int>> hosts;
  std::map<std::string, std::size_t> index;
  for (int r = 0; r < static_cast<int>(host_of_rank.size()); ++r) {
    const auto [it, added] = index.emplace(host_of_rank[static_cast<std::size_t>(r)], hosts.size());
    if (added) hosts.emplace_back();
    hosts[it->second].push_back(r);
  }
  return hosts;
}

int count_of(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(INT_MAX)) throw std::length_error("transfer message over 2 GiB");
  return static_cast<int>(bytes);
}

}  // namespace

std::vector<int> partner_ranks(const std::vector<std::string>& host_of_rank) {
  std::vector<int> partner(host_of_rank.size(), -1);
  const auto hosts = ranks_by_host(host_of_rank);
  if (hosts.size() < 2) return partner;
  for (std::size_t h = 0; h < hosts.size(); ++h) {
    const auto& next = hosts[(h + 1) % hosts.size()];
    for (std::size_t k = 0; k < hosts[h].size(); ++k) {
      partner[static_cast<std::size_t>(hosts[h][k])] = next[k % next.size()];
    }
  }
  return partner;
}

bool is_host_leader(const std::vector<std::string>& host_of_rank, int rank) {
  const auto mine = host_of_rank.begin() + rank;
  return std::find(host_of_rank.begin(), mine, *mine) == mine;
}

const char* to_string(CheckpointCopy copy) {
  switch (copy) {
    case CheckpointCopy::kShared:
      return "shared";
    case CheckpointCopy::kPrimary:
      return "primary";
    case CheckpointCopy::kPartner:
      return "partner";
  }
  return "?";
}

std::vector<CheckpointRead> plan_local_reads(const std::vector<CheckpointFile>& files,
                                             const std::vector<FileCopies>& copies,
                                             const std::vector<std::string>& host_of_rank,
                                             std::uint32_t buckets) {
  const int ranks = static_cast<int>(host_of_rank.size());
  const parallel::BucketPartition partition(buckets, ranks);
  std::vector<int> reads_of(host_of_rank.size(), 0);
  std::vector<CheckpointRead> reads;
  const auto holds = [](const std::vector<std::string>& hosts, const std::string& host) {
    return std::find(hosts.begin(), hosts.end(), host) != hosts.end();
  };
  // The least busy rank of the first host in `hosts` that runs ranks of this run.
  const auto reader_on = [&](const std::vector<std::string>& hosts) -> int {
    for (const auto& host : hosts) {
      int best = -1;
      for (int r = 0; r < ranks; ++r) {
        if (host_of_rank[static_cast<std::size_t>(r)] == host &&
            (best < 0 || reads_of[static_cast<std::size_t>(r)] < reads_of[static_cast<std::size_t>(best)])) {
          best = r;
        }
      }
      if (best >= 0) return best;
    }
    return -1;
  };
  for (std::size_t f = 0; f < files.size(); ++f) {
    const CheckpointFile& file = files[f];
    const FileCopies& copy = copies[f];
    for (int d = 0; d < ranks; ++d) {
      const parallel::BucketRange range = partition.range_of(d);
      if (file.end <= range.begin || file.begin >= range.end) continue;
      const std::string& host = host_of_rank[static_cast<std::size_t>(d)];
      CheckpointRead read{f, d, d, CheckpointCopy::kPrimary, host};
      if (holds(copy.primary, host)) {
        // read as initialised: the destination's own disk, primary copy
      } else if (holds(copy.partner, host)) {
        read.copy = CheckpointCopy::kPartner;
      } else if (const int r = reader_on(copy.primary); r >= 0) {
        read.reader = r;
      } else if (const int p = reader_on(copy.partner); p >= 0) {
        read.reader = p;
        read.copy = CheckpointCopy::kPartner;
      } else {
        throw Error(
            fmt::format("checkpoint file {} has no copy on the hosts of this run: it was written on {}{}",
                        file.name, file.host,
                        file.partner_host.empty()
                            ? " and has no partner copy"
                            : fmt::format(", its partner copy on {}", file.partner_host)),
            "--resume",
            "resume on hosts that hold the copies (the lost node's partner among them), "
            "or rerun without --resume to start the month over");
      }
      read.host = host_of_rank[static_cast<std::size_t>(read.reader)];
      ++reads_of[static_cast<std::size_t>(read.reader)];
      reads.push_back(std::move(read));
    }
  }
  return reads;
}

void Transfers::send(int destination, int tag, std::span<const std::byte> bytes) {
  // An empty range is still one (empty) message: the receiver counts them.
  std::size_t offset = 0;
  do {
    const std::size_t n = std::min(kTransferChunk, bytes.size() - offset);
    MPI_Request request;
    MPI_Isend(bytes.data() + offset, count_of(n), MPI_BYTE, destination, tag, comm_.raw(), &request);
    pending_.push_back(request);
    offset += n;
  } while (offset < bytes.size());
}

void Transfers::wait() {
  if (pending_.empty()) return;
  MPI_Waitall(static_cast<int>(pending_.size()), pending_.data(), MPI_STATUSES_IGNORE);
  pending_.clear();
}

void receive_into(const parallel::Comm& comm, int source, int tag, std::span<std::byte> into) {
  std::size_t offset = 0;
  do {
    const std::size_t n = std::min(kTransferChunk, into.size() - offset);
    MPI_Recv(into.data() + offset, count_of(n), MPI_BYTE, source, tag, comm.raw(), MPI_STATUS_IGNORE);
    offset += n;
  } while (offset < into.size());
}

std::span<const std::byte> receive_message(const parallel::Comm& comm, int source, int tag,
                                           std::vector<std::byte>& buffer) {
  MPI_Status status;
  MPI_Probe(source, tag, comm.raw(), &status);
  int size = 0;
  MPI_Get_count(&status, MPI_BYTE, &size);
  buffer.resize(static_cast<std::size_t>(size));
  MPI_Recv(buffer.data(), size, MPI_BYTE, source, tag, comm.raw(), MPI_STATUS_IGNORE);
  return buffer;
}

}  // namespace portrait::engine
