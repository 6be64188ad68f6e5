// §6 dashboards: /api/dashboards/ list, create, get, patch, put, delete.
// name, description, widgets, is_public; the field rules are in
// docs/resources.md. Widgets are validated one by one (type, title, query,
// position, unique ids; missing ids are assigned "w1", "w2", ...) and stored
// as canonical JSON, so a read copies them without parsing.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "analytics/query.h"
#include "model/field_rules.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "json/json_value.h"
#include "api/pipeline.h"
#include "api/resource_handlers.h"

namespace claribi::api {

namespace {

using model::fields::dashboards::kDefaultWidgetSize;
using model::fields::dashboards::kMaxDescriptionChars;
using model::fields::dashboards::kMaxGrid;
using model::fields::dashboards::kMaxNameChars;
using model::fields::dashboards::kMaxTitleChars;
using model::fields::dashboards::kMaxWidgetIdChars;
using model::fields::dashboards::kMaxWidgets;
using model::fields::dashboards::kWidgetTypes;

struct Widget {
  std::string id_json;  // the id as JSON ("\"w1\"" or "7"); empty = assign one
  std::string id_text;  // the id as text, for uniqueness ("w1", "7")
  std::string type;
  std::string title;
  std::string query_json = "null";
  int64_t x = 0, y = 0, w = kDefaultWidgetSize, h = kDefaultWidgetSize;
};

void read_position(FieldReader& wr, Widget* out) {
  auto e = wr.element("position");
  if (!e) return;
  simdjson::dom::object obj;
  if (e->get(obj)) {
    wr.error("position", "Expected an object with x, y, w and h.");
    return;
  }
  FieldReader pr = wr.nested(obj, "position");
  auto x = pr.integer("x", true, 0, kMaxGrid);
  auto y = pr.integer("y", true, 0, kMaxGrid);
  auto w = pr.integer("w", true, 1, kMaxGrid);
  auto h = pr.integer("h", true, 1, kMaxGrid);
  if (x && y && w && h) {
    out->x = *x;
    out->y = *y;
    out->w = *w;
    out->h = *h;
  }
}

void read_widget_id(FieldReader& wr, Widget* out) {
  auto e = wr.element("id");
  if (!e || e->is_null()) return;
  std::string_view s;
  uint64_t u = 0;
  if (!e->get(s)) {
    std::string_view t = trim_whitespace(s);
    if (t.empty() || utf8_chars(t) > kMaxWidgetIdChars) {
      wr.error("id", "Ensure this field has 1 to " + std::to_string(kMaxWidgetIdChars) + " characters.");
      return;
    }
    out->id_text = std::string(t);
    out->id_json.clear();
    JsonWriter(out->id_json).string(t);
  } else if (!e->get(u) && u > 0) {
    out->id_text = std::to_string(u);
    out->id_json = out->id_text;
  } else {
    wr.error("id", "Expected a string or a positive integer.");
  }
}

// Reads and validates `widgets`; on success *out is the canonical array.
void read_widgets(FieldReader& f, simdjson::dom::element e, std::string* out) {
  simdjson::dom::array arr;
  if (e.is_null()) {
    f.error("widgets", "This field may not be null.");
    return;
  }
  if (e.get(arr)) {
    f.error("widgets", "Expected a list of items.");
    return;
  }
  if (arr.size() > kMaxWidgets) {
    f.error("widgets", "Ensure this field has no more than " + std::to_string(kMaxWidgets) + " elements.");
    return;
  }
  std::vector<Widget> widgets;
  std::set<std::string> taken;
  size_t i = 0;
  for (auto item : arr) {
    std::string name = "widgets[" + std::to_string(i++) + "]";
    simdjson::dom::object obj;
    if (item.get(obj)) {
      f.error(name, "Expected an object.");
      continue;
    }
    FieldReader wr = f.nested(obj, name);
    Widget w;
    read_widget_id(wr, &w);
    if (!w.id_text.empty() && !taken.insert(w.id_text).second)
      wr.error("id", "Widget ids must be unique within a dashboard.");
    if (auto type = wr.string("type", true, 32)) {
      bool known = false;
      for (std::string_view t : kWidgetTypes) known = known || t == *type;
      if (known) {
        w.type = std::string(*type);
      } else {
        wr.error("type", "\"" + std::string(*type) + "\" is not a valid choice (kpi, line, bar, pie, table).");
      }
    }
    if (auto title = wr.text("title", kMaxTitleChars)) w.title = *title;
    if (auto q = wr.element("query"); q && !q->is_null()) {
      analytics::Query query;
      if (analytics::read_query_field(wr, "query", *q, &query)) w.query_json = analytics::canonical_json(query);
    }
    read_position(wr, &w);
    widgets.push_back(std::move(w));
  }
  if (!f.ok()) return;
  size_t next = 1;
  out->clear();
  JsonWriter j(*out);
  j.begin_array();
  for (Widget& w : widgets) {
    if (w.id_text.empty()) {
      while (taken.count("w" + std::to_string(next))) ++next;
      w.id_text = "w" + std::to_string(next++);
      JsonWriter(w.id_json).string(w.id_text);
    }
    j.begin_object();
    j.key("id").raw(w.id_json);
    j.field("type", w.type);
    j.field("title", w.title);
    j.key("query").raw(w.query_json);
    j.key("position").begin_object();
    j.field("x", w.x).field("y", w.y).field("w", w.w).field("h", w.h);
    j.end_object();
    j.end_object();
  }
  j.end_array();
}

// What a request sets; absent fields stay as they are.
struct DashboardEdit {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> widgets_json;
  std::optional<bool> is_public;

  void apply(model::Dashboard& d) const {
    if (name) d.name = *name;
    if (description) d.description = *description;
    if (widgets_json) d.widgets_json = *widgets_json;
    if (is_public) d.is_public = *is_public;
  }
};

// POST and PUT need every required field; PATCH none. Renders 400 on a problem.
bool read_edit(Ctx& c, bool full, DashboardEdit* edit) {
  simdjson::dom::object obj;
  if (!parse_json_object(c.req, c.res, thread_json_parser(), &obj)) return false;
  FieldReader f(obj);
  edit->name = f.trimmed("name", full, kMaxNameChars);
  edit->description = f.text("description", kMaxDescriptionChars);
  if (auto w = f.element("widgets")) {
    std::string json;
    read_widgets(f, *w, &json);
    edit->widgets_json = std::move(json);
  }
  edit->is_public = f.boolean("is_public", false);
  return f.finish(c.res);
}

void handle_dashboard_edit(Ctx& c, bool full) {
  auto& svc = c.app.resources.dashboards;
  if (!check_resource_exists(c, svc)) return c.finish();
  DashboardEdit edit;
  if (!read_edit(c, full, &edit)) return c.finish();
  update_resource(c, svc, [edit = std::move(edit)](model::Dashboard& d) { edit.apply(d); });
}

}  // namespace

void handle_dashboards_list(Ctx& c) { list_resources(c, c.app.resources.dashboards); }

void handle_dashboards_create(Ctx& c) {
  DashboardEdit edit;
  if (!read_edit(c, true, &edit)) return c.finish();
  model::Dashboard d;
  edit.apply(d);
  create_resource(c, c.app.resources.dashboards, std::move(d));
}

void handle_dashboard_get(Ctx& c) { get_resource(c, c.app.resources.dashboards); }
void handle_dashboard_patch(Ctx& c) { handle_dashboard_edit(c, false); }
void handle_dashboard_put(Ctx& c) { handle_dashboard_edit(c, true); }
void handle_dashboard_delete(Ctx& c) { delete_resource(c, c.app.resources.dashboards); }

}  // namespace claribi::api
