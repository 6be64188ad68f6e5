// §10 GET /api/dashboards/{id}/data/: every widget with a query, run as
// POST /api/analytics/query/ would run it (the same data-source check, the
// result cache, the query pool), all at once; the answer, keyed by widget
// id, is sent when the last widget is in. A widget whose query fails carries
// that §3 body and the response is still 200. A client that goes away
// cancels the widgets still running.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "analytics/query_service.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/pipeline.h"
#include "api/resource_handlers.h"
#include "resources/upload_source.h"

namespace claribi::api {

namespace {

// The widgets of one request, answered as they finish, on the exchange's reactor.
class DashboardData final : public net::ExchangeWatcher, public std::enable_shared_from_this<DashboardData> {
 public:
  DashboardData(net::Exchange& ex, uint64_t dashboard_id)
      : reactor_(ex.reactor()), ex_(&ex), thread_(std::this_thread::get_id()), dashboard_id_(dashboard_id),
        cancelled_(std::make_shared<std::atomic<bool>>(false)) {}

  const std::shared_ptr<std::atomic<bool>>& cancelled() const { return cancelled_; }

  // A widget slot; its body is filled by set() (reactor thread).
  size_t add(std::string id) {
    slots_.push_back(Slot{std::move(id), {}});
    return slots_.size() - 1;
  }
  void set(size_t slot, std::string body) {
    slots_[slot].body = std::move(body);
    if (--remaining_ == 0) deliver();
  }
  // Any thread: the reactor's own (a refusal or a cache hit) or a query-pool thread.
  void answer(size_t slot, analytics::QueryAnswer&& a) {
    if (std::this_thread::get_id() == thread_) return set(slot, body_of(a));
    reactor_.post([self = shared_from_this(), slot, a = std::move(a)] { self->set(slot, body_of(a)); });
  }
  // Called once every widget is submitted: from then on the last answer delivers.
  void start() {
    remaining_ += slots_.size();
    ex_->watch(this);
    set_submitted();
  }

  void on_client_gone() override { cancelled_->store(true, std::memory_order_relaxed); }

 private:
  struct Slot {
    std::string id;
    std::string body;
  };

  static std::string body_of(const analytics::QueryAnswer& a) {
    http::Response r;
    analytics::render_answer(r, a);
    return std::move(r.body);
  }
  // The start() guard: remaining_ counts the slots plus one until then.
  void set_submitted() {
    if (--remaining_ == 0) deliver();
  }
  void deliver() {
    ex_->watch(nullptr);
    http::Response& r = ex_->response();
    r.status = 200;
    r.content_type = "application/json";
    r.body.clear();
    JsonWriter w(r.body);
    w.begin_object();
    w.field("dashboard_id", dashboard_id_);
    w.key("widgets").begin_object();
    for (const Slot& s : slots_) w.key(s.id).raw(s.body);
    w.end_object();
    w.end_object();
    ex_->finish();
  }

  net::Reactor& reactor_;
  net::Exchange* ex_;
  std::thread::id thread_;
  uint64_t dashboard_id_;
  std::shared_ptr<std::atomic<bool>> cancelled_;
  std::vector<Slot> slots_;
  size_t remaining_ = 1;  // + one per slot at start()
};

}  // namespace

void handle_dashboard_data(Ctx& c) {
  model::Dashboard d;
  Status st = c.app.resources.dashboards.read(c.who.org_id, c.ids[0], &d);
  if (st.code() == StatusCode::kNotFound) {
    render_not_found(c.res, "dashboard", c.ids[0]);
    return c.finish();
  }
  if (!st.ok()) {
    http::render_error(c.res, http::ErrorCode::kInternalError, "The dashboard could not be read.");
    return c.finish();
  }
  // The stored widgets are canonical JSON written by this server.
  simdjson::padded_string widgets(d.widgets_json);
  simdjson::dom::array arr;
  if (thread_json_parser().parse(widgets).get(arr)) {
    http::render_error(c.res, http::ErrorCode::kInternalError, "The dashboard's widgets could not be read.");
    return c.finish();
  }
  struct Widget {
    size_t slot;
    analytics::Query query;
  };
  auto data = std::make_shared<DashboardData>(c.ex, d.id);
  std::vector<Widget> runs;
  std::vector<std::pair<size_t, std::string>> refused;
  for (simdjson::dom::element item : arr) {
    simdjson::dom::object obj;
    simdjson::dom::element query, id;
    if (item.get(obj) || obj["query"].get(query) || query.is_null() || obj["id"].get(id)) continue;
    std::string_view sid;
    uint64_t nid = 0;
    std::string key = !id.get(sid) ? std::string(sid) : !id.get(nid) ? std::to_string(nid) : std::string();
    const size_t slot = data->add(std::move(key));
    simdjson::dom::object qobj;
    analytics::Query q;
    http::Response refusal;
    if (query.get(qobj)) {
      http::render_error(refusal, http::ErrorCode::kInternalError, "The widget's query could not be read.");
    } else {
      FieldReader f(qobj);
      analytics::read_query(f, &q);
      model::DataSource ds;
      if (!f.ok()) {
        f.finish(refusal);
      } else if (resources::find_upload_source(c.app.resources.data_sources, c.who.org_id, q.data_source_id,
                                               "data_source_id", &ds, &refusal)) {
        runs.push_back(Widget{slot, std::move(q)});
        continue;
      }
    }
    refused.emplace_back(slot, std::move(refusal.body));
  }
  analytics::RunOptions options;
  options.use_cache = !asks_no_cache(c.req.header("cache-control"));
  options.cancelled = data->cancelled();
  data->start();  // counts the slots; the last answer below (or here) delivers
  for (auto& [slot, body] : refused) data->set(slot, std::move(body));
  for (Widget& w : runs)
    c.app.queries.run(w.query, options,
                      [data, slot = w.slot](analytics::QueryAnswer&& a) { data->answer(slot, std::move(a)); });
}

}  // namespace claribi::api
