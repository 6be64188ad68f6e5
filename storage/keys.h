// Key encoding. Integers are big-endian so that RocksDB's bytewise order is
// numeric order, and the organization id comes first so that all of one
// organization's records of a kind are one contiguous prefix:
//
//   id_key(id)            8 bytes  BE(id)                 organizations
//   org_key(org, id)     16 bytes  BE(org) BE(id)          everything per-org
//   org_prefix(org)       8 bytes  BE(org)                 scan one org
//
// The char-buffer overloads write into caller storage and allocate nothing
// (for the read hot path); the std::string ones are for building batches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace claribi::storage {

inline constexpr size_t kIdKeySize = 8;
inline constexpr size_t kOrgKeySize = 16;

inline void put_be64(char* dst, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    dst[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

inline uint64_t get_be64(const char* src) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(src[i]);
  return v;
}

// Zero-allocation forms: the returned view points into `buf`.
inline std::string_view id_key(uint64_t id, char (&buf)[kIdKeySize]) {
  put_be64(buf, id);
  return {buf, kIdKeySize};
}
inline std::string_view org_key(uint64_t org_id, uint64_t id, char (&buf)[kOrgKeySize]) {
  put_be64(buf, org_id);
  put_be64(buf + 8, id);
  return {buf, kOrgKeySize};
}

inline std::string id_key(uint64_t id) {
  std::string k(kIdKeySize, '\0');
  put_be64(k.data(), id);
  return k;
}
inline std::string org_prefix(uint64_t org_id) { return id_key(org_id); }
inline std::string org_key(uint64_t org_id, uint64_t id) {
  std::string k(kOrgKeySize, '\0');
  put_be64(k.data(), org_id);
  put_be64(k.data() + 8, id);
  return k;
}

// Decoders: false when `key` has the wrong length.
inline bool decode_id_key(std::string_view key, uint64_t* id) {
  if (key.size() != kIdKeySize) return false;
  *id = get_be64(key.data());
  return true;
}
inline bool decode_org_key(std::string_view key, uint64_t* org_id, uint64_t* id) {
  if (key.size() != kOrgKeySize) return false;
  *org_id = get_be64(key.data());
  *id = get_be64(key.data() + 8);
  return true;
}

// The smallest key greater than every key that starts with `prefix`, or ""
// when there is none (prefix empty or all 0xff). Used as a scan upper bound.
std::string prefix_successor(std::string_view prefix);

}  // namespace claribi::storage
