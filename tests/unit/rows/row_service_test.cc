// RowService over a real database: start-up loads tables without reading
// column data, readers get snapshots through QSBR, and the memory budget
// unloads the least recently used columns (on the writer thread) while the
// data stays readable: an unloaded column loads again with the same values.
#include "rows/row_service.h"

#include <gtest/gtest.h>

#include <future>
#include <string>
#include <vector>

#include "exec/thread_pool.h"
#include "index/qsbr.h"
#include "model/resources.h"
#include "resources/resource_service.h"
#include "rows/table_builder.h"
#include "storage/group_commit_writer.h"
#include "storage/resource_store.h"
#include "unit/storage/temp_dir.h"

namespace claribi::rows {
namespace {

void render(const model::DataSource&, std::string* out) { *out = "{}"; }

// Writes a table of `rows` integers (ds 5) straight through the row store.
void write_table(storage::Database& db, storage::RowStore& store, uint32_t rows) {
  auto w = store.NewSegment(5, 1);
  TableBuilder b({}, false, *w);
  std::vector<std::string> text(rows);
  ingest::CsvField header[] = {{"n", false}, {"s", false}};
  ASSERT_TRUE(b.set_header(header));
  for (uint32_t i = 0; i < rows; ++i) {
    text[i] = std::to_string(i * 3);
    std::string label = "label-" + std::to_string(i);
    ingest::CsvField f[] = {{text[i], false}, {label, false}};
    ASSERT_TRUE(b.add_csv_row(i + 1, f));
  }
  ASSERT_TRUE(b.finish());
  storage::Batch batch;
  ASSERT_TRUE(w->Commit(b.column_types(), &batch).ok());
  storage::TableManifest m;
  m.org_id = 1;
  m.data_source_id = 5;
  m.version = 1;
  m.row_count = rows;
  m.columns = b.columns();
  m.segments = {{1, rows, uint32_t(w->meta().chunks.size())}};
  storage::RowStore::PutManifest(batch, m);
  ASSERT_TRUE(db.Write(batch).ok());
}

TEST(RowService, MemoryBudgetUnloadsColumnsThatLoadAgain) {
  storage::testing::TempDir dir;
  storage::DatabaseOptions o;
  o.path = dir.sub("db");
  auto db = storage::Database::Open(o);
  ASSERT_TRUE(db.ok());
  storage::RowStore store(**db, dir.sub("staging"));
  const uint32_t rows = 8 * storage::kChunkRows;
  write_table(**db, store, rows);

  storage::GroupCommitWriter writer(**db);
  index::Qsbr qsbr(4);
  storage::ResourceStore resource_store(**db, &writer);
  resources::ResourceService<model::DataSource> sources(resource_store, render);
  exec::ThreadPool pool("test-ingest", 1, 16);
  // Each chunk's two columns take ~1.4 MB (65,536 distinct labels): room
  // for about three of the eight chunks.
  const int64_t budget = 4 << 20;
  RowService svc(store, writer, qsbr, sources, pool, size_t(budget));
  ASSERT_TRUE(svc.load().ok());
  EXPECT_EQ(svc.resident_bytes(), 0);  // start-up reads no column data

  int slot = qsbr.register_reader();
  auto barrier = [&] {
    std::promise<void> done;
    writer.Submit(storage::Batch(), [&](Status) { done.set_value(); });
    done.get_future().wait();
  };
  for (int round = 0; round < 2; ++round) {
    for (size_t k = 0; k < 8; ++k) {
      qsbr.online(slot);
      const TableSnapshot* t = svc.snapshot(5);
      ASSERT_NE(t, nullptr);
      ASSERT_EQ(t->row_count, rows);
      ASSERT_EQ(t->chunks.size(), 8u);
      auto col = svc.column(*t->chunks[k], 0);
      ASSERT_TRUE(col.ok());
      int64_t v[4];
      (*col)->decode_ints(10, 4, v);
      int64_t first = int64_t(t->first_row[k] + 10) * 3;
      EXPECT_EQ(v[0], first);
      EXPECT_EQ(v[3], first + 9);
      auto s = svc.column(*t->chunks[k], 1);
      ASSERT_TRUE(s.ok());
      uint32_t code;
      (*s)->decode_codes(0, 1, &code);
      EXPECT_EQ((*s)->dict_entry(code), "label-" + std::to_string(t->first_row[k]));
      qsbr.offline(slot);  // a quiescent point: retired columns may go
      barrier();           // the eviction this load queued has run
      EXPECT_LE(svc.resident_bytes(), budget) << "round " << round << " chunk " << k;
    }
  }
  // 16 columns of ~0.7 MB each went through a 4 MB budget twice: most were
  // unloaded and loaded again (the values above were checked each time).
  EXPECT_GE(svc.columns_unloaded(), 16u);
  qsbr.unregister_reader(slot);
  writer.Stop();
}

}  // namespace
}  // namespace claribi::rows
