// Tests of the auth layer's primitives: CRC-32, SHA-256, constant-time
// compare, random hex, strict base64url and the flat JSON object reader.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "auth/base64url.h"
#include "auth/crypto.h"
#include "auth/flat_json.h"

namespace claribi::auth {
namespace {

std::string hex(const model::KeyHash& h) {
  std::string s(64, '\0');
  hex_encode(h.data(), h.size(), s.data());
  return s;
}

TEST(Crc32, KnownVectors) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc32(""), 0u);
  EXPECT_EQ(crc32("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ConstantTimeEqual, ComparesBytes) {
  EXPECT_TRUE(constant_time_equal("abcd", "abcd", 4));
  EXPECT_FALSE(constant_time_equal("abcd", "abce", 4));
  EXPECT_TRUE(constant_time_equal("abcd", "abce", 3));
  EXPECT_TRUE(constant_time_equal("", "", 0));
}

TEST(RandomHex, LengthAlphabetAndUniqueness) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string h = random_hex(16);
    ASSERT_EQ(h.size(), 32u);
    EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos) << h;
    seen.insert(h);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(random_hex(0), "");
}

std::string encode(std::string_view in) {
  std::string out(base64url_encoded_size(in.size()), '\0');
  size_t n = base64url_encode(reinterpret_cast<const uint8_t*>(in.data()), in.size(), out.data());
  EXPECT_EQ(n, out.size());
  return out;
}

// The decoded text, or "<invalid>".
std::string decode(std::string_view in) {
  uint8_t buf[256];
  size_t n = 0;
  if (!base64url_decode(in, buf, sizeof buf, &n)) return "<invalid>";
  EXPECT_EQ(n, base64url_decoded_size(in.size()));
  return std::string(reinterpret_cast<char*>(buf), n);
}

TEST(Base64Url, Rfc4648VectorsWithoutPadding) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (auto [plain, coded] : vectors) {
    EXPECT_EQ(encode(plain), coded);
    EXPECT_EQ(decode(coded), plain);
  }
}

TEST(Base64Url, UsesUrlAlphabet) {
  EXPECT_EQ(encode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(decode("-_-_"), "\xfb\xff\xbf");
}

TEST(Base64Url, RejectsPaddingStandardAlphabetAndJunk) {
  EXPECT_EQ(decode("Zg=="), "<invalid>");
  EXPECT_EQ(decode("Zm8="), "<invalid>");
  EXPECT_EQ(decode("+/+/"), "<invalid>");
  EXPECT_EQ(decode("Zm9v Yg"), "<invalid>");
  EXPECT_EQ(decode("Zm9v\nYg"), "<invalid>");
  EXPECT_EQ(decode("Zm.v"), "<invalid>");
  EXPECT_EQ(decode(std::string_view("Zm\0v", 4)), "<invalid>");
  EXPECT_EQ(decode("Zm9\xc3\xa9"), "<invalid>");
}

TEST(Base64Url, RejectsImpossibleLengths) {
  EXPECT_EQ(decode("Z"), "<invalid>");
  EXPECT_EQ(decode("Zm9vY"), "<invalid>");
}

TEST(Base64Url, RejectsNonCanonicalTrailingBits) {
  EXPECT_EQ(decode("Zg"), "f");
  EXPECT_EQ(decode("Zh"), "<invalid>");  // same first 8 bits as "Zg", a stray low bit set
  EXPECT_EQ(decode("Zm8"), "fo");
  EXPECT_EQ(decode("Zm9"), "<invalid>");
}

TEST(Base64Url, RespectsCapacity) {
  uint8_t buf[3];
  size_t n = 0;
  EXPECT_TRUE(base64url_decode("Zm9v", buf, 3, &n));
  EXPECT_EQ(n, 3u);
  EXPECT_FALSE(base64url_decode("Zm9vYg", buf, 3, &n));
}

// The members of a JSON object as "key=value;" (raw views), or "<invalid>".
std::string members(std::string_view json) {
  JsonObjectReader reader(json);
  JsonMember m;
  std::string out;
  while (reader.next(&m)) {
    out += std::string(m.key) + "=" + std::string(m.value) + (m.kind == JsonKind::kString ? "s" : "") + ";";
  }
  return reader.ok() ? out : "<invalid>";
}

TEST(FlatJson, ReadsMembersInAnyLayout) {
  EXPECT_EQ(members("{}"), "");
  EXPECT_EQ(members(" { } "), "");
  EXPECT_EQ(members(R"({"a":1,"b":"x"})"), "a=1;b=xs;");
  EXPECT_EQ(members(" {\n\t\"b\" : \"x\" ,\r\n \"a\" : -1.5e+3 } \n"), "b=xs;a=-1.5e+3;");
  EXPECT_EQ(members(R"({"n":null,"t":true,"f":false})"), "n=null;t=true;f=false;");
  EXPECT_EQ(members(R"({"o":{"x":[1,{"y":[]}]},"z":0})"), R"(o={"x":[1,{"y":[]}]};z=0;)");
  EXPECT_EQ(members(R"({"e":"a\"b\\c\u00e9"})"), R"(e=a\"b\\c\u00e9s;)");
}

TEST(FlatJson, RejectsInvalidJson) {
  for (std::string_view bad : {"", "[]", "{", "}", R"({"a"})", R"({"a":})", R"({"a":1,})", R"({,"a":1})",
                               R"({"a":1}x)", R"({"a":1}{})", R"({a:1})", R"({'a':1})", R"({"a":01})",
                               R"({"a":1.})", R"({"a":.5})", R"({"a":+1})", R"({"a":1e})", R"({"a":tru})",
                               R"({"a":"x)", "{\"a\":\"\x01\"}", R"({"a":"\x"})", R"({"a":"\u12"})",
                               R"({"a":[1,]})", R"({"a":{"b"}})", R"({"a":1 "b":2})"}) {
    EXPECT_EQ(members(bad), "<invalid>") << bad;
  }
  std::string deep = R"({"a":)" + std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_EQ(members(deep), "<invalid>");
}

TEST(FlatJson, UnescapesAndCompares) {
  char buf[16];
  size_t n = 0;
  ASSERT_TRUE(json_unescape(R"(a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00)", buf, sizeof buf, &n));
  EXPECT_EQ(std::string(buf, n), "a\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_FALSE(json_unescape(R"(\ud83d)", buf, sizeof buf, &n));  // lone high surrogate
  EXPECT_FALSE(json_unescape(R"(\ude00)", buf, sizeof buf, &n));  // lone low surrogate
  EXPECT_FALSE(json_unescape("0123456789abcdefg", buf, sizeof buf, &n));  // does not fit
  EXPECT_TRUE(json_string_equals(R"(HS\u0032\u00356)", true, "HS256"));
  EXPECT_FALSE(json_string_equals(R"(HS\u00325)", true, "HS256"));
  EXPECT_FALSE(json_string_equals(R"(HS2567\u0030)", true, "HS256"));
  EXPECT_TRUE(json_string_equals("HS256", false, "HS256"));
}

}  // namespace
}  // namespace claribi::auth
