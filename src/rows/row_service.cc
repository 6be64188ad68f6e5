// RowService (see row_service.h).
#include "rows/row_service.h"

#include "rows/upload.h"

namespace claribi::rows {

namespace {

std::vector<std::shared_ptr<const Chunk>> chunks_of(const storage::TableManifest& m,
                                                    const std::vector<storage::SegmentMeta>& metas) {
  std::vector<std::shared_ptr<const Chunk>> out;
  for (size_t s = 0; s < m.segments.size(); ++s) {
    for (size_t i = 0; i < metas[s].chunks.size(); ++i)
      out.push_back(std::make_shared<Chunk>(m.data_source_id, m.segments[s].id, uint32_t(i), metas[s].chunks[i]));
  }
  return out;
}

}  // namespace

RowService::RowService(storage::RowStore& store, index::Qsbr& qsbr,
                       resources::ResourceService<model::DataSource>& data_sources, exec::ThreadPool& pool)
    : store_(store), qsbr_(qsbr), data_sources_(data_sources), pool_(pool), snapshots_(qsbr) {}

RowService::~RowService() = default;

Status RowService::load() {
  if (Status st = store_.Cleanup(); !st.ok()) return st;
  Status st = store_.LoadAll([this](storage::TableManifest m, std::vector<storage::SegmentMeta> metas) {
    TableState t;
    t.chunks = chunks_of(m, metas);
    t.manifest = std::move(m);
    publish_snapshot(t);
    std::lock_guard lk(mu_);
    tables_[t.manifest.data_source_id] = std::move(t);
  });
  qsbr_.reclaim();
  return st;
}

const TableSnapshot* RowService::snapshot(uint64_t ds) const { return snapshots_.find(ds); }

Result<const storage::ColumnChunk*> RowService::column(const Chunk& chunk, size_t c) const {
  return chunk.column(c, store_, resident_bytes_);
}

storage::TableManifest RowService::manifest_for_upload(uint64_t org_id, uint64_t ds) const {
  std::lock_guard lk(mu_);
  auto it = tables_.find(ds);
  if (it != tables_.end()) return it->second.manifest;
  storage::TableManifest m;
  m.org_id = org_id;
  m.data_source_id = ds;
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

void RowService::install(const storage::TableManifest& m, std::vector<std::shared_ptr<const Chunk>> added,
                         bool replace) {
  TableState copy;
  {
    std::lock_guard lk(mu_);
    TableState& t = tables_[m.data_source_id];
    t.manifest = m;
    if (replace) t.chunks.clear();
    for (auto& c : added) t.chunks.push_back(std::move(c));
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
