// The records the server keeps: organizations, users, API keys. Plain structs
// shared by storage/ (which encodes them), auth/ (which checks them) and api/
// (which renders them). Times are Unix seconds; 0 means "null".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace claribi::model {

enum class Role : uint8_t { kViewer = 0, kEditor = 1, kAdministrator = 2 };

std::string_view role_name(Role r);
std::optional<Role> parse_role(std::string_view s);

// API-key scopes (§4) as bits. `write` implies `read`: normalize_scopes adds
// the read bit for every write bit.
enum Scope : uint32_t {
  kScopeDataSourcesRead = 1u << 0,
  kScopeDataSourcesWrite = 1u << 1,
  kScopeDashboardsRead = 1u << 2,
  kScopeDashboardsWrite = 1u << 3,
  kScopeReportsRead = 1u << 4,
  kScopeReportsWrite = 1u << 5,
  kScopeAnalyticsRead = 1u << 6,
  kScopeUsersRead = 1u << 7,
  kScopeUsersWrite = 1u << 8,
  kScopeOrganizationRead = 1u << 9,
  kScopeOrganizationWrite = 1u << 10,
};
inline constexpr uint32_t kAllScopes = (1u << 11) - 1;
inline constexpr int kScopeCount = 11;

// Name of scope bit i (0..kScopeCount-1), e.g. "dashboards:write".
std::string_view scope_name(int bit);
std::optional<uint32_t> parse_scope(std::string_view s);
uint32_t normalize_scopes(uint32_t bits);
// Scopes that a role may hold (and so grant to a key it creates).
uint32_t scopes_allowed_for_role(Role r);

struct Organization {
  uint64_t id = 0;
  std::string name;
  std::string plan;
  int64_t ai_credits_remaining = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct User {
  uint64_t id = 0;
  uint64_t org_id = 0;
  std::string email;  // stored lower-cased
  std::string first_name;
  std::string last_name;
  Role role = Role::kViewer;
  bool is_active = true;
  std::string password_hash;  // argon2id PHC string
  // Incremented by a password change: tokens carrying an older `ver` fail.
  uint32_t credential_version = 1;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t last_login_at = 0;
  uint64_t created_by = 0;
};

using KeyHash = std::array<uint8_t, 32>;  // SHA-256 of the full key text

struct ApiKey {
  uint64_t id = 0;
  uint64_t org_id = 0;
  uint64_t user_id = 0;  // owner = created_by
  std::string name;
  std::string prefix;  // first characters of the key, for recognition
  KeyHash hash{};
  uint32_t scopes = 0;
  int64_t expires_at = 0;
  int64_t last_used_at = 0;
  int64_t revoked_at = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  bool deleted = false;  // DELETE: revoked and hidden from lists
};

}  // namespace claribi::model
