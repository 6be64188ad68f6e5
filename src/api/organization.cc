// §6 organization: GET|PATCH /api/organization/ — the caller's organization
// with its member, API-key, data-source, dashboard and report counts. Everyone reads; administrators change
// name, plan and ai_credits_remaining (the route table enforces the role and
// the organization:* scopes).
//
// Member and key counts come from a store scan of the organization's users
// and keys, on the worker pool; resource counts from the in-memory
// collections; a PATCH is written through IdentityService::transact and
// answered, once durable, with the stored record and fresh counts.
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "model/field_rules.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/pipeline.h"
#include "api/render.h"
#include "api/resource_handlers.h"
#include "net/reactor.h"
#include "net/worker.h"

namespace claribi::api {

namespace {

using model::fields::organization::kMaxNameChars;
using model::fields::organization::kMaxPlanChars;

struct Counts {
  Status status;
  size_t members = 0;
  size_t active_members = 0;
  size_t api_keys = 0;  // not deleted (what the key list shows an administrator)
  size_t data_sources = 0;
  size_t dashboards = 0;
  size_t reports = 0;
};

// Renders the organization with its counts.
void render_org(http::Response& r, const model::Organization& o, const Counts& n) {
  r.status = 200;
  r.body.clear();
  JsonWriter w(r.body);
  w.begin_object();
  w.field("id", o.id);
  w.field("name", o.name);
  w.field("plan", o.plan);
  w.field("ai_credits_remaining", o.ai_credits_remaining);
  w.key("created_at").timestamp_or_null(o.created_at);
  w.key("updated_at").timestamp_or_null(o.updated_at);
  w.field("member_count", uint64_t(n.members));
  w.field("active_member_count", uint64_t(n.active_members));
  w.field("api_key_count", uint64_t(n.api_keys));
  w.field("data_source_count", uint64_t(n.data_sources));
  w.field("dashboard_count", uint64_t(n.dashboards));
  w.field("report_count", uint64_t(n.reports));
  w.end_object();
}

// On the reactor: counts the organization's users and keys on the worker
// pool, then answers 200 with `o` and finishes the exchange.
void answer_with_counts(ApiContext* app, net::Exchange* ex, const model::Organization& o) {
  auto org = std::make_shared<model::Organization>(o);
  auto n = std::make_shared<Counts>();
  net::run_on_worker(
      ex->reactor(),
      [app, org, n] {
        uint64_t id = org->id;
        n->status = app->identity.store().ForEachUser(id, [&](const model::User& u) {
          if (u.org_id != id) return;
          ++n->members;
          if (u.is_active) ++n->active_members;
        });
        if (!n->status.ok()) return;
        n->status = app->identity.store().ForEachApiKey(id, [&](const model::ApiKey& k) {
          if (k.org_id == id && !k.deleted) ++n->api_keys;
        });
      },
      [app, ex, org, n] {
        // The resource counts are the in-memory collections' sizes.
        n->data_sources = app->resources.data_sources.count(org->id);
        n->dashboards = app->resources.dashboards.count(org->id);
        n->reports = app->resources.reports.count(org->id);
        if (!n->status.ok()) {
          http::render_error(ex->response(), http::ErrorCode::kInternalError, "The organization could not be read.");
        } else {
          render_org(ex->response(), *org, *n);
        }
        ex->finish();
      });
}

void render_missing(http::Response& r) {
  http::render_error(r, http::ErrorCode::kNotFound, "The organization was not found.");
}

}  // namespace

// GET /api/organization/
void handle_organization_get(Ctx& c) {
  const model::Organization* o = c.app.index.organization(c.who.org_id);
  if (o == nullptr) {
    render_missing(c.res);
    return c.finish();
  }
  answer_with_counts(&c.app, &c.ex, *o);
}

// PATCH /api/organization/ {"name"?, "plan"?, "ai_credits_remaining"?}
void handle_organization_patch(Ctx& c) {
  simdjson::dom::object obj;
  if (!parse_json_object(c.req, c.res, thread_json_parser(), &obj)) return c.finish();
  FieldReader f(obj);
  auto name = f.trimmed("name", false, kMaxNameChars);
  if (name && name->empty()) {
    f.error("name", "This field may not be blank.");
    name.reset();
  }
  auto plan = f.trimmed("plan", false, kMaxPlanChars);
  if (plan && plan->empty()) {
    f.error("plan", "This field may not be blank.");
    plan.reset();
  }
  std::optional<int64_t> credits;
  if (auto e = f.element("ai_credits_remaining"); e && e->is_null()) {
    f.error("ai_credits_remaining", "This field may not be null.");
  } else {
    credits = f.integer("ai_credits_remaining", false, 0, std::numeric_limits<int64_t>::max());
  }
  if (!f.finish(c.res)) return c.finish();

  struct State {
    model::Organization org;
    bool missing = false;
  };
  auto st = std::make_shared<State>();
  uint64_t org_id = c.who.org_id;
  int64_t now = c.now;
  ApiContext* app = &c.app;
  net::Exchange* ex = &c.ex;
  app->identity.transact(
      [st, org_id, now, name, plan, credits](const identity::View& view, identity::Change& ch) {
        const model::Organization* cur = view.organization(org_id);
        if (cur == nullptr) {
          st->missing = true;
          return Status::NotFound("organization");
        }
        model::Organization o = *cur;
        if (name) o.name = *name;
        if (plan) o.plan = *plan;
        if (credits) o.ai_credits_remaining = *credits;
        o.updated_at = now;
        ch.orgs.push_back(o);
        st->org = std::move(o);
        return Status::Ok();
      },
      [st, app, ex](Status s) {
        ex->reactor().post([st, app, ex, s] {
          if (st->missing) {
            render_missing(ex->response());
          } else if (!s.ok()) {
            render_write_failed(ex->response(), s, "organization");
          } else {
            return answer_with_counts(app, ex, st->org);
          }
          ex->finish();
        });
      });
}

}  // namespace claribi::api
