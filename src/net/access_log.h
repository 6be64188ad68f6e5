// Access log: one line per request (method, path, status, bytes,
// microseconds, request id), written without blocking the reactor. Each
// reactor appends to its own buffer and hands full buffers (or every 200 ms)
// to one writer thread that does the write(2) calls.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace claribi::net {

enum class AccessLogMode { kOff, kSampled, kAll };

class AccessLogWriter {
 public:
  // fd: where lines go (stdout by default); closed by the writer if owns_fd.
  explicit AccessLogWriter(int fd, bool owns_fd = false);
  ~AccessLogWriter();
  // Takes the contents of buf (leaving it empty, capacity kept when possible).
  void submit(std::string& buf);
  // Lines from now on go to `fd` (owned by the writer from here); the
  // previous descriptor is closed, if owned, once no write uses it. For
  // log rotation: SIGHUP after the file was moved away.
  void reopen(int fd);
  void stop();  // writes what is pending, then joins

 private:
  void run();
  int fd_;
  bool owns_fd_;
  int replacement_ = -1;  // guarded by mu_
  std::mutex mu_;
  std::condition_variable cv_;
  std::string pending_;
  bool stopping_ = false;
  std::thread thread_;
};

// Per-reactor side: formats lines into a local buffer.
class AccessLogBuffer {
 public:
  AccessLogBuffer(AccessLogWriter* writer, AccessLogMode mode, uint32_t sample_every)
      : writer_(writer), mode_(writer ? mode : AccessLogMode::kOff), sample_every_(sample_every ? sample_every : 1) {}
  AccessLogMode mode() const { return mode_; }
  // Whether the next request is to be logged (counts requests for sampling).
  bool should_log() {
    if (mode_ == AccessLogMode::kOff) return false;
    if (mode_ == AccessLogMode::kAll) return true;
    return (counter_++ % sample_every_) == 0;
  }
  void append(std::string_view method, std::string_view path, int status, size_t bytes,
              uint64_t micros, std::string_view request_id, std::string_view client);
  void flush();  // hand the buffer to the writer

 private:
  AccessLogWriter* writer_;
  AccessLogMode mode_;
  uint32_t sample_every_;
  uint64_t counter_ = 0;
  std::string buf_;
};

}  // namespace claribi::net
