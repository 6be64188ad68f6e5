// The standard routes of a BI collection (§6: data sources, dashboards,
// reports), written once: list, get, create, update (PATCH and PUT) and
// delete over a resources::ResourceService. Each resource's file reads and
// validates its own fields and calls these.
//
// Reads are answered on the reactor from memory (a list page is a copy of
// pre-rendered JSON), except a `search` over a large collection, which scans
// names on the worker pool. Writes are answered once durable (§9).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "api/list_query.h"
#include "api/route_table.h"
#include "index/collection.h"
#include "net/reactor.h"
#include "net/worker.h"
#include "resources/resource_service.h"
#include "storage/resource_store.h"

namespace claribi::api {

// Above this many records a `search` runs on the worker pool.
inline constexpr size_t kInlineSearchLimit = 2000;

using http::render_not_found;
// The data source `id`, when the caller's organization has it and it is an
// `upload` source (the only kind with rows, §10); otherwise renders 404 or
// 400 (naming `field`) into c.res and returns false (rows.cc).
bool find_upload_source(Ctx& c, uint64_t id, model::DataSource* ds, std::string_view field = "type");
// The orderings of a list: id, the text field ("name", or "email" for
// users), created_at, updated_at.
inline constexpr std::string_view kNameOrderings[] = {"id", "name", "created_at", "updated_at"};
inline constexpr std::string_view kEmailOrderings[] = {"id", "email", "created_at", "updated_at"};
// Parses the list parameters; false when a 400 was rendered.
bool parse_catalog_list_query(Ctx& c, std::span<const std::string_view> orderable, ListQuery* q,
                              index::PageRequest* p);
// Renders the list envelope around the page's items, or 404 past the end.
void render_resource_list(http::Response& r, std::string_view public_url, const ListQuery& q, size_t count,
                          std::string_view items);
// Renders a write that failed with `s`: 409 conflict when a record it was
// built from was changed first through another node sharing the database
// (nothing was stored; read again and retry), otherwise 500 "The <label>
// could not be stored."
void render_write_failed(http::Response& r, const Status& s, std::string_view label);
// Renders a write's outcome: `status` with the record, 204, 404 or 500.
void render_write_result(http::Response& r, int status, const resources::WriteResult& res, std::string_view label,
                         uint64_t id);

// Scratch space for a page's items on this thread (grows once, then reused).
std::string& page_items_buffer();

// A list page from a catalog (index/catalog.h) or anything with the same
// count/render_page: the collection under `key` (an organization, or the
// owner of API keys), ordered by one of `orderable` (kNameOrderings,
// kEmailOrderings).
template <class Source>
void list_from(Ctx& c, const Source& source, uint64_t key, std::span<const std::string_view> orderable) {
  auto q = std::make_shared<ListQuery>();
  index::PageRequest p;
  if (!parse_catalog_list_query(c, orderable, q.get(), &p)) return c.finish();
  std::string_view public_url = c.app.config.public_url;
  if (p.search.empty() || source.count(key) <= kInlineSearchLimit) {
    std::string& items = page_items_buffer();
    items.clear();
    size_t count = source.render_page(key, p, &items);
    render_resource_list(c.res, public_url, *q, count, items);
    return c.finish();
  }
  struct Page {
    size_t count = 0;
    std::string items;
  };
  auto page = std::make_shared<Page>();
  net::Exchange* ex = &c.ex;
  net::run_on_worker(
      ex->reactor(),
      [&source, q, p, key, page] {
        index::PageRequest req = p;
        req.search = q->search;
        page->count = source.render_page(key, req, &page->items);
      },
      [ex, q, page, public_url] {
        render_resource_list(ex->response(), public_url, *q, page->count, page->items);
        ex->finish();
      });
}

template <class Record>
void list_resources(Ctx& c, const resources::ResourceService<Record>& svc) {
  list_from(c, svc, c.who.org_id, kNameOrderings);
}

template <class Record>
void get_resource(Ctx& c, const resources::ResourceService<Record>& svc) {
  c.res.body.clear();
  if (svc.render(c.who.org_id, c.ids[0], &c.res.body)) {
    c.res.status = 200;
  } else {
    render_not_found(c.res, storage::ResourceKind<Record>::label, c.ids[0]);
  }
  c.finish();
}

namespace resource_detail {
// A DoneFn that answers on the exchange's reactor.
inline auto answer(net::Exchange* ex, int status, std::string_view label, uint64_t id) {
  return [ex, status, label, id](resources::WriteResult res) {
    ex->reactor().post([ex, status, label, id, res = std::move(res)] {
      render_write_result(ex->response(), status, res, label, id);
      ex->finish();
    });
  };
}
}  // namespace resource_detail

// `r` holds the validated fields; the caller's organization, user and the
// time are stamped here.
template <class Record>
void create_resource(Ctx& c, resources::ResourceService<Record>& svc, Record r) {
  r.org_id = c.who.org_id;
  r.created_by = c.who.user_id;
  r.created_at = r.updated_at = c.now;
  svc.create(std::move(r), resource_detail::answer(&c.ex, 201, storage::ResourceKind<Record>::label, 0));
}

template <class Record>
void update_resource(Ctx& c, resources::ResourceService<Record>& svc,
                     typename resources::ResourceService<Record>::EditFn edit) {
  uint64_t id = c.ids[0];
  svc.update(c.who.org_id, id, c.now, std::move(edit),
             resource_detail::answer(&c.ex, 200, storage::ResourceKind<Record>::label, id));
}

template <class Record>
void delete_resource(Ctx& c, resources::ResourceService<Record>& svc) {
  uint64_t id = c.ids[0];
  svc.remove(c.who.org_id, id, resource_detail::answer(&c.ex, 204, storage::ResourceKind<Record>::label, id));
}

// 404 before the body is read, for PATCH and PUT of a record the caller
// cannot see (the write re-checks against the latest version).
template <class Record>
bool check_resource_exists(Ctx& c, const resources::ResourceService<Record>& svc) {
  if (svc.contains(c.who.org_id, c.ids[0])) return true;
  render_not_found(c.res, storage::ResourceKind<Record>::label, c.ids[0]);
  return false;
}

}  // namespace claribi::api
