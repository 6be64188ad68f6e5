// CsvReader: RFC 4180 edge cases, each fed whole, byte by byte and split at
// every position; errors (with their row and column); a differential test
// against an independent whole-input reference parser over random tables fed
// in random splits; split-independence on random garbage; and a printed (not
// asserted) throughput figure over ~50 MB of orders-like CSV.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "ingest/csv_reader.h"

namespace claribi::ingest {
namespace {

struct Rec {
  std::vector<std::string> fields;
  std::vector<bool> quoted;
  bool operator==(const Rec&) const = default;
};

std::string show(const std::vector<Rec>& recs) {
  std::string s;
  for (const Rec& r : recs) {
    s += "[";
    for (size_t i = 0; i < r.fields.size(); ++i) {
      if (i) s += "|";
      s += r.quoted[i] ? "q:" : "";
      for (char c : r.fields[i]) {
        if (c == '\n') s += "\\n";
        else if (c == '\r') s += "\\r";
        else s += c;
      }
    }
    s += "]\n";
  }
  return s;
}

class Collect : public CsvSink {
 public:
  std::vector<Rec> recs;
  uint64_t stop_at = UINT64_MAX;
  const char* body_begin = nullptr;  // to count views into the fed bytes
  const char* body_end = nullptr;
  size_t views_into_body = 0;

  bool on_record(uint64_t index, std::span<const CsvField> fields) override {
    EXPECT_EQ(index, recs.size());
    Rec r;
    for (const CsvField& f : fields) {
      r.fields.emplace_back(f.text);
      r.quoted.push_back(f.quoted);
      if (body_begin && f.text.data() >= body_begin && f.text.data() < body_end) ++views_into_body;
    }
    recs.push_back(std::move(r));
    return index != stop_at;
  }
};

struct Outcome {
  std::vector<Rec> recs;
  bool ok = true;
  std::string error;
};

// Feeds body in the pieces given by cut points (sorted offsets), then finishes.
Outcome run(const std::string& body, const std::vector<size_t>& cuts, CsvReaderOptions opt = {}) {
  CsvReader reader(opt);
  Collect sink;
  Outcome out;
  size_t prev = 0;
  std::vector<size_t> all = cuts;
  all.push_back(body.size());
  for (size_t c : all) {
    // Each piece lives in its own buffer, freed after the feed: views must not outlive it.
    std::string piece = body.substr(prev, c - prev);
    Status s = reader.feed(piece, sink);
    prev = c;
    if (!s.ok()) {
      out.recs = sink.recs;
      out.ok = false;
      out.error = s.message();
      return out;
    }
  }
  Status s = reader.finish(sink);
  out.recs = sink.recs;
  out.ok = s.ok();
  if (!s.ok()) out.error = s.message();
  EXPECT_EQ(reader.records(), sink.recs.size());
  return out;
}

std::vector<size_t> every_byte(size_t n) {
  std::vector<size_t> v;
  for (size_t i = 1; i < n; ++i) v.push_back(i);
  return v;
}

// Runs body whole, byte by byte, and split once at every position (and at
// every pair of positions for short bodies); all must agree with the whole run.
Outcome run_all_splits(const std::string& body, CsvReaderOptions opt = {}) {
  Outcome whole = run(body, {}, opt);
  auto same = [&](const Outcome& o, const std::string& how) {
    EXPECT_EQ(o.ok, whole.ok) << how;
    EXPECT_EQ(o.error, whole.error) << how;
    EXPECT_EQ(show(o.recs), show(whole.recs)) << how;
  };
  same(run(body, every_byte(body.size()), opt), "byte by byte");
  for (size_t i = 0; i <= body.size(); ++i) same(run(body, {i}, opt), "split at " + std::to_string(i));
  if (body.size() <= 40) {
    for (size_t i = 0; i <= body.size(); ++i)
      for (size_t j = i; j <= body.size(); ++j)
        same(run(body, {i, j}, opt), "split at " + std::to_string(i) + "," + std::to_string(j));
  }
  return whole;
}

Rec R(std::vector<std::string> f, std::vector<bool> q = {}) {
  Rec r;
  r.fields = std::move(f);
  r.quoted = q.empty() ? std::vector<bool>(r.fields.size(), false) : std::move(q);
  return r;
}

void expect_records(const std::string& body, const std::vector<Rec>& want, CsvReaderOptions opt = {}) {
  Outcome o = run_all_splits(body, opt);
  EXPECT_TRUE(o.ok) << o.error;
  EXPECT_EQ(show(o.recs), show(want));
  EXPECT_EQ(o.recs, want);
}

void expect_error(const std::string& body, const std::string& error, size_t records_before,
                  CsvReaderOptions opt = {}) {
  Outcome o = run_all_splits(body, opt);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.error, error);
  EXPECT_EQ(o.recs.size(), records_before);
}

TEST(CsvReader, Basic) {
  expect_records("a,b,c\n1,2,3\n4,5,6\n", {R({"a", "b", "c"}), R({"1", "2", "3"}), R({"4", "5", "6"})});
}

TEST(CsvReader, CrLfAndLfAndNoTrailingNewline) {
  expect_records("a,b\r\n1,2\r\n", {R({"a", "b"}), R({"1", "2"})});
  expect_records("a,b\n1,2", {R({"a", "b"}), R({"1", "2"})});
  expect_records("a,b\r\n1,2", {R({"a", "b"}), R({"1", "2"})});
  expect_records("a,b\n1,2\r\n3,4\n5,6", {R({"a", "b"}), R({"1", "2"}), R({"3", "4"}), R({"5", "6"})});
}

TEST(CsvReader, LoneCarriageReturnEndsARecord) {
  expect_records("a,b\r1,2\r3,4", {R({"a", "b"}), R({"1", "2"}), R({"3", "4"})});
  expect_records("a\r\r\n\rb\n", {R({"a"}), R({"b"})});
}

TEST(CsvReader, QuotedFields) {
  expect_records("h1,h2\n\"a,b\",c\n", {R({"h1", "h2"}), R({"a,b", "c"}, {true, false})});
  expect_records("h\n\"say \"\"hi\"\"\"\n", {R({"h"}), R({"say \"hi\""}, {true})});
  expect_records("h\n\"\"\"\"\n", {R({"h"}), R({"\""}, {true})});
  expect_records("h\n\"\"\"\"\"\"\n", {R({"h"}), R({"\"\""}, {true})});
  expect_records("h,i\n\"line1\nline2\",x\n", {R({"h", "i"}), R({"line1\nline2", "x"}, {true, false})});
  expect_records("h,i\n\"line1\r\nline2\",x\r\n", {R({"h", "i"}), R({"line1\r\nline2", "x"}, {true, false})});
  expect_records("h\n\"a\rb\"\n", {R({"h"}), R({"a\rb"}, {true})});
  expect_records("h,i\n\"\",\"\"\n", {R({"h", "i"}), R({"", ""}, {true, true})});
  expect_records("\"h\"\n\"x\"", {R({"h"}, {true}), R({"x"}, {true})});
  expect_records("h\n\"x\"\r\n", {R({"h"}), R({"x"}, {true})});
  expect_records("h\n\"a\"\"\"\r", {R({"h"}), R({"a\""}, {true})});
  expect_records("h\n\"\"\"a\"", {R({"h"}), R({"\"a"}, {true})});
  expect_records("h\n\"\n\n\"\n", {R({"h"}), R({"\n\n"}, {true})});
  expect_records("h,i\n\"a\",\n", {R({"h", "i"}), R({"a", ""}, {true, false})});
}

TEST(CsvReader, EmptyFieldsVersusQuotedEmpty) {
  expect_records("a,b,c\n,,\n", {R({"a", "b", "c"}), R({"", "", ""})});
  expect_records("a,b,c\n\"\",,\"\"\n", {R({"a", "b", "c"}), R({"", "", ""}, {true, false, true})});
  expect_records("a,b\n1,\n", {R({"a", "b"}), R({"1", ""})});
  expect_records("a,b\n1,", {R({"a", "b"}), R({"1", ""})});
  expect_records("a\n\"\"\n", {R({"a"}), R({""}, {true})});
  expect_records("a\n,\n", {R({"a"}), R({"", ""})});
  expect_records("a\n \n", {R({"a"}), R({" "})});
}

TEST(CsvReader, EmptyLinesAreSkipped) {
  expect_records("", {});
  expect_records("\n", {});
  expect_records("\r\n\r\n\n", {});
  expect_records("a,b\n\n1,2\n\n\n3,4\n\n", {R({"a", "b"}), R({"1", "2"}), R({"3", "4"})});
  expect_records("\n\na\r\n\r\n1\r\n", {R({"a"}), R({"1"})});
}

TEST(CsvReader, ByteOrderMark) {
  expect_records("\xEF\xBB\xBF" "a,b\n1,2\n", {R({"a", "b"}), R({"1", "2"})});
  expect_records("\xEF\xBB\xBF\"a\",b\n", {R({"a", "b"}, {true, false})});
  expect_records("\xEF\xBB\xBF", {});
  expect_records("\xEF\xBB\xBF\n", {});
  // Only at the very start: later it is data (U+FEFF).
  expect_records("a\n\xEF\xBB\xBF" "1\n", {R({"a"}), R({"\xEF\xBB\xBF" "1"})});
  expect_records("\xEF\xBB\xBF\xEF\xBB\xBF" "a\n", {R({"\xEF\xBB\xBF" "a"})});
  // Something that starts like a BOM but is not one is data.
  expect_records("\xEF\xBC\x81" "a\n", {R({"\xEF\xBC\x81" "a"})});  // U+FF01
  expect_error("\xEF\xBB" "a\n", "header row, column 1: invalid UTF-8", 0);
  expect_error("\xEF\xBB", "header row, column 1: invalid UTF-8", 0);
  expect_error("\xEF", "header row, column 1: invalid UTF-8", 0);
}

TEST(CsvReader, Utf8) {
  expect_records("name\ncaf\xC3\xA9\n\xE2\x82\xAC\n\xF0\x9F\x98\x80,\"\xF0\x9F\x98\x80\"\n",
                 {R({"name"}), R({"caf\xC3\xA9"}), R({"\xE2\x82\xAC"}), R({"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"}, {false, true})});
  expect_error("a,b\n1,2\nx,\xC3(\n", "row 2, column \"b\": invalid UTF-8", 2);
  expect_error("a,b\n1,2\nx,\"y\n\xC3(\"\n", "row 2, column \"b\": invalid UTF-8", 2);
  expect_error("a,b\n1,\xC3", "row 1, column \"b\": invalid UTF-8", 1);           // truncated at the end
  expect_error("a,b\n1,\xF0\x9F\x98", "row 1, column \"b\": invalid UTF-8", 1);   // truncated at the end
  expect_error("a,b\n1,\xF0\x9F\x98\n", "row 1, column \"b\": invalid UTF-8", 1); // cut by a line end
  expect_error("a,b\n\xC0\xAF,1\n", "row 1, column \"a\": invalid UTF-8", 1);     // overlong
  expect_error("a,b\n\xED\xA0\x80,1\n", "row 1, column \"a\": invalid UTF-8", 1); // surrogate
  expect_error("a,b\n1,\xF4\x90\x80\x80\n", "row 1, column \"b\": invalid UTF-8", 1);
  expect_error("a,\xFF\n", "header row, column 2: invalid UTF-8", 0);
  expect_error("a,b\n1,2\n3,4,\x80\n", "row 2, column 3: invalid UTF-8", 2);  // past the header's columns
  // Invalid UTF-8 comes first in the record: it wins over a later structural error.
  expect_error("a,b\n\xC3(,x\"y\n", "row 1, column \"a\": invalid UTF-8", 1);
}

TEST(CsvReader, SplitUtf8SequencesAreFine) {
  std::string body = "h\n\xF0\x9F\x98\x80\xC3\xA9\xE2\x82\xAC\n";
  for (size_t i = 0; i <= body.size(); ++i) {
    for (size_t j = i; j <= body.size(); ++j) {
      Outcome o = run(body, {i, j});
      ASSERT_TRUE(o.ok) << o.error << " at " << i << "," << j;
      ASSERT_EQ(o.recs.size(), 2u);
      EXPECT_EQ(o.recs[1].fields[0], "\xF0\x9F\x98\x80\xC3\xA9\xE2\x82\xAC");
    }
  }
}

TEST(CsvReader, UnterminatedQuote) {
  expect_error("a,b\n1,\"abc", "row 1, column \"b\": unterminated quoted field", 1);
  expect_error("a,b\n1,\"abc\n2,3\n", "row 1, column \"b\": unterminated quoted field", 1);
  expect_error("\"a", "header row, column 1: unterminated quoted field", 0);
  expect_error("a\n\"", "row 1, column \"a\": unterminated quoted field", 1);
  expect_error("a\n\"\"\"", "row 1, column \"a\": unterminated quoted field", 1);
}

TEST(CsvReader, JunkAfterClosingQuote) {
  expect_error("a,b\n1,\"x\"y\n", "row 1, column \"b\": unexpected character after a closing quote", 1);
  expect_error("a,b\n1,2\n\"x\" ,1\n", "row 2, column \"a\": unexpected character after a closing quote", 2);
  expect_error("\"a\"b\n", "header row, column 1: unexpected character after a closing quote", 0);
}

TEST(CsvReader, QuoteInsideUnquotedField) {
  const std::string msg = ": a quote inside an unquoted field (quote the whole field and double the quote)";
  expect_error("a,b\n1,5\" screen\n", "row 1, column \"b\"" + msg, 1);
  expect_error("a,b\n1,x\"\n", "row 1, column \"b\"" + msg, 1);
  expect_error("a\"\n", "header row, column 1" + msg, 0);
  expect_error("a\n \"x\"\n", "row 1, column \"a\"" + msg, 1);
}

TEST(CsvReader, OverLongRecord) {
  CsvReaderOptions opt;
  opt.max_record_bytes = 16;
  expect_records("a,b\n0123456789,abcd\n", {R({"a", "b"}), R({"0123456789", "abcd"})}, opt);  // 15 bytes
  expect_records("a\n0123456789abcdef\n", {R({"a"}), R({"0123456789abcdef"})}, opt);        // 16 bytes
  expect_error("a\n0123456789abcdefg\n", "row 1: record longer than 16 bytes", 1, opt);
  expect_error("a\n0123456789abcdefg", "row 1: record longer than 16 bytes", 1, opt);
  expect_error("a\n\"0123456789\nabcdef\"\n", "row 1: record longer than 16 bytes", 1, opt);
  expect_error("0123456789abcdefg\n", "header row: record longer than 16 bytes", 0, opt);
  // An unterminated quote in a huge body stops at the limit, not at the end of the body.
  std::string huge = "a\n\"" + std::string(1000, 'x');
  Outcome o = run(huge, {10, 20, 30, 500});
  EXPECT_EQ(o.error, "row 1, column \"a\": unterminated quoted field");
  o = run(huge, {10, 20, 30, 500}, opt);
  EXPECT_EQ(o.error, "row 1: record longer than 16 bytes");
}

TEST(CsvReader, DefaultLimitIs16MiB) {
  std::string body = "a\n" + std::string((16u << 20) + 1, 'x') + "\n";
  Outcome o = run(body, {1000, 5u << 20});
  EXPECT_EQ(o.error, "row 1: record longer than 16777216 bytes");
  body = "a\n" + std::string(16u << 20, 'x') + "\n";
  o = run(body, {1000, 5u << 20});
  EXPECT_TRUE(o.ok) << o.error;
  ASSERT_EQ(o.recs.size(), 2u);
  EXPECT_EQ(o.recs[1].fields[0].size(), 16u << 20);
}

TEST(CsvReader, SinkStopsParsing) {
  CsvReader reader;
  Collect sink;
  sink.stop_at = 2;
  Status s = reader.feed("a\n1\n2\n3\n", sink);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "row 2: rejected");
  EXPECT_TRUE(reader.stopped());
  EXPECT_EQ(reader.error_record(), 2u);
  EXPECT_EQ(sink.recs.size(), 3u);
  EXPECT_EQ(reader.records(), 3u);
  // Sticky.
  EXPECT_EQ(reader.feed("4\n", sink).message(), "row 2: rejected");
  EXPECT_EQ(reader.finish(sink).message(), "row 2: rejected");
  EXPECT_EQ(sink.recs.size(), 3u);
}

TEST(CsvReader, ErrorAccessors) {
  CsvReader reader;
  Collect sink;
  Status s = reader.feed("a,b,c\n1,2,\"x\"y\n", sink);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(reader.stopped());
  EXPECT_EQ(reader.error_record(), 1u);
  EXPECT_EQ(reader.error_column(), 2);
}

TEST(CsvReader, FastPathViewsPointIntoTheFedBytes) {
  std::string body = "a,b\n1,2\n\"x\",\"y\"\"z\"\n";
  CsvReader reader;
  Collect sink;
  sink.body_begin = body.data();
  sink.body_end = body.data() + body.size();
  ASSERT_TRUE(reader.feed(body, sink).ok());
  ASSERT_TRUE(reader.finish(sink).ok());
  ASSERT_EQ(sink.recs.size(), 3u);
  EXPECT_EQ(sink.recs[2].fields[1], "y\"z");
  EXPECT_EQ(sink.views_into_body, 5u);  // all but the unescaped "y""z"
}

// ---- differential test against a whole-input reference --------------------------

// An independent, obviously-correct reader of valid input (the dialect of csv_reader.h).
std::vector<Rec> reference_parse(std::string s) {
  if (s.compare(0, 3, "\xEF\xBB\xBF") == 0) s.erase(0, 3);
  std::vector<Rec> out;
  size_t i = 0, n = s.size();
  while (i < n) {
    if (s[i] == '\n' || s[i] == '\r') {
      ++i;
      continue;
    }
    Rec r;
    for (;;) {
      std::string f;
      bool q = false;
      if (i < n && s[i] == '"') {
        q = true;
        ++i;
        for (;;) {
          if (i >= n) return {};
          if (s[i] == '"') {
            if (i + 1 < n && s[i + 1] == '"') {
              f += '"';
              i += 2;
            } else {
              ++i;
              break;
            }
          } else {
            f += s[i++];
          }
        }
      } else {
        while (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r') f += s[i++];
      }
      r.fields.push_back(f);
      r.quoted.push_back(q);
      if (i < n && s[i] == ',') {
        ++i;
        continue;
      }
      break;
    }
    if (i < n && s[i] == '\r') {
      ++i;
      if (i < n && s[i] == '\n') ++i;
    } else if (i < n && s[i] == '\n') {
      ++i;
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<size_t> random_cuts(std::mt19937_64& rng, size_t n) {
  std::vector<size_t> cuts;
  size_t pos = 0;
  int mode = int(rng() % 4);
  while (pos < n) {
    size_t step;
    switch (mode) {
      case 0: step = 1; break;                           // 1-byte feeds
      case 1: step = 1 + rng() % 7; break;               // tiny feeds
      case 2: step = 1 + rng() % 200; break;             // small feeds
      default: step = rng() % 3 == 0 ? 1 : 1 + rng() % 4096; break;
    }
    pos += step;
    if (pos < n) cuts.push_back(pos);
  }
  return cuts;
}

TEST(CsvReader, DifferentialRandomTables) {
  std::mt19937_64 rng(20250301);
  const std::vector<std::string> alphabet = {"a", "Z", "0", "7", " ", ",", "\"", "\n", "\r", "\r\n", "\t",
                                             "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "x", "-", "."};
  for (int iter = 0; iter < 3000; ++iter) {
    size_t cols = 1 + rng() % 6, rows = rng() % 30;
    std::vector<Rec> table;
    std::string body;
    if (rng() % 4 == 0) body += "\xEF\xBB\xBF";
    for (size_t r = 0; r <= rows; ++r) {
      Rec rec;
      for (size_t c = 0; c < cols; ++c) {
        std::string f;
        size_t len = rng() % 4 == 0 ? 0 : rng() % 12;
        if (rng() % 50 == 0) len = 100 + rng() % 3000;  // now and then a long field
        for (size_t k = 0; k < len; ++k) f += alphabet[rng() % (rng() % 3 == 0 ? alphabet.size() : 5)];
        bool must_quote = f.find_first_of(",\"\r\n") != std::string::npos || (cols == 1 && f.empty());
        bool q = must_quote || rng() % 5 == 0;
        if (c) body += ',';
        if (q) {
          body += '"';
          for (char ch : f) {
            if (ch == '"') body += '"';
            body += ch;
          }
          body += '"';
        } else {
          body += f;
        }
        rec.fields.push_back(f);
        rec.quoted.push_back(q);
      }
      table.push_back(std::move(rec));
      bool last = r == rows;
      if (!last || rng() % 2) body += rng() % 2 ? "\r\n" : "\n";
      if (rng() % 10 == 0) body += "\n";  // an empty line
    }
    ASSERT_EQ(reference_parse(body), table) << "generator/reference mismatch";
    Outcome o = run(body, random_cuts(rng, body.size()));
    ASSERT_TRUE(o.ok) << o.error;
    ASSERT_EQ(o.recs.size(), table.size()) << iter;
    ASSERT_EQ(o.recs, table) << iter << "\n" << show(o.recs) << "vs\n" << show(table);
  }
}

// Garbage made of the special bytes: whatever the verdict, it must not depend
// on how the body is split, and on success it must match the reference.
TEST(CsvReader, SplitIndependenceOnGarbage) {
  std::mt19937_64 rng(99);
  const char* bytes[] = {"a", ",", "\"", "\n", "\r", "\xC3", "\xA9", "\xEF\xBB\xBF", "\xF0\x9F\x98\x80", " "};
  for (int iter = 0; iter < 20000; ++iter) {
    std::string body;
    size_t len = rng() % 24;
    for (size_t k = 0; k < len; ++k) body += bytes[rng() % 10];
    CsvReaderOptions opt;
    opt.max_record_bytes = 1 + rng() % 30;
    Outcome whole = run(body, {}, opt);
    for (int t = 0; t < 4; ++t) {
      Outcome split = run(body, random_cuts(rng, body.size()), opt);
      ASSERT_EQ(split.ok, whole.ok) << body;
      ASSERT_EQ(split.error, whole.error) << body;
      ASSERT_EQ(split.recs, whole.recs) << body;
    }
    if (whole.ok) {
      CsvReaderOptions big;
      Outcome unlimited = run(body, {}, big);
      ASSERT_TRUE(unlimited.ok);
      ASSERT_EQ(unlimited.recs, reference_parse(body)) << body;
    }
  }
}

// ---- throughput (printed, never asserted) ----------------------------------------

class CountingSink : public CsvSink {
 public:
  uint64_t fields = 0, bytes = 0;
  bool on_record(uint64_t, std::span<const CsvField> f) override {
    fields += f.size();
    for (const CsvField& x : f) bytes += x.text.size();
    return true;
  }
};

TEST(CsvReader, ThroughputOrdersLike) {
#if defined(__SANITIZE_ADDRESS__)
  const size_t target = size_t(10) << 20;
#else
  const size_t target = size_t(50) << 20;
#endif
  std::string body = "ts,region,country,product,customer_id,revenue,quantity\n";
  body.reserve(target + 256);
  std::mt19937_64 rng(1);
  const char* regions[] = {"EMEA", "AMER", "APAC", "LATAM"};
  const char* countries[] = {"DE", "FR", "US", "BR", "JP", "IN", "GB", "ES"};
  char line[160];
  while (body.size() < target) {
    int n = std::snprintf(line, sizeof line, "2025-%02d-%02dT%02d:%02d:%02dZ,%s,%s,Product %d,%d,%d.%02d,%d\n",
                          int(1 + rng() % 12), int(1 + rng() % 28), int(rng() % 24), int(rng() % 60),
                          int(rng() % 60), regions[rng() % 4], countries[rng() % 8], int(rng() % 1000),
                          int(100000 + rng() % 900000), int(rng() % 1000), int(rng() % 100), int(1 + rng() % 9));
    body.append(line, size_t(n));
  }
  for (size_t chunk : {size_t(64) << 10, size_t(1) << 20}) {
    double best = 0;
    for (int rep = 0; rep < 3; ++rep) {
      CsvReader reader;
      CountingSink sink;
      auto t0 = std::chrono::steady_clock::now();
      for (size_t off = 0; off < body.size(); off += chunk) {
        Status s = reader.feed(std::string_view(body).substr(off, chunk), sink);
        ASSERT_TRUE(s.ok()) << s.message();
      }
      ASSERT_TRUE(reader.finish(sink).ok());
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      EXPECT_EQ(sink.fields, reader.records() * 7);
      best = std::max(best, double(body.size()) / 1e6 / secs);
    }
    std::cout << "[ throughput ] CsvReader: " << int(best) << " MB/s over " << body.size() / 1000000
              << " MB of orders-like CSV, " << chunk / 1024 << " KiB feeds\n";
  }
}

}  // namespace
}  // namespace claribi::ingest
