// Server: builds the whole process from a Config — storage, identity,
// limiter, TLS, the api pipeline and the reactors — and takes it down again
// in order on SIGTERM/SIGINT: stop accepting, finish in-flight requests
// (up to shutdown_timeout), flush, close storage cleanly.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/config.h"

namespace claribi::server {

class Server {
 public:
  explicit Server(Config config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens everything and starts the reactors; prints where it listens.
  Status start();
  // Blocks until SIGTERM or SIGINT (which must be blocked in every thread;
  // main does that before start()).
  void wait_for_signal();
  // Graceful stop; returns once storage is closed.
  void shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace claribi::server
