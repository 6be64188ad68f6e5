#include "model/records.h"

namespace claribi::model {

namespace {
constexpr std::string_view kScopeNames[kScopeCount] = {
    "data_sources:read", "data_sources:write", "dashboards:read",
    "dashboards:write",  "reports:read",       "reports:write",
    "analytics:read",    "users:read",         "users:write",
    "organization:read", "organization:write",
};
}  // namespace

std::string_view role_name(Role r) {
  switch (r) {
    case Role::kViewer: return "viewer";
    case Role::kEditor: return "editor";
    case Role::kAdministrator: return "administrator";
  }
  return "viewer";
}

std::optional<Role> parse_role(std::string_view s) {
  if (s == "viewer") return Role::kViewer;
  if (s == "editor") return Role::kEditor;
  if (s == "administrator") return Role::kAdministrator;
  return std::nullopt;
}

std::string_view scope_name(int bit) {
  return (bit >= 0 && bit < kScopeCount) ? kScopeNames[bit] : std::string_view();
}

std::optional<uint32_t> parse_scope(std::string_view s) {
  for (int i = 0; i < kScopeCount; ++i)
    if (kScopeNames[i] == s) return 1u << i;
  return std::nullopt;
}

uint32_t normalize_scopes(uint32_t bits) {
  bits &= kAllScopes;
  // Every write bit sits one above its read bit, except analytics (read only).
  constexpr uint32_t kWriteBits = kScopeDataSourcesWrite | kScopeDashboardsWrite |
                                  kScopeReportsWrite | kScopeUsersWrite |
                                  kScopeOrganizationWrite;
  return bits | ((bits & kWriteBits) >> 1);
}

uint32_t scopes_allowed_for_role(Role r) {
  constexpr uint32_t kReadAll = kScopeDataSourcesRead | kScopeDashboardsRead |
                                kScopeReportsRead | kScopeAnalyticsRead |
                                kScopeUsersRead | kScopeOrganizationRead;
  switch (r) {
    case Role::kAdministrator: return kAllScopes;
    case Role::kEditor:
      return kReadAll | kScopeDataSourcesWrite | kScopeDashboardsWrite | kScopeReportsWrite;
    case Role::kViewer: return kReadAll;
  }
  return 0;
}

}  // namespace claribi::model
