// §4 authentication endpoints: login, refresh, logout, password change and
// status. Password hashing and verification run on the worker pool; writes
// go through IdentityService and are answered once durable.
#include <memory>
#include <string>

#include "model/field_rules.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/pipeline.h"
#include "api/render.h"
#include "api/resource_handlers.h"
#include "auth/password.h"
#include "limit/sliding_window_limiter.h"
#include "net/reactor.h"
#include "net/worker.h"

namespace claribi::api {

namespace {

constexpr std::string_view kBadToken = "The token is invalid, expired or revoked.";

void write_tokens(http::Response& r, const std::string& access, const std::string* refresh) {
  JsonWriter w(r.body);
  w.begin_object();
  w.field("access", access);
  if (refresh != nullptr) w.field("refresh", *refresh);
  w.end_object();
}

// Finishes an exchange from the writer thread: posts back to its reactor.
template <typename Fn>
void on_reactor(net::Exchange& ex, Fn&& fn) {
  ex.reactor().post(std::forward<Fn>(fn));
}

}  // namespace

void handle_login(Ctx& c) {
  simdjson::dom::object obj;
  if (!parse_json_object(c.req, c.res, thread_json_parser(), &obj)) return c.finish();
  FieldReader f(obj);
  auto email = f.string("email", true, model::fields::kMaxEmailChars);
  auto password = f.string("password", true, model::fields::kMaxPasswordBytes, true);
  if (!f.finish(c.res)) return c.finish();
  std::string lower = model::normalize_email(*email);
  if (!check_public_limit(c, limit::limiter_key("login-email", lower), c.app.config.rate_limits.login_per_email))
    return c.finish();

  struct State {
    std::string password;
    std::string phc;
    uint64_t user_id = 0;
    bool candidate = false;
    bool verified = false;
  };
  auto st = std::make_shared<State>();
  st->password = std::string(*password);
  uint64_t uid = c.app.index.user_id_by_email(lower);
  const model::User* u = uid != 0 ? c.app.index.user(uid) : nullptr;
  // An unknown email spends the same argon2 time on a dummy hash.
  st->phc = u != nullptr ? u->password_hash : auth::dummy_password_hash(c.app.argon2);
  st->user_id = uid;
  st->candidate = u != nullptr && u->is_active;

  net::Exchange* ex = &c.ex;
  ApiContext* app = &c.app;
  net::run_on_worker(
      ex->reactor(), [st] { st->verified = auth::verify_password(st->password, st->phc); },
      [st, ex, app] {
        const model::User* u = app->index.user(st->user_id);
        if (!st->candidate || !st->verified || u == nullptr || !u->is_active) {
          http::render_error(ex->response(), http::ErrorCode::kInvalidCredentials,
                             "No active account found with the given credentials.");
          ex->finish();
          return;
        }
        int64_t now = unix_now();
        const auto& cfg = app->config.auth;
        std::string access = app->jwt.sign(app->jwt.make_claims(auth::TokenType::kAccess, u->id, u->org_id,
                                                                u->credential_version, now, cfg.access_ttl.count()));
        std::string refresh = app->jwt.sign(app->jwt.make_claims(
            auth::TokenType::kRefresh, u->id, u->org_id, u->credential_version, now, cfg.refresh_ttl.count()));
        write_tokens(ex->response(), access, &refresh);
        ex->finish();
        // last_login_at is bookkeeping, not what the client asked to store:
        // it is written in the background, not waited for.
        uint64_t id = u->id;
        app->identity.transact(
            [id, now](const identity::View& view, identity::Change& ch) {
              const model::User* cur = view.user(id);
              if (cur == nullptr) return Status::Ok();
              model::User updated = *cur;
              updated.last_login_at = now;
              ch.users.push_back(std::move(updated));
              return Status::Ok();
            },
            [](Status) {});
      });
}

// Reads {"refresh": token} and verifies it: a refresh token, signed by us,
// unexpired, not blacklisted. Renders the error and returns false otherwise.
static bool read_refresh_token(Ctx& c, auth::JwtClaims* claims) {
  simdjson::dom::object obj;
  if (!parse_json_object(c.req, c.res, thread_json_parser(), &obj)) return false;
  FieldReader f(obj);
  auto token = f.string("refresh", true, auth::kMaxTokenSize);
  if (!f.finish(c.res)) return false;
  if (c.app.jwt.verify(*token, c.now, auth::TokenType::kRefresh, claims) != auth::JwtCodec::Error::kNone ||
      c.app.index.jti_blacklisted(claims->jti_view())) {
    http::render_error(c.res, http::ErrorCode::kUnauthorized, kBadToken);
    return false;
  }
  return true;
}

void handle_refresh(Ctx& c) {
  auth::JwtClaims claims;
  if (!read_refresh_token(c, &claims)) return c.finish();
  const model::User* u = c.app.index.user(claims.user_id);
  if (u == nullptr || !u->is_active || u->org_id != claims.org_id || u->credential_version != claims.ver) {
    http::render_error(c.res, http::ErrorCode::kUnauthorized, kBadToken);
    return c.finish();
  }
  std::string access = c.app.jwt.sign(c.app.jwt.make_claims(auth::TokenType::kAccess, u->id, u->org_id,
                                                            u->credential_version, c.now,
                                                            c.app.config.auth.access_ttl.count()));
  write_tokens(c.res, access, nullptr);
  c.finish();
}

void handle_logout(Ctx& c) {
  auth::JwtClaims claims;
  if (!read_refresh_token(c, &claims)) return c.finish();
  std::string jti(claims.jti_view());
  int64_t exp = claims.exp;
  net::Exchange* ex = &c.ex;
  c.app.identity.transact(
      [jti, exp](const identity::View&, identity::Change& ch) {
        ch.blacklisted.emplace_back(jti, exp);
        return Status::Ok();
      },
      [ex](Status s) {
        on_reactor(*ex, [ex, s] {
          if (s.ok()) {
            ex->response().status = 204;
          } else {
            render_write_failed(ex->response(), s, "logout");
          }
          ex->finish();
        });
      });
}

void handle_password_change(Ctx& c) {
  simdjson::dom::object obj;
  if (!parse_json_object(c.req, c.res, thread_json_parser(), &obj)) return c.finish();
  FieldReader f(obj);
  auto current = f.string("current_password", true, model::fields::kMaxPasswordBytes, true);
  auto next = f.password("new_password", true);
  if (!f.finish(c.res)) return c.finish();
  const model::User* u = c.app.index.user(c.who.user_id);
  if (u == nullptr) {
    http::render_error(c.res, http::ErrorCode::kUnauthorized, kBadToken);
    return c.finish();
  }
  struct State {
    std::string current, next, phc, new_hash;
    bool verified = false;
    Status hashed;
  };
  auto st = std::make_shared<State>();
  st->current = std::string(*current);
  st->next = std::string(*next);
  st->phc = u->password_hash;
  net::Exchange* ex = &c.ex;
  ApiContext* app = &c.app;
  uint64_t user_id = u->id;
  auth::Argon2Params params = c.app.argon2;
  net::run_on_worker(
      ex->reactor(),
      [st, params] {
        st->verified = auth::verify_password(st->current, st->phc);
        if (st->verified) {
          auto h = auth::hash_password(st->next, params);
          if (h.ok()) st->new_hash = std::move(h.value()); else st->hashed = h.status();
        }
      },
      [st, ex, app, user_id] {
        if (!st->verified) {
          http::FieldErrors fe;
          fe.add("current_password", "The current password is incorrect.");
          http::render_error(ex->response(), http::ErrorCode::kValidationError, "The current password is incorrect.", &fe);
          ex->finish();
          return;
        }
        if (!st->hashed.ok()) {
          http::render_error(ex->response(), http::ErrorCode::kInternalError, "The password could not be hashed.");
          ex->finish();
          return;
        }
        int64_t now = unix_now();
        app->identity.transact(
            [st, user_id, now](const identity::View& view, identity::Change& ch) {
              const model::User* cur = view.user(user_id);
              if (cur == nullptr) return Status::NotFound("user");
              model::User updated = *cur;
              updated.password_hash = st->new_hash;
              // Every token issued before carries the old version: all stop.
              ++updated.credential_version;
              updated.updated_at = now;
              ch.users.push_back(std::move(updated));
              return Status::Ok();
            },
            [ex](Status s) {
              on_reactor(*ex, [ex, s] {
                if (s.ok()) {
                  ex->response().status = 204;
                } else if (s.code() == StatusCode::kNotFound) {
                  http::render_error(ex->response(), http::ErrorCode::kUnauthorized, kBadToken);
                } else {
                  render_write_failed(ex->response(), s, "password");
                }
                ex->finish();
              });
            });
      });
}

void handle_status(Ctx& c) {
  const model::User* u = c.app.index.user(c.who.user_id);
  const model::Organization* o = c.app.index.organization(c.who.org_id);
  if (u == nullptr || o == nullptr) {
    http::render_error(c.res, http::ErrorCode::kUnauthorized, kBadToken);
    return c.finish();
  }
  JsonWriter w(c.res.body);
  w.begin_object();
  w.key("user").begin_object();
  w.field("id", u->id);
  w.field("email", u->email);
  w.field("first_name", u->first_name);
  w.field("last_name", u->last_name);
  w.field("role", model::role_name(u->role));
  w.end_object();
  w.key("organization");
  write_organization_brief(w, *o);
  w.key("auth").begin_object();
  if (c.who.via_key()) {
    w.field("method", "api_key");
    w.field("key_id", c.who.key_id);
    w.key("scopes");
    write_scopes(w, c.who.key_scopes);
  } else {
    w.field("method", "jwt");
  }
  w.end_object();
  w.end_object();
  c.finish();
}

}  // namespace claribi::api
