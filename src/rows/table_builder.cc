// TableBuilder (see table_builder.h).
#include "rows/table_builder.h"

#include <algorithm>
#include <cstring>

#include "common/text.h"
#include "ingest/value_text.h"
#include "storage/column_codec.h"

namespace claribi::rows {
namespace {

using storage::ColumnType;

std::string quote_text(std::string_view s) {
  std::string out = "\"";
  out.append(s.substr(0, 100));
  if (s.size() > 100) out += "...";
  out += "\"";
  return out;
}

// The narrowest type of one CSV text value.
ColumnType classify_text(std::string_view s) {
  if (ingest::parse_bool_text(s)) return ColumnType::kBoolean;
  if (ingest::parse_int64_text(s)) return ColumnType::kInteger;
  if (ingest::parse_float_text(s)) return ColumnType::kFloat;
  if (ingest::parse_timestamp_text(s)) return ColumnType::kTimestamp;
  return ColumnType::kString;
}

// The narrowest type that holds both.
ColumnType join(ColumnType a, ColumnType b) {
  if (a == b) return a;
  if ((a == ColumnType::kInteger && b == ColumnType::kFloat) || (a == ColumnType::kFloat && b == ColumnType::kInteger))
    return ColumnType::kFloat;
  return ColumnType::kString;
}

}  // namespace

TableBuilder::TableBuilder(std::vector<storage::TableColumn> existing, bool existing_rows,
                           storage::SegmentWriter& out, exec::ThreadPool* sealer)
    : columns_(std::move(existing)), sealer_(sealer), existing_rows_(existing_rows), out_(out) {
  state_.resize(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) {
    state_[i].existed = true;
    by_name_.emplace(columns_[i].name, i);
  }
}

TableBuilder::~TableBuilder() {
  if (in_flight_) {  // a refused upload: the job must not outlive us
    std::unique_lock lk(in_flight_->mu);
    in_flight_->cv.wait(lk, [&] { return in_flight_->done; });
  }
}

std::vector<ColumnType> TableBuilder::column_types() const {
  std::vector<ColumnType> t;
  t.reserve(columns_.size());
  for (const auto& c : columns_) t.push_back(c.type);
  return t;
}

UploadError TableBuilder::row_error(uint64_t row, std::string_view column, std::string message) {
  UploadError e;
  e.field = column.empty() ? "rows" : std::string(column);
  if (row > 0) e.detail = "Row " + std::to_string(row);
  if (!column.empty()) {
    e.detail += e.detail.empty() ? "Column " : ", column ";
    e.detail += quote_text(column);
  }
  if (!e.detail.empty()) e.detail += ": ";
  e.detail += message;
  return e;
}

bool TableBuilder::add_column(std::string_view name) {
  size_t chars = utf8_chars(name);
  if (chars == 0 || chars > kMaxColumnNameChars) {
    error_.field = "rows";
    error_.detail = "Column name " + quote_text(name) + " must have 1 to " + std::to_string(kMaxColumnNameChars) +
                    " characters.";
    return false;
  }
  if (name.find('\0') != std::string_view::npos) {
    error_.field = "rows";
    error_.detail = "Column names may not contain NUL characters.";
    return false;
  }
  if (columns_.size() >= kMaxColumns) {
    error_.field = "rows";
    error_.detail = "A data source holds at most " + std::to_string(kMaxColumns) + " columns; column " +
                    quote_text(name) + " would exceed that.";
    return false;
  }
  storage::TableColumn col;
  col.name = std::string(name);
  col.type = ColumnType::kString;  // until a value says otherwise
  col.nullable = existing_rows_ || rows_ > 0;  // earlier rows hold null here
  by_name_.emplace(col.name, columns_.size());
  columns_.push_back(std::move(col));
  state_.emplace_back();
  // Rows of the open chunk before this column appeared are null.
  pad_nulls_to(chunk_rows_);
  return true;
}

void TableBuilder::pad_nulls_to(size_t n) {
  for (ColumnState& s : state_) {
    while (s.raw.kind.size() < n) {
      s.raw.kind.push_back(kNull);
      s.raw.end.push_back(uint32_t(s.raw.text.size()));
    }
  }
}

void TableBuilder::append_value(size_t c, Kind kind, std::string_view text) {
  RawColumn& r = state_[c].raw;
  r.text.append(text);
  r.end.push_back(uint32_t(r.text.size()));
  r.kind.push_back(kind);
}

bool TableBuilder::set_header(std::span<const ingest::CsvField> names) {
  header_.clear();
  for (const ingest::CsvField& f : names) {
    auto it = by_name_.find(std::string(f.text));
    size_t c;
    if (it == by_name_.end()) {
      if (!add_column(f.text)) return false;
      c = columns_.size() - 1;
    } else {
      c = it->second;
    }
    if (std::find(header_.begin(), header_.end(), c) != header_.end()) {
      error_.field = "rows";
      error_.detail = "The header names column " + quote_text(f.text) + " twice.";
      return false;
    }
    header_.push_back(c);
  }
  if (header_.empty()) {
    error_.field = "rows";
    error_.detail = "The CSV header row is empty.";
    return false;
  }
  return true;
}

bool TableBuilder::add_csv_row(uint64_t row, std::span<const ingest::CsvField> fields) {
  if (fields.size() != header_.size()) {
    error_ = row_error(row, {}, "has " + std::to_string(fields.size()) + " fields; the header has " +
                                    std::to_string(header_.size()) + ".");
    return false;
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string_view t = fields[i].text;
    append_value(header_[i], t.empty() ? kNull : kText, t);
  }
  if (header_.size() != columns_.size()) pad_nulls_to(size_t(chunk_rows_) + 1);  // columns not in this file
  ++rows_;
  if (++chunk_rows_ == storage::kChunkRows) return hand_off();
  return true;
}

bool TableBuilder::add_json_row(uint64_t row, std::span<const ingest::JsonCell> cells) {
  const uint64_t stamp = rows_ + 1;
  if (json_guess_.size() < cells.size()) json_guess_.resize(cells.size(), size_t(-1));
  for (size_t i = 0; i < cells.size(); ++i) {
    const ingest::JsonCell& cell = cells[i];
    // Rows usually repeat the keys in the same order: try the column seen
    // at this position last time before hashing the key.
    size_t c = json_guess_[i];
    if (c >= columns_.size() || columns_[c].name != cell.key) {
      auto it = by_name_.find(std::string(cell.key));
      if (it == by_name_.end()) {
        if (!add_column(cell.key)) {
          error_.detail = "Row " + std::to_string(row) + ": " + error_.detail;
          return false;
        }
        c = columns_.size() - 1;
      } else {
        c = it->second;
      }
      json_guess_[i] = c;
    }
    ColumnState& s = state_[c];
    if (s.row_set == stamp) {  // a repeated key: the last one wins
      s.raw.kind.pop_back();
      s.raw.end.pop_back();
      s.raw.text.resize(s.raw.end.empty() ? 0 : s.raw.end.back());
    }
    s.row_set = stamp;
    Kind k = kNull;
    switch (cell.kind) {
      case ingest::JsonValueKind::kNull: k = kNull; break;
      case ingest::JsonValueKind::kBool: k = kJsonBool; break;
      case ingest::JsonValueKind::kInt: k = kJsonInt; break;
      case ingest::JsonValueKind::kFloat: k = kJsonFloat; break;
      case ingest::JsonValueKind::kString: k = kJsonString; break;
    }
    append_value(c, k, k == kNull ? std::string_view() : cell.text);
  }
  pad_nulls_to(size_t(chunk_rows_) + 1);  // columns this row did not name
  ++rows_;
  if (++chunk_rows_ == storage::kChunkRows) return hand_off();
  return true;
}

bool TableBuilder::finish() {
  if (chunk_rows_ > 0 && !hand_off()) return false;
  return collect();
}

// Appends value v (of raw kind k) to *out as type t; false when it does not
// fit t. JSON strings fit only string and timestamp columns, JSON numbers
// only integer, float and string columns, JSON booleans boolean and string.
bool TableBuilder::append_as(ColumnType t, uint8_t k, std::string_view v, storage::ColumnValues* out) {
  const bool text = k == kText;
  switch (t) {
    case ColumnType::kString:
      out->append_string(v);
      return true;
    case ColumnType::kInteger: {
      if (!text && k != kJsonInt) return false;
      auto x = ingest::parse_int64_text(v);
      if (!x) return false;
      out->append_int(*x);
      return true;
    }
    case ColumnType::kFloat: {
      if (!text && k != kJsonInt && k != kJsonFloat) return false;
      auto x = ingest::parse_float_text(v);
      if (!x) return false;
      out->append_float(*x);
      return true;
    }
    case ColumnType::kBoolean: {
      if (!text && k != kJsonBool) return false;
      auto x = ingest::parse_bool_text(v);
      if (!x) return false;
      out->append_int(*x ? 1 : 0);
      return true;
    }
    case ColumnType::kTimestamp: {
      if (!text && k != kJsonString) return false;
      auto x = ingest::parse_timestamp_text(v);
      if (!x) return false;
      out->append_int(*x);
      return true;
    }
  }
  return false;
}

// Settles column c's type for the job's chunk and converts its values into
// job.values in one pass: each value is read as the column's current type;
// one that does not fit widens a new column (integer -> float -> string,
// ...) or an existing integer column to float, and the pass starts over with
// the wider type (a few times per chunk at most); in an existing column any
// other misfit is refused, naming row and column.
bool TableBuilder::settle_and_convert(SealJob& job, size_t c) {
  const RawColumn& r = job.raw[c];
  ColumnTyping& col = job.columns[c];
  storage::ColumnValues* out = &job.values;
  bool typed = col.existed || col.typed;
  ColumnType t = col.type;
restart:
  out->clear(t);
  uint32_t begin = 0;
  for (uint32_t i = 0; i < job.rows; ++i) {
    const uint8_t k = r.kind[i];
    std::string_view v(r.text.data() + begin, r.end[i] - begin);
    begin = r.end[i];
    if (k == kNull) {
      col.nullable = true;
      out->append_null();
      continue;
    }
    if (typed && append_as(t, k, v, out)) continue;
    ColumnType vt;
    switch (k) {
      case kText: vt = classify_text(v); break;
      case kJsonBool: vt = ColumnType::kBoolean; break;
      case kJsonInt: vt = ColumnType::kInteger; break;
      case kJsonFloat: vt = ColumnType::kFloat; break;
      default:  // kJsonString
        vt = ingest::parse_timestamp_text(v) ? ColumnType::kTimestamp : ColumnType::kString;
        break;
    }
    ColumnType wider = typed ? join(t, vt) : vt;
    if (col.existed && !(t == ColumnType::kInteger && wider == ColumnType::kFloat)) {
      // The stored type stays; this value does not fit it.
      std::string what = k == kText || k == kJsonString ? quote_text(v) : std::string(v);
      job.error = row_error(job.first_row + i, col.name,
                            what + " is not " + (t == ColumnType::kInteger ? "an " : "a ") +
                                std::string(storage::column_type_name(t)) + " (the column's type).");
      return false;
    }
    t = wider;
    typed = true;
    goto restart;
  }
  if (typed) {
    col.type = t;
    if (!col.existed) col.typed = true;
  }
  return true;
}

void TableBuilder::seal(SealJob& job) {
  job.meta = storage::ChunkMeta{};
  job.meta.rows = job.rows;
  job.meta.columns.resize(job.columns.size());
  job.blobs.resize(job.columns.size());
  job.ok = true;
  for (size_t c = 0; c < job.columns.size(); ++c) {
    job.blobs[c].clear();
    if (!settle_and_convert(job, c)) {
      job.ok = false;
      return;
    }
    size_t nulls = 0;
    for (uint64_t w : job.values.null_bits) nulls += size_t(__builtin_popcountll(w));
    if (nulls == job.values.rows) continue;  // no blob: every row is null
    storage::ChunkColumnMeta& m = job.meta.columns[c];
    m.present = true;
    m.physical = m.stored = job.values.type;
    storage::encode_column(job.values, &job.blobs[c], &m.zone);
    m.bytes = uint32_t(job.blobs[c].size());
  }
}

bool TableBuilder::collect() {
  if (!in_flight_) return true;
  SealJob& job = *in_flight_;
  {
    std::unique_lock lk(job.mu);
    job.cv.wait(lk, [&] { return job.done; });
  }
  std::unique_ptr<SealJob> finished = std::move(in_flight_);
  if (!finished->ok) {
    error_ = finished->error;
    return false;
  }
  for (size_t c = 0; c < finished->columns.size(); ++c) {
    const ColumnTyping& t = finished->columns[c];
    columns_[c].type = t.type;
    columns_[c].nullable = columns_[c].nullable || t.nullable;
    state_[c].typed = t.typed;
  }
  if (Status st = out_.AddChunk(finished->blobs, std::move(finished->meta)); !st.ok()) {
    storage_error_ = st;
    return false;
  }
  spare_ = std::move(finished);
  return true;
}

bool TableBuilder::hand_off() {
  // Types evolve chunk after chunk: the one in flight settles them first.
  if (!collect()) return false;
  pad_nulls_to(chunk_rows_);
  std::unique_ptr<SealJob> job = spare_ ? std::move(spare_) : std::make_unique<SealJob>();
  job->done = false;
  job->first_row = chunk_first_row_;
  job->rows = chunk_rows_;
  job->columns.resize(columns_.size());
  job->raw.resize(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    ColumnTyping& t = job->columns[c];
    t.name = columns_[c].name;
    t.type = columns_[c].type;
    t.nullable = false;
    t.existed = state_[c].existed;
    t.typed = state_[c].typed;
    // Swap, so the open chunk reuses the buffers of the job before last.
    std::swap(job->raw[c], state_[c].raw);
    state_[c].raw.clear();
  }
  chunk_first_row_ += chunk_rows_;
  chunk_rows_ = 0;
  SealJob* j = job.get();
  in_flight_ = std::move(job);
  auto run = [j] {
    seal(*j);
    std::lock_guard lk(j->mu);
    j->done = true;
    j->cv.notify_all();
  };
  if (sealer_ == nullptr || !sealer_->try_submit(run)) run();
  return true;
}

}  // namespace claribi::rows
