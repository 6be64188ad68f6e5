// Pipeline: the fixed list of steps every request goes through, in order
// (nginx's phases): route (404/405, OPTIONS and CORS) → authenticate (JWT or
// API key, verified in line against the in-memory index) → rate limit
// (per credential, or per address for the public auth routes) → permission
// (access rule, role, scope: the route table) → handler. Every error leaves
// through http::render_error.
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
  bool authenticate(Ctx& c);
  bool rate_limit(Ctx& c);
  bool authorize(Ctx& c);

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
