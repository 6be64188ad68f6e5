// §5/§6 users: /api/users/ list, create, get, patch, put, delete. Everyone in
// the organization may read; administrators create, change, disable and
// delete (the route table enforces the roles and the users:* scopes). Another
// organization's user is 404.
//
// Writes go through IdentityService::transact: the build function re-reads the
// user from the View (queued writes included) and re-checks the rules that
// depend on other records — email uniqueness across every organization and
// "the last active administrator stays" — under the service's write lock, so
// two concurrent requests cannot both pass them. Passwords are hashed on the
// worker pool before the transaction; the hash is never rendered.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/field_rules.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/list_query.h"
#include "api/pipeline.h"
#include "api/render.h"
#include "api/resource_handlers.h"
#include "auth/password.h"
#include "net/reactor.h"
#include "net/worker.h"

namespace claribi::api {

namespace {

using model::fields::users::kMaxNameChars;
constexpr std::string_view kEmailTaken = "A user with that email already exists.";
constexpr std::string_view kLastAdmin = "The organization must keep at least one active administrator.";

std::string not_found_detail(uint64_t id) { return "No user with ID " + std::to_string(id) + " was found."; }

bool visible_to(const model::User* u, const Principal& who) { return u != nullptr && u->org_id == who.org_id; }

bool is_active_admin(const model::User& u) { return u.is_active && u.role == model::Role::kAdministrator; }

void render_user(http::Response& r, int status, const model::User& u) {
  r.status = status;
  r.body.clear();
  JsonWriter w(r.body);
  write_user(w, u);
}

// ---- body fields -------------------------------------------------------------


std::optional<model::Role> read_role(FieldReader& f, bool required) {
  auto e = f.element("role");
  if (!e) {
    if (required) f.error("role", "This field is required.");
    return std::nullopt;
  }
  if (e->is_null()) {
    f.error("role", "This field may not be null.");
    return std::nullopt;
  }
  std::string_view v;
  if (e->get(v)) {
    f.error("role", "Not a valid string.");
    return std::nullopt;
  }
  auto r = model::parse_role(v);
  if (!r) f.error("role", "\"" + std::string(v) + "\" is not a valid choice.");
  return r;
}

// What a request asks to set; absent fields stay as they are.
struct UserEdit {
  std::optional<std::string> email;
  std::optional<std::string> password;  // plain text until hashed
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::optional<model::Role> role;
  std::optional<bool> is_active;
  std::string password_hash;  // set on the worker pool when password is present
};

// Reads the body into *edit; on create and PUT the required fields must be
// there. Renders 400 and returns false on a problem.
bool read_edit(Ctx& c, bool create, bool full, UserEdit* edit) {
  simdjson::dom::object obj;
  if (!parse_json_object(c.req, c.res, thread_json_parser(), &obj)) return false;
  FieldReader f(obj);
  edit->email = f.email("email", create || full);
  if (auto p = f.password("password", create)) edit->password = std::string(*p);
  edit->first_name = f.trimmed("first_name", create || full, kMaxNameChars);
  edit->last_name = f.trimmed("last_name", create || full, kMaxNameChars);
  edit->role = read_role(f, full);
  edit->is_active = f.boolean("is_active", false);
  return f.finish(c.res);
}

// ---- writes --------------------------------------------------------------------

struct WriteState {
  model::User user;
  bool failed = false;
  http::ErrorCode error = http::ErrorCode::kInternalError;
  std::string detail;

  Status fail(http::ErrorCode code, std::string_view d) {
    failed = true;
    error = code;
    detail = std::string(d);
    return Status::InvalidArgument("user write rejected");
  }
};

using UserBuildFn = std::function<Status(const identity::View&, identity::Change&, WriteState&)>;

// Runs build under IdentityService::transact; answers on the reactor once durable.
void transact_user(ApiContext* app, net::Exchange* ex, int status, UserBuildFn build) {
  auto st = std::make_shared<WriteState>();
  app->identity.transact(
      [st, build = std::move(build)](const identity::View& view, identity::Change& ch) {
        return build(view, ch, *st);
      },
      [ex, st, status](Status s) {
        ex->reactor().post([ex, st, status, s] {
          http::Response& r = ex->response();
          if (st->failed) {
            http::render_error(r, st->error, st->detail);
          } else if (!s.ok()) {
            render_write_failed(r, s, "user");
          } else if (status == 204) {
            r.status = 204;
            r.body.clear();
          } else {
            render_user(r, status, st->user);
          }
          ex->finish();
        });
      });
}

// Hashes edit->password on the worker pool (when there is one), then runs
// `then` on the reactor; a hashing failure is answered with 500.
void hash_then(Ctx& c, std::shared_ptr<UserEdit> edit, std::function<void()> then) {
  if (!edit->password) return then();
  net::Exchange* ex = &c.ex;
  auto hashed = std::make_shared<Status>();
  auth::Argon2Params params = c.app.argon2;
  net::run_on_worker(
      ex->reactor(),
      [edit, hashed, params] {
        auto h = auth::hash_password(*edit->password, params);
        if (h.ok()) {
          edit->password_hash = std::move(h.value());
        } else {
          *hashed = h.status();
        }
        edit->password.reset();  // the plain text is not needed any more
      },
      [ex, hashed, then = std::move(then)] {
        if (!hashed->ok()) {
          http::render_error(ex->response(), http::ErrorCode::kInternalError, "The password could not be hashed.");
          ex->finish();
          return;
        }
        then();
      });
}

// 404 before the body is validated (the write re-checks in its build).
bool check_visible(Ctx& c) {
  if (visible_to(c.app.index.user(c.ids[0]), c.who)) return true;
  http::render_error(c.res, http::ErrorCode::kNotFound, not_found_detail(c.ids[0]));
  return false;
}

// PATCH (partial) and PUT (email, first_name, last_name, role required).
void handle_user_edit(Ctx& c, bool full) {
  if (!check_visible(c)) return c.finish();
  auto edit = std::make_shared<UserEdit>();
  if (!read_edit(c, false, full, edit.get())) return c.finish();

  uint64_t id = c.ids[0];
  Principal who = c.who;
  int64_t now = c.now;
  ApiContext* app = &c.app;
  net::Exchange* ex = &c.ex;
  hash_then(c, edit, [app, ex, edit, id, who, now] {
    transact_user(app, ex, 200, [edit, id, who, now](const identity::View& view, identity::Change& ch, WriteState& s) {
      const model::User* cur = view.user(id);
      if (!visible_to(cur, who)) return s.fail(http::ErrorCode::kNotFound, not_found_detail(id));
      model::User u = *cur;
      if (edit->email && *edit->email != cur->email) {
        if (view.email_taken(*edit->email)) return s.fail(http::ErrorCode::kConflict, kEmailTaken);
        u.email = *edit->email;
      }
      if (edit->first_name) u.first_name = *edit->first_name;
      if (edit->last_name) u.last_name = *edit->last_name;
      if (edit->role) u.role = *edit->role;
      if (edit->is_active) u.is_active = *edit->is_active;
      if (!edit->password_hash.empty()) {
        u.password_hash = edit->password_hash;
        ++u.credential_version;  // tokens issued before stop working
      }
      // Demoting or disabling the last active administrator is refused.
      if (is_active_admin(*cur) && !is_active_admin(u) && view.active_admins(cur->org_id) <= 1)
        return s.fail(http::ErrorCode::kConflict, kLastAdmin);
      u.updated_at = now;
      ch.users.push_back(u);
      s.user = std::move(u);
      return Status::Ok();
    });
  });
}

}  // namespace

// GET /api/users/: a page of the organization's users, from memory.
void handle_users_list(Ctx& c) { list_from(c, c.app.lists.users(), c.who.org_id, kEmailOrderings); }

// POST /api/users/
void handle_users_create(Ctx& c) {
  auto edit = std::make_shared<UserEdit>();
  if (!read_edit(c, true, false, edit.get())) return c.finish();
  // A quick answer for the common case; the build re-checks under the lock.
  if (c.app.index.user_id_by_email(*edit->email) != 0) {
    http::render_error(c.res, http::ErrorCode::kConflict, kEmailTaken);
    return c.finish();
  }
  Principal who = c.who;
  int64_t now = c.now;
  ApiContext* app = &c.app;
  net::Exchange* ex = &c.ex;
  hash_then(c, edit, [app, ex, edit, who, now] {
    transact_user(app, ex, 201, [app, edit, who, now](const identity::View& view, identity::Change& ch, WriteState& s) {
      if (view.email_taken(*edit->email)) return s.fail(http::ErrorCode::kConflict, kEmailTaken);
      model::User u;
      u.id = app->identity.next_id(storage::Sequence::kUser);
      u.org_id = who.org_id;
      u.email = *edit->email;
      u.first_name = *edit->first_name;
      u.last_name = *edit->last_name;
      u.role = edit->role.value_or(model::Role::kViewer);
      u.is_active = edit->is_active.value_or(true);
      u.password_hash = edit->password_hash;
      u.credential_version = 1;
      u.created_at = u.updated_at = now;
      u.created_by = who.user_id;
      ch.users.push_back(u);
      s.user = std::move(u);
      return Status::Ok();
    });
  });
}

// GET /api/users/{id}/
void handle_user_get(Ctx& c) {
  const model::User* u = c.app.index.user(c.ids[0]);
  if (!visible_to(u, c.who)) {
    http::render_error(c.res, http::ErrorCode::kNotFound, not_found_detail(c.ids[0]));
    return c.finish();
  }
  render_user(c.res, 200, *u);
  c.finish();
}

// PATCH /api/users/{id}/
void handle_user_patch(Ctx& c) { handle_user_edit(c, false); }

// PUT /api/users/{id}/
void handle_user_put(Ctx& c) { handle_user_edit(c, true); }

// DELETE /api/users/{id}/: the user is removed; their tokens stop at once
// (authentication requires the user to exist), and their API keys are
// revoked and deleted in the same write (they leave the key lists);
// records they created keep created_by.
void handle_user_delete(Ctx& c) {
  if (!check_visible(c)) return c.finish();
  uint64_t id = c.ids[0];
  Principal who = c.who;
  std::vector<uint64_t> keys = c.app.lists.keys_by_owner().ids(id);
  int64_t now = c.now;
  transact_user(&c.app, &c.ex, 204, [id, who, keys, now](const identity::View& view, identity::Change& ch, WriteState& s) {
    const model::User* cur = view.user(id);
    if (!visible_to(cur, who)) return s.fail(http::ErrorCode::kNotFound, not_found_detail(id));
    if (is_active_admin(*cur) && view.active_admins(cur->org_id) <= 1)
      return s.fail(http::ErrorCode::kConflict, kLastAdmin);
    for (uint64_t key_id : keys) {
      const model::ApiKey* k = view.key(key_id);
      if (k == nullptr || k->deleted || k->user_id != id) continue;
      model::ApiKey gone = *k;
      if (gone.revoked_at == 0) gone.revoked_at = now;
      gone.deleted = true;
      gone.updated_at = now;
      ch.keys.push_back(std::move(gone));
    }
    ch.removed_users.push_back(*cur);
    s.user = *cur;
    return Status::Ok();
  });
}

}  // namespace claribi::api
