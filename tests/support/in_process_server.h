// InProcessServer: claribi-server's whole request path without sockets —
// server::App (RocksDB in a scratch directory, the indexes, the limiter,
// the pipeline) behind net::HttpSession on a reactor that is never started.
// The calling thread acts as the reactor: requests that finish later
// (durable writes, argon2 on the worker pool) are completed by running the
// reactor's loop on it. Used by the in-process request benchmark and by
// tests of the per-request path (allocation counts), and by the fuzzer of
// request bodies (fuzz/api_bodies_fuzzer.cc).
//
// Setup bootstraps an organization with an administrator, creates an API
// key for them and logs in over HTTP for an access token. Everything must
// be called from the thread that called start().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "net/http_session.h"
#include "net/reactor.h"
#include "server/app.h"

namespace claribi::testing {

struct InProcessOptions {
  // Per minute; raise them for benchmarks (the limiter still runs).
  uint32_t jwt_per_minute = 1000;
  uint32_t api_key_per_minute = 100;
  std::string key_scopes = "dashboards:read,dashboards:write";
};

// One client connection: an HttpSession fed from memory.
class InProcessClient final : public net::SessionOwner {
 public:
  // trusted_proxy: the peer may vouch for HTTPS with X-Forwarded-Proto, as
  // nginx in front of the plain listener does.
  InProcessClient(net::Reactor& reactor, std::string_view peer, bool trusted_proxy);
  // Sends raw request bytes (one request or several pipelined) and returns
  // every byte answered, once no request is pending. Valid until the next
  // send().
  std::string_view send(std::string_view raw);
  void exchange_completed() override {}
  // send() processes everything it is given; a streamed body is never paused here.
  void input_resumed() override {}

 private:
  // Until every request is answered and every body sent in parts is out.
  void drain();

  net::Reactor& reactor_;
  net::HttpSession session_;
};

class InProcessServer {
 public:
  static Result<std::unique_ptr<InProcessServer>> start(const InProcessOptions& options = {});
  ~InProcessServer();
  InProcessServer(const InProcessServer&) = delete;
  InProcessServer& operator=(const InProcessServer&) = delete;

  std::unique_ptr<InProcessClient> connect(std::string_view peer = "127.0.0.1", bool trusted_proxy = true);
  // The QSBR quiescent point of the calling thread (a reactor passes one
  // before each poll): call it between requests in long loops so retired
  // index nodes can be reclaimed.
  void quiescent();

  server::App& app() { return *app_; }
  net::Reactor& reactor() { return *reactor_; }
  const std::string& data_dir() const { return dir_; }
  uint64_t org_id() const { return org_id_; }
  uint64_t admin_id() const { return admin_id_; }
  const std::string& admin_email() const { return email_; }
  const std::string& access_token() const { return access_; }
  const std::string& api_key() const { return key_; }

 private:
  InProcessServer() = default;
  Status setup(const InProcessOptions& options);

  std::string dir_;
  Config config_;
  std::unique_ptr<server::App> app_;
  net::NetShared shared_;
  std::unique_ptr<net::Reactor> reactor_;
  int qsbr_slot_ = -1;
  uint64_t org_id_ = 0;
  uint64_t admin_id_ = 0;
  std::string email_ = "admin@example.com";
  std::string access_;
  std::string key_;
};

// Pieces of a serialized response, for assertions.
int response_status(std::string_view response);
std::string_view response_body(std::string_view response);
// The string value of a top-level JSON field ("access", "name", ...), or "".
std::string json_string_field(std::string_view body, std::string_view name);

}  // namespace claribi::testing
