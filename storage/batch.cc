// Batch encoding and iteration (see batch.h).
#include "storage/batch.h"

#include <algorithm>
#include <cassert>

namespace claribi::storage {
namespace {

void append_varint(std::string& out, size_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// false when `s` ends inside the varint or it is longer than 64 bits.
bool parse_varint(std::string_view s, size_t* pos, size_t* v) {
  *v = 0;
  for (int shift = 0; *pos < s.size() && shift < 64; shift += 7) {
    auto b = static_cast<unsigned char>(s[(*pos)++]);
    *v |= static_cast<size_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

// The buffer was written by this file, so it is well formed; the bounds are
// checked anyway so a bug shows up as an assertion, not a wild read.
size_t read_varint(std::string_view s, size_t* pos) {
  size_t v = 0;
  const bool ok = parse_varint(s, pos, &v);
  assert(ok && "malformed batch");
  return ok ? v : 0;
}

// s.substr(pos, n) clamped to the buffer (never throws, never reads past it).
std::string_view clamped(std::string_view s, size_t pos, size_t n) {
  pos = std::min(pos, s.size());
  return s.substr(pos, std::min(n, s.size() - pos));
}

}  // namespace

Batch Batch::Copy() const {
  Batch b;
  b.rep_ = rep_;
  b.count_ = count_;
  return b;
}

void Batch::AppendHeader(OpType t, Family f, std::string_view key) {
  rep_.push_back(static_cast<char>(t));
  rep_.push_back(static_cast<char>(f));
  append_varint(rep_, key.size());
  rep_.append(key);
  ++count_;
}

void Batch::Put(Family f, std::string_view key, std::string_view value) {
  AppendHeader(OpType::kPut, f, key);
  append_varint(rep_, value.size());
  rep_.append(value);
}

void Batch::Delete(Family f, std::string_view key) { AppendHeader(OpType::kDelete, f, key); }

void Batch::DeleteRange(Family f, std::string_view begin, std::string_view end) {
  AppendHeader(OpType::kDeleteRange, f, begin);
  append_varint(rep_, end.size());
  rep_.append(end);
}

void Batch::Expect(Family f, std::string_view key, std::string_view value) {
  AppendHeader(OpType::kExpect, f, key);
  append_varint(rep_, value.size());
  rep_.append(value);
}

void Batch::ExpectAbsent(Family f, std::string_view key) { AppendHeader(OpType::kExpectAbsent, f, key); }

void Batch::Append(const Batch& other) {
  rep_.append(other.rep_);
  count_ += other.count_;
}

void Batch::Clear() {
  rep_.clear();
  count_ = 0;
}

bool Batch::FromRep(std::string_view rep, Batch* out) {
  // The checked twin of const_iterator::Decode: bytes from outside (the
  // change log, which holds writes only: a precondition there is refused).
  auto varint = [&](size_t* pos, size_t* v) { return parse_varint(rep, pos, v); };
  size_t count = 0;
  for (size_t p = 0; p < rep.size();) {
    auto type = static_cast<OpType>(rep[p++]);
    if (type != OpType::kPut && type != OpType::kDelete && type != OpType::kDeleteRange) return false;
    if (p >= rep.size() || static_cast<unsigned char>(rep[p++]) >= kFamilyCount) return false;
    size_t n = 0;
    if (!varint(&p, &n) || n > rep.size() - p) return false;
    p += n;
    if (type != OpType::kDelete) {
      if (!varint(&p, &n) || n > rep.size() - p) return false;
      p += n;
    }
    ++count;
  }
  out->rep_.assign(rep);
  out->count_ = count;
  return true;
}

void Batch::const_iterator::Decode() {
  if (pos_ >= rep_.size()) {
    pos_ = next_ = rep_.size();
    return;
  }
  size_t p = pos_;
  op_.type = static_cast<OpType>(rep_[p++]);
  op_.family = p < rep_.size() ? static_cast<Family>(rep_[p++]) : Family::kMeta;
  size_t klen = read_varint(rep_, &p);
  op_.key = clamped(rep_, p, klen);
  p += op_.key.size();
  op_.value = {};
  if (op_.type == OpType::kPut || op_.type == OpType::kDeleteRange || op_.type == OpType::kExpect) {
    size_t vlen = read_varint(rep_, &p);
    op_.value = clamped(rep_, p, vlen);
    p += op_.value.size();
  }
  next_ = std::min(p, rep_.size());
}

}  // namespace claribi::storage
