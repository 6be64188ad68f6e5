// The hash structures of one scan worker: StringPool (strings interned to
// dense ids, so a group key or a distinct set holds 8-byte words), GroupTable
// (group keys of K words plus a null mask → dense group ids, open addressing
// hashed with XXH3) and U64Set (an exact set of 64-bit values for
// count_distinct). Each worker owns its own; the executor merges them.
// Growth is amortized doubling: no allocation per row once a table has
// reached its size.
#pragma once

#include <xxhash.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "index/hashers.h"

namespace claribi::analytics {

// Single words hash with the project's 64-bit mixer (SplitMix64's finalizer).
inline uint64_t mix64(uint64_t k) { return index::U64Hasher{}(k); }

class StringPool {
 public:
  uint32_t intern(std::string_view s) {
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    strings_.push_back(std::make_unique<std::string>(s));
    uint32_t id = uint32_t(strings_.size() - 1);
    ids_.emplace(std::string_view(*strings_.back()), id);
    bytes_ += s.size() + 64;
    return id;
  }
  const std::string& at(uint32_t id) const { return *strings_[id]; }
  size_t size() const { return strings_.size(); }
  size_t bytes() const { return bytes_; }

 private:
  std::vector<std::unique_ptr<std::string>> strings_;
  std::unordered_map<std::string_view, uint32_t> ids_;
  size_t bytes_ = 0;
};

class GroupTable {
 public:
  explicit GroupTable(size_t key_words) : k_(key_words) { rehash(64); }

  size_t key_words() const { return k_; }
  uint32_t size() const { return count_; }
  // Group g's key: k words, then its null mask.
  const uint64_t* key(uint32_t g) const { return keys_.data() + size_t(g) * (k_ + 1); }
  size_t bytes() const { return keys_.capacity() * 8 + slots_.capacity() * 4; }

  // The group of `key` (k words + null mask), added when new (*added set).
  uint32_t find_or_add(const uint64_t* key, bool* added) {
    const uint64_t h = hash(key);
    size_t i = h & mask_;
    for (;;) {
      uint32_t s = slots_[i];
      if (s == 0) break;
      if (std::memcmp(this->key(s - 1), key, (k_ + 1) * 8) == 0) {
        *added = false;
        return s - 1;
      }
      i = (i + 1) & mask_;
    }
    *added = true;
    uint32_t g = count_++;
    keys_.insert(keys_.end(), key, key + k_ + 1);
    slots_[i] = g + 1;
    if (size_t(count_) * 2 > slots_.size()) rehash(slots_.size() * 2);
    return g;
  }

 private:
  uint64_t hash(const uint64_t* key) const {
    return k_ == 1 ? mix64(key[0] ^ (key[1] * 0x9e3779b97f4a7c15ULL)) : XXH3_64bits(key, (k_ + 1) * 8);
  }
  void rehash(size_t n) {
    slots_.assign(n, 0);
    mask_ = n - 1;
    for (uint32_t g = 0; g < count_; ++g) {
      size_t i = hash(key(g)) & mask_;
      while (slots_[i] != 0) i = (i + 1) & mask_;
      slots_[i] = g + 1;
    }
  }

  size_t k_;
  uint32_t count_ = 0;
  size_t mask_ = 0;
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> slots_;
};

// Exact set of 64-bit values (open addressing; 0 is tracked apart).
class U64Set {
 public:
  // Values in [base, base + span) may be kept as bits: once the hash table
  // would outgrow a bitmap of the span, those values move to one (exact,
  // smaller, one store per insert); values outside stay in the table.
  void set_domain(uint64_t base, uint64_t span) {
    base_ = base;
    span_ = span;
  }
  size_t size() const {
    size_t n = count_ + (has_zero_ ? 1 : 0);
    for (uint64_t w : bits_) n += size_t(std::popcount(w));
    return n;
  }
  size_t bytes() const { return (slots_.capacity() + bits_.capacity()) * 8; }
  void insert(uint64_t v) {
    if (!bits_.empty()) {
      const uint64_t o = v - base_;
      if (o < span_) {
        bits_[o >> 6] |= uint64_t(1) << (o & 63);
        return;
      }
    }
    if (v == 0) {
      has_zero_ = true;
      return;
    }
    if ((count_ + 1) * 2 > slots_.size()) {
      grow();
      if (!bits_.empty() && v - base_ < span_) return insert(v);  // grow made the bitmap: v belongs there
    }
    size_t i = mix64(v) & mask_;
    for (;;) {
      uint64_t s = slots_[i];
      if (s == v) return;
      if (s == 0) {
        slots_[i] = v;
        ++count_;
        return;
      }
      i = (i + 1) & mask_;
    }
  }
  // Adds every value of o (bitmaps of one domain: a word-wise or).
  void merge(const U64Set& o) {
    if (!o.bits_.empty() && o.base_ == base_ && o.span_ == span_) {
      if (bits_.empty()) to_bitmap();
      for (size_t i = 0; i < bits_.size(); ++i) bits_[i] |= o.bits_[i];
      if (o.has_zero_) insert(0);
      for (uint64_t s : o.slots_)
        if (s != 0) insert(s);
      return;
    }
    o.for_each([this](uint64_t v) { insert(v); });
  }
  template <class Fn>
  void for_each(Fn&& fn) const {
    if (has_zero_) fn(uint64_t(0));
    for (size_t i = 0; i < bits_.size(); ++i)
      for (uint64_t w = bits_[i]; w != 0; w &= w - 1) fn(base_ + i * 64 + uint64_t(std::countr_zero(w)));
    for (uint64_t s : slots_)
      if (s != 0) fn(s);
  }

 private:
  void grow() {
    const size_t want = slots_.empty() ? 16 : slots_.size() * 2;
    if (span_ != 0 && bits_.empty() && want * 64 >= span_) {  // the table's bits would pass the span's
      to_bitmap();
      if ((count_ + 1) * 2 <= slots_.size()) return;
    }
    std::vector<uint64_t> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, 0);
    mask_ = slots_.size() - 1;
    count_ = 0;
    for (uint64_t s : old)
      if (s != 0) insert(s);
  }
  // Moves the in-domain values from the table to a bitmap.
  void to_bitmap() {
    bits_.assign(size_t((span_ + 63) / 64), 0);
    std::vector<uint64_t> old = std::move(slots_);
    slots_.assign(16, 0);
    mask_ = 15;
    count_ = 0;
    if (has_zero_ && uint64_t(0) - base_ < span_) {
      has_zero_ = false;
      insert(0);
    }
    for (uint64_t s : old)
      if (s != 0) insert(s);
  }
  std::vector<uint64_t> slots_;
  std::vector<uint64_t> bits_;  // bit v - base_, once the domain's bitmap is in use
  uint64_t base_ = 0, span_ = 0;
  size_t mask_ = 0;
  size_t count_ = 0;
  bool has_zero_ = false;
};

}  // namespace claribi::analytics
