// Upload: one row upload (POST /api/data-sources/{id}/rows/), from the first
// body byte to the durable publish.
//
// Its client (the HTTP route, or claribi-admin's import) feeds the body with
// feed(); the bytes are cut into blocks of kBlockBytes and queued for the
// ingest pool, where run() parses them (CSV or JSON), builds and encodes
// column chunks (TableBuilder) and stages them (SegmentWriter). The body is
// never held whole: when more than kMaxQueuedBytes wait for the parser,
// feed() returns false and the client stops sending (the HTTP route stops
// reading the connection) until UploadClient::resume(). At the end of the
// body the segment is committed and published with one synced batch (see
// row_service.h); then the client hears the outcome. A refusal (bad row,
// bad JSON, a body that breaks off) stops the work at once and stages
// nothing that would survive: the staged file is removed and no manifest
// references it.
//
// Threads: feed/end/abort from the client, one call at a time; run() on the
// ingest pool, never two at once for one upload; the client's callbacks
// from either.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http/error.h"
#include "rows/table_builder.h"
#include "storage/database.h"
#include "storage/row_store.h"

namespace claribi::rows {

class RowService;

struct UploadOutcome {
  enum class Kind : uint8_t {
    kAppended,     // 201
    kInvalidRows,  // 400 validation_error (error)
    kInvalidJson,  // 400 invalid_json (detail)
    kNotFound,     // the data source was deleted meanwhile
    kHttpError,    // the body broke off: code + detail
    kUnavailable,  // the ingest pool is full (503)
    kFailed,       // storage failed (500)
  };
  Kind kind = Kind::kAppended;
  uint64_t appended = 0;
  uint64_t row_count = 0;
  std::vector<storage::TableColumn> columns;
  UploadError error;
  http::ErrorCode http_code = http::ErrorCode::kBadRequest;
  std::string detail;
};

// Who feeds an upload its body and hears how it ended.
class UploadClient {
 public:
  virtual ~UploadClient() = default;
  // After feed() returned false: the upload can take bytes again. Any thread.
  virtual void resume() = 0;
  // How it ended; exactly once. Any thread.
  virtual void finished(const UploadOutcome& outcome) = 0;
};

class Upload final : public std::enable_shared_from_this<Upload> {
 public:
  enum class Format : uint8_t { kCsv, kJson };
  static constexpr size_t kBlockBytes = 1 << 20;
  static constexpr size_t kMaxQueuedBytes = 8 << 20;

  Upload(RowService& service, std::shared_ptr<UploadClient> client, uint64_t org_id, uint64_t data_source_id,
         Format format, bool replace, int64_t now);
  ~Upload();

  uint64_t data_source_id() const { return ds_; }
  // Rows parsed so far (for progress reports; any thread).
  uint64_t rows_parsed() const { return rows_parsed_.load(std::memory_order_relaxed); }

  // The next bytes of the body. false: stop until the client's resume().
  bool feed(std::string_view bytes);
  // The whole body was fed.
  void end();
  // The body will not complete (the client went away, or the transport
  // found it malformed or too large: code and detail say so).
  void abort(http::ErrorCode code, std::string_view detail);

 private:
  friend class RowService;
  class Parser;
  // Called by RowService when this upload reaches the head of its lane.
  void start();
  // Queues run() when there is work and none is queued; false when the
  // ingest pool is full (the caller then refuses with refuse_unavailable(),
  // outside the lock).
  bool schedule_locked();
  void refuse_unavailable();
  void run();
  bool parse(std::string_view block);
  bool finish_parse();
  void publish();
  void complete(UploadOutcome outcome);  // any thread: tells the client, frees the lane

  RowService& service_;
  uint64_t org_id_;
  uint64_t ds_;
  Format format_;
  bool replace_;
  int64_t now_;

  // Shared between the client and the worker.
  std::mutex mu_;
  std::shared_ptr<UploadClient> client_;  // until complete()
  std::string current_;              // reactor side: the block being filled
  std::deque<std::string> queue_;    // blocks for the parser
  size_t queued_bytes_ = 0;
  bool started_ = false;             // at the head of its lane
  bool running_ = false;             // a run() is queued or running
  bool ended_ = false;               // the whole body arrived
  bool paused_ = false;              // on_body returned false
  bool completed_ = false;           // complete() was called
  std::optional<std::pair<http::ErrorCode, std::string>> aborted_;

  // Worker side. The table's lock (cluster mode: no upload to it on another
  // node meanwhile), held from before the base manifest is read until the
  // publish is durable or failed.
  std::unique_ptr<storage::Database::ExclusiveLock> table_lock_;
  storage::TableManifest base_;
  std::unique_ptr<storage::SegmentWriter> segment_;
  std::unique_ptr<TableBuilder> builder_;
  std::unique_ptr<Parser> parser_;
  std::atomic<uint64_t> rows_parsed_{0};
};

}  // namespace claribi::rows
