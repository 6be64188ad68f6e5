#include "analytics/result.h"

#include <charconv>
#include <cstdio>

#include "ingest/value_text.h"

namespace claribi::analytics {

namespace {

// Decimal digits of a 128-bit integer.
size_t format_int128(int128_t v, char* out) {
  char tmp[48];
  size_t n = 0;
  bool neg = v < 0;
  __extension__ unsigned __int128 u = neg ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;
  do {
    tmp[n++] = char('0' + int(u % 10));
    u /= 10;
  } while (u != 0);
  size_t k = 0;
  if (neg) out[k++] = '-';
  while (n > 0) out[k++] = tmp[--n];
  return k;
}

template <class T>
int cmp(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

}  // namespace

int compare_values(const Value& a, const Value& b) {
  const bool an = a.kind == Value::Kind::kNull, bn = b.kind == Value::Kind::kNull;
  if (an || bn) return an == bn ? 0 : (an ? 1 : -1);
  switch (a.kind) {
    case Value::Kind::kFloat: return cmp(a.f, b.f);
    case Value::Kind::kString: return a.s.compare(b.s) < 0 ? -1 : (a.s == b.s ? 0 : 1);
    default: return cmp(a.i, b.i);
  }
}

void write_value(JsonWriter& w, const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull: w.null(); return;
    case Value::Kind::kInt: {
      char buf[48];
      w.raw(std::string_view(buf, format_int128(v.i, buf)));
      return;
    }
    case Value::Kind::kFloat: {
      char buf[ingest::kDoubleTextMax];
      w.raw(std::string_view(buf, ingest::format_double_shortest(v.f, buf)));
      return;
    }
    case Value::Kind::kBool: w.boolean(v.i != 0); return;
    case Value::Kind::kTimestamp: {
      char buf[ingest::kTimestampTextMax];
      w.string(std::string_view(buf, ingest::format_timestamp_micros(int64_t(v.i), buf)));
      return;
    }
    case Value::Kind::kString: w.string(v.s); return;
  }
}

void append_value_text(std::string& out, const Value& v) {
  char buf[48];
  switch (v.kind) {
    case Value::Kind::kNull: return;
    case Value::Kind::kInt: out.append(buf, format_int128(v.i, buf)); return;
    case Value::Kind::kFloat: out.append(buf, ingest::format_double_shortest(v.f, buf)); return;
    case Value::Kind::kBool: out.append(v.i != 0 ? "true" : "false"); return;
    case Value::Kind::kTimestamp: out.append(buf, ingest::format_timestamp_micros(int64_t(v.i), buf)); return;
    case Value::Kind::kString: out.append(v.s); return;
  }
}

namespace {

void append_csv_field(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(text);
    return;
  }
  out.push_back('"');
  for (char ch : text) {
    if (ch == '"') out.push_back('"');
    out.push_back(ch);
  }
  out.push_back('"');
}

}  // namespace

void append_csv(std::string& out, const QueryResult& r) {
  for (size_t i = 0; i < r.columns.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_csv_field(out, r.columns[i].name);
  }
  out.append("\r\n");
  std::string cell;
  for (const auto& row : r.rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out.push_back(',');
      if (row[i].kind == Value::Kind::kString) {
        append_csv_field(out, row[i].s);
      } else {
        cell.clear();
        append_value_text(cell, row[i]);
        out.append(cell);  // numbers, booleans and timestamps never need quotes
      }
    }
    out.append("\r\n");
  }
}

std::string result_head_json(const QueryResult& r) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("columns").begin_array();
  for (const OutputColumn& c : r.columns) {
    w.begin_object();
    w.field("name", c.name);
    w.field("type", storage::column_type_name(c.type));
    w.end_object();
  }
  w.end_array();
  w.key("rows").begin_array();
  for (const auto& row : r.rows) {
    w.begin_array();
    for (const Value& v : row) write_value(w, v);
    w.end_array();
  }
  w.end_array();
  w.field("row_count", uint64_t(r.rows.size()));
  w.field("truncated", r.truncated);
  return out;  // the object stays open: append_result_tail closes it
}

void append_result_tail(std::string& out, double elapsed_ms) {
  char buf[64];
  // Milliseconds with microsecond resolution ("1.7", "0.042").
  double rounded = double(int64_t(elapsed_ms * 1000.0 + 0.5)) / 1000.0;
  out.append(",\"elapsed_ms\":");
  auto r = std::to_chars(buf, buf + sizeof buf, rounded);
  out.append(buf, size_t(r.ptr - buf));
  out.push_back('}');
}

}  // namespace claribi::analytics
