// Components of the OpenAPI document: the §3 error body, tokens, the caller's
// status, users, API keys and the organization (API.md §3, §4, §6), as
// render.cc, auth_handlers.cc, users.cc, api_keys.cc and organization.cc
// write and read them.
#include <string>

#include "model/field_rules.h"
#include "api/openapi_components.h"
#include "auth/api_key.h"
#include "auth/jwt.h"
#include "http/error.h"
#include "model/records.h"

namespace claribi::api::openapi {

namespace {

using S = Schema;

std::string n(int64_t v) { return std::to_string(v); }

std::vector<std::string> role_names() {
  return enum_names<model::Role>(0, static_cast<int>(model::Role::kAdministrator), model::role_name);
}

std::vector<std::string> scope_names() {
  std::vector<std::string> out;
  for (int i = 0; i < model::kScopeCount; ++i) out.emplace_back(model::scope_name(i));
  return out;
}

std::vector<std::string> error_names() {
  return enum_names<http::ErrorCode>(0, static_cast<int>(http::kLastErrorCode), http::error_name);
}

S email() {
  return S::string().format("email").max_length(int64_t(model::fields::kMaxEmailChars)).describe(
      "Trimmed and lower-cased; compared case-insensitively.");
}

S password() {
  return S::string().min_length(int64_t(model::fields::kMinPasswordLength)).write_only().describe(
      "At least " + n(int64_t(model::fields::kMinPasswordLength)) + " characters, at most " +
      n(int64_t(model::fields::kMaxPasswordBytes)) + " bytes. Stored only as an argon2id hash.");
}

S person_name() {
  return S::string().min_length(1).max_length(int64_t(model::fields::users::kMaxNameChars)).describe(
      "Trimmed; not blank.");
}

// The fields a user write reads (users.cc read_edit), with the given ones required.
S user_input(bool email_required, bool password_required, bool names_required, bool role_required) {
  return S::object()
      .prop("email", email(), email_required)
      .prop("password", password(), password_required)
      .prop("first_name", person_name(), names_required)
      .prop("last_name", person_name(), names_required)
      .prop("role", S::ref("Role"), role_required)
      .prop("is_active", S::boolean().describe("false disables the user: their tokens and keys stop at once."));
}

S key_name() {
  return S::string().min_length(1).max_length(int64_t(model::fields::api_keys::kMaxNameChars)).describe(
      "Trimmed; not blank.");
}

S key_scopes() {
  return S::array(S::ref("Scope")).describe(
      "Stored normalized: a `write` scope adds its `read` scope. Never more than the caller holds, nor than the "
      "key owner's role allows (403 forbidden).");
}

S key_expiry() {
  return S::timestamp().nullable().describe("In the future; null: the key does not expire.");
}

void add(std::vector<Component>* out, std::string name, Schema s) { out->push_back({std::move(name), std::move(s)}); }

}  // namespace

void add_identity_components(std::vector<Component>* out) {
  add(out, "ErrorCode",
      S::string().enumerate(error_names()).describe("A stable snake_case code (§3); the HTTP status follows from it."));
  add(out, "Error",
      S::object()
          .describe("The §3 error body: every error, from every layer (router, parser, authentication, rate "
                    "limiter, handler), has this shape.")
          .prop("error", S::ref("ErrorCode"), kRequired)
          .prop("message", S::string().describe("A generic sentence for the code."), kRequired)
          .prop("detail",
                S::string().describe("Specific to this request. For `invalid_json`, the 0-based byte offset of the "
                                     "offending token."),
                kRequired)
          .prop("fields",
                S::object()
                    .additional(S::array(S::string()).min_items(1))
                    .describe("`validation_error` only: the messages of each bad field, named by path (`name`, "
                              "`widgets[1].position.w`, `query.metrics[0].op`, `recipients[2]`); "
                              "`non_field_errors` for the request as a whole.")));

  add(out, "Role", S::string().enumerate(role_names()).describe("§5: administrator > editor > viewer."));
  add(out, "Scope",
      S::string().enumerate(scope_names()).describe("An API-key scope (§4); `write` implies `read`."));

  add(out, "LoginRequest",
      S::object()
          .prop("email", S::string().max_length(int64_t(model::fields::kMaxEmailChars)), kRequired)
          .prop("password", S::string().write_only(), kRequired));
  add(out, "TokenPair",
      S::object()
          .prop("access", S::string().describe("Access token (JWS compact, HS256); send as `Authorization: Bearer`."),
                kRequired)
          .prop("refresh", S::string().describe("Refresh token, for POST /api/auth/token/refresh/."), kRequired));
  add(out, "RefreshRequest",
      S::object().prop("refresh", S::string().max_length(int64_t(auth::kMaxTokenSize)), kRequired));
  add(out, "AccessToken", S::object().prop("access", S::string().describe("A new access token."), kRequired));
  add(out, "PasswordChange",
      S::object()
          .prop("current_password", S::string().write_only(), kRequired)
          .prop("new_password", password(), kRequired));
  add(out, "AuthStatus",
      S::object()
          .prop("user",
                S::object()
                    .prop("id", S::id(), kRequired)
                    .prop("email", S::string(), kRequired)
                    .prop("first_name", S::string(), kRequired)
                    .prop("last_name", S::string(), kRequired)
                    .prop("role", S::ref("Role"), kRequired)
                    .describe("The caller; with an API key, the key's owner."),
                kRequired)
          .prop("organization", S::ref("OrganizationBrief"), kRequired)
          .prop("auth",
                S::object()
                    .prop("method", S::string().enumerate({"jwt", "api_key"}), kRequired)
                    .prop("key_id", S::id().describe("API keys only."))
                    .prop("scopes", S::array(S::ref("Scope")).describe("API keys only: the key's scopes.")),
                kRequired));

  add(out, "User",
      S::object()
          .prop("id", S::id(), kRequired)
          .prop("email", S::string().format("email"), kRequired)
          .prop("first_name", S::string(), kRequired)
          .prop("last_name", S::string(), kRequired)
          .prop("role", S::ref("Role"), kRequired)
          .prop("is_active", S::boolean(), kRequired)
          .prop("last_login_at", S::timestamp().nullable(), kRequired)
          .prop("created_at", S::timestamp(), kRequired)
          .prop("updated_at", S::timestamp(), kRequired)
          .prop("created_by", S::id().nullable().describe("null for an organization's first administrator."),
                kRequired));
  add(out, "UserCreate", user_input(true, true, true, false)
                             .describe("`role` defaults to `viewer`, `is_active` to true. The email must not be in "
                                       "use (409 conflict)."));
  add(out, "UserReplace",
      user_input(true, false, true, true).describe("PUT: the required fields must all be there; `password` and "
                                                   "`is_active` keep their values when left out."));
  add(out, "UserPatch", user_input(false, false, false, false)
                            .describe("PATCH: only the fields sent change. A new password stops every token issued "
                                      "before. Nobody can disable or demote the last active administrator (409)."));

  add(out, "ApiKey",
      S::object()
          .prop("id", S::id(), kRequired)
          .prop("name", S::string(), kRequired)
          .prop("prefix", S::string().describe("The key's first characters, to recognise it."), kRequired)
          .prop("scopes", S::array(S::ref("Scope")), kRequired)
          .prop("expires_at", S::timestamp().nullable(), kRequired)
          .prop("last_used_at", S::timestamp().nullable().describe("Written at most once a minute."), kRequired)
          .prop("revoked_at", S::timestamp().nullable(), kRequired)
          .prop("created_at", S::timestamp(), kRequired)
          .prop("updated_at", S::timestamp(), kRequired)
          .prop("created_by", S::id().describe("The owner: the key acts as this user."), kRequired));
  add(out, "ApiKeyWithSecret",
      S::all_of({S::ref("ApiKey"),
                 S::object().prop("key",
                                  S::string()
                                      .min_length(int64_t(auth::kApiKeySize))
                                      .max_length(int64_t(auth::kApiKeySize))
                                      .describe("The full key, `" + std::string(auth::kApiKeyPrefix) + "` + " +
                                                n(int64_t(auth::kApiKeyRandomChars + auth::kApiKeyChecksumChars)) +
                                                " base62 characters (the last " +
                                                n(int64_t(auth::kApiKeyChecksumChars)) +
                                                " a CRC-32 checksum): shown once, only in this response."),
                                  kRequired)}));
  add(out, "ApiKeyInput",
      S::object()
          .prop("name", key_name(), kRequired)
          .prop("scopes", key_scopes(), kRequired)
          .prop("expires_at", key_expiry())
          .describe("POST and PUT. On PUT an absent `expires_at` is null (the key no longer expires)."));
  add(out, "ApiKeyPatch",
      S::object()
          .prop("name", key_name())
          .prop("scopes", key_scopes())
          .prop("expires_at", key_expiry())
          .describe("Only the fields sent change."));
  add(out, "ApiKeyRotate",
      S::object().prop(
          "grace_period_seconds",
          S::integer()
              .minimum(0)
              .maximum(model::fields::api_keys::kMaxGracePeriodSeconds)
              .default_json("0")
              .describe("How long the old key keeps working; 0 stops it at once.")));

  add(out, "OrganizationBrief",
      S::object()
          .prop("id", S::id(), kRequired)
          .prop("name", S::string(), kRequired)
          .prop("plan", S::string(), kRequired)
          .prop("ai_credits_remaining", S::integer().minimum(0), kRequired));
  S org = S::object()
              .prop("id", S::id(), kRequired)
              .prop("name", S::string(), kRequired)
              .prop("plan", S::string(), kRequired)
              .prop("ai_credits_remaining", S::integer().minimum(0), kRequired)
              .prop("created_at", S::timestamp(), kRequired)
              .prop("updated_at", S::timestamp(), kRequired);
  for (const char* count : {"member_count", "active_member_count", "api_key_count", "data_source_count",
                            "dashboard_count", "report_count"})
    org.prop(count, S::integer().minimum(0), kRequired);
  add(out, "Organization", std::move(org));
  add(out, "OrganizationPatch",
      S::object()
          .prop("name", S::string().min_length(1).max_length(int64_t(model::fields::organization::kMaxNameChars)))
          .prop("plan", S::string().min_length(1).max_length(int64_t(model::fields::organization::kMaxPlanChars)))
          .prop("ai_credits_remaining", S::integer().minimum(0))
          .describe("Only the fields sent change; `name` and `plan` are trimmed and not blank."));
}

}  // namespace claribi::api::openapi
