#include "net/access_log.h"

#include <unistd.h>

#include <charconv>

#include "common/fd_io.h"
#include "common/time_util.h"

namespace claribi::net {

AccessLogWriter::AccessLogWriter(int fd, bool owns_fd) : fd_(fd), owns_fd_(owns_fd), thread_([this] { run(); }) {}

AccessLogWriter::~AccessLogWriter() {
  stop();
  if (owns_fd_) ::close(fd_);
  if (replacement_ >= 0) ::close(replacement_);
}

void AccessLogWriter::reopen(int fd) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (replacement_ >= 0) ::close(replacement_);  // two reopens before a write: the later wins
    replacement_ = fd;
  }
  cv_.notify_one();
}

void AccessLogWriter::submit(std::string& buf) {
  if (buf.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.empty()) {
      pending_.swap(buf);
    } else {
      pending_.append(buf);
    }
  }
  buf.clear();
  cv_.notify_one();
}

void AccessLogWriter::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void AccessLogWriter::run() {
  std::string out;
  for (;;) {
    int retired = -1;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !pending_.empty() || replacement_ >= 0; });
      if (replacement_ >= 0) {
        if (owns_fd_) retired = fd_;
        fd_ = replacement_;
        owns_fd_ = true;
        replacement_ = -1;
      }
      out.swap(pending_);
      if (out.empty() && stopping_) {
        if (retired >= 0) ::close(retired);
        return;
      }
    }
    if (retired >= 0) ::close(retired);  // only this thread writes to it
    (void)write_all(fd_, out);  // on a failure: nowhere to log it; the lines are dropped
    out.clear();
  }
}

void AccessLogBuffer::append(std::string_view method, std::string_view path, int status,
                             size_t bytes, uint64_t micros, std::string_view request_id,
                             std::string_view client) {
  char num[24];
  char ts[kIso8601Len];
  buf_.append(ts, format_iso8601(unix_now(), ts));
  buf_.push_back(' ');
  buf_.append(client.empty() ? std::string_view("-") : client);
  buf_.push_back(' ');
  buf_.append(method);
  buf_.push_back(' ');
  // Paths are printed as received, minus anything that could split the line.
  for (char c : path) buf_.push_back((c == '\n' || c == '\r' || c == ' ') ? '_' : c);
  buf_.push_back(' ');
  buf_.append(num, size_t(std::to_chars(num, num + sizeof num, status).ptr - num));
  buf_.push_back(' ');
  buf_.append(num, size_t(std::to_chars(num, num + sizeof num, bytes).ptr - num));
  buf_.push_back(' ');
  buf_.append(num, size_t(std::to_chars(num, num + sizeof num, micros).ptr - num));
  buf_.append("us ");
  buf_.append(request_id);
  buf_.push_back('\n');
  if (buf_.size() > 32 * 1024) flush();
}

void AccessLogBuffer::flush() {
  if (writer_ != nullptr && !buf_.empty()) writer_->submit(buf_);
}

}  // namespace claribi::net
