// Upload: one row upload (POST /api/data-sources/{id}/rows/), from the first
// body byte to the durable publish.
//
// The reactor hands body bytes to on_body (net::BodyConsumer); they are cut
// into blocks of kBlockBytes and queued for the ingest pool, where run()
// parses them (CSV or JSON), builds and encodes column chunks
// (TableBuilder) and stages them (SegmentWriter). The server never holds the
// whole body: when more than kMaxQueuedBytes wait for the parser, on_body
// returns false and the connection stops reading (back-pressure) until the
// parser has caught up; the reactor keeps serving its other connections.
// At the end of the body the segment is committed and published with one
// synced batch (see row_service.h); then `done` runs on the reactor with the
// outcome. A refusal (bad row, bad JSON, a body that breaks off) stops the
// work at once and stages nothing that would survive: the staged file is
// removed and no manifest references it.
//
// Threads: on_body/on_body_end/on_body_abort on the reactor; run() on the
// ingest pool, never two at once for one upload; `done` on the reactor.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http/error.h"
#include "net/exchange.h"
#include "net/reactor.h"
#include "rows/table_builder.h"
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

class Upload final : public net::BodyConsumer, public std::enable_shared_from_this<Upload> {
 public:
  enum class Format : uint8_t { kCsv, kJson };
  static constexpr size_t kBlockBytes = 1 << 20;
  static constexpr size_t kMaxQueuedBytes = 8 << 20;

  // `done` runs once, on `reactor`.
  Upload(RowService& service, net::Reactor& reactor, net::Exchange& ex, uint64_t org_id, uint64_t data_source_id,
         Format format, bool replace, int64_t now, std::function<void(const UploadOutcome&)> done);
  ~Upload();

  uint64_t data_source_id() const { return ds_; }

  // net::BodyConsumer (reactor thread).
  bool on_body(std::string_view bytes) override;
  void on_body_end() override;
  void on_body_abort(http::ErrorCode code, std::string_view detail) override;

 private:
  friend class RowService;
  class Parser;
  // Called by RowService when this upload reaches the head of its lane.
  void start();
  void schedule_locked();
  void run();
  bool parse(std::string_view block);
  bool finish_parse();
  void publish();
  void complete(UploadOutcome outcome);  // any thread: posts `done` to the reactor

  RowService& service_;
  net::Reactor& reactor_;
  net::Exchange* ex_;
  uint64_t org_id_;
  uint64_t ds_;
  Format format_;
  bool replace_;
  int64_t now_;
  std::function<void(const UploadOutcome&)> done_;

  // Shared between the reactor and the worker.
  std::mutex mu_;
  std::string current_;              // reactor side: the block being filled
  std::deque<std::string> queue_;    // blocks for the parser
  size_t queued_bytes_ = 0;
  bool started_ = false;             // at the head of its lane
  bool running_ = false;             // a run() is queued or running
  bool ended_ = false;               // the whole body arrived
  bool paused_ = false;              // on_body returned false
  bool completed_ = false;           // complete() was called
  std::optional<std::pair<http::ErrorCode, std::string>> aborted_;

  // Worker side.
  storage::TableManifest base_;
  std::unique_ptr<storage::SegmentWriter> segment_;
  std::unique_ptr<TableBuilder> builder_;
  std::unique_ptr<Parser> parser_;
  uint64_t body_bytes_ = 0;
};

}  // namespace claribi::rows
