// The column type names of API.md §10 and the row-at-a-time builders of
// ColumnValues (the ingest path appends parsed values one row at a time; the
// column codec then encodes the finished chunk).
#include "storage/column_types.h"

namespace claribi::storage {

std::string_view column_type_name(ColumnType t) {
  switch (t) {
    case ColumnType::kInteger:
      return "integer";
    case ColumnType::kFloat:
      return "float";
    case ColumnType::kBoolean:
      return "boolean";
    case ColumnType::kTimestamp:
      return "timestamp";
    case ColumnType::kString:
      return "string";
  }
  return "unknown";
}

std::optional<ColumnType> parse_column_type_name(std::string_view s) {
  if (s == "integer") return ColumnType::kInteger;
  if (s == "float") return ColumnType::kFloat;
  if (s == "boolean") return ColumnType::kBoolean;
  if (s == "timestamp") return ColumnType::kTimestamp;
  if (s == "string") return ColumnType::kString;
  return std::nullopt;
}

namespace {

// Keeps the invariant "null_bits is empty, or has (rows + 63) / 64 words"
// for the row about to be appended (row index `rows`).
void reserve_null_word(ColumnValues* c) {
  if (!c->null_bits.empty() && c->null_bits.size() < (static_cast<size_t>(c->rows) + 64) / 64) {
    c->null_bits.push_back(0);
  }
}

}  // namespace

void ColumnValues::append_null() {
  if (null_bits.empty()) {
    null_bits.assign((static_cast<size_t>(rows) + 64) / 64, 0);
  } else {
    reserve_null_word(this);
  }
  null_bits[rows >> 6] |= uint64_t{1} << (rows & 63);
  switch (type) {
    case ColumnType::kInteger:
    case ColumnType::kTimestamp:
    case ColumnType::kBoolean:
      ints.push_back(0);
      break;
    case ColumnType::kFloat:
      floats.push_back(0.0);
      break;
    case ColumnType::kString:
      string_offsets.push_back(static_cast<uint32_t>(string_bytes.size()));
      break;
  }
  ++rows;
}

void ColumnValues::append_int(int64_t v) {
  reserve_null_word(this);
  ints.push_back(v);
  ++rows;
}

void ColumnValues::append_float(double v) {
  reserve_null_word(this);
  floats.push_back(v);
  ++rows;
}

void ColumnValues::append_string(std::string_view v) {
  reserve_null_word(this);
  string_bytes.append(v);
  string_offsets.push_back(static_cast<uint32_t>(string_bytes.size()));
  ++rows;
}

void ColumnValues::clear(ColumnType t) {
  type = t;
  rows = 0;
  null_bits.clear();
  ints.clear();
  floats.clear();
  string_bytes.clear();
  string_offsets.assign(1, 0);
}

}  // namespace claribi::storage
