// ReportRunner (see report_runner.h).
#include "scheduler/report_runner.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "analytics/query.h"
#include "common/time_util.h"
#include "http/error.h"
#include "resources/upload_source.h"

namespace claribi::scheduler {

http::Response RunAnswer::take_response() {
  http::Response out = std::move(response);
  if (out.status == 200 && recorded) {
    auto body = std::make_unique<http::PartsBody>();
    body->add(std::move(run.result));
    out.stream = std::move(body);
  }
  return out;
}

struct ReportRunner::Job {
  model::ReportRun run;
  int64_t scheduled_time = 0;
  RunAnswer answer;
  Done done;
};

void ReportRunner::run(const model::Report& report, model::RunTrigger trigger, int64_t now, Done done,
                       int64_t scheduled_time, bool deliver) {
  auto job = std::make_shared<Job>();
  job->done = std::move(done);
  job->scheduled_time = scheduled_time;
  model::ReportRun& r = job->run;
  r.id = store_.AllocateId(storage::Sequence::kReportRun);
  r.org_id = report.org_id;
  r.report_id = report.id;
  r.trigger = trigger;
  r.started_at = now;
  r.csv = report.format == model::ReportFormat::kCsv;
  if (deliver) r.delivery = model::DeliveryStatus::kPending;
  http::Response& res = job->answer.response;

  analytics::Query q;
  if (!analytics::parse_stored_query(report.query_json, &q).ok()) {
    http::render_error(res, http::ErrorCode::kInternalError, "The report's stored query could not be read.");
    return finish(job);
  }
  model::DataSource ds;
  if (!resources::find_upload_source(resources_.data_sources, report.org_id, q.data_source_id, "query.data_source_id",
                                     &ds, &res))
    return finish(job);

  analytics::RunOptions options;
  options.want_result = true;
  options.background = trigger == model::RunTrigger::kSchedule;
  queries_.run(q, options, [this, job](analytics::QueryAnswer&& a) {
    http::Response& res = job->answer.response;
    if (a.kind != analytics::QueryAnswer::Kind::kOk) {
      analytics::render_answer(res, a);
      return finish(job);
    }
    model::ReportRun& r = job->run;
    r.row_count = int64_t(a.result->rows.size());
    res.status = 200;
    // Rendered once, into the run: the same text is stored and answered
    // (in parts, straight from the run; see ReportRunner::answer).
    if (r.csv) {
      analytics::append_csv(r.result, *a.result);
    } else {
      r.result = "{\"report_id\":" + std::to_string(r.report_id) + ",\"run_id\":" + std::to_string(r.id) + ",";
      r.result.append(*a.head, 1);  // the head without its '{'
      analytics::append_result_tail(r.result, a.elapsed_ms);
    }
    finish(job);
  });
}

void ReportRunner::finish(const std::shared_ptr<Job>& job) {
  model::ReportRun& r = job->run;
  const http::Response& res = job->answer.response;
  r.finished_at = std::max(unix_now(), r.started_at);
  if (res.status == 200) {
    r.status = model::RunStatus::kSucceeded;
  } else {
    r.status = model::RunStatus::kFailed;
    r.error_json = res.body;
    r.row_count = 0;
  }
  // The new run, and the removal of those past the newest keep_runs_.
  storage::Batch batch;
  storage::ResourceStore::PutRun(batch, r);
  std::unique_lock lock(runs_mu_);
  std::vector<uint64_t> ids;
  if (store_.RunIds(r.org_id, r.report_id, &ids).ok() && ids.size() >= keep_runs_) {
    const uint64_t below = keep_runs_ >= 2 ? ids[keep_runs_ - 2] : r.id;
    storage::ResourceStore::DeleteRuns(batch, r.org_id, r.report_id, below);
    uint64_t& floor = trimmed_below_[{r.org_id, r.report_id}];
    floor = std::max(floor, below);
  }
  const int64_t started = r.started_at, scheduled = job->scheduled_time;
  resources_.reports.update(
      r.org_id, r.report_id, resources::ResourceService<model::Report>::kKeepUpdatedAt,
      [started, scheduled](model::Report& rep) {
        rep.last_run_at = std::max(rep.last_run_at, started);
        rep.scheduled_through = std::max(rep.scheduled_through, scheduled);
      },
      [job](resources::WriteResult w) {
        RunAnswer& answer = job->answer;
        switch (w.outcome) {
          case resources::WriteOutcome::kOk:
            answer.recorded = true;
            answer.run_id = job->run.id;
            if (answer.response.status == 200 && job->run.csv) {
              answer.response.content_type = "text/csv";
              answer.response.add_header(
                  "Content-Disposition", "attachment; filename=\"" + std::to_string(job->run.report_id) + ".csv\"");
            }
            answer.run = std::move(job->run);
            break;
          case resources::WriteOutcome::kNotFound:
            http::render_not_found(answer.response, "report", job->run.report_id);
            break;
          case resources::WriteOutcome::kFailed:
            http::render_error(answer.response, http::ErrorCode::kInternalError, "The run could not be recorded.");
            break;
        }
        job->done(std::move(answer));
      },
      resources::Attachment{std::move(batch), {}});
}

void ReportRunner::record_delivery(const model::ReportRun& run, model::DeliveryStatus status, uint32_t attempts,
                                   const std::string& error) {
  model::ReportRun r = run;
  r.result.clear();  // the summary only: PutRun leaves the stored result as it is
  r.delivery = status;
  r.delivery_attempts = attempts;
  r.delivery_error = error;
  storage::Batch batch;
  storage::ResourceStore::PutRun(batch, r);
  std::lock_guard lock(runs_mu_);
  auto floor = trimmed_below_.find({r.org_id, r.report_id});
  if (floor != trimmed_below_.end() && r.id < floor->second) return;  // trimmed
  // Through the report's writes, behind any queued deletion of the report
  // (then NotFound, and nothing is written), the report itself unchanged.
  resources_.reports.update(
      r.org_id, r.report_id, resources::ResourceService<model::Report>::kKeepUpdatedAt, [](model::Report&) {},
      [](resources::WriteResult) {}, resources::Attachment{std::move(batch), {}});
}

Status ReportRunner::pending_deliveries(const OwedFn& fn) const {
  std::vector<model::Report> reports;
  Status st = store_.ForEach<model::Report>([&reports](const model::Report& r) {
    if (!r.recipients.empty()) reports.push_back(r);
  });
  if (!st.ok()) return st;
  for (const model::Report& rep : reports) {
    std::vector<uint64_t> owed;
    st = store_.ForEachRun(rep.org_id, rep.id, [&owed](const model::ReportRun& run) {
      if (run.delivery == model::DeliveryStatus::kPending) owed.push_back(run.id);
      return true;
    });
    if (!st.ok()) return st;
    for (auto it = owed.rbegin(); it != owed.rend(); ++it) {  // oldest first
      model::ReportRun run;
      st = store_.GetRun(rep.org_id, rep.id, *it, &run);
      if (st.code() == StatusCode::kNotFound) continue;
      if (!st.ok()) return st;
      fn(rep, std::move(run));
    }
  }
  return Status::Ok();
}

}  // namespace claribi::scheduler
