#include "analytics/result_cache.h"

namespace claribi::analytics {

std::string ResultCache::key(uint64_t data_source_id, uint64_t version, std::string_view canonical_query) {
  std::string k = std::to_string(data_source_id);
  k += ':';
  k += std::to_string(version);
  k += ':';
  k += canonical_query;
  return k;
}

std::shared_ptr<const std::string> ResultCache::find(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->value;
}

void ResultCache::insert(const std::string& key, std::shared_ptr<const std::string> value) {
  const size_t bytes = key.size() * 2 + value->size() + 128;
  if (bytes > max_bytes_ / 4) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    auto entry = it->second;
    bytes_ -= entry->bytes;
    index_.erase(it);
    lru_.erase(entry);
  }
  lru_.push_front(Entry{key, std::move(value), bytes});
  index_.emplace(std::string_view(lru_.front().key), lru_.begin());
  bytes_ += bytes;
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    Entry& last = lru_.back();
    bytes_ -= last.bytes;
    index_.erase(std::string_view(last.key));
    lru_.pop_back();
  }
}

size_t ResultCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}
size_t ResultCache::entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}
uint64_t ResultCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}
uint64_t ResultCache::misses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return misses_;
}

}  // namespace claribi::analytics
