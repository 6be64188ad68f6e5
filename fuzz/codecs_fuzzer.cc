// Every storage codec's decode over arbitrary bytes (what a corrupt or
// hostile database file gives): records, resources, report runs, and column
// chunks, whose validated view must then decode every row in bounds; and a
// write batch read from the change log, whose ops must then iterate in bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "storage/batch.h"
#include "storage/column_codec.h"
#include "storage/record_codec.h"
#include "storage/resource_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace claribi;
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 9) {
    case 0: { model::Organization o; (void)storage::decode(in, &o); break; }
    case 1: { model::User u; (void)storage::decode(in, &u); break; }
    case 2: { model::ApiKey k; (void)storage::decode(in, &k); break; }
    case 3: { model::DataSource d; (void)storage::decode(in, &d); break; }
    case 4: { model::Dashboard d; (void)storage::decode(in, &d); break; }
    case 5: { model::Report r; (void)storage::decode(in, &r); break; }
    case 6: { model::ReportRun r; (void)storage::decode(in, &r); break; }
    case 7: {
      storage::Batch b;
      if (!storage::Batch::FromRep(in, &b)) break;
      size_t n = 0, bytes = 0;
      for (const storage::Batch::Op& op : b) {
        ++n;
        bytes += op.key.size() + op.value.size();
      }
      if (n != b.count() || bytes > in.size()) __builtin_trap();
      break;
    }
    default: {
      storage::ColumnChunk c;
      if (!storage::ColumnChunk::open(in, &c).ok()) break;
      storage::ColumnValues all;
      c.decode_all(&all);
      std::vector<uint64_t> nulls((c.rows() + 63) / 64 + 1);
      c.null_bits(0, c.rows(), nulls.data());
      break;
    }
  }
  return 0;
}
