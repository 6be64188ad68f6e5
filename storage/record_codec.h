// Binary encoding of the identity records stored in RocksDB values.
//
// Format (all record kinds): byte 0 is the format version (currently 1),
// then the fields in declaration order of the model struct:
//   unsigned integers   LEB128 varint (at most 10 bytes, no overflow)
//   signed integers     zigzag, then varint (times; 0 = null)
//   strings             varint length, then the bytes
//   bool, Role          one byte (0/1; 0..2)
//   KeyHash             32 raw bytes
// Nothing may follow the last field. To evolve a record, append fields and
// bump its version; decode() keeps accepting every older version (missing
// fields keep the struct's defaults) and rejects newer ones.
//
// decode() returns false on truncated, trailing, out-of-range or
// unknown-version input; it never reads outside `in` and never allocates more
// than `in.size()` bytes. On false the output is unspecified.
#pragma once

#include <string>
#include <string_view>

#include "model/records.h"

namespace claribi::storage {

inline constexpr unsigned char kRecordFormatVersion = 1;

// Replace *out with the encoding (reusing its capacity).
void encode(const model::Organization& r, std::string* out);
void encode(const model::User& r, std::string* out);
void encode(const model::ApiKey& r, std::string* out);

std::string encode(const model::Organization& r);
std::string encode(const model::User& r);
std::string encode(const model::ApiKey& r);

bool decode(std::string_view in, model::Organization* out);
bool decode(std::string_view in, model::User* out);
bool decode(std::string_view in, model::ApiKey* out);

}  // namespace claribi::storage
