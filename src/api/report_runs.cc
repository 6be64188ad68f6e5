// §10 report runs: POST /api/reports/{id}/run/ runs the report now through
// scheduler::ReportRunner (the query pool; the run recorded before the
// answer), GET /api/reports/{id}/runs/ lists its kept runs newest first
// (§2 envelope, page and page_size), GET /api/reports/{id}/runs/{run_id}/
// returns one with its stored result.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/handlers.h"
#include "api/list_query.h"
#include "api/pipeline.h"
#include "api/render.h"
#include "api/resource_handlers.h"
#include "scheduler/report_runner.h"

namespace claribi::api {

namespace {

// The report named by the path, or a rendered 404/500.
bool find_report(Ctx& c, model::Report* r) {
  Status st = c.app.resources.reports.read(c.who.org_id, c.ids[0], r);
  if (st.ok()) return true;
  if (st.code() == StatusCode::kNotFound) {
    render_not_found(c.res, "report", c.ids[0]);
  } else {
    http::render_error(c.res, http::ErrorCode::kInternalError, "The report could not be read.");
  }
  return false;
}

}  // namespace

void handle_report_run(Ctx& c) {
  model::Report report;
  if (!find_report(c, &report)) return c.finish();
  net::Exchange* ex = &c.ex;
  c.app.runner.run(report, model::RunTrigger::kManual, c.now, [ex](scheduler::RunAnswer a) {
    auto answer = std::make_shared<scheduler::RunAnswer>(std::move(a));  // posted work is copyable
    ex->reactor().post([ex, answer] {
      http::Response r = answer->take_response();
      http::Response& out = ex->response();
      out.status = r.status;
      out.content_type = r.content_type;
      out.body = std::move(r.body);
      out.stream = std::move(r.stream);
      out.extra_headers.append(r.extra_headers);  // after the rate-limit headers already there
      ex->finish();
    });
  });
}

void handle_report_runs_list(Ctx& c) {
  if (!c.app.resources.reports.contains(c.who.org_id, c.ids[0])) {
    render_not_found(c.res, "report", c.ids[0]);
    return c.finish();
  }
  ListQuery q;
  if (!parse_page_query(c.req, c.res, &q)) return c.finish();
  std::vector<model::ReportRun> runs;  // at most reports.keep_runs (and the ones being trimmed)
  Status st = c.app.resources.store().ForEachRun(c.who.org_id, c.ids[0], [&](const model::ReportRun& r) {
    runs.push_back(r);
    return true;
  });
  if (!st.ok()) {
    http::render_error(c.res, http::ErrorCode::kInternalError, "The report's runs could not be read.");
    return c.finish();
  }
  if (!check_page(q, runs.size(), c.res)) return c.finish();
  const PageRange page = page_bounds(q, runs.size());
  c.res.status = 200;
  c.res.body.clear();
  write_list_page(c.res.body, c.app.config.public_url, q, runs.size(), [&](JsonWriter& w) {
    for (size_t i = page.begin; i < page.end; ++i) write_report_run(w, runs[i]);
  });
  c.finish();
}

void handle_report_run_get(Ctx& c) {
  if (!c.app.resources.reports.contains(c.who.org_id, c.ids[0])) {
    render_not_found(c.res, "report", c.ids[0]);
    return c.finish();
  }
  model::ReportRun run;
  Status st = c.app.resources.store().GetRun(c.who.org_id, c.ids[0], c.ids[1], &run);
  if (st.code() == StatusCode::kNotFound) {
    render_not_found(c.res, "run", c.ids[1]);
    return c.finish();
  }
  if (!st.ok()) {
    http::render_error(c.res, http::ErrorCode::kInternalError, "The run could not be read.");
    return c.finish();
  }
  c.res.status = 200;
  c.res.body.clear();
  c.res.stream = report_run_body(run);
  c.finish();
}

}  // namespace claribi::api
