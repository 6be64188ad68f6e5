#include "model/resources.h"

#include <array>

namespace claribi::model {

namespace {
constexpr std::array<std::string_view, kLastDataSourceType + 1> kDataSourceTypes = {
    "postgresql", "mysql", "bigquery", "snowflake", "rest_api", "csv", "upload"};
constexpr std::array<std::string_view, kLastReportFormat + 1> kReportFormats = {"json", "csv"};
}  // namespace

std::string_view data_source_type_name(DataSourceType t) { return kDataSourceTypes[static_cast<size_t>(t)]; }

std::optional<DataSourceType> parse_data_source_type(std::string_view s) {
  for (size_t i = 0; i < kDataSourceTypes.size(); ++i)
    if (kDataSourceTypes[i] == s) return static_cast<DataSourceType>(i);
  return std::nullopt;
}

std::string_view data_source_type_choices() {
  return "postgresql, mysql, bigquery, snowflake, rest_api, csv, upload";
}

std::string_view report_format_name(ReportFormat f) { return kReportFormats[static_cast<size_t>(f)]; }

std::string_view delivery_status_name(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::kPending: return "pending";
    case DeliveryStatus::kSent: return "sent";
    case DeliveryStatus::kFailed: return "failed";
    default: return "none";
  }
}
std::string_view run_trigger_name(RunTrigger t) { return t == RunTrigger::kSchedule ? "schedule" : "manual"; }
std::string_view run_status_name(RunStatus s) { return s == RunStatus::kFailed ? "failed" : "succeeded"; }

std::optional<ReportFormat> parse_report_format(std::string_view s) {
  for (size_t i = 0; i < kReportFormats.size(); ++i)
    if (kReportFormats[i] == s) return static_cast<ReportFormat>(i);
  return std::nullopt;
}

}  // namespace claribi::model
