// Pipeline: the fixed list of steps every request goes through, in order
// (nginx's phases): route (404/405, OPTIONS and CORS) → authenticate (JWT or
// API key, verified in line against the in-memory index) → rate limit
// (per credential, or per address for the public auth routes) → permission
// (access rule, role, scope: the route table) → handler. Every error leaves
// through http::render_error.
//
// With rate_limits.backend = "redis" a credential's check is a Redis command:
// the exchange holds the connection's input (Exchange::hold_input, so the
// request stays valid and nothing behind it is parsed) and the steps after
// the limit run when Redis answers, or its fallback decides.
#pragma once

#include <simdjson.h>

#include "api/api_context.h"
#include "api/route_table.h"
#include "http/router.h"
#include "net/exchange.h"

namespace claribi::api {

class Pipeline : public net::RequestHandler {
 public:
  explicit Pipeline(ApiContext& app);
  http::Http1Parser::BodyPolicy body_policy(const http::Request& head) const override;
  void handle(net::Exchange& ex) override;

 private:
  class SharedLimitWait;

  bool authenticate(Ctx& c);
  // The credential's limit, and its bucket in Redis ("key:12", "user:3")
  // into *bucket when asked.
  uint32_t credential_limit(const Ctx& c, char (*bucket)[32]) const;
  bool rate_limit(Ctx& c);
  void shared_rate_limit(Ctx& c);
  // §7 headers, and 429 (or 503 when nobody could decide); false when refused.
  bool admit(Ctx& c, const limit::LimitOutcome& outcome);
  bool authorize(Ctx& c);
  // Permission, media type, handler.
  void after_limit(Ctx& c);

  ApiContext& app_;
  http::Router router_;
  std::vector<uint32_t> jwt_limits_;  // per route index, resolved at start
  std::vector<uint32_t> key_limits_;
};

// Checks a per-address (or per-email) limit for the public auth routes;
// renders 429 and returns false when over it.
bool check_public_limit(Ctx& c, uint64_t key, uint32_t limit);

// A simdjson parser for the calling reactor thread (reused; never shared).
simdjson::dom::parser& thread_json_parser();

}  // namespace claribi::api
