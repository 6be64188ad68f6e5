// RowRuntime (see row_runtime.h).
#include "rows/row_runtime.h"

#include <algorithm>
#include <thread>

namespace claribi::rows {

Result<std::unique_ptr<RowRuntime>> RowRuntime::open(const RowRuntimeOptions& options, storage::Database& db,
                                                     storage::GroupCommitWriter& writer, index::Qsbr& qsbr,
                                                     resources::ResourceService<model::DataSource>& data_sources) {
  std::unique_ptr<RowRuntime> rt(new RowRuntime);
  rt->store_ = std::make_unique<storage::RowStore>(db, options.staging_dir);
  // Uploads parse on one pool and encode chunks on another: a parsing task
  // waits for its chunk's encoding, which must never queue behind parsing.
  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  exec::ThreadPool::Options pool_options;
  pool_options.nice = options.nice;
  rt->ingest_pool_ = std::make_unique<exec::ThreadPool>(
      "ingest", options.parse_threads > 0 ? options.parse_threads : cores, 1024, pool_options);
  rt->seal_pool_ = std::make_unique<exec::ThreadPool>("ingest-seal", cores, 1024, pool_options);
  rt->rows_ = std::make_unique<RowService>(*rt->store_, writer, qsbr, data_sources, *rt->ingest_pool_,
                                           options.memory_budget_bytes, rt->seal_pool_.get());
  if (Status st = rt->rows_->load(); !st.ok()) return st;
  return rt;
}

void RowRuntime::stop() {
  if (ingest_pool_) ingest_pool_->Stop();
  if (seal_pool_) seal_pool_->Stop();
}

RowRuntime::~RowRuntime() {
  stop();
  rows_.reset();
  seal_pool_.reset();
  ingest_pool_.reset();
  store_.reset();
}

}  // namespace claribi::rows
