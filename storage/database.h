// Database: the storage engine under storage/'s typed stores (IdentityStore,
// ResourceStore, RowStore) — ordered key/value families, atomic durable
// batches, id sequences. Nothing above storage/ sees the engine's own types;
// the embedded RocksDB engine (rocks_database.cc, what Database::Open opens)
// is the only one so far, and a second (PostgreSQL, for cluster mode) is to
// implement this same contract.
//
// - One key space per Family (families.h), keys compared bytewise.
// - Every write is durable when it returns OK: it survives a crash or power
//   cut (API.md §9). Concurrent writers should go through GroupCommitWriter,
//   which amortises the sync over many requests.
// - The embedded engine allows one process at a time. Open fails with
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

// Bulk loading into one family outside the normal write path (the embedded
// engine: an SST file ingested whole — no WAL, no memtable). Keys must be
// added in strictly increasing order; one thread at a time. Finish makes all
// of the keys durable in the family, or none; a writer destroyed before a
// successful Finish leaves nothing behind.
class BulkWriter {
 public:
  virtual ~BulkWriter() = default;
  virtual Status Put(std::string_view key, std::string_view value) = 0;
  virtual Status Finish() = 0;
};

// Cluster mode (several servers on one PostgreSQL database): the writes
// every process commits, in commit order, so each node can bring its
// in-memory state (indexes, catalogs, table snapshots) up to date.
struct CommittedChange {
  uint64_t seq = 0;        // its place in the change log; grows with commit order
  double age_seconds = 0;  // since it committed, by the database's clock, when read
  Batch ops;               // its operations on kept_in_memory() families
};

class ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;
  // The newest change committed so far (0: none). Read it before loading
  // what is in memory, then follow from there: nothing is missed.
  virtual Result<uint64_t> Head() = 0;
  // The changes after `after`, oldest first, at most `limit`. When there
  // are none it first waits, up to timeout_ms, for one to be announced.
  // Unavailable while the database cannot be reached (the feed reconnects
  // on a later call); Internal when changes after `after` were trimmed from
  // the log (this process fell too far behind: restart it).
  virtual Status Read(uint64_t after, size_t limit, int timeout_ms, std::vector<CommittedChange>* out) = 0;
  // Whether this process already holds a change to (f, key) at least as new
  // as `seq` — its own commit, whose in-memory change was applied when it
  // committed — so applying `seq` would undo a newer state. Any thread; the
  // answer that counts is the one on the group-commit thread, where commits
  // are applied (once true it stays true until AppliedThrough passes seq).
  virtual bool AppliedHere(Family f, std::string_view key, uint64_t seq) = 0;
  // Every change through `seq` is applied: the bookkeeping for it can go.
  virtual void AppliedThrough(uint64_t seq) = 0;
};

struct DatabaseOptions {
  // The PostgreSQL engine at this libpq URL (pg_database.h; path and the
  // cache are then unused), shown in messages as postgresql_shown.
  bool postgresql = false;
  std::string postgresql_url;
  std::string postgresql_shown;
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

  // Opens the PostgreSQL engine when options.postgresql_url is set, else
  // (creating it if missing) the embedded RocksDB database at options.path.
  static Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options);
  virtual ~Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Point lookup. OK and *value set when present; NotFound (empty message, no
  // allocation) when absent; another code on an I/O error or corruption.
  virtual Status Get(Family f, std::string_view key, std::string* value) const = 0;

  // The same without filling a cache (bulk reads of values the caller keeps
  // in memory itself).
  virtual Status GetUncached(Family f, std::string_view key, std::string* value) const = 0;

  // Every key that starts with `prefix` ("" = the whole family), in ascending
  // (or, for the Reverse form, descending) key order, until fn returns false.
  // The Status reports an I/O error or corruption met during the scan (the
  // scan stops there); stopping early through fn is OK.
  virtual Status ForEachPrefix(Family f, std::string_view prefix, const ScanFn& fn) const = 0;
  virtual Status ForEachPrefixReverse(Family f, std::string_view prefix, const ScanFn& fn) const = 0;
  // Every key k with begin <= k (and k < end unless end is empty), ascending.
  virtual Status ForEachFrom(Family f, std::string_view begin, std::string_view end, const ScanFn& fn) const = 0;

  // Applies the batch atomically and durably.
  Status Write(const Batch& batch) {
    const Batch* one = &batch;
    return WriteGroup(std::span<const Batch* const>(&one, 1));
  }
  // Applies several batches as ONE atomic durable write, in order (what
  // GroupCommitWriter uses).
  virtual Status WriteGroup(std::span<const Batch* const> batches) = 0;

  // A bulk writer into family f; `staging_path` (which must not exist) is
  // where the embedded engine stages its file.
  virtual Result<std::unique_ptr<BulkWriter>> NewBulkWriter(Family f, const std::string& staging_path) = 0;

  // A consistent, openable copy of the live database in `dest_dir` (which
  // must not exist; the embedded engine hard-links on the same filesystem,
  // so it is cheap).
  virtual Status Checkpoint(const std::string& dest_dir) const = 0;

  // Next id of the sequence: positive, unique, never reused (see above).
  virtual uint64_t AllocateId(Sequence s) = 0;
  // Largest id allocated so far (0 if none), for diagnostics and tests.
  virtual uint64_t LastAllocatedId(Sequence s) const = 0;

  // Whether other processes write this database while this one runs (the
  // PostgreSQL engine: other nodes, claribi-admin); then OpenChangeFeed
  // follows them. The embedded engine is one process's alone: no feed.
  virtual bool shared() const { return false; }
  virtual Result<std::unique_ptr<ChangeFeed>> OpenChangeFeed() {
    return Status::Unavailable("only one process writes this database");
  }
  // Held while it lives: one holder of `name` at a time across every
  // process sharing the database (a table's uploads on different nodes).
  class ExclusiveLock {
   public:
    virtual ~ExclusiveLock() = default;
  };
  // Waits until `name` is free and takes it; Unavailable when another
  // process holds it for too long (PostgreSQL: 30 s). A database no one else
  // writes needs none: an empty lock at once (callers serialise within the
  // process).
  virtual Result<std::unique_ptr<ExclusiveLock>> Lock(std::string_view name) {
    (void)name;
    return std::make_unique<ExclusiveLock>();
  }
  // Takes `name` once for the whole cluster: true for the one process that
  // claims it first, false for every later claim (a scheduled run that
  // another node has taken). A database no one else writes: always true.
  virtual Result<bool> Claim(std::string_view name) {
    (void)name;
    return true;
  }

  // The engine's key figures, for the metrics listener and Stats().
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
  virtual Figures KeyFigures() const = 0;

  // Human-readable engine statistics plus our counters, for the admin tool.
  virtual std::string Stats() const = 0;

  virtual const std::string& path() const = 0;
  virtual bool read_only() const = 0;
  // Ok when the database takes writes; else why not: opened read-only, or
  // the engine stopped writes (a background error, or compaction too far behind).
  virtual Status Writable() const = 0;
  // Whether Writable() asks the engine live (a round trip to a database
  // server): then a write that failed earlier — while the server was
  // unreachable — says nothing more about now. The embedded engine's
  // Writable() reads a flag, so a failed synced write (a disk error) is
  // reported until a write succeeds.
  virtual bool writable_is_live() const { return false; }
  // Whether WriteGroup checks a batch's preconditions (Batch::Expect): an
  // engine other processes write too. The embedded engine's process is its
  // only writer and skips them, so callers need not build them for it.
  virtual bool checks_preconditions() const { return false; }

 protected:
  Database() = default;
};

}  // namespace claribi::storage
