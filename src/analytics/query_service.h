// QueryService: runs analytics queries (API.md §10) off the reactors — for
// POST /api/analytics/query/ now, dashboard data and report runs next.
//
// run() is called on a reactor (online in the QSBR domain). It does the
// cheap part in line: take the table's current snapshot (one consistent
// version: an upload acknowledged before this moment is wholly in it, one
// still running is not at all), plan the query against its schema (a bad
// field is a 400 at once), and look the result up in the result cache. A
// miss becomes a job on the bounded "query" pool (src/exec): when its queue
// is full the answer is `unavailable` (503 with Retry-After) instead of an
// unbounded wait. A job splits its scan across the pool's threads (helpers
// queued behind it on the same pool; the job's own thread always takes part,
// so a busy pool only means fewer helpers, never a wait on a helper that
// cannot start). It ends early when the client goes away (the cancel flag),
// past analytics.query_timeout, or past analytics.max_query_memory.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "analytics/executor.h"
#include "analytics/query.h"
#include "analytics/result_cache.h"
#include "exec/thread_pool.h"
#include "http/error.h"
#include "index/qsbr.h"
#include "metrics/counter.h"
#include "rows/row_service.h"

namespace claribi::analytics {

struct QueryServiceOptions {
  int threads = 0;  // 0: one per core
  size_t max_queue = 64;
  std::chrono::seconds timeout{30};
  size_t max_memory_bytes = size_t(1) << 30;
  size_t cache_bytes = size_t(256) << 20;  // 0: no cache
  // Added to the pool threads' nice value: a scan that competes with the
  // reactors for a core yields it to them (requests first, like uploads).
  int nice = 0;
};

struct QueryAnswer {
  enum class Kind : uint8_t {
    kOk,
    kInvalid,      // 400 validation_error: `fields`
    kUnavailable,  // 503: the queue is full
    kTimeout,      // 504 query_timeout: time or memory budget (detail says which)
    kCancelled,    // the caller went away
    kFailed,       // 500: rows could not be read
  };
  Kind kind = Kind::kOk;
  http::FieldErrors fields;
  std::string detail;
  // kOk: the rendered answer without its timing (result_head_json), and the
  // result itself when RunOptions::want_result asked for it (CSV).
  std::shared_ptr<const std::string> head;
  std::shared_ptr<const QueryResult> result;
  double elapsed_ms = 0;
  bool cached = false;
  ScanStats stats;
};

struct RunOptions {
  bool use_cache = true;     // false: skip the lookup (Cache-Control: no-cache); the result is still stored
  bool want_result = false;  // also hand back the QueryResult (never from the cache)
  std::shared_ptr<std::atomic<bool>> cancelled;  // set by the caller when its client is gone
  bool background = false;   // scheduled work: waits behind every interactive query in the pool's queue
};

// The HTTP answer for a: 200 with the §10 body, or the §3 error (400, 503
// with Retry-After, 504, 500; a cancelled query 499, which nobody reads).
void render_answer(http::Response& r, const QueryAnswer& a);

// What the metrics listener shows of the query pool. Bumped by the reactors
// (cache hits, refusals) and the pool's threads (executions), so shared.
struct QueryFigures {
  enum Outcome : size_t { kOk, kCancelled, kTimeout, kMemory, kFailed, kOutcomes };
  metrics::Counter executed[kOutcomes];
  metrics::Counter cache_hits;
  metrics::Counter refused_queue_full;
  metrics::Histogram latency{metrics::kLatencyBoundsUs};  // executed queries, from submission to result
};

class QueryService {
 public:
  QueryService(rows::RowService& rows, index::Qsbr& qsbr, const QueryServiceOptions& options);
  ~QueryService();  // Stop()
  QueryService(const QueryService&) = delete;
  QueryService& operator=(const QueryService&) = delete;

  using Done = std::function<void(QueryAnswer&&)>;
  // Runs q (its data source already checked to be the caller's `upload`
  // source). `done` is called exactly once: before run() returns for a
  // refusal or a cache hit, otherwise later on a query-pool thread.
  void run(const Query& q, const RunOptions& options, Done done);

  // Lets running queries end (queued ones run), then joins. Idempotent.
  void Stop();

  int threads() const { return pool_.threads(); }
  size_t queued() const { return pool_.queued(); }
  const ResultCache* cache() const { return cache_.get(); }
  const QueryFigures& figures() const { return figures_; }

 private:
  struct Job;
  void execute_job(const std::shared_ptr<Job>& job);
  void parallel_for(int workers, const std::function<void(int)>& fn, exec::ThreadPool::Priority priority);

  rows::RowService& rows_;
  index::Qsbr& qsbr_;
  const QueryServiceOptions options_;
  std::unique_ptr<ResultCache> cache_;
  exec::ThreadPool pool_;
  QueryFigures figures_;
};

}  // namespace claribi::analytics
