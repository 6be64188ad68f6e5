// §10 POST /api/analytics/query/: the body is read into the typed query
// (analytics/query.h), the data source checked (the caller's organization,
// an `upload` source), and the query handed to the QueryService, which
// plans it at once and scans on the query pool. The answer comes back to
// this exchange's reactor. A client that goes away cancels its query.
// `Cache-Control: no-cache` skips the result cache's lookup.
#include <atomic>
#include <memory>
#include <thread>

#include "analytics/query_service.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/pipeline.h"
#include "api/resource_handlers.h"

namespace claribi::api {

bool asks_no_cache(std::string_view cache_control) {
  // A directive list ("no-cache", "max-age=0, no-cache"); case-insensitive.
  while (!cache_control.empty()) {
    size_t comma = cache_control.find(',');
    std::string_view d = trim_whitespace(cache_control.substr(0, comma));
    if (http::iequals(d, "no-cache") || http::iequals(d, "no-store")) return true;
    if (comma == std::string_view::npos) break;
    cache_control.remove_prefix(comma + 1);
  }
  return false;
}

namespace {

// One query in flight for an exchange: watches for the client going away
// (setting the cancel flag the scan checks) and brings the answer back to
// the exchange's reactor.
class HttpQuery final : public net::ExchangeWatcher, public std::enable_shared_from_this<HttpQuery> {
 public:
  explicit HttpQuery(net::Exchange& ex)
      : reactor_(ex.reactor()), ex_(&ex), thread_(std::this_thread::get_id()),
        cancelled_(std::make_shared<std::atomic<bool>>(false)) {}

  const std::shared_ptr<std::atomic<bool>>& cancelled() const { return cancelled_; }
  void start() { ex_->watch(this); }

  // net::ExchangeWatcher (reactor thread).
  void on_client_gone() override { cancelled_->store(true, std::memory_order_relaxed); }

  // Any thread: the reactor's own (a refusal or a cache hit, inside the
  // handler) or a query-pool thread.
  void answer(analytics::QueryAnswer&& a) {
    if (std::this_thread::get_id() == thread_) {
      deliver(a);
      return;
    }
    reactor_.post([self = shared_from_this(), a = std::move(a)]() mutable { self->deliver(a); });
  }

 private:
  void deliver(analytics::QueryAnswer& a) {
    ex_->watch(nullptr);
    analytics::render_answer(ex_->response(), a);
    ex_->finish();
  }

  net::Reactor& reactor_;
  net::Exchange* ex_;
  std::thread::id thread_;
  std::shared_ptr<std::atomic<bool>> cancelled_;
};

}  // namespace

void handle_analytics_query(Ctx& c) {
  simdjson::dom::object body;
  if (!parse_json_object(c.req, c.res, thread_json_parser(), &body)) return c.finish();
  FieldReader f(body);
  analytics::Query q;
  analytics::read_query(f, &q);
  if (!f.finish(c.res)) return c.finish();
  model::DataSource ds;
  if (!find_upload_source(c, q.data_source_id, &ds, "data_source_id")) return c.finish();

  auto call = std::make_shared<HttpQuery>(c.ex);
  analytics::RunOptions options;
  options.use_cache = !asks_no_cache(c.req.header("cache-control"));
  options.cancelled = call->cancelled();
  call->start();
  c.app.queries.run(q, options, [call](analytics::QueryAnswer&& a) { call->answer(std::move(a)); });
}

}  // namespace claribi::api
