// RocksDatabase: the embedded engine — RocksDB behind Database's contract
// (database.h). This file is the only place that includes RocksDB headers.
//
// - One column family per Family; missing ones are created at Open, so
//   adding a Family to the enum just works on an existing database.
// - Tuned for point lookups: bloom filters (10 bits/key, whole key), one
//   shared LRU block cache, hash index inside data blocks, memtable bloom;
//   the row-chunk family has its own options (chunk_family_options).
// - Every write is synced (WriteOptions::sync).
// - Bulk writers stage an SST file and ingest it whole (moved, not copied).
#include "storage/rocks_database.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <set>
#include <vector>

#include "storage/keys.h"

namespace claribi::storage {
namespace {

Status from_rocksdb(const rocksdb::Status& s) {
  if (s.ok()) return Status::Ok();
  std::string m = s.ToString();
  if (s.IsNotFound()) return Status::NotFound(std::move(m));
  if (s.IsCorruption()) return Status::Corruption(std::move(m));
  if (s.IsIOError()) return Status::IoError(std::move(m));
  if (s.IsInvalidArgument() || s.IsNotSupported()) return Status::InvalidArgument(std::move(m));
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain() || s.IsIncomplete())
    return Status::Unavailable(std::move(m));
  return Status::Internal(std::move(m));
}

rocksdb::Slice slice(std::string_view v) { return rocksdb::Slice(v.data(), v.size()); }
std::string_view view(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

std::string seq_key(Sequence s) { return "seq/" + std::string(sequence_name(s)); }

// Paths this process has open for writing. RocksDB holds the database's
// LOCK file with a POSIX record lock (fcntl), and POSIX drops ALL of a
// process's locks on a file when ANY descriptor of it is closed, so we may
// only probe a LOCK file (open + F_GETLK + close) when this process does not
// itself hold it. The registry answers that, and turns a second in-process
// open into the same clear error.
std::mutex& open_mutex() {
  static std::mutex m;
  return m;
}
std::set<std::string>& open_paths() {
  static std::set<std::string> s;
  return s;
}

// Identity of the database directory for open_paths(): device and inode,
// so "db", "db/" and "./link-to-db" are the same database.
std::string directory_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "missing:" + path;
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

// True when another process holds a lock on <path>/LOCK. Only call when this
// process does not hold it (see open_paths()).
bool lock_held_elsewhere(const std::string& path) {
  std::string lock_file = path + "/LOCK";
  int fd = ::open(lock_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = 0;
  fl.l_len = 0;
  bool held = ::fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
  ::close(fd);
  return held;
}

Status in_use(const std::string& path) {
  return Status::Unavailable("database is in use by another process (lock held): " + path);
}

rocksdb::CompressionType pick(std::initializer_list<rocksdb::CompressionType> wanted) {
  auto have = rocksdb::GetSupportedCompressions();
  for (auto c : wanted)
    if (std::find(have.begin(), have.end(), c) != have.end()) return c;
  return rocksdb::kNoCompression;
}

rocksdb::ColumnFamilyOptions family_options(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  rocksdb::BlockBasedTableOptions t;
  if (cache) {
    t.block_cache = cache;
  } else {
    t.no_block_cache = true;
  }
  // Whole-key bloom filters: most lookups that matter are misses ("is this
  // email taken", "is this jti blacklisted"), which a filter answers without
  // reading a data block. So no optimize_filters_for_hits.
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  t.whole_key_filtering = true;
  t.optimize_filters_for_memory = true;
  // A hash index inside each data block turns the in-block binary search of
  // a point lookup into one probe.
  t.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
  t.data_block_hash_table_util_ratio = 0.75;
  t.format_version = 5;
  // Index and filter blocks stay in table-reader memory (not the cache): the
  // identity data is small and this keeps point lookups off the cache's lock.
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  // Bloom filter over memtable keys, so misses skip the memtable skiplist.
  o.memtable_prefix_bloom_size_ratio = 0.02;
  o.memtable_whole_key_filtering = true;
  o.write_buffer_size = 32 << 20;
  o.level_compaction_dynamic_level_bytes = true;
  o.compression = pick({rocksdb::kLZ4Compression, rocksdb::kSnappyCompression});
  o.bottommost_compression = pick({rocksdb::kZSTD, rocksdb::kLZ4Compression});
  return o;
}

// The column chunks of uploaded rows (row_store.h): values of 10-500 KB
// written in bulk (SST files ingested whole) and read a chunk at a time when
// a table becomes resident, never as point-lookup misses. So: no bloom
// filter, large blocks, no block cache (the resident chunks are the cache),
// ZSTD everywhere (the values are already bit-packed; ZSTD still finds
// repeats), and no write stalls on its account — a large upload must not
// slow the small synced writes of the other families.
rocksdb::ColumnFamilyOptions chunk_family_options() {
  rocksdb::ColumnFamilyOptions o;
  rocksdb::BlockBasedTableOptions t;
  t.no_block_cache = true;
  t.block_size = 256 << 10;
  t.format_version = 5;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  o.write_buffer_size = 16 << 20;
  o.level_compaction_dynamic_level_bytes = true;
  o.compression = pick({rocksdb::kZSTD, rocksdb::kLZ4Compression});
  o.bottommost_compression = o.compression;
  o.level0_slowdown_writes_trigger = 1 << 20;
  o.level0_stop_writes_trigger = 1 << 20;
  o.soft_pending_compaction_bytes_limit = 0;  // 0 = no stall
  o.hard_pending_compaction_bytes_limit = 0;
  o.target_file_size_base = 256 << 20;
  return o;
}

}  // namespace

static rocksdb::ColumnFamilyOptions options_for(Family f, const rocksdb::ColumnFamilyOptions& point_lookup) {
  return f == Family::kRowChunks ? chunk_family_options() : point_lookup;
}

class RocksDatabase final : public Database {
 public:
  struct Impl;
  explicit RocksDatabase(std::unique_ptr<Impl> impl);
  ~RocksDatabase() override;

  Status Get(Family f, std::string_view key, std::string* value) const override;
  Status GetUncached(Family f, std::string_view key, std::string* value) const override;
  Status ForEachPrefix(Family f, std::string_view prefix, const ScanFn& fn) const override;
  Status ForEachPrefixReverse(Family f, std::string_view prefix, const ScanFn& fn) const override;
  Status ForEachFrom(Family f, std::string_view begin, std::string_view end, const ScanFn& fn) const override;
  Status WriteGroup(std::span<const Batch* const> batches) override;
  Result<std::unique_ptr<BulkWriter>> NewBulkWriter(Family f, const std::string& staging_path) override;
  Status Checkpoint(const std::string& dest_dir) const override;
  uint64_t AllocateId(Sequence s) override;
  uint64_t LastAllocatedId(Sequence s) const override;
  Figures KeyFigures() const override;
  std::string Stats() const override;
  const std::string& path() const override;
  bool read_only() const override;
  Status Writable() const override;

 private:
  std::unique_ptr<Impl> impl_;
};

struct RocksDatabase::Impl {
  std::string path;
  std::string registered_path;  // key in open_paths(); empty if read-only
  bool read_only = false;
  std::shared_ptr<rocksdb::Cache> cache;
  rocksdb::DB* db = nullptr;
  // Handle of each Family; nullptr for a family that a read-only open found
  // missing. `handles` also holds families of a newer schema we don't know.
  std::array<rocksdb::ColumnFamilyHandle*, kFamilyCount> cf{};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::WriteOptions write_options;

  // Last id handed out per sequence.
  std::array<std::atomic<uint64_t>, kSequenceCount> last_id{};
  // Serialises writes so a stored high-water mark never goes backwards.
  std::mutex write_mu;
  std::array<uint64_t, kSequenceCount> persisted_id{};  // guarded by write_mu

  ~Impl() {
    if (db != nullptr) {
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
      db->Close().PermitUncheckedError();
      delete db;
    }
    if (!registered_path.empty()) {
      std::lock_guard lk(open_mutex());
      open_paths().erase(registered_path);
    }
  }

  Status Scan(Family f, std::string_view prefix, const ScanFn& fn, bool reverse) const;
  Status LoadSequences();
};

RocksDatabase::RocksDatabase(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RocksDatabase::~RocksDatabase() = default;

const std::string& RocksDatabase::path() const { return impl_->path; }
bool RocksDatabase::read_only() const { return impl_->read_only; }

Status RocksDatabase::Writable() const {
  if (impl_->read_only) return Status::Unavailable("the database is open read-only");
  uint64_t stopped = 0;
  if (impl_->db->GetIntProperty("rocksdb.is-write-stopped", &stopped) && stopped != 0)
    return Status::Unavailable("RocksDB has stopped writes");
  return Status::Ok();
}

Result<std::unique_ptr<Database>> open_rocksdb(const DatabaseOptions& options) {
  if (options.path.empty()) return Status::InvalidArgument("database path is empty");
  auto impl = std::make_unique<RocksDatabase::Impl>();
  impl->path = options.path;
  impl->read_only = options.read_only;
  impl->write_options.sync = true;

  // Opens in this process are serialised, which makes the registry check,
  // the lock probe and RocksDB's own lock one step.
  std::lock_guard open_lock(open_mutex());
  if (open_paths().count(directory_identity(options.path)) != 0)
    return Status::Unavailable("database is in use by this process (lock held): " + options.path);
  if (lock_held_elsewhere(options.path)) return in_use(options.path);

  rocksdb::DBOptions dbo;
  dbo.create_if_missing = true;
  dbo.create_missing_column_families = true;
  dbo.max_background_jobs = 2;  // flush + compaction; the machine has few cores
  dbo.bytes_per_sync = 1 << 20;
  dbo.db_write_buffer_size = 128 << 20;  // all memtables together
  dbo.max_total_wal_size = 256 << 20;    // flush idle families so old WALs go
  dbo.keep_log_file_num = 5;
  dbo.max_log_file_size = 16 << 20;

  if (options.block_cache_bytes > 0) impl->cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  const rocksdb::ColumnFamilyOptions cfo = family_options(impl->cache);

  std::vector<std::string> existing;
  rocksdb::Status ls = rocksdb::DB::ListColumnFamilies(dbo, options.path, &existing);
  if (!ls.ok()) {
    if (options.read_only) return Status::NotFound("no database at " + options.path + ": " + ls.ToString());
    existing.clear();  // a new database
  }

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  std::vector<int> family_of;  // descriptor index -> Family, or -1 for unknown
  for (size_t i = 0; i < kFamilyCount; ++i) {
    std::string name(family_name(static_cast<Family>(i)));
    bool exists = std::find(existing.begin(), existing.end(), name) != existing.end();
    if (options.read_only && !exists && name != rocksdb::kDefaultColumnFamilyName) continue;
    descriptors.emplace_back(name, options_for(static_cast<Family>(i), cfo));
    family_of.push_back(static_cast<int>(i));
  }
  // RocksDB must open every family that exists, including ones written by a
  // newer version of this code; we keep them open and leave them alone.
  for (const auto& name : existing) {
    bool known = std::any_of(descriptors.begin(), descriptors.end(),
                             [&](const auto& d) { return d.name == name; });
    if (!known) {
      descriptors.emplace_back(name, cfo);
      family_of.push_back(-1);
    }
  }

  rocksdb::Status s =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(dbo, options.path, descriptors, &impl->handles, &impl->db)
          : rocksdb::DB::Open(dbo, options.path, descriptors, &impl->handles, &impl->db);
  if (!s.ok()) {
    impl->db = nullptr;
    impl->handles.clear();
    // Lost a race with another process between the probe and the open.
    if (s.IsIOError() && lock_held_elsewhere(options.path)) return in_use(options.path);
    return Status::IoError("cannot open database " + options.path + ": " + s.ToString());
  }
  for (size_t i = 0; i < descriptors.size(); ++i)
    if (family_of[i] >= 0) impl->cf[static_cast<size_t>(family_of[i])] = impl->handles[i];

  if (Status st = impl->LoadSequences(); !st.ok()) return st;
  if (!options.read_only) {
    impl->registered_path = directory_identity(options.path);  // exists now
    open_paths().insert(impl->registered_path);
  }
  return std::unique_ptr<Database>(new RocksDatabase(std::move(impl)));
}

// Starts each counter after max(stored high-water mark, largest id on disk).
Status RocksDatabase::Impl::LoadSequences() {
  for (size_t i = 0; i < kSequenceCount; ++i) {
    auto seq = static_cast<Sequence>(i);
    uint64_t high = 0;
    std::string v;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[0], seq_key(seq), &v);
    if (s.ok()) {
      if (v.size() != 8) return Status::Corruption("bad sequence record " + seq_key(seq));
      high = get_be64(v.data());
    } else if (!s.IsNotFound()) {
      return from_rocksdb(s);
    }
    Status st = Scan(sequence_family(seq), {}, [&](std::string_view key, std::string_view) {
      if (key.size() == kIdKeySize || key.size() == kOrgKeySize)
        high = std::max(high, get_be64(key.data() + key.size() - 8));
      return true;
    }, false);
    if (!st.ok()) return st;
    last_id[i].store(high);
    persisted_id[i] = high;
  }
  return Status::Ok();
}

Status RocksDatabase::Get(Family f, std::string_view key, std::string* value) const {
  auto* h = impl_->cf[static_cast<size_t>(f)];
  if (h == nullptr) return Status::NotFound({});
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), h, slice(key), value);
  if (s.IsNotFound()) return Status::NotFound({});
  return from_rocksdb(s);
}

Status RocksDatabase::Impl::Scan(Family f, std::string_view prefix, const ScanFn& fn, bool reverse) const {
  auto* h = cf[static_cast<size_t>(f)];
  if (h == nullptr) return Status::Ok();
  const std::string upper = prefix_successor(prefix);
  const rocksdb::Slice lower_slice = slice(prefix);
  const rocksdb::Slice upper_slice = slice(upper);
  rocksdb::ReadOptions ro;
  if (!prefix.empty()) ro.iterate_lower_bound = &lower_slice;
  if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, h));
  if (reverse) {
    it->SeekToLast();  // honours iterate_upper_bound
  } else {
    it->SeekToFirst();  // honours iterate_lower_bound
  }
  while (it->Valid()) {
    std::string_view key = view(it->key());
    if (!key.starts_with(prefix)) break;  // the bounds already ensure this
    if (!fn(key, view(it->value()))) return Status::Ok();
    if (reverse) {
      it->Prev();
    } else {
      it->Next();
    }
  }
  return from_rocksdb(it->status());
}

Status RocksDatabase::ForEachPrefix(Family f, std::string_view prefix, const ScanFn& fn) const {
  return impl_->Scan(f, prefix, fn, false);
}

Status RocksDatabase::ForEachFrom(Family f, std::string_view begin, std::string_view end, const ScanFn& fn) const {
  auto* h = impl_->cf[static_cast<size_t>(f)];
  if (h == nullptr) return Status::Ok();
  const rocksdb::Slice upper_slice = slice(end);
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  if (!end.empty()) ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, h));
  for (it->Seek(slice(begin)); it->Valid(); it->Next()) {
    if (!fn(view(it->key()), view(it->value()))) return Status::Ok();
  }
  return from_rocksdb(it->status());
}

Status RocksDatabase::ForEachPrefixReverse(Family f, std::string_view prefix, const ScanFn& fn) const {
  return impl_->Scan(f, prefix, fn, true);
}

Status RocksDatabase::WriteGroup(std::span<const Batch* const> batches) {
  if (impl_->read_only) return Status::PermissionDenied("database is open read-only: " + impl_->path);
  size_t bytes = 64;
  for (const Batch* b : batches) bytes += b->byte_size() + 8 * b->count();
  rocksdb::WriteBatch wb(bytes);
  for (const Batch* b : batches) {
    for (const Batch::Op& op : *b) {
      auto fi = static_cast<size_t>(op.family);
      if (fi >= kFamilyCount || impl_->cf[fi] == nullptr)
        return Status::InvalidArgument("batch names an unknown family");
      rocksdb::Status s;
      switch (op.type) {
        case Batch::OpType::kPut: s = wb.Put(impl_->cf[fi], slice(op.key), slice(op.value)); break;
        case Batch::OpType::kDelete: s = wb.Delete(impl_->cf[fi], slice(op.key)); break;
        case Batch::OpType::kDeleteRange: s = wb.DeleteRange(impl_->cf[fi], slice(op.key), slice(op.value)); break;
        case Batch::OpType::kExpect:
        case Batch::OpType::kExpectAbsent:
          break;  // this process is the database's only writer (batch.h)
      }
      if (!s.ok()) return from_rocksdb(s);
    }
  }

  std::lock_guard lk(impl_->write_mu);
  // High-water marks, read now: every id in these batches was allocated
  // before they were submitted, so each mark covers all of them.
  std::array<uint64_t, kSequenceCount> marks = impl_->persisted_id;
  for (size_t i = 0; i < kSequenceCount; ++i) {
    uint64_t v = impl_->last_id[i].load();
    if (v > marks[i]) {
      marks[i] = v;
      char buf[8];
      put_be64(buf, v);
      rocksdb::Status s = wb.Put(impl_->cf[0], seq_key(static_cast<Sequence>(i)), rocksdb::Slice(buf, 8));
      if (!s.ok()) return from_rocksdb(s);
    }
  }
  if (wb.Count() == 0) return Status::Ok();  // nothing to make durable
  rocksdb::Status s = impl_->db->Write(impl_->write_options, &wb);
  if (!s.ok()) return from_rocksdb(s);
  impl_->persisted_id = marks;
  return Status::Ok();
}

Status RocksDatabase::GetUncached(Family f, std::string_view key, std::string* value) const {
  auto* h = impl_->cf[static_cast<size_t>(f)];
  if (h == nullptr) return Status::NotFound({});
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  rocksdb::Status s = impl_->db->Get(ro, h, slice(key), value);
  if (s.IsNotFound()) return Status::NotFound({});
  return from_rocksdb(s);
}

// Stages the keys in an SST file; Finish ingests it into the family.
class RocksBulkWriter final : public BulkWriter {
 public:
  RocksBulkWriter(RocksDatabase::Impl& db, rocksdb::ColumnFamilyHandle* family, std::string path)
      : db_(db), family_(family), path_(std::move(path)) {}
  ~RocksBulkWriter() override {
    if (finished_) return;
    writer_.reset();
    ::unlink(path_.c_str());  // never ingested: nothing of it stays
  }

  Status Open(const rocksdb::DBOptions& db_options) {
    rocksdb::ColumnFamilyDescriptor d;
    rocksdb::Status s = family_->GetDescriptor(&d);
    if (!s.ok()) return from_rocksdb(s);
    options_ = rocksdb::Options(db_options, d.options);
    writer_ = std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(), options_, family_);
    return from_rocksdb(writer_->Open(path_));
  }

  Status Put(std::string_view key, std::string_view value) override {
    return from_rocksdb(writer_->Put(slice(key), slice(value)));
  }

  Status Finish() override;

 private:
  RocksDatabase::Impl& db_;
  rocksdb::ColumnFamilyHandle* family_;
  std::string path_;
  rocksdb::Options options_;
  std::unique_ptr<rocksdb::SstFileWriter> writer_;
  bool finished_ = false;
};

Result<std::unique_ptr<BulkWriter>> RocksDatabase::NewBulkWriter(Family f, const std::string& staging_path) {
  if (impl_->read_only) return Status::PermissionDenied("database is open read-only: " + impl_->path);
  auto* h = impl_->cf[static_cast<size_t>(f)];
  if (h == nullptr) return Status::InvalidArgument("unknown family");
  auto w = std::make_unique<RocksBulkWriter>(*impl_, h, staging_path);
  if (Status st = w->Open(impl_->db->GetDBOptions()); !st.ok()) return st;
  return std::unique_ptr<BulkWriter>(std::move(w));
}

Status RocksBulkWriter::Finish() {
  if (Status st = from_rocksdb(writer_->Finish()); !st.ok()) return st;
  rocksdb::IngestExternalFileOptions o;
  o.move_files = true;  // a hard link (same filesystem); the staged name goes away
  o.snapshot_consistency = true;
  o.allow_global_seqno = true;
  o.allow_blocking_flush = true;  // only if a memtable overlaps: never for fresh chunk keys
  if (Status st = from_rocksdb(db_.db->IngestExternalFile(family_, {path_}, o)); !st.ok()) return st;
  finished_ = true;
  ::unlink(path_.c_str());  // normally moved already; a copy would stay otherwise
  return Status::Ok();
}

Status RocksDatabase::Checkpoint(const std::string& dest_dir) const {
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(impl_->db, &raw);
  if (!s.ok()) return from_rocksdb(s);
  std::unique_ptr<rocksdb::Checkpoint> cp(raw);
  return from_rocksdb(cp->CreateCheckpoint(dest_dir));
}

uint64_t RocksDatabase::AllocateId(Sequence s) {
  return impl_->last_id[static_cast<size_t>(s)].fetch_add(1) + 1;
}

uint64_t RocksDatabase::LastAllocatedId(Sequence s) const {
  return impl_->last_id[static_cast<size_t>(s)].load();
}

Database::Figures RocksDatabase::KeyFigures() const {
  Figures f;
  for (size_t i = 0; i < kFamilyCount; ++i) {
    auto* h = impl_->cf[i];
    if (h == nullptr) continue;
    FamilyFigures ff;
    ff.name = family_name(static_cast<Family>(i));
    impl_->db->GetIntProperty(h, "rocksdb.estimate-num-keys", &ff.keys);
    impl_->db->GetIntProperty(h, "rocksdb.total-sst-files-size", &ff.sst_bytes);
    impl_->db->GetIntProperty(h, "rocksdb.cur-size-all-mem-tables", &ff.memtable_bytes);
    impl_->db->GetIntProperty(h, "rocksdb.estimate-pending-compaction-bytes", &ff.pending_compaction_bytes);
    f.families.push_back(ff);
  }
  impl_->db->GetIntProperty("rocksdb.num-running-compactions", &f.running_compactions);
  impl_->db->GetIntProperty("rocksdb.num-running-flushes", &f.running_flushes);
  impl_->db->GetIntProperty("rocksdb.background-errors", &f.background_errors);
  uint64_t stopped = 0;
  impl_->db->GetIntProperty("rocksdb.is-write-stopped", &stopped);
  f.write_stopped = stopped != 0;
  if (impl_->cache) {
    f.block_cache_usage = impl_->cache->GetUsage();
    f.block_cache_capacity = impl_->cache->GetCapacity();
  }
  return f;
}

std::string RocksDatabase::Stats() const {
  std::string out = "path: " + impl_->path + (impl_->read_only ? " (read-only)\n" : "\n");
  for (size_t i = 0; i < kSequenceCount; ++i) {
    out += "sequence ";
    out += sequence_name(static_cast<Sequence>(i));
    out += ": last id " + std::to_string(impl_->last_id[i].load()) + "\n";
  }
  const Figures f = KeyFigures();
  for (const FamilyFigures& ff : f.families) {
    out += "family ";
    out += ff.name;
    out += ": ~" + std::to_string(ff.keys) + " keys, sst " + std::to_string(ff.sst_bytes) + " B, memtable " +
           std::to_string(ff.memtable_bytes) + " B\n";
  }
  if (impl_->cache) {
    out += "block cache: " + std::to_string(f.block_cache_usage) + " / " + std::to_string(f.block_cache_capacity) +
           " B\n";
  }
  std::string rs;
  if (impl_->db->GetProperty("rocksdb.stats", &rs)) out += rs;
  return out;
}

}  // namespace claribi::storage
