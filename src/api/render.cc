#include "api/render.h"

#include "json/json_value.h"
#include "model/cron.h"

namespace claribi::api {

void write_scopes(JsonWriter& w, uint32_t scopes) {
  w.begin_array();
  for (int i = 0; i < model::kScopeCount; ++i)
    if (scopes & (1u << i)) w.string(model::scope_name(i));
  w.end_array();
}

void write_user(JsonWriter& w, const model::User& u) {
  w.begin_object();
  w.field("id", u.id);
  w.field("email", u.email);
  w.field("first_name", u.first_name);
  w.field("last_name", u.last_name);
  w.field("role", model::role_name(u.role));
  w.field("is_active", u.is_active);
  w.key("last_login_at").timestamp_or_null(u.last_login_at);
  w.key("created_at").timestamp_or_null(u.created_at);
  w.key("updated_at").timestamp_or_null(u.updated_at);
  w.key("created_by");
  if (u.created_by == 0) w.null(); else w.number(u.created_by);
  w.end_object();
}

void write_organization_brief(JsonWriter& w, const model::Organization& o) {
  w.begin_object();
  w.field("id", o.id);
  w.field("name", o.name);
  w.field("plan", o.plan);
  w.field("ai_credits_remaining", o.ai_credits_remaining);
  w.end_object();
}

void write_api_key(JsonWriter& w, const model::ApiKey& k) {
  w.begin_object();
  w.field("id", k.id);
  w.field("name", k.name);
  w.field("prefix", k.prefix);
  w.key("scopes");
  write_scopes(w, k.scopes);
  w.key("expires_at").timestamp_or_null(k.expires_at);
  w.key("last_used_at").timestamp_or_null(k.last_used_at);
  w.key("revoked_at").timestamp_or_null(k.revoked_at);
  w.key("created_at").timestamp_or_null(k.created_at);
  w.key("updated_at").timestamp_or_null(k.updated_at);
  w.field("created_by", k.user_id);
  w.end_object();
}

namespace {

void write_header_end(JsonWriter& w, const model::ResourceHeader& h) {
  w.field("created_by", h.created_by);
  w.key("created_at").timestamp_or_null(h.created_at);
  w.key("updated_at").timestamp_or_null(h.updated_at);
  w.end_object();
}

}  // namespace

void render_user(const model::User& u, std::string* out) {
  out->clear();
  JsonWriter w(*out);
  write_user(w, u);
}

void render_api_key(const model::ApiKey& k, std::string* out) {
  out->clear();
  JsonWriter w(*out);
  write_api_key(w, k);
}

void render_data_source(const model::DataSource& d, std::string* out) {
  out->clear();
  JsonWriter w(*out);
  w.begin_object();
  w.field("id", d.id);
  w.field("name", d.name);
  w.field("type", model::data_source_type_name(d.type));
  w.key("config");
  json::write_masked_config(w, d.config_json);
  w.field("status", "active");
  w.field("row_count", d.row_count);
  write_header_end(w, d);
}

void render_dashboard(const model::Dashboard& d, std::string* out) {
  out->clear();
  JsonWriter w(*out);
  w.begin_object();
  w.field("id", d.id);
  w.field("name", d.name);
  w.field("description", d.description);
  w.key("widgets").raw(d.widgets_json);
  w.field("is_public", d.is_public);
  write_header_end(w, d);
}

void render_report(const model::Report& r, std::string* out) {
  out->clear();
  JsonWriter w(*out);
  w.begin_object();
  w.field("id", r.id);
  w.field("name", r.name);
  w.key("query").raw(r.query_json);
  w.field("format", model::report_format_name(r.format));
  w.key("schedule");
  if (r.schedule.empty()) {
    w.null();
  } else {
    w.string(r.schedule);
  }
  w.key("recipients").begin_array();
  for (const std::string& e : r.recipients) w.string(e);
  w.end_array();
  w.key("last_run_at").timestamp_or_null(r.last_run_at);
  // The next scheduled time not yet run (in the past while the server was
  // down, until its catch-up run at start-up); null without a schedule.
  model::CronSchedule cron;
  const bool scheduled = !r.schedule.empty() && model::parse_cron(r.schedule, &cron, nullptr);
  w.key("next_run_at").timestamp_or_null(scheduled ? model::next_cron_time(cron, r.scheduled_through) : 0);
  write_header_end(w, r);
}

void write_report_run(JsonWriter& w, const model::ReportRun& r) {
  w.begin_object();
  w.field("id", r.id);
  w.field("report_id", r.report_id);
  w.field("trigger", model::run_trigger_name(r.trigger));
  w.field("status", model::run_status_name(r.status));
  w.key("started_at").timestamp_or_null(r.started_at);
  w.key("finished_at").timestamp_or_null(r.finished_at);
  w.field("row_count", r.row_count);
  w.key("error");
  if (r.error_json.empty()) {
    w.null();
  } else {
    w.raw(r.error_json);
  }
  w.key("delivery");
  if (r.delivery == model::DeliveryStatus::kNone) {
    w.null();
  } else {
    w.begin_object();
    w.field("status", model::delivery_status_name(r.delivery));
    w.field("attempts", uint64_t(r.delivery_attempts));
    w.key("error");
    if (r.delivery_error.empty()) {
      w.null();
    } else {
      w.string(r.delivery_error);
    }
    w.end_object();
  }
  w.end_object();
}

std::unique_ptr<http::BodySource> report_run_body(model::ReportRun& run) {
  std::string head;
  JsonWriter w(head);
  write_report_run(w, run);
  head.pop_back();  // the object goes on with the result
  head.append(",\"result\":");
  auto body = std::make_unique<http::PartsBody>();
  if (run.status != model::RunStatus::kSucceeded) {
    body->add(std::move(head.append("null}")));
  } else if (run.csv) {
    body->add(std::move(head.append("\""))).add(std::move(run.result), true).add("\"}");
  } else {
    body->add(std::move(head)).add(std::move(run.result)).add("}");
  }
  return body;
}

}  // namespace claribi::api
