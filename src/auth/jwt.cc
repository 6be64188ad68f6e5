// HS256 JWT signing and allocation-free verification: see jwt.h.
#include "auth/jwt.h"

#include <atomic>
#include <charconv>
#include <cstring>

#include <openssl/mem.h>

#include "auth/base64url.h"
#include "auth/crypto.h"
#include "auth/flat_json.h"
#include "auth/verified_token_cache.h"

namespace claribi::auth {
namespace {

uint64_t next_codec_id() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

using Error = JwtCodec::Error;

// base64url of {"alg":"HS256","typ":"JWT"} (PyJWT's header byte for byte).
constexpr std::string_view kHeaderB64 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
constexpr size_t kMacSize = SHA256_DIGEST_LENGTH;
constexpr size_t kSignatureB64Size = base64url_encoded_size(kMacSize);

// One bit per member name we read, to dispatch on and to catch duplicates.
constexpr uint32_t kTokenType = 1u << 0;
constexpr uint32_t kUserId = 1u << 1;
constexpr uint32_t kOrgId = 1u << 2;
constexpr uint32_t kJti = 1u << 3;
constexpr uint32_t kExp = 1u << 4;
constexpr uint32_t kVer = 1u << 5;
constexpr uint32_t kIat = 1u << 6;
constexpr uint32_t kAlg = 1u << 7;   // header
constexpr uint32_t kCrit = 1u << 8;  // header
constexpr uint32_t kRequiredClaims = kTokenType | kUserId | kOrgId | kJti | kExp | kVer;

// The bit of the name a member's key spells, or 0 for a key we ignore.
uint32_t key_bit(const JsonMember& m) {
  std::string_view key = m.key;
  char buf[16];
  if (m.key_escaped) {  // rare: decode first ("\u0065xp" is "exp")
    size_t len;
    if (!json_unescape(key, buf, sizeof buf, &len)) return 0;
    key = std::string_view(buf, len);
  }
  switch (key.size()) {
    case 3:
      if (key == "exp") return kExp;
      if (key == "iat") return kIat;
      if (key == "jti") return kJti;
      if (key == "ver") return kVer;
      if (key == "alg") return kAlg;
      return 0;
    case 4: return key == "crit" ? kCrit : 0;
    case 6: return key == "org_id" ? kOrgId : 0;
    case 7: return key == "user_id" ? kUserId : 0;
    case 10: return key == "token_type" ? kTokenType : 0;
    default: return 0;
  }
}

Error check_header(std::string_view json) {
  JsonObjectReader reader(json);
  JsonMember m;
  bool has_alg = false, alg_ok = false;
  while (reader.next(&m)) {
    switch (key_bit(m)) {
      case kAlg:
        if (has_alg) return Error::kMalformed;
        has_alg = true;
        alg_ok = m.kind == JsonKind::kString && json_string_equals(m.value, m.value_escaped, "HS256");
        break;
      case kCrit:
        return Error::kMalformed;  // RFC 7515 §4.1.11: we understand no extensions
      default:
        break;
    }
  }
  if (!reader.ok()) return Error::kMalformed;
  return alg_ok ? Error::kNone : Error::kBadAlgorithm;
}

// A JSON integer that fits T exactly (no fraction, exponent or sign for unsigned T).
template <typename T>
bool parse_integer(const JsonMember& m, T* out) {
  if (m.kind != JsonKind::kNumber) return false;
  const char* end = m.value.data() + m.value.size();
  auto [p, ec] = std::from_chars(m.value.data(), end, *out);
  return ec == std::errc() && p == end;
}

// Reads the claims we know (any order; others ignored). A known claim given
// twice, of the wrong JSON type or out of range is kMalformed; an unknown
// token_type value is kWrongType.
Error parse_payload(std::string_view json, JwtClaims* c) {
  JsonObjectReader reader(json);
  JsonMember m;
  uint32_t seen = 0;
  bool type_known = false;
  while (reader.next(&m)) {
    const uint32_t bit = key_bit(m);
    bool ok;
    switch (bit) {
      case kTokenType:
        ok = m.kind == JsonKind::kString;
        if (json_string_equals(m.value, m.value_escaped, "access")) {
          c->type = TokenType::kAccess;
          type_known = true;
        } else if (json_string_equals(m.value, m.value_escaped, "refresh")) {
          c->type = TokenType::kRefresh;
          type_known = true;
        }
        break;
      case kUserId: ok = parse_integer(m, &c->user_id); break;
      case kOrgId: ok = parse_integer(m, &c->org_id); break;
      case kVer: ok = parse_integer(m, &c->ver); break;
      case kExp: ok = parse_integer(m, &c->exp); break;
      case kIat: ok = parse_integer(m, &c->iat); break;
      case kJti: {
        size_t len = 0;
        if (m.kind != JsonKind::kString) {
          ok = false;
        } else if (!m.value_escaped) {
          len = m.value.size() <= kMaxJtiSize ? m.value.size() : 0;
          std::memcpy(c->jti, m.value.data(), len);
          ok = len > 0;
        } else {
          ok = json_unescape(m.value, c->jti, kMaxJtiSize, &len) && len > 0;
        }
        c->jti_len = static_cast<uint8_t>(len);
        c->jti[len] = '\0';
        break;
      }
      default:
        continue;  // not a claim we read (alg/crit mean nothing here)
    }
    if (!ok || (seen & bit)) return Error::kMalformed;
    seen |= bit;
  }
  if (!reader.ok() || (seen & kRequiredClaims) != kRequiredClaims) return Error::kMalformed;
  return type_known ? Error::kNone : Error::kWrongType;
}

char* append(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

template <typename T>
char* append_integer(char* p, T v) {
  return std::to_chars(p, p + 24, v).ptr;  // 24 > digits of any 64-bit value
}

// s as the body of a JSON string (quotes, backslashes and controls escaped).
char* append_json_string_body(char* p, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      *p++ = '\\';
      *p++ = ch;
    } else if (c < 0x20) {
      p = append(p, "\\u00");
      *p++ = kHex[c >> 4];
      *p++ = kHex[c & 15];
    } else {
      *p++ = ch;
    }
  }
  return p;
}

}  // namespace

JwtCodec::JwtCodec(std::string_view secret) : id_(next_codec_id()) {
  // RFC 2104: keys longer than a block are hashed first, shorter ones padded.
  uint8_t key[SHA256_CBLOCK] = {};
  if (secret.size() > SHA256_CBLOCK) {
    SHA256(reinterpret_cast<const uint8_t*>(secret.data()), secret.size(), key);
  } else {
    std::memcpy(key, secret.data(), secret.size());
  }
  uint8_t pad[SHA256_CBLOCK];
  for (size_t i = 0; i < SHA256_CBLOCK; ++i) pad[i] = key[i] ^ 0x36;
  SHA256_Init(&inner_);
  SHA256_Update(&inner_, pad, sizeof pad);
  for (size_t i = 0; i < SHA256_CBLOCK; ++i) pad[i] = key[i] ^ 0x5c;
  SHA256_Init(&outer_);
  SHA256_Update(&outer_, pad, sizeof pad);
  OPENSSL_cleanse(key, sizeof key);
  OPENSSL_cleanse(pad, sizeof pad);
}

JwtCodec::~JwtCodec() {
  OPENSSL_cleanse(&inner_, sizeof inner_);
  OPENSSL_cleanse(&outer_, sizeof outer_);
}

void JwtCodec::hmac(std::string_view data, uint8_t mac[SHA256_DIGEST_LENGTH]) const {
  SHA256_CTX ctx = inner_;
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(mac, &ctx);
  ctx = outer_;
  SHA256_Update(&ctx, mac, SHA256_DIGEST_LENGTH);
  SHA256_Final(mac, &ctx);
  OPENSSL_cleanse(&ctx, sizeof ctx);
}

std::string JwtCodec::sign(const JwtClaims& c) const {
  char payload[512];  // the longest payload (escaped 32-char jti, 64-bit numbers) is < 400
  char* p = payload;
  p = append(p, R"({"token_type":")");
  p = append(p, c.type == TokenType::kAccess ? "access" : "refresh");
  p = append(p, R"(","exp":)");
  p = append_integer(p, c.exp);
  p = append(p, R"(,"iat":)");
  p = append_integer(p, c.iat);
  p = append(p, R"(,"jti":")");
  p = append_json_string_body(p, std::string_view(c.jti, c.jti_len < kMaxJtiSize ? c.jti_len : kMaxJtiSize));
  p = append(p, R"(","user_id":)");
  p = append_integer(p, c.user_id);
  p = append(p, R"(,"org_id":)");
  p = append_integer(p, c.org_id);
  p = append(p, R"(,"ver":)");
  p = append_integer(p, c.ver);
  *p++ = '}';
  const size_t payload_len = static_cast<size_t>(p - payload);

  std::string token(kHeaderB64.size() + 1 + base64url_encoded_size(payload_len) + 1 + kSignatureB64Size, '\0');
  char* o = append(token.data(), kHeaderB64);
  *o++ = '.';
  o += base64url_encode(reinterpret_cast<const uint8_t*>(payload), payload_len, o);
  uint8_t mac[kMacSize];
  hmac(std::string_view(token.data(), static_cast<size_t>(o - token.data())), mac);
  *o++ = '.';
  base64url_encode(mac, kMacSize, o);
  return token;
}

JwtCodec::Error JwtCodec::verify(std::string_view token, int64_t now_unix, TokenType expected,
                                 JwtClaims* out) const {
  VerifiedTokenCache& cache = VerifiedTokenCache::for_this_thread();
  if (token.size() > kMaxTokenSize) return Error::kMalformed;
  const CredentialTag tag = credential_tag(token);
  JwtClaims claims;
  if (!cache.find(id_, tag, &claims)) {
    if (Error e = verify_signed_claims(token, &claims); e != Error::kNone) return e;
    cache.insert(id_, tag, claims);
  }
  if (Error e = check_claims(claims, now_unix, expected); e != Error::kNone) return e;
  if (out) *out = claims;
  return Error::kNone;
}

JwtCodec::Error JwtCodec::verify_uncached(std::string_view token, int64_t now_unix, TokenType expected,
                                          JwtClaims* out) const {
  JwtClaims claims;
  if (Error e = verify_signed_claims(token, &claims); e != Error::kNone) return e;
  if (Error e = check_claims(claims, now_unix, expected); e != Error::kNone) return e;
  if (out) *out = claims;
  return Error::kNone;
}

JwtCodec::Error JwtCodec::check_claims(const JwtClaims& claims, int64_t now_unix, TokenType expected) {
  if (claims.type != expected) return Error::kWrongType;
  if (claims.exp <= now_unix) return Error::kExpired;
  return Error::kNone;
}

JwtCodec::Error JwtCodec::verify_signed_claims(std::string_view token, JwtClaims* claims) const {
  if (token.size() > kMaxTokenSize) return Error::kMalformed;
  const size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return Error::kMalformed;
  const size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return Error::kMalformed;
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);  // a 4th segment fails to decode

  uint8_t json[base64url_decoded_size(kMaxTokenSize)];  // reused: header, then payload
  size_t json_len;
  if (header_b64 != kHeaderB64) {  // the header we emit needs no parsing
    if (!base64url_decode(header_b64, json, sizeof json, &json_len)) return Error::kMalformed;
    if (Error e = check_header(std::string_view(reinterpret_cast<const char*>(json), json_len)); e != Error::kNone)
      return e;
  }

  uint8_t signature[kMacSize], mac[kMacSize];
  size_t signature_len;
  if (signature_b64.size() != kSignatureB64Size ||
      !base64url_decode(signature_b64, signature, sizeof signature, &signature_len))
    return Error::kMalformed;
  hmac(token.substr(0, dot2), mac);
  if (!constant_time_equal(mac, signature, kMacSize)) return Error::kBadSignature;

  if (!base64url_decode(payload_b64, json, sizeof json, &json_len)) return Error::kMalformed;
  return parse_payload(std::string_view(reinterpret_cast<const char*>(json), json_len), claims);
}

JwtClaims JwtCodec::make_claims(TokenType type, uint64_t user_id, uint64_t org_id, uint32_t ver, int64_t now,
                                int64_t ttl_seconds) const {
  JwtClaims c;
  c.type = type;
  c.user_id = user_id;
  c.org_id = org_id;
  c.ver = ver;
  c.iat = now;
  c.exp = now + ttl_seconds;
  uint8_t id[kMaxJtiSize / 2];
  random_bytes(id, sizeof id);
  hex_encode(id, sizeof id, c.jti);
  c.jti_len = kMaxJtiSize;
  c.jti[kMaxJtiSize] = '\0';
  return c;
}

std::string_view jwt_error_name(JwtCodec::Error e) {
  switch (e) {
    case Error::kNone: return "none";
    case Error::kMalformed: return "malformed";
    case Error::kBadAlgorithm: return "bad_algorithm";
    case Error::kBadSignature: return "bad_signature";
    case Error::kExpired: return "expired";
    case Error::kWrongType: return "wrong_type";
  }
  return "unknown";
}

}  // namespace claribi::auth
