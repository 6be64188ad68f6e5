// The primitives of the record encodings (record_codec.h, resource_codec.h):
// a Writer that appends varints, zigzag integers, length-prefixed strings and
// raw bytes after a version byte, and a Reader that checks every length and
// remembers the first failure. Internal to storage/.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

namespace claribi::storage::codec {

class Writer {
 public:
  Writer(std::string* out, unsigned char version) : out_(out) {
    out_->clear();
    out_->push_back(static_cast<char>(version));
  }
  void u64(uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  void i64(int64_t v) { u64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void byte(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void str(std::string_view s) {
    u64(s.size());
    out_->append(s);
  }
  void raw(const void* p, size_t n) { out_->append(static_cast<const char*>(p), n); }

 private:
  std::string* out_;
};

// Every read checks the remaining length first; once a read fails, ok()
// stays false and later reads return zeros.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  // Consumes the version byte: false when missing or not in 1..max_version.
  bool version(unsigned* v, unsigned max_version) {
    if (in_.empty()) return false;
    *v = static_cast<unsigned char>(in_[0]);
    pos_ = 1;
    return *v >= 1 && *v <= max_version;
  }
  uint64_t u64() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return fail();
      auto b = static_cast<unsigned char>(in_[pos_++]);
      if (shift == 63 && b > 1) return fail();  // would overflow 64 bits
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return fail();
  }
  uint32_t u32() {
    uint64_t v = u64();
    if (v > std::numeric_limits<uint32_t>::max()) return static_cast<uint32_t>(fail());
    return static_cast<uint32_t>(v);
  }
  int64_t i64() {
    uint64_t z = u64();
    return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  uint8_t byte(uint8_t max) {
    if (pos_ >= in_.size()) return static_cast<uint8_t>(fail());
    auto b = static_cast<uint8_t>(in_[pos_++]);
    if (b > max) return static_cast<uint8_t>(fail());
    return b;
  }
  bool boolean() { return byte(1) != 0; }
  void str(std::string* out) {
    uint64_t n = u64();
    if (!ok_ || n > in_.size() - pos_) {
      fail();
      return;
    }
    out->assign(in_.data() + pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
  }
  void raw(void* p, size_t n) {
    if (!ok_ || n > in_.size() - pos_) {
      fail();
      return;
    }
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
  }
  // True when every read succeeded and all input was consumed.
  bool done() const { return ok_ && pos_ == in_.size(); }

 private:
  uint64_t fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace claribi::storage::codec
