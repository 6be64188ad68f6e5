// The OpenAPI document against the route table: every route described once
// and no description of a route that does not exist; the rendered document's
// paths, methods, security, scopes, roles and table-derived answers equal to
// the table (parsed back with simdjson); negative controls showing that a
// missing route, an extra description and a changed table are noticed. Also
// the path naming, the YAML rendering, limits taken from the handlers'
// constants, and the Redoc page's answers with and without the bundle.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "model/field_rules.h"
#include "api/handlers.h"
#include "api/openapi.h"
#include "api/openapi_yaml.h"
#include "api/redoc_bundle.h"
#include "api/route_table.h"
#include "model/records.h"

namespace claribi::api {
namespace {

using openapi::RouteDoc;

constexpr std::string_view kServer = "https://api.example.test";

std::string route_name(http::Method m, std::string_view pattern) {
  return std::string(http::method_name(m)) + " " + std::string(pattern);
}

// "/api/reports/{id}/runs/{run_id}/" → "/api/reports/{id}/runs/{id}/": the route table's spelling.
std::string table_pattern(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '{') {
      out.push_back(path[i]);
      continue;
    }
    out += "{id}";
    i = path.find('}', i);
  }
  return out;
}

constexpr std::string_view kMethods[] = {"get", "post", "put", "patch", "delete"};

// "METHOD pattern" of every operation of a rendered document.
std::set<std::string> operations_of(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::padded_string text(json);
  simdjson::dom::element doc = parser.parse(text);
  std::set<std::string> out;
  for (auto [path, item] : simdjson::dom::object(doc["paths"])) {
    for (auto [key, op] : simdjson::dom::object(item)) {
      (void)op;
      for (std::string_view m : kMethods) {
        if (key != m) continue;
        std::string upper(m);
        for (char& ch : upper) ch = char(ch - 'a' + 'A');
        out.insert(upper + " " + table_pattern(path));
      }
    }
  }
  return out;
}

std::set<std::string> operations_of(std::span<const Route> table) {
  std::set<std::string> out;
  for (const Route& r : table) out.insert(route_name(r.method, r.pattern));
  return out;
}

std::vector<std::string> strings(simdjson::dom::element array) {
  std::vector<std::string> out;
  for (simdjson::dom::element e : simdjson::dom::array(array)) out.emplace_back(std::string_view(e));
  return out;
}

std::vector<std::string> scope_names(uint32_t bits) {
  std::vector<std::string> out;
  for (int i = 0; i < model::kScopeCount; ++i)
    if (bits & (1u << i)) out.emplace_back(model::scope_name(i));
  return out;
}

const RouteDoc* doc_of(const Route& r) {
  for (const RouteDoc& d : openapi::route_docs())
    if (d.method == r.method && d.pattern == r.pattern) return &d;
  return nullptr;
}

Route fake_route(http::Method m, const char* pattern) {
  return Route{m, pattern, handle_health, Access::kPublic, model::Role::kViewer, 0, LimitKind::kNone};
}

// ---- the description table against the route table -----------------------------

TEST(OpenApiDescriptions, EveryRouteIsDescribedOnceAndNothingElse) {
  std::vector<std::string> problems = openapi::description_problems(routes(), openapi::route_docs());
  for (const std::string& p : problems) ADD_FAILURE() << p;
}

TEST(OpenApiDescriptions, ARouteWithoutDescriptionIsNoticed) {
  std::vector<Route> table(routes().begin(), routes().end());
  table.push_back(fake_route(http::Method::kGet, "/api/not-described/"));
  std::vector<std::string> problems = openapi::description_problems(table, openapi::route_docs());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "GET /api/not-described/ is in the route table but has no description");
}

TEST(OpenApiDescriptions, ADescriptionOfNoRouteIsNoticed) {
  std::vector<RouteDoc> docs = openapi::route_docs();
  docs.push_back(docs.front());
  docs.back().pattern = "/api/gone/";
  docs.push_back(docs.front());  // a route described twice
  docs.push_back(docs[1]);
  docs.back().pattern = "/api/gone-too/";
  docs.back().tag = "No such tag";
  std::vector<std::string> problems = openapi::description_problems(routes(), docs);
  std::set<std::string> got(problems.begin(), problems.end());
  const RouteDoc& first = docs.front();
  const RouteDoc& second = docs[1];
  EXPECT_EQ(got, (std::set<std::string>{
                     route_name(first.method, first.pattern) + " is described 2 times",
                     route_name(first.method, "/api/gone/") + " is described but not in the route table",
                     route_name(second.method, "/api/gone-too/") + " is described but not in the route table",
                     route_name(second.method, "/api/gone-too/") + " has an unknown tag No such tag",
                 }));
}

// ---- the rendered document against the route table -----------------------------

class OpenApiDocument : public ::testing::Test {
 protected:
  void SetUp() override {
    json_ = openapi::render_json(routes(), openapi::route_docs(), kServer);
    text_ = simdjson::padded_string(json_);
    ASSERT_EQ(parser_.parse(text_).get(doc_), simdjson::SUCCESS) << "not JSON";
  }
  simdjson::dom::element operation(const Route& r) {
    std::string method(http::method_name(r.method));
    for (char& ch : method) ch = char(ch - 'A' + 'a');
    return doc_["paths"][openapi::openapi_path(r.pattern)][method];
  }
  simdjson::dom::element schema(std::string_view name) { return doc_["components"]["schemas"][name]; }

  std::string json_;
  simdjson::padded_string text_;
  simdjson::dom::parser parser_;
  simdjson::dom::element doc_;
};

TEST_F(OpenApiDocument, PathsAndMethodsAreTheRouteTable) {
  EXPECT_EQ(std::string_view(doc_["openapi"]), "3.1.0");
  EXPECT_EQ(std::string_view(doc_["servers"].at(0)["url"]), kServer);
  EXPECT_EQ(operations_of(json_), operations_of(routes()));
}

TEST_F(OpenApiDocument, ADifferentTableGivesADifferentDocument) {
  // Negative control for the comparison above: a route dropped from the
  // table is missing from the document rendered from it.
  std::vector<Route> table(routes().begin(), routes().end() - 1);
  std::string other = openapi::render_json(table, openapi::route_docs(), kServer);
  std::set<std::string> got = operations_of(other), want = operations_of(routes());
  std::vector<std::string> missing;
  for (const std::string& op : want)
    if (!got.count(op)) missing.push_back(op);
  const Route& last = routes().back();
  EXPECT_EQ(missing, std::vector<std::string>{route_name(last.method, last.pattern)});
}

TEST_F(OpenApiDocument, EveryOperationSaysWhatTheTableEnforces) {
  std::set<std::string> operation_ids;
  for (const Route& r : routes()) {
    SCOPED_TRACE(route_name(r.method, r.pattern));
    simdjson::dom::element op;
    ASSERT_EQ(operation(r).get(op), simdjson::SUCCESS);
    const RouteDoc* d = doc_of(r);
    ASSERT_NE(d, nullptr);
    std::string_view id = op["operationId"];
    EXPECT_TRUE(operation_ids.insert(std::string(id)).second) << "operationId " << id << " twice";
    EXPECT_EQ(std::string_view(op["summary"]), d->summary);
    EXPECT_FALSE(d->summary.empty());

    // Security: public routes need nothing; others a JWT, and an API key
    // with exactly the table's scopes where keys may call them.
    simdjson::dom::array security = op["security"];
    std::map<std::string, std::vector<std::string>> schemes;
    for (simdjson::dom::element req : security)
      for (auto [name, scopes] : simdjson::dom::object(req)) schemes[std::string(name)] = strings(scopes);
    std::map<std::string, std::vector<std::string>> want;
    if (r.access != Access::kPublic) want["bearerAuth"] = {};
    if (r.access == Access::kAuthenticated) want["apiKeyAuth"] = scope_names(r.scope);
    if (r.access == Access::kJwtOrOrgWrite) want["apiKeyAuth"] = scope_names(r.scope | model::kScopeOrganizationWrite);
    EXPECT_EQ(schemes, want);
    if (r.access != Access::kPublic) {
      EXPECT_EQ(std::string_view(op["x-min-role"]), model::role_name(r.min_role));
    } else {
      EXPECT_EQ(op["x-min-role"].error(), simdjson::NO_SUCH_FIELD);
    }

    // The answers that follow from access, role, scope, limit and body.
    std::set<std::string> statuses;
    for (auto [status, response] : simdjson::dom::object(op["responses"])) {
      (void)response;
      statuses.insert(std::string(status));
    }
    EXPECT_TRUE(statuses.count(std::to_string(d->status))) << "success " << d->status;
    bool described_401 = std::find(d->errors.begin(), d->errors.end(), 401) != d->errors.end();
    EXPECT_EQ(statuses.count("401") == 1, r.access != Access::kPublic || described_401);
    EXPECT_EQ(statuses.count("429") == 1, r.limit != LimitKind::kNone);
    bool forbidden = r.access == Access::kJwtOnly || r.access == Access::kJwtOrOrgWrite ||
                     (r.access == Access::kAuthenticated && (r.scope != 0 || r.min_role > model::Role::kViewer));
    EXPECT_EQ(statuses.count("403") == 1, forbidden);
    if (std::string_view(r.pattern).find("{id}") != std::string_view::npos) {
      EXPECT_TRUE(statuses.count("404"));
    }
    if (r.body == BodyKind::kBuffered) {
      EXPECT_TRUE(statuses.count("415"));
    }
    if (!d->request.content.empty()) {
      EXPECT_TRUE(statuses.count("400") && statuses.count("413") && statuses.count("415"));
      EXPECT_EQ(op["requestBody"]["content"].error(), simdjson::SUCCESS);
    } else {
      EXPECT_EQ(op["requestBody"].error(), simdjson::NO_SUCH_FIELD);
    }
    for (int e : d->errors) EXPECT_TRUE(statuses.count(std::to_string(e))) << e;
    EXPECT_TRUE(statuses.count("default"));
  }
}

TEST_F(OpenApiDocument, PathParametersAreDeclaredByName) {
  for (auto [path, item] : simdjson::dom::object(doc_["paths"])) {
    SCOPED_TRACE(std::string(path));
    std::vector<std::string> in_path, declared;
    for (size_t open = path.find('{'); open != std::string_view::npos; open = path.find('{', open + 1))
      in_path.emplace_back(path.substr(open + 1, path.find('}', open) - open - 1));
    simdjson::dom::array params;
    if (!item["parameters"].get(params))
      for (simdjson::dom::element p : params) declared.emplace_back(std::string_view(p["name"]));
    EXPECT_EQ(declared, in_path);
    EXPECT_EQ(std::set<std::string>(in_path.begin(), in_path.end()).size(), in_path.size()) << "a name twice";
  }
}

TEST_F(OpenApiDocument, LimitsAreTheHandlersConstants) {
  EXPECT_EQ(int64_t(schema("UserCreate")["properties"]["first_name"]["maxLength"]),
            int64_t(model::fields::users::kMaxNameChars));
  EXPECT_EQ(int64_t(schema("ApiKeyInput")["properties"]["name"]["maxLength"]),
            int64_t(model::fields::api_keys::kMaxNameChars));
  EXPECT_EQ(int64_t(schema("DashboardInput")["properties"]["widgets"]["maxItems"]),
            int64_t(model::fields::dashboards::kMaxWidgets));
  EXPECT_EQ(int64_t(schema("ApiKeyRotate")["properties"]["grace_period_seconds"]["maximum"]),
            model::fields::api_keys::kMaxGracePeriodSeconds);
  EXPECT_EQ(int64_t(schema("ReportInput")["properties"]["recipients"]["maxItems"]),
            int64_t(model::fields::reports::kMaxRecipients));
  // The error codes are http/error.h's, all of them.
  std::vector<std::string> codes = strings(schema("ErrorCode")["enum"]);
  EXPECT_EQ(codes.size(), size_t(http::kLastErrorCode) + 1);
  EXPECT_EQ(codes.front(), http::error_name(http::ErrorCode::kValidationError));
}

TEST_F(OpenApiDocument, EveryReferenceResolves) {
  // Every "$ref" names a component of this document.
  std::set<std::string> defined;
  for (auto [kind, members] : simdjson::dom::object(doc_["components"]))
    for (auto [name, value] : simdjson::dom::object(members)) {
      (void)value;
      defined.insert("#/components/" + std::string(kind) + "/" + std::string(name));
    }
  size_t refs = 0;
  for (size_t at = json_.find("\"$ref\":\""); at != std::string::npos; at = json_.find("\"$ref\":\"", at + 1)) {
    size_t begin = at + 8, end = json_.find('"', begin);
    std::string ref = json_.substr(begin, end - begin);
    EXPECT_TRUE(defined.count(ref)) << ref;
    ++refs;
  }
  EXPECT_GT(refs, 100u);
}

TEST(OpenApiPath, EachIdHasItsOwnName) {
  EXPECT_EQ(openapi::openapi_path("/api/users/{id}/"), "/api/users/{id}/");
  EXPECT_EQ(openapi::openapi_path("/api/reports/{id}/runs/{id}/"), "/api/reports/{id}/runs/{run_id}/");
  EXPECT_EQ(openapi::openapi_path("/api/health/"), "/api/health/");
}

// ---- YAML -------------------------------------------------------------------------

TEST(OpenApiYaml, BlockStyleOfTheSameValues) {
  EXPECT_EQ(openapi::json_to_yaml(R"({"a":1,"b":[true,null,"x\"y"],"c":{},"d":[],"e":[{"f":-2.5,"g":[[1],{"h":"é\n"}]}]})"),
            "\"a\": 1\n"
            "\"b\":\n"
            "  - true\n"
            "  - null\n"
            "  - \"x\\\"y\"\n"
            "\"c\": {}\n"
            "\"d\": []\n"
            "\"e\":\n"
            "  - \"f\": -2.5\n"
            "    \"g\":\n"
            "      - - 1\n"
            "      - \"h\": \"é\\n\"\n");
  // DEL may stand raw in JSON, not in YAML; a C0 control is escaped in both.
  EXPECT_EQ(openapi::json_to_yaml("\"\x7f\\u0001\""), "\"\\x7F\\x01\"\n");
  EXPECT_EQ(openapi::json_to_yaml("{"), "");
}

TEST(OpenApiYaml, TheDocumentAsYaml) {
  const openapi::Document& d = openapi::document(kServer);
  EXPECT_EQ(d.json, openapi::render_json(routes(), openapi::route_docs(), kServer));
  EXPECT_EQ(d.yaml.rfind("\"openapi\": \"3.1.0\"\n", 0), 0u);
  EXPECT_NE(d.yaml.find("\n  \"/api/dashboards/{id}/\":\n"), std::string::npos);
}

// ---- the Redoc page ---------------------------------------------------------------

TEST(RedocPage, WithoutTheBundleBoth503WithTheErrorBody) {
  RedocBundle missing("/nonexistent/redoc.standalone.js");
  std::string why;
  EXPECT_EQ(missing.load(&why), nullptr);
  EXPECT_NE(why.find("/nonexistent/redoc.standalone.js"), std::string::npos) << why;
  for (auto answer : {answer_docs_page, answer_docs_script}) {
    http::Response r;
    answer(r, missing.bytes());
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.stream, nullptr);
    simdjson::dom::parser p;
    simdjson::dom::element e = p.parse(simdjson::padded_string(r.body));
    EXPECT_EQ(std::string_view(e["error"]), "unavailable");
    EXPECT_NE(std::string_view(e["detail"]).find("Redoc bundle"), std::string_view::npos);
  }
}

TEST(RedocPage, WithTheBundleThePageAndTheScript) {
  char path[] = "/tmp/claribi-redoc-test-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string script(200 * 1024, 'x');  // several body parts
  ASSERT_EQ(write(fd, script.data(), script.size()), ssize_t(script.size()));
  close(fd);
  RedocBundle bundle(path);
  std::string why;
  auto bytes = bundle.load(&why);
  unlink(path);
  ASSERT_NE(bytes, nullptr) << why;
  EXPECT_EQ(bundle.bytes(), bytes) << "kept after the first load";

  http::Response page;
  answer_docs_page(page, bytes);
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<redoc spec-url=\"/api/schema/\">"), std::string::npos);
  EXPECT_NE(page.body.find("<script src=\"/api/docs/redoc.standalone.js\">"), std::string::npos);

  http::Response js;
  answer_docs_script(js, bytes);
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  ASSERT_NE(js.stream, nullptr);
  std::string got;
  while (js.stream->next(got, 64 * 1024)) {
  }
  EXPECT_EQ(got, script);
}

}  // namespace
}  // namespace claribi::api
