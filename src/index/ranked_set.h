// RankedSet: a sorted set that also answers "the element at rank k" — what a
// list page needs (page 5,000 of 20 is ranks 99,980..99,999) without walking
// the elements before it.
//
// Elements live in sorted blocks of at most 2 × kBlock; finding a rank skips
// whole blocks by their sizes (n / kBlock steps, ~200 for 100,000 elements),
// an insert or erase moves at most one block's elements. A B-tree with
// subtree counts would make the rank walk logarithmic too; at the sizes one
// organization holds, the flat block list is simpler and as fast (it is a
// scan of a small contiguous array).
//
// Not thread-safe: the owner (resources::Collection) locks around it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace claribi::index {

template <class T, class Less>
class RankedSet {
 public:
  static constexpr size_t kBlock = 256;

  explicit RankedSet(Less less = Less()) : less_(std::move(less)) {}

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Inserts v (which must not be equivalent to an element already present).
  void insert(const T& v) {
    ++size_;
    if (blocks_.empty()) {
      blocks_.emplace_back(1, v);
      return;
    }
    size_t b = block_for(v);
    if (b == blocks_.size()) b = blocks_.size() - 1;
    std::vector<T>& blk = blocks_[b];
    blk.insert(std::upper_bound(blk.begin(), blk.end(), v, less_), v);
    if (blk.size() > 2 * kBlock) {
      std::vector<T> upper(blk.begin() + ptrdiff_t(kBlock), blk.end());
      blk.resize(kBlock);
      blocks_.insert(blocks_.begin() + ptrdiff_t(b) + 1, std::move(upper));
    }
  }

  // Removes the element equivalent to v; false when there is none.
  bool erase(const T& v) {
    size_t b = block_for(v);
    if (b == blocks_.size()) return false;
    std::vector<T>& blk = blocks_[b];
    auto it = std::lower_bound(blk.begin(), blk.end(), v, less_);
    if (it == blk.end() || less_(v, *it)) return false;
    blk.erase(it);
    --size_;
    if (blk.empty()) {
      blocks_.erase(blocks_.begin() + ptrdiff_t(b));
    } else if (blk.size() < kBlock / 4 && b + 1 < blocks_.size() && blk.size() + blocks_[b + 1].size() <= 2 * kBlock) {
      blk.insert(blk.end(), blocks_[b + 1].begin(), blocks_[b + 1].end());
      blocks_.erase(blocks_.begin() + ptrdiff_t(b) + 1);
    }
    return true;
  }

  // Calls fn(element) from rank `first` on, ascending — or, when `reverse`,
  // descending, with rank 0 the largest element — until fn returns false or
  // the set ends.
  template <class Fn>
  void visit(size_t first, bool reverse, Fn&& fn) const {
    if (first >= size_) return;
    size_t rank = reverse ? size_ - 1 - first : first;  // ascending rank of the first element
    size_t b = 0;
    while (rank >= blocks_[b].size()) rank -= blocks_[b++].size();
    if (!reverse) {
      for (; b < blocks_.size(); ++b, rank = 0)
        for (size_t i = rank; i < blocks_[b].size(); ++i)
          if (!fn(blocks_[b][i])) return;
      return;
    }
    for (size_t bb = b + 1; bb-- > 0;) {
      const std::vector<T>& blk = blocks_[bb];
      for (size_t i = (bb == b ? rank + 1 : blk.size()); i-- > 0;)
        if (!fn(blk[i])) return;
    }
  }

 private:
  // First block whose last element is not less than v (blocks_.size() if none).
  size_t block_for(const T& v) const {
    auto it = std::partition_point(blocks_.begin(), blocks_.end(),
                                   [&](const std::vector<T>& blk) { return less_(blk.back(), v); });
    return size_t(it - blocks_.begin());
  }

  Less less_;
  std::vector<std::vector<T>> blocks_;  // never holds an empty block
  size_t size_ = 0;
};

}  // namespace claribi::index
