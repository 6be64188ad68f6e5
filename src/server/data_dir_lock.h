// One server per data directory: an exclusive flock(2) on
// <data_dir>/server.lock, held for the life of the process. The embedded
// backend has RocksDB's own LOCK besides; with storage.backend = "postgresql"
// nothing else would stop a second server from starting on the same
// directory, serving the same port (SO_REUSEPORT) and replacing the first
// one's admin socket. The kernel drops the lock when the process dies, so a
// crash never leaves it stale.
#pragma once

#include <string>

#include "common/status.h"

namespace claribi::server {

class DataDirLock {
 public:
  // The lock of `data_dir` (which must exist), or Unavailable naming the pid
  // that holds it.
  static Result<DataDirLock> Acquire(const std::string& data_dir);

  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&&) = delete;
  DataDirLock(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace claribi::server
