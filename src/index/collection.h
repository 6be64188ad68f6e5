// Collection: one list's records (an organization's dashboards, its users,
// one user's API keys), in memory, with the orderings a list offers kept
// sorted and ranked, and every record's public JSON rendered once when it is
// written. Catalog (catalog.h) holds one Collection per organization or owner.
//
// A list page is then: find the first rank of the page (RankedSet skips whole
// blocks), append the page's pre-rendered JSON. `count` is the set's size.
// Nothing is decoded or rendered on a read; a `search` scans names in memory
// (case-insensitive substring) in the requested order.
//
// Readers (reactors) take the shared lock for the few microseconds of a page
// copy; the one writer (the group-commit thread, in after_commit) takes it
// exclusively to swap a record in. Entries are immutable: an update inserts
// a new Entry and drops the old one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/text.h"
#include "index/ranked_set.h"

namespace claribi::index {

enum class Ordering : uint8_t { kId, kName, kCreatedAt, kUpdatedAt };

struct PageRequest {
  size_t offset = 0;  // rank of the first record of the page
  size_t limit = 20;
  Ordering ordering = Ordering::kId;
  bool descending = false;
  std::string_view search;  // see CollectionTraits::matches; empty = all
};

// What a list orders by `name` and what `search` matches, per record kind.
// The default fits records with a `name` (data sources, dashboards,
// reports, API keys); users specialize it (email; email, first or last name).
template <class Record>
struct CollectionTraits {
  static std::string_view sort_text(const Record& r) { return r.name; }
  static bool matches(const Record& r, std::string_view search) { return contains_icase(r.name, search); }
};

template <class Record>
struct Entry {
  Record record;
  std::string json;  // the public rendering
};

template <class Record, class Traits = CollectionTraits<Record>>
class Collection {
 public:
  using EntryT = Entry<Record>;

  size_t size() const {
    std::shared_lock lock(mu_);
    return ids_.size();
  }

  // Appends the page's JSON objects, comma-separated, to *items and returns
  // how many records match (the list's `count`).
  size_t render_page(const PageRequest& p, std::string* items) const {
    std::shared_lock lock(mu_);
    size_t matched = 0;
    size_t end = p.offset + p.limit;
    auto take = [&](const EntryT* e) {
      if (!p.search.empty() && !Traits::matches(e->record, p.search)) return true;
      if (matched >= p.offset && matched < end) {
        if (matched > p.offset) items->push_back(',');
        items->append(e->json);
      }
      ++matched;
      return !p.search.empty() || matched < end;  // without a search the count is the size
    };
    size_t first = p.search.empty() ? p.offset : 0;
    if (p.search.empty()) matched = p.offset;
    switch (p.ordering) {
      case Ordering::kId: ids_.visit(first, p.descending, take); break;
      case Ordering::kName: names_.visit(first, p.descending, take); break;
      case Ordering::kCreatedAt: created_.visit(first, p.descending, take); break;
      case Ordering::kUpdatedAt: updated_.visit(first, p.descending, take); break;
    }
    return p.search.empty() ? ids_.size() : matched;
  }

  // Appends one record's JSON; false when there is no such record.
  bool render(uint64_t id, std::string* out) const {
    std::shared_lock lock(mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return false;
    out->append(it->second->json);
    return true;
  }

  bool contains(uint64_t id) const {
    std::shared_lock lock(mu_);
    return by_id_.count(id) != 0;
  }

  // Every record's id, ascending.
  std::vector<uint64_t> ids() const {
    std::shared_lock lock(mu_);
    std::vector<uint64_t> out;
    out.reserve(ids_.size());
    ids_.visit(0, false, [&out](const EntryT* e) {
      out.push_back(e->record.id);
      return true;
    });
    return out;
  }

  // A copy of the record, for a read-modify-write; false when absent.
  bool get(uint64_t id, Record* out) const {
    std::shared_lock lock(mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return false;
    *out = it->second->record;
    return true;
  }

  // Inserts or replaces the record with this id.
  void put(Record record, std::string json) {
    auto fresh = std::make_unique<EntryT>(EntryT{std::move(record), std::move(json)});
    std::unique_ptr<EntryT> old;  // freed after the lock is released
    std::unique_lock lock(mu_);
    auto& slot = by_id_[fresh->record.id];
    if (slot) {
      unlink(slot.get());
      old = std::move(slot);
    }
    slot = std::move(fresh);
    link(slot.get());
  }

  void erase(uint64_t id) {
    std::unique_ptr<EntryT> old;
    std::unique_lock lock(mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return;
    unlink(it->second.get());
    old = std::move(it->second);
    by_id_.erase(it);
  }

 private:
  struct ById {
    bool operator()(const EntryT* a, const EntryT* b) const { return a->record.id < b->record.id; }
  };
  struct ByName {
    bool operator()(const EntryT* a, const EntryT* b) const {
      int c = compare_text_icase(Traits::sort_text(a->record), Traits::sort_text(b->record));
      return c != 0 ? c < 0 : a->record.id < b->record.id;
    }
  };
  struct ByCreated {
    bool operator()(const EntryT* a, const EntryT* b) const {
      return a->record.created_at != b->record.created_at ? a->record.created_at < b->record.created_at
                                                          : a->record.id < b->record.id;
    }
  };
  struct ByUpdated {
    bool operator()(const EntryT* a, const EntryT* b) const {
      return a->record.updated_at != b->record.updated_at ? a->record.updated_at < b->record.updated_at
                                                          : a->record.id < b->record.id;
    }
  };

  void link(const EntryT* e) {
    ids_.insert(e);
    names_.insert(e);
    created_.insert(e);
    updated_.insert(e);
  }
  void unlink(const EntryT* e) {
    ids_.erase(e);
    names_.erase(e);
    created_.erase(e);
    updated_.erase(e);
  }

  mutable std::shared_mutex mu_;
  std::unordered_map<uint64_t, std::unique_ptr<EntryT>> by_id_;
  RankedSet<const EntryT*, ById> ids_;
  RankedSet<const EntryT*, ByName> names_;
  RankedSet<const EntryT*, ByCreated> created_;
  RankedSet<const EntryT*, ByUpdated> updated_;
};

}  // namespace claribi::index
