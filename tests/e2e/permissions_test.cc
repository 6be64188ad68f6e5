// The permission walk (§4, §5): every authenticated route of the route table,
// called by an administrator, an editor and a viewer, each with a JWT, an API
// key holding every scope the role may hold, and an API key holding one
// unrelated scope, against the real server. Each call must be 403 exactly
// when the table says so (access rule, minimum role, key scope) and 2xx
// otherwise; the same call aimed at another organization's record is 404.
//
// The table itself is checked against §5 as written (who may read and who
// may write each collection, which scope a key needs), so a wrong row in
// src/api/route_table.cc fails here even though the pipeline enforces it
// faithfully. A route without a fixture below fails the test: a new route
// must be added to the walk.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api/route_table.h"
#include "e2e/http_client.h"
#include "e2e/server_process.h"
#include "model/records.h"

namespace claribi::e2e {
namespace {

using api::Access;
using model::Role;

struct Credential {
  std::string name;
  std::string header;  // "Authorization: Bearer ...\r\n" or "X-API-Key: ...\r\n"
  bool is_key = false;
  uint32_t scopes = 0;  // for keys: as granted (normalized)
};

struct Member {
  Role role;
  std::string email;
  uint64_t id = 0;
  std::string jwt_header;
  std::vector<Credential> creds;
};

class Api {
 public:
  explicit Api(int port) : port_(port) {}
  HttpResponse call(const std::string& method, const std::string& path, const std::string& auth,
                    const std::string& body = "") {
    auto c = HttpClient::plain(port_);
    HttpResponse r;
    std::string headers = "X-Forwarded-Proto: https\r\n" + auth;
    if (!body.empty()) headers += "Content-Type: application/json\r\n";
    EXPECT_TRUE(c->request(method, path, &r, headers, body)) << method << " " << path << ": " << c->error();
    return r;
  }

 private:
  int port_;
};

std::string field(const std::string& json, const char* key) {
  simdjson::dom::parser p;
  simdjson::dom::element e;
  if (p.parse(json).get(e)) return "";
  simdjson::dom::element v;
  if (e[key].get(v)) return "";
  std::string_view s;
  if (!v.get(s)) return std::string(s);
  uint64_t n = 0;
  if (!v.get(n)) return std::to_string(n);
  return "";
}

std::string bearer(const std::string& token) { return "Authorization: Bearer " + token + "\r\n"; }

std::string scopes_json(uint32_t bits) {
  std::string s = "[";
  for (int i = 0; i < model::kScopeCount; ++i) {
    if (!(bits & (1u << i))) continue;
    if (s.size() > 1) s += ",";
    s += "\"" + std::string(model::scope_name(i)) + "\"";
  }
  return s + "]";
}

// §5 and §4 as written, independently of route_table.cc: the minimum role
// and the key scope of every authenticated route.
struct Expectation {
  Role min_role;
  uint32_t scope;
};
std::map<std::string, Expectation> spec() {
  std::map<std::string, Expectation> m;
  auto collection = [&](const std::string& path, uint32_t read, uint32_t write, Role writer) {
    m["GET " + path] = {Role::kViewer, read};
    m["POST " + path] = {writer, write};
    for (const char* method : {"GET", "PATCH", "PUT", "DELETE"}) {
      bool reads = std::string(method) == "GET";
      m[std::string(method) + " " + path + "{id}/"] = {reads ? Role::kViewer : writer, reads ? read : write};
    }
  };
  collection("/api/data-sources/", model::kScopeDataSourcesRead, model::kScopeDataSourcesWrite, Role::kEditor);
  collection("/api/dashboards/", model::kScopeDashboardsRead, model::kScopeDashboardsWrite, Role::kEditor);
  collection("/api/reports/", model::kScopeReportsRead, model::kScopeReportsWrite, Role::kEditor);
  // Rows of upload data sources (§10): editors upload, everyone reads.
  m["POST /api/data-sources/{id}/rows/"] = {Role::kEditor, model::kScopeDataSourcesWrite};
  m["GET /api/data-sources/{id}/rows/"] = {Role::kViewer, model::kScopeDataSourcesRead};
  m["GET /api/data-sources/{id}/schema/"] = {Role::kViewer, model::kScopeDataSourcesRead};
  // Analytics (§10): every role may query; keys need analytics:read.
  m["POST /api/analytics/query/"] = {Role::kViewer, model::kScopeAnalyticsRead};
  // Dashboard data and report runs (§10): every role; running a query also needs analytics:read.
  m["GET /api/dashboards/{id}/data/"] = {Role::kViewer, model::kScopeDashboardsRead | model::kScopeAnalyticsRead};
  m["POST /api/reports/{id}/run/"] = {Role::kViewer, model::kScopeReportsRead | model::kScopeAnalyticsRead};
  m["GET /api/reports/{id}/runs/"] = {Role::kViewer, model::kScopeReportsRead};
  m["GET /api/reports/{id}/runs/{id}/"] = {Role::kViewer, model::kScopeReportsRead};
  collection("/api/users/", model::kScopeUsersRead, model::kScopeUsersWrite, Role::kAdministrator);
  m["GET /api/organization/"] = {Role::kViewer, model::kScopeOrganizationRead};
  m["PATCH /api/organization/"] = {Role::kAdministrator, model::kScopeOrganizationWrite};
  m["GET /api/auth/status/"] = {Role::kViewer, 0};
  m["POST /api/auth/password/"] = {Role::kViewer, 0};
  // API keys: everyone manages their own (the access rule asks a key for
  // organization:write), so no role minimum and no per-route scope.
  for (const char* r : {"GET /api/api-keys/", "POST /api/api-keys/", "GET /api/api-keys/{id}/",
                        "PATCH /api/api-keys/{id}/", "PUT /api/api-keys/{id}/", "DELETE /api/api-keys/{id}/",
                        "POST /api/api-keys/{id}/rotate/", "POST /api/api-keys/{id}/revoke/"})
    m[r] = {Role::kViewer, 0};
  return m;
}

std::string route_name(const api::Route& r) { return std::string(http::method_name(r.method)) + " " + r.pattern; }

class PermissionWalk : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{
        "--trusted-proxies", "127.0.0.1", "--rate-limits-api-key-per-minute", "100000",
        "--rate-limits-jwt-per-minute", "100000", "--rate-limits-login-per-address", "1000"});
    ASSERT_TRUE(server_->running()) << server_->output();
    api_ = std::make_unique<Api>(server_->plain_port());
    std::string out;
    ASSERT_EQ(run_admin({"--data-dir", server_->data_dir(), "bootstrap", "--org", "Acme Corp", "--plan", "pro",
                         "--ai-credits", "5", "--email", "admin@acme.test", "--password", "admin-password",
                         "--first-name", "Ada", "--last-name", "Admin"},
                        &out),
              0)
        << out;
    ASSERT_EQ(run_admin({"--data-dir", server_->data_dir(), "bootstrap", "--org", "Other Inc", "--plan", "pro",
                         "--ai-credits", "5", "--email", "boss@other.test", "--password", "other-password",
                         "--first-name", "Bo", "--last-name", "Ss"},
                        &out),
              0)
        << out;
    admin_ = bearer(login("admin@acme.test", "admin-password"));
    other_ = bearer(login("boss@other.test", "other-password"));
    members_.push_back(member(Role::kAdministrator, "admin@acme.test", "admin-password"));
    for (auto [role, email] : {std::pair{Role::kEditor, "editor@acme.test"}, std::pair{Role::kViewer, "viewer@acme.test"}}) {
      auto r = api_->call("POST", "/api/users/", admin_,
                          std::string(R"({"email": ")") + email + R"(", "password": "member-password", "first_name": "M", "last_name": "M", "role": ")" +
                              std::string(model::role_name(role)) + "\"}");
      ASSERT_EQ(r.status, 201) << r.body;
      members_.push_back(member(role, email, "member-password"));
    }
  }

  std::string login(const std::string& email, const std::string& password) {
    auto r = api_->call("POST", "/api/auth/login/", "",
                        R"({"email": ")" + email + R"(", "password": ")" + password + "\"}");
    EXPECT_EQ(r.status, 200) << r.body;
    return field(r.body, "access");
  }

  Member member(Role role, const std::string& email, const std::string& password) {
    Member m;
    m.role = role;
    m.email = email;
    m.jwt_header = bearer(login(email, password));
    auto status = api_->call("GET", "/api/auth/status/", m.jwt_header);
    simdjson::dom::parser p;
    uint64_t id = 0;
    EXPECT_FALSE(p.parse(status.body)["user"]["id"].get(id)) << status.body;
    m.id = id;
    m.creds.push_back({"jwt", m.jwt_header, false, 0});
    uint32_t all = model::scopes_allowed_for_role(role);
    m.creds.push_back({"key with every scope", key_header(m, all), true, all});
    m.creds.push_back({"key with analytics:read only", key_header(m, model::kScopeAnalyticsRead), true,
                       model::kScopeAnalyticsRead});
    return m;
  }

  std::string key_header(const Member& m, uint32_t scopes) {
    auto r = api_->call("POST", "/api/api-keys/", m.jwt_header,
                        R"({"name": "walk", "scopes": )" + scopes_json(scopes) + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return "X-API-Key: " + field(r.body, "key") + "\r\n";
  }

  // Creates a record for `pattern` in the organization of `auth` (whose user
  // is `owner` for API keys) and returns its id.
  std::string target(const std::string& pattern, const std::string& auth) {
    static int n = 0;
    ++n;
    std::string collection = pattern.substr(0, pattern.find("{id}"));
    std::string body;
    if (collection == "/api/data-sources/") body = R"({"name": "t", "type": "upload"})";
    if (collection == "/api/dashboards/") body = R"({"name": "t"})";
    if (collection == "/api/reports/")
      body = R"({"name": "t", "query": {"data_source_id": )" + upload_source() + R"(, "metrics": [{"op": "count"}]}})";
    if (collection == "/api/api-keys/") body = R"({"name": "t", "scopes": []})";
    if (collection == "/api/users/")
      body = R"({"email": "target)" + std::to_string(n) + "-" + std::to_string(server_->pid()) +
             R"(@acme.test", "password": "target-password", "first_name": "T", "last_name": "T"})";
    EXPECT_FALSE(body.empty()) << "no fixture creates " << collection;
    auto r = api_->call("POST", collection, auth, body);
    EXPECT_EQ(r.status, 201) << collection << " " << r.body;
    return field(r.body, "id");
  }

  // An upload data source of the organization (queries and report runs need one).
  std::string upload_source() {
    if (query_source_.empty()) {
      auto r = api_->call("POST", "/api/data-sources/", admin_, R"({"name": "walk-rows", "type": "upload"})");
      EXPECT_EQ(r.status, 201) << r.body;
      query_source_ = field(r.body, "id");
    }
    return query_source_;
  }

  // A body the route accepts (2xx when allowed).
  std::string body_for(const api::Route& route) {
    static int n = 0;
    ++n;
    std::string name = route_name(route);
    std::string p = route.pattern;
    bool create = route.method == http::Method::kPost && p.find("{id}") == std::string::npos;
    bool put = route.method == http::Method::kPut;
    bool patch = route.method == http::Method::kPatch;
    if (p == "/api/auth/password/") return R"({"current_password": "wrong-password", "new_password": "whatever-123"})";
    if (p == "/api/api-keys/{id}/rotate/") return R"({"grace_period_seconds": 0})";
    if (p == "/api/api-keys/{id}/revoke/") return "{}";
    if (p == "/api/organization/") return R"({"name": "Acme Corp"})";
    if (p == "/api/data-sources/{id}/rows/" && route.method == http::Method::kPost) return R"([{"walk": 1}])";
    if (p == "/api/analytics/query/")
      return R"({"data_source_id": )" + upload_source() + R"(, "metrics": [{"op": "count"}]})";
    if (p.rfind("/api/data-sources/", 0) == 0 && (create || put)) return R"({"name": "walk", "type": "postgresql"})";
    if (p.rfind("/api/dashboards/", 0) == 0 && (create || put)) return R"({"name": "walk"})";
    if (p.rfind("/api/reports/", 0) == 0 && (create || put)) return R"({"name": "walk", "query": {"data_source_id": 1}})";
    if (p.rfind("/api/api-keys/", 0) == 0 && (create || put)) return R"({"name": "walk", "scopes": []})";
    if (p.rfind("/api/users/", 0) == 0 && create)
      return R"({"email": "new)" + std::to_string(n) + R"(@acme.test", "password": "new-password", "first_name": "N", "last_name": "N"})";
    if (p.rfind("/api/users/", 0) == 0 && put)
      return R"({"email": "put)" + std::to_string(n) + R"(@acme.test", "first_name": "P", "last_name": "P", "role": "viewer"})";
    if (patch) return R"({"name": "patched"})";
    return "";
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Api> api_;
  std::string query_source_;
  std::string admin_, other_;
  std::vector<Member> members_;
};

TEST_F(PermissionWalk, TableMatchesSection5) {
  auto want = spec();
  size_t checked = 0;
  for (const api::Route& r : api::routes()) {
    if (r.access == Access::kPublic) continue;
    auto it = want.find(route_name(r));
    if (it == want.end()) {
      ADD_FAILURE() << route_name(r) << " is not in the §5 expectations of this test";
      continue;
    }
    EXPECT_EQ(r.min_role, it->second.min_role) << route_name(r);
    EXPECT_EQ(r.scope, it->second.scope) << route_name(r);
    ++checked;
  }
  EXPECT_EQ(checked, want.size()) << "a route the §5 expectations name is missing from the table";
}

TEST_F(PermissionWalk, EveryRoleAndCredentialOnEveryRoute) {
  size_t calls = 0;
  for (const api::Route& route : api::routes()) {
    if (route.access == Access::kPublic) continue;
    std::string pattern = route.pattern;
    bool has_id = pattern.find("{id}") != std::string::npos;
    for (const Member& m : members_) {
      for (const Credential& cred : m.creds) {
        // What the table says.
        bool forbidden = false;
        uint32_t held = cred.is_key ? cred.scopes & model::scopes_allowed_for_role(m.role) : ~0u;
        if (route.access == Access::kJwtOnly && cred.is_key) forbidden = true;
        if (route.access == Access::kJwtOrOrgWrite && cred.is_key && !(held & model::kScopeOrganizationWrite))
          forbidden = true;
        if (m.role < route.min_role) forbidden = true;
        if (route.scope != 0 && cred.is_key && (held & route.scope) != route.scope) forbidden = true;

        std::string path = pattern;
        if (has_id) {
          // API keys are per owner: the target belongs to the caller's user.
          std::string owner = pattern.rfind("/api/api-keys/", 0) == 0 ? m.jwt_header : admin_;
          std::string id = target(pattern, owner);
          path.replace(path.find("{id}"), 4, id);
          if (path.find("{id}") != std::string::npos) {  // a report's run: run the report first
            auto run = api_->call("POST", "/api/reports/" + id + "/run/", admin_, "");
            EXPECT_EQ(run.status, 200) << run.body;
            path.replace(path.find("{id}"), 4, field(run.body, "run_id"));
          }
        }
        std::string what = route_name(route) + " as " + std::string(model::role_name(m.role)) + " with " + cred.name;
        auto r = api_->call(std::string(http::method_name(route.method)), path, cred.header, body_for(route));
        ++calls;
        if (forbidden) {
          EXPECT_EQ(r.status, 403) << what << ": " << r.body;
          continue;
        }
        if (pattern == "/api/auth/password/") {
          EXPECT_EQ(r.status, 400) << what << " (a wrong current password, past the permission check): " << r.body;
        } else {
          EXPECT_TRUE(r.status >= 200 && r.status < 300) << what << ": " << r.status << " " << r.body;
        }
        if (!has_id) continue;
        // Isolation: the same call on another organization's record.
        std::string foreign = pattern;
        foreign.replace(foreign.find("{id}"), 4, target(pattern, other_));
        if (foreign.find("{id}") != std::string::npos) foreign.replace(foreign.find("{id}"), 4, "1");
        auto f = api_->call(std::string(http::method_name(route.method)), foreign, cred.header, body_for(route));
        EXPECT_EQ(f.status, 404) << what << " on another organization's record: " << f.body;
      }
    }
  }
  EXPECT_GT(calls, size_t(200));
}

}  // namespace
}  // namespace claribi::e2e
