// Catalog: one Collection per key — per organization (its dashboards, its
// users) or per owner (a user's API keys) — created on first write. The map
// of collections is read-mostly: readers take its shared lock only to find
// their collection.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "index/collection.h"

namespace claribi::index {

template <class Record, class Traits = CollectionTraits<Record>>
class Catalog {
 public:
  using CollectionT = Collection<Record, Traits>;

  size_t count(uint64_t key) const {
    const CollectionT* c = find(key);
    return c == nullptr ? 0 : c->size();
  }
  // See Collection::render_page; 0 and nothing appended for an unknown key.
  size_t render_page(uint64_t key, const PageRequest& p, std::string* items) const {
    const CollectionT* c = find(key);
    return c == nullptr ? 0 : c->render_page(p, items);
  }
  bool render(uint64_t key, uint64_t id, std::string* out) const {
    const CollectionT* c = find(key);
    return c != nullptr && c->render(id, out);
  }
  bool contains(uint64_t key, uint64_t id) const {
    const CollectionT* c = find(key);
    return c != nullptr && c->contains(id);
  }
  bool get(uint64_t key, uint64_t id, Record* out) const {
    const CollectionT* c = find(key);
    return c != nullptr && c->get(id, out);
  }
  // The ids under `key`, ascending (none for an unknown key).
  std::vector<uint64_t> ids(uint64_t key) const {
    const CollectionT* c = find(key);
    return c == nullptr ? std::vector<uint64_t>() : c->ids();
  }

  void put(uint64_t key, Record record, std::string json) { collection(key).put(std::move(record), std::move(json)); }
  void erase(uint64_t key, uint64_t id) {
    if (CollectionT* c = find(key)) c->erase(id);
  }

 private:
  CollectionT* find(uint64_t key) const {
    std::shared_lock lock(mu_);
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : it->second.get();
  }
  CollectionT& collection(uint64_t key) {
    if (CollectionT* c = find(key)) return *c;
    std::unique_lock lock(mu_);
    auto& slot = map_[key];
    if (!slot) slot = std::make_unique<CollectionT>();
    return *slot;
  }

  mutable std::shared_mutex mu_;
  std::unordered_map<uint64_t, std::unique_ptr<CollectionT>> map_;  // never shrinks: collections are not freed
};

}  // namespace claribi::index
