// The organization's BI records: data sources, dashboards and reports (API.md
// §6). Plain structs shared by storage/ (which encodes them), resources/
// (which keeps them in memory) and api/ (which validates and renders them).
// Times are Unix seconds; 0 means "null".
//
// The free-form parts — a data source's `config`, a dashboard's `widgets`, a
// report's `query` — are held as canonical (minified, validated) JSON text:
// the server checks their shape when they are written and renders them back
// as they are, so nothing re-parses them on a read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace claribi::model {

enum class DataSourceType : uint8_t { kPostgresql, kMysql, kBigquery, kSnowflake, kRestApi, kCsv, kUpload };
inline constexpr uint8_t kLastDataSourceType = static_cast<uint8_t>(DataSourceType::kUpload);
std::string_view data_source_type_name(DataSourceType t);
std::optional<DataSourceType> parse_data_source_type(std::string_view s);
// "postgresql, mysql, ..." for error messages.
std::string_view data_source_type_choices();

enum class ReportFormat : uint8_t { kJson, kCsv };
inline constexpr uint8_t kLastReportFormat = static_cast<uint8_t>(ReportFormat::kCsv);
std::string_view report_format_name(ReportFormat f);
std::optional<ReportFormat> parse_report_format(std::string_view s);

// Fields every resource has, first in every record.
struct ResourceHeader {
  uint64_t id = 0;
  uint64_t org_id = 0;
  std::string name;
  uint64_t created_by = 0;  // user id; kept when that user is deleted
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct DataSource : ResourceHeader {
  DataSourceType type = DataSourceType::kPostgresql;
  std::string config_json = "{}";  // secrets included: render through mask_secrets
  int64_t row_count = 0;
};

struct Dashboard : ResourceHeader {
  std::string description;
  std::string widgets_json = "[]";
  bool is_public = false;
};

enum class RunTrigger : uint8_t { kManual, kSchedule };
inline constexpr uint8_t kLastRunTrigger = static_cast<uint8_t>(RunTrigger::kSchedule);
enum class RunStatus : uint8_t { kSucceeded, kFailed };
inline constexpr uint8_t kLastRunStatus = static_cast<uint8_t>(RunStatus::kFailed);
// E-mail delivery of a scheduled run to the report's recipients.
enum class DeliveryStatus : uint8_t { kNone, kPending, kSent, kFailed };
inline constexpr uint8_t kLastDeliveryStatus = static_cast<uint8_t>(DeliveryStatus::kFailed);
std::string_view delivery_status_name(DeliveryStatus s);
std::string_view run_trigger_name(RunTrigger t);
std::string_view run_status_name(RunStatus s);

// One run of a report (§10 "Report runs"), kept with what it answered.
struct ReportRun {
  uint64_t id = 0;
  uint64_t org_id = 0;
  uint64_t report_id = 0;
  RunTrigger trigger = RunTrigger::kManual;
  RunStatus status = RunStatus::kSucceeded;
  int64_t started_at = 0;
  int64_t finished_at = 0;
  int64_t row_count = 0;
  std::string error_json;  // the §3 body of a failed run; empty = null
  bool csv = false;        // result is CSV text (else a JSON object)
  std::string result;      // the body run/ answered; empty for a failed run
  DeliveryStatus delivery = DeliveryStatus::kNone;  // kNone: not e-mailed (manual, no recipients, no relay)
  uint32_t delivery_attempts = 0;
  std::string delivery_error;  // the last failed attempt's, "" when none
};

struct Report : ResourceHeader {
  std::string query_json = "{}";
  ReportFormat format = ReportFormat::kJson;
  std::string schedule;  // cron expression; empty = null
  std::vector<std::string> recipients;
  int64_t last_run_at = 0;
  // Every scheduled time at or before this has been handled (run, or passed
  // over by a catch-up run): set when the schedule is set or changed, and by
  // each scheduled run to its time, in the run's own write. The next
  // scheduled time is the first one after it (scheduler/).
  int64_t scheduled_through = 0;
};

}  // namespace claribi::model
