// HS256 JSON Web Tokens (JWS compact form) as API.md §4 specifies them:
// SimpleJWT-shaped claims that any JWT library can verify with the secret.
// Verification runs on the reactor for every request, so it allocates
// nothing, throws nothing, and reuses the HMAC key schedule computed once in
// the constructor.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <openssl/sha.h>

#include "common/status.h"

namespace claribi::auth {

enum class TokenType : uint8_t { kAccess, kRefresh };

// Longest token verify() looks at; anything longer is kMalformed.
inline constexpr size_t kMaxTokenSize = 4096;
// Longest `jti` accepted (we issue 32 lowercase hex characters).
inline constexpr size_t kMaxJtiSize = 32;

struct JwtClaims {
  TokenType type = TokenType::kAccess;
  uint64_t user_id = 0;
  uint64_t org_id = 0;
  uint32_t ver = 0;  // the user's credential version when issued
  int64_t iat = 0;   // 0 when the token has none
  int64_t exp = 0;
  char jti[kMaxJtiSize + 1] = {};  // NUL-terminated
  uint8_t jti_len = 0;
  std::string_view jti_view() const { return std::string_view(jti, jti_len); }
};

class JwtCodec {
 public:
  explicit JwtCodec(std::string_view secret);
  ~JwtCodec();  // wipes the key-derived states
  JwtCodec(const JwtCodec&) = default;
  JwtCodec& operator=(const JwtCodec&) = default;

  // The compact token: {"alg":"HS256","typ":"JWT"} header, payload
  // {"token_type":..,"exp":..,"iat":..,"jti":..,"user_id":..,"org_id":..,"ver":..}.
  std::string sign(const JwtClaims& claims) const;

  enum class Error { kNone, kMalformed, kBadAlgorithm, kBadSignature, kExpired, kWrongType };
  // Checks, in order: size and shape, header (alg must be exactly "HS256"; no
  // "crit"), signature (constant time), payload claims, token_type, then
  // exp > now. Fills *out (if not null) only when it returns kNone.
  // A token this thread verified before with this codec skips straight to
  // the token_type and exp checks (VerifiedTokenCache: exact bytes).
  Error verify(std::string_view token, int64_t now_unix, TokenType expected, JwtClaims* out) const;
  // The same without the cache (for tests and benchmarks of the full work).
  Error verify_uncached(std::string_view token, int64_t now_unix, TokenType expected, JwtClaims* out) const;

  // Claims for a new token: iat = now, exp = now + ttl, a fresh random jti.
  JwtClaims make_claims(TokenType type, uint64_t user_id, uint64_t org_id, uint32_t ver, int64_t now,
                        int64_t ttl_seconds) const;

 private:
  // HMAC-SHA256 of data into mac, from the precomputed pad states.
  void hmac(std::string_view data, uint8_t mac[SHA256_DIGEST_LENGTH]) const;

  // Signature and payload; no token_type or exp check.
  Error verify_signed_claims(std::string_view token, JwtClaims* claims) const;
  static Error check_claims(const JwtClaims& claims, int64_t now_unix, TokenType expected);

  uint64_t id_;       // unique per constructed codec (copies share it): the cache key
  SHA256_CTX inner_;  // state after absorbing key ^ ipad
  SHA256_CTX outer_;  // state after absorbing key ^ opad
};

std::string_view jwt_error_name(JwtCodec::Error e);

// The signing secret: read from `path` (trailing newline trimmed, at least 32
// bytes), or, if the file does not exist, created there atomically with mode
// 0600 holding 64 hex characters (32 random bytes).
Result<std::string> load_or_create_jwt_secret(const std::string& path);

}  // namespace claribi::auth
