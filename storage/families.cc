// Names of the column families and id sequences (see families.h).
#include "storage/families.h"

#include <array>

namespace claribi::storage {
namespace {

constexpr std::array<std::string_view, kFamilyCount> kFamilyNames = {
    "default",  // kMeta: RocksDB's default column family
    "organizations", "users", "api_keys", "token_blacklist",
    "data_sources",  "dashboards", "reports",    "row_tables",     "row_chunks",
    "report_runs", "report_results",
};

constexpr std::array<std::string_view, kSequenceCount> kSequenceNames = {
    "organization", "user", "api_key", "data_source", "dashboard", "report", "report_run",
};

constexpr std::array<Family, kSequenceCount> kSequenceFamilies = {
    Family::kOrganizations, Family::kUsers,      Family::kApiKeys,
    Family::kDataSources,   Family::kDashboards, Family::kReports,
    Family::kReportRuns,
};

}  // namespace

std::string_view family_name(Family f) { return kFamilyNames[static_cast<size_t>(f)]; }
std::string_view sequence_name(Sequence s) { return kSequenceNames[static_cast<size_t>(s)]; }
bool kept_in_memory(Family f) {
  switch (f) {
    case Family::kOrganizations:
    case Family::kUsers:
    case Family::kApiKeys:
    case Family::kTokenBlacklist:
    case Family::kDataSources:
    case Family::kDashboards:
    case Family::kReports:
    case Family::kRowTables:
      return true;
    case Family::kMeta:  // id marks and the email index, never read while serving
    case Family::kRowChunks:
    case Family::kReportRuns:
    case Family::kReportResults:
    case Family::kCount:
      return false;
  }
  return false;
}

Family sequence_family(Sequence s) { return kSequenceFamilies[static_cast<size_t>(s)]; }

}  // namespace claribi::storage
