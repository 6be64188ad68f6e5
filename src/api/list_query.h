// List endpoints (API.md §2): the query parameters every collection takes
// (page, page_size, ordering, search), the page window, and the envelope
// {"count","next","previous","results":[...]} with absolute next/previous
// links built from the configured public URL.
//
// Usage, in a handler:
//   static constexpr std::string_view kOrderable[] = {"name", "created_at", "updated_at", "id"};
//   ListQuery q;
//   if (!parse_list_query(c.req, c.res, kOrderable, &q)) return c.finish();   // 400 rendered
//   ... filter with q.search, order by q.ordering_field / q.descending
//       (the BI collections, users and keys do this in index::Collection) ...
//   if (!check_page(q, count, c.res)) return c.finish();                     // 404 rendered
//   const PageRange page = page_bounds(q, count);
//   write_list_page(c.res.body, c.app.config.public_url, q, count,
//                   [&](JsonWriter& w) { for (i in page.begin..page.end) write_item(w, items[i]); });
//
// ListQuery owns copies of the request path and query, so it can be used
// after the request's views are gone (asynchronous handlers).
//
// Header-only on purpose: every function is small, and src/api/CMakeLists.txt
// needs no extra source for it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json_writer.h"
#include "common/text.h"
#include "http/error.h"
#include "http/request.h"
#include "http/response.h"

namespace claribi::api {

inline constexpr int64_t kDefaultPageSize = 20;
inline constexpr int64_t kMaxPageSize = 100;

struct ListQuery {
  int64_t page = 1;                   // 1-based
  int64_t page_size = kDefaultPageSize;  // 1..kMaxPageSize (larger values are clamped)
  std::string ordering_field;         // one of the orderable names (the default when absent)
  bool descending = false;            // "-field"
  std::string search;                 // percent-decoded; empty = no filter
  // Copies of the request's path and raw (still encoded) query, for the links.
  std::string path;
  std::string query;
};

namespace list_detail {

// A decoded query parameter; false when absent. Sets *bad on a bad escape.
inline bool decoded_param(std::string_view query, std::string_view name, std::string* out, bool* bad) {
  std::string_view raw;
  *bad = false;
  if (!http::query_param(query, name, &raw)) return false;
  if (!http::url_decode(raw, out)) *bad = true;
  return true;
}

// "[+-]digits", saturating at the int64 range; false when not an integer.
inline bool parse_integer(std::string_view s, int64_t* out) {
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  int64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
    int d = ch - '0';
    if (v > (std::numeric_limits<int64_t>::max() - d) / 10) {
      v = std::numeric_limits<int64_t>::max();  // saturate: a huge page is simply past the end
    } else {
      v = v * 10 + d;
    }
  }
  *out = negative ? -v : v;
  return true;
}

// page / page_size: a positive integer, or a field error.
inline void read_positive(std::string_view query, std::string_view name, int64_t* value, http::FieldErrors* fe) {
  std::string text;
  bool bad = false;
  if (!decoded_param(query, name, &text, &bad)) return;  // absent: keep the default
  int64_t v = 0;
  if (bad || !parse_integer(text, &v)) {
    fe->add(std::string(name), "A valid integer is required.");
  } else if (v < 1) {
    fe->add(std::string(name), "Ensure this value is greater than or equal to 1.");
  } else {
    *value = v;
  }
}

}  // namespace list_detail

// Parses page, page_size, ordering and search from the request's query into
// *out. On a bad value renders 400 validation_error (with `fields` naming
// every bad parameter) into res and returns false. `orderable` lists the
// field names `ordering` accepts (each also with a leading '-');
// `default_ordering` is used when the parameter is absent or empty.
namespace list_detail {
inline void read_page(const http::Request& req, ListQuery* out, http::FieldErrors* fe) {
  *out = ListQuery{};
  out->path = std::string(req.path);
  out->query = std::string(req.query);
  read_positive(req.query, "page", &out->page, fe);
  read_positive(req.query, "page_size", &out->page_size, fe);
  if (out->page_size > kMaxPageSize) out->page_size = kMaxPageSize;
}
}  // namespace list_detail

// Only page and page_size, for lists with one fixed order (the rows of a
// data source); other parameters are ignored.
inline bool parse_page_query(const http::Request& req, http::Response& res, ListQuery* out) {
  http::FieldErrors fe;
  list_detail::read_page(req, out, &fe);
  if (fe.empty()) return true;
  http::render_error(res, http::ErrorCode::kValidationError, "One or more query parameters are invalid.", &fe);
  return false;
}

inline bool parse_list_query(const http::Request& req, http::Response& res,
                             std::span<const std::string_view> orderable, ListQuery* out,
                             std::string_view default_ordering = "id") {
  http::FieldErrors fe;
  list_detail::read_page(req, out, &fe);
  std::string_view query = req.query;

  out->ordering_field = std::string(default_ordering);
  std::string text;
  bool bad = false;
  if (list_detail::decoded_param(query, "ordering", &text, &bad) && !text.empty()) {
    std::string_view field = text;
    bool descending = false;
    if (!bad && field.front() == '-') {
      descending = true;
      field.remove_prefix(1);
    }
    bool known = !bad && std::find(orderable.begin(), orderable.end(), field) != orderable.end();
    if (known) {
      out->ordering_field = std::string(field);
      out->descending = descending;
    } else {
      std::string choices;
      for (std::string_view o : orderable) {
        if (!choices.empty()) choices += ", ";
        choices += o;
      }
      fe.add("ordering", "Invalid ordering \"" + text + "\". Order by one of: " + choices +
                             " (prefix with \"-\" for descending).");
    }
  }

  if (list_detail::decoded_param(query, "search", &text, &bad)) {
    if (bad) {
      fe.add("search", "The search term is not valid percent-encoding.");
    } else {
      out->search = std::move(text);
    }
  }

  if (fe.empty()) return true;
  http::render_error(res, http::ErrorCode::kValidationError, "One or more query parameters are invalid.", &fe);
  return false;
}

// Number of pages of `count` items (at least 1: page 1 of an empty list exists).
inline int64_t page_count(const ListQuery& q, size_t count) {
  if (count == 0) return 1;
  return int64_t((count + size_t(q.page_size) - 1) / size_t(q.page_size));
}

inline bool page_exists(const ListQuery& q, size_t count) { return q.page >= 1 && q.page <= page_count(q, count); }

// When q.page is past the end renders 404 not_found and returns false.
inline bool check_page(const ListQuery& q, size_t count, http::Response& res) {
  if (page_exists(q, count)) return true;
  http::render_error(res, http::ErrorCode::kNotFound, "Invalid page.");
  return false;
}

// [begin, end) indexes of the current page's items in a sorted list of
// `count` (empty when the page does not exist). A struct, not a pair to bind:
// handlers capture it in their writer lambdas, and clang 14 (the fuzz
// build's) cannot capture structured bindings.
struct PageRange {
  size_t begin;
  size_t end;
};
inline PageRange page_bounds(const ListQuery& q, size_t count) {
  if (!page_exists(q, count)) return {0, 0};
  size_t begin = size_t(q.page - 1) * size_t(q.page_size);
  size_t end = std::min(count, begin + size_t(q.page_size));
  return {std::min(begin, count), end};
}

// Absolute URL of page `page` of this list: public_url + path + the request's
// other query parameters (as sent) with `page` replaced. Like DRF's
// replace_query_param / remove_query_param: parameters are sorted by name,
// and page 1 carries no `page` parameter at all.
inline std::string page_url(std::string_view public_url, const ListQuery& q, int64_t page) {
  std::vector<std::pair<std::string_view, std::string_view>> params;  // name, whole "name=value"
  std::string_view rest = q.query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view seg = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (seg.empty()) continue;
    std::string_view name = seg.substr(0, seg.find('='));
    if (name == "page") continue;
    params.emplace_back(name, seg);
  }
  std::string page_seg;
  if (page > 1) {
    page_seg = "page=" + std::to_string(page);
    params.emplace_back("page", page_seg);
  }
  std::stable_sort(params.begin(), params.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string url;
  url.reserve(public_url.size() + q.path.size() + q.query.size() + 16);
  url.append(public_url);
  url.append(q.path);
  for (size_t i = 0; i < params.size(); ++i) {
    url.push_back(i == 0 ? '?' : '&');
    url.append(params[i].second);
  }
  return url;
}

// Appends {"count": N, "next": url|null, "previous": url|null, "results": [...]}
// to out; write_results writes each item of the page into the open array.
inline void write_list_page(std::string& out, std::string_view public_url, const ListQuery& q, size_t count,
                            const std::function<void(JsonWriter&)>& write_results) {
  JsonWriter w(out);
  w.begin_object();
  w.field("count", uint64_t(count));
  w.key("next");
  if (q.page < page_count(q, count)) {
    w.string(page_url(public_url, q, q.page + 1));
  } else {
    w.null();
  }
  w.key("previous");
  if (q.page > 1) {
    w.string(page_url(public_url, q, std::min(q.page - 1, page_count(q, count))));
  } else {
    w.null();
  }
  w.key("results").begin_array();
  write_results(w);
  w.end_array();
  w.end_object();
}

// An optional query parameter that takes one of two words (`?mode=append|replace`,
// `?format=json|yaml`): *is_second says whether it named `second`; absent or
// `first` is false. Anything else renders 400 validation_error naming the
// parameter and returns false.
inline bool parse_two_way_param(const http::Request& req, http::Response& r, std::string_view name,
                                std::string_view first, std::string_view second, bool* is_second) {
  std::string_view value;
  *is_second = false;
  if (!http::query_param(req.query, name, &value) || value == first) return true;
  if (value == second) {
    *is_second = true;
    return true;
  }
  http::FieldErrors fe;
  fe.add(std::string(name), "\"" + std::string(value) + "\" is not a valid choice (" + std::string(first) + ", " +
                                std::string(second) + ").");
  http::render_error(r, http::ErrorCode::kValidationError, "Invalid query parameter.", &fe);
  return false;
}

}  // namespace claribi::api
