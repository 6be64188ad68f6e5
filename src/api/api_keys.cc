// §4/§6 API keys: /api/api-keys/ list, create, get, patch, put, delete,
// rotate and revoke. Administrators see and manage every key of their
// organization; editors and viewers only their own. Anything else — another
// organization's key, someone else's key, a deleted key — is 404.
//
// Writes go through IdentityService::transact: the build function re-reads
// the key from the View (the latest state, queued writes included) and
// re-checks it, so concurrent changes to one key are serialized; the answer
// is rendered on the reactor from the record that was written, once durable.
// The list is served from memory (identity::IdentityLists): the organization's
// keys for an administrator, the caller's own for anyone else.
#include <algorithm>
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
#include "auth/api_key.h"
#include "common/time_util.h"
#include "net/reactor.h"
#include "net/worker.h"

namespace claribi::api {

namespace {

using model::fields::api_keys::kMaxGracePeriodSeconds;
using model::fields::api_keys::kMaxNameChars;
constexpr std::string_view kCannotGrant = "You cannot grant scopes you do not have.";

std::string not_found_detail(uint64_t id) { return "No API key with ID " + std::to_string(id) + " was found."; }

bool visible_to(const model::ApiKey& k, const Principal& who) {
  if (k.deleted || k.org_id != who.org_id) return false;
  return who.is_admin() || k.user_id == who.user_id;
}

// Renders the key object; with a secret, adds the one-time "key" member.
void render_key(http::Response& r, int status, const model::ApiKey& k, const std::string& secret) {
  r.status = status;
  r.body.clear();
  JsonWriter w(r.body);
  write_api_key(w, k);
  if (!secret.empty() && !r.body.empty() && r.body.back() == '}') {
    // write_api_key closed the object: reopen it for the full key.
    r.body.pop_back();
    r.body.append(",\"key\":");
    JsonWriter::append_quoted(r.body, secret);
    r.body.push_back('}');
  }
}

void render_not_found(http::Response& r, uint64_t id) {
  http::render_error(r, http::ErrorCode::kNotFound, not_found_detail(id));
}

// Synchronous existence/visibility check against the index, so a missing key
// is 404 before its body is validated (DRF's get_object comes first). The
// write re-checks in its build function.
bool check_visible(Ctx& c) {
  const model::ApiKey* k = c.app.index.key_by_id(c.ids[0]);
  if (k != nullptr && visible_to(*k, c.who)) return true;
  render_not_found(c.res, c.ids[0]);
  return false;
}

// ---- body fields -----------------------------------------------------------

std::string_view python_type_name(simdjson::dom::element_type t) {
  switch (t) {
    case simdjson::dom::element_type::ARRAY: return "list";
    case simdjson::dom::element_type::OBJECT: return "dict";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64: return "int";
    case simdjson::dom::element_type::DOUBLE: return "float";
    case simdjson::dom::element_type::STRING: return "str";
    case simdjson::dom::element_type::BOOL: return "bool";
    case simdjson::dom::element_type::NULL_VALUE: return "NoneType";
  }
  return "object";
}

// name: a string of 1..kMaxNameChars characters, surrounding whitespace trimmed (DRF
// CharField).
std::optional<std::string> read_name(FieldReader& f, bool required) {
  auto e = f.element("name");
  if (!e) {
    if (required) f.error("name", "This field is required.");
    return std::nullopt;
  }
  if (e->is_null()) {
    f.error("name", "This field may not be null.");
    return std::nullopt;
  }
  std::string_view v;
  if (e->get(v)) {
    f.error("name", "Not a valid string.");
    return std::nullopt;
  }
  v = trim_whitespace(v);
  if (v.empty()) {
    f.error("name", "This field may not be blank.");
    return std::nullopt;
  }
  if (utf8_chars(v) > kMaxNameChars) {
    f.error("name", "Ensure this field has no more than " + std::to_string(kMaxNameChars) + " characters.");
    return std::nullopt;
  }
  return std::string(v);
}

// scopes: a list of known scope names; returned normalized (write implies read).
std::optional<uint32_t> read_scopes(FieldReader& f, bool required) {
  auto e = f.element("scopes");
  if (!e) {
    if (required) f.error("scopes", "This field is required.");
    return std::nullopt;
  }
  if (e->is_null()) {
    f.error("scopes", "This field may not be null.");
    return std::nullopt;
  }
  simdjson::dom::array arr;
  if (e->get(arr)) {
    f.error("scopes", "Expected a list of items but got type \"" + std::string(python_type_name(e->type())) + "\".");
    return std::nullopt;
  }
  uint32_t bits = 0;
  bool ok = true;
  for (simdjson::dom::element item : arr) {
    std::string_view name;
    if (item.get(name)) {
      f.error("scopes", "Each scope must be a string.");
      ok = false;
      continue;
    }
    auto bit = model::parse_scope(name);
    if (!bit) {
      f.error("scopes", "\"" + std::string(name) + "\" is not a valid choice.");
      ok = false;
      continue;
    }
    bits |= *bit;
  }
  if (!ok) return std::nullopt;
  return model::normalize_scopes(bits);
}

// expires_at: absent (nullopt), null (0) or an ISO 8601 time in the future.
// Sets *invalid when present but wrong.
std::optional<int64_t> read_expires_at(FieldReader& f, int64_t now, bool* invalid) {
  *invalid = false;
  auto e = f.element("expires_at");
  if (!e) return std::nullopt;
  if (e->is_null()) return int64_t(0);
  std::string_view v;
  std::optional<int64_t> t;
  if (!e->get(v)) t = parse_iso8601(v);
  if (!t) {
    f.error("expires_at", "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm:ss[.uuuuuu]Z.");
    *invalid = true;
    return std::nullopt;
  }
  if (*t <= now) {
    f.error("expires_at", "Ensure this value is in the future.");
    *invalid = true;
    return std::nullopt;
  }
  return t;
}

// ---- writes ------------------------------------------------------------------

// What a write's build function decided, and the record to answer with.
struct WriteState {
  model::ApiKey key;
  std::string secret;  // non-empty: the response carries it as "key" (create, rotate)
  bool failed = false;
  http::ErrorCode error = http::ErrorCode::kInternalError;
  std::string detail;

  Status fail(http::ErrorCode code, std::string d) {
    failed = true;
    error = code;
    detail = std::move(d);
    // Any non-OK status: transact writes nothing and hands it straight to done.
    return Status::InvalidArgument("api key write rejected");
  }
};

using KeyBuildFn = std::function<Status(const identity::View&, identity::Change&, WriteState&)>;

// Runs build under IdentityService::transact and answers on the reactor:
// the build's error, 500 on a storage failure, or `status` with the written key.
void transact_key(Ctx& c, int status, std::shared_ptr<WriteState> st, KeyBuildFn build) {
  net::Exchange* ex = &c.ex;
  c.app.identity.transact(
      [st, build = std::move(build)](const identity::View& view, identity::Change& ch) {
        return build(view, ch, *st);
      },
      [ex, st, status](Status s) {
        ex->reactor().post([ex, st, status, s] {
          http::Response& r = ex->response();
          if (st->failed) {
            http::render_error(r, st->error, st->detail);
          } else if (!s.ok()) {
            render_write_failed(r, s, "API key");
          } else if (status == 204) {
            r.status = 204;
            r.body.clear();
          } else {
            render_key(r, status, st->key, st->secret);
          }
          ex->finish();
        });
      });
}

// Re-reads the key inside a build and re-checks that the caller may see it.
const model::ApiKey* current_key(const identity::View& view, uint64_t id, const Principal& who) {
  const model::ApiKey* k = view.key(id);
  return (k != nullptr && visible_to(*k, who)) ? k : nullptr;
}

// A key's scopes may not exceed what its owner's role allows (§4), even when
// an administrator edits someone else's key.
bool owner_allows(const identity::View& view, const model::ApiKey& k, uint32_t scopes) {
  const model::User* owner = view.user(k.user_id);
  if (owner == nullptr) return true;  // owner gone: the key no longer authenticates anyway
  return (scopes & ~model::scopes_allowed_for_role(owner->role)) == 0;
}

struct KeyEdit {
  std::optional<std::string> name;
  std::optional<uint32_t> scopes;
  std::optional<int64_t> expires_at;  // 0 = clear
};

// PATCH (partial) and PUT (full: name and scopes required, expires_at absent = null).
void handle_key_edit(Ctx& c, bool full) {
  if (!check_visible(c)) return c.finish();
  simdjson::dom::object obj;
  if (!parse_json_object(c.req, c.res, thread_json_parser(), &obj)) return c.finish();
  FieldReader f(obj);
  KeyEdit edit;
  edit.name = read_name(f, full);
  edit.scopes = read_scopes(f, full);
  bool bad_expiry = false;
  edit.expires_at = read_expires_at(f, c.now, &bad_expiry);
  if (full && !edit.expires_at && !bad_expiry) edit.expires_at = 0;
  if (!f.finish(c.res)) return c.finish();

  uint64_t id = c.ids[0];
  Principal who = c.who;
  int64_t now = c.now;
  auto st = std::make_shared<WriteState>();
  transact_key(c, 200, st, [id, who, now, edit](const identity::View& view, identity::Change& ch, WriteState& s) {
    const model::ApiKey* cur = current_key(view, id, who);
    if (cur == nullptr) return s.fail(http::ErrorCode::kNotFound, not_found_detail(id));
    if (edit.scopes) {
      if ((*edit.scopes & ~who.scopes) != 0) return s.fail(http::ErrorCode::kForbidden, std::string(kCannotGrant));
      if (!owner_allows(view, *cur, *edit.scopes))
        return s.fail(http::ErrorCode::kForbidden, "The key's owner's role does not allow these scopes.");
    }
    model::ApiKey k = *cur;
    if (edit.name) k.name = *edit.name;
    if (edit.scopes) k.scopes = *edit.scopes;
    if (edit.expires_at) k.expires_at = *edit.expires_at;
    k.updated_at = now;
    ch.keys.push_back(k);
    s.key = std::move(k);
    return Status::Ok();
  });
}

}  // namespace

// GET /api/api-keys/
void handle_api_keys_list(Ctx& c) {
  // Administrators see every key of the organization, others their own.
  if (c.who.is_admin()) return list_from(c, c.app.lists.keys_by_org(), c.who.org_id, kNameOrderings);
  list_from(c, c.app.lists.keys_by_owner(), c.who.user_id, kNameOrderings);
}

// POST /api/api-keys/
void handle_api_keys_create(Ctx& c) {
  simdjson::dom::object obj;
  if (!parse_json_object(c.req, c.res, thread_json_parser(), &obj)) return c.finish();
  FieldReader f(obj);
  auto name = read_name(f, true);
  auto scopes = read_scopes(f, true);
  bool bad_expiry = false;
  auto expires_at = read_expires_at(f, c.now, &bad_expiry);
  if (!f.finish(c.res)) return c.finish();
  if ((*scopes & ~c.who.scopes) != 0) {
    http::render_error(c.res, http::ErrorCode::kForbidden, kCannotGrant);
    return c.finish();
  }

  auto st = std::make_shared<WriteState>();
  st->secret = auth::generate_api_key();
  model::ApiKey k;
  k.org_id = c.who.org_id;
  k.user_id = c.who.user_id;
  k.name = std::move(*name);
  k.prefix = auth::api_key_display_prefix(st->secret);
  k.hash = auth::hash_api_key(st->secret);
  k.scopes = *scopes;
  k.expires_at = expires_at.value_or(0);
  k.created_at = k.updated_at = c.now;
  ApiContext* app = &c.app;
  transact_key(c, 201, st, [k, app](const identity::View&, identity::Change& ch, WriteState& s) {
    model::ApiKey created = k;
    created.id = app->identity.next_id(storage::Sequence::kApiKey);
    ch.keys.push_back(created);
    s.key = std::move(created);
    return Status::Ok();
  });
}

// GET /api/api-keys/{id}/
void handle_api_key_get(Ctx& c) {
  const model::ApiKey* k = c.app.index.key_by_id(c.ids[0]);
  if (k == nullptr || !visible_to(*k, c.who)) {
    render_not_found(c.res, c.ids[0]);
    return c.finish();
  }
  render_key(c.res, 200, *k, std::string());
  c.finish();
}

// PATCH /api/api-keys/{id}/
void handle_api_key_patch(Ctx& c) { handle_key_edit(c, false); }

// PUT /api/api-keys/{id}/
void handle_api_key_put(Ctx& c) { handle_key_edit(c, true); }

// DELETE /api/api-keys/{id}/: revoked at once and hidden from lists.
void handle_api_key_delete(Ctx& c) {
  if (!check_visible(c)) return c.finish();
  uint64_t id = c.ids[0];
  Principal who = c.who;
  int64_t now = c.now;
  auto st = std::make_shared<WriteState>();
  transact_key(c, 204, st, [id, who, now](const identity::View& view, identity::Change& ch, WriteState& s) {
    const model::ApiKey* cur = current_key(view, id, who);
    if (cur == nullptr) return s.fail(http::ErrorCode::kNotFound, not_found_detail(id));
    model::ApiKey k = *cur;
    if (k.revoked_at == 0) k.revoked_at = now;
    k.deleted = true;
    k.updated_at = now;
    ch.keys.push_back(k);
    s.key = std::move(k);
    return Status::Ok();
  });
}

// POST /api/api-keys/{id}/rotate/ {"grace_period_seconds": 0..kMaxGracePeriodSeconds}
void handle_api_key_rotate(Ctx& c) {
  if (!check_visible(c)) return c.finish();
  simdjson::dom::object obj;
  if (!parse_json_object(c.req, c.res, thread_json_parser(), &obj)) return c.finish();
  FieldReader f(obj);
  int64_t grace = 0;
  if (auto e = f.element("grace_period_seconds"); e && !e->is_null()) {
    auto g = f.integer("grace_period_seconds", false, 0, kMaxGracePeriodSeconds);
    if (g) grace = *g;
  } else if (e) {
    f.error("grace_period_seconds", "This field may not be null.");
  }
  if (!f.finish(c.res)) return c.finish();

  uint64_t id = c.ids[0];
  Principal who = c.who;
  int64_t now = c.now;
  ApiContext* app = &c.app;
  auto st = std::make_shared<WriteState>();
  st->secret = auth::generate_api_key();
  std::string secret = st->secret;
  transact_key(c, 201, st,
               [id, who, now, grace, app, secret](const identity::View& view, identity::Change& ch, WriteState& s) {
                 const model::ApiKey* cur = current_key(view, id, who);
                 if (cur == nullptr) return s.fail(http::ErrorCode::kNotFound, not_found_detail(id));
                 // The new secret carries the old key's scopes: the caller must hold them.
                 if ((model::normalize_scopes(cur->scopes) & ~who.scopes) != 0)
                   return s.fail(http::ErrorCode::kForbidden, std::string(kCannotGrant));
                 if (cur->revoked_at != 0)
                   return s.fail(http::ErrorCode::kConflict, "A revoked API key cannot be rotated.");
                 if (cur->expires_at != 0 && cur->expires_at <= now)
                   return s.fail(http::ErrorCode::kConflict, "An expired API key cannot be rotated.");
                 if (view.user(cur->user_id) == nullptr)
                   return s.fail(http::ErrorCode::kConflict, "The key's owner no longer exists.");

                 model::ApiKey fresh;
                 fresh.id = app->identity.next_id(storage::Sequence::kApiKey);
                 fresh.org_id = cur->org_id;
                 fresh.user_id = cur->user_id;
                 fresh.name = cur->name;
                 fresh.prefix = auth::api_key_display_prefix(secret);
                 fresh.hash = auth::hash_api_key(secret);
                 fresh.scopes = cur->scopes;
                 fresh.expires_at = cur->expires_at;
                 fresh.created_at = fresh.updated_at = now;

                 model::ApiKey old = *cur;
                 int64_t end_of_grace = now + grace;
                 if (old.expires_at == 0 || old.expires_at > end_of_grace) old.expires_at = end_of_grace;
                 old.updated_at = now;

                 ch.keys.push_back(std::move(old));
                 ch.keys.push_back(fresh);
                 s.key = std::move(fresh);
                 return Status::Ok();
               });
}

// POST /api/api-keys/{id}/revoke/: effective at once; revoking again keeps
// the first time.
void handle_api_key_revoke(Ctx& c) {
  if (!check_visible(c)) return c.finish();
  uint64_t id = c.ids[0];
  Principal who = c.who;
  int64_t now = c.now;
  auto st = std::make_shared<WriteState>();
  transact_key(c, 200, st, [id, who, now](const identity::View& view, identity::Change& ch, WriteState& s) {
    const model::ApiKey* cur = current_key(view, id, who);
    if (cur == nullptr) return s.fail(http::ErrorCode::kNotFound, not_found_detail(id));
    model::ApiKey k = *cur;
    if (k.revoked_at == 0) {
      k.revoked_at = now;
      k.updated_at = now;
      ch.keys.push_back(k);
    }
    s.key = std::move(k);  // already revoked: nothing written, answered as is
    return Status::Ok();
  });
}

}  // namespace claribi::api
