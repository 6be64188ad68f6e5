// RowService (see row_service.h).
#include "rows/row_service.h"

#include "rows/upload.h"
#include "storage/keys.h"

namespace claribi::rows {

RowService::RowService(storage::RowStore& store, storage::GroupCommitWriter& writer, index::Qsbr& qsbr,
                       resources::ResourceService<model::DataSource>& data_sources, exec::ThreadPool& pool,
                       size_t memory_budget_bytes, exec::ThreadPool* sealer)
    : store_(store),
      writer_(writer),
      qsbr_(qsbr),
      data_sources_(data_sources),
      pool_(pool),
      sealer_(sealer),
      budget_(memory_budget_bytes),
      snapshots_(qsbr) {}

void RowService::add_segment_chunks(uint64_t ds, uint64_t segment, const storage::SegmentMeta& meta,
                                    std::vector<std::shared_ptr<const Chunk>>* out) {
  for (size_t i = 0; i < meta.chunks.size(); ++i)
    out->push_back(std::make_shared<Chunk>(*this, ds, segment, uint32_t(i), meta.chunks[i]));
}

RowService::~RowService() = default;

Status RowService::load() {
  if (Status st = store_.Cleanup(); !st.ok()) return st;
  Status st = store_.LoadAll([this](storage::TableManifest m, std::vector<storage::SegmentMeta> metas) {
    TableState t;
    for (size_t seg = 0; seg < m.segments.size(); ++seg)
      add_segment_chunks(m.data_source_id, m.segments[seg].id, metas[seg], &t.chunks);
    t.manifest = std::move(m);
    publish_snapshot(t);
    std::lock_guard lk(mu_);
    tables_[t.manifest.data_source_id] = std::move(t);
  });
  qsbr_.reclaim();
  return st;
}

const TableSnapshot* RowService::snapshot(uint64_t ds) const { return snapshots_.find(ds); }

Result<const storage::ColumnChunk*> RowService::column(const Chunk& chunk, size_t c) const { return chunk.column(c); }

void RowService::column_loaded(const Chunk& chunk, size_t column, size_t bytes) {
  int64_t now = resident_bytes_.fetch_add(int64_t(bytes), std::memory_order_relaxed) + int64_t(bytes);
  std::lock_guard lk(resident_mu_);
  resident_order_.push_back({chunk.weak_from_this(), column});
  if (now <= int64_t(budget_) || eviction_queued_) return;
  eviction_queued_ = true;
  // The writer thread is the QSBR writer: an empty batch gets us there
  // without a disk write.
  writer_.Submit(storage::Batch(), [this] { evict(); }, [](Status) {});
}

void RowService::bytes_released(size_t bytes) {
  resident_bytes_.fetch_sub(int64_t(bytes), std::memory_order_relaxed);
}

void RowService::evict() {
  const int64_t target = int64_t(budget_ / 10 * 9);
  std::unique_lock lk(resident_mu_);
  // Each entry is looked at most twice (once to clear its mark).
  size_t budget_steps = resident_order_.size() * 2;
  while (resident_bytes_.load(std::memory_order_relaxed) > target && !resident_order_.empty() && budget_steps-- > 0) {
    ResidentEntry e = std::move(resident_order_.front());
    resident_order_.pop_front();
    std::shared_ptr<const Chunk> chunk = e.chunk.lock();
    if (!chunk || !chunk->resident(e.column)) continue;  // gone already
    if (chunk->take_referenced(e.column)) {
      resident_order_.push_back(std::move(e));  // used lately: a second chance
      continue;
    }
    lk.unlock();
    if (chunk->unload(e.column, qsbr_) > 0) columns_unloaded_.fetch_add(1, std::memory_order_relaxed);
    lk.lock();
  }
  eviction_queued_ = false;
  lk.unlock();
  qsbr_.reclaim();
}

Result<storage::TableManifest> RowService::manifest_for_upload(uint64_t org_id, uint64_t ds) const {
  storage::TableManifest m;
  Status st = store_.LoadManifest(ds, &m);
  if (st.code() == StatusCode::kNotFound) {
    m.org_id = org_id;
    m.data_source_id = ds;
    return m;
  }
  if (!st.ok()) return st;
  return m;
}

void RowService::publish_snapshot(const TableState& t) {
  TableSnapshot s;
  s.org_id = t.manifest.org_id;
  s.data_source_id = t.manifest.data_source_id;
  s.version = t.manifest.version;
  s.row_count = t.manifest.row_count;
  s.columns = t.manifest.columns;
  s.chunks = t.chunks;
  uint64_t row = 0;
  for (const auto& c : s.chunks) {
    s.first_row.push_back(row);
    row += c->rows();
  }
  snapshots_.upsert(s.data_source_id, std::move(s));
}

void RowService::install(const storage::TableManifest& m, std::vector<std::shared_ptr<const Chunk>> chunks) {
  TableState copy;
  {
    std::lock_guard lk(mu_);
    TableState& t = tables_[m.data_source_id];
    t.manifest = m;
    t.chunks = std::move(chunks);
    copy = t;
  }
  publish_snapshot(copy);
  qsbr_.reclaim();
}

void RowService::drop(uint64_t ds) {
  {
    std::lock_guard lk(mu_);
    tables_.erase(ds);
  }
  snapshots_.erase(ds);
  qsbr_.reclaim();
}

Result<std::vector<std::shared_ptr<const Chunk>>> RowService::chunks_for(const storage::TableManifest& m) {
  std::unordered_map<uint64_t, std::vector<std::shared_ptr<const Chunk>>> held;  // by segment
  {
    std::lock_guard lk(mu_);
    if (auto it = tables_.find(m.data_source_id); it != tables_.end()) {
      for (const auto& c : it->second.chunks) held[c->segment()].push_back(c);
    }
  }
  std::vector<std::shared_ptr<const Chunk>> chunks;
  for (const storage::SegmentInfo& seg : m.segments) {
    auto h = held.find(seg.id);
    if (h != held.end() && h->second.size() == seg.chunks) {
      chunks.insert(chunks.end(), h->second.begin(), h->second.end());
      continue;
    }
    storage::SegmentMeta meta;
    if (Status st = store_.LoadSegment(m.data_source_id, seg, &meta); !st.ok()) return st;
    add_segment_chunks(m.data_source_id, seg.id, meta, &chunks);
  }
  return chunks;
}

Result<std::function<void()>> RowService::followed(const storage::Batch::Op& op) {
  if (op.type == storage::Batch::OpType::kDelete) {
    uint64_t ds = 0;
    if (!storage::decode_id_key(op.key, &ds)) return Status::Corruption("row table key");
    return std::function<void()>([this, ds] { drop(ds); });
  }
  storage::TableManifest m;
  if (Status st = storage::decode_manifest(op.value, &m); !st.ok()) return st;
  auto chunks = chunks_for(m);
  if (!chunks.ok() && chunks.status().code() == StatusCode::kNotFound) {
    // A segment it lists is gone: a later change (a replace, the table
    // deleted) has superseded this version, and is further on in the log.
    // The table as stored now is at least as new: that is what is installed
    // (or nothing, when it is gone), and the later change re-applies it.
    uint64_t ds = m.data_source_id;
    Status st = store_.LoadManifest(ds, &m);
    if (st.code() == StatusCode::kNotFound) return std::function<void()>([this, ds] { drop(ds); });
    if (!st.ok()) return st;
    chunks = chunks_for(m);  // NotFound again: superseded again meanwhile; retried
  }
  if (!chunks.ok()) return chunks.status();
  return std::function<void()>([this, m = std::move(m), chunks = std::move(chunks.value())]() mutable {
    install(m, std::move(chunks));
  });
}

resources::Attachment RowService::table_removal(uint64_t ds) {
  resources::Attachment a;
  storage::RowStore::DeleteTable(a.batch, ds);
  a.after_commit = [this, ds] { drop(ds); };
  return a;
}

void RowService::enqueue(std::shared_ptr<Upload> upload) {
  bool first;
  {
    std::lock_guard lk(mu_);
    auto& lane = lanes_[upload->data_source_id()];
    lane.push_back(upload);
    first = lane.size() == 1;
  }
  if (first) upload->start();
}

void RowService::lane_done(uint64_t ds) {
  std::shared_ptr<Upload> next;
  {
    std::lock_guard lk(mu_);
    auto it = lanes_.find(ds);
    if (it == lanes_.end()) return;
    if (!it->second.empty()) it->second.pop_front();
    if (it->second.empty()) {
      lanes_.erase(it);
    } else {
      next = it->second.front();
    }
  }
  if (next) next->start();
}

}  // namespace claribi::rows
