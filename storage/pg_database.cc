#include "storage/pg_database.h"

#include <arpa/inet.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <chrono>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/text.h"
#include "storage/keys.h"
#include "storage/pg_api.h"

namespace claribi::storage {
namespace {

// libpq (pg_api.h): set before any connection exists (OpenPostgres, MigratePostgres).
const PgApi* pq = nullptr;

// Table of a family: kv_<on-disk name>; kMeta's RocksDB name is "default".
std::string table_of(Family f) {
  return f == Family::kMeta ? std::string("kv_meta") : "kv_" + std::string(family_name(f));
}
std::string sequence_of(Sequence s) { return "claribi_seq_" + std::string(sequence_name(s)); }

// libpq's messages end with a newline.
std::string error_of(const PGconn* c) {
  return std::string(trim_whitespace(c != nullptr ? pq->PQerrorMessage(c) : "out of memory"));
}

struct ResultDeleter {
  void operator()(PGresult* r) const { pq->PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// The (at most two) bytea parameters of one statement: no allocation per
// statement on the commit path.
struct Params {
  const char* values[2];
  int lengths[2];
  int formats[2] = {1, 1};  // binary
  int count = 0;
  void bytes(std::string_view v) {
    values[count] = v.data() != nullptr ? v.data() : "";
    lengths[count++] = int(v.size());
  }
};

Status failed(const char* what, const PGresult* r, const PGconn* c) {
  std::string m(trim_whitespace(r != nullptr ? pq->PQresultErrorMessage(r) : ""));
  if (m.empty()) m = error_of(c);
  return Status::IoError(std::string("PostgreSQL: ") + what + ": " + m);
}

// The statements of one family, built once.
struct FamilySql {
  std::string get, put, del, del_range, scan_all, scan_from, scan_range, scan_all_desc, scan_from_desc,
      scan_range_desc, lock, expect, expect_absent;
};

// SQLSTATE of an Expect that does not hold (its statement divides by the
// number of matching rows), and of a deadlock between two nodes' writes.
constexpr const char* kExpectFailed = "22012";
constexpr const char* kDeadlock = "40P01";

// Runs `sql` (no parameters) and expects `want`.
Status exec_simple(PGconn* c, const std::string& sql, ExecStatusType want) {
  PgResult r(pq->PQexec(c, sql.c_str()));
  if (r == nullptr || pq->PQresultStatus(r.get()) != want) return failed("query", r.get(), c);
  return Status::Ok();
}

Status connect(const std::string& url, const std::string& shown, PGconn** out) {
  // Bounded waits on an unreachable server (callers include reactor
  // threads): 2 s to connect, 5 s for unacknowledged data, keepalives for an
  // idle peer gone. Set before the URL, whose own parameters win.
  static constexpr const char* kKeys[] = {"connect_timeout", "tcp_user_timeout", "keepalives_idle",
                                          "keepalives_interval", "keepalives_count", "dbname", nullptr};
  const char* values[] = {"2", "5000", "10", "2", "3", url.c_str(), nullptr};
  PGconn* c = pq->PQconnectdbParams(kKeys, values, /*expand_dbname=*/1);
  if (c == nullptr || pq->PQstatus(c) != CONNECTION_OK) {
    Status st = Status::Unavailable("PostgreSQL at " + shown + ": " + error_of(c));
    pq->PQfinish(c);
    return st;
  }
  // §9: a commit waits for its WAL flush on the primary and, with
  // synchronous_standby_names set, on a synchronous standby. A weaker
  // setting of the server, database or role (off, local, remote_write) is
  // raised to `on` for this session; remote_apply, stronger, is kept.
  PgResult r(pq->PQexec(c, "SELECT set_config('synchronous_commit', 'on', false) "
                           "WHERE current_setting('synchronous_commit') <> 'remote_apply'"));
  if (r == nullptr || pq->PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    Status st = failed("synchronous_commit", r.get(), c);
    pq->PQfinish(c);
    return st;
  }
  *out = c;
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Migrations: version N's statements are migration_N(), run in order in the
// migrating transaction.

std::string migration_1() {
  std::string sql;
  for (size_t i = 0; i < kFamilyCount; ++i) {
    std::string t = table_of(static_cast<Family>(i));
    sql += "CREATE TABLE " + t + " (k bytea PRIMARY KEY, v bytea NOT NULL);\n";
  }
  // Column chunks are bit-packed and compressed already: no TOAST compression.
  sql += "ALTER TABLE " + table_of(Family::kRowChunks) + " ALTER COLUMN v SET STORAGE EXTERNAL;\n";
  for (size_t i = 0; i < kSequenceCount; ++i) {
    sql += "CREATE SEQUENCE " + sequence_of(static_cast<Sequence>(i)) + " AS bigint START 1 INCREMENT " +
           std::to_string(kPgIdBlock) + ";\n";
  }
  return sql;
}

// Version 2, cluster mode: the change log (every write to a family kept in
// memory, in commit order — see WriteGroup), how far it was trimmed, and the
// claims (Database::Claim).
std::string migration_2() {
  return "CREATE TABLE claribi_changes (seq bigserial PRIMARY KEY, "
         "at timestamptz NOT NULL DEFAULT clock_timestamp(), node bigint NOT NULL, ops bytea NOT NULL);\n"
         "ALTER TABLE claribi_changes ALTER COLUMN ops SET STORAGE EXTERNAL;\n"
         "CREATE TABLE claribi_change_trim (through bigint NOT NULL);\n"
         "INSERT INTO claribi_change_trim VALUES (0);\n"
         "CREATE TABLE claribi_claims (name text PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), "
         "node bigint NOT NULL);\n";
}

constexpr int64_t kMigrationLock = 0x636c61726942'49;  // pg_advisory_xact_lock key: "clariBI"
// Held from a change's log insert to its commit: log positions are then
// handed out in commit order (a bigserial alone is not: a later nextval can
// commit first, and a reader past it would never see the earlier one).
constexpr int64_t kChangeLogLock = 0x636c61726942'4c;
// The first key of a precondition's pg_advisory_xact_lock(int, int): this
// plus the family's number ("cla" and a byte; the claims' session locks use
// "clar", 0x636c6172, beyond every family).
constexpr int kExpectLockClass = 0x636c6100;
// How long the change log keeps a change (a node away longer must restart)
// and the claims table a claim.
constexpr const char* kChangeRetention = "1 day";
constexpr const char* kClaimRetention = "30 days";
// Longest wait for a Lock another node holds.
constexpr int kLockWaitSeconds = 30;

Status schema_version(PGconn* c, int* version) {
  PgResult r(pq->PQexec(c, "SELECT to_regclass('claribi_schema') IS NOT NULL"));
  if (r == nullptr || pq->PQresultStatus(r.get()) != PGRES_TUPLES_OK) return failed("schema check", r.get(), c);
  if (std::strcmp(pq->PQgetvalue(r.get(), 0, 0), "t") != 0) {
    *version = 0;
    return Status::Ok();
  }
  r.reset(pq->PQexec(c, "SELECT version FROM claribi_schema"));
  if (r == nullptr || pq->PQresultStatus(r.get()) != PGRES_TUPLES_OK) return failed("schema version", r.get(), c);
  *version = pq->PQntuples(r.get()) == 0 ? 0 : std::atoi(pq->PQgetvalue(r.get(), 0, 0));
  return Status::Ok();
}

// ---------------------------------------------------------------------------

class PgDatabase;

// One connection taken from the pool for a scope.
class Lease {
 public:
  Lease(const PgDatabase& db, PGconn* c) : db_(db), c_(c) {}
  ~Lease();
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  PGconn* get() const { return c_; }

 private:
  const PgDatabase& db_;
  PGconn* c_;
};

class PgBulkWriter;

class PgDatabase final : public Database {
 public:
  explicit PgDatabase(PgOptions options) : options_(std::move(options)), shown_(options_.shown) {
    for (size_t i = 0; i < kFamilyCount; ++i) {
      const std::string t = table_of(static_cast<Family>(i));
      FamilySql& q = sql_[i];
      q.get = "SELECT v FROM " + t + " WHERE k = $1";
      q.put = "INSERT INTO " + t + " (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v";
      q.del = "DELETE FROM " + t + " WHERE k = $1";
      q.del_range = "DELETE FROM " + t + " WHERE k >= $1 AND k < $2";
      q.scan_all = "SELECT k, v FROM " + t + " ORDER BY k";
      q.scan_from = "SELECT k, v FROM " + t + " WHERE k >= $1 ORDER BY k";
      q.scan_range = "SELECT k, v FROM " + t + " WHERE k >= $1 AND k < $2 ORDER BY k";
      q.scan_all_desc = "SELECT k, v FROM " + t + " ORDER BY k DESC";
      q.scan_from_desc = "SELECT k, v FROM " + t + " WHERE k >= $1 ORDER BY k DESC";
      q.scan_range_desc = "SELECT k, v FROM " + t + " WHERE k >= $1 AND k < $2 ORDER BY k DESC";
      // Preconditions (Batch::Expect): a transaction advisory lock per key,
      // so two nodes' checks of one key are serialized until the first
      // commits (a row lock cannot hold a key that has no row yet), then the
      // check, an error when it does not hold — the only way to abort a
      // pipelined transaction from inside. The statements name themselves
      // for PostgreSQL's log.
      q.lock = "SELECT pg_advisory_xact_lock(" + std::to_string(kExpectLockClass + int(i)) +
               ", hashtext(encode($1, 'hex'))) AS claribi_expect_lock";
      q.expect = "SELECT 1 / (SELECT count(*)::int FROM " + t + " WHERE k = $1 AND v = $2) AS claribi_expect";
      q.expect_absent = "SELECT 1 / (1 - (SELECT count(*)::int FROM " + t + " WHERE k = $1)) AS claribi_expect_absent";
    }
    for (size_t i = 0; i < kSequenceCount; ++i) keyed_by_id_[static_cast<size_t>(sequence_family(static_cast<Sequence>(i)))] = true;
  }

  ~PgDatabase() override {
    for (PGconn* c : idle_) pq->PQfinish(c);
  }

  Status Start() {
    PGconn* c = nullptr;
    if (Status st = connect(options_.url, shown_, &c); !st.ok()) return st;
    int version = 0;
    Status st = schema_version(c, &version);
    if (st.ok() && version != kPgSchemaVersion) {
      st = Status::InvalidArgument("the PostgreSQL schema at " + shown_ + " is at version " +
                                   std::to_string(version) + "; this server needs version " +
                                   std::to_string(kPgSchemaVersion) +
                                   (version < kPgSchemaVersion ? ": run `claribi-admin migrate` first"
                                                               : ": it was made by a newer claribi-server"));
    }
    if (!st.ok()) {
      pq->PQfinish(c);
      return st;
    }
    std::lock_guard lk(mu_);
    idle_.push_back(c);
    open_ = 1;
    return Status::Ok();
  }

  Status Get(Family f, std::string_view key, std::string* value) const override {
    return point_get(f, key, value);
  }
  Status GetUncached(Family f, std::string_view key, std::string* value) const override {
    return point_get(f, key, value);
  }

  Status ForEachPrefix(Family f, std::string_view prefix, const ScanFn& fn) const override {
    return scan(f, prefix, prefix.empty() ? std::string() : prefix_successor(prefix), false, fn);
  }
  Status ForEachPrefixReverse(Family f, std::string_view prefix, const ScanFn& fn) const override {
    return scan(f, prefix, prefix.empty() ? std::string() : prefix_successor(prefix), true, fn);
  }
  Status ForEachFrom(Family f, std::string_view begin, std::string_view end, const ScanFn& fn) const override {
    return scan(f, begin, std::string(end), false, fn);
  }

  Status WriteGroup(std::span<const Batch* const> batches) override {
    size_t ops = 0;
    for (const Batch* b : batches) ops += b->count();
    if (ops == 0) return Status::Ok();
    if (Status st = refuse_unallocated_ids(batches); !st.ok()) return st;
    // What the other nodes must apply in memory: one change-log row in the
    // same transaction, announced with NOTIFY when it commits.
    Batch logged;
    // The keys of every precondition, locked first and in one order (on
    // every node), so two nodes' groups cannot deadlock on them.
    std::vector<std::pair<Family, std::string_view>> expected;
    for (const Batch* b : batches) {
      for (const Batch::Op& op : *b) {
        if (op.type == Batch::OpType::kExpect || op.type == Batch::OpType::kExpectAbsent)
          expected.emplace_back(op.family, op.key);
        if (!kept_in_memory(op.family)) continue;
        if (op.type == Batch::OpType::kPut) logged.Put(op.family, op.key, op.value);
        if (op.type == Batch::OpType::kDelete) logged.Delete(op.family, op.key);
      }
    }
    std::sort(expected.begin(), expected.end());
    expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
    Result<PGconn*> got = take();
    if (!got.ok()) return got.status();
    Lease lease(*this, got.value());
    PGconn* c = lease.get();
    if (pq->PQenterPipelineMode(c) != 1) return failed("pipeline", nullptr, c);
    Status st;
    size_t sent = 0;  // statements, counted from 0
    auto send = [&](const std::string& sql, const Params& p) {
      if (st.ok() && pq->PQsendQueryParams(c, sql.c_str(), p.count, nullptr, p.values, p.lengths, p.formats, 1) != 1)
        st = failed("send", nullptr, c);
      ++sent;
    };
    for (const auto& [family, key] : expected) {
      Params p;
      p.bytes(key);
      send(sql_[static_cast<size_t>(family)].lock, p);
    }
    std::vector<size_t> checks;  // the statements that check a precondition, in order
    for (const Batch* b : batches) {
      for (const Batch::Op& op : *b) {
        const FamilySql& q = sql_[static_cast<size_t>(op.family)];
        Params p;
        const std::string* sql = nullptr;
        switch (op.type) {
          case Batch::OpType::kPut:
            p.bytes(op.key);
            p.bytes(op.value);
            sql = &q.put;
            break;
          case Batch::OpType::kDelete:
            p.bytes(op.key);
            sql = &q.del;
            break;
          case Batch::OpType::kDeleteRange:
            p.bytes(op.key);
            p.bytes(op.value);
            sql = &q.del_range;
            break;
          case Batch::OpType::kExpect:
            p.bytes(op.key);
            p.bytes(op.value);
            sql = &q.expect;
            checks.push_back(sent);
            break;
          case Batch::OpType::kExpectAbsent:
            p.bytes(op.key);
            sql = &q.expect_absent;
            checks.push_back(sent);
            break;
        }
        send(*sql, p);
      }
    }
    // The log row's statement, counted from 0 (each statement's results end
    // with a null from PQgetResult).
    size_t log_statement = SIZE_MAX;
    if (!logged.empty()) {
      static const std::string kLock = "SELECT pg_advisory_xact_lock(" + std::to_string(kChangeLogLock) + ")";
      static const std::string kInsert = "INSERT INTO claribi_changes (node, ops) VALUES ($1, $2) RETURNING seq";
      static const std::string kNotify = "NOTIFY claribi_changes";
      send(kLock, Params());
      char node[8];
      put_be64(node, node_);
      Params p;
      p.bytes(std::string_view(node, 8));
      p.bytes(logged.rep());
      log_statement = sent;
      send(kInsert, p);
      send(kNotify, Params());
    }
    // The Sync ends the implicit transaction: every operation or none. No
    // Sync after a failed send (the connection is closed when given back,
    // so PostgreSQL rolls back what it received).
    if (st.ok() && pq->PQpipelineSync(c) != 1) st = failed("sync", nullptr, c);
    if (!st.ok()) return st;
    // Answers: one result (then a null) per statement, then the Sync's.
    bool synced = false;
    size_t statement = 0;
    uint64_t seq = 0;
    while (!synced) {
      PGresult* r = pq->PQgetResult(c);
      if (r == nullptr) {
        if (pq->PQstatus(c) != CONNECTION_OK) {
          if (st.ok()) st = failed("connection lost during a write (its outcome is unknown)", nullptr, c);
          break;
        }
        ++statement;
        continue;  // the end of one statement's results
      }
      PgResult owned(r);
      switch (pq->PQresultStatus(r)) {
        // A row can come as SINGLE_TUPLE: libpq keeps a connection's
        // single-row mode (the last scan's) into a pipeline's first query.
        case PGRES_TUPLES_OK:
        case PGRES_SINGLE_TUPLE:
          if (statement == log_statement && pq->PQntuples(r) == 1 && pq->PQgetlength(r, 0, 0) == 8)
            seq = get_be64(pq->PQgetvalue(r, 0, 0));
          break;
        case PGRES_COMMAND_OK:
          break;
        case PGRES_PIPELINE_SYNC:
          synced = true;
          break;
        case PGRES_PIPELINE_ABORTED:
          break;  // skipped after an earlier error (reported by that one)
        default:
          if (st.ok()) {
            const char* state = pq->PQresultErrorField(r, PG_DIAG_SQLSTATE);
            if (state != nullptr && std::strcmp(state, kExpectFailed) == 0 &&
                std::binary_search(checks.begin(), checks.end(), statement)) {
              st = Status::Conflict("a record this write was built from was changed first by another node");
            } else if (state != nullptr && std::strcmp(state, kDeadlock) == 0) {
              st = Status::Conflict("this write and another node's waited for each other (PostgreSQL: " +
                                    std::string(trim_whitespace(pq->PQresultErrorMessage(r))) + ")");
            } else {
              st = failed("write", r, c);
            }
          }
          break;
      }
    }
    if (synced) pq->PQexitPipelineMode(c);  // otherwise still in it: closed when given back
    if (st.ok() && seq != 0) note_applied(logged, seq);
    return st;
  }

  Result<std::unique_ptr<BulkWriter>> NewBulkWriter(Family f, const std::string& staging_path) override;

  Status Checkpoint(const std::string&) const override {
    return Status::Unavailable(
        "the data is in PostgreSQL (storage.backend = postgresql): back it up with PostgreSQL's own tools "
        "(pg_basebackup, or pg_dump of the kv_* tables and claribi_* sequences)");
  }

  uint64_t AllocateId(Sequence s) override {
    IdBlock& b = blocks_[static_cast<size_t>(s)];
    std::lock_guard lk(b.mu);
    if (b.next == b.end) {
      // A new block: one nextval, tried for about 300 ms. Callers have no
      // error path for an id: when PostgreSQL stays unreachable the id is 0,
      // never valid, and WriteGroup refuses a record keyed by it — the
      // write that would carry it fails with the same error as any write
      // while PostgreSQL is gone.
      int64_t pause_ms = 10;
      for (int attempt = 0; attempt < 5 && b.next == b.end; ++attempt, pause_ms *= 2) {
        uint64_t start = 0;
        if (next_block(s, &start).ok() && start > 0) {
          b.next = start;
          b.end = start + kPgIdBlock;
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
        }
      }
    }
    if (b.next == b.end) return 0;  // refused by WriteGroup (see refuse_unallocated_ids)
    uint64_t id = b.next++;
    uint64_t last = last_id_[static_cast<size_t>(s)].load(std::memory_order_relaxed);
    while (id > last && !last_id_[static_cast<size_t>(s)].compare_exchange_weak(last, id)) {
    }
    return id;
  }

  uint64_t LastAllocatedId(Sequence s) const override {
    return last_id_[static_cast<size_t>(s)].load(std::memory_order_relaxed);
  }

  Figures KeyFigures() const override { return {}; }  // PostgreSQL's own statistics views have them

  std::string Stats() const override {
    std::string out = "storage: PostgreSQL at " + shown_ + ", schema version " + std::to_string(kPgSchemaVersion) +
                      "\nconnections open: " + std::to_string(open_.load()) + "\n";
    for (size_t i = 0; i < kSequenceCount; ++i) {
      out += "sequence " + std::string(sequence_name(static_cast<Sequence>(i))) + ": last id here " +
             std::to_string(last_id_[i].load()) + "\n";
    }
    return out;
  }

  bool writable_is_live() const override { return true; }
  bool checks_preconditions() const override { return true; }
  const std::string& path() const override { return shown_; }
  bool read_only() const override { return false; }

  Status Writable() const override {
    Result<PGconn*> got = take();
    if (!got.ok()) return got.status();
    Lease lease(*this, got.value());
    PgResult r(pq->PQexec(lease.get(), "SELECT pg_is_in_recovery()"));
    if (r == nullptr || pq->PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
      return Status::Unavailable("PostgreSQL at " + shown_ + " does not answer: " + error_of(lease.get()));
    }
    if (std::strcmp(pq->PQgetvalue(r.get(), 0, 0), "t") == 0) {
      return Status::Unavailable("PostgreSQL at " + shown_ + " is a standby (read-only)");
    }
    return Status::Ok();
  }

  bool shared() const override { return true; }
  Result<std::unique_ptr<ChangeFeed>> OpenChangeFeed() override;

  Result<bool> Claim(std::string_view name) override {
    Result<PGconn*> got = take();
    if (!got.ok()) return got.status();
    Lease lease(*this, got.value());
    const std::string n(name), node = std::to_string(node_);
    const char* values[] = {n.c_str(), node.c_str()};
    PgResult r(pq->PQexecParams(lease.get(),
                                "INSERT INTO claribi_claims (name, node) VALUES ($1, $2) "
                                "ON CONFLICT (name) DO NOTHING RETURNING 1",
                                2, nullptr, values, nullptr, nullptr, 0));
    if (r == nullptr || pq->PQresultStatus(r.get()) != PGRES_TUPLES_OK) return failed("claim", r.get(), lease.get());
    return pq->PQntuples(r.get()) == 1;
  }

  // A session advisory lock on a connection of its own (not the pool's: a
  // lock may be held, or waited for, for as long as an upload takes, and
  // pooled connections must stay free for the commits that end it). Two-key
  // form, so it never meets the one-key transaction locks above.
  class PgLock final : public ExclusiveLock {
   public:
    explicit PgLock(PGconn* c) : c_(c) {}
    ~PgLock() override { pq->PQfinish(c_); }  // the session ends: the lock is free

   private:
    PGconn* c_;
  };
  Result<std::unique_ptr<ExclusiveLock>> Lock(std::string_view name) override {
    PGconn* c = nullptr;
    if (Status st = connect(options_.url, shown_, &c); !st.ok()) return st;
    auto lock = std::make_unique<PgLock>(c);
    // A bounded wait (a caller's thread is held meanwhile, and two nodes
    // waiting on each other's tables must come apart), and the server's
    // keepalives short, so the lock of a node cut off is freed in seconds.
    static const std::string kSession = "SET lock_timeout = '" + std::to_string(kLockWaitSeconds) +
                                        "s'; SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 2; "
                                        "SET tcp_keepalives_count = 3";
    if (Status st = exec_simple(c, kSession, PGRES_COMMAND_OK); !st.ok()) return st;
    const std::string n(name);
    const char* values[] = {n.c_str()};
    PgResult r(pq->PQexecParams(c, "SELECT pg_advisory_lock(1668047218, hashtext($1))", 1, nullptr, values, nullptr,
                                nullptr, 0));
    if (r == nullptr || pq->PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
      const char* state = r != nullptr ? pq->PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
      if (state != nullptr && std::strcmp(state, "55P03") == 0) {  // lock_not_available
        return Status::Unavailable(std::string(name) + " is held by another node for more than " +
                                   std::to_string(kLockWaitSeconds) + " s");
      }
      return failed("lock", r.get(), c);
    }
    return std::unique_ptr<ExclusiveLock>(std::move(lock));
  }

  // Bookkeeping of this process's own logged writes while a feed follows
  // the log (ChangeFeed::AppliedHere): the newest position of each key
  // written here, dropped once the follower has passed it.
  void follow(bool on) {
    std::lock_guard lk(own_mu_);
    following_ = on;
    own_newest_.clear();
    own_order_.clear();
  }
  bool applied_here(Family f, std::string_view key, uint64_t seq) {
    std::lock_guard lk(own_mu_);
    auto it = own_newest_.find(own_key(f, key));
    return it != own_newest_.end() && it->second >= seq;
  }
  void applied_through(uint64_t seq) {
    std::lock_guard lk(own_mu_);
    while (!own_order_.empty() && own_order_.front().first <= seq) {
      auto it = own_newest_.find(own_order_.front().second);
      if (it != own_newest_.end() && it->second == own_order_.front().first) own_newest_.erase(it);
      own_order_.pop_front();
    }
  }
  const PgOptions& options() const { return options_; }

  // The pool.
  Result<PGconn*> take() const {
    std::unique_lock lk(mu_);
    for (;;) {
      if (!idle_.empty()) {
        PGconn* c = idle_.back();
        idle_.pop_back();
        if (!said_something(c)) return c;
        // An idle connection the server spoke on was ended by it (a restart,
        // a terminated backend): closed, and the next one tried.
        pq->PQfinish(c);
        --open_;
        continue;
      }
      if (open_ < options_.connections) break;
      cv_.wait(lk);
    }
    ++open_;
    lk.unlock();
    PGconn* c = nullptr;
    if (Status st = connect(options_.url, shown_, &c); !st.ok()) {
      lk.lock();
      --open_;
      cv_.notify_one();
      return st;
    }
    return c;
  }

  // Whether an idle connection has something to read: an idle backend says
  // nothing unless it is going away (or gone: EOF).
  static bool said_something(PGconn* c) {
    pollfd p{pq->PQsocket(c), POLLIN, 0};
    return p.fd < 0 || ::poll(&p, 1, 0) != 0;
  }

  // A connection left in a transaction, in pipeline mode or broken is closed
  // rather than reused.
  void give_back(PGconn* c) const {
    if (c == nullptr) return;
    if (pq->PQstatus(c) != CONNECTION_OK || pq->PQtransactionStatus(c) != PQTRANS_IDLE ||
        pq->PQpipelineStatus(c) != PQ_PIPELINE_OFF) {
      pq->PQfinish(c);
      std::lock_guard lk(mu_);
      --open_;
      cv_.notify_one();
      return;
    }
    std::lock_guard lk(mu_);
    idle_.push_back(c);
    cv_.notify_one();
  }

 private:
  struct IdBlock {
    std::mutex mu;
    uint64_t next = 0;
    uint64_t end = 0;
  };

  Status point_get(Family f, std::string_view key, std::string* value) const {
    Result<PGconn*> got = take();
    if (!got.ok()) return got.status();
    Lease lease(*this, got.value());
    Params p;
    p.bytes(key);
    PgResult r(pq->PQexecParams(lease.get(), sql_[static_cast<size_t>(f)].get.c_str(), 1, nullptr, p.values,
                            p.lengths, p.formats, 1));
    if (r == nullptr || pq->PQresultStatus(r.get()) != PGRES_TUPLES_OK) return failed("read", r.get(), lease.get());
    if (pq->PQntuples(r.get()) == 0) return Status::NotFound({});
    value->assign(pq->PQgetvalue(r.get(), 0, 0), size_t(pq->PQgetlength(r.get(), 0, 0)));
    return Status::Ok();
  }

  // Keys in [begin, end) (end empty: no upper bound), row by row.
  Status scan(Family f, std::string_view begin, const std::string& end, bool reverse, const ScanFn& fn) const {
    Result<PGconn*> got = take();
    if (!got.ok()) return got.status();
    Lease lease(*this, got.value());
    PGconn* c = lease.get();
    const FamilySql& q = sql_[static_cast<size_t>(f)];
    Params p;
    const std::string* sql;
    if (begin.empty() && end.empty()) {
      sql = reverse ? &q.scan_all_desc : &q.scan_all;
    } else if (end.empty()) {
      p.bytes(begin);
      sql = reverse ? &q.scan_from_desc : &q.scan_from;
    } else {
      p.bytes(begin);
      p.bytes(end);
      sql = reverse ? &q.scan_range_desc : &q.scan_range;
    }
    if (pq->PQsendQueryParams(c, sql->c_str(), p.count, nullptr, p.values, p.lengths,
                          p.formats, 1) != 1 ||
        pq->PQsetSingleRowMode(c) != 1) {
      return failed("scan", nullptr, c);
    }
    Status st;
    bool more = true;
    for (;;) {
      PgResult r(pq->PQgetResult(c));
      if (r == nullptr) break;
      ExecStatusType s = pq->PQresultStatus(r.get());
      if (s == PGRES_SINGLE_TUPLE) {
        if (more) {
          more = fn(std::string_view(pq->PQgetvalue(r.get(), 0, 0), size_t(pq->PQgetlength(r.get(), 0, 0))),
                    std::string_view(pq->PQgetvalue(r.get(), 0, 1), size_t(pq->PQgetlength(r.get(), 0, 1))));
        }
        continue;  // the rest is drained (the connection must finish the query)
      }
      if (s != PGRES_TUPLES_OK && st.ok()) st = failed("scan", r.get(), c);
    }
    return st;
  }

  // A record keyed by id 0 (AllocateId could not reach PostgreSQL): the
  // families of sequences end their keys with the record's id.
  Status refuse_unallocated_ids(std::span<const Batch* const> batches) const {
    static constexpr char kZero[8] = {};
    for (const Batch* b : batches) {
      for (const Batch::Op& op : *b) {
        if (op.type != Batch::OpType::kPut || op.key.size() < 8) continue;
        if (keyed_by_id_[static_cast<size_t>(op.family)] &&
            std::memcmp(op.key.data() + op.key.size() - 8, kZero, 8) == 0) {
          return Status::Unavailable("PostgreSQL could not be reached for a new id");
        }
      }
    }
    return Status::Ok();
  }

  Status next_block(Sequence s, uint64_t* start) {
    Result<PGconn*> got = take();
    if (!got.ok()) return got.status();
    Lease lease(*this, got.value());
    PgResult r(pq->PQexec(lease.get(), ("SELECT nextval('" + sequence_of(s) + "')").c_str()));
    if (r == nullptr || pq->PQresultStatus(r.get()) != PGRES_TUPLES_OK) return failed("nextval", r.get(), lease.get());
    *start = std::strtoull(pq->PQgetvalue(r.get(), 0, 0), nullptr, 10);
    return Status::Ok();
  }

  static std::string own_key(Family f, std::string_view key) {
    std::string k(1, static_cast<char>(f));
    k.append(key);
    return k;
  }
  void note_applied(const Batch& logged, uint64_t seq) {
    std::lock_guard lk(own_mu_);
    if (!following_) return;
    for (const Batch::Op& op : logged) {
      std::string k = own_key(op.family, op.key);
      uint64_t& newest = own_newest_[k];  // a synchronous Write on another thread may finish out of order
      newest = std::max(newest, seq);
      own_order_.emplace_back(seq, std::move(k));
    }
  }

  PgOptions options_;
  const std::string& shown_;  // the URL, password masked
  // This process in the change log and the claims (random per start; 63
  // bits, a positive bigint).
  const uint64_t node_ = ((uint64_t(std::random_device()()) << 32) ^ std::random_device()()) >> 1;
  std::mutex own_mu_;
  bool following_ = false;                                 // under own_mu_
  std::unordered_map<std::string, uint64_t> own_newest_;   // under own_mu_
  std::deque<std::pair<uint64_t, std::string>> own_order_;  // under own_mu_, oldest first
  std::array<FamilySql, kFamilyCount> sql_;
  std::array<bool, kFamilyCount> keyed_by_id_{};  // a sequence's family: keys end with the record's id
  std::array<IdBlock, kSequenceCount> blocks_;
  std::array<std::atomic<uint64_t>, kSequenceCount> last_id_{};

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable std::vector<PGconn*> idle_;
  mutable std::atomic<int> open_{0};
};

Lease::~Lease() { db_.give_back(c_); }

// ---------------------------------------------------------------------------
// The change log, followed on a connection of its own that LISTENs.

class PgChangeFeed final : public ChangeFeed {
 public:
  explicit PgChangeFeed(PgDatabase& db) : db_(db) { db_.follow(true); }
  ~PgChangeFeed() override {
    close();
    db_.follow(false);
  }

  Result<uint64_t> Head() override {
    if (Status st = ensure(); !st.ok()) return st;
    // After a quiet day the trim may have emptied the log: the head is then
    // where the trim reached.
    PgResult r(pq->PQexecParams(c_,
                                "SELECT greatest(coalesce((SELECT max(seq) FROM claribi_changes), 0), "
                                "(SELECT through FROM claribi_change_trim))",
                                0, nullptr, nullptr, nullptr, nullptr, 1));
    if (r == nullptr || pq->PQresultStatus(r.get()) != PGRES_TUPLES_OK || pq->PQgetlength(r.get(), 0, 0) != 8) {
      Status st = failed("change log head", r.get(), c_);
      close();
      return st;
    }
    return get_be64(pq->PQgetvalue(r.get(), 0, 0));
  }

  Status Read(uint64_t after, size_t limit, int timeout_ms, std::vector<CommittedChange>* out) override {
    out->clear();
    if (!behind_.ok()) return behind_;  // for good: the node must load again
    if (Status st = ensure(); !st.ok()) return st;
    if (Status st = maintain(after); !st.ok()) return st;
    for (int round = 0;; ++round) {
      if (Status st = fetch(after, limit, out); !st.ok()) {
        close();
        return st;
      }
      if (!out->empty() || round == 1) return Status::Ok();
      // Nothing yet: wait for a NOTIFY (one may have come with the answer).
      if (!take_notifies()) {
        pollfd p{pq->PQsocket(c_), POLLIN, 0};
        ::poll(&p, 1, timeout_ms);
        if (!take_notifies() && pq->PQstatus(c_) != CONNECTION_OK) {
          Status st = Status::Unavailable("PostgreSQL change log: " + error_of(c_));
          close();
          return st;
        }
      }
    }
  }

  bool AppliedHere(Family f, std::string_view key, uint64_t seq) override { return db_.applied_here(f, key, seq); }
  void AppliedThrough(uint64_t seq) override { db_.applied_through(seq); }

 private:
  Status ensure() {
    if (c_ != nullptr) return Status::Ok();
    PGconn* c = nullptr;
    if (Status st = connect(db_.options().url, db_.options().shown, &c); !st.ok()) return st;
    if (Status st = exec_simple(c, "LISTEN claribi_changes", PGRES_COMMAND_OK); !st.ok()) {
      pq->PQfinish(c);
      return st;
    }
    c_ = c;
    maintained_ = {};  // check the trim mark on every new connection
    return Status::Ok();
  }

  void close() {
    if (c_ != nullptr) pq->PQfinish(c_);
    c_ = nullptr;
  }

  // Whether NOTIFYs arrived (they are consumed: the log is what is read).
  bool take_notifies() {
    if (pq->PQconsumeInput(c_) != 1) return false;
    bool any = false;
    while (PGnotify* n = pq->PQnotifies(c_)) {
      pq->PQfreemem(n);
      any = true;
    }
    return any;
  }

  // Once a minute: trims what every node has had a day to read, and from
  // then on refuses to go on (behind_) when that trim took changes this node
  // had not read. (A trim by another node between this check and the next
  // fetch goes unseen for a minute: only a node a day behind meets it.)
  Status maintain(uint64_t after) {
    auto now = std::chrono::steady_clock::now();
    if (maintained_ != std::chrono::steady_clock::time_point() && now - maintained_ < std::chrono::minutes(1))
      return Status::Ok();
    static const std::string kTrim =
        std::string("WITH d AS (DELETE FROM claribi_changes WHERE at < now() - interval '") + kChangeRetention +
        "' RETURNING seq) UPDATE claribi_change_trim SET through = greatest(through, "
        "coalesce((SELECT max(seq) FROM d), 0)) RETURNING through";
    static const std::string kClaims =
        std::string("DELETE FROM claribi_claims WHERE at < now() - interval '") + kClaimRetention + "'";
    PgResult r(pq->PQexecParams(c_, kTrim.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 1));
    if (r == nullptr || pq->PQresultStatus(r.get()) != PGRES_TUPLES_OK || pq->PQntuples(r.get()) != 1 ||
        pq->PQgetlength(r.get(), 0, 0) != 8) {
      Status st = failed("change log trim", r.get(), c_);
      close();
      return st;
    }
    const uint64_t through = get_be64(pq->PQgetvalue(r.get(), 0, 0));
    if (Status st = exec_simple(c_, kClaims, PGRES_COMMAND_OK); !st.ok()) {
      close();
      return st;
    }
    maintained_ = now;
    if (through > after) {
      return behind_ = Status::Internal("the change log was trimmed through " + std::to_string(through) +
                              " and this node has applied only through " + std::to_string(after) +
                              " (changes are kept " + kChangeRetention + "): restart it to load the current state");
    }
    return Status::Ok();
  }

  Status fetch(uint64_t after, size_t limit, std::vector<CommittedChange>* out) {
    const std::string a = std::to_string(after), l = std::to_string(limit);
    const char* values[] = {a.c_str(), l.c_str()};
    PgResult r(pq->PQexecParams(c_,
                                "SELECT seq, ops, extract(epoch FROM clock_timestamp() - at)::float8 "
                                "FROM claribi_changes WHERE seq > $1 ORDER BY seq LIMIT $2",
                                2, nullptr, values, nullptr, nullptr, 1));
    if (r == nullptr || pq->PQresultStatus(r.get()) != PGRES_TUPLES_OK) return failed("change log", r.get(), c_);
    const int rows = pq->PQntuples(r.get());
    for (int i = 0; i < rows; ++i) {
      CommittedChange ch;
      if (pq->PQgetlength(r.get(), i, 0) != 8 || pq->PQgetlength(r.get(), i, 2) != 8) {
        return Status::Corruption("PostgreSQL change log: unexpected column sizes");
      }
      ch.seq = get_be64(pq->PQgetvalue(r.get(), i, 0));
      const uint64_t age_bits = get_be64(pq->PQgetvalue(r.get(), i, 2));
      std::memcpy(&ch.age_seconds, &age_bits, 8);
      if (!Batch::FromRep(std::string_view(pq->PQgetvalue(r.get(), i, 1), size_t(pq->PQgetlength(r.get(), i, 1))),
                          &ch.ops)) {
        return Status::Corruption("PostgreSQL change log: change " + std::to_string(ch.seq) + " does not decode");
      }
      out->push_back(std::move(ch));
    }
    return Status::Ok();
  }

  PgDatabase& db_;
  PGconn* c_ = nullptr;
  std::chrono::steady_clock::time_point maintained_{};
  Status behind_;  // set once the log was trimmed past this node's position
};

Result<std::unique_ptr<ChangeFeed>> PgDatabase::OpenChangeFeed() {
  return std::unique_ptr<ChangeFeed>(std::make_unique<PgChangeFeed>(*this));
}

// ---------------------------------------------------------------------------
// COPY ... FROM STDIN (FORMAT binary) in its own transaction.

void put_u16(std::string& out, uint16_t v) {
  uint16_t be = htons(v);
  out.append(reinterpret_cast<const char*>(&be), 2);
}
void put_u32(std::string& out, uint32_t v) {
  uint32_t be = htonl(v);
  out.append(reinterpret_cast<const char*>(&be), 4);
}

class PgBulkWriter final : public BulkWriter {
 public:
  PgBulkWriter(PgDatabase& db, PGconn* c) : db_(db), c_(c) {}
  ~PgBulkWriter() override {
    if (c_ == nullptr) return;
    if (!finished_) {
      if (copying_) pq->PQputCopyEnd(c_, "abandoned by the server");  // the COPY fails: nothing of it stays
      PgResult r;
      while ((r = PgResult(pq->PQgetResult(c_))) != nullptr) {
      }
      PgResult rolled_back(pq->PQexec(c_, "ROLLBACK"));
    }
    db_.give_back(c_);
  }

  Status Begin(Family f) {
    if (Status st = exec_simple(c_, "BEGIN", PGRES_COMMAND_OK); !st.ok()) return st;
    PgResult r(pq->PQexec(c_, ("COPY " + table_of(f) + " (k, v) FROM STDIN (FORMAT binary)").c_str()));
    if (r == nullptr || pq->PQresultStatus(r.get()) != PGRES_COPY_IN) return failed("copy", r.get(), c_);
    copying_ = true;
    buffer_.assign("PGCOPY\n\377\r\n\0", 11);
    put_u32(buffer_, 0);  // flags
    put_u32(buffer_, 0);  // header extension
    return Status::Ok();
  }

  Status Put(std::string_view key, std::string_view value) override {
    put_u16(buffer_, 2);
    put_u32(buffer_, uint32_t(key.size()));
    buffer_.append(key);
    put_u32(buffer_, uint32_t(value.size()));
    buffer_.append(value);
    return buffer_.size() >= (1u << 20) ? flush() : Status::Ok();
  }

  Status Finish() override {
    put_u16(buffer_, 0xFFFF);  // trailer
    if (Status st = flush(); !st.ok()) return st;
    copying_ = false;
    if (pq->PQputCopyEnd(c_, nullptr) != 1) return failed("copy end", nullptr, c_);
    PgResult r(pq->PQgetResult(c_));
    if (r == nullptr || pq->PQresultStatus(r.get()) != PGRES_COMMAND_OK) return failed("copy", r.get(), c_);
    while ((r = PgResult(pq->PQgetResult(c_))) != nullptr) {
    }
    if (Status st = exec_simple(c_, "COMMIT", PGRES_COMMAND_OK); !st.ok()) return st;
    finished_ = true;
    return Status::Ok();
  }

 private:
  Status flush() {
    if (!buffer_.empty() && pq->PQputCopyData(c_, buffer_.data(), int(buffer_.size())) != 1) {
      return failed("copy data", nullptr, c_);
    }
    buffer_.clear();
    return Status::Ok();
  }

  PgDatabase& db_;
  PGconn* c_;
  std::string buffer_;
  bool copying_ = false;
  bool finished_ = false;
};

Result<std::unique_ptr<BulkWriter>> PgDatabase::NewBulkWriter(Family f, const std::string&) {
  Result<PGconn*> got = take();
  if (!got.ok()) return got.status();
  auto w = std::make_unique<PgBulkWriter>(*this, got.value());
  if (Status st = w->Begin(f); !st.ok()) return st;
  return std::unique_ptr<BulkWriter>(std::move(w));
}

Status load_libpq() {
  std::string why;
  const PgApi* api = pg_api(&why);
  if (api == nullptr) return Status::Unavailable(why);
  pq = api;
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgres(const PgOptions& options) {
  if (options.url.empty()) return Status::InvalidArgument("storage.backend = postgresql needs storage.postgresql_url");
  if (Status st = load_libpq(); !st.ok()) return st;
  auto db = std::make_unique<PgDatabase>(options);
  if (Status st = db->Start(); !st.ok()) return st;
  return std::unique_ptr<Database>(std::move(db));
}

Status MigratePostgres(const std::string& url, const std::string& shown, std::string* report) {
  if (Status st = load_libpq(); !st.ok()) return st;
  PGconn* c = nullptr;
  if (Status st = connect(url, shown, &c); !st.ok()) return st;
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn(c, pq->PQfinish);
  if (Status st = exec_simple(c, "BEGIN", PGRES_COMMAND_OK); !st.ok()) return st;
  // One migrator at a time (several nodes started with `migrate` at once).
  if (Status st = exec_simple(c, "SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")",
                              PGRES_TUPLES_OK);
      !st.ok()) {
    return st;
  }
  int version = 0;
  if (Status st = schema_version(c, &version); !st.ok()) return st;
  if (version > kPgSchemaVersion) {
    return Status::InvalidArgument("the schema is at version " + std::to_string(version) +
                                   ", newer than this claribi-admin knows (" + std::to_string(kPgSchemaVersion) +
                                   ")");
  }
  const int was = version;
  if (version == 0) {
    if (Status st = exec_simple(c, "CREATE TABLE IF NOT EXISTS claribi_schema (version integer NOT NULL)",
                                PGRES_COMMAND_OK);
        !st.ok()) {
      return st;
    }
  }
  for (; version < kPgSchemaVersion; ++version) {
    std::string sql;
    switch (version + 1) {
      case 1:
        sql = migration_1();
        break;
      case 2:
        sql = migration_2();
        break;
    }
    if (Status st = exec_simple(c, sql, PGRES_COMMAND_OK); !st.ok()) return st;
  }
  if (was != version) {
    if (Status st = exec_simple(c, "DELETE FROM claribi_schema; INSERT INTO claribi_schema VALUES (" +
                                       std::to_string(version) + ")",
                                PGRES_COMMAND_OK);
        !st.ok()) {
      return st;
    }
  }
  if (Status st = exec_simple(c, "COMMIT", PGRES_COMMAND_OK); !st.ok()) return st;
  *report = was == version ? "schema at version " + std::to_string(version) + " already"
                           : "schema at version " + std::to_string(version) + " (was " + std::to_string(was) + ")";
  return Status::Ok();
}

}  // namespace claribi::storage
