#include "server/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/fd_io.h"

namespace claribi::server {

Result<DataDirLock> DataDirLock::Acquire(const std::string& data_dir) {
  const std::string path = data_dir + "/server.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    std::string holder;
    if (e == EWOULDBLOCK) {
      char buf[32];
      ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
      for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) holder += buf[i];
    }
    ::close(fd);
    if (e != EWOULDBLOCK) return Status::IoError("cannot lock " + path + ": " + std::strerror(e));
    return Status::Unavailable("data directory " + data_dir + " is in use by another claribi-server" +
                               (holder.empty() ? std::string() : " (pid " + holder + ")") +
                               ": each server needs a data directory of its own");
  }
  // The holder's pid, for the message above and for operators (`cat server.lock`).
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || !write_all(fd, pid)) {
    const int e = errno;
    ::close(fd);
    return Status::IoError("cannot write " + path + ": " + std::strerror(e));
  }
  return DataDirLock(fd);
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace claribi::server
