// The JWT signing secret's file: read it, or create it once, atomically and
// readable by the owner only, so every reactor (and every restart) signs with
// the same key. Declared in jwt.h.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "auth/crypto.h"
#include "common/fd_io.h"
#include "auth/jwt.h"

namespace claribi::auth {
namespace {

constexpr size_t kMinSecretSize = 32;
constexpr size_t kMaxSecretFileSize = 64 * 1024;

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Reads the whole file at `path`; NotFound if it does not exist.
Result<std::string> read_secret(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path);
    return Status::IoError(errno_text("cannot open JWT secret", path));
  }
  std::string data;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Status::IoError(errno_text("cannot read JWT secret", path));
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > kMaxSecretFileSize) {
      ::close(fd);
      return Status::InvalidArgument("JWT secret file " + path + " is larger than 64 KiB");
    }
  }
  ::close(fd);
  while (!data.empty() && (data.back() == '\n' || data.back() == '\r')) data.pop_back();
  if (data.size() < kMinSecretSize)
    return Status::InvalidArgument("JWT secret in " + path + " is shorter than 32 bytes");
  return data;
}

// Writes `secret` to a fresh temporary file beside `path`, then link()s it
// into place: link fails with EEXIST instead of replacing a secret another
// process created meanwhile (rename would silently replace it, and the two
// processes would sign with different keys).
Status create_secret(const std::string& path, const std::string& secret) {
  const std::string tmp = path + ".tmp." + random_hex(8);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError(errno_text("cannot create", tmp));
  bool ok = ::fchmod(fd, 0600) == 0 && write_all(fd, secret) && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    Status s = Status::IoError(errno_text("cannot write", tmp));
    ::unlink(tmp.c_str());
    return s;
  }
  const int rc = ::link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (rc != 0) {
    if (link_errno == EEXIST) return Status::AlreadyExists(path);
    errno = link_errno;
    return Status::IoError(errno_text("cannot link JWT secret to", path));
  }
  // Make the new directory entry durable too.
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> load_or_create_jwt_secret(const std::string& path) {
  Result<std::string> existing = read_secret(path);
  if (existing.ok() || existing.status().code() != StatusCode::kNotFound) return existing;
  std::string secret = random_hex(32);
  Status s = create_secret(path, secret);
  if (s.code() == StatusCode::kAlreadyExists) return read_secret(path);  // another process won the race
  if (!s.ok()) return s;
  return secret;
}

}  // namespace claribi::auth
