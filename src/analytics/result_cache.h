// ResultCache: rendered query results (result_head_json) by (data source,
// table version, canonical query), bounded in bytes, least recently used
// out first. A table's version changes with every upload, so a cached
// result is never served for rows it did not see; stale entries simply stop
// being asked for and age out. Thread-safe (one mutex: a lookup is a hash
// probe and a list splice, far below the cost of the scan it saves).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace claribi::analytics {

class ResultCache {
 public:
  explicit ResultCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  static std::string key(uint64_t data_source_id, uint64_t version, std::string_view canonical_query);

  // nullptr when absent.
  std::shared_ptr<const std::string> find(const std::string& key);
  // Keeps `value` unless it alone is larger than a quarter of the budget.
  void insert(const std::string& key, std::shared_ptr<const std::string> value);

  size_t bytes() const;
  size_t entries() const;
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const std::string> value;
    size_t bytes;
  };
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // front: most recently used
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
  uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace claribi::analytics
