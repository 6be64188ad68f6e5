// Versioned binary encoding of Organization, User and ApiKey (format in
// record_codec.h).
#include "storage/record_codec.h"

#include <cstdint>
#include <cstring>
#include <limits>

namespace claribi::storage {
namespace {

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {
    out_->clear();
    out_->push_back(static_cast<char>(kRecordFormatVersion));
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
  // Consumes the version byte: false when missing or not in 1..kRecordFormatVersion.
  bool version(unsigned* v) {
    if (in_.empty()) return false;
    *v = static_cast<unsigned char>(in_[0]);
    pos_ = 1;
    return *v >= 1 && *v <= kRecordFormatVersion;
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

template <typename T>
std::string encode_to_string(const T& r) {
  std::string s;
  encode(r, &s);
  return s;
}

}  // namespace

void encode(const model::Organization& r, std::string* out) {
  Writer w(out);
  w.u64(r.id);
  w.str(r.name);
  w.str(r.plan);
  w.i64(r.ai_credits_remaining);
  w.i64(r.created_at);
  w.i64(r.updated_at);
}

bool decode(std::string_view in, model::Organization* out) {
  Reader r(in);
  unsigned version = 0;
  if (!r.version(&version)) return false;
  out->id = r.u64();
  r.str(&out->name);
  r.str(&out->plan);
  out->ai_credits_remaining = r.i64();
  out->created_at = r.i64();
  out->updated_at = r.i64();
  return r.done();
}

void encode(const model::User& r, std::string* out) {
  Writer w(out);
  w.u64(r.id);
  w.u64(r.org_id);
  w.str(r.email);
  w.str(r.first_name);
  w.str(r.last_name);
  w.byte(static_cast<uint8_t>(r.role));
  w.byte(r.is_active ? 1 : 0);
  w.str(r.password_hash);
  w.u64(r.credential_version);
  w.i64(r.created_at);
  w.i64(r.updated_at);
  w.i64(r.last_login_at);
  w.u64(r.created_by);
}

bool decode(std::string_view in, model::User* out) {
  Reader r(in);
  unsigned version = 0;
  if (!r.version(&version)) return false;
  out->id = r.u64();
  out->org_id = r.u64();
  r.str(&out->email);
  r.str(&out->first_name);
  r.str(&out->last_name);
  out->role = static_cast<model::Role>(r.byte(static_cast<uint8_t>(model::Role::kAdministrator)));
  out->is_active = r.boolean();
  r.str(&out->password_hash);
  out->credential_version = r.u32();
  out->created_at = r.i64();
  out->updated_at = r.i64();
  out->last_login_at = r.i64();
  out->created_by = r.u64();
  return r.done();
}

void encode(const model::ApiKey& r, std::string* out) {
  Writer w(out);
  w.u64(r.id);
  w.u64(r.org_id);
  w.u64(r.user_id);
  w.str(r.name);
  w.str(r.prefix);
  w.raw(r.hash.data(), r.hash.size());
  w.u64(r.scopes);
  w.i64(r.expires_at);
  w.i64(r.last_used_at);
  w.i64(r.revoked_at);
  w.i64(r.created_at);
  w.i64(r.updated_at);
  w.byte(r.deleted ? 1 : 0);
}

bool decode(std::string_view in, model::ApiKey* out) {
  Reader r(in);
  unsigned version = 0;
  if (!r.version(&version)) return false;
  out->id = r.u64();
  out->org_id = r.u64();
  out->user_id = r.u64();
  r.str(&out->name);
  r.str(&out->prefix);
  r.raw(out->hash.data(), out->hash.size());
  out->scopes = r.u32();
  out->expires_at = r.i64();
  out->last_used_at = r.i64();
  out->revoked_at = r.i64();
  out->created_at = r.i64();
  out->updated_at = r.i64();
  out->deleted = r.boolean();
  return r.done();
}

std::string encode(const model::Organization& r) { return encode_to_string(r); }
std::string encode(const model::User& r) { return encode_to_string(r); }
std::string encode(const model::ApiKey& r) { return encode_to_string(r); }

}  // namespace claribi::storage
