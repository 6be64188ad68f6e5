// Unpadded, strict base64url: see base64url.h.
#include "auth/base64url.h"

#include <array>

namespace claribi::auth {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> make_decode_table() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (uint8_t i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = i;
  return t;
}

constexpr std::array<uint8_t, 256> kDecode = make_decode_table();

}  // namespace

size_t base64url_encode(const uint8_t* in, size_t n, char* out) {
  char* o = out;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = uint32_t{in[i]} << 16 | uint32_t{in[i + 1]} << 8 | in[i + 2];
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = kAlphabet[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = uint32_t{in[i]} << 16;
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
  } else if (n - i == 2) {
    uint32_t v = uint32_t{in[i]} << 16 | uint32_t{in[i + 1]} << 8;
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
  }
  return static_cast<size_t>(o - out);
}

bool base64url_decode(std::string_view in, uint8_t* out, size_t capacity, size_t* out_len) {
  const size_t len = in.size();
  if (len % 4 == 1) return false;
  const size_t need = base64url_decoded_size(len);
  if (need > capacity) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  uint8_t* o = out;
  size_t i = 0;
  for (; i + 4 <= len; i += 4) {
    uint8_t a = kDecode[p[i]], b = kDecode[p[i + 1]], c = kDecode[p[i + 2]], d = kDecode[p[i + 3]];
    if ((a | b | c | d) & 0x80) return false;
    uint32_t v = uint32_t{a} << 18 | uint32_t{b} << 12 | uint32_t{c} << 6 | d;
    *o++ = static_cast<uint8_t>(v >> 16);
    *o++ = static_cast<uint8_t>(v >> 8);
    *o++ = static_cast<uint8_t>(v);
  }
  const size_t rest = len - i;  // 0, 2 or 3
  if (rest >= 2) {
    uint8_t a = kDecode[p[i]], b = kDecode[p[i + 1]];
    uint8_t c = rest == 3 ? kDecode[p[i + 2]] : 0;
    if ((a | b | c) & 0x80) return false;
    uint32_t v = uint32_t{a} << 18 | uint32_t{b} << 12 | uint32_t{c} << 6;
    // The bits below the last whole byte must be zero (canonical encoding).
    if (rest == 2 ? (v & 0xffff) != 0 : (v & 0xff) != 0) return false;
    *o++ = static_cast<uint8_t>(v >> 16);
    if (rest == 3) *o++ = static_cast<uint8_t>(v >> 8);
  }
  *out_len = need;
  return true;
}

}  // namespace claribi::auth
