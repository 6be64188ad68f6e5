#include "api/pipeline.h"

#include <charconv>
#include <cstring>
#include <memory>

#include "api/json_body.h"
#include "api/last_used.h"
#include "auth/api_key.h"
#include "common/time_util.h"
#include "http/error.h"
#include "net/reactor.h"

namespace claribi::api {

namespace {

std::string_view bearer_token(std::string_view authorization, bool* malformed) {
  *malformed = false;
  if (authorization.size() < 7 || !http::iequals(authorization.substr(0, 7), "bearer ")) {
    *malformed = true;
    return {};
  }
  std::string_view t = authorization.substr(7);
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  if (t.empty() || t.find(' ') != std::string_view::npos) *malformed = true;
  return t;
}

// §7 headers, appended to the response's extra headers.
// Rendered on the stack, appended once: they are on every response.
void add_limit_headers(http::Response& r, const limit::LimitDecision& d) {
  char buf[320];  // literals ~150 bytes + 7 numbers of at most 20 digits
  char* p = buf;
  auto text = [&p](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  auto number = [&p](uint64_t v) { p = std::to_chars(p, p + 20, v).ptr; };
  text("X-RateLimit-Limit: ");
  number(d.limit);
  text("\r\nX-RateLimit-Remaining: ");
  number(d.remaining);
  text("\r\nX-RateLimit-Reset: ");
  number(d.reset_seconds);
  text("\r\nRateLimit-Policy: \"default\";q=");
  number(d.limit);
  text(";w=60\r\nRateLimit: \"default\";r=");
  number(d.remaining);
  text(";t=");
  number(d.reset_seconds);
  text("\r\n");
  if (!d.admitted) {
    text("Retry-After: ");
    number(d.retry_after_seconds);
    text("\r\n");
  }
  r.extra_headers.append(buf, size_t(p - buf));
}

int64_t monotonic_ms() { return int64_t(monotonic_ns() / 1000000); }

}  // namespace

simdjson::dom::parser& thread_json_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

Pipeline::Pipeline(ApiContext& app) : app_(app) {
  auto rs = routes();
  for (size_t i = 0; i < rs.size(); ++i) {
    router_.add(rs[i].method, rs[i].pattern, int(i));
    std::string_view method = http::method_name(rs[i].method);
    // Plan overrides need the caller's plan; the route and default parts are
    // resolved here, the plan part per request when plans are configured.
    jwt_limits_.push_back(app_.config.jwt_limit_for("", rs[i].pattern, method));
    key_limits_.push_back(app_.config.api_key_limit_for("", rs[i].pattern, method));
  }
}

http::Http1Parser::BodyPolicy Pipeline::body_policy(const http::Request& head) const {
  // Called for every head: only a POST can be a streamed upload, so the
  // other methods skip the route match.
  if (head.method != http::Method::kPost) return {size_t(app_.config.http.max_body_bytes), false};
  http::Router::Match m = router_.match(head.method, head.path);
  if (m.outcome == http::Router::Outcome::kFound &&
      routes()[size_t(m.route_index)].body == BodyKind::kStreamedUpload) {
    return {size_t(app_.config.http.max_upload_bytes), true};
  }
  return {size_t(app_.config.http.max_body_bytes), false};
}

void Pipeline::handle(net::Exchange& ex) {
  const http::Request& req = ex.request();
  http::Response& res = ex.response();
  std::string_view origin = req.header("origin");

  http::Router::Match m = router_.match(req.method, req.path);
  if (m.outcome == http::Router::Outcome::kNotFound) {
    ex.set_cors(app_.cors.actual_headers(origin));
    http::render_error(res, http::ErrorCode::kNotFound, "No API endpoint at this path.");
    ex.finish();
    return;
  }
  if (req.method == http::Method::kOptions) {
    if (http::CorsPolicy::is_preflight(req)) {
      ex.set_cors(app_.cors.preflight_headers(origin));
    }
    res.status = 204;
    res.add_header("Allow", m.allow);
    ex.finish();
    return;
  }
  ex.set_cors(app_.cors.actual_headers(origin));
  if (m.outcome == http::Router::Outcome::kMethodNotAllowed) {
    res.add_header("Allow", m.allow);
    std::string detail = "Method \"" + std::string(req.method_text) + "\" not allowed.";
    http::render_error(res, http::ErrorCode::kMethodNotAllowed, detail);
    ex.finish();
    return;
  }

  const Route& route = routes()[size_t(m.route_index)];
  ex.set_metric_slot(size_t(m.route_index));
  Ctx c{app_, ex, req, res, route, Principal{}, {m.ids[0], m.ids[1]}, unix_now()};
  if (route.access != Access::kPublic) {
    if (!authenticate(c)) {
      ex.finish();
      return;
    }
    if (app_.shared_limiter != nullptr) {
      shared_rate_limit(c);  // goes on to after_limit now or when Redis answers
      return;
    }
    if (!rate_limit(c)) {
      ex.finish();
      return;
    }
    after_limit(c);
    return;
  }
  if (route.limit == LimitKind::kAddress || route.limit == LimitKind::kLogin) {
    uint32_t limit = route.limit == LimitKind::kLogin ? app_.config.rate_limits.login_per_address
                                                      : app_.config.rate_limits.refresh_per_address;
    std::string_view kind = route.limit == LimitKind::kLogin ? "login-ip" : "refresh-ip";
    if (!check_public_limit(c, limit::limiter_key(kind, req.client_address), limit)) {
      ex.finish();
      return;
    }
  }
  if (route.body == BodyKind::kBuffered && !check_body_media_type(req, res)) {
    ex.finish();
    return;
  }
  route.handler(c);
}

bool check_public_limit(Ctx& c, uint64_t key, uint32_t limit) {
  limit::LimitDecision d = c.app.limiter.check(key, limit, monotonic_ms());
  if (d.admitted) return true;
  c.ex.reactor().metrics().rate_limited[size_t(metrics::LimitedBy::kAddress)].add();
  add_limit_headers(c.res, d);
  http::render_error(c.res, http::ErrorCode::kRateLimited,
                     "Request was throttled. Expected available in " + std::to_string(d.retry_after_seconds) +
                         " seconds.");
  return false;
}

bool Pipeline::authenticate(Ctx& c) {
  const http::Request& req = c.req;
  const http::Header* key_header = req.find_header("x-api-key");
  const http::Header* auth_header = req.find_header("authorization");
  bool has_key = key_header != nullptr;
  bool has_auth = auth_header != nullptr;
  std::string_view api_key = has_key ? key_header->value : std::string_view();
  std::string_view authorization = has_auth ? auth_header->value : std::string_view();
  if ((has_key && req.header_count_of("x-api-key") > 1) || (has_auth && req.header_count_of("authorization") > 1)) {
    http::FieldErrors fe;
    fe.add("non_field_errors", "Send one credential: a single Authorization or X-API-Key header.");
    http::render_error(c.res, http::ErrorCode::kValidationError, "The same credential header was sent twice.", &fe);
    return false;
  }
  if (has_key && has_auth) {
    http::FieldErrors fe;
    fe.add("non_field_errors", "Send either Authorization or X-API-Key, not both.");
    http::render_error(c.res, http::ErrorCode::kValidationError, "Two credentials were sent.", &fe);
    return false;
  }
  constexpr std::string_view kInvalid = "The credentials are missing, malformed, expired or revoked.";
  if (has_key) {
    // A typo fails the checksum before any lookup.
    model::KeyHash hash;
    if (!auth::hash_presented_api_key(api_key, &hash)) {
      http::render_error(c.res, http::ErrorCode::kUnauthorized, kInvalid);
      return false;
    }
    const model::ApiKey* k = c.app.index.key_by_hash(hash);
    if (k == nullptr || k->revoked_at != 0 || k->deleted || (k->expires_at != 0 && k->expires_at <= c.now)) {
      http::render_error(c.res, http::ErrorCode::kUnauthorized, kInvalid);
      return false;
    }
    const model::User* u = c.app.index.user(k->user_id);
    if (u == nullptr || !u->is_active || u->org_id != k->org_id) {
      http::render_error(c.res, http::ErrorCode::kUnauthorized, kInvalid);
      return false;
    }
    c.who.method = Principal::Method::kApiKey;
    c.who.user_id = u->id;
    c.who.org_id = u->org_id;
    c.who.role = u->role;
    c.who.key_id = k->id;
    c.who.key_scopes = k->scopes;
    c.who.scopes = model::normalize_scopes(k->scopes) & model::scopes_allowed_for_role(u->role);
    c.app.last_used.record(net::Reactor::current() ? net::Reactor::current()->index() : 0, k->id, c.now);
    return true;
  }
  if (!has_auth) {
    http::render_error(c.res, http::ErrorCode::kUnauthorized, "Authentication credentials were not provided.");
    return false;
  }
  bool malformed = false;
  std::string_view token = bearer_token(authorization, &malformed);
  auth::JwtClaims claims;
  if (malformed ||
      c.app.jwt.verify(token, c.now, auth::TokenType::kAccess, &claims) != auth::JwtCodec::Error::kNone) {
    http::render_error(c.res, http::ErrorCode::kUnauthorized, kInvalid);
    return false;
  }
  const model::User* u = c.app.index.user(claims.user_id);
  if (u == nullptr || !u->is_active || u->org_id != claims.org_id || u->credential_version != claims.ver) {
    http::render_error(c.res, http::ErrorCode::kUnauthorized, kInvalid);
    return false;
  }
  c.who.method = Principal::Method::kJwt;
  c.who.user_id = u->id;
  c.who.org_id = u->org_id;
  c.who.role = u->role;
  c.who.scopes = model::scopes_allowed_for_role(u->role);
  return true;
}

uint32_t Pipeline::credential_limit(const Ctx& c, char (*bucket)[32]) const {
  size_t ri = size_t(&c.route - routes().data());
  bool plans = !app_.config.rate_limits.plans.empty();
  std::string_view plan;
  if (plans) {
    if (const model::Organization* o = app_.index.organization(c.who.org_id)) plan = o->plan;
  }
  if (bucket != nullptr) {
    std::string_view kind = c.who.via_key() ? "key:" : "user:";
    std::memcpy(*bucket, kind.data(), kind.size());
    *std::to_chars(*bucket + kind.size(), *bucket + sizeof *bucket - 1, c.who.via_key() ? c.who.key_id : c.who.user_id)
         .ptr = '\0';
  }
  if (c.who.via_key()) {
    return plans ? app_.config.api_key_limit_for(plan, c.route.pattern, http::method_name(c.route.method))
                 : key_limits_[ri];
  }
  return plans ? app_.config.jwt_limit_for(plan, c.route.pattern, http::method_name(c.route.method))
               : jwt_limits_[ri];
}

bool Pipeline::rate_limit(Ctx& c) {
  uint32_t limit = credential_limit(c, nullptr);
  uint64_t key = c.who.via_key() ? limit::limiter_key("key", c.who.key_id) : limit::limiter_key("user", c.who.user_id);
  limit::LimitOutcome o;
  o.decision = app_.limiter.check(key, limit, monotonic_ms());
  return admit(c, o);
}

bool Pipeline::admit(Ctx& c, const limit::LimitOutcome& o) {
  metrics::ReactorMetrics& m = c.ex.reactor().metrics();
  if (app_.shared_limiter != nullptr) m.shared_limit_checks[size_t(o.decider)].add();
  if (o.verdict == limit::LimitVerdict::kUnavailable) {
    c.res.add_header("Retry-After", "1");
    http::render_error(c.res, http::ErrorCode::kServiceUnavailable,
                       "Rate limits cannot be checked right now (the shared limit store does not answer); "
                       "try again shortly.");
    return false;
  }
  const limit::LimitDecision& d = o.decision;
  add_limit_headers(c.res, d);
  if (d.admitted) return true;
  m.rate_limited[size_t(c.who.via_key() ? metrics::LimitedBy::kApiKey : metrics::LimitedBy::kJwt)].add();
  http::render_error(c.res, http::ErrorCode::kRateLimited,
                     "Request was throttled. Expected available in " + std::to_string(d.retry_after_seconds) +
                         " seconds.");
  return false;
}

// A request whose credential check went to Redis: what the later steps need
// (the request itself stays valid: the exchange holds the input), until the
// answer — or the client leaving first.
class Pipeline::SharedLimitWait final : public limit::LimitWaiter, public net::ExchangeWatcher {
 public:
  SharedLimitWait(Pipeline& pipeline, const Ctx& c)
      : pipeline_(pipeline), ex_(c.ex), req_(c.req), route_(c.route), who_(c.who), ids_{c.ids[0], c.ids[1]},
        now_(c.now) {}

  void on_limit(const limit::LimitOutcome& outcome) override {
    ex_.watch(nullptr);
    if (gone_) {
      // The client left (or sent EOF, taken as giving up): nothing is done
      // for it, and the request is not read again (it may have gone with
      // the connection's buffer). The answer goes out only if the connection
      // is still there.
      http::render_error(ex_.response(), http::ErrorCode::kBadRequest,
                         "The client went away before its rate limit was checked.");
      ex_.finish();
      delete this;
      return;
    }
    Ctx c{pipeline_.app_, ex_, req_, ex_.response(), route_, who_, {ids_[0], ids_[1]}, now_};
    if (!pipeline_.admit(c, outcome)) {
      ex_.finish();
      delete this;
      return;
    }
    bool finished = false;
    ex_.set_finish_flag(&finished);
    pipeline_.after_limit(c);
    if (!finished) {
      // Gone on asynchronously (it copied what it needs) or reading its
      // streamed body: the connection parses again.
      ex_.set_finish_flag(nullptr);
      ex_.release_input();
    }
    delete this;
  }

  void on_client_gone() override { gone_ = true; }

 private:
  Pipeline& pipeline_;
  net::Exchange& ex_;
  const http::Request& req_;
  const Route& route_;
  Principal who_;
  uint64_t ids_[2];
  int64_t now_;
  bool gone_ = false;
};

void Pipeline::shared_rate_limit(Ctx& c) {
  char bucket[32];
  uint32_t limit = credential_limit(c, &bucket);
  struct Making {
    Pipeline* pipeline;
    Ctx* c;
    SharedLimitWait* made = nullptr;
  } making{this, &c};
  const limit::RedisLimiter::WaiterMaker maker{[](void* arg) -> limit::LimitWaiter* {
                                                 auto* m = static_cast<Making*>(arg);
                                                 m->made = new SharedLimitWait(*m->pipeline, *m->c);
                                                 return m->made;
                                               },
                                               &making};
  limit::LimitOutcome now;
  if (app_.shared_limiter->check(c.ex.reactor().index(), bucket, limit, maker, &now)) {
    if (admit(c, now)) {
      after_limit(c);
    } else {
      c.ex.finish();
    }
    return;
  }
  c.ex.hold_input();
  c.ex.watch(making.made);  // it deletes itself when answered
}

void Pipeline::after_limit(Ctx& c) {
  if (!authorize(c)) {
    c.ex.finish();
    return;
  }
  if (c.route.body == BodyKind::kBuffered && !check_body_media_type(c.req, c.res)) {
    c.ex.finish();
    return;
  }
  c.route.handler(c);
}

bool Pipeline::authorize(Ctx& c) {
  const Route& r = c.route;
  if (r.access == Access::kJwtOnly && c.who.via_key()) {
    http::render_error(c.res, http::ErrorCode::kForbidden, "This endpoint requires a JWT; API keys cannot use it.");
    return false;
  }
  if (r.access == Access::kJwtOrOrgWrite && c.who.via_key() &&
      (c.who.scopes & model::kScopeOrganizationWrite) == 0) {
    http::render_error(c.res, http::ErrorCode::kInsufficientScope,
                       "Managing API keys with an API key requires the organization:write scope.");
    return false;
  }
  if (c.who.role < r.min_role) {
    http::render_error(c.res, http::ErrorCode::kForbidden, "Your role does not allow this action.");
    return false;
  }
  if (r.scope != 0 && c.who.via_key() && (c.who.scopes & r.scope) != r.scope) {
    http::render_error(c.res, http::ErrorCode::kInsufficientScope,
                       "The API key lacks the required scope.");
    return false;
  }
  return true;
}

}  // namespace claribi::api
