// ReportRunner: runs a report now (API.md §10 "Report runs") — its stored
// query through the QueryService, the answer rendered as the report's format
// asks (the query response plus report_id and run_id, or RFC 4180 CSV) — and
// records the run: trigger, status, times, row count, the §3 error of a
// failed run, and the body it answered. The run and the report's
// last_run_at are written in one durable batch, together with the removal
// of the runs past the newest `keep_runs`; the answer is handed back only
// after that write (a run_id a client saw is always listed).
//
// A run always scans (no result cache): "run now" means the rows as they
// are now, and the CSV needs the typed result the cache does not keep.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "analytics/query_service.h"
#include "http/response.h"
#include "model/resources.h"
#include "resources/resources.h"
#include "storage/resource_store.h"

namespace claribi::scheduler {

struct RunAnswer {
  // What POST /api/reports/{id}/run/ answers: the §3 error of a failed run
  // (the same body is stored), or status and headers of a 200 whose body is
  // run.result (JSON or CSV), sent from there in parts (take_body).
  http::Response response;
  uint64_t run_id = 0;    // 0: nothing recorded (the report was deleted meanwhile, or the write failed)
  bool recorded = false;
  model::ReportRun run;   // the run as recorded (its result included)

  // The response, its body moved out of run.result for a 200.
  http::Response take_response();
};

class ReportRunner {
 public:
  ReportRunner(resources::Resources& resources, storage::ResourceStore& store, analytics::QueryService& queries,
               size_t keep_runs)
      : resources_(resources), store_(store), queries_(queries), keep_runs_(keep_runs < 1 ? 1 : keep_runs) {}

  using Done = std::function<void(RunAnswer)>;
  // Runs `report` (the version read by the caller) at `now` (Unix seconds).
  // A scheduled run names the scheduled time it stands for: its query waits
  // behind interactive ones in the pool, and its write also moves the
  // report's scheduled_through to that time. `done` is called exactly once,
  // on any thread.
  // `deliver`: the run will be e-mailed, so it is recorded with delivery
  // "pending".
  void run(const model::Report& report, model::RunTrigger trigger, int64_t now, Done done,
           int64_t scheduled_time = 0, bool deliver = false);

  size_t keep_runs() const { return keep_runs_; }

  // Records a delivery attempt's outcome on the run (its summary; the
  // stored result stays). Nothing is written when the run is gone — trimmed
  // past keep_runs or deleted with its report — even while that removal is
  // still queued: a delivery never brings a run back. Any thread.
  void record_delivery(const model::ReportRun& run, model::DeliveryStatus status, uint32_t attempts,
                       const std::string& error);

  // Every kept run whose delivery is still "pending" (owed when the server
  // last stopped), with its result, and its report as it is now. For
  // start-up, before the scheduler runs.
  using OwedFn = std::function<void(const model::Report& report, model::ReportRun run)>;
  Status pending_deliveries(const OwedFn& fn) const;

 private:
  struct Job;
  void finish(const std::shared_ptr<Job>& job);

  resources::Resources& resources_;
  storage::ResourceStore& store_;
  analytics::QueryService& queries_;
  const size_t keep_runs_;
  // Orders the writes of runs: a run's record with its trim, and delivery
  // records. Submitted in this order, they commit in this order.
  std::mutex runs_mu_;
  // Per report (org, id): runs below this id are removed (queued or done).
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> trimmed_below_;
};

}  // namespace claribi::scheduler
