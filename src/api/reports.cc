// §6 reports: /api/reports/ list, create, get, patch, put, delete.
// name, query, format, schedule, recipients, last_run_at; the field rules
// are in docs/resources.md. The query is checked against the analytics shape
// and the schedule against cron syntax when saved, so a scheduled report
// cannot fail later for a typo.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "analytics/query.h"
#include "model/field_rules.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/pipeline.h"
#include "api/resource_handlers.h"
#include "model/cron.h"

namespace claribi::api {

namespace {

using model::fields::reports::kMaxNameChars;
using model::fields::reports::kMaxRecipients;

// What a request sets; absent fields stay as they are.
struct ReportEdit {
  std::optional<std::string> name;
  std::optional<std::string> query_json;
  std::optional<model::ReportFormat> format;
  std::optional<std::string> schedule;  // "" = null
  std::optional<std::vector<std::string>> recipients;

  void apply(model::Report& r) const {
    if (name) r.name = *name;
    if (query_json) r.query_json = *query_json;
    if (format) r.format = *format;
    if (schedule) r.schedule = *schedule;
    if (recipients) r.recipients = *recipients;
  }
};

std::optional<std::string> read_query(FieldReader& f, bool required) {
  auto e = f.element("query");
  if (!e) {
    if (required) f.error("query", "This field is required.");
    return std::nullopt;
  }
  if (e->is_null()) {
    f.error("query", "This field may not be null.");
    return std::nullopt;
  }
  analytics::Query query;
  if (!analytics::read_query_field(f, "query", *e, &query)) return std::nullopt;
  return analytics::canonical_json(query);
}

std::optional<model::ReportFormat> read_format(FieldReader& f) {
  auto v = f.string("format", false, 16);
  if (!v) return std::nullopt;
  auto fmt = model::parse_report_format(*v);
  if (!fmt) f.error("format", "\"" + std::string(*v) + "\" is not a valid choice (json, csv).");
  return fmt;
}

// A cron expression (trimmed, inner whitespace runs collapsed) or "" for null.
std::optional<std::string> read_schedule(FieldReader& f) {
  bool is_null = false;
  auto v = f.nullable_string("schedule", &is_null, SIZE_MAX);
  if (is_null) return std::string();
  if (!v) return std::nullopt;
  model::CronSchedule parsed;
  std::string why;
  if (!model::parse_cron(*v, &parsed, &why)) {
    f.error("schedule", "Enter a valid cron expression: " + why + ".");
    return std::nullopt;
  }
  std::string text;
  for (char ch : trim_whitespace(*v)) {
    bool space = ch == ' ' || ch == '\t';
    if (space && (text.empty() || text.back() == ' ')) continue;
    text.push_back(space ? ' ' : ch);
  }
  return text;
}

std::optional<std::vector<std::string>> read_recipients(FieldReader& f) {
  auto e = f.element("recipients");
  if (!e) return std::nullopt;
  simdjson::dom::array arr;
  if (e->is_null()) {
    f.error("recipients", "This field may not be null.");
    return std::nullopt;
  }
  if (e->get(arr)) {
    f.error("recipients", "Expected a list of email addresses.");
    return std::nullopt;
  }
  if (arr.size() > kMaxRecipients) {
    f.error("recipients", "Ensure this field has no more than " + std::to_string(kMaxRecipients) + " elements.");
    return std::nullopt;
  }
  std::vector<std::string> out;
  size_t i = 0;
  bool ok = true;
  for (auto item : arr) {
    std::string name = "recipients[" + std::to_string(i++) + "]";
    std::string_view s;
    if (item.get(s)) {
      f.error(name, "Not a valid string.");
      ok = false;
      continue;
    }
    std::string email = model::normalize_email(s);
    if (model::fields::check_email(email) != model::fields::Problem::kNone) {
      f.error(name, "Enter a valid email address.");
      ok = false;
      continue;
    }
    if (std::find(out.begin(), out.end(), email) == out.end()) out.push_back(std::move(email));
  }
  if (!ok) return std::nullopt;
  return out;
}

// POST and PUT need every required field; PATCH none. Renders 400 on a problem.
bool read_edit(Ctx& c, bool full, ReportEdit* edit) {
  simdjson::dom::object obj;
  if (!parse_json_object(c.req, c.res, thread_json_parser(), &obj)) return false;
  FieldReader f(obj);
  edit->name = f.trimmed("name", full, kMaxNameChars);
  edit->query_json = read_query(f, full);
  edit->format = read_format(f);
  edit->schedule = read_schedule(f);
  edit->recipients = read_recipients(f);
  return f.finish(c.res);
}

void handle_report_edit(Ctx& c, bool full) {
  auto& svc = c.app.resources.reports;
  if (!check_resource_exists(c, svc)) return c.finish();
  ReportEdit edit;
  if (!read_edit(c, full, &edit)) return c.finish();
  update_resource(c, svc, [edit = std::move(edit), now = c.now](model::Report& r) {
    const std::string before = r.schedule;
    edit.apply(r);
    // A new schedule starts now: times before the change are not owed.
    if (r.schedule != before) r.scheduled_through = now;
  });
}

}  // namespace

void handle_reports_list(Ctx& c) { list_resources(c, c.app.resources.reports); }

void handle_reports_create(Ctx& c) {
  ReportEdit edit;
  if (!read_edit(c, true, &edit)) return c.finish();
  model::Report r;
  edit.apply(r);
  r.scheduled_through = c.now;  // the first scheduled time is the next one after the create
  create_resource(c, c.app.resources.reports, std::move(r));
}

void handle_report_get(Ctx& c) { get_resource(c, c.app.resources.reports); }
void handle_report_patch(Ctx& c) { handle_report_edit(c, false); }
void handle_report_put(Ctx& c) { handle_report_edit(c, true); }
void handle_report_delete(Ctx& c) {
  // The report's runs go in the same write.
  uint64_t id = c.ids[0];
  storage::Batch runs;
  storage::ResourceStore::DeleteRuns(runs, c.who.org_id, id);
  c.app.resources.reports.remove(c.who.org_id, id, resource_detail::answer(&c.ex, 204, "report", id),
                                 resources::Attachment{std::move(runs), {}});
}

}  // namespace claribi::api
