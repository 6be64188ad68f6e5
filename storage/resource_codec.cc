// Versioned binary encoding of DataSource, Dashboard and Report (format in
// resource_codec.h).
#include "storage/resource_codec.h"

#include "storage/codec_io.h"

namespace claribi::storage {
namespace {

using codec::Reader;
using codec::Writer;

// Caps what a corrupt length could make decode() allocate.
constexpr uint64_t kMaxRecipients = 1 << 16;

void write_header(Writer& w, const model::ResourceHeader& h) {
  w.u64(h.id);
  w.u64(h.org_id);
  w.str(h.name);
  w.u64(h.created_by);
  w.i64(h.created_at);
  w.i64(h.updated_at);
}

bool read_header(Reader& r, model::ResourceHeader* h, unsigned* version_out = nullptr) {
  unsigned version = 0;
  if (!r.version(&version, kResourceFormatVersion)) return false;
  if (version_out != nullptr) *version_out = version;
  h->id = r.u64();
  h->org_id = r.u64();
  r.str(&h->name);
  h->created_by = r.u64();
  h->created_at = r.i64();
  h->updated_at = r.i64();
  return true;
}

}  // namespace

void encode(const model::DataSource& r, std::string* out) {
  Writer w(out, kResourceFormatVersion);
  write_header(w, r);
  w.byte(static_cast<uint8_t>(r.type));
  w.str(r.config_json);
  w.i64(r.row_count);
}

bool decode(std::string_view in, model::DataSource* out) {
  Reader r(in);
  if (!read_header(r, out)) return false;
  out->type = static_cast<model::DataSourceType>(r.byte(model::kLastDataSourceType));
  r.str(&out->config_json);
  out->row_count = r.i64();
  return r.done();
}

void encode(const model::Dashboard& r, std::string* out) {
  Writer w(out, kResourceFormatVersion);
  write_header(w, r);
  w.str(r.description);
  w.str(r.widgets_json);
  w.byte(r.is_public ? 1 : 0);
}

bool decode(std::string_view in, model::Dashboard* out) {
  Reader r(in);
  if (!read_header(r, out)) return false;
  r.str(&out->description);
  r.str(&out->widgets_json);
  out->is_public = r.boolean();
  return r.done();
}

void encode(const model::Report& r, std::string* out) {
  Writer w(out, kResourceFormatVersion);
  write_header(w, r);
  w.str(r.query_json);
  w.byte(static_cast<uint8_t>(r.format));
  w.str(r.schedule);
  w.u64(r.recipients.size());
  for (const std::string& e : r.recipients) w.str(e);
  w.i64(r.last_run_at);
  w.i64(r.scheduled_through);
}

bool decode(std::string_view in, model::Report* out) {
  Reader r(in);
  unsigned version = 0;
  if (!read_header(r, out, &version)) return false;
  r.str(&out->query_json);
  out->format = static_cast<model::ReportFormat>(r.byte(model::kLastReportFormat));
  r.str(&out->schedule);
  uint64_t n = r.u64();
  if (n > kMaxRecipients || n > in.size()) return false;  // each takes at least one byte
  out->recipients.assign(static_cast<size_t>(n), std::string());
  for (std::string& e : out->recipients) r.str(&e);
  out->last_run_at = r.i64();
  out->scheduled_through = version >= 2 ? r.i64() : 0;
  return r.done();
}

void encode(const model::ReportRun& r, std::string* out) {
  Writer w(out, kResourceFormatVersion);
  w.u64(r.id);
  w.u64(r.org_id);
  w.u64(r.report_id);
  w.byte(static_cast<uint8_t>(r.trigger));
  w.byte(static_cast<uint8_t>(r.status));
  w.i64(r.started_at);
  w.i64(r.finished_at);
  w.i64(r.row_count);
  w.str(r.error_json);
  w.byte(r.csv ? 1 : 0);  // the result itself is stored apart (kReportResults)
  w.byte(static_cast<uint8_t>(r.delivery));
  w.u64(r.delivery_attempts);
  w.str(r.delivery_error);
}

bool decode(std::string_view in, model::ReportRun* out) {
  Reader r(in);
  unsigned version = 0;
  if (!r.version(&version, kResourceFormatVersion)) return false;
  out->id = r.u64();
  out->org_id = r.u64();
  out->report_id = r.u64();
  out->trigger = static_cast<model::RunTrigger>(r.byte(model::kLastRunTrigger));
  out->status = static_cast<model::RunStatus>(r.byte(model::kLastRunStatus));
  out->started_at = r.i64();
  out->finished_at = r.i64();
  out->row_count = r.i64();
  r.str(&out->error_json);
  out->csv = r.boolean();
  out->result.clear();
  out->delivery = static_cast<model::DeliveryStatus>(r.byte(model::kLastDeliveryStatus));
  out->delivery_attempts = r.u32();
  r.str(&out->delivery_error);
  return r.done();
}

}  // namespace claribi::storage
