#include "server/app.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "analytics/query_service.h"
#include "api/api_context.h"
#include "api/last_used.h"
#include "api/pipeline.h"
#include "api/render.h"
#include "auth/jwt.h"
#include "auth/password.h"
#include "cluster/change_follower.h"
#include "common/time_util.h"
#include "identity/identity_index.h"
#include "identity/identity_lists.h"
#include "identity/identity_service.h"
#include "index/qsbr.h"
#include "limit/redis_limiter.h"
#include "limit/sliding_window_limiter.h"
#include "resources/resources.h"
#include "rows/row_runtime.h"
#include "scheduler/mailer.h"
#include "scheduler/report_runner.h"
#include "scheduler/scheduler.h"
#include "metrics/registry.h"
#include "server/database_options.h"
#include "storage/database.h"
#include "storage/group_commit_writer.h"
#include "storage/resource_store.h"

namespace claribi::server {

// Declared in the order they are built; destroyed in reverse.
struct App::Parts {
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::GroupCommitWriter> writer;
  std::unique_ptr<index::Qsbr> qsbr;
  std::unique_ptr<identity::IdentityIndex> index;
  std::unique_ptr<identity::IdentityService> identity;
  std::unique_ptr<identity::IdentityLists> lists;
  std::unique_ptr<storage::ResourceStore> resource_store;
  std::unique_ptr<resources::Resources> resources;
  std::unique_ptr<rows::RowRuntime> rows;
  std::unique_ptr<analytics::QueryService> queries;
  std::unique_ptr<scheduler::ReportRunner> runner;
  std::unique_ptr<scheduler::Mailer> mailer;  // null: reports.smtp_url unset
  std::unique_ptr<scheduler::SystemClock> clock;
  std::unique_ptr<scheduler::Scheduler> scheduler;
  std::unique_ptr<limit::SlidingWindowLimiter> limiter;
  std::unique_ptr<limit::RedisLimiter> shared_limiter;  // rate_limits.backend = "redis"
  std::unique_ptr<api::LastUsedRecorder> last_used;
  // Cluster mode (a shared database): the other nodes' changes, followed.
  std::unique_ptr<storage::ChangeFeed> feed;
  std::unique_ptr<cluster::ChangeFollower> follower;
  api::ServingState serving;
  std::unique_ptr<api::ApiContext> context;
  std::unique_ptr<api::Pipeline> pipeline;
};

App::App() : p_(new Parts) {}

App::~App() {
  // The follower first (it applies through the writer), the scheduler next
  // (its runs in flight finish and are recorded), then uploads still
  // parsing finish (and are refused or published).
  if (p_->follower) p_->follower->stop();
  if (p_->scheduler) p_->scheduler->stop();
  if (p_->mailer) p_->mailer->stop();  // messages still waiting stay "pending" on their runs
  if (p_->queries) p_->queries->Stop();
  if (p_->rows) p_->rows->stop();
  if (p_->writer) p_->writer->Stop();
  p_->pipeline.reset();
  p_->context.reset();
  p_->follower.reset();
  p_->feed.reset();
  p_->last_used.reset();
  p_->shared_limiter.reset();
  p_->limiter.reset();
  p_->scheduler.reset();
  p_->clock.reset();
  p_->mailer.reset();
  p_->runner.reset();
  p_->queries.reset();
  p_->rows.reset();
  p_->resources.reset();
  p_->resource_store.reset();
  p_->lists.reset();
  p_->identity.reset();
  p_->index.reset();
  p_->qsbr.reset();
  p_->writer.reset();
  p_->db.reset();  // closes RocksDB cleanly
}

Result<std::unique_ptr<App>> App::open(const Config& cfg, const std::string& jwt_secret, unsigned readers) {
  std::unique_ptr<App> app(new App);
  Parts& s = *app->p_;
  auto db = storage::Database::Open(database_options(cfg));
  if (!db.ok()) return db.status();
  s.db = std::move(db.value());
  s.writer = std::make_unique<storage::GroupCommitWriter>(*s.db);
  // Shared with other nodes: where their change log stands before anything
  // is loaded, so following from there misses nothing (what is loaded may
  // already hold some of what follows; applying it again is harmless).
  uint64_t log_head = 0;
  if (s.db->shared()) {
    auto feed = s.db->OpenChangeFeed();
    if (!feed.ok()) return feed.status();
    s.feed = std::move(feed.value());
    auto head = s.feed->Head();
    if (!head.ok()) return head.status();
    log_head = head.value();
  }
  // Reader slots: one per reactor and per query-pool thread, plus the
  // admin socket, the writer and room for a benchmark or test thread.
  const int query_threads = cfg.analytics.query_threads > 0
                                ? int(cfg.analytics.query_threads)
                                : int(std::max(1u, std::thread::hardware_concurrency()));
  s.qsbr = std::make_unique<index::Qsbr>(int(readers) + query_threads + 4);
  s.index = std::make_unique<identity::IdentityIndex>(*s.qsbr);
  s.identity = std::make_unique<identity::IdentityService>(*s.db, s.writer.get(), *s.index);
  s.lists = std::make_unique<identity::IdentityLists>(api::render_user, api::render_api_key);
  s.identity->set_lists(s.lists.get());
  if (Status st = s.identity->load(unix_now()); !st.ok()) return st;
  s.resource_store = std::make_unique<storage::ResourceStore>(*s.db, s.writer.get());
  s.resources = std::make_unique<resources::Resources>(
      *s.resource_store, resources::Renderers{api::render_data_source, api::render_dashboard, api::render_report});
  if (Status st = s.resources->load(); !st.ok()) return st;
  // Rows: manifests and chunk metadata now, column data when first read.
  // The upload pools run below the reactors' priority: requests first.
  rows::RowRuntimeOptions ro;
  ro.staging_dir = cfg.data_dir + "/staging";
  ro.memory_budget_bytes = size_t(cfg.storage.rows_memory_mb) << 20;
  ro.nice = 10;
  auto rows = rows::RowRuntime::open(ro, *s.db, *s.writer, *s.qsbr, s.resources->data_sources);
  if (!rows.ok()) return rows.status();
  s.rows = std::move(rows.value());
  if (s.feed) {
    s.follower = std::make_unique<cluster::ChangeFollower>(*s.feed, *s.writer, log_head);
    identity::IdentityService* id = s.identity.get();
    for (storage::Family f : {storage::Family::kOrganizations, storage::Family::kUsers, storage::Family::kApiKeys,
                              storage::Family::kTokenBlacklist}) {
      s.follower->follow(f, [id](const storage::Batch::Op& op) { return id->followed(op); });
    }
    resources::Resources* res = s.resources.get();
    s.follower->follow(storage::Family::kDataSources,
                       [res](const storage::Batch::Op& op) { return res->data_sources.followed(op); });
    s.follower->follow(storage::Family::kDashboards,
                       [res](const storage::Batch::Op& op) { return res->dashboards.followed(op); });
    s.follower->follow(storage::Family::kReports,
                       [res](const storage::Batch::Op& op) { return res->reports.followed(op); });
    rows::RowService* row_service = &s.rows->rows();
    s.follower->follow(storage::Family::kRowTables,
                       [row_service](const storage::Batch::Op& op) { return row_service->followed(op); });
    s.follower->start();
  }
  analytics::QueryServiceOptions qo;
  qo.threads = query_threads;
  qo.max_queue = cfg.analytics.max_queued_queries;
  qo.timeout = cfg.analytics.query_timeout;
  qo.max_memory_bytes = size_t(cfg.analytics.max_query_memory) << 20;
  qo.cache_bytes = size_t(cfg.analytics.result_cache_mb) << 20;
  qo.nice = 10;  // like the upload pools: a query never holds up a request
  s.queries = std::make_unique<analytics::QueryService>(s.rows->rows(), *s.qsbr, qo);
  s.runner = std::make_unique<scheduler::ReportRunner>(*s.resources, *s.resource_store, *s.queries,
                                                       cfg.reports.keep_runs);
  scheduler::ReportRunner* runner = s.runner.get();
  if (!cfg.reports.smtp_url.empty()) {
    scheduler::MailerOptions mo{cfg.reports.smtp_url, cfg.reports.smtp_from, cfg.reports.smtp_attempts,
                                cfg.reports.smtp_retry_delay};
    // Each attempt is recorded on its run (delivery status, attempts, error).
    s.mailer = std::make_unique<scheduler::Mailer>(
        mo, [runner](const model::ReportRun& run, model::DeliveryStatus status, uint32_t attempts,
                     const std::string& error) { runner->record_delivery(run, status, attempts, error); });
  }
  s.clock = std::make_unique<scheduler::SystemClock>();
  scheduler::Mailer* mailer = s.mailer.get();
  storage::ResourceStore* store = s.resource_store.get();
  storage::Database* database = s.db.get();
  s.scheduler = std::make_unique<scheduler::Scheduler>(
      *s.clock,
      [store](std::vector<model::Report>* out) {
        return store->ForEach<model::Report>([out](const model::Report& r) {
          if (!r.schedule.empty()) out->push_back(r);
        });
      },
      [runner, mailer, database](const model::Report& r, int64_t scheduled_time, std::function<void()> done) {
        // Every node's scheduler sees the time come; the one that claims it
        // runs it (cluster mode; one process alone always claims).
        Result<bool> mine =
            database->Claim("report/" + std::to_string(r.id) + "/run/" + std::to_string(scheduled_time));
        if (!mine.ok() || !mine.value()) {
          if (!mine.ok()) {
            std::fprintf(stderr, "claribi-server: scheduled run of report %llu not claimed: %s\n",
                         static_cast<unsigned long long>(r.id), mine.status().message().c_str());
          }
          done();
          return;
        }
        const bool deliver = mailer != nullptr && !r.recipients.empty();
        runner->run(
            r, model::RunTrigger::kSchedule, unix_now(),
            [done = std::move(done), deliver, mailer, name = r.name, to = r.recipients](scheduler::RunAnswer a) {
              if (deliver && a.recorded) mailer->enqueue(scheduler::Mail{std::move(a.run), name, to});
              done();
            },
            scheduled_time, deliver);
      });

  s.limiter = std::make_unique<limit::SlidingWindowLimiter>();
  if (cfg.rate_limits.backend == LimitBackend::kRedis) {
    limit::RedisLimiter::Options ro;
    if (std::string why = parse_redis_url(cfg.rate_limits.redis_url, &ro.endpoint); !why.empty()) {
      return Status::InvalidArgument("rate_limits.redis_url: " + why);
    }
    ro.timeout_ms = cfg.rate_limits.redis_timeout_ms;
    ro.fallback_local = cfg.rate_limits.redis_fallback == RedisFallback::kLocal;
    ro.reactors = int(readers);
    s.shared_limiter = std::make_unique<limit::RedisLimiter>(std::move(ro), *s.limiter);
    if (std::string why = s.shared_limiter->resolve(); !why.empty()) return Status::InvalidArgument(why);
  }
  s.last_used = std::make_unique<api::LastUsedRecorder>(*s.identity, int(readers));
  auth::Argon2Params argon2{cfg.auth.argon2_iterations, cfg.auth.argon2_memory_kib, cfg.auth.argon2_parallelism};
  storage::GroupCommitWriter* writer = s.writer.get();
  cluster::ChangeFollower* follower = s.follower.get();
  auto storage_problem = [database, writer, follower]() -> std::string {
    if (Status st = database->Writable(); !st.ok()) return st.message();
    if (follower != nullptr) {
      if (std::string why = follower->problem(); !why.empty()) return why;
    }
    if (writer->last_write_failed() && !database->writable_is_live()) return "the latest durable write failed";
    return "";
  };
  s.context.reset(new api::ApiContext{cfg, s.serving, storage_problem, auth::JwtCodec(jwt_secret), *s.index, *s.identity, *s.lists,
                                      *s.resources, s.rows->rows(), *s.queries, *s.runner, *s.limiter, *s.last_used, argon2,
                                      http::CorsPolicy(cfg.cors.allowed_origins, int(cfg.cors.max_age.count())),
                                      s.shared_limiter.get()});
  // Computed now so the first unknown-email login does not pay for it.
  auth::dummy_password_hash(argon2);
  s.pipeline = std::make_unique<api::Pipeline>(*s.context);
  return app;
}

size_t App::start_scheduler() {
  // Deliveries owed when the server last stopped go first: to the relay,
  // or, when none is configured now, recorded as failed (never left pending).
  size_t owed = 0;
  scheduler::Mailer* mailer = p_->mailer.get();
  scheduler::ReportRunner* runner = p_->runner.get();
  Status st = runner->pending_deliveries([&](const model::Report& report, model::ReportRun run) {
    ++owed;
    if (mailer != nullptr) {
      mailer->enqueue(scheduler::Mail{std::move(run), report.name, report.recipients});
    } else {
      runner->record_delivery(run, model::DeliveryStatus::kFailed, run.delivery_attempts,
                              "not sent: reports.smtp_url is not set");
    }
  });
  if (!st.ok()) std::fprintf(stderr, "claribi-server: pending report deliveries: %s\n", st.message().c_str());
  p_->scheduler->start();
  return owed;
}

api::Pipeline& App::pipeline() { return *p_->pipeline; }
limit::RedisLimiter* App::shared_limiter() { return p_->shared_limiter.get(); }
api::ApiContext& App::context() { return *p_->context; }
api::ServingState& App::serving() { return p_->serving; }
identity::IdentityService& App::identity() { return *p_->identity; }
index::Qsbr& App::qsbr() { return *p_->qsbr; }
storage::Database& App::db() { return *p_->db; }

void App::add_metrics(metrics::Registry& registry) {
  Parts* p = p_.get();
  registry.add_collector([p](metrics::TextWriter& w) {
    w.family("claribi_ready", "gauge", "1 while the server serves (started, not draining); what GET /api/health/ says.");
    w.sample("claribi_ready", "",
             uint64_t(p->serving.ready.load(std::memory_order_relaxed) && !p->serving.draining.load(std::memory_order_relaxed)));

    const storage::GroupCommitWriter& gw = *p->writer;
    auto histogram = [&w](std::string_view name, std::string_view help, const metrics::Histogram& h, double divisor) {
      w.family(name, "histogram", help);
      w.histogram(name, "", h, divisor);
    };
    histogram("claribi_group_commit_batches", "Write batches merged into each synced RocksDB write.", gw.group_sizes(), 1);
    histogram("claribi_group_commit_sync_seconds", "Time of each synced group write (WAL append and fsync).",
              gw.sync_micros(), 1e6);
    w.family("claribi_group_commit_writes_failed_total", "counter", "Write batches whose synced write failed.");
    w.sample("claribi_group_commit_writes_failed_total", "", gw.writes_failed());
    w.family("claribi_group_commit_conflicts_total", "counter",
             "Of those, batches refused because a record they were built from was changed first through another "
             "node (cluster mode: the client got 409 conflict).");
    w.sample("claribi_group_commit_conflicts_total", "", gw.writes_conflicted());

    const storage::Database::Figures f = p->db->KeyFigures();
    if (!f.families.empty()) {  // the embedded engine (PostgreSQL has its own statistics views)
      auto per_family = [&](std::string_view name, std::string_view help,
                            uint64_t storage::Database::FamilyFigures::*figure) {
        w.family(name, "gauge", help);
        for (const auto& ff : f.families) w.sample(name, metrics::label("family", ff.name), ff.*figure);
      };
      using FF = storage::Database::FamilyFigures;
      per_family("claribi_rocksdb_estimated_keys", "RocksDB's estimate of the keys in each column family.", &FF::keys);
      per_family("claribi_rocksdb_sst_bytes", "Size of each column family's SST files.", &FF::sst_bytes);
      per_family("claribi_rocksdb_memtable_bytes", "Size of each column family's memtables.", &FF::memtable_bytes);
      per_family("claribi_rocksdb_pending_compaction_bytes", "RocksDB's estimate of bytes compaction must rewrite.",
                 &FF::pending_compaction_bytes);
      w.family("claribi_rocksdb_running_compactions", "gauge", "Compactions running now.");
      w.sample("claribi_rocksdb_running_compactions", "", f.running_compactions);
      w.family("claribi_rocksdb_running_flushes", "gauge", "Memtable flushes running now.");
      w.sample("claribi_rocksdb_running_flushes", "", f.running_flushes);
      w.family("claribi_rocksdb_background_errors_total", "counter", "RocksDB background errors since the server started.");
      w.sample("claribi_rocksdb_background_errors_total", "", f.background_errors);
      w.family("claribi_rocksdb_write_stopped", "gauge", "1 while RocksDB refuses writes.");
      w.sample("claribi_rocksdb_write_stopped", "", uint64_t(f.write_stopped));
      w.family("claribi_rocksdb_block_cache_bytes", "gauge", "Block cache in use.");
      w.sample("claribi_rocksdb_block_cache_bytes", "", f.block_cache_usage);
      w.family("claribi_rocksdb_block_cache_capacity_bytes", "gauge", "Block cache capacity.");
      w.sample("claribi_rocksdb_block_cache_capacity_bytes", "", f.block_cache_capacity);
    }

    const analytics::QueryFigures& q = p->queries->figures();
    w.family("claribi_query_queue_depth", "gauge", "Analytics queries waiting for a query-pool thread.");
    w.sample("claribi_query_queue_depth", "", uint64_t(p->queries->queued()));
    static constexpr std::string_view kOutcomes[analytics::QueryFigures::kOutcomes] = {"ok", "cancelled", "timeout",
                                                                                        "memory", "failed"};
    w.family("claribi_queries_total", "counter", "Analytics queries executed on the query pool, by outcome.");
    for (size_t i = 0; i < analytics::QueryFigures::kOutcomes; ++i)
      w.sample("claribi_queries_total", metrics::label("outcome", kOutcomes[i]), q.executed[i].value());
    w.family("claribi_query_cache_hits_total", "counter", "Analytics queries answered from the result cache.");
    w.sample("claribi_query_cache_hits_total", "", q.cache_hits.value());
    w.family("claribi_queries_refused_total", "counter", "Analytics queries refused with 503: the queue was full.");
    w.sample("claribi_queries_refused_total", "", q.refused_queue_full.value());
    histogram("claribi_query_duration_seconds", "Executed analytics queries, from submission to result.", q.latency, 1e6);

    if (p->follower) {
      const cluster::ChangeFollower& f = *p->follower;
      w.family("claribi_cluster_changes_applied_total", "counter",
               "Changes read from the shared database's change log and applied in memory (the other nodes' writes).");
      w.sample("claribi_cluster_changes_applied_total", "", f.changes_applied());
      w.family("claribi_cluster_change_log_position", "gauge", "The newest change-log position applied here.");
      w.sample("claribi_cluster_change_log_position", "", f.position());
      histogram("claribi_cluster_change_lag_seconds",
                "Per read of the change log: from its newest change's commit to applied here.", f.lag_micros(), 1e6);
    }

    w.family("claribi_scheduler_runs_total", "counter", "Scheduled report runs started.");
    w.sample("claribi_scheduler_runs_total", "", p->scheduler ? p->scheduler->runs_started() : uint64_t(0));
  });
}

void App::tick(int slot, int64_t now) {
  p_->last_used->tick(slot, now);
  // A slice of the limiter's table per tick, so a sweep never stalls the
  // reactor (the whole table is covered every few seconds).
  if (slot == 0) p_->limiter->reclaim_idle(int64_t(monotonic_ns() / 1000000), 4096);
}

void App::flush_last_used(unsigned readers, int64_t now) {
  for (unsigned i = 0; i < readers; ++i) p_->last_used->tick(int(i), now, true);
}

}  // namespace claribi::server
