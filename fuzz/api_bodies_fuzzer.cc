// The JSON request bodies of every route that reads one, through the whole
// request path the server runs (InProcessServer: HttpSession → pipeline →
// the route's handler and field rules → services → RocksDB): the input's
// first byte picks the route, the rest is its body, sent as
// application/json by the organization's administrator. Set up once: an
// upload data source with rows, a dashboard, a report, an API key and a
// second user for the routes that take an id (the administrator's own
// account is never the target, so a body cannot lock the fuzzer out).
//
// Besides crashes and sanitizer reports, every answer is checked: a whole
// HTTP/1.1 response, never a 5xx, an error always the §3 body, and every
// JSON body valid JSON (the server's own rendering of whatever was stored).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "api/json_body.h"
#include "support/in_process_server.h"

namespace {

using namespace claribi;
using testing::InProcessClient;
using testing::InProcessServer;
using testing::response_body;
using testing::response_status;

[[noreturn]] void finding(std::string_view what, std::string_view request, std::string_view answer) {
  std::fprintf(stderr, "api_bodies: %.*s\n--- request\n%.*s\n--- answer\n%.*s\n", int(what.size()), what.data(),
               int(request.size()), request.data(), int(answer.size()), answer.data());
  std::abort();
}

struct Fixture {
  std::unique_ptr<InProcessServer> server;
  std::unique_ptr<InProcessClient> client;
  std::string data_source, dashboard, report, key, user;

  std::string request(std::string_view method, std::string_view path, std::string_view body,
                      std::string_view type = "application/json") const {
    std::string r;
    r.reserve(256 + body.size());
    r.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\n");
    r.append("Authorization: Bearer ").append(server->access_token()).append("\r\n");
    r.append("Content-Type: ").append(type).append("\r\nContent-Length: ").append(std::to_string(body.size()));
    r.append("\r\n\r\n").append(body);
    return r;
  }

  // The "id" of the created resource in a 201 answer; aborts on anything else.
  std::string create(std::string_view path, std::string_view body) {
    std::string req = request("POST", path, body);
    std::string_view answer = client->send(req);
    if (response_status(answer) != 201) finding("setup failed", req, answer);
    std::string_view b = response_body(answer);
    size_t at = b.find("\"id\":");
    if (at == std::string_view::npos) finding("setup: no id", req, answer);
    at += 5;
    size_t end = at;
    while (end < b.size() && b[end] >= '0' && b[end] <= '9') ++end;
    return std::string(b.substr(at, end - at));
  }

  Fixture() {
    testing::InProcessOptions o;
    o.jwt_per_minute = 100'000'000;  // the limiter runs, never in the way
    auto s = InProcessServer::start(o);
    if (!s.ok()) {
      std::fprintf(stderr, "api_bodies: %s\n", std::string(s.status().message()).c_str());
      std::abort();
    }
    server = std::move(s.value());
    client = server->connect();
    data_source = create("/api/data-sources/", R"({"name":"sales","type":"upload"})");
    std::string csv =
        "ts,region,revenue,qty,paid\n2025-01-01T00:00:00Z,EMEA,10.5,1,true\n"
        "2025-02-01T12:00:00Z,NA,20,2,false\n2025-03-01T00:00:00Z,,,3,\n";
    std::string upload = request("POST", "/api/data-sources/" + data_source + "/rows/", csv, "text/csv");
    std::string_view answer = client->send(upload);
    if (response_status(answer) != 201) finding("setup: rows upload failed", upload, answer);
    const std::string query = R"({"data_source_id":)" + data_source +
                              R"(,"metrics":[{"op":"sum","field":"revenue"}],"dimensions":["region"]})";
    dashboard = create("/api/dashboards/", R"({"name":"board","widgets":[{"id":"w1","type":"bar","query":)" +
                                               query + "}]}");
    report = create("/api/reports/", R"({"name":"weekly","query":)" + query + "}");
    key = create("/api/api-keys/", R"({"name":"fuzz","scopes":["dashboards:read"]})");
    user = create("/api/users/", R"({"email":"second@example.com","password":"a-long-password-1","first_name":"Sam","last_name":"Second","role":"editor"})");
  }
};

struct Route {
  const char* method;
  const char* path;  // {ds} {dash} {report} {key} {user} are the fixture's ids
};

constexpr Route kRoutes[] = {
    {"POST", "/api/auth/login/"},
    {"POST", "/api/auth/token/refresh/"},
    {"POST", "/api/auth/logout/"},
    {"POST", "/api/auth/password/"},
    {"POST", "/api/api-keys/"},
    {"PATCH", "/api/api-keys/{key}/"},
    {"PUT", "/api/api-keys/{key}/"},
    {"POST", "/api/api-keys/{key}/rotate/"},
    {"POST", "/api/api-keys/{key}/revoke/"},
    {"POST", "/api/users/"},
    {"PATCH", "/api/users/{user}/"},
    {"PUT", "/api/users/{user}/"},
    {"PATCH", "/api/organization/"},
    {"POST", "/api/data-sources/"},
    {"PATCH", "/api/data-sources/{ds}/"},
    {"PUT", "/api/data-sources/{ds}/"},
    {"POST", "/api/analytics/query/"},
    {"POST", "/api/dashboards/"},
    {"PATCH", "/api/dashboards/{dash}/"},
    {"PUT", "/api/dashboards/{dash}/"},
    {"POST", "/api/reports/"},
    {"PATCH", "/api/reports/{report}/"},
    {"PUT", "/api/reports/{report}/"},
    {"POST", "/api/reports/{report}/run/"},
};

std::string path_of(const Fixture& f, std::string_view pattern) {
  std::string out;
  size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] != '{') {
      out += pattern[i++];
      continue;
    }
    size_t end = pattern.find('}', i);
    std::string_view name = pattern.substr(i + 1, end - i - 1);
    out += name == "ds" ? f.data_source : name == "dash" ? f.dashboard : name == "report" ? f.report
           : name == "key" ? f.key : f.user;
    i = end + 1;
  }
  return out;
}

void check_answer(std::string_view request, std::string_view answer) {
  const int status = response_status(answer);
  if (status < 200 || status > 599) finding("not an HTTP response", request, answer);
  if (status >= 500) finding("server error", request, answer);
  const size_t head_end = answer.find("\r\n\r\n");
  if (head_end == std::string_view::npos) finding("incomplete head", request, answer);
  const std::string_view head = answer.substr(0, head_end);
  if (head.find("Transfer-Encoding: chunked") != std::string_view::npos) return;  // a large run result
  const std::string_view body = response_body(answer);
  if (status >= 400 && body.rfind("{\"error\":\"", 0) != 0) finding("error without the §3 body", request, answer);
  if (head.find("Content-Type: application/json") != std::string_view::npos && api::json_error_offset(body) >= 0)
    finding("invalid JSON rendered", request, answer);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture;  // lives for the process, like the server it stands for
  if (size == 0) return 0;
  const Route& route = kRoutes[data[0] % (sizeof kRoutes / sizeof kRoutes[0])];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string req = fixture->request(route.method, path_of(*fixture, route.path), body);
  check_answer(req, fixture->client->send(req));
  fixture->server->quiescent();
  return 0;
}
