// Upload (see upload.h).
#include "rows/upload.h"

#include "ingest/csv_reader.h"
#include "ingest/json_rows_reader.h"
#include "rows/row_service.h"

namespace claribi::rows {

// The format reader and its sink into the TableBuilder.
class Upload::Parser final : public ingest::CsvSink, public ingest::JsonRowsSink {
 public:
  Parser(Format f, TableBuilder& b) : format_(f), builder_(b) {}

  // false: refused (outcome says why).
  bool feed(std::string_view bytes, UploadOutcome* outcome) {
    Status st = format_ == Format::kCsv ? csv_.feed(bytes, *this) : json_.feed(bytes, *this);
    return check(st, outcome);
  }
  bool finish(UploadOutcome* outcome) {
    Status st = format_ == Format::kCsv ? csv_.finish(*this) : json_.finish(*this);
    if (!check(st, outcome)) return false;
    if (format_ == Format::kCsv && !saw_header_) {
      outcome->kind = UploadOutcome::Kind::kInvalidRows;
      outcome->error = {"The CSV body is empty: it needs a header row.", "rows"};
      return false;
    }
    return true;
  }

  bool on_record(uint64_t record, std::span<const ingest::CsvField> fields) override {
    if (record == 0) {
      saw_header_ = true;
      return builder_.set_header(fields);
    }
    return builder_.add_csv_row(record, fields);
  }
  bool on_row(uint64_t row, std::span<const ingest::JsonCell> cells) override {
    return builder_.add_json_row(row, cells);
  }

 private:
  bool check(const Status& st, UploadOutcome* outcome) {
    if (st.ok()) return true;
    if (builder_.storage_failed()) {
      outcome->kind = UploadOutcome::Kind::kFailed;
      outcome->detail = builder_.storage_error().message();
      return false;
    }
    bool stopped = format_ == Format::kCsv ? csv_.stopped() : json_.stopped();
    if (stopped) {  // the builder refused a row
      outcome->kind = UploadOutcome::Kind::kInvalidRows;
      outcome->error = builder_.error();
      return false;
    }
    if (format_ == Format::kJson && json_.error_kind() == ingest::RowsError::kInvalidJson) {
      // The same words as every other invalid_json (§3: the byte offset).
      std::string_view why = st.message();
      size_t colon = why.find(": ");
      why = colon == std::string_view::npos ? std::string_view() : why.substr(colon + 2);
      outcome->kind = UploadOutcome::Kind::kInvalidJson;
      outcome->detail = "JSON parse error at byte offset " + std::to_string(json_.error_offset()) + ": " +
                        std::string(why) + ".";
      return false;
    }
    outcome->kind = UploadOutcome::Kind::kInvalidRows;
    outcome->error = {st.message(), "rows"};
    return false;
  }

  Format format_;
  TableBuilder& builder_;
  ingest::CsvReader csv_;
  ingest::JsonRowsReader json_;
  bool saw_header_ = false;
};

Upload::Upload(RowService& service, std::shared_ptr<UploadClient> client, uint64_t org_id, uint64_t ds,
               Format format, bool replace, int64_t now)
    : service_(service),
      org_id_(org_id),
      ds_(ds),
      format_(format),
      replace_(replace),
      now_(now),
      client_(std::move(client)) {}

Upload::~Upload() = default;

// ---- client side ---------------------------------------------------------------

bool Upload::feed(std::string_view bytes) {
  bool more = true, queued = true;
  {
    std::lock_guard lk(mu_);
    if (completed_) return true;  // refused already: the rest is discarded
    current_.append(bytes);
    if (current_.size() >= kBlockBytes) {
      queued_bytes_ += current_.size();
      queue_.push_back(std::move(current_));
      current_.clear();
      current_.reserve(kBlockBytes + (64 << 10));
      queued = schedule_locked();
    }
    if (queued_bytes_ >= kMaxQueuedBytes) {
      paused_ = true;
      more = false;
    }
  }
  if (!queued) refuse_unavailable();
  return more;
}

void Upload::end() {
  bool queued;
  {
    std::lock_guard lk(mu_);
    if (!current_.empty()) {
      queued_bytes_ += current_.size();
      queue_.push_back(std::move(current_));
      current_.clear();
    }
    ended_ = true;
    queued = schedule_locked();
  }
  if (!queued) refuse_unavailable();
}

void Upload::abort(http::ErrorCode code, std::string_view detail) {
  bool queued;
  {
    std::lock_guard lk(mu_);
    aborted_.emplace(code, std::string(detail));
    ended_ = true;
    queued = schedule_locked();
  }
  if (!queued) refuse_unavailable();
}

// ---- worker side ---------------------------------------------------------------

void Upload::start() {
  bool queued;
  {
    std::lock_guard lk(mu_);
    started_ = true;
    queued = schedule_locked();
  }
  if (!queued) refuse_unavailable();
}

bool Upload::schedule_locked() {
  if (!started_ || running_ || completed_) return true;
  if (queue_.empty() && !ended_) return true;
  running_ = true;
  auto self = shared_from_this();
  if (service_.pool_.try_submit([self] { self->run(); })) return true;
  running_ = false;
  return false;
}

void Upload::refuse_unavailable() {
  UploadOutcome o;
  o.kind = UploadOutcome::Kind::kUnavailable;
  complete(std::move(o));
}

void Upload::run() {
  if (!builder_) {
    auto lock = service_.store_.db().Lock("rows/" + std::to_string(ds_));
    Result<storage::TableManifest> base = lock.ok() ? service_.manifest_for_upload(org_id_, ds_)
                                                    : Result<storage::TableManifest>(lock.status());
    if (!base.ok()) {
      UploadOutcome o;
      // Another node's upload to the table held it too long: try again later (503).
      o.kind = base.status().code() == StatusCode::kUnavailable ? UploadOutcome::Kind::kUnavailable
                                                                 : UploadOutcome::Kind::kFailed;
      o.detail = base.status().message();
      complete(std::move(o));
      return;
    }
    table_lock_ = std::move(lock.value());
    base_ = std::move(base.value());
    segment_ = service_.store_.NewSegment(ds_, base_.version + 1);
    std::vector<storage::TableColumn> existing;
    bool existing_rows = false;
    if (!replace_) {
      existing = base_.columns;
      existing_rows = base_.row_count > 0;
    }
    builder_ = std::make_unique<TableBuilder>(std::move(existing), existing_rows, *segment_, service_.sealer_);
    parser_ = std::make_unique<Parser>(format_, *builder_);
  }
  for (;;) {
    std::string block;
    bool resume = false;
    {
      std::lock_guard lk(mu_);
      if (completed_) {
        running_ = false;
        return;
      }
      if (queue_.empty()) {
        if (!ended_) {
          running_ = false;
          return;
        }
        break;  // the whole body is parsed
      }
      block = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= block.size();
      if (paused_ && queued_bytes_ <= kMaxQueuedBytes / 2) {
        paused_ = false;
        resume = true;
      }
    }
    if (resume) {
      std::shared_ptr<UploadClient> client;
      {
        std::lock_guard lk(mu_);
        if (!completed_ && !ended_) client = client_;
      }
      if (client) client->resume();
    }
    if (!parse(block)) return;
  }
  std::optional<std::pair<http::ErrorCode, std::string>> aborted;
  {
    std::lock_guard lk(mu_);
    aborted = aborted_;
  }
  if (aborted) {
    UploadOutcome o;
    o.kind = UploadOutcome::Kind::kHttpError;
    o.http_code = aborted->first;
    o.detail = aborted->second.empty() ? "The request body ended before it was complete." : aborted->second;
    complete(std::move(o));
    return;
  }
  if (!finish_parse()) return;
  publish();
}

bool Upload::parse(std::string_view block) {
  UploadOutcome o;
  bool ok = parser_->feed(block, &o);
  rows_parsed_.store(builder_->rows(), std::memory_order_relaxed);
  if (ok) return true;
  complete(std::move(o));
  return false;
}

bool Upload::finish_parse() {
  UploadOutcome o;
  if (!parser_->finish(&o)) {
    complete(std::move(o));
    return false;
  }
  if (!builder_->finish()) {
    if (builder_->storage_failed()) {
      o.kind = UploadOutcome::Kind::kFailed;
      o.detail = builder_->storage_error().message();
    } else {
      o.kind = UploadOutcome::Kind::kInvalidRows;
      o.error = builder_->error();
    }
    complete(std::move(o));
    return false;
  }
  return true;
}

void Upload::publish() {
  rows_parsed_.store(builder_->rows(), std::memory_order_relaxed);
  const uint64_t segment = base_.version + 1;
  storage::Batch batch;
  Status committed = builder_->rows() == 0 ? Status::Ok() : segment_->Commit(builder_->column_types(), &batch);
  if (Status st = committed; !st.ok()) {
    UploadOutcome o;
    o.kind = UploadOutcome::Kind::kFailed;
    o.detail = st.message();
    complete(std::move(o));
    return;
  }
  storage::TableManifest m = base_;
  m.org_id = org_id_;
  m.data_source_id = ds_;
  m.version = segment;
  m.columns = builder_->columns();
  if (replace_) {
    m.segments.clear();
    m.row_count = 0;
  }
  if (builder_->rows() > 0) {
    const storage::SegmentMeta& meta = segment_->meta();
    m.segments.push_back({segment, builder_->rows(), uint32_t(meta.chunks.size())});
    m.row_count += builder_->rows();
  }
  storage::RowStore::PutManifest(batch, m);
  if (replace_) storage::RowStore::DeleteSegmentsBelow(batch, ds_, segment);

  // The table's chunks once published: those of the segments it keeps
  // (held here, or another node's, read from their metadata), then the new.
  storage::TableManifest kept = m;
  if (builder_->rows() > 0) kept.segments.pop_back();
  auto chunks = service_.chunks_for(kept);
  if (!chunks.ok()) {
    UploadOutcome o;
    o.kind = UploadOutcome::Kind::kFailed;
    o.detail = chunks.status().message();
    complete(std::move(o));
    return;
  }
  if (builder_->rows() > 0) service_.add_segment_chunks(ds_, segment, segment_->meta(), &chunks.value());
  RowService* svc = &service_;
  resources::Attachment att;
  att.batch = std::move(batch);
  att.after_commit = [svc, m, chunks = std::move(chunks.value())] { svc->install(m, chunks); };
  uint64_t appended = builder_->rows();
  auto self = shared_from_this();
  service_.data_sources_.update(
      org_id_, ds_, now_, [row_count = m.row_count](model::DataSource& r) { r.row_count = int64_t(row_count); },
      [self, m, appended, segment](resources::WriteResult res) {
        UploadOutcome o;
        if (res.outcome == resources::WriteOutcome::kOk) {
          o.kind = UploadOutcome::Kind::kAppended;
          o.appended = appended;
          o.row_count = m.row_count;
          o.columns = m.columns;
        } else {
          // Nothing was published; chunks already ingested are removed
          // (start-up would remove them too).
          storage::Batch undo;
          storage::RowStore::DeleteSegment(undo, self->ds_, segment);
          (void)self->service_.store_.db().Write(undo);
          o.kind = res.outcome == resources::WriteOutcome::kNotFound ? UploadOutcome::Kind::kNotFound
                                                                       : UploadOutcome::Kind::kFailed;
          o.detail = res.status.message();
        }
        self->complete(std::move(o));
      },
      std::move(att));
}

void Upload::complete(UploadOutcome outcome) {
  std::shared_ptr<UploadClient> client;
  {
    std::lock_guard lk(mu_);
    if (completed_) return;
    completed_ = true;
    queue_.clear();
    queued_bytes_ = 0;
    client = std::move(client_);  // the upload no longer needs its client
  }
  table_lock_.reset();  // the next upload to the table (on any node) may read the manifest now
  auto self = shared_from_this();  // the lane may hold the last other reference
  client->finished(outcome);
  service_.lane_done(ds_);
}

}  // namespace claribi::rows
