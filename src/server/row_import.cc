// Row import (see row_import.h): a descriptor fed to rows::Upload with
// back-pressure and progress, and the stand-alone rows machinery of a
// stopped server.
#include "server/row_import.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include "common/time_util.h"
#include "index/qsbr.h"
#include "model/resources.h"
#include "resources/resource_service.h"
#include "rows/row_runtime.h"
#include "rows/row_service.h"
#include "storage/database.h"
#include "storage/group_commit_writer.h"
#include "storage/resource_store.h"

namespace claribi::server {
namespace {

using Clock = std::chrono::steady_clock;

// The import's side of the upload: resume() and finished() arrive on the
// ingest pool (or the writer thread); the feeding thread waits for them.
class FdUploadClient final : public rows::UploadClient {
 public:
  void resume() override {
    std::lock_guard lk(mu_);
    resumed_ = true;
    cv_.notify_all();
  }
  void finished(const rows::UploadOutcome& outcome) override {
    std::lock_guard lk(mu_);
    outcome_ = outcome;
    cv_.notify_all();
  }

  // Before a feed(): a resume() from before it does not count.
  void arm() {
    std::lock_guard lk(mu_);
    resumed_ = false;
  }
  bool has_outcome() {
    std::lock_guard lk(mu_);
    return outcome_.has_value();
  }
  // Until resume() or finished() (true), or `until` (false).
  bool wait_resumed(Clock::time_point until) {
    std::unique_lock lk(mu_);
    return cv_.wait_until(lk, until, [&] { return resumed_ || outcome_.has_value(); });
  }
  // Until finished() (true), or `until` (false).
  bool wait_finished(Clock::time_point until) {
    std::unique_lock lk(mu_);
    return cv_.wait_until(lk, until, [&] { return outcome_.has_value(); });
  }
  rows::UploadOutcome take() {
    std::lock_guard lk(mu_);
    return std::move(*outcome_);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool resumed_ = false;
  std::optional<rows::UploadOutcome> outcome_;
};

// ResourceService wants a renderer for its list JSON; nothing here serves
// lists, and the JSON is never stored.
void no_render(const model::DataSource&, std::string* out) { out->clear(); }

}  // namespace


// ---- import_file ---------------------------------------------------------------

ImportResult import_file(rows::RowService& rows, uint64_t org, uint64_t ds, rows::Upload::Format format,
                         bool replace, int fd, const ImportProgressFn& progress) {
  ImportResult r;
  ImportProgress& p = r.last;
  struct stat st;
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (regular) {
    off_t at = ::lseek(fd, 0, SEEK_CUR);
    uint64_t size = uint64_t(st.st_size);
    p.bytes_total = size - std::min<uint64_t>(size, at > 0 ? uint64_t(at) : 0);
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  auto client = std::make_shared<FdUploadClient>();
  auto upload = std::make_shared<rows::Upload>(rows, client, org, ds, format, replace, unix_now());
  rows.enqueue(upload);
  auto report = [&] {
    p.rows_done = upload->rows_parsed();
    return !progress || progress(p);
  };

  const auto every = std::chrono::milliseconds(kImportProgressEveryMs);
  auto next = Clock::now() + every;
  bool go_on = report();
  auto tick = [&] {
    if (Clock::now() < next) return;
    next = Clock::now() + every;
    if (!report()) go_on = false;
  };

  std::string buf(rows::Upload::kBlockBytes, '\0');
  while (!client->has_outcome()) {  // a refusal ends the reading at once
    if (!go_on) {
      r.kind = ImportResult::Kind::kCancelled;
      upload->abort(http::ErrorCode::kBadRequest, "The import was cancelled; nothing was appended.");
      break;
    }
    // A pipe (or a socket) may have nothing to read for a long time: wait
    // for it no longer than the next report, which may be a cancellation.
    if (!regular) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
      pollfd pf{fd, POLLIN, 0};
      int ready = ::poll(&pf, 1, int(std::clamp<int64_t>(left, 0, kImportProgressEveryMs)));
      if (ready == 0 || (ready < 0 && errno == EINTR)) {
        tick();
        continue;
      }
    }
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (!regular && (errno == EAGAIN || errno == EWOULDBLOCK)) {  // non-blocking: the poll above waits
        tick();
        continue;
      }
      r.kind = ImportResult::Kind::kReadFailed;
      r.error = std::strerror(errno);
      upload->abort(http::ErrorCode::kBadRequest, "The file could not be read: " + r.error);
      break;
    }
    if (n == 0) {
      upload->end();
      (void)report();  // the whole file was read
      next = Clock::now() + every;
      break;
    }
    std::string_view bytes(buf.data(), size_t(n));
    p.bytes_done += bytes.size();
    client->arm();
    bool more = upload->feed(bytes);
    tick();
    // Back-pressure: the parser is kMaxQueuedBytes behind; wait for it,
    // reporting meanwhile.
    while (!more && go_on && !client->wait_resumed(next)) tick();
  }

  // Past the end of the body (or aborted): the upload is waited for; the
  // callback's answer no longer matters.
  while (!client->wait_finished(next)) {
    next = Clock::now() + every;
    (void)report();
  }
  r.outcome = client->take();
  (void)report();  // the final count
  // A refusal that came before the abort is the answer.
  if (r.outcome.kind != rows::UploadOutcome::Kind::kHttpError) r.kind = ImportResult::Kind::kFinished;
  return r;
}

// ---- StandaloneRows ------------------------------------------------------------

// Declared in the order they are built; destroyed in reverse.
struct StandaloneRows::Parts {
  std::unique_ptr<storage::GroupCommitWriter> writer;
  std::unique_ptr<storage::ResourceStore> resource_store;
  std::unique_ptr<resources::ResourceService<model::DataSource>> data_sources;
  std::unique_ptr<rows::RowRuntime> rows;
};

StandaloneRows::StandaloneRows() : p_(new Parts) {}

StandaloneRows::~StandaloneRows() {
  if (p_->rows) p_->rows->stop();
  if (p_->writer) p_->writer->Stop();
  p_->rows.reset();
  p_->data_sources.reset();
  p_->resource_store.reset();
  p_->writer.reset();
}

Result<std::unique_ptr<StandaloneRows>> StandaloneRows::open(const Config& config, storage::Database& db,
                                                             index::Qsbr& qsbr) {
  std::unique_ptr<StandaloneRows> out(new StandaloneRows);
  Parts& s = *out->p_;
  s.writer = std::make_unique<storage::GroupCommitWriter>(db);
  s.resource_store = std::make_unique<storage::ResourceStore>(db, s.writer.get());
  s.data_sources = std::make_unique<resources::ResourceService<model::DataSource>>(*s.resource_store, no_render);
  if (Status st = s.data_sources->load(); !st.ok()) return st;
  // The same machinery as the server's; one import at a time here, so one
  // parsing thread (its chunks are still encoded on every core).
  rows::RowRuntimeOptions ro;
  ro.staging_dir = config.data_dir + "/staging";
  ro.memory_budget_bytes = size_t(config.storage.rows_memory_mb) << 20;
  ro.parse_threads = 1;
  auto rows = rows::RowRuntime::open(ro, db, *s.writer, qsbr, *s.data_sources);
  if (!rows.ok()) return rows.status();
  s.rows = std::move(rows.value());
  return out;
}

AdminRows StandaloneRows::access() { return AdminRows{p_->data_sources.get(), &p_->rows->rows()}; }

}  // namespace claribi::server
