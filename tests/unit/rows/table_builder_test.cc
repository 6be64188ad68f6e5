// TableBuilder and the row store underneath it: type inference and the
// stored-type rules of §10, refusals naming row and column, segments staged
// inline or through an SST file, chunk loading (including a column whose
// type widened after its first chunk was sealed), and the row store's
// manifest codec and start-up clean-up.
#include "rows/table_builder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "rows/table_snapshot.h"
#include "storage/column_codec.h"
#include "storage/database.h"
#include "storage/row_store.h"
#include "unit/storage/temp_dir.h"

namespace claribi::rows {
namespace {

using storage::ColumnType;
using storage::TableColumn;

// Counts what chunks report (RowService is the real home).
struct TestHome final : ChunkHome {
  const storage::RowStore* rows = nullptr;
  std::atomic<int64_t> bytes{0};
  const storage::RowStore& store() const override { return *rows; }
  void column_loaded(const Chunk&, size_t, size_t n) override { bytes += int64_t(n); }
  void bytes_released(size_t n) override { bytes -= int64_t(n); }
};

struct Fixture {
  storage::testing::TempDir dir;
  TestHome home;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::RowStore> store;
  Fixture() {
    storage::DatabaseOptions o;
    o.path = dir.sub("db");
    auto r = storage::Database::Open(o);
    EXPECT_TRUE(r.ok()) << r.status().message();
    db = std::move(r.value());
    store = std::make_unique<storage::RowStore>(*db, dir.sub("staging"));
    home.rows = store.get();
  }
};

ingest::JsonCell cell(std::string_view key, ingest::JsonValueKind kind, std::string_view text) {
  ingest::JsonCell c{};
  c.key = key;
  c.kind = kind;
  c.text = text;
  return c;
}

// Builds one segment from CSV lines (the first is the header).
struct Built {
  bool ok = false;
  UploadError error;
  std::vector<TableColumn> columns;
  storage::SegmentMeta meta;
  uint64_t rows = 0;
};

Built build_csv(Fixture& f, const std::vector<std::vector<std::string_view>>& lines,
                std::vector<TableColumn> existing = {}, bool existing_rows = false, uint64_t segment = 1) {
  auto w = f.store->NewSegment(7, segment);
  TableBuilder b(std::move(existing), existing_rows, *w);
  Built out;
  bool ok = true;
  for (size_t i = 0; i < lines.size() && ok; ++i) {
    std::vector<ingest::CsvField> fs;
    for (auto s : lines[i]) fs.push_back({s, false});
    ok = i == 0 ? b.set_header(fs) : b.add_csv_row(i, fs);
  }
  ok = ok && b.finish();
  out.ok = ok;
  out.error = b.error();
  out.columns = b.columns();
  out.rows = b.rows();
  if (ok && b.rows() > 0) {
    storage::Batch batch;
    EXPECT_TRUE(w->Commit(b.column_types(), &batch).ok());
    if (!batch.empty()) {
      EXPECT_TRUE(f.db->Write(batch).ok());
    }
    out.meta = w->meta();
  }
  return out;
}

std::vector<std::string> types_of(const std::vector<TableColumn>& cols) {
  std::vector<std::string> t;
  for (const auto& c : cols) t.push_back(std::string(storage::column_type_name(c.type)) + (c.nullable ? "?" : ""));
  return t;
}

TEST(TableBuilder, InfersTheNarrowestTypeOfEachNewColumn) {
  Fixture f;
  Built r = build_csv(f, {{"i", "f", "b", "t", "s", "mix", "empty", "big"},
                          {"1", "1.5", "true", "2025-01-01", "a", "1", "", "1"},
                          {"-2", "2", "FALSE", "2025-01-01T10:00:00Z", "7", "true", "", "99999999999999999999"},
                          {"", "1e3", "", "2025-01-01T10:00:00+01:00", "", "x", "", "3"}});
  ASSERT_TRUE(r.ok) << r.error.detail;
  EXPECT_EQ(types_of(r.columns), (std::vector<std::string>{"integer?", "float", "boolean?", "timestamp", "string?",
                                                           "string", "string?", "float"}));
  EXPECT_EQ(r.rows, 3u);
  ASSERT_EQ(r.meta.chunks.size(), 1u);
  EXPECT_FALSE(r.meta.chunks[0].columns[6].present);  // all null: no blob
  EXPECT_EQ(r.meta.chunks[0].columns[0].zone.min_int, -2);
  EXPECT_EQ(r.meta.chunks[0].columns[0].zone.max_int, 1);
  EXPECT_EQ(r.meta.chunks[0].columns[0].zone.null_count, 1u);
}

TEST(TableBuilder, ExistingColumnsKeepTheirTypeExceptIntegerToFloat) {
  Fixture f;
  std::vector<TableColumn> schema = {{"n", ColumnType::kInteger, false}, {"s", ColumnType::kString, false},
                                     {"ts", ColumnType::kTimestamp, false}, {"ok", ColumnType::kBoolean, false}};
  Built r = build_csv(f, {{"n", "s", "ts", "ok"}, {"1", "12", "2025-02-03", "true"}, {"2.5", "true", "", "false"}},
                      schema, true);
  ASSERT_TRUE(r.ok) << r.error.detail;
  EXPECT_EQ(types_of(r.columns), (std::vector<std::string>{"float", "string", "timestamp?", "boolean"}));
  // Values that do not fit: refused, naming row and column.
  for (auto [line, column] : std::vector<std::pair<std::vector<std::string_view>, std::string>>{
           {{"x", "a", "2025-01-01", "true"}, "n"},
           {{"1", "a", "yesterday", "true"}, "ts"},
           {{"1", "a", "2025-01-01", "1"}, "ok"},
           {{"1", "a", "2025-02-30", "true"}, "ts"}}) {
    Built bad = build_csv(f, {{"n", "s", "ts", "ok"}, {"1", "b", "2025-01-01", "false"}, line}, schema, true, 2);
    EXPECT_FALSE(bad.ok);
    EXPECT_EQ(bad.error.field, column);
    EXPECT_NE(bad.error.detail.find("Row 2"), std::string::npos) << bad.error.detail;
    EXPECT_NE(bad.error.detail.find("\"" + column + "\""), std::string::npos) << bad.error.detail;
  }
}

TEST(TableBuilder, RefusesBadHeadersAndFieldCounts) {
  Fixture f;
  EXPECT_FALSE(build_csv(f, {{"a", "a"}}).ok);
  EXPECT_FALSE(build_csv(f, {{"a", ""}}).ok);
  EXPECT_FALSE(build_csv(f, {{std::string(201, 'x').c_str()}}).ok);
  EXPECT_TRUE(build_csv(f, {{std::string(200, 'x').c_str()}}).ok);
  Built r = build_csv(f, {{"a", "b"}, {"1", "2"}, {"3"}});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.detail.find("Row 2"), std::string::npos) << r.error.detail;
  std::vector<std::string> names;
  for (int i = 0; i < 1025; ++i) names.push_back("c" + std::to_string(i));
  std::vector<std::string_view> header(names.begin(), names.end());
  EXPECT_FALSE(build_csv(f, {header}).ok);
  header.pop_back();
  EXPECT_TRUE(build_csv(f, {header}).ok);
}

TEST(TableBuilder, JsonCellsByKeyNewKeysAndRepeats) {
  Fixture f;
  auto w = f.store->NewSegment(7, 1);
  TableBuilder b({}, false, *w);
  using K = ingest::JsonValueKind;
  std::vector<ingest::JsonCell> r1 = {cell("a", K::kInt, "1"), cell("b", K::kString, "x")};
  std::vector<ingest::JsonCell> r2 = {cell("b", K::kString, "2025-01-01"), cell("c", K::kBool, "true"),
                                      cell("a", K::kFloat, "2.5"), cell("a", K::kInt, "3")};  // a repeated: last wins
  std::vector<ingest::JsonCell> r3 = {cell("c", K::kNull, "")};
  ASSERT_TRUE(b.add_json_row(1, r1));
  ASSERT_TRUE(b.add_json_row(2, r2));
  ASSERT_TRUE(b.add_json_row(3, r3));
  ASSERT_TRUE(b.finish());
  EXPECT_EQ(types_of(b.columns()), (std::vector<std::string>{"integer?", "string?", "boolean?"}));
  storage::Batch batch;
  ASSERT_TRUE(w->Commit(b.column_types(), &batch).ok());
  ASSERT_TRUE(f.db->Write(batch).ok());
  auto chunk = std::make_shared<Chunk>(f.home, 7, 1, 0, w->meta().chunks[0]);
  auto a = chunk->column(0);
  ASSERT_TRUE(a.ok());
  int64_t v[3];
  (*a)->decode_ints(0, 3, v);
  EXPECT_EQ(v[0], 1);
  EXPECT_EQ(v[1], 3);
  EXPECT_TRUE((*a)->is_null(2));
  EXPECT_GT(f.home.bytes.load(), 0);
  chunk.reset();
  EXPECT_EQ(f.home.bytes.load(), 0);  // freed with the chunk
}

TEST(TableBuilder, AColumnThatWidensAfterItsFirstChunkReadsBackAsText) {
  Fixture f;
  std::vector<std::string> values;
  for (uint32_t i = 0; i < storage::kChunkRows + 10; ++i) values.push_back(std::to_string(i));
  values.back() = "abc";
  std::vector<std::vector<std::string_view>> lines = {{"v"}};
  for (const auto& v : values) lines.push_back({v});
  Built r = build_csv(f, lines);
  ASSERT_TRUE(r.ok) << r.error.detail;
  EXPECT_EQ(types_of(r.columns), (std::vector<std::string>{"string"}));
  ASSERT_EQ(r.meta.chunks.size(), 2u);
  EXPECT_EQ(r.meta.chunks[0].columns[0].physical, ColumnType::kInteger);
  EXPECT_EQ(r.meta.chunks[0].columns[0].stored, ColumnType::kString);
  auto first = std::make_shared<Chunk>(f.home, 7, 1, 0, r.meta.chunks[0]);
  auto col = first->column(0);
  ASSERT_TRUE(col.ok()) << col.status().message();
  ASSERT_EQ((*col)->type(), ColumnType::kString);
  uint32_t code;
  (*col)->decode_codes(12345, 1, &code);
  EXPECT_EQ((*col)->dict_entry(code), "12345");
  auto second = std::make_shared<Chunk>(f.home, 7, 1, 1, r.meta.chunks[1]);
  auto col2 = second->column(0);
  ASSERT_TRUE(col2.ok());
  (*col2)->decode_codes(9, 1, &code);
  EXPECT_EQ((*col2)->dict_entry(code), "abc");
}

TEST(RowStore, LargeSegmentsGoThroughAnIngestedFileAndCleanupRemovesOrphans) {
  Fixture f;
  // Enough distinct strings to pass the inline limit.
  std::vector<std::string> values;
  for (int i = 0; i < 200000; ++i) values.push_back("value-" + std::to_string(i * 7919));
  std::vector<std::vector<std::string_view>> lines = {{"s"}};
  for (const auto& v : values) lines.push_back({v});
  Built r = build_csv(f, lines);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.meta.chunks.size(), 4u);
  EXPECT_TRUE(std::filesystem::is_empty(f.dir.sub("staging")));  // moved into the database
  std::string bytes;
  ASSERT_TRUE(f.store->ReadColumn(7, 1, 3, 0, &bytes).ok());

  // Segment 1 is referenced by no manifest: start-up removes it. A
  // manifest that lists segment 2 keeps that one.
  Built kept = build_csv(f, {{"s"}, {"x"}}, {}, false, 2);
  ASSERT_TRUE(kept.ok);
  storage::TableManifest m;
  m.org_id = 1;
  m.data_source_id = 7;
  m.version = 2;
  m.row_count = 1;
  m.columns = kept.columns;
  m.segments = {{2, 1, 1}};
  storage::Batch b;
  storage::RowStore::PutManifest(b, m);
  ASSERT_TRUE(f.db->Write(b).ok());
  { std::ofstream(f.dir.sub("staging") + "/7-9.sst") << "leftover"; }
  ASSERT_TRUE(f.store->Cleanup().ok());
  EXPECT_TRUE(std::filesystem::is_empty(f.dir.sub("staging")));
  EXPECT_EQ(f.store->ReadColumn(7, 1, 3, 0, &bytes).code(), StatusCode::kNotFound);
  EXPECT_TRUE(f.store->ReadColumn(7, 2, 0, 0, &bytes).ok());
  int tables = 0;
  ASSERT_TRUE(f.store->LoadAll([&](storage::TableManifest got, std::vector<storage::SegmentMeta> metas) {
    ++tables;
    EXPECT_EQ(got.row_count, 1u);
    ASSERT_EQ(metas.size(), 1u);
    EXPECT_EQ(metas[0].chunks[0].rows, 1u);
  }).ok());
  EXPECT_EQ(tables, 1);
}

TEST(RowStore, ManifestCodecRoundTripsAndRejectsDamage) {
  storage::TableManifest m;
  m.org_id = 3;
  m.data_source_id = 9;
  m.version = 4;
  m.columns = {{"a", ColumnType::kFloat, true}, {"ü", ColumnType::kTimestamp, false}};
  m.segments = {{2, 10, 1}, {4, 70000, 2}};
  m.row_count = 70010;
  std::string enc;
  storage::encode_manifest(m, &enc);
  storage::TableManifest back;
  ASSERT_TRUE(storage::decode_manifest(enc, &back).ok());
  EXPECT_EQ(back.columns[1].name, "ü");
  EXPECT_EQ(back.segments[1].rows, 70000u);
  for (size_t n = 0; n < enc.size(); ++n) EXPECT_FALSE(storage::decode_manifest(enc.substr(0, n), &back).ok());
  m.row_count = 1;  // disagrees with the segments
  storage::encode_manifest(m, &enc);
  EXPECT_FALSE(storage::decode_manifest(enc, &back).ok());
}

}  // namespace
}  // namespace claribi::rows
