// PgDatabase: the PostgreSQL engine (storage.backend = "postgresql", issue 17
// cluster mode) — Database's contract (database.h) on a PostgreSQL server
// that several nodes can share.
//
// Schema (versioned, created and upgraded by `claribi-admin migrate`, never
// by the server): one table per Family, `kv_<family>(k bytea PRIMARY KEY,
// v bytea NOT NULL)` — bytea compares bytewise, the order of the embedded
// engine, so keys, codecs and scans are the same — and one sequence per
// Sequence. The server refuses to start on a schema older or newer than
// kPgSchemaVersion.
//
// - WriteGroup: all the batches' operations pipelined on one connection
//   before one Sync — one implicit transaction, committed (or rolled back
//   as a whole) when the Sync's answer comes. With PostgreSQL's default
//   synchronous_commit = on (and synchronous_standby_names set on the
//   primary) an OK means the commit is durable on the primary and on a
//   synchronous standby.
// - Change log (version 2): the operations of a group on the families kept
//   in memory (kept_in_memory) are also one row of claribi_changes, inserted
//   and NOTIFYed in the same transaction under a transaction advisory lock,
//   so log positions follow commit order. Other nodes follow it
//   (OpenChangeFeed: a connection of its own that LISTENs, re-reads after a
//   reconnect from its last position, and polls every timeout anyway);
//   changes older than a day are trimmed, and a node behind the trim is
//   told to restart. Claims (Claim) are rows of claribi_claims, kept 30 days.
// - Ids: each sequence advances by kPgIdBlock; a node takes a block with one
//   nextval and hands its ids out from memory, so ids are unique across
//   nodes and never reused (a block's unused tail after a restart is skipped).
// - Bulk writers stream with COPY (binary) in their own transaction.
// - Connections: a small pool (PgOptions::connections), used by whichever
//   thread calls — the commit thread, the ingest and query pools, and reads
//   on reactor threads (each a round trip).
// - Checkpoint is PostgreSQL's job (pg_basebackup, pg_dump): refused here.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "storage/database.h"

namespace claribi::storage {

inline constexpr int kPgSchemaVersion = 2;
inline constexpr uint64_t kPgIdBlock = 32;

struct PgOptions {
  std::string url;    // postgresql://[user[:password]@]host[:port]/dbname[?...], libpq's syntax
  std::string shown;  // the URL as messages show it (password masked)
  int connections = 8;
};

Result<std::unique_ptr<Database>> OpenPostgres(const PgOptions& options);

// Brings the schema at `url` to kPgSchemaVersion (under an advisory lock, in
// one transaction; nothing when it is there already). On success *report
// says what was done ("schema at version 1 (was 0)").
Status MigratePostgres(const std::string& url, const std::string& shown, std::string* report);

}  // namespace claribi::storage
