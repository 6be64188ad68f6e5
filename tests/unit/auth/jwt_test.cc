// Tests of HS256 JWT signing and verification (API.md §4), against tokens
// made by PyJWT 2.6 and tokens built by hand with BoringSSL's HMAC.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <openssl/hmac.h>

#include "auth/base64url.h"
#include "auth/jwt.h"
#include "auth/verified_token_cache.h"

namespace claribi::auth {
namespace {

using Error = JwtCodec::Error;

constexpr std::string_view kSecret = "claribi-unit-test-secret-0123456789abcdef";

// /usr/bin/python3 -c 'import jwt; print(jwt.encode({"token_type":"access","exp":1700003600,
//   "iat":1700000000,"jti":"0123456789abcdef0123456789abcdef","user_id":42,"org_id":7,"ver":3},
//   "claribi-unit-test-secret-0123456789abcdef", algorithm="HS256"))'
constexpr std::string_view kPyJwtAccess =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzAwMDAzNjAwLCJpYXQiOjE3MDAwMDAwMDAsImp0aSI6IjAxMjM0NTY3ODlhYmNkZWYw"
    "MTIzNDU2Nzg5YWJjZGVmIiwidXNlcl9pZCI6NDIsIm9yZ19pZCI6NywidmVyIjozfQ."
    "xxWcx6uo-BPp66cjtET3XETbE351rUmUILQtDd6ctvw";
// Same, {"token_type":"refresh","exp":1700604800,"iat":1700000000,"jti":"ffffffffffffffffffffffffffffffff",
//   "user_id":18446744073709551615,"org_id":1,"ver":4294967295}
constexpr std::string_view kPyJwtRefresh =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MTcwMDYwNDgwMCwiaWF0IjoxNzAwMDAwMDAwLCJqdGkiOiJmZmZmZmZmZmZmZmZmZmZm"
    "ZmZmZmZmZmZmZmZmZmZmZiIsInVzZXJfaWQiOjE4NDQ2NzQ0MDczNzA5NTUxNjE1LCJvcmdfaWQiOjEsInZlciI6NDI5NDk2NzI5NX0."
    "Y1acj240cEbtdfZFaIY306hO87tAFIWbcScqRo_xN2s";
// The access claims again, with headers={"kid":"k1"}: header {"alg":"HS256","kid":"k1","typ":"JWT"}.
constexpr std::string_view kPyJwtAccessWithKid =
    "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0."
    "eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzAwMDAzNjAwLCJpYXQiOjE3MDAwMDAwMDAsImp0aSI6IjAxMjM0NTY3ODlhYmNkZWYw"
    "MTIzNDU2Nzg5YWJjZGVmIiwidXNlcl9pZCI6NDIsIm9yZ19pZCI6NywidmVyIjozfQ."
    "YZW2hgYCQgyOdLaLmieOa2fo6Z-Q6N-8Uj7t_KaJvwA";

constexpr int64_t kNow = 1700000001;  // between the vectors' iat and exp

std::string b64(std::string_view s) {
  std::string out(base64url_encoded_size(s.size()), '\0');
  base64url_encode(reinterpret_cast<const uint8_t*>(s.data()), s.size(), out.data());
  return out;
}

// header_seg.payload_seg.signature, the HMAC taken with BoringSSL directly over
// the segments as given (which need not be valid base64url).
std::string signed_segments(std::string_view header_seg, std::string_view payload_seg,
                            const EVP_MD* md = EVP_sha256(), std::string_view secret = kSecret) {
  std::string input = std::string(header_seg) + "." + std::string(payload_seg);
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned mac_len = 0;
  HMAC(md, secret.data(), secret.size(), reinterpret_cast<const uint8_t*>(input.data()), input.size(), mac, &mac_len);
  return input + "." + b64(std::string_view(reinterpret_cast<char*>(mac), mac_len));
}

// A correctly signed token from raw header and payload JSON.
std::string make_token(std::string_view header_json, std::string_view payload_json) {
  return signed_segments(b64(header_json), b64(payload_json));
}

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::string_view kPayload =
    R"({"token_type":"access","exp":1700003600,"iat":1700000000,"jti":"0123456789abcdef0123456789abcdef",)"
    R"("user_id":42,"org_id":7,"ver":3})";

class JwtTest : public ::testing::Test {
 protected:
  Error verify(std::string_view token, TokenType expected = TokenType::kAccess, int64_t now = kNow) {
    claims_ = JwtClaims{};
    return codec_.verify(token, now, expected, &claims_);
  }
  Error verify_payload(std::string_view payload_json) { return verify(make_token(kHeader, payload_json)); }
  Error verify_header(std::string_view header_json) { return verify(make_token(header_json, kPayload)); }

  JwtCodec codec_{kSecret};
  JwtClaims claims_;
};

TEST_F(JwtTest, AcceptsPyJwtAccessToken) {
  ASSERT_EQ(verify(kPyJwtAccess), Error::kNone);
  EXPECT_EQ(claims_.type, TokenType::kAccess);
  EXPECT_EQ(claims_.user_id, 42u);
  EXPECT_EQ(claims_.org_id, 7u);
  EXPECT_EQ(claims_.ver, 3u);
  EXPECT_EQ(claims_.iat, 1700000000);
  EXPECT_EQ(claims_.exp, 1700003600);
  EXPECT_EQ(claims_.jti_view(), "0123456789abcdef0123456789abcdef");
  EXPECT_STREQ(claims_.jti, "0123456789abcdef0123456789abcdef");
}

TEST_F(JwtTest, AcceptsPyJwtRefreshTokenWithExtremeValues) {
  ASSERT_EQ(verify(kPyJwtRefresh, TokenType::kRefresh), Error::kNone);
  EXPECT_EQ(claims_.type, TokenType::kRefresh);
  EXPECT_EQ(claims_.user_id, UINT64_MAX);
  EXPECT_EQ(claims_.org_id, 1u);
  EXPECT_EQ(claims_.ver, UINT32_MAX);
  EXPECT_EQ(claims_.exp, 1700604800);
  EXPECT_EQ(claims_.jti_view(), "ffffffffffffffffffffffffffffffff");
}

TEST_F(JwtTest, AcceptsPyJwtTokenWithKeyId) { EXPECT_EQ(verify(kPyJwtAccessWithKid), Error::kNone); }

TEST_F(JwtTest, SignMatchesPyJwtByteForByte) {
  JwtClaims c;
  c.type = TokenType::kAccess;
  c.user_id = 42;
  c.org_id = 7;
  c.ver = 3;
  c.iat = 1700000000;
  c.exp = 1700003600;
  std::string_view jti = "0123456789abcdef0123456789abcdef";
  jti.copy(c.jti, jti.size());
  c.jti_len = static_cast<uint8_t>(jti.size());
  EXPECT_EQ(codec_.sign(c), kPyJwtAccess);

  c.type = TokenType::kRefresh;
  c.user_id = UINT64_MAX;
  c.org_id = 1;
  c.ver = UINT32_MAX;
  c.exp = 1700604800;
  std::string(32, 'f').copy(c.jti, 32);
  EXPECT_EQ(codec_.sign(c), kPyJwtRefresh);
}

TEST_F(JwtTest, MakeClaimsSignAndVerifyRoundTrip) {
  std::set<std::string> jtis;
  for (int i = 0; i < 50; ++i) {
    JwtClaims c = codec_.make_claims(TokenType::kRefresh, 9, 4, 2, kNow, 7 * 24 * 3600);
    EXPECT_EQ(c.iat, kNow);
    EXPECT_EQ(c.exp, kNow + 7 * 24 * 3600);
    ASSERT_EQ(c.jti_len, 32);
    EXPECT_EQ(c.jti_view().find_first_not_of("0123456789abcdef"), std::string_view::npos);
    jtis.insert(std::string(c.jti_view()));
    ASSERT_EQ(verify(codec_.sign(c), TokenType::kRefresh), Error::kNone);
    EXPECT_EQ(claims_.user_id, 9u);
    EXPECT_EQ(claims_.org_id, 4u);
    EXPECT_EQ(claims_.ver, 2u);
    EXPECT_EQ(claims_.jti_view(), c.jti_view());
  }
  EXPECT_EQ(jtis.size(), 50u);
}

TEST_F(JwtTest, SignEscapesJti) {
  JwtClaims c = codec_.make_claims(TokenType::kAccess, 1, 1, 1, kNow, 60);
  std::string_view jti = "a\"b\\c\n";
  jti.copy(c.jti, jti.size());
  c.jti_len = static_cast<uint8_t>(jti.size());
  ASSERT_EQ(verify(codec_.sign(c)), Error::kNone);
  EXPECT_EQ(claims_.jti_view(), jti);
}

TEST_F(JwtTest, AcceptsAnyHeaderLayout) {
  EXPECT_EQ(verify_header(R"({"typ":"JWT","alg":"HS256"})"), Error::kNone);
  EXPECT_EQ(verify_header(" {\n  \"typ\" : \"JWT\" ,\r\n\t\"alg\" : \"HS256\"\n} "), Error::kNone);
  EXPECT_EQ(verify_header(R"({"alg":"HS256"})"), Error::kNone);
  EXPECT_EQ(verify_header(R"({"alg":"HS\u0032\u0035\u0036"})"), Error::kNone);
  EXPECT_EQ(verify_header(R"({"kid":"2024-01","alg":"HS256","x":{"y":[1,2.5,null]},"typ":"at+jwt"})"), Error::kNone);
}

TEST_F(JwtTest, RejectsOtherAlgorithms) {
  // alg none, unsigned (empty signature) and signed.
  EXPECT_EQ(verify(b64(R"({"alg":"none","typ":"JWT"})") + "." + b64(kPayload) + "."), Error::kBadAlgorithm);
  EXPECT_EQ(verify_header(R"({"alg":"none","typ":"JWT"})"), Error::kBadAlgorithm);
  // HS512, with a genuine HMAC-SHA512 signature.
  EXPECT_EQ(verify(signed_segments(b64(R"({"alg":"HS512","typ":"JWT"})"), b64(kPayload), EVP_sha512())),
            Error::kBadAlgorithm);
  for (std::string_view header : {R"({"typ":"JWT"})", R"({})", R"({"alg":"HS384"})", R"({"alg":"RS256"})",
                                  R"({"alg":"hs256"})", R"({"alg":"HS256 "})", R"({"alg":" HS256"})",
                                  R"({"alg":""})", R"({"alg":null})", R"({"alg":256})", R"({"alg":["HS256"]})",
                                  R"({"ALG":"HS256"})", R"({"alg":"HS256\u0000"})"}) {
    EXPECT_EQ(verify_header(header), Error::kBadAlgorithm) << header;
  }
}

TEST_F(JwtTest, RejectsAmbiguousOrCriticalHeaders) {
  EXPECT_EQ(verify_header(R"({"alg":"HS256","alg":"none"})"), Error::kMalformed);
  EXPECT_EQ(verify_header(R"({"alg":"HS256","alg":"HS256"})"), Error::kMalformed);
  EXPECT_EQ(verify_header(R"({"alg":"HS256","crit":["exp"],"exp":1})"), Error::kMalformed);
  for (std::string_view header : {"", "[]", R"({"alg":"HS256")", R"({"alg":"HS256"}x)", R"("HS256")"}) {
    EXPECT_EQ(verify_header(header), Error::kMalformed) << header;
  }
}

TEST_F(JwtTest, RejectsTamperedTokens) {
  const std::string token(kPyJwtAccess);
  const size_t dot1 = token.find('.'), dot2 = token.rfind('.');
  const std::string payload = token.substr(dot1 + 1, dot2 - dot1 - 1), signature = token.substr(dot2 + 1);
  // Another header, payload or signature (each valid base64url and JSON).
  EXPECT_EQ(verify(b64(R"({"alg":"HS256","typ":"JWS"})") + "." + payload + "." + signature), Error::kBadSignature);
  std::string other_payload(kPayload);
  other_payload.replace(other_payload.find("42"), 2, "43");
  EXPECT_EQ(verify(b64(kHeader) + "." + b64(other_payload) + "." + signature), Error::kBadSignature);
  EXPECT_EQ(verify(token.substr(0, dot2 + 1) + b64(std::string(32, 'x'))), Error::kBadSignature);
  // Another secret.
  EXPECT_EQ(JwtCodec("another-secret-0123456789abcdef0123").verify(kPyJwtAccess, kNow, TokenType::kAccess, nullptr),
            Error::kBadSignature);
  // Every single-character substitution anywhere in the token.
  for (size_t i = 0; i < token.size(); ++i) {
    for (char c : {'A', 'x', '_'}) {
      if (token[i] == c) continue;
      std::string t = token;
      t[i] = c;
      EXPECT_NE(verify(t), Error::kNone) << "position " << i << " -> " << c;
    }
  }
  // Truncations.
  for (size_t n = 0; n < token.size(); ++n) EXPECT_NE(verify(token.substr(0, n)), Error::kNone) << n;
}

TEST_F(JwtTest, RejectsExpiredTokens) {
  EXPECT_EQ(verify(kPyJwtAccess, TokenType::kAccess, 1700003599), Error::kNone);
  EXPECT_EQ(verify(kPyJwtAccess, TokenType::kAccess, 1700003600), Error::kExpired);  // exp == now
  EXPECT_EQ(verify(kPyJwtAccess, TokenType::kAccess, 1700003601), Error::kExpired);
  EXPECT_EQ(verify_payload(R"({"token_type":"access","exp":-5,"jti":"j","user_id":1,"org_id":1,"ver":1})"),
            Error::kExpired);
}

TEST_F(JwtTest, RejectsWrongTokenType) {
  EXPECT_EQ(verify(kPyJwtAccess, TokenType::kRefresh), Error::kWrongType);
  EXPECT_EQ(verify(kPyJwtRefresh, TokenType::kAccess), Error::kWrongType);
  EXPECT_EQ(verify_payload(R"({"token_type":"id","exp":1700003600,"jti":"j","user_id":1,"org_id":1,"ver":1})"),
            Error::kWrongType);
  EXPECT_EQ(verify_payload(R"({"token_type":"Access","exp":1700003600,"jti":"j","user_id":1,"org_id":1,"ver":1})"),
            Error::kWrongType);
  EXPECT_EQ(verify_payload(R"({"token_type":1,"exp":1700003600,"jti":"j","user_id":1,"org_id":1,"ver":1})"),
            Error::kMalformed);
}

TEST_F(JwtTest, AcceptsPayloadInAnyOrderWithOtherClaims) {
  ASSERT_EQ(verify_payload(" {\"ver\" : 5, \"jti\":\"j\\u0041\", \"org_id\":3, \"extra\":{\"a\":[1]}, "
                           "\"user_id\":2, \"exp\":1700003600, \"token_type\":\"access\"}"),
            Error::kNone);
  EXPECT_EQ(claims_.ver, 5u);
  EXPECT_EQ(claims_.org_id, 3u);
  EXPECT_EQ(claims_.user_id, 2u);
  EXPECT_EQ(claims_.iat, 0);  // iat is optional
  EXPECT_EQ(claims_.jti_view(), "jA");
}

TEST_F(JwtTest, RejectsMissingRequiredClaims) {
  const std::string_view fields[] = {R"("token_type":"access")", R"("exp":1700003600)", R"("jti":"j")",
                                     R"("user_id":1)", R"("org_id":1)", R"("ver":1)"};
  for (size_t skip = 0; skip < std::size(fields); ++skip) {
    std::string payload = "{";
    for (size_t i = 0; i < std::size(fields); ++i) {
      if (i == skip) continue;
      if (payload.size() > 1) payload += ",";
      payload += fields[i];
    }
    payload += "}";
    EXPECT_EQ(verify_payload(payload), Error::kMalformed) << payload;
  }
}

TEST_F(JwtTest, RejectsBadClaimValues) {
  const std::string base = R"("token_type":"access","exp":1700003600,"jti":"j","org_id":1,"ver":1)";
  for (std::string_view user_id : {"-1", "1.0", "1e3", "\"1\"", "null", "18446744073709551616", "true"}) {
    EXPECT_EQ(verify_payload("{" + base + ",\"user_id\":" + std::string(user_id) + "}"), Error::kMalformed)
        << user_id;
  }
  EXPECT_EQ(verify_payload("{" + base + R"(,"user_id":1,"user_id":2})"), Error::kMalformed);  // duplicate
  const std::string no_ver = R"("token_type":"access","exp":1700003600,"jti":"j","user_id":1,"org_id":1)";
  EXPECT_EQ(verify_payload("{" + no_ver + R"(,"ver":4294967296})"), Error::kMalformed);
  EXPECT_EQ(verify_payload("{" + no_ver + R"(,"ver":-1})"), Error::kMalformed);
  const std::string no_exp = R"("token_type":"access","jti":"j","user_id":1,"org_id":1,"ver":1)";
  EXPECT_EQ(verify_payload("{" + no_exp + R"(,"exp":1700003600.5})"), Error::kMalformed);
  EXPECT_EQ(verify_payload("{" + no_exp + R"(,"exp":"1700003600"})"), Error::kMalformed);
  EXPECT_EQ(verify_payload("{" + no_exp + R"(,"exp":9223372036854775808})"), Error::kMalformed);
  EXPECT_EQ(verify_payload("{" + no_exp + R"(,"exp":1700003600,"iat":1.5})"), Error::kMalformed);
  for (std::string_view payload : {"", "[]", "{", "null", "{\"token_type\":\"access\"", "{}"}) {
    EXPECT_EQ(verify_payload(payload), Error::kMalformed) << payload;
  }
}

TEST_F(JwtTest, JtiLength) {
  const std::string rest = R"("token_type":"access","exp":1700003600,"user_id":1,"org_id":1,"ver":1)";
  ASSERT_EQ(verify_payload("{" + rest + ",\"jti\":\"" + std::string(32, 'z') + "\"}"), Error::kNone);
  EXPECT_EQ(claims_.jti_view(), std::string(32, 'z'));
  EXPECT_EQ(verify_payload("{" + rest + ",\"jti\":\"" + std::string(33, 'z') + "\"}"), Error::kMalformed);
  EXPECT_EQ(verify_payload("{" + rest + ",\"jti\":\"\"}"), Error::kMalformed);
  EXPECT_EQ(verify_payload("{" + rest + ",\"jti\":7}"), Error::kMalformed);
}

TEST_F(JwtTest, RejectsBadBase64UrlSegments) {
  const std::string h = b64(kHeader), p = b64(kPayload);
  const std::string padding((4 - p.size() % 4) % 4, '=');  // what padded base64 would append
  ASSERT_FALSE(padding.empty());
  const std::string good = signed_segments(h, p);
  const std::string sig = good.substr(good.rfind('.') + 1);
  // Padding: on the header, on the payload (the signature covers the padded text), on the signature.
  EXPECT_EQ(verify(h + "=." + p + "." + sig), Error::kMalformed);
  EXPECT_EQ(verify(signed_segments(h, p + padding)), Error::kMalformed);
  EXPECT_EQ(verify(good + "="), Error::kMalformed);
  // The standard alphabet's '+' and '/' instead of '-' and '_'.
  std::string plus_sig = sig;
  plus_sig[5] = '+';
  EXPECT_EQ(verify(h + "." + p + "." + plus_sig), Error::kMalformed);
  std::string slash_sig = sig;
  slash_sig[5] = '/';
  EXPECT_EQ(verify(h + "." + p + "." + slash_sig), Error::kMalformed);
  EXPECT_EQ(verify(signed_segments(h, "/" + p.substr(1))), Error::kMalformed);
  // Impossible lengths (len % 4 == 1).
  EXPECT_EQ(verify(signed_segments(h, p + std::string((5 - p.size() % 4) % 4, 'A'))), Error::kMalformed);
  EXPECT_EQ(verify(signed_segments(h + "A", p)), Error::kMalformed);
  // Empty segments.
  EXPECT_EQ(verify(".."), Error::kMalformed);
  EXPECT_EQ(verify("." + p + "." + sig), Error::kMalformed);
  EXPECT_EQ(verify(signed_segments(h, "")), Error::kMalformed);
  EXPECT_EQ(verify(h + "." + p + "."), Error::kMalformed);
  EXPECT_EQ(verify(""), Error::kMalformed);
}

TEST_F(JwtTest, RejectsWrongSegmentCount) {
  const std::string good(kPyJwtAccess);
  EXPECT_EQ(verify(good.substr(0, good.rfind('.'))), Error::kMalformed);
  EXPECT_EQ(verify(good.substr(0, good.find('.'))), Error::kMalformed);
  EXPECT_EQ(verify(good + ".x"), Error::kMalformed);
  EXPECT_EQ(verify(good + "."), Error::kMalformed);
  EXPECT_EQ(verify(good + ".." + good), Error::kMalformed);
}

TEST_F(JwtTest, RejectsTokensLongerThan4KiB) {
  // Pad an extra claim (and the header's whitespace) until the token is exactly n characters long.
  auto token_of_size = [](size_t n) {
    for (size_t ws = 0; ws < 3; ++ws) {
      for (size_t pad = 0; pad < 4096; ++pad) {
        std::string payload(kPayload);
        payload.insert(1, "\"pad\":\"" + std::string(pad, 'p') + "\",");
        std::string header(kHeader);
        header.insert(1, ws, ' ');
        std::string t = make_token(header, payload);
        if (t.size() == n) return t;
        if (t.size() > n) break;
      }
    }
    ADD_FAILURE() << "no token of size " << n;
    return std::string();
  };
  EXPECT_EQ(verify(token_of_size(kMaxTokenSize)), Error::kNone);
  EXPECT_EQ(verify(token_of_size(kMaxTokenSize + 1)), Error::kMalformed);
  EXPECT_EQ(verify(std::string(100000, 'A')), Error::kMalformed);
}

TEST_F(JwtTest, LeavesOutputAloneOnFailureAndAcceptsNullOutput) {
  claims_.user_id = 12345;
  JwtClaims before = claims_;
  EXPECT_EQ(codec_.verify(kPyJwtAccess, 1800000000, TokenType::kAccess, &before), Error::kExpired);
  EXPECT_EQ(before.user_id, 12345u);
  EXPECT_EQ(codec_.verify(kPyJwtAccess, kNow, TokenType::kAccess, nullptr), Error::kNone);
}

// verify() remembers tokens it has verified on this thread (by a keyed tag of
// their bytes, this codec); what a hit skips must never change an answer.
TEST_F(JwtTest, RepeatedVerificationGivesTheSameAnswers) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(verify(kPyJwtAccess), Error::kNone);
    EXPECT_EQ(claims_.user_id, 42u);
    EXPECT_EQ(claims_.jti_view(), "0123456789abcdef0123456789abcdef");
  }
  // token_type and exp are checked on every call, cached or not.
  EXPECT_EQ(verify(kPyJwtAccess, TokenType::kRefresh), Error::kWrongType);
  EXPECT_EQ(verify(kPyJwtAccess, TokenType::kAccess, 1700003600), Error::kExpired);
  EXPECT_EQ(verify(kPyJwtAccess), Error::kNone);
  // A codec with another secret on the same thread does not see this one's tokens.
  JwtCodec other("another-secret-0123456789abcdef0123");
  EXPECT_EQ(other.verify(kPyJwtAccess, kNow, TokenType::kAccess, nullptr), Error::kBadSignature);
  EXPECT_EQ(other.verify(kPyJwtAccess, kNow, TokenType::kAccess, nullptr), Error::kBadSignature);
  // A copy has the same secret: it accepts.
  JwtCodec copy = codec_;
  EXPECT_EQ(copy.verify(kPyJwtAccess, kNow, TokenType::kAccess, nullptr), Error::kNone);
  // The same token with its last signature character changed still fails.
  std::string tampered(kPyJwtAccess);
  tampered.back() = tampered.back() == 'w' ? 'x' : 'w';
  EXPECT_NE(verify(tampered), Error::kNone);
  // Many distinct tokens (more than the cache holds) all verify, then the first again.
  for (uint64_t u = 1; u <= 600; ++u) {
    std::string t = codec_.sign(codec_.make_claims(TokenType::kAccess, u, 7, 1, kNow, 3600));
    ASSERT_EQ(verify(t), Error::kNone);
    ASSERT_EQ(claims_.user_id, u);
  }
  EXPECT_EQ(verify(kPyJwtAccess), Error::kNone);
  EXPECT_EQ(claims_.user_id, 42u);
}

// The cache keeps no token bytes (issue 15): after a logout the token
// cannot be read back out of the process. No 12-byte piece of a verified
// token, of its payload or signature, is anywhere in this thread's cache.
TEST_F(JwtTest, CacheHoldsNoTokenBytes) {
  std::string token = codec_.sign(codec_.make_claims(TokenType::kAccess, 77, 7, 1, kNow, 3600));
  ASSERT_EQ(verify(token), Error::kNone);
  ASSERT_EQ(verify(token), Error::kNone);  // served from the cache
  const auto& cache = VerifiedTokenCache::for_this_thread();
  std::string_view memory(reinterpret_cast<const char*>(&cache), sizeof cache);
  for (size_t i = 0; i + 12 <= token.size(); i += 4)
    ASSERT_EQ(memory.find(std::string_view(token).substr(i, 12)), std::string_view::npos) << "at " << i;
}

TEST_F(JwtTest, UncachedVerificationAgrees) {
  JwtClaims c;
  EXPECT_EQ(codec_.verify_uncached(kPyJwtAccess, kNow, TokenType::kAccess, &c), Error::kNone);
  EXPECT_EQ(c.user_id, 42u);
  EXPECT_EQ(codec_.verify_uncached(kPyJwtAccess, kNow, TokenType::kRefresh, &c), Error::kWrongType);
  EXPECT_EQ(codec_.verify_uncached(kPyJwtAccess, 1700003600, TokenType::kAccess, &c), Error::kExpired);
}

TEST(JwtCodecKeys, LongSecretsAreHashedAsHmacRequires) {
  const std::string secret(200, 's');  // longer than SHA-256's 64-byte block
  JwtCodec codec(secret);
  std::string token = signed_segments(b64(kHeader), b64(kPayload), EVP_sha256(), secret);
  EXPECT_EQ(codec.verify(token, kNow, TokenType::kAccess, nullptr), Error::kNone);
  EXPECT_EQ(JwtCodec(secret.substr(1)).verify(token, kNow, TokenType::kAccess, nullptr), Error::kBadSignature);
}

TEST(JwtErrorName, NamesEveryError) {
  EXPECT_EQ(jwt_error_name(Error::kNone), "none");
  EXPECT_EQ(jwt_error_name(Error::kBadAlgorithm), "bad_algorithm");
  EXPECT_EQ(jwt_error_name(Error::kWrongType), "wrong_type");
}

}  // namespace
}  // namespace claribi::auth
