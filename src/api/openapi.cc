#include "api/openapi.h"

#include <map>
#include <set>

#include "api/openapi_components.h"
#include "api/openapi_errors.h"
#include "api/openapi_yaml.h"
#include "common/json_writer.h"
#include "model/records.h"

namespace claribi::api::openapi {

namespace {

// The contract's own version (API.md has none): raise it when a route's
// request or answer changes incompatibly.
constexpr std::string_view kDocumentVersion = "1.0.0";

constexpr std::string_view kIntroduction =
    "The HTTP API of the clariBI server (the contract is API.md; the section numbers below are its).\n\n"
    "- **Authentication** (§4): a JWT access token in `Authorization: Bearer`, from POST /api/auth/login/, or an "
    "API key in `X-API-Key`, narrowed to its scopes. Each operation says which it takes, the minimum role (§5) "
    "and the API-key scopes it needs (also as `x-min-role` and `x-api-key-scopes`).\n"
    "- **Errors** (§3): every error, from every layer, is `{\"error\", \"message\", \"detail\"}`, plus `fields` "
    "for validation errors.\n"
    "- **Lists** (§2): `{\"count\", \"next\", \"previous\", \"results\"}` with `page` and `page_size`.\n"
    "- **Rate limits** (§7): per credential, sliding 60-second windows, with `X-RateLimit-*` and `RateLimit` "
    "headers on every authenticated answer and `429` with `Retry-After` beyond.\n"
    "- Paths end in `/`; without it they are served the same. Every `2xx` to a write means it is on disk (§9).\n\n"
    "This document is generated from the server's route table: every path, method, credential, role, scope and "
    "limit here is the one the server enforces.";

std::string_view limit_name(LimitKind k) {
  switch (k) {
    case LimitKind::kCredential: return "credential";
    case LimitKind::kLogin: return "login";
    case LimitKind::kAddress: return "address";
    case LimitKind::kNone: return "none";
  }
  return "none";
}

std::vector<std::string> scope_names(uint32_t bits) {
  std::vector<std::string> out;
  for (int i = 0; i < model::kScopeCount; ++i)
    if (bits & (1u << i)) out.emplace_back(model::scope_name(i));
  return out;
}

// The scopes an API key needs for the route, or nullopt-like empty with
// `allowed` false when keys cannot call it at all.
std::vector<std::string> key_scopes(const Route& r, bool* allowed) {
  *allowed = r.access == Access::kAuthenticated || r.access == Access::kJwtOrOrgWrite;
  if (r.access == Access::kJwtOrOrgWrite) return scope_names(model::kScopeOrganizationWrite | r.scope);
  return scope_names(r.scope);
}

// The sentence about access, role, scope and limit that ends every
// operation's description (the same facts are in `security` and x-*).
std::string access_text(const Route& r) {
  if (r.access == Access::kPublic) {
    std::string s = "**Access:** public, no credential.";
    switch (r.limit) {
      case LimitKind::kLogin: return s + " **Rate limit:** per client address, and per email.";
      case LimitKind::kAddress: return s + " **Rate limit:** per client address.";
      case LimitKind::kNone: return s + " Never rate limited.";
      case LimitKind::kCredential: return s;
    }
    return s;
  }
  bool key_allowed = false;
  std::vector<std::string> scopes = key_scopes(r, &key_allowed);
  std::string s = "**Access:** ";
  if (!key_allowed) {
    s += "JWT only (an API key gets `403 forbidden`).";
  } else if (scopes.empty()) {
    s += "JWT, or an API key with any scope.";
  } else {
    s += "JWT, or an API key with " + code_list(scopes) + ".";
  }
  s += r.min_role == model::Role::kViewer ? " **Role:** any."
                                          : " **Role:** " + std::string(model::role_name(r.min_role)) + " or above.";
  s += " **Rate limit:** per credential.";
  return s;
}

void write_security(JsonWriter& w, const Route& r) {
  w.key("security").begin_array();
  if (r.access != Access::kPublic) {
    w.begin_object().key("bearerAuth").begin_array().end_array().end_object();
    bool key_allowed = false;
    std::vector<std::string> scopes = key_scopes(r, &key_allowed);
    if (key_allowed) {
      w.begin_object().key("apiKeyAuth").begin_array();
      for (const std::string& s : scopes) w.string(s);
      w.end_array().end_object();
    }
  }
  w.end_array();
}

void write_content(JsonWriter& w, const std::vector<Content>& content) {
  w.key("content").begin_object();
  for (const Content& c : content) {
    w.key(c.media_type).begin_object().key("schema");
    c.schema.write(w);
    w.end_object();
  }
  w.end_object();
}

void write_parameter(JsonWriter& w, const Parameter& p) {
  w.begin_object();
  w.field("name", p.name);
  w.field("in", p.in);
  w.field("description", p.description);
  w.key("schema");
  p.schema.write(w);
  w.end_object();
}

void write_operation(JsonWriter& w, const Route& r, const RouteDoc* doc, std::set<int>* used_errors) {
  std::string pattern = r.pattern;
  std::string method(http::method_name(r.method));
  w.begin_object();
  if (doc != nullptr) {
    w.field("operationId", doc->operation_id);
    w.key("tags").begin_array().string(doc->tag).end_array();
    w.field("summary", doc->summary);
  } else {
    w.field("summary", method + " " + pattern + " (undescribed)");
  }
  std::string description = doc != nullptr && !doc->description.empty() ? doc->description + "\n\n" : "";
  w.field("description", description + access_text(r));
  if (r.access != Access::kPublic) {
    w.field("x-min-role", model::role_name(r.min_role));
    bool key_allowed = false;
    std::vector<std::string> scopes = key_scopes(r, &key_allowed);
    if (key_allowed) {
      w.key("x-api-key-scopes").begin_array();
      for (const std::string& s : scopes) w.string(s);
      w.end_array();
    }
  }
  w.field("x-rate-limit", limit_name(r.limit));
  write_security(w, r);
  if (doc != nullptr && !doc->parameters.empty()) {
    w.key("parameters").begin_array();
    for (const Parameter& p : doc->parameters) write_parameter(w, p);
    w.end_array();
  }
  if (doc != nullptr && !doc->request.content.empty()) {
    w.key("requestBody").begin_object();
    w.field("description", doc->request.description);
    write_content(w, doc->request.content);
    w.end_object();
  }
  w.key("responses").begin_object();
  w.key(std::to_string(doc != nullptr ? doc->status : 200)).begin_object();
  w.field("description", doc != nullptr && !doc->response.description.empty() ? doc->response.description : "Done.");
  if (r.limit == LimitKind::kCredential) write_rate_limit_header_refs(w);
  if (doc != nullptr && !doc->response.content.empty()) write_content(w, doc->response.content);
  w.end_object();
  for (int status : error_statuses(r, doc)) {
    used_errors->insert(status);
    w.key(std::to_string(status)).begin_object();
    w.field("$ref", "#/components/responses/" + std::string(error_response_name(status)));
    w.end_object();
  }
  w.key("default").begin_object().field("$ref", "#/components/responses/Error").end_object();
  w.end_object();
  w.end_object();
}

// The names of the {…} segments of an OpenAPI path, in order.
std::vector<std::string> path_parameters(std::string_view path) {
  std::vector<std::string> out;
  for (size_t open = path.find('{'); open != std::string_view::npos; open = path.find('{', open + 1)) {
    size_t close = path.find('}', open);
    out.emplace_back(path.substr(open + 1, close - open - 1));
  }
  return out;
}

void write_path_item(JsonWriter& w, std::span<const Route> table, std::string_view pattern,
                     const std::vector<RouteDoc>& docs, std::set<int>* used_errors) {
  const std::string path = openapi_path(pattern);
  w.key(path).begin_object();
  std::vector<std::string> params = path_parameters(path);
  if (!params.empty()) {
    w.key("parameters").begin_array();
    for (const std::string& name : params) {
      w.begin_object();
      w.field("name", name);
      w.field("in", "path");
      w.field("required", true);
      w.field("description", "A positive integer id; one of another organization is 404.");
      w.key("schema");
      Schema::id().write(w);
      w.end_object();
    }
    w.end_array();
  }
  for (const Route& r : table) {
    if (pattern != r.pattern) continue;
    const RouteDoc* doc = nullptr;
    for (const RouteDoc& d : docs)
      if (d.method == r.method && d.pattern == r.pattern) doc = &d;
    std::string method(http::method_name(r.method));
    for (char& ch : method) ch = char(ch - 'A' + 'a');
    w.key(method);
    write_operation(w, r, doc, used_errors);
  }
  w.end_object();
}

}  // namespace

std::string openapi_path(std::string_view pattern) {
  std::string out;
  std::string_view previous;  // the literal segment before the current one
  bool first_id = true;
  size_t pos = 0;
  while (pos < pattern.size()) {
    size_t slash = pattern.find('/', pos);
    if (slash == std::string_view::npos) slash = pattern.size();
    std::string_view seg = pattern.substr(pos, slash - pos);
    if (seg == "{id}") {
      std::string name = "id";
      if (!first_id) {
        std::string_view singular = previous;
        if (!singular.empty() && singular.back() == 's') singular.remove_suffix(1);
        name = std::string(singular) + "_id";
        for (char& ch : name) if (ch == '-') ch = '_';
      }
      first_id = false;
      out += "{" + name + "}";
    } else {
      out += seg;
      previous = seg;
    }
    if (slash < pattern.size()) out += '/';
    pos = slash + 1;
  }
  return out;
}

std::string render_json(std::span<const Route> table, const std::vector<RouteDoc>& docs, std::string_view server_url) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("openapi", "3.1.0");
  w.key("info").begin_object();
  w.field("title", "clariBI API");
  w.field("version", kDocumentVersion);
  w.field("summary", "Data sources, dashboards, reports and analytics, behind JWT and API-key authentication.");
  w.field("description", kIntroduction);
  w.key("license").begin_object().field("name", "Proprietary").end_object();
  w.end_object();
  w.key("servers").begin_array().begin_object();
  w.field("url", server_url);
  w.field("description", "This server (its configured public URL).");
  w.end_object().end_array();
  w.key("tags").begin_array();
  for (const Tag& t : tags()) w.begin_object().field("name", t.name).field("description", t.description).end_object();
  w.end_array();

  // Paths in route-table order, each pattern once with all its methods.
  std::set<int> used_errors;
  std::set<std::string_view> done;
  w.key("paths").begin_object();
  for (const Route& r : table) {
    if (!done.insert(r.pattern).second) continue;
    write_path_item(w, table, r.pattern, docs, &used_errors);
  }
  w.end_object();

  w.key("components").begin_object();
  w.key("securitySchemes").begin_object();
  write_security_schemes(w);
  w.end_object();
  w.key("headers").begin_object();
  write_headers(w);
  w.end_object();
  w.key("responses").begin_object();
  write_error_responses(w, used_errors);
  w.end_object();
  w.key("schemas").begin_object();
  for (const Component& c : component_schemas()) {
    w.key(c.name);
    c.schema.write(w);
  }
  w.end_object();
  w.end_object();
  w.end_object();
  return out;
}

std::vector<std::string> description_problems(std::span<const Route> table, const std::vector<RouteDoc>& docs) {
  std::vector<std::string> problems;
  auto name = [](http::Method m, std::string_view pattern) {
    return std::string(http::method_name(m)) + " " + std::string(pattern);
  };
  std::set<std::string> known_tags;
  for (const Tag& t : tags()) known_tags.insert(t.name);
  for (const Route& r : table) {
    size_t n = 0;
    for (const RouteDoc& d : docs) n += d.method == r.method && d.pattern == r.pattern;
    if (n == 0) problems.push_back(name(r.method, r.pattern) + " is in the route table but has no description");
    if (n > 1) problems.push_back(name(r.method, r.pattern) + " is described " + std::to_string(n) + " times");
  }
  for (const RouteDoc& d : docs) {
    bool found = false;
    for (const Route& r : table) found = found || (d.method == r.method && d.pattern == r.pattern);
    if (!found) problems.push_back(name(d.method, d.pattern) + " is described but not in the route table");
    if (known_tags.count(d.tag) == 0) problems.push_back(name(d.method, d.pattern) + " has an unknown tag " + d.tag);
  }
  return problems;
}

const Document& document(std::string_view server_url) {
  // Thread-safe static initialization: the first caller renders, the others wait for it.
  static const Document doc = [server_url] {
    Document d;
    d.json = render_json(routes(), route_docs(), server_url);
    d.yaml = json_to_yaml(d.json);
    return d;
  }();
  return doc;
}

}  // namespace claribi::api::openapi
