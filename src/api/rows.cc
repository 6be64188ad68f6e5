// §10 rows of an `upload` data source: POST /api/data-sources/{id}/rows/
// (streamed CSV or JSON upload, ?mode=replace), GET .../rows/ (the list
// envelope of §2, rows in upload order) and GET .../schema/. The work is in
// rows/ (RowService, Upload); this file checks the request and renders.
#include <charconv>
#include <memory>
#include <string>

#include "api/handlers.h"
#include "api/json_body.h"
#include "api/list_query.h"
#include "api/resource_handlers.h"
#include "resources/upload_source.h"
#include "common/json_writer.h"
#include "ingest/value_text.h"
#include "rows/row_service.h"
#include "rows/upload.h"

namespace claribi::api {

namespace {

using storage::ColumnType;

void write_columns(JsonWriter& w, const std::vector<storage::TableColumn>& columns) {
  w.key("columns").begin_array();
  for (const auto& col : columns) {
    w.begin_object();
    w.field("name", col.name);
    w.field("type", storage::column_type_name(col.type));
    w.field("nullable", col.nullable);
    w.end_object();
  }
  w.end_array();
}

void render_outcome(http::Response& r, const rows::UploadOutcome& o, uint64_t ds) {
  using Kind = rows::UploadOutcome::Kind;
  switch (o.kind) {
    case Kind::kAppended: {
      r.status = 201;
      r.body.clear();
      JsonWriter w(r.body);
      w.begin_object();
      w.field("appended", o.appended);
      w.field("row_count", o.row_count);
      write_columns(w, o.columns);
      w.end_object();
      return;
    }
    case Kind::kInvalidRows: {
      http::FieldErrors fe;
      fe.add(o.error.field, o.error.detail);
      http::render_error(r, http::ErrorCode::kValidationError, o.error.detail + " Nothing was appended.", &fe);
      return;
    }
    case Kind::kInvalidJson:
      http::render_error(r, http::ErrorCode::kInvalidJson, o.detail);
      return;
    case Kind::kNotFound:
      render_not_found(r, "data source", ds);
      return;
    case Kind::kHttpError:
      http::render_error(r, o.http_code, o.detail);
      r.close_connection = true;
      return;
    case Kind::kUnavailable:
      // A detail: the table's lock was held too long by another node's upload.
      http::render_error(r, http::ErrorCode::kServiceUnavailable,
                         o.detail.empty() ? "Too many uploads are in progress; try again shortly."
                                          : "Another upload to this data source is in progress; try again shortly.");
      r.add_header("Retry-After", "1");
      return;
    case Kind::kFailed:
      http::render_error(r, http::ErrorCode::kInternalError, "The rows could not be stored; nothing was appended.");
      return;
  }
}

// One value of row `i` of a chunk's column, as JSON.
void write_value(JsonWriter& w, const storage::ColumnChunk* col, ColumnType type, uint32_t i) {
  if (col == nullptr || col->is_null(i)) {
    w.null();
    return;
  }
  switch (type) {
    case ColumnType::kInteger: {
      int64_t v;
      col->decode_ints(i, 1, &v);
      w.number(v);
      return;
    }
    case ColumnType::kFloat: {
      double v;
      col->decode_floats(i, 1, &v);
      w.number(v);
      return;
    }
    case ColumnType::kBoolean: {
      int64_t v;
      col->decode_ints(i, 1, &v);
      w.boolean(v != 0);
      return;
    }
    case ColumnType::kTimestamp: {
      int64_t v;
      col->decode_ints(i, 1, &v);
      char buf[ingest::kTimestampTextMax];
      w.string(std::string_view(buf, ingest::format_timestamp_micros(v, buf)));
      return;
    }
    case ColumnType::kString: {
      uint32_t code;
      col->decode_codes(i, 1, &code);
      w.string(col->dict_entry(code));
      return;
    }
  }
}

// The HTTP side of an upload: the exchange's streamed body goes to the
// upload; its callbacks come back to the exchange's reactor.
class HttpUpload final : public rows::UploadClient,
                         public net::BodyConsumer,
                         public std::enable_shared_from_this<HttpUpload> {
 public:
  HttpUpload(net::Exchange& ex, uint64_t ds) : reactor_(ex.reactor()), ex_(&ex), ds_(ds) {}
  void attach(std::shared_ptr<rows::Upload> u) { upload_ = std::move(u); }

  // net::BodyConsumer: the reactor thread, while the exchange is open.
  bool on_body(std::string_view bytes) override { return upload_->feed(bytes); }
  void on_body_end() override { upload_->end(); }
  void on_body_abort(http::ErrorCode code, std::string_view detail) override { upload_->abort(code, detail); }

  // rows::UploadClient: any thread.
  void resume() override {
    reactor_.post([self = shared_from_this()] {
      if (!self->answered_) self->ex_->resume_body();
    });
  }
  void finished(const rows::UploadOutcome& o) override {
    reactor_.post([self = shared_from_this(), o] {
      self->answered_ = true;
      render_outcome(self->ex_->response(), o, self->ds_);
      self->ex_->finish();     // the session calls this consumer no more
      self->upload_.reset();
    });
  }

 private:
  net::Reactor& reactor_;
  net::Exchange* ex_;
  uint64_t ds_;
  std::shared_ptr<rows::Upload> upload_;  // until the answer is sent
  bool answered_ = false;                 // reactor thread only
};

}  // namespace

// The data source, when the caller's organization has it and it holds rows;
// otherwise renders 404 or 400 and returns false.
bool find_upload_source(Ctx& c, uint64_t id, model::DataSource* ds, std::string_view field) {
  return resources::find_upload_source(c.app.resources.data_sources, c.who.org_id, id, field, ds, &c.res);
}

void handle_rows_upload(Ctx& c) {
  std::string_view ct = c.req.header("content-type");
  rows::Upload::Format format;
  if (has_media_type(ct, "text/csv")) {
    format = rows::Upload::Format::kCsv;
  } else if (has_media_type(ct, "application/json")) {
    format = rows::Upload::Format::kJson;
  } else {
    http::render_error(c.res, http::ErrorCode::kUnsupportedMediaType,
                       "Send rows as Content-Type: text/csv or application/json (a JSON array of objects).");
    return c.finish();
  }
  bool replace = false;
  if (!parse_two_way_param(c.req, c.res, "mode", "append", "replace", &replace)) return c.finish();
  model::DataSource ds;
  if (!find_upload_source(c, c.ids[0], &ds)) return c.finish();

  auto http = std::make_shared<HttpUpload>(c.ex, ds.id);
  auto upload = std::make_shared<rows::Upload>(c.app.rows, http, c.who.org_id, ds.id, format, replace, c.now);
  http->attach(upload);
  c.ex.stream_body(http.get());
  c.app.rows.enqueue(std::move(upload));
}

void handle_rows_list(Ctx& c) {
  model::DataSource ds;
  if (!find_upload_source(c, c.ids[0], &ds)) return c.finish();
  ListQuery q;
  if (!parse_page_query(c.req, c.res, &q)) return c.finish();
  const rows::TableSnapshot* t = c.app.rows.snapshot(ds.id);
  size_t count = t == nullptr ? 0 : size_t(t->row_count);
  if (!check_page(q, count, c.res)) return c.finish();
  const PageRange page = page_bounds(q, count);
  const size_t begin = page.begin, end = page.end;
  // Columns of the chunks the page touches, loaded first (an I/O error is
  // a 500, not half a page).
  std::vector<std::vector<const storage::ColumnChunk*>> cols;
  size_t first_chunk = 0;
  if (begin < end) {
    first_chunk = t->chunk_of(begin);
    size_t last_chunk = t->chunk_of(end - 1);
    for (size_t k = first_chunk; k <= last_chunk; ++k) {
      std::vector<const storage::ColumnChunk*> cc(t->columns.size(), nullptr);
      for (size_t j = 0; j < t->columns.size(); ++j) {
        auto r = c.app.rows.column(*t->chunks[k], j);
        if (!r.ok()) {
          http::render_error(c.res, http::ErrorCode::kInternalError, "The rows could not be read.");
          return c.finish();
        }
        cc[j] = *r;
      }
      cols.push_back(std::move(cc));
    }
  }
  c.res.status = 200;
  c.res.body.clear();
  write_list_page(c.res.body, c.app.config.public_url, q, count, [&](JsonWriter& w) {
    for (size_t row = begin; row < end; ++row) {
      size_t k = t->chunk_of(row);
      uint32_t i = uint32_t(row - t->first_row[k]);
      const auto& cc = cols[k - first_chunk];
      w.begin_object();
      for (size_t j = 0; j < t->columns.size(); ++j) {
        w.key(t->columns[j].name);
        write_value(w, cc[j], t->columns[j].type, i);
      }
      w.end_object();
    }
  });
  c.finish();
}

void handle_rows_schema(Ctx& c) {
  model::DataSource ds;
  if (!find_upload_source(c, c.ids[0], &ds)) return c.finish();
  const rows::TableSnapshot* t = c.app.rows.snapshot(ds.id);
  c.res.status = 200;
  c.res.body.clear();
  JsonWriter w(c.res.body);
  w.begin_object();
  static const std::vector<storage::TableColumn> kNone;
  write_columns(w, t == nullptr ? kNone : t->columns);
  w.field("row_count", t == nullptr ? uint64_t(0) : t->row_count);
  w.end_object();
  c.finish();
}

}  // namespace claribi::api
