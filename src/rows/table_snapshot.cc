// Chunk loading and the snapshot's row lookup (see table_snapshot.h).
#include "rows/table_snapshot.h"

#include <algorithm>

#include "ingest/value_text.h"

namespace claribi::rows {
namespace {

using storage::ColumnType;

// A column whose chunk was encoded before the column settled on a wider
// type (see ChunkColumnMeta): re-encoded as that type. Only widening to
// string needs it; an integer chunk in a float column is read as floats by
// ColumnChunk::decode_floats.
Status transcode_to_string(const storage::ColumnChunk& from, std::string* out) {
  storage::ColumnValues in, text;
  from.decode_all(&in);
  text.clear(ColumnType::kString);
  char buf[64];
  for (uint32_t i = 0; i < in.rows; ++i) {
    if (in.is_null(i)) {
      text.append_null();
      continue;
    }
    switch (in.type) {
      case ColumnType::kInteger:
        text.append_string(std::to_string(in.ints[i]));
        break;
      case ColumnType::kBoolean:
        text.append_string(in.ints[i] != 0 ? "true" : "false");
        break;
      case ColumnType::kTimestamp:
        text.append_string(std::string_view(buf, ingest::format_timestamp_micros(in.ints[i], buf)));
        break;
      case ColumnType::kFloat:
        text.append_string(std::string_view(buf, ingest::format_double_shortest(in.floats[i], buf)));
        break;
      case ColumnType::kString:
        text.append_string(in.string_at(i));
        break;
    }
  }
  out->clear();
  storage::encode_column(text, out, nullptr);
  return Status::Ok();
}

}  // namespace

Chunk::Chunk(ChunkHome& home, uint64_t ds, uint64_t segment, uint32_t index, storage::ChunkMeta meta)
    : home_(home), ds_(ds), segment_(segment), index_(index), meta_(std::move(meta)),
      resident_(new std::atomic<ResidentColumn*>[meta_.columns.size()]) {
  for (size_t i = 0; i < meta_.columns.size(); ++i) resident_[i].store(nullptr, std::memory_order_relaxed);
}

Chunk::~Chunk() {
  size_t released = 0;
  for (size_t i = 0; i < meta_.columns.size(); ++i) {
    if (ResidentColumn* r = resident_[i].load(std::memory_order_relaxed)) {
      released += r->footprint();
      delete r;
    }
  }
  if (released > 0) home_.bytes_released(released);
}

bool Chunk::resident(size_t c) const {
  return c < meta_.columns.size() && resident_[c].load(std::memory_order_acquire) != nullptr;
}

bool Chunk::take_referenced(size_t c) const {
  ResidentColumn* r = resident_[c].load(std::memory_order_acquire);
  return r != nullptr && r->referenced.exchange(false, std::memory_order_relaxed);
}

size_t Chunk::unload(size_t c, index::Qsbr& qsbr) const {
  ResidentColumn* r = resident_[c].exchange(nullptr, std::memory_order_acq_rel);
  if (r == nullptr) return 0;
  size_t bytes = r->footprint();
  qsbr.retire_delete(r);
  home_.bytes_released(bytes);
  return bytes;
}

Result<const storage::ColumnChunk*> Chunk::column(size_t c) const {
  if (!present(c)) return static_cast<const storage::ColumnChunk*>(nullptr);
  if (ResidentColumn* r = resident_[c].load(std::memory_order_acquire)) {
    // Mark it used; a plain load first keeps the line shared between readers.
    if (!r->referenced.load(std::memory_order_relaxed)) r->referenced.store(true, std::memory_order_relaxed);
    return &r->chunk;
  }
  auto loaded = std::make_unique<ResidentColumn>();
  if (Status st = home_.store().ReadColumn(ds_, segment_, index_, uint16_t(c), &loaded->bytes); !st.ok()) {
    return Status::IoError("reading rows of data source " + std::to_string(ds_) + ": " + st.message());
  }
  if (Status st = storage::ColumnChunk::open(loaded->bytes, &loaded->chunk); !st.ok()) return st;
  const storage::ChunkColumnMeta& m = meta_.columns[c];
  if (m.physical != m.stored && m.stored == ColumnType::kString) {
    std::string text;
    if (Status st = transcode_to_string(loaded->chunk, &text); !st.ok()) return st;
    loaded->bytes = std::move(text);
    if (Status st = storage::ColumnChunk::open(loaded->bytes, &loaded->chunk); !st.ok()) return st;
  }
  ResidentColumn* expected = nullptr;
  ResidentColumn* mine = loaded.get();
  if (resident_[c].compare_exchange_strong(expected, mine, std::memory_order_acq_rel)) {
    loaded.release();
    home_.column_loaded(*this, c, mine->footprint());
    return &mine->chunk;
  }
  return &expected->chunk;  // another reader loaded it first
}

size_t TableSnapshot::chunk_of(uint64_t row) const {
  auto it = std::upper_bound(first_row.begin(), first_row.end(), row);
  return size_t(it - first_row.begin()) - 1;
}

}  // namespace claribi::rows
