#include "analytics/query_service.h"

#include "http/error.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace claribi::analytics {

namespace {

thread_local int t_qsbr_slot = -1;  // the query pool thread's QSBR reader slot

int pool_threads(int asked) {
  if (asked > 0) return asked;
  return int(std::max(1u, std::thread::hardware_concurrency()));
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

struct QueryService::Job {
  Plan plan;
  std::vector<std::shared_ptr<const rows::Chunk>> chunks;
  std::string cache_key;
  RunOptions options;
  Done done;
  std::chrono::steady_clock::time_point start;
};

static exec::ThreadPool::Priority priority_of(const RunOptions& o) {
  return o.background ? exec::ThreadPool::Priority::kLow : exec::ThreadPool::Priority::kNormal;
}

QueryService::QueryService(rows::RowService& rows, index::Qsbr& qsbr, const QueryServiceOptions& options)
    : rows_(rows),
      qsbr_(qsbr),
      options_(options),
      cache_(options.cache_bytes > 0 ? std::make_unique<ResultCache>(options.cache_bytes) : nullptr),
      pool_("query", pool_threads(options.threads), options.max_queue,
            exec::ThreadPool::Options{options.nice, [this] { t_qsbr_slot = qsbr_.register_reader(); },
                                      [this] {
                                        qsbr_.unregister_reader(t_qsbr_slot);
                                        t_qsbr_slot = -1;
                                      }}) {}

QueryService::~QueryService() { Stop(); }

void QueryService::Stop() { pool_.Stop(); }

void QueryService::run(const Query& q, const RunOptions& options, Done done) {
  const auto start = std::chrono::steady_clock::now();
  const rows::TableSnapshot* snap = rows_.snapshot(q.data_source_id);
  static const std::vector<storage::TableColumn> kNoColumns;
  auto job = std::make_shared<Job>();
  http::FieldErrors errors;
  if (!plan_query(q, snap != nullptr ? snap->columns : kNoColumns, &job->plan, &errors)) {
    QueryAnswer a;
    a.kind = QueryAnswer::Kind::kInvalid;
    a.fields = std::move(errors);
    a.detail = "The query does not fit data source " + std::to_string(q.data_source_id) + ".";
    done(std::move(a));
    return;
  }
  const uint64_t version = snap != nullptr ? snap->version : 0;
  if (cache_) {
    job->cache_key = ResultCache::key(q.data_source_id, version, canonical_json(q));
    if (options.use_cache && !options.want_result) {
      if (auto hit = cache_->find(job->cache_key)) {
        QueryAnswer a;
        a.head = std::move(hit);
        a.cached = true;
        a.elapsed_ms = ms_since(start);
        figures_.cache_hits.add_shared();
        done(std::move(a));
        return;
      }
    }
  }
  if (snap != nullptr) job->chunks = snap->chunks;  // shared ownership: the job outlives this callback
  job->options = options;
  job->done = std::move(done);
  job->start = start;
  if (!pool_.try_submit([this, job] { execute_job(job); }, priority_of(options))) {
    QueryAnswer a;
    a.kind = QueryAnswer::Kind::kUnavailable;
    a.detail = "Too many queries are waiting; try again shortly.";
    figures_.refused_queue_full.add_shared();
    job->done(std::move(a));
  }
}

void QueryService::parallel_for(int workers, const std::function<void(int)>& fn, exec::ThreadPool::Priority priority) {
  struct Fanout {
    std::mutex mu;
    std::condition_variable cv;
    int active = 0;
    int next = 1;
    bool closed = false;
    const std::function<void(int)>* fn = nullptr;
  };
  auto f = std::make_shared<Fanout>();
  f->fn = &fn;
  for (int w = 1; w < workers; ++w) {
    bool queued = pool_.try_submit([this, f] {
      int index;
      {
        std::lock_guard<std::mutex> lock(f->mu);
        if (f->closed) return;  // the job finished without this helper
        ++f->active;
        index = f->next++;
      }
      {
        index::ReaderScope scope(qsbr_, t_qsbr_slot);
        (*f->fn)(index);
      }
      std::lock_guard<std::mutex> lock(f->mu);
      if (--f->active == 0) f->cv.notify_all();
    }, priority);
    if (!queued) break;  // a full queue: fewer helpers
  }
  fn(0);
  std::unique_lock<std::mutex> lock(f->mu);
  f->closed = true;
  f->cv.wait(lock, [&] { return f->active == 0; });
}

void QueryService::execute_job(const std::shared_ptr<Job>& job) {
  QueryAnswer a;
  {
    index::ReaderScope scope(qsbr_, t_qsbr_slot);
    ScanControl control;
    control.cancelled = job->options.cancelled.get();
    control.deadline = job->start + options_.timeout;
    control.memory_limit = options_.max_memory_bytes;
    ExecOutcome out = execute(
        job->plan, job->chunks, pool_.threads(),
        [this, priority = priority_of(job->options)](int workers, const std::function<void(int)>& fn) {
          parallel_for(workers, fn, priority);
        },
        control);
    a.stats = out.stats;
    switch (out.kind) {
      case ExecOutcome::Kind::kOk: {
        figures_.executed[QueryFigures::kOk].add_shared();
        auto head = std::make_shared<const std::string>(result_head_json(out.result));
        if (cache_) cache_->insert(job->cache_key, head);
        a.head = std::move(head);
        if (job->options.want_result) a.result = std::make_shared<const QueryResult>(std::move(out.result));
        break;
      }
      case ExecOutcome::Kind::kCancelled:
        figures_.executed[QueryFigures::kCancelled].add_shared();
        a.kind = QueryAnswer::Kind::kCancelled;
        a.detail = "The query was cancelled.";
        break;
      case ExecOutcome::Kind::kTimeout:
        figures_.executed[QueryFigures::kTimeout].add_shared();
        a.kind = QueryAnswer::Kind::kTimeout;
        a.detail = "The query ran longer than analytics.query_timeout (" + std::to_string(options_.timeout.count()) +
                   " s) and was stopped.";
        break;
      case ExecOutcome::Kind::kMemory:
        figures_.executed[QueryFigures::kMemory].add_shared();
        a.kind = QueryAnswer::Kind::kTimeout;
        a.detail = "The query needed more than analytics.max_query_memory (" +
                   std::to_string(options_.max_memory_bytes >> 20) + " MiB) for its groups and was stopped.";
        break;
      case ExecOutcome::Kind::kFailed:
        figures_.executed[QueryFigures::kFailed].add_shared();
        a.kind = QueryAnswer::Kind::kFailed;
        a.detail = "The rows could not be read.";
        break;
    }
  }
  a.elapsed_ms = ms_since(job->start);
  figures_.latency.observe_shared(
      uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - job->start)
                   .count()));
  // Free the plan and chunk references before the answer travels.
  Done done = std::move(job->done);
  job->chunks.clear();
  done(std::move(a));
}

void render_answer(http::Response& r, const QueryAnswer& a) {
  using Kind = QueryAnswer::Kind;
  switch (a.kind) {
    case Kind::kOk:
      r.status = 200;
      r.content_type = "application/json";
      r.body.assign(*a.head);
      append_result_tail(r.body, a.elapsed_ms);
      return;
    case Kind::kInvalid:
      http::render_error(r, http::ErrorCode::kValidationError, a.detail, &a.fields);
      return;
    case Kind::kUnavailable:
      http::render_error(r, http::ErrorCode::kServiceUnavailable, a.detail);
      r.add_header("Retry-After", "1");
      return;
    case Kind::kTimeout:
      http::render_error(r, http::ErrorCode::kQueryTimeout, a.detail);
      return;
    case Kind::kCancelled:
      // Nobody reads this answer; the access log shows 499 (nginx's "client
      // closed request") so an operator sees the query was given up.
      http::render_error(r, http::ErrorCode::kServiceUnavailable, a.detail);
      r.status = 499;
      return;
    case Kind::kFailed:
      http::render_error(r, http::ErrorCode::kInternalError, a.detail);
      return;
  }
}

}  // namespace claribi::analytics
