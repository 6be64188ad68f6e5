#include "metrics/exporter.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>

#include <cstring>
#include <string_view>

#include "common/fd_io.h"

namespace claribi::metrics {
namespace {

constexpr size_t kMaxHead = 8 << 10;
constexpr int kHeadTimeoutMs = 5000;

// head_only: HEAD, the headers of the answer without its body.
void answer(int fd, std::string_view status, std::string_view type, std::string_view body, bool head_only = false) {
  std::string out = "HTTP/1.1 ";
  out.append(status).append("\r\nContent-Type: ").append(type);
  out.append("\r\nContent-Length: ").append(std::to_string(body.size()));
  out.append("\r\nConnection: close\r\n\r\n");
  if (!head_only) out.append(body);
  (void)write_all(fd, out);
}

}  // namespace

Exporter::~Exporter() { stop(); }

void Exporter::start(int listen_fd) {
  listen_fd_ = listen_fd;
  if (::pipe2(wake_, O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
  thread_ = std::thread([this] { loop(); });
}

void Exporter::stop() {
  if (!thread_.joinable()) return;
  if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
  thread_.join();
  for (int& fd : wake_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

void Exporter::loop() {
  for (;;) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    int n = ::poll(p, wake_[0] >= 0 ? 2 : 1, 1000);
    if (n < 0 && errno != EINTR) return;
    if (wake_[0] >= 0 && (p[1].revents & POLLIN)) return;
    if (n <= 0 || !(p[0].revents & POLLIN)) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    // A scraper that stops reading cannot hold the thread for long.
    timeval send_timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
    serve(fd);
    ::close(fd);
  }
}

void Exporter::serve(int fd) {
  std::string head;
  char buf[2048];
  while (head.find("\r\n\r\n") == std::string::npos) {
    if (head.size() > kMaxHead) return;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kHeadTimeoutMs) <= 0) return;
    ssize_t got = ::recv(fd, buf, sizeof buf, 0);
    if (got <= 0) return;
    head.append(buf, size_t(got));
  }
  const std::string_view line = std::string_view(head).substr(0, head.find("\r\n"));
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return answer(fd, "400 Bad Request", "text/plain", "bad request\n");
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  target = target.substr(0, target.find('?'));
  if (method != "GET" && method != "HEAD") return answer(fd, "405 Method Not Allowed", "text/plain", "GET only\n");
  if (target == "/metrics")
    return answer(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", render_(), method == "HEAD");
  if (target == "/") return answer(fd, "200 OK", "text/plain", "claribi-server metrics: GET /metrics\n");
  answer(fd, "404 Not Found", "text/plain", "not found: GET /metrics\n");
}

}  // namespace claribi::metrics
