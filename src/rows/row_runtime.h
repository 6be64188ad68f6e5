// RowRuntime: the rows machinery on top of a database — the row store with
// its staging directory, the ingest and seal pools, and the RowService —
// built and loaded in one place for the two programs that need it: the
// server (App) and claribi-admin importing rows while the server is stopped.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "exec/thread_pool.h"
#include "index/qsbr.h"
#include "model/resources.h"
#include "resources/resource_service.h"
#include "rows/row_service.h"
#include "storage/database.h"
#include "storage/group_commit_writer.h"
#include "storage/row_store.h"

namespace claribi::rows {

struct RowRuntimeOptions {
  std::string staging_dir;      // <data-dir>/staging
  size_t memory_budget_bytes = size_t(4096) << 20;
  int parse_threads = 0;        // 0: one per core
  int nice = 0;                 // added to the pools' threads' nice value
};

class RowRuntime {
 public:
  // Removes staged leftovers and loads every table's manifest (no column
  // data). The arguments must outlive the runtime.
  static Result<std::unique_ptr<RowRuntime>> open(const RowRuntimeOptions& options, storage::Database& db,
                                                  storage::GroupCommitWriter& writer, index::Qsbr& qsbr,
                                                  resources::ResourceService<model::DataSource>& data_sources);
  // Lets queued upload work run to its end, then frees everything. Call
  // before the writer stops (uploads publish through it).
  ~RowRuntime();
  RowRuntime(const RowRuntime&) = delete;
  RowRuntime& operator=(const RowRuntime&) = delete;

  RowService& rows() { return *rows_; }
  // Stops the pools (queued work runs first). Idempotent.
  void stop();

 private:
  RowRuntime() = default;
  std::unique_ptr<storage::RowStore> store_;
  std::unique_ptr<exec::ThreadPool> ingest_pool_;
  std::unique_ptr<exec::ThreadPool> seal_pool_;
  std::unique_ptr<RowService> rows_;
};

}  // namespace claribi::rows
