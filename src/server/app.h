// App: the request-serving core of the process without any socket —
// storage (RocksDB and its group-commit writer), the identity index and
// service, the resource collections, the limiter, the last-used recorder
// and the api pipeline on top of them. Server adds TLS, listeners,
// reactors and the admin socket around one; the in-process request
// benchmark builds one on a scratch directory and drives it through
// net::HttpSession, so it measures the code the server runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "config/config.h"

namespace claribi {
namespace storage {
class Database;
class GroupCommitWriter;
}  // namespace storage
namespace index {
class Qsbr;
}  // namespace index
namespace identity {
class IdentityService;
}  // namespace identity
namespace limit {
class RedisLimiter;
}  // namespace limit
namespace api {
class Pipeline;
struct ApiContext;
struct ServingState;
}  // namespace api
}  // namespace claribi

namespace claribi::metrics {
class Registry;
}

namespace claribi::server {

class App {
 public:
  // Opens (or creates) the database under config.data_dir + "/db", loads
  // identities and resources into memory and builds the pipeline. `readers`
  // is the number of reactor threads that will call the pipeline (index
  // reader slots and last-used tables); config must outlive the App.
  static Result<std::unique_ptr<App>> open(const Config& config, const std::string& jwt_secret, unsigned readers);
  // Stops the writer (every acknowledged write is already durable) and
  // closes storage cleanly. Nothing may call the pipeline any more.
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  api::Pipeline& pipeline();
  api::ApiContext& context();
  // rate_limits.backend = "redis": the reactors attach their connections to
  // it (null with the local backend).
  limit::RedisLimiter* shared_limiter();
  // Ready once the server finished starting, draining once it began to
  // stop (GET /api/health/ answers 503 outside the two).
  api::ServingState& serving();
  identity::IdentityService& identity();
  index::Qsbr& qsbr();
  storage::Database& db();
  // Called on reactor `slot`'s thread once a second.
  void tick(int slot, int64_t unix_now);
  // Starts the report scheduler's thread (the server does; tests may not),
  // after handing the deliveries still owed from the last run of the
  // server to the mailer; returns how many there were.
  size_t start_scheduler();
  // Writes the last-used times every reactor still holds (after they stopped).
  void flush_last_used(unsigned readers, int64_t unix_now);
  // Adds the collectors of what the App owns to the metrics registry: group
  // commit, RocksDB, the query pool, the scheduler, serving state. The
  // registry may render them on any thread while the App lives.
  void add_metrics(metrics::Registry& registry);

 private:
  App();
  struct Parts;
  std::unique_ptr<Parts> p_;
};

}  // namespace claribi::server
