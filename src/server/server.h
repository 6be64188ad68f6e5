// Server: builds the whole process from a Config — storage, identity,
// limiter, TLS, the api pipeline and the reactors — and takes it down again
// in order on SIGTERM/SIGINT: stop accepting, finish in-flight requests
// (up to shutdown_timeout), flush, close storage cleanly. SIGHUP reloads
// the certificate and reopens the access log without dropping connections.
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
  // Blocks until SIGTERM or SIGINT (which, with SIGHUP, must be blocked in
  // every thread; main does that before start()). Each SIGHUP meanwhile
  // runs reload().
  void wait_for_signal();
  // Re-reads the certificate and key (new connections get them; open ones
  // keep theirs; a bad new pair leaves the current one) and reopens the
  // access-log file (logrotate). What happened goes to stderr.
  void reload();
  // Graceful stop; returns once storage is closed.
  void shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace claribi::server
