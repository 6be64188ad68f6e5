// Batch: an ordered list of Put/Delete operations on (family, key) that is
// applied atomically by Database::Write or GroupCommitWriter::Submit — all of
// it lands or none of it does. It is our own type so that no RocksDB header
// leaks out of storage/.
//
// All operations live in one contiguous buffer (like rocksdb::WriteBatch's
// rep), so building a batch costs a few appends and moving it costs nothing.
// Encoding of one op: [type u8][family u8][key len varint][key]
// [value len varint][value] (no value for a Delete). Later ops on the same key
// win, as in RocksDB.
//
// Expect / ExpectAbsent are preconditions, not writes: the batch lands only
// if, where it is applied (after the batches before it), the key holds
// exactly that value / no value; otherwise it fails with kConflict and
// nothing of it lands. They guard a read-modify-write built from a node's
// in-memory view against a change another node committed that the view has
// not caught up with (the PostgreSQL engine checks them). The embedded engine
// has one writer — its process, whose view is its database — and skips them
// (Database::checks_preconditions says which, so callers build none for it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "storage/families.h"

namespace claribi::storage {

class Batch {
 public:
  enum class OpType : uint8_t { kPut = 1, kDelete = 2, kDeleteRange = 3, kExpect = 4, kExpectAbsent = 5 };
  struct Op {
    OpType type;
    Family family;
    std::string_view key;
    std::string_view value;  // empty for kDelete and kExpectAbsent; the end key (exclusive) for
                             // kDeleteRange; the value expected for kExpect
  };

  Batch() = default;
  Batch(Batch&&) noexcept = default;
  Batch& operator=(Batch&&) noexcept = default;
  // Copying is explicit (Copy()) so an accidental copy of a large batch does
  // not hide in a by-value parameter.
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  Batch Copy() const;

  void Put(Family f, std::string_view key, std::string_view value);
  void Delete(Family f, std::string_view key);
  // Removes every key k with begin <= k < end (RocksDB's range tombstone:
  // one op however many keys it covers).
  void DeleteRange(Family f, std::string_view begin, std::string_view end);
  // Preconditions (see above).
  void Expect(Family f, std::string_view key, std::string_view value);
  void ExpectAbsent(Family f, std::string_view key);
  // Appends every op of `other`, in order.
  void Append(const Batch& other);
  void Clear();
  void Reserve(size_t bytes) { rep_.reserve(bytes); }

  // The encoded operations, and a batch from such bytes (what the
  // PostgreSQL engine's change log stores). FromRep is false, with *out
  // unspecified, when `rep` is not a well-formed encoding of writes: a
  // truncated op, an unknown op type or family, or a precondition.
  std::string_view rep() const { return rep_; }
  static bool FromRep(std::string_view rep, Batch* out);

  size_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  size_t byte_size() const { return rep_.size(); }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Op;
    using difference_type = std::ptrdiff_t;
    using pointer = const Op*;
    using reference = const Op&;

    const_iterator() = default;
    reference operator*() const { return op_; }
    pointer operator->() const { return &op_; }
    const_iterator& operator++() {
      pos_ = next_;
      Decode();
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator t = *this;
      ++*this;
      return t;
    }
    bool operator==(const const_iterator& o) const { return pos_ == o.pos_; }

   private:
    friend class Batch;
    const_iterator(std::string_view rep, size_t pos) : rep_(rep), pos_(pos) { Decode(); }
    void Decode();
    std::string_view rep_;
    size_t pos_ = 0;
    size_t next_ = 0;
    Op op_{};
  };
  const_iterator begin() const { return const_iterator(rep_, 0); }
  const_iterator end() const { return const_iterator(rep_, rep_.size()); }

 private:
  void AppendHeader(OpType t, Family f, std::string_view key);
  std::string rep_;
  size_t count_ = 0;
};

}  // namespace claribi::storage
