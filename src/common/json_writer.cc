#include "common/json_writer.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "common/text.h"
#include "common/time_util.h"

namespace claribi {

JsonWriter& JsonWriter::key(std::string_view k) {
  separate();
  if (k.size() <= kShortPlain && plain(k)) {  // the usual case: one append
    char buf[kShortPlain + 3];
    buf[0] = '"';
    if (!k.empty()) std::memcpy(buf + 1, k.data(), k.size());  // an empty view may have no data
    buf[k.size() + 1] = '"';
    buf[k.size() + 2] = ':';
    out_.append(buf, k.size() + 3);
  } else {
    append_quoted(out_, k);
    out_.push_back(':');
  }
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::number(int64_t v) {
  separate();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, size_t(r.ptr - buf));
  return *this;
}

JsonWriter& JsonWriter::number(uint64_t v) {
  separate();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, size_t(r.ptr - buf));
  return *this;
}

JsonWriter& JsonWriter::number(double v) {
  separate();
  if (!std::isfinite(v)) {  // JSON has no NaN/Infinity
    out_.append("null");
    return *this;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, size_t(r.ptr - buf));
  return *this;
}

JsonWriter& JsonWriter::timestamp_or_null(int64_t t) {
  if (t == 0) return null();
  separate();
  char buf[kIso8601Len];
  out_.push_back('"');
  out_.append(buf, format_iso8601(t, buf));
  out_.push_back('"');
  return *this;
}

namespace {

// True when one of the 8 bytes of w needs a look: a control character
// (< 0x20), '"', '\\' or a non-ASCII byte. Bit tricks from "Bit Twiddling
// Hacks" (haszero / hasless), so plain ASCII text is skipped 8 bytes at a time.
inline bool word_needs_attention(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  uint64_t less_than_0x20 = (w - kOnes * 0x20) & ~w & kHigh;
  return (less_than_0x20 | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\')) | (w & kHigh)) != 0;
}
}  // namespace

namespace {
// 1 for the bytes word_needs_attention flags.
constexpr auto kNeedsAttention = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) t[size_t(c)] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return t;
}();
}  // namespace

bool JsonWriter::plain(std::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (word_needs_attention(w)) return false;
  }
  uint8_t any = 0;  // the tail (every short key): no early exit, no branches
  for (; i < s.size(); ++i) any |= kNeedsAttention[static_cast<unsigned char>(s[i])];
  return any == 0;
}

void JsonWriter::append_quoted(std::string& out, std::string_view s) {
  const bool is_plain = plain(s);  // printable ASCII without quotes or backslashes: as is
  if (is_plain && s.size() <= kShortPlain) {  // one append
    char buf[kShortPlain + 2];
    buf[0] = '"';
    if (!s.empty()) std::memcpy(buf + 1, s.data(), s.size());  // an empty view may have no data
    buf[s.size() + 1] = '"';
    out.append(buf, s.size() + 2);
    return;
  }
  if (is_plain) {
    out.reserve(out.size() + s.size() + 2);
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return;
  }
  out.push_back('"');
  append_escaped(out, s);
  out.push_back('"');
}

void JsonWriter::append_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t run = 0;  // start of the current run of bytes that need no escaping
  for (size_t i = 0; i < s.size();) {
    if (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (!word_needs_attention(w)) {
        i += 8;
        continue;
      }
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) { ++i; continue; }
    if (c >= 0x80) {
      size_t n = utf8_sequence_length(s, i);
      if (n != 0) { i += n; continue; }
    }
    out.append(s.data() + run, i - run);
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        if (c < 0x20) {
          char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          out.append(esc, 6);
        } else {
          out.append("\xEF\xBF\xBD");  // invalid UTF-8 byte -> U+FFFD
        }
    }
    ++i;
    run = i;
  }
  out.append(s.data() + run, s.size() - run);
}

}  // namespace claribi
