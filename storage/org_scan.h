// Scanning org-keyed records (org_key(org, id) -> encoded record) with the
// check every loader needs: the value decodes and its ids match its key, or
// the scan stops with Corruption naming the key. Internal to storage/.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/database.h"
#include "storage/keys.h"
#include "storage/record_codec.h"    // decode() overloads the scan calls
#include "storage/resource_codec.h"

namespace claribi::storage::detail {

inline std::string hex(std::string_view key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (unsigned char c : key) {
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 15]);
  }
  return s;
}

inline Status corrupt(std::string_view what, std::string_view key) {
  return Status::Corruption("undecodable or mismatched " + std::string(what) + " record at key " + hex(key));
}

// Scans org-keyed records of one kind, checking each against its key.
template <typename T>
Status scan_org_records(const Database& db, Family f, std::string_view prefix, std::string_view what,
                        const std::function<void(const T&)>& fn) {
  Status bad;
  T record;
  Status st = db.ForEachPrefix(f, prefix, [&](std::string_view key, std::string_view value) {
    uint64_t org = 0, id = 0;
    if (!decode_org_key(key, &org, &id) || !decode(value, &record) || record.id != id || record.org_id != org) {
      bad = corrupt(what, key);
      return false;
    }
    fn(record);
    return true;
  });
  if (!st.ok()) return st;
  return bad;
}

}  // namespace claribi::storage::detail
