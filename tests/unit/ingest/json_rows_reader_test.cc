// JsonRowsReader: rows and values (numbers: int vs float, int64 limits, -0,
// big integers, 1e999; escapes: \u00e9, surrogate pairs, \u0000; duplicate
// keys), every error kind with its byte offset / row / column, each case fed
// whole, byte by byte and split at every position; a differential test over
// random rows rendered as JSON and fed in random splits; random corruptions
// checked against simdjson's DOM parser (what we call invalid_json must be
// invalid JSON, and valid JSON must never be called invalid_json); and a
// printed (not asserted) throughput figure.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "ingest/json_rows_reader.h"

namespace claribi::ingest {
namespace {

struct Cell {
  std::string key;
  JsonValueKind kind;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string text;
  bool operator==(const Cell& o) const {
    if (key != o.key || kind != o.kind || text != o.text) return false;
    switch (kind) {
      case JsonValueKind::kBool: return b == o.b;
      case JsonValueKind::kInt: return i == o.i;
      case JsonValueKind::kFloat: return std::memcmp(&f, &o.f, sizeof f) == 0;
      default: return true;
    }
  }
};
using Row = std::vector<Cell>;

std::string show(const std::vector<Row>& rows) {
  std::string s;
  for (const Row& r : rows) {
    s += "{";
    for (const Cell& c : r) {
      s += c.key + "=";
      switch (c.kind) {
        case JsonValueKind::kNull: s += "null"; break;
        case JsonValueKind::kBool: s += c.b ? "B:true" : "B:false"; break;
        case JsonValueKind::kInt: s += "I:" + std::to_string(c.i); break;
        case JsonValueKind::kFloat: {
          char buf[40];
          std::snprintf(buf, sizeof buf, "F:%.17g", c.f);
          s += buf;
          break;
        }
        case JsonValueKind::kString: s += "S:"; break;
      }
      s += "(" + c.text + ") ";
    }
    s += "}\n";
  }
  return s;
}

class Collect : public JsonRowsSink {
 public:
  std::vector<Row> rows;
  uint64_t stop_at = UINT64_MAX;
  bool on_row(uint64_t row, std::span<const JsonCell> cells) override {
    EXPECT_EQ(row, rows.size() + 1);
    Row r;
    for (const JsonCell& c : cells) r.push_back(Cell{std::string(c.key), c.kind, c.b, c.i, c.f, std::string(c.text)});
    rows.push_back(std::move(r));
    return row != stop_at;
  }
};

struct Outcome {
  std::vector<Row> rows;
  bool ok = true;
  std::string error;
  RowsError kind = RowsError::kNone;
  uint64_t offset = 0, row = 0;
  std::string column;
};

Outcome run(const std::string& body, const std::vector<size_t>& cuts, JsonRowsOptions opt = {}) {
  JsonRowsReader reader(opt);
  Collect sink;
  Outcome out;
  size_t prev = 0;
  std::vector<size_t> all = cuts;
  all.push_back(body.size());
  Status s;
  for (size_t c : all) {
    std::string piece = body.substr(prev, c - prev);
    s = reader.feed(piece, sink);
    prev = c;
    if (!s.ok()) break;
  }
  if (s.ok()) s = reader.finish(sink);
  out.rows = sink.rows;
  out.ok = s.ok();
  if (!s.ok()) {
    out.error = s.message();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  }
  out.kind = reader.error_kind();
  out.offset = reader.error_offset();
  out.row = reader.error_row();
  out.column = reader.error_column();
  EXPECT_EQ(reader.rows(), sink.rows.size());
  return out;
}

std::vector<size_t> every_byte(size_t n) {
  std::vector<size_t> v;
  for (size_t i = 1; i < n; ++i) v.push_back(i);
  return v;
}

Outcome run_all_splits(const std::string& body, JsonRowsOptions opt = {}) {
  Outcome whole = run(body, {}, opt);
  auto same = [&](const Outcome& o, const std::string& how) {
    EXPECT_EQ(o.ok, whole.ok) << how;
    EXPECT_EQ(o.error, whole.error) << how;
    EXPECT_EQ(show(o.rows), show(whole.rows)) << how;
    EXPECT_EQ(o.kind, whole.kind) << how;
  };
  same(run(body, every_byte(body.size()), opt), "byte by byte");
  for (size_t i = 0; i <= body.size(); ++i) same(run(body, {i}, opt), "split at " + std::to_string(i));
  return whole;
}

Cell I(std::string k, int64_t v, std::string text) { return Cell{std::move(k), JsonValueKind::kInt, false, v, double(v), std::move(text)}; }
Cell F(std::string k, double v, std::string text) { return Cell{std::move(k), JsonValueKind::kFloat, false, 0, v, std::move(text)}; }
Cell S(std::string k, std::string v) { return Cell{std::move(k), JsonValueKind::kString, false, 0, 0, std::move(v)}; }
Cell B(std::string k, bool v) { return Cell{std::move(k), JsonValueKind::kBool, v, 0, 0, v ? "true" : "false"}; }
Cell N(std::string k) { return Cell{std::move(k), JsonValueKind::kNull, false, 0, 0, ""}; }

void expect_rows(const std::string& body, const std::vector<Row>& want) {
  Outcome o = run_all_splits(body);
  EXPECT_TRUE(o.ok) << o.error;
  EXPECT_EQ(show(o.rows), show(want));
  EXPECT_EQ(o.rows, want);
}

void expect_invalid_json(const std::string& body, uint64_t offset, const std::string& reason, size_t rows_before = 0) {
  Outcome o = run_all_splits(body);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.kind, RowsError::kInvalidJson);
  EXPECT_EQ(o.offset, offset);
  EXPECT_EQ(o.error, "invalid_json at byte " + std::to_string(offset) + ": " + reason);
  EXPECT_EQ(o.rows.size(), rows_before);
}

void expect_invalid_row(const std::string& body, const std::string& message, uint64_t row, const std::string& column,
                        JsonRowsOptions opt = {}) {
  Outcome o = run_all_splits(body, opt);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.kind, RowsError::kInvalidRow);
  EXPECT_EQ(o.error, message);
  EXPECT_EQ(o.row, row);
  EXPECT_EQ(o.column, column);
  EXPECT_EQ(o.rows.size(), row - 1);
}

TEST(JsonRowsReader, Basic) {
  expect_rows(R"([{"a":1,"b":"x","c":true,"d":null,"e":1.5,"f":false}])",
              {{I("a", 1, "1"), S("b", "x"), B("c", true), N("d"), F("e", 1.5, "1.5"), B("f", false)}});
  expect_rows(R"([{"a":1},{"a":2},{}])", {{I("a", 1, "1")}, {I("a", 2, "2")}, {}});
}

TEST(JsonRowsReader, EmptyArrayAndWhitespace) {
  expect_rows("[]", {});
  expect_rows(" \t\r\n[ \n ] \r\n\t ", {});
  expect_rows(" [ { \"a\" : 1 , \"b\" :\n\"x\" } ,\r\n{ } ] ", {{I("a", 1, "1"), S("b", "x")}, {}});
}

TEST(JsonRowsReader, Numbers) {
  expect_rows(R"([{"z":0,"nz":-0,"max":9223372036854775807,"min":-9223372036854775808}])",
              {{I("z", 0, "0"), I("nz", 0, "-0"), I("max", std::numeric_limits<int64_t>::max(), "9223372036854775807"),
                I("min", std::numeric_limits<int64_t>::min(), "-9223372036854775808")}});
  expect_rows(R"([{"a":9223372036854775808,"b":-9223372036854775809,"c":18446744073709551616,"d":123456789012345678901234567890}])",
              {{F("a", 9223372036854775808.0, "9223372036854775808"), F("b", -9223372036854775808.0, "-9223372036854775809"),
                F("c", 18446744073709551616.0, "18446744073709551616"),
                F("d", 1.2345678901234568e29, "123456789012345678901234567890")}});
  expect_rows(R"([{"a":1.0,"b":1e3,"c":1.50,"d":1E-2,"e":-0.0,"f":1e-999,"g":2.5e+10,"h":0.1}])",
              {{F("a", 1.0, "1.0"), F("b", 1000.0, "1e3"), F("c", 1.5, "1.50"), F("d", 0.01, "1E-2"), F("e", -0.0, "-0.0"),
                F("f", 0.0, "1e-999"), F("g", 2.5e10, "2.5e+10"), F("h", 0.1, "0.1")}});
  expect_rows(R"([{"a":1.7976931348623157e308}])", {{F("a", 1.7976931348623157e308, "1.7976931348623157e308")}});
}

TEST(JsonRowsReader, NonFiniteNumbersAreInvalidRows) {
  expect_invalid_row(R"([{"a":1},{"x":1e999}])", "row 2, column \"x\": number out of range for a double", 2, "x");
  expect_invalid_row(R"([{"x":-1e999}])", "row 1, column \"x\": number out of range for a double", 1, "x");
  std::string big = "[{\"x\":" + std::string(400, '9') + "}]";
  expect_invalid_row(big, "row 1, column \"x\": number out of range for a double", 1, "x");
}

TEST(JsonRowsReader, Escapes) {
  expect_rows(R"([{"a":"caf\u00e9","b":"\ud83d\ude00","c":"\"\\\/\b\f\n\r\t","k\u00e9y":"v"}])",
              {{S("a", "caf\xC3\xA9"), S("b", "\xF0\x9F\x98\x80"), S("c", "\"\\/\b\f\n\r\t"), S("k\xC3\xA9y", "v")}});
  expect_rows(R"([{"a":"x\u0000y"}])", {{S("a", std::string("x\0y", 3))}});
  expect_rows("[{\"a\":\"caf\xC3\xA9 \xF0\x9F\x98\x80\"}]", {{S("a", "caf\xC3\xA9 \xF0\x9F\x98\x80")}});
  expect_rows(R"([{"a":"[{\"x\":1}]","b":"}{]["}])", {{S("a", "[{\"x\":1}]"), S("b", "}{][")}});
}

TEST(JsonRowsReader, DuplicateKeysLastWins) {
  expect_rows(R"([{"a":1,"b":2,"a":"three"}])", {{S("a", "three"), I("b", 2, "2")}});
  expect_rows(R"([{"a":1,"a":null}])", {{N("a")}});
  // Wide rows use a hash index: duplicates among 100 keys.
  std::string body = "[{";
  Row want;
  for (int k = 0; k < 100; ++k) {
    body += (k ? "," : "") + std::string("\"k") + std::to_string(k) + "\":" + std::to_string(k);
    want.push_back(I("k" + std::to_string(k), k, std::to_string(k)));
  }
  for (int k = 0; k < 100; k += 7) {
    body += ",\"k" + std::to_string(k) + "\":\"dup\"";
    want[size_t(k)] = S("k" + std::to_string(k), "dup");
  }
  body += "},{\"k5\":1,\"k5\":2}]";
  Outcome o = run(body, {});
  ASSERT_TRUE(o.ok) << o.error;
  ASSERT_EQ(o.rows.size(), 2u);
  EXPECT_EQ(o.rows[0], want);
  EXPECT_EQ(o.rows[1], (Row{I("k5", 2, "2")}));
}

TEST(JsonRowsReader, NotAnArray) {
  expect_invalid_json("", 0, "empty body: expected a JSON array");
  expect_invalid_json("   ", 3, "expected '['");
  expect_invalid_json(R"({"a":1})", 0, "expected '[': the body must be a JSON array of objects");
  expect_invalid_json("  1", 2, "expected '[': the body must be a JSON array of objects");
  expect_invalid_json("\xEF\xBB\xBF[]", 0, "expected '[': the body must be a JSON array of objects");
}

TEST(JsonRowsReader, StructuralErrors) {
  expect_invalid_json(R"([{"a":1},])", 9, "expected a value after ','", 1);
  expect_invalid_json(R"([,{"a":1}])", 1, "expected a value");
  expect_invalid_json(R"([{"a":1}{"b":2}])", 8, "expected ',' or ']' after an array element", 1);
  expect_invalid_json(R"([{"a":1} x])", 9, "expected ',' or ']' after an array element", 1);
  expect_invalid_json(R"([{"a":1}] x)", 10, "unexpected data after the closing ']'", 1);
  expect_invalid_json(R"([{"a":1}]])", 9, "unexpected data after the closing ']'", 1);
  expect_invalid_json(R"([] [])", 3, "unexpected data after the closing ']'");
  expect_invalid_json(R"([{"a":1})", 8, "unexpected end of the body: the array is not closed", 1);
  expect_invalid_json(R"([{"a":1},)", 9, "unexpected end of the body: the array is not closed", 1);
  expect_invalid_json("[", 1, "unexpected end of the body: the array is not closed");
  expect_invalid_json(R"([{"a":1)", 7, "unexpected end of the body inside row 1");
  expect_invalid_json(R"([{"a":"xy)", 9, "unexpected end of the body inside row 1");
  expect_invalid_json(R"([{"a":1]})", 7, "expected ',' or '}'");
  expect_invalid_json(R"([{"a":[1}]])", 8, "expected ',' or ']'");
  expect_invalid_json(R"([{"a" 1}])", 6, "expected ':' after a key");
  expect_invalid_json(R"([{"a":1,}])", 8, "expected a string key");
  expect_invalid_json(R"([{a:1}])", 2, "expected a string key");
  expect_invalid_json(R"([{"a":1 "b":2}])", 8, "expected ',' or '}'");
  expect_invalid_json(R"([{"a":}])", 6, "expected a value");
  expect_invalid_json(R"([{"a":1},{"b":2,,"c":3}])", 16, "expected a string key", 1);
  // An unclosed bracket inside a row: reported where the row goes wrong.
  expect_invalid_json(R"([{"a":[1,2}, {"b":1}])", 10, "expected ',' or ']'");
}

TEST(JsonRowsReader, TokenErrors) {
  expect_invalid_json(R"([{"a":tru}])", 6, "invalid literal");
  expect_invalid_json(R"([{"a":nul}])", 6, "invalid literal");
  expect_invalid_json(R"([{"a":truex}])", 6, "invalid literal");
  expect_invalid_json(R"([{"a":True}])", 6, "expected a value");
  expect_invalid_json(R"([{"a":01}])", 7, "invalid number");
  expect_invalid_json(R"([{"a":1.}])", 6, "invalid number: expected a digit after '.'");
  expect_invalid_json(R"([{"a":.5}])", 6, "expected a value");
  expect_invalid_json(R"([{"a":+1}])", 6, "expected a value");
  expect_invalid_json(R"([{"a":-}])", 6, "invalid number");
  expect_invalid_json(R"([{"a":1e}])", 6, "invalid number: expected a digit in the exponent");
  expect_invalid_json(R"([{"a":1x}])", 7, "invalid number");
  expect_invalid_json(R"([{"a":0x10}])", 7, "invalid number");
  expect_invalid_json(R"([{"a":NaN}])", 6, "expected a value");
  expect_invalid_json(R"([{"a":Infinity}])", 6, "expected a value");
  expect_invalid_json(R"([{"a":'x'}])", 6, "expected a value");
  expect_invalid_json(R"([{"a":"x\qy"}])", 8, "invalid escape");
  expect_invalid_json(R"([{"a\q":1}])", 4, "invalid escape");
  expect_invalid_json(R"([{"a":"\u12G4"}])", 7, "invalid \\u escape");
  expect_invalid_json(R"([{"a":"\uD800"}])", 7, "unpaired surrogate in a \\u escape");
  expect_invalid_json(R"([{"a":"\uD800\u0041"}])", 7, "unpaired surrogate in a \\u escape");
  expect_invalid_json(R"([{"a":"\uDC00"}])", 7, "unpaired surrogate in a \\u escape");
  expect_invalid_json("[{\"a\":\"x\ty\"}]", 8, "control character in a string (it must be escaped)");
  expect_invalid_json("[{\"a\":\"x\ny\"}]", 8, "control character in a string (it must be escaped)");
  expect_invalid_json(std::string("[{\"a\":\"x\0y\"}]", 13), 8, "control character in a string (it must be escaped)");
  expect_invalid_json("[{\"a\x01\":1}]", 4, "control character in a string (it must be escaped)");
  // The earlier error in the row wins over a later control character.
  expect_invalid_json("[{\"a\":tru,\"b\":\"\t\"}]", 6, "invalid literal");
  // A bad token after a nested value: still invalid_json, not "nested".
  expect_invalid_json(R"([{"a":[1],"b":tru}])", 14, "invalid literal");
}

TEST(JsonRowsReader, InvalidUtf8) {
  expect_invalid_json("[{\"a\":\"\xC3(\"}]", 7, "invalid UTF-8");
  expect_invalid_json("[{\"a\":1},{\"\xFF\":1}]", 11, "invalid UTF-8", 1);
  expect_invalid_json("[{\"a\":\"\xED\xA0\x80\"}]", 7, "invalid UTF-8");
  expect_invalid_json("[{\"a\":\"ok\"}, {\"b\":\"\xC0\xAF\"}]", 19, "invalid UTF-8", 1);
  expect_invalid_json("[\xC3\xA9]", 1, "expected a value");  // valid UTF-8, but not JSON
  expect_invalid_json("[\xC3]", 1, "invalid UTF-8");
  expect_invalid_json("[{\"a\":1}\xC3\xA9]", 8, "expected ',' or ']' after an array element", 1);
  expect_invalid_json("[{\"a\":\"\xF0\x9F\x98", 10, "unexpected end of the body inside row 1");
}

TEST(JsonRowsReader, InvalidRows) {
  expect_invalid_row("[1]", "row 1 is not an object", 1, "");
  expect_invalid_row(R"([{"a":1}, "x"])", "row 2 is not an object", 2, "");
  expect_invalid_row(R"([{"a":1}, [1,2]])", "row 2 is not an object", 2, "");
  expect_invalid_row(R"([null])", "row 1 is not an object", 1, "");
  expect_invalid_row(R"([{"a":1},{"b":2},true ])", "row 3 is not an object", 3, "");
  expect_invalid_row(R"([{"a":{"b":1}}])", "row 1, column \"a\": nested values are not allowed", 1, "a");
  expect_invalid_row(R"([{"a":1},{"ok":1,"tags":["x","y"]}])", "row 2, column \"tags\": nested values are not allowed", 2, "tags");
  expect_invalid_row(R"([{"a":{}}])", "row 1, column \"a\": nested values are not allowed", 1, "a");
  JsonRowsOptions opt;
  opt.max_element_bytes = 16;
  expect_invalid_row(R"([{"a":"0123456789"}])", "row 1 is larger than 16 bytes", 1, "", opt);
  Outcome ok = run(R"([{"a":"01234567"}])", {}, opt);  // exactly 16 bytes
  EXPECT_TRUE(ok.ok) << ok.error;
  // Malformed JSON within the limit wins over the size.
  Outcome bad = run(R"([{"a" "0123456789012345"}])", {3, 7}, opt);
  EXPECT_EQ(bad.kind, RowsError::kInvalidJson);
  EXPECT_EQ(bad.error, "invalid_json at byte 6: expected ':' after a key");
}

TEST(JsonRowsReader, SinkStops) {
  JsonRowsReader reader;
  Collect sink;
  sink.stop_at = 2;
  Status s = reader.feed(R"([{"a":1},{"a":2},{"a":3}])", sink);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "row 2: rejected");
  EXPECT_EQ(reader.error_kind(), RowsError::kStopped);
  EXPECT_TRUE(reader.stopped());
  EXPECT_EQ(reader.error_row(), 2u);
  EXPECT_EQ(sink.rows.size(), 2u);
  EXPECT_EQ(reader.finish(sink).message(), "row 2: rejected");
}

// ---- differential: random rows rendered as JSON -----------------------------------

std::string json_escape(const std::string& s, std::mt19937_64& rng) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c == '/' && rng() % 2) out += "\\/";
    else if (c == 0xC3 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA9 && rng() % 2) {
      out += rng() % 2 ? "\\u00e9" : "\\u00E9";
      ++i;
    } else if (c == 0xF0 && s.compare(i, 4, "\xF0\x9F\x98\x80") == 0 && rng() % 2) {
      out += "\\ud83d\\ude00";
      i += 3;
    } else out += char(c);
  }
  return out + "\"";
}

std::string ws(std::mt19937_64& rng) {
  static const char* kWs[] = {"", "", "", " ", "\n", "\r\n", "\t", "  "};
  return kWs[rng() % 8];
}

TEST(JsonRowsReader, DifferentialRandomRows) {
  std::mt19937_64 rng(424242);
  const std::vector<std::string> pieces = {"a", "b", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", std::string(1, '\0'),
                                           "\x01", "\xC3\xA9", "\xF0\x9F\x98\x80", "{", "}", "[", "]", ",", ":"};
  for (int iter = 0; iter < 1500; ++iter) {
    size_t nrows = rng() % 12;
    std::string body = ws(rng) + "[";
    std::vector<Row> want;
    for (size_t r = 0; r < nrows; ++r) {
      body += (r ? "," : "") + ws(rng) + "{";
      Row row;
      std::map<std::string, size_t> pos;
      size_t nkeys = rng() % 8;
      if (rng() % 20 == 0) nkeys = 20 + rng() % 30;  // wide rows
      for (size_t k = 0; k < nkeys; ++k) {
        std::string key = rng() % 3 == 0 ? "k" + std::to_string(rng() % 6) : "";
        size_t klen = rng() % 5;
        for (size_t x = 0; x < klen; ++x) key += pieces[rng() % pieces.size()];
        Cell cell;
        cell.key = key;
        std::string rendered;
        switch (rng() % 7) {
          case 0: {
            cell.kind = JsonValueKind::kNull;
            rendered = "null";
            break;
          }
          case 1: {
            cell.kind = JsonValueKind::kBool;
            cell.b = rng() % 2;
            cell.text = cell.b ? "true" : "false";
            rendered = cell.text;
            break;
          }
          case 2: {
            cell.kind = JsonValueKind::kInt;
            cell.i = int64_t(rng()) >> (rng() % 64);
            cell.f = double(cell.i);
            cell.text = std::to_string(cell.i);
            rendered = cell.text;
            break;
          }
          case 3: {
            cell.kind = JsonValueKind::kFloat;
            char buf[40];
            double v = double(int64_t(rng() % 2000001) - 1000000) / 1000.0;
            int n = std::snprintf(buf, sizeof buf, rng() % 2 ? "%.3f" : "%.6e", v);
            cell.text.assign(buf, size_t(n));
            cell.f = std::strtod(buf, nullptr);
            rendered = cell.text;
            break;
          }
          default: {
            cell.kind = JsonValueKind::kString;
            size_t len = rng() % 10;
            if (rng() % 40 == 0) len = 500 + rng() % 5000;
            for (size_t x = 0; x < len; ++x) cell.text += pieces[rng() % pieces.size()];
            rendered = json_escape(cell.text, rng);
            break;
          }
        }
        body += (k ? "," : "") + ws(rng) + json_escape(key, rng) + ws(rng) + ":" + ws(rng) + rendered + ws(rng);
        auto it = pos.find(key);
        if (it == pos.end()) {
          pos[key] = row.size();
          row.push_back(cell);
        } else {
          row[it->second] = cell;
        }
      }
      body += "}" + ws(rng);
      want.push_back(std::move(row));
    }
    body += "]" + ws(rng);
    std::vector<size_t> cuts;
    size_t p = 0;
    int mode = int(rng() % 3);
    for (;;) {
      p += mode == 0 ? 1 : mode == 1 ? 1 + rng() % 9 : 1 + rng() % 700;
      if (p >= body.size()) break;
      cuts.push_back(p);
    }
    Outcome o = run(body, cuts);
    ASSERT_TRUE(o.ok) << o.error << "\n" << body;
    ASSERT_EQ(o.rows.size(), want.size());
    ASSERT_EQ(o.rows, want) << show(o.rows) << "vs\n" << show(want);
  }
}

// Random corruptions of valid bodies, checked against simdjson's DOM parser
// (a complete validator): invalid_json only for invalid JSON, never for valid.
TEST(JsonRowsReader, CorruptionsAgreeWithSimdjsonDom) {
  std::mt19937_64 rng(77);
  const std::string seeds[] = {
      R"([{"a":1,"b":"x y","c":true,"d":null,"e":-1.5e3},{"a":2,"s":"\u00e9\n","t":false}])",
      R"( [ {"k" : "v\"q\\"} , { "n" : 0 } , {} ] )",
      "[{\"u\":\"caf\xC3\xA9 \xF0\x9F\x98\x80\",\"v\":123}]",
  };
  const char* inserts[] = {"{", "}", "[", "]", ",", ":", "\"", "\\", "1", "-", ".", "e", " ", "t", "n", "\xC3", "\x80", "\x01", "0"};
  simdjson::dom::parser dom;
  size_t invalid_seen = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string body = seeds[rng() % 3];
    int edits = 1 + int(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % (body.size() + 1);
      switch (rng() % 3) {
        case 0: body.insert(at, inserts[rng() % 19]); break;
        case 1: if (at < body.size()) body.erase(at, 1); break;
        default: if (at < body.size()) body[at] = inserts[rng() % 19][0]; break;
      }
    }
    Outcome o = run(body, {});
    Outcome split = run(body, {rng() % (body.size() + 1)});
    ASSERT_EQ(o.error, split.error) << body;
    simdjson::padded_string ps(body);
    simdjson::dom::element doc;
    auto err = dom.parse(ps).get(doc);
    if (o.kind == RowsError::kInvalidJson) {
      ++invalid_seen;
      ASSERT_TRUE(err || !doc.is_array()) << "a valid array called invalid: " << o.error << "\n" << body;
      ASSERT_LE(o.offset, body.size());
    }
    if (!err && !doc.is_array()) {
      ASSERT_EQ(o.kind, RowsError::kInvalidJson) << body;  // valid JSON, but not an array
    } else if (!err) {
      ASSERT_NE(o.kind, RowsError::kInvalidJson) << o.error << "\n" << body;
      // Valid JSON: OK exactly when it is an array of flat objects.
      simdjson::dom::array arr;
      bool rows = !doc.get_array().get(arr);
      if (rows) {
        for (simdjson::dom::element el : arr) {
          simdjson::dom::object obj;
          if (el.get_object().get(obj)) {
            rows = false;
            continue;
          }
          for (simdjson::dom::key_value_pair kv : obj)
            if (kv.value.is_object() || kv.value.is_array()) rows = false;
        }
      }
      ASSERT_EQ(o.ok, rows) << o.error << "\n" << body;
    } else if (o.ok) {
      // We accept what DOM refuses only for numbers beyond 64 bits.
      ASSERT_EQ(err, simdjson::NUMBER_ERROR) << body;
    }
  }
  EXPECT_GT(invalid_seen, 1000u);
}

// ---- throughput (printed, never asserted) ----------------------------------------

class CountingSink : public JsonRowsSink {
 public:
  uint64_t cells = 0;
  bool on_row(uint64_t, std::span<const JsonCell> c) override {
    cells += c.size();
    return true;
  }
};

TEST(JsonRowsReader, ThroughputOrdersLike) {
#if defined(__SANITIZE_ADDRESS__)
  const size_t target = size_t(4) << 20;
#else
  const size_t target = size_t(20) << 20;
#endif
  std::string body = "[";
  std::mt19937_64 rng(1);
  char line[300];
  while (body.size() < target) {
    int n = std::snprintf(line, sizeof line,
                          "%s{\"ts\":\"2025-%02d-%02dT12:34:56Z\",\"region\":\"EMEA\",\"country\":\"DE\","
                          "\"product\":\"Product %d\",\"customer_id\":%d,\"revenue\":%d.%02d,\"quantity\":%d}",
                          body.size() > 1 ? ",\n" : "", int(1 + rng() % 12), int(1 + rng() % 28), int(rng() % 1000),
                          int(100000 + rng() % 900000), int(rng() % 1000), int(rng() % 100), int(1 + rng() % 9));
    body.append(line, size_t(n));
  }
  body += "]";
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    JsonRowsReader reader;
    CountingSink sink;
    auto t0 = std::chrono::steady_clock::now();
    const size_t chunk = size_t(64) << 10;
    for (size_t off = 0; off < body.size(); off += chunk) {
      Status s = reader.feed(std::string_view(body).substr(off, chunk), sink);
      ASSERT_TRUE(s.ok()) << s.message();
    }
    ASSERT_TRUE(reader.finish(sink).ok());
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(sink.cells, reader.rows() * 7);
    best = std::max(best, double(body.size()) / 1e6 / secs);
  }
  std::cout << "[ throughput ] JsonRowsReader: " << int(best) << " MB/s over " << body.size() / 1000000
            << " MB of orders-like JSON rows, 64 KiB feeds\n";
}

}  // namespace
}  // namespace claribi::ingest
