// AdminSocket (see admin_socket.h): the server's listener and its request
// and import threads, and the client half claribi-admin uses.
#include "server/admin_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <utility>

#include "common/time_util.h"

namespace claribi::server {
namespace {

constexpr int kRequestTimeoutMs = 10000;   // to send the whole request
constexpr int kResponseTimeoutMs = 30000;  // for the client to take the answer
constexpr size_t kMaxRequestItems = 1024;
constexpr size_t kMaxRequestBytes = 1 << 20;
constexpr size_t kMaxResponseItems = 16;
constexpr size_t kMaxResponseBytes = size_t(1) << 30;
constexpr size_t kMaxRequestFds = 4;  // room to receive (and close) a few; one is used

std::string errno_text(int e) { return std::strerror(e); }

int64_t now_ms() { return int64_t(monotonic_ns() / 1000000); }

void put_u32(std::string& out, uint32_t v) {
  char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  out.append(b, 4);
}

uint32_t get_u32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t(u[0]) << 24) | (uint32_t(u[1]) << 16) | (uint32_t(u[2]) << 8) | uint32_t(u[3]);
}

std::string encode_frame(const std::vector<std::string>& items) {
  size_t total = 4;
  for (const auto& s : items) total += 4 + s.size();
  std::string out;
  out.reserve(total);
  put_u32(out, uint32_t(items.size()));
  for (const auto& s : items) {
    put_u32(out, uint32_t(s.size()));
    out += s;
  }
  return out;
}

// Waits until fd is ready for `events`. deadline: a now_ms() value, or -1 for
// none; wake_fd: readable means "give up" (-1 for none). false with *error set
// on timeout, wake-up or a poll error.
bool wait_ready(int fd, short events, int64_t deadline, int wake_fd, std::string* error) {
  while (true) {
    int timeout = -1;
    if (deadline >= 0) {
      int64_t left = deadline - now_ms();
      if (left <= 0) {
        *error = "timed out";
        return false;
      }
      timeout = int(left);
    }
    pollfd p[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};
    int n = ::poll(p, wake_fd >= 0 ? 2 : 1, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = "poll: " + errno_text(errno);
      return false;
    }
    if (n == 0) continue;  // re-checks the deadline
    if (wake_fd >= 0 && p[1].revents != 0) {
      *error = "stopping";
      return false;
    }
    if (p[0].revents != 0) return true;  // ready, or an error/hang-up the next call reports
  }
}

// recv(), collecting the descriptors that come along (SCM_RIGHTS) into
// *fds when it is not null (they are close-on-exec; a recv without room
// for them would let the kernel drop them).
ssize_t recv_some(int fd, char* buf, size_t n, std::vector<int>* fds) {
  if (fds == nullptr) return ::recv(fd, buf, n, 0);
  iovec iov{buf, n};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxRequestFds)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t r = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  if (r < 0) return r;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int passed;
      std::memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      fds->push_back(passed);
    }
  }
  return r;
}

bool read_full(int fd, char* buf, size_t n, int64_t deadline, int wake_fd, std::string* error,
               std::vector<int>* fds = nullptr) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = recv_some(fd, buf + got, n - got, fds);
    if (r > 0) {
      got += size_t(r);
      continue;
    }
    if (r == 0) {
      *error = "connection closed";
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_ready(fd, POLLIN, deadline, wake_fd, error)) return false;
      continue;
    }
    *error = errno_text(errno);
    return false;
  }
  return true;
}

bool write_full(int fd, const std::string& data, int64_t deadline, std::string* error) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t w = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (w >= 0) {
      sent += size_t(w);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_ready(fd, POLLOUT, deadline, -1, error)) return false;
      continue;
    }
    *error = errno_text(errno);
    return false;
  }
  return true;
}

// fds: where descriptors that come with the frame go (null: none expected).
bool read_frame(int fd, std::vector<std::string>* items, size_t max_items, size_t max_bytes, int64_t deadline,
                int wake_fd, std::string* error, std::vector<int>* fds = nullptr) {
  char head[4];
  if (!read_full(fd, head, 4, deadline, wake_fd, error, fds)) return false;
  uint32_t count = get_u32(head);
  if (count > max_items) {
    *error = "too many items (" + std::to_string(count) + ")";
    return false;
  }
  size_t total = 0;
  items->clear();
  items->reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (!read_full(fd, head, 4, deadline, wake_fd, error, fds)) return false;
    uint32_t len = get_u32(head);
    total += len;
    if (total > max_bytes) {
      *error = "message too large";
      return false;
    }
    std::string s(len, '\0');
    if (len > 0 && !read_full(fd, s.data(), len, deadline, wake_fd, error, fds)) return false;
    items->push_back(std::move(s));
  }
  return true;
}

// Closes the descriptors it holds when it goes (those a request brought
// and nobody took).
struct PassedFds {
  std::vector<int> fds;
  ~PassedFds() {
    for (int f : fds) ::close(f);
  }
  int take_one() {
    int f = fds.front();
    fds.erase(fds.begin());
    return f;
  }
};

// The progress frames of one import, written without ever blocking the
// import: a new frame is queued only once the previous one is out, so a
// client too slow to take them misses some. send() also notices a client
// that went away (its end of the socket closed).
class ProgressFrames {
 public:
  explicit ProgressFrames(int fd) : fd_(fd) {}

  // false: the client is gone.
  bool send(const ImportProgress& p) {
    if (gone_ || peer_closed()) {
      gone_ = true;
      return false;
    }
    if (!flush()) return false;
    if (pending_.empty()) {
      pending_ = encode_frame({std::string(kAdminProgressFrame), std::to_string(p.bytes_done),
                               std::to_string(p.bytes_total), std::to_string(p.rows_done)});
      sent_ = 0;
    }
    return flush();
  }

  // The rest of a frame that is half out, then `frame`, waiting for the
  // client until `deadline`.
  bool finish(const std::string& frame, int64_t deadline, std::string* error) {
    std::string out = pending_.substr(sent_) + frame;
    pending_.clear();
    sent_ = 0;
    return write_full(fd_, out, deadline, error);
  }

 private:
  // Writes what the socket takes now; false when the client is gone.
  bool flush() {
    while (sent_ < pending_.size()) {
      ssize_t w = ::send(fd_, pending_.data() + sent_, pending_.size() - sent_, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w > 0) {
        sent_ += size_t(w);
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;  // later
      gone_ = true;
      return false;
    }
    pending_.clear();
    sent_ = 0;
    return true;
  }

  // The client sends nothing after its request: readable means closed.
  bool peer_closed() const {
    pollfd p{fd_, short(POLLIN | POLLRDHUP), 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if ((p.revents & (POLLHUP | POLLERR | POLLRDHUP)) != 0) return true;
    if ((p.revents & POLLIN) == 0) return false;
    char b;
    ssize_t r = ::recv(fd_, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
  }

  int fd_;
  std::string pending_;
  size_t sent_ = 0;
  bool gone_ = false;
};

// The address of a socket file. sun_path holds 107 bytes; a longer path
// (a deep data directory) is reached through its directory instead:
// /proc/self/fd/<fd of the directory>/<name>, valid while this object lives.
class SocketAddress {
 public:
  bool init(const std::string& path, std::string* error) {
    std::memset(&addr_, 0, sizeof(addr_));
    addr_.sun_family = AF_UNIX;
    std::string target = path;
    if (path.size() >= sizeof(addr_.sun_path)) {
      size_t slash = path.rfind('/');
      std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
      dir_fd_ = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (dir_fd_ < 0) {
        *error = "cannot open " + dir + ": " + errno_text(errno);
        return false;
      }
      target = "/proc/self/fd/" + std::to_string(dir_fd_) + "/" + path.substr(slash + 1);
    }
    if (path.empty() || target.size() >= sizeof(addr_.sun_path)) {
      *error = "socket path is empty or its name too long: " + path;
      return false;
    }
    std::memcpy(addr_.sun_path, target.data(), target.size());
    return true;
  }
  ~SocketAddress() {
    if (dir_fd_ >= 0) ::close(dir_fd_);
  }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&addr_); }
  socklen_t size() const { return sizeof(addr_); }

 private:
  sockaddr_un addr_;
  int dir_fd_ = -1;
};

// For the server's log: the command words, never their values (a password).
std::string command_words(const std::vector<std::string>& args) {
  std::string out;
  for (size_t i = 0; i < args.size() && i < 2; ++i) {
    if (args[i].empty() || args[i][0] == '-') break;
    if (!out.empty()) out += ' ';
    for (char ch : args[i]) out += (ch >= 0x21 && ch < 0x7f) ? ch : '?';
    if (out.size() > 64) break;
  }
  return out.empty() ? "(none)" : out;
}

}  // namespace

AdminSocket::AdminSocket(const Config& config, identity::IdentityService& identity, storage::Database& db,
                         index::Qsbr& qsbr, AdminRows rows)
    : config_(config), identity_(identity), db_(db), qsbr_(qsbr), rows_(rows) {}

AdminSocket::~AdminSocket() { stop(); }

Status AdminSocket::start(const std::string& socket_path) {
  if (thread_.joinable()) return Status::Internal("admin socket already started");
  SocketAddress addr;
  std::string error;
  if (!addr.init(socket_path, &error)) return Status::InvalidArgument("admin socket: " + error);

  // A socket file left by a server that did not stop cleanly. Nothing can be
  // listening on it: this process holds the data directory's lock
  // (DataDirLock). Anything but a socket is left alone.
  struct stat st;
  if (::lstat(socket_path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return Status::AlreadyExists("admin socket: " + socket_path + " exists and is not a socket");
    if (::unlink(socket_path.c_str()) != 0 && errno != ENOENT)
      return Status::IoError("admin socket: cannot remove stale " + socket_path + ": " + errno_text(errno));
  }

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Status::IoError("admin socket: socket: " + errno_text(errno));
  auto fail = [&](const std::string& what, bool bound) {
    int e = errno;
    ::close(fd);
    if (bound) ::unlink(socket_path.c_str());
    return Status::IoError("admin socket: " + what + " " + socket_path + ": " + errno_text(e));
  };
  // On Linux the file bind() creates takes the socket inode's mode (minus the
  // umask): 0600 from the start. The chmod below makes sure of it either way,
  // before listen(), so no one else can ever connect.
  (void)::fchmod(fd, 0600);
  if (::bind(fd, addr.get(), addr.size()) != 0) return fail("bind", false);
  if (::chmod(socket_path.c_str(), 0600) != 0) return fail("chmod", true);
  if (::listen(fd, 16) != 0) return fail("listen", true);
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) return fail("pipe for", true);
  slot_ = qsbr_.register_reader();
  if (slot_ < 0) {
    ::close(wake_[0]);
    ::close(wake_[1]);
    wake_[0] = wake_[1] = -1;
    ::close(fd);
    ::unlink(socket_path.c_str());
    return Status::Internal("admin socket: no free QSBR reader slot");
  }
  listen_fd_ = fd;
  path_ = socket_path;
  thread_ = std::thread([this] { loop(); });
  return Status::Ok();
}

void AdminSocket::stop() {
  stopping_.store(true);  // imports see it at their next progress report
  if (thread_.joinable()) {
    char b = 1;
    ssize_t w;
    do {
      w = ::write(wake_[1], &b, 1);
    } while (w < 0 && errno == EINTR);
    thread_.join();
  }
  reap_imports(true);
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
    ::unlink(path_.c_str());
  }
  for (int& fd : wake_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  if (slot_ >= 0) {
    qsbr_.unregister_reader(slot_);
    slot_ = -1;
  }
}

void AdminSocket::loop() {
  while (true) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    int n = ::poll(p, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "claribi-server: admin socket: poll: %s\n", std::strerror(errno));
      return;
    }
    if (p[1].revents != 0) return;
    reap_imports(false);
    if (p[0].revents == 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED) continue;
      std::fprintf(stderr, "claribi-server: admin socket: accept: %s\n", std::strerror(errno));
      // Out of descriptors or memory: do not spin; the wake-up still ends it.
      pollfd w{wake_[0], POLLIN, 0};
      if (::poll(&w, 1, 200) > 0) return;
      continue;
    }
    if (serve(fd)) ::close(fd);
  }
}

void AdminSocket::reap_imports(bool all) {
  std::lock_guard lk(imports_mu_);
  for (auto it = imports_.begin(); it != imports_.end();) {
    if (all || it->done.load()) {
      it->thread.join();
      it = imports_.erase(it);
    } else {
      ++it;
    }
  }
}

bool AdminSocket::serve(int fd) {
  std::string error;
  auto answer = [&](const AdminOutput& r) {
    std::string frame = encode_frame({std::to_string(r.exit_code), r.out, r.err});
    std::string werr;
    if (!write_full(fd, frame, now_ms() + kResponseTimeoutMs, &werr))
      std::fprintf(stderr, "claribi-server: admin socket: answer not delivered: %s\n", werr.c_str());
  };

  // The socket file is 0600 in a 0700 directory; check the peer anyway.
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
      (cred.uid != ::geteuid() && cred.uid != 0)) {
    std::fprintf(stderr, "claribi-server: admin socket: refused a connection from uid %u\n", unsigned(cred.uid));
    answer(AdminOutput{kAdminExitFailed, "", "claribi-admin: permission denied: run as the server's user\n"});
    return true;
  }

  std::vector<std::string> request;
  PassedFds passed;
  if (!read_frame(fd, &request, kMaxRequestItems, kMaxRequestBytes, now_ms() + kRequestTimeoutMs, wake_[0],
                  &error, &passed.fds)) {
    if (error != "stopping")
      std::fprintf(stderr, "claribi-server: admin socket: bad request: %s\n", error.c_str());
    return true;
  }
  if (request.size() < 2 || request[0] != kAdminProtocol || request[1].empty() || request[1][0] != '/') {
    answer(AdminOutput{kAdminExitFailed, "",
                       "claribi-admin: the server does not understand this request (a different version of "
                       "claribi-admin?)\n"});
    return true;
  }
  std::string cwd = std::move(request[1]);
  std::vector<std::string> args(std::make_move_iterator(request.begin() + 2),
                                std::make_move_iterator(request.end()));

  if (AdminCommands::input_file(args)) {
    // rows import: on a thread of its own, reading the descriptor that came
    // with the request.
    if (passed.fds.size() != 1) {
      answer(AdminOutput{kAdminExitFailed, "",
                         "claribi-admin: rows import: the request must bring the open file (one descriptor), it "
                         "brought " + std::to_string(passed.fds.size()) + "\n"});
      return true;
    }
    {
      std::lock_guard lk(imports_mu_);
      if (imports_.size() < kMaxAdminImports) {
        int file_fd = passed.take_one();
        Import& im = imports_.emplace_back();
        unsigned uid = unsigned(cred.uid);
        im.thread = std::thread([this, &im, fd, file_fd, args = std::move(args), cwd = std::move(cwd), uid]() mutable {
          run_import(im, fd, file_fd, std::move(args), std::move(cwd), uid);
        });
        return false;
      }
    }
    answer(AdminOutput{kAdminExitFailed, "",
                       "claribi-admin: " + std::to_string(kMaxAdminImports) +
                           " imports are in progress already; try again when one is done\n"});
    return true;
  }

  AdminOutput result;
  {
    // The commands read the identity index (directly and through View).
    index::ReaderScope scope(qsbr_, slot_);
    result = AdminCommands(config_, identity_, db_).run(args, cwd);
  }
  std::fprintf(stderr, "claribi-server: admin command '%s' from uid %u: exit %d\n", command_words(args).c_str(),
               unsigned(cred.uid), result.exit_code);
  answer(result);
  return true;
}

void AdminSocket::run_import(Import& self, int fd, int file_fd, std::vector<std::string> args, std::string cwd,
                             unsigned uid) {
  ProgressFrames frames(fd);
  AdminInput input;
  input.file_fd = file_fd;
  input.progress = [&](const ImportProgress& p) { return frames.send(p) && !stopping_.load(); };
  // No ReaderScope: the import reads no index, and an import may take
  // minutes, which would hold up QSBR reclamation for as long.
  AdminOutput result = AdminCommands(config_, identity_, db_, rows_).run(args, cwd, input);
  ::close(file_fd);
  std::fprintf(stderr, "claribi-server: admin command '%s' from uid %u: exit %d\n", command_words(args).c_str(), uid,
               result.exit_code);
  std::string werr;
  if (!frames.finish(encode_frame({std::to_string(result.exit_code), result.out, result.err}),
                     now_ms() + kResponseTimeoutMs, &werr))
    std::fprintf(stderr, "claribi-server: admin socket: answer not delivered: %s\n", werr.c_str());
  ::close(fd);
  self.done.store(true);
}

// ---- client -------------------------------------------------------------------

namespace {

// Sends `data` with `file_fd` attached to its first bytes (SCM_RIGHTS).
bool write_with_fd(int fd, const std::string& data, int file_fd, std::string* error) {
  iovec iov{const_cast<char*>(data.data()), data.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  std::memset(control, 0, sizeof(control));
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &file_fd, sizeof(int));
  ssize_t w;
  do {
    w = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
  } while (w < 0 && errno == EINTR);
  if (w < 0) {
    *error = errno_text(errno);
    return false;
  }
  return write_full(fd, data.substr(size_t(w)), -1, error);
}

bool parse_u64(const std::string& s, uint64_t* v) {
  return !s.empty() && std::from_chars(s.data(), s.data() + s.size(), *v).ec == std::errc() &&
         s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

AdminCallResult call_admin_socket(const std::string& socket_path, const std::vector<std::string>& args,
                                  const std::string& cwd, AdminOutput* out, std::string* error, int file_fd,
                                  const std::function<void(const ImportProgress&)>& on_progress) {
  SocketAddress addr;
  if (!addr.init(socket_path, error)) return AdminCallResult::kNoServer;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = "socket: " + errno_text(errno);
    return AdminCallResult::kNoServer;
  }
  int rc;
  do {
    rc = ::connect(fd, addr.get(), addr.size());
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    *error = "cannot connect to " + socket_path + ": " + errno_text(errno);
    ::close(fd);
    return AdminCallResult::kNoServer;
  }
  std::vector<std::string> request;
  request.reserve(args.size() + 2);
  request.emplace_back(kAdminProtocol);
  request.push_back(cwd);
  request.insert(request.end(), args.begin(), args.end());
  std::vector<std::string> response;
  std::string why;
  const std::string frame = encode_frame(request);
  bool okay = file_fd >= 0 ? write_with_fd(fd, frame, file_fd, &why) : write_full(fd, frame, -1, &why);
  // Progress frames (rows import), then the answer.
  while (okay) {
    okay = read_frame(fd, &response, kMaxResponseItems, kMaxResponseBytes, -1, -1, &why);
    if (!okay || response.empty() || response[0] != kAdminProgressFrame) break;
    ImportProgress p;
    if (response.size() != 4 || !parse_u64(response[1], &p.bytes_done) || !parse_u64(response[2], &p.bytes_total) ||
        !parse_u64(response[3], &p.rows_done)) {
      ::close(fd);
      *error = "the server at " + socket_path + " sent a malformed progress report";
      return AdminCallResult::kFailed;
    }
    if (on_progress) on_progress(p);
  }
  ::close(fd);
  if (!okay) {
    *error = "the server at " + socket_path + " did not answer: " + why;
    return AdminCallResult::kFailed;
  }
  int code = 0;
  if (response.size() != 3 ||
      std::from_chars(response[0].data(), response[0].data() + response[0].size(), code).ec != std::errc()) {
    *error = "the server at " + socket_path + " sent a malformed answer";
    return AdminCallResult::kFailed;
  }
  out->exit_code = code;
  out->out = std::move(response[1]);
  out->err = std::move(response[2]);
  return AdminCallResult::kAnswered;
}

}  // namespace claribi::server
