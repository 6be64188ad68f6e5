// The API's description of itself, public and never rate limited (the route
// table says so):
//   GET /api/schema/                     the OpenAPI 3.1 document (openapi.h), JSON, or YAML with ?format=yaml
//   GET /api/docs/                       an HTML page rendering it with Redoc
//   GET /api/docs/redoc.standalone.js    the Redoc bundle the page loads (redoc_bundle.h)
// The document is rendered once and served from memory; the bundle is read
// from disk once, on the worker pool, then shared by every answer.
#include <memory>
#include <string>

#include "api/handlers.h"
#include "api/list_query.h"
#include "api/openapi.h"
#include "api/redoc_bundle.h"
#include "http/error.h"
#include "net/reactor.h"
#include "net/worker.h"

namespace claribi::api {

namespace {

using AnswerFn = void (*)(http::Response&, const std::shared_ptr<const std::string>&);

// Answers with the bundle's bytes, reading them on the worker pool first if
// no request has yet.
void with_bundle(Ctx& c, AnswerFn answer) {
  RedocBundle& bundle = installed_redoc_bundle();
  if (auto bytes = bundle.bytes()) {
    answer(c.res, bytes);
    return c.finish();
  }
  struct Load {
    std::shared_ptr<const std::string> bytes;
    std::string why;
  };
  auto load = std::make_shared<Load>();
  net::Exchange* ex = &c.ex;
  net::run_on_worker(
      ex->reactor(), [&bundle, load] { load->bytes = bundle.load(&load->why); },
      [ex, load, answer] {
        answer(ex->response(), load->bytes);
        ex->finish();
      });
}

}  // namespace

void handle_schema(Ctx& c) {
  bool yaml = false;
  if (!parse_two_way_param(c.req, c.res, "format", "json", "yaml", &yaml)) return c.finish();
  const openapi::Document& doc = openapi::document(c.app.config.public_url);
  c.res.status = 200;
  c.res.content_type = yaml ? "application/yaml" : "application/json";
  c.res.body = yaml ? doc.yaml : doc.json;
  c.finish();
}

void handle_docs(Ctx& c) { with_bundle(c, answer_docs_page); }

void handle_docs_script(Ctx& c) { with_bundle(c, answer_docs_script); }

}  // namespace claribi::api
