// ConcurrentMap: a hash map that any number of reader threads search with no
// lock and no allocation while one writer changes it. It backs the
// authentication indexes (users by id, API keys by SHA-256 hash) that every
// request consults on its reactor.
//
// Shape: open addressing with linear probing over an array of 16-byte slots
// {hash, Node*}. A Node {key, value} is immutable once published: an update
// builds a new node, swaps the slot's pointer (release) and retires the old
// node through Qsbr; an erase swaps in a tombstone. Readers load the table
// pointer and the slot pointers with acquire and compare the stored 64-bit
// hash before touching a node, so a lookup costs one cache line of slots and,
// on a hit, one node. A slot's hash is written once, before its first node,
// and never changes while the table lives; a tombstone keeps it, so only a
// key with that very hash may reuse the slot.
//
// Growth and purge: the writer builds a new table (only live entries, so
// tombstones go), publishes it with one release store of the table pointer
// and retires the old table (not its nodes, which move) through Qsbr. Slots
// in use (live + tombstones) never exceed half the table, so the load factor
// is <= 0.5 and every probe ends at an empty slot.
//
// Memory per entry: 16 bytes per slot at load factor 0.25-0.5 after growth
// (32-64 bytes of table per entry; 2^21 slots = 32 MiB for 1,000,000 keys),
// plus one node of sizeof(Key) + sizeof(Value) rounded to its alignment, from
// the map's NodePool (huge pages, no malloc header), plus whatever the value
// itself owns on the heap (strings past 15 characters). KeyHash ->
// model::ApiKey: 208-byte node, so about 240-270 bytes per key in all.
//
// Threading contract:
//   - find / for_each / size: any thread, while online in the map's Qsbr
//     (see qsbr.h). A returned pointer is valid until that reader's next
//     quiescent() or offline(); copy what must live longer.
//   - upsert / erase / reserve / rebuild / capacity / tombstones: one writer at
//     a time, externally serialized (the storage group-commit thread, or the
//     start-up loader before reactors start). Debug builds assert it. The
//     writer calls qsbr.reclaim() after a batch to free what it retired.
//   - The destructor reclaims what is pending and frees live nodes at once:
//     no reader may be online.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

#include "index/node_pool.h"
#include "index/qsbr.h"

namespace claribi::index {

namespace detail {

// Slot arrays of 2 MiB and more are 2 MiB-aligned and advised into
// transparent huge pages: a random probe of a 32 MiB table then costs a cache
// miss but rarely a TLB miss too.
inline constexpr size_t kHugePage = size_t{2} << 20;

inline void* allocate_table_memory(size_t bytes) {
  const size_t align = bytes >= kHugePage ? kHugePage : 64;
  const size_t rounded = (bytes + align - 1) / align * align;
  void* p = std::aligned_alloc(align, rounded);
  if (p == nullptr) throw std::bad_alloc();  // writer side only, never on a read
  if (align == kHugePage) ::madvise(p, rounded, MADV_HUGEPAGE);  // best effort
  return p;
}

inline void free_table_memory(void* p) { std::free(p); }

}  // namespace detail

template <class Key, class Value, class Hash>
class ConcurrentMap {
 public:
  struct Node {
    Key key;
    Value value;
  };

  static constexpr size_t kMinCapacity = 16;

  // `expected` entries fit without growth (see reserve()).
  explicit ConcurrentMap(Qsbr& qsbr, size_t expected = 0)
      : table_(new Table(capacity_for(expected))), qsbr_(qsbr), min_capacity_(capacity_for(expected)) {}

  ~ConcurrentMap() {
    // Retired nodes return to pool_, which dies with the map: free them now.
    qsbr_.reclaim();
    assert(qsbr_.pending() == 0 && "ConcurrentMap destroyed while a reader is online");
    Table* t = table_.load(std::memory_order_relaxed);
    for (size_t i = 0; i <= t->mask; ++i) {
      Node* n = t->slots[i].node.load(std::memory_order_relaxed);
      if (n != nullptr && n != tombstone()) destroy_node(&pool_, n);
    }
    delete t;
  }

  ConcurrentMap(const ConcurrentMap&) = delete;
  ConcurrentMap& operator=(const ConcurrentMap&) = delete;

  // --- Readers (online in qsbr) ---

  // The value stored under `key`, or nullptr. No lock, no allocation, no
  // store. K may be any type that Hash accepts and that compares with Key
  // (e.g. std::string_view for a std::string key).
  template <class K>
  const Value* find(const K& key) const noexcept {
    const uint64_t h = hash_(key);
    const Table* t = table_.load(std::memory_order_acquire);
    const Slot* slots = t->slots;
    const size_t mask = t->mask;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Node* n = slots[i].node.load(std::memory_order_acquire);
      if (n == nullptr) return nullptr;
      if (slots[i].hash.load(std::memory_order_relaxed) == h && n != tombstone() && n->key == key) {
        return &n->value;
      }
    }
  }

  // Calls f(const Key&, const Value&) for every live entry of the current
  // table. Entries changed meanwhile may be seen in either version.
  template <class F>
  void for_each(F&& f) const {
    const Table* t = table_.load(std::memory_order_acquire);
    for (size_t i = 0; i <= t->mask; ++i) {
      const Node* n = t->slots[i].node.load(std::memory_order_acquire);
      if (n != nullptr && n != tombstone()) f(n->key, n->value);
    }
  }

  size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }

  // --- Writer (one at a time) ---

  // Inserts or replaces. Returns true if the key was not present.
  bool upsert(Key key, Value value) {
    WriterCheck::Scope w(writer_check_);
    const uint64_t h = hash_(key);
    Table* t = table_.load(std::memory_order_relaxed);
    Slot* reuse = nullptr;  // a tombstone with our hash, first on the path
    Slot* s = nullptr;
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
      s = &t->slots[i];
      Node* n = s->node.load(std::memory_order_relaxed);
      if (n == nullptr) break;
      if (s->hash.load(std::memory_order_relaxed) != h) continue;
      if (n == tombstone()) {
        if (reuse == nullptr) reuse = s;
        continue;
      }
      if (n->key == key) {  // replace
        Node* fresh = make_node(std::move(key), std::move(value));
        s->node.store(fresh, std::memory_order_release);
        retire_node(n);
        return false;
      }
    }
    if (reuse == nullptr && (used() + 1) * 2 > t->mask + 1) {
      // Full enough: rebuild without tombstones, sized for the live count.
      t = rehash(std::max({min_capacity_, grown_capacity(size()), capacity_for(size() + 1)}));
      s = empty_slot_for(t, h);
    }
    Node* fresh = make_node(std::move(key), std::move(value));
    if (reuse != nullptr) {  // same hash, so the slot's hash stays valid
      reuse->node.store(fresh, std::memory_order_release);
      --tombstones_;
    } else {
      s->hash.store(h, std::memory_order_relaxed);
      s->node.store(fresh, std::memory_order_release);  // publishes hash too
    }
    size_.store(size() + 1, std::memory_order_relaxed);
    return true;
  }

  // Removes `key`. Returns false if it was not present.
  template <class K>
  bool erase(const K& key) {
    WriterCheck::Scope w(writer_check_);
    const uint64_t h = hash_(key);
    Table* t = table_.load(std::memory_order_relaxed);
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
      Slot& s = t->slots[i];
      Node* n = s.node.load(std::memory_order_relaxed);
      if (n == nullptr) return false;
      if (n == tombstone() || s.hash.load(std::memory_order_relaxed) != h || !(n->key == key)) continue;
      s.node.store(tombstone(), std::memory_order_release);
      retire_node(n);
      ++tombstones_;
      size_.store(size() - 1, std::memory_order_relaxed);
      return true;
    }
  }

  // Makes room for n entries without further growth (and never shrinks
  // below that later). For the start-up loader.
  void reserve(size_t n) {
    WriterCheck::Scope w(writer_check_);
    min_capacity_ = std::max(min_capacity_, capacity_for(n));
    if (capacity() < min_capacity_) rehash(min_capacity_);
  }

  // Rebuilds the table at its current capacity, dropping every tombstone.
  // Growth does this on its own; call it after a mass deletion to shorten
  // the probes of misses.
  void rebuild() {
    WriterCheck::Scope w(writer_check_);
    rehash(capacity());
  }

  size_t capacity() const noexcept { return table_.load(std::memory_order_relaxed)->mask + 1; }
  size_t tombstones() const noexcept { return tombstones_; }
  const NodePool& pool() const noexcept { return pool_; }

 private:
  struct alignas(16) Slot {
    std::atomic<uint64_t> hash{0};
    std::atomic<Node*> node{nullptr};
  };
  static_assert(sizeof(Slot) == 16);

  // Immutable after publication; on its own cache line, which every reader
  // keeps in its cache.
  struct alignas(64) Table {
    explicit Table(size_t capacity)
        : mask(capacity - 1),
          slots(static_cast<Slot*>(detail::allocate_table_memory(capacity * sizeof(Slot)))) {
      for (size_t i = 0; i < capacity; ++i) new (&slots[i]) Slot();
    }
    ~Table() { detail::free_table_memory(slots); }
    Table(const Table&) = delete;
    Table& operator=(const Table&) = delete;

    const size_t mask;
    Slot* const slots;
  };

  Node* make_node(Key&& key, Value&& value) {
    void* mem = pool_.allocate();
    try {
      return new (mem) Node{std::move(key), std::move(value)};
    } catch (...) {
      pool_.release(mem);
      throw;
    }
  }

  static void destroy_node(void* pool, void* p) noexcept {
    static_cast<Node*>(p)->~Node();
    static_cast<NodePool*>(pool)->release(p);
  }

  void retire_node(Node* n) { qsbr_.retire(n, &ConcurrentMap::destroy_node, &pool_); }

  // A marker pointer, never dereferenced.
  static Node* tombstone() noexcept { return reinterpret_cast<Node*>(&tombstone_tag_); }

  // Smallest power of two that holds n entries at load factor <= 0.5.
  static size_t capacity_for(size_t n) { return std::max(kMinCapacity, std::bit_ceil(2 * n)); }
  // After growth, load factor about 0.25, so the next growth is n inserts away.
  static size_t grown_capacity(size_t n) { return std::max(kMinCapacity, std::bit_ceil(4 * n)); }

  size_t used() const noexcept { return size() + tombstones_; }

  static Slot* empty_slot_for(Table* t, uint64_t h) {
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
      if (t->slots[i].node.load(std::memory_order_relaxed) == nullptr) return &t->slots[i];
    }
  }

  // Copies the live entries into a new table of `capacity` slots, publishes
  // it and retires the old one. Nodes are shared, not copied.
  Table* rehash(size_t capacity) {
    Table* old = table_.load(std::memory_order_relaxed);
    Table* t = new Table(capacity);
    for (size_t i = 0; i <= old->mask; ++i) {
      Node* n = old->slots[i].node.load(std::memory_order_relaxed);
      if (n == nullptr || n == tombstone()) continue;
      const uint64_t h = old->slots[i].hash.load(std::memory_order_relaxed);
      Slot* s = empty_slot_for(t, h);
      s->hash.store(h, std::memory_order_relaxed);
      s->node.store(n, std::memory_order_relaxed);
    }
    table_.store(t, std::memory_order_release);  // publishes every slot above
    qsbr_.retire_delete(old);
    tombstones_ = 0;
    return t;
  }

  alignas(alignof(Node)) static inline char tombstone_tag_ = 0;

  // Read by every lookup: one line, written only when a table is swapped.
  alignas(64) std::atomic<Table*> table_;
  Qsbr& qsbr_;
  [[no_unique_address]] Hash hash_;
  // Written by every insert and erase: kept off the readers' line.
  alignas(64) std::atomic<size_t> size_{0};
  size_t tombstones_ = 0;
  size_t min_capacity_ = kMinCapacity;
  NodePool pool_{sizeof(Node), alignof(Node)};
  WriterCheck writer_check_;
};

}  // namespace claribi::index
