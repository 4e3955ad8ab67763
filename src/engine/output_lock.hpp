// src/engine/output_lock.hpp: one run at a time on an output. Two runs
// writing one output (its `.partial` and `.checkpoints` siblings included)
// delete and rename each other's files and can leave a manifest over an
// output that misses tables. A run therefore holds `<output>.lock`, a file
// beside the output, locked with flock(2) for its whole length (the kernel
// drops the lock when the process ends, however it ends); a second run is
// refused with the holder's host, pid, start time and job. The file stays
// after the run: removing it would let two later runs lock two different
// files of the same name.
//
// Before that, the output's place is checked, so that a run that cannot
// write its output stops in the plan phase, not after hours of work.
#pragma once

#include <string>

namespace portrait::engine {

// Checks that `output` can be written: every existing ancestor directory
// on its path is a directory (none a regular file), the missing ones are
// made, and `output`, when it exists, is a directory. Throws portrait::Error
// naming the path, with a hint.
void prepare_output_location(const std::string& output);

class OutputLock {
 public:
  // Locks `<output>.lock` (created when absent) without waiting and writes
  // this run's host, pid, start time and `job` into it. Throws
  // portrait::Error naming the running holder when another process holds
  // it, and when the lock file cannot be created (a read-only file system).
  // On a file system without locks the run goes on unlocked: `warning()`
  // then says so.
  OutputLock(const std::string& output, const std::string& job);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  const std::string& path() const { return path_; }
  // Empty when the lock is held.
  const std::string& warning() const { return warning_; }

 private:
  std::string path_;
  std::string warning_;
  int fd_ = -1;
};

}  // namespace portrait::engine
