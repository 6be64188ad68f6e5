// JWT verification of arbitrary tokens (what every Authorization header
// reaches), and a signed token with claims taken from the input verified
// back (the accepting path).
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

#include "auth/base64url.h"
#include "auth/jwt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace claribi::auth;
  static const JwtCodec codec("fuzz-secret-fuzz-secret-fuzz-secret-0123");
  std::string_view token(reinterpret_cast<const char*>(data), size);
  JwtClaims claims;
  (void)codec.verify(token, 1'700'000'000, TokenType::kAccess, &claims);
  (void)codec.verify(token, 1'700'000'000, TokenType::kRefresh, &claims);
  std::vector<uint8_t> decoded(base64url_decoded_size(size) + 1);
  size_t n = 0;
  (void)base64url_decode(token, decoded.data(), decoded.size(), &n);
  if (size >= 16) {
    JwtClaims c;
    std::memcpy(&c.user_id, data, 8);
    std::memcpy(&c.org_id, data + 8, 8);
    c.exp = 1'800'000'000;
    c.iat = 1'700'000'000;
    // A jti of printable ASCII from the input (quotes and backslashes
    // included, so escaping is exercised); the server's are random hex.
    c.jti_len = uint8_t(std::min<size_t>(size - 16, kMaxJtiSize));
    if (c.jti_len == 0) c.jti_len = 1;
    for (size_t i = 0; i < c.jti_len; ++i) c.jti[i] = char(0x20 + (16 + i < size ? data[16 + i] : 0) % 95);
    c.jti[c.jti_len] = '\0';
    std::string signed_token = codec.sign(c);
    JwtClaims back;
    if (codec.verify(signed_token, 1'700'000'000, c.type, &back) != JwtCodec::Error::kNone) __builtin_trap();
    if (back.user_id != c.user_id || back.org_id != c.org_id || back.jti_view() != c.jti_view()) __builtin_trap();
  }
  return 0;
}
