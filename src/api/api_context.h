// ApiContext: the services a handler may use, built once by the server and
// shared (read-mostly) by every reactor. Handlers reach storage only through
// identity::IdentityService, resources::Resources and the stores, never
// RocksDB.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "analytics/query_service.h"
#include "auth/jwt.h"
#include "auth/password.h"
#include "config/config.h"
#include "http/cors.h"
#include "identity/identity_index.h"
#include "identity/identity_lists.h"
#include "identity/identity_service.h"
#include "limit/redis_limiter.h"
#include "limit/sliding_window_limiter.h"
#include "resources/resources.h"
#include "rows/row_service.h"
#include "scheduler/report_runner.h"

namespace claribi::api {

class LastUsedRecorder;

// Whether the server is serving: not before start-up finished, not once a
// shutdown began. Set by the server, read by GET /api/health/.
struct ServingState {
  std::atomic<bool> ready{false};
  std::atomic<bool> draining{false};
};

struct ApiContext {
  const Config& config;
  ServingState& serving;
  // Null, or "" when storage takes writes, else why not (GET /api/health/).
  std::function<std::string()> storage_problem;
  auth::JwtCodec jwt;
  identity::IdentityIndex& index;
  identity::IdentityService& identity;
  const identity::IdentityLists& lists;
  resources::Resources& resources;
  rows::RowService& rows;
  analytics::QueryService& queries;
  scheduler::ReportRunner& runner;
  limit::SlidingWindowLimiter& limiter;
  LastUsedRecorder& last_used;
  auth::Argon2Params argon2;
  http::CorsPolicy cors;
  // rate_limits.backend = "redis": credential limits are checked there
  // (null: by `limiter`, this node's own).
  limit::RedisLimiter* shared_limiter = nullptr;
};

}  // namespace claribi::api
