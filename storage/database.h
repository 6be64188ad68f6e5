// Database: the one owner of the RocksDB instance. Every other part of the
// server reaches persistence through storage/ (IdentityStore and friends),
// and only storage/*.cc include RocksDB headers; this header is a pimpl.
//
// - One column family per Family (families.h); missing ones are created at
//   Open, so adding a Family to the enum just works on an existing database.
// - Tuned for point lookups: bloom filters (10 bits/key, whole key), one
//   shared LRU block cache, hash index inside data blocks, memtable bloom.
// - Every write is synced (WriteOptions::sync): a write that returned OK
//   survives a crash or power cut (API.md §9). Concurrent writers should go
//   through GroupCommitWriter, which amortises the sync over many requests.
// - RocksDB allows one process at a time. Open fails with
//   Unavailable("database is in use by another process (lock held): <path>")
//   while another process (normally the running server) holds it, so the
//   admin tool can tell that it must talk to the server instead.
//
// Thread safety: every method may be called from any thread. Reads run
// concurrently with each other and with writes; writes are serialised.
//
// Ids (AllocateId): one atomic counter per Sequence, callable from any
// thread. Each Write also stores, in kMeta "seq/<name>", the counter value of
// every sequence that advanced since the last write, read at write time and so
// >= every id in that write. Because that high-water mark is written in the
// same atomic batch as the records, every id that is on disk is <= the stored
// mark, and Open starts each counter after max(stored mark, largest id found
// in the sequence's family) — the scan is a safety net for records written
// with ids that did not come from AllocateId (imports, tests).
// An id that was handed out but whose write never committed (crash, failed
// write) may be handed out again after a restart. That is harmless: the id
// was never on disk, so no response ever carried it (a 2xx for a create is
// sent only after its write is durable), no record or reference holds it, and
// "never reused" is about ids a client could have seen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/batch.h"
#include "storage/families.h"

namespace claribi::storage {

// Writes a sorted run of keys of one family into a new SST file, outside the
// database, for Database::IngestFiles (bulk loading: no WAL, no memtable).
// Keys must be added in strictly increasing order. One thread at a time.
class SstWriter {
 public:
  ~SstWriter();
  Status Put(std::string_view key, std::string_view value);
  // Completes and syncs the file; no Put after it.
  Status Finish();
  uint64_t file_size() const;

 private:
  friend class Database;
  SstWriter();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct DatabaseOptions {
  std::string path;
  size_t block_cache_bytes = 64 << 20;
  // Open without writing: no missing families are created, Write fails.
  // Still refused while another process has the database open for writing.
  bool read_only = false;
};

class Database {
 public:
  // Called for each key/value in a scan; return false to stop.
  using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;

  static Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Point lookup. OK and *value set when present; NotFound (empty message, no
  // allocation) when absent; another code on an I/O error or corruption.
  Status Get(Family f, std::string_view key, std::string* value) const;

  // The same without filling the block cache (bulk reads of values the
  // caller keeps in memory itself).
  Status GetUncached(Family f, std::string_view key, std::string* value) const;

  // Every key that starts with `prefix` ("" = the whole family), in ascending
  // (or, for the Reverse form, descending) key order, until fn returns false.
  // The Status reports an I/O error or corruption met during the scan (the
  // scan stops there); stopping early through fn is OK.
  Status ForEachPrefix(Family f, std::string_view prefix, const ScanFn& fn) const;
  Status ForEachPrefixReverse(Family f, std::string_view prefix, const ScanFn& fn) const;
  // Every key k with begin <= k (and k < end unless end is empty), ascending.
  Status ForEachFrom(Family f, std::string_view begin, std::string_view end, const ScanFn& fn) const;

  // Applies the batch atomically with a synced write.
  Status Write(const Batch& batch);
  // Applies several batches as ONE atomic synced write, in order (what
  // GroupCommitWriter uses).
  Status WriteGroup(std::span<const Batch* const> batches);

  // Bulk loading: an SstWriter for family f writing the file at `path`
  // (which must not exist), and the atomic ingestion of finished files into
  // the family (moved, not copied; durable when this returns OK; all of the
  // files or none). Ingestion does not go through the WAL and does not block
  // other writers for longer than it takes to link the files in.
  Result<std::unique_ptr<SstWriter>> NewSstWriter(Family f, const std::string& path) const;
  Status IngestFiles(Family f, const std::vector<std::string>& paths);

  // A consistent, openable copy of the live database in `dest_dir` (which
  // must not exist; same filesystem means hard links, so it is cheap).
  Status Checkpoint(const std::string& dest_dir) const;

  // Next id of the sequence: positive, unique, never reused (see above).
  uint64_t AllocateId(Sequence s);
  // Largest id allocated so far (0 if none), for diagnostics and tests.
  uint64_t LastAllocatedId(Sequence s) const;

  // RocksDB's key figures, for the metrics listener and Stats().
  struct FamilyFigures {
    std::string_view name;
    uint64_t keys = 0;  // estimate
    uint64_t sst_bytes = 0;
    uint64_t memtable_bytes = 0;
    uint64_t pending_compaction_bytes = 0;
  };
  struct Figures {
    std::vector<FamilyFigures> families;
    uint64_t running_compactions = 0;
    uint64_t running_flushes = 0;
    uint64_t background_errors = 0;  // since open
    bool write_stopped = false;
    uint64_t block_cache_usage = 0;
    uint64_t block_cache_capacity = 0;
  };
  Figures KeyFigures() const;

  // Human-readable RocksDB statistics plus our counters, for the admin tool.
  std::string Stats() const;

  const std::string& path() const;
  bool read_only() const;
  // Ok when the database takes writes; else why not: opened read-only, or
  // RocksDB stopped writes (a background error, or compaction too far behind).
  Status Writable() const;

 private:
  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace claribi::storage
