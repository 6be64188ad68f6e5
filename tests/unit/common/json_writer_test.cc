// JsonWriter string escaping: the 8-bytes-at-a-time fast path must escape
// exactly what a byte-by-byte reference escapes — quotes, backslashes,
// control characters, invalid UTF-8 (to U+FFFD) — wherever in a word they
// sit, and pass valid UTF-8 through.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/json_writer.h"

namespace claribi {
namespace {

// Byte-by-byte reference, written independently of json_writer.cc.
std::string reference(const std::string& s) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c == '\b') out += "\\b";
    else if (c == '\f') out += "\\f";
    else if (c < 0x20) out += std::string("\\u00") + kHex[c >> 4] + kHex[c & 15];
    else if (c < 0x80) out += char(c);
    else {
      size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
      bool ok = n != 0 && i + n <= s.size();
      uint32_t cp = ok ? c & (0xFF >> (n + 1)) : 0;
      for (size_t k = 1; ok && k < n; ++k) {
        auto cc = static_cast<unsigned char>(s[i + k]);
        ok = (cc & 0xC0) == 0x80;
        cp = (cp << 6) | (cc & 0x3F);
      }
      uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
      ok = ok && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
      if (ok) {
        out.append(s, i, n);
        i += n;
        continue;
      }
      out += "\xEF\xBF\xBD";
    }
    ++i;
  }
  return out + "\"";
}

std::string escaped(const std::string& s) {
  std::string out;
  JsonWriter::append_quoted(out, s);
  return out;
}

TEST(JsonWriterEscape, SpecialBytesAtEveryOffsetOfAWord) {
  const std::vector<std::string> specials = {"\"", "\\", "\n", std::string(1, '\0'), "\x1f", "\x7f", "\xc3\xa9", "\xff",
                                    "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xed\xa0\x80"};
  for (const std::string& special : specials) {
    for (size_t pos = 0; pos < 20; ++pos) {
      std::string s = std::string(pos, 'a') + special + std::string(19 - pos % 7, 'b');
      EXPECT_EQ(escaped(s), reference(s)) << "offset " << pos;
    }
  }
}

TEST(JsonWriterEscape, PlainAsciiPassesThrough) {
  std::string s = "Revenue Dashboard 2025 - all regions ~ {x: [1, 2]} / ok";
  EXPECT_EQ(escaped(s), "\"" + s + "\"");
  EXPECT_EQ(escaped(""), "\"\"");
}

TEST(JsonWriterEscape, RandomStringsMatchTheReference) {
  std::mt19937 rng(7);
  const std::string alphabet = std::string("abcXYZ 09\"\\\n\t\x01\x7f") + std::string(1, '\0') + "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x80\xff";
  for (int n = 0; n < 20000; ++n) {
    std::string s;
    size_t len = rng() % 40;
    for (size_t i = 0; i < len; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
    ASSERT_EQ(escaped(s), reference(s)) << n;
  }
}

// Both sides of the short-string path (quoted on the stack up to 125 bytes)
// and keys, which take the same paths.
TEST(JsonWriterEscape, LongAndShortStringsAndKeysMatchTheReference) {
  std::mt19937 rng(11);
  const std::string alphabet = std::string("abcdefgh XYZ 0189-_.") + "\"\\\n\x01\xc3\xa9\xff";
  for (int n = 0; n < 4000; ++n) {
    std::string s;
    size_t len = 100 + rng() % 200;
    bool plain = n % 2 == 0;
    for (size_t i = 0; i < len; ++i) s.push_back(plain ? 'a' + char(rng() % 26) : alphabet[rng() % alphabet.size()]);
    if (!plain && rng() % 4 == 0) s[len - 1] = '"';  // a special byte in the very last position
    ASSERT_EQ(escaped(s), reference(s)) << n;
    std::string out;
    JsonWriter w(out);
    w.begin_object().key(s).number(int64_t(1)).end_object();
    ASSERT_EQ(out, "{" + reference(s) + ":1}") << n;
  }
}

}  // namespace
}  // namespace claribi
