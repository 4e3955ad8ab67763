// src/engine/output_lock.cpp: the output's lock file and location checks.
#include "engine/output_lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <thread>

#include "core/error.hpp"
#include "core/period.hpp"

namespace portrait::engine {
namespace {

namespace fs = std::filesystem;

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown host";
  return name;
}

// What the holder wrote into the lock file; it may not have written yet
// when it only just took the lock, so an empty file is read again briefly.
std::string holder_of(int fd) {
  std::string text;
  for (int attempt = 0; attempt < 20 && text.empty(); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    char buffer[1024];
    const ssize_t n = ::pread(fd, buffer, sizeof buffer, 0);
    if (n > 0) text.assign(buffer, static_cast<std::size_t>(n));
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text.empty() ? "a run that has not yet said who it is" : text;
}

}  // namespace

void prepare_output_location(const std::string& output) {
  const fs::path path = fs::absolute(output);
  std::error_code ec;
  // The nearest existing ancestor must be a directory: a regular file on
  // the way ("out.h5/month") is a mistake to report, not to surface later
  // as a raw error from creating directories.
  for (fs::path p = path.parent_path(); !p.empty(); p = p.parent_path()) {
    const auto status = fs::status(p, ec);
    if (fs::exists(status)) {
      if (!fs::is_directory(status)) {
        throw Error(
            fmt::format("the output's place is under '{}', which is a file, not a directory", p.string()),
            output, "choose an 'output' (or --output) whose parent is a directory");
      }
      break;
    }
    if (p == p.parent_path()) break;
  }
  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    throw Error(fmt::format("cannot create the output's parent directory '{}': {}",
                            path.parent_path().string(), ec.message()),
                output, "choose an 'output' (or --output) on a writable file system");
  }
  if (fs::exists(path, ec) && !fs::is_directory(path, ec)) {
    throw Error("the output exists and is not a directory", output,
                "an output is a directory: choose another 'output' (or --output), or remove the file");
  }
}

OutputLock::OutputLock(const std::string& output, const std::string& job) : path_(output + ".lock") {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw Error(fmt::format("cannot create the output's lock file: {}", std::strerror(errno)), path_,
                errno == EROFS ? "the output is on a read-only file system: choose an 'output' (or --output) "
                                 "on a writable one"
                               : "check that the output's parent directory is writable by the job's user");
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    if (error == EWOULDBLOCK) {
      const std::string holder = holder_of(fd_);
      ::close(fd_);
      fd_ = -1;
      throw Error(fmt::format("another run is writing this output: {}", holder), output,
                  "wait until it ends (or stop it), or choose another 'output' (or --output)");
    }
    warning_ = fmt::format(
        "{}: the file system does not lock files ({}): a second run on this output at the "
        "same time would not be refused",
        path_, std::strerror(error));
  }
  const std::string holder = fmt::format("host {}, pid {}, started {}, job {}\n", host_name(),
                                         static_cast<long>(::getpid()), format_utc(std::time(nullptr)), job);
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, holder.data(), holder.size(), 0) < 0) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    throw Error(fmt::format("cannot write the output's lock file: {}", std::strerror(error)), path_,
                "check the free space of the output's file system");
  }
}

OutputLock::~OutputLock() {
  // Closing the descriptor releases the lock; the file stays (see the header).
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace portrait::engine
