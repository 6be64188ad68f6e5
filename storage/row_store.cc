// RowStore: manifests, segment metadata, chunk keys, staging and start-up
// clean-up for the rows of upload data sources (see row_store.h).
#include "storage/row_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <utility>

#include "storage/codec_io.h"
#include "storage/column_codec.h"
#include "storage/keys.h"

namespace claribi::storage {
namespace {

constexpr unsigned char kManifestVersion = 1;
constexpr unsigned char kSegmentMetaVersion = 1;
constexpr uint32_t kMetaChunk = 0xFFFFFFFF;
constexpr size_t kMaxColumns = 1024;
constexpr uint8_t kMaxType = static_cast<uint8_t>(ColumnType::kString);

void put_be32(char* dst, uint32_t v) {
  for (int i = 3; i >= 0; --i) {
    dst[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

std::string ds_prefix(uint64_t ds) { return id_key(ds); }

std::string segment_prefix(uint64_t ds, uint64_t segment) {
  std::string k(16, '\0');
  put_be64(k.data(), ds);
  put_be64(k.data() + 8, segment);
  return k;
}

bool valid_type(uint8_t t) { return t >= 1 && t <= kMaxType; }

}  // namespace

// ---- encodings ---------------------------------------------------------------

void encode_manifest(const TableManifest& m, std::string* out) {
  codec::Writer w(out, kManifestVersion);
  w.u64(m.org_id);
  w.u64(m.data_source_id);
  w.u64(m.version);
  w.u64(m.row_count);
  w.u64(m.columns.size());
  for (const TableColumn& c : m.columns) {
    w.str(c.name);
    w.byte(static_cast<uint8_t>(c.type));
    w.byte(c.nullable ? 1 : 0);
  }
  w.u64(m.segments.size());
  for (const SegmentInfo& s : m.segments) {
    w.u64(s.id);
    w.u64(s.rows);
    w.u64(s.chunks);
  }
}

Status decode_manifest(std::string_view in, TableManifest* out) {
  codec::Reader r(in);
  unsigned v = 0;
  if (!r.version(&v, kManifestVersion)) return Status::Corruption("table manifest: unknown version");
  TableManifest m;
  m.org_id = r.u64();
  m.data_source_id = r.u64();
  m.version = r.u64();
  m.row_count = r.u64();
  uint64_t ncols = r.u64();
  if (ncols > kMaxColumns) return Status::Corruption("table manifest: too many columns");
  m.columns.resize(size_t(ncols));
  for (TableColumn& c : m.columns) {
    r.str(&c.name);
    uint8_t t = r.byte(kMaxType);
    if (!valid_type(t)) return Status::Corruption("table manifest: bad column type");
    c.type = static_cast<ColumnType>(t);
    c.nullable = r.boolean();
  }
  uint64_t nseg = r.u64();
  if (nseg > in.size()) return Status::Corruption("table manifest: bad segment count");
  m.segments.resize(size_t(nseg));
  uint64_t rows = 0;
  for (SegmentInfo& s : m.segments) {
    s.id = r.u64();
    s.rows = r.u64();
    s.chunks = r.u32();
    rows += s.rows;
  }
  if (!r.done()) return Status::Corruption("table manifest: malformed");
  if (rows != m.row_count) return Status::Corruption("table manifest: row counts disagree");
  *out = std::move(m);
  return Status::Ok();
}

void encode_segment_meta(const SegmentMeta& m, std::string* out) {
  codec::Writer w(out, kSegmentMetaVersion);
  w.u64(m.chunks.size());
  for (const ChunkMeta& c : m.chunks) {
    w.u64(c.rows);
    w.u64(c.columns.size());
    for (const ChunkColumnMeta& col : c.columns) {
      w.byte(col.present ? 1 : 0);
      if (!col.present) continue;
      w.byte(static_cast<uint8_t>(col.physical));
      w.byte(static_cast<uint8_t>(col.stored));
      w.u64(col.bytes);
      std::string zone;
      encode_zone_map(col.zone, &zone);
      w.str(zone);
    }
  }
}

Status decode_segment_meta(std::string_view in, SegmentMeta* out) {
  codec::Reader r(in);
  unsigned v = 0;
  if (!r.version(&v, kSegmentMetaVersion)) return Status::Corruption("segment meta: unknown version");
  SegmentMeta m;
  uint64_t n = r.u64();
  if (n > in.size()) return Status::Corruption("segment meta: bad chunk count");
  m.chunks.resize(size_t(n));
  for (ChunkMeta& c : m.chunks) {
    c.rows = r.u32();
    if (c.rows > kChunkRows) return Status::Corruption("segment meta: chunk too large");
    uint64_t ncols = r.u64();
    if (ncols > kMaxColumns) return Status::Corruption("segment meta: too many columns");
    c.columns.resize(size_t(ncols));
    for (ChunkColumnMeta& col : c.columns) {
      col.present = r.boolean();
      if (!col.present) continue;
      uint8_t p = r.byte(kMaxType), s = r.byte(kMaxType);
      if (!valid_type(p) || !valid_type(s)) return Status::Corruption("segment meta: bad type");
      col.physical = static_cast<ColumnType>(p);
      col.stored = static_cast<ColumnType>(s);
      col.bytes = r.u32();
      std::string zone;
      r.str(&zone);
      std::string_view rest = zone;
      if (!decode_zone_map(&rest, &col.zone).ok() || !rest.empty() || col.zone.rows != c.rows)
        return Status::Corruption("segment meta: bad zone map");
    }
  }
  if (!r.done()) return Status::Corruption("segment meta: malformed");
  *out = std::move(m);
  return Status::Ok();
}

std::string chunk_key(uint64_t ds, uint64_t segment, uint32_t chunk, uint16_t column) {
  std::string k(22, '\0');
  put_be64(k.data(), ds);
  put_be64(k.data() + 8, segment);
  put_be32(k.data() + 16, chunk);
  k[20] = static_cast<char>(column >> 8);
  k[21] = static_cast<char>(column & 0xff);
  return k;
}

std::string segment_meta_key(uint64_t ds, uint64_t segment) {
  std::string k(20, '\0');
  put_be64(k.data(), ds);
  put_be64(k.data() + 8, segment);
  put_be32(k.data() + 16, kMetaChunk);
  return k;
}

// ---- SegmentWriter -------------------------------------------------------------

SegmentWriter::SegmentWriter(Database& db, std::string staging_path, uint64_t ds, uint64_t segment)
    : db_(db), staging_path_(std::move(staging_path)), ds_(ds), segment_(segment) {}

SegmentWriter::~SegmentWriter() = default;  // an unfinished bulk writer removes what it staged

Status SegmentWriter::Put(std::string key, std::string value) {
  bytes_ += value.size();
  if (bulk_ == nullptr && inline_.byte_size() + key.size() + value.size() >= kInlineSegmentBytes) {
    // Spill: everything so far, in key order, into a bulk writer (the
    // embedded engine stages an SST file at staging_path_).
    auto w = db_.NewBulkWriter(Family::kRowChunks, staging_path_);
    if (!w.ok()) return w.status();
    bulk_ = std::move(w.value());
    for (const Batch::Op& op : inline_) {
      if (Status st = bulk_->Put(op.key, op.value); !st.ok()) return st;
    }
    inline_.Clear();
  }
  if (bulk_ != nullptr) return bulk_->Put(key, value);
  inline_.Put(Family::kRowChunks, key, value);
  return Status::Ok();
}

Status SegmentWriter::AddChunk(const std::vector<std::string>& blobs, ChunkMeta meta) {
  uint32_t chunk = uint32_t(meta_.chunks.size());
  for (size_t c = 0; c < blobs.size(); ++c) {
    if (blobs[c].empty()) continue;
    if (Status st = Put(chunk_key(ds_, segment_, chunk, uint16_t(c)), blobs[c]); !st.ok()) return st;
  }
  rows_ += meta.rows;
  meta_.chunks.push_back(std::move(meta));
  return Status::Ok();
}

Status SegmentWriter::Commit(const std::vector<ColumnType>& final_types, Batch* publish) {
  for (ChunkMeta& c : meta_.chunks) {
    for (size_t i = 0; i < c.columns.size() && i < final_types.size(); ++i) {
      if (c.columns[i].present) c.columns[i].stored = final_types[i];
    }
  }
  std::string meta;
  encode_segment_meta(meta_, &meta);
  if (Status st = Put(segment_meta_key(ds_, segment_), std::move(meta)); !st.ok()) return st;
  if (bulk_ != nullptr) {
    if (Status st = bulk_->Finish(); !st.ok()) return st;
  } else {
    publish->Append(inline_);
    inline_.Clear();
  }
  return Status::Ok();
}

// ---- RowStore ------------------------------------------------------------------

RowStore::RowStore(Database& db, std::string staging_dir) : db_(db), staging_dir_(std::move(staging_dir)) {
  std::error_code ec;
  std::filesystem::create_directories(staging_dir_, ec);
}

std::unique_ptr<SegmentWriter> RowStore::NewSegment(uint64_t ds, uint64_t segment) {
  std::string path = staging_dir_ + "/" + std::to_string(ds) + "-" + std::to_string(segment) + ".sst";
  ::unlink(path.c_str());  // a leftover of a failed attempt at the same version
  return std::make_unique<SegmentWriter>(db_, std::move(path), ds, segment);
}

Status RowStore::Cleanup() {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(staging_dir_, ec)) {
    std::filesystem::remove(e.path(), ec);
  }
  // Which segments each table references.
  std::set<std::pair<uint64_t, uint64_t>> live;
  Status st = db_.ForEachPrefix(Family::kRowTables, {}, [&](std::string_view, std::string_view v) {
    TableManifest m;
    if (!decode_manifest(v, &m).ok()) return true;  // LoadAll reports it
    for (const SegmentInfo& s : m.segments) live.emplace(m.data_source_id, s.id);
    return true;
  });
  if (!st.ok()) return st;
  // A shared database: the unreferenced segments may be another node's
  // upload, staged and not yet published. They stay (a crashed upload's
  // leftovers then stay too).
  if (db_.shared()) return Status::Ok();
  // Walk kRowChunks one segment at a time (keys only matter, so one key per
  // segment is read: the scan stops at the first key of each segment).
  Batch garbage;
  std::string from;
  for (;;) {
    bool found = false;
    uint64_t ds = 0, seg = 0;
    st = db_.ForEachFrom(Family::kRowChunks, from, {}, [&](std::string_view k, std::string_view) {
      if (k.size() < 16) return true;
      ds = get_be64(k.data());
      seg = get_be64(k.data() + 8);
      found = true;
      return false;
    });
    if (!st.ok()) return st;
    if (!found) break;
    if (live.count({ds, seg}) == 0) DeleteSegment(garbage, ds, seg);
    from = prefix_successor(segment_prefix(ds, seg));
    if (from.empty()) break;
  }
  if (garbage.empty()) return Status::Ok();
  return db_.Write(garbage);
}

Status RowStore::LoadManifest(uint64_t ds, TableManifest* out) const {
  std::string raw;
  if (Status st = db_.Get(Family::kRowTables, id_key(ds), &raw); !st.ok()) return st;
  return decode_manifest(raw, out);
}

Status RowStore::LoadSegment(uint64_t ds, const SegmentInfo& segment, SegmentMeta* meta) const {
  std::string raw;
  Status g = db_.Get(Family::kRowChunks, segment_meta_key(ds, segment.id), &raw);
  if (g.ok()) g = decode_segment_meta(raw, meta);
  if (g.ok() && meta->chunks.size() != segment.chunks) g = Status::Corruption("segment meta: chunk count");
  if (g.ok() || g.code() == StatusCode::kIoError || g.code() == StatusCode::kUnavailable) return g;
  const std::string where = "table of data source " + std::to_string(ds) + ", segment " + std::to_string(segment.id);
  if (g.code() == StatusCode::kNotFound) return Status::NotFound(where + ": no segment metadata");
  return Status::Corruption(where + ": " + g.message());
}

Status RowStore::LoadAll(const std::function<void(TableManifest, std::vector<SegmentMeta>)>& fn) const {
  Status bad;
  Status st = db_.ForEachPrefix(Family::kRowTables, {}, [&](std::string_view, std::string_view v) {
    TableManifest m;
    if (Status d = decode_manifest(v, &m); !d.ok()) {
      bad = d;
      return false;
    }
    std::vector<SegmentMeta> metas(m.segments.size());
    for (size_t i = 0; i < m.segments.size(); ++i) {
      if (bad = LoadSegment(m.data_source_id, m.segments[i], &metas[i]); !bad.ok()) return false;
    }
    fn(std::move(m), std::move(metas));
    return true;
  });
  if (!st.ok()) return st;
  return bad;
}

Status RowStore::ReadColumn(uint64_t ds, uint64_t segment, uint32_t chunk, uint16_t column,
                            std::string* bytes) const {
  return db_.GetUncached(Family::kRowChunks, chunk_key(ds, segment, chunk, column), bytes);
}

void RowStore::PutManifest(Batch& b, const TableManifest& m) {
  std::string v;
  encode_manifest(m, &v);
  b.Put(Family::kRowTables, id_key(m.data_source_id), v);
}

void RowStore::DeleteTable(Batch& b, uint64_t ds) {
  b.Delete(Family::kRowTables, id_key(ds));
  b.DeleteRange(Family::kRowChunks, ds_prefix(ds), prefix_successor(ds_prefix(ds)));
}

void RowStore::DeleteSegmentsBelow(Batch& b, uint64_t ds, uint64_t segment) {
  b.DeleteRange(Family::kRowChunks, ds_prefix(ds), segment_prefix(ds, segment));
}

void RowStore::DeleteSegment(Batch& b, uint64_t ds, uint64_t segment) {
  std::string p = segment_prefix(ds, segment);
  b.DeleteRange(Family::kRowChunks, p, prefix_successor(p));
}

}  // namespace claribi::storage
