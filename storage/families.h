// The storage schema in one place: which column family holds which record
// kind, and which id sequences exist. One RocksDB column family per record
// kind keeps each kind's keys dense, lets each kind get its own tuning later
// (analytics rows will want different options from identities), and makes a
// full scan of one kind a scan of one family.
//
// Adding a family: add an enumerator before kCount and its name to
// kFamilyNames in families.cc. Database::Open creates missing column
// families, so an existing database simply gains the new (empty) family.
// Never rename or reorder the names of existing families: the name is what is
// stored on disk; the enumerator's numeric value is not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace claribi::storage {

enum class Family : uint8_t {
  kMeta,            // RocksDB's "default" family: sequences, the email index
  kOrganizations,   // id_key(org_id) -> Organization
  kUsers,           // org_key(org_id, user_id) -> User
  kApiKeys,         // org_key(org_id, key_id) -> ApiKey
  kTokenBlacklist,  // see identity_store.h
  kDataSources,     // org_key(org_id, id)
  kDashboards,      // org_key(org_id, id)
  kReports,         // org_key(org_id, id)
  kRowTables,       // id_key(data_source_id) -> TableManifest (row_store.h)
  kRowChunks,       // chunk_key(...) -> encoded column chunks (row_store.h); bulk options
  kReportRuns,      // run_key(org_id, report_id, run_id) -> ReportRun without its result (resource_store.h)
  kReportResults,   // run_key(...) -> the run's result (a list of runs never reads these)
  kCount
};
inline constexpr size_t kFamilyCount = static_cast<size_t>(Family::kCount);

// The on-disk column family name ("default" for kMeta, "users", ...).
std::string_view family_name(Family f);

// Whether servers keep the family's records in memory (indexes, catalogs,
// table snapshots) — and so what a node must learn of the writes of the
// other nodes sharing its database (the PostgreSQL engine's change log).
bool kept_in_memory(Family f);

// Id sequences: ids are positive, allocated by Database::AllocateId, durable
// and never reused (see database.h).
enum class Sequence : uint8_t {
  kOrganization,
  kUser,
  kApiKey,
  kDataSource,
  kDashboard,
  kReport,
  kReportRun,
  kCount
};
inline constexpr size_t kSequenceCount = static_cast<size_t>(Sequence::kCount);

// Stable name, used in the kMeta key "seq/<name>" holding its high-water mark.
std::string_view sequence_name(Sequence s);
// The family whose records carry this sequence's ids (as the last 8 bytes of
// their key); Database::Open scans it so ids are never handed out twice.
Family sequence_family(Sequence s);

}  // namespace claribi::storage
