// Exporter: the metrics listener (`metrics_listen`, default 127.0.0.1:9464,
// Prometheus's exporter range), kept apart from the public port so figures
// about the server are never served to API clients. One thread of its own,
// blocking sockets, one request per connection (Connection: close): a scrape
// every few seconds needs nothing more, and nothing here touches a reactor.
//   GET /metrics  200, text/plain; version=0.0.4 (Registry::render)
//   GET /         200, a line pointing at /metrics
//   other paths   404; other methods 405; a head not in within 5 s or
//                 larger than 8 KiB: the connection is closed.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "common/status.h"

namespace claribi::metrics {

class Exporter {
 public:
  using RenderFn = std::function<std::string()>;
  explicit Exporter(RenderFn render) : render_(std::move(render)) {}
  ~Exporter();  // stop()
  Exporter(const Exporter&) = delete;
  Exporter& operator=(const Exporter&) = delete;

  // Binds `listen_fd` (an open listening socket) and starts the thread.
  void start(int listen_fd);
  void stop();

 private:
  void loop();
  void serve(int fd);

  RenderFn render_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  // stop() writes to wake_[1]
  std::thread thread_;
};

}  // namespace claribi::metrics
