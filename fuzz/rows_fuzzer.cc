// Row uploads (§10): the CSV reader and the JSON rows reader over arbitrary
// bodies, fed in pieces cut at sizes taken from the input.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "ingest/csv_reader.h"
#include "ingest/json_rows_reader.h"

namespace {
struct Sink final : claribi::ingest::CsvSink, claribi::ingest::JsonRowsSink {
  bool on_record(uint64_t, std::span<const claribi::ingest::CsvField> fields) override {
    for (const auto& f : fields) bytes += f.text.size();
    return true;
  }
  bool on_row(uint64_t, std::span<const claribi::ingest::JsonCell> cells) override {
    bytes += cells.size();
    return true;
  }
  size_t bytes = 0;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace claribi::ingest;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  const size_t step = size > 0 ? 1 + data[0] % 61 : 1;
  Sink sink;
  CsvReaderOptions co;
  co.max_record_bytes = 4096;
  CsvReader csv(co);
  bool ok = true;
  for (size_t i = 0; ok && i < body.size(); i += step) ok = csv.feed(body.substr(i, step), sink).ok();
  if (ok) (void)csv.finish(sink);
  JsonRowsReader rows;
  ok = true;
  for (size_t i = 0; ok && i < body.size(); i += step) ok = rows.feed(body.substr(i, step), sink).ok();
  if (ok) (void)rows.finish(sink);
  return 0;
}
