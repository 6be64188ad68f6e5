// Components of the OpenAPI document: data sources and their rows, the
// analytics query and its result, dashboards, reports and report runs
// (API.md §6, §10; docs/resources.md), as render.cc, rows.cc, the analytics
// model and the resource handlers write and read them.
#include <string>

#include "analytics/query.h"
#include "model/field_rules.h"
#include "api/openapi_components.h"
#include "common/json_writer.h"
#include "model/cron.h"
#include "model/resources.h"
#include "storage/column_types.h"

namespace claribi::api::openapi {

namespace {

using S = Schema;

void add(std::vector<Component>* out, std::string name, Schema s) { out->push_back({std::move(name), std::move(s)}); }

S resource_name(size_t max_chars) {
  return S::string().min_length(1).max_length(int64_t(max_chars)).describe("Trimmed; not blank; need not be unique.");
}

// id, created_by, created_at, updated_at: on every BI record (render.cc write_header_end).
S& header(S& s) {
  return s.prop("created_by", S::id().describe("The creating user's id, kept when that user is deleted."), kRequired)
      .prop("created_at", S::timestamp(), kRequired)
      .prop("updated_at", S::timestamp(), kRequired);
}

S scalar() { return S::one_of({S::string(), S::number(), S::boolean(), S::null()}); }

S field_name() { return S::string().min_length(1).max_length(int64_t(analytics::kMaxFieldChars)); }

S query_list(S item) { return S::array(std::move(item)).max_items(int64_t(analytics::kMaxQueryItems)); }

std::vector<std::string> column_types() {
  using storage::ColumnType;
  std::vector<std::string> out;
  for (ColumnType t : {ColumnType::kInteger, ColumnType::kFloat, ColumnType::kBoolean, ColumnType::kTimestamp,
                       ColumnType::kString})
    out.emplace_back(storage::column_type_name(t));
  return out;
}

std::vector<std::string> granularities() {
  // Granularity::kNone (no bucketing) has no name: it is the field left out.
  return enum_names<analytics::Granularity>(1, analytics::kLastGranularity, analytics::granularity_name);
}

std::string default_position() {
  std::string json;
  JsonWriter w(json);
  w.begin_object().field("x", 0).field("y", 0);
  w.field("w", model::fields::dashboards::kDefaultWidgetSize).field("h", model::fields::dashboards::kDefaultWidgetSize);
  w.end_object();
  return json;
}

S data_source_input(bool required) {
  return S::object()
      .prop("name", resource_name(model::fields::data_sources::kMaxNameChars), required)
      .prop("type", S::ref("DataSourceType"), required)
      .prop("config",
            S::object().describe("Connection settings, any JSON values, at most " +
                                 std::to_string(model::fields::data_sources::kMaxConfigBytes) +
                                 " bytes as JSON. Secret keys (`password`, `token`, `secret`, `private_key`, "
                                 "`api_key`, at any depth) are write-only: they come back as `\"********\"`; "
                                 "a write that leaves one out, or echoes the mask, keeps it; null removes it."));
}

S dashboard_input(bool required) {
  using namespace model::fields::dashboards;
  return S::object()
      .prop("name", resource_name(kMaxNameChars), required)
      .prop("description", S::string().max_length(int64_t(kMaxDescriptionChars)).default_json("\"\""))
      .prop("widgets", S::array(S::ref("Widget")).max_items(int64_t(kMaxWidgets)).default_json("[]"))
      .prop("is_public", S::boolean().default_json("false"));
}

S report_input(bool required) {
  return S::object()
      .prop("name", resource_name(model::fields::reports::kMaxNameChars), required)
      .prop("query", S::ref("Query"), required)
      .prop("format", S::ref("ReportFormat"))
      .prop("schedule", S::string()
                            .nullable()
                            .max_length(int64_t(model::kMaxCronLength))
                            .describe("A cron expression in UTC (five fields, or `@daily`, `@hourly`, ...); null: "
                                      "not scheduled. A new schedule starts at the save."))
      .prop("recipients",
            S::array(S::string().format("email").max_length(int64_t(model::fields::kMaxEmailChars)))
                .max_items(int64_t(model::fields::reports::kMaxRecipients))
                .describe("Who receives each scheduled run; trimmed, lower-cased, duplicates dropped."));
}

void add_data_sources(std::vector<Component>* out) {
  add(out, "DataSourceType",
      S::string().enumerate(enum_names<model::DataSourceType>(0, model::kLastDataSourceType,
                                                              model::data_source_type_name)).describe(
          "Only `upload` data sources hold rows (§10)."));
  S ds = S::object()
             .prop("id", S::id(), kRequired)
             .prop("name", S::string(), kRequired)
             .prop("type", S::ref("DataSourceType"), kRequired)
             .prop("config", S::object().describe("Secret values masked as `\"********\"`."), kRequired)
             .prop("status", S::string().constant("active"), kRequired)
             .prop("row_count", S::integer().minimum(0), kRequired);
  add(out, "DataSource", std::move(header(ds)));
  add(out, "DataSourceInput", data_source_input(true).describe("POST and PUT: `name` and `type` are required."));
  add(out, "DataSourcePatch", data_source_input(false).describe("Only the fields sent change."));

  add(out, "ColumnType", S::string().enumerate(column_types()));
  add(out, "TableColumn",
      S::object()
          .prop("name", S::string(), kRequired)
          .prop("type", S::ref("ColumnType"), kRequired)
          .prop("nullable", S::boolean().describe("Whether any stored row holds null in it."), kRequired));
  add(out, "TableSchema",
      S::object()
          .prop("columns", S::array(S::ref("TableColumn")).describe("In first-seen order."), kRequired)
          .prop("row_count", S::integer().minimum(0), kRequired));
  add(out, "RowsAppended",
      S::object()
          .prop("appended", S::integer().minimum(0), kRequired)
          .prop("row_count", S::integer().minimum(0).describe("Rows held now."), kRequired)
          .prop("columns", S::array(S::ref("TableColumn")).describe("The data source's whole schema."), kRequired));
  add(out, "Row", S::object().additional(scalar()).describe("One row: column name → value (nulls included)."));
}

void add_query(std::vector<Component>* out) {
  using namespace analytics;
  add(out, "Metric",
      S::object()
          .prop("op", S::string().enumerate(enum_names<MetricOp>(0, kLastMetricOp, metric_op_name)), kRequired)
          .prop("field", field_name().describe("Required except for `count` (which then counts rows)."))
          .prop("as", field_name().describe("The output name; default `op_field` (`sum_revenue`), or `count`.")));
  add(out, "TimeRange",
      S::object()
          .prop("field", field_name().describe("A `timestamp` column."), kRequired)
          .prop("granularity", S::string().enumerate(granularities()).describe("Buckets in UTC; `week` starts on "
                                                                               "Monday. Absent: no bucketing."))
          .prop("from", S::string().describe("ISO 8601 (`Z`, an offset, or a date); rows with from <= t are kept."))
          .prop("to", S::string().describe("ISO 8601; rows with t < to are kept; later than `from`.")));
  add(out, "Filter",
      S::object()
          .prop("field", field_name(), kRequired)
          .prop("op", S::string().enumerate(enum_names<FilterOp>(0, kLastFilterOp, filter_op_name)), kRequired)
          .prop("value",
                S::one_of({scalar(), S::array(scalar()).max_items(int64_t(kMaxInValues))})
                    .describe("A value of the column's type (a timestamp as an ISO string; null only for `eq` and "
                              "`ne`), a list for `in`, a string for `contains`."),
                kRequired));
  add(out, "OrderBy",
      S::object()
          .prop("field", S::string().describe("One of the query's output names."), kRequired)
          .prop("dir", S::string().enumerate({"asc", "desc"}).default_json("\"asc\"")));
  add(out, "Query",
      S::object()
          .describe("An analytics query (§6, §10): the body of POST /api/analytics/query/, and a widget's or a "
                    "report's `query`. Its shape is checked when saved; the data source and its fields when it runs.")
          .prop("data_source_id", S::id().describe("An `upload` data source of the caller's organization."), kRequired)
          .prop("metrics", query_list(S::ref("Metric")).describe("At least one to run; output names must be unique."))
          .prop("dimensions", query_list(field_name()).describe("Group keys; null is a group of its own."))
          .prop("time", S::ref("TimeRange"))
          .prop("filters", query_list(S::ref("Filter")).describe("All must hold."))
          .prop("order_by", query_list(S::ref("OrderBy")).describe("Nulls last; ties by the group keys."))
          .prop("limit", S::integer().minimum(1).maximum(kMaxQueryLimit).default_json(std::to_string(
                             kDefaultQueryLimit))));
  add(out, "AnalyticsQuery",
      S::all_of({S::ref("Query"), S::object().prop("metrics", S::array(S::ref("Metric")).min_items(1), kRequired)}));
  add(out, "QueryResult",
      S::object()
          .prop("columns",
                S::array(S::object().prop("name", S::string(), kRequired).prop("type", S::ref("ColumnType"), kRequired))
                    .describe("Time bucket, dimensions, metrics."),
                kRequired)
          .prop("rows", S::array(S::array(scalar())), kRequired)
          .prop("row_count", S::integer().minimum(0).describe("Rows returned."), kRequired)
          .prop("truncated", S::boolean().describe("Whether `limit` cut groups off."), kRequired)
          .prop("elapsed_ms", S::number().minimum(0), kRequired));
}

void add_dashboards(std::vector<Component>* out) {
  using namespace model::fields::dashboards;
  std::vector<std::string> types(std::begin(kWidgetTypes), std::end(kWidgetTypes));
  add(out, "WidgetPosition",
      S::object()
          .prop("x", S::integer().minimum(0).maximum(kMaxGrid), kRequired)
          .prop("y", S::integer().minimum(0).maximum(kMaxGrid), kRequired)
          .prop("w", S::integer().minimum(1).maximum(kMaxGrid), kRequired)
          .prop("h", S::integer().minimum(1).maximum(kMaxGrid), kRequired));
  add(out, "Widget",
      S::object()
          .prop("id",
                S::one_of({S::string().min_length(1).max_length(int64_t(kMaxWidgetIdChars)), S::id()})
                    .describe("Unique within the dashboard; when absent the server assigns `w1`, `w2`, ..."))
          .prop("type", S::string().enumerate(types), kRequired)
          .prop("title", S::string().max_length(int64_t(kMaxTitleChars)).default_json("\"\""))
          .prop("query", S::ref("Query").nullable().describe("null: a widget without data."))
          .prop("position", S::ref("WidgetPosition").describe("Default " + default_position() + ".")));
  S d = S::object()
            .prop("id", S::id(), kRequired)
            .prop("name", S::string(), kRequired)
            .prop("description", S::string(), kRequired)
            .prop("widgets", S::array(S::ref("Widget")), kRequired)
            .prop("is_public", S::boolean(), kRequired);
  add(out, "Dashboard", std::move(header(d)));
  add(out, "DashboardInput", dashboard_input(true).describe("POST and PUT: `name` is required; on PUT the optional "
                                                            "fields left out keep their values."));
  add(out, "DashboardPatch", dashboard_input(false).describe("Only the fields sent change."));
  add(out, "DashboardData",
      S::object()
          .prop("dashboard_id", S::id(), kRequired)
          .prop("widgets",
                S::object()
                    .additional(S::one_of({S::ref("QueryResult"), S::ref("Error")}))
                    .describe("Every widget with a query, by widget id: its result, or the §3 body of its "
                              "failure (the response is still 200)."),
                kRequired));
}

void add_reports(std::vector<Component>* out) {
  add(out, "ReportFormat",
      S::string()
          .enumerate(enum_names<model::ReportFormat>(0, model::kLastReportFormat, model::report_format_name))
          .default_json("\"json\"")
          .describe("What run/ answers: the JSON result, or CSV (RFC 4180, a header row)."));
  S r = S::object()
            .prop("id", S::id(), kRequired)
            .prop("name", S::string(), kRequired)
            .prop("query", S::ref("Query"), kRequired)
            .prop("format", S::ref("ReportFormat"), kRequired)
            .prop("schedule", S::string().nullable(), kRequired)
            .prop("recipients", S::array(S::string().format("email")), kRequired)
            .prop("last_run_at", S::timestamp().nullable().describe("The start of the latest run."), kRequired)
            .prop("next_run_at", S::timestamp().nullable().describe("The next scheduled time not yet run."),
                  kRequired);
  add(out, "Report", std::move(header(r)));
  add(out, "ReportInput", report_input(true).describe("POST and PUT: `name` and `query` are required."));
  add(out, "ReportPatch", report_input(false).describe("Only the fields sent change."));
  add(out, "ReportRunResult",
      S::all_of({S::ref("QueryResult"),
                 S::object().prop("report_id", S::id(), kRequired).prop("run_id", S::id(), kRequired)}));
  add(out, "ReportRun",
      S::object()
          .prop("id", S::id(), kRequired)
          .prop("report_id", S::id(), kRequired)
          .prop("trigger",
                S::string().enumerate(enum_names<model::RunTrigger>(0, model::kLastRunTrigger, model::run_trigger_name)),
                kRequired)
          .prop("status",
                S::string().enumerate(enum_names<model::RunStatus>(0, model::kLastRunStatus, model::run_status_name)),
                kRequired)
          .prop("started_at", S::timestamp(), kRequired)
          .prop("finished_at", S::timestamp(), kRequired)
          .prop("row_count", S::integer().minimum(0), kRequired)
          .prop("error", S::ref("Error").nullable().describe("The §3 body of a failed run."), kRequired)
          .prop("delivery",
                S::object()
                    .nullable()
                    .prop("status",
                          S::string().enumerate(enum_names<model::DeliveryStatus>(
                              1, model::kLastDeliveryStatus, model::delivery_status_name)),
                          kRequired)
                    .prop("attempts", S::integer().minimum(0), kRequired)
                    .prop("error", S::string().nullable(), kRequired)
                    .describe("E-mail delivery of a scheduled run; null when it is not e-mailed."),
                kRequired));
  add(out, "ReportRunWithResult",
      S::all_of({S::ref("ReportRun"),
                 S::object().prop("result",
                                  S::one_of({S::ref("ReportRunResult"), S::string(), S::null()})
                                      .describe("What run/ answered: the JSON object, or the CSV text; null for a "
                                                "failed run."),
                                  kRequired)}));
}

}  // namespace

void add_bi_components(std::vector<Component>* out) {
  add_data_sources(out);
  add_query(out);
  add_dashboards(out);
  add_reports(out);
  add(out, "Health", S::object().prop("status", S::string().constant("ok"), kRequired));
}

std::vector<Component> component_schemas() {
  std::vector<Component> out;
  add_identity_components(&out);
  add_bi_components(&out);
  return out;
}

Schema list_of(Schema item) {
  return S::object()
      .describe("A page of a list (§2).")
      .prop("count", S::integer().minimum(0).describe("Items in the whole list."), kRequired)
      .prop("next", S::string().format("uri").nullable().describe("The next page, or null on the last."), kRequired)
      .prop("previous", S::string().format("uri").nullable().describe("The previous page, or null on the first."),
            kRequired)
      .prop("results", S::array(std::move(item)), kRequired);
}

}  // namespace claribi::api::openapi
