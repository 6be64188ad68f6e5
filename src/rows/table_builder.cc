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
                           storage::SegmentWriter& out)
    : columns_(std::move(existing)), existing_rows_(existing_rows), out_(out) {
  state_.resize(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) {
    state_[i].existed = true;
    by_name_.emplace(columns_[i].name, i);
  }
}

TableBuilder::~TableBuilder() = default;

std::vector<ColumnType> TableBuilder::column_types() const {
  std::vector<ColumnType> t;
  t.reserve(columns_.size());
  for (const auto& c : columns_) t.push_back(c.type);
  return t;
}

bool TableBuilder::fail(uint64_t row, size_t column, std::string message) {
  error_.field = column < columns_.size() ? columns_[column].name : "rows";
  error_.detail.clear();
  if (row > 0) error_.detail = "Row " + std::to_string(row);
  if (column < columns_.size()) {
    error_.detail += error_.detail.empty() ? "Column " : ", column ";
    error_.detail += quote_text(columns_[column].name);
  }
  if (!error_.detail.empty()) error_.detail += ": ";
  error_.detail += message;
  return false;
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
    return fail(row, size_t(-1), "has " + std::to_string(fields.size()) + " fields; the header has " +
                                     std::to_string(header_.size()) + ".");
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string_view t = fields[i].text;
    append_value(header_[i], t.empty() ? kNull : kText, t);
  }
  if (header_.size() != columns_.size()) pad_nulls_to(size_t(chunk_rows_) + 1);  // columns not in this file
  ++rows_;
  if (++chunk_rows_ == storage::kChunkRows) return seal();
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
  if (++chunk_rows_ == storage::kChunkRows) return seal();
  return true;
}

bool TableBuilder::finish() {
  if (chunk_rows_ > 0) return seal();
  return true;
}

// Settles column c's type for the open chunk: checks every value of an
// existing column against its type (widening integer to float), joins the
// narrowest types of a new column's values with what earlier chunks had.
bool TableBuilder::settle_type(size_t c, uint64_t first_row, ColumnType* type) {
  ColumnState& s = state_[c];
  const RawColumn& r = s.raw;
  storage::TableColumn& col = columns_[c];
  ColumnType t = col.type;
  bool provisional = !s.existed;
  bool typed = s.existed || s.typed;
  uint32_t begin = 0;
  for (uint32_t i = 0; i < chunk_rows_; ++i) {
    uint8_t k = r.kind[i];
    if (k == kNull) {
      col.nullable = true;
      begin = r.end[i];
      continue;
    }
    std::string_view v(r.text.data() + begin, r.end[i] - begin);
    begin = r.end[i];
    if (t == ColumnType::kString && typed) continue;  // takes anything
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
    if (!typed) {
      t = vt;
      typed = true;
      continue;
    }
    if (vt == t) continue;
    // A CSV text that classifies narrower may still fit: "1" in a float
    // column, "1" or "true" in a string column.
    if (t == ColumnType::kFloat && vt == ColumnType::kInteger) continue;
    ColumnType j = join(t, vt);
    if (!provisional && !(t == ColumnType::kInteger && j == ColumnType::kFloat)) {
      // The stored type stays; this value does not fit it.
      std::string what = k == kText || k == kJsonString ? quote_text(v) : std::string(v);
      return fail(first_row + i, c, what + " is not " +
                                        (t == ColumnType::kInteger ? std::string("an ") : std::string("a ")) +
                                        std::string(storage::column_type_name(t)) + " (the column's type).");
    }
    t = j;
  }
  if (typed) {
    col.type = t;
    if (!s.existed) s.typed = true;
  }
  *type = t;
  return true;
}

bool TableBuilder::convert(size_t c, ColumnType type, uint64_t first_row, storage::ColumnValues* out) {
  const RawColumn& r = state_[c].raw;
  out->clear(type);
  uint32_t begin = 0;
  for (uint32_t i = 0; i < chunk_rows_; ++i) {
    uint8_t k = r.kind[i];
    std::string_view v(r.text.data() + begin, r.end[i] - begin);
    begin = r.end[i];
    if (k == kNull) {
      out->append_null();
      continue;
    }
    switch (type) {
      case ColumnType::kString:
        out->append_string(v);
        break;
      case ColumnType::kInteger: {
        auto x = ingest::parse_int64_text(v);
        if (!x) return fail(first_row + i, c, quote_text(v) + " is not an integer.");
        out->append_int(*x);
        break;
      }
      case ColumnType::kFloat: {
        auto x = ingest::parse_float_text(v);
        if (!x) return fail(first_row + i, c, quote_text(v) + " is not a float.");
        out->append_float(*x);
        break;
      }
      case ColumnType::kBoolean: {
        auto x = ingest::parse_bool_text(v);
        if (!x) return fail(first_row + i, c, quote_text(v) + " is not a boolean.");
        out->append_int(*x ? 1 : 0);
        break;
      }
      case ColumnType::kTimestamp: {
        auto x = ingest::parse_timestamp_text(v);
        if (!x) return fail(first_row + i, c, quote_text(v) + " is not a timestamp.");
        out->append_int(*x);
        break;
      }
    }
  }
  return true;
}

bool TableBuilder::seal() {
  pad_nulls_to(chunk_rows_);
  storage::ChunkMeta meta;
  meta.rows = chunk_rows_;
  meta.columns.resize(columns_.size());
  blobs_.resize(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    blobs_[c].clear();
    ColumnType type;
    if (!settle_type(c, chunk_first_row_, &type)) return false;
    if (!convert(c, type, chunk_first_row_, &values_)) return false;
    storage::ChunkColumnMeta& m = meta.columns[c];
    size_t nulls = 0;
    for (uint64_t w : values_.null_bits) nulls += size_t(__builtin_popcountll(w));
    if (nulls == values_.rows) continue;  // no blob: every row is null
    m.present = true;
    m.physical = type;
    m.stored = type;
    storage::encode_column(values_, &blobs_[c], &m.zone);
    m.bytes = uint32_t(blobs_[c].size());
  }
  if (Status st = out_.AddChunk(blobs_, std::move(meta)); !st.ok()) {
    storage_error_ = st;
    return false;
  }
  for (ColumnState& s : state_) s.raw.clear();
  chunk_first_row_ += chunk_rows_;
  chunk_rows_ = 0;
  return true;
}

}  // namespace claribi::rows
