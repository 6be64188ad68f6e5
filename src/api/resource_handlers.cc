#include "api/resource_handlers.h"

namespace claribi::api {

bool parse_catalog_list_query(Ctx& c, std::span<const std::string_view> orderable, ListQuery* q,
                              index::PageRequest* p) {
  if (!parse_list_query(c.req, c.res, orderable, q)) return false;
  p->offset = size_t(q->page - 1) * size_t(q->page_size);
  if (q->page - 1 > int64_t(SIZE_MAX / 2) / q->page_size) p->offset = SIZE_MAX / 2;  // past any end
  p->limit = size_t(q->page_size);
  p->descending = q->descending;
  p->search = q->search;
  const std::string& f = q->ordering_field;
  p->ordering = f == "id"           ? index::Ordering::kId
                : f == "created_at" ? index::Ordering::kCreatedAt
                : f == "updated_at" ? index::Ordering::kUpdatedAt
                                    : index::Ordering::kName;  // the text field: name or email
  return true;
}

void render_resource_list(http::Response& r, std::string_view public_url, const ListQuery& q, size_t count,
                          std::string_view items) {
  if (!check_page(q, count, r)) return;
  r.status = 200;
  r.body.clear();
  r.body.reserve(items.size() + 256);
  write_list_page(r.body, public_url, q, count, [&](JsonWriter& w) {
    if (!items.empty()) w.raw(items);
  });
}

namespace {
void render_not_stored(http::Response& r, std::string_view label) {
  http::render_error(r, http::ErrorCode::kInternalError, "The " + std::string(label) + " could not be stored.");
}
}  // namespace

void render_write_failed(http::Response& r, const Status& s, std::string_view label) {
  if (s.code() == StatusCode::kConflict) {
    http::render_error(r, http::ErrorCode::kConflict,
                       "What this request changes was changed at the same moment through another server node; "
                       "nothing was stored. Read it again and retry.");
    return;
  }
  render_not_stored(r, label);
}

void render_write_result(http::Response& r, int status, const resources::WriteResult& res, std::string_view label,
                         uint64_t id) {
  switch (res.outcome) {
    case resources::WriteOutcome::kNotFound:
      render_not_found(r, label, id);
      return;
    case resources::WriteOutcome::kFailed:
      render_not_stored(r, label);
      return;
    case resources::WriteOutcome::kOk:
      break;
  }
  r.status = status;
  r.body.clear();
  if (status != 204) r.body.append(res.json);
}

std::string& page_items_buffer() {
  thread_local std::string buffer;
  return buffer;
}

}  // namespace claribi::api
