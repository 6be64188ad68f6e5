// Resource codec (data sources, dashboards, reports): round trips with every
// field set to extreme or non-ASCII values, of default records and of every
// enum value; a decode into a struct that held another record replaces every
// field; and every malformed input — truncated at each length, trailing
// bytes, version 0 or newer than kResourceFormatVersion, enum and bool bytes
// out of range, a recipient count larger than the input, random bytes — is
// rejected without reading out of bounds (run under ASan).
#include "storage/resource_codec.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>

namespace claribi::storage {
namespace {

// A default-constructed record.
template <typename T>
T blank() {
  T r;
  return r;
}

template <typename T>
void fill_header(T& r) {
  r.id = std::numeric_limits<uint64_t>::max();
  r.org_id = 300;
  r.name = "Revenue — Ünïcode \"quoted\"\n";
  r.created_by = 7;
  r.created_at = std::numeric_limits<int64_t>::min();
  r.updated_at = std::numeric_limits<int64_t>::max();
}

model::DataSource sample_source() {
  model::DataSource d;
  fill_header(d);
  d.type = model::DataSourceType::kUpload;
  d.config_json = R"({"host":"db.example.com","port":5432,"password":"s3cret","nested":{"token":"t"}})";
  d.row_count = -5;
  return d;
}

model::Dashboard sample_dashboard() {
  model::Dashboard d;
  fill_header(d);
  d.description = std::string(3000, 'd');
  d.widgets_json = R"([{"id":"w1","type":"kpi","title":"","query":null,"position":{"x":0,"y":0,"w":4,"h":4}}])";
  d.is_public = true;
  return d;
}

model::Report sample_report() {
  model::Report r;
  fill_header(r);
  r.query_json = R"({"data_source_id":3,"metrics":[{"op":"count"}]})";
  r.format = model::ReportFormat::kCsv;
  r.schedule = "*/5 * * * MON-FRI";
  r.recipients = {"a@example.com", "", std::string(500, 'b') + "@example.com"};
  r.last_run_at = 1750000000;
  return r;
}

bool same_header(const model::ResourceHeader& a, const model::ResourceHeader& b) {
  return a.id == b.id && a.org_id == b.org_id && a.name == b.name && a.created_by == b.created_by &&
         a.created_at == b.created_at && a.updated_at == b.updated_at;
}
bool same(const model::DataSource& a, const model::DataSource& b) {
  return same_header(a, b) && a.type == b.type && a.config_json == b.config_json && a.row_count == b.row_count;
}
bool same(const model::Dashboard& a, const model::Dashboard& b) {
  return same_header(a, b) && a.description == b.description && a.widgets_json == b.widgets_json &&
         a.is_public == b.is_public;
}
bool same(const model::Report& a, const model::Report& b) {
  return same_header(a, b) && a.query_json == b.query_json && a.format == b.format && a.schedule == b.schedule &&
         a.recipients == b.recipients && a.last_run_at == b.last_run_at;
}

template <typename T>
std::string enc(const T& r) {
  std::string s;
  encode(r, &s);
  return s;
}

template <typename T>
void expect_round_trip(const T& in) {
  std::string bytes = enc(in);
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), kResourceFormatVersion);
  T out;
  ASSERT_TRUE(decode(bytes, &out));
  EXPECT_TRUE(same(in, out));
  // The buffer-reusing form replaces old contents.
  std::string reused = "old contents that are longer than nothing";
  encode(in, &reused);
  EXPECT_EQ(reused, bytes);
}

template <typename T>
void expect_rejects_malformed(const T& in) {
  const std::string bytes = enc(in);
  T out;
  for (size_t len = 0; len < bytes.size(); ++len) {
    // A copy of exactly `len` bytes, so ASan catches any read past it.
    std::string truncated = bytes.substr(0, len);
    std::string_view view(truncated.data(), len);
    EXPECT_FALSE(decode(view, &out)) << "accepted a record truncated to " << len << " of " << bytes.size();
  }
  EXPECT_FALSE(decode(bytes + '\0', &out)) << "accepted a trailing zero byte";
  EXPECT_FALSE(decode(bytes + "xyz", &out)) << "accepted trailing bytes";
  std::string other = bytes;
  other[0] = static_cast<char>(kResourceFormatVersion + 1);
  EXPECT_FALSE(decode(other, &out)) << "accepted an unknown (newer) version";
  other[0] = static_cast<char>(0xff);
  EXPECT_FALSE(decode(other, &out)) << "accepted version 255";
  other[0] = 0;
  EXPECT_FALSE(decode(other, &out)) << "accepted version 0";
  // The untouched encoding still decodes.
  EXPECT_TRUE(decode(bytes, &out));
}

TEST(StorageResourceCodec, DataSourceRoundTrips) {
  expect_round_trip(sample_source());
  expect_round_trip(blank<model::DataSource>());
  for (uint8_t t = 0; t <= model::kLastDataSourceType; ++t) {
    model::DataSource d = sample_source();
    d.type = static_cast<model::DataSourceType>(t);
    expect_round_trip(d);
  }
  model::DataSource empty_config = sample_source();
  empty_config.config_json.clear();
  expect_round_trip(empty_config);
}

TEST(StorageResourceCodec, DashboardRoundTrips) {
  expect_round_trip(sample_dashboard());
  expect_round_trip(blank<model::Dashboard>());
  model::Dashboard d = sample_dashboard();
  d.is_public = false;
  expect_round_trip(d);
}

TEST(StorageResourceCodec, ReportRoundTrips) {
  expect_round_trip(sample_report());
  expect_round_trip(blank<model::Report>());
  model::Report r = sample_report();
  r.format = model::ReportFormat::kJson;
  r.recipients.clear();
  r.schedule.clear();
  r.last_run_at = 0;
  expect_round_trip(r);
  r.recipients.assign(200, "x@example.com");
  expect_round_trip(r);
}

TEST(StorageResourceCodec, DefaultRecordsKeepTheirDefaults) {
  model::DataSource d;
  ASSERT_TRUE(decode(enc(blank<model::DataSource>()), &d));
  EXPECT_EQ(d.config_json, "{}");
  EXPECT_EQ(d.type, model::DataSourceType::kPostgresql);
  model::Dashboard b;
  ASSERT_TRUE(decode(enc(blank<model::Dashboard>()), &b));
  EXPECT_EQ(b.widgets_json, "[]");
  EXPECT_FALSE(b.is_public);
  model::Report r;
  ASSERT_TRUE(decode(enc(blank<model::Report>()), &r));
  EXPECT_EQ(r.query_json, "{}");
  EXPECT_TRUE(r.recipients.empty());
}

// Loaders reuse one struct for every record they scan: a decode must replace
// every field, leaving nothing of the previous record.
TEST(StorageResourceCodec, DecodeIntoUsedStructReplacesEverything) {
  model::DataSource d = sample_source();
  ASSERT_TRUE(decode(enc(blank<model::DataSource>()), &d));
  EXPECT_TRUE(same(d, blank<model::DataSource>()));
  model::Dashboard b = sample_dashboard();
  ASSERT_TRUE(decode(enc(blank<model::Dashboard>()), &b));
  EXPECT_TRUE(same(b, blank<model::Dashboard>()));
  model::Report r = sample_report();
  ASSERT_TRUE(decode(enc(blank<model::Report>()), &r));
  EXPECT_TRUE(same(r, blank<model::Report>()));
  r = sample_report();
  model::Report one;
  one.recipients = {"only@example.com"};
  ASSERT_TRUE(decode(enc(one), &r));
  EXPECT_TRUE(same(r, one));
}

TEST(StorageResourceCodec, RejectsTruncatedTrailingAndUnknownVersion) {
  expect_rejects_malformed(sample_source());
  expect_rejects_malformed(blank<model::DataSource>());
  expect_rejects_malformed(sample_dashboard());
  expect_rejects_malformed(blank<model::Dashboard>());
  expect_rejects_malformed(sample_report());
  expect_rejects_malformed(blank<model::Report>());
}

// Default records: every varint and string length is one byte, so the fields
// after the header (version + 6 one-byte fields) sit at known offsets.
constexpr size_t kHeaderEnd = 1 + 6;

TEST(StorageResourceCodec, RejectsOutOfRangeEnumsAndBools) {
  {
    model::DataSource d;
    std::string bytes = enc(d);
    ASSERT_EQ(bytes.size(), kHeaderEnd + 1 + 3 + 1);  // type, config "{}", row_count
    ASSERT_EQ(bytes[kHeaderEnd], 0);
    model::DataSource out;
    for (unsigned t = 0; t <= model::kLastDataSourceType; ++t) {
      std::string ok = bytes;
      ok[kHeaderEnd] = static_cast<char>(t);
      ASSERT_TRUE(decode(ok, &out)) << t;
      EXPECT_EQ(static_cast<unsigned>(out.type), t);
    }
    for (unsigned t : {unsigned(model::kLastDataSourceType) + 1, 0x7fu, 0x80u, 0xffu}) {
      std::string bad = bytes;
      bad[kHeaderEnd] = static_cast<char>(t);
      EXPECT_FALSE(decode(bad, &out)) << "accepted data source type byte " << t;
    }
  }
  {
    model::Dashboard d;
    std::string bytes = enc(d);
    const size_t public_at = kHeaderEnd + 1 + 3;  // description "", widgets "[]"
    ASSERT_EQ(bytes.size(), public_at + 1);
    ASSERT_EQ(bytes[public_at], 0);
    model::Dashboard out;
    std::string ok = bytes;
    ok[public_at] = 1;
    ASSERT_TRUE(decode(ok, &out));
    EXPECT_TRUE(out.is_public);
    for (unsigned v : {2u, 0x80u, 0xffu}) {
      std::string bad = bytes;
      bad[public_at] = static_cast<char>(v);
      EXPECT_FALSE(decode(bad, &out)) << "accepted is_public byte " << v;
    }
  }
  {
    model::Report r;
    std::string bytes = enc(r);
    const size_t format_at = kHeaderEnd + 3;  // query "{}"
    ASSERT_EQ(bytes.size(), format_at + 1 + 1 + 1 + 1 + 1);  // format, schedule, recipients, last_run_at, scheduled_through
    ASSERT_EQ(bytes[format_at], 0);
    model::Report out;
    std::string ok = bytes;
    ok[format_at] = static_cast<char>(model::kLastReportFormat);
    ASSERT_TRUE(decode(ok, &out));
    EXPECT_EQ(out.format, model::ReportFormat::kCsv);
    for (unsigned v : {unsigned(model::kLastReportFormat) + 1, 0xffu}) {
      std::string bad = bytes;
      bad[format_at] = static_cast<char>(v);
      EXPECT_FALSE(decode(bad, &out)) << "accepted report format byte " << v;
    }
  }
}

TEST(StorageResourceCodec, RejectsBadLengthsAndCounts) {
  model::Report r;
  const std::string bytes = enc(r);
  const size_t count_at = kHeaderEnd + 3 + 1 + 1;  // query, format, schedule
  ASSERT_EQ(bytes[count_at], 0);
  model::Report out;
  // A recipient count far larger than the input (would allocate).
  std::string bad = bytes.substr(0, count_at) + std::string("\xff\xff\xff\xff\x0f", 5) + bytes.substr(count_at + 1);
  EXPECT_FALSE(decode(bad, &out));
  // 2^64 - 1 recipients.
  bad = bytes.substr(0, count_at) + std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10) +
        bytes.substr(count_at + 1);
  EXPECT_FALSE(decode(bad, &out));
  // One recipient claimed, none present.
  bad = bytes;
  bad[count_at] = 1;
  EXPECT_FALSE(decode(bad, &out));
  // Two recipients claimed, one present (of "a").
  bad = bytes.substr(0, count_at) + std::string("\x02\x01" "a", 3) + bytes.substr(count_at + 1);
  EXPECT_FALSE(decode(bad, &out));
  // Exactly one present and claimed: accepted.
  std::string good = bytes.substr(0, count_at) + std::string("\x01\x01" "a", 3) + bytes.substr(count_at + 1);
  ASSERT_TRUE(decode(good, &out));
  ASSERT_EQ(out.recipients.size(), 1u);
  EXPECT_EQ(out.recipients[0], "a");

  // A name length that runs past the end.
  model::Dashboard d;
  std::string db = enc(d);
  const size_t name_at = 3;  // version, id, org_id
  ASSERT_EQ(db[name_at], 0);
  db[name_at] = 100;
  model::Dashboard dout;
  EXPECT_FALSE(decode(db, &dout));
  // An 11-byte varint id (overflows 64 bits).
  std::string overflow(1, static_cast<char>(kResourceFormatVersion));
  overflow.append(10, static_cast<char>(0xff));
  overflow.push_back(1);
  overflow += enc(d).substr(2);
  EXPECT_FALSE(decode(overflow, &dout));
}

TEST(StorageResourceCodec, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  model::DataSource d;
  model::Dashboard b;
  model::Report r;
  const std::string seeds[] = {enc(sample_source()), enc(sample_dashboard()), enc(sample_report())};
  for (int i = 0; i < 30000; ++i) {
    std::string s;
    if (i % 2 == 0) {
      s.resize(rng() % 64);
      for (auto& c : s) c = static_cast<char>(rng());
      if (!s.empty()) s[0] = static_cast<char>(kResourceFormatVersion);
    } else {  // flip a few bytes of a valid record
      s = seeds[i % 3];
      for (int f = 0; f < 3; ++f) s[rng() % s.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    (void)decode(s, &d);
    (void)decode(s, &b);
    (void)decode(s, &r);
  }
}

TEST(StorageResourceCodec, ReadsVersionOneReportsAndRoundTripsRuns) {
  model::Report r;
  r.id = 9;
  r.org_id = 2;
  r.name = "weekly";
  r.schedule = "@daily";
  r.last_run_at = 1700000000;
  r.scheduled_through = 1700000060;
  std::string v2;
  encode(r, &v2);
  // Version 1 had no scheduled_through: the bytes of the same report with
  // it 0 (one byte, last), cut, marked version 1.
  model::Report probe = r;
  probe.scheduled_through = 0;
  std::string zero;
  encode(probe, &zero);
  std::string v1 = zero.substr(0, zero.size() - 1);  // 0 encodes as one byte
  v1[0] = 1;
  model::Report out;
  ASSERT_TRUE(decode(v1, &out));
  EXPECT_EQ(out.scheduled_through, 0);
  EXPECT_EQ(out.last_run_at, r.last_run_at);
  EXPECT_EQ(out.schedule, "@daily");
  ASSERT_TRUE(decode(v2, &out));
  EXPECT_EQ(out.scheduled_through, r.scheduled_through);

  model::ReportRun run;
  run.id = 77;
  run.org_id = 2;
  run.report_id = 9;
  run.trigger = model::RunTrigger::kSchedule;
  run.status = model::RunStatus::kFailed;
  run.started_at = 1700000060;
  run.finished_at = 1700000061;
  run.row_count = 0;
  run.error_json = R"({"error":"not_found"})";
  run.csv = true;
  run.result = "kept apart";
  std::string bytes;
  encode(run, &bytes);
  model::ReportRun back;
  ASSERT_TRUE(decode(bytes, &back));
  EXPECT_EQ(back.id, 77u);
  EXPECT_EQ(back.report_id, 9u);
  EXPECT_EQ(back.trigger, model::RunTrigger::kSchedule);
  EXPECT_EQ(back.status, model::RunStatus::kFailed);
  EXPECT_EQ(back.finished_at, 1700000061);
  EXPECT_EQ(back.error_json, run.error_json);
  EXPECT_TRUE(back.csv);
  EXPECT_EQ(back.result, "") << "the result is stored in its own family, not in the run";
  EXPECT_FALSE(decode(bytes.substr(0, bytes.size() - 1), &back));
  bytes[4] = 9;  // trigger byte past kLastRunTrigger
  EXPECT_FALSE(decode(bytes, &back));
}

}  // namespace
}  // namespace claribi::storage
